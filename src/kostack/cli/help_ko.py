"""Every command's `--help` in Korean when the language is Korean (`--lang ko` anywhere on the
command line, KOSTACK_LANG=ko or a Korean locale; cli/lazy.py's HelpContext asks).

The texts are catalogues keyed by command path ("" is `kostack` itself, "fix plan") and, in
it, by "" (the description, as click's docstring: paragraphs, `\\b` ones kept as written),
"epilog" and each option's parameter name. An option not in its command's entry is looked
for in the entries of the groups above it, then in "*" (the options many commands share,
worded alike). kostack's texts are cli/help_ko_text.py's (and help_ko_more.py's); a command
from another distribution (the lab) brings its own through the entry point `kostack.help` of
its name. Click's own words (the usage line's, `[default: ...]`, `[required]`, a type's
metavar such as INTEGER, a range such as `0<=x<=10`) are said here, and so is the help of what
TAB completes (`korean_completions`); option names, kostack's own metavars (FILE, NAME) and
choices stay as click prints them. The layout is in terminal cells (a Hangul syllable takes
two) within 100.
"""

from __future__ import annotations

import functools
import inspect
import re
import unicodedata
from collections.abc import Mapping
from typing import Final

import click
from click.shell_completion import CompletionItem

WIDTH: Final = 100
Catalogue = Mapping[str, Mapping[str, str]]
# click's words in usage lines and option records
_CLICK: Final = {
    "[OPTIONS]": "[옵션]",
    "COMMAND": "명령",
    "[ARGS]...": "[인자]...",
    "default: ": "기본값: ",
    "env var: ": "환경 변수: ",
    "required": "필수",
}
_CLICK_WORDS: Final = re.compile("|".join(re.escape(w) for w in _CLICK))
# click's metavar of a type when the option names none: the types kostack's options use
# (test_korean_click fails on another; FILE reads as kostack's own placeholder). An integer in
# a range (INTEGER RANGE) is an integer: its bounds follow in the option's [...]
_TYPES: Final = {"text": "문자열", "integer": "정수", "float": "실수", "directory": "디렉터리"}
# click's range (`x>=1`, `0<=x<=10`, `0.1<x<5`), as the last word of a `[...]` or a message
_RANGE: Final = re.compile(r"(?:([-\d.e+inf]+)(<=?))?x(?:([<>]=?)([-\d.e+inf]+))?(?=[;\]]|$)")
_BOUND: Final = {">=": "이상", ">": "초과", "<=": "이하", "<": "미만"}


def cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken between words (never inside a
    `code span`, nor between a number and the bound it is: `1 이상`)."""
    lines: list[str] = []
    for word in re.findall(r"\S*[\d.]+ (?:이상|이하|초과|미만)\S*|(?:[^\s`]|`[^`]*`)+|\S+", text):
        if lines and cells(lines[-1]) + 1 + cells(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


@functools.cache
def catalogues(word: str) -> tuple[Catalogue, ...]:
    """The catalogues that say the command `kostack WORD` and those under it: its
    distribution's first, then kostack's."""
    from kostack.cli import help_ko_text, lazy

    if word in lazy.COMMANDS and not lazy.COMMANDS[word].module:
        from kostack.cli.parts import entry_point

        own = entry_point("kostack.help", word)
        if own is not None:
            return (own, help_ko_text.TEXTS)
    return (help_ko_text.TEXTS,)


def korean(path: str, name: str) -> str | None:
    """The Korean text ``name`` ("" the description, "epilog", an option) of the command at
    ``path``: its own, else a group's above it, else the shared one."""
    words = path.split(" ")
    keys = [" ".join(words[:n]) for n in range(len(words), 0, -1)] if path else [""]
    for key in keys[:1] if name in ("", "epilog") else [*keys, "*"]:
        for catalogue in catalogues(words[0]):
            text = catalogue.get(key, {}).get(name)
            if text is not None:
                return text
    return None


def _paragraphs(text: str) -> list[str]:
    """Click's layout of a description: prose wrapped, a `\\b` paragraph as written."""
    out: list[str] = []
    for paragraph in text.split("\n\n"):
        if paragraph.startswith("\b\n"):
            out += [f"  {line}".rstrip() for line in paragraph[2:].split("\n")]
        else:
            out += [f"  {line}" for line in wrap(paragraph, WIDTH - 2)]
        out.append("")
    return out


