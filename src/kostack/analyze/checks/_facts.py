"""From a family's facts to findings: one finding per (cause, hop, node set), with examples.

A fact is a group of flows (engine/families.py): every pair of the family
that fails, in one world, at one hop. Its finding names the hop, the nodes
where the cause sits (the source ports for anti-spoofing and egress, the
target ports for ingress and replies), how many pairs it breaks out of how
many, and up to three traced example flows. Its `key` is what the diagnosis
compares across worlds.
"""

from __future__ import annotations

from collections.abc import Sequence

from kostack.analyze.checks.base import CheckContext, Says, end_ports
from kostack.analyze.engine.family_records import End, Fact, FamilyResult, hop_id, side_of
from kostack.analyze.engine.node_names import NAMES_SHOWN as NAMES_SHOWN  # re-exported
from kostack.analyze.engine.node_names import nodes_label as nodes_label  # re-exported
from kostack.analyze.engine.types import Disposition, FlowResult, Hop
from kostack.analyze.findings import Finding, Remedy, Resource, Status
from kostack.analyze.messages import Msg, register

register(
    {
        "pools.one": {"en": "IP pool {cidrs}", "ko": "IP 풀 {cidrs}"},
        "pools.many": {"en": "IP pools {cidrs}", "ko": "IP 풀 {cidrs}"},
        "pools.more": {"en": "{cidrs} and {more} more", "ko": "{cidrs} 외 {more}개"},
        "pods.in": {"en": "pods in {pools}", "ko": "{pools}의 Pod"},
        "pods.outside": {
            "en": "pods outside every IP pool",
            "ko": "어느 IP 풀에도 속하지 않은 Pod",
        },
        "pods.in-and-outside": {
            "en": "pods in {pools} and pods outside every IP pool",
            "ko": "{pools}의 Pod 및 어느 IP 풀에도 속하지 않은 Pod",
        },
        "flow.at": {"en": "{where}: {detail}", "ko": "{where}: {detail}"},
        # the hop that decided, after its evidence: the engine's step name, then what it says
        "flow.step": {"en": "{step}: {detail}", "ko": "{step}: {detail}"},
        "flow.line": {"en": "{flow} -> {result}", "ko": "{flow} -> {result}"},
        "flow.ok": {"en": "ok", "ko": "정상"},
        "flow.denied": {"en": "dropped at {where}: {detail}", "ko": "{where}에서 차단됨: {detail}"},
        "flow.denied-reply": {
            "en": "dropped at {where} (reply): {detail}",
            "ko": "{where}에서 응답이 차단됨: {detail}",
        },
        "flow.no-route": {
            "en": "no route at {where}: {detail}",
            "ko": "{where}에서 경로 없음: {detail}",
        },
        "flow.no-route-reply": {
            "en": "no route at {where} (reply): {detail}",
            "ko": "{where}에서 응답 경로 없음: {detail}",
        },
        "flow.unknown": {
            "en": "undecided at {where}: {detail}",
            "ko": "{where}에서 판단 불가: {detail}",
        },
        "flow.unknown-reply": {
            "en": "undecided at {where} (reply): {detail}",
            "ko": "{where}에서 응답 판단 불가: {detail}",
        },
    }
)

POOLS_SHOWN = 4


def cidrs_label(cidrs: Sequence[str]) -> str:
    """ "a", "a, b", "a, b, c, d and 46 more": a list of ranges, bounded."""
    shown = ", ".join(cidrs[:POOLS_SHOWN])
    if len(cidrs) > POOLS_SHOWN:
        return Msg("pools.more", cidrs=shown, more=len(cidrs) - POOLS_SHOWN)
    return shown


def pools_label(cidrs: Sequence[str]) -> str:
    """ "IP pool a", "IP pools a, b", "IP pools a, b, c, d and 46 more" (``cidrs`` not empty)."""
    return Msg("pools.one" if len(cidrs) == 1 else "pools.many", cidrs=cidrs_label(cidrs))


def pods_label(cidrs: Sequence[str], outside: bool) -> str:
    """The pods of these pools, and (``outside``) those whose address is in no pool, said
    so: never a bare "-"."""
    if not cidrs:
        return Msg("pods.outside")
    return Msg("pods.in-and-outside" if outside else "pods.in", pools=pools_label(cidrs))


def hop_text(hop: Hop) -> str:
    verb = {Disposition.DENIED: "denied", Disposition.NO_ROUTE: "no-route"}.get(
        hop.disposition, "unknown"
    )
    side = "-reply" if hop.direction == "reply" else ""
    return Msg(f"flow.{verb}{side}", where=hop.where, detail=hop.detail)


