"""`kostack fix plan -o script --lang ko` run against the real Neutron: what the script prints
while it runs is Korean too (it printed "changed  port ...: added allowed address pairs",
"error: port ... changed since planning" and "Done. Check with: ..." in English)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from fix_cloud import SeedCloud
from foundation.english import english_lines
from test_script_neutron import run_script

from kostack.plan.build import build_plan
from kostack.report.fixplan import render_script
from kostack_lab.neutron import openstack_connection

pytestmark = pytest.mark.neutron


def test_the_korean_script_says_what_it_does_in_korean(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    plan = build_plan(seed_cloud.snapshot)
    script = tmp_path / "fix.sh"
    script.write_text(render_script(plan, "test", lang="ko"))
    first = run_script(script, seed_cloud.endpoint)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("변경     ") == len(plan.automatic), first.stdout
    assert first.stdout.endswith("완료했습니다. 확인: `kostack diagnose`\n")
    second = run_script(script, seed_cloud.endpoint)
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("그대로   ") == len(plan.automatic), second.stdout
    for run in (first, second):
        assert english_lines(run.stdout) == [], run.stdout


def test_the_korean_script_stops_at_a_changed_port_in_korean(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    full = build_plan(seed_cloud.snapshot)
    plan = replace(full, actions=tuple(a for a in full.actions if a.target.kind == "port"))
    first_port = plan.actions[0].target
    conn = openstack_connection(seed_cloud.endpoint)
    conn.network.update_port(first_port.id, allowed_address_pairs=[{"ip_address": "192.0.2.0/24"}])
    script = tmp_path / "fix.sh"
    script.write_text(render_script(plan, "test", lang="ko"))
    run = run_script(script, seed_cloud.endpoint)
    assert run.returncode == 3
    assert (
        f"오류: 계획 이후 포트 {first_port.id} ({first_port.name})에 변경이 있었습니다"
        in run.stderr
    )
    assert english_lines(run.stderr) == [], run.stderr
