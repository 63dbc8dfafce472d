"""The bodies of `kostack fix apply` and `kostack fix rollback` (split out of `kostack.cli.fix`).

`kostack.cli.fix` keeps the commands (options, help); here is what they do:
load or resume the plan, confirm, apply or roll back through the journal,
then verify, or, with --no-verify, answer by the plan's own check: a root
cause the plan says remains is exit 1, with the steps to do by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kostack.cli._options import options as stack
from kostack.cli._options import request_timeout_option, setting
from kostack.cli.common import Environment, get_env, progress, read_snapshot
from kostack.cli.diagnose import egress_ip, obtain_snapshot
from kostack.cli.fix_support import (
    _confirm,
    _connect,
    _counted,
    _interrupted,
    _journal_error,
    _load_plan,
    _next_steps,
    _options,
    _printer,
    _report_problems,
    _require_ack,
    _version,
)
from kostack.cli.interrupt_text import Msg
from kostack.errors import ApplyError, ConfigError, ExitCode, KostackError
from kostack.oserror import reason
from kostack.report.safe import terminal_safe
from kostack.shell import render

if TYPE_CHECKING:  # the layers below are imported when a command runs: --help stays fast
    from kostack.apply.engine import RunReport
    from kostack.apply.journal import Journal
    from kostack.apply.neutron import Neutron
    from kostack.model import Snapshot
    from kostack.model.snapshot import IPAddress
    from kostack.plan.model import Action, Plan

__all__ = ["ApplyArgs", "apply_options", "rollback_options", "run_apply", "run_rollback"]


_TIMEOUT = request_timeout_option(
    "Give up on one request after this long (default 30, or $KOSTACK_TIMEOUT)."
)


# The options of `fix apply` before the plan options, in the order --help shows them.
apply_options = stack(
    click.option(
        "--plan", "plan_path", metavar="FILE", help="Apply this plan (from `fix plan -o json`)."
    ),
    click.option(
        "--journal",
        "journal_path",
        metavar="FILE",
        help="Journal to write (default kostack-fix-<time>.journal.jsonl); "
        "an existing one is resumed.",
    ),
    click.option("--yes", is_flag=True, help="Apply without asking (the default is a dry run)."),
    click.option("--no-verify", is_flag=True, help="Do not re-collect and re-diagnose afterwards."),
    _TIMEOUT,
    setting(
        "--retries",
        click.IntRange(min=0, max=10),
        2,
        "Retry a request that got no answer or a 5xx (safe: updates are conditional).",
    ),
)


# The options of `fix rollback`, in the order --help shows them.
rollback_options = stack(
    click.option(
        "--yes", is_flag=True, help="Roll back without asking (the default is a dry run)."
    ),
    click.option(
        "--force",
        is_flag=True,
        help="Also restore objects someone changed after kostack did (their change is lost).",
    ),
    click.option(
        "--os-cloud", metavar="NAME", help="clouds.yaml entry (default: the journal's, OS_*)."
    ),
    _TIMEOUT,
)


@dataclass(frozen=True)
class ApplyArgs:
    """What `fix apply` was asked (its options other than the live-collection ones)."""

    plan_path: str | None
    journal_path: str | None
    yes: bool
    no_verify: bool
    timeout_s: float | None
    retries: int
    snapshot_path: str | None
    method: str
    tight: bool
    service_cidr: bool
    acknowledged: bool
    egress_target: str


@dataclass
class _Staged:
    """The plan about to be applied, the snapshot it came from (if read), and the journal."""

    plan: Plan
    snapshot: Snapshot | None
    jpath: Path | None
    resuming: bool


def run_apply(ctx: click.Context, args: ApplyArgs, live: dict[str, Any]) -> int:
    """`kostack fix apply`: stage the plan, confirm, apply through the journal, then check."""
    from kostack.apply.engine import ALREADY
    from kostack.cli.fix_text import say

    env = get_env(ctx)
    target = egress_ip(args.egress_target)  # bad input is said before anything is read
    jpath = Path(args.journal_path) if args.journal_path else None
    if jpath is not None and jpath.exists():
        staged = _resume(env, jpath, args)
    else:
        staged = _fresh(ctx, env, (jpath, target), args, live)
    if isinstance(staged, int):
        return staged
    plan = staged.plan
    if not args.yes and not _confirm(env, "apply", _question(env, plan)):
        again = render(["kostack", "fix", "apply", "--journal", str(jpath), "--yes"])
        resume = say(env, "fixrun.dry_resume", command=again) if staged.resuming else ""
        env.stdout.write("\n" + say(env, "fixrun.dry", resuming=resume) + "\n")
        return int(ExitCode.OK)
    neutron = _connect(env, live.get("os_cloud"), args.timeout_s, "fix apply")
    report = _apply(env, staged, neutron, args, live)
    if report.problems:
        return _report_problems(env, report)  # exit 5, with what to do next
    if not staged.resuming and report.count(ALREADY) == len(plan.automatic):
        env.stdout.write(terminal_safe(say(env, "fixrun.already", digest=plan.digest()) + "\n"))
    if args.no_verify:
        return planned_remaining(env, plan)
    return _verify(ctx, env, neutron, plan, staged.snapshot, live)


def _resume(env: Environment, jpath: Path, args: ApplyArgs) -> _Staged | int:
    """The plan of an existing journal and the actions it has left (or the exit if none)."""
    from kostack.apply.engine import ALREADY, APPLIED
    from kostack.apply.journal import Journal, JournalError
    from kostack.cli.fix_text import lang_of, say
    from kostack.report.fixplan import describe

    if args.plan_path:
        raise ConfigError(
            Msg("fix.err.plan-and-journal", journal=jpath), Msg("fix.hint.plan-and-journal")
        )
    try:
        with Journal.open(jpath) as journal:
            plan = journal.plan
            rolled_back = journal.rolled_back
            logs = journal.logs().items()
            done = {aid for aid, log in logs if log.outcome in (APPLIED, ALREADY)}
    except JournalError as exc:
        raise _journal_error(exc) from exc
    if rolled_back:
        raise ConfigError(Msg("fix.err.rolled-back", journal=jpath), Msg("fix.hint.rolled-back"))
    left = [a for a in plan.automatic if a.id not in done]
    head = say(
        env,
        "fixrun.resuming",
        journal=str(jpath),
        digest=plan.digest(),
        done=len(done),
        total=len(plan.automatic),
        left=len(left),
    )
    env.stdout.write(terminal_safe(head + "\n"))
    for a in left:
        env.stdout.write(terminal_safe(f"  {a.id:>3} {describe(a, lang_of(env))}\n"))
    snapshot = read_snapshot(args.snapshot_path) if args.snapshot_path else None
    if not left:
        env.stdout.write(say(env, "fixrun.nothing_left") + "\n")
        return planned_remaining(env, plan)
    return _Staged(plan, snapshot, jpath, resuming=True)


def _fresh(
    ctx: click.Context,
    env: Environment,
    where: tuple[Path | None, IPAddress],
    args: ApplyArgs,
    live: dict[str, Any],
) -> _Staged | int:
    """The plan to apply: from --plan, or planned now; printed; exit if nothing to apply.

    `where` is the journal to write (None: the default) and the egress target.
    """
    from kostack.cli.fix_text import lang_of
    from kostack.plan.build import build_plan
    from kostack.report.fixplan import render_plan

    jpath, target = where
    snapshot: Snapshot | None = None
    if args.plan_path:
        plan = _load_plan(args.plan_path)
        if args.snapshot_path:
            snapshot = read_snapshot(args.snapshot_path)
    else:
        snapshot = obtain_snapshot(ctx, args.snapshot_path, **live, timeout_s=args.timeout_s)
        with progress(env, "cli.progress.planning"):
            options = _options(args.method, args.tight, args.service_cidr)
            plan = build_plan(snapshot, options, egress_target=target)
    env.stdout.write(render_plan(plan, lang=lang_of(env)))
    if not plan.automatic:
        from kostack.cli.fix_remaining import nothing_to_apply

        return nothing_to_apply(env, plan)
    _require_ack(plan, args.acknowledged, "applying")
    return _Staged(plan, snapshot, jpath, resuming=False)


def _question(env: Environment, plan: Plan) -> str:
    from kostack.cli.fix_text import say

    counts = plan.counts()
    return say(
        env,
        "fixrun.question",
        ports=counts["ports"],
        groups=counts["security_groups"],
        routers=counts["routers"],
    )


def _open_journal(staged: _Staged, live: dict[str, Any]) -> Journal:
    from kostack.apply.journal import Journal, JournalError, default_path

    try:
        if staged.resuming:
            assert staged.jpath is not None  # resuming implies a path
            return Journal.open(staged.jpath)
        path = staged.jpath or default_path()
        return Journal.create(path, staged.plan, version=_version(), cloud=live.get("os_cloud"))
    except JournalError as exc:
        raise _journal_error(exc) from exc


def _apply(
    env: Environment, staged: _Staged, neutron: Neutron, args: ApplyArgs, live: dict[str, Any]
) -> RunReport:
    """Carry out the plan's actions through the journal; print the start and the summary."""
    from kostack.apply.engine import ALREADY, APPLIED, apply_plan
    from kostack.apply.interrupt import RunInterrupted
    from kostack.cli.fix_text import say

    plan = staged.plan
    with _open_journal(staged, live) as journal:
        start = say(
            env,
            "fixrun.start",
            what=say(env, "fixrun.resuming_word" if staged.resuming else "fixrun.applying"),
            journal=str(journal.path),
            resume=render(["kostack", "fix", "apply", "--journal", str(journal.path)]),
            undo=render(["kostack", "fix", "rollback", str(journal.path)]),
        )
        env.stdout.write(terminal_safe(f"\n{start}\n"))
        env.activity = Msg("act.applying", next=_next_steps(journal.path))
        try:
            with _counted(env, "cli.progress.applying", len(plan.automatic)) as counted:
                on_event = counted(_printer(env))
                report = apply_plan(journal, neutron, retries=args.retries, on_event=on_event)
        except RunInterrupted as stop:
            raise _interrupted(stop, plan, undo=False) from None
        except OSError as exc:
            raise ApplyError(
                Msg("fix.err.journal-write", journal=journal.path, why=reason(exc)),
                Msg("fix.hint.journal-write"),
            ) from exc
    last = report.steps[-1].action_id if report.steps else ""
    stopped = say(env, "fixrun.stopped", action=last) if report.problems else ""
    summary = say(
        env,
        "fixrun.summary",
        applied=report.count(APPLIED),
        already=report.count(ALREADY),
        stopped=stopped,
    )
    env.stdout.write(summary + "\n")
    return report


