"""What the `kostack fix` commands share: plan options, loading, confirming, connecting,
printing progress and the next steps (split out of `kostack.cli.fix`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from kostack.catalog import Msg
from kostack.cli._options import egress_target_option, setting, snapshot_option
from kostack.cli._options import lang_option as _lang_option
from kostack.cli.common import (
    Environment,
    F,
    fail,
    openstack_needed,
    request_timeout,
)
from kostack.cli.defaults import FIX_DEFAULT_METHOD, FIX_METHODS
from kostack.cli.diagnose import live_options
from kostack.errors import ApplyError, ConfigError, Interrupted
from kostack.oserror import literal, reason
from kostack.report.safe import terminal_safe
from kostack.shell import render

if TYPE_CHECKING:  # the layers below are imported when a command runs: --help stays fast
    from kostack.apply.engine import Event, RunReport
    from kostack.apply.interrupt import RunInterrupted
    from kostack.apply.journal import JournalError
    from kostack.apply.neutron import Neutron
    from kostack.plan.model import Plan, PlanOptions

__all__ = [
    "ACK_FLAG",
    "_confirm",
    "_connect",
    "_counted",
    "_interrupted",
    "_journal_error",
    "_load_plan",
    "_next_steps",
    "_options",
    "_printer",
    "_report_problems",
    "_require_ack",
    "_version",
    "apply_command",
    "lang_option",
    "plan_options",
]

ACK_FLAG = "--i-understand-this-disables-filtering"


def _version() -> str:
    from kostack.cli.main import version

    return version()


def lang_option(f: F) -> F:
    """--lang, as diagnose has it (default: KOSTACK_LANG, else the locale)."""
    return cast(F, _lang_option("Language (default: KOSTACK_LANG, else the locale).")(f))


def plan_options(f: F) -> F:
    """What the plan is built from and how (shared by `fix plan` and `fix apply`)."""
    f = lang_option(f)
    f = egress_target_option()(f)
    f = click.option(
        ACK_FLAG,
        "acknowledged",
        is_flag=True,
        help="Required with --method disable-port-security: you accept that the node ports "
        "lose anti-spoofing and every security group.",
    )(f)
    f = click.option(
        "--service-cidr/--no-service-cidr",
        "service_cidr",
        default=False,
        show_default=True,
        help="Also add the service CIDR as an allowed pair. Not needed for traffic (service "
        "IPs never leave a node as a source); off by default, as diagnose advises.",
    )(f)
    f = click.option(
        "--tight",
        is_flag=True,
        help="Allowed pairs for only the pod blocks each node owns, not the whole pod CIDR.",
    )(f)
    f = setting(
        "--method",
        click.Choice(FIX_METHODS),
        FIX_DEFAULT_METHOD,
        "pairs: allowed address pairs and scoped rules, port security stays on. "
        "disable-port-security: fast, drops all filtering on the node ports.",
    )(f)
    f = snapshot_option("Plan from a snapshot instead of collecting live.")(f)
    return live_options(f)


def _options(method: str, tight: bool, service_cidr: bool) -> PlanOptions:
    from kostack.plan.model import Method, PlanOptions

    return PlanOptions(Method(method), tight=tight, service_cidr=service_cidr)


def _require_ack(plan: Plan, acknowledged: bool, doing: str) -> None:
    from kostack.plan.model import Method

    if plan.options.method == Method.DISABLE_PORT_SECURITY and plan.automatic and not acknowledged:
        from kostack.cli import fix_text  # noqa: F401  (registers the words said here)

        key = "fix.err.ack-script" if doing == "-o script" else "fix.err.ack-apply"
        raise ConfigError(Msg(key, flag=ACK_FLAG), Msg("fix.hint.ack"))


def _load_plan(path: str) -> Plan:
    from kostack.cli import errors_text  # noqa: F401  (registers the parser's words)
    from kostack.plan.codec import PlanFormatError, plan_from_dict

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(Msg("plan.err.no-file", path=path), Msg("plan.hint.no-file")) from None
    except OSError as exc:
        raise ConfigError(Msg("plan.err.cannot-read", path=path, why=reason(exc))) from exc
    except ValueError as exc:  # not JSON (or not UTF-8): the parser's words, quoted in Korean
        why = Msg("snap.not-json", why=str(exc))
        raise ConfigError(Msg("plan.err.cannot-read", path=path, why=why)) from exc
    try:
        return plan_from_dict(doc, path)
    except PlanFormatError as exc:
        raise ConfigError(exc.message, exc.hint) from exc


def _journal_error(exc: JournalError) -> ConfigError:
    return ConfigError(exc.message, exc.hint)


def _confirm(env: Environment, word: str, question: str) -> bool:
    """A typed confirmation, only on a terminal."""
    from kostack.cli.fix_text import say

    if not (env.stdin_isatty and env.stdout_isatty):
        return False
    ask = say(env, "fixrun.type-to-go-on", question=question, word=repr(word))
    answer = click.prompt(ask, default="", show_default=False, err=True)
    return str(answer).strip() == word


def _printer(env: Environment) -> Callable[[Event], None]:
    from kostack.analyze.messages import CATALOG
    from kostack.analyze.messages import localize as L
    from kostack.cli.fix_text import lang_of, say
    from kostack.report.cells import cells, pad, wrap
    from kostack.report.fixplan import describe

    lang = lang_of(env)

    def show(event: Event) -> None:
        if event.stage != "result":
            return
        shown = event.message and event.outcome != "failed"
        extra = f" ({L(event.message, lang)})" if shown else ""
        undo = say(env, "fixrun.undo") if event.phase == "undo" else ""
        what = undo + describe(event.action, lang)
        key = f"fixrun.outcome.{event.outcome}"
        outcome = pad(say(env, key) if key in CATALOG else event.outcome, 16)
        head = f"  {event.action.id:>3} {outcome} "
        lines = wrap(f"{what}{extra}", " " * cells(head), first=head)  # under what it did
        env.stdout.write(terminal_safe("\n".join(lines) + "\n"))
        env.stdout.flush()

    return show


@contextmanager
def _counted(
    env: Environment, key: str, total: int
) -> Iterator[Callable[[Callable[[Event], None]], Callable[[Event], None]]]:
    """Progress on stderr counting the actions done, around an event printer."""
    from kostack.cli.console import language, steps
    from kostack.cli.messages import say
    from kostack.report.fixplan import describe

    lang = language(env)
    title = say(lang, key)
    with steps(env, title, total) as bar:

        def wrap(printer: Callable[[Event], None]) -> Callable[[Event], None]:
            def on_event(event: Event) -> None:
                if event.stage == "intent":
                    bar.describe(f"{title}: {terminal_safe(describe(event.action, lang))}")
                printer(event)
                if event.stage == "result":
                    bar.advance()

            return on_event

        yield wrap


def _connect(
    env: Environment, os_cloud: str | None, timeout_s: float | None, purpose: str
) -> Neutron:
    """A Neutron client that has authenticated: refused or unreachable is exit 3, before any
    journal is written. Its User-Agent says what the requests are for (`kostack (fix apply)`)."""
    from kostack.apply.neutron import Neutron
    from kostack.collect.openstack import current_project, open_connection

    timeout_s = request_timeout(timeout_s, env.environ)
    way = "cli.way.fix_rollback" if purpose == "fix rollback" else "cli.way.fix_apply"
    with openstack_needed(
        env, way, command=render(["kostack", "fix", "plan", "--snapshot", "FILE"])
    ):
        conn = open_connection(os_cloud, environ=env.environ, timeout_s=timeout_s, purpose=purpose)
    current_project(conn)
    return Neutron(conn, timeout_s=timeout_s)


def _next_steps(journal: Path, *, undo: bool = False) -> str:
    from kostack.cli.interrupt_text import Msg

    rollback = render(["kostack", "fix", "rollback", str(journal), "--yes"])
    if undo:
        return Msg("act.next.rollback", rollback=rollback)
    resume = render(["kostack", "fix", "apply", "--journal", str(journal), "--yes"])
    return Msg("act.next.fix", resume=resume, rollback=rollback)


# options of `fix plan` that say nothing about what the plan is built from
_NOT_CARRIED = frozenset({"output", "verbose", "lang", "color", "progress"})


def apply_command(ctx: click.Context) -> str:
    """`kostack fix apply` with the options this `fix plan` was typed with that build the plan
    (snapshot, method, cloud, context...), quoted to paste: it plans the same way again."""
    from click.core import ParameterSource

    words = [*ctx.find_root().command_path.split(), "fix", "apply"]
    for param in ctx.command.params:
        name = param.name or ""
        source = ctx.get_parameter_source(name)
        if name in _NOT_CARRIED or source is not ParameterSource.COMMANDLINE:
            continue
        value = ctx.params.get(name)
        if isinstance(param, click.Option) and param.is_flag:
            opts = param.opts if value else param.secondary_opts
            words += [max(opts, key=len)] if opts else []
        elif value is not None:
            words += [max(param.opts, key=len), str(value)]
    return render(words)


def _interrupted(stop: RunInterrupted, plan: Plan, *, undo: bool) -> Interrupted:
    """Ctrl-C during apply or rollback: what was in flight, whether it landed, what next."""
    from kostack.catalog import register
    from kostack.cli.interrupt_text import Msg
    from kostack.report.fixplan import describe

    flight = stop.in_flight
    if flight is None:
        what = Msg("fix.int.none")
    else:
        state = {True: "landed", False: "not-landed", None: "maybe"}[flight.landed]
        action = plan.action(flight.step)
        key = f"fix.int.change.{flight.step}"  # the action's own words, in both languages
        register({key: {lang: literal(describe(action, lang)) for lang in ("en", "ko")}})
        what = Msg(
            "fix.int.flight",
            step=flight.step,
            change=Msg(key),
            state=Msg(f"fix.int.{state}"),
            seen=flight.seen,
        )
    return Interrupted(
        Msg(
            "fix.int.rollback" if undo else "fix.int.apply",
            what=what,
            done=stop.done,
            total=stop.total,
        ),
        Msg("fix.int.hint", journal=stop.journal, next=_next_steps(stop.journal, undo=undo)),
    )


def _report_problems(env: Environment, report: RunReport) -> int:
    for problem in report.problems[:-1]:
        fail(env, ApplyError(problem.line, problem.hint))  # printed in the command's language
    last = report.problems[-1]
    raise ApplyError(last.line, last.hint)
