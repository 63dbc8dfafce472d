"""Kube-OVN's hops: how pod traffic crosses nodes, and whether it is masqueraded.

Kube-OVN (docs/facts.md "Kube-OVN") puts every pod on an OVN logical switch, one per Subnet
(kubeovn.io/v1). An overlay Subnet's traffic between nodes is OVN's tunnel between the
nodes' encap addresses (ovn-encap-ip: the address on kube-ovn-cni's ``--iface``, else the
node's own): Geneve UDP 6081, VXLAN UDP 4789 or STT TCP 7471 (kube-ovn-cni
``--network-type``). A node reaches a pod through its ovn0 port on the join subnet, then the
same tunnel. An underlay Subnet (``spec.vlan`` set) bridges its pods onto the node's NIC: they
send with their own addresses and their own MAC addresses, which Neutron's port security
drops unless it is off on the node ports (kubeovn/docs docs/start/underlay.en.md). A pod's
traffic to anything outside every Subnet leaves through the node (distributed gateway) and
is masqueraded to its address when the Subnet has ``natOutgoing`` (pkg/daemon/gateway.go
``isSubnetNeedNat``: overlay subnets, or underlay ones with ``logicalGateway``). A pod's
traffic between an underlay and an overlay Subnet is UNKNOWN between node pairs
(``_underlay_overlay``); a trace follows an overlay pod to an underlay one (no
u2oInterconnection) through its node's gateway, masqueraded (``via_node``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kostack.analyze.engine.types import Disposition, Evidence, Hop
from kostack.analyze.messages import Msg, register
from kostack.analyze.prefixes import PrefixIndex
from kostack.model.cni import KUBE_OVN_TUNNEL_PORTS
from kostack.model.snapshot import IPAddress, KubeOvn, KubeOvnSubnet

if TYPE_CHECKING:
    from collections.abc import Callable

    from kostack.analyze.engine.encap import EncapDecision, _Route
    from kostack.analyze.topology import Topology

CNI_DAEMONSET = "kube-system/kube-ovn-cni"
DEFAULT_VPC = "ovn-cluster"  # pkg/util/const.go DefaultVpc
# Kube-OVN's deduction from the tunnel interface's MTU when --mtu is 0 (pkg/util/const.go
# GeneveHeaderLength 100, VxlanHeaderLength 50, SttHeaderLength 72; pkg/daemon/config.go:
# 20 more when the encap address is IPv6; network type vlan deducts Geneve's).
MTU_DEDUCTION = {"geneve": 100, "vxlan": 50, "stt": 72}
IPV6_EXTRA = 20
# The bytes each tunnel really adds on the wire over IPv4 (20 more over IPv6): Geneve = outer
# IP 20 + UDP 8 + Geneve 8 + OVN's option 8 (ovn controller/physical.h OVN_GENEVE_LEN 4,
# after its 4-byte option header) + inner Ethernet 14; VXLAN 20 + 8 + 8 + 14; STT = IP 20 +
# TCP 20 + STT 18 + Ethernet 14.
WIRE_OVERHEAD = {"geneve": 58, "vxlan": 50, "stt": 72}
TUNNEL_KIND = {"geneve": ("Geneve", 17), "vxlan": ("VXLAN", 17), "stt": ("STT", 6)}

register(
    {
        "hop.no-kube-ovn": {
            "en": "Kube-OVN's Subnets were not collected (kubeovn.io/v1 subnets)",
            "ko": "Kube-OVN의 Subnet(kubeovn.io/v1 subnets)을 수집하지 못했습니다",
        },
        "hop.kube-ovn-no-subnet": {
            "en": "no Kube-OVN Subnet contains {ip}",
            "ko": "{ip:을/를} 포함하는 Kube-OVN Subnet이 없습니다",
        },
        "hop.kube-ovn-value": {
            "en": "Kube-OVN {field} has a value kostack does not model (or was not read)",
            "ko": "Kube-OVN {field}에 kostack이 모델링하지 않는 값이 있습니다(또는 읽지 못했습니다)",
        },
        "hop.kube-ovn-vpc": {
            "en": "Kube-OVN Subnet {subnet} belongs to VPC {vpc}, whose routing and gateways "
            "kostack does not model",
            "ko": "Kube-OVN Subnet {subnet:은/는} VPC {vpc}에 속하며, kostack은 그 라우팅과 "
            "게이트웨이를 모델링하지 않습니다",
        },
        "hop.kube-ovn-u2o": {
            "en": "Kube-OVN Subnet {under} is underlay with u2oInterconnection: its pods' "
            "gateway is OVN's router (status.u2oInterconnectionIP), which joins them to overlay "
            "Subnet {over}'s pods inside OVN; how that traffic crosses the nodes (OVN's tunnel, "
            "or the physical network from the router's port and MAC) kostack does not model",
            "ko": "Kube-OVN Subnet {under:은/는} u2oInterconnection이 켜진 언더레이라 Pod의 "
            "게이트웨이가 OVN 라우터(status.u2oInterconnectionIP)이고, 이 라우터가 오버레이 "
            "Subnet {over}의 Pod와 OVN 안에서 잇습니다. 그 트래픽이 노드 사이를 어떻게 지나는지"
            "(OVN 터널, 또는 라우터 포트의 주소와 MAC으로 물리 네트워크) kostack은 모델링하지 "
            "않습니다",
        },
        "hop.kube-ovn-u2o-off": {
            "en": "Kube-OVN Subnet {under} is underlay without u2oInterconnection: its pods send "
            "to overlay Subnet {over}'s pods through their physical gateway (Neutron's router), "
            "which knows no overlay address (kubeovn/docs: underlay pods cannot reach overlay "
            "pods by their IPs); kostack does not model a route to them there",
            "ko": "Kube-OVN Subnet {under:은/는} u2oInterconnection이 없는 언더레이라 Pod가 "
            "오버레이 Subnet {over}의 Pod로 가는 트래픽을 물리 게이트웨이(Neutron 라우터)로 "
            "보내며, 그 게이트웨이는 오버레이 주소를 모릅니다(kubeovn/docs: 언더레이 Pod는 "
            "오버레이 Pod에 IP로 닿지 못함). kostack은 그곳의 경로를 모델링하지 않습니다",
        },
        "hop.kube-ovn-o2u": {
            "en": "Kube-OVN Subnet {over}'s pods reach underlay Subnet {under}'s pods (no "
            "u2oInterconnection) through their own node: OVN's router has no port on {under} and "
            "sends them to the node's ovn0, which masquerades them to the node's address when "
            "{over} has natOutgoing; traced in kostack trace, not between node pairs",
            "ko": "Kube-OVN Subnet {over}의 Pod는 언더레이 Subnet {under}(u2oInterconnection 없음)의 "
            "Pod에 자기 노드를 거쳐 닿습니다: OVN 라우터에 {under} 포트가 없어 노드의 ovn0으로 "
            "보내고, {over}에 natOutgoing이 있으면 노드 주소로 마스커레이드됩니다. kostack trace가 "
            "추적하며 노드 쌍 사이에서는 판단하지 않습니다",
        },
        "hop.kube-ovn-o2u-nonat": {
            "en": "Kube-OVN Subnet {over} has no natOutgoing: its pod {ip} reaches underlay Subnet "
            "{under}'s pods through its node with its own address, and their reply goes to "
            "{under}'s physical gateway, which knows no overlay address (kubeovn/docs: overlay "
            "pods reach underlay pods via a gateway using NAT)",
            "ko": "Kube-OVN Subnet {over}에 natOutgoing이 없어 Pod {ip:이/가} 자기 주소 그대로 "
            "노드를 거쳐 언더레이 Subnet {under}의 Pod에 닿고, 그 응답은 오버레이 주소를 모르는 "
            "{under}의 물리 게이트웨이로 갑니다(kubeovn/docs: 오버레이 Pod는 NAT 게이트웨이를 거쳐 "
            "언더레이 Pod에 닿음)",
        },
        "hop.kube-ovn-ipsec": {
            "en": "Kube-OVN runs with --enable-ovn-ipsec: OVN's tunnels run inside IPsec ESP (IP "
            "protocol 50) keyed over IKE (UDP 500 and 4500), which kostack does not model",
            "ko": "Kube-OVN이 --enable-ovn-ipsec로 실행되어 OVN 터널이 IKE(UDP 500, 4500)로 키를 "
            "맺는 IPsec ESP(IP 프로토콜 50) 안에서 전달되며, kostack은 이를 모델링하지 않습니다",
        },
        "why.kube-ovn-underlay": {
            "en": "Kube-OVN Subnet {subnet} is underlay (vlan {vlan}): its pods send with their "
            "own addresses and MAC addresses",
            "ko": "Kube-OVN Subnet {subnet:은/는} 언더레이(vlan {vlan})라 Pod가 자기 주소와 MAC "
            "주소로 보냅니다",
        },
        "why.kube-ovn-tunnel": {
            "en": "Kube-OVN Subnet {subnet} is overlay, kube-ovn-cni --network-type={type}",
            "ko": "Kube-OVN Subnet {subnet:은/는} 오버레이, kube-ovn-cni --network-type={type}",
        },
        "hop.kube-ovn-masq-true": {
            "en": "Kube-OVN: {ip} is masqueraded to the node IP (Subnet {subnet} natOutgoing)",
            "ko": "Kube-OVN: {ip:이/가} 노드 IP로 마스커레이드됩니다 (Subnet {subnet} natOutgoing)",
        },
        "hop.kube-ovn-masq-false": {
            "en": "Kube-OVN Subnet {subnet} has no natOutgoing: {ip} leaves with the pod source",
            "ko": "Kube-OVN Subnet {subnet}에 natOutgoing이 없어 {ip:이/가} Pod 출발지 그대로 "
            "나갑니다",
        },
        "hop.kube-ovn-centralized": {
            "en": "Kube-OVN Subnet {subnet} has gatewayType centralized: its traffic leaving the "
            "cluster goes through its gateway nodes, which kostack does not model",
            "ko": "Kube-OVN Subnet {subnet}의 gatewayType이 centralized라 클러스터 밖으로 가는 "
            "트래픽은 게이트웨이 노드를 지나며, kostack은 이를 모델링하지 않습니다",
        },
    }
)


def subnet_of(topo: Topology, ip: IPAddress) -> KubeOvnSubnet | None:
    """The Kube-OVN Subnet containing ``ip`` (most specific; one index per topology)."""
    index = topo.derived.get("kube-ovn-subnets")
    if not isinstance(index, PrefixIndex):
        cl = topo.snapshot.cluster
        kube_ovn = cl.cni.kube_ovn if cl is not None else None
        subnets = (kube_ovn.subnets if kube_ovn is not None else None) or ()
        index = PrefixIndex((c, s) for s in subnets for c in s.cidrs)
        topo.derived["kube-ovn-subnets"] = index
    found = index.most_specific(ip)
    return found if isinstance(found, KubeOvnSubnet) else None


def wire_overhead(tunnel: str, family: int) -> int:
    return WIRE_OVERHEAD[tunnel] + (IPV6_EXTRA if family == 6 else 0)


def mtu_deduction(kube_ovn: KubeOvn, family: int) -> int | None:
    """What kube-ovn-cni takes off the interface's MTU (None: the tunnel type not read)."""
    if kube_ovn.tunnel_type is None:
        return None
    return MTU_DEDUCTION[kube_ovn.tunnel_type] + (IPV6_EXTRA if family == 6 else 0)


