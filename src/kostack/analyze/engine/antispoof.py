"""Neutron anti-spoofing on a port: the source must be a fixed IP or inside an allowed pair.

Anti-spoofing is stateless: a reply leaving a port is checked like any packet.
When ``port_security_enabled`` was not collected, both values are tried: a
source that passes with port security on passes with it off too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from kostack.analyze.engine.ipv6 import link_local
from kostack.analyze.engine.kubeovn import subnet_of
from kostack.analyze.engine.types import Disposition, Evidence, Hop
from kostack.analyze.engine.vnic import maybe_unfiltered, not_filtered, unfiltered
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import IPAddress, Port

if TYPE_CHECKING:
    from kostack.analyze.topology import Topology

register(
    {
        "hop.portsec-off": {
            "en": "port security is disabled: no anti-spoofing and no security groups",
            "ko": "포트 보안이 꺼져 있어 anti-spoofing과 보안 그룹이 적용되지 않습니다",
        },
        "hop.portsec-unknown": {
            "en": "port_security_enabled was not collected, and with it on {detail}",
            "ko": "port_security_enabled 값을 수집하지 못했고, 켜져 있다면 {detail}",
        },
        "hop.portsec-either": {
            "en": "{detail} (port_security_enabled was not collected; this holds either way)",
            "ko": "{detail} (port_security_enabled 값을 수집하지 못했지만 어느 쪽이든 같습니다)",
        },
        "hop.src-fixed": {
            "en": "source {ip} is the port's fixed IP",
            "ko": "출발지 {ip:은/는} 포트의 고정 IP입니다",
        },
        "hop.src-pair": {
            "en": "source {ip} is inside allowed address pair {pair}",
            "ko": "출발지 {ip:은/는} Allowed Address Pair {pair}에 속합니다",
        },
        "hop.src-link-local": {
            "en": "source {ip} is the port's IPv6 link-local address (from its MAC), which Neutron always allows",
            "ko": "출발지 {ip:은/는} 포트 MAC에서 나온 IPv6 링크 로컬 주소이며 Neutron이 항상 허용합니다",
        },
        "hop.port-down": {
            "en": "port {port} is administratively down (admin_state_up false): Neutron passes no packet",
            "ko": "포트 {port:은/는} 관리상 비활성(admin_state_up false) 상태라 Neutron이 어떤 패킷도 통과시키지 않습니다",
        },
        "hop.port-unbound": {
            "en": "port {port} failed to bind (binding:vif_type binding_failed): no mechanism "
            "driver could bind it on its host, so Neutron gives it no data path",
            "ko": "포트 {port:은/는} 바인딩에 실패했습니다(binding:vif_type binding_failed): 어떤 "
            "메커니즘 드라이버도 이 포트를 호스트에 바인딩하지 못해 Neutron이 데이터 경로를 주지 않습니다",
        },
        "hop.port-unbound-maybe": {
            "en": "port {port} failed to bind (binding:vif_type binding_failed): ML2/OVS's agent "
            "then drops its packets, but ML2/OVN's ovn-controller may still wire it, and the "
            "backend is {backend}",
            "ko": "포트 {port:은/는} 바인딩에 실패했습니다(binding:vif_type binding_failed): "
            "ML2/OVS 에이전트라면 이 포트의 패킷을 버리지만 ML2/OVN의 ovn-controller는 여전히 "
            "연결할 수 있으며, 백엔드는 {backend}입니다",
        },
        "hop.port-unbound-unknown": {
            "en": "port {port} failed to bind (binding:vif_type binding_failed): ML2/OVS's agent "
            "then drops its packets, but ML2/OVN's ovn-controller may still wire it, and the "
            "Neutron backend is not known",
            "ko": "포트 {port:은/는} 바인딩에 실패했습니다(binding:vif_type binding_failed): "
            "ML2/OVS 에이전트라면 이 포트의 패킷을 버리지만 ML2/OVN의 ovn-controller는 여전히 "
            "연결할 수 있으며, Neutron 백엔드를 알 수 없습니다",
        },
        "hop.antispoof-pod-mac": {
            "en": "source {ip} is a pod of Kube-OVN underlay Subnet {subnet}, which leaves with "
            "the pod's own MAC address: anti-spoofing passes only the port's MAC (a pair's "
            "too, one MAC each), so only port security off lets it out",
            "ko": "출발지 {ip:은/는} Kube-OVN 언더레이 Subnet {subnet}의 Pod라 Pod 자신의 MAC 주소로 "
            "나갑니다. anti-spoofing은 포트의 MAC(그리고 pair마다 하나의 MAC)만 통과시키므로 포트 "
            "보안을 꺼야만 나갈 수 있습니다",
        },
        "hop.antispoof-denied": {
            "en": "source {ip} not in fixed_ips {fixed} or allowed_address_pairs {pairs}",
            "ko": "출발지 주소 {ip}: fixed_ips {fixed}에도 allowed_address_pairs {pairs}에도 없음",
        },
    }
)


def port_down(port: Port, where: str, step: str, backend: str | None) -> Hop | None:
    """A port with admin_state_up false drops every packet, both ways, and so does one whose
    binding failed (binding:vif_type, admin-only) under ML2/OVS; under another backend that
    is undecided (docs/facts.md "Port admin state"); None when it is up and bound, or that
    was not collected."""
    if port.admin_state_up is False:
        ev = (Evidence("port", port.id, "admin_state_up", "false"),)
        detail = Msg("hop.port-down", port=port.id)
        return Hop(step, where, Disposition.DENIED, detail, ev, cause=PORT_DOWN)
    if port.vif_type == "binding_failed":
        ev = (Evidence("port", port.id, "binding:vif_type", "binding_failed"),)
        if backend == "ml2/ovs":
            detail = Msg("hop.port-unbound", port=port.id)
            return Hop(step, where, Disposition.DENIED, detail, ev, cause=PORT_UNBOUND)
        if backend:
            detail = Msg("hop.port-unbound-maybe", port=port.id, backend=backend)
        else:
            detail = Msg("hop.port-unbound-unknown", port=port.id)
        return Hop(step, where, Disposition.UNKNOWN, detail, ev, cause=PORT_UNBOUND)
    return None


PORT_DOWN = "port-down"
PORT_UNBOUND = "port-unbound"


def pod_mac(topo: Topology, src_ip: IPAddress) -> str | None:
    """The Kube-OVN underlay Subnet whose pod ``src_ip`` is: its packets carry the pod's own
    MAC, not the port's (kubeovn/docs docs/start/underlay.en.md); None for any other."""
    cl = topo.snapshot.cluster
    if cl is None or cl.cni.type != "kube-ovn":
        return None
    subnet = subnet_of(topo, src_ip)
    return subnet.name if subnet is not None and subnet.vlan else None


