"""`kostack fix plan | apply | rollback` through main(), against snapshots and the real Neutron."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fix_cloud import SeedCloud, diff_states, harness_snapshot, run_cli

from kostack.apply.engine import Event, apply_plan
from kostack.apply.journal import Journal
from kostack.apply.neutron import Neutron
from kostack.model import dump_snapshot
from kostack.plan.build import build_plan
from kostack_lab.neutron import openstack_connection
from kostack_testkit.cli import flat
from kostack_testkit.kubeapi import KubeApiDouble

EXAMPLE = str(Path(__file__).parents[2] / "examples" / "seed-incident.json")
NO_ENV: dict[str, str] = {}


# --------------------------------------------------------------------------- plan (no Neutron)


def test_plan_text_names_every_change_its_reason_precondition_and_undo() -> None:
    run = run_cli("fix", "plan", "--snapshot", EXAMPLE, environ=NO_ENV)
    assert run.code == 0, run.stderr
    assert "4 changes to 4 ports for 1 root cause" in run.stdout
    # the pod CIDR only, as diagnose recommends; the service CIDR only when asked for
    assert "add allowed address pairs 10.244.0.0/16" in run.stdout
    assert "10.96.0.0/12" not in run.stdout
    assert "root cause: Neutron anti-spoofing drops pod traffic" in flat(run.stdout)
    assert "revision_number is still 3" in run.stdout
    assert "undo:" in run.stdout
    asked = run_cli("fix", "plan", "--snapshot", EXAMPLE, "--service-cidr", environ=NO_ENV)
    assert "add allowed address pairs 10.244.0.0/16, 10.96.0.0/12 (service CIDR)" in asked.stdout
    assert "not needed for traffic" in asked.stdout
    assert "gone:    antispoof" in run.stdout


def test_plan_options_tight_and_no_service_cidr() -> None:
    run = run_cli(
        "fix",
        "plan",
        "--snapshot",
        EXAMPLE,
        "--tight",
        "--no-service-cidr",
        "-o",
        "json",
        environ=NO_ENV,
    )
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    added = [[p["ip_address"] for p in a["parameters"]["add"]] for a in doc["actions"]]
    assert added == [["10.244.0.0/26"], ["10.244.1.0/26"], ["10.244.2.0/26"], ["10.244.3.0/26"]]
    assert doc["options"] == {"method": "pairs", "tight": True, "service_cidr": False}


def test_plan_text_ends_with_the_apply_command_that_plans_the_same_way(tmp_path: Path) -> None:
    """The plan's last lines are the `fix apply` to paste, carrying the options that built the
    plan (and not -o/-v/--lang); run as printed, it shows the same plan, by digest."""
    import shlex

    snap = tmp_path / "my snap.json"
    shutil.copy(EXAMPLE, snap)
    args = ["--snapshot", str(snap), "--tight", "--egress-target", "8.8.8.8"]
    run = run_cli("fix", "plan", *args, "-v", "--lang", "ko", environ=NO_ENV)
    assert run.code == 0, run.stderr
    command = re.search(r"적용하려면 `(.+)`을 실행하세요\n", run.stdout)
    assert command is not None, run.stdout
    words = shlex.split(command.group(1))
    assert words[:3] == ["kostack", "fix", "apply"]
    assert sorted(words[3:]) == sorted(args), command
    digest = re.search(r"sha256:[0-9a-f]+", run.stdout)
    again = run_cli(*words[1:], environ=NO_ENV)  # no --yes: a dry run showing the plan
    assert again.code == 0, again.stderr
    assert digest is not None and digest.group(0) in again.stdout
    # a plan with nothing to apply prints no apply command
    fixed = str(Path(EXAMPLE).with_name("seed-fixed.json"))
    quiet = run_cli("fix", "plan", "--snapshot", fixed, environ=NO_ENV)
    assert quiet.code == 0 and "Nothing to change" in quiet.stdout, quiet.stdout
    assert "fix apply" not in quiet.stdout


def test_plan_json_is_canonical_and_versioned() -> None:
    run = run_cli("fix", "plan", "--snapshot", EXAMPLE, "-o", "json", environ=NO_ENV)
    doc = json.loads(run.stdout)
    assert doc["kind"] == "kostack-fix-plan" and doc["schema_version"] == 1
    assert doc["digest"].startswith("sha256:")
    action = doc["actions"][0]
    assert set(action) >= {
        "id",
        "operation",
        "target",
        "parameters",
        "reason",
        "fixes",
        "precondition",
        "inverse",
    }
    assert action["precondition"]["revision_number"] == 3
    assert action["inverse"]["port_fields"]["allowed_address_pairs"] == []
    assert doc["verification"]["gone"] == ["antispoof"]


def test_plan_script_is_valid_bash() -> None:
    run = run_cli("fix", "plan", "--snapshot", EXAMPLE, "-o", "script", environ=NO_ENV)
    assert run.code == 0
    assert run.stdout.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in run.stdout
    assert run.stdout.count("\nkostack_add_pairs ") == 4
    bash = shutil.which("bash")
    assert bash is not None
    checked = subprocess.run([bash, "-n"], input=run.stdout, text=True, capture_output=True)
    assert checked.returncode == 0, checked.stderr


def test_disable_port_security_needs_the_acknowledgement() -> None:
    args = ("fix", "plan", "--snapshot", EXAMPLE, "--method", "disable-port-security")
    shown = run_cli(*args, environ=NO_ENV)
    assert shown.code == 0 and "WARNING: --method disable-port-security" in shown.stdout
    assert "Lost: (1) anti-spoofing" in shown.stdout
    refused = run_cli(*args, "-o", "script", environ=NO_ENV)
    assert refused.code == 2
    assert refused.stderr.startswith("error: -o script with --method disable-port-security needs")
    script = run_cli(
        *args, "-o", "script", "--i-understand-this-disables-filtering", environ=NO_ENV
    )
    assert script.code == 0 and script.stdout.count("\nkostack_disable_port_security ") == 4
    apply = run_cli(
        "fix",
        "apply",
        "--snapshot",
        EXAMPLE,
        "--method",
        "disable-port-security",
        "--yes",
        environ=NO_ENV,
    )
    assert apply.code == 2 and "--i-understand-this-disables-filtering" in apply.stderr


def test_every_fix_command_shows_an_example_in_its_help() -> None:
    for args in (("fix",), ("fix", "plan"), ("fix", "apply"), ("fix", "rollback"), ("preflight",)):
        run = run_cli(*args, "--help", environ=NO_ENV)
        assert run.code == 0
        assert "Example" in run.stdout and "kostack " in run.stdout


def test_a_bad_plan_file_is_refused(tmp_path: Path) -> None:
    run = run_cli("fix", "plan", "--snapshot", EXAMPLE, "-o", "json", environ=NO_ENV)
    doc = json.loads(run.stdout)
    doc["actions"][0]["parameters"]["add"][0]["ip_address"] = "0.0.0.0/0"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    refused = run_cli("fix", "apply", "--plan", str(path), "--yes", environ=NO_ENV)
    assert refused.code == 2
    assert "do not match its digest" in refused.stderr


# --------------------------------------------------------------------------- against Neutron


@pytest.mark.neutron
def test_apply_is_a_dry_run_without_yes(seed_cloud: SeedCloud, tmp_path: Path) -> None:
    original = seed_cloud.state()
    journal = tmp_path / "j.jsonl"
    run = seed_cloud.apply(journal=journal)
    assert run.code == 0, run.stderr
    assert "Dry run: nothing was changed" in run.stdout
    assert not journal.exists()
    assert diff_states(original, seed_cloud.state()) == []


@pytest.mark.neutron
def test_apply_verify_rollback_through_the_cli(seed_cloud: SeedCloud, tmp_path: Path) -> None:
    original = seed_cloud.state()
    journal = tmp_path / "j.jsonl"
    run = seed_cloud.apply("--yes", journal=journal)
    assert run.code == 0, run.stderr
    assert "5 applied, 0 already in place." in run.stdout
    assert "Verified after applying (OpenStack re-collected, diagnosis re-run):" in run.stdout
    assert "gone:    antispoof" in run.stdout
    assert "remains:" not in run.stdout

    # re-running apply on the fixed cloud plans and changes nothing
    fixed = tmp_path / "fixed.json"
    fixed.write_text(dump_snapshot(harness_snapshot(seed_cloud.endpoint)))
    after_fix = seed_cloud.state()
    again = seed_cloud.apply("--yes", journal=tmp_path / "again.jsonl", snapshot=fixed)
    assert again.code == 0, again.stderr
    assert "Nothing to change" in again.stdout and "Nothing to apply." in again.stdout
    assert not (tmp_path / "again.jsonl").exists()
    assert diff_states(after_fix, seed_cloud.state()) == []

    preview = run_cli("fix", "rollback", str(journal), environ=seed_cloud.environ)
    assert preview.code == 0 and "Dry run" in preview.stdout
    assert preview.stdout.count("changed by kostack") == 5
    undo = run_cli("fix", "rollback", str(journal), "--yes", environ=seed_cloud.environ)
    assert undo.code == 0, undo.stderr
    assert "5 restored" in undo.stdout
    assert diff_states(original, seed_cloud.state()) == []


@pytest.mark.neutron
def test_a_concurrent_change_is_one_error_line_naming_the_port(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    victim = seed_cloud.neutron.ids.port_ids["k8s-w-2"]
    conn = openstack_connection(seed_cloud.endpoint)
    conn.network.update_port(victim, allowed_address_pairs=[{"ip_address": "192.168.9.0/24"}])
    run = seed_cloud.apply("--yes", journal=tmp_path / "j.jsonl")
    assert run.code == 5
    lines = run.stderr.splitlines()
    assert len(lines) == 2, run.stderr
    assert lines[0].startswith(f"error: port {victim} (k8s-w-2) changed since planning")
    assert lines[1].startswith("hint: someone else changed it: re-run `kostack fix plan`")
    assert "stopped at" in run.stdout


@pytest.mark.neutron
def test_typed_confirmation_on_a_terminal(
    seed_cloud: SeedCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("fix", "apply", "--snapshot", str(seed_cloud.snapshot_path), "--no-verify")
    monkeypatch.setattr(sys, "stdin", io.StringIO("no\n"))
    declined = run_cli(
        *args,
        "--journal",
        str(tmp_path / "a.jsonl"),
        environ=seed_cloud.environ,
        stdin_isatty=True,
        stdout_isatty=True,
    )
    assert declined.code == 0 and "Dry run" in declined.stdout
    assert not (tmp_path / "a.jsonl").exists()
    monkeypatch.setattr(sys, "stdin", io.StringIO("apply\n"))
    typed = run_cli(
        *args,
        "--journal",
        str(tmp_path / "b.jsonl"),
        environ=seed_cloud.environ,
        stdin_isatty=True,
        stdout_isatty=True,
    )
    assert typed.code == 0, typed.stderr
    # a terminal gets colour (kostack.cli.console): compare the text without its escapes
    assert "5 applied" in re.sub(r"\x1b\[[0-9;]*m", "", typed.stdout)


@pytest.mark.neutron
@pytest.mark.parametrize(
    ("lang", "prompt"),
    [
        ("en", "Type 'apply' to go on"),
        ("ko", "계속하려면 'apply'를 입력하세요"),
    ],
)
def test_the_typed_confirmation_asks_in_the_commands_language(
    seed_cloud: SeedCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str, prompt: str
) -> None:
    """The prompt was English under Korean ("... Type 'apply' to go on")."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("no\n"))
    declined = run_cli(
        *("fix", "apply", "--snapshot", str(seed_cloud.snapshot_path), "--no-verify"),
        *("--journal", str(tmp_path / "a.jsonl"), "--lang", lang),
        environ=seed_cloud.environ,
        stdin_isatty=True,
        stdout_isatty=True,
    )
    assert declined.code == 0 and not (tmp_path / "a.jsonl").exists()
    assert prompt in declined.stderr, declined.stderr
    assert ("Type" in declined.stderr) == (lang == "en")


