"""neutron-egress-ip-pairs: the ports of nodes that may hold an egress IP let it out.

Antrea's Egress and Cilium's egress gateway SNAT chosen pods' outbound traffic to an address
that is not the node's fixed IP; Antrea's agent also answers ARP/NDP for it from the node's
MAC. Neutron's anti-spoofing drops every packet with that source (and the answers) unless the
address is a fixed IP or in an allowed address pair of the port (docs/facts.md "Egress IPs").
One finding per pool, static Egress or gateway, naming its nodes with counts, never one per
(address, node).
"""

from __future__ import annotations

from collections.abc import Mapping

from kostack.analyze.checks._allocation import in_allocation_pool
from kostack.analyze.checks._egress import Held, antrea_held, cilium_held
from kostack.analyze.checks._facts import cidrs_label, nodes_label
from kostack.analyze.checks._vip_ports import pair_covers
from kostack.analyze.checks.base import CheckContext, Kind, Says, missing, view_ports
from kostack.analyze.checks.neutron_port_security_disabled import unplaced_findings
from kostack.analyze.findings import PAIR_OP, Finding, Remedy, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.remedy import pair_remedy
from kostack.analyze.topology import NodeView, Topology, net_within
from kostack.model.snapshot import IPAddress, IPNetwork, Subnet

