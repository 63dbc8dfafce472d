"""Everything the load balancer checks share, computed once per Topology.

For each Service of type LoadBalancer and each of its ports: every member's
client leg (from "any client", i.e. the provider's real source) and every
member's health prediction. Linear in services x members (the input).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from kostack.analyze.loadbalancer.index import BalancedService, LBIndex, PortPath
from kostack.analyze.loadbalancer.monitor import MemberHealth, member_health
from kostack.analyze.loadbalancer.path import MemberPath, member_path
from kostack.analyze.times import parse_time
from kostack.analyze.topology import Topology


@dataclass(frozen=True)
class PortAnalysis:
    service: BalancedService
    port: PortPath
    client_legs: tuple[MemberPath, ...]
    health: tuple[MemberHealth, ...]


@dataclass
class LBAnalysis:
    topo: Topology
    index: LBIndex = field(init=False)

    def __post_init__(self) -> None:
        self.index = LBIndex(self.topo)

    @cached_property
    def ports(self) -> tuple[PortAnalysis, ...]:
        out = []
        for bs in self.index.services:
            for pp in bs.ports:
                legs = tuple(
                    member_path(self.index, bs, pp, mv, None, ignore_member_status=True)
                    for mv in pp.members
                )
                health = tuple(member_health(self.index, bs, pp, mv) for mv in pp.members)
                out.append(PortAnalysis(bs, pp, legs, health))
        return tuple(out)

    @cached_property
    def _by_service(self) -> dict[int, tuple[PortAnalysis, ...]]:
        """Each Service's ports, found by the Service's identity (one pass over all ports)."""
        out: dict[int, list[PortAnalysis]] = {}
        for pa in self.ports:
            out.setdefault(id(pa.service), []).append(pa)
        return {k: tuple(v) for k, v in out.items()}

    def ports_of(self, bs: BalancedService) -> tuple[PortAnalysis, ...]:
        """``bs``'s ports (a lookup: every check asks this for every Service)."""
        return self._by_service.get(id(bs), ())

    @cached_property
    def now(self) -> datetime | None:
        """When the snapshot was taken (ages are measured against it, never the clock)."""
        return parse_time(self.topo.snapshot.created_at)

    def age(self, *stamps: str | None) -> float | None:
        """Seconds from the first of ``stamps`` that reads as a time to the snapshot, or None."""
        then = next((t for t in map(parse_time, stamps) if t is not None), None)
        now = self.now
        return (now - then).total_seconds() if now is not None and then is not None else None


def lb_analysis(topo: Topology) -> LBAnalysis:
    """The shared analysis for ``topo`` (built on first use, kept on the topology itself:
    a weak-keyed module cache whose value holds the topology would never let it go)."""
    found = topo.derived.get("lb")
    if not isinstance(found, LBAnalysis):
        found = LBAnalysis(topo)
        topo.derived["lb"] = found
    return found
