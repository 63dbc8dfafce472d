"""What the network lab says (its errors, status problems, port-security warnings and probe
details) in the command's language.

kostack_lab words each of them as a message key and its parameters (a
`Msg` of kostack_lab.texts or kostack_lab.texts_status): English is the
text the lab's logs and JSON print, any other language renders the same
key. The words the lab only relays (a Neutron error, a command's output, a
log's tail) are parameters, quoted (“...”) in Korean. A text without a key
(from a lab of another version) keeps its words, quoted, after a Korean
lead-in: the user sees which part is untranslated, never a half-English
sentence.
"""

from __future__ import annotations

import re
from typing import Final

from kostack.analyze.messages import Msg, localize, register

register(
    {
        "lab.x.other": {"en": "{text}", "ko": "랩 작업이 실패했습니다 (원문: “{text}”)"},
        "lab.x.other_hint": {"en": "{text}", "ko": "원문 힌트: “{text}”"},
        "lab.p.other": {"en": "{text}", "ko": "문제 (원문: “{text}”)"},
        "lab.r.quoted": {"en": "{text}", "ko": "경고 (원문: “{text}”)"},
        "lab.d.other": {"en": "{text}", "ko": "원문: “{text}”"},
    }
)


def lab_error(lang: str, message: str, hint: str) -> tuple[str, str]:
    """A LabError's message and hint in ``lang`` (English: as the lab wrote them)."""
    if lang == "en":
        return str(message), str(hint)
    return _said(lang, message, "lab.x.other"), _said(lang, hint, "lab.x.other_hint")


def problem(lang: str, text: str) -> str:
    """A problem `lab status` lists, in ``lang``."""
    return text if lang == "en" else _said(lang, text, "lab.p.other")


def warning(lang: str, text: str) -> str:
    """A port-security warning (`lab sync`), in ``lang``."""
    return text if lang == "en" else _said(lang, text, "lab.r.quoted")


def detail(lang: str, text: str) -> str:
    """A probe's detail ("timed out after 2s"), in ``lang``; a text without a key that is no
    sentence (a name, an address, a status line) stays as it is."""
    if lang == "en" or isinstance(text, Msg) or not _SENTENCE.search(text):
        return localize(text, lang)
    return _said(lang, text, "lab.d.other")


def _said(lang: str, text: str, other: str) -> str:
    if not text or isinstance(text, Msg):
        return localize(text, lang)
    return Msg(other, text=text).render(lang)


# two lowercase words in a row: what a pass's own words never have
_SENTENCE: Final = re.compile(r"\b[a-z]{2,} [a-z]{2,}\b")
