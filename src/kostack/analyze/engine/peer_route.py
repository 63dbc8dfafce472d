"""The route hop over Calico's BGPPeers (the node-to-node mesh off): whether a route to a
pod's block reaches a node through a shared session or one route reflector, decided by cases
from each node's state (engine/peering.py `Peering`; docs/facts.md "BGPPeers and route
reflectors")."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kostack.analyze.engine.bgp_routes import peers_routed
from kostack.analyze.engine.peering import (
    ASN_ANNOTATION,
    RR_ANNOTATION,
    SESSIONS_PER_NODE,
    Peering,
    peering,
)
from kostack.analyze.engine.types import Disposition, Evidence, Hop
from kostack.analyze.messages import Msg
from kostack.analyze.topology import NodeView, Topology
from kostack.model.snapshot import IPAddress


def peer_route(topo: Topology, src: NodeView, dst: NodeView, dst_ip: IPAddress) -> Hop | None:
    """The route hop src -> a pod ``dst_ip`` on dst over BGPPeers; None: not over them."""
    p = peering(topo)
    pool = topo.pool_for(dst_ip)
    if p is None or pool is None or not peers_routed(topo, pool):
        return None
    v = dst_ip.version
    block = next((b for b in dst.blocks if b.version == v and dst_ip in b), dst_ip)
    mode = f"{pool.ipip_mode}/{pool.vxlan_mode}"
    ev = (Evidence("ippool", pool.name, "ipipMode/vxlanMode", mode),)
    where = Msg("where.route", node=src.name)

    def hop(
        disposition: Disposition, detail: str, evidence: tuple[Evidence, ...] = (), cause: str = ""
    ) -> Hop:
        return Hop("bgp-route", where, disposition, detail, (*ev, *evidence), cause=cause)

    if p.unknown is not None:
        peer, selector = p.unknown
        detail = Msg("hop.rr-selector", block=block, peer=peer, selector=selector)
        evidence = (Evidence("bgppeer", peer, "selector", selector),)
        return hop(Disposition.UNKNOWN, detail, evidence, "gap")
    if p.many:
        detail = Msg("hop.rr-many", block=block, most=SESSIONS_PER_NODE)
        return hop(Disposition.UNKNOWN, detail, (), "gap")
    return _decide(p, src, dst, v, dict(block=block, src=src.name, dst=dst.name), hop)


Make = Callable[..., Hop]


def _decide(
    p: Peering, src: NodeView, dst: NodeView, v: int, names: dict[str, object], hop: Make
) -> Hop:
    """Route by cases: a shared working session (one side a reflector, or one reflector both
    reach, one of them its client); else what leaves it open; else why there is none."""
    s, d = p.state(src.name, v), p.state(dst.name, v)
    block = names["block"]

    def through(a: frozenset[str], b: frozenset[str]) -> list[str]:
        ends = (src.name, dst.name)
        return sorted(r for r in a & b if r in ends or not s.rr == d.rr == p.rr[r])

    via = through(s.works, d.works)
    if via:
        r = via[0]
        key = "hop.rr-direct" if r in (src.name, dst.name) else "hop.rr-ok"
        evidence = (Evidence("node", r, RR_ANNOTATION, p.rr[r]),)
        return hop(Disposition.ACCEPTED, Msg(key, **names, rr=r), evidence)
    maybe = through(s.works | s.undecided, d.works | d.undecided)
    if maybe:
        why = s.why or d.why
        detail = Msg("hop.rr-undecided", **names, rr=maybe[0], why=why.detail if why else "")
        return hop(Disposition.UNKNOWN, detail, (), why.cause if why else "gap")
    s_rr, d_rr = s.works | s.undecided, d.works | d.undecided
    if s_rr and d_rr and p.cross:
        a, b = ", ".join(sorted(s_rr)), ", ".join(sorted(d_rr))
        return hop(Disposition.UNKNOWN, Msg("hop.rr-chain", **names, a=a, b=b), (), "gap")
    ends = ((s, src), (d, dst))
    for state, view in ends:
        if state.ebgp:
            return _ebgp(p, view.name, state.ebgp, block, hop)
    for state, view in ends:
        if state.external in ("works", "undecided"):
            detail = Msg("hop.rr-external", block=block, node=view.name, ip=state.external_ip)
            return hop(Disposition.UNKNOWN, detail, (), "gap")
    for state, view in ends:
        if state.others:
            detail = Msg("hop.rr-others", block=block, node=view.name)
            return hop(Disposition.UNKNOWN, detail, (), "gap")
    for state, view in ends:
        if not state.configured:
            detail = Msg("hop.rr-no-peer", block=block, node=view.name)
            mesh = Evidence("bgpconfiguration", "default", "nodeToNodeMeshEnabled", "false")
            return hop(Disposition.NO_ROUTE, detail, (mesh,), "bgp-no-peer")
        if not state.alive:
            peers = ", ".join(sorted(p.sessions.get(view.name, {})))
            detail = Msg("hop.rr-blocked", block=block, node=view.name, peers=peers)
            return hop(
                Disposition.NO_ROUTE, detail, _evidence(state.blocked), _cause(state.blocked)
            )
    a, b = ", ".join(sorted(s.works)) or "-", ", ".join(sorted(d.works)) or "-"
    cause = _cause((*s.blocked, *d.blocked)) if s.blocked or d.blocked else "bgp-no-peer"
    detail = Msg("hop.rr-apart", **names, a=a, b=b)
    return hop(Disposition.NO_ROUTE, detail, _evidence((*s.blocked, *d.blocked)), cause)


def _ebgp(p: Peering, node: str, peer: str, block: object, hop: Make) -> Hop:
    calico = p.calico
    a, b = (calico.as_of(n) if calico is not None else None for n in (node, peer))
    detail = Msg("hop.rr-ebgp", block=block, node=node, peer=peer, a=a or "?", b=b or "?")
    own = calico.node_as_numbers if calico is not None else {}
    evidence = tuple(
        Evidence("node", n, ASN_ANNOTATION, str(own[n])) for n in (node, peer) if n in own
    )
    return hop(Disposition.UNKNOWN, detail, evidence, "gap")


def _cause(hops: Sequence[Hop]) -> str:
    """`bgp-blocked`, or the stateless cause when only the sessions' replies are dropped."""
    if hops and all(h.direction == "reply" and h.cause for h in hops):
        return hops[0].cause
    return "bgp-blocked"


def _evidence(hops: Sequence[Hop]) -> tuple[Evidence, ...]:
    return tuple(dict.fromkeys(e for h in hops for e in h.evidence))
