"""`kostack fix plan | apply | rollback` and `kostack preflight`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kostack.cli.common import (
    Environment,
    get_env,
    progress,
    read_snapshot,
)
from kostack.cli.fix_support import (
    _confirm,
    _connect,
    _counted,
    _egress,
    _interrupted,
    _journal_error,
    _load_plan,
    _next_steps,
    _options,
    _printer,
    _report_problems,
    _require_ack,
    _snapshot,
    _version,
    lang_option,
    plan_options,
)
from kostack.errors import ApplyError, ConfigError, ExitCode, KostackError
from kostack.report.safe import terminal_safe
from kostack.shell import render

if TYPE_CHECKING:  # the layers below are imported when a command runs: --help stays fast
    from kostack.apply.neutron import Neutron
    from kostack.model import Snapshot
    from kostack.plan.model import Plan

__all__ = ["fix"]


@click.group(
    epilog="""\b
Examples:
  kostack fix plan --snapshot snap.json
  kostack fix plan -o script > fix.sh          # review, then: bash fix.sh
  kostack fix apply --yes --journal fix.journal.jsonl
  kostack fix rollback fix.journal.jsonl --yes
"""
)
def fix() -> None:
    """Plan, apply, verify and roll back the fix for what `kostack diagnose` found.

    The default fix keeps Neutron port security on: allowed address pairs for
    the pod CIDR on every node port that needs them, and security-group rules
    scoped to the cluster for what the CNI and control plane need. Nothing is
    changed without --yes (or a typed confirmation on a terminal); every change
    is conditional on the revision read at planning and journaled, so it can be
    resumed or rolled back.
    """


@fix.command(
    "plan",
    epilog="""\b
Examples:
  kostack fix plan --snapshot examples/seed-incident.json
  kostack fix plan --snapshot snap.json -o json > plan.json
  kostack fix plan --snapshot snap.json -o script > fix.sh
  kostack fix plan --tight --service-cidr
  kostack fix plan --method disable-port-security
""",
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json", "script"]),
    default="text",
    show_default=True,
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Also show each port's fields before the change."
)
@plan_options
@click.pass_context
def plan_cmd(
    ctx: click.Context,
    /,
    output: str,
    verbose: bool,
    snapshot_path: str | None,
    method: str,
    tight: bool,
    service_cidr: bool,
    acknowledged: bool,
    egress_target: str,
    lang: str | None = None,
    **live: Any,
) -> int:
    """Show the changes that fix the diagnosis, verified before anything runs.

    Each change names its target, the root cause it fixes, the revision it
    expects and how to undo it. The plan is checked by re-running the
    diagnosis on the snapshot with the changes applied. -o json is the
    canonical form (`kostack fix apply --plan FILE` applies it as reviewed);
    -o script is an idempotent bash script of `openstack` commands.
    """
    from kostack.cli.fix_text import lang_of
    from kostack.plan.build import build_plan
    from kostack.plan.codec import plan_to_dict
    from kostack.report.fixplan import render_plan, render_script
    from kostack.report.jsonout import dumps

    env = get_env(ctx)
    target = _egress(egress_target)
    snapshot = _snapshot(ctx, snapshot_path, live)
    with progress(env, "cli.progress.planning"):
        plan = build_plan(snapshot, _options(method, tight, service_cidr), egress_target=target)
    if output == "json":
        env.stdout.write(dumps(plan_to_dict(plan, _version())))
    elif output == "script":
        _require_ack(plan, acknowledged, "-o script")
        env.stdout.write(render_script(plan, _version(), lang_of(env)))
    else:
        env.stdout.write(render_plan(plan, verbose=verbose, lang=lang_of(env)))
    return int(ExitCode.OK)


@fix.command(
    "apply",
    epilog="""\b
Examples:
  kostack fix apply --snapshot snap.json                 # dry run: shows the plan
  kostack fix apply --snapshot snap.json --yes --journal fix.journal.jsonl
  kostack fix apply --plan plan.json --snapshot snap.json --yes
  kostack fix apply --journal fix.journal.jsonl --yes    # resume an interrupted apply
