"""Small hostile servers for the safety tests: they echo what they were sent, or never answer.

- `Keystone`: a Keystone v3 double (discovery, POST /v3/auth/tokens for the
  password, application-credential and token methods) that issues a known
  token; credentials it does not know get a 401 whose body echoes the request
  headers and body (with the password in it), as a careless proxy would.
  `refuse_all=True` answers 401 to everything, discovery included: the case
  where keystoneauth deadlocks.
- `Echo`: answers every request with one status and a body echoing the
  request line, headers and body, shaped as a Kubernetes Status, a
  NeutronError or plain text; status 200 with `malformed=True` sends a body
  that is not JSON.
- `Silent`: accepts connections and never answers.
- `Slow`: reads the request, answers only after `delay_s` (longer than the
  client's deadline).

Every server records each request's arrival and sets `arrived`, so a test can
act exactly when a request is in flight (no sleeps).
"""

from __future__ import annotations

import contextlib
import http.server
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from kostack_testkit.ports import refused_port
from kostack_testkit.quiet_http import QuietHTTPServer

PROJECT_ID = "fake_project_id"  # the project the Neutron harness puts the seed in (noauth)


@dataclass
class Arrival:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic()


class _Base:
    """A threaded HTTP server on 127.0.0.1 that hands each request to ``respond``."""

    def __init__(self) -> None:
        self.arrivals: list[Arrival] = []
        self.arrived = threading.Event()
        self._lock = threading.Lock()
        self._server: QuietHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.tls: tuple[str, str] | None = None

    def respond(self, arrival: Arrival) -> tuple[int, bytes, dict[str, str]]:
        raise NotImplementedError

    def __enter__(self) -> Self:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                arrival = Arrival(
                    self.command, self.path, dict(self.headers.items()), body, time.monotonic()
                )
                with server._lock:
                    server.arrivals.append(arrival)
                server.arrived.set()
                status, payload, headers = server.respond(arrival)
                try:
                    self.send_response(status)
                    for name, value in {
                        "Content-Type": "application/json",
                        **headers,
                        "Content-Length": str(len(payload)),
                    }.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (a deadline test)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any

        self._server = QuietHTTPServer(("127.0.0.1", 0), Handler)
        if self.tls is not None:  # (certificate, key): serve HTTPS
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._server.daemon_threads = True
        # shutdown() waits for serve_forever to notice: poll often, or every stop costs 0.25 s
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host!s}:{port}"

    def seen(self) -> bytes:
        """Everything clients sent (headers and bodies): proves a credential was really used."""
        with self._lock:
            return b"\n".join(
                json.dumps(a.headers).encode() + b"\n" + a.body for a in self.arrivals
            )


def echo_text(arrival: Arrival) -> str:
    """The request as a careless server quotes it back: line, headers (repr) and body."""
    headers = {k.lower(): v for k, v in arrival.headers.items()}
    return f"{arrival.method} {arrival.path} headers={headers!r} body={arrival.body!r}"


@dataclass
class Credentials:
    username: str
    password: str
    application_credential_id: str
    application_credential_secret: str
    token: str
    issued_token: str  # what Keystone hands out (X-Subject-Token)
    env_password: str = ""  # also accepted (the OS_PASSWORD of an openrc)


class Keystone(_Base):
    def __init__(
        self, credentials: Credentials, network_endpoint: str, *, refuse_all: bool = False
    ) -> None:
        super().__init__()
        self.credentials = credentials
        self.network_endpoint = network_endpoint
        self.refuse_all = refuse_all

    def respond(self, arrival: Arrival) -> tuple[int, bytes, dict[str, str]]:
        if self.refuse_all:
            return self._refuse(arrival)
        path = arrival.path.split("?")[0].rstrip("/")
        if arrival.method == "GET" and path in ("", "/v3"):
            v3 = {
                "id": "v3.14",
                "status": "stable",
                "updated": "2020-04-07T00:00:00Z",
                "links": [{"rel": "self", "href": f"{self.url}/v3/"}],
                "media-types": [
                    {
                        "base": "application/json",
                        "type": "application/vnd.openstack.identity-v3+json",
                    }
                ],
            }
            body = {"version": v3} if path == "/v3" else {"versions": {"values": [v3]}}
            return (200 if path == "/v3" else 300), json.dumps(body).encode(), {}
        if arrival.method == "POST" and path == "/v3/auth/tokens":
            identity = json.loads(arrival.body or b"{}").get("auth", {}).get("identity", {})
            if not self._accepts(identity):
                return self._refuse(arrival)
            return (
                201,
                json.dumps(self._token(identity)).encode(),
                {"X-Subject-Token": self.credentials.issued_token},
            )
        return 404, b'{"error": {"code": 404, "message": "not found"}}', {}

    def _refuse(self, arrival: Arrival) -> tuple[int, bytes, dict[str, str]]:
        message = f"The request you have made requires authentication: {echo_text(arrival)}"
        body = {"error": {"code": 401, "title": "Unauthorized", "message": message}}
        return 401, json.dumps(body).encode(), {"WWW-Authenticate": f'Keystone uri="{self.url}"'}

    def _accepts(self, identity: dict[str, Any]) -> bool:
        c = self.credentials
        methods = identity.get("methods") or []
        if "password" in methods:
            user = identity.get("password", {}).get("user", {})
            passwords = {c.password, c.env_password} - {""}
            return bool(user.get("name") == c.username and user.get("password") in passwords)
        if "application_credential" in methods:
            app = identity.get("application_credential", {})
            return bool(
                app.get("id") == c.application_credential_id
                and app.get("secret") == c.application_credential_secret
            )
        if "token" in methods:
            return bool(identity.get("token", {}).get("id") == c.token)
        return False

    def _token(self, identity: dict[str, Any]) -> dict[str, Any]:
        now = datetime.now(UTC)
        domain = {"id": "default", "name": "Default"}
        endpoint = {
            "id": "ep-network",
            "interface": "public",
            "region": "RegionOne",
            "region_id": "RegionOne",
            "url": self.network_endpoint,
        }
        return {
            "token": {
                "methods": identity.get("methods") or [],
                "issued_at": now.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
                "expires_at": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
                "user": {"id": "user-id", "name": self.credentials.username, "domain": domain},
                "project": {"id": PROJECT_ID, "name": "k8s", "domain": domain},
                "roles": [{"id": "role-id", "name": "member"}],
                "catalog": [
                    {"type": "network", "name": "neutron", "id": "n", "endpoints": [endpoint]},
                    {
                        "type": "identity",
                        "name": "keystone",
                        "id": "k",
                        "endpoints": [{**endpoint, "id": "ep-id", "url": f"{self.url}/v3"}],
                    },
                ],
            }
        }


