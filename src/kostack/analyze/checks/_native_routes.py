"""Router routes for pod traffic the CNI sends unencapsulated between nodes of different
subnets (cause `native-cross-subnet`, engine/encap.py).

Such a packet leaves the source node with the destination pod's own address and goes to the
source subnet's router, which drops it unless an extra route sends the pod's address to its
node. The fix is one route per destination node and pod block of the failing family, via the
node's address of that family, on the one router that joins the subnets: Neutron accepts a
next hop only on a subnet the router has an interface on (neutron `db/extraroute_db.py`
`_validate_routes_nexthop`, docs/facts.md). When that router cannot be named (none joins the
subnets, the source subnets reach several) or a node has no pod range of the family to route,
nothing is proposed for it and the finding says why; the root cause says it for all its
findings at once (`cause_message`: the nodes left out merged, a few names and a count).
Linear in the fact's ends: sources by subnet, targets by node and family, each once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kostack.analyze.checks._facts import FactView, nodes_label
from kostack.analyze.findings import Finding, Remedy
from kostack.analyze.messages import Msg, joined, register
from kostack.model.snapshot import Router

CAUSE = "native-cross-subnet"
EXTRA = "no_route"  # a finding's extra: its Unrouted

register(
    {
        "native-routes.reason": {
            "en": "route {node}'s pods ({block}) to {node} ({via}): pod traffic from other "
            "subnets reaches them unencapsulated",
            "ko": "{node}의 Pod 블록 {block:을/를} {node}의 주소 {via:으로/로} 라우팅: 다른 "
            "서브넷의 Pod 트래픽이 캡슐화 없이 도착함",
        },
        "native-routes.note": {
            "en": "alternative: have the CNI encapsulate pod traffic between subnets (a "
            "CrossSubnet or tunnel mode); the router then needs no route to the pods",
            "ko": "대안: CNI가 서브넷 사이의 Pod 트래픽을 캡슐화하게 하면(CrossSubnet 또는 터널 "
            "모드) 라우터에 Pod로 가는 경로가 필요 없음",
        },
        "native-routes.why": {
            "en": "{message} kostack plans no route for it: {why}.",
            "ko": "{message} kostack은 이에 대한 경로를 계획하지 않습니다: {why}.",
        },
        "native-routes.no-router": {
            "en": "no router has an interface on both {src} and {dst}, and Neutron takes a "
            "route's next hop only on a subnet of the router",
            "ko": "{src:과/와} {dst} 양쪽에 인터페이스가 있는 라우터가 없고, Neutron은 라우터의 "
            "서브넷에 있는 주소만 경로의 다음 홉으로 받습니다",
        },
        "native-routes.several": {
            "en": "the nodes of {subnets} reach several routers ({routers}), and which one "
            "carries their pod traffic is not known",
            "ko": "{subnets}의 노드가 여러 라우터({routers})에 닿아 어느 라우터가 Pod 트래픽을 "
            "전달하는지 알 수 없습니다",
        },
        "native-routes.subnet-unknown": {
            "en": "the subnet of node {node} is not known",
            "ko": "노드 {node}의 서브넷을 알 수 없습니다",
        },
        "native-routes.no-block": {
            "en": "{nodes}: no IPv{version} pod range (block or podCIDR) to route",
            "ko": "{nodes}: 라우팅할 IPv{version} Pod 대역(블록 또는 podCIDR)이 없습니다",
        },
        "native-routes.no-address": {
            "en": "{nodes}: no IPv{version} address on a known subnet",
            "ko": "{nodes}: 알려진 서브넷의 IPv{version} 주소가 없습니다",
        },
    }
)


@dataclass(frozen=True)
class Unrouted:
    """Why no route is planned for some of a fact: about the routers (each said once), and
    the nodes left out by reason and family (message key, IP version) -> names."""

    routers: tuple[str, ...] = ()
    nodes: dict[tuple[str, int], tuple[str, ...]] = field(default_factory=dict)

    @property
    def whys(self) -> tuple[str, ...]:
        left = sorted(self.nodes.items(), key=lambda kv: (kv[0][0] != _NO_ADDRESS, kv[0][1]))
        return (
            *self.routers,
            *(Msg(k, nodes=nodes_label(names), version=v) for (k, v), names in left),
        )


_NO_ADDRESS, _NO_BLOCK = "native-routes.no-address", "native-routes.no-block"


def _router(fv: FactView) -> tuple[Router | None, str]:
    """The one router the fact's sources send through, or None and why."""
    topo = fv.ctx.topo
    on = topo.routers_by_subnet
    subnets: dict[str, str] = {}  # id -> cidr, each source subnet once
    for e in fv.sources:
        if e.view is None:
            continue
        if e.view.subnet is None:
            return None, Msg("native-routes.subnet-unknown", node=e.name)
        subnets.setdefault(e.view.subnet.id, str(e.view.subnet.cidr))
    routers = {r.id: r for sid in subnets for r in on.get(sid, ())}
    if len(routers) > 1:
        names = ", ".join(sorted(r.name or r.id for r in routers.values()))
        return None, Msg(
            "native-routes.several", subnets=", ".join(sorted(subnets.values())), routers=names
        )
    if not routers or any(not on.get(sid) for sid in subnets):
        src = ", ".join(sorted(subnets.values())) or "?"
        return None, Msg("native-routes.no-router", src=src, dst=_target_subnets(fv))
    return next(iter(routers.values())), ""


