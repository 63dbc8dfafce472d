"""The undo steps: restore each touched object's recorded before-state, where it is still kostack's.

Where the object no longer holds what kostack wrote, the step reports a
conflict and the exact command to restore by hand (a port, unless forced).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kostack.analyze.messages import Msg
from kostack.apply.engine_base import (
    ALREADY_ORIGINAL,
    CONFLICT,
    FAILED,
    NOT_CHANGED,
    RESTORED,
    RunnerBase,
    Step,
    _before_routes,
    _before_rule_ids,
    _port_state,
    _recorded_before,
    _router_state,
    _Stop,
)
from kostack.apply.journal import ActionLog
from kostack.apply.messages import explain, undo_conflict
from kostack.apply.neutron import NeutronProblem, PortState, RouterState
from kostack.plan.model import (
    PORT_OPERATIONS,
    Action,
    Operation,
    Pair,
    PortFields,
    Route,
    restore_command,
    unset_pairs_command,
)


class UndoSteps(RunnerBase):
    """The rollback half of the Runner: one method per operation."""

    def _undo(self, action: Action, log: ActionLog, force: bool) -> Step:
        if action.operation in PORT_OPERATIONS:
            return self._undo_port(action, log, force)
        if action.operation == Operation.ADD_SG_RULE:
            return self._undo_rule(action, log)
        if action.operation == Operation.ADD_ROUTER_ROUTES:
            return self._undo_routes(action, log)
        return Step(action.id, NOT_CHANGED)

    def _undo_port(self, action: Action, log: ActionLog, force: bool) -> Step:
        assert action.before is not None and action.after is not None
        pid = action.target.id
        before = _recorded_before(log) or action.before
        cur: PortState = self._read_undo(lambda: self.n.port(pid), action)
        if cur.fields.same(before):
            return self._result(
                action,
                ALREADY_ORIGINAL,
                Msg("apply.note.as-before"),
                phase="undo",
                after=_port_state(cur),
            )
        if not cur.fields.same(action.after) and not force:
            ours = _ours_only(action, before, cur)
            raise _Stop(
                CONFLICT,
                undo_conflict(
                    pid,
                    action.target.name,
                    unset_pairs_command(pid, ours) if ours else restore_command(pid, before),
                    pairs_only=bool(ours),
                ),
            )
        self._intent(action, _port_state(cur), phase="undo")
        body = cur.fields.changes_to(before)
        state, problem, ambiguous = self._attempt(
            lambda: self.n.update_port(pid, body, cur.revision_number)
        )
        if problem is None:
            return self._result(action, RESTORED, phase="undo", after=_port_state(state))
        if problem.status == 412 or ambiguous:
            now: PortState = self._read_undo(lambda: self.n.port(pid), action, problem)
            if now.fields.same(before):
                return self._result(
                    action,
                    RESTORED,
                    Msg("apply.note.reread"),
                    phase="undo",
                    after=_port_state(now),
                )
        raise _Stop(FAILED, explain(problem, action, self.jpath, undo=True), problem)

    def _undo_rule(self, action: Action, log: ActionLog) -> Step:
        gid = action.target.id
        rule_id = log.created_rule_id()
        if rule_id is None and action.rule is not None:
            # in doubt: a matching rule that was not there before the intent is kostack's
            before = _before_rule_ids(log) or set()
            group = self._read_undo(lambda: self.n.group(gid), action)
            found = next(
                (
                    r
                    for r in group.rules
                    if r.rule.key() == action.rule.key()
                    and r.rule.description == action.rule.description  # else someone else's
                    and r.id not in before
                ),
                None,
            )
            rule_id = found.id if found is not None else None
        if rule_id is None:
            return self._result(action, ALREADY_ORIGINAL, Msg("apply.note.no-rule"), phase="undo")
        self._intent(action, {"rule_id": rule_id}, phase="undo")
        deleted, problem, _ambiguous = self._attempt(lambda: self.n.delete_rule(rule_id))
        if problem is not None:
            raise _Stop(FAILED, explain(problem, action, self.jpath, undo=True), problem)
        return self._result(
            action,
            RESTORED if deleted else ALREADY_ORIGINAL,
            Msg("apply.note.rule-deleted", rule=rule_id)
            if deleted
            else Msg("apply.note.rule-gone", rule=rule_id),
            phase="undo",
            deleted_rule_id=rule_id,
        )

    def _undo_routes(self, action: Action, log: ActionLog) -> Step:
        rid = action.target.id
        added: tuple[Route, ...] = ()
        for rec in reversed(log.results):
            if rec.get("added_routes"):
                added = tuple(Route(r["destination"], r["nexthop"]) for r in rec["added_routes"])
                break
        if not added:
            before = _before_routes(log)
            added = tuple(r for r in action.routes if r not in before)
        router: RouterState = self._read_undo(lambda: self.n.router(rid), action)
        present = tuple(r for r in added if r in router.routes)
        if not present:
            return self._result(
                action, ALREADY_ORIGINAL, Msg("apply.note.routes-gone"), phase="undo"
            )
        self._intent(action, _router_state(router), phase="undo")
        keep = tuple(r for r in router.routes if r not in present)
        state, problem, ambiguous = self._attempt(
            lambda: self.n.set_routes(rid, keep, router.revision_number)
        )
        if problem is None:
            return self._result(action, RESTORED, phase="undo", after=_router_state(state))
        if problem.status == 412 or ambiguous:
            now: RouterState = self._read_undo(lambda: self.n.router(rid), action, problem)
            if not any(r in now.routes for r in present):
                return self._result(
                    action,
                    RESTORED,
                    Msg("apply.note.reread"),
                    phase="undo",
                    after=_router_state(now),
                )
        raise _Stop(FAILED, explain(problem, action, self.jpath, undo=True), problem)

    def _read_undo(
        self, fn: Callable[[], Any], action: Action, problem: NeutronProblem | None = None
    ) -> Any:
        try:
            return fn()
        except NeutronProblem as p:
            raise _Stop(FAILED, explain(problem or p, action, self.jpath, undo=True), p) from p


def _ours_only(action: Action, before: PortFields, cur: PortState) -> tuple[Pair, ...]:
    """kostack's pairs still on a port whose other fields are as before (someone else only
    changed its pairs since): removing just those undoes kostack's change and keeps theirs."""
    now, was = cur.fields.normal(), before.normal()
    if action.operation != Operation.ADD_ALLOWED_PAIRS or (
        now.port_security_enabled,
        now.security_groups,
    ) != (was.port_security_enabled, was.security_groups):
        return ()
    added = set(_normal(action.pairs)) - set(was.allowed_address_pairs)
    return tuple(p for p in cur.fields.allowed_address_pairs if _normal((p,))[0] in added)


def _normal(pairs: tuple[Pair, ...]) -> tuple[Pair, ...]:
    return tuple(PortFields(True, (), pairs).normal().allowed_address_pairs)
