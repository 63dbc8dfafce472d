"""The top-level command group, loading each command's module only when that command runs.

`kostack --help`, `kostack --version` and TAB completion of the command names
import click and this file only: the commands' one-line summaries are listed
here (tests/foundation/test_startup.py checks they match each command's own
help), and a command's module (with the layers it needs: the model, the
analysis, the cloud clients) is imported when the command is looked up to
run, to show its own --help, or to complete its options.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives (no module: another distribution's entry point, named `attr`),
    and the first paragraph of its help (for listings)."""

    module: str
    attr: str
    summary: str


# Name -> where it lives. Order does not matter: click lists commands by name.
COMMANDS: dict[str, LazyCommand] = {
    "diagnose": LazyCommand(
        "kostack.cli.diagnose", "diagnose", "Find the root cause of pod networking failures."
    ),
    "trace": LazyCommand(
        "kostack.cli.diagnose",
        "trace",
        "Trace one flow hop by hop and say which rule decides it.",
    ),
    "collect": LazyCommand(
        "kostack.cli.collect",
        "collect",
        "Read OpenStack and Kubernetes (read-only) and write a snapshot.",
    ),
    "fix": LazyCommand(
        "kostack.cli.fix",
        "fix",
        "Plan, apply, verify and roll back the fix for what `kostack diagnose` found.",
    ),
    "preflight": LazyCommand(
        "kostack.cli.preflight",
        "preflight",
        "Check a cluster before it is built: what would break, and the ports to create.",
    ),
    "probe": LazyCommand(
        "kostack.cli.probe",
        "probe",
        "Probe the pod network for real and compare it with the static model.",
    ),
    # the network lab ships on its own (kostack-lab): found by its entry point, kostack.cli.parts
    "lab": LazyCommand(
        "",
        "lab",
        "Build, probe and tear down a network lab that behaves like the incident's cloud.",
    ),
    "release": LazyCommand(
        "kostack.cli.release",
        "release",
        "Stateful Helm releases (such as Harbor): what is wrong, and a clean reinstall.",
    ),
    "report": LazyCommand(
        "kostack.cli.report",
        "report",
        "Write the incident report: what was seen, why, what was checked, what was done, "
        "what to learn.",
    ),
    "watch": LazyCommand(
        "kostack.cli.watch",
        "watch",
        "Run continuously: collect, diagnose and probe every interval; serve Prometheus metrics.",
    ),
    "guard": LazyCommand(
        "kostack.cli.guard",
        "guard",
        "Keep node ports right as nodes come and go: audit drift, or enforce with a safety net.",
    ),
    "completion": LazyCommand(
        "kostack.cli.completion",
        "completion",
        "Print the completion script for SHELL (bash or zsh).",
    ),
}


def load_command(name: str) -> click.Command | None:
    """The command called `name`, importing its module (None if this build lacks it)."""
    entry = COMMANDS.get(name)
    if entry is None:
        return None
    if entry.module:
        try:
            module = importlib.import_module(entry.module)
        except ModuleNotFoundError as exc:
            if exc.name == entry.module:
                return None  # that part of kostack is not built into this version
            raise
        command = getattr(module, entry.attr)
    else:  # another distribution's; a stand-in saying what to install when it is not there
        from kostack.cli import parts

        command = parts.entry_point(parts.COMMANDS, entry.attr) or parts.missing_command(name)
    if not isinstance(command, click.Command):
        where = f"{entry.module}.{entry.attr}" if entry.module else f"entry point {entry.attr}"
        raise TypeError(f"{where} is not a click command")
    _add_console_options(command)
    return command


