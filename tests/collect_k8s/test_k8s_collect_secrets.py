"""Credentials in the kubeconfig never reach anything the collector returns or raises."""

from __future__ import annotations

import base64
import json
import traceback
from pathlib import Path

import pytest
import yaml
from k8s_collect_served import ServeFn

from kostack.collect.kubernetes import KubeCollection, collect_kubernetes
from kostack.errors import KostackError
from kostack_testkit import k8s_fixtures as fx

TOKEN = "kostack-canary-token-5f0d1c9e8b7a"
WRONG_TOKEN = "kostack-canary-wrong-token-77aa41"
KEY = "-----BEGIN PRIVATE KEY-----\nkostack-canary-client-key-3b2a19c0d4e5f6\n-----END PRIVATE KEY-----\n"
CERT = "-----BEGIN CERTIFICATE-----\nkostack-canary-client-cert-a1b2c3d4e5f6\n-----END CERTIFICATE-----\n"
PASSWORD = "kostack-canary-password-0c9d8e"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


CANARIES = (
    TOKEN,
    WRONG_TOKEN,
    "kostack-canary-client-key-3b2a19c0d4e5f6",
    "kostack-canary-client-cert-a1b2c3d4e5f6",
    PASSWORD,
    b64(KEY),
    b64(CERT),
)


def write_kubeconfig(path: Path, server: str, token: str, context: str = "lab") -> Path:
    user = {
        "token": token,
        "client-certificate-data": b64(CERT),
        "client-key-data": b64(KEY),
        "username": "admin",
        "password": PASSWORD,
    }
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": server}}],
                "users": [{"name": "u", "user": user}],
                "contexts": [{"name": context, "context": {"cluster": "c", "user": "u"}}],
                "current-context": context,
            }
        ),
        encoding="utf-8",
    )
    return path


def everything_about(value: object) -> str:
    """repr, str and, for errors, message, hint and the whole chained traceback."""
    parts = [repr(value), str(value)]
    if isinstance(value, KostackError):
        parts += [value.message, value.hint]
        parts += traceback.format_exception(value)
    if isinstance(value, KubeCollection):
        parts.append(value.cluster.model_dump_json())
        parts += [json.dumps(g.model_dump()) for g in value.gaps]
        parts += [repr(n) for n in value.nodes_raw]
    return "\n".join(parts)


def assert_clean(value: object) -> None:
    text = everything_about(value)
    for canary in CANARIES:
        assert canary not in text


def test_a_collection_holds_no_credential(serve: ServeFn, tmp_path: Path) -> None:
    served = serve(fx.seed_cluster(), token=TOKEN)
    kubeconfig = write_kubeconfig(tmp_path / "kc", served.api.url, TOKEN)
    served.api.inject_fault("crd.projectcalico.org", "*", status=403)
    served.api.inject_fault("projectcalico.org", "*", status=403)
    served.api.inject_fault("", "configmaps", status=500, name="kube-proxy")
    collection = collect_kubernetes(str(kubeconfig), None, environ={})
    assert len(collection.gaps) == 5
    assert_clean(collection)


def test_errors_hold_no_credential(serve: ServeFn, tmp_path: Path) -> None:
    served = serve(fx.seed_cluster(), token=TOKEN)
    failures: list[KostackError] = []
    wrong = write_kubeconfig(tmp_path / "wrong", served.api.url, WRONG_TOKEN)
    for kubeconfig, context in ((wrong, None), (wrong, "prod")):
        with pytest.raises(KostackError) as caught:
            collect_kubernetes(str(kubeconfig), context, environ={})
        failures.append(caught.value)
    broken = tmp_path / "broken"
    broken.write_text(
        wrong.read_text().replace("token:", f"token: [{TOKEN}\n  x:"), encoding="utf-8"
    )
    with pytest.raises(KostackError) as caught:
        collect_kubernetes(str(broken), None, environ={})
    failures.append(caught.value)
    assert [type(f).__name__ for f in failures] == ["AuthError", "ConfigError", "ConfigError"]
    assert failures[2].message.startswith(f"kubeconfig {broken} is not valid YAML (line ")
    for failure in failures:
        assert_clean(failure)


def test_a_server_echoing_the_token_is_redacted(serve: ServeFn, tmp_path: Path) -> None:
    """Whatever the server says goes into gaps; a token in it is replaced."""
    served = serve(fx.seed_cluster(), token=TOKEN)
    served.api.inject_fault("", "pods", status=403, message=f"denied for token {TOKEN}")
    kubeconfig = write_kubeconfig(tmp_path / "kc", served.api.url, TOKEN)
    collection = collect_kubernetes(str(kubeconfig), None, environ={})
    gap = next(g for g in collection.gaps if g.source == "cluster.pods")
    assert gap.error == "GET /api/v1/pods: 403 Forbidden: denied for token <redacted>"
    assert_clean(collection)


def test_a_failing_credential_plugin_is_quoted_without_its_secret(
    serve: ServeFn, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The client logs an exec plugin's stderr; kostack keeps it off the terminal, redacted."""
    served = serve(fx.seed_cluster(), token=TOKEN)
    kubeconfig = tmp_path / "kc"
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "/bin/sh",
            "args": ["-c", 'echo "token endpoint refused $PLUGIN_SECRET" >&2; exit 1'],
            "env": [{"name": "PLUGIN_SECRET", "value": PASSWORD}],
            "interactiveMode": "Never",
        }
    }
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "clusters": [{"name": "c", "cluster": {"server": served.api.url}}],
                "users": [{"name": "u", "user": user}],
                "contexts": [{"name": "lab", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "lab",
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(KostackError) as caught:
        collect_kubernetes(str(kubeconfig), None, environ={})
    assert type(caught.value).__name__ == "AuthError"
    assert caught.value.hint.endswith(
        "The kubeconfig's credential plugin said: exec: process returned 1. "
        "token endpoint refused <redacted>"
    )
    assert_clean(caught.value)
    out, err = capfd.readouterr()
    assert PASSWORD not in out + err and "token endpoint refused" not in out + err
