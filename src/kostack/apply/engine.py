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

import os

from kostack.analyze.messages import Msg
from kostack.apply.engine_apply import ApplySteps
from kostack.apply.engine_base import (
    ALREADY,
    ALREADY_ORIGINAL,
    APPLIED,
    FAILED,
    NOT_CHANGED,
    RESTORED,
    Event,
    EventHook,
    RunReport,
    Step,
    _Stop,
)
from kostack.apply.engine_undo import UndoSteps
from kostack.apply.interrupt import RunInterrupted, fix_in_flight
from kostack.apply.journal import ActionLog, Journal
from kostack.apply.messages import Explained, with_applied
from kostack.apply.neutron import Neutron
from kostack.plan.model import Action, Operation

# The outcomes, events and the shared core live in engine_base, the steps in engine_apply and
# engine_undo; importers may keep using this module for them.
__all__ = [
    "ALREADY",
    "APPLIED",
    "Event",
    "RunReport",
    "Runner",
    "apply_plan",
    "rollback_journal",
    "rollback_preview",
]


class Runner(ApplySteps, UndoSteps):
    """Runs the actions of a journaled plan against Neutron."""

    def run(self, mode: str) -> RunReport:
        """Carry out every automatic action not yet done (apply and resume alike)."""
        self.journal.append({"type": "run", "mode": mode, "pid": os.getpid()})
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
                    steps.append(self._stopped(action, stop))
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
                note = Msg("int.landed" if flight.landed else "int.not-landed", seen=flight.seen)
                self._result(action, outcome, note, phase=phase)
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

    # ------------------------------------------------------------------ rollback

    def rollback(self, *, force: bool = False) -> RunReport:
        """Restore every object this journal's runs changed, newest first."""
        self.journal.append({"type": "run", "mode": "rollback", "pid": os.getpid(), "force": force})
        started = _newest_first(self.journal)
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
                    steps.append(self._stopped(action, stop, "undo"))
                    problems.append(stop.explained)
        except KeyboardInterrupt:
            raise self._interrupted("rollback", steps) from None
        status = "complete" if not problems else "failed"
        self.journal.append({"type": "end", "mode": "rollback", "status": status})
        return RunReport("rollback", self.journal.path, tuple(steps), tuple(problems))


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


def _newest_first(journal: Journal) -> list[ActionLog]:
    """The journal's started actions, the latest started first (the order rollback undoes them)."""
    started = (log for log in journal.logs().values() if log.started)
    return sorted(started, key=lambda log: int(log.intents[0].get("seq", 0)), reverse=True)


# what the journal says of an action (kostack.apply.messages words it)
STATE_WORDS = {
    True: "apply.state.changed",
    False: "apply.state.unchanged",
    None: "apply.state.in-doubt",
}


def rollback_preview(journal: Journal) -> list[tuple[Action, Msg]]:
    """What rollback would look at, newest first, with what the journal says happened."""
    out: list[tuple[Action, Msg]] = []
    for log in _newest_first(journal):
        action = journal.plan.action(log.action_id)
        changed = log.changed_by_kostack()
        state = Msg(STATE_WORDS[changed])
        out.append((action, state))
    return out
