"""Apply a plan, resume an interrupted apply, roll back: conditional, journaled, reversible.

Every port update is conditional on the revision read at planning
(`If-Match: revision_number=N`); Neutron answers 412 when someone changed
the port in between and kostack stops there, touching nothing more. Security
groups have no conditional create, so their revision is compared just before
the change. A router's routes are read, the missing ones appended, and the
list written back conditional on the revision just read: what matters is the
routes the plan adds, so a router edited since planning in other ways is not
"changed since planning". Each action is journaled before (intent, with the
before-state) and after (result, with the after-state) it runs.

When an answer is lost (timeout, connection reset, Neutron killed, 5xx) the
change may or may not have landed. kostack retries (safe: a retry of a
conditional update that already landed gets 412, a retried rule create gets
409 SecurityGroupRuleExists) and then re-reads the object: its fields say
whether the change is there. What cannot be decided is journaled "in-doubt";
resume and rollback re-read such objects before doing anything.

Rollback restores each touched object's recorded before-state, newest first,
only where the object still holds what kostack wrote (else it reports a
conflict and the exact command to restore by hand, unless forced).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kostack.apply.interrupt import RunInterrupted, fix_in_flight
from kostack.apply.journal import ActionLog, Journal
from kostack.apply.messages import Explained, changed_since_planning, explain, with_applied
from kostack.apply.neutron import GroupState, Neutron, NeutronProblem, PortState, RouterState
from kostack.interrupts import deferred_interrupts
from kostack.plan.codec import PlanFormatError
from kostack.plan.model import Action, Operation, Pair, PortFields, Route, restore_command

APPLIED = "applied"
ALREADY = "already-present"
FAILED = "failed"
IN_DOUBT = "in-doubt"

RESTORED = "restored"
ALREADY_ORIGINAL = "already-original"
NOT_CHANGED = "not-changed"
CONFLICT = "conflict"


@dataclass(frozen=True)
class Event:
    """Progress of a run, for the CLI (and for tests that inject faults between steps)."""

    phase: str  # apply | undo
    stage: str  # intent | result
    action: Action
    outcome: str = ""
    message: str = ""


@dataclass(frozen=True)
class Step:
    action_id: str
    outcome: str
    message: str = ""


@dataclass(frozen=True)
class RunReport:
    mode: str  # apply | resume | rollback
    journal: Path
    steps: tuple[Step, ...]
    problems: tuple[Explained, ...]
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and not self.interrupted

    def count(self, outcome: str) -> int:
        return sum(1 for s in self.steps if s.outcome == outcome)


class _Stop(Exception):
    """Ends one action: the outcome to journal and the explanation to show."""

    def __init__(self, outcome: str, explained: Explained, problem: NeutronProblem | None = None):
        super().__init__(explained.line)
        self.outcome = outcome
        self.explained = explained
        self.problem = problem


EventHook = Callable[[Event], None]


class Runner:
    """Runs the actions of a journaled plan against Neutron."""

    def __init__(
        self,
        neutron: Neutron,
        journal: Journal,
        *,
        retries: int = 2,
        backoff_s: float = 0.5,
        on_event: EventHook | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.n = neutron
        self.journal = journal
        self.plan = journal.plan
        self.retries = retries
        self.backoff_s = backoff_s
        self.on_event = on_event
        self.sleep = sleep
        self.expected_group_rev: dict[str, int | None] = {}
        self._current: tuple[Action, str] | None = None  # intent journaled, no result yet

    # ------------------------------------------------------------------ shared

    @property
    def jpath(self) -> str:
        return str(self.journal.path)

    def _emit(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _intent(self, action: Action, before: dict[str, Any], phase: str = "apply") -> None:
        with deferred_interrupts():  # the record and knowing it is in flight go together
            self._journal_intent(action, before, phase)
            self._current = (action, phase)
        self._emit(Event(phase, "intent", action))

    def _journal_intent(self, action: Action, before: dict[str, Any], phase: str) -> None:
        self.journal.append(
            {
                "type": "intent" if phase == "apply" else "undo-intent",
                "action": action.id,
                "operation": str(action.operation),
                "target": {
                    "kind": action.target.kind,
                    "id": action.target.id,
                    "name": action.target.name,
                },
                "before" if phase == "apply" else "current": before,
            }
        )

    def _result(
        self,
        action: Action,
        outcome: str,
        message: str = "",
        *,
        after: dict[str, Any] | None = None,
        phase: str = "apply",
        error: NeutronProblem | None = None,
        **extra: Any,
    ) -> Step:
        with deferred_interrupts():
            self.journal.append(
                {
                    "type": "result" if phase == "apply" else "undo-result",
                    "action": action.id,
                    "outcome": outcome,
                    "message": message,
                    "after": after,
                    "error": error.as_dict() if error is not None else None,
                    **extra,
                }
            )
            self._current = None
        self._emit(Event(phase, "result", action, outcome, message))
        return Step(action.id, outcome, message)

    def _read(
        self,
        fn: Callable[[], Any],
        action: Action,
        problem: NeutronProblem | None = None,
        *,
        in_doubt: bool = True,
    ) -> Any:
        """A read; when it fails the action stays in doubt, or failed if nothing was written yet."""
        try:
            return fn()
        except NeutronProblem as p:
            outcome = IN_DOUBT if in_doubt or problem is not None else FAILED
            raise _Stop(outcome, explain(problem or p, action, self.jpath), problem or p) from p

    def _attempt(self, fn: Callable[[], Any]) -> tuple[Any, NeutronProblem | None, bool]:
        """Run a write with retries on transient failures.

        Returns (value, last problem, ambiguous): ambiguous is True when an
        earlier attempt may have landed although it reported failure.
        """
        ambiguous = False
        attempt = 0
        while True:
            try:
                return fn(), None, ambiguous
            except NeutronProblem as p:
                if not p.transient or attempt >= self.retries:
                    return None, p, ambiguous or p.ambiguous
                ambiguous = ambiguous or p.ambiguous
                attempt += 1
                self.sleep(self.backoff_s * attempt)

    # ------------------------------------------------------------------ apply

    def run(self, mode: str) -> RunReport:
        """Carry out every automatic action not yet done (apply and resume alike)."""
        self.journal.append({"type": "run", "mode": mode, "pid": _pid()})
        logs = self.journal.logs()
        self._init_expected(logs)
        steps: list[Step] = []
        problems: list[Explained] = []
        status = "complete"
        try:
            for action in self.plan.automatic:
                log = logs[action.id]
                if log.outcome in (APPLIED, ALREADY):
                    steps.append(Step(action.id, log.outcome, "done by an earlier run"))
                    continue
                try:
                    steps.append(self._apply(action, log))
                except _Stop as stop:
                    steps.append(
                        self._result(
                            action,
                            stop.outcome,
                            stop.explained.line,
                            error=stop.problem,
                        )
                    )
                    applied = [self.plan.action(s.action_id) for s in steps if s.outcome == APPLIED]
                    problems.append(with_applied(stop.explained, applied, self.jpath))
                    status = "stopped"
                    break
        except KeyboardInterrupt:
            raise self._interrupted(mode, steps) from None
        self.journal.append({"type": "end", "mode": mode, "status": status})
        return RunReport(mode, self.journal.path, tuple(steps), tuple(problems))

    def _interrupted(self, mode: str, steps: list[Step]) -> RunInterrupted:
        """Ctrl-C: re-read the change in flight, journal what it did, end the run."""
        current, self._current = self._current, None
        flight = None
        done = sum(1 for s in steps if s.outcome in (APPLIED, ALREADY, RESTORED, ALREADY_ORIGINAL))
        if current is not None:
            action, phase = current
            log = self.journal.logs()[action.id]
            flight = fix_in_flight(self.n, action, phase, log, self.n.pending)
            if flight.landed is not None:
                outcome = (RESTORED if phase == "undo" else APPLIED) if flight.landed else FAILED
                done += flight.landed
                when = "landed before" if flight.landed else "did not land: interrupted by"
                self._result(
                    action, outcome, f"{when} Ctrl-C (re-read: {flight.seen})", phase=phase
                )
        self.journal.append({"type": "end", "mode": mode, "status": "interrupted"})
        total = len(self.plan.automatic)
        return RunInterrupted(self.journal.path, flight, done, total, current and current[0])

    def _init_expected(self, logs: dict[str, ActionLog]) -> None:
        """Group revisions to expect: the planned one plus the rules kostack already created."""
        for action in self.plan.automatic:
            if action.operation != Operation.ADD_SG_RULE:
                continue
            gid = action.target.id
            rev = self.expected_group_rev.get(gid, action.precondition.revision_number)
            if rev is not None and logs[action.id].outcome == APPLIED:
                rev += 1
            self.expected_group_rev[gid] = rev

    def _apply(self, action: Action, log: ActionLog) -> Step:
        reconcile = log.outcome == IN_DOUBT
        if action.operation in (Operation.ADD_ALLOWED_PAIRS, Operation.DISABLE_PORT_SECURITY):
            return self._apply_port(action, reconcile)
        if action.operation == Operation.ADD_SG_RULE:
            return self._apply_rule(action, log, reconcile)
        if action.operation == Operation.ADD_ROUTER_ROUTES:
            return self._apply_routes(action, log, reconcile)
        raise _Stop(
            FAILED,
            Explained(f"action {action.id}: unknown operation {action.operation}", "plan again"),
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
                "confirmed by re-reading the port" if reconcile else "already in place",
                after=_port_state(cur),
            )
        if not cur.fields.same(action.before) or (rev is not None and cur.revision_number != rev):
            raise _Stop(
                IN_DOUBT if reconcile else FAILED,
                changed_since_planning(action.target, rev, cur.revision_number, self.jpath),
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
                    action, APPLIED, "confirmed by re-reading the port", after=_port_state(now)
                )
            if now.fields.same(action.after):
                return self._result(
                    action, ALREADY, "someone else made the same change", after=_port_state(now)
                )
            untouched = now.fields.same(action.before) and now.revision_number == rev
            # after an attempt with no answer, a port that moved on may hold our write
            # and someone else's after it: that stays in doubt
            outcome = IN_DOUBT if ambiguous and not untouched else FAILED
            if problem.status != 412 and now.revision_number != rev:
                raise _Stop(
                    outcome,
                    changed_since_planning(action.target, rev, now.revision_number, self.jpath),
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
            if before_ids is not None and match.id not in before_ids:
                self.expected_group_rev[gid] = group.revision_number
                return self._result(
                    action,
                    APPLIED,
                    "confirmed by re-reading the group",
                    after=_group_after(group),
                    created_rule_id=match.id,
                )
            self._intent(action, _group_before(group))
            return self._result(
                action,
                ALREADY,
                f"rule {match.id} already admits it",
                after=_group_after(group),
                existing_rule_id=match.id,
            )
        expected = self.expected_group_rev.get(gid, action.precondition.revision_number)
        if expected is not None and group.revision_number != expected:
            raise _Stop(
                FAILED,
                changed_since_planning(action.target, expected, group.revision_number, self.jpath),
            )
        self._intent(action, _group_before(group))
        before = {r.id for r in group.rules}
        rule_id, problem, ambiguous = self._attempt(lambda: self.n.create_rule(gid, action.rule))  # type: ignore[arg-type]  # asserted above
        if problem is None:
            self.expected_group_rev[gid] = group.revision_number + 1
            return self._result(action, APPLIED, f"created rule {rule_id}", created_rule_id=rule_id)
        exists = problem.error_type == "SecurityGroupRuleExists"
        if exists or ambiguous:
            now = self._read(lambda: self.n.group(gid), action, problem)
            found = next((r for r in now.rules if r.rule.key() == key and r.id not in before), None)
            if found is not None and ambiguous:
                self.expected_group_rev[gid] = now.revision_number
                return self._result(
                    action,
                    APPLIED,
                    "confirmed by re-reading the group",
                    after=_group_after(now),
                    created_rule_id=found.id,
                )
            if found is not None:
                return self._result(
                    action,
                    ALREADY,
                    f"another client created the same rule {found.id}",
                    after=_group_after(now),
                    existing_rule_id=found.id,
                )
        raise _Stop(FAILED, explain(problem, action, self.jpath), problem)

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
                    "confirmed by re-reading the router",
                    after=_router_state(router),
                    added_routes=[r.as_dict() for r in added],
                )
            self._intent(action, _router_state(router))
            return self._result(action, ALREADY, "the routes are already there")
        # What matters is the routes the plan adds (`missing` are still to add), not the
        # revision: someone renaming the router or adding their own route since planning
        # changes nothing here, and the PUT below keeps every route it reads now. Only
        # when resuming an in-doubt update must the routes be as the intent recorded them.
        if reconcile and set(router.routes) != _before_routes(log):
            raise _Stop(
                FAILED,
                changed_since_planning(
                    action.target,
                    action.precondition.revision_number,
                    router.revision_number,
                    self.jpath,
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
                    "confirmed by re-reading the router",
                    after=_router_state(now),
                    added_routes=[r.as_dict() for r in missing],
                )
        raise _Stop(FAILED, explain(problem, action, self.jpath), problem)

    # ------------------------------------------------------------------ rollback

    def rollback(self, *, force: bool = False) -> RunReport:
        """Restore every object this journal's runs changed, newest first."""
        self.journal.append({"type": "run", "mode": "rollback", "pid": _pid(), "force": force})
        logs = self.journal.logs()
        started = sorted(
            (log for log in logs.values() if log.started),
            key=lambda log: int(log.intents[0].get("seq", 0)),
            reverse=True,
        )
        steps: list[Step] = []
        problems: list[Explained] = []
        try:
            for log in started:
                action = self.plan.action(log.action_id)
                changed = log.changed_by_kostack()
                if changed is False:
                    steps.append(
                        self._result(
                            action,
                            NOT_CHANGED,
                            "kostack did not change it",
                            phase="undo",
                        )
                    )
                    continue
                try:
                    steps.append(self._undo(action, log, force))
                except _Stop as stop:
                    steps.append(
                        self._result(
                            action,
                            stop.outcome,
                            stop.explained.line,
                            phase="undo",
                            error=stop.problem,
                        )
                    )
                    problems.append(stop.explained)
        except KeyboardInterrupt:
            raise self._interrupted("rollback", steps) from None
        status = "complete" if not problems else "failed"
        self.journal.append({"type": "end", "mode": "rollback", "status": status})
        return RunReport("rollback", self.journal.path, tuple(steps), tuple(problems))

    def _undo(self, action: Action, log: ActionLog, force: bool) -> Step:
        if action.operation in (Operation.ADD_ALLOWED_PAIRS, Operation.DISABLE_PORT_SECURITY):
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
                action, ALREADY_ORIGINAL, "already as before", phase="undo", after=_port_state(cur)
            )
        if not cur.fields.same(action.after) and not force:
            raise _Stop(
                CONFLICT,
                Explained(
                    f"port {pid} ({action.target.name}) changed after kostack changed it; "
                    "not restored, to keep the other change",
                    f"restore it by hand: {restore_command(pid, before)}; or run rollback with "
                    "--force to write the recorded before-state anyway",
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
                    "confirmed by re-reading",
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
                    if r.rule.key() == action.rule.key() and r.id not in before
                ),
                None,
            )
            rule_id = found.id if found is not None else None
        if rule_id is None:
            return self._result(
                action, ALREADY_ORIGINAL, "no rule kostack created is there", phase="undo"
            )
        self._intent(action, {"rule_id": rule_id}, phase="undo")
        deleted, problem, _ambiguous = self._attempt(lambda: self.n.delete_rule(rule_id))
        if problem is not None:
            raise _Stop(FAILED, explain(problem, action, self.jpath, undo=True), problem)
        return self._result(
            action,
            RESTORED if deleted else ALREADY_ORIGINAL,
            f"deleted rule {rule_id}" if deleted else f"rule {rule_id} was already gone",
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
            return self._result(action, ALREADY_ORIGINAL, "the routes are gone", phase="undo")
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
                    "confirmed by re-reading",
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


# --------------------------------------------------------------------------- records


def _pid() -> int:
    import os

    return os.getpid()


def _port_state(state: PortState) -> dict[str, Any]:
    return {"revision_number": state.revision_number, "fields": state.fields.as_dict()}


def _group_before(group: GroupState) -> dict[str, Any]:
    return {
        "revision_number": group.revision_number,
        "rule_ids": sorted(r.id for r in group.rules),
    }


def _group_after(group: GroupState) -> dict[str, Any]:
    return _group_before(group)


def _router_state(router: RouterState) -> dict[str, Any]:
    return {
        "revision_number": router.revision_number,
        "routes": [r.as_dict() for r in router.routes],
    }


def _recorded_before(log: ActionLog) -> PortFields | None:
    """The port fields journaled before kostack's first attempt."""
    before = log.first_before()
    if not before or not isinstance(before.get("fields"), dict):
        return None
    f = before["fields"]
    try:
        return PortFields.of(
            bool(f["port_security_enabled"]),
            [str(g) for g in f["security_groups"]],
            [Pair(str(p["ip_address"]), str(p["mac_address"])) for p in f["allowed_address_pairs"]],
        )
    except (KeyError, TypeError) as exc:
        raise PlanFormatError(
            "a port intent has malformed fields", f"action {log.action_id}"
        ) from exc


def _before_rule_ids(log: ActionLog) -> set[str] | None:
    before = log.first_before()
    if not before or not isinstance(before.get("rule_ids"), list):
        return None
    return {str(i) for i in before["rule_ids"]}


def _before_routes(log: ActionLog) -> set[Route]:
    before = log.first_before()
    if not before or not isinstance(before.get("routes"), list):
        return set()
    return {Route(str(r["destination"]), str(r["nexthop"])) for r in before["routes"]}


# --------------------------------------------------------------------------- entry points


def apply_plan(
    journal: Journal,
    neutron: Neutron,
    *,
    retries: int = 2,
    backoff_s: float = 0.5,
    on_event: EventHook | None = None,
) -> RunReport:
    """Apply (or resume) the journal's plan; a journal with earlier runs is resumed."""
    mode = "resume" if any(True for _ in journal.runs()) else "apply"
    runner = Runner(neutron, journal, retries=retries, backoff_s=backoff_s, on_event=on_event)
    return runner.run(mode)


def rollback_journal(
    journal: Journal,
    neutron: Neutron,
    *,
    force: bool = False,
    retries: int = 2,
    backoff_s: float = 0.5,
    on_event: EventHook | None = None,
) -> RunReport:
    """Undo what the journal's runs changed."""
    runner = Runner(neutron, journal, retries=retries, backoff_s=backoff_s, on_event=on_event)
    return runner.rollback(force=force)


def rollback_preview(journal: Journal) -> list[tuple[Action, str]]:
    """What rollback would look at, newest first, with what the journal says happened."""
    logs = journal.logs()
    out: list[tuple[Action, str]] = []
    for log in sorted(
        (lg for lg in logs.values() if lg.started),
        key=lambda lg: int(lg.intents[0].get("seq", 0)),
        reverse=True,
    ):
        action = journal.plan.action(log.action_id)
        changed = log.changed_by_kostack()
        state = {True: "changed by kostack", False: "not changed", None: "in doubt"}[changed]
        out.append((action, state))
    return out