def _subnet_ev(subnet: KubeOvnSubnet, field: str, value: str) -> Evidence:
    return Evidence("subnet.kubeovn.io", subnet.name, field, value)


def route(route: _Route, kube_ovn: KubeOvn | None) -> EncapDecision:
    """How Kube-OVN carries traffic from ``route``'s node to a pod on another."""
    if kube_ovn is None or kube_ovn.subnets is None:
        return route.unknown(Msg("hop.no-kube-ovn"))
    if route.dst_ip in route.topo.node_by_ip:  # another node's address: OVN's node policy
        subnet = node_tunnel(route.topo, route.src_ip, route.dst_ip)
        if subnet is None:
            return route.unknown(Msg("hop.kube-ovn-no-subnet", ip=route.src_ip or route.dst_ip))
    else:
        subnet = subnet_of(route.topo, route.dst_ip)
    if subnet is None:
        return route.unknown(Msg("hop.kube-ovn-no-subnet", ip=route.dst_ip))
    if subnet.vpc not in (None, DEFAULT_VPC):
        return route.unknown(Msg("hop.kube-ovn-vpc", subnet=subnet.name, vpc=subnet.vpc))
    across = _underlay_overlay(route, subnet)
    if across is not None:
        return route.unknown(across)
    if subnet.vlan:
        under = (_subnet_ev(subnet, "vlan", subnet.vlan),)
        why = Msg("why.kube-ovn-underlay", subnet=subnet.name, vlan=subnet.vlan)
        return route.native(under, why)
    if kube_ovn.ipsec is None:
        return route.unknown(Msg("hop.kube-ovn-value", field="kube-ovn-cni --enable-ovn-ipsec"))
    if kube_ovn.ipsec:
        return route.unknown(Msg("hop.kube-ovn-ipsec"))
    tunnel = kube_ovn.tunnel_type
    if tunnel is None:
        return route.unknown(Msg("hop.kube-ovn-value", field="kube-ovn-cni --network-type"))
    kind, proto = TUNNEL_KIND[tunnel]
    ev = (
        _subnet_ev(subnet, "vlan", ""),
        Evidence("daemonset", CNI_DAEMONSET, "--network-type", tunnel),
    )
    why = Msg("why.kube-ovn-tunnel", subnet=subnet.name, type=tunnel)
    # ovn-encap-ip is one address per node: its primary (kube-ovn-cni's POD_IP)
    family = route.src.ip.version if route.src.ip is not None else route.dst_ip.version
    port = KUBE_OVN_TUNNEL_PORTS[tunnel]
    return route.encap(kind, proto, port, wire_overhead(tunnel, family), ev, why, family)


