"""How the CNI carries pod traffic from one node to a pod on another (docs/engine.md, hop 4)."""

from __future__ import annotations

from dataclasses import dataclass

from kostack.analyze.engine.types import Disposition, Evidence, Hop
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import NodeView, Topology
from kostack.model.snapshot import IPAddress

register(
    {
        "where.route": {"en": "route on {node}", "ko": "{node}의 라우팅"},
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
        "hop.no-cilium": {
            "en": "the Cilium routing mode was not collected",
            "ko": "Cilium 라우팅 모드를 수집하지 못했습니다",
        },
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
    }
)


@dataclass(frozen=True)
class EncapDecision:
    hop: Hop
    encap: str | None = None
    proto: int = 0
    port: int | None = None
    overhead: int = 0


def encapsulation(topo: Topology, src: NodeView, dst: NodeView, dst_ip: IPAddress) -> EncapDecision:
    """How the CNI carries pod traffic from node ``src`` to a pod ``dst_ip`` on node ``dst``.

    Long: one branch per CNI and mode, each a hop with its evidence.
    """
    where = Msg("where.route", node=src.name)
    same: bool | None = None
    if src.subnet is not None and dst.subnet is not None:
        same = src.subnet.id == dst.subnet.id
    subnet_text = (
        Msg("text.same-subnet", cidr=src.subnet.cidr)
        if same and src.subnet
        else (
            f"{src.subnet.cidr} vs {dst.subnet.cidr}"
            if src.subnet is not None and dst.subnet is not None
            else Msg("text.subnets-unknown")
        )
    )
    block = next((b for b in dst.blocks if b.version == dst_ip.version and dst_ip in b), None)
    via = f"{block or dst_ip} via {dst.ip}"
    cl = topo.snapshot.cluster
    cni = cl.cni if cl else None

    def unknown(reason: str) -> EncapDecision:
        return EncapDecision(Hop("route", where, Disposition.UNKNOWN, reason, cause="gap"))

    def native(ev: tuple[Evidence, ...], why: str) -> EncapDecision:
        if same is False:
            return (
                EncapDecision(
                    Hop(
                        "route",
                        where,
                        Disposition.NO_ROUTE,
                        Msg("hop.native-cross-subnet", via=via, why=why, subnets=subnet_text),
                        ev,
                        cause="native-cross-subnet",
                    )
                )
                if not _router_routes(topo, src, dst_ip)
                else EncapDecision(
                    Hop(
                        "route",
                        where,
                        Disposition.ACCEPTED,
                        Msg("hop.native-routed", via=via, why=why),
                        ev,
                    )
                )
            )
        return EncapDecision(
            Hop(
                "route",
                where,
                Disposition.ACCEPTED,
                Msg("hop.native", via=via, subnets=subnet_text),
                ev,
            )
        )

    def encap(
        kind: str, proto: int, port: int | None, overhead: int, ev: tuple[Evidence, ...], why: str
    ) -> EncapDecision:
        label = (
            Msg("text.encap-udp", kind=kind, port=port)
            if port
            else Msg("text.encap-proto", kind=kind, proto=proto)
        )
        return EncapDecision(
            Hop(
                "route",
                where,
                Disposition.ACCEPTED,
                Msg("hop.encap", via=via, subnets=subnet_text, label=label, why=why),
                ev,
            ),
            kind,
            proto,
            port,
            overhead,
        )

    if cni is None or cni.type == "unknown":
        return unknown(Msg("hop.route-unknown-cni"))
    if cni.type == "calico":
        if cni.calico is None or cni.calico.ip_pools is None:
            return unknown(Msg("hop.no-pools"))
        pool = topo.pool_for(dst_ip)
        if pool is None:
            return unknown(Msg("hop.no-pool", ip=dst_ip))
        port: int | None
        ev: tuple[Evidence, ...]
        if pool.vxlan_mode != "Never":
            # an IPv6 pool's VXLAN runs over the nodes' IPv6 addresses (Felix's vxlan-v6.calico):
            # 70 bytes (40 IPv6 + 8 UDP + 8 VXLAN + 14 Ethernet), 50 over IPv4
            ovh = 70 if pool.cidr.version == 6 else 50
            mode, kind, proto, port, fld = pool.vxlan_mode, "VXLAN", 17, 4789, "vxlanMode"
        elif pool.ipip_mode != "Never":
            mode, kind, proto, port, ovh, fld = pool.ipip_mode, "IPIP", 4, None, 20, "ipipMode"
        else:
            ev = (Evidence("ippool", pool.name, "ipipMode/vxlanMode", "Never"),)
            return native(ev, Msg("why.pool-no-encap", pool=pool.name))
        ev = (Evidence("ippool", pool.name, fld, mode),)
        if mode == "Always":
            return encap(
                kind,
                proto,
                port,
                ovh,
                ev,
                Msg("why.pool-mode", pool=pool.name, field=fld, mode="Always"),
            )
        if same is None:
            return unknown(Msg("why.crosssubnet-unknown", pool=pool.name, field=fld))
        if same:
            return native(ev, Msg("why.pool-mode", pool=pool.name, field=fld, mode="CrossSubnet"))
        return encap(
            kind, proto, port, ovh, ev, Msg("why.crosssubnet-diff", pool=pool.name, field=fld)
        )
    if cni.type == "flannel":
        fl = cni.flannel
        if fl is None or fl.backend_type is None:
            return unknown(Msg("hop.no-flannel"))
        ev_b = Evidence(
            "configmap", "kube-flannel/kube-flannel-cfg", "Backend.Type", fl.backend_type
        )
        if fl.backend_type == "host-gw":
            return native((ev_b,), Msg("why.flannel-host-gw"))
        if fl.backend_type == "vxlan":
            port = fl.port or 8472
            if fl.direct_routing:
                ev = (
                    ev_b,
                    Evidence(
                        "configmap",
                        "kube-flannel/kube-flannel-cfg",
                        "Backend.DirectRouting",
                        "true",
                    ),
                )
                if same is None:
                    return unknown("flannel DirectRouting, but the nodes' subnets are not known")
                if same:
                    return native(ev, Msg("why.flannel-direct"))
                return encap("VXLAN", 17, port, 50, ev, Msg("why.flannel-diff"))
            return encap("VXLAN", 17, port, 50, (ev_b,), Msg("why.flannel-vxlan"))
        if fl.backend_type == "wireguard":
            return encap(
                "WireGuard", 17, fl.port or 51820, 80, (ev_b,), Msg("why.flannel-wireguard")
            )
        if fl.backend_type == "udp":
            return encap("flannel-udp", 17, fl.port or 8285, 28, (ev_b,), Msg("why.flannel-udp"))
        return unknown(Msg("hop.flannel-unmodelled", backend=fl.backend_type))
    cil = cni.cilium
    if cil is None or cil.routing_mode is None:
        return unknown(Msg("hop.no-cilium"))
    ev_m = Evidence("configmap", "kube-system/cilium-config", "routing-mode", cil.routing_mode)
    if cil.routing_mode == "native":
        return native((ev_m,), Msg("why.cilium-native"))
    tp = cil.tunnel_protocol or "vxlan"
    ev = (ev_m, Evidence("configmap", "kube-system/cilium-config", "tunnel-protocol", tp))
    if tp == "geneve":
        return encap("Geneve", 17, cil.tunnel_port or 6081, 50, ev, Msg("why.cilium-geneve"))
    return encap("VXLAN", 17, cil.tunnel_port or 8472, 50, ev, Msg("why.cilium-vxlan"))


def _router_routes(topo: Topology, src: NodeView, dst_ip: IPAddress) -> bool:
    if src.subnet is None:
        return False
    router = topo.router_for_subnet(src.subnet.id)
    return router is not None and any(
        r.destination.version == dst_ip.version and dst_ip in r.destination for r in router.routes
    )
