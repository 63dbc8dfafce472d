"""The one command renderer: every shell command kostack prints is an argument list rendered here.

Names and ids come from clouds and clusters (a Helm release name is whatever
the release Secret's JSON says), so no command is ever built by pasting text
into a string. Each argument is quoted for a POSIX shell with ``shlex.quote``;
an argument that holds a character a reader cannot see or that would move the
terminal (control characters, newlines, bidirectional overrides such as
U+202E, zero-width and other format characters, unusual spaces) is written in
bash's ANSI-C quoting ``$'...'`` with every such character as ``\\xHH`` bytes,
so the command stays on one line, shows what it does, and still passes the
exact bytes (bash, zsh, ksh and POSIX.1-2024 sh read ``$'...'``).

Pure: imports nothing of ours but the message catalogue (kostack.catalog, which imports
only kostack.korean), so every layer may use it.
"""

from __future__ import annotations

import functools
import shlex
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kostack.catalog import Msg, register

# Unicode categories a reader cannot see or that reorder or move the text:
# control (Cc), format (Cf: bidi embeddings, overrides and isolates, zero-width
# characters, soft hyphen), line and paragraph separators, private use,
# surrogates and unassigned code points.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})
_NAMED_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\", "'": "\\'"}


def is_hidden(char: str) -> bool:
    """Whether ``char`` is invisible, reorders text or drives a terminal (any space but ' ' too)."""
    category = unicodedata.category(char)
    return category in _HIDDEN_CATEGORIES or (category == "Zs" and char != " ")


def has_hidden(text: str, keep: str = "") -> bool:
    """Whether ``text`` holds a hidden character (:func:`is_hidden`) other than those in ``keep``.

    One C-speed pass: Python's ``str.isprintable`` is false exactly for the
    Unicode categories Other (Cc, Cf, Cs, Co, Cn) and Separator (Zl, Zp, Zs)
    except the ASCII space, which is :func:`is_hidden`'s set. Reports scan
    whole documents with it, so it must not cost a Python call per character.
    """
    if keep:
        text = text.translate(dict.fromkeys(map(ord, keep)))
    return not text.isprintable()


def _ansi_c(arg: str) -> str:
    out = ["$'"]
    for char in arg:
        if char in _NAMED_ESCAPES:
            out.append(_NAMED_ESCAPES[char])
        elif is_hidden(char):
            out.extend(f"\\x{byte:02x}" for byte in char.encode("utf-8", "surrogatepass"))
        else:
            out.append(char)
    out.append("'")
    return "".join(out)


@functools.lru_cache(maxsize=4096)  # a report quotes the same ids and words thousands of times
def quote(arg: str) -> str:
    """One argument, quoted so that the shell passes exactly ``arg`` and a reader sees all of it."""
    if has_hidden(arg):
        return _ansi_c(arg)
    return shlex.quote(arg)


@dataclass(frozen=True)
class Var:
    """A shell variable the reader sets before pasting (``NETWORK``): rendered ``"$NETWORK"``."""

    name: str

    def __post_init__(self) -> None:
        if not self.name or not (self.name[0].isalpha() or self.name[0] == "_"):
            raise ValueError(f"not a shell variable name: {self.name!r}")
        if not all(c.isascii() and (c.isalnum() or c == "_") for c in self.name):
            raise ValueError(f"not a shell variable name: {self.name!r}")


@dataclass(frozen=True)
class Word:
    """One argument made of data and variables (``subnet="$SUBNET",ip-address=10.0.0.5``)."""

    parts: tuple[str | Var, ...]


Arg = str | Var | Word


def _arg(arg: Arg) -> str:
    if isinstance(arg, Var):
        return f'"${arg.name}"'
    if isinstance(arg, Word):
        return "".join(_arg(part) if part else "" for part in arg.parts) or "''"
    return quote(arg)


def _text(arg: Arg) -> str:
    if isinstance(arg, Word):
        return "".join(p if isinstance(p, str) else "" for p in arg.parts)
    return "" if isinstance(arg, Var) else arg


def render(argv: Iterable[Arg], *, stdin: str | None = None, stdout: str | None = None) -> str:
    """The command line for ``argv``; ``stdin`` is given as a here-string, ``stdout`` a file.

    No shell can pass a NUL character in an argument (bash would cut the
    name there and name another object), so such a command is not given:
    a comment says why instead, a message (``shell.nul``) that a report
    says in its reader's language.
    """
    args = list(argv)
    if not args:
        raise ValueError("an empty command")
    if any("\0" in text for text in (*map(_text, args), stdin or "", stdout or "")):
        return Msg("shell.nul", program=visible(_text(args[0])))
    line = " ".join(_arg(arg) for arg in args)
    if stdin is not None:
        line += " <<< " + quote(stdin)
    if stdout is not None:
        line += " > " + quote(stdout)
    return line


class Code(str):
    """A command between backticks, as a sentence shows one to paste: kostack's own quoting,
    which the report renders as code (report/markup.py), not as data with backticks."""

    __slots__ = ()

    @property
    def command(self) -> str:
        return self[1:-1]


def as_code(command: str) -> Code:
    """``command`` as a sentence shows a command to paste: between backticks."""
    return Code(f"`{command}`")


def command(
    head: Sequence[str], operands: Sequence[str], options: Sequence[str] = ()
) -> tuple[str, ...]:
    """``head operands options``; or ``head options -- operands`` when an operand starts with '-'.

    A name that looks like an option (``--all``, ``-A``) would be read as one
    whatever its quoting; after ``--`` it is only a name (kubectl, helm and
    the openstack CLI all end their options there).
    """
    if any(operand.startswith("-") for operand in operands):
        return (*head, *options, "--", *operands)
    return (*head, *operands, *options)


def end_options(operands: Sequence[str]) -> list[str]:
    """Operands to put last: behind ``--`` when one starts with '-' (so it is not read as an option)."""
    return ["--", *operands] if any(o.startswith("-") for o in operands) else list(operands)


@dataclass(frozen=True)
class Cmd:
    """One command as data: its arguments, and optionally its input text and output file."""

    argv: tuple[str, ...]
    stdin: str | None = None
    stdout: str | None = None

    def render(self) -> str:
        return render(self.argv, stdin=self.stdin, stdout=self.stdout)


def chain(*commands: Cmd | Sequence[str]) -> str:
    """Commands that run one after the other while each succeeds (``a && b``)."""
    return " && ".join(c.render() if isinstance(c, Cmd) else render(c) for c in commands)


def visible(text: str) -> str:
    """``text`` with every hidden character written as an escape (``\\n``, ``\\x1b``, ``\\u202e``)."""
    if not has_hidden(text):
        return text
    out = []
    for char in text:
        if not is_hidden(char):
            out.append(char)
        elif char in "\n\t\r":
            out.append(_NAMED_ESCAPES[char])
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return "".join(out)


register(
    {
        "shell.nul": {
            "en": "# not given: an argument of `{program}` holds a NUL character, "
            "which no shell command can pass",
            "ko": "# 명령을 주지 않습니다: `{program}`의 인자에 NUL 문자가 있어 "
            "어떤 셸 명령으로도 넘길 수 없습니다",
        }
    }
)


def comment(text: str) -> str:
    """A shell comment that stays one comment: no newline or hidden character can end it."""
    return "# " + visible(text)


__all__ = [
    "Cmd",
    "as_code",
    "chain",
    "command",
    "comment",
    "end_options",
    "has_hidden",
    "is_hidden",
    "quote",
    "render",
    "visible",
]
