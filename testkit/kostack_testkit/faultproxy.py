"""A fault-injecting HTTP proxy on loopback, in front of the Neutron harness.

Tests point openstacksdk (or the `openstack` CLI) at the proxy's endpoint
instead of Neutron's. The proxy forwards every request and counts it by method
and path; on command it answers the Nth matching request with a fault instead:

- `FaultKind.HTTP_500`: a Neutron-style 500 (the request never reaches Neutron);
- `FaultKind.HTTP_409`: a Neutron-style 409 with a `NeutronError` body;
- `FaultKind.HTTP_STATUS`: any HTTP error status given as `status=` (401,
  403, 404, 503...), with a Neutron-style body;
- `FaultKind.TIMEOUT`: holds the connection open with no answer for `hold_s`
  (longer than the client's timeout), then closes it;
- `FaultKind.RESET`: closes the connection with a TCP reset.

For TIMEOUT and RESET, `forward=True` sends the request to Neutron first and
then loses the answer, the case where a change was applied but the client
never heard so.

Pure stdlib and threaded (one thread per client connection). Example::

    with FaultProxy(neutron.endpoint) as proxy:
        fault = proxy.inject(FaultKind.HTTP_409, "PUT", r"^/v2\\.0/ports/")
        ...run the code under test against proxy.endpoint...
        assert fault.fired.is_set()
        assert proxy.count("GET", r"^/v2\\.0/ports$") == 1
"""

from __future__ import annotations

import enum
import http.client
import http.server
import json
import re
import socket
import struct
import threading
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from kostack_testkit.quiet_http import QuietHTTPServer

__all__ = ["ArmedFault", "FaultKind", "FaultProxy", "ProxiedRequest"]

# Headers that describe one hop, not the message (RFC 9110 section 7.6.1).
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)

_DEFAULT_ERROR = {
    500: (
        "HTTPInternalServerError",
        "Request Failed: internal server error while processing your request.",
    ),
    409: ("Conflict", "A conflict was injected by the kostack fault proxy."),
    401: ("HTTPUnauthorized", "The request you have made requires authentication."),
    403: ("HTTPForbidden", "This operation is disallowed by policy."),
    404: ("HTTPNotFound", "The resource could not be found."),
    503: ("HTTPServiceUnavailable", "The server is currently unavailable."),
}


class FaultKind(enum.Enum):
    """What the proxy does instead of forwarding a matched request."""

    HTTP_500 = "http-500"
    HTTP_409 = "http-409"
    HTTP_STATUS = "http-status"  # the status given to inject(status=...)
    TIMEOUT = "timeout"
    RESET = "reset"


@dataclass(frozen=True)
class ProxiedRequest:
    """One request the proxy saw, and what it did with it."""

    method: str
    path: str
    query: str
    status: int | None  # None: no HTTP answer (timeout or reset)
    fault: FaultKind | None
    user_agent: str = ""  # the client's User-Agent header, as sent


@dataclass
class ArmedFault:
    """A fault waiting for its request. `fired` is set once it has been injected."""

    kind: FaultKind
    method: str
    path_pattern: re.Pattern[str]
    nth: int
    hold_s: float
    forward: bool
    error_type: str | None
    message: str | None
    status: int | None = None
    seen: int = 0
    fired: threading.Event = field(default_factory=threading.Event)
    fired_request: ProxiedRequest | None = None

    def matches(self, method: str, path: str) -> bool:
        """Whether a request is one this fault counts (method and path regex)."""
        return (self.method in ("*", method)) and self.path_pattern.search(path) is not None


