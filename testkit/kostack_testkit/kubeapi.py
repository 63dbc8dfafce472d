"""The lab's Kubernetes API double plus what only tests use: faults, a request log, files.

`KubeApiDouble` here is `kostack_lab.kubeapi.KubeApiDouble` (what `kostack
lab` serves) with injected faults (`inject_fault`: a Status error and/or a
delay on matching requests), a log of the answered requests (`requests`,
`request_count`) and `write_kubeconfig`. Typical use in a test::

    with KubeApiDouble(seed_cluster()) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
        client = kubernetes.config.new_client_from_config(
            config_file=str(kubeconfig), context=api.context_name)
        kubernetes.client.CoreV1Api(client).list_node()

`list_objects` and `resource_types` read any double's store, the lab's too.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml
from aiohttp import web

from kostack_lab import kubeapi
from kostack_lab.kubeapi_resources import ResourceType
from kostack_lab.kubeapi_routes import Route, parse_route, request_verb
from kostack_lab.kubeapi_status import JsonObject, KubeApiError
from kostack_lab.kubeapi_store import KubeStore

__all__ = [
    "Fault",
    "KubeApiDouble",
    "RequestRecord",
    "fault_error",
    "forbidden",
    "list_objects",
    "resource_types",
]


# What kube-apiserver answers when a list's continue token outlived etcd's compaction
# (kubernetes staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go).
EXPIRED_CONTINUE: Final = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted between "
    "the time the first chunk was returned and now may show up in the list."
)


def expired_continue(token: str) -> KubeApiError:
    """The 410 answer to a list page whose continue token expired, with the token that goes on.

    The new token continues after the same object at the latest revision
    (revision -1), as kube-apiserver's does.
    """
    decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
    renewed = base64.urlsafe_b64encode(
        json.dumps({"rv": -1, "start": decoded["start"]}).encode()
    ).decode()
    return KubeApiError(410, EXPIRED_CONTINUE, list_continue=renewed)


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

    def matches(self, route: Route, verb: str, query: Mapping[str, str]) -> bool:
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


def _qualified_name(route: Route) -> str:
    return f"{route.resource}.{route.group}" if route.group else route.resource


def forbidden(route: Route, verb: str, message: str | None, username: str) -> KubeApiError:
    """The 403 an RBAC denial of `verb` on `route` for `username` answers with."""
    subject = f'{_qualified_name(route)} "{route.name}"' if route.name else _qualified_name(route)
    scope = f'in the namespace "{route.namespace}"' if route.namespace else "at the cluster scope"
    text = message or (
        f'{subject} is forbidden: User "{username}" cannot {verb} resource '
        f'"{route.resource_path}" in API group "{route.group}" {scope}'
    )
    details: JsonObject = {"group": route.group, "kind": route.resource}
    if route.name:
        details["name"] = route.name
    return KubeApiError(403, text, details=details)


def fault_error(
    fault: Fault, route: Route, verb: str, query: Mapping[str, str], username: str
) -> KubeApiError | None:
    """The error a matching `fault` answers with (None: it only delays)."""
    if fault.status is None:
        return None
    if fault.status == 410 and query.get("continue") and fault.message is None:
        return expired_continue(query["continue"])
    if fault.status == 403:
        return forbidden(route, verb, fault.message, username)
    if fault.status == 500:
        text = fault.message or "injected fault"
        return KubeApiError(
            500,
            f"Internal error occurred: {text}",
            details={"causes": [{"message": text}]},
        )
    return KubeApiError(fault.status, fault.message or f"injected fault ({fault.status})")


def list_objects(
    store: KubeStore, api_version: str, kind: str, namespace: str | None = None
) -> list[JsonObject]:
    """Copies of the stored objects of a kind (in one namespace, or all)."""
    with store._lock:
        rtype = store._type_for_kind(api_version, kind)
        return [
            store._serve(rtype, obj)
            for key, obj in sorted(store._bucket(rtype).items())
            if namespace is None or key[0] == namespace
        ]


def resource_types(store: KubeStore) -> list[ResourceType]:
    """Every resource type the store serves (built-in and from CRDs)."""
    with store._lock:
        return list(store._types.values())


class KubeApiDouble(kubeapi.KubeApiDouble):
    """The lab's Kubernetes API double with faults, a request log and a kubeconfig file.

    `username` is who a 403 fault names (`User "..." cannot list ...`).
    """

    def __init__(
        self,
        objects: Iterable[Mapping[str, Any]] = (),
        *,
        username: str = "kostack-lab-user",
        **options: Any,
    ) -> None:
        self._faults: list[Fault] = []
        self._records: list[RequestRecord] = []
        self.username = username
        super().__init__(objects, **options)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        status = 500
        try:
            response = await super()._handle(request)
            status = response.status
            return response
        finally:
            route = parse_route([p for p in request.path.split("/") if p])
            query = {k: v for k, v in request.query.items()}
            verb = request_verb(request.method, route, query) if route else request.method.lower()
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

    async def _served(self, route: Route, verb: str, query: Mapping[str, str]) -> None:
        with self._lock:
            fault = next((f for f in self._faults if f.matches(route, verb, query)), None)
            if fault is not None:
                fault.hits += 1
        if fault is None:
            return
        if fault.delay > 0:
            await asyncio.sleep(fault.delay)
        error = fault_error(fault, route, verb, query, self.username)
        if error is not None:
            raise error

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

    def list_objects(
        self, api_version: str, kind: str, namespace: str | None = None
    ) -> list[JsonObject]:
        """Copies of the stored objects of a kind (in one namespace, or all)."""
        return list_objects(self, api_version, kind, namespace)

    def resource_types(self) -> list[ResourceType]:
        return resource_types(self)
