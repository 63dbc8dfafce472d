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

`kostack lab` serves one (`kostack_lab.cluster`); tests use the subclass in
`kostack_testkit.kubeapi`, which adds injected faults, a request log and a
kubeconfig file.

The request handling lives in `kostack_lab.kubeapi_http`, routes and
discovery documents in `kostack_lab.kubeapi_routes`, the objects and their
semantics in `kostack_lab.kubeapi_store`.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Self

from aiohttp import web

from kostack_lab.kubeapi_http import KubeApiServer, ServerThread
from kostack_lab.kubeapi_resources import ResourceType
from kostack_lab.kubeapi_store import CreateHook, JsonObject, KubeApiError, KubeStore

__all__ = [
    "CreateHook",
    "JsonObject",
    "KubeApiDouble",
    "KubeApiError",
    "KubeStore",
    "ResourceType",
]


class KubeApiDouble(KubeApiServer):
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
        service_cidr: str = "10.96.0.0/12",
        node_port_range: tuple[int, int] = (30000, 32767),
        clock: Callable[[], datetime] | None = None,
        validator: Callable[[JsonObject], Sequence[str]] | None = None,
        context_name: str = "kostack-lab",
    ) -> None:
        self._server: ServerThread | None = None
        self._kubernetes_version = kubernetes_version
        self.token: str = token if token is not None else "kostack-canary-" + secrets.token_hex(16)
        self.context_name = context_name
        super().__init__(
            objects,
            service_cidr=service_cidr,
            node_port_range=node_port_range,
            clock=clock,
            validator=validator,
        )

    def start(self, port: int = 0) -> Self:
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
            self._server = ServerThread(loop=loop, thread=thread, sock=sock, port=bound_port)
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

    def __enter__(self) -> Self:
        """Start unless already started (so `with KubeApiDouble(...).start():` works too)."""
        return self if self.running else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

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
