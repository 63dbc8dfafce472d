"""The watch's HTTP endpoints: /metrics, /healthz, /readyz and /status.

- ``/metrics``: the Prometheus exposition (`kostack.watch.metrics`);
- ``/healthz``: 200 while the process runs (a liveness probe);
- ``/readyz``: 200 when a cycle succeeded within the last 3 intervals, else
  503, with the reason in the body (a readiness probe);
- ``/status``: JSON: the state, the sources, the verdict, the last diagnosis
  (as ``kostack diagnose -o json`` prints it), probes and the history of
  transitions.

Standard library server, one thread per connection (daemon threads, each
with a socket timeout so a client that never finishes cannot pin one).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST

from kostack.errors import ConfigError
from kostack.redact import redact
from kostack.watch.messages import say
from kostack.watch.metrics import WatchMetrics
from kostack.watch.state import WatchState

__all__ = ["WatchServer", "parse_listen"]


def parse_listen(text: str, lang: str = "en") -> tuple[str, int]:
    """HOST:PORT (``[::1]:9109`` for IPv6) -> (host, port)."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536 or not host:
        raise ConfigError(
            say(lang, "error.listen.form", address=text), say(lang, "hint.listen.form")
        )
    return host.strip("[]"), int(port)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class WatchServer:
    """Serves the endpoints from a background thread until `stop`."""

    def __init__(
        self,
        address: tuple[str, int],
        state: WatchState,
        metrics: WatchMetrics,
        version: str,
    ) -> None:
        self.state = state
        self.metrics = metrics
        self.version = version
        handler = _handler(self._route)
        family_v6 = ":" in address[0]
        server_class: type[_Server] = _ServerV6 if family_v6 else _Server
        try:
            self.httpd = server_class(address, handler)
        except OSError as exc:
            shown = f"[{address[0]}]:{address[1]}" if family_v6 else f"{address[0]}:{address[1]}"
            raise ConfigError(
                say(state.lang, "error.listen", address=shown, error=exc.strerror or str(exc)),
                say(state.lang, "hint.listen"),
            ) from exc
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def start(self) -> WatchServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=2.0)

    def _route(self, path: str) -> tuple[int, str, bytes]:
        route = path.split("?", 1)[0].rstrip("/") or "/"
        # Every answer passes the redactor (kostack.redact): /status by parts (its large
        # diagnosis once per cycle, when published), the others whole.
        if route == "/metrics":
            exposition = redact(self.metrics.exposition().decode("utf-8", "replace"))
            return 200, CONTENT_TYPE_LATEST, exposition.encode("utf-8")
        if route == "/healthz":
            return 200, "text/plain; charset=utf-8", _line(say(self.state.lang, "healthz"))
        if route == "/readyz":
            ready, reason = self.state.readiness()
            return (200 if ready else 503), "text/plain; charset=utf-8", _line(redact(reason))
        if route == "/status":
            body = self.state.status_json(self.version)
            return 200, "application/json; charset=utf-8", body.encode()
        if route == "/":
            links = "kostack watch: /metrics /healthz /readyz /status"
            return 200, "text/plain; charset=utf-8", _line(links)
        return (
            404,
            "text/plain; charset=utf-8",
            _line("not found: /metrics /healthz /readyz /status"),
        )


class _ServerV6(_Server):
    import socket as _socket

    address_family = _socket.AF_INET6


def _line(text: str) -> bytes:
    return (text + "\n").encode("utf-8")


def _handler(route: Callable[[str], tuple[int, str, bytes]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 10  # seconds a client may take to send its request
        server_version = "kostack-watch"
        sys_version = ""

        def do_GET(self) -> None:
            self._serve(body_too=True)

        def do_HEAD(self) -> None:
            self._serve(body_too=False)

        def _serve(self, *, body_too: bool) -> None:
            try:
                status, content_type, body = route(self.path)
            except Exception as exc:  # one bad scrape must not end the server
                status, content_type = 500, "text/plain; charset=utf-8"
                body = _line(redact(f"internal error: {type(exc).__name__}: {exc}"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if body_too:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return  # scrapes every few seconds would drown the watch's own log

    for method in ("POST", "PUT", "DELETE", "PATCH"):
        setattr(Handler, f"do_{method}", _not_allowed)
    return Handler


def _not_allowed(self: BaseHTTPRequestHandler) -> None:
    self.send_error(HTTPStatus.METHOD_NOT_ALLOWED, "kostack watch only answers GET")