class FaultProxy:
    """Forward to `upstream` (e.g. the harness endpoint), count requests, inject faults."""

    def __init__(self, upstream: str, *, host: str = "127.0.0.1", port: int = 0) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        if parsed.scheme != "http" or not parsed.hostname:
            raise ValueError(f"upstream must be an http:// URL, not {upstream!r}")
        self.upstream_host = parsed.hostname
        self.upstream_port = parsed.port or 80
        self._bind = (host, port)
        self._lock = threading.Lock()
        self._faults: list[ArmedFault] = []
        self._log: list[ProxiedRequest] = []
        self._release = threading.Event()  # wakes held TIMEOUT connections on stop()
        self._server: _ProxyServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> str:
        """Start listening; return the proxy's endpoint (root URL)."""
        if self._server is not None:
            return self.endpoint
        self._release.clear()
        server = _ProxyServer(self._bind, _ProxyHandler, self)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="kostack-faultproxy",
            daemon=True,
        )
        self._thread.start()
        return self.endpoint

    def stop(self) -> None:
        """Stop listening and release every held connection."""
        server, self._server = self._server, None
        self._release.set()
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        """Root URL clients should use instead of Neutron's."""
        if self._server is None:
            raise RuntimeError("the fault proxy is not running; call start()")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    # -- faults ----------------------------------------------------------------

    def inject(
        self,
        kind: FaultKind,
        method: str,
        path: str,
        *,
        nth: int = 1,
        hold_s: float = 30.0,
        forward: bool = False,
        error_type: str | None = None,
        message: str | None = None,
        status: int | None = None,
    ) -> ArmedFault:
        """Arm a one-shot fault for the `nth` request (counted from now) matching.

        `method` is an HTTP method or "*"; `path` a regex searched in the path
        without the query string (e.g. r"^/v2\\.0/ports/[^/]+$"). `error_type`
        and `message` fill the NeutronError body of HTTP faults. `hold_s` is
        how long TIMEOUT holds the connection; `forward` sends TIMEOUT/RESET
        requests to Neutron before losing the answer. `status` is the HTTP
        status of `FaultKind.HTTP_STATUS` (400-599).
        """
        if nth < 1:
            raise ValueError(f"nth counts from 1, not {nth}")
        if (kind is FaultKind.HTTP_STATUS) != (status is not None):
            raise ValueError("give status= with FaultKind.HTTP_STATUS, and only with it")
        if status is not None and not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error status (400-599), not {status}")
        fault = ArmedFault(
            kind=kind,
            method=method.upper(),
            path_pattern=re.compile(path),
            nth=nth,
            hold_s=hold_s,
            forward=forward,
            error_type=error_type,
            message=message,
            status=status,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Disarm every fault that has not fired."""
        with self._lock:
            self._faults.clear()

    def pending_faults(self) -> list[ArmedFault]:
        """Faults armed but not fired yet."""
        with self._lock:
            return list(self._faults)

    # -- counting ----------------------------------------------------------------

    def requests(self) -> list[ProxiedRequest]:
        """Every request seen since start or the last reset_counts(), in order."""
        with self._lock:
            return list(self._log)

    def counts(self) -> Counter[tuple[str, str]]:
        """Requests by (method, path without query string)."""
        with self._lock:
            return Counter((r.method, r.path) for r in self._log)

    def count(self, method: str = "*", path: str = "") -> int:
        """How many requests matched `method` ("*": any) and the `path` regex."""
        pattern = re.compile(path)
        wanted = method.upper()
        with self._lock:
            return sum(
                1
                for r in self._log
                if wanted in ("*", r.method) and pattern.search(r.path) is not None
            )

    def reset_counts(self) -> None:
        """Forget the requests seen so far (armed faults stay armed)."""
        with self._lock:
            self._log.clear()

    # -- used by the handler ----------------------------------------------------------

    def _claim_fault(self, method: str, path: str) -> ArmedFault | None:
        """Count the request against armed faults; return the one that fires, if any."""
        with self._lock:
            firing = None
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.seen += 1
                    # Two faults due on one request: the first armed fires now,
                    # the other on the next matching request.
                    if fault.seen >= fault.nth and firing is None:
                        firing = fault
            if firing is not None:
                self._faults.remove(firing)
            return firing

    def _record(self, entry: ProxiedRequest, fault: ArmedFault | None) -> None:
        with self._lock:
            self._log.append(entry)
        if fault is not None:
            fault.fired_request = entry
            fault.fired.set()


class _ProxyServer(QuietHTTPServer):
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[http.server.BaseHTTPRequestHandler],
        proxy: FaultProxy,
    ) -> None:
        super().__init__(address, handler)
        self.proxy = proxy


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as keystoneauth's session expects
    server: _ProxyServer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the proxy's own log is `FaultProxy.requests()`."""

    def do_GET(self) -> None:
        self._proxy()

    def do_HEAD(self) -> None:
        self._proxy()

    def do_POST(self) -> None:
        self._proxy()

    def do_PUT(self) -> None:
        self._proxy()

    def do_PATCH(self) -> None:
        self._proxy()

    def do_DELETE(self) -> None:
        self._proxy()

    def _proxy(self) -> None:
        proxy = self.server.proxy
        split = urllib.parse.urlsplit(self.path)
        method, path, query = self.command, split.path, split.query
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fault = proxy._claim_fault(method, path)
        kind = fault.kind if fault is not None else None
        agent = self.headers.get("User-Agent", "")

        if fault is not None and kind in (
            FaultKind.HTTP_500,
            FaultKind.HTTP_409,
            FaultKind.HTTP_STATUS,
        ):
            status = {FaultKind.HTTP_500: 500, FaultKind.HTTP_409: 409}.get(
                kind, fault.status or 500
            )
            proxy._record(ProxiedRequest(method, path, query, status, kind, agent), fault)
            self._send_neutron_error(status, fault)
            return

        if fault is not None and (kind is FaultKind.TIMEOUT or kind is FaultKind.RESET):
            if fault.forward:
                self._forward(method, body)
            proxy._record(ProxiedRequest(method, path, query, None, kind, agent), fault)
            if kind is FaultKind.TIMEOUT:
                proxy._release.wait(timeout=fault.hold_s)
                self.close_connection = True
            else:
                self._reset_connection()
            return

        try:
            status, headers, payload = self._forward(method, body)
        except OSError as exc:
            # Neutron is down (e.g. killed by a test): answer like a gateway would.
            proxy._record(ProxiedRequest(method, path, query, 502, None, agent), None)
            self._send_json(502, {"error": f"upstream unreachable: {exc}"})
            return
        proxy._record(ProxiedRequest(method, path, query, status, None, agent), None)
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(payload)

    def _forward(self, method: str, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        proxy = self.server.proxy
        connection = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, 60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            headers["Host"] = f"{proxy.upstream_host}:{proxy.upstream_port}"
            if body or method in ("POST", "PUT", "PATCH"):
                headers["Content-Length"] = str(len(body))
            connection.request(method, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            return response.status, response.getheaders(), payload
        finally:
            connection.close()

    def _send_neutron_error(self, status: int, fault: ArmedFault) -> None:
        default_type, default_message = _DEFAULT_ERROR.get(
            status, ("HTTPError", f"HTTP {status} injected by the kostack fault proxy.")
        )
        error = {
            "NeutronError": {
                "type": fault.error_type or default_type,
                "message": fault.message or default_message,
                "detail": "",
            }
        }
        self._send_json(status, error)

    def _send_json(self, status: int, body: object) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Openstack-Request-Id", f"req-{uuid.uuid4()}")
        self.end_headers()
        self.wfile.write(payload)

    def _reset_connection(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()
