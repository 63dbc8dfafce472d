"""Nodes whose Calico traffic does not run where kostack judges it: calico-node's own address
(Node annotation projectcalico.org/IPv4Address, `Calico.node_addresses`) is not the node's
InternalIP (docs/facts.md "Calico's node address").

BIRD peers from that address, its routes to pods point at the peer's, and Felix ends the VXLAN
tunnels there: so a node's BGP sessions, IPIP and VXLAN packets and the unencapsulated pod
traffic between nodes leave and enter through the interface that holds it, not the InternalIP's
port the engine judges. Until the engine judges that interface's port, every such flow of such a
node is undecided at a hop naming the address and, where it is another port's, the port (never
a pass judged on the InternalIP's port). net-calico-node-address says what the address is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kostack.analyze.engine.types import Disposition, Hop
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import Port

if TYPE_CHECKING:
    from kostack.analyze.topology import NodeView, Topology

CAUSE = "calico-address"
KEY = "calico-moved"  # in Topology.derived: lives exactly as long as the topology

register(
    {
        "hop.calico-moved": {
            "en": "calico-node on {node} uses {ip}, not its InternalIP {internal}, for BGP and "
            "its tunnels; kostack judges the InternalIP's port, so whether Calico's traffic "
            "between nodes passes is not decided here (net-calico-node-address)",
            "ko": "{node}의 calico-node는 BGP와 터널에 InternalIP {internal:이/가} 아닌 {ip:을/를} "
            "씁니다. kostack은 InternalIP의 포트를 판단하므로 노드 간 Calico 트래픽이 통과하는지 "
            "여기서는 정하지 않습니다(net-calico-node-address)",
        },
        "hop.calico-moved-port": {
            "en": "calico-node on {node} uses {ip}, not its InternalIP {internal}, for BGP and "
            "its tunnels: Calico's traffic between nodes runs through port {port} ({name}), "
            "whose security groups, anti-spoofing and network kostack does not judge, so "
            "whether it passes is not decided here (net-calico-node-address)",
            "ko": "{node}의 calico-node는 BGP와 터널에 InternalIP {internal:이/가} 아닌 {ip:을/를} "
            "씁니다. 노드 간 Calico 트래픽은 {port}({name}) 포트로 흐르는데, kostack은 그 포트의 "
            "보안 그룹, anti-spoofing, 네트워크를 판단하지 않으므로 통과 여부를 여기서는 정하지 "
            "않습니다(net-calico-node-address)",
        },
    }
)


def moved(topo: Topology) -> dict[str, str]:
    """Node name -> why its Calico traffic is undecided, for each node whose Calico address is
    not one of its InternalIPs; empty for a cluster whose CNI is not Calico, or a snapshot
    without the addresses. Computed once per topology: linear in nodes and ports."""
    found = topo.derived.get(KEY)
    if found is None:
        found = topo.derived[KEY] = _moved(topo)
    assert isinstance(found, dict)
    return found


def _moved(topo: Topology) -> dict[str, str]:
    cl = topo.snapshot.cluster
    calico = cl.cni.calico if cl is not None and cl.cni.type == "calico" else None
    if calico is None or not calico.node_addresses:
        return {}
    by_ip: dict[object, Port] | None = None
    out: dict[str, str] = {}
    for name, ips in calico.node_addresses.items():
        view = topo.node_views.get(name)
        off = [ip for ip in ips if view is not None and ip not in view.ips]
        if view is None or not off:
            continue
        if by_ip is None:
            by_ip = {f.ip_address: p for p in topo.ports.values() for f in p.fixed_ips}
        out[name] = _why(view, off[0], by_ip.get(off[0]))
    return out


def _why(view: NodeView, ip: object, port: Port | None) -> str:
    internal = ", ".join(str(a) for a in view.ips) or "-"
    if port is None:
        return Msg("hop.calico-moved", node=view.name, ip=ip, internal=internal)
    name = port.name or "-"
    args = {"node": view.name, "ip": ip, "internal": internal}
    return Msg("hop.calico-moved-port", port=port.id, name=name, **args)


def moved_hops(topo: Topology, src: NodeView, dst: NodeView) -> list[Hop]:
    """The undecided hops of a Calico flow between nodes where either end is a moved node: the
    route, and each filter the flow would meet on the port that carries it (anti-spoofing and
    egress at the source, ingress at the target), so a family judging only those steps (the
    security groups', net-sg-bgp's) is undecided too, never passed; empty when neither is."""
    found = moved(topo)
    at_src, at_dst = found.get(src.name), found.get(dst.name) if found else None
    if at_src is None and at_dst is None:
        return []
    out: list[Hop] = []
    steps: tuple[str, ...]
    if at_src is not None:
        where = Msg("where.node", node=src.name)
        steps = ("route", "antispoof", "sg-egress")
        out += [Hop(step, where, Disposition.UNKNOWN, at_src, cause=CAUSE) for step in steps]
    if at_dst is not None:
        where = Msg("where.node", node=dst.name)
        steps = ("sg-ingress",) if out else ("route", "sg-ingress")
        out += [Hop(step, where, Disposition.UNKNOWN, at_dst, cause=CAUSE) for step in steps]
    return out


def calico_flow(topo: Topology, proto: int, port: int | None) -> bool:
    """Whether a node-to-node flow is Calico's own: BGP (TCP 179), IPIP (protocol 4), VXLAN
    (its UDP port)."""
    if proto == 4:
        return True
    cl = topo.snapshot.cluster
    calico = cl.cni.calico if cl is not None else None
    vxlan = (calico.vxlan_port if calico is not None else None) or 4789
    return (proto == 6 and port == 179) or (proto == 17 and port == vxlan)
