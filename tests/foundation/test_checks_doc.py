"""docs/checks.md is generated from the check modules and is current; every check has its page."""

from __future__ import annotations

import re

import pytest

from kostack.analyze.checks import CHECKS
from kostack.analyze.release_checks import RELEASE_CHECKS
from kostack_testkit import checks_doc

ALL = [*CHECKS, *RELEASE_CHECKS]


def test_checks_doc_is_current() -> None:
    on_disk = (checks_doc.ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    assert on_disk == checks_doc.render(), "run scripts/make_examples.py"


def test_every_registered_check_is_in_the_doc_once() -> None:
    text = checks_doc.render()
    for check in ALL:
        assert text.count(f"| `{check.id}` |") == 1, check.id


def test_ids_are_unique_and_stable_in_shape() -> None:
    ids = [c.id for c in ALL]
    assert len(ids) == len(set(ids))
    for cid in ids:
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", cid), cid


@pytest.mark.parametrize("check", ALL, ids=lambda c: c.id)
def test_each_check_has_a_page_in_english_and_korean(check: object) -> None:
    page = checks_doc.page_of(check)  # type: ignore[arg-type]
    assert page.is_file(), f"{page} is missing"
    text = page.read_text(encoding="utf-8")
    assert check.title in text, f"{page.name} does not carry the title"  # type: ignore[attr-defined]
    assert re.search(r"[\uac00-\ud7a3]", text), f"{page.name} has no Korean"


def test_a_new_check_without_a_page_would_fail(tmp_path: object) -> None:
    """The page test is not vacuous: a module with no page next to it is reported missing."""

    class Fake:
        id = "net-fake-check"
        title = "Fake"
        module = "kostack.analyze.checks.no_such_module"

    assert not checks_doc.page_of(Fake()).exists()