@pytest.mark.neutron
def test_plan_file_and_resume_through_the_cli(seed_cloud: SeedCloud, tmp_path: Path) -> None:
    plan_path = seed_cloud.plan_file(tmp_path)
    # an apply interrupted after its second change
    plan = build_plan(seed_cloud.snapshot)
    second = plan.automatic[1]

    def interrupt(event: Event) -> None:
        if event.stage == "result" and event.action.id == second.id:
            raise KeyboardInterrupt

    journal = tmp_path / "j.jsonl"
    neutron = Neutron(openstack_connection(seed_cloud.endpoint))
    with Journal.create(journal, plan) as j, pytest.raises(KeyboardInterrupt):
        apply_plan(j, neutron, on_event=interrupt)
    conflict = run_cli(
        "fix",
        "apply",
        "--plan",
        str(plan_path),
        "--journal",
        str(journal),
        "--yes",
        environ=seed_cloud.environ,
    )
    assert conflict.code == 2 and "drop --plan to resume" in conflict.stderr
    resumed = seed_cloud.apply("--yes", journal=journal)
    assert resumed.code == 0, resumed.stderr
    assert "2 of 5 changes done, 3 left" in resumed.stdout
    assert "gone:    antispoof" in resumed.stdout
    done = run_cli("fix", "apply", "--journal", str(journal), "--yes", environ=seed_cloud.environ)
    assert done.code == 0 and "Nothing left to apply." in done.stdout


@pytest.mark.neutron
def test_live_apply_collects_plans_applies_and_verifies(
    seed_cloud: SeedCloud, seed_api: KubeApiDouble, tmp_path: Path
) -> None:
    """No snapshot: kostack collects OpenStack and Kubernetes, and re-collects both to verify."""
    environ = {
        **seed_cloud.environ,
        "KUBECONFIG": str(seed_api.write_kubeconfig(tmp_path / "kubeconfig")),
    }
    original = seed_cloud.state()
    run = run_cli(
        "fix",
        "apply",
        "--neutron-backend",
        "ml2/ovs",
        "--journal",
        str(tmp_path / "j.jsonl"),
        "--yes",
        environ=environ,
    )
    assert run.code == 0, run.stderr + run.stdout
    assert "gone:    antispoof" in run.stdout
    assert run_cli("fix", "rollback", str(tmp_path / "j.jsonl"), "--yes", environ=environ).code == 0
    assert diff_states(original, seed_cloud.state()) == []