def passes(port: Port, src_ip: IPAddress, own_mac: bool = True) -> bool:
    """Whether anti-spoofing with port security on lets ``src_ip`` leave ``port``
    (``own_mac`` False: the packet carries another MAC, which no pair without it matches)."""
    if any(f.ip_address == src_ip for f in port.fixed_ips):
        return True
    if src_ip.version == 6 and src_ip == link_local(port.mac_address):
        return True
    return own_mac and any(
        (p.mac_address is None or p.mac_address == port.mac_address)
        and p.ip_address.version == src_ip.version
        and src_ip in p.ip_address
        for p in port.allowed_address_pairs
    )


def outcome(topo: Topology, port: Port, src_ip: IPAddress) -> Disposition:
    """The disposition `antispoof` gives, without building its hop (for grouping nodes)."""
    if port.port_security_enabled is False:
        return Disposition.NOT_APPLICABLE
    if passes(port, src_ip, pod_mac(topo, src_ip) is None) or not_filtered(port):
        return Disposition.ACCEPTED
    undecided = port.port_security_enabled is None or maybe_unfiltered(port, topo)
    return Disposition.UNKNOWN if undecided else Disposition.DENIED


def antispoof(
    topo: Topology,
    port: Port,
    src_ip: IPAddress,
    where: str,
    direction: Literal["forward", "reply"],
) -> Hop:
    """Neutron's egress anti-spoofing on ``port`` for a packet with source ``src_ip``."""
    hop = _antispoof(port, src_ip, where, direction, pod_mac(topo, src_ip))
    return unfiltered(hop, port, topo)


