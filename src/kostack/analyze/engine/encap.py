"""How the CNI carries pod traffic from one node to a pod on another (docs/engine.md, hop 4)."""

from __future__ import annotations

from dataclasses import dataclass

from kostack.analyze.engine import antrea as antrea_hops
from kostack.analyze.engine import kubeovn as kube_ovn_hops
from kostack.analyze.engine import ovnk as ovnk_hops
from kostack.analyze.engine.types import Disposition, Evidence, Hop
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import NodeView, Topology
from kostack.model.cni import Calico, Cilium, Flannel, KubeRouter
from kostack.model.snapshot import IPAddress

register(
    {
        "where.route": {"en": "node {node} (routing)", "ko": "노드 {node}의 라우팅"},
        "text.same-subnet": {"en": "same subnet {cidr}", "ko": "같은 서브넷 {cidr}"},
        "text.subnets-unknown": {"en": "subnets unknown", "ko": "서브넷 알 수 없음"},
        "text.encap-udp": {"en": "{kind} (UDP {port})", "ko": "{kind} (UDP {port})"},
        "text.encap-proto": {
            "en": "{kind} (IP protocol {proto})",
            "ko": "{kind} (IP 프로토콜 {proto})",
        },
        "hop.no-pool": {
            "en": "no Calico IP pool contains {ip}",
            "ko": "{ip:을/를} 포함하는 Calico IP 풀이 없습니다",
        },
        "hop.no-pools": {
            "en": "Calico IP pools were not collected",
            "ko": "Calico IP 풀을 수집하지 못했습니다",
        },
        "hop.native-cross-subnet": {
            "en": "{via}: {why}, but the nodes are in different subnets ({subnets}); the Neutron router has no "
            "route for pod addresses unless extra routes are set",
            "ko": "{via}: {why}, 하지만 노드가 서로 다른 서브넷({subnets})에 있고, 추가 경로(extra route)를 "
            "설정하지 않으면 Neutron 라우터에는 Pod 주소로 가는 경로가 없습니다",
        },
        "hop.native-routed": {
            "en": "{via}: {why}; across subnets through the router's extra route",
            "ko": "{via}: {why}; 라우터의 추가 경로를 통해 서브넷을 건넙니다",
        },
        "hop.native": {
            "en": "{via}, {subnets} -> native (pod source IP on the wire)",
            "ko": "{via}, {subnets} -> 캡슐화 없음 (Pod IP가 출발지로 네트워크에 나감)",
        },
        "hop.native-node-source": {
            "en": "{via}, {subnets} -> native (the node's address {ip} is the source on the wire)",
            "ko": "{via}, {subnets} -> 캡슐화 없음 (노드 주소 {ip:이/가} 출발지로 네트워크에 나감)",
        },
        "hop.encap": {
            "en": "{via}, {subnets} -> {label}: {why}",
            "ko": "{via}, {subnets} -> {label}: {why}",
        },
        "hop.route-unknown-cni": {
            "en": "the CNI is not known, so how pod traffic crosses nodes is not known",
            "ko": "CNI를 알 수 없어 Pod 트래픽이 노드 간에 어떻게 전달되는지 알 수 없습니다",
        },
        "hop.no-flannel": {
            "en": "the flannel backend was not collected",
            "ko": "flannel 백엔드를 수집하지 못했습니다",
        },
        "hop.flannel-unmodelled": {
            "en": "flannel backend {backend} is not modelled",
            "ko": "flannel 백엔드 {backend:은/는} 모델링하지 않습니다",
        },
        "hop.cilium-ipsec-native": {
            "en": "Cilium IPsec with native routing: pods' traffic between nodes crosses as ESP "
            "(IP protocol 50), between addresses kostack does not model",
            "ko": "Cilium IPsec과 네이티브 라우팅: 노드 사이의 Pod 트래픽은 ESP(IP 프로토콜 50)로 "
            "전달되며, 그 주소는 kostack이 모델링하지 않습니다",
        },
        "hop.no-cilium": {
            "en": "the Cilium routing mode was not collected",
            "ko": "Cilium 라우팅 모드를 수집하지 못했습니다",
        },
        "hop.no-kube-router": {
            "en": "kube-router's settings were not collected (its DaemonSet's arguments)",
            "ko": "kube-router 설정(DaemonSet의 인자)을 수집하지 못했습니다",
        },
        "hop.kube-router-no-router": {
            "en": "kube-router runs with --run-router=false: something else routes the pods "
            "between nodes, which kostack does not model",
            "ko": "kube-router가 --run-router=false로 실행되어 노드 사이의 Pod 라우팅은 kostack이 "
            "모델링하지 않는 다른 구성 요소가 맡습니다",
        },
        "hop.kube-router-value": {
            "en": "kube-router {flag} has a value kostack does not model",
            "ko": "kube-router {flag}에 kostack이 모델링하지 않는 값이 있습니다",
        },
        "why.kube-router-subnet-unknown": {
            "en": "kube-router --overlay-type=subnet tunnels to nodes of other subnets, and the "
            "nodes' subnets are not known",
            "ko": "kube-router --overlay-type=subnet은 다른 서브넷의 노드로만 터널을 쓰는데, 노드의 "
            "서브넷을 알 수 없습니다",
        },
        "why.kube-router-same-subnet": {
            "en": "kube-router routes natively within a subnet (--overlay-type=subnet)",
            "ko": "kube-router는 같은 서브넷 안에서는 캡슐화 없이 라우팅함 (--overlay-type=subnet)",
        },
        "why.kube-router-no-overlay": {
            "en": "kube-router --enable-overlay=false",
            "ko": "kube-router --enable-overlay=false",
        },
        "why.kube-router-tunnel": {
            "en": "kube-router --overlay-type={type} --overlay-encap={encap}{diff}",
            "ko": "kube-router --overlay-type={type} --overlay-encap={encap}{diff}",
        },
        "why.kube-router-diff": {"en": ", different subnets", "ko": ", 서로 다른 서브넷"},
        "why.pool-no-encap": {
            "en": "IP pool {pool} has no encapsulation (BGP-routed)",
            "ko": "IP 풀 {pool:은/는} 캡슐화를 쓰지 않음 (BGP 라우팅)",
        },
        "why.pool-mode": {
            "en": "IP pool {pool} {field} {mode}",
            "ko": "IP 풀 {pool} {field} {mode}",
        },
        "why.crosssubnet-unknown": {
            "en": "IP pool {pool} {field} CrossSubnet, but the nodes' subnets are not known",
            "ko": "IP 풀 {pool} {field} CrossSubnet이지만 노드의 서브넷을 알 수 없습니다",
        },
        "why.crosssubnet-diff": {
            "en": "IP pool {pool} {field} CrossSubnet, different subnets",
            "ko": "IP 풀 {pool} {field} CrossSubnet, 서로 다른 서브넷",
        },
        "why.flannel-host-gw": {"en": "flannel host-gw", "ko": "flannel host-gw"},
        "why.flannel-direct": {
            "en": "flannel vxlan with DirectRouting",
            "ko": "flannel vxlan + DirectRouting",
        },
        "why.flannel-diff": {
            "en": "flannel vxlan, different subnets",
            "ko": "flannel vxlan, 서로 다른 서브넷",
        },
        "why.flannel-vxlan": {"en": "flannel vxlan", "ko": "flannel vxlan"},
        "why.flannel-wireguard": {"en": "flannel wireguard", "ko": "flannel wireguard"},
        "why.flannel-udp": {"en": "flannel udp", "ko": "flannel udp"},
        "why.cilium-native": {"en": "Cilium native routing", "ko": "Cilium 네이티브 라우팅"},
        "why.cilium-geneve": {"en": "Cilium tunnel geneve", "ko": "Cilium 터널 geneve"},
        "why.cilium-vxlan": {"en": "Cilium tunnel vxlan", "ko": "Cilium 터널 vxlan"},
        "why.calico-wireguard": {
            "en": "Calico WireGuard on: pod traffic to other nodes goes through {device}",
            "ko": "Calico WireGuard 켜짐: 다른 노드로 가는 Pod 트래픽은 {device:을/를} 지납니다",
        },
        "why.cilium-wireguard": {
            "en": "Cilium WireGuard on: pod traffic to other nodes goes through cilium_wg0",
            "ko": "Cilium WireGuard 켜짐: 다른 노드로 가는 Pod 트래픽은 cilium_wg0을 지납니다",
        },
    }
)


