"""The `kostack` command line. The CLI wires the layers; nothing else does I/O."""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from typing import IO, cast

import click

from kostack.catalog import LANGS
from kostack.cli._options import lang_option, options
from kostack.cli.common import Environment, fail, interrupted, library_logs, remember_environ
from kostack.cli.console import CHOICES, emit_err, language
from kostack.cli.lazy import LazyGroup
from kostack.errors import ConfigError, ExitCode, KostackError
from kostack.redact import RedactingStream


def version() -> str:
    from importlib import metadata  # imported late: only --version and JSON output need it

    try:
        return metadata.version("kostack")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        env = ctx.find_object(Environment)  # English stays click's words: scripts parse it
        korean = env is not None and language(env) == "ko"
        click.echo(("kostack 버전 {}" if korean else "kostack, version {}").format(version()))
        ctx.exit()


# The options every command shares (given before the command name).
_GLOBAL_OPTIONS = (
    click.option(
        "--version",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_print_version,
        help="Show the version and exit.",
    ),
    click.option(
        "--debug",
        is_flag=True,
        help="Show tracebacks and the client libraries' log (credentials redacted).",
    ),
    click.option(
        "--context",
        "kube_context",
        metavar="NAME",
        help="kubeconfig context for every command (as in `kubectl kostack --context prod diagnose`).",
    ),
    click.option("--kubeconfig", metavar="FILE", help="kubeconfig file for every command."),
    click.option(
        "--color",
        type=click.Choice(CHOICES),
        default="auto",
        envvar="KOSTACK_COLOR",
        show_default=True,
        help="Colour results by severity: auto = on a terminal unless NO_COLOR is set "
        "(never in json, junit, sarif or scripts).",
    ),
    click.option(
        "--progress",
        type=click.Choice(CHOICES),
        default="auto",
        envvar="KOSTACK_PROGRESS",
        show_default=True,
        help="Progress on stderr for steps that take a while (one line per diagnosis phase): "
        "auto = when stderr is a terminal and the output is not json, junit or sarif.",
    ),
    lang_option(
        "Language of every command's results and errors, as KOSTACK_LANG sets it "
        "(a command's own --lang wins)."
    ),
)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example:\n\n  kostack diagnose --snapshot examples/seed-incident.json",
)
@options(*_GLOBAL_OPTIONS)
@click.pass_context
def cli(
    ctx: click.Context,
    debug: bool,
    kube_context: str | None,
    kubeconfig: str | None,
    color: str,
    progress: str,
    lang: str | None,
) -> None:
    """Find why pods cannot talk on Kubernetes-on-OpenStack, and fix it safely.

    kostack reads your OpenStack project (Neutron ports, security groups,
    networks, routers) and your cluster (nodes, CNI, services), explains hop by
    hop which rule drops which flow, and plans the fix. Nothing is changed
    without --yes.
    """
    env = ctx.obj if isinstance(ctx.obj, Environment) else Environment()
    env.debug = env.debug or debug
    env.color, env.progress = color, progress
    if lang:  # `kostack --lang ko diagnose`: what KOSTACK_LANG=ko does, for this run only
        from kostack.report.i18n import LANG_VAR

        env.environ = {**env.environ, LANG_VAR: lang}
    ctx.obj = env
    # kubectl does not pass its own flags to a plugin: `kubectl kostack --context X diagnose`
    # puts them here, and they become the defaults of every command that takes them
    # (a command's own --context still wins).
    given = {"kube_context": kube_context, "kubeconfig": kubeconfig}
    defaults = {name: value for name, value in given.items() if value}
    if defaults and isinstance(ctx.command, click.Group):
        ctx.default_map = _defaults_for(ctx, ctx.command, defaults)


def _defaults_for(
    ctx: click.Context, group: click.Group, defaults: dict[str, str]
) -> dict[str, object]:
    """A click default_map giving ``defaults`` to every subcommand that has those parameters."""
    out: dict[str, object] = {}
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None:
            continue
        own: dict[str, object] = {
            p.name: defaults[p.name] for p in command.params if p.name in defaults
        }
        if isinstance(command, click.Group):
            own.update(_defaults_for(ctx, command, defaults))
        if own:
            out[name] = own
    return out


