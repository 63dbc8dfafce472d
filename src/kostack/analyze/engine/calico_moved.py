"""Where Calico's traffic between nodes runs: calico-node's own address (Node annotation
projectcalico.org/IPv4Address, `Calico.node_addresses`; docs/facts.md "Calico's node address")
is not always the node's InternalIP.

BIRD peers from that address, its routes to pods point at the peer's, and Felix ends the VXLAN
tunnels there: so a node's BGP sessions, IPIP and VXLAN packets and the unencapsulated pod
traffic between nodes leave and enter through the interface that holds it. When that is a fixed
IP of a port of the node's own server (a second NIC: a management network and a data network),
the engine judges those flows on that port: `calico_views` gives the node as Calico's traffic
sees it (that port, that address, its subnet), `calico_pair` both ends of a flow. When the two
ends' Calico addresses are on different subnets and either is not the InternalIP, which
interface the packets leave by depends on the nodes' own routes (not collected): undecided,
never passed. An address no port of the server holds, or one several nodes claim, is "moved":
every such flow of such a node is undecided at a hop naming the address (and, where another
server's port holds it, the port). net-calico-node-address says what the address is.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from kostack.analyze.engine.types import Disposition, Hop
from kostack.analyze.messages import Msg, joined, register
from kostack.model.snapshot import IPAddress, Port

if TYPE_CHECKING:
    from kostack.analyze.topology import NodeView, Topology

CAUSE = "calico-address"
ROUTE_CAUSE = "calico-address-route"  # the two ends' Calico addresses on different subnets
KEY = "calico-moved"  # in Topology.derived: lives exactly as long as the topology

register(
    {
        "hop.calico-moved": {
            "en": "calico-node on {node} uses {ip}, not its InternalIP {internal}, for BGP and "
            "its tunnels, and no port of the node's server has that address, so whether "
            "Calico's traffic between nodes passes is not decided here "
            "(net-calico-node-address)",
            "ko": "{node}의 calico-node는 BGP와 터널에 InternalIP {internal:이/가} 아닌 {ip:을/를} "
            "쓰는데 노드 서버의 어느 포트도 그 주소를 갖지 않으므로, 노드 간 Calico 트래픽이 "
            "통과하는지 여기서는 정하지 않습니다(net-calico-node-address)",
        },
        "hop.calico-moved-port": {
            "en": "calico-node on {node} uses {ip}, not its InternalIP {internal}, for BGP and "
            "its tunnels: Calico's traffic between nodes runs through port {port} ({name}), "
            "which kostack does not judge for this node (another server's port, an address "
            "another node claims too, or Calico's addresses on more than one port), so whether "
            "it passes is not decided here (net-calico-node-address)",
            "ko": "{node}의 calico-node는 BGP와 터널에 InternalIP {internal:이/가} 아닌 {ip:을/를} "
            "씁니다. 노드 간 Calico 트래픽은 {port}({name}) 포트로 흐르는데, kostack은 이 노드에 "
            "대해 그 포트를 판단하지 않으므로(다른 서버의 포트, 다른 노드도 쓰는 주소, 또는 여러 "
            "포트에 걸친 Calico 주소) 통과 여부를 여기서는 정하지 않습니다(net-calico-node-address)",
        },
        "hop.calico-split": {
            "en": "calico-node on {node} uses addresses on different ports of the node's server "
            "for BGP and its tunnels ({where}): kostack judges a node's Calico traffic on one "
            "port, so whether Calico's traffic between nodes passes is not decided here "
            "(net-calico-node-address)",
            "ko": "{node}의 calico-node는 BGP와 터널에 노드 서버의 서로 다른 포트에 있는 주소를 "
            "씁니다({where}). kostack은 노드의 Calico 트래픽을 한 포트에서만 판단하므로, 노드 간 "
            "Calico 트래픽이 통과하는지 여기서는 정하지 않습니다(net-calico-node-address)",
        },
        "hop.calico-addr-on": {
            "en": "{ip} on port {port} ({name})",
            "ko": "{ip}: 포트 {port}({name})",
        },
        "hop.calico-subnets": {
            "en": "Calico's addresses of {src} ({src_ip}, subnet {src_cidr}) and {dst} "
            "({dst_ip}, subnet {dst_cidr}) are on different subnets and at least one is not "
            "the node's InternalIP: which interface, port and source address Calico's packets "
            "between them take depends on the nodes' own routes, which kostack does not "
            "collect, so whether they pass is not decided here (net-calico-node-address)",
            "ko": "{src}의 Calico 주소({src_ip}, 서브넷 {src_cidr})와 {dst}의 Calico 주소"
            "({dst_ip}, 서브넷 {dst_cidr})는 서로 다른 서브넷에 있고 적어도 하나는 노드의 "
            "InternalIP가 아닙니다. 둘 사이의 Calico 패킷이 어느 인터페이스, 포트, 출발지 주소로 "
            "나가는지는 kostack이 수집하지 않는 노드 자체의 라우팅에 달려 있으므로 통과 여부를 "
            "여기서는 정하지 않습니다(net-calico-node-address)",
        },
    }
)


def moved(topo: Topology) -> dict[str, str]:
    """Node name -> why its Calico traffic is undecided, for each node whose Calico address is
    not one of its InternalIPs nor on a port of its own server (`calico_views`); empty for a
    cluster whose CNI is not Calico, or a snapshot without the addresses."""
    return _found(topo)[0]


def calico_views(topo: Topology) -> dict[str, NodeView]:
    """Node name -> the node as Calico's traffic between nodes sees it, for each node whose
    Calico addresses are all fixed IPs of one port of its own server other than its
    InternalIPs: that port, those addresses (its ``ip`` of the InternalIP's family first),
    the subnet of the first. Computed once per topology with `moved`: linear in nodes and
    ports."""
    return _found(topo)[1]


def calico_view(topo: Topology, view: NodeView) -> NodeView:
    """``view`` as Calico's traffic between nodes sees it (itself when Calico uses the
    InternalIP, or when its address is moved: see `moved`)."""
    return _found(topo)[1].get(view.name, view)


# (`moved`, `calico_views`, the nodes whose server has another port than the one Calico's
# traffic takes, `split`)
Found = tuple[
    dict[str, str], dict[str, "NodeView"], set[str], dict[str, tuple[tuple[IPAddress, Port], ...]]
]


def split(topo: Topology) -> dict[str, tuple[tuple[IPAddress, Port], ...]]:
    """Node name -> each Calico address and its port, for each node whose Calico addresses are
    all its InternalIPs or fixed IPs of ports of its own server, claimed by no other node, but
    on more than one port (its IPv4 address on one NIC, its IPv6 on another): moved, as the
    engine judges a node's Calico traffic on one port."""
    return _found(topo)[3]


