"""Which of a plan's manual steps fix which remaining cause, and how: all of them, or ways to
choose from (plan.note.one-way), a way's steps for several Services joined (report/fixplan.py
``render_verification``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from kostack.plan.model import Action
from kostack.report.fixplan_words import t

ONE_WAY: Final = "plan.note.one-way"


def steps_by_cause(
    manual: Sequence[Action],
) -> tuple[dict[str, list[str]], dict[str, dict[str, list[str]]]]:
    """(cause -> its manual steps, cause -> way -> the steps of that way)."""
    by_cause: dict[str, list[str]] = {}
    ways: dict[str, dict[str, list[str]]] = {}
    current: dict[str, str] = {}
    for a in manual:
        for key in a.fixes:
            by_cause.setdefault(key, []).append(a.id)
            current[key] = _way_of(a, current.get(key, ""))
            ways.setdefault(key, {}).setdefault(current[key], []).append(a.id)
    return by_cause, ways


def _way_of(a: Action, current: str) -> str:
    """The way a manual step belongs to: a step noted as one way (plan.note.one-way) begins
    its way, named by the note's ``way`` (the same way for every Service of a merged cause: a
    way's steps for several Services are joined), or by the step itself in a plan file from
    before that; a step without the note continues the way before it."""
    for n in a.notes:
        if getattr(n, "key", "") == ONE_WAY:
            return str(getattr(n, "params", {}).get("way") or f"#{a.id}")
    return current


def until(lang: str, ways: dict[str, list[str]], steps: list[str]) -> str:
    """ "until you run manual step a1, a2" (all of them), or, when the steps are ways to fix the
    cause (plan.note.one-way), "one of manual steps a1, a2" (a way of several steps: a2+a3; a
    way for several Services, each with its own step: a1+a3)."""
    if len(ways) < 2:
        return t(lang, "v.remains.manual", ids=", ".join(steps))
    return t(lang, "v.remains.ways", ids=", ".join("+".join(w) for w in ways.values()))