class Echo(_Base):
    """Every request gets ``status`` and a body echoing it (``flavour``: kube, neutron, text)."""

    def __init__(self, status: int, flavour: str = "kube", *, malformed: bool = False) -> None:
        super().__init__()
        self.status = status
        self.flavour = flavour
        self.malformed = malformed

    def respond(self, arrival: Arrival) -> tuple[int, bytes, dict[str, str]]:
        text = f"internal error for request {echo_text(arrival)}"
        if self.malformed:
            return (
                self.status,
                b'{"kind": "Status", "message": "truncated ' + text.encode()[:40],
                {},
            )
        if self.flavour == "neutron":
            body: Any = {"NeutronError": {"type": "HTTPError", "message": text, "detail": ""}}
        elif self.flavour == "kube":
            body = {
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "message": text,
                "reason": "InternalError",
                "code": self.status,
            }
        else:
            return self.status, text.encode(), {"Content-Type": "text/plain"}
        return self.status, json.dumps(body).encode(), {}


class Slow(_Base):
    """Answers (with an echo) only after ``delay_s``: after any sensible client deadline."""

    def __init__(self, delay_s: float) -> None:
        super().__init__()
        self.delay_s = delay_s
        self._stop = threading.Event()

    def respond(self, arrival: Arrival) -> tuple[int, bytes, dict[str, str]]:
        self._stop.wait(self.delay_s)  # the server's own pace, not test synchronisation
        return 500, json.dumps({"message": echo_text(arrival)}).encode(), {}

    def __exit__(self, *args: Any) -> None:
        self._stop.set()
        super().__exit__(*args)


class EmptyNeutron(_Base):
    """A Neutron with nothing in it, at once: for runs whose point is the Kubernetes side."""

    def respond(self, arrival: Arrival) -> tuple[int, bytes, dict[str, str]]:
        path = arrival.path.split("?")[0].rstrip("/")
        if path in ("", "/v2.0"):
            version = {
                "id": "v2.0",
                "status": "CURRENT",
                "links": [{"href": f"{self.url}/v2.0/", "rel": "self"}],
            }
            body: Any = {"versions": [version]} if not path else {"resources": []}
            return 200, json.dumps(body).encode(), {}
        resource = path.removeprefix("/v2.0/").split("/")[0].replace("-", "_")
        return 200, json.dumps({resource: []}).encode(), {}


@dataclass
class Silent:
    """Accepts every connection and never reads or answers; ``arrived`` is set on the first."""

    arrived: threading.Event = field(default_factory=threading.Event)
    accepted: list[float] = field(default_factory=list)
    _sock: socket.socket | None = None
    _conns: list[socket.socket] = field(default_factory=list)
    _thread: threading.Thread | None = None
    _url: str = ""

    def __enter__(self) -> Self:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        self._sock = sock
        host, port = sock.getsockname()[:2]
        self._url = f"http://{host}:{port}"

        def accept() -> None:
            while True:
                try:
                    conn, _ = sock.accept()
                except OSError:
                    return
                self._conns.append(conn)
                self.accepted.append(time.monotonic())
                self.arrived.set()

        self._thread = threading.Thread(target=accept, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *args: Any) -> None:
        if self._sock is not None:
            # shutdown() wakes the accept() blocked in the thread; close() alone may not
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()
        for conn in self._conns:
            conn.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        return self._url


@contextlib.contextmanager
def closed_url() -> Iterator[str]:
    """An http:// URL on loopback where nothing listens (connection refused), held for the block."""
    with refused_port() as port:
        yield f"http://127.0.0.1:{port}"


def wait_for(event: threading.Event, what: str, timeout_s: float = 120.0) -> None:
    """Wait for a server-side event (a generous bound: the test fails, it never hangs)."""
    if not event.wait(timeout_s):
        raise AssertionError(f"{what} never happened within {timeout_s:g} s")


Respond = Callable[[Arrival], tuple[int, bytes, dict[str, str]]]
