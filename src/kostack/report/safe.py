"""Escaping of text that came from a cloud or cluster, before it reaches a terminal or HTML."""

from __future__ import annotations

import html
import re

# C0 controls except newline and tab, DEL, and C1 controls (ESC sequences, OSC, CSI...)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """Replace control characters with visible escapes so names cannot drive the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def html_safe(text: str) -> str:
    """Escape for HTML text and attribute values (quotes included), control characters made visible."""
    return html.escape(terminal_safe(text), quote=True)