ID = "neutron-egress-ip-pairs"
TITLE = (
    "Ports of nodes that may hold an egress IP (Antrea Egress, Cilium egress gateway) let it out"
)
SEVERITY = Severity.HIGH
SAY = Says(ID, SEVERITY)
SEVERITY_NOTE = (
    "high: Neutron drops every packet the selected pods send out through the egress IP (and, "
    "for Antrea, the ARP/NDP answers for it): those pods lose their outbound traffic while "
    "every other pod works; an egress IP inside a subnet's allocation pool is a warning (cause "
    "`vip-allocation-pool`): nothing breaks until Neutron hands it out."
)
NEEDS = ("cluster.egress_ips", "cluster.nodes", "openstack.ports", "node_ports")
REMEDIES: frozenset[str] = frozenset({PAIR_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "egress-antispoof": Kind.ROOT | Kind.PORT,
    "vip-allocation-pool": Kind.WARNING,
}
CAUSE = "egress-antispoof"
USERS_SHOWN = 4

register(
    {
        f"{ID}.what.antrea-pool": {
            "en": "Antrea ExternalIPPool {name} (Egress {users})",
            "ko": "Antrea ExternalIPPool {name}(Egress {users})",
        },
        f"{ID}.more": {"en": "{names} and {more} more", "ko": "{names} 외 {more}개"},
        f"{ID}.what.antrea-egress": {"en": "Antrea Egress {name}", "ko": "Antrea Egress {name}"},
        f"{ID}.what.cilium": {
            "en": "CiliumEgressGatewayPolicy {name}",
            "ko": "CiliumEgressGatewayPolicy {name}",
        },
        f"{ID}.fail": {
            "en": "{what} SNATs pods' traffic to {cidrs}, which {nodes} ({n} {n:port/ports}) may "
            "hold, but {n:its port keeps/their ports keep} anti-spoofing on with no allowed "
            "address pair covering it: Neutron drops what those pods send out (and the ARP/NDP "
            "answers), so they lose their outbound traffic while other pods keep theirs.",
            "ko": "{what:은/는} Pod 트래픽을 {cidrs} 주소로 SNAT하며 {nodes:이/가} 이 주소를 가질 "
            "수 있는데(포트 {n}개), 해당 포트에는 anti-spoofing이 켜져 있고 이를 포함하는 Allowed "
            "Address Pair가 없습니다: Neutron이 그 Pod들이 내보내는 트래픽(그리고 ARP/NDP 응답)을 "
            "차단해, 다른 Pod와 달리 그 Pod들만 외부로 나가지 못합니다.",
        },
        f"{ID}.reason": {
            "en": "let {node} send from {what}'s egress IPs",
            "ko": "{node:이/가} {what}의 egress IP로 보낼 수 있게 함",
        },
        f"{ID}.outside": {
            "en": "{what} uses {cidrs}, outside the subnets of the nodes that may hold it: its "
            "packets reach the outside only through routes kostack does not model, so whether "
            "they pass is not known.",
            "ko": "{what:은/는} {cidrs} 주소를 쓰는데 이를 가질 수 있는 노드들의 서브넷 밖입니다: "
            "kostack이 다루지 않는 경로로만 나가므로 통과하는지 알 수 없습니다.",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide for {what}: {why}.",
            "ko": "{what}에 대해 판단할 수 없음: {why}.",
        },
        f"{ID}.why.no-node": {
            "en": "it has an egress IP but no pool, and no node holds it (status.egressNode is "
            "empty), so which node's port must carry it is not known",
            "ko": "풀 없이 egress IP만 있고 이를 가진 노드가 없어(status.egressNode 비어 있음) 어느 "
            "노드의 포트에 필요한지 알 수 없습니다",
        },
        f"{ID}.why.selector": {
            "en": "its node selector is missing or has an operator a LabelSelector does not "
            "have, so which nodes may hold the IP is not known",
            "ko": "노드 셀렉터가 없거나 LabelSelector에 없는 연산자를 써서 어느 노드가 IP를 가질 수 "
            "있는지 알 수 없습니다",
        },
        f"{ID}.why.vlan": {
            "en": "its IPs leave tagged with VLAN {vlan} (subnetInfo.vlan), which a Neutron "
            "port passes only through a trunk kostack does not model",
            "ko": "IP가 VLAN {vlan} 태그(subnetInfo.vlan)를 달고 나가는데, Neutron 포트는 kostack이 "
            "다루지 않는 트렁크로만 이를 통과시킵니다",
        },
        f"{ID}.why.interface": {
            "en": "it SNATs to the first address of interface {interface} on the gateway, which "
            "the snapshot does not hold",
            "ko": "게이트웨이의 {interface} 인터페이스 첫 주소로 SNAT하는데 스냅샷에 그 주소가 "
            "없습니다",
        },
        f"{ID}.allocation": {
            "en": "{cidrs} ({what}) lie in the allocation pools of subnet {subnet} ({pools}): "
            "Neutron may give one of these addresses to a new port, which then shares it with "
            "the egress IP. Leave them out: {command}.",
            "ko": "{cidrs}({what}) 대역이 서브넷 {subnet}의 할당 풀({pools}) 안에 있습니다: Neutron이 "
            "이 주소 중 하나를 새 포트에 주면 egress IP와 주소가 겹칩니다. 할당 풀에서 빼세요: "
            "{command}.",
        },
        f"{ID}.unread": {
            "en": "{cni} is the CNI but its {kinds} were not read: which egress IPs pods use, and "
            "on which nodes, is not known.",
            "ko": "CNI가 {cni}이지만 {kinds} 목록을 읽지 못해, Pod가 어떤 egress IP를 어느 "
            "노드에서 쓰는지 알 수 없습니다.",
        },
        f"{ID}.unfiltered": {
            "en": "The ports of {nodes} may not be filtered by Neutron's firewall (SR-IOV, bare "
            "metal) and have no pair for the egress IPs they may hold: whether their traffic "
            "passes is not known.",
            "ko": "{nodes}의 포트는 Neutron 방화벽이 거르지 않을 수 있는 포트(SR-IOV, 베어메탈)이며 "
            "가질 수 있는 egress IP에 대한 pair가 없습니다: 트래픽이 통과하는지 알 수 없습니다.",
        },
        f"{ID}.not-collected": {
            "en": "No Antrea Egress or Cilium egress gateway policy was collected (the CNI is "
            "neither Antrea nor Cilium with its egress gateway enabled, or the snapshot "
            "predates them).",
            "ko": "수집된 Antrea Egress나 Cilium egress gateway 정책이 없습니다(CNI가 Antrea도, "
            "egress gateway를 켠 Cilium도 아니거나, 이를 수집하기 전의 스냅샷입니다).",
        },
        f"{ID}.none": {
            "en": "No egress IP other than the nodes' own addresses is in use ({cni}).",
            "ko": "노드 자신의 주소 말고 사용 중인 egress IP가 없습니다({cni}).",
        },
        f"{ID}.unheld": {
            "en": "No node may hold the {n} egress IP {n:range/ranges} in use (their node "
            "selectors select no node): no port sends from them.",
            "ko": "사용 중인 egress IP 대역 {n}개를 가질 수 있는 노드가 없어(노드 셀렉터가 "
            "고르는 노드가 없음) 그 주소로 보내는 포트가 없습니다.",
        },
        f"{ID}.pass": {
            "en": "The ports of the nodes that may hold {n} egress IP {n:range/ranges} let them "
            "out (an allowed address pair, a fixed IP, or no anti-spoofing).",
            "ko": "egress IP 대역 {n}개를 가질 수 있는 노드의 포트가 이를 내보냅니다(Allowed "
            "Address Pair나 고정 IP가 있거나 anti-spoofing이 꺼져 있음).",
        },
    }
)


# a subnet, the pools/Egresses/gateways with addresses in it, and those addresses (ordered sets)
Placed = tuple[Subnet, dict[tuple[str, str], Held], dict[IPNetwork, None]]


def _covered(
    view: NodeView, cidr: IPNetwork, topo: Topology, owners: Mapping[IPAddress, str]
) -> bool | None:
    """A pair (with the port's own MAC: the traffic leaves with it) holding ``cidr``, a fixed
    IP of a port of the same server (its own, or a second NIC's: Cilium's docs give the
    gateway an interface of its own for the egress IP), or no anti-spoofing; None: a port
    Neutron's firewall may not filter. ``owners``: each fixed IP's port's device."""
    port = view.port
    assert port is not None
    if cidr.num_addresses == 1 and owners.get(cidr[0]) in (port.device_id, port.id):
        return True
    return pair_covers(port, cidr, topo)


def _what(h: Held) -> str:
    users = ", ".join(h.users[:USERS_SHOWN])
    if len(h.users) > USERS_SHOWN:
        users = Msg(f"{ID}.more", names=users, more=len(h.users) - USERS_SHOWN)
    return Msg(f"{ID}.what.{h.kind}", name=h.name, users=users)


def run(ctx: CheckContext) -> list[Finding]:
    cl = ctx.snapshot.cluster
    egress = cl.egress_ips if cl is not None else None
    if egress is None:
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.not-collected"))]
    cni = "Antrea" if egress.cni == "antrea" else "Cilium"
    lists = (
        {"Egresses": egress.egresses, "ExternalIPPools": egress.pools}
        if egress.cni == "antrea"
        else {"CiliumEgressGatewayPolicies": egress.policies}
    )
    unread = [kind for kind, value in lists.items() if value is None]
    if unread:
        gap = ctx.snapshot.gap_for(NEEDS[0])
        evidence = (f"gap: {gap.source}: {gap.error}",) if gap else ()
        said = Msg(f"{ID}.unread", cni=cni, kinds=", ".join(unread))
        return [SAY.cluster(ctx, Status.UNKNOWN, said, evidence)]
    gone = missing(ctx, ID, SEVERITY, NEEDS[1:2])
    if gone:
        return gone
    assert cl is not None and cl.nodes is not None
    held = (antrea_held if egress.cni == "antrea" else cilium_held)(egress, cl.nodes)
    if not held:
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.none", cni=cni))]
    gone = missing(ctx, ID, SEVERITY, NEEDS[2:])
    if gone:
        return gone
    return _judge(ctx, held)


def _judge(ctx: CheckContext, held: list[Held]) -> list[Finding]:
    topo = ctx.topo
    ports = (ctx.snapshot.openstack.ports if ctx.snapshot.openstack else None) or ()
    owners = {f.ip_address: p.device_id or p.id for p in ports for f in p.fixed_ips}
    out: list[Finding] = []
    no_port: dict[str, NodeView] = {}
    unsure: dict[str, NodeView] = {}
    judged = 0
    in_subnet: dict[str, Placed] = {}
    for h in held:
        if h.unknown is not None:
            why = Msg(f"{ID}.why.{h.unknown[0]}", **h.unknown[1])
            said = Msg(f"{ID}.unknown", what=_what(h), why=why)
            out.append(SAY.cluster(ctx, Status.UNKNOWN, said, key=("unknown", h.kind, h.name)))
            continue
        views = [topo.node_views[n] for n in h.nodes if n in topo.node_views]
        if not views:
            continue  # no node may hold it: nothing leaves with it
        judged += 1
        outside: list[IPNetwork] = []
        gaps: dict[str, tuple[NodeView, list[IPNetwork]]] = {}
        for cidr in h.cidrs:
            inside = False
            for v in views:
                subnet = topo.node_subnet(v, cidr.version)
                if subnet is None or not net_within(cidr, subnet.cidr):
                    continue
                inside = True
                if not (cidr.num_addresses == 1 and cidr[0] in owners):  # a port's own
                    _note(in_subnet, subnet, h, cidr)
                covered = _covered(v, cidr, topo, owners) if v.port is not None else None
                if v.port is None:
                    no_port[v.name] = v
                elif covered is None:
                    unsure[v.name] = v
                elif not covered:
                    gaps.setdefault(v.name, (v, []))[1].append(cidr)
            if not inside:
                outside.append(cidr)
        if outside:
            said = Msg(f"{ID}.outside", what=_what(h), cidrs=cidrs_label([str(c) for c in outside]))
            out.append(SAY.cluster(ctx, Status.UNKNOWN, said, key=("outside", h.kind, h.name)))
        if gaps:
            out.append(_fail(ctx, h, list(gaps.values())))
    for subnet, holders, cidrs in in_subnet.values():
        what = ", ".join(_what(h) for h in holders.values())
        out.extend(in_allocation_pool(ctx, SAY, f"{ID}.allocation", subnet, what, list(cidrs)))
    out += unplaced_findings(ctx, SAY, no_port, unsure, f"{ID}.unfiltered")
    if any(f.status in (Status.FAIL, Status.UNKNOWN) for f in out):
        return out
    if not judged:  # every selector selects no node: no port sends from these IPs
        said = Msg(f"{ID}.unheld", n=len(held))
        return [*out, SAY.cluster(ctx, Status.NOT_APPLICABLE, said)]
    return [*out, SAY.cluster(ctx, Status.PASS, Msg(f"{ID}.pass", n=judged))]


def _note(in_subnet: dict[str, Placed], subnet: Subnet, h: Held, cidr: IPNetwork) -> None:
    """Record that ``h``'s ``cidr`` lies in ``subnet`` (for its allocation-pool warning)."""
    _, holders, cidrs = in_subnet.setdefault(subnet.id, (subnet, {}, {}))
    holders.setdefault((h.kind, h.name), h)
    cidrs.setdefault(cidr, None)


def _fail(ctx: CheckContext, h: Held, gaps: list[tuple[NodeView, list[IPNetwork]]]) -> Finding:
    what = _what(h)
    views = [v for v, _ in gaps]
    remedies: list[Remedy] = []
    for v, cidrs in gaps:
        assert v.port is not None
        why = Msg(f"{ID}.reason", node=v.name, what=what)
        remedies.extend(pair_remedy(v.port, v.name, c, why, CAUSE) for c in cidrs)
    return SAY.cluster(
        ctx,
        Status.FAIL,
        Msg(
            f"{ID}.fail",
            what=what,
            cidrs=cidrs_label([str(c) for c in h.cidrs]),
            nodes=nodes_label([v.name for v in views], len(ctx.topo.node_views)),
            n=len(views),
        ),
        tuple(
            f"port {v.port.id} ({v.name}) allowed_address_pairs="
            f"{[str(p.ip_address) for p in v.port.allowed_address_pairs]}"
            for v in views[:8]
            if v.port is not None
        ),
        tuple(remedies),
        cause=CAUSE,
        affected=view_ports(ctx, views),
        nodes=tuple(v.name for v in views),
        counts=(("nodes", len(views)),),
        key=("pairs", h.kind, h.name),
    )
