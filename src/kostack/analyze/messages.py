"""Translatable messages: findings and hops say things in English and Korean.

A `Msg` is a `str` (its English text) that remembers its template key and
parameters, so everything that treats messages as strings keeps working, and
renderers can ask for another language with `localize(text, lang)`.
Every key has every language with the same placeholders (tests prove it).
"""

from __future__ import annotations

import re
import string
from functools import cache
from typing import Any

LANGS = ("en", "ko")


class Msg(str):
    """An English message that can be rendered in another language."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, **params: Any) -> Msg:
        if key not in CATALOG:
            raise KeyError(f"no message {key!r}")
        obj = super().__new__(cls, _fill(CATALOG[key]["en"], params, "en"))
        obj.key = key
        obj.params = params
        return obj

    def render(self, lang: str) -> str:
        template = CATALOG[self.key].get(lang) or CATALOG[self.key]["en"]
        return _fill(template, self.params, lang)


def _fill(template: str, params: dict[str, Any], lang: str) -> str:
    """``template`` with ``params`` rendered in ``lang``; plain values where no placeholder has
    a format spec (the same text, without a Python-level __format__ per value)."""
    if _has_spec(template):
        return str(template.format(**{k: _render(v, lang) for k, v in params.items()}))
    return template.format(**{k: _plain(v, lang) for k, v in params.items()})


@cache
def _has_spec(template: str) -> bool:
    return any(spec for _, _, spec, _ in string.Formatter().parse(template))


def _plain(value: Any, lang: str) -> str:
    """`_render` as a plain str (what a Word prints with an empty format spec)."""
    if isinstance(value, Msg):
        return value.render(lang)
    if isinstance(value, list | tuple):
        return ", ".join(_render(v, lang) for v in value)
    return str(value)


def _render(value: Any, lang: str) -> str:
    if isinstance(value, Msg):
        return Word(value.render(lang))
    if isinstance(value, list | tuple):
        return Word(", ".join(_render(v, lang) for v in value))
    return Word(str(value))


# --------------------------------------------------------------------------- Korean particles
#
# A Korean template writes the particle pair as the placeholder's format spec:
# "{ip:은/는}", "{n:이/가}", "{cidr:을/를}", "{x:과/와}", "{via:으로/로}". The
# value is printed and followed by the form its last syllable takes when read
# aloud: a final consonant (batchim) selects the first form. Digits are read
# the Sino-Korean way (10.0.0.11 ends in 십일 -> 일 -> batchim ㄹ, so "10.0.0.11은");
# for 으로/로, a final ㄹ takes 로 like a vowel.

PARTICLES = frozenset({"은/는", "이/가", "을/를", "과/와", "으로/로"})
# An English template picks a noun's number the same way: "{n} node {n:pair/pairs}"
# prints the first form when the value is 1, the second otherwise.
_PLURAL = re.compile(r"[a-z ]+/[a-z ]+")
_DIGIT_BATCHIM = {"0": "ㅇ", "1": "ㄹ", "2": "", "3": "ㅁ", "4": "", "5": "", "6": "ㄱ"}
_DIGIT_BATCHIM.update({"7": "ㄹ", "8": "ㄹ", "9": ""})
# a number ending in zeros is read by its place: 10 십, 100 백, 1000 천, 10000 만
_ZEROS_BATCHIM = {1: "ㅂ", 2: "ㄱ", 3: "ㄴ", 4: "ㄴ"}
_LETTER_BATCHIM = {"l": "ㄹ", "m": "ㅁ", "n": "ㄴ"}
_HANGUL_FINALS = (
    "", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ", "ㄿ", "ㅀ",
    "ㅁ", "ㅂ", "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ",
)  # fmt: skip


def final_consonant(text: str) -> str:
    """The final consonant of ``text`` read aloud in Korean ("" for a vowel ending)."""
    word = text.rstrip(" )]}>'\".,")
    if not word:
        return ""
    last = word[-1]
    if "\uac00" <= last <= "\ud7a3":
        return _HANGUL_FINALS[(ord(last) - 0xAC00) % 28]
    if last.isdigit():
        digits = len(word) - len(word.rstrip("0123456789"))
        number = word[len(word) - digits :]
        zeros = len(number) - len(number.rstrip("0"))
        if zeros == 0 or zeros == len(number):
            return _DIGIT_BATCHIM[last]
        return _ZEROS_BATCHIM.get(zeros % 4 or 4, "ㄴ")
    return _LETTER_BATCHIM.get(last.lower(), "")


def particle(text: str, pair: str) -> str:
    """The form of a particle pair ("이/가", "으로/로", ...) that follows ``text``."""
    with_final, without = pair.split("/")
    final = final_consonant(text)
    if pair == "으로/로":
        return without if final in ("", "ㄹ") else with_final
    return with_final if final else without


class Word(str):
    """A rendered value that understands a particle pair as its format spec."""

    def __format__(self, spec: str) -> str:
        if spec in PARTICLES:
            return str(self) + particle(str(self), spec)
        if _PLURAL.fullmatch(spec):
            one, many = spec.split("/")
            return one if str(self) == "1" else many
        return format(str(self), spec)


def localize(text: str, lang: str) -> str:
    """``text`` in ``lang`` when it is a Msg; plain strings are returned as they are."""
    return text.render(lang) if isinstance(text, Msg) else text


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


CATALOG: dict[str, dict[str, str]] = {}


def register(messages: dict[str, dict[str, str]]) -> None:
    for key, langs in messages.items():
        for template in langs.values():
            for _, _, spec, _ in string.Formatter().parse(template):
                if spec and spec not in PARTICLES and not _PLURAL.fullmatch(spec):
                    raise ValueError(f"message {key!r}: unknown format spec {spec!r}")
        if key in CATALOG and CATALOG[key] != langs:
            raise ValueError(f"message {key!r} registered twice with different text")
        CATALOG[key] = langs
