"""`kostack fix plan | apply | rollback` and `kostack preflight`."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import click

from kostack.cli._options import output_option
from kostack.cli.common import get_env
from kostack.cli.diagnose import egress_ip, obtain_snapshot
from kostack.cli.fix_run import apply_options, rollback_options
from kostack.cli.fix_support import (
    _options,
    _require_ack,
    _version,
    lang_option,
    plan_options,
)
from kostack.errors import ExitCode

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
@output_option("text", "json", "script")
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
    from kostack.cli.console import diagnosing
    from kostack.cli.fix_support import apply_command
    from kostack.cli.fix_text import lang_of, say
    from kostack.collector import collector_paused
    from kostack.plan.build import build_plan, diagnosed
    from kostack.plan.codec import plan_to_dict
    from kostack.report.fixplan import render_plan, render_script
    from kostack.report.jsonout import dumps
    from kostack.report.safe import terminal_safe

    env = get_env(ctx)
    target = egress_ip(egress_target)
    snapshot = obtain_snapshot(ctx, snapshot_path, **live)
    # the snapshot, its diagnosis and the plan live until the command ends: a collection
    # would walk them all for the little garbage the verification drops (build.py)
    with collector_paused():
        with diagnosing(env, snapshot) as phases:
            diagnosis, topo = diagnosed(snapshot, target, phases)
            phases.start("plan")
            plan = build_plan(
                snapshot,
                _options(method, tight, service_cidr),
                diagnosis=diagnosis,
                egress_target=target,
                reuse=topo,
            )
        if output == "json":
            env.stdout.write(dumps(plan_to_dict(plan, _version(), lang_of(env))))
        elif output == "script":
            _require_ack(plan, acknowledged, "-o script")
            env.stdout.write(render_script(plan, _version(), lang_of(env)))
        else:
            env.stdout.write(render_plan(plan, verbose=verbose, lang=lang_of(env)))
            if plan.automatic:
                line = say(env, "fixplan.next", command=apply_command(ctx))
                env.stdout.write("\n" + terminal_safe(line) + "\n")
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
@apply_options
@plan_options
@click.pass_context
def apply_cmd(ctx: click.Context, /, lang: str | None = None, **given: Any) -> int:
    """Apply the plan: conditional on the revisions read at planning, journaled, verified.

    A dry run unless --yes (or you type the confirmation on a terminal). A
    port changed by someone else since planning stops the run, touching
    nothing more. Exit codes: 0 applied and the root causes are gone, 1
    applied but a root cause remains, 2 bad input, 3 cannot reach or
    authenticate, 5 apply failed (resume or roll back with the journal).
    """
    from kostack.cli.fix_run import ApplyArgs, run_apply

    # ApplyArgs' fields are the command's own options; the rest are the live ones
    args = ApplyArgs(**{field.name: given.pop(field.name) for field in fields(ApplyArgs)})
    return run_apply(ctx, args, given)


@fix.command(
    "rollback",
    epilog="""\b
Examples:
  kostack fix rollback kostack-fix-20261126T101500Z.journal.jsonl        # dry run
  kostack fix rollback kostack-fix-20261126T101500Z.journal.jsonl --yes
""",
)
@click.argument("journal_path", metavar="JOURNAL")
@rollback_options
@lang_option
@click.pass_context
def rollback_cmd(
    ctx: click.Context, /, journal_path: str, lang: str | None = None, **given: Any
) -> int:
    """Restore every port, group and router the journal's runs changed, exactly as before.

    Works after a complete, a partial or an interrupted apply: what is in doubt
    is re-read first. An object someone changed after kostack is left alone
    (with the command to restore it by hand) unless --force.
    """
    from kostack.cli.fix_run import run_rollback

    return run_rollback(ctx, journal_path, **given)  # --yes, --force, --os-cloud, --timeout
