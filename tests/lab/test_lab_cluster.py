"""The lab served as a cluster: `kostack lab up` prints the environment, and with only that
environment `kostack collect` and `kostack diagnose` run against the lab and its Neutron."""

from __future__ import annotations

import io
import json
import shlex
import stat
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from lab_testing import assert_nothing_left, lab_name

from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack_lab import netns

pytestmark = [pytest.mark.lab, pytest.mark.neutron]


def run(argv: Sequence[str], environ: Mapping[str, str]) -> tuple[int, str, str]:
    """`kostack ARGV` in-process with exactly `environ` as its environment."""
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=out, stderr=err, environ=dict(environ), stdin_isatty=False, stdout_isatty=False
    )
    return main(list(argv), env), out.getvalue(), err.getvalue()


def exported(lines: Sequence[str]) -> dict[str, str]:
    """The variables set by the `export A=1 B=2` lines `lab up` printed."""
    variables: dict[str, str] = {}
    for line in lines:
        words = shlex.split(line)
        assert words[0] == "export", line
        for word in words[1:]:
            key, _, value = word.partition("=")
            variables[key] = value
    return variables


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def test_lab_up_serves_the_cluster_for_collect_and_diagnose(
    root_only: None, seeded_neutron: Any, tmp_path: Path
) -> None:
    name, state = lab_name(), tmp_path / "state"
    lab_args = ["--name", name, "--state-dir", str(state)]
    kubeconfig, clouds = state / "kubeconfig", state / "clouds.yaml"
    endpoint = seeded_neutron.endpoint
    try:
        code, out, err = run(
            ["lab", "up", "--scenario", "seed", "--neutron-endpoint", endpoint, *lab_args],
            {"LANG": "C.UTF-8"},
        )
        assert code == 0, err
        exports = [line for line in out.splitlines() if line.startswith("export ")]
        assert exports == [
            f"export KUBECONFIG={kubeconfig}",
            f"export OS_CLIENT_CONFIG_FILE={clouds} OS_CLOUD=lab",
        ]
        for path in (kubeconfig, clouds):  # the kubeconfig holds the API's bearer token
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        server = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
        assert server.startswith("http://127.0.0.1:") and answers(server)
        assert yaml.safe_load(clouds.read_text()) == {
            "clouds": {"lab": {"auth_type": "none", "network_endpoint_override": endpoint}}
        }
        code, out, _ = run(["lab", "status", *lab_args], {"LANG": "C.UTF-8"})
        assert code == 0 and [line.strip() for line in out.splitlines() if "export " in line] == (
            exports
        )
        pid = int((state / "pids" / "kubeapi.pid").read_text())
        assert netns.process_alive(pid)

        environ = exported(exports)  # nothing else: no PATH, HOME, options or flags
        assert set(environ) == {"KUBECONFIG", "OS_CLIENT_CONFIG_FILE", "OS_CLOUD"}
        code, out, err = run(["collect"], environ)
        assert code == 0, err
        snapshot = json.loads(out)
        assert [n["name"] for n in snapshot["cluster"]["nodes"]] == [
            "k8s-cp-1",
            "k8s-w-1",
            "k8s-w-2",
            "k8s-w-3",
        ]
        node_ports = [
            p for p in snapshot["openstack"]["ports"] if p["device_owner"] == "compute:nova"
        ]
        assert len(node_ports) == 4 and all(p["allowed_address_pairs"] == [] for p in node_ports)
        # Calico IPAM's blocks, as a real Calico cluster's API holds them (lab/calico_ipam.py)
        blocks = {b["cidr"]: b["node"] for b in snapshot["cluster"]["cni"]["calico"]["blocks"]}
        assert blocks == {
            f"10.244.{i}.0/24": node
            for i, node in enumerate(["k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"])
        }

        code, out, err = run(["diagnose", "-o", "json"], environ)
        assert code == 1, err
        assert "antispoof" in {rc["key"] for rc in json.loads(out)["root_causes"]}
        code, out, err = run(["diagnose"], environ)
        assert code == 1, err
        assert "Neutron anti-spoofing drops pod traffic" in out
    finally:
        code, out, err = run(["lab", "down", *lab_args], {"LANG": "C.UTF-8"})
    assert code == 0, err
    assert_nothing_left(name)  # namespaces, root-namespace interfaces, tagged processes
    assert not netns.process_alive(pid)
    assert not answers(server)
    assert not kubeconfig.exists() and not clouds.exists() and not state.exists()