def _target_subnets(fv: FactView) -> str:
    cidrs = {
        str(s.cidr)
        for e in fv.targets
        if e.view is not None and (s := fv.ctx.topo.node_subnet(e.view, e.ip.version)) is not None
    }
    return ", ".join(sorted(cidrs)) or "?"


def native_routes(fv: FactView) -> tuple[tuple[Remedy, ...], Unrouted]:
    """The routes that carry ``fv``'s pairs across subnets, and why any is missing."""
    if fv.cause != CAUSE:
        return (), Unrouted()
    router, why = _router(fv)
    if router is None:
        return (), Unrouted((why,))
    topo = fv.ctx.topo
    out: list[Remedy] = []
    seen: set[tuple[str, int]] = set()
    # the nodes left out, by why and family (each said once, however many nodes)
    left: dict[tuple[str, int], list[str]] = {}
    off_router: dict[str, None] = {}
    for e in fv.targets:
        view, version = e.view, e.ip.version
        if view is None or (view.name, version) in seen:
            continue
        seen.add((view.name, version))
        via, subnet = view.ip_of(version), topo.node_subnet(view, version)
        blocks = [b for b in view.blocks if b.version == version]
        if via is None or subnet is None:
            left.setdefault((_NO_ADDRESS, version), []).append(view.name)
        elif not blocks:
            left.setdefault((_NO_BLOCK, version), []).append(view.name)
        elif subnet.id not in router.interface_subnet_ids:
            off_router.setdefault(str(subnet.cidr), None)
        else:
            out.extend(_route(router, view.name, str(b), str(via)) for b in blocks)
    whys: list[str] = []
    if off_router:
        src = {str(s.view.subnet.cidr) for s in fv.sources if s.view and s.view.subnet}
        whys.append(
            Msg("native-routes.no-router", src=", ".join(sorted(src)), dst=", ".join(off_router))
        )
    return tuple(out), Unrouted(tuple(whys), {k: tuple(sorted(v)) for k, v in left.items()})


def _route(router: Router, node: str, block: str, via: str) -> Remedy:
    return Remedy(
        "add-router-route",
        "router",
        router.id,
        router.name,
        (("destination", block), ("nexthop", via)),
        Msg("native-routes.reason", node=node, block=block, via=via),
        CAUSE,
        Msg("native-routes.note"),
    )


def with_why(message: str, unrouted: Unrouted) -> str:
    """``message``, and why kostack plans no route for some of it."""
    whys = unrouted.whys
    if not whys:
        return message
    return Msg("native-routes.why", message=message, why=joined(whys))


def cause_message(lead: Finding, findings: Sequence[Finding]) -> str:
    """The root cause's message: its lead's, and why no route is planned for any of its
    findings (another finding's nodes without a pod range, when the lead's flows miss them)."""
    routers: dict[str, str] = {}  # one per kind of reason, the lead's first
    nodes: dict[tuple[str, int], set[str]] = {}
    for f in (lead, *findings):
        each = f.extra.get(EXTRA)
        if isinstance(each, Unrouted):
            for why in each.routers:
                routers.setdefault(why.key if isinstance(why, Msg) else why, why)
            for key, names in each.nodes.items():
                nodes.setdefault(key, set()).update(names)
    message = lead.message
    if not isinstance(lead.extra.get(EXTRA), Unrouted):
        return message  # its why (if any) not known apart from its message: as it is
    if isinstance(message, Msg) and message.key == "native-routes.why":
        message = message.params["message"]
    merged = Unrouted(tuple(routers.values()), {k: tuple(sorted(v)) for k, v in nodes.items()})
    return with_why(message, merged)
