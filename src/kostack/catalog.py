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
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from kostack.korean import PARTICLES, Word, fill, final_consonant, is_spec, particle

__all__ = [
    "CATALOG",
    "LANGS",
    "PARTICLES",
    "Msg",
    "Word",
    "final_consonant",
    "from_data",
    "joined",
    "localize",
    "map_text",
    "message_data",
    "particle",
    "placeholders",
    "register",
    "said",
    "say_in",
    "told",
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

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:
        # copy, deepcopy, pickle and dataclasses.asdict rebuild a message from its key, not
        # from its English text (which str's default would pass as the key)
        return (self.key,), self.params

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


def joined(texts: Sequence[str]) -> str:
    """``texts`` joined by "; ", each still said in the reader's language (a plain str.join
    would fix the Msgs in English)."""
    if len(texts) <= 1:
        return texts[0] if texts else ""
    half = len(texts) // 2  # halves: rendering nests log2(n) deep, however many texts
    return Msg("text.joined", first=joined(texts[:half]), rest=joined(texts[half:]))


def say_in(
    messages: Mapping[str, Mapping[str, str]], lang: str, key: str, params: Mapping[str, Any]
) -> str:
    """``key`` from a command's own table (guard, watch) in ``lang``, else in English.

    A parameter that is a Msg (a collection error) is said in the same language.
    """
    template = messages.get(lang, messages["en"]).get(key) or messages["en"][key]
    return fill(template, {k: localize(v, lang) for k, v in params.items()})


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


def message_data(text: str) -> tuple[str | None, dict[str, Any]]:
    """``text`` as JSON data: a Msg's key and parameters (a parameter that is a Msg becomes
    ``{"key": ..., "params": {...}}``), so a file can keep what was said and say it again
    in another language; plain text has no key: ``(None, {})``."""
    if not isinstance(text, Msg):
        return None, {}
    return text.key, {name: _param_data(value) for name, value in text.params.items()}


def _param_data(value: Any) -> Any:
    if isinstance(value, Msg):
        key, params = message_data(value)
        return {"key": key, "params": params}
    if isinstance(value, list | tuple):
        return [_param_data(v) for v in value]
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)


def from_data(key: str | None, params: dict[str, Any], english: str) -> str:
    """The Msg that ``message_data`` gave, or ``english`` (its English text, as stored) when
    there is no key, or this kostack does not know the key or every placeholder it needs."""
    if key is None:
        return english
    try:
        return _from_data(key, params)
    except (KeyError, TypeError, ValueError, IndexError):
        return english


def _from_data(key: str, params: dict[str, Any]) -> Msg:
    if not isinstance(params, dict):
        raise TypeError(key)
    values = {name: _param_value(value) for name, value in params.items()}
    for template in CATALOG[key].values():
        if not placeholders(template) <= values.keys():
            raise KeyError(key)
    return Msg(key, **values)


def _param_value(value: Any) -> Any:
    if isinstance(value, dict):
        return _from_data(str(value["key"]), value.get("params") or {})
    if isinstance(value, list):
        return [_param_value(v) for v in value]
    return value


def said(**texts: str | tuple[str, ...]) -> dict[str, Any]:
    """What kostack said in these texts, as message keys and parameters, for a file that keeps
    the texts beside it (a plan, a journal; in English or the language the file records): read
    back with `told`, they are said again in the reader's language. Only texts that are
    messages are named."""
    out: dict[str, Any] = {}
    for name, text in texts.items():
        if isinstance(text, tuple):
            each = [_message(t) for t in text]
            if any(m is not None for m in each):
                out[name] = each
        elif (message := _message(text)) is not None:
            out[name] = message
    return out


def _message(text: str) -> dict[str, Any] | None:
    key, params = message_data(text)
    return None if key is None else {"key": key, "params": params}


def told(text: str, message: Any, lang: str = "en") -> str:
    """``text`` (written in ``lang``) as the message ``message`` names (see `said`), when that
    message still says exactly ``text`` in ``lang`` in this kostack; else ``text`` as it is
    (another version's words, an unknown key, damaged data): what a file meant is its text."""
    if not isinstance(message, dict) or not isinstance(message.get("key"), str):
        return text
    params = message.get("params")
    try:
        found = from_data(message["key"], params if isinstance(params, dict) else {}, text)
        return found if localize(found, lang) == text else text
    except RecursionError:
        return text


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


register({"text.joined": {"en": "{first}; {rest}", "ko": "{first}; {rest}"}})
