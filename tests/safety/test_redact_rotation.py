"""A credential read anew over a long run (the service-account token) is remembered boundedly.

`kostack watch` in a pod opens a Kubernetes session every cycle and reads the
service-account token file, which the kubelet rotates (hourly to daily);
a kubeconfig exec plugin may print a new token every time. Each value used to
be remembered for the rest of the run: after 720 rotations the output redactor
held 720 tokens and `redact` of an 8 MB /status took 6.6 s instead of 0.2 s
(and kept growing, as did memory). Now the last ROTATIONS_KEPT values of each
such credential stay known; what is remembered for the run stays; an older
token is still caught by its shape (a JWT).
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from safety_world import forget_secrets

from kostack import redact
from kostack.collect import _kube_api
from kostack.redact import REDACTED, ROTATIONS_KEPT

ENV = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "6443"}


@pytest.fixture(autouse=True)
def clean_slate() -> Iterator[None]:
    forget_secrets()
    yield
    forget_secrets()


def jwt() -> str:
    def part(doc: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")

    claims = {"sub": "system:serviceaccount:kostack:kostack-watch", "jti": secrets.token_hex(8)}
    return f"{part({'alg': 'RS256'})}.{part(claims)}.{secrets.token_urlsafe(64)}"


@pytest.fixture
def account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "ca.crt").write_text(
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    )
    monkeypatch.setattr(_kube_api, "SERVICE_ACCOUNT_DIR", tmp_path)
    return tmp_path / "token"


def rotate(token_file: Path, token: str) -> None:
    token_file.write_text(token)
    _kube_api.open_session(None, None, in_cluster=True, environ=ENV)


def test_rotated_service_account_tokens_are_remembered_boundedly(account: Path) -> None:
    password = "an-openstack-password-for-the-whole-run"
    redact.remember(password)
    tokens = [f"sa-token-{i:04d}-{secrets.token_hex(16)}" for i in range(60)]
    sizes = []
    for i, token in enumerate(tokens):
        rotate(account, token)
        if i in (9, 59):
            sizes.append(len(redact._KNOWN))
    assert sizes[0] == sizes[1] <= 1 + 2 * ROTATIONS_KEPT  # the password, tokens, Bearer forms
    for token in tokens[-ROTATIONS_KEPT:]:  # the current one and the last few
        assert redact.redact(f"Authorization: {token}") == f"Authorization: {REDACTED}"
        assert token not in redact.redact(f"echoed {token!r} back")
    assert redact.redact(f"password {password}") == f"password {REDACTED}"


def test_a_token_forgotten_by_value_is_still_caught_by_its_shape(account: Path) -> None:
    first = jwt()
    rotate(account, first)
    for _ in range(ROTATIONS_KEPT + 2):
        rotate(account, jwt())
    assert first not in redact.redact(f"a proxy echoed {first}")
