"""The apply steps: a port update, a security group rule, router routes; each conditional.

Each reads its object, checks it is as planned, journals the before-state,
then writes once (retried on transient failures) and re-reads to decide what
landed when an answer is lost.
"""

from __future__ import annotations

from kostack.analyze.messages import Msg
from kostack.apply.engine_base import (
    ALREADY,
    APPLIED,
    FAILED,
    IN_DOUBT,
    RunnerBase,
    Step,
    _before_routes,
    _before_rule_ids,
    _group_state,
    _port_state,
    _router_state,
    _Stop,
)
from kostack.apply.journal import ActionLog
from kostack.apply.messages import changed_since_planning, explain, unknown_operation
from kostack.apply.neutron import GroupState, PortState, RouterState, RuleRecord
from kostack.plan.model import PORT_OPERATIONS, Action, Operation, PortFields


class ApplySteps(RunnerBase):
    """The apply half of the Runner: one method per operation."""

    def _apply(self, action: Action, log: ActionLog) -> Step:
        reconcile = log.outcome == IN_DOUBT
        if action.operation in PORT_OPERATIONS:
            return self._apply_port(action, reconcile)
        if action.operation == Operation.ADD_SG_RULE:
            return self._apply_rule(action, log, reconcile)
        if action.operation == Operation.ADD_ROUTER_ROUTES:
            return self._apply_routes(action, log, reconcile)
        raise _Stop(
            FAILED,
            unknown_operation(action),
        )

    # ports ----------------------------------------------------------------

    def _apply_port(self, action: Action, reconcile: bool) -> Step:
        """Read the port, check it is as planned, journal it, then one conditional PUT."""
        assert action.before is not None and action.after is not None  # checked by the codec
        pid = action.target.id
        rev = action.precondition.revision_number
        cur: PortState = self._read(lambda: self.n.port(pid), action, in_doubt=reconcile)
        if cur.fields.same(action.after):
            if not reconcile:
                self._intent(action, _port_state(cur))
            return self._result(
                action,
                APPLIED if reconcile else ALREADY,
                Msg("apply.note.reread-port") if reconcile else Msg("apply.note.in-place"),
                after=_port_state(cur),
            )
        if not cur.fields.same(action.before) or (rev is not None and cur.revision_number != rev):
            raise _Stop(
                IN_DOUBT if reconcile else FAILED,
                changed_since_planning(action.target, rev, cur.revision_number),
            )
        rev = cur.revision_number
        # the target is written from the fields as Neutron spells them, so that
        # rollback can write back exactly what was there
        if action.operation == Operation.DISABLE_PORT_SECURITY:
            target = PortFields.of(False, (), ())
        else:
            target = cur.fields.with_pairs(action.pairs)
        self._intent(action, _port_state(cur))
        body = cur.fields.changes_to(target)
        state, problem, ambiguous = self._attempt(lambda: self.n.update_port(pid, body, rev))
        if problem is None:
            return self._result(action, APPLIED, after=_port_state(state))
        if problem.status == 412 or ambiguous:
            now: PortState = self._read(lambda: self.n.port(pid), action, problem)
            if now.fields.same(action.after) and ambiguous:
                return self._result(
                    action, APPLIED, Msg("apply.note.reread-port"), after=_port_state(now)
                )
            if now.fields.same(action.after):
                return self._result(
                    action, ALREADY, Msg("apply.note.same-change"), after=_port_state(now)
                )
            untouched = now.fields.same(action.before) and now.revision_number == rev
            # after an attempt with no answer, a port that moved on may hold our write
            # and someone else's after it: that stays in doubt
            outcome = IN_DOUBT if ambiguous and not untouched else FAILED
            if problem.status != 412 and now.revision_number != rev:
                raise _Stop(
                    outcome,
                    changed_since_planning(action.target, rev, now.revision_number),
                    problem,
                )
            raise _Stop(outcome, explain(problem, action, self.jpath), problem)
        raise _Stop(FAILED, explain(problem, action, self.jpath), problem)

    # security-group rules ---------------------------------------------------

    def _apply_rule(self, action: Action, log: ActionLog, reconcile: bool) -> Step:
        assert action.rule is not None
        gid = action.target.id
        key = action.rule.key()
        group: GroupState = self._read(lambda: self.n.group(gid), action, in_doubt=reconcile)
        match = next((r for r in group.rules if r.rule.key() == key), None)
        before_ids = _before_rule_ids(log) if reconcile else None
        if match is not None:
            if before_ids is not None and match.id not in before_ids and _ours(match, action):
                return self._rule_seen(action, group, match.id)
            self._intent(action, _group_state(group))
            return self._result(
                action,
                ALREADY,
                Msg("apply.note.rule-admits", rule=match.id),
                after=_group_state(group),
                existing_rule_id=match.id,
            )
        expected = self.expected_group_rev.get(gid, action.precondition.revision_number)
        if (
            expected is not None
            and group.revision_number != expected
            and not _only_removed(log, group)
        ):
            raise _Stop(
                FAILED, changed_since_planning(action.target, expected, group.revision_number)
            )
        self._intent(action, _group_state(group))
        before = {r.id for r in group.rules}
        rule_id, problem, ambiguous = self._attempt(lambda: self.n.create_rule(gid, action.rule))  # type: ignore[arg-type]  # asserted above
        if problem is None:
            self.expected_group_rev[gid] = group.revision_number + 1
            return self._result(
                action,
                APPLIED,
                Msg("apply.note.rule-created", rule=rule_id),
                created_rule_id=rule_id,
            )
        exists = problem.error_type == "SecurityGroupRuleExists"
        if exists or ambiguous:
            now = self._read(lambda: self.n.group(gid), action, problem)
            found = next((r for r in now.rules if r.rule.key() == key and r.id not in before), None)
            if found is not None and ambiguous and _ours(found, action):
                return self._rule_seen(action, now, found.id)
            if found is not None:
                return self._result(
                    action,
                    ALREADY,
                    Msg("apply.note.rule-same", rule=found.id),
                    after=_group_state(now),
                    existing_rule_id=found.id,
                )
        raise _Stop(FAILED, explain(problem, action, self.jpath), problem)

    def _rule_seen(self, action: Action, group: GroupState, rule_id: str) -> Step:
        """Our create went through (a re-read shows the rule, new since before it)."""
        self.expected_group_rev[action.target.id] = group.revision_number
        return self._result(
            action,
            APPLIED,
            Msg("apply.note.reread-group"),
            after=_group_state(group),
            created_rule_id=rule_id,
        )

    # router routes ---------------------------------------------------------

    def _apply_routes(self, action: Action, log: ActionLog, reconcile: bool) -> Step:
        """Read the router, then one conditional PUT of its whole route list."""
        rid = action.target.id
        router: RouterState = self._read(lambda: self.n.router(rid), action, in_doubt=reconcile)
        missing = tuple(r for r in action.routes if r not in router.routes)
        if not missing:
            if reconcile:
                before = _before_routes(log)
                added = tuple(r for r in action.routes if r not in before)
                return self._result(
                    action,
                    APPLIED,
                    Msg("apply.note.reread-router"),
                    after=_router_state(router),
                    added_routes=[r.as_dict() for r in added],
                )
            self._intent(action, _router_state(router))
            return self._result(action, ALREADY, Msg("apply.note.routes-there"))
        # What matters is the routes the plan adds (`missing` are still to add), not the
        # revision: someone renaming the router or adding their own route since planning
        # changes nothing here, and the PUT below keeps every route it reads now. Only
        # when resuming an in-doubt update must the routes be as the intent recorded them.
        if reconcile and set(router.routes) != _before_routes(log):
            raise _Stop(
                FAILED,
                changed_since_planning(
                    action.target, action.precondition.revision_number, router.revision_number
                ),
            )
        self._intent(action, _router_state(router))
        target = (*router.routes, *missing)
        state, problem, ambiguous = self._attempt(
            lambda: self.n.set_routes(rid, target, router.revision_number)
        )
        if problem is None:
            return self._result(
                action,
                APPLIED,
                after=_router_state(state),
                added_routes=[r.as_dict() for r in missing],
            )
        if ambiguous:
            now: RouterState = self._read(lambda: self.n.router(rid), action, problem)
            if all(r in now.routes for r in missing):
                return self._result(
                    action,
                    APPLIED,
                    Msg("apply.note.reread-router"),
                    after=_router_state(now),
                    added_routes=[r.as_dict() for r in missing],
                )
        raise _Stop(FAILED, explain(problem, action, self.jpath), problem)


def _only_removed(log: ActionLog, group: GroupState) -> bool:
    """Whether, since this action's last intent (a resumed action), the group only lost rules:
    nothing there can stand in for the rule, so it is still the plan's to add (the way on after
    Neutron's quota refused it: remove unused rules, then resume)."""
    last = log.intents[-1].get("before") if log.intents else None
    ids = last.get("rule_ids") if isinstance(last, dict) else None
    return isinstance(ids, list) and {r.id for r in group.rules} <= {str(i) for i in ids}


def _ours(record: RuleRecord, action: Action) -> bool:
    """Whether a rule new since the intent can be the one kostack created: Neutron refuses a
    second rule of the same key, so one with another description is someone else's."""
    return action.rule is not None and record.rule.description == action.rule.description
