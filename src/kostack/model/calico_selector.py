"""Calico selectors (an IPPool's ``nodeSelector``, a BGPPeer's, a FelixConfiguration's)
evaluated against a node's labels. Pure, in the model so that the collector (Felix's
selector-scoped settings) and the analysis share it.

Calico's grammar (its selector reference, "Selectors"; IPPool reference: ``nodeSelector``
defaults to ``all()``), evaluated as libcalico-go does (lib/selector/parser/ast.go, each
node's ``Evaluate``): ``all()`` and ``global()`` select everything; ``k == 'v'``,
``k in {'a', 'b'}``, ``k contains 'v'``, ``k starts with 'v'``, ``k ends with 'v'`` need
the label ``k``; ``k != 'v'`` and ``k not in {...}`` also select a node *without* ``k``
(the reference's table says "with the label k", the code returns true when it is absent);
``has(k)``, ``!``, ``&&``, ``||`` and parentheses. Anything else (a syntax Calico refuses
too, a selector too long or too deep) gives None: kostack cannot say which nodes the pool
is on, so callers treat the pool as possibly on every node (never a false "not here").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

MAX_SELECTOR = 1024  # characters; a longer selector is not evaluated
MAX_DEPTH = 16  # nested parentheses and negations
_TOKEN = re.compile(
    r"\s*(?:(?P<op>&&|\|\||==|!=|[!(){},])|(?P<str>'[^']*'|\"[^\"]*\")|(?P<word>[A-Za-z0-9_./-]+))"
)


_OPERATORS = frozenset({"in", "not", "contains", "starts", "ends", "with"})
_AFFIX = {"starts": str.startswith, "ends": str.endswith}


class _Unknown(Exception):
    """The selector is outside the subset kostack evaluates."""


@lru_cache(maxsize=1024)
def _tokens(text: str) -> tuple[str, ...] | None:
    """The selector's tokens (None: outside the subset), once per selector however many
    nodes it is evaluated against."""
    text = text.strip()
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            return None
        out.append(m.group(m.lastgroup or "op"))
        pos = m.end()
    return tuple(out)


class _Parser:
    def __init__(self, tokens: tuple[str, ...], labels: Mapping[str, str]) -> None:
        self.t, self.i, self.labels = tokens, 0, labels

    def peek(self) -> str | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise _Unknown
        self.i += 1
        return tok

    def expr(self, depth: int) -> bool | None:
        """``||`` of ``&&`` terms; None where a term cannot be decided (three-valued)."""
        value = self.term(depth)
        while self.peek() == "||":
            self.take()
            other = self.term(depth)
            value = True if True in (value, other) else (None if None in (value, other) else False)
        return value

    def term(self, depth: int) -> bool | None:
        value = self.unary(depth)
        while self.peek() == "&&":
            self.take()
            other = self.unary(depth)
            value = False if False in (value, other) else (None if None in (value, other) else True)
        return value

    def unary(self, depth: int) -> bool | None:
        if depth > MAX_DEPTH:
            raise _Unknown
        tok = self.take()
        if tok == "!":
            inner = self.unary(depth + 1)
            return None if inner is None else not inner
        if tok == "(":
            value = self.expr(depth + 1)
            self.take(")")
            return value
        if tok in ("all", "global", "has"):
            self.take("(")
            key = self.word() if tok == "has" else ""
            self.take(")")
            return key in self.labels if tok == "has" else True
        return self.compare(self.word(tok))

    def word(self, tok: str | None = None) -> str:
        tok = self.take() if tok is None else tok
        if not re.fullmatch(r"[A-Za-z0-9_./-]+", tok) or tok in _OPERATORS:
            raise _Unknown
        return tok

    def literal(self) -> str:
        tok = self.take()
        if len(tok) < 2 or tok[0] not in "'\"" or tok[-1] != tok[0]:
            raise _Unknown
        return tok[1:-1]

    def compare(self, key: str) -> bool | None:
        op = self.take()
        if op in ("contains", "starts", "ends"):
            if op != "contains":
                self.take("with")
            value, have = self.literal(), self.labels.get(key)
            if have is None:
                return False
            return value in have if op == "contains" else _AFFIX[op](have, value)
        negate = op == "!=" or op == "not"
        if op == "not":
            self.take("in")
        if op in ("==", "!="):
            values = {self.literal()}
        elif op in ("in", "not"):
            self.take("{")
            values = set()
            while self.peek() != "}":
                values.add(self.literal())
                if self.peek() == ",":
                    self.take()
            self.take("}")
        else:
            raise _Unknown
        if key not in self.labels:
            return negate  # != and not in select a node without the label (ast.go)
        return (self.labels[key] in values) != negate


def matches(selector: str | None, labels: Mapping[str, str]) -> bool | None:
    """Whether a node with ``labels`` is selected; None: not known (see the module)."""
    if selector is None or not selector.strip():
        return True  # absent or empty: all() (IPPool reference)
    if len(selector) > MAX_SELECTOR:
        return None
    tokens = _tokens(selector)
    if tokens is None:
        return None
    try:
        parser = _Parser(tokens, labels)
        value = parser.expr(0)
        if parser.peek() is not None:
            return None
        return value
    except (_Unknown, RecursionError):
        return None


def _understood(tokens: tuple[str, ...]) -> bool:
    """Whether the selector is inside the subset (parsed whole; its value aside)."""
    try:
        parser = _Parser(tokens, {})
        parser.expr(0)
        return parser.peek() is None
    except (_Unknown, RecursionError):
        return False


def required_label(selector: str) -> tuple[str, str] | None:
    """A ``k == 'v'`` that every node the selector selects must have: a top-level conjunct
    (the selector has no ``||``, and the term is neither negated nor in parentheses), so
    a caller may evaluate the selector only on the nodes labelled so; the others are not
    selected (False ``&&`` anything is False). None: no such term."""
    tokens = _tokens(selector) if len(selector) <= MAX_SELECTOR else None
    if not tokens or "||" in tokens or not _understood(tokens):
        return None
    for i in range(len(tokens) - 2):
        key, op, literal = tokens[i : i + 3]
        before = tokens[i - 1] if i else "&&"
        after = tokens[i + 3] if i + 3 < len(tokens) else "&&"
        quoted = len(literal) >= 2 and literal[0] in "'\"" and literal[-1] == literal[0]
        if op == "==" and quoted and before == "&&" and after == "&&":
            return key, literal[1:-1]
    return None
