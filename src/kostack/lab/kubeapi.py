"""A Kubernetes API server double: the real `kubernetes` client talks to it unchanged.

`KubeApiDouble` keeps Kubernetes objects (plain dicts) in memory and serves
them over HTTP on 127.0.0.1 from a background thread, with the API server's
paths, discovery documents, Status errors, selectors, pagination,
resourceVersion conflicts, patch types, finalizers and watch. It stands in
for a cluster in tests and in `kostack lab`. It is not a cluster: there is no
scheduler, kubelet or garbage collector; the few controllers whose effects
matter to kostack (PVC/PV protection and reclaim, namespace deletion, CRD
establishment) are emulated synchronously, and tests can attach behaviour to
creation (see `on_create` and `start_pods_on_create`).

Typical use in a test::

    with KubeApiDouble(seed_cluster()) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
        client = kubernetes.config.new_client_from_config(
            config_file=str(kubeconfig), context=api.context_name)
        kubernetes.client.CoreV1Api(client).list_node()
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import yaml
from aiohttp import web

from kostack.lab.kubeapi_patch import json_patch, merge_patch
from kostack.lab.kubeapi_resources import BUILTIN_GROUP_ORDER, ResourceType, version_priority
from kostack.lab.kubeapi_selectors import (
    FieldRequirement,
    LabelRequirement,
    fields_match,
    labels_match,
)
from kostack.lab.kubeapi_store import (
    CreateHook,
    JsonObject,
    KubeApiError,
    KubeStore,
    WatchEvent,
    expired_continue,
    is_true,
    metadata_of,
    object_key,
)

__all__ = [
    "CreateHook",
    "Fault",
    "JsonObject",
    "KubeApiDouble",
    "KubeApiError",
    "KubeStore",
    "RequestRecord",
    "ResourceType",
]


_ANONYMOUS_PATHS: Final = frozenset({"/version", "/healthz", "/livez", "/readyz"})
# A watch without timeoutSeconds ends after this long (real servers pick 30-60 min).
_DEFAULT_WATCH_SECONDS: Final = 1800


@dataclass
class Fault:
    """A fault served instead of (or before) the normal answer.

    `group` and `resource` name what RBAC would name: `resource` is the
    plural (`nodes`) or `plural/subresource` (`pods/log`); "*" matches any.
    `status` None means only the delay applies. `times` None means every
    matching request; `hits` counts the requests the fault was applied to.
    """

    group: str
    resource: str
    status: int | None = None
    delay: float = 0.0
    verbs: frozenset[str] | None = None
    namespace: str | None = None
    name: str | None = None
    times: int | None = None
    message: str | None = None
    continued: bool | None = None
    hits: int = 0

    def matches(self, route: _Route, verb: str, query: Mapping[str, str]) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        resource = route.resource_path
        return (
            self.group in ("*", route.group)
            and self.resource in ("*", resource)
            and (self.verbs is None or verb in self.verbs)
            and (self.namespace is None or self.namespace == route.namespace)
            and (self.name is None or self.name == route.name)
            and (self.continued is None or self.continued == bool(query.get("continue")))
        )


@dataclass(frozen=True)
class RequestRecord:
    """One request the double answered."""

    method: str
    path: str
    query: str
    verb: str
    group: str
    version: str
    resource: str
    subresource: str
    namespace: str
    name: str
    status: int
    user_agent: str


@dataclass(frozen=True)
class _Route:
    group: str = ""
    version: str = ""
    resource: str = ""
    namespace: str = ""
    name: str = ""
    subresource: str = ""
    legacy_watch: bool = False

    @property
    def resource_path(self) -> str:
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource


@dataclass
class _Watcher:
    rtype: ResourceType
    namespace: str
    labels: list[LabelRequirement]
    fields: list[FieldRequirement]
    queue: asyncio.Queue[WatchEvent | None]


@dataclass
class _Server:
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    sock: socket.socket
    port: int
    watchers: list[_Watcher] = field(default_factory=list)


class KubeApiDouble(KubeStore):
    """An in-memory Kubernetes API server on 127.0.0.1, for the official client.

    `objects` are stored as if created before the server started (CRDs and
    APIServices first, so the custom types they define are served). The
    server needs `Authorization: Bearer <token>` on everything except
    /version and the health paths; `token` defaults to a random value, which
    tests use as a secret canary.
    """

    def __init__(
        self,
        objects: Iterable[Mapping[str, Any]] = (),
        *,
        kubernetes_version: str = "v1.33.5",
        token: str | None = None,
        username: str = "kostack-lab-user",
        service_cidr: str = "10.96.0.0/12",
        node_port_range: tuple[int, int] = (30000, 32767),
        clock: Callable[[], datetime] | None = None,
        validator: Callable[[JsonObject], Sequence[str]] | None = None,
        context_name: str = "kostack-lab",
    ) -> None:
        self._server: _Server | None = None
        self._faults: list[Fault] = []
        self._records: list[RequestRecord] = []
        self._kubernetes_version = kubernetes_version
        self.token: str = token if token is not None else "kostack-canary-" + secrets.token_hex(16)
        self.username = username
        self.context_name = context_name
        super().__init__(
            objects,
            service_cidr=service_cidr,
            node_port_range=node_port_range,
            clock=clock,
            validator=validator,
        )

    def _notify(self, event: WatchEvent) -> None:
        server = self._server
        if server is None:
            return
        for watcher in server.watchers:
            if watcher.rtype.storage_key == event.storage_key:
                server.loop.call_soon_threadsafe(watcher.queue.put_nowait, event)

    def start(self, port: int = 0) -> KubeApiDouble:
        """Serve on 127.0.0.1:`port` (0: a free port) from a background thread."""
        with self._lock:
            if self._server is not None:
                raise RuntimeError("the Kubernetes API double is already running")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen(128)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        bound_port = int(sock.getsockname()[1])
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failures: list[BaseException] = []
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # Short shutdown wait: a stop() must not hang on a delayed or watching request.
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(runner.setup())
                loop.run_until_complete(web.SockSite(runner, sock).start())
            except BaseException as error:  # reported to start()'s caller
                failures.append(error)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(runner.cleanup())
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        thread = threading.Thread(target=serve, name=f"kube-api-double:{bound_port}", daemon=True)
        thread.start()
        ready.wait()
        if failures:
            thread.join()
            sock.close()
            raise RuntimeError("the Kubernetes API double could not start") from failures[0]
        with self._lock:
            self._server = _Server(loop=loop, thread=thread, sock=sock, port=bound_port)
        return self

    def stop(self) -> None:
        """Stop serving; returns once the thread has ended and the socket is closed."""
        with self._lock:
            server = self._server
            self._server = None
            if server is None:
                return
            for watcher in server.watchers:
                server.loop.call_soon_threadsafe(watcher.queue.put_nowait, None)
        server.loop.call_soon_threadsafe(server.loop.stop)
        server.thread.join()
        server.sock.close()

    def __enter__(self) -> KubeApiDouble:
        """Start unless already started (so `with KubeApiDouble(...).start():` works too)."""
        return self if self.running else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        server = self._server
        if server is None:
            raise RuntimeError("the Kubernetes API double is not running")
        return server.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kubeconfig(
        self,
        *,
        context: str | None = None,
        namespace: str = "default",
        cluster: str = "kostack-lab",
        user: str = "kostack-lab-admin",
    ) -> JsonObject:
        """A kubeconfig document (dict) pointing at this server with the bearer token."""
        context_name = context or self.context_name
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "clusters": [{"name": cluster, "cluster": {"server": self.url}}],
            "users": [{"name": user, "user": {"token": self.token}}],
            "contexts": [
                {
                    "name": context_name,
                    "context": {"cluster": cluster, "user": user, "namespace": namespace},
                }
            ],
            "current-context": context_name,
        }

    def write_kubeconfig(
        self,
        path: str | os.PathLike[str],
        *,
        context: str | None = None,
        namespace: str = "default",
        cluster: str = "kostack-lab",
        user: str = "kostack-lab-admin",
    ) -> Path:
        """Write `kubeconfig()` to `path` (mode 0600, it holds the token); returns the path."""
        target = Path(path)
        document = self.kubeconfig(context=context, namespace=namespace, cluster=cluster, user=user)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            yaml.safe_dump(document, stream, sort_keys=False)
        return target

    def inject_fault(
        self,
        group: str,
        resource: str,
        *,
        status: int | None = None,
        delay: float = 0.0,
        verbs: Iterable[str] | None = None,
        namespace: str | None = None,
        name: str | None = None,
        times: int | None = None,
        message: str | None = None,
        continued: bool | None = None,
    ) -> Fault:
        """Answer matching requests with `status` (a Status body) and/or after `delay` s.

        403 answers read like RBAC denials (`User "..." cannot list resource
        "nodes" in API group "" at the cluster scope`). `continued` True/False
        matches only list pages with/without a continue token; 410 on a page
        with one answers as kube-apiserver does when the token expired (the
        Status carries a token that reads on at the latest revision).
        """
        fault = Fault(
            group=group,
            resource=resource,
            status=status,
            delay=delay,
            verbs=frozenset(verbs) if verbs is not None else None,
            namespace=namespace,
            name=name,
            times=times,
            message=message,
            continued=continued,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def requests(self) -> tuple[RequestRecord, ...]:
        with self._lock:
            return tuple(self._records)

    def request_count(
        self,
        *,
        group: str | None = None,
        resource: str | None = None,
        verb: str | None = None,
        namespace: str | None = None,
        status: int | None = None,
    ) -> int:
        """How many answered requests match every given criterion."""
        with self._lock:
            return sum(
                1
                for r in self._records
                if (group is None or r.group == group)
                and (resource is None or resource in (r.resource, f"{r.resource}/{r.subresource}"))
                and (verb is None or r.verb == verb)
                and (namespace is None or r.namespace == namespace)
                and (status is None or r.status == status)
            )

    def reset_requests(self) -> None:
        with self._lock:
            self._records.clear()

    def _version_document(self) -> JsonObject:
        version = self._kubernetes_version
        major, minor = version.lstrip("v").split(".")[:2]
        return {
            "major": major,
            "minor": minor,
            "emulationMajor": major,
            "emulationMinor": minor,
            "minCompatibilityMajor": major,
            "minCompatibilityMinor": str(max(int(minor) - 1, 0)),
            "gitVersion": version,
            # A stand-in commit id: stable per version, not the real release's.
            "gitCommit": hashlib.sha1(version.encode()).hexdigest(),
            "gitTreeState": "clean",
            "buildDate": "2025-09-09T19:44:50Z",
            "goVersion": "go1.24.6",
            "compiler": "gc",
            "platform": "linux/amd64",
        }

    def _groups(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for rtype in self._types.values():
            if rtype.group:
                versions = groups.setdefault(rtype.group, [])
                if rtype.version not in versions:
                    versions.append(rtype.version)
        for versions in groups.values():
            versions.sort(key=version_priority)
        return groups

    def _group_document(self, name: str, versions: list[str]) -> JsonObject:
        entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
        return {"name": name, "versions": entries, "preferredVersion": entries[0]}

    def _discovery(self, route_parts: list[str]) -> JsonObject | None:
        if route_parts == ["api"]:
            return {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{self.port}"}
                ],
            }
        groups = self._groups()
        if route_parts == ["apis"]:
            order = {g: n for n, g in enumerate(BUILTIN_GROUP_ORDER)}
            names = sorted(groups, key=lambda g: (order.get(g, len(order)), g))
            return {
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [self._group_document(g, groups[g]) for g in names],
            }
        if len(route_parts) == 2 and route_parts[0] == "apis":
            if route_parts[1] not in groups:
                raise KubeApiError(404, "the server could not find the requested resource")
            return {
                "kind": "APIGroup",
                "apiVersion": "v1",
                **self._group_document(route_parts[1], groups[route_parts[1]]),
            }
        if route_parts == ["api", "v1"]:
            group, version = "", "v1"
        elif len(route_parts) == 3 and route_parts[0] == "apis":
            group, version = route_parts[1], route_parts[2]
        else:
            return None
        resources = [
            entry
            for rtype in sorted(self._types.values(), key=lambda t: t.plural)
            if rtype.group == group and rtype.version == version
            for entry in rtype.discovery_entries()
        ]
        if not resources:
            raise KubeApiError(404, "the server could not find the requested resource")
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version,
            "resources": resources,
        }

    @staticmethod
    def _parse_route(parts: list[str]) -> _Route | None:
        """The resource route of /api/v1/... or /apis/<group>/<version>/..., else None."""
        if len(parts) >= 3 and parts[0] == "api" and parts[1] == "v1":
            group, version, rest = "", "v1", parts[2:]
        elif len(parts) >= 4 and parts[0] == "apis":
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            return None
        legacy_watch = False
        if rest[0] == "watch":
            legacy_watch, rest = True, rest[1:]
            if not rest:
                return None
        namespace = ""
        namespace_subresource = group == "" and len(rest) == 3 and rest[2] in ("status", "finalize")
        if rest[0] == "namespaces" and len(rest) >= 3 and not namespace_subresource:
            namespace, rest = rest[1], rest[2:]
        if len(rest) > 3:
            return None
        return _Route(
            group=group,
            version=version,
            resource=rest[0],
            namespace=namespace,
            name=rest[1] if len(rest) > 1 else "",
            subresource=rest[2] if len(rest) > 2 else "",
            legacy_watch=legacy_watch,
        )

    @staticmethod
    def _verb(method: str, route: _Route, query: Mapping[str, str]) -> str:
        if method == "GET":
            if route.legacy_watch or is_true(query.get("watch")):
                return "watch"
            return "get" if route.name else "list"
        if method == "POST":
            return "create"
        if method == "PUT":
            return "update"
        if method == "PATCH":
            return "patch"
        if method == "DELETE":
            return "delete" if route.name else "deletecollection"
        return method.lower()

    def _forbidden(self, route: _Route, verb: str, message: str | None) -> KubeApiError:
        subject = (
            f'{_qualified_name(route)} "{route.name}"' if route.name else _qualified_name(route)
        )
        scope = (
            f'in the namespace "{route.namespace}"' if route.namespace else "at the cluster scope"
        )
        text = message or (
            f'{subject} is forbidden: User "{self.username}" cannot {verb} resource '
            f'"{route.resource_path}" in API group "{route.group}" {scope}'
        )
        details: JsonObject = {"group": route.group, "kind": route.resource}
        if route.name:
            details["name"] = route.name
        return KubeApiError(403, text, details=details)

    def _fault_error(
        self, fault: Fault, route: _Route, verb: str, query: Mapping[str, str]
    ) -> KubeApiError | None:
        if fault.status is None:
            return None
        if fault.status == 410 and query.get("continue") and fault.message is None:
            return expired_continue(query["continue"])
        if fault.status == 403:
            return self._forbidden(route, verb, fault.message)
        if fault.status == 500:
            text = fault.message or "injected fault"
            return KubeApiError(
                500,
                f"Internal error occurred: {text}",
                details={"causes": [{"message": text}]},
            )
        return KubeApiError(fault.status, fault.message or f"injected fault ({fault.status})")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        parts = [p for p in request.path.split("/") if p]
        query = {k: v for k, v in request.query.items()}
        route = self._parse_route(parts)
        verb = self._verb(request.method, route, query) if route else request.method.lower()
        status = 500
        try:
            response = await self._dispatch(request, parts, route, verb, query)
            status = response.status
            return response
        except KubeApiError as error:
            status = error.code
            return web.json_response(error.status_body(), status=error.code)
        finally:
            record = RequestRecord(
                method=request.method,
                path=request.path,
                query=request.query_string,
                verb=verb,
                group=route.group if route else "",
                version=route.version if route else "",
                resource=route.resource if route else "",
                subresource=route.subresource if route else "",
                namespace=route.namespace if route else "",
                name=route.name if route else "",
                status=status,
                user_agent=request.headers.get("User-Agent", ""),
            )
            with self._lock:
                self._records.append(record)

    async def _dispatch(
        self,
        request: web.Request,
        parts: list[str],
        route: _Route | None,
        verb: str,
        query: Mapping[str, str],
    ) -> web.StreamResponse:
        path = "/" + "/".join(parts)
        # The auth scheme is case-insensitive (RFC 7235; kube-apiserver lowercases it):
        # the official client's in-cluster loader sends "bearer <token>".
        scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
        authorized = scheme.lower() == "bearer" and credential == self.token
        if path not in _ANONYMOUS_PATHS and self.token and not authorized:
            raise KubeApiError(401, "Unauthorized")
        if path in ("/healthz", "/livez", "/readyz"):
            return web.Response(text="ok", content_type="text/plain")
        if path == "/version":
            return web.json_response(self._version_document())
        if not parts:
            return web.json_response({"paths": ["/api", "/api/v1", "/apis", "/version"]})
        if route is None:
            with self._lock:
                document = self._discovery(parts)
            if document is None:
                raise KubeApiError(404, "the server could not find the requested resource")
            if request.method != "GET":
                raise KubeApiError(405, f"{request.method} is not supported here")
            return web.json_response(document)
        with self._lock:
            rtype = self._served_type(route.group, route.version, route.resource)
            if rtype.namespaced != bool(route.namespace) and (route.name or not rtype.namespaced):
                raise KubeApiError(404, "the server could not find the requested resource")
            if route.subresource and route.subresource not in rtype.subresources:
                raise KubeApiError(404, "the server could not find the requested resource")
            if rtype.namespaced and not route.namespace and verb in ("create", "deletecollection"):
                raise KubeApiError(405, f"{request.method} is not supported on {path}")
            fault = next((f for f in self._faults if f.matches(route, verb, query)), None)
            if fault is not None:
                fault.hits += 1
        if fault is not None:
            if fault.delay > 0:
                await asyncio.sleep(fault.delay)
            error = self._fault_error(fault, route, verb, query)
            if error is not None:
                raise error
        if verb == "watch":
            return await self._watch(request, rtype, route.namespace, query)
        body: Any = None
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.can_read_body:
            raw = await request.read()
            if raw.strip():
                try:
                    body = json.loads(raw)
                except ValueError as error:
                    raise KubeApiError(
                        400, f"the request body could not be decoded: {error}"
                    ) from error
        dry_run = query.get("dryRun") == "All"
        with self._lock:
            return self._answer(request, rtype, route, verb, query, body, dry_run)

    def _answer(
        self,
        request: web.Request,
        rtype: ResourceType,
        route: _Route,
        verb: str,
        query: Mapping[str, str],
        body: Any,
        dry_run: bool,
    ) -> web.StreamResponse:
        namespace, name, sub = route.namespace, route.name, route.subresource
        if sub == "log":
            if verb != "get":
                raise KubeApiError(405, "only GET is supported on pods/log")
            return web.Response(
                text=self._pod_log(namespace, name, query), content_type="text/plain"
            )
        if sub == "scale":
            existing = self._existing(rtype, namespace, name)
            if verb == "get":
                return web.json_response(self._scale(rtype, existing))
            scale = self._scale(rtype, existing)
            if verb == "patch":
                content_type = request.content_type
                scale = (
                    json_patch(scale, body)
                    if content_type == "application/json-patch+json"
                    else merge_patch(scale, body)
                )
            elif verb == "update":
                scale = body if isinstance(body, dict) else {}
            else:
                raise KubeApiError(405, f"{verb} is not supported on {route.resource_path}")
            replicas = (scale.get("spec") or {}).get("replicas")
            updated = copy.deepcopy(existing)
            updated.setdefault("spec", {})["replicas"] = replicas
            self._store_update(rtype, existing, updated, "", dry_run)
            return web.json_response(self._scale(rtype, self._existing(rtype, namespace, name)))
        if verb == "list":
            return web.json_response(self._list(rtype, namespace, query))
        if verb == "get":
            return web.json_response(self._serve(rtype, self._existing(rtype, namespace, name)))
        if verb == "create":
            if name:
                raise KubeApiError(405, "POST is not supported on a named object")
            return web.json_response(self._create(rtype, namespace, body, dry_run), status=201)
        if verb == "update":
            return web.json_response(self._update(rtype, namespace, name, body, sub, dry_run))
        if verb == "patch":
            content_type = request.content_type
            return web.json_response(
                self._patch(rtype, namespace, name, content_type, body, sub, dry_run)
            )
        if verb == "delete":
            options = body if isinstance(body, dict) else {}
            dry_run = dry_run or options.get("dryRun") == ["All"]
            return web.json_response(self._delete(rtype, namespace, name, options, dry_run))
        if verb == "deletecollection":
            return web.json_response(self._delete_collection(rtype, namespace, query, dry_run))
        raise KubeApiError(405, f"{request.method} is not supported on {route.resource_path}")

    async def _watch(
        self,
        request: web.Request,
        rtype: ResourceType,
        namespace: str,
        query: Mapping[str, str],
    ) -> web.StreamResponse:
        loop = asyncio.get_running_loop()
        timeout_text = query.get("timeoutSeconds", "")
        timeout = int(timeout_text) if timeout_text.isdigit() else _DEFAULT_WATCH_SECONDS
        since = query.get("resourceVersion", "")
        queue: asyncio.Queue[WatchEvent | None] = asyncio.Queue()
        with self._lock:
            label_reqs, field_reqs = self._selectors(rtype, query)
            watcher = _Watcher(rtype, namespace, label_reqs, field_reqs, queue)
            if since in ("", "0"):
                initial = [
                    WatchEvent(0, "ADDED", rtype.storage_key, obj)
                    for obj in self._matching(rtype, namespace, label_reqs, field_reqs)
                ]
            else:
                try:
                    since_version = int(since)
                except ValueError as error:
                    raise KubeApiError(400, f"invalid resourceVersion {since!r}") from error
                oldest = self._events[0].resource_version if self._events else 0
                if self._events and since_version < oldest - 1:
                    raise KubeApiError(
                        410,
                        f"too old resource version: {since_version} ({oldest})",
                        reason="Expired",
                    )
                initial = [
                    e
                    for e in self._events
                    if e.resource_version > since_version and e.storage_key == rtype.storage_key
                ]
            server = self._server
            if server is None:
                raise KubeApiError(503, "the API double is stopping")
            server.watchers.append(watcher)
            initial_lines = [self._watch_line(watcher, event) for event in initial]
        response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
        try:
            await response.prepare(request)
            for line in initial_lines:
                if line is not None:
                    await response.write(line)
            deadline = loop.time() + timeout
            while (remaining := deadline - loop.time()) > 0:
                try:
                    event = await asyncio.wait_for(queue.get(), remaining)
                except TimeoutError:
                    break
                if event is None:
                    break
                with self._lock:
                    line = self._watch_line(watcher, event)
                if line is not None:
                    await response.write(line)
            await response.write_eof()
        except ConnectionResetError:
            pass  # the client went away; nothing to tell it
        finally:
            with self._lock:
                if server is not None and watcher in server.watchers:
                    server.watchers.remove(watcher)
        return response

    def _watch_line(self, watcher: _Watcher, event: WatchEvent) -> bytes | None:
        obj = event.obj
        if watcher.namespace and object_key(obj)[0] != watcher.namespace:
            return None
        if not labels_match(watcher.labels, metadata_of(obj).get("labels") or {}):
            return None
        if not fields_match(watcher.fields, obj):
            return None
        payload = {"type": event.event_type, "object": self._serve(watcher.rtype, obj)}
        return (json.dumps(payload) + "\n").encode()


def _qualified_name(route: _Route) -> str:
    return f"{route.resource}.{route.group}" if route.group else route.resource