# Bytes each encapsulation adds, by the family of the outer (underlay) header: an IPv6
# header is 40 bytes, an IPv4 one 20 (docs/facts.md, "Encapsulation over IPv6").
VXLAN_OVERHEAD = {4: 50, 6: 70}  # outer IP + UDP 8 + VXLAN 8 + inner Ethernet 14
GENEVE_OVERHEAD = {4: 50, 6: 70}  # outer IP + UDP 8 + Geneve 8 (no options) + Ethernet 14
# WireGuard between the nodes' addresses (docs/facts.md, "WireGuard"): Calico's IPv4 device
# listens on FelixConfiguration wireguardListeningPort (51820) and costs 60 bytes, its IPv6
# one on wireguardListeningPortV6 (51821) and costs 80; Cilium's on UDP 51871 and costs 80
# on top of its tunnel, if any.
CALICO_WIREGUARD_PORT = {4: 51820, 6: 51821}
CALICO_WIREGUARD_OVERHEAD = {4: 60, 6: 80}
CILIUM_WIREGUARD_PORT = 51871
CILIUM_WIREGUARD_OVERHEAD = 80


@dataclass(frozen=True)
class EncapDecision:
    hop: Hop
    encap: str | None = None
    proto: int = 0
    port: int | None = None
    overhead: int = 0
    # the family of the node addresses the tunnel runs between (None: the nodes' primary)
    underlay: int | None = None


