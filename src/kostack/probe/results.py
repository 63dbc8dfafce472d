"""What a probe round produced: the agent's result lines, per probe, whatever the runner.

Both runners (the lab's namespaces, a Kubernetes cluster) hand back a
`ProbeRound`; `kostack.probe.correlate` turns it into snapshot records and
compares it with the static model. Pure data and parsing, no I/O.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from kostack.probe.plan import PlannedProbe, ProbePlan

__all__ = [
    "AGENT_FILES",
    "AGENT_PATH",
    "VERDICTS",
    "AgentOutput",
    "ProbeResult",
    "ProbeRound",
    "SourceRun",
    "collect_results",
    "in_plan_order",
    "now_text",
    "parse_agent_output",
    "skipped",
]

AGENT_PATH: Final = Path(__file__).with_name("agent.py")
# The agent and its modules (one per probe kind), shipped together in one folder: a pod
# gets them all in its ConfigMap, the lab's stand-in kubelet copies them all.
AGENT_FILES: Final = tuple(
    AGENT_PATH.with_name(name)
    for name in ("agent.py", "agent_base.py", "agent_dns.py", "agent_icmp.py", "agent_tcp.py")
)
VERDICTS: Final = ("pass", "fail", "error", "expected-no-reply", "skipped")


@dataclass(frozen=True)
class ProbeResult:
    """One probe as it ran: the agent's verdict plus where it ran from and what it targeted."""

    id: str
    verdict: str
    detail: str
    elapsed_ms: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    source_pod: str | None = None
    source_ip: str | None = None
    target_ip: str | None = None


@dataclass(frozen=True)
class AgentOutput:
    """The parsed stdout of one agent run."""

    results: tuple[dict[str, Any], ...]
    summary: dict[str, Any] | None
    garbage: int = 0


def parse_agent_output(text: str) -> AgentOutput:
    """Result lines and the summary line; lines that are not ours are counted, not trusted."""
    results: list[dict[str, Any]] = []
    summary: dict[str, Any] | None = None
    garbage = 0
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
            garbage += 1
            continue
        if not isinstance(record, dict):
            garbage += 1
        elif record.get("agent") == "kostack-probe" and record.get("done"):
            summary = record
        elif isinstance(record.get("id"), str) and record.get("verdict") in VERDICTS:
            results.append(record)
        else:
            garbage += 1
    return AgentOutput(tuple(results), summary, garbage)


@dataclass(frozen=True)
class SourceRun:
    """One agent run on one node: which pod, its address, how it went."""

    node: str
    pod: str | None
    ip: str | None
    seconds: float
    problem: str = ""
    pool: str = ""  # the Calico IP pool the pod was pinned to (several pools)


@dataclass(frozen=True)
class ProbeRound:
    """A finished round: the plan, one result per planned probe, and how it ran."""

    plan: ProbePlan
    results: tuple[ProbeResult, ...]
    runner: str
    seconds: float
    started_at: str
    sources: tuple[SourceRun, ...] = ()
    problems: tuple[str, ...] = ()

    def result(self, probe_id: str) -> ProbeResult | None:
        return next((r for r in self.results if r.id == probe_id), None)

    def pairs(self) -> list[tuple[PlannedProbe, ProbeResult]]:
        """Planned probes with their results, in plan order."""
        by_id = {r.id: r for r in self.results}
        return [(p, by_id[p.id]) for p in self.plan.probes if p.id in by_id]


def collect_results(
    planned: Sequence[PlannedProbe],
    output: AgentOutput | None,
    *,
    source_pod: str | None,
    targets: Mapping[str, str],
    failure: str = "",
) -> list[ProbeResult]:
    """One ProbeResult per planned probe of a source, from what its agent printed.

    A probe the agent did not report becomes an `error` naming why (the
    agent's failure, or its missing line), never a silent pass or fail.
    """
    reported = {r["id"]: r for r in (output.results if output else ())}
    summary = output.summary if output else None
    source_ip = str(summary["source_ip"]) if summary and summary.get("source_ip") else None
    agent_error = str(summary.get("error", "")) if summary else ""
    out: list[ProbeResult] = []
    for probe in planned:
        target_ip = targets.get(probe.id)
        record = reported.get(probe.id)
        if record is None:
            why = failure or agent_error or "the agent did not report this probe"
            out.append(
                ProbeResult(
                    probe.id,
                    "error",
                    why,
                    source_pod=source_pod,
                    source_ip=source_ip,
                    target_ip=target_ip,
                )
            )
            continue
        elapsed = record.get("elapsed_ms")
        extra = record.get("extra")
        out.append(
            ProbeResult(
                id=probe.id,
                verdict=str(record["verdict"]),
                detail=str(record.get("detail", ""))[:2000],
                elapsed_ms=float(elapsed) if isinstance(elapsed, int | float) else None,
                extra=dict(extra) if isinstance(extra, dict) else {},
                source_pod=source_pod,
                source_ip=source_ip,
                target_ip=target_ip,
            )
        )
    return out


def skipped(
    planned: Iterable[PlannedProbe], why: str, *, source_pod: str | None = None
) -> list[ProbeResult]:
    """Results for probes that could not be sent, saying why."""
    return [ProbeResult(p.id, "skipped", why, source_pod=source_pod) for p in planned]


def now_text() -> str:
    """Now, as a round's ``started_at`` says it (UTC, to the second)."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def in_plan_order(plan: ProbePlan, results: Iterable[ProbeResult]) -> list[ProbeResult]:
    """``results`` in the order ``plan`` lists their probes (any it does not list, last)."""
    order = {p.id: i for i, p in enumerate(plan.probes)}
    return sorted(results, key=lambda r: order.get(r.id, len(order)))
