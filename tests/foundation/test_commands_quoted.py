"""Every command kostack prints inside a sentence is quoted, so it can be copied as it is.

A command to paste is either a line of its own (a plan's script, a `lab up` export) or stands
between backticks in the sentence that names it. Three readings of every message template (the
shared catalogue and the guard, watch and report tables), in every language:

- no template names a command (``kostack collect -o FILE``, ``kubectl auth whoami``) outside
  backticks;
- a placeholder that carries a command (``{command}``, ``{undo}`` ...) is quoted alike in every
  language: inside backticks in all of them, or in none (then the value arrives quoted);
- where it stands outside backticks, every call that fills it in src/ passes a quoted value:
  ``as_code(...)``, a backtick literal, or a `Msg` (a message with its own quoting).

The old code printed "To fix: kostack guard --once --mode enforce", "(resume: kostack fix apply
--journal J; undo: kostack fix rollback J)" and "(kostack diagnose -v for every finding)".
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import string
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

import kostack
import kostack_lab
from kostack.catalog import CATALOG
from kostack.cli.main import cli
from kostack.shell import as_code

SRC = Path(kostack.__file__).parent
LAB = Path(kostack_lab.__file__).parent  # kostack-lab: its commands are quoted alike
QUOTED = re.compile(r"`[^`]*`")
CODE_SPEC = re.compile(r"\{\w+:`[^}]*\}")  # "{command:`을/를}": the value in backticks
# the placeholders that carry a command to paste
COMMAND_FIELDS = re.compile(r"^(command|commands|cmd|again|undo|rollback|apply|resume|replan)$")


def _templates() -> dict[str, dict[str, str]]:
    """Every message template: key -> language -> template; a table's key is named
    "module.TABLE:key" (guard and watch each have a "hint.extra")."""
    for package in (kostack, kostack_lab):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    templates: dict[str, dict[str, str]] = {k: dict(v) for k, v in CATALOG.items()}
    for where, tables in _language_tables():
        for lang, table in tables.items():
            for key, template in table.items():
                if isinstance(template, str):
                    templates.setdefault(f"{where}:{key}", {})[lang] = template
    return templates


def _language_tables() -> Iterator[tuple[str, dict[str, dict[str, object]]]]:
    """Every module-level table of the form {"en": {key: template}, "ko": {...}}, named."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("kostack"):
            continue
        for attribute, value in list(vars(module).items()):
            if isinstance(value, dict) and isinstance(value.get("en"), dict) and "ko" in value:
                yield f"{name}.{attribute}", value


def _key(name: str) -> str:
    """The key a call passes: a table's key without the table's name."""
    return name.rpartition(":")[2]


# Comments of the scripts kostack writes (fix plan -o script, preflight's commands and Terraform,
# the reinstall's recovery recipe): there the command follows its label ("# undo: openstack ..."),
# as a script's reader copies it; backticks would only be in the way.
SCRIPT_COMMENTS = {"s.undo", "s.undo.rule", "c.boot", "tf.has-port", "rel.recipe.delete"}
TEMPLATES = {k: v for k, v in _templates().items() if _key(k) not in SCRIPT_COMMENTS}


def _subcommands(group: click.Group) -> set[str]:
    """The names of every command and subcommand (the CLI loads them lazily)."""
    ctx = click.Context(group)
    names = set()
    for name in group.list_commands(ctx):
        names.add(name)
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            names |= _subcommands(command)
    return names


# A program and what makes it a command: kostack with its command(s) and then an option, an
# operand such as FILE, or the end ("kostack guard: ...", "kostack watch needs" are its name).
SUBCOMMAND = "(?:" + "|".join(sorted(_subcommands(cli))) + ")"
COMMANDS = re.compile(
    rf"\bkostack {SUBCOMMAND}(?: {SUBCOMMAND})?(?= -| [A-Z]{{2,}}\b|\)|$)"
    r"|\bkubectl (?:get|auth|config|describe|logs|delete|patch|apply|exec|edit|rollout|-n)\b"
    r"|\bopenstack (?:port|security|network|subnet|router|server|loadbalancer|floating|quota)\b"
    r"|\bhelm (?:uninstall|list|status|get|install|upgrade|rollback|history|-n)\b"
    r"|\b(?:pip install|modprobe|sysctl -w|apt-get install|apt-get update|nft list|ip netns) "
)


def _outside(template: str) -> str:
    return QUOTED.sub("", CODE_SPEC.sub("", template))


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f and COMMAND_FIELDS.match(f)}


def _unquoted_fields(template: str) -> set[str]:
    """Command placeholders that stand outside backticks ("{command:`을/를}" quotes its value)."""
    return {f for f in _fields(template) if re.search(r"\{" + f + r"[:}]", _outside(template))}


