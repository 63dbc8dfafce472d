"""Carrying out `kostack release reinstall`: the plan shown, then (with --yes) every step run.

The command itself (its options and help) is in cli/release.py; this module is
imported only when it runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kostack.cli import messages as _messages  # noqa: F401  (registers the errors said here)
from kostack.cli.common import Environment
from kostack.cli.defaults import RELEASE_TIMEOUT_S as DEFAULT_TIMEOUT
from kostack.cli.interrupt_text import Msg
from kostack.errors import ConfigError, ExitCode, Interrupted, KostackError
from kostack.oserror import reason
from kostack.report.safe import terminal_safe
from kostack.shell import command, quote, render

if TYPE_CHECKING:
    from kostack.analyze.diagnose import Diagnosis
    from kostack.model import Snapshot
    from kostack.plan.release import ReinstallPlan

# What the API server's audit log sees for the reinstall's deletes and patches.
REINSTALL_USER_AGENT = "kostack (release reinstall)"


class ReinstallBlocked(KostackError):
    """The plan cannot be carried out (network gate, unproven volumes...)."""

    exit_code = ExitCode.FINDINGS


class ReinstallIncomplete(KostackError):
    exit_code = ExitCode.APPLY_FAILED


@dataclass(frozen=True)
class ReinstallRun:
    """How this run talks (language, -o, --yes) and which cluster it acts on."""

    env: Environment
    language: str
    output: str
    yes: bool
    kubeconfig: str | None
    context: str | None


def show_plan(
    run: ReinstallRun,
    snapshot: Snapshot,
    diagnosis: Diagnosis | None,
    *,
    network_note: str,
    values_file: str | None,
    **choices: Any,
) -> ReinstallPlan:
    """Build the plan and print it (JSON only when nothing will follow); blocked: raise."""
    from kostack.cli.main import version
    from kostack.plan.release import blocked_error, build_reinstall_plan
    from kostack.report.jsonout import in_language
    from kostack.report.release_plan_text import plan_dict, render_plan
    from kostack.report.release_text import dumps

    env, language = run.env, run.language
    plan = build_reinstall_plan(
        snapshot,
        diagnosis,
        values_file=values_file,
        install_settings=_install_settings(values_file),
        network_note=network_note,
        **choices,
    )
    now = env.clock()
    total = sum(
        1
        for p in (snapshot.helm.pvcs or () if snapshot.helm else ())
        if p.namespace in plan.from_namespaces
    )
    if run.output == "json":
        if not run.yes or plan.blocked or not plan.actions:
            env.stdout.write(dumps(in_language(plan_dict(plan, version(), language), language)))
    else:
        env.stdout.write(
            render_plan(plan, now=now, lang=language, dry_run=not run.yes, total_pvcs=total)
        )
    if plan.blocked:
        raise ReinstallBlocked(*blocked_error(plan.blockers))
    return plan


def carry_out(
    run: ReinstallRun,
    client: Any,
    plan: ReinstallPlan,
    journal_path: str | None,
) -> None:
    """Run every step of the plan, journaled; print the result; stopped or failed: raise."""
    from kostack.apply.release import (
        Reinstaller,
        ReleaseJournal,
        SubprocessHelm,
        default_journal_path,
        find_helm,
    )
    from kostack.cli.console import steps
    from kostack.cli.main import version
    from kostack.cli.messages import say
    from kostack.report.jsonout import in_language
    from kostack.report.release_plan_text import apply_dict, plan_dict, render_apply, render_step
    from kostack.report.release_text import dumps

    env, language, output = run.env, run.language, run.output
    name, namespace = plan.release, plan.namespace
    # the client read the cluster as the collector; its writes say what they are
    client.user_agent = REINSTALL_USER_AGENT
    helm_path = find_helm(env.environ)
    runner = (
        SubprocessHelm(helm_path, run.kubeconfig, run.context, env.environ) if helm_path else None
    )
    path = Path(journal_path) if journal_path else default_journal_path(name)
    again = _again(plan, path)
    env.activity = Msg("act.reinstalling", release=f"{namespace}/{name}", next=again)
    with (
        ReleaseJournal(path) as journal,
        _interrupt_message(plan, again),
        steps(env, say(language, "cli.progress.reinstall_step", step=name)) as progress,
    ):
        describe = progress.describe

        def notice(line: str) -> None:
            describe(terminal_safe(line))
            progress.say(terminal_safe(line), env.stderr)  # its own line, not the spinner's

        def echo(line: str) -> None:
            # each step also names itself on the progress line (it may wait minutes)
            describe(say(language, "cli.progress.reinstall_step", step=terminal_safe(line)))
            if output == "text":
                _echo(env, line)

        result = Reinstaller(
            client,
            runner,
            journal,
            echo=echo,
            notice=notice,
            kubeconfig=run.kubeconfig,
            context=run.context,
            lang=language,
        ).run(plan, version())
    if output == "json":
        done = {**plan_dict(plan, version(), language), "result": apply_dict(result)}
        env.stdout.write(dumps(in_language(done, language)))
    else:
        env.stdout.write("\n" + render_apply(result, lang=language))
    if result.status == "stopped":
        step = next((s for s in result.steps if s.outcome == "manual"), None)
        if output == "text" and step is not None:
            env.stdout.write(render_step(step, language))
    if result.status in ("stopped", "failed"):
        raise ReinstallIncomplete(
            Msg(f"cli.reinstall.{result.status}", reason=result.reason),
            Msg(f"cli.reinstall.{result.status}-hint", path=str(path)),
        )


def _again(plan: ReinstallPlan, journal: Path) -> str:
    """What to run after an interrupted reinstall: the same choices, so the same plan."""
    name, namespace = plan.release, plan.namespace
    check = render(command(["kostack", "release", "check"], [name], ["--namespace", namespace]))
    options = ["--namespace", namespace, "--chart", plan.chart]
    options += ["--values", plan.values_file] if plan.values_file else []
    options += [part for ns in plan.asked for part in ("--from", ns)]
    options += ["--discard-data"] if plan.discard_data else []
    options += ["--timeout", str(plan.timeout)] if plan.timeout != DEFAULT_TIMEOUT else []
    again = render(command(["kostack", "release", "reinstall"], [name], [*options, "--yes"]))
    return Msg("act.next.release", journal=quote(str(journal)), check=check, again=again)


@contextlib.contextmanager
def _interrupt_message(plan: ReinstallPlan, again: str) -> Iterator[None]:
    """Ctrl-C during the reinstall: which step was in flight and whether it landed."""
    from kostack.apply.interrupt import RunInterrupted

    try:
        yield
    except RunInterrupted as stop:
        flight = stop.in_flight
        done = stop.finished
        if done is not None and (flight is None or stop.action is None):
            what: str = Msg(
                "rel.int.finished",
                step=done.action.step,
                op=f"{done.action.op} {done.action.target.label()}",
                outcome=Msg(f"rel.out.{done.outcome}"),
            )
        elif flight is None or stop.action is None:
            what = Msg("rel.int.none")
        else:
            state = {True: "fix.int.landed", False: "fix.int.not-landed", None: "rel.int.untold"}
            step = stop.action
            what = Msg(
                "rel.int.flight",
                step=flight.step,
                op=f"{step.op} {step.target.label()}",
                state=Msg(state[flight.landed]),
                seen=flight.seen,
            )
        params = again.params if isinstance(again, Msg) else {}
        raise Interrupted(
            Msg(
                "rel.int",
                release=f"{plan.namespace}/{plan.release}",
                what=what,
                done=stop.done,
                total=stop.total,
            ),
            Msg("rel.int.hint", **params) if params else again,
        ) from None


def _install_settings(values_file: str | None) -> dict[str, str]:
    """Only the naming/persistence settings of the new values (the rest may hold secrets)."""
    import yaml

    from kostack.collect.helm import Scrubber, settings_of

    if not values_file:
        return {}
    try:
        with open(values_file, encoding="utf-8") as stream:
            values = yaml.safe_load(stream) or {}
    except (OSError, yaml.YAMLError) as exc:
        why = reason(exc) if isinstance(exc, OSError) else type(exc).__name__
        raise ConfigError(
            Msg("cli.reinstall.values-unread", path=values_file, why=why),
            Msg("cli.reinstall.values-hint"),
        ) from exc
    if not isinstance(values, dict):
        raise ConfigError(
            Msg("cli.reinstall.values-not-map", path=values_file), Msg("cli.reinstall.values-hint")
        )
    Scrubber().learn(values)  # its passwords and keys reach no output of this run
    return settings_of(values, {})


def _echo(env: Environment, line: str) -> None:
    env.stdout.write(terminal_safe(line) + "\n")