class _Route:
    """One node-to-pod decision being made: its hop's wording, and the hops it can give."""

    def __init__(self, topo: Topology, src: NodeView, dst: NodeView, dst_ip: IPAddress) -> None:
        self.topo, self.src, self.dst, self.dst_ip = topo, src, dst, dst_ip
        self.src_ip: IPAddress | None = None  # the sending pod's address, where known
        self.from_pod = True  # False: the node's own traffic
        self.where = Msg("where.route", node=src.name)
        # a pod of the other family is reached over the nodes' addresses of its family (an
        # IPv6 block via the node's IPv6 address, on its IPv6 subnet)
        src_net = topo.node_subnet(src, dst_ip.version)
        dst_net = topo.node_subnet(dst, dst_ip.version)
        self.same: bool | None = None
        if src_net is not None and dst_net is not None:
            self.same = src_net.id == dst_net.id
        self.subnet_text = (
            Msg("text.same-subnet", cidr=src_net.cidr)
            if self.same and src_net
            else (
                f"{src_net.cidr} vs {dst_net.cidr}"
                if src_net is not None and dst_net is not None
                else Msg("text.subnets-unknown")
            )
        )
        block = next((b for b in dst.blocks if b.version == dst_ip.version and dst_ip in b), None)
        self.via = f"{block or dst_ip} via {dst.ip_of(dst_ip.version) or dst.ip}"

    def node_source(self) -> IPAddress | None:
        """The node address the packet leaves with: a node's own traffic, or a pod's its node
        masqueraded (Kube-OVN `via_node`); None when the pod's own address is the source."""
        if not self.from_pod:
            return self.src.ip_of(self.dst_ip.version) or self.src.ip
        return (
            self.src_ip if self.src_ip is not None and self.src_ip in self.topo.node_by_ip else None
        )

    def unknown(self, reason: str) -> EncapDecision:
        return EncapDecision(Hop("route", self.where, Disposition.UNKNOWN, reason, cause="gap"))

    def no_route(self, detail: str, ev: tuple[Evidence, ...], cause: str) -> EncapDecision:
        """Nothing carries the traffic (the CNI's agent does not run): decided, never passed."""
        hop = Hop("route", self.where, Disposition.NO_ROUTE, detail, ev, cause=cause)
        return EncapDecision(hop)

    def native(self, ev: tuple[Evidence, ...], why: str) -> EncapDecision:
        if self.same is False:
            if not _router_routes(self.topo, self.src, self.dst_ip):
                detail = Msg(
                    "hop.native-cross-subnet", via=self.via, why=why, subnets=self.subnet_text
                )
                hop = Hop(
                    "route",
                    self.where,
                    Disposition.NO_ROUTE,
                    detail,
                    ev,
                    cause="native-cross-subnet",
                )
                return EncapDecision(hop)
            detail = Msg("hop.native-routed", via=self.via, why=why)
            return EncapDecision(Hop("route", self.where, Disposition.ACCEPTED, detail, ev))
        node_ip = self.node_source()
        detail = (
            Msg("hop.native", via=self.via, subnets=self.subnet_text)
            if node_ip is None
            else Msg("hop.native-node-source", via=self.via, subnets=self.subnet_text, ip=node_ip)
        )
        return EncapDecision(Hop("route", self.where, Disposition.ACCEPTED, detail, ev))

    def encap(
        self,
        kind: str,
        proto: int,
        port: int | None,
        overhead: int,
        ev: tuple[Evidence, ...],
        why: str,
        underlay: int | None = None,
    ) -> EncapDecision:
        label = (
            Msg("text.encap-udp", kind=kind, port=port)
            if port
            else Msg("text.encap-proto", kind=kind, proto=proto)
        )
        detail = Msg("hop.encap", via=self.via, subnets=self.subnet_text, label=label, why=why)
        hop = Hop("route", self.where, Disposition.ACCEPTED, detail, ev)
        return EncapDecision(hop, kind, proto, port, overhead, underlay)


