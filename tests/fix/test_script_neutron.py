"""`kostack fix plan -o script` run with the real `openstack` CLI against the real Neutron."""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fix_cloud import SeedCloud, cloud_state, diff_states
from test_fault_trial import content

from kostack.apply.engine import apply_plan
from kostack.apply.journal import Journal
from kostack.apply.neutron import Neutron
from kostack.plan.build import build_plan
from kostack.report.fixplan import render_script
from kostack_lab.neutron import openstack_connection
from kostack_lab.neutron_venv import find_neutron_python

pytestmark = pytest.mark.neutron


def run_script(script: Path, endpoint: str) -> subprocess.CompletedProcess[str]:
    """bash SCRIPT with the Neutron venv's `openstack` first on PATH, as the fixture runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    bindir = str(Path(find_neutron_python()).parent)
    env.update(OS_AUTH_TYPE="none", OS_ENDPOINT=endpoint, PATH=f"{bindir}:{env.get('PATH', '')}")
    return subprocess.run(
        ["bash", str(script)], env=env, capture_output=True, text=True, timeout=600
    )


def revisions(endpoint: str) -> dict[str, Any]:
    conn = openstack_connection(endpoint)
    out = {}
    for kind, path in (
        ("ports", "/ports"),
        ("security_groups", "/security-groups"),
        ("routers", "/routers"),
    ):
        for item in conn.network.get(path).json()[kind]:
            out[item["id"]] = item["revision_number"]
    return out


def test_the_script_reaches_the_same_state_as_apply_and_is_idempotent(
    seed_cloud: SeedCloud, neutron_seeder: Any, tmp_path: Path
) -> None:
    plan = build_plan(seed_cloud.snapshot)
    script = tmp_path / "fix.sh"
    script.write_text(render_script(plan, "test"))

    first = run_script(script, seed_cloud.endpoint)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("changed  ") == len(plan.automatic)
    by_script = seed_cloud.state()
    revs = revisions(seed_cloud.endpoint)

    second = run_script(script, seed_cloud.endpoint)
    assert second.returncode == 0, second.stderr
    assert "changed  " not in second.stdout
    assert second.stdout.count("ok       ") == len(plan.automatic)
    assert diff_states(by_script, seed_cloud.state()) == []
    assert revisions(seed_cloud.endpoint) == revs  # not one write on the second run

    neutron_seeder()  # the same cloud again, through kostack fix apply this time
    with Journal.create(tmp_path / "j.jsonl", plan) as journal:
        assert apply_plan(journal, Neutron(openstack_connection(seed_cloud.endpoint))).ok
    by_apply = cloud_state(seed_cloud.endpoint)
    assert diff_states(content(by_script), content(by_apply)) == []


def test_the_script_stops_at_a_port_changed_since_planning(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    full = build_plan(seed_cloud.snapshot)
    # only the port changes, so that the first command the script runs meets the changed port
    plan = replace(full, actions=tuple(a for a in full.actions if a.target.kind == "port"))
    first_port = plan.actions[0]
    conn = openstack_connection(seed_cloud.endpoint)
    conn.network.update_port(
        first_port.target.id, allowed_address_pairs=[{"ip_address": "192.168.9.0/24"}]
    )
    changed = seed_cloud.state()
    script = tmp_path / "fix.sh"
    script.write_text(render_script(plan, "test"))
    run = run_script(script, seed_cloud.endpoint)
    assert run.returncode == 3
    assert (
        f"error: port {first_port.target.id} ({first_port.target.name}) changed since planning"
        in run.stderr
    )
    after = seed_cloud.state()
    assert after["ports"] == changed["ports"]  # no port was changed by the script