def planned_remaining(env: Environment, plan: Plan) -> int:
    """Without verifying: exit 1 when the plan's own check says a root cause remains after it
    (one needing a step by hand, say), with the root causes and the steps; else 0."""
    from kostack.cli.fix_remaining import by_hand
    from kostack.cli.fix_text import say

    remaining = plan.verification.after
    if not remaining:
        return int(ExitCode.OK)
    env.stdout.write("\n" + say(env, "fixrun.planned_remain") + "\n")
    by_hand(env, plan, remaining)
    return int(ExitCode.FINDINGS)


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
            snapshot = obtain_snapshot(ctx, None, **live)
        with progress(env, "cli.progress.verifying"):
            after = recollected_snapshot(snapshot, neutron.connection)
    except KostackError as err:
        from kostack.analyze.messages import localize

        message = localize(err.message, lang_of(env))
        env.stdout.write(
            terminal_safe("\n" + say(env, "fixrun.not_verified", error=message) + "\n")
        )
        return int(ExitCode.OK)
    after, pending = _monitor_settled(snapshot, after)
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
    if pending:
        env.stdout.write(terminal_safe(say(env, "fixrun.monitor_pending", n=pending) + "\n"))
    if verification.after:
        from kostack.cli.fix_remaining import by_hand

        by_hand(env, plan, verification.after)
        return int(ExitCode.FINDINGS)
    return int(ExitCode.OK)