def calico_subnets(topo: Topology) -> list[str]:
    """The CIDRs of the subnets Calico's traffic between the nodes runs on (each node's as
    `calico_view` gives it), sorted."""
    views = _found(topo)[1]
    nodes = (views.get(v.name, v) for v in topo.node_views.values())
    return sorted({str(v.subnet.cidr) for v in nodes if v.subnet is not None})


def _found(topo: Topology) -> Found:
    """(`moved`, `calico_views`, the nodes whose server has another port than the one Calico's
    traffic takes, `split`)."""
    found = topo.derived.get(KEY)
    if found is None:
        found = topo.derived[KEY] = _sort(topo)
    assert isinstance(found, tuple)
    return found


def _sort(topo: Topology) -> Found:
    cl = topo.snapshot.cluster
    calico = cl.cni.calico if cl is not None and cl.cni.type == "calico" else None
    if calico is None or not calico.node_addresses:
        return {}, {}, set(), {}
    by_ip: dict[IPAddress, Port] | None = None
    claims: dict[object, int] = {}
    for ips in calico.node_addresses.values():
        for ip in ips:
            claims[ip] = claims.get(ip, 0) + 1
    out: dict[str, str] = {}
    views: dict[str, NodeView] = {}
    apart: dict[str, tuple[tuple[IPAddress, Port], ...]] = {}
    for name, ips in calico.node_addresses.items():
        view = topo.node_views.get(name)
        off = [ip for ip in ips if view is not None and ip not in view.ips]
        if view is None or not off:
            continue
        if by_ip is None:
            by_ip = port_by_ip(topo)
        ports = {by_ip[ip].id: by_ip[ip] for ip in off if ip in by_ip}
        port = next(iter(ports.values()), None)
        if len(off) == len(ips) and len(ports) == 1 and _own(view, port, off, claims):
            assert port is not None
            views[name] = _view(topo, view, port, off)
        elif (on := _apart(view, ips, by_ip, claims)) is not None:
            apart[name] = on
            where = joined(
                [Msg("hop.calico-addr-on", ip=ip, port=p.id, name=p.name or "-") for ip, p in on]
            )
            out[name] = Msg("hop.calico-split", node=name, where=where)
        else:
            out[name] = _why(view, off[0], by_ip.get(off[0]))
    servers: dict[str, int] = {}  # ports per server
    for p in topo.ports.values() if views else ():
        servers[p.device_id] = servers.get(p.device_id, 0) + 1
    multi = {
        v.name
        for v in topo.node_views.values()
        if v.port is not None and v.port.device_id and servers.get(v.port.device_id, 0) > 1
    }
    return out, views, multi, apart


def _apart(
    view: NodeView,
    ips: tuple[IPAddress, ...],
    by_ip: dict[IPAddress, Port],
    claims: dict[object, int],
) -> tuple[tuple[IPAddress, Port], ...] | None:
    """Each of ``ips`` with its port when all are on ports of ``view``'s own server (an
    InternalIP on the node's port), no other node claims them, and they are on more than one
    port; else None."""
    if view.port is None or not view.port.device_id:
        return None
    on: list[tuple[IPAddress, Port]] = []
    for ip in ips:
        port = view.port if ip in view.ips else by_ip.get(ip)
        if port is None or port.device_id != view.port.device_id or claims.get(ip, 0) != 1:
            return None
        on.append((ip, port))
    return tuple(on) if len({p.id for _, p in on}) > 1 else None