def _underlay_overlay(route: _Route, dst: KubeOvnSubnet) -> Msg | None:
    """Why a pod's traffic between an underlay and an overlay Subnet of the default VPC is not
    decided, None otherwise (kubeovn/docs docs/start/underlay.en.md "Interconnection of
    Underlay and Overlay Networks"; docs/facts.md "Kube-OVN"). With the underlay Subnet's
    ``u2oInterconnection`` its pods' gateway is OVN's router (kube-ovn pkg/daemon/ovs_linux.go
    ``configureContainerNic``), which kostack does not model; without it an underlay pod sends
    to an overlay pod through the physical gateway, which knows no overlay address. An overlay
    pod to an underlay one without it leaves through its node, masqueraded (``via_node``: a
    trace follows it from the node's address; a node pair with the pod's own does not)."""
    src = subnet_of(route.topo, route.src_ip) if route.src_ip is not None else None
    if src is None or src.vpc not in (None, DEFAULT_VPC) or bool(src.vlan) == bool(dst.vlan):
        return None
    under, over = (src, dst) if src.vlan else (dst, src)
    if under.u2o_interconnection:
        return Msg("hop.kube-ovn-u2o", under=under.name, over=over.name)
    if src.vlan:
        return Msg("hop.kube-ovn-u2o-off", under=under.name, over=over.name)
    # the overlay pod's own address: its node's gateway translates it (`via_node`), which a
    # node-pair decision does not see
    return Msg("hop.kube-ovn-o2u", under=under.name, over=over.name)


