"""Which language a command speaks: one detect_lang, for every command and renderer."""

from __future__ import annotations

import ast
import locale
from pathlib import Path

import pytest

from kostack.cli import common
from kostack.report.i18n import LANG_VAR, detect_lang

SRC = Path(__file__).resolve().parents[2] / "src" / "kostack"


@pytest.mark.parametrize(
    ("explicit", "environ", "expected"),
    [
        # --lang wins over everything, and anything but en/ko is English
        ("ko", {LANG_VAR: "en", "LANG": "en_US.UTF-8"}, "ko"),
        ("en", {LANG_VAR: "ko", "LC_ALL": "ko_KR.UTF-8"}, "en"),
        ("fr", {LANG_VAR: "ko"}, "en"),
        # then KOSTACK_LANG (case and blanks do not matter), over the locale
        (None, {LANG_VAR: " KO ", "LANG": "en_US.UTF-8"}, "ko"),
        (None, {LANG_VAR: "en", "LC_ALL": "ko_KR.UTF-8"}, "en"),
        (None, {LANG_VAR: "de", "LANG": "ko_KR.UTF-8"}, "en"),
        # then the first locale variable that is set: LC_ALL, LC_MESSAGES, LANG
        (None, {"LC_ALL": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "ko"),
        (None, {"LC_ALL": "C.UTF-8", "LC_MESSAGES": "ko_KR.UTF-8"}, "en"),
        (None, {"LC_MESSAGES": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "ko"),
        (None, {"LANG": "ko_KR.eucKR"}, "ko"),
        (None, {"LANG": "de_DE.UTF-8"}, "en"),
        (None, {LANG_VAR: "", "LC_ALL": "", "LANG": "ko"}, "ko"),  # empty counts as unset
    ],
)
def test_the_language_by_precedence(
    explicit: str | None, environ: dict[str, str], expected: str
) -> None:
    assert detect_lang(explicit, environ) == expected


@pytest.mark.parametrize(
    ("process_locale", "expected"), [("ko_KR", "ko"), ("en_US", "en"), (None, "en")]
)
def test_with_nothing_set_the_process_locale_decides(
    monkeypatch: pytest.MonkeyPatch, process_locale: str | None, expected: str
) -> None:
    monkeypatch.setattr(locale, "getlocale", lambda *_: (process_locale, "UTF-8"))
    assert detect_lang(None, {}) == expected


def test_only_the_given_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's own environment decides, not the process's (a test or a library caller)."""
    monkeypatch.setenv(LANG_VAR, "ko")
    monkeypatch.setenv("LC_ALL", "ko_KR.UTF-8")
    assert detect_lang(None, {"LANG": "en_US.UTF-8"}) == "en"


def test_one_definition_in_the_product() -> None:
    defined = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name == "detect_lang"
    )
    assert defined == ["report/i18n.py"]
    assert common.detect_lang is detect_lang  # what every command imports