""",
)
@click.option(
    "--plan", "plan_path", metavar="FILE", help="Apply this plan (from `fix plan -o json`)."
)
@click.option(
    "--journal",
    "journal_path",
    metavar="FILE",
    help="Journal to write (default kostack-fix-<time>.journal.jsonl); an existing one is resumed.",
)
@click.option("--yes", is_flag=True, help="Apply without asking (the default is a dry run).")
@click.option("--no-verify", is_flag=True, help="Do not re-collect and re-diagnose afterwards.")
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=0.1, max=3600),
    metavar="SECONDS",
    help="Give up on one request after this long (default 30, or $KOSTACK_TIMEOUT).",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0, max=10),
    default=2,
    show_default=True,
    help="Retry a request that got no answer or a 5xx (safe: updates are conditional).",
)
@plan_options
@click.pass_context
def apply_cmd(
    ctx: click.Context,
    /,
    plan_path: str | None,
    journal_path: str | None,
    yes: bool,
    no_verify: bool,
    timeout_s: float | None,
    retries: int,
    snapshot_path: str | None,
    method: str,
    tight: bool,
    service_cidr: bool,
    acknowledged: bool,
    egress_target: str,
    lang: str | None = None,
    **live: Any,
) -> int:
    """Apply the plan: conditional on the revisions read at planning, journaled, verified.

    A dry run unless --yes (or you type the confirmation on a terminal). A
    port changed by someone else since planning stops the run, touching
    nothing more. Exit codes: 0 applied and the root causes are gone, 1
    applied but a root cause remains, 2 bad input, 3 cannot reach or
    authenticate, 5 apply failed (resume or roll back with the journal).
    """
    from kostack.apply.engine import ALREADY, APPLIED, apply_plan
    from kostack.apply.interrupt import RunInterrupted
    from kostack.apply.journal import Journal, JournalError, default_path
    from kostack.cli.fix_text import lang_of, say
    from kostack.plan.build import build_plan
    from kostack.report.fixplan import describe, render_plan

    env = get_env(ctx)
    lang = lang_of(env)
    target = _egress(egress_target)
    jpath = Path(journal_path) if journal_path else None
    snapshot: Snapshot | None = None
    resuming = jpath is not None and jpath.exists()
    if resuming:
        assert jpath is not None
        if plan_path:
            raise ConfigError(
                f"--plan and an existing journal {jpath} were both given",
                "the journal holds its own plan: drop --plan to resume it",
            )
        try:
            with Journal.open(jpath) as journal:
                plan = journal.plan
                rolled_back = journal.rolled_back
                done = {
                    aid for aid, log in journal.logs().items() if log.outcome in (APPLIED, ALREADY)
                }
        except JournalError as exc:
            raise _journal_error(exc) from exc
        if rolled_back:
            raise ConfigError(
                f"journal {jpath} was rolled back; it cannot be resumed",
                "plan again with `kostack fix plan` and apply with a new journal",
            )
        left = [a for a in plan.automatic if a.id not in done]
        resume_line = say(
            env,
            "fixrun.resuming",
            journal=str(jpath),
            digest=plan.digest(),
            done=len(done),
            total=len(plan.automatic),
            left=len(left),
        )
        env.stdout.write(terminal_safe(resume_line + "\n"))
        for a in left:
            env.stdout.write(terminal_safe(f"  {a.id:>3} {describe(a, lang)}\n"))
        if snapshot_path:
            snapshot = read_snapshot(snapshot_path)
        if not left:
            env.stdout.write(say(env, "fixrun.nothing_left") + "\n")
            return int(ExitCode.OK)
    else:
        if plan_path:
            plan = _load_plan(plan_path)
            if snapshot_path:
                snapshot = read_snapshot(snapshot_path)
        else:
            snapshot = _snapshot(ctx, snapshot_path, {**live, "timeout_s": timeout_s})
            with progress(env, "cli.progress.planning"):
                plan = build_plan(
                    snapshot, _options(method, tight, service_cidr), egress_target=target
                )
        env.stdout.write(render_plan(plan, lang=lang))
        if not plan.automatic:
            from kostack.cli.fix_remaining import nothing_to_apply

            return nothing_to_apply(env, plan)
        _require_ack(plan, acknowledged, "applying")
    counts = plan.counts()
    question = say(
        env,
        "fixrun.question",
        ports=counts["ports"],
        groups=counts["security_groups"],
        routers=counts["routers"],
    )
    if not yes and not _confirm(env, "apply", question):
        again = render(["kostack", "fix", "apply", "--journal", str(jpath), "--yes"])
        resume = say(env, "fixrun.dry_resume", command=again) if resuming else ""
        env.stdout.write("\n" + say(env, "fixrun.dry", resume=resume) + "\n")
        return int(ExitCode.OK)
    neutron = _connect(env, live.get("os_cloud"), timeout_s, "fix apply")
    try:
        journal = (
            Journal.open(jpath)  # type: ignore[arg-type]  # resuming implies a path
            if resuming
            else Journal.create(
                jpath or default_path(), plan, version=_version(), cloud=live.get("os_cloud")
            )
        )
    except JournalError as exc:
        raise _journal_error(exc) from exc
    with journal:
        start = say(
            env,
            "fixrun.start",
            what=say(env, "fixrun.resuming_word" if resuming else "fixrun.applying"),
            journal=str(journal.path),
            resume=render(["kostack", "fix", "apply", "--journal", str(journal.path)]),
            undo=render(["kostack", "fix", "rollback", str(journal.path)]),
        )
        env.stdout.write(terminal_safe(f"\n{start}\n"))
        env.activity = f"applying the fix ({_next_steps(journal.path)})"
        try:
            with _counted(env, "cli.progress.applying", len(plan.automatic)) as counted:
                report = apply_plan(
                    journal, neutron, retries=retries, on_event=counted(_printer(env, plan))
                )
        except RunInterrupted as stop:
            raise _interrupted(stop, plan, undo=False) from None
        except OSError as exc:
            raise ApplyError(
                f"cannot write the journal {journal.path}: {exc}",
                "free disk space, then resume with the same --journal",
            ) from exc
    stopped = (
        say(env, "fixrun.stopped", action=report.steps[-1].action_id) if report.problems else ""
    )
    summary = say(
        env,
        "fixrun.summary",
        applied=report.count(APPLIED),
        already=report.count(ALREADY),
        stopped=stopped,
    )
    env.stdout.write(summary + "\n")
    if report.problems:
        return _report_problems(env, report)
    if not resuming and report.count(ALREADY) == len(plan.automatic):
        env.stdout.write(terminal_safe(say(env, "fixrun.already", digest=plan.digest()) + "\n"))
    if no_verify:
        return int(ExitCode.OK)
    return _verify(ctx, env, neutron, plan, snapshot, live)


def _verify(
    ctx: click.Context,
    env: Environment,
    neutron: Neutron,
    plan: Plan,
    snapshot: Snapshot | None,
    live: dict[str, Any],
) -> int:
    """Re-collect OpenStack, re-diagnose, print which root causes are gone and which remain.

    "Before" is the diagnosis of the snapshot read before applying; when there
    is none (`--plan FILE` or a resumed journal without --snapshot), it is the
    plan's own before-state: reading the cloud now would show the fixed state.
    """
    from kostack.analyze.diagnose import diagnose
    from kostack.apply.recollect import recollected_snapshot
    from kostack.cli.fix_text import lang_of, say
    from kostack.plan.build import compare
    from kostack.report.fixplan import render_verification

    before = diagnose(snapshot).root_causes if snapshot is not None else None
    try:
        if snapshot is None:
            snapshot = _snapshot(ctx, None, live)
        with progress(env, "cli.progress.verifying"):
            after = recollected_snapshot(snapshot, neutron.connection)
    except KostackError as err:
        from kostack.analyze.messages import localize

        message = localize(err.message, lang_of(env))
        env.stdout.write(
            terminal_safe("\n" + say(env, "fixrun.not_verified", error=message) + "\n")
        )
        return int(ExitCode.OK)
    verification = compare(
        before if before is not None else plan.verification.before, diagnose(after)
    )
    env.stdout.write("\n")
    env.stdout.write(
        terminal_safe(
            render_verification(
                verification,
                heading=say(env, "fixrun.verified"),
                before_note="" if before is not None else say(env, "fixrun.as_planned"),
                lang=lang_of(env),
            )
        )
    )
    if verification.after:
        from kostack.cli.fix_remaining import by_hand

        by_hand(env, plan, verification.after)
        return int(ExitCode.FINDINGS)
    return int(ExitCode.OK)


@fix.command(
    "rollback",
    epilog="""\b
