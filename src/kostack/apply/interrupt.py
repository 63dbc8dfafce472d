"""After Ctrl-C in the middle of a change: did it land? Re-read and tell.

A write whose request was sent may be carried out by the server although the
client stopped listening. So the change in flight is looked at once more
(its request gets ``SETTLE_S`` to finish, the re-read ``REREAD_S``: the user
hears back within two seconds) and the answer is one of: it landed, it did
not land, or it cannot be told yet (the request is still unanswered: it may
land later; resume and rollback re-read it first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

from kostack.apply.journal import ActionLog
from kostack.apply.neutron import Neutron
from kostack.catalog import Msg, register
from kostack.deadline import DeadlineExceeded, Worker, within
from kostack.plan.model import PORT_OPERATIONS, Action, Operation, Route

register(
    {
        "int.landed": {
            "en": "landed before Ctrl-C (re-read: {seen})",
            "ko": "Ctrl-C 전에 반영됨 (다시 읽은 결과: {seen})",
        },
        "int.not-landed": {
            "en": "did not land: interrupted by Ctrl-C (re-read: {seen})",
            "ko": "반영되지 않음: Ctrl-C로 중단됨 (다시 읽은 결과: {seen})",
        },
        "int.reread": {
            "en": "re-read after Ctrl-C: {seen}",
            "ko": "Ctrl-C 후 다시 읽은 결과: {seen}",
        },
        "int.seen.cannot": {
            "en": "cannot re-read {kind} {id}",
            "ko": "{kind} {id:을/를} 다시 읽을 수 없음",
        },
        "int.seen.port": {
            "en": "port {id} is at revision {rev}",
            "ko": "포트 {id}의 리비전은 {rev}",
        },
        "int.seen.group": {
            "en": "security group {id} is at revision {rev}",
            "ko": "보안 그룹 {id}의 리비전은 {rev}",
        },
        "int.seen.router": {
            "en": "router {id} is at revision {rev}",
            "ko": "라우터 {id}의 리비전은 {rev}",
        },
        "int.seen.no-answer": {
            "en": "{seen}; its request had no answer yet",
            "ko": "{seen}; 요청에 아직 응답이 없음",
        },
        "int.seen.waits": {
            "en": "it only waits for pods: nothing was being changed",
            "ko": "Pod를 기다리기만 하는 단계: 바뀌던 것이 없음",
        },
        "int.seen.no-cluster": {
            "en": "the cluster could not be re-read",
            "ko": "클러스터를 다시 읽을 수 없음",
        },
        "int.seen.reread-failed": {
            "en": "the re-read failed ({error})",
            "ko": "다시 읽기 실패 (“{error}”)",
        },
        "int.seen.policy": {
            "en": "the volume's reclaim policy is {policy}",
            "ko": "볼륨의 reclaim policy는 {policy}",
        },
        "int.seen.claim-gone": {"en": "the claim is gone", "ko": "PVC가 삭제됨"},
        "int.seen.claim-terminating": {
            "en": "the claim is being deleted (Terminating)",
            "ko": "PVC 삭제 중 (Terminating)",
        },
        "int.seen.claim-there": {"en": "the claim is still there", "ko": "PVC가 아직 있음"},
        "int.seen.no-records": {"en": "no release record is left", "ko": "남은 릴리스 기록 없음"},
        "int.seen.records": {"en": "release records: {listed}", "ko": "릴리스 기록: {listed}"},
        "int.seen.none": {"en": "none", "ko": "없음"},
        "int.seen.unknown-step": {"en": "unknown step", "ko": "알 수 없는 단계"},
        "int.seen.helm-running": {
            "en": "{seen}; helm (pid {pid}) is still running the step on its own",
            "ko": "{seen}; helm이 아직 이 단계를 혼자 실행 중 (pid {pid})",
        },
    }
)

__all__ = ["REREAD_S", "SETTLE_S", "InFlight", "RunInterrupted", "fix_in_flight", "reread"]

T = TypeVar("T")

SETTLE_S: Final = 0.5  # how long the interrupted request gets to finish
REREAD_S: Final = 1.0  # how long the re-read may take


@dataclass(frozen=True)
class InFlight:
    """The change Ctrl-C interrupted, and what a re-read found."""

    step: str  # the action id (fix) or step number (release)
    landed: bool | None  # None: cannot tell (the request may still be carried out)
    seen: str  # what the re-read saw, in words


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run, after the journal was brought up to date."""

    def __init__(
        self, journal: Path, in_flight: InFlight | None, done: int, total: int, action: Any = None
    ) -> None:
        super().__init__("interrupted")
        self.journal = journal
        self.in_flight = in_flight
        self.done = done
        self.total = total
        self.action = action
        self.finished: Any = None  # the step that ran to its end before the run stopped


def reread(what: str, fn: Callable[[], T]) -> T | None:
    """``fn()`` within REREAD_S; None when it fails or takes longer (we are exiting)."""
    try:
        return within(REREAD_S, what, fn)
    except (DeadlineExceeded, Exception):
        return None