def _set_console(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """`--color`/`--progress` given after the command: it wins over the top-level one."""
    from kostack.cli.common import get_env

    if value is not None and param.name is not None:
        setattr(get_env(ctx), param.name, value)


def _add_console_options(command: click.Command) -> None:
    """Accept `--color` and `--progress` after any command too (`kostack diagnose --color never`),
    and say its help in Korean when the language is."""
    from kostack.cli.console import CHOICES

    command.context_class = HelpContext
    names = {opt for p in command.params for opt in getattr(p, "opts", ())}
    for flag, what in (
        ("--color", "Colour results by severity"),
        ("--progress", "Progress on stderr"),
    ):
        if flag not in names:
            command.params.append(
                click.Option(
                    [flag],
                    type=click.Choice(CHOICES),
                    expose_value=False,
                    callback=_set_console,
                    help=f"{what} (same as the top-level {flag}; default auto).",
                )
            )
    if not isinstance(command.shell_complete, functools.partial):  # described in the language
        command.shell_complete = functools.partial(_completed, command.shell_complete)  # type: ignore[method-assign]
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _add_console_options(sub)
    elif command.callback is not None and not getattr(command.callback, "_kostack_console", False):
        command.callback = _with_colored_stdout(command.callback)


def _with_colored_stdout(callback: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command with its text results coloured (kostack.cli.console decides when)."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        from kostack.cli.common import get_env
        from kostack.cli.console import colored_stdout, for_programs, is_machine_output

        ctx = click.get_current_context()
        top = ctx
        while top.parent is not None and top.parent.parent is not None:
            top = top.parent
        machine = is_machine_output(top.info_name or "", ctx.params)
        env = get_env(ctx)
        env.for_programs = for_programs(ctx.params)
        lang = ctx.params.get("lang")
        env.lang = lang if isinstance(lang, str) else env.lang
        with colored_stdout(env, machine=machine):
            return callback(*args, **kwargs)

    run._kostack_console = True  # type: ignore[attr-defined]  # marks a wrapped callback
    return run


def _completed(
    complete: Callable[[click.Context, str], list[CompletionItem]], ctx: click.Context, word: str
) -> list[CompletionItem]:
    return said_in_language(ctx, complete(ctx, word))


def said_in_language(ctx: click.Context, items: list[CompletionItem]) -> list[CompletionItem]:
    """``items`` (what TAB completes at ``ctx``) described in Korean when the language is."""
    if isinstance(ctx, HelpContext) and ctx.korean():
        from kostack.cli.help_ko import korean_completions

        return korean_completions(ctx, items)
    return items


class HelpContext(click.Context):
    """A command's context whose help (and what TAB completes) is Korean when the language is
    (cli/help_ko.py)."""

    def korean(self) -> bool:
        """kostack's rule (report.i18n.detect_lang); a --lang on the command line being
        completed counts too (completion reads no argv), the command's own first."""
        from kostack.cli.common import Environment, detect_lang

        env = self.find_object(Environment)
        ctx: click.Context | None = self
        while ctx is not None and not ctx.params.get("lang"):
            ctx = ctx.parent
        given = ctx.params["lang"] if ctx is not None else None
        return env is not None and detect_lang(given or env.lang, env.environ) == "ko"

    @contextlib.contextmanager
    def scope(self, cleanup: bool = True) -> Iterator[click.Context]:
        """click's parser raises some usage errors (`--timeout` with no value) with no context,
        so their hint could not name this command's help: this command is where they arose."""
        try:
            with super().scope(cleanup) as ctx:
                yield ctx
        except click.UsageError as exc:
            exc.ctx = exc.ctx or self
            raise

    def get_help(self) -> str:
        if self.korean():
            from kostack.cli.help_ko import korean_help

            return korean_help(self)
        return super().get_help()


class LazyGroup(click.Group):
    """A click group whose commands are imported on first use (see the module docstring)."""

    context_class = HelpContext

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None:
            command = load_command(cmd_name)
            if command is not None:
                self.commands[cmd_name] = command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The `Commands:` section from the summaries above, importing nothing."""
        names = self.list_commands(ctx)  # never empty: COMMANDS is not
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, self._short_help(name, limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Command names (with their summaries) and the group's options, importing nothing."""
        from click.shell_completion import CompletionItem

        items = [
            CompletionItem(name, help=self._short_help(name, 45))
            for name in self.list_commands(ctx)
            if name.startswith(incomplete)
        ]
        # click.Command's completion of this group's own options (Group's would load every command)
        items.extend(click.Command.shell_complete(self, ctx, incomplete))
        return said_in_language(ctx, items)

    def _short_help(self, name: str, limit: int) -> str:
        loaded = self.commands.get(name)
        if loaded is not None:
            return loaded.get_short_help_str(limit)
        # click's own shortening, on a stand-in that has only the summary
        return click.Command(name, help=COMMANDS[name].summary).get_short_help_str(limit)