def encapsulation(
    topo: Topology,
    src: NodeView,
    dst: NodeView,
    dst_ip: IPAddress,
    *,
    from_pod: bool = True,
    src_ip: IPAddress | None = None,
) -> EncapDecision:
    """How the CNI carries traffic from node ``src`` to a pod ``dst_ip`` on node ``dst``.

    ``from_pod``: a pod sends it (WireGuard carries pods' traffic; a node's own, such as
    the kubelet's, takes the pool's or the tunnel's way, as host encryption is off by
    default in Calico and Cilium). ``src_ip``: the sending pod's address, where known
    (Kube-OVN: an underlay pod reaches an overlay one otherwise than the reverse)."""
    route = _Route(topo, src, dst, dst_ip)
    route.src_ip = src_ip if from_pod else None
    route.from_pod = from_pod
    cl = topo.snapshot.cluster
    cni = cl.cni if cl else None
    if cni is None or cni.type == "unknown":
        return route.unknown(Msg("hop.route-unknown-cni"))
    if cni.type == "calico":
        return _calico(route, cni.calico, from_pod)
    if cni.type == "flannel":
        return _flannel(route, cni.flannel)
    if cni.type == "kube-router":
        return _kube_router(route, cni.kube_router)
    if cni.type == "antrea":
        return antrea_hops.route(route, cni.antrea)
    if cni.type == "kube-ovn":
        return kube_ovn_hops.route(route, cni.kube_ovn)
    if cni.type == "ovn-kubernetes":
        return ovnk_hops.route(route, cni.ovn_kubernetes)
    return _cilium(route, cni.cilium, from_pod)


def _calico(route: _Route, calico: Calico | None, from_pod: bool) -> EncapDecision:
    """An IP pool's mode; an IPv6 pool's VXLAN runs over the nodes' IPv6 addresses (Felix's
    vxlan-v6.calico device), and IPIP exists for IPv4 pools only (docs/facts.md). With
    WireGuard on (FelixConfiguration wireguardEnabled, wireguardEnabledV6), Felix routes
    that family's pods' traffic to other nodes' pods through wireguard.cali (wg-v6.cali)
    instead, whatever the pool's mode."""
    if calico is None or calico.ip_pools is None:
        return route.unknown(Msg("hop.no-pools"))
    pool = route.topo.pool_for(route.dst_ip)
    if pool is None:
        return route.unknown(Msg("hop.no-pool", ip=route.dst_ip))
    family = pool.cidr.version
    if from_pod and _calico_wireguard(calico, family):
        field = "wireguardEnabled" if family == 4 else "wireguardEnabledV6"
        ev_wg = (Evidence("felixconfiguration", "default", field, "true"),)
        wg_port, wg_ovh = CALICO_WIREGUARD_PORT[family], CALICO_WIREGUARD_OVERHEAD[family]
        why = Msg("why.calico-wireguard", device="wireguard.cali" if family == 4 else "wg-v6.cali")
        return route.encap("WireGuard", 17, wg_port, wg_ovh, ev_wg, why, family)
    if pool.vxlan_mode != "Never":
        mode, kind, proto, port, fld = pool.vxlan_mode, "VXLAN", 17, 4789, "vxlanMode"
        ovh = VXLAN_OVERHEAD[family]
    elif pool.ipip_mode != "Never":
        mode, kind, proto, port, ovh, fld = pool.ipip_mode, "IPIP", 4, None, 20, "ipipMode"
    else:
        ev = (Evidence("ippool", pool.name, "ipipMode/vxlanMode", "Never"),)
        return route.native(ev, Msg("why.pool-no-encap", pool=pool.name))
    ev = (Evidence("ippool", pool.name, fld, mode),)
    if mode == "Always":
        why = Msg("why.pool-mode", pool=pool.name, field=fld, mode="Always")
        return route.encap(kind, proto, port, ovh, ev, why, family)
    if route.same is None:
        return route.unknown(Msg("why.crosssubnet-unknown", pool=pool.name, field=fld))
    if route.same:
        return route.native(ev, Msg("why.pool-mode", pool=pool.name, field=fld, mode="CrossSubnet"))
    why = Msg("why.crosssubnet-diff", pool=pool.name, field=fld)
    return route.encap(kind, proto, port, ovh, ev, why, family)


