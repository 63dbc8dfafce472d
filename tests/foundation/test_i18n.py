"""No message lacks a translation: every catalog key has every language, same placeholders."""

from __future__ import annotations

import pytest

import kostack.analyze.checks
import kostack.analyze.reach  # noqa: F401
from kostack.analyze.diagnose import ROOT_CAUSE_TITLES, diagnose
from kostack.analyze.messages import CATALOG, LANGS, Msg, localize, placeholders
from kostack.report.i18n import MESSAGES
from kostack_testkit.builders import EXAMPLES, build, example_doc


def _hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_message_has_every_language_with_the_same_placeholders(key: str) -> None:
    langs = CATALOG[key]
    assert set(langs) == set(LANGS), key
    assert placeholders(langs["ko"]) == placeholders(langs["en"]), key


def test_renderer_labels_exist_in_every_language() -> None:
    assert set(MESSAGES) == set(LANGS)
    for key, en in MESSAGES["en"].items():
        assert key in MESSAGES["ko"], key
        assert placeholders(MESSAGES["ko"][key]) == placeholders(en), key
    assert set(MESSAGES["ko"]) == set(MESSAGES["en"])


def test_root_cause_titles_are_translated() -> None:
    for key, titles in ROOT_CAUSE_TITLES.items():
        assert set(titles) == set(LANGS) and _hangul(titles["ko"]), key


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_finding_message_of_every_example_renders_in_korean(name: str) -> None:
    d = diagnose(build(example_doc(name)))
    for f in d.findings:
        assert isinstance(f.message, Msg), f"{f.check_id}: message is not translatable: {f.message}"
        ko = localize(f.message, "ko")
        assert _hangul(ko), f"{f.check_id}: {ko}"
        for flow in f.flows:
            assert isinstance(flow, Msg), f"{f.check_id}: flow is not translatable: {flow}"
    for rc in d.root_causes:
        for f in rc.symptoms:
            for flow in f.flows:
                assert _hangul(localize(flow, "ko"))


def test_msg_is_a_plain_string_in_english() -> None:
    m = Msg("hop.src-fixed", ip="10.0.0.1")
    assert m == "source 10.0.0.1 is the port's fixed IP"
    assert m.render("ko") == "출발지 10.0.0.1는 포트의 고정 IP입니다"


def test_every_check_has_a_short_label_in_every_language() -> None:
    from kostack.analyze.checks import CHECKS

    for check in CHECKS:
        for lang in LANGS:
            assert f"short.{check.id}" in MESSAGES[lang], (lang, check.id)
