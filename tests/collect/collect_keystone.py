"""A tiny Keystone v3 double for the collector tests: password, application credential, token.

It answers version discovery (`GET /` and `GET /v3`) and `POST /v3/auth/tokens`
the way Keystone does (201, X-Subject-Token, a token body with the project and
a catalogue whose network endpoint is the Neutron harness), so keystoneauth's
real plugins authenticate against it. Credentials other than the configured
ones get Keystone's 401. Every request body is kept, so a test can check what
the client sent (and that a canary went only here).
"""

from __future__ import annotations

import http.server
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from kostack_testkit.quiet_http import QuietHTTPServer


@dataclass
class Credentials:
    username: str = "kostack-user"
    password: str = "not-a-secret"
    application_credential_id: str = "app-cred-id"
    application_credential_secret: str = "not-a-secret-either"
    token: str = "an-existing-token"
    project_id: str = "fake_project_id"
    project_name: str = "k8s"


@dataclass
class KeystoneDouble:
    network_endpoint: str
    credentials: Credentials = field(default_factory=Credentials)
    issued: list[str] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    _server: QuietHTTPServer | None = None
    _thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        double = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                base = double.url
                v3 = {
                    "id": "v3.14",
                    "status": "stable",
                    "updated": "2020-04-07T00:00:00Z",
                    "links": [{"rel": "self", "href": f"{base}/v3/"}],
                    "media-types": [
                        {
                            "base": "application/json",
                            "type": "application/vnd.openstack.identity-v3+json",
                        }
                    ],
                }
                if self.path.rstrip("/") in ("", "/v3"):
                    body = (
                        {"version": v3}
                        if self.path.startswith("/v3")
                        else {"versions": {"values": [v3]}}
                    )
                    self._send(200 if self.path.startswith("/v3") else 300, body)
                else:
                    self._send(404, {"error": {"code": 404, "message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                double.bodies.append(raw)
                if self.path.rstrip("/") != "/v3/auth/tokens":
                    self._send(404, {"error": {"code": 404, "message": "not found"}})
                    return
                identity = json.loads(raw or b"{}").get("auth", {}).get("identity", {})
                if not double.accepts(identity):
                    self._send(
                        401,
                        {
                            "error": {
                                "code": 401,
                                "title": "Unauthorized",
                                "message": "The request you have made requires authentication.",
                            }
                        },
                    )
                    return
                token = "gAAAAA-issued-" + uuid.uuid4().hex
                double.issued.append(token)
                self._send(201, double.token_body(identity), {"X-Subject-Token": token})

            def _send(
                self, status: int, body: object, headers: dict[str, str] | None = None
            ) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

        self._server = QuietHTTPServer(("127.0.0.1", 0), Handler)
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
        return f"http://{host!s}:{port}"

    def accepts(self, identity: dict[str, Any]) -> bool:
        creds = self.credentials
        methods = identity.get("methods") or []
        if "password" in methods:
            user = identity.get("password", {}).get("user", {})
            return bool(
                user.get("name") == creds.username and user.get("password") == creds.password
            )
        if "application_credential" in methods:
            app = identity.get("application_credential", {})
            return bool(
                app.get("id") == creds.application_credential_id
                and app.get("secret") == creds.application_credential_secret
            )
        if "token" in methods:
            return bool(identity.get("token", {}).get("id") == creds.token)
        return False

    def token_body(self, identity: dict[str, Any]) -> dict[str, Any]:
        now = datetime.now(UTC)
        creds = self.credentials
        domain = {"id": "default", "name": "Default"}
        return {
            "token": {
                "methods": identity.get("methods") or [],
                "issued_at": now.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
                "expires_at": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
                "user": {"id": "user-id", "name": creds.username, "domain": domain},
                "project": {"id": creds.project_id, "name": creds.project_name, "domain": domain},
                "roles": [{"id": "role-id", "name": "member"}],
                "catalog": [
                    {
                        "type": "network",
                        "name": "neutron",
                        "id": "svc-network",
                        "endpoints": [
                            {
                                "id": "ep-network",
                                "interface": "public",
                                "region": "RegionOne",
                                "region_id": "RegionOne",
                                "url": self.network_endpoint,
                            }
                        ],
                    },
                    {
                        "type": "identity",
                        "name": "keystone",
                        "id": "svc-identity",
                        "endpoints": [
                            {
                                "id": "ep-identity",
                                "interface": "public",
                                "region": "RegionOne",
                                "region_id": "RegionOne",
                                "url": f"{self.url}/v3",
                            }
                        ],
                    },
                ],
            }
        }