def port_by_ip(topo: Topology) -> dict[IPAddress, Port]:
    """Every fixed IP of every port -> its port; built once per topology, when asked."""
    found = topo.derived.get("port-by-ip")
    if found is None:
        ports = topo.ports.values()
        found = topo.derived["port-by-ip"] = {f.ip_address: p for p in ports for f in p.fixed_ips}
    assert isinstance(found, dict)
    return found


def _own(
    view: NodeView, port: Port | None, off: list[IPAddress], claims: dict[object, int]
) -> bool:
    """``port`` is a port of ``view``'s own server, and no other node claims ``off``."""
    return (
        port is not None
        and view.port is not None
        and bool(port.device_id)
        and port.device_id == view.port.device_id
        and all(claims.get(ip, 0) == 1 for ip in off)
    )


def _view(topo: Topology, view: NodeView, port: Port, ips: list[IPAddress]) -> NodeView:
    first = view.ip.version if view.ip is not None else 4
    ips = sorted(ips, key=lambda a: a.version != first)
    fixed = next(f for f in port.fixed_ips if f.ip_address == ips[0])
    subnet = topo.subnets.get(fixed.subnet_id or "") or topo.subnet_of(ips[0])
    out = replace(view, ip=ips[0], port=port, subnet=subnet)
    object.__setattr__(out, "ips", tuple(ips))  # Calico's addresses only, not the InternalIPs
    return out


def _why(view: NodeView, ip: object, port: Port | None) -> str:
    internal = ", ".join(str(a) for a in view.ips) or "-"
    if port is None:
        return Msg("hop.calico-moved", node=view.name, ip=ip, internal=internal)
    name = port.name or "-"
    args = {"node": view.name, "ip": ip, "internal": internal}
    return Msg("hop.calico-moved-port", port=port.id, name=name, **args)


def calico_pair(
    topo: Topology, src: NodeView, dst: NodeView
) -> tuple[NodeView, NodeView, list[Hop]]:
    """Both ends of a Calico flow between nodes as it runs (`calico_view`), and the undecided
    hops it ends at when either end is moved, or when their Calico addresses are on different
    subnets, either is not the InternalIP and either server has more than one port: which
    port the packets (and the replies) leave by is the nodes' routing then (empty when it is
    judged on those ends; with one port each, through a router as between node ports)."""
    hops = moved_hops(topo, src, dst)
    if hops:
        return src, dst, hops
    _, views, multi, _ = _found(topo)
    s, d = views.get(src.name, src), views.get(dst.name, dst)
    if (s is src and d is dst) or s.subnet is None or d.subnet is None:
        return s, d, []
    if s.subnet.id == d.subnet.id or not ({s.name, d.name} & multi):
        return s, d, []
    a, b = sorted((s, d), key=lambda v: v.name)  # one text for both directions
    assert a.subnet is not None and b.subnet is not None
    why = Msg(
        "hop.calico-subnets",
        src=a.name,
        src_ip=a.ip or "-",
        src_cidr=a.subnet.cidr,
        dst=b.name,
        dst_ip=b.ip or "-",
        dst_cidr=b.subnet.cidr,
    )
    return s, d, _undecided(s, d, why, why, ROUTE_CAUSE)


def moved_hops(topo: Topology, src: NodeView, dst: NodeView) -> list[Hop]:
    """The undecided hops of a Calico flow between nodes where either end is a moved node: the
    route, and each filter the flow would meet on the port that carries it (anti-spoofing and
    egress at the source, ingress at the target), so a family judging only those steps (the
    security groups', net-sg-bgp's) is undecided too, never passed; empty when neither is."""
    found = moved(topo)
    at_src, at_dst = found.get(src.name), found.get(dst.name) if found else None
    if at_src is None and at_dst is None:
        return []
    return _undecided(src, dst, at_src, at_dst, CAUSE)


def _undecided(
    src: NodeView, dst: NodeView, at_src: str | None, at_dst: str | None, cause: str
) -> list[Hop]:
    out: list[Hop] = []
    steps: tuple[str, ...]
    if at_src is not None:
        where = Msg("where.node", node=src.name)
        steps = ("route", "antispoof", "sg-egress")
        out += [Hop(step, where, Disposition.UNKNOWN, at_src, cause=cause) for step in steps]
    if at_dst is not None:
        where = Msg("where.node", node=dst.name)
        steps = ("sg-ingress",) if out else ("route", "sg-ingress")
        out += [Hop(step, where, Disposition.UNKNOWN, at_dst, cause=cause) for step in steps]
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
