"""Secret canaries: credentials planted in clouds.yaml and kubeconfig never appear in output.

The canaries are really used: Keystone (a double) authenticates the password,
the application credential and the token, and the Kubernetes API double only
answers the canary bearer token. Then every byte kostack wrote is searched:
the snapshot, stdout, stderr (errors with --debug tracebacks included), and
every file that appeared under the test's directories.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from collect_keystone import Credentials, KeystoneDouble
from collect_live_support import Run, run_cli
from conftest_neutron import SeededNeutron

from kostack.collect.live import kubeconfig_secrets, scrub_snapshot
from kostack.model import loads_snapshot
from kostack_testkit.builders import build, seed_doc
from kostack_testkit.faultproxy import FaultKind, FaultProxy
from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble

pytestmark = pytest.mark.neutron

OS_PASSWORD = "canary-os-password-5b1e0c7d"
OS_APP_SECRET = "canary-app-cred-secret-93af21"
OS_TOKEN = "canary-os-token-4c6d88e2"
OS_WRONG_PASSWORD = "canary-wrong-password-77aa10"
KUBE_TOKEN = "canary-kube-token-0f9e8d7c"
KUBE_PASSWORD = "canary-kube-password-a1b2c3"
KUBE_CERT = "-----BEGIN CERTIFICATE-----\ncanary-kube-cert-5d4c3b2a\n-----END CERTIFICATE-----\n"
KUBE_KEY = "-----BEGIN PRIVATE KEY-----\ncanary-kube-key-9e8f7a6b\n-----END PRIVATE KEY-----\n"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


CANARIES = (
    OS_PASSWORD,
    OS_APP_SECRET,
    OS_TOKEN,
    OS_WRONG_PASSWORD,
    KUBE_TOKEN,
    KUBE_PASSWORD,
    b64(KUBE_CERT),
    b64(KUBE_KEY),
    "canary-kube-cert-5d4c3b2a",
    "canary-kube-key-9e8f7a6b",
)


@pytest.fixture
def canary_api() -> Iterator[KubeApiDouble]:
    with KubeApiDouble(seed_cluster(), token=KUBE_TOKEN) as api:
        yield api


def write_inputs(tmp_path: Path, keystone_url: str, api: KubeApiDouble) -> tuple[Path, Path]:
    auth_url = f"{keystone_url}/v3"
    domains = {"user_domain_name": "Default", "project_domain_name": "Default"}
    clouds = {
        "clouds": {
            "pw": {
                "auth_type": "password",
                "auth": {
                    "auth_url": auth_url,
                    "username": "kostack-user",
                    "password": OS_PASSWORD,
                    "project_name": "k8s",
                    **domains,
                },
                "region_name": "RegionOne",
            },
            "app": {
                "auth_type": "v3applicationcredential",
                "auth": {
                    "auth_url": auth_url,
                    "application_credential_id": "app-cred-id",
                    "application_credential_secret": OS_APP_SECRET,
                },
            },
            "tok": {
                "auth_type": "token",
                "auth": {"auth_url": auth_url, "token": OS_TOKEN, "project_id": "fake_project_id"},
            },
            "wrong": {
                "auth_type": "password",
                "auth": {
                    "auth_url": auth_url,
                    "username": "kostack-user",
                    "password": OS_WRONG_PASSWORD,
                    "project_name": "k8s",
                    **domains,
                },
            },
        }
    }
    clouds_path = tmp_path / "inputs" / "clouds.yaml"
    clouds_path.parent.mkdir()
    clouds_path.write_text(yaml.safe_dump(clouds))
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "seed", "cluster": {"server": api.url}}],
        "users": [
            {
                "name": "admin",
                "user": {
                    "token": KUBE_TOKEN,
                    "client-certificate-data": b64(KUBE_CERT),
                    "client-key-data": b64(KUBE_KEY),
                    "username": "admin",
                    "password": KUBE_PASSWORD,
                },
            }
        ],
        "contexts": [{"name": "seed", "context": {"cluster": "seed", "user": "admin"}}],
        "current-context": "seed",
    }
    kubeconfig_path = tmp_path / "inputs" / "kubeconfig"
    kubeconfig_path.write_text(yaml.safe_dump(kubeconfig))
    return clouds_path, kubeconfig_path


def test_no_credential_reaches_any_output(
    seeded_neutron: SeededNeutron,
    fault_proxy: FaultProxy,
    canary_api: KubeApiDouble,
    tmp_path: Path,
) -> None:
    creds = Credentials(
        password=OS_PASSWORD, application_credential_secret=OS_APP_SECRET, token=OS_TOKEN
    )
    home = tmp_path / "home"
    out_dir = tmp_path / "out"
    home.mkdir()
    out_dir.mkdir()
    runs: list[Run] = []
    with KeystoneDouble(fault_proxy.endpoint, creds) as keystone:
        clouds, kubeconfig = write_inputs(tmp_path, keystone.url, canary_api)
        environ = {
            "OS_CLIENT_CONFIG_FILE": str(clouds),
            "KUBECONFIG": str(kubeconfig),
            "HOME": str(home),
        }
        snapshot_file = out_dir / "snap.json"
        runs.append(
            run_cli("collect", "--os-cloud", "pw", "-o", str(snapshot_file), environ=environ)
        )
        runs.append(run_cli("collect", "--os-cloud", "app", environ=environ))
        runs.append(run_cli("diagnose", "--os-cloud", "tok", "-o", "json", environ=environ))
        runs.append(run_cli("diagnose", "--os-cloud", "tok", "-v", environ=environ))
        runs.append(run_cli("--debug", "collect", "--os-cloud", "wrong", environ=environ))
        fault_proxy.inject(FaultKind.HTTP_STATUS, "GET", r"^/v2\.0/security-groups$", status=403)
        runs.append(run_cli("collect", "--os-cloud", "pw", environ=environ))
        canary_api.stop()  # the API server goes away: an error path on the Kubernetes side
        runs.append(run_cli("--debug", "diagnose", "--os-cloud", "pw", environ=environ))
        sent = b"".join(keystone.bodies)

    # The runs did what they should, so the credentials were really in use.
    assert [r.code for r in runs] == [0, 0, 1, 1, 3, 4, 3], [r.stderr for r in runs]
    for secret in (OS_PASSWORD, OS_APP_SECRET, OS_TOKEN, OS_WRONG_PASSWORD):
        assert secret.encode() in sent
    assert loads_snapshot(runs[1].stdout).cluster is not None  # the canary token was accepted
    assert "rejected the credentials" in runs[4].stderr

    written = [snapshot_file.read_text()]
    written += [r.stdout for r in runs] + [r.stderr for r in runs]
    inputs = {clouds, kubeconfig}
    for path in tmp_path.rglob("*"):
        if path.is_file() and path not in inputs:
            written.append(path.read_text(errors="replace"))
    everything = "\n".join(written)
    assert json.loads(written[0])["openstack"]["project_name"] == "k8s"
    leaked = [c for c in CANARIES if c in everything]
    assert leaked == []
    # Nothing was written outside the output file (no logs, no caches in HOME).
    assert [p for p in home.rglob("*") if p.is_file()] == []
    assert [p.name for p in out_dir.iterdir()] == ["snap.json"]


# --------------------------------------------------------------------------- the last line of defence


def test_kubeconfig_secrets_are_the_credential_values_only(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kc"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "users": [
                    {"name": "a", "user": {"token": KUBE_TOKEN, "username": "kubernetes-admin"}},
                    {
                        "name": "b",
                        "user": {"client-key-data": b64(KUBE_KEY), "password": KUBE_PASSWORD},
                    },
                    {
                        "name": "c",
                        "user": {
                            "exec": {
                                "command": "aws-iam-authenticator",
                                "args": ["token", "-i", "prod-cluster"],
                                "env": [
                                    {
                                        "name": "AWS_SECRET_ACCESS_KEY",
                                        "value": "canary-aws-secret-1",
                                    }
                                ],
                            }
                        },
                    },
                ]
            }
        )
    )
    other = tmp_path / "kc2"
    other.write_text(
        yaml.safe_dump({"users": [{"name": "d", "user": {"token": "canary-second-file"}}]})
    )
    found = kubeconfig_secrets(f"{kubeconfig}:{other}", {})
    # the client key also as the collector's redactor knows it: decoded, and its long lines
    decoded = {KUBE_KEY, *(line for line in KUBE_KEY.splitlines() if len(line) >= 16)}
    assert found == {
        KUBE_TOKEN,
        b64(KUBE_KEY),
        KUBE_PASSWORD,
        "canary-aws-secret-1",
        "canary-second-file",
    } | {s for s in decoded if len(s) >= 6}
    assert not {"kubernetes-admin", "aws-iam-authenticator", "prod-cluster"} & found
    assert kubeconfig_secrets(None, {"KUBECONFIG": str(other)}) == {"canary-second-file"}
    assert kubeconfig_secrets(str(tmp_path / "absent"), {}) == set()


def test_kubeconfig_secrets_reads_the_files_the_collector_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KUBECONFIG=~/kc: the collector reads ~/kc (expanded), so its credentials are known to
    the redactor too (before: the path was taken literally, nothing was found)."""
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "kc").write_text(
        yaml.safe_dump({"users": [{"name": "a", "user": {"token": "canary-home-token"}}]})
    )
    assert kubeconfig_secrets(None, {"KUBECONFIG": "~/kc"}) == {"canary-home-token"}
    assert kubeconfig_secrets("~/kc", {}) == {"canary-home-token"}


def test_a_secret_that_slipped_into_collected_data_is_replaced() -> None:
    snap = build(seed_doc())
    assert snap.openstack is not None and snap.openstack.security_groups
    group = snap.openstack.security_groups[1]
    rule = group.rules[0].model_copy(update={"description": f"temp token {KUBE_TOKEN}"})
    groups = (
        snap.openstack.security_groups[0],
        group.model_copy(update={"rules": (rule, *group.rules[1:])}),
    )
    leaky = snap.model_copy(
        update={"openstack": snap.openstack.model_copy(update={"security_groups": groups})}
    )
    clean = scrub_snapshot(leaky, {KUBE_TOKEN})
    assert KUBE_TOKEN not in clean.model_dump_json()
    assert "temp token <redacted>" in clean.model_dump_json()
    assert scrub_snapshot(snap, {KUBE_TOKEN}) is snap  # nothing to do: the same object
