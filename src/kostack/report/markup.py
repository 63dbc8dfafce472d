"""Code spans in report text: only kostack's own templates make them, never a name from the cluster.

The report's templates mark code with backticks ("run `kostack diagnose`").
Names from a cloud or cluster may hold backticks too (a Helm release name is
free text in the release Secret's JSON); if both reached the Markdown or HTML
renderer alike, a name could open or close a code span. So report text comes
in two kinds:

- ``Marked``: built here from a template (``mt``, ``marked``); its backticks
  are markup, and every backtick that came from data was replaced by
  ``DATA_TICK`` on the way in;
- any other ``str``: plain data, every character literal.

Renderers (markdown.py, html.py) split only ``Marked`` text on backticks and
turn ``DATA_TICK`` back into a literal, escaped backtick. A ``DATA_TICK`` in
the data itself is shown as the escape ``\\ue000``. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kostack.analyze.messages import CATALOG, Msg, Word
from kostack.report.i18n import MESSAGES
from kostack.shell import Code

DATA_TICK = "\ue000"  # a backtick that came from data, inside Marked text


class Marked(str):
    """Report text whose backticks are code-span markup (data backticks are DATA_TICK)."""

    __slots__ = ()

    def plain(self) -> str:
        """The text as a person reads it (markup and data backticks alike)."""
        return self.replace(DATA_TICK, "`")


def plain(value: object) -> str:
    """Any report text as a person reads it, for places without markup (code blocks, titles)."""
    return value.plain() if isinstance(value, Marked) else str(value)


def spans(text: object, span: Callable[[str], str], data: Callable[[str], str]) -> str:
    """Report text in a renderer's markup: ``span`` makes each code span of Marked text, ``data``
    escapes the rest (all of any other text), every character literal."""
    if not isinstance(text, Marked):
        return data(str(text))
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unmatched backtick is text, not code
        parts = [*parts[:-2], parts[-2] + DATA_TICK + parts[-1]]
    return "".join(
        (span if i % 2 else data)(part.replace(DATA_TICK, "`")) for i, part in enumerate(parts)
    )


def literal(value: object) -> str:
    """Data for Marked text: its backticks cannot act as markup."""
    if isinstance(value, Marked):
        return str(value)
    if isinstance(value, Code):  # a command kostack quoted (shell.as_code): one code span
        return "`" + literal(value.command) + "`"
    return str(value).replace(DATA_TICK, "\\ue000").replace("`", DATA_TICK)


def code(value: object) -> Marked:
    """A code span around data (a command, an id)."""
    return Marked("`" + literal(value) + "`")


def join(separator: str, parts: Iterable[object]) -> Marked:
    """Marked text joined from Marked text and data (separator: kostack's own text)."""
    return Marked(literal(separator).join(literal(p) for p in parts))


def concat(*parts: object) -> Marked:
    """Marked text from pieces: Marked ones keep their markup, the others are data."""
    return Marked("".join(literal(p) for p in parts))


def alike(text: str, count: int, lang: str) -> str:
    """A table cell standing for ``count`` alike rows: ``text``, then how many more there were."""
    return concat(text, concat(" ", mt(lang, "rep.l.alike", n=count - 1))) if count > 1 else text


def mt(lang: str, key: str, /, **params: object) -> Marked:
    """``report.i18n.t`` with the template's backticks as markup and the parameters as data."""
    table = MESSAGES.get(lang, MESSAGES["en"])
    template = table.get(key) or MESSAGES["en"][key]
    if not params:
        return Marked(template)
    return Marked(template.format(**{k: Word(literal(v)) for k, v in params.items()}))


def marked(text: object, lang: str) -> Marked | str:
    """A message in ``lang``: a Msg as Marked text (its template's markup), anything else as data."""
    if isinstance(text, Marked):
        return text
    if isinstance(text, Msg):
        return _marked_msg(text, lang)
    render = getattr(text, "render", None)
    return str(render(lang)) if callable(render) else str(text)


def _marked_msg(msg: Msg, lang: str) -> Marked:
    template = CATALOG[msg.key].get(lang) or CATALOG[msg.key]["en"]
    return Marked(template.format(**{k: _param(v, lang) for k, v in msg.params.items()}))


def _param(value: object, lang: str) -> str:
    # a Word, so a template's particle ("{ip:으로/로}") and plural specs work here too
    if isinstance(value, Msg):
        return Word(_marked_msg(value, lang))
    if isinstance(value, list | tuple):
        return Word(", ".join(_param(v, lang) for v in value))
    return Word(literal(value))


__all__ = ["DATA_TICK", "Marked", "code", "concat", "join", "literal", "marked", "mt", "plain"]
