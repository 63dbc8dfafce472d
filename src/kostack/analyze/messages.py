"""Translatable messages: findings and hops say things in English and Korean.

A `Msg` is a `str` (its English text) that remembers its template key and
parameters, so everything that treats messages as strings keeps working, and
renderers can ask for another language with `localize(text, lang)`.
Every key has every language with the same placeholders (tests prove it).

Korean particles that depend on the word before them are written in their
two-form spelling right after a placeholder, `{node}이(가)`, `{port}(으)로`;
rendering picks the one form when the value's reading ends in a Hangul
syllable or a digit (read in Sino-Korean: 1 일, 3 삼), and keeps both after
Latin letters, whose reading is not known ("kube-proxy을(를)").
"""

from __future__ import annotations

import string
from typing import Any

LANGS = ("en", "ko")


class Msg(str):
    """An English message that can be rendered in another language."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, **params: Any) -> Msg:
        if key not in CATALOG:
            raise KeyError(f"no message {key!r}")
        text = CATALOG[key]["en"].format(**{k: _render(v, "en") for k, v in params.items()})
        obj = super().__new__(cls, text)
        obj.key = key
        obj.params = params
        return obj

    def render(self, lang: str) -> str:
        template = CATALOG[self.key].get(lang) or CATALOG[self.key]["en"]
        return format_template(
            template, {k: _render(v, lang) for k, v in self.params.items()}, lang
        )


def _render(value: Any, lang: str) -> str:
    if isinstance(value, Msg):
        return value.render(lang)
    if isinstance(value, list | tuple):
        return ", ".join(_render(v, lang) for v in value)
    return str(value)


# two-form particle -> (after a final consonant, after none)
_PARTICLES = {
    "이(가)": ("이", "가"),
    "은(는)": ("은", "는"),
    "을(를)": ("을", "를"),
    "과(와)": ("과", "와"),
    "(으)로": ("으로", "로"),
}
# the final consonant of each digit's Sino-Korean reading (0 영 ㅇ, 1 일 ㄹ, 3 삼 ㅁ, 6 육 ㄱ, ...)
_DIGIT_FINALS = {"0": 21, "1": 8, "2": 0, "3": 16, "4": 0, "5": 0, "6": 1, "7": 8, "8": 8, "9": 0}
_RIEUL = 8


def particle(word: str, two_forms: str) -> str:
    """The one form of a two-form particle after ``word`` (both forms when its reading is unknown)."""
    with_final, without_final = _PARTICLES[two_forms]
    last = word.rstrip()[-1:]
    if last and "가" <= last <= "힣":
        final = (ord(last) - ord("가")) % 28
    elif last in _DIGIT_FINALS:
        final = _DIGIT_FINALS[last]
    else:
        return two_forms
    if two_forms == "(으)로" and final == _RIEUL:
        return without_final  # 서울로, 일로
    return with_final if final else without_final


def format_template(template: str, values: dict[str, str], lang: str) -> str:
    """``template.format(**values)``, with Korean two-form particles resolved after placeholders."""
    if lang != "ko":
        return template.format(**values)
    formatter = string.Formatter()
    out: list[str] = []
    previous: str | None = None
    for literal, field, spec, conversion in formatter.parse(template):
        if previous is not None:
            two = next((p for p in _PARTICLES if literal.startswith(p)), None)
            if two is not None:
                literal = particle(previous, two) + literal[len(two) :]
        out.append(literal)
        previous = None
        if field is None:
            continue
        value = formatter.get_field(field, (), values)[0]
        if conversion:
            value = formatter.convert_field(value, conversion)
        previous = formatter.format_field(value, spec or "")
        out.append(previous)
    return "".join(out)


def localize(text: str, lang: str) -> str:
    """``text`` in ``lang`` when it is a Msg; plain strings are returned as they are."""
    return text.render(lang) if isinstance(text, Msg) else text


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


CATALOG: dict[str, dict[str, str]] = {}


def register(messages: dict[str, dict[str, str]]) -> None:
    for key, langs in messages.items():
        if key in CATALOG and CATALOG[key] != langs:
            raise ValueError(f"message {key!r} registered twice with different text")
        CATALOG[key] = langs
