"""`fix apply` when a root cause needs a step by hand: exit 1 and the step printed.

It used to print "Nothing to apply." and exit 0 while the MTU root cause (a
`kubectl patch` kostack never runs) remained; and the plan's header said
"method: allowed address pairs" though the plan touched no port.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fix_cloud import SeedCloud, diff_states, run_cli

from kostack_testkit.cli import flat

ROOT = Path(__file__).parents[2]
MTU_ONLY = str(ROOT / "examples" / "mtu-1500.json")
FIXED = str(ROOT / "examples" / "seed-fixed.json")
PATCH = "kubectl patch installation default --type merge"


@pytest.mark.parametrize("yes", [True, False])
def test_nothing_automatic_but_a_manual_step_is_exit_1(yes: bool) -> None:
    run = run_cli("fix", "apply", "--snapshot", MTU_ONLY, *(["--yes"] if yes else []), environ={})
    assert run.code == 1, run.stdout + run.stderr
    assert "Nothing to apply." not in run.stdout
    tail = run.stdout.split("Nothing for kostack to apply, but 1 root cause remains:\n", 1)[1]
    assert tail.startswith("  mtu  The pod MTU is larger than the tenant network can carry\n")
    assert "Do by hand (1 step; kostack does not run it):" in tail
    assert f"a1  {PATCH}" in tail
    assert "`kostack diagnose`" in tail


def test_in_korean() -> None:
    run = run_cli("fix", "apply", "--snapshot", MTU_ONLY, environ={"LANG": "ko_KR.UTF-8"})
    assert run.code == 1
    assert "kostack이 적용할 변경은 없지만 근본 원인 1개가 남아 있습니다:" in run.stdout
    assert "직접 실행하세요 (단계 1개, kostack은 실행하지 않음):" in run.stdout


def test_nothing_left_is_still_exit_0() -> None:
    run = run_cli("fix", "apply", "--snapshot", FIXED, "--yes", environ={})
    assert run.code == 0
    assert "Nothing to apply." in run.stdout
    assert "Do by hand" not in run.stdout


def test_a_plan_without_port_actions_names_no_method() -> None:
    run = run_cli("fix", "plan", "--snapshot", MTU_ONLY, environ={})
    header = run.stdout.splitlines()[0]
    assert "method:" not in header, header
    assert header.endswith(": 0 changes and 1 manual step for 1 root cause.")
    seed = run_cli(
        "fix", "plan", "--snapshot", str(ROOT / "examples" / "seed-incident.json"), environ={}
    )
    assert "(method: allowed address pairs, port security stays on)" in flat(seed.stdout)


def _with_mtu_too_big(seed_cloud: SeedCloud, tmp_path: Path) -> Path:
    """The seed cloud's snapshot with Calico's MTU at 1500 (a root cause only a person fixes)."""
    data = json.loads(Path(seed_cloud.snapshot_path).read_text(encoding="utf-8"))
    calico = data["cluster"]["cni"]["calico"]
    calico.update(mtu=1500, mtu_source="Installation default spec.calicoNetwork.mtu")
    both = tmp_path / "both.json"
    both.write_text(json.dumps(data), encoding="utf-8")
    return both


@pytest.mark.neutron
def test_after_applying_the_remaining_manual_step_is_printed(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    """The seed's anti-spoofing (fixed in Neutron) and a Calico MTU too big: the MTU remains."""
    both = _with_mtu_too_big(seed_cloud, tmp_path)
    original = seed_cloud.state()
    run = seed_cloud.apply("--yes", journal=tmp_path / "j.jsonl", snapshot=both)
    assert run.code == 1, run.stdout + run.stderr
    assert "gone:    antispoof" in run.stdout
    assert "remains: mtu" in run.stdout
    tail = run.stdout.split("1 root cause remains:\n", 1)[1]
    assert "Do by hand (1 step; kostack does not run it):" in tail
    assert PATCH in tail
    assert diff_states(original, seed_cloud.state()) != []  # the pairs were applied


@pytest.mark.neutron
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_no_verify_still_exits_1_when_the_plan_says_a_root_cause_remains(
    seed_cloud: SeedCloud, tmp_path: Path, lang: str
) -> None:
    """--no-verify skips re-reading the cloud, not the plan's own check: the MTU step remains."""
    both = _with_mtu_too_big(seed_cloud, tmp_path)
    original = seed_cloud.state()
    journal = tmp_path / "j.jsonl"
    args = ("fix", "apply", "--snapshot", str(both), "--journal", str(journal), "--no-verify")
    run = run_cli(*args, "--yes", "--lang", lang, environ=seed_cloud.environ)
    assert run.code == 1, run.stdout + run.stderr
    assert diff_states(original, seed_cloud.state()) != []  # the pairs were applied
    assert "Verified after applying" not in run.stdout  # nothing was re-read
    assert "적용 후 검증했습니다" not in run.stdout
    if lang == "en":
        assert "the plan's own check says the fix is not complete: exit 1." in run.stdout
        tail = run.stdout.split("1 root cause remains:\n", 1)[1]
        assert tail.startswith("  mtu  The pod MTU is larger than the tenant network can carry\n")
        assert "Do by hand (1 step; kostack does not run it):" in tail
    else:
        assert "계획 자체의 점검으로도 수정이 끝나지 않습니다: 종료 코드 1." in run.stdout
        assert "근본 원인 1개가 남아 있습니다:" in run.stdout
        assert "직접 실행하세요 (단계 1개, kostack은 실행하지 않음):" in run.stdout
    assert PATCH in run.stdout
    # resuming the finished journal says the same: nothing left to apply, the MTU remains
    again = run_cli(*args, "--yes", "--lang", lang, environ=seed_cloud.environ)
    assert again.code == 1, again.stdout + again.stderr
    assert PATCH in again.stdout


@pytest.mark.neutron
def test_no_verify_is_exit_0_when_the_plan_fixes_everything(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    run = seed_cloud.apply("--no-verify", "--yes", journal=tmp_path / "j.jsonl")
    assert run.code == 0, run.stdout + run.stderr
    assert "Do by hand" not in run.stdout and "exit 1" not in run.stdout
