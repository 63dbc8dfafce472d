"""What an apply or rollback run is made of: outcomes, events, the journaling and retrying core.

``RunnerBase`` journals each action before and after it runs, reads and
retries against Neutron; the apply steps (engine_apply) and the undo steps
(engine_undo) build on it, and ``kostack.apply.engine.Runner`` joins them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kostack.apply.journal import ActionLog, Journal
from kostack.apply.messages import Explained, explain
from kostack.apply.neutron import GroupState, Neutron, NeutronProblem, PortState, RouterState
from kostack.catalog import Msg, said
from kostack.interrupts import deferred_interrupts
from kostack.plan.codec import PlanFormatError
from kostack.plan.model import Action, Pair, PortFields, Route

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

    @property
    def ok(self) -> bool:
        return not self.problems

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


class RunnerBase:
    """Runs the actions of a journaled plan against Neutron: the shared part."""

    def __init__(
        self,
        neutron: Neutron,
        journal: Journal,
        *,
        retries: int = 2,
        backoff_s: float = 0.5,
        on_event: EventHook | None = None,
    ) -> None:
        self.n = neutron
        self.journal = journal
        self.plan = journal.plan
        self.retries = retries
        self.backoff_s = backoff_s
        self.on_event = on_event
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
                    "said": said(message=message),
                    "after": after,
                    "error": error.as_dict() if error is not None else None,
                    **extra,
                }
            )
            self._current = None
        self._emit(Event(phase, "result", action, outcome, message))
        return Step(action.id, outcome, message)

    def _stopped(self, action: Action, stop: _Stop, phase: str = "apply") -> Step:
        """Journal the action as ``stop`` ended it."""
        return self._result(
            action, stop.outcome, stop.explained.line, phase=phase, error=stop.problem
        )

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
                time.sleep(self.backoff_s * attempt)


def _port_state(state: PortState) -> dict[str, Any]:
    return {"revision_number": state.revision_number, "fields": state.fields.as_dict()}


def _group_state(group: GroupState) -> dict[str, Any]:
    return {
        "revision_number": group.revision_number,
        "rule_ids": sorted(r.id for r in group.rules),
    }


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
        raise PlanFormatError(Msg("plan.fmt.intent"), f"action {log.action_id}") from exc


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
