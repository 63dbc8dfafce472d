"""One probe round per cycle on a rotating sample, summarised by node class and probe kind.

The plan is `kostack.probe.plan.build_probe_plan`: every node class is a source
(through its representative), class pairs get pod-to-pod, ICMP, MTU and
transfer probes, and a seeded sample of further sources is added. The seed
is the cycle number, so the sample rotates from cycle to cycle while every
class is covered in each. The runner is given: the probe agents of the
DaemonSet in a cluster (`kostack.probe.agents_runner`), or the network lab.

Results are summarised by *kind* (dns, api-service, pod-to-pod, egress, mtu,
node) and by node class (`kostack.watch.assess.ClassTable` ids), never by
node or node pair.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from kostack.model.snapshot import Snapshot
from kostack.probe.plan import ECHO_PORT, ProbePlan, build_probe_plan
from kostack.probe.results import ProbeRound
from kostack.watch.assess import SERVICE_TARGETS, ClassTable

__all__ = [
    "PROBE_KINDS",
    "ProbeRunner",
    "ProbeSettings",
    "ProbeSummary",
    "plan_round",
    "summarize_round",
]

ProbeRunner = Callable[[ProbePlan], ProbeRound]

# The agent's probe kinds, grouped as metrics show them (icmp-clusterip expects no reply).
PROBE_KINDS: dict[str, str] = {
    "dns-udp": "dns",
    "dns-tcp": "dns",
    "api-tcp": "api-service",
    "api-tls": "api-service",
    "egress": "egress",
    "pod-http": "pod-to-pod",
    "icmp-pod": "pod-to-pod",
    "transfer": "pod-to-pod",
    "mtu": "mtu",
    "icmp-node": "node",
}
KIND_GROUPS = ("dns", "api-service", "pod-to-pod", "egress", "mtu", "node")
_SERVICE_DST = {
    "dns": SERVICE_TARGETS["dns-udp"],
    "api-service": SERVICE_TARGETS["api-service"],
    "egress": SERVICE_TARGETS["egress"],
}


@dataclass(frozen=True)
class ProbeSettings:
    """How rounds are planned (see `kostack probe` for the meaning of each)."""

    timeout: float = 2.0
    egress: tuple[str, int] | None = ("1.1.1.1", 443)
    max_sources: int = 16
    echo_port: int | None = None


def plan_round(snapshot: Snapshot, settings: ProbeSettings, cycle: int) -> ProbePlan:
    """The plan of cycle ``cycle``: the sample's seed is the cycle number (it rotates)."""
    return build_probe_plan(
        snapshot,
        timeout=settings.timeout,
        egress=settings.egress,
        max_sources=settings.max_sources,
        seed=cycle,
        echo_port=settings.echo_port or ECHO_PORT,
        per_pool=False,  # the DaemonSet's agents take whatever pool Calico gives
    )


@dataclass
class ProbeSummary:
    """A finished round by (kind, source class, target class)."""

    seconds: float
    sources: int
    probes: int
    problems: tuple[str, ...] = ()
    # (kind, src_class, dst_class) -> [passed, failed]
    outcomes: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    # (kind, verdict) -> count, every verdict the agent gives
    verdicts: dict[tuple[str, str], int] = field(default_factory=dict)
    # (kind, src_class) -> elapsed seconds of each answered probe
    latencies: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    @property
    def passed(self) -> int:
        return sum(p for p, _ in self.outcomes.values())

    @property
    def failed(self) -> int:
        return sum(f for _, f in self.outcomes.values())

    def success(self) -> dict[tuple[str, str, str], float]:
        """Share of decided probes that passed, per (kind, src_class, dst_class)."""
        return {key: p / (p + f) for key, (p, f) in self.outcomes.items() if p + f}

    def failing(self) -> list[tuple[str, str, str]]:
        return sorted(key for key, (_p, f) in self.outcomes.items() if f)


def summarize_round(round_: ProbeRound, table: ClassTable) -> ProbeSummary:
    """Count a round's results by kind and class; an error or a skip is neither pass nor fail."""
    outcomes: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    verdicts: dict[tuple[str, str], int] = defaultdict(int)
    latencies: dict[tuple[str, str], list[float]] = defaultdict(list)
    for planned, result in round_.pairs():
        kind = PROBE_KINDS.get(planned.kind)
        if kind is None:
            continue
        src = table.of(planned.source_node)
        if kind in _SERVICE_DST:
            dst = _SERVICE_DST[kind]
        elif kind == "node":
            dst = table.of(_node_of_target(planned.id))
        else:
            dst = table.of(planned.target_node)
        verdicts[(kind, result.verdict)] += 1
        if result.verdict == "pass":
            outcomes[(kind, src, dst)][0] += 1
        elif result.verdict == "fail":
            outcomes[(kind, src, dst)][1] += 1
        if result.verdict in ("pass", "fail") and result.elapsed_ms is not None:
            latencies[(kind, src)].append(result.elapsed_ms / 1000.0)
    return ProbeSummary(
        seconds=round_.seconds,
        sources=len(round_.plan.sources),
        probes=len(round_.results),
        problems=round_.problems,
        outcomes=dict(outcomes),
        verdicts=dict(verdicts),
        latencies=dict(latencies),
    )


def _node_of_target(probe_id: str) -> str:
    """The target node of an ``icmp-node/SRC->DST`` probe id."""
    _, _, target = probe_id.partition("->")
    return target
