"""One HTTP server for the endpoints of kostack's long-running modes (/metrics, /healthz, ...).

A mode gives `ExporterServer` a table of routes (path -> function returning
status, content type and body) and the server does the rest: standard
library, one daemon thread per connection (each with a socket timeout, so a
client that never finishes cannot pin one), GET and HEAD only, no access
log (scrapes every few seconds would drown the mode's own log), and an
internal error in one route answers 500 without ending the server. Every
answer passes the redactor (`kostack.redact`), whole, unless the mode says
a route redacts its own parts (watch's large /status, once per cycle).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Collection, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kostack.catalog import localize
from kostack.errors import ConfigError
from kostack.korean import fill
from kostack.oserror import reason
from kostack.redact import redact

__all__ = ["ExporterServer", "Route", "parse_listen", "text_body"]

Route = Callable[[], tuple[int, str, bytes]]
TEXT = "text/plain; charset=utf-8"

_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "error.listen": "cannot listen on {address}: {error}",
        "hint.listen": "choose a free address with --listen HOST:PORT",
        "error.listen.form": "--listen {address!r} is not HOST:PORT",
        "hint.listen.form": "e.g. --listen 127.0.0.1:9109 or --listen 0.0.0.0:9109",
        "not_found": "not found: {paths}",
    },
    "ko": {
        "error.listen": "{address}에서 연결을 받을 수 없습니다: {error}",
        "hint.listen": "--listen HOST:PORT로 비어 있는 주소를 지정하세요",
        "error.listen.form": "--listen 값 {address!r}: HOST:PORT 형식이 아닙니다",
        "hint.listen.form": "예: --listen 127.0.0.1:9109 또는 --listen 0.0.0.0:9109",
        "not_found": "없는 경로입니다. 있는 경로: {paths}",
    },
}


def _say(lang: str, key: str, **params: Any) -> str:
    return fill(_MESSAGES.get(lang, _MESSAGES["en"])[key], params)


def parse_listen(text: str, lang: str = "en") -> tuple[str, int]:
    """HOST:PORT (``[::1]:9109`` for IPv6) -> (host, port)."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536 or not host:
        raise ConfigError(
            _say(lang, "error.listen.form", address=text), _say(lang, "hint.listen.form")
        )
    return host.strip("[]"), int(port)


def text_body(text: str) -> bytes:
    """One line of text as a response body."""
    return (text + "\n").encode("utf-8")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class _ServerV6(_Server):
    address_family = socket.AF_INET6


class ExporterServer:
    """Serves ``routes`` from a background thread until `stop`.

    ``name`` is the mode (``kostack watch``): it names the server in the
    Server header, the 405 answer and the index page. Raises ConfigError
    when the address cannot be listened on (in use, not local).
    """

    def __init__(
        self,
        address: tuple[str, int],
        routes: Mapping[str, Route],
        *,
        name: str,
        lang: str = "en",
        redacted_by_route: Collection[str] = (),
    ) -> None:
        self.routes = dict(routes)
        self.redacted_by_route = frozenset(redacted_by_route)
        self.name = name
        self.lang = lang
        handler = _handler(self._route, name)
        family_v6 = ":" in address[0]
        server_class: type[_Server] = _ServerV6 if family_v6 else _Server
        try:
            self.httpd = server_class(address, handler)
        except OSError as exc:
            shown = f"[{address[0]}]:{address[1]}" if family_v6 else f"{address[0]}:{address[1]}"
            raise ConfigError(
                _say(lang, "error.listen", address=shown, error=localize(reason(exc), lang)),
                _say(lang, "hint.listen"),
            ) from exc
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def start(self) -> ExporterServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=2.0)

    def _route(self, path: str) -> tuple[int, str, bytes]:
        route = path.split("?", 1)[0].rstrip("/") or "/"
        serve = self.routes.get(route)
        if serve is not None:
            status, content_type, body = serve()
            if route not in self.redacted_by_route:
                body = redact(body.decode("utf-8", "replace")).encode("utf-8")
            return status, content_type, body
        paths = " ".join(sorted(p for p in self.routes if p != "/"))
        if route == "/":
            return 200, TEXT, text_body(f"{self.name}: {paths}")
        return 404, TEXT, text_body(_say(self.lang, "not_found", paths=paths))


def _handler(
    route: Callable[[str], tuple[int, str, bytes]], name: str
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 10  # seconds a client may take to send its request
        server_version = name.replace(" ", "-")
        sys_version = ""

        def do_GET(self) -> None:
            self._serve(body_too=True)

        def do_HEAD(self) -> None:
            self._serve(body_too=False)

        def _serve(self, *, body_too: bool) -> None:
            try:
                status, content_type, body = route(self.path)
            except Exception as exc:  # one bad scrape must not end the server
                status, content_type = 500, TEXT
                body = text_body(redact(f"internal error: {type(exc).__name__}: {exc}"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if body_too:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return  # scrapes every few seconds would drown the mode's own log

    def not_allowed(self: BaseHTTPRequestHandler) -> None:
        self.send_error(HTTPStatus.METHOD_NOT_ALLOWED, f"{name} only answers GET")

    for method in ("POST", "PUT", "DELETE", "PATCH"):
        setattr(Handler, f"do_{method}", not_allowed)
    return Handler
