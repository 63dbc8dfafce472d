"""What `kostack fix apply` says when root causes remain: which, and the steps to do by hand.

A plan with nothing for kostack to change exits 0 only when no root cause
remains; a root cause left (before applying, or after applying and verifying)
is exit 1, printed with the plan's manual steps for it (a Calico MTU patch,
say), which kostack never runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from kostack.cli.common import Environment
from kostack.errors import ExitCode
from kostack.report.safe import terminal_safe

if TYPE_CHECKING:
    from kostack.plan.model import Plan, RootCauseRef

__all__ = ["by_hand", "nothing_to_apply"]


def nothing_to_apply(env: Environment, plan: Plan) -> int:
    """No change for kostack to make: exit 0 only when no root cause remains; else exit 1,
    with what remains and the steps to do by hand."""
    remaining = plan.verification.after
    if not remaining:
        from kostack.cli.fix_text import say

        env.stdout.write("\n" + say(env, "fixrun.nothing") + "\n")
        return int(ExitCode.OK)
    by_hand(env, plan, remaining, nothing_applied=True)
    return int(ExitCode.FINDINGS)


def by_hand(
    env: Environment,
    plan: Plan,
    remaining: Iterable[RootCauseRef],
    *,
    nothing_applied: bool = False,
) -> None:
    """The root causes that remain, and each manual step of the plan for them (or that none is)."""
    from kostack.analyze.diagnose import root_cause_title
    from kostack.cli.console import language
    from kostack.cli.messages import say

    lang = language(env)
    left = list(remaining)
    keys = {r.key for r in left}
    steps = [a for a in plan.manual if keys & set(a.fixes)]
    head = "cli.fix.nothing_automatic" if nothing_applied else "cli.fix.remain"
    lines = ["", say(lang, head, n=len(left))]
    lines += [f"  {r.key}  {root_cause_title(r.key, lang)}" for r in left]
    if steps:
        lines.append(say(lang, "cli.fix.by_hand", n=len(steps)))
        for a in steps:
            lines.append(f"  {a.id:>3}  {a.command}")
        lines.append(say(lang, "cli.fix.then_verify"))
    else:
        lines.append(say(lang, "cli.fix.no_step"))
    env.stdout.write(terminal_safe("\n".join(lines)) + "\n")