def _antispoof(
    port: Port,
    src_ip: IPAddress,
    where: str,
    direction: Literal["forward", "reply"],
    subnet: str | None = None,
) -> Hop:
    step = "antispoof" if direction == "forward" else "reply-antispoof"
    if port.port_security_enabled is False:
        off = (Evidence("port", port.id, "port_security_enabled", "false"),)
        return Hop(step, where, Disposition.NOT_APPLICABLE, Msg("hop.portsec-off"), off, direction)
    hop = _enabled(port, src_ip, where, step, direction, subnet)
    if port.port_security_enabled is None:
        ev: tuple[Evidence, ...] = (
            *hop.evidence,
            Evidence("port", port.id, "port_security_enabled", "?"),
        )
        if hop.disposition == Disposition.ACCEPTED:
            detail = Msg("hop.portsec-either", detail=hop.detail)
            return Hop(step, where, Disposition.ACCEPTED, detail, ev, direction)
        detail = Msg("hop.portsec-unknown", detail=hop.detail)
        return Hop(step, where, Disposition.UNKNOWN, detail, ev, direction, cause="gap")
    return hop


def _enabled(
    port: Port,
    src_ip: IPAddress,
    where: str,
    step: str,
    direction: Literal["forward", "reply"],
    subnet: str | None,
) -> Hop:
    for fip in port.fixed_ips:
        if fip.ip_address == src_ip:
            ev = (Evidence("port", port.id, "fixed_ips", str(src_ip)),)
            return Hop(
                step, where, Disposition.ACCEPTED, Msg("hop.src-fixed", ip=src_ip), ev, direction
            )
    if src_ip.version == 6 and src_ip == link_local(port.mac_address):
        ev = (Evidence("port", port.id, "mac_address", port.mac_address),)
        detail = Msg("hop.src-link-local", ip=src_ip)
        return Hop(step, where, Disposition.ACCEPTED, detail, ev, direction)
    fixed = "[" + ", ".join(str(f.ip_address) for f in port.fixed_ips) + "]"
    if subnet is not None:  # a Kube-OVN underlay pod's own MAC: no pair matches it
        ev = (Evidence("port", port.id, "mac_address", port.mac_address),)
        detail = Msg("hop.antispoof-pod-mac", ip=src_ip, subnet=subnet)
        return Hop(step, where, Disposition.DENIED, detail, ev, direction, cause="antispoof")
    for pair in port.allowed_address_pairs:
        # the packet carries the port's MAC, so a pair with another MAC does not match it
        mac_ok = pair.mac_address is None or pair.mac_address == port.mac_address
        if mac_ok and pair.ip_address.version == src_ip.version and src_ip in pair.ip_address:
            ev = (Evidence("port", port.id, "allowed_address_pairs", str(pair.ip_address)),)
            detail = Msg("hop.src-pair", ip=src_ip, pair=pair.ip_address)
            return Hop(step, where, Disposition.ACCEPTED, detail, ev, direction)
    pairs = "[" + ", ".join(str(p.ip_address) for p in port.allowed_address_pairs) + "]"
    return Hop(
        step,
        where,
        Disposition.DENIED,
        Msg("hop.antispoof-denied", ip=src_ip, fixed=fixed, pairs=pairs),
        (
            Evidence("port", port.id, "fixed_ips", fixed),
            Evidence("port", port.id, "allowed_address_pairs", pairs),
        ),
        direction,
        cause="antispoof",
    )
