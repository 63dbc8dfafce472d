"""Escaping of text that came from a cloud or cluster: one function per output kind.

- terminal: ``terminal_safe`` (every report and message printed as text);
- HTML: ``html_safe`` (text and attribute values);
- JSON: ``json_safe`` (a document already serialised by ``json.dumps``);
- Markdown: ``kostack.report.markdown.md_inline`` and its code blocks;
- shell: ``kostack.shell`` (commands are argument lists, quoted there).

What is hidden from a reader is made visible in every one of them: control
characters (escape sequences could drive the terminal), bidirectional
overrides and isolates (U+202E, U+2066-U+2069 reorder what follows, so a
command or a name would read differently from what it is), zero-width and
other format characters, line separators and unusual spaces. They become
``\\x1b`` / ``\\u202e`` escapes (JSON: ``\\u202e``, which decodes to the same
string).
"""

from __future__ import annotations

import html

from kostack.shell import has_hidden, is_hidden, visible

_KEEP = frozenset("\n\t")


def terminal_safe(text: str) -> str:
    """Hidden characters as visible escapes (newlines and tabs kept), so names cannot drive the terminal."""
    if not has_hidden(text, keep="\n\t"):
        return text
    return "".join(char if char in _KEEP else visible(char) for char in text)


def html_safe(text: str) -> str:
    """Escape for HTML text and attribute values (quotes included), hidden characters made visible."""
    return html.escape(terminal_safe(text), quote=True)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


_JSON_STRUCTURAL = frozenset("\n\r\t")


def json_safe(document: str) -> str:
    """A serialised JSON document whose hidden characters are ``\\uXXXX`` escapes (same data).

    ``json.dumps(..., ensure_ascii=False)`` keeps DEL, C1 controls and format
    characters raw; inside a string they may be written escaped instead, and
    outside strings JSON has only structure and whitespace (kept).
    """
    if not has_hidden(document, keep="\n\r\t"):
        return document
    return "".join(
        _json_escape(char) if is_hidden(char) and char not in _JSON_STRUCTURAL else char
        for char in document
    )


__all__ = ["html_safe", "json_safe", "terminal_safe"]