def flow_line(result: FlowResult, hop: Hop | None = None) -> str:
    shown = hop if hop is not None else result.blocking
    return Msg(
        "flow.line", flow=result.describe(), result=hop_text(shown) if shown else Msg("flow.ok")
    )


def evidence_of(hop: Hop | None) -> tuple[str, ...]:
    if hop is None:
        return ()
    return (
        *tuple(e.text() for e in hop.evidence),
        Msg("flow.step", step=hop.step, detail=hop.detail),
    )


def status_of(fact: Fact) -> Status:
    return Status.UNKNOWN if fact.hop[3] == str(Disposition.UNKNOWN) else Status.FAIL


class FactView:
    """What a check needs to say about a fact: its hop, its nodes, its examples."""

    def __init__(self, ctx: CheckContext, result: FamilyResult, fact: Fact) -> None:
        self.ctx = ctx
        self.result = result
        self.fact = fact
        # the hop of the fact in its first example flow
        self.hop = next(h for h in fact.examples[0].hops if hop_id(h) == fact.hop)
        self.side = side_of(self.hop.step)
        # the ends that can be in its pairs (engine/drafts.py), not whole classes
        self.sources: list[End] = fact.src_ends or result.members("src", fact.src_classes)
        self.targets: list[End] = fact.dst_ends or result.members("dst", fact.dst_classes)

    @property
    def status(self) -> Status:
        return status_of(self.fact)

    @property
    def cause(self) -> str:
        return self.hop.cause

    def side_ends(self) -> list[End]:
        if self.side == "src":
            return self.sources
        if self.side == "dst":
            return self.targets
        return self.sources + self.targets

    def side_names(self) -> list[str]:
        return sorted({e.name for e in self.side_ends()})

    def src_label(self) -> str:
        return nodes_label(sorted({e.name for e in self.sources}), len(self.ctx.topo.node_views))

    def dst_label(self) -> str:
        return nodes_label(sorted({e.name for e in self.targets}), len(self.ctx.topo.node_views))

    def words(self) -> dict[str, object]:
        """The fact's usual message fields: its sources, its targets, their node pairs and the
        deciding hop's detail."""
        return dict(
            src=self.src_label(), dst=self.dst_label(), n=self.fact.pairs, detail=self.hop.detail
        )

    def pods_label(self) -> str:
        """The pods, by Calico pool, of the ends where the cause sits (both sides for a hop on
        the path between), for a cluster of several pools (`pods_label`)."""
        topo = self.ctx.topo
        found: set[str] = set()
        outside = False
        for e in self.side_ends():
            pool = topo.pool_for(e.ip)
            if pool is None:
                outside = True
            else:
                found.add(str(pool.cidr))
        return pods_label(sorted(found), outside)

    def affected(self) -> tuple[Resource, ...]:
        return end_ports(self.ctx, self.side_ends())

    def finding(
        self,
        say: Says,
        message: str,
        remedies: tuple[Remedy, ...],
        *,
        cause: str,
        counts: tuple[tuple[str, int], ...],
        key: tuple[object, ...] | None = None,
        flows: tuple[str, ...] | None = None,
        extra: dict[str, object] | None = None,
    ) -> Finding:
        """The cluster finding of this fact: the hop as evidence, its example flows, the ports
        and nodes of its side; ``cause`` (the check's) when it fails, else the hop's."""
        return say.cluster(
            self.ctx,
            self.status,
            message,
            (self.hop.detail, *(e.text() for e in self.hop.evidence)),
            remedies,
            flows=self.flows() if flows is None else flows,
            cause=cause if self.status == Status.FAIL else self.cause,
            affected=self.affected(),
            counts=counts,
            nodes=tuple(self.side_names()),
            key=self.key() if key is None else key,
            extra=extra or {},
        )

    def end_names(self) -> tuple[str, ...]:
        """Every node at either end of the fact's pairs, sorted: where a pair's traffic is a
        node agent's (kubelet, Felix to Typha), the pods that need it are on either end."""
        return tuple(sorted({e.name for e in (*self.sources, *self.targets)}))

    def flows(self) -> tuple[str, ...]:
        out = []
        for r in self.fact.examples:
            hop = next((h for h in r.hops if hop_id(h) == self.fact.hop), r.blocking)
            out.append(flow_line(r, hop))
        return tuple(out)

    def key(self) -> tuple[object, ...]:
        """Identity across worlds: the hop, the node sets, the scope."""
        return (
            self.fact.hop,
            tuple(sorted({e.name for e in self.sources})),
            tuple(sorted({e.name for e in self.targets})),
            self.fact.pairs,
        )
