"""What diagnose makes of a cause (warning or root cause, port fix, doubt from overlapping
addresses) follows from what the checks declare (each module's CAUSE_KINDS), and a cause
left out of those sets changes the answer: each test below fails on a set missing one entry.
tests/conftest.py holds every check in every test to the causes it declares; what a check is
beside its causes (a symptom, a reading of addresses, a critical path) is in test_check_roles.py."""

from __future__ import annotations

from functools import cache

import pytest
from test_checks import CASES

import kostack.analyze.diagnose as diagnose_module
from kostack.analyze.checks import CHECKS
from kostack.analyze.checks.base import Kind
from kostack.analyze.diagnose import (
    ADDRESS_CAUSES,
    PORT_CAUSES,
    ROOT_CAUSE_TITLES,
    WARNING_CAUSES,
    Diagnosis,
    diagnose,
)
from kostack.report.i18n import MESSAGES
from kostack_testkit.builders import build, example_doc

LANGS = ("en", "ko")


def kinds() -> dict[str, Kind]:
    out: dict[str, Kind] = {}
    for check in CHECKS:
        for cause, kind in check.causes.items():
            assert out.setdefault(cause, kind) == kind, (check.id, cause, kind, out[cause])
    return out


@cache
def failing_cases() -> tuple[Diagnosis, ...]:
    """The diagnosis of every check's failing case (tests/foundation/test_checks.py)."""
    return tuple(diagnose(build(CASES[check][1]())) for check in sorted(CASES))


def test_a_cause_is_a_root_cause_or_a_warning_and_the_same_in_every_check() -> None:
    declared = kinds()  # the same Kind wherever declared
    assert len(declared) > 50
    for cause, kind in declared.items():
        assert (Kind.ROOT in kind) != (Kind.WARNING in kind), cause
        assert not (Kind.WARNING in kind and Kind.PORT in kind), cause  # the plan leaves it


def test_every_declared_cause_has_its_title_in_every_language() -> None:
    """A root cause by its diagnosis title; a warning by that or the report's own
    (report/incident_warnings.py warning_title)."""
    for cause, kind in kinds().items():
        root = all(ROOT_CAUSE_TITLES.get(cause, {}).get(lang) for lang in LANGS)
        warning = all(f"rep.warn.title.{cause}" in MESSAGES[lang] for lang in LANGS)
        assert root or (Kind.WARNING in kind and warning), cause


def test_the_sets_diagnose_acts_on_are_what_the_checks_declare() -> None:
    declared = kinds()
    assert {c for c, k in declared.items() if Kind.WARNING in k} == WARNING_CAUSES
    assert {c for c, k in declared.items() if Kind.PORT in k} == PORT_CAUSES
    assert {c for c, k in declared.items() if Kind.ADDRESS in k} == ADDRESS_CAUSES


def without(monkeypatch: pytest.MonkeyPatch, name: str, cause: str) -> None:
    monkeypatch.setattr(diagnose_module, name, getattr(diagnose_module, name) - {cause})


def test_a_warning_left_out_would_be_a_root_cause(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {f.cause: d.snapshot for d in failing_cases() for f in d.warnings}
    assert len(seen) >= 5, sorted(seen)
    for cause, snapshot in seen.items():
        assert cause not in {rc.key for rc in diagnose(snapshot).root_causes}
        with monkeypatch.context() as m:
            without(m, "WARNING_CAUSES", cause)
            assert cause in {rc.key for rc in diagnose(snapshot).root_causes}, cause


def test_a_port_cause_left_out_loses_its_disable_port_security_alternative(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = {
        rc.key: d.snapshot for d in failing_cases() for rc in d.root_causes if rc.fix.alternative
    }
    assert len(seen) >= 6, sorted(seen)
    assert set(seen) <= PORT_CAUSES
    for cause, snapshot in seen.items():
        with monkeypatch.context() as m:
            without(m, "PORT_CAUSES", cause)
            rc = next(rc for rc in diagnose(snapshot).root_causes if rc.key == cause)
            assert not rc.fix.alternative, cause


def explained(d: Diagnosis) -> set[str]:
    return {f.cause for f in d.findings if f.explained_by == "cidr-overlap" and f.cause}


def test_an_address_cause_left_out_is_no_longer_in_doubt(monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = build(example_doc("pod-cidr-overlaps-nodes"))
    causes = explained(diagnose(snapshot))
    assert causes and causes <= ADDRESS_CAUSES
    for cause in causes:
        with monkeypatch.context() as m:
            without(m, "ADDRESS_CAUSES", cause)
            assert cause not in explained(diagnose(snapshot)), cause
