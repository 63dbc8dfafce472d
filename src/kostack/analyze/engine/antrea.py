"""Antrea's hops: how pod traffic crosses nodes, and whether it is masqueraded.

antrea-agent.conf (docs/facts.md "Antrea"): ``trafficEncapMode`` encap tunnels every packet
to another node's pods between the nodes' addresses (``tunnelType`` geneve, vxlan, gre or
stt on ``tunnelPort``); noEncap routes natively (the pod's address on the wire); hybrid
routes natively to a node in the same subnet and tunnels to the others
(pkg/agent/config/node_config.go ``NeedsTunnelToPeer``, ``NeedsDirectRoutingToPeer``).
WireGuard replaces the tunnel (``NeedsTunnelToPeer`` is false with it): UDP
``wireGuard.port`` between the nodes. Pod traffic leaving for anything outside every node's
pod CIDR is masqueraded to the node IP unless ``noSNAT`` (pkg/agent/route/route_linux.go,
"Antrea: masquerade Pod to external packets"), other nodes' addresses included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kostack.analyze.engine.types import Evidence
from kostack.analyze.messages import Msg, register
from kostack.model.cni import ANTREA_WIREGUARD_PORT
from kostack.model.snapshot import Antrea

if TYPE_CHECKING:
    from kostack.analyze.engine.encap import EncapDecision, _Route

CONFIG = "kube-system/antrea-config"  # the ConfigMap (its key antrea-agent.conf)
GRE_IPV6 = "antrea-gre-ipv6"  # the cause: the agent refuses GRE on a node with an IPv6 address
# The bytes Antrea takes off the pod MTU for each tunnel (node_config.go: vxlan and geneve 50,
# gre 42 with its key, stt none; 20 more over IPv6) and WireGuard's 60 (80 over IPv6).
TUNNEL_OVERHEAD = {"geneve": 50, "vxlan": 50, "gre": 42, "stt": 0}
IPV6_EXTRA = 20
WIREGUARD_OVERHEAD = 60
# (name, IP protocol) of each tunnel type; STT runs over TCP (docs/network-requirements.md).
TUNNEL_KIND = {
    "geneve": ("Geneve", 17),
    "vxlan": ("VXLAN", 17),
    "gre": ("GRE", 47),
    "stt": ("STT", 6),
}

register(
    {
        "hop.no-antrea": {
            "en": "Antrea's settings were not collected (antrea-agent.conf in ConfigMap "
            "antrea-config)",
            "ko": "Antrea 설정(ConfigMap antrea-config의 antrea-agent.conf)을 수집하지 못했습니다",
        },
        "hop.antrea-value": {
            "en": "Antrea {field} has a value kostack does not model",
            "ko": "Antrea {field}에 kostack이 모델링하지 않는 값이 있습니다",
        },
        "hop.antrea-policy-only": {
            "en": "Antrea runs with trafficEncapMode networkPolicyOnly: another CNI, chained "
            "before it, carries the pods' traffic, and kostack does not read it",
            "ko": "Antrea가 trafficEncapMode networkPolicyOnly로 실행되어 앞에 연결된 다른 CNI가 "
            "Pod 트래픽을 전달하며, kostack은 그 CNI를 읽지 않습니다",
        },
        "hop.antrea-ipsec": {
            "en": "Antrea trafficEncryptionMode ipsec: the tunnel runs inside IPsec ESP (IP "
            "protocol 50) keyed over IKE (UDP 500 and 4500), which kostack does not model",
            "ko": "Antrea trafficEncryptionMode ipsec: 터널이 IKE(UDP 500, 4500)로 키를 맺는 "
            "IPsec ESP(IP 프로토콜 50) 안에서 전달되며, kostack은 이를 모델링하지 않습니다",
        },
        "hop.antrea-masq-unknown": {
            "en": "Antrea runs with trafficEncapMode networkPolicyOnly: whether pod traffic is "
            "masqueraded is up to the chained CNI, which kostack does not read",
            "ko": "Antrea가 trafficEncapMode networkPolicyOnly로 실행되어 Pod 트래픽의 "
            "마스커레이드 여부는 kostack이 읽지 않는 연결된 CNI에 달려 있습니다",
        },
        "hop.antrea-masq-true": {
            "en": "Antrea: {ip} is masqueraded to the node IP (noSNAT false)",
            "ko": "Antrea: {ip:이/가} 노드 IP로 마스커레이드됩니다 (noSNAT false)",
        },
        "hop.antrea-masq-false": {
            "en": "Antrea noSNAT true: {ip} is not masqueraded: it leaves with the pod source",
            "ko": "Antrea noSNAT true: {ip:이/가} 마스커레이드되지 않고 Pod 출발지 그대로 나갑니다",
        },
        "why.antrea-wireguard": {
            "en": "Antrea trafficEncryptionMode wireguard: pod traffic to other nodes goes "
            "through antrea-wg0",
            "ko": "Antrea trafficEncryptionMode wireguard: 다른 노드로 가는 Pod 트래픽은 "
            "antrea-wg0을 지납니다",
        },
        "why.antrea-noencap": {
            "en": "Antrea trafficEncapMode noEncap",
            "ko": "Antrea trafficEncapMode noEncap",
        },
        "why.antrea-hybrid-same": {
            "en": "Antrea trafficEncapMode hybrid routes natively within a subnet",
            "ko": "Antrea trafficEncapMode hybrid는 같은 서브넷 안에서는 캡슐화 없이 라우팅함",
        },
        "why.antrea-hybrid-unknown": {
            "en": "Antrea trafficEncapMode hybrid tunnels to nodes of other subnets, and the "
            "nodes' subnets are not known",
            "ko": "Antrea trafficEncapMode hybrid는 다른 서브넷의 노드로만 터널을 쓰는데, 노드의 "
            "서브넷을 알 수 없습니다",
        },
        "why.antrea-tunnel": {
            "en": "Antrea trafficEncapMode {mode}, tunnelType {type}{diff}",
            "ko": "Antrea trafficEncapMode {mode}, tunnelType {type}{diff}",
        },
        "why.antrea-diff": {"en": ", different subnets", "ko": ", 서로 다른 서브넷"},
        "hop.antrea-gre-ipv6": {
            "en": "Antrea trafficEncapMode {mode}, tunnelType gre: antrea-agent refuses to start "
            'on a node with an IPv6 address ("GRE tunnel type is not supported for IPv6 '
            'overlay"), and node {node} has {ip}, so its pods have no network; set tunnelType '
            "geneve (the default), vxlan or stt in antrea-agent.conf (ConfigMap antrea-config)",
            "ko": "Antrea trafficEncapMode {mode}, tunnelType gre: antrea-agent는 IPv6 주소가 있는 "
            '노드에서 시작을 거부하는데("GRE tunnel type is not supported for IPv6 overlay") '
            "노드 {node}에 {ip:이/가} 있으므로 그 노드의 Pod에는 네트워크가 없습니다. "
            "antrea-agent.conf(ConfigMap antrea-config)의 tunnelType을 geneve(기본값), vxlan "
            "또는 stt로 바꾸세요",
        },
    }
)


def overhead(antrea: Antrea, family: int) -> int | None:
    """The bytes Antrea takes off the pod MTU (node_config.go ``CalculateMTUDeduction``): the
    tunnel's in encap and hybrid, WireGuard's instead, IPsec's ESP 38 on top; 20 more when
    the node has an IPv6 address. None when a setting it needs was not read."""
    mode, encryption = antrea.traffic_encap_mode, antrea.traffic_encryption_mode
    if mode is None or encryption is None:
        return None
    if encryption == "wireguard":
        return _bytes("wireguard", family)
    tunnel = 0
    if mode in ("encap", "hybrid"):
        if antrea.tunnel_type is None:
            return None
        tunnel = _bytes(antrea.tunnel_type, family)
    return tunnel + (38 if encryption == "ipsec" else 0)


def _bytes(tunnel: str, family: int) -> int:
    """One tunnel's (or WireGuard's) deduction over ``family``: STT's is none either way."""
    if tunnel == "wireguard":
        return WIREGUARD_OVERHEAD + (IPV6_EXTRA if family == 6 else 0)
    return TUNNEL_OVERHEAD[tunnel] + (IPV6_EXTRA if family == 6 and tunnel != "stt" else 0)


