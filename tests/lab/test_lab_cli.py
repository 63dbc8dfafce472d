"""`kostack lab` command line: usage errors (no root needed) and a full cycle (root)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from lab_testing import assert_nothing_left, lab_name

from kostack_lab.cli.lab import lab as lab_group


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
    code, _, err = invoke(
        "up", "--scenario", "seed", "--no-neutron", "--neutron-endpoint", "http://127.0.0.1:1/"
    )
    assert code == 2 and "--no-neutron and --neutron-endpoint exclude each other" in err


def test_help_example_is_the_rehearsal() -> None:
    """The group's example runs diagnose with both sides exported (it exited 3 without Neutron)."""
    code, out, _ = invoke("--help")
    assert code == 0
    lines = [line.strip() for line in out.split("Examples", 1)[1].splitlines()]
    commands = [line.split("#")[0].strip() for line in lines if line.startswith("sudo")]
    assert commands == [
        "sudo kostack lab up --scenario seed",
        "sudo -E kostack diagnose",
        "sudo -E kostack fix apply --yes",
        "sudo kostack lab probe",
        "sudo kostack lab way-in --mode amphora",
        "sudo kostack lab down",
    ]
    assert "paste the export lines" in out


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
    # a row's summary wraps at 100 cells under its column: the names start the other lines
    names = [line.split()[0] for line in out.splitlines() if not line.startswith(" ")]
    assert names[:2] == ["seed", "seed-natoutgoing"]


@pytest.mark.lab
def test_cli_up_status_probe_down(root_only: None, tmp_path: Path) -> None:
    name, state = lab_name(), str(tmp_path / "state")
    try:
        code, out, err = invoke(
            "up", "--scenario", "fixed", "--no-neutron", "--name", name, "--state-dir", state
        )
        assert code == 0, err
        assert out.startswith("lab up: scenario fixed (4 nodes)")
        # the next commands name this lab (without --name they would find no lab)
        assert f"`kostack lab probe --name {name} --state-dir {state}`," in out
        # served as a cluster by default; no Neutron, so no clouds.yaml line
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
        # ping to a ClusterIP never answers, and is no failure: every probe that counts passed
        assert code == 0 and results["dns"]["ok"] and not results["ping_cluster_ip"]["ok"]
        code, out, _ = invoke("probe", "--name", name, "--state-dir", state)
        assert code == 0 and out.rstrip().endswith("all 6 probes passed")
        assert "ping_cluster_ip  expected" in out
    finally:
        code, out, err = invoke("down", "--name", name, "--state-dir", state)
    assert code == 0, err
    assert out.startswith("lab down: removed 15 namespaces, stopped 11 processes")
    assert_nothing_left(name)
    assert not Path(state).exists()
    code, out, _ = invoke("status", "--name", name, "--state-dir", state)
    assert code == 0 and out.startswith("no lab is up")


@pytest.mark.lab
def test_cli_probe_exits_1_when_a_probe_fails(root_only: None, tmp_path: Path) -> None:
    name, state = lab_name(), str(tmp_path / "state")
    try:
        code, out, err = invoke(
            "up", "--scenario", "seed", "--no-neutron", "--name", name, "--state-dir", state
        )
        assert code == 0, err
        code, out, _ = invoke("probe", "--timeout", "0.5", "--name", name, "--state-dir", state)
        assert code == 1
        assert "  dns              FAILED" in out
        assert out.rstrip().endswith("6 of 6 probes failed")
        code, out, _ = invoke(
            "probe", "--json", "--timeout", "0.5", "--name", name, "--state-dir", state
        )
        assert code == 1 and not json.loads(out)["pod_to_pod"]["ok"]
    finally:
        code, _, err = invoke("down", "--name", name, "--state-dir", state)
    assert code == 0, err
    assert_nothing_left(name)