def test_the_reading_knows_a_command_from_a_name() -> None:
    assert COMMANDS.search("give a snapshot file (kostack collect -o FILE)")
    assert COMMANDS.search("(kubectl auth whoami)")
    assert COMMANDS.search("(전체 결과는 kostack diagnose -v)")
    assert COMMANDS.search("run kostack lab down")
    assert not COMMANDS.search("kostack reads ConfigMap kube-system/kube-proxy")
    assert not COMMANDS.search("kostack guard (audit mode): this node's port")
    assert not COMMANDS.search("kostack watch needs list on pods")
    assert not COMMANDS.search("kostack collect, diagnose, fix, probe를 실행하려면")
    assert not COMMANDS.search(_outside("Check it with `kubectl config view --minify`."))
    assert _unquoted_fields("To fix: {command}") == {"command"}
    assert _unquoted_fields("To fix: `{command}`") == set()
    assert _unquoted_fields("{command:을/를} 실행하세요") == {"command"}
    assert _unquoted_fields("{command:`을/를} 실행하세요") == set()
    assert _unquoted_fields("{command}") == {"command"}
    assert COMMANDS.search("pip install 'kostack[watch]'")
    assert as_code("kostack lab down") == "`kostack lab down`"


def test_no_template_names_a_command_outside_backticks() -> None:
    bare = [
        f"{key} [{lang}]: {template!r}"
        for key, languages in sorted(TEMPLATES.items())
        for lang, template in languages.items()
        if COMMANDS.search(_outside(template))
    ]
    assert not bare, "\n".join(bare)


def test_a_command_placeholder_is_quoted_alike_in_every_language() -> None:
    unlike = []
    for key, languages in sorted(TEMPLATES.items()):
        for field in set().union(*(_fields(t) for t in languages.values())):
            quoted = {lang: field not in _unquoted_fields(t) for lang, t in languages.items()}
            if len(set(quoted.values())) > 1:
                unlike.append(f"{key} {{{field}}}: {quoted}")
    assert not unlike, "\n".join(unlike)


def _needs_quoted_values() -> dict[str, set[str]]:
    """key -> the command placeholders that stand outside backticks in one of its templates."""
    needs: dict[str, set[str]] = {}
    for name, languages in TEMPLATES.items():
        for template in languages.values():
            if fields := _unquoted_fields(template):
                needs.setdefault(_key(name), set()).update(fields)
    return needs


def _quoted_value(node: ast.expr) -> bool:
    """A value that arrives quoted: as_code(...), a backtick literal, a Msg, or a join of those."""
    if isinstance(node, ast.Call):
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name in ("as_code", "Msg"):
            return True
        if name == "join" and len(node.args) == 1 and isinstance(node.args[0], ast.GeneratorExp):
            return _quoted_value(node.args[0].elt)
        return False
    text = ast.unparse(node)
    return text.startswith(("'`", '"`', "f'`", 'f"`')) and text.endswith(("`'", '`"'))


def _fills(keys: dict[str, set[str]]) -> Iterator[tuple[str, str, str, ast.expr]]:
    """(place, key, field, value) for every call in src/ that fills a field of one of ``keys``."""
    for path in sorted([*SRC.rglob("*.py"), *LAB.rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            for arg in node.args[:2]:
                if isinstance(arg, ast.Constant) and arg.value in keys:
                    for keyword in node.keywords:
                        if keyword.arg in keys[arg.value]:
                            where = path.relative_to(
                                SRC.parent if path.is_relative_to(SRC) else LAB.parent
                            )
                            place = f"{where}:{node.lineno}"
                            yield place, arg.value, keyword.arg, keyword.value


def test_a_command_outside_backticks_arrives_quoted() -> None:
    keys = _needs_quoted_values()
    seen = list(_fills(keys))
    assert {key for _, key, _, _ in seen} >= {"lab.x.missing_commands", "lab.x.run", "lab.up.next"}
    bare = [
        f"{place} {key} {field}={ast.unparse(value)}"
        for place, key, field, value in seen
        if not _quoted_value(value)
    ]
    assert not bare, "\n".join(bare)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = Msg('lab.x.run', command=render(['kostack', 'lab', 'down']))", False),
        ("x = Msg('lab.x.run', command=as_code(render(['kostack', 'lab', 'down'])))", True),
        ("x = Msg('lab.x.run', command='`kostack lab down`')", True),
        ("x = say(lang, 'lab.up.next', commands=', '.join(c for c in cs))", False),
        ("x = say(lang, 'lab.up.next', commands=', '.join(as_code(c) for c in cs))", True),
    ],
)
def test_the_call_reading_tells_quoted_from_bare(source: str, expected: bool) -> None:
    call = ast.parse(source).body[0].value  # type: ignore[attr-defined]
    assert _quoted_value(call.keywords[0].value) is expected