def _gre_ipv6(route: _Route, antrea: Antrea, ev_mode: Evidence) -> EncapDecision | None:
    """GRE in encap or hybrid mode, and either node has an IPv6 address: antrea-agent refuses
    to start there (pkg/agent/agent.go ``setupDefaultTunnelInterface``: "GRE tunnel type is not
    supported for IPv6 overlay", whatever the encryption and the peer's subnet), so nothing
    carries that node's pods; None otherwise."""
    if antrea.tunnel_type != "gre":
        return None
    for view in (route.src, route.dst):
        ip = view.ip_of(6)
        if ip is not None:
            mode = antrea.traffic_encap_mode
            ev = (ev_mode, Evidence("configmap", CONFIG, "tunnelType", "gre"))
            why = Msg("hop.antrea-gre-ipv6", mode=mode, node=view.name, ip=ip)
            return route.no_route(why, ev, GRE_IPV6)
    return None


def route(route: _Route, antrea: Antrea | None) -> EncapDecision:
    """How Antrea carries traffic from ``route``'s node to a pod on another."""
    if antrea is None or antrea.traffic_encap_mode is None:
        return route.unknown(Msg("hop.no-antrea"))
    mode = antrea.traffic_encap_mode
    if mode == "networkPolicyOnly":
        return route.unknown(Msg("hop.antrea-policy-only"))
    ev_mode = Evidence("configmap", CONFIG, "trafficEncapMode", mode)
    if mode == "noEncap":
        return route.native((ev_mode,), Msg("why.antrea-noencap"))
    refused = _gre_ipv6(route, antrea, ev_mode)
    if refused is not None:
        return refused
    encryption = antrea.traffic_encryption_mode
    if encryption is None:
        return route.unknown(Msg("hop.antrea-value", field="trafficEncryptionMode"))
    if encryption == "ipsec":
        return route.unknown(Msg("hop.antrea-ipsec"))
    family = route.dst_ip.version
    if encryption == "wireguard":  # encap mode only (options.go)
        wg_port = antrea.wireguard_port or ANTREA_WIREGUARD_PORT
        ev = (ev_mode, Evidence("configmap", CONFIG, "trafficEncryptionMode", "wireguard"))
        why = Msg("why.antrea-wireguard")
        return route.encap("WireGuard", 17, wg_port, _bytes("wireguard", family), ev, why, family)
    diff = ""
    if mode == "hybrid":
        if route.same is None:
            return route.unknown(Msg("why.antrea-hybrid-unknown"))
        if route.same:
            return route.native((ev_mode,), Msg("why.antrea-hybrid-same"))
        diff = Msg("why.antrea-diff")
    tunnel = antrea.tunnel_type
    if tunnel is None:
        return route.unknown(Msg("hop.antrea-value", field="tunnelType"))
    kind, proto = TUNNEL_KIND[tunnel]
    ev = (ev_mode, Evidence("configmap", CONFIG, "tunnelType", tunnel))
    why = Msg("why.antrea-tunnel", mode=mode, type=tunnel, diff=diff)
    port = None if tunnel == "gre" else antrea.tunnel_port
    if tunnel != "gre" and port is None:
        return route.unknown(Msg("hop.antrea-value", field="tunnelPort"))
    return route.encap(kind, proto, port, _bytes(tunnel, family), ev, why, family)
