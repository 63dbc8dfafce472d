"""JSON text as ``json.dumps(data, indent=2, ensure_ascii=False)`` writes it, faster.

With ``indent`` set, the standard library leaves its C encoder for a pure-Python one made
of generators: a call per item and level, most of the time of a large `-o json` answer
(11 MB for a 1,000-node cluster whose groups differ per node). This writer is one
recursive function per container, joining its items' text; strings, the bulk of every
answer, go through the standard library's own C escaper (``encode_basestring``), and
numbers through ``int.__repr__`` and ``float.__repr__`` as there, so the text is the same
byte for byte (tests/report/test_jsonenc.py compares them).

(A dict the document held in several places, each remedy in its finding and its root cause,
had its text made once and copied; since schema_version 3 diagnose's answer writes each remedy
once, in its `remedies` table (report/jsonout.py), so this writer needs no such case.)
"""

from __future__ import annotations

from json.encoder import INFINITY, encode_basestring
from typing import Any

_text = encode_basestring  # ensure_ascii=False: the C escaper, as json.dumps uses it


def _float(o: float) -> str:
    """As json's ``floatstr`` (allow_nan, the default)."""
    if o != o:
        return "NaN"
    if o == INFINITY:
        return "Infinity"
    if o == -INFINITY:
        return "-Infinity"
    return float.__repr__(o)


def _key(k: object) -> str:
    """A dict key as json writes it: a string, or a scalar made one."""
    if isinstance(k, str):
        return _text(k)
    if k is True:
        return '"true"'
    if k is False:
        return '"false"'
    if k is None:
        return '"null"'
    if isinstance(k, int):
        return '"' + int.__repr__(k) + '"'
    if isinstance(k, float):
        return '"' + _float(k) + '"'
    raise TypeError(f"keys must be str, int, float, bool or None, not {k.__class__.__name__}")


def _value(o: Any, nl: str) -> str:
    """``o``'s text, its lines after the first indented by ``nl`` ("\\n" and spaces)."""
    if isinstance(o, str):
        return _text(o)
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if isinstance(o, int):
        return int.__repr__(o)
    if isinstance(o, float):
        return _float(o)
    if isinstance(o, dict):
        if not o:
            return "{}"
        return _dict(o, nl)
    if isinstance(o, (list, tuple)):
        if not o:
            return "[]"
        inner = nl + "  "
        parts = [_text(v) if type(v) is str else _value(v, inner) for v in o]
        return "[" + inner + ("," + inner).join(parts) + nl + "]"
    raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")


def _dict(o: dict[Any, Any], nl: str) -> str:
    inner = nl + "  "
    items = [
        (_text(k) if type(k) is str else _key(k))
        + ": "
        + (_text(v) if type(v) is str else _value(v, inner))
        for k, v in o.items()
    ]
    return "{" + inner + ("," + inner).join(items) + nl + "}"


def dumps_indented(data: Any) -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False)``, the same text."""
    return _value(data, "\n")
