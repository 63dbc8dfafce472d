"""Shared logic of the flow checks (DNS, API service, pod-to-pod, egress)."""

from __future__ import annotations

from kostack.analyze.reach import Disposition, FlowResult


def blocked_text(result: FlowResult) -> str:
    hop = result.blocking
    if hop is None:
        return "ok"
    verb = {
        Disposition.DENIED: "dropped",
        Disposition.NO_ROUTE: "no route",
        Disposition.UNKNOWN: "undecided",
    }.get(hop.disposition, str(hop.disposition))
    side = " (reply)" if hop.direction == "reply" else ""
    return f"{verb} at {hop.where}{side}: {hop.detail}"


def evidence_of(result: FlowResult) -> tuple[str, ...]:
    hop = result.blocking
    if hop is None:
        return ()
    return (*tuple(e.text() for e in hop.evidence), f"{hop.step}: {hop.detail}")


def cause_of(result: FlowResult) -> str:
    hop = result.blocking
    return hop.cause if hop is not None else ""