def _calico_wireguard(calico: Calico, family: int) -> bool:
    """Whether Felix routes pods of ``family`` through WireGuard: each family's switch, or
    for a snapshot without them `wireguard` for IPv4 (and IPv6 keeps the pool's way)."""
    if family == 6:
        return bool(calico.wireguard_v6)
    return bool(calico.wireguard if calico.wireguard_v4 is None else calico.wireguard_v4)


def _flannel(route: _Route, fl: Flannel | None) -> EncapDecision:
    """The backend; flannel's IPv6 VXLAN device (flannel-v6.<VNI>) runs over the nodes' IPv6
    addresses, its IPv4 one over their IPv4 addresses (docs/facts.md)."""
    if fl is None or fl.backend_type is None:
        return route.unknown(Msg("hop.no-flannel"))
    ev_b = Evidence("configmap", "kube-flannel/kube-flannel-cfg", "Backend.Type", fl.backend_type)
    if fl.backend_type == "host-gw":
        return route.native((ev_b,), Msg("why.flannel-host-gw"))
    if fl.backend_type == "vxlan":
        port = fl.port or 8472
        family = route.dst_ip.version
        ovh = VXLAN_OVERHEAD[family]
        if fl.direct_routing:
            direct = Evidence(
                "configmap", "kube-flannel/kube-flannel-cfg", "Backend.DirectRouting", "true"
            )
            if route.same is None:
                return route.unknown("flannel DirectRouting, but the nodes' subnets are not known")
            if route.same:
                return route.native((ev_b, direct), Msg("why.flannel-direct"))
            return route.encap(
                "VXLAN", 17, port, ovh, (ev_b, direct), Msg("why.flannel-diff"), family
            )
        return route.encap("VXLAN", 17, port, ovh, (ev_b,), Msg("why.flannel-vxlan"), family)
    if fl.backend_type == "wireguard":
        why = Msg("why.flannel-wireguard")
        return route.encap("WireGuard", 17, fl.port or 51820, 80, (ev_b,), why)
    if fl.backend_type == "udp":
        return route.encap("flannel-udp", 17, fl.port or 8285, 28, (ev_b,), Msg("why.flannel-udp"))
    return route.unknown(Msg("hop.flannel-unmodelled", backend=fl.backend_type))


# kube-router's tunnels (pkg/tunnels/linux_tunnels.go): IPIP (IP protocol 4; IPv6 pods:
# ip6ip6, protocol 41) adds an outer IP header; FOU puts that IPIP packet in UDP to
# --overlay-encap-port with a GUE header (ip link ... encap gue): outer IP + UDP 8 + GUE 4.
KUBE_ROUTER_IPIP = {4: (4, 20), 6: (41, 40)}  # family -> (IP protocol, overhead)
KUBE_ROUTER_FOU_OVERHEAD = {4: 32, 6: 52}
KUBE_ROUTER_FOU_PORT = 5555
KUBE_ROUTER = "kube-system/kube-router"  # the DaemonSet whose arguments say its settings


def _kube_router(route: _Route, kr: KubeRouter | None) -> EncapDecision:
    """kube-router (pkg/controllers/routing/network_routes_controller.go `shouldCreateTunnel`):
    with --enable-overlay, a tunnel to every node (--overlay-type=full) or to nodes in
    another subnet (subnet, the default), else the pod's own address on the wire; the
    tunnel runs between the nodes' addresses of the pod's family."""
    if kr is None or kr.run_router is None or kr.enable_overlay is None:
        return route.unknown(Msg("hop.no-kube-router"))
    if not kr.run_router:
        return route.unknown(Msg("hop.kube-router-no-router"))
    ev_o = Evidence("daemonset", KUBE_ROUTER, "--enable-overlay", str(kr.enable_overlay).lower())
    if not kr.enable_overlay:
        return route.native((ev_o,), Msg("why.kube-router-no-overlay"))
    if kr.overlay_type is None or kr.overlay_encap is None:
        flag = "--overlay-type" if kr.overlay_type is None else "--overlay-encap"
        return route.unknown(Msg("hop.kube-router-value", flag=flag))
    ev: tuple[Evidence, ...] = (
        ev_o,
        Evidence("daemonset", KUBE_ROUTER, "--overlay-type", kr.overlay_type),
    )
    diff = ""
    if kr.overlay_type == "subnet":
        if route.same is None:
            return route.unknown(Msg("why.kube-router-subnet-unknown"))
        if route.same:
            return route.native(ev, Msg("why.kube-router-same-subnet"))
        diff = Msg("why.kube-router-diff")
    ev = (*ev, Evidence("daemonset", KUBE_ROUTER, "--overlay-encap", kr.overlay_encap))
    why = Msg("why.kube-router-tunnel", type=kr.overlay_type, encap=kr.overlay_encap, diff=diff)
    family = route.dst_ip.version
    if kr.overlay_encap == "ipip":
        proto, overhead = KUBE_ROUTER_IPIP[family]
        kind = "IPIP" if family == 4 else "IP6IP6"
        return route.encap(kind, proto, None, overhead, ev, why, family)
    port = kr.overlay_encap_port or KUBE_ROUTER_FOU_PORT
    return route.encap("FOU", 17, port, KUBE_ROUTER_FOU_OVERHEAD[family], ev, why, family)


