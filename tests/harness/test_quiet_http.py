"""The test doubles' HTTP server never writes into a kostack run's stderr.

kostack's `main` redirects sys.stderr into the run's captured stderr, and the
doubles serve from threads of the same process: `socketserver`'s default
handle_error would print forty dashes and a traceback there when a client
resets a keep-alive connection (seen once in CI as the first line of
`collect`'s error output). Pinned with a real reset (SO_LINGER 0).
"""

from __future__ import annotations

import contextlib
import http.server
import io
import socket
import struct
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from kostack_testkit.quiet_http import QuietHTTPServer


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the handler waits for the next request line

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        if self.path == "/raise":
            raise ValueError("a double's own bug")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


def _watched(base: type[http.server.ThreadingHTTPServer]) -> Any:
    class Watched(base):  # type: ignore[valid-type,misc]
        handled = threading.Event()

        def handle_error(self, request: Any, client_address: Any) -> None:
            super().handle_error(request, client_address)
            self.handled.set()

    return Watched


@contextlib.contextmanager
def _serving(base: type[http.server.ThreadingHTTPServer]) -> Iterator[Any]:
    server = _watched(base)(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _get_then_reset(port: int, path: str) -> None:
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        if path != "/raise":
            assert client.recv(1024).startswith(b"HTTP/1.1 200")
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.mark.parametrize(
    ("base", "printed"),
    [(QuietHTTPServer, False), (http.server.ThreadingHTTPServer, True)],
    ids=["quiet", "stdlib"],
)
def test_a_reset_keep_alive_connection_prints_nothing(
    base: type[http.server.ThreadingHTTPServer], printed: bool
) -> None:
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), _serving(base) as server:
        _get_then_reset(server.server_port, "/")
        assert server.handled.wait(10)
    assert stderr.getvalue().startswith("-" * 40) is printed  # stdlib: the CI symptom
    if base is QuietHTTPServer:
        assert server.errors == []  # a client that hung up is not the double's error


def test_a_handler_bug_is_kept_not_printed() -> None:
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), _serving(QuietHTTPServer) as server:
        _get_then_reset(server.server_port, "/raise")
        assert server.handled.wait(10)
    assert stderr.getvalue() == ""
    assert [str(e) for e in server.errors] == ["a double's own bug"]
