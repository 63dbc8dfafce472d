"""Carry a pass's drift out against Neutron: conditional, journaled, rate-limited, owned.

Order within a pass: rules guard must create (so a joining node's traffic is
admitted), then ports (pairs added and removed), then guard's rules that are
no longer needed. For each port:

1. read the port (one GET, only for a port that changes) and compare its
   revision with the one the decision was made at: different means someone
   changed it since the listing, and the pass must be recomputed (*stale*);
2. journal the intent; one PUT of the whole pair list, *conditional* on that
   revision (``If-Match: revision_number=N``): the person's pairs as read,
   minus guard's own pairs to remove, plus guard's pairs to add. 412 means a
   concurrent edit: *stale*, recomputed from a fresh listing, never retried
   blindly. A lost answer (timeout, 5xx) is settled by reading the port: the
   update landed, did not land (*failed*, to retry after backoff), or the port
   moved on (*stale*);
3. mark ownership: add the pair tags (one POST, keeping every other tag),
   remove the tags of removed pairs; if that fails the addition stays a
   *claim* in the journal, and the next pass tags it.

Guard never writes when it is not the leader: `leader` is asked before every
write, so a guard that lost its Lease stops within one write.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Final

from kostack.apply.neutron import Neutron, NeutronProblem, PortState, ProblemKind
from kostack.catalog import Msg, register
from kostack.guard.breaker import WriteBudget
from kostack.guard.drift import Drift, PortDrift, RuleDrift
from kostack.guard.journal import GuardJournal
from kostack.guard.ownership import MARKER_TAG, cidr_text, pair_tag, rule_description
from kostack.plan.model import Pair, PortFields
from kostack.plan.rules import Rule

# a rule create Neutron refused for good (quota) is asked for again after this many passes (5
# minutes at the default 30 s interval): an operator may have raised the quota meanwhile
RULE_RETRY_PASSES: Final = 10

__all__ = ["Done", "EnforceResult", "Enforcer", "WriteHook", "said"]

register(
    {
        "guard.neutron.timeout": {
            "en": "no answer from Neutron (timeout): {message}",
            "ko": "Neutron이 응답하지 않았습니다(시간 초과): “{message}”",
        },
        "guard.neutron.connection": {
            "en": "cannot reach Neutron: {message}",
            "ko": "Neutron에 연결할 수 없습니다: “{message}”",
        },
        "guard.neutron.refused": {
            "en": "{status}{kind}: {message}",
            "ko": "{status}{kind}: “{message}”",
        },
    }
)


def said(problem: NeutronProblem) -> str:
    """Neutron's refusal as a message: its English is `NeutronProblem.short()` (what the journal
    keeps), a guard log line or report says it in its language, Neutron's own words quoted."""
    if problem.kind == ProblemKind.TIMEOUT:
        return Msg("guard.neutron.timeout", message=problem.message)
    if problem.kind == ProblemKind.CONNECTION:
        return Msg("guard.neutron.connection", message=problem.message)
    kind = f" {problem.error_type}" if problem.error_type else ""
    return Msg("guard.neutron.refused", status=problem.status, kind=kind, message=problem.message)


# Called just before each write with (kind, target id): tests interleave a person's edit there.
WriteHook = Callable[[str, str], None]


@dataclass(frozen=True)
class Done:
    """One write's outcome."""

    action: str  # add-pairs | remove-pairs | tags | add-rule | delete-rule
    target: str
    outcome: str  # applied | already | stale | failed | in-doubt | applied-untagged | refused
    node: str = ""
    detail: str = ""
    error: str = ""
    added: tuple[str, ...] = ()  # CIDRs (pairs)
    removed: tuple[str, ...] = ()
    claimed: tuple[str, ...] = ()  # CIDRs whose ownership tag was added / dropped
    unclaimed: tuple[str, ...] = ()
    revision: int | None = None  # stale: the revision found
    rule: Rule | None = None