def _rows(rows: list[tuple[str, str]]) -> list[str]:
    """A two-column list, the second column wrapped under itself."""
    left = min(max(cells(a) for a, _ in rows), 30) + 2  # as click lays it out
    out: list[str] = []
    for first, text in rows:
        lines = wrap(text, WIDTH - 2 - left)
        if cells(first) + 2 > left:  # a long option: its help starts on the next line
            out.append(f"  {first}")
        else:
            out.append(f"  {first}{' ' * (left - cells(first))}{lines.pop(0)}")
        out.extend(f"  {' ' * left}{line}" for line in lines if line)
    return out


def _bounds(match: re.Match[str]) -> str:
    low, low_op, high_op, high = match.groups()
    words = [f"{low} {_BOUND[low_op.replace('<', '>')]}"] if low else []  # 1<=x: x>=1
    words += [f"{high} {_BOUND[high_op]}"] if high_op else []
    return " ".join(words) or match[0]


def korean_range(text: str) -> str:
    """click's range in ``text`` in words: `0<=x<=10` is `0 이상 10 이하`, `x>=1` `1 이상`."""
    return _RANGE.sub(_bounds, text)


def _said(text: str) -> str:
    return korean_range(_CLICK_WORDS.sub(lambda m: _CLICK[m.group()], text))


def _option_rows(ctx: click.Context, path: str) -> list[tuple[str, str]]:
    rows = []
    for param in ctx.command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None or param.name is None or isinstance(param, click.Argument):
            continue  # click lists no argument among the options
        english = param.help if isinstance(param, click.Option) else None
        extra = record[1][len(english) :].strip() if english else record[1]
        name = "help" if "--help" in param.opts else param.name  # click names it its own way
        text = korean(path, name) if english else ""
        first, kind = record[0], param.type.name.removesuffix(" range")
        if param.metavar is None and kind in _TYPES:  # click's, not kostack's own FILE
            first = first.replace(param.type.name.upper(), _TYPES[kind])
        rows.append((first, "  ".join(filter(None, [text or english, _said(extra)]))))
    return rows


def _summary(path: str) -> str:
    """A command's summary; the top level lists kostack's own (not reading entry points)."""
    from kostack.cli.help_ko_text import TEXTS

    own = TEXTS.get(path, {}).get("") if " " not in path else None
    return (own or korean(path, "") or "").split("\n\n")[0]


def _path(ctx: click.Context) -> str:
    """The command's path below kostack (which may be `kubectl kostack`): "fix plan"."""
    return f"{_path(ctx.parent)} {ctx.info_name}".strip() if ctx.parent is not None else ""


def korean_help(ctx: click.Context) -> str:
    """The help of ``ctx``'s command in Korean."""
    command, path = ctx.command, _path(ctx)
    usage = _said(" ".join(command.collect_usage_pieces(ctx)))
    # a command no catalogue says (another distribution's, an older one) keeps its English
    about = korean(path, "") or inspect.cleandoc(command.help or "")
    out = [f"사용법: {ctx.command_path} {usage}", "", *_paragraphs(about)]
    out += ["옵션:", *_rows(_option_rows(ctx, path))]
    if isinstance(command, click.Group):
        rows = [(n, _summary(f"{path} {n}".strip())) for n in command.list_commands(ctx)]
        out += ["", "명령:", *_rows(rows)]
    epilog = korean(path, "epilog") or command.epilog
    return "\n".join([*out, *(["", *_paragraphs(epilog)] if epilog else [])]).rstrip("\n")


def korean_completions(ctx: click.Context, items: list[CompletionItem]) -> list[CompletionItem]:
    """What TAB completes at ``ctx`` (click's ``items``), described in Korean: an option by its
    help, a command by its summary (within 45 cells, as click shortens the English to 45)."""
    path = _path(ctx)
    options = {
        opt: "help" if "--help" in param.opts else param.name
        for param in ctx.command.get_params(ctx)
        if isinstance(param, click.Option) and param.name
        for opt in (*param.opts, *param.secondary_opts)
    }

    def said(value: str) -> str | None:
        if value in options:
            return korean(path, options[value])
        text = _summary(f"{path} {value}".strip())
        return text if cells(text) <= 45 else wrap(text, 42)[0] + "..."

    # no help (a choice, a path): none in Korean either
    return [
        CompletionItem(i.value, i.type, help=said(i.value) or i.help) if i.help else i
        for i in items
    ]
