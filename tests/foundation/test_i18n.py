"""No message lacks a translation: every catalog key has every language, same placeholders."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import kostack
import kostack.analyze.checks
import kostack.analyze.reach
import kostack_lab
from kostack.analyze.diagnose import ROOT_CAUSE_TITLES, diagnose
from kostack.analyze.messages import CATALOG, LANGS, Msg, localize, placeholders
from kostack.report.i18n import MESSAGES
from kostack_testkit.builders import EXAMPLES, build, example_doc

# Every module registers its messages when imported: import them all, so the keys below are every
# key (not those that the modules imported before this one happened to register).
for _module in [
    *pkgutil.walk_packages(kostack.__path__, "kostack."),
    *pkgutil.walk_packages(kostack_lab.__path__, "kostack_lab."),  # kostack-lab's too
]:
    importlib.import_module(_module.name)


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
    assert m.render("ko") == "출발지 10.0.0.1은 포트의 고정 IP입니다"  # 일 -> 은
    assert (
        Msg("hop.src-fixed", ip="10.0.0.2").render("ko") == "출발지 10.0.0.2는 포트의 고정 IP입니다"
    )


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        ("10.0.0.11", "이/가", "이"),  # 십일
        ("10.0.0.12", "이/가", "가"),  # 십이
        ("10.0.0.13", "은/는", "은"),  # 십삼
        ("10.0.0.10", "을/를", "을"),  # 십
        ("10.244.0.0/16", "을/를", "을"),  # 십육
        ("10.0.0.11", "으로/로", "로"),  # ㄹ takes 로
        ("10.0.0.13", "으로/로", "으로"),
        ("10.0.0.14", "으로/로", "로"),
        ("100", "이/가", "이"),  # 백
        ("1000", "과/와", "과"),  # 천
        ("k8s-w-2", "이/가", "가"),
        ("k8s-nodes", "을/를", "를"),
        ("노드", "은/는", "는"),
        ("그룹", "으로/로", "으로"),
    ],
)
def test_korean_particles_follow_pronunciation(word: str, pair: str, expected: str) -> None:
    from kostack.analyze.messages import particle

    assert particle(word, pair) == expected


def test_english_nouns_follow_their_count() -> None:
    import kostack.analyze.checks._sg  # noqa: F401  (registers sg.*)

    def text(n: int, lang: str) -> str:
        m = Msg("sg.unknown", what="BGP", label="tcp 179", src="a", dst="b", n=n, detail="d")
        return m.render(lang)

    assert "(1 node pair)" in text(1, "en")
    assert "(3 node pairs)" in text(3, "en") and "(11 node pairs)" in text(11, "en")
    assert "(노드 쌍 1개)" in text(1, "ko")


def test_every_check_has_a_short_label_in_every_language() -> None:
    from kostack.analyze.checks import CHECKS

    for check in CHECKS:
        for lang in LANGS:
            assert f"short.{check.id}" in MESSAGES[lang], (lang, check.id)


def test_report_markup_renders_korean_particles_and_english_plurals() -> None:
    import kostack.analyze.checks._sg  # noqa: F401  (registers sg.*)
    from kostack.report.markup import marked

    m = Msg("sg.fail-src", src="a", dst="10.0.0.13", what="BGP", label="tcp 179", n=1, detail="d")
    assert "10.0.0.13으로 가는" in marked(m, "ko")  # 삼 ends in ㅁ: 으로
    assert "(1 node pair)" in marked(m, "en")


def _language_tables() -> list[tuple[str, dict[str, dict[str, str]]]]:
    """Every `{"en": {key: template}, "ko": {...}}` table of the renderers and commands."""
    import kostack.guard.messages
    import kostack.report.fixplan_words
    import kostack.report.preflight_words
    import kostack.report.release_words
    import kostack.watch.messages

    return [
        ("fixplan_words", kostack.report.fixplan_words.TEXT),
        ("preflight_words", kostack.report.preflight_words.TEXT),
        ("release_words", kostack.report.release_words.TEXT),
        ("guard", kostack.guard.messages.MESSAGES),
        ("watch", kostack.watch.messages.MESSAGES),
    ]


@pytest.mark.parametrize(("name", "table"), _language_tables())
def test_every_words_table_has_every_key_in_every_language(
    name: str, table: dict[str, dict[str, str]]
) -> None:
    """The fix plan's, preflight's, release check's, guard's and watch's words: a key missing
    in Korean would print English (their `t` falls back), a placeholder missing would crash."""
    assert set(table) == set(LANGS), name
    for key, english in table["en"].items():
        assert key in table["ko"], (name, key)
        assert placeholders(table["ko"][key]) == placeholders(english), (name, key)
    assert set(table["ko"]) == set(table["en"]), name
