"""`fix apply` and `fix rollback` with --lang ko, against a real Neutron: every progress line is
Korean (each action's outcome, what the step found, what the journal says before a rollback),
while the journal keeps its English words, so a journal reads the same whoever ran it.

Before, the progress lines said "applied", "restored", "changed by kostack" and "(created rule
…)" in the middle of Korean sentences.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fix_cloud import SeedCloud, run_cli

from kostack.analyze.messages import CATALOG
from kostack.apply.engine_base import (
    ALREADY,
    ALREADY_ORIGINAL,
    APPLIED,
    CONFLICT,
    FAILED,
    IN_DOUBT,
    NOT_CHANGED,
    RESTORED,
)
from kostack.report.cells import cells

ENGLISH_WORDS = re.compile(
    r"\b(applied|already-present|restored|already-original|changed by kostack|not changed|"
    r"in doubt|confirmed by|created rule|deleted rule|routes are)\b"
)


def _progress(stdout: str) -> list[str]:
    """The per-action lines: `  a1 <outcome> <what>`, a wrapped one as one line."""
    out: list[str] = []
    for line in stdout.splitlines():
        if re.match(r"^   a\d+ \S", line):
            out.append(line)
        elif out and line.startswith(" " * 23) and line.strip():
            out[-1] += " " + line.strip()
    return out


@pytest.mark.neutron
def test_apply_and_rollback_progress_in_korean(seed_cloud: SeedCloud, tmp_path: Path) -> None:
    journal = tmp_path / "j.jsonl"
    run = seed_cloud.apply("--yes", "--lang", "ko", journal=journal)
    assert run.code == 0, run.stdout + run.stderr
    lines = _progress(run.stdout)
    assert len(lines) == 5, run.stdout  # the router's routes and the four ports
    for line in lines:
        assert " 적용됨 " in line, line
        assert not ENGLISH_WORDS.search(line), line
    # the words stand in a column of 16 cells, whatever their language
    starts = {cells(line.split(" 적용됨 ")[0]) for line in lines}
    assert len(starts) == 1, lines
    # a long line (the router's four routes) wraps at 100 cells, under what it did
    shown = run.stdout.splitlines()
    router = next(i for i, line in enumerate(shown) if re.match(r"^   a\d+ .*라우터", line))
    assert cells(shown[router]) <= 100 and shown[router + 1].startswith(" " * 23 + "1"), shown
    assert not shown[router + 1].startswith(" " * 24)
    # the journal keeps the engine's English outcomes
    outcomes = [
        json.loads(raw)["outcome"]
        for raw in journal.read_text().splitlines()
        if raw.strip() and json.loads(raw).get("type") == "result"
    ]
    assert outcomes == [APPLIED] * 5

    preview = run_cli("fix", "rollback", str(journal), "--lang", "ko", environ=seed_cloud.environ)
    assert preview.code == 0, preview.stdout + preview.stderr
    lines = _progress(preview.stdout)
    assert len(lines) == 5 and all("kostack이 변경함" in line for line in lines), preview.stdout
    assert not any(ENGLISH_WORDS.search(line) for line in lines), preview.stdout

    undo = run_cli(
        "fix", "rollback", str(journal), "--yes", "--lang", "ko", environ=seed_cloud.environ
    )
    assert undo.code == 0, undo.stdout + undo.stderr
    restored = [line for line in _progress(undo.stdout) if "되돌리기:" in line]
    assert len(restored) == 5 and all(" 복원됨 " in line for line in restored), undo.stdout
    assert not any(ENGLISH_WORDS.search(line) for line in restored), undo.stdout


@pytest.mark.neutron
def test_a_step_note_is_korean_and_the_journal_keeps_it_english(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    """Applying the same plan twice: the second run finds every change in place and says so."""
    first = seed_cloud.apply("--yes", journal=tmp_path / "one.jsonl")
    assert first.code == 0, first.stdout + first.stderr
    journal = tmp_path / "two.jsonl"
    again = seed_cloud.apply("--yes", "--lang", "ko", journal=journal)
    assert again.code == 0, again.stdout + again.stderr
    lines = _progress(again.stdout)
    assert lines and all(" 이미 있음 " in line for line in lines), again.stdout
    assert any("(이미 반영되어 있음)" in line or "(경로가 이미 있음)" in line for line in lines)
    assert not any(ENGLISH_WORDS.search(line) for line in lines), again.stdout
    notes = {
        json.loads(raw)["message"]
        for raw in journal.read_text().splitlines()
        if raw.strip() and json.loads(raw).get("type") == "result"
    }
    assert notes <= {"already in place", "the routes are already there"}, notes
    results = [json.loads(r) for r in journal.read_text().splitlines() if r.strip()]
    assert {r["outcome"] for r in results if r.get("type") == "result"} == {ALREADY}


@pytest.mark.parametrize(
    "outcome",
    [APPLIED, ALREADY, FAILED, IN_DOUBT, RESTORED, ALREADY_ORIGINAL, NOT_CHANGED, CONFLICT],
)
def test_every_engine_outcome_has_its_words(outcome: str) -> None:
    import kostack.cli.fix_text  # noqa: F401  # registers the words (else only once a CLI ran)

    words = CATALOG[f"fixrun.outcome.{outcome}"]
    assert words["en"] == outcome
    assert words["ko"] and not re.search(r"[a-z]", words["ko"])
