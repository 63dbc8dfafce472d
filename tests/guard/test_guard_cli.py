"""`kostack guard` through main(): --once reports and exit codes, languages, bad input, live runs."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from guard_testing import FIXED, GuardWorld

from kostack.cli.common import Environment
from kostack.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run(*args: str, environ: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=out, stderr=err, environ=environ or {}, stdin_isatty=False, stdout_isatty=False
    )
    code = main(["guard", *args], env)
    return code, out.getvalue(), err.getvalue()


def example(name: str) -> str:
    return str(EXAMPLES / f"{name}.json")


def joined(text: str) -> str:
    """``text`` with its wrapped lines joined again (the report wraps at 100 cells)."""
    return re.sub(r"\n +", " ", text)


def test_audit_once_on_the_seed_reports_mass_drift_and_the_breaker() -> None:
    code, out, err = run("--once", "--snapshot", example("seed-incident"))
    assert code == 4 and err == ""  # the breaker: 4 of 4 ports would change
    out = joined(out)
    assert out.startswith("kostack guard, audit mode: 4 port(s) in scope (4 node(s)).")
    assert out.count("add allowed pairs 10.244.0.0/16, 10.96.0.0/12 (service CIDR, by policy)") == 4
    assert "Circuit breaker: open (4 of 4 ports would change; the limit is 2;" in out
    assert "Nothing was changed (audit mode). To fix: `kostack guard --once --mode enforce`" in out


def test_exit_codes_follow_the_drift() -> None:
    assert run("--once", "--snapshot", example("seed-fixed"))[0] == 0
    assert run("--once", "--snapshot", example("pairs-some-ports"))[0] == 1
    assert run("--once", "--snapshot", example("vxlan-always-no-4789"))[0] == 1
    assert run("--once", "--snapshot", example("seed-incident"), "--breaker-share", "1")[0] == 1
    assert run("--once", "--snapshot", example("unmatched-node"))[0] == 0


def test_port_security_off_is_said_not_skipped_silently() -> None:
    code, out, _ = run("--once", "--snapshot", example("seed-port-security-off"))
    assert code == 0
    assert "4 node port(s) have port security off (k8s-cp-1, k8s-w-1, k8s-w-2, k8s-w-3)" in out


def test_korean_report() -> None:
    code, out, _ = run("--once", "--snapshot", example("pairs-some-ports"), "--lang", "ko")
    assert code == 1
    out = joined(out)
    assert out.startswith("kostack guard, 감사(audit) 모드: 점검 대상 포트 4개 (노드 4대).")
    assert "포트 2개와 규칙 0개가 어긋나 있습니다:" in out
    assert (
        "Allowed Address Pair 추가 - 10.244.0.0/16, 10.96.0.0/12 (서비스 CIDR, 정책에 따라 추가)"
        in out
    )
    assert "감사(audit) 모드이므로 아무것도 변경하지 않았습니다." in out


def test_json_report() -> None:
    code, out, _ = run("--once", "--snapshot", example("pairs-some-ports"), "-o", "json")
    body = json.loads(out)
    assert code == 1 and body["schema_version"] == 1 and body["exit_code"] == 1
    assert body["result"] == "drift" and body["drift"]["items"] == 4
    assert {p["node"] for p in body["drift"]["ports"]} == {"k8s-w-2", "k8s-w-3"}
    assert body["breaker"]["open"] is False


def test_continuous_audit_of_a_snapshot_runs_the_given_passes() -> None:
    code, out, err = run(
        "--snapshot",
        example("pairs-some-ports"),
        "--listen",
        "127.0.0.1:0",
        "--passes",
        "2",
        "--interval",
        "1",
        "--jitter",
        "0",
    )
    assert code == 0 and out == ""
    lines = err.splitlines()
    assert "mode audit; snapshot" in lines[0] and "a pass every 1s" in lines[0]
    assert "no leader election" in lines[1]
    assert sum("drift on 2 port(s) and 0 rule(s); audit mode" in line for line in lines) == 2
    assert lines[-1].endswith("stopped after 2 pass(es)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--once", "--mode", "enforce", "--snapshot", "x.json"],
            "--snapshot works only with --mode audit",
        ),
        (["--once", "--snapshot", "/nonexistent.json"], "no such file"),
        (["--lease", "nope", "--no-watch"], "is not NAMESPACE/NAME"),
        (["--listen", "nowhere"], "is not HOST:PORT"),
        (["--mode", "bogus"], "Invalid value for '--mode'"),
    ],
)
def test_bad_input_is_exit_2_with_a_hint(args: list[str], message: str) -> None:
    code, out, err = run(*args, environ={"KUBECONFIG": "/nonexistent"})
    assert code == 2 and out == ""
    assert message in err and "hint:" in err


def test_bad_input_in_korean() -> None:
    code, _, err = run("--mode", "enforce", "--snapshot", "x.json", "--lang", "ko")
    assert code == 2 and "--snapshot은 --mode audit과 함께만 쓸 수 있습니다" in err


def test_the_help_names_the_exit_codes() -> None:
    code, out, _ = run("--help")
    assert code == 0
    text = re.sub(r"\s+", " ", out)
    assert "exit 0 no drift (or fixed), 1 drift left, 3 unreachable, 4 breaker open" in text
    assert "--breaker-share" in text and "--mode [audit|enforce]" in text


@pytest.mark.neutron
def test_enforce_once_live_fixes_a_joined_node_and_reports_it(guard_world: GuardWorld) -> None:
    w = guard_world
    w.fix_by_hand()
    w.join("k8s-w-4")
    environ = {**w.environ, "HOME": str(w.tmp)}
    args = ["--once", "--kubeconfig", str(w.kubeconfig), "--neutron-backend", "ml2/ovs"]
    code, out, _ = run(*args, environ=environ)
    assert code == 1 and "port " in out and "(k8s-w-4): add allowed pairs" in out
    assert w.pairs("k8s-w-4") == []
    journal_dir = w.tmp / "journal"
    code, out, err = run(
        *args, "--mode", "enforce", "--journal-dir", str(journal_dir), environ=environ
    )
    assert code == 0, out + err
    assert "Changes: 1 made, 0 already in place, 0 failed, 0 held back by the rate limit." in out
    assert "(k8s-w-4): added allowed pairs 10.244.0.0/16, 10.96.0.0/12" in out
    assert w.pairs("k8s-w-4") == sorted(FIXED)
    assert len(list(journal_dir.glob("guard-*.journal.jsonl"))) == 1
    assert run(*args, environ=environ)[0] == 0  # audit again: no drift
