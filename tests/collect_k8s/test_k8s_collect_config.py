"""Configuration sources: kubeconfig file, KUBECONFIG, ~/.kube/config, --context, in-cluster."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from k8s_collect_served import Served, ServeFn
from k8s_collect_tls import Certificates, TlsProxy, make_certificates

from kostack.catalog import localize
from kostack.collect import _kube_api
from kostack.collect.kubernetes import collect_kubernetes
from kostack.errors import CollectError, ConfigError
from kostack_testkit import k8s_fixtures as fx


@pytest.fixture
def seed(serve: ServeFn) -> Served:
    return serve(fx.seed_cluster())


@pytest.fixture
def certificates(tmp_path: Path) -> Certificates:
    directory = tmp_path / "pki"
    directory.mkdir()
    return make_certificates(directory)


@pytest.fixture
def tls(seed: Served, certificates: Certificates) -> Iterator[TlsProxy]:
    with TlsProxy(seed.api.port, certificates) as proxy:
        yield proxy


def config(server: str, token: str, contexts: dict[str, str] | None = None, **cluster: Any) -> str:
    """A kubeconfig: one cluster and user per context name (context -> server)."""
    contexts = contexts or {"only": server}
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": f"{name}-cluster", "cluster": {"server": url, **cluster}}
            for name, url in contexts.items()
        ],
        "users": [{"name": "user", "user": {"token": token}}],
        "contexts": [
            {"name": name, "context": {"cluster": f"{name}-cluster", "user": "user"}}
            for name in contexts
        ],
        "current-context": next(iter(contexts)),
    }
    return yaml.safe_dump(document)


def test_kubeconfig_variable_with_several_files(seed: Served, tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    environ = {"KUBECONFIG": os.pathsep.join([str(missing), str(seed.kubeconfig)])}
    collection = collect_kubernetes(None, None, environ=environ)
    assert len(collection.cluster.nodes or ()) == 4


def test_home_kube_config(seed: Served, tmp_path: Path) -> None:
    (tmp_path / ".kube").mkdir()
    (tmp_path / ".kube" / "config").write_text(seed.kubeconfig.read_text(), encoding="utf-8")
    collection = collect_kubernetes(None, None, environ={"HOME": str(tmp_path)})
    assert collection.cluster.kubernetes_version == "v1.33.5"


def test_context_picks_the_cluster(seed: Served, tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kc"
    kubeconfig.write_text(
        config(
            "",
            seed.api.token,
            contexts={"broken": "http://127.0.0.1:9", "lab": seed.api.url},
        ),
        encoding="utf-8",
    )
    with pytest.raises(CollectError):
        collect_kubernetes(str(kubeconfig), None, environ={})  # current-context: broken
    collection = collect_kubernetes(str(kubeconfig), "lab", environ={})
    assert len(collection.cluster.nodes or ()) == 4


def test_unknown_context_lists_the_known_ones(seed: Served) -> None:
    with pytest.raises(ConfigError) as caught:
        collect_kubernetes(str(seed.kubeconfig), "prod", environ={})
    assert caught.value.exit_code == 2
    assert caught.value.message == f"context 'prod' is not in kubeconfig {seed.kubeconfig}"
    assert caught.value.hint == "Contexts there: kostack-lab. Pick one with --context."


def test_no_kubeconfig_anywhere(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        collect_kubernetes(None, None, environ={"HOME": str(tmp_path)})
    assert caught.value.message == f"no kubeconfig file found at {tmp_path}/.kube/config"
    assert "KUBECONFIG" in caught.value.hint
    with pytest.raises(ConfigError) as caught:
        collect_kubernetes(None, None, environ={"KUBECONFIG": str(tmp_path / "nope")})
    assert caught.value.message == f"no KUBECONFIG file found at {tmp_path}/nope"


def test_in_cluster_service_account(
    seed: Served,
    tls: TlsProxy,
    certificates: Certificates,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text(seed.api.token, encoding="utf-8")
    (account / "ca.crt").write_bytes(certificates.ca.read_bytes())
    monkeypatch.setattr(_kube_api, "SERVICE_ACCOUNT_DIR", account)
    environ = {
        "HOME": str(tmp_path),  # no ~/.kube/config there
        "KUBERNETES_SERVICE_HOST": "127.0.0.1",
        "KUBERNETES_SERVICE_PORT": str(tls.port),
    }
    collection = collect_kubernetes(None, None, environ=environ)
    assert len(collection.cluster.nodes or ()) == 4 and collection.gaps == ()
    assert {r.user_agent for r in seed.api.requests} == {"kostack (read-only collector)"}
    # Forbidding it, or a kubeconfig, wins over the pod's account.
    with pytest.raises(ConfigError):
        collect_kubernetes(None, None, environ=environ, in_cluster=False)
    with pytest.raises(ConfigError) as caught:
        collect_kubernetes(None, "lab", environ=environ, in_cluster=True)
    assert caught.value.message == "--context cannot be used with the in-cluster service account"


def test_in_cluster_without_a_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_kube_api, "SERVICE_ACCOUNT_DIR", tmp_path / "absent")
    environ = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    with pytest.raises(ConfigError) as caught:
        collect_kubernetes(None, None, environ=environ, in_cluster=True)
    assert caught.value.message == (
        "cannot use the in-cluster service account: Service token file does not exist."
    )


def test_https_with_the_kubeconfigs_ca(
    seed: Served, tls: TlsProxy, certificates: Certificates, tmp_path: Path
) -> None:
    ca_data = base64.b64encode(certificates.ca.read_bytes()).decode()
    kubeconfig = tmp_path / "kc"
    server = f"https://127.0.0.1:{tls.port}"
    kubeconfig.write_text(
        config(server, seed.api.token, **{"certificate-authority-data": ca_data}),
        encoding="utf-8",
    )
    assert collect_kubernetes(str(kubeconfig), None, environ={}).gaps == ()


def test_https_with_an_unknown_ca_is_unreachable(
    seed: Served, tls: TlsProxy, tmp_path: Path
) -> None:
    kubeconfig = tmp_path / "kc"
    kubeconfig.write_text(config(f"https://127.0.0.1:{tls.port}", seed.api.token), encoding="utf-8")
    with pytest.raises(CollectError) as caught:
        collect_kubernetes(str(kubeconfig), None, environ={})
    assert caught.value.exit_code == 3
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.message


@pytest.mark.parametrize(
    ("distribution", "file", "korean"),
    [
        ("k3s", "k3s.yaml", "k3s는"),
        ("RKE2", "rke2.yaml", "RKE2는"),
        ("k0s", "admin.conf", "k0s는"),
        ("MicroK8s", "client.config", "MicroK8s는"),
    ],
)
def test_no_kubeconfig_on_a_distribution_server_names_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, distribution: str, file: str, korean: str
) -> None:
    """On a k3s, RKE2, k0s or MicroK8s server the admin kubeconfig is the distribution's
    file, not ~/.kube/config."""
    found = tmp_path / distribution / file
    found.parent.mkdir()
    found.write_text("apiVersion: v1\n", encoding="utf-8")
    absent = ("other", tmp_path / "absent.yaml")
    monkeypatch.setattr(_kube_api, "DISTRIBUTION_KUBECONFIGS", (absent, (distribution, found)))
    with pytest.raises(ConfigError) as caught:
        collect_kubernetes(None, None, environ={"HOME": str(tmp_path)})
    assert caught.value.hint == (
        f"{distribution} keeps the cluster's kubeconfig in {found} (readable by root): "
        f"pass --kubeconfig {found}."
    )
    assert localize(caught.value.hint, "ko").startswith(f"{korean} 클러스터의 kubeconfig를")
