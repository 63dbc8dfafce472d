"""`kostack fix plan -o json --lang ko` writes its texts in Korean and records `lang`.

Before, the plan file was English whatever --lang said. Now every text kostack says in it (an
action's reason, condition, undo, notes, a manual step's comment; the plan's warnings,
not_planned, notes; the verification's titles and messages) is in the chosen language, the file
says which (`"lang": "ko"`), and everything a machine reads (ids, operations, parameters,
revisions, `said`) and the digest are the same as in English: `fix apply --plan` applies a
Korean plan exactly as the English one, and says it in whatever language it is asked.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from fix_cloud import SeedCloud, diff_states, run_cli

from kostack.catalog import Msg
from kostack.plan.codec import plan_from_dict

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "foundation"))
from english import english_lines
from test_korean_everywhere import said_english

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# plans with reasons, conditions, undos, notes, warnings, not_planned and manual steps
PLANS = (
    "seed-incident",
    "hetero-groups",
    "ovn-seed-fix-not-enough",
    "lb-ovn-node-subnet-only",
    "mtu-1500",
    "unmatched-node",
    "seed-port-security-off",
    "bgp-stateless-replies",
    "antrea-no-node-port-proxy",
)
# the human texts of a plan file; everything else is the same in every language
TEXTS = frozenset({"reason", "text", "description", "notes", "warnings", "not_planned"})
TEXTS_OF_CAUSES = frozenset({"title", "message"})


def _doc(example: str, *extra: str) -> dict[str, Any]:
    snap = str(EXAMPLES / f"{example}.json")
    out = run_cli("fix", "plan", "--snapshot", snap, "-o", "json", *extra, environ={})
    assert out.code == 0, out.stderr
    doc: dict[str, Any] = json.loads(out.stdout)
    return doc


def _machine(value: Any, key: str = "") -> Any:
    """``value`` without its human texts (and without `lang`)."""
    if isinstance(value, dict):
        skip = TEXTS | TEXTS_OF_CAUSES | {"lang"} if "key" in value else TEXTS | {"lang"}
        kept = {k: _machine(v, k) for k, v in value.items() if k not in skip}
        if key == "parameters" and "command" in kept:  # a manual step's comment is a text
            kept.pop("command")
        return kept
    if isinstance(value, list):
        return [_machine(v) for v in value]
    return value


@pytest.mark.parametrize("example", PLANS)
def test_a_korean_plan_file_says_its_texts_in_korean_and_means_the_same(example: str) -> None:
    english, korean = _doc(example), _doc(example, "--lang", "ko")
    assert english["lang"] == "en" and korean["lang"] == "ko"
    assert korean["digest"] == english["digest"]
    assert _machine(korean) == _machine(english)
    assert said_english({k: v for k, v in korean.items() if k != "source"}) == []
    # what was English is now said otherwise (the texts are not merely copied)
    pairs = zip(korean["actions"], english["actions"], strict=True)
    assert all(k["reason"] != e["reason"] for k, e in pairs)
    causes = zip(korean["verification"]["before"], english["verification"]["before"], strict=True)
    assert all(k["message"] != e["message"] and k["title"] != e["title"] for k, e in causes)


@pytest.mark.parametrize("example", PLANS)
def test_a_korean_plan_file_reads_back_as_the_plan(example: str) -> None:
    english, korean = _doc(example), _doc(example, "--lang", "ko")
    from_en, from_ko = plan_from_dict(english), plan_from_dict(korean)
    assert from_ko.digest() == from_en.digest() == korean["digest"]
    for a, b in zip(from_ko.actions, from_en.actions, strict=True):
        assert isinstance(a.reason, Msg) and str(a.reason) == str(b.reason)
        assert str(a.precondition.text) == str(b.precondition.text)
        assert str(a.inverse.description) == str(b.inverse.description)
        assert str(a.command) == str(b.command)
        assert [str(n) for n in a.notes] == [str(n) for n in b.notes]
    assert [str(w) for w in from_ko.warnings] == [str(w) for w in from_en.warnings]
    assert [str(w) for w in from_ko.not_planned] == [str(w) for w in from_en.not_planned]
    assert from_ko.verification.before == from_en.verification.before


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_korean_plan_file_applies_as_reviewed_in_either_language(
    lang: str, tmp_path: Path
) -> None:
    """`fix apply --plan FILE` (dry run) prints what planning anew prints, whatever the file's
    language and the command's."""
    snap = str(EXAMPLES / "mtu-1500.json")
    path = tmp_path / "plan.ko.json"
    path.write_text(json.dumps(_doc("mtu-1500", "--lang", "ko")))
    given = ("--snapshot", snap, "--lang", lang)
    from_file = run_cli("fix", "apply", "--plan", str(path), *given, environ={})
    planned = run_cli("fix", "apply", *given, environ={})
    assert from_file.code == planned.code, from_file.stderr
    assert from_file.stdout == planned.stdout
    if lang == "ko":
        assert english_lines(from_file.stdout) == [], from_file.stdout
    else:
        assert "다" not in from_file.stdout  # no Korean sentence in the English output


def test_a_plan_in_an_unknown_language_is_refused(tmp_path: Path) -> None:
    doc = copy.deepcopy(_doc("seed-incident", "--lang", "ko"))
    doc["lang"] = "fr"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    snap = str(EXAMPLES / "seed-incident.json")
    refused = run_cli("fix", "apply", "--plan", str(path), "--snapshot", snap, environ={})
    assert refused.code == 2
    assert "unknown language 'fr' (this kostack writes en, ko)" in refused.stderr


def test_an_edited_korean_text_is_kept_as_written_and_breaks_the_digest(tmp_path: Path) -> None:
    """A Korean reason that its `said` no longer gives is not replaced by the message: the
    file's text stays, and as it is not what the plan meant, the digest refuses the file."""
    doc = _doc("seed-incident", "--lang", "ko")
    doc["actions"][0]["reason"] += " (편집함)"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    snap = str(EXAMPLES / "seed-incident.json")
    refused = run_cli("fix", "apply", "--plan", str(path), "--snapshot", snap, environ={})
    assert refused.code == 2
    assert "do not match its digest" in refused.stderr


# --------------------------------------------------------------------------- against Neutron


@pytest.mark.neutron
def test_a_korean_plan_applies_and_rolls_back_against_neutron(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    original = seed_cloud.state()
    planned = run_cli(
        *("fix", "plan", "--snapshot", str(seed_cloud.snapshot_path), "-o", "json"),
        *("--lang", "ko"),
        environ=seed_cloud.environ,
    )
    assert planned.code == 0, planned.stderr
    assert json.loads(planned.stdout)["lang"] == "ko"
    plan = tmp_path / "plan.ko.json"
    plan.write_text(planned.stdout)
    journal = tmp_path / "j.jsonl"
    run = seed_cloud.apply("--plan", str(plan), "--yes", journal=journal)
    assert run.code == 0, run.stderr
    assert "5 applied, 0 already in place." in run.stdout
    assert "gone:    antispoof" in run.stdout
    assert diff_states(original, seed_cloud.state()) != []
    undo = run_cli(
        "fix", "rollback", str(journal), "--yes", "--lang", "ko", environ=seed_cloud.environ
    )
    assert undo.code == 0, undo.stderr
    assert english_lines(undo.stdout) == [], undo.stdout
    assert diff_states(original, seed_cloud.state()) == []
