"""Kubernetes Events from `kostack guard`, in its language (``--lang``).

- a port fixed: ``PairsAdded`` (Normal) on its Node; guard's pairs removed:
  ``PairsRemoved`` on the Node when one still uses the port, else on guard's
  Deployment;
- audit mode: ``DriftDetected`` (Warning) on a Node the first time its port
  is seen lacking pairs (not again every pass: `DriftMemory`);
- either mode: ``ConsentNeeded`` (Warning) on a Node the first time its port is seen
  lacking pairs only `kostack fix` adds (Calico eBPF DSR's: `Drift.consent`), likewise once;
- ``BreakerOpen`` (Warning) / ``BreakerClosed`` (Normal) and
  ``LeaderElected`` (Normal) on guard's Deployment.

At most ``MAX_NODE_EVENTS`` Node Events per pass; the sink (shared with
`kostack watch`, `kostack.serve.events`) rate-limits them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kostack.guard.messages import say
from kostack.guard.render import short
from kostack.guard.state import PassReport
from kostack.serve.events import EventSpec, Workload

__all__ = [
    "COMPONENT",
    "MAX_NODE_EVENTS",
    "DriftMemory",
    "breaker_event",
    "leader_event",
    "pass_events",
]

COMPONENT = "kostack-guard"
MAX_NODE_EVENTS = 20


@dataclass
class DriftMemory:
    """Which (port, missing pairs) audit Events were already posted (bounded by the ports)."""

    seen: dict[str, tuple[str, ...]] = field(default_factory=dict)
    consent: dict[str, tuple[str, ...]] = field(default_factory=dict)


def pass_events(
    report: PassReport, lang: str, workload: Workload | None, memory: DriftMemory
) -> list[EventSpec]:
    out: list[EventSpec] = []
    nodes = 0
    for done in report.done:
        if done.outcome != "applied" or nodes >= MAX_NODE_EVENTS:
            continue
        port = short(done.target)
        if done.added and done.node:
            text = say(lang, "event.pairs.added", port=port, cidrs=", ".join(done.added))
            out.append(EventSpec.on_node(done.node, "PairsAdded", "Normal", text))
            nodes += 1
        if done.removed:
            why = say(lang, "report.why.unneeded" if done.node else "report.why.left")
            text = say(
                lang, "event.pairs.removed", port=port, cidrs=", ".join(done.removed), why=why
            )
            if done.node:
                out.append(EventSpec.on_node(done.node, "PairsRemoved", "Normal", text))
                nodes += 1
            elif workload is not None:
                out.append(EventSpec.on_workload(workload, "PairsRemoved", "Normal", text))
    if report.mode == "audit" and report.drift is not None:
        current: dict[str, tuple[str, ...]] = {}
        for drift in report.drift.ports:
            if not drift.add or not drift.node:
                continue
            current[drift.port_id] = drift.add
            if memory.seen.get(drift.port_id) == drift.add or nodes >= MAX_NODE_EVENTS:
                continue
            text = say(lang, "event.drift", port=short(drift.port_id), cidrs=", ".join(drift.add))
            out.append(EventSpec.on_node(drift.node, "DriftDetected", "Warning", text))
            nodes += 1
        memory.seen = current
    if report.drift is not None:
        out.extend(_consent_events(report, lang, memory, MAX_NODE_EVENTS - nodes))
    return out


def _consent_events(
    report: PassReport, lang: str, memory: DriftMemory, room: int
) -> list[EventSpec]:
    """A Warning on each node whose port lacks pairs guard leaves to `kostack fix` (Calico
    eBPF DSR's), the first time they are seen (again when they change), within ``room``."""
    assert report.drift is not None
    out: list[EventSpec] = []
    current: dict[str, tuple[str, ...]] = {}
    for port_id, node, pairs in report.drift.consent:
        current[port_id] = pairs
        if memory.consent.get(port_id) == pairs or len(out) >= room or not node:
            continue
        text = say(lang, "event.consent.dsr", port=short(port_id), cidrs=", ".join(pairs))
        out.append(EventSpec.on_node(node, "ConsentNeeded", "Warning", text))
    memory.consent = current
    return out


def breaker_event(opened: bool, why: str, lang: str, workload: Workload | None) -> list[EventSpec]:
    if workload is None:
        return []
    if opened:
        text = say(lang, "event.breaker.open", why=why)
        return [EventSpec.on_workload(workload, "BreakerOpen", "Warning", text)]
    text = say(lang, "event.breaker.closed")
    return [EventSpec.on_workload(workload, "BreakerClosed", "Normal", text)]


def leader_event(identity: str, lang: str, workload: Workload | None) -> list[EventSpec]:
    if workload is None:
        return []
    text = say(lang, "event.leader", identity=identity)
    return [EventSpec.on_workload(workload, "LeaderElected", "Normal", text)]