def _cilium(route: _Route, cil: Cilium | None, from_pod: bool) -> EncapDecision:
    """Native routing, or the tunnel over the family `cilium_underlay` says. With WireGuard
    on, pods' traffic to other nodes leaves through cilium_wg0 (UDP 51871 between the
    nodes' addresses) in either mode; tunnelled inside it or not, WireGuard is what Neutron
    sees (cilium Documentation/security/network/encryption-wireguard.rst)."""
    if cil is None or cil.routing_mode is None:
        return route.unknown(Msg("hop.no-cilium"))
    ev_m = Evidence("configmap", "kube-system/cilium-config", "routing-mode", cil.routing_mode)
    if cil.wireguard and from_pod:
        tunnel = 0
        if cil.routing_mode == "tunnel":
            geneve = cil.tunnel_protocol == "geneve"
            tunnel = (GENEVE_OVERHEAD if geneve else VXLAN_OVERHEAD)[cilium_underlay(cil)]
        ev_wg = Evidence("configmap", "kube-system/cilium-config", "enable-wireguard", "true")
        under = 4 if cil.enable_ipv4 is not False else 6
        ovh = tunnel + CILIUM_WIREGUARD_OVERHEAD
        why = Msg("why.cilium-wireguard")
        return route.encap("WireGuard", 17, CILIUM_WIREGUARD_PORT, ovh, (ev_m, ev_wg), why, under)
    if cil.routing_mode == "native":
        if cil.ipsec and from_pod:  # ESP between the nodes, not the pods' packets
            return route.unknown(Msg("hop.cilium-ipsec-native"))
        return route.native((ev_m,), Msg("why.cilium-native"))
    tp = cil.tunnel_protocol or "vxlan"
    ev: tuple[Evidence, ...] = (
        ev_m,
        Evidence("configmap", "kube-system/cilium-config", "tunnel-protocol", tp),
    )
    family = cilium_underlay(cil)
    if cil.underlay_protocol is not None:
        ev = (
            *ev,
            Evidence(
                "configmap", "kube-system/cilium-config", "underlay-protocol", cil.underlay_protocol
            ),
        )
    if tp == "geneve":
        port = cil.tunnel_port or 6081
        return route.encap(
            "Geneve", 17, port, GENEVE_OVERHEAD[family], ev, Msg("why.cilium-geneve"), family
        )
    port = cil.tunnel_port or 8472
    return route.encap(
        "VXLAN", 17, port, VXLAN_OVERHEAD[family], ev, Msg("why.cilium-vxlan"), family
    )


def cilium_underlay(cil: Cilium) -> int:
    """The family of Cilium's tunnel underlay: cilium-config ``underlay-protocol`` (Cilium
    1.17+; ipv4, ipv6 or auto = IPv4 when enabled, else IPv6), ipv4 when absent (earlier
    versions tunnel over IPv4 only). cilium pkg/datapath/tunnel/tunnel.go `newConfig`."""
    if cil.underlay_protocol == "ipv6":
        return 6
    if cil.underlay_protocol == "auto" and cil.enable_ipv4 is False:
        return 6
    return 4


def _router_routes(topo: Topology, src: NodeView, dst_ip: IPAddress) -> bool:
    if src.subnet is None:
        return False
    router = topo.router_for_subnet(src.subnet.id)
    return router is not None and any(
        r.destination.version == dst_ip.version and dst_ip in r.destination for r in router.routes
    )
