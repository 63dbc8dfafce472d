"""`kostack lab` command line: usage errors (no root needed) and a full cycle (root)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from lab_testing import assert_nothing_left, lab_name

from kostack.cli.lab import lab as lab_group


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(lab_group, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_help_has_an_example() -> None:
    code, out, _ = invoke("up", "--help")
    assert code == 0
    assert "kostack lab up --scenario seed" in out


def test_unknown_scenario_is_bad_input(tmp_path: Path) -> None:
    code, _, err = invoke("up", "--scenario", "nope", "--state-dir", str(tmp_path))
    assert code == 2
    assert err.startswith("error: unknown scenario 'nope'")
    assert "hint: choose one of: seed," in err


def test_bad_node_count_and_endpoint_are_bad_input(tmp_path: Path) -> None:
    code, _, err = invoke("up", "--scenario", "seed", "--nodes", "1", "--state-dir", str(tmp_path))
    assert code == 2 and "between 2 and 40" in err
    code, _, err = invoke("up", "--scenario", "seed", "--neutron-endpoint", "localhost:9696")
    assert code == 2 and "hint: give the root URL" in err
    code, _, err = invoke("up", "--scenario", "seed", "--seed-neutron")
    assert code == 2 and "--seed-neutron needs --neutron-endpoint" in err
    code, _, err = invoke("up", "--scenario", "seed", "--name", "Bad_Name")
    assert code == 2 and "bad lab name" in err


def test_not_root_exits_3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    code, _, err = invoke("up", "--scenario", "seed", "--state-dir", str(tmp_path))
    assert code == 3
    assert "error: the network lab needs root" in err and "hint: run it as root" in err
    for command in ("down", "status", "sync", "probe"):
        assert invoke(command, "--state-dir", str(tmp_path))[0] == 3


def test_scenarios_lists_every_scenario() -> None:
    code, out, _ = invoke("scenarios")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()][:2] == ["seed", "seed-natoutgoing"]


@pytest.mark.lab
def test_cli_up_status_probe_down(root_only: None, tmp_path: Path) -> None:
    name, state = lab_name(), str(tmp_path / "state")
    try:
        code, out, err = invoke("up", "--scenario", "fixed", "--name", name, "--state-dir", state)
        assert code == 0, err
        assert out.startswith("lab up: scenario fixed (4 nodes)")
        # served as a cluster by default; no Neutron endpoint, so no clouds.yaml line
        assert out.splitlines()[-1] == f"export KUBECONFIG={state}/kubeconfig"
        code, out, err = invoke("up", "--scenario", "fixed", "--name", name, "--state-dir", state)
        assert code == 2 and f"kostack lab down --name {name}" in err
        code, out, _ = invoke("status", "--json", "--name", name, "--state-dir", state)
        status = json.loads(out)
        assert (
            code == 0
            and status["up"]
            and status["scenario"] == "fixed"
            and status["problems"] == []
        )
        # 10 servers (8 pods, API server stand-in, internet) + the Kubernetes API double
        assert len(status["servers"]) == 11 and all(s["alive"] for s in status["servers"])
        assert status["exports"] == [f"export KUBECONFIG={state}/kubeconfig"]
        code, out, _ = invoke("probe", "--json", "--name", name, "--state-dir", state)
        results = json.loads(out)
        assert code == 0 and results["dns"]["ok"] and not results["ping_cluster_ip"]["ok"]
    finally:
        code, out, err = invoke("down", "--name", name, "--state-dir", state)
    assert code == 0, err
    assert out.startswith("lab down: removed 15 namespaces, stopped 11 processes")
    assert_nothing_left(name)
    assert not Path(state).exists()
    code, out, _ = invoke("status", "--name", name, "--state-dir", state)
    assert code == 0 and out.startswith("no lab is up")