@dataclass
class EnforceResult:
    done: list[Done] = field(default_factory=list)
    deferred: int = 0  # writes the budget held back
    not_leader: bool = False  # stopped: the Lease was lost

    @property
    def stale(self) -> bool:
        return any(d.outcome == "stale" for d in self.done)

    @property
    def failed(self) -> list[Done]:
        return [d for d in self.done if d.outcome in ("failed", "in-doubt", "applied-untagged")]

    def count(self, outcome: str) -> int:
        return sum(1 for d in self.done if d.outcome == outcome)


class _Stop(Exception):
    """The pass stops writing (leadership lost or the budget is spent)."""


class Enforcer:
    """Applies drift; one instance per guard (the budget spans passes)."""

    def __init__(
        self,
        neutron: Neutron,
        journal: GuardJournal,
        budget: WriteBudget,
        *,
        leader: Callable[[], bool] = lambda: True,
        before_write: WriteHook | None = None,
        refused: dict[str, tuple[tuple[object, ...], str]] | None = None,
    ) -> None:
        self.neutron = neutron
        self.journal = journal
        self.budget = budget
        self.leader = leader
        self.before_write = before_write
        # port id -> (revision, add, remove) Neutron refused for good (400, 409), and its words:
        # the same request to the same unchanged port is not sent again (kept across passes);
        # "rule <group> <key>" -> (pass number,): a rule create refused for good
        self.refused = refused if refused is not None else {}

    def apply(self, drift: Drift, pass_number: int) -> EnforceResult:
        result = EnforceResult()
        steps: list[tuple[str, Any]] = [
            *(("rule-add", r) for r in drift.rules if r.add),
            *(("port", p) for p in drift.ports if p.add or p.claim or p.mark),
            *(
                ("port", p)
                for p in drift.ports
                if (p.changes_pairs or p.changes_tags) and not (p.add or p.claim or p.mark)
            ),
            *(("rule-delete", r) for r in drift.rules if r.delete),
        ]
        for index, (kind, item) in enumerate(steps):
            try:
                if kind == "port":
                    self._port(item, pass_number, result)
                elif kind == "rule-add":
                    for rule in item.add:
                        self._rule_add(item, rule, pass_number, result)
                else:
                    for rule_id, rule in item.delete:
                        self._rule_delete(item, rule_id, rule, pass_number, result)
            except _Stop as stop:
                if str(stop) == "leader":
                    result.not_leader = True
                else:
                    result.deferred += len(steps) - index
                break
        return result

    # ------------------------------------------------------------------ gates

    def _gate(self) -> None:
        if not self.leader():
            raise _Stop("leader")
        if not self.budget.take():
            raise _Stop("budget")

    def _hook(self, kind: str, target: str) -> None:
        if self.before_write is not None:
            self.before_write(kind, target)

    def _intent(self, pass_number: int, **fields: Any) -> str:
        intent_id = self.journal.new_id(pass_number)
        self.journal.append({"type": "intent", "id": intent_id, **fields})
        return intent_id

    def _result(self, intent_id: str, done: Done, result: EnforceResult, **fields: Any) -> None:
        self.journal.append(
            {
                "type": "result",
                "id": intent_id,
                "outcome": done.outcome,
                "detail": done.detail,
                "error": done.error,
                **fields,
            }
        )
        result.done.append(done)

    # ------------------------------------------------------------------ ports

    def _port(self, drift: PortDrift, pass_number: int, result: EnforceResult) -> None:
        pid = drift.port_id
        action = "add-pairs" if drift.add else "remove-pairs" if drift.remove else "tags"
        refused = self.refused.get(pid)
        if refused is not None and refused[0] == (drift.revision, drift.add, drift.remove):
            result.done.append(_port_done(action, drift, "refused", refused[1]))
            return
        self._gate()
        try:
            current = self.neutron.port(pid)
        except NeutronProblem as problem:
            result.done.append(Done(action, pid, "failed", drift.node, error=said(problem)))
            return
        if drift.revision is not None and current.revision_number != drift.revision:
            result.done.append(
                Done(
                    action,
                    pid,
                    "stale",
                    drift.node,
                    detail=f"revision {current.revision_number}",
                    revision=current.revision_number,
                )
            )
            return
        intent_id = self._intent(
            pass_number,
            op="port",
            port=pid,
            node=drift.node,
            revision=current.revision_number,
            before=[p.as_dict() for p in current.fields.allowed_address_pairs],
            add=list(drift.add),
            remove=list(drift.remove),
            claim=list(drift.claim),
            unclaim=list(drift.unclaim),
        )
        state = current
        if drift.changes_pairs:
            outcome, state_or_none, error = self._put_pairs(drift, current)
            if outcome != "applied" or state_or_none is None:
                self._result(intent_id, _port_done(action, drift, outcome, error), result)
                return
            state = state_or_none
        tag_error = self._tags(drift, state)
        if not tag_error:
            outcome = "applied"
        elif drift.add:
            outcome = "applied-untagged"  # the pairs are there; the journal claims them
        else:
            # removed pairs leave stale tags, which the next pass drops; tags alone failed
            outcome = "applied" if drift.changes_pairs else "failed"
        done = _port_done(action, drift, outcome, tag_error, tagged=True)
        self._result(intent_id, done, result, revision=state.revision_number)
        if not tag_error and (drift.claim or drift.add):
            self.journal.settle(pid, set(drift.claim) | set(drift.add), "tagged")

    def _put_pairs(self, drift: PortDrift, current: PortState) -> tuple[str, PortState | None, str]:
        """One conditional PUT of the pair list; (outcome, new state, error)."""
        removing = set(drift.remove)
        kept = [p for p in current.fields.allowed_address_pairs if not _is(p, removing, current)]
        have = {cidr_text(p.ip_address) for p in kept}
        added = [Pair(c, current.mac_address) for c in drift.add if c not in have]
        target = PortFields.of(
            current.fields.port_security_enabled, current.fields.security_groups, (*kept, *added)
        )
        body = {"allowed_address_pairs": [p.as_dict() for p in target.allowed_address_pairs]}
        self._hook("port", drift.port_id)
        try:
            state = self.neutron.update_port(drift.port_id, body, current.revision_number)
        except NeutronProblem as problem:
            if problem.status == 412:
                return "stale", None, said(problem)
            if not problem.ambiguous:
                if problem.status in (400, 409):  # the request itself (not a role, not gone)
                    key = (current.revision_number, drift.add, drift.remove)
                    self.refused[drift.port_id] = (key, said(problem))
                return "failed", None, said(problem)
            try:
                now = self.neutron.port(drift.port_id)
            except NeutronProblem:
                return "in-doubt", None, said(problem)
            if now.fields.same(target):
                return "applied", now, ""
            if now.revision_number == current.revision_number:
                return "failed", None, said(problem)
            return "stale", None, said(problem)
        return "applied", state, ""

    def _tags(self, drift: PortDrift, state: PortState) -> str:
        """Mark what guard now owns on the port; the error text, or "" when done."""
        if not drift.changes_pairs:
            self._hook("tags", drift.port_id)
        present = set(state.tags)
        add = {pair_tag(c) for c in (*drift.add, *drift.claim)}
        if drift.mark:
            add.add(MARKER_TAG)
        remove = {pair_tag(c) for c in (*drift.remove, *drift.unclaim)}
        if drift.unmark:
            remove.add(MARKER_TAG)
        try:
            if add - present:
                self.neutron.add_port_tags(drift.port_id, sorted(add - present))
            for tag in sorted(remove & present):
                self.neutron.remove_port_tag(drift.port_id, tag)
        except NeutronProblem as problem:
            return said(problem)
        return ""

    # ------------------------------------------------------------------ rules

    def _rule_add(
        self, drift: RuleDrift, rule: Rule, pass_number: int, result: EnforceResult
    ) -> None:
        memo = f"rule {drift.group_id} {rule.key()!r}"
        since, error = self.refused.get(memo, ((None,), ""))
        if isinstance(since[0], int) and pass_number - since[0] < RULE_RETRY_PASSES:
            done = Done("add-rule", drift.group_id, "refused", detail=rule.text(), rule=rule)
            result.done.append(replace(done, error=error))
            return
        self._gate()
        reason = drift.reasons[0] if drift.reasons else "needed by the cluster's CNI"
        owned = replace(rule, description=rule_description(reason))
        intent_id = self._intent(
            pass_number, op="rule-add", group=drift.group_id, rule=owned.as_dict()
        )
        self._hook("rule-add", drift.group_id)
        try:
            rule_id = self.neutron.create_rule(drift.group_id, owned)
        except NeutronProblem as problem:
            if problem.error_type == "SecurityGroupRuleExists":
                outcome, error = "already", ""  # someone created the same rule: theirs
            elif not problem.ambiguous and problem.status in (400, 403, 409, 413):
                # refused for good (the rule quota: 409 OverQuota): said once, asked again
                # only every RULE_RETRY_PASSES passes
                outcome, error = "failed", said(problem)
                self.refused[memo] = ((pass_number,), error)
            else:
                # a lost answer: the rule carries guard's marker from its creation, so the
                # next listing tells whether it is there
                outcome, error = ("in-doubt" if problem.ambiguous else "failed"), said(problem)
            done = Done(
                "add-rule", drift.group_id, outcome, detail=rule.text(), error=error, rule=rule
            )
            self._result(intent_id, done, result)
            return
        done = Done("add-rule", drift.group_id, "applied", detail=rule.text(), rule=rule)
        self._result(intent_id, done, result, rule_id=rule_id)

    def _rule_delete(
        self, drift: RuleDrift, rule_id: str, rule: Rule, pass_number: int, result: EnforceResult
    ) -> None:
        self._gate()
        intent_id = self._intent(
            pass_number,
            op="rule-delete",
            group=drift.group_id,
            rule_id=rule_id,
            rule=rule.as_dict(),
        )
        self._hook("rule-delete", drift.group_id)
        try:
            deleted = self.neutron.delete_rule(rule_id)
        except NeutronProblem as problem:
            outcome = "in-doubt" if problem.ambiguous else "failed"
            done = Done(
                "delete-rule",
                drift.group_id,
                outcome,
                detail=rule.text(),
                error=said(problem),
                rule=rule,
            )
            self._result(intent_id, done, result)
            return
        outcome = "applied" if deleted else "already"
        done = Done("delete-rule", drift.group_id, outcome, detail=rule.text(), rule=rule)
        self._result(intent_id, done, result, rule_id=rule_id)


def _is(pair: Pair, cidrs: set[str], port: PortState) -> bool:
    """Whether ``pair`` is one of guard's pairs ``cidrs`` on ``port`` (its own MAC only)."""
    try:
        text = cidr_text(ipaddress.ip_network(pair.ip_address, strict=False))
    except ValueError:
        return False
    return text in cidrs and pair.mac_address.lower() == port.mac_address.lower()


def _port_done(
    action: str, drift: PortDrift, outcome: str, error: str, *, tagged: bool = False
) -> Done:
    """One port's result: the pairs it added and removed, and the tags once they were written."""
    return Done(
        action,
        drift.port_id,
        outcome,
        drift.node,
        detail=_describe(drift),
        error=error,
        added=drift.add,
        removed=drift.remove,
        claimed=drift.claim if tagged else (),
        unclaimed=drift.unclaim if tagged else (),
    )


def _describe(drift: PortDrift) -> str:
    signed = (
        ("+", drift.add),
        ("-", drift.remove),
        ("+tag:", drift.claim),
        ("-tag:", drift.unclaim),
    )
    return " ".join(sign + ",".join(cidrs) for sign, cidrs in signed if cidrs)
