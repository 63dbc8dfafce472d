"""What kostack said in a plan file or a journal is said again in the reader's language.

A plan file (`fix plan -o json`) and a journal keep their texts in English, which is what they
mean (the digest covers it); beside them, `said` keeps the message keys and parameters. Before,
`kostack fix apply --plan plan.json --lang ko` printed every reason, condition and undo in
English, and the Korean incident report said "… changed since planning …; kostack stopped …" for
a failed action and "router <id>" for its target.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from fix_cloud import SeedCloud, run_cli

from kostack.catalog import Msg, localize, said, told
from kostack.plan.codec import plan_from_dict
from kostack_lab.neutron import openstack_connection

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "foundation"))
from english import english_lines

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
# plans with reasons, conditions, undos, notes (a router's), warnings and manual steps
PLANS = (
    "seed-incident",
    "hetero-groups",
    "ovn-seed-fix-not-enough",
    "lb-ovn-node-subnet-only",
    "mtu-1500",
    "unmatched-node",
    "seed-port-security-off",
)


def _plan(example: str, tmp_path: Path, *extra: str) -> Path:
    snap = str(EXAMPLES / f"{example}.json")
    out = run_cli("fix", "plan", "--snapshot", snap, "-o", "json", *extra, environ={})
    assert out.code in (0, 1), out.stderr
    path = tmp_path / "plan.json"
    path.write_text(out.stdout)
    return path


def _without_said(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _without_said(v) for k, v in doc.items() if k != "said"}
    if isinstance(doc, list):
        return [_without_said(v) for v in doc]
    return doc


@pytest.mark.parametrize("example", PLANS)
def test_a_plan_file_reads_as_the_plan_it_was(example: str, tmp_path: Path) -> None:
    """`fix apply --plan FILE --lang ko` (dry run) prints what `fix apply` planning anew prints."""
    snap = str(EXAMPLES / f"{example}.json")
    path = _plan(example, tmp_path)
    from_file = run_cli(
        "fix", "apply", "--plan", str(path), "--snapshot", snap, "--lang", "ko", environ={}
    )
    planned = run_cli("fix", "apply", "--snapshot", snap, "--lang", "ko", environ={})
    assert from_file.code == planned.code, from_file.stderr
    assert from_file.stdout == planned.stdout
    assert english_lines(from_file.stdout) == [], from_file.stdout


def test_the_router_note_is_korean(tmp_path: Path) -> None:
    snap = str(EXAMPLES / "seed-incident.json")
    path = _plan("seed-incident", tmp_path)
    doc = json.loads(path.read_text())
    notes = [n for a in doc["actions"] for n in a["notes"]]
    shown = run_cli("fix", "plan", "--snapshot", snap, "--lang", "ko", environ={}).stdout
    for note in notes:
        assert note not in shown
    assert not any("cloud controller manages" in line for line in shown.splitlines())


@pytest.mark.parametrize("example", PLANS)
def test_said_leaves_the_digest_and_an_old_plan_reads(example: str, tmp_path: Path) -> None:
    """The digest covers what a plan changes and its English, not how it is said: a plan
    written before `said` existed reads back with the same digest (and says it in English)."""
    doc = json.loads(_plan(example, tmp_path).read_text())
    assert any(a["said"] for a in doc["actions"]) or not doc["actions"]
    new = plan_from_dict(doc)
    old = plan_from_dict(_without_said(doc))
    assert new.digest() == old.digest() == doc["digest"]
    for a, b in zip(new.actions, old.actions, strict=True):
        assert str(a.reason) == str(b.reason) and not isinstance(b.reason, Msg)


def test_what_said_says_cannot_change_what_a_plan_means(tmp_path: Path) -> None:
    """A `said` that no longer gives the English beside it (edited, another version's words)
    is not used: the English stays, and the digest still matches."""
    doc = json.loads(_plan("seed-incident", tmp_path).read_text())
    tampered = copy.deepcopy(doc)
    action = tampered["actions"][0]
    action["said"]["precondition"]["params"]["rev"] = 99
    action["said"]["reason"] = {"key": "no.such.key", "params": {}}
    action["said"]["inverse"] = {"key": 7, "params": "x"}
    read = plan_from_dict(tampered)
    first = read.actions[0]
    assert str(first.precondition.text) == doc["actions"][0]["precondition"]["text"]
    assert not isinstance(first.precondition.text, Msg)
    assert not isinstance(first.reason, Msg) and not isinstance(first.inverse.description, Msg)
    assert read.digest() == doc["digest"]


def test_told_and_said_round_trip_nested_messages() -> None:
    inner = Msg("apply.kind.router")
    outer = Msg("apply.who.named", kind=inner, id="r-1", name="edge")
    data = json.loads(json.dumps(said(one=outer, many=(outer, "plain"))))
    back = told(str(outer), data["one"])
    assert isinstance(back, Msg) and localize(back, "ko") == "라우터 r-1(edge)"
    assert data["many"][1] is None
    assert told("plain", None) == "plain"
    deep: dict[str, Any] = {"key": "apply.who", "params": {}}
    for _ in range(5000):  # hostile nesting: the English, not a crash
        deep = {"key": "apply.who", "params": {"kind": deep, "id": "x"}}
    assert told("anything", deep) == "anything"


def _report(cloud: SeedCloud, journal: Path, lang: str) -> str:
    out = run_cli(
        "report",
        "--snapshot",
        str(cloud.snapshot_path),
        "--journal",
        str(journal),
        "--lang",
        lang,
        "-o",
        "-",
        "--format",
        "md",
        environ=cloud.environ,
    )
    assert out.code in (0, 1), out.stderr
    return out.stdout


@pytest.mark.neutron
def test_a_failed_apply_reads_in_korean_in_the_report(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    """Another client changes the last port after planning: apply stops there. The Korean
    report says why in Korean and names the router in Korean; the English one is unchanged."""
    conn = openstack_connection(seed_cloud.endpoint)
    port = next(p for p in conn.network.ports() if p.name == "k8s-w-3")
    pairs = [*port.allowed_address_pairs, {"ip_address": "192.168.77.0/24"}]
    conn.network.update_port(port.id, allowed_address_pairs=pairs)
    journal = tmp_path / "j.jsonl"
    run = seed_cloud.apply("--yes", journal=journal)
    assert run.code != 0, run.stdout
    failed = [
        json.loads(line)
        for line in journal.read_text().splitlines()
        if '"outcome": "failed"' in line
    ]
    assert len(failed) == 1 and "changed since planning" in failed[0]["message"]
    assert failed[0]["said"]["message"]["key"] == "apply.err.changed"

    english = _report(seed_cloud, journal, "en")
    korean = _report(seed_cloud, journal, "ko")
    # the table of changes (4.2) and the recommended fix's commands (5.1) say it
    lines = [x for x in english.splitlines() if port.id in x and "FAILED" in x]
    assert len(lines) == 2, english
    assert all("changed since planning (planned at revision 1, now 2)" in x for x in lines)
    assert "router " in english and "(k8s-router), applied" in english
    lines = [x for x in korean.splitlines() if port.id in x and "실패" in x]
    assert len(lines) == 2, korean
    assert all("계획 이후에 바뀌었습니다" in x for x in lines), lines
    assert "changed since planning" not in korean
    assert "# 라우터 " in korean and "# router " not in korean
    assert english_lines(korean) == [], english_lines(korean)


@pytest.mark.neutron
def test_neutrons_own_words_are_quoted_in_the_korean_report(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    """A failure Neutron explained keeps Neutron's words, quoted as Neutron's in Korean."""
    journal = tmp_path / "j.jsonl"
    assert seed_cloud.apply("--yes", journal=journal).code == 0
    records = [json.loads(x) for x in journal.read_text().splitlines() if x.strip()]
    last = next(r for r in reversed(records) if r.get("type") == "result")
    last.update(
        outcome="failed",
        error={"status": 409, "message": "Security group rule already exists"},
    )
    journal.write_text("".join(json.dumps(r) + "\n" for r in records))
    english = _report(seed_cloud, journal, "en")
    korean = _report(seed_cloud, journal, "ko")
    assert "FAILED, Security group rule already exists," in english
    assert "실패, Neutron의 응답: “Security group rule already exists”," in korean


@pytest.mark.parametrize("example", ["seed-incident", "hetero-groups", "mtu-1500"])
def test_the_disable_method_is_said_in_korean(example: str, tmp_path: Path) -> None:
    """Before: `이유: turns off anti-spoofing and every security group on …'s port` and
    `참고: one request clears groups and pairs …`."""
    snap = str(EXAMPLES / f"{example}.json")
    args = ("--method", "disable-port-security")
    shown = run_cli("fix", "plan", "--snapshot", snap, *args, "--lang", "ko", environ={}).stdout
    assert "turns off" not in shown and "one request" not in shown
    assert english_lines(shown) == [], english_lines(shown)
    path = _plan(example, tmp_path, *args)
    again = run_cli(
        "fix", "apply", "--plan", str(path), "--snapshot", snap, "--lang", "ko", environ={}
    )
    assert "turns off" not in again.stdout and "one request" not in again.stdout, again.stdout