def _monitor_settled(before: Snapshot, after: Snapshot) -> tuple[Snapshot, int]:
    """``after`` with the members the fix unblocked counted up, as the plan's own check counts
    them (Octavia reports them down until its monitor next probes); and how many those are."""
    from kostack.analyze.loadbalancer.settle import settle_after_fix

    settled = settle_after_fix(before, after)

    def statuses(snap: Snapshot) -> dict[str, str]:
        lbs = (snap.openstack.load_balancers if snap.openstack else None) or ()
        return {m.id: m.operating_status for b in lbs for p in b.pools for m in p.members or ()}

    was, now = statuses(after), statuses(settled)
    return settled, sum(1 for member, status in now.items() if was.get(member) != status)


def run_rollback(
    ctx: click.Context,
    journal_path: str,
    *,
    yes: bool,
    force: bool,
    os_cloud: str | None,
    timeout_s: float | None,
) -> int:
    """`kostack fix rollback`: preview, confirm, restore through the journal, summarize."""
    from kostack.apply.engine import rollback_journal
    from kostack.apply.interrupt import RunInterrupted
    from kostack.apply.journal import Journal, JournalError
    from kostack.cli.fix_text import say

    env = get_env(ctx)
    try:
        journal = Journal.open(Path(journal_path))
    except JournalError as exc:
        raise _journal_error(exc) from exc
    with journal:
        preview = _rollback_preview(env, journal)
        if not preview:
            env.stdout.write(say(env, "fixrun.nothing_rollback") + "\n")
            return int(ExitCode.OK)
        if not yes and not _confirm(env, "rollback", say(env, "fixrun.restore_q")):
            env.stdout.write("\n" + say(env, "fixrun.dry_rollback") + "\n")
            return int(ExitCode.OK)
        header = journal.records[0]
        cloud = os_cloud or (header.get("cloud") if isinstance(header.get("cloud"), str) else None)
        neutron = _connect(env, cloud, timeout_s, "fix rollback")
        env.stdout.write("\n")
        env.activity = Msg("act.rolling-back", next=_next_steps(journal.path, undo=True))
        try:
            with _counted(env, "cli.progress.rolling_back", len(preview)) as counted:
                on_event = counted(_printer(env))
                report = rollback_journal(journal, neutron, force=force, on_event=on_event)
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


def _rollback_preview(env: Environment, journal: Journal) -> list[tuple[Action, Msg]]:
    """Print what the rollback would restore (the journal's head, one line per action)."""
    from kostack.analyze.messages import localize as L
    from kostack.apply.engine import rollback_preview
    from kostack.cli.fix_text import lang_of, say
    from kostack.report.cells import pad
    from kostack.report.fixplan import describe

    preview = rollback_preview(journal)
    head = say(
        env,
        "fixrun.rollback_head",
        journal=str(journal.path),
        digest=journal.plan.digest(),
        started=len(preview),
        total=len(journal.plan.automatic),
    )
    env.stdout.write(terminal_safe(head + "\n"))
    for action, state in preview:
        lang = lang_of(env)
        line = f"  {action.id:>3} {pad(L(state, lang), 19)} {describe(action, lang)}\n"
        env.stdout.write(terminal_safe(line))
    return preview
