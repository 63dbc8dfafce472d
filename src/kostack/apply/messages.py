"""Every Neutron error as one line naming the object, and a hint saying what to do."""

from __future__ import annotations

from dataclasses import dataclass

from kostack.apply.neutron import NeutronProblem, ProblemKind
from kostack.plan.model import Action, Target
from kostack.shell import render


@dataclass(frozen=True)
class Explained:
    """One line for `error:` (names the object) and one for `hint:`."""

    line: str
    hint: str

    def __post_init__(self) -> None:
        # Neutron and keystoneauth messages may span lines: the user gets one line each
        object.__setattr__(self, "line", " ".join(self.line.split()))
        object.__setattr__(self, "hint", " ".join(self.hint.split()))


REPLAN = "re-run `kostack fix plan` (and apply the new plan)"


def _who(target: Target) -> str:
    kind = {"security_group": "security group"}.get(target.kind, target.kind)
    name = f" ({target.name})" if target.name else ""
    return f"{kind} {target.id}{name}"


def changed_since_planning(
    target: Target, planned: int | None, current: int | None, journal: str
) -> Explained:
    revs = (
        f" (planned at revision {planned}, now {current})"
        if planned is not None and current is not None
        else ""
    )
    # what was applied before, and how to resume or undo it, is added by with_applied()
    return Explained(
        f"{_who(target)} changed since planning{revs}; kostack stopped and changed nothing more",
        f"someone else changed it: {REPLAN}",
    )


def _rollback(journal: str) -> str:
    return render(["kostack", "fix", "rollback", journal])


def explain(
    problem: NeutronProblem, action: Action, journal: str, *, undo: bool = False
) -> Explained:
    """The one-line explanation of ``problem`` raised while running (or undoing) ``action``."""
    who = _who(action.target)
    doing = "undoing" if undo else "updating"
    resume = (
        f"run `{_rollback(journal)}` again"
        if undo
        else f"resume with `{render(['kostack', 'fix', 'apply', '--journal', journal])}` (it re-reads the {action.target.kind.replace('_', ' ')} first) "
        f"or undo with `{_rollback(journal)}`"
    )
    t = problem.error_type
    rid = f" [request {problem.request_id}]" if problem.request_id else ""
    if problem.kind == ProblemKind.TIMEOUT:
        return Explained(
            f"no answer from Neutron while {doing} {who} (timeout); the change may or may not "
            "have been made",
            f"check that Neutron is up, then {resume}",
        )
    if problem.kind == ProblemKind.CONNECTION:
        return Explained(
            f"cannot reach Neutron while {doing} {who}: {problem.message}",
            f"check the endpoint and that neutron-server runs, then {resume}",
        )
    status = problem.status
    if status == 412 or t == "RevisionNumberConstraintFailed":
        return Explained(
            f"{who} changed since planning: Neutron refused the conditional update "
            f"(412 {t or 'Precondition Failed'}: {problem.message}); nothing more was changed",
            f"someone else changed it: {REPLAN}",
        )
    if t == "PortSecurityPortHasSecurityGroup":
        return Explained(
            f"{who}: Neutron refuses to disable port security while a security group is attached "
            "(409 PortSecurityPortHasSecurityGroup)",
            "kostack clears groups and pairs in the same request, so another client attached a "
            f"group meanwhile: {REPLAN}",
        )
    if t == "AddressPairAndPortSecurityRequired":
        return Explained(
            f"{who}: Neutron refuses allowed address pairs while port security is disabled "
            "(409 AddressPairAndPortSecurityRequired)",
            "turn port security on first (`"
            + render(["openstack", "port", "set", "--enable-port-security", action.target.id])
            + f"`) and {REPLAN}, or use --method disable-port-security",
        )
    if t == "PortSecurityAndIPRequiredForSecurityGroups":
        return Explained(
            f"{who}: Neutron refuses security groups on a port without port security "
            "(400 PortSecurityAndIPRequiredForSecurityGroups)",
            f"the port's port security was turned off meanwhile: {REPLAN}",
        )
    if t == "SecurityGroupRuleExists":
        return Explained(
            f"{who}: the rule already exists (409 SecurityGroupRuleExists: {problem.message})",
            f"nothing to add: {REPLAN}",
        )
    if t in ("OverQuota", "OverQuotaException") or (
        status == 409 and "quota" in problem.message.lower()
    ):
        return Explained(
            f"{who}: Neutron quota exceeded ({status} {t}: {problem.message})",
            "ask for a higher quota (security_group_rule / port) or remove unused rules, then "
            + resume,
        )
    if status == 404:
        return Explained(
            f"{who} no longer exists (404 {t or 'Not Found'})",
            f"it was deleted after planning: {REPLAN}",
        )
    if status in (401, 403):
        return Explained(
            f"Neutron refused {doing} {who}: {status} {t or ''} {problem.message}".rstrip(),
            "your credentials lack the right to change it (policy); use a project member "
            "role that may update ports and security groups",
        )
    if status == 400:
        return Explained(
            f"Neutron rejected the request for {who}: 400 {t} {problem.message}{rid}",
            f"this is a kostack bug or an unusual Neutron; report it with the journal {journal}",
        )
    if status is not None and status >= 500:
        return Explained(
            f"Neutron failed while {doing} {who}: {status} {t} {problem.message}{rid}".replace(
                "  ", " "
            ),
            f"see the neutron-server log for the request id, then {resume}",
        )
    return Explained(
        f"Neutron error while {doing} {who}: {problem.short()}{rid}",
        resume,
    )


def with_applied(explained: Explained, applied: list[Action], journal: str) -> Explained:
    """``explained`` with what was already applied, and how to go on or undo it, in the hint.

    A run that stops after changing something must say so: the operator chooses
    between resuming (once the object that stopped it is as planned again) and
    rolling back what was done.
    """
    if not applied:
        return explained
    names = ", ".join(f"{a.id} ({_who(a.target)})" for a in applied[:5])
    if len(applied) > 5:
        names += f" and {len(applied) - 5} more"
    n = len(applied)
    done = f"{n} change{'s' if n != 1 else ''} applied before it stopped: {names}"
    if _rollback(journal) in explained.hint:  # already says resume/undo
        return Explained(explained.line, f"{explained.hint.rstrip('.')}. {done}")
    return Explained(
        explained.line,
        f"{explained.hint.rstrip('.')}. {done}; to go on from there: "
        f"`{render(['kostack', 'fix', 'apply', '--journal', journal])}` (it re-reads each "
        f"object first); to undo them: `{_rollback(journal)}`",
    )
