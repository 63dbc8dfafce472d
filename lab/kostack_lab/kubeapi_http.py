"""The HTTP side of the Kubernetes API double: answering requests and streaming watches.

`KubeApiServer` is the request handling of `kostack_lab.kubeapi.KubeApiDouble`
(which adds starting, stopping and the kubeconfig): it checks the bearer
token, serves discovery, turns verbs into `KubeStore` calls and streams watch
events to every open watch.
"""

from __future__ import annotations

import asyncio
import copy
import json
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from aiohttp import web

from kostack_lab.kubeapi_patch import json_patch, merge_patch
from kostack_lab.kubeapi_resources import ResourceType
from kostack_lab.kubeapi_routes import (
    Route,
    discovery_document,
    parse_route,
    request_verb,
    version_document,
)
from kostack_lab.kubeapi_selectors import (
    FieldRequirement,
    LabelRequirement,
    fields_match,
    labels_match,
)
from kostack_lab.kubeapi_status import KubeApiError, WatchEvent, metadata_of, object_key
from kostack_lab.kubeapi_store import KubeStore

__all__ = ["KubeApiServer", "ServerThread"]


_ANONYMOUS_PATHS: Final = frozenset({"/version", "/healthz", "/livez", "/readyz"})
# A watch without timeoutSeconds ends after this long (real servers pick 30-60 min).
_DEFAULT_WATCH_SECONDS: Final = 1800


@dataclass
class _Watcher:
    rtype: ResourceType
    namespace: str
    labels: list[LabelRequirement]
    fields: list[FieldRequirement]
    queue: asyncio.Queue[WatchEvent | None]


@dataclass
class ServerThread:
    """The running server: its event loop, thread, socket, port and open watches."""

    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    sock: socket.socket
    port: int
    watchers: list[_Watcher] = field(default_factory=list)


class KubeApiServer(KubeStore):
    """A `KubeStore` answering the Kubernetes API over HTTP (aiohttp handlers).

    The subclass sets the attributes below before serving.
    """

    _server: ServerThread | None
    _kubernetes_version: str
    token: str

    def _notify(self, event: WatchEvent) -> None:
        server = self._server
        if server is None:
            return
        for watcher in server.watchers:
            if watcher.rtype.storage_key == event.storage_key:
                server.loop.call_soon_threadsafe(watcher.queue.put_nowait, event)

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

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        parts = [p for p in request.path.split("/") if p]
        query = {k: v for k, v in request.query.items()}
        route = parse_route(parts)
        verb = request_verb(request.method, route, query) if route else request.method.lower()
        try:
            return await self._dispatch(request, parts, route, verb, query)
        except KubeApiError as error:
            return web.json_response(error.status_body(), status=error.code)

    async def _served(self, route: Route, verb: str, query: Mapping[str, str]) -> None:
        """Called for every request on a served resource before it is answered (tests'
        subclass injects faults here)."""

    async def _dispatch(
        self,
        request: web.Request,
        parts: list[str],
        route: Route | None,
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
            return web.json_response(version_document(self._kubernetes_version))
        if not parts:
            return web.json_response({"paths": ["/api", "/api/v1", "/apis", "/version"]})
        if route is None:
            with self._lock:
                document = discovery_document(self._types.values(), parts, self.port)
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
        await self._served(route, verb, query)
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
        route: Route,
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