def fix_in_flight(
    neutron: Neutron, action: Action, phase: str, log: ActionLog, pending: Worker | None
) -> InFlight:
    """Whether the fix action (``phase`` apply or undo) in flight at Ctrl-C landed."""
    settled = pending is None or pending.wait(SETTLE_S)
    before = log.first_before()
    undo = phase == "undo"
    target = action.target
    landed: bool | None = None
    seen = Msg("int.seen.cannot", kind=target.kind.replace("_", " "), id=target.id)
    if action.operation in PORT_OPERATIONS:
        port = reread("re-read the port", lambda: neutron.port(target.id))
        if port is not None and action.after is not None and action.before is not None:
            wanted, original = (
                (action.before, action.after) if undo else (action.after, action.before)
            )
            seen = Msg("int.seen.port", id=target.id, rev=port.revision_number)
            if port.fields.same(wanted):
                landed = True
            elif port.fields.same(original):
                landed = False
    elif action.operation == Operation.ADD_SG_RULE and action.rule is not None:
        group = reread("re-read the group", lambda: neutron.group(target.id))
        if group is not None:
            known = {str(i) for i in (before or {}).get("rule_ids") or ()}
            key = action.rule.key()
            if undo:
                current = log.undo_intents[-1].get("current") if log.undo_intents else None
                gone = log.created_rule_id() or str((current or {}).get("rule_id") or "")
                present = any(r.id == gone for r in group.rules)
            else:
                present = any(r.rule.key() == key and r.id not in known for r in group.rules)
            seen = Msg("int.seen.group", id=target.id, rev=group.revision_number)
            landed = present != undo
    elif action.operation == Operation.ADD_ROUTER_ROUTES:
        router = reread("re-read the router", lambda: neutron.router(target.id))
        if router is not None:
            added = _added_routes(action, before)
            there = [r for r in added if r in router.routes]
            seen = Msg("int.seen.router", id=target.id, rev=router.revision_number)
            if len(there) == (0 if undo else len(added)):
                landed = True
            elif len(there) == (len(added) if undo else 0):
                landed = False
    if landed is False and not settled:
        landed = None  # the request is still out: it may be carried out later
    return InFlight(action.id, landed, seen)


def _added_routes(action: Action, before: dict[str, Any] | None) -> list[Route]:
    old = {
        Route(str(r.get("destination")), str(r.get("nexthop")))
        for r in (before or {}).get("routes") or ()
        if isinstance(r, dict)
    }
    return [r for r in action.routes if r not in old]


def release_in_flight(
    action: Any,
    before: dict[str, Any] | None,
    state: Callable[[], dict[str, Any] | None],
    pending: Worker | None,
    helm_pid: int | None = None,
) -> tuple[dict[str, Any] | None, InFlight]:
    """The re-read state of the reinstall step in flight at Ctrl-C, and whether it landed
    (``helm_pid``: the helm still running the step on its own, so it cannot be told yet)."""
    settled = pending is None or pending.wait(SETTLE_S)
    after = reread("re-read the cluster", state)
    flight = _release_landed(action.step, action.op, before, after)
    if helm_pid is not None:
        seen = Msg("int.seen.helm-running", seen=flight.seen, pid=helm_pid)
        return after, InFlight(flight.step, None, seen)
    if flight.landed is False and not settled and action.op in ("retain-pv", "delete-pvc"):
        # its request is still out: the server may yet carry it out
        flight = InFlight(flight.step, None, Msg("int.seen.no-answer", seen=flight.seen))
    return after, flight


def _release_landed(
    step: int, op: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> InFlight:
    label = str(step)
    if op in ("wait-ready", "check-ready"):
        return InFlight(label, False, Msg("int.seen.waits"))
    if after is None:
        return InFlight(label, None, Msg("int.seen.no-cluster"))
    if "error" in after:
        return InFlight(label, None, Msg("int.seen.reread-failed", error=after["error"]))
    gone = after.get("exists") is False
    if op == "retain-pv":
        policy = after.get("reclaimPolicy")
        return InFlight(label, policy == "Retain", Msg("int.seen.policy", policy=policy))
    if op == "delete-pvc":
        if gone:
            return InFlight(label, True, Msg("int.seen.claim-gone"))
        if after.get("terminating"):
            return InFlight(label, True, Msg("int.seen.claim-terminating"))
        return InFlight(label, False, Msg("int.seen.claim-there"))
    revisions = list(after.get("revisions") or [])
    was = list((before or {}).get("revisions") or [])
    listed = ", ".join(revisions) or Msg("int.seen.none")
    if op == "helm-uninstall":
        if not revisions:
            return InFlight(label, True, Msg("int.seen.no-records"))
        landed = False if revisions == was else None
        return InFlight(label, landed, Msg("int.seen.records", listed=listed))
    if op == "helm-install":
        if revisions == was:
            return InFlight(label, False, Msg("int.seen.records", listed=listed))
        done = all("(deployed)" in r for r in revisions[-1:])
        return InFlight(label, True if done else None, Msg("int.seen.records", listed=listed))
    return InFlight(label, None, Msg("int.seen.unknown-step"))
