"""What guard knows between passes: the last pass, the breaker, leadership, readiness.

The loop is the only writer; the HTTP server and the metrics read, under
the lock, immutable values (a `PassReport` is frozen). Nothing grows with
the number of passes.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kostack.errors import ExitCode
from kostack.guard.breaker import BreakerDecision
from kostack.guard.drift import Drift
from kostack.guard.enforce import Done
from kostack.guard.messages import say
from kostack.serve.status import ready_limit

__all__ = ["RESULTS", "GuardState", "PassReport", "actionable", "pass_result", "remaining_items"]

STATUS_PORTS = 200  # ports listed in /status (the counts are whole)

# clean: nothing to do; drift: audit found drift; fixed: enforce made every change;
# partial: enforce left drift (held removals, rate limit, failed writes, pairs only `kostack
# fix` adds: Calico eBPF DSR's); held: breaker open;
# incomplete: no drift to act on but a reading gap; unreachable; standby; crashed
RESULTS = (
    "clean",
    "drift",
    "fixed",
    "partial",
    "held",
    "incomplete",
    "unreachable",
    "standby",
    "crashed",
)


@dataclass(frozen=True)
class PassReport:
    """One pass: what was read, what drifted, what the breaker said, what was done."""

    number: int
    mode: str
    started_at: float
    seconds: float
    result: str
    drift: Drift | None = None
    breaker: BreakerDecision | None = None
    done: tuple[Done, ...] = ()
    deferred: int = 0
    rereads: int = 0
    remaining: int = 0  # drift items left after the pass (confirmed by a re-read with --once)
    openstack_requests: int = 0
    kubernetes_requests: int = 0
    error: str = ""
    hint: str = ""
    holder: str = ""
    not_leader: bool = False

    def count(self, *outcomes: str) -> int:
        return sum(1 for d in self.done if d.outcome in outcomes)

    @property
    def failed(self) -> int:
        return self.count("failed", "in-doubt", "applied-untagged")

    @property
    def read_ok(self) -> bool:
        return self.result not in ("unreachable", "standby", "crashed")

    def exit_code(self) -> ExitCode:
        """The exit code of `kostack guard --once` (those of `kostack fix`)."""
        if self.result == "unreachable":
            return ExitCode.UNREACHABLE
        if self.result == "crashed":
            return ExitCode.INTERNAL
        if self.failed:
            return ExitCode.APPLY_FAILED
        if self.result in ("held", "incomplete"):
            return ExitCode.PARTIAL
        if self.result in ("drift", "partial"):
            return ExitCode.FINDINGS
        return ExitCode.OK

    def as_dict(self) -> dict[str, Any]:
        drift = self.drift.as_dict() if self.drift is not None else None
        if drift is not None and len(drift["ports"]) > STATUS_PORTS:
            drift["ports_shown"] = STATUS_PORTS
            drift["ports"] = drift["ports"][:STATUS_PORTS]
        return {
            "pass": self.number,
            "mode": self.mode,
            "started_at": self.started_at,
            "seconds": round(self.seconds, 3),
            "result": self.result,
            "exit_code": int(self.exit_code()),
            "drift": drift,
            "breaker": self.breaker.as_dict() if self.breaker is not None else None,
            "done": [
                {
                    "action": d.action,
                    "target": d.target,
                    "node": d.node,
                    "outcome": d.outcome,
                    "detail": d.detail,
                    "error": d.error,
                }
                for d in self.done
            ],
            "deferred": self.deferred,
            "rereads": self.rereads,
            "remaining": self.remaining,
            "requests": {
                "openstack": self.openstack_requests,
                "kubernetes": self.kubernetes_requests,
            },
            "error": self.error,
            "hint": self.hint,
            "holder": self.holder,
        }


@dataclass
class GuardState:
    """Shared between the loop (writer) and the server and metrics (readers)."""

    mode: str
    interval: float
    lang: str = "en"
    clock: Callable[[], float] = time.time
    lock: threading.Lock = field(default_factory=threading.Lock)
    passes: int = 0
    last: PassReport | None = None
    last_read_at: float | None = None  # end of the last pass that read both sources
    last_read_seconds: float = 0.0  # how long that pass took
    breaker_open: bool = False
    leader: bool = True
    holder: str = ""
    lease: dict[str, Any] | None = None
    claims: int = 0

    def next_pass(self) -> int:
        with self.lock:
            self.passes += 1
            return self.passes

    def record(self, report: PassReport) -> None:
        with self.lock:
            self.last = report
            if report.read_ok:
                self.last_read_at = report.started_at + report.seconds
                self.last_read_seconds = report.seconds
            if report.breaker is not None:
                self.breaker_open = report.breaker.open

    def readiness(self) -> tuple[bool, str]:
        with self.lock:
            leader, holder, at = self.leader, self.holder, self.last_read_at
            took = self.last_read_seconds
        if not leader:
            return True, say(self.lang, "ready.standby", holder=holder or "?")
        if at is None:
            return False, say(self.lang, "ready.none")
        age = max(0.0, self.clock() - at)
        limit = ready_limit(self.interval, took)
        if age > limit:
            return False, say(
                self.lang, "ready.stale", age=f"{age:.0f}", limit=f"{round(limit, 1):g}"
            )
        return True, say(self.lang, "ready.ok", age=f"{age:.0f}")

    def status(self, version: str) -> dict[str, Any]:
        ready, reason = self.readiness()
        with self.lock:
            last = self.last
            body: dict[str, Any] = {
                "kostack_version": version,
                "mode": self.mode,
                "interval_seconds": self.interval,
                "ready": ready,
                "ready_reason": reason,
                "leader": self.leader,
                "holder": self.holder,
                "lease": self.lease,
                "breaker_open": self.breaker_open,
                "passes": self.passes,
                "claims_in_doubt": self.claims,
            }
        body["last_pass"] = last.as_dict() if last is not None else None
        return body

    def status_json(self, version: str) -> str:
        return json.dumps(self.status(version), ensure_ascii=False)


# --------------------------------------------------------------------------- a pass's outcome


def actionable(drift: Drift) -> bool:
    return any(p.changes_pairs or p.changes_tags for p in drift.ports) or any(
        r.add or r.delete for r in drift.rules
    )


def remaining_items(drift: Drift, done: list[Done]) -> int:
    """Drift items the pass did not settle (without re-reading: from what was done)."""
    settled = {(d.action, d.target) for d in done if d.outcome in ("applied", "already")}
    ports_done = {
        target for action, target in settled if action in ("add-pairs", "remove-pairs", "tags")
    }
    left = 0
    for port in drift.ports:
        if port.port_id not in ports_done:
            left += len(port.add) + len(port.remove) + len(port.claim) + len(port.unclaim)
    rule_done = sum(
        1
        for d in done
        if d.action in ("add-rule", "delete-rule") and d.outcome in ("applied", "already")
    )
    return left + max(0, drift.rule_adds + drift.rule_deletes - rule_done)


def pass_result(
    mode: str,
    drift: Drift,
    decision: BreakerDecision,
    done: list[Done],
    deferred: int,
    remaining: int,
) -> str:
    if decision.open:
        return "held"
    said = _pass_result(mode, drift, done, deferred, remaining)
    if drift.consent and said in ("clean", "fixed"):
        # pairs only `kostack fix` adds (Calico eBPF DSR's): left, as audit leaves drift
        return "drift" if mode != "enforce" else "partial"
    return said


def _pass_result(mode: str, drift: Drift, done: list[Done], deferred: int, remaining: int) -> str:
    uncertain = (
        any(h.key in ("hold.gaps", "hold.unknown") for h in drift.holds)
        or any(p.held for p in drift.ports)
        or any(r.held or r.add_held for r in drift.rules)
    )
    if mode != "enforce":
        if drift.items:
            return "drift"
        return "incomplete" if uncertain else "clean"
    if not done and not drift.items:
        return "incomplete" if uncertain else "clean"
    failed = any(d.outcome in ("failed", "in-doubt", "applied-untagged") for d in done)
    if remaining or deferred or failed:
        return "partial"
    return "incomplete" if uncertain else "fixed"