def _in_subnets_set(subnet: KubeOvnSubnet) -> bool:
    """Whether the Subnet's CIDR is in kube-ovn-cni's ``ovn40subnets`` set and has a port on
    OVN's router (pkg/daemon/gateway.go ``getDefaultVpcSubnetsCIDR``: the default VPC, overlay
    or ``logicalGateway``; pkg/controller/subnet.go ``needRouter``)."""
    return subnet.vpc in (None, DEFAULT_VPC) and (not subnet.vlan or subnet.logical_gateway)


def via_node(topo: Topology, src_ip: IPAddress, dst_ip: IPAddress) -> KubeOvnSubnet | None:
    """The underlay Subnet of ``dst_ip`` when a pod at ``src_ip`` of an overlay Subnet of the
    default VPC reaches it through its node's gateway, else None (docs/facts.md "Kube-OVN"):
    without ``u2oInterconnection`` or ``logicalGateway`` OVN's router has no port on the
    underlay Subnet (pkg/controller/subnet.go ``reconcileOvnDefaultVpcRoute`` deletes it, and
    adds no ``allow`` policy for its CIDR), so the overlay Subnet's reroute policy (priority
    29000, ``ip4.src == $<subnet>.<node>_ip4``) sends the traffic to the node's ovn0, and
    the node's iptables masquerade it: the underlay CIDR is not in ``ovn40subnets``."""
    dst = (
        subnet_of(topo, dst_ip) if dst_ip not in topo.node_by_ip else None
    )  # a pod's, not a node's
    if dst is None or _in_subnets_set(dst) or dst.u2o_interconnection:
        return None
    if dst.vpc not in (None, DEFAULT_VPC):
        return None
    src = subnet_of(topo, src_ip)
    return dst if src is not None and _in_subnets_set(src) and not src.vlan else None


