"""Text laid out for a terminal, measured in cells: a Hangul syllable (and any East Asian wide
character) takes two, so Korean labels, columns and wrapped lines line up as English ones do."""

from __future__ import annotations

import re
import unicodedata

WIDTH = 100  # what a terminal text is wrapped at, in cells

# a word, or a `code span` with what is glued to it (a command is never split across lines);
# a dash between words stays with the word before it, so no line starts like a list item
_WORD = re.compile(r"(?:(?:[^\s`]|`[^`]*`)+|\S+)(?: -(?= |$))?")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def cells(text: str) -> int:
    """How many terminal cells ``text`` takes."""
    return len(text) + sum(1 for c in text if _wide(c))


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` cells (left as it is when already wider)."""
    return text + " " * max(0, width - cells(text))


def fit(text: str, width: int) -> str:
    """``text`` cut (its longest start that leaves room for "..") or padded to ``width`` cells;
    one pass, however long ``text`` is."""
    if cells(text) <= width:
        return pad(text, width)
    used, end = 0, 0
    for end, char in enumerate(text):  # noqa: B007  (end is read after the loop)
        used += 2 if _wide(char) else 1
        if used > width - 2:
            break
    return pad(text[:end] + "..", width)


def wrap(text: str, indent: str, width: int = WIDTH, first: str | None = None) -> list[str]:
    """`text` in lines of at most `width` cells (a longer word or `code span` stands alone), each
    after `indent` (the first after `first` when given)."""
    lines: list[str] = []
    cur = first if first is not None else indent
    used = cells(cur)
    for word in _WORD.findall(text):
        size = cells(word)
        if used + size + 1 > width and cur.strip():
            lines.append(cur.rstrip())
            cur, used = indent, cells(indent)
        cur += word + " "
        used += size + 1
    if cur.strip():
        lines.append(cur.rstrip())
    return lines


def labelled(label: str, text: str, label_w: int, indent: str = "  ") -> list[str]:
    """``label`` padded to ``label_w`` cells, then ``text`` wrapped under its own first column."""
    return wrap(text, indent + " " * (label_w + 1), first=f"{indent}{pad(label, label_w)} ")


def bullet(text: str, indent: str = "    ") -> list[str]:
    """``- text`` after ``indent``, its later lines under the text, not under the dash."""
    return wrap(text, indent + "  ", first=f"{indent}- ")


def hang(line: str, width: int = WIDTH) -> list[str]:
    """A line of at most ``width`` cells, else wrapped with a hanging indent: its later lines
    two cells deeper than it, or under the text after its arrow (``-> ``) or dash (``- ``).
    A command to paste (``$ …``) stays whole."""
    body = line.lstrip(" ")
    lead = line[: len(line) - len(body)]
    if cells(line) <= width or body.startswith("$ "):
        return [line]
    marker = next((m for m in ("-> ", "- ") if body.startswith(m)), "")
    deeper = lead + " " * max(2, len(marker))
    return wrap(body[len(marker) :], deeper, width, first=lead + marker)
