"""Translatable messages: findings and hops say things in English and Korean.

A `Msg` is a `str` (its English text) that remembers its template key and
parameters, so everything that treats messages as strings keeps working, and
renderers can ask for another language with `localize(text, lang)`.
Every key has every language with the same placeholders (tests prove it).
It imports only `kostack.korean`, so every layer (collect included) registers
its own messages here; `kostack.analyze.messages` is the same catalogue.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from functools import cache
from typing import Any

from kostack.korean import PARTICLES, Word, final_consonant, is_spec, particle

__all__ = [
    "CATALOG",
    "LANGS",
    "PARTICLES",
    "Msg",
    "Word",
    "final_consonant",
    "localize",
    "map_text",
    "particle",
    "placeholders",
    "register",
]  # fmt: skip

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


# Korean particles ("{ip:은/는}") and English plurals ("{n:pair/pairs}") are format
# specs that kostack.korean's Word understands: the one particle helper of kostack.


def localize(text: str, lang: str) -> str:
    """``text`` in ``lang`` when it is a Msg; plain strings are returned as they are."""
    return text.render(lang) if isinstance(text, Msg) else text


def map_text(text: str, fn: Callable[[str], str]) -> str:
    """``text`` with ``fn`` (a redactor) applied to every plain string in it.

    A `Msg` stays a `Msg` (so it can still be said in another language) when
    ``fn`` finds nothing more in its whole English text; otherwise, and for
    plain text, the result is ``fn(text)``.
    """
    if not isinstance(text, Msg):
        return fn(text)

    def each(value: Any) -> Any:
        if isinstance(value, str):
            return map_text(value, fn)
        if isinstance(value, list | tuple):
            return type(value)(each(v) for v in value)
        return value

    mapped = Msg(text.key, **{k: each(v) for k, v in text.params.items()})
    return mapped if fn(str(mapped)) == str(mapped) else fn(str(text))


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


CATALOG: dict[str, dict[str, str]] = {}


def register(messages: dict[str, dict[str, str]]) -> None:
    for key, langs in messages.items():
        for template in langs.values():
            for _, _, spec, _ in string.Formatter().parse(template):
                if spec and not is_spec(spec):
                    raise ValueError(f"message {key!r}: unknown format spec {spec!r}")
        if key in CATALOG and CATALOG[key] != langs:
            raise ValueError(f"message {key!r} registered twice with different text")
        CATALOG[key] = langs