def node_tunnel(
    topo: Topology, src_ip: IPAddress | None, dst_ip: IPAddress
) -> KubeOvnSubnet | None:
    """The overlay Subnet of the pod at ``src_ip`` when its traffic to another node's address
    ``dst_ip`` crosses OVN's tunnel to that node, else None (docs/facts.md "Kube-OVN"): OVN's
    router reroutes ``ip4.dst == <node address>`` to that node's join address, its ovn0
    (kubeovn/kube-ovn pkg/controller/init.go ``buildNodeRoute``, priority 30000, above the
    Subnet's gateway reroute at 29000), so the packet leaves the pod's node inside the tunnel,
    its pod source kept, and no node masquerades it. A node address inside a Subnet with a
    router port (priority 31000 ``allow``) is that Subnet's, not a node's way."""
    cl = topo.snapshot.cluster
    if src_ip is None or cl is None or cl.cni is None or cl.cni.type != "kube-ovn":
        return None
    if dst_ip not in topo.node_by_ip or src_ip in topo.node_by_ip:
        return None
    dst = subnet_of(topo, dst_ip)
    if dst is not None and _in_subnets_set(dst):
        return None
    src = subnet_of(topo, src_ip)
    if src is None or src.vlan or not _in_subnets_set(src):
        return None
    return src


def mixed(topo: Topology) -> list[tuple[KubeOvnSubnet, list[str]]]:
    """Each underlay Subnet of the default VPC that holds a listed pod, with the overlay
    Subnets of that VPC that hold one too (their pods' traffic between them is UNKNOWN,
    ``_underlay_overlay``), in the Subnets' order: one pass over the pods."""
    cl = topo.snapshot.cluster
    kube_ovn = cl.cni.kube_ovn if cl is not None else None
    if kube_ovn is None or not kube_ovn.subnets or cl is None:
        return []
    used: set[str] = set()
    for pod in cl.pods or ():
        for ip in () if pod.host_network else pod.addresses:
            found = subnet_of(topo, ip)
            if found is not None:
                used.add(found.name)
    ours = [
        s
        for s in kube_ovn.subnets
        if s.name in used and s.vpc in (None, DEFAULT_VPC) and s.name != kube_ovn.join_subnet
    ]
    over = [s.name for s in ours if not s.vlan]
    return [(s, over) for s in ours if s.vlan and over]


def masquerade(
    topo: Topology,
    src_ip: IPAddress,
    dst_ip: IPAddress,
    kube_ovn: KubeOvn | None,
    nat_value: Callable[[Topology, bool | None], tuple[bool, bool]],
    nat_hop: Callable[[str, bool, Topology, tuple[Evidence, ...]], Hop],
) -> tuple[Hop, bool] | None:
    """Kube-OVN's rule (pkg/daemon/gateway_linux.go: ``-m set --match-set ovn40subnets-nat
    src -m set ! --match-set ovn40subnets dst -j MASQUERADE``): from a natOutgoing Subnet to
    anything outside every Subnet. None for a pod destination, and for another node's address
    that OVN's tunnel carries (`node_tunnel`)."""
    if kube_ovn is None or kube_ovn.subnets is None:
        detail = Msg("hop.no-kube-ovn")
        return Hop("nat-outgoing", "", Disposition.UNKNOWN, detail, cause="gap"), False
    under = via_node(topo, src_ip, dst_ip)
    if under is None and subnet_of(topo, dst_ip) is not None:
        return None
    if node_tunnel(topo, src_ip, dst_ip) is not None:
        return None  # to another node through OVN's tunnel: its pod source stays inside
    subnet = subnet_of(topo, src_ip)
    if subnet is None:
        detail = Msg("hop.kube-ovn-no-subnet", ip=src_ip)
        return Hop("nat-outgoing", "", Disposition.UNKNOWN, detail, cause="gap"), False
    if subnet.gateway_type != "distributed" and not subnet.vlan:
        detail = (
            Msg("hop.kube-ovn-centralized", subnet=subnet.name)
            if subnet.gateway_type == "centralized"
            else Msg("hop.kube-ovn-value", field=f"Subnet {subnet.name} gatewayType")
        )
        return Hop("nat-outgoing", "", Disposition.UNKNOWN, detail, cause="gap"), False
    nat = subnet.nat_outgoing
    if subnet.vlan and not subnet.logical_gateway:
        nat = False  # isSubnetNeedNat: an underlay subnet's pods leave on the wire themselves
    on, assumed = nat_value(topo, nat)
    ev = (_subnet_ev(subnet, "natOutgoing", str(on).lower()),)
    if under is not None and not on:  # the underlay pod's reply goes to its physical gateway
        detail = Msg("hop.kube-ovn-o2u-nonat", over=subnet.name, under=under.name, ip=src_ip)
        return Hop("nat-outgoing", "", Disposition.UNKNOWN, detail, ev, cause="gap"), False
    text = Msg(f"hop.kube-ovn-masq-{on}".lower(), ip=src_ip, subnet=subnet.name)
    return nat_hop(text, assumed, topo, ev), on