Examples:
  kostack fix rollback kostack-fix-20261126T101500Z.journal.jsonl        # dry run
  kostack fix rollback kostack-fix-20261126T101500Z.journal.jsonl --yes
""",
)
@click.argument("journal_path", metavar="JOURNAL")
@click.option("--yes", is_flag=True, help="Roll back without asking (the default is a dry run).")
@click.option(
    "--force",
    is_flag=True,
    help="Also restore objects someone changed after kostack did (their change is lost).",
)
@click.option(
    "--os-cloud", metavar="NAME", help="clouds.yaml entry (default: the journal's, OS_*)."
)
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=0.1, max=3600),
    metavar="SECONDS",
    help="Give up on one request after this long (default 30, or $KOSTACK_TIMEOUT).",
)
@lang_option
@click.pass_context
def rollback_cmd(
    ctx: click.Context,
    /,
    journal_path: str,
    yes: bool,
    force: bool,
    os_cloud: str | None,
    timeout_s: float | None,
    lang: str | None = None,
) -> int:
    """Restore every port, group and router the journal's runs changed, exactly as before.

    Works after a complete, a partial or an interrupted apply: what is in doubt
    is re-read first. An object someone changed after kostack is left alone
    (with the command to restore it by hand) unless --force.
    """
    from kostack.apply.engine import rollback_journal, rollback_preview
    from kostack.apply.interrupt import RunInterrupted
    from kostack.apply.journal import Journal, JournalError
    from kostack.cli.fix_text import lang_of, say
    from kostack.report.fixplan import describe

    env = get_env(ctx)
    lang = lang_of(env)
    try:
        journal = Journal.open(Path(journal_path))
    except JournalError as exc:
        raise _journal_error(exc) from exc
    with journal:
        preview = rollback_preview(journal)
        header = journal.records[0]
        cloud = os_cloud or (header.get("cloud") if isinstance(header.get("cloud"), str) else None)
        head = say(
            env,
            "fixrun.rollback_head",
            journal=str(journal.path),
            digest=journal.plan.digest(),
            started=len(preview),
            total=len(journal.plan.automatic),
        )
        env.stdout.write(terminal_safe(head + "\n"))
        if not preview:
            env.stdout.write(say(env, "fixrun.nothing_rollback") + "\n")
            return int(ExitCode.OK)
        for action, state in preview:
            line = f"  {action.id:>3} {state:<19} {describe(action, lang)}\n"
            env.stdout.write(terminal_safe(line))
        if not yes and not _confirm(env, "rollback", say(env, "fixrun.restore_q")):
            env.stdout.write("\n" + say(env, "fixrun.dry_rollback") + "\n")
            return int(ExitCode.OK)
        neutron = _connect(env, cloud, timeout_s, "fix rollback")
        env.stdout.write("\n")
        env.activity = f"rolling back ({_next_steps(journal.path, undo=True)})"
        try:
            with _counted(env, "cli.progress.rolling_back", len(preview)) as counted:
                report = rollback_journal(
                    journal, neutron, force=force, on_event=counted(_printer(env, journal.plan))
                )
        except RunInterrupted as stop:
            raise _interrupted(stop, journal.plan, undo=True) from None
    summary = say(
        env,
        "fixrun.rollback_summary",
        restored=report.count("restored"),
        original=report.count("already-original"),
        untouched=report.count("not-changed"),
    )
    env.stdout.write(summary + "\n")
    if report.problems:
        return _report_problems(env, report)
    return int(ExitCode.OK)