def main(
    argv: Sequence[str] | None = None,
    env: Environment | None = None,
    prog_name: str = "kostack",
) -> int:
    """Run kostack; returns the exit code (0 ok, 1 findings, 2 usage, ...; README.md lists them all).

    Everything the command writes to the environment's streams, to sys.stdout
    and sys.stderr, and every library log record, passes through the redactor
    (kostack.redact): no code path can print a credential.
    """
    env = env or Environment()
    args = list(sys.argv[1:] if argv is None else argv)
    remember_environ(env.environ)
    real_out, real_err = env.stdout, env.stderr
    env.stdout, env.stderr = _redacting(real_out), _redacting(real_err)
    try:
        with (
            contextlib.redirect_stdout(env.stdout),
            contextlib.redirect_stderr(env.stderr),
            library_logs(env.stderr, _log_level(args)),
        ):
            return _run(args, env, prog_name)
    finally:
        for stream in (env.stdout, env.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        env.stdout, env.stderr = real_out, real_err


def _redacting(stream: IO[str]) -> IO[str]:
    return stream if isinstance(stream, RedactingStream) else cast(IO[str], RedactingStream(stream))


def _log_level(args: Sequence[str]) -> int | None:
    """Which library log records reach stderr: all with --debug, warnings with -v, else none."""
    words = list(itertools.takewhile(lambda a: a != "--", args))
    if "--debug" in words:
        return logging.DEBUG
    if "-v" in words or "--verbose" in words:
        return logging.WARNING
    return None


def _lang_in(args: Sequence[str]) -> str | None:
    """The --lang the command line gives, read before click parses it (for click's own errors)."""
    words = list(itertools.takewhile(lambda a: a != "--", args))
    for i, word in enumerate(words):
        if word == "--lang" and i + 1 < len(words):
            return words[i + 1]
        if word.startswith("--lang="):
            return word.partition("=")[2]
    return None


def _run(args: list[str], env: Environment, prog_name: str) -> int:
    given = _lang_in(args)  # one kostack does not speak (--lang xx) leaves it to the locale
    env.lang = env.lang or (given if given in LANGS else None)
    try:
        result = cli.main(
            args=args,
            prog_name=prog_name,
            complete_var="_KOSTACK_COMPLETE",
            standalone_mode=False,
            obj=env,
        )
    except KostackError as err:
        if env.debug:
            traceback.print_exc(file=env.stderr)
        return fail(env, err)
    except (click.exceptions.Abort, KeyboardInterrupt) as exc:
        return interrupted(env, exc)
    except click.ClickException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" and getattr(exc, "ctx", None) is not None:
            # `kostack` or `kostack fix` alone (click >= 8.2): the help is the answer, not an
            # error; exit 2 as click does
            emit_err(env, exc.ctx.get_help() + "\n")  # type: ignore[attr-defined]
            return int(ExitCode.USAGE)
        from kostack.analyze.messages import Msg
        from kostack.cli.errors_text import click_error  # registers the hints too
        from kostack.shell import render

        # a subcommand's usage error points at that subcommand's help
        ctx = getattr(exc, "ctx", None)
        hint = (
            Msg("cli.err.usage_hint_for", command=render([*ctx.command_path.split(), "--help"]))
            if ctx is not None and ctx.parent is not None
            else Msg("cli.err.usage_hint")
        )
        if language(env) == "en":
            emit_err(env, f"error: {exc.format_message()}\n")
            emit_err(env, f"hint: {hint.render('en')}\n")
            return int(ExitCode.USAGE)
        return fail(env, ConfigError(click_error(exc), hint))
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except Exception as exc:
        if env.debug:
            traceback.print_exc(file=env.stderr)
        if language(env) == "en":
            env.stderr.write(f"error: internal error: {type(exc).__name__}: {exc}\n")
            env.stderr.write("hint: rerun with --debug and report the traceback\n")
            return int(ExitCode.INTERNAL)
        from kostack.analyze.messages import Msg
        from kostack.cli import errors_text  # noqa: F401  (registers the messages)

        error = Msg("cli.err.internal", error=f"{type(exc).__name__}: {exc}")
        fail(env, ConfigError(error, Msg("cli.hint.internal")))
        return int(ExitCode.INTERNAL)
    return int(result) if isinstance(result, int) else 0


# Commands that run for days. CPython's small-object allocator keeps a 256 KiB arena
# as long as one object in it lives, so a process that builds and frees a whole
# diagnosis every cycle creeps up in RSS with no object retained (measured at 5,000
# nodes: 98 -> 199 MB over 100 watch cycles, Python-level memory flat; the same with
# PYTHONMALLOC=malloc: flat). They run on the C allocator instead (docs/watch.md).
LONG_RUNNING = frozenset({"watch", "guard"})
ALLOCATOR_VAR = "PYTHONMALLOC"


def long_running_reexec(
    argv: Sequence[str], environ: Mapping[str, str], orig_argv: Sequence[str]
) -> list[str] | None:
    """The command line to re-execute this process with for a long-running command
    (on the C allocator), or None: not such a command, or PYTHONMALLOC already chosen.

    ``argv`` is sys.argv (the command's words), ``orig_argv`` sys.orig_argv (the
    interpreter's own, which keep ``-c CODE`` or the script's path).
    """
    if environ.get(ALLOCATOR_VAR) or not argv or len(orig_argv) < 2:
        return None
    if _command_of(argv[1:]) not in LONG_RUNNING:
        return None
    return [sys.executable, *orig_argv[1:]]


def _command_of(args: Sequence[str]) -> str | None:
    """The command word of a command line: the first word that is neither a global option
    nor the value of one."""
    takes_value = {
        name
        for param in cli.params
        if isinstance(param, click.Option) and not param.is_flag and not param.count
        for name in param.opts
    }
    words = iter(args)
    for word in words:
        if word == "--":
            return next(words, None)
        if word in takes_value:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def entrypoint() -> None:
    # installed twice: as `kostack`, and as `kubectl-kostack` so that `kubectl kostack` finds it
    again = long_running_reexec(sys.argv, os.environ, sys.orig_argv)
    if again is not None:
        with contextlib.suppress(OSError):  # no exec (a frozen binary): run on as we are
            os.execve(sys.executable, again, {**os.environ, ALLOCATOR_VAR: "malloc"})
    invoked_as = os.path.basename(sys.argv[0]) if sys.argv else ""
    # The whole process writes through the redactor, also after main() returns (a
    # library thread's traceback, a warning printed at exit).
    sys.stdout, sys.stderr = _redacting(sys.stdout), _redacting(sys.stderr)
    code = main(prog_name="kubectl kostack" if invoked_as.startswith("kubectl-") else "kostack")
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
        sys.stderr.flush()
    if code == ExitCode.INTERRUPTED:
        # Ctrl-C: be gone at once. Tearing down the interpreter (thousands of modules of the
        # cloud clients, threads abandoned mid-request) takes a second or more; the exit
        # handlers (e.g. the kubernetes client removing its temporary key files) still run.
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
            sys.stderr.flush()
        atexit._run_exitfuncs()
        os._exit(code)
    sys.exit(code)
