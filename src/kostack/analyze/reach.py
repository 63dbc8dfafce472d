"""The static reachability engine.

Given a snapshot and a flow (source, destination, protocol, port), compute the
path hop by hop as Kubernetes, the CNI and Neutron would handle it, forward and
reply, and say for each hop whether the packet is accepted, denied, has no
route, is not affected (not applicable) or cannot be decided from the snapshot
(unknown), naming the object and field that decided it.

Pure functions of a Topology: no network, no clock, no globals.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import (
    PORTED_PROTOCOLS,
    NodeView,
    Topology,
    protocol_label,
    protocol_number,
    short_id,
)
from kostack.model.snapshot import IPAddress, Port, SecurityGroupRule, Service, ServicePort

register(
    {
        "where.kube-proxy": {"en": "kube-proxy on {node}", "ko": "{node}의 kube-proxy"},
        "where.node": {"en": "node {node}", "ko": "노드 {node}"},
        "where.route": {"en": "route on {node}", "ko": "{node}의 라우팅"},
        "where.network": {"en": "tenant network {name}", "ko": "테넌트 네트워크 {name}"},
        "where.router": {"en": "router {name}", "ko": "라우터 {name}"},
        "where.subnet": {"en": "subnet {cidr}", "ko": "서브넷 {cidr}"},
        "text.same-subnet": {"en": "same subnet {cidr}", "ko": "같은 서브넷 {cidr}"},
        "text.subnets-unknown": {"en": "subnets unknown", "ko": "서브넷 알 수 없음"},
        "text.encap-udp": {"en": "{kind} (UDP {port})", "ko": "{kind} (UDP {port})"},
        "text.encap-proto": {
            "en": "{kind} (IP protocol {proto})",
            "ko": "{kind} (IP 프로토콜 {proto})",
        },
        "text.join": {"en": "{items}", "ko": "{items}"},
        "hop.pod-egress": {
            "en": "{src} on {node} -> node (veth)",
            "ko": "{node}의 {src} -> 노드 (veth)",
        },
        "hop.icmp-ipvs": {
            "en": "IPVS mode binds {ip} to kube-ipvs0 on every node, so the node itself answers the ping, "
            "even with no endpoints: the reply says nothing about the service",
            "ko": "IPVS 모드에서는 {ip}가 모든 노드의 kube-ipvs0에 붙어 있어 엔드포인트가 없어도 노드 자신이 ping에 "
            "응답합니다: 이 응답은 서비스 상태에 대해 아무것도 말해 주지 않습니다",
        },
        "hop.icmp-clusterip": {
            "en": "{ip} is a virtual IP: kube-proxy ({mode}) DNATs only the service's TCP/UDP/SCTP ports, so "
            "no reply is expected to a ping, healthy or not; test it with nslookup, nc -zv or curl instead",
            "ko": "{ip}는 가상 IP입니다: kube-proxy({mode})는 서비스의 TCP/UDP/SCTP 포트만 DNAT하므로 정상이든 "
            "아니든 ping에는 응답이 오지 않는 것이 정상입니다. nslookup, nc -zv, curl로 확인하세요",
        },
        "hop.no-service-port": {
            "en": "service {svc} has no port {port}/{protocol} (ports: {offered}); kube-proxy does not DNAT it",
            "ko": "서비스 {svc}에 {port}/{protocol} 포트가 없어(포트: {offered}) kube-proxy가 DNAT하지 않습니다",
        },
        "hop.no-endpoints-collected": {
            "en": "the endpoints of {svc} were not collected",
            "ko": "{svc}의 엔드포인트를 수집하지 못했습니다",
        },
        "hop.no-endpoints": {
            "en": "service {svc} has no ready endpoints: kube-proxy rejects the connection",
            "ko": "서비스 {svc}에 준비된 엔드포인트가 없어 kube-proxy가 연결을 거부합니다",
        },
        "hop.dnat": {
            "en": "DNAT {vip} -> {target} ({label} on {node})",
            "ko": "DNAT {vip} -> {target} ({node}의 {label})",
        },
        "hop.bad-protocol": {
            "en": "unsupported protocol {protocol}",
            "ko": "지원하지 않는 프로토콜 {protocol}",
        },
        "hop.external-source": {
            "en": "flows from outside the cluster (NodePort, LoadBalancer, floating IPs) are not modelled",
            "ko": "클러스터 외부에서 들어오는 흐름(NodePort, LoadBalancer, Floating IP)은 모델링하지 않습니다",
        },
        "hop.no-ip": {
            "en": "an endpoint has no IP address in the snapshot",
            "ko": "스냅샷에 IP 주소가 없는 엔드포인트가 있습니다",
        },
        "hop.no-node": {
            "en": "the node of {what} is not known",
            "ko": "{what}가 있는 노드를 알 수 없습니다",
        },
        "hop.local": {
            "en": "{what} is on the same node: delivered locally, Neutron is not involved",
            "ko": "{what}는 같은 노드에 있어 로컬로 전달되며 Neutron을 거치지 않습니다",
        },
        "hop.node-no-ip": {
            "en": "a node has no InternalIP",
            "ko": "InternalIP가 없는 노드가 있습니다",
        },
        "hop.to-node": {
            "en": "{ip} is node {node}'s address: routed natively (no encapsulation)",
            "ko": "{ip}는 노드 {node}의 주소이므로 캡슐화 없이 그대로 라우팅됩니다",
        },
        "hop.masq-unknown-cni": {
            "en": "the CNI is not known, so whether pod traffic is masqueraded is not known",
            "ko": "CNI를 알 수 없어 Pod 트래픽의 마스커레이드 여부를 알 수 없습니다",
        },
        "hop.no-pool": {
            "en": "no Calico IP pool contains {ip}",
            "ko": "{ip}를 포함하는 Calico IP 풀이 없습니다",
        },
        "hop.nat-on": {
            "en": "IP pool {pool} has natOutgoing: {ip} is masqueraded to the node IP",
            "ko": "IP 풀 {pool}의 natOutgoing이 켜져 있어 {ip}가 노드 IP로 마스커레이드됩니다",
        },
        "hop.nat-off": {
            "en": "IP pool {pool} has natOutgoing off: the packet leaves with the pod source {ip}",
            "ko": "IP 풀 {pool}의 natOutgoing이 꺼져 있어 패킷이 Pod 출발지 {ip} 그대로 나갑니다",
        },
        "hop.flannel-masq-true": {
            "en": "flannel: {ip} is masqueraded to the node IP",
            "ko": "flannel: {ip}가 노드 IP로 마스커레이드됩니다",
        },
        "hop.flannel-masq-false": {
            "en": "flannel: {ip} is not masqueraded: it leaves with the pod source",
            "ko": "flannel: {ip}가 마스커레이드되지 않고 Pod 출발지 그대로 나갑니다",
        },
        "hop.cilium-masq-true": {
            "en": "cilium: {ip} is masqueraded to the node IP",
            "ko": "cilium: {ip}가 노드 IP로 마스커레이드됩니다",
        },
        "hop.cilium-masq-false": {
            "en": "cilium: {ip} is not masqueraded: it leaves with the pod source",
            "ko": "cilium: {ip}가 마스커레이드되지 않고 Pod 출발지 그대로 나갑니다",
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
        "hop.no-pools": {
            "en": "Calico IP pools were not collected",
            "ko": "Calico IP 풀을 수집하지 못했습니다",
        },
        "hop.no-flannel": {
            "en": "the flannel backend was not collected",
            "ko": "flannel 백엔드를 수집하지 못했습니다",
        },
        "hop.flannel-unmodelled": {
            "en": "flannel backend {backend} is not modelled",
            "ko": "flannel 백엔드 {backend}는 모델링하지 않습니다",
        },
        "hop.no-cilium": {
            "en": "the Cilium routing mode was not collected",
            "ko": "Cilium 라우팅 모드를 수집하지 못했습니다",
        },
        "why.pool-no-encap": {
            "en": "IP pool {pool} has no encapsulation (BGP-routed)",
            "ko": "IP 풀 {pool}은 캡슐화를 쓰지 않음 (BGP 라우팅)",
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
        "hop.portsec-off": {
            "en": "port security is disabled: no anti-spoofing and no security groups",
            "ko": "포트 보안이 꺼져 있어 anti-spoofing과 보안 그룹이 적용되지 않습니다",
        },
        "hop.portsec-unknown": {
            "en": "port_security_enabled was not collected",
            "ko": "port_security_enabled 값을 수집하지 못했습니다",
        },
        "hop.src-fixed": {
            "en": "source {ip} is the port's fixed IP",
            "ko": "출발지 {ip}는 포트의 고정 IP입니다",
        },
        "hop.src-pair": {
            "en": "source {ip} is inside allowed address pair {pair}",
            "ko": "출발지 {ip}는 Allowed Address Pair {pair}에 속합니다",
        },
        "hop.antispoof-denied": {
            "en": "source {ip} not in fixed_ips {fixed} or allowed_address_pairs {pairs}",
            "ko": "출발지 주소 {ip}: fixed_ips {fixed}에도 allowed_address_pairs {pairs}에도 없음",
        },
        "hop.sg-portsec-off": {
            "en": "port security is disabled: security groups are not applied",
            "ko": "포트 보안이 꺼져 있어 보안 그룹이 적용되지 않습니다",
        },
        "hop.sg-not-collected": {
            "en": "security groups were not collected",
            "ko": "보안 그룹을 수집하지 못했습니다",
        },
        "hop.sg-admits": {
            "en": "{rule} in group {group} admits {wire}",
            "ko": "그룹 {group}의 {rule}이 {wire}를 허용합니다",
        },
        "hop.sg-backend-unknown": {
            "en": "rules {rules} match only through allowed address pairs of remote-group members, which count "
            "under ML2/OVS but not ML2/OVN, and the Neutron backend is not known",
            "ko": "규칙 {rules}는 원격 그룹 멤버의 Allowed Address Pair를 통해서만 매칭되는데, 이는 ML2/OVS에서는 "
            "인정되고 ML2/OVN에서는 인정되지 않으며 Neutron 백엔드를 알 수 없습니다",
        },
        "hop.sg-rules-unknown": {
            "en": "rules {rules} cannot be evaluated",
            "ko": "규칙 {rules}를 평가할 수 없습니다",
        },
        "hop.sg-missing": {
            "en": "groups {groups} are not in the snapshot",
            "ko": "그룹 {groups}가 스냅샷에 없습니다",
        },
        "hop.sg-none-ingress": {
            "en": "the port has port security on and no security groups: all ingress traffic is dropped",
            "ko": "포트 보안은 켜져 있는데 보안 그룹이 없어 모든 수신(ingress) 트래픽이 차단됩니다",
        },
        "hop.sg-none-egress": {
            "en": "the port has port security on and no security groups: all egress traffic is dropped",
            "ko": "포트 보안은 켜져 있는데 보안 그룹이 없어 모든 송신(egress) 트래픽이 차단됩니다",
        },
        "hop.sg-denied-ingress": {
            "en": "no ingress rule in groups [{groups}] admits {wire}",
            "ko": "그룹 [{groups}]에 {wire}를 허용하는 ingress 규칙이 없습니다",
        },
        "hop.sg-denied-egress": {
            "en": "no egress rule in groups [{groups}] admits {wire}",
            "ko": "그룹 [{groups}]에 {wire}를 허용하는 egress 규칙이 없습니다",
        },
        "hop.delivered": {"en": "delivered to {ip}", "ko": "{ip}에 전달됨"},
        "hop.delivered-decap": {
            "en": "delivered to {ip} (decapsulated {encap})",
            "ko": "{encap} 캡슐을 풀어 {ip}에 전달됨",
        },
        "hop.reply-stateful": {
            "en": "reply of an allowed connection: security groups are stateful",
            "ko": "허용된 연결의 응답: 보안 그룹은 상태 기반(stateful)이라 통과합니다",
        },
        "hop.subnets-unknown": {
            "en": "the nodes' subnets are not known",
            "ko": "노드의 서브넷을 알 수 없습니다",
        },
        "hop.switched": {
            "en": "same subnet {cidr}: switched directly",
            "ko": "같은 서브넷 {cidr}: 바로 전달됨",
        },
        "hop.routed": {"en": "routed {src} -> {dst}", "ko": "{src} -> {dst}로 라우팅됨"},
        "hop.no-router-joins": {
            "en": "no router joins {src} and {dst}",
            "ko": "{src}와 {dst}를 연결하는 라우터가 없습니다",
        },
        "hop.same-subnet-host": {
            "en": "{ip} is another host on the node subnet, not modelled",
            "ko": "{ip}는 노드 서브넷의 다른 호스트로, 모델링하지 않습니다",
        },
        "hop.routers-not-collected": {
            "en": "routers were not collected",
            "ko": "라우터를 수집하지 못했습니다",
        },
        "hop.no-gateway": {
            "en": "no router with an external gateway serves subnet {cidr}",
            "ko": "서브넷 {cidr}에 외부 게이트웨이가 있는 라우터가 연결되어 있지 않습니다",
        },
        "hop.no-snat": {
            "en": "the router does not SNAT (enable_snat false): replies depend on routing outside OpenStack",
            "ko": "라우터가 SNAT하지 않아(enable_snat false) 응답 경로는 OpenStack 밖의 라우팅에 달려 있습니다",
        },
        "hop.snat": {
            "en": "SNAT {src} -> the router's gateway address, out to {dst}",
            "ko": "{src}를 라우터 게이트웨이 주소로 SNAT하여 {dst}로 내보냄",
        },
        "hop.unsnat-node": {
            "en": "reply un-SNATed to {ip} on the node subnet",
            "ko": "응답이 노드 서브넷의 {ip}로 역SNAT됨",
        },
        "hop.no-route-back": {
            "en": "the reply is un-SNATed to the pod address {ip}, but the router has no route to it "
            "(routes: {routes}): the reply is lost",
            "ko": "응답이 Pod 주소 {ip}로 역SNAT되지만 라우터에 그 주소로 가는 경로가 없어(경로: {routes}) 응답이 "
            "사라집니다",
        },
        "hop.wrong-route": {
            "en": "the router routes {dest} via {via}, not via {node} ({ip})",
            "ko": "라우터가 {dest}를 {node}({ip})가 아니라 {via}로 보냅니다",
        },
        "hop.route-back": {
            "en": "reply routed back via extra route {dest} -> {via}",
            "ko": "추가 경로 {dest} -> {via}를 통해 응답이 돌아옴",
        },
    }
)


class Disposition(StrEnum):
    ACCEPTED = "accepted"
    DENIED = "denied"
    NO_ROUTE = "no-route"
    NOT_APPLICABLE = "not-applicable"
    UNKNOWN = "unknown"


PASSING = frozenset({Disposition.ACCEPTED, Disposition.NOT_APPLICABLE})


@dataclass(frozen=True)
class Evidence:
    """The object and field that decided a hop, as a person can look it up."""

    kind: str
    id: str
    field: str = ""
    value: str = ""

    def text(self) -> str:
        out = f"{self.kind} {self.id}"
        if self.field:
            out += f" {self.field}"
        if self.value:
            out += f"={self.value}"
        return out


@dataclass(frozen=True)
class Hop:
    step: str
    where: str
    disposition: Disposition
    detail: str
    evidence: tuple[Evidence, ...] = ()
    direction: Literal["forward", "reply"] = "forward"
    cause: str = ""


@dataclass(frozen=True)
class Endpoint:
    kind: Literal["pod", "node", "service", "external"]
    label: str
    ip: IPAddress | None
    node: str | None = None
    port: int | None = None
    protocol: str | None = None


@dataclass(frozen=True)
class Wire:
    """A packet as it crosses the tenant network."""

    src: IPAddress
    dst: IPAddress
    proto: int
    dst_port: int | None
    encap: str | None = None
    inner_src: IPAddress | None = None
    inner_dst: IPAddress | None = None

    def describe(self) -> str:
        port = f":{self.dst_port}" if self.dst_port is not None else ""
        base = f"{self.src} -> {self.dst} {protocol_label(self.proto)}{port}"
        if self.encap:
            base += f" ({self.encap} carrying {self.inner_src} -> {self.inner_dst})"
        return base


@dataclass(frozen=True)
class FlowResult:
    src: Endpoint
    dst: Endpoint
    requested: Endpoint
    protocol: str
    port: int | None
    hops: tuple[Hop, ...]
    no_reply_expected: bool = False
    wire: Wire | None = None

    @property
    def blocking(self) -> Hop | None:
        for hop in self.hops:
            if hop.disposition not in PASSING:
                return hop
        return None

    @property
    def verdict(self) -> Disposition:
        hop = self.blocking
        return Disposition.ACCEPTED if hop is None else hop.disposition

    @property
    def ok(self) -> bool:
        return self.blocking is None and not self.no_reply_expected

    def describe(self) -> str:
        port = f":{self.port}/{self.protocol}" if self.port is not None else f" {self.protocol}"
        target = self.requested.label
        if self.dst != self.requested:
            target += f" (-> {self.dst.label})"
        return f"{self.src.label} -> {target}{port}"


class EndpointError(ValueError):
    """An endpoint spec that does not name anything in the snapshot."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


# ---------------------------------------------------------------------------- endpoints


def parse_endpoint(topo: Topology, spec: str) -> tuple[Endpoint, int | None, str | None]:
    """Parse ``pod:NS/NAME``, ``node:NAME``, ``svc:NS/NAME:PORT/PROTO``, ``ip:A.B.C.D[:PORT/PROTO]``."""
    kind, sep, rest = spec.partition(":")
    if not sep:
        raise EndpointError(
            f"endpoint {spec!r} has no kind",
            "Write pod:NAMESPACE/NAME, node:NAME, svc:NAMESPACE/NAME:PORT/PROTO or ip:A.B.C.D[:PORT/PROTO].",
        )
    port: int | None = None
    proto: str | None = None

    def split_port(text: str) -> str:
        nonlocal port, proto
        if kind == "ip" and text.count(":") > 1 and not text.startswith("["):
            return text  # bare IPv6
        host, colon, pp = text.rpartition(":") if ":" in text else (text, "", "")
        if not colon:
            return text
        num, _slash, pr = pp.partition("/")
        if not num.isdigit() or not 0 < int(num) < 65536:
            raise EndpointError(
                f"bad port {pp!r} in {spec!r}", "Ports look like 53/udp or 443/tcp."
            )
        port = int(num)
        proto = (pr or "tcp").lower()
        if proto not in ("tcp", "udp", "sctp"):
            raise EndpointError(f"bad protocol {pr!r} in {spec!r}", "Use tcp, udp or sctp.")
        return host.strip("[]")

    if kind == "pod":
        ns, slash, name = rest.partition("/")
        if not slash:
            raise EndpointError(f"pod endpoint {spec!r} needs NAMESPACE/NAME")
        name = split_port(name) if ":" in name else name
        pod = topo.pod_by_name.get((ns, name))
        if pod is None:
            raise EndpointError(
                f"no pod {ns}/{name} in the snapshot", "List pods with `kostack diagnose -o json`."
            )
        if pod.ip is None:
            raise EndpointError(f"pod {ns}/{name} has no IP in the snapshot")
        node = pod.node
        if pod.host_network:
            return Endpoint("node", f"pod {ns}/{name} (hostNetwork)", pod.ip, node), port, proto
        return Endpoint("pod", f"pod {ns}/{name} {pod.ip}", pod.ip, node), port, proto
    if kind == "node":
        name = split_port(rest)
        view = topo.node_views.get(name)
        if view is None:
            raise EndpointError(f"no node {name!r} in the snapshot")
        return Endpoint("node", f"node {name} {view.ip}", view.ip, name), port, proto
    if kind in ("svc", "service"):
        ns, slash, name = rest.partition("/")
        if not slash:
            raise EndpointError(f"service endpoint {spec!r} needs NAMESPACE/NAME:PORT/PROTO")
        name = split_port(name)
        svc = topo.services.get((ns, name))
        if svc is None:
            raise EndpointError(f"no service {ns}/{name} in the snapshot")
        if svc.cluster_ip is None:
            raise EndpointError(f"service {ns}/{name} is headless (no ClusterIP)")
        return (
            Endpoint("service", f"svc {ns}/{name} {svc.cluster_ip}", svc.cluster_ip),
            port,
            proto,
        )
    if kind == "ip":
        host = split_port(rest)
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            raise EndpointError(f"not an IP address: {host!r}") from None
        return classify_ip(topo, ip), port, proto
    raise EndpointError(f"unknown endpoint kind {kind!r} in {spec!r}", "Kinds: pod, node, svc, ip.")


def classify_ip(topo: Topology, ip: IPAddress) -> Endpoint:
    """Name an address the way the cluster sees it: a service, a pod, a node or outside."""
    svc = topo.service_by_ip.get(ip)
    if svc is not None:
        return Endpoint("service", f"svc {svc.namespace}/{svc.name} {ip}", ip)
    view = topo.node_by_ip.get(ip)
    if view is not None:
        return Endpoint("node", f"node {view.name} {ip}", ip, view.name)
    pod = topo.pod_by_ip.get(ip)
    if pod is not None:
        return Endpoint("pod", f"pod {pod.namespace}/{pod.name} {ip}", ip, pod.node)
    if topo.in_pod_network(ip):
        owner = topo.node_of_pod_ip(ip)
        return Endpoint("pod", f"pod address {ip}", ip, owner.name if owner else None)
    return Endpoint("external", f"{ip}", ip)


# ---------------------------------------------------------------------------- the engine


def trace(
    topo: Topology, src: Endpoint, dst: Endpoint, protocol: str, port: int | None
) -> list[FlowResult]:
    """All paths of one flow: one per service endpoint when ``dst`` is a service."""
    protocol = protocol.lower()
    if dst.kind == "service":
        results = _via_service(topo, src, dst, protocol, port)
    else:
        results = [_path(topo, src, dst, dst, protocol, port, ())]
    if src.kind != "pod":
        return results
    first = Hop(
        "pod-egress",
        src.label,
        Disposition.ACCEPTED,
        Msg("hop.pod-egress", src=src.label, node=src.node),
    )
    return [replace(r, hops=(first, *r.hops)) for r in results]


def _via_service(
    topo: Topology, src: Endpoint, dst: Endpoint, protocol: str, port: int | None
) -> list[FlowResult]:
    assert dst.ip is not None
    svc = topo.service_by_ip.get(dst.ip)
    assert svc is not None
    where = Msg("where.kube-proxy", node=src.node or "?")
    mode = topo.snapshot.cluster.kube_proxy_mode if topo.snapshot.cluster else None
    ev_svc = Evidence("service", f"{svc.namespace}/{svc.name}", "spec.clusterIP", str(dst.ip))

    def single(hop: Hop, no_reply: bool = False) -> list[FlowResult]:
        return [FlowResult(src, dst, dst, protocol, port, (hop,), no_reply_expected=no_reply)]

    if protocol == "icmp":
        if mode == "ipvs":
            detail = Msg("hop.icmp-ipvs", ip=dst.ip)
        else:
            detail = Msg("hop.icmp-clusterip", ip=dst.ip, mode=mode or "iptables/nftables")
        return single(
            Hop(
                "kube-proxy",
                where,
                Disposition.NOT_APPLICABLE,
                detail,
                (ev_svc,),
                cause="clusterip-icmp",
            ),
            no_reply=True,
        )
    sport = _service_port(svc, port, protocol)
    if sport is None:
        offered = ", ".join(f"{p.port}/{p.protocol.lower()}" for p in svc.ports) or "none"
        return single(
            Hop(
                "kube-proxy",
                where,
                Disposition.NO_ROUTE,
                Msg(
                    "hop.no-service-port",
                    svc=f"{svc.namespace}/{svc.name}",
                    port=port,
                    protocol=protocol,
                    offered=offered,
                ),
                (Evidence("service", f"{svc.namespace}/{svc.name}", "spec.ports", offered),),
                cause="service-port",
            )
        )
    if svc.endpoints is None:
        return single(
            Hop(
                "kube-proxy",
                where,
                Disposition.UNKNOWN,
                Msg("hop.no-endpoints-collected", svc=f"{svc.namespace}/{svc.name}"),
                (ev_svc,),
                cause="gap",
            )
        )
    ready = [e for e in svc.endpoints if e.ready]
    if not ready:
        return single(
            Hop(
                "kube-proxy",
                where,
                Disposition.DENIED,
                Msg("hop.no-endpoints", svc=f"{svc.namespace}/{svc.name}"),
                (Evidence("endpointslice", f"{svc.namespace}/{svc.name}", "endpoints", "[]"),),
                cause="no-endpoints",
            )
        )
    results: list[FlowResult] = []
    for ep in ready:
        target_port = ep.ports.get(sport.name) or sport.target_port or sport.port
        target = classify_ip(topo, ep.ip)
        if ep.pod:
            target = replace(
                target, label=f"{ep.pod.split('/')[-1]} {ep.ip}", node=ep.node or target.node
            )
        elif ep.node:
            target = replace(target, node=ep.node)
        hop = Hop(
            "kube-proxy",
            where,
            Disposition.ACCEPTED,
            Msg(
                "hop.dnat",
                vip=f"{dst.ip}:{sport.port}",
                target=f"{ep.ip}:{target_port}",
                label=target.label,
                node=target.node or "?",
            ),
            (ev_svc,),
        )
        results.append(
            replace(
                _path(topo, src, target, dst, protocol, target_port, (hop,)),
                port=sport.port,
            )
        )
    return results


def _service_port(svc: Service, port: int | None, protocol: str) -> ServicePort | None:
    for p in svc.ports:
        if p.protocol.lower() == protocol and (port is None or p.port == port):
            return p
    return None


def _path(
    topo: Topology,
    src: Endpoint,
    dst: Endpoint,
    requested: Endpoint,
    protocol: str,
    port: int | None,
    prefix: tuple[Hop, ...],
) -> FlowResult:
    hops: list[Hop] = list(prefix)

    def done(wire: Wire | None = None) -> FlowResult:
        return FlowResult(src, dst, requested, protocol, port, tuple(hops), wire=wire)

    proto = protocol_number(protocol)
    if not isinstance(proto, int):
        hops.append(
            Hop("flow", "-", Disposition.UNKNOWN, Msg("hop.bad-protocol", protocol=protocol))
        )
        return done()
    if src.kind == "external":
        hops.append(
            Hop(
                "flow",
                "-",
                Disposition.UNKNOWN,
                Msg("hop.external-source"),
            )
        )
        return done()
    if src.ip is None or dst.ip is None:
        hops.append(Hop("flow", "-", Disposition.UNKNOWN, Msg("hop.no-ip")))
        return done()
    src_view = topo.node_views.get(src.node or "")
    if src_view is None:
        hops.append(
            Hop(
                "flow",
                src.label,
                Disposition.UNKNOWN,
                Msg("hop.no-node", what=src.label),
            )
        )
        return done()
    dst_view = topo.node_views.get(dst.node or "") if dst.kind in ("pod", "node") else None
    if dst.kind in ("pod", "node") and dst_view is None:
        hops.append(
            Hop(
                "route",
                Msg("where.node", node=src_view.name),
                Disposition.UNKNOWN,
                Msg("hop.no-node", what=dst.label),
            )
        )
        return done()
    if dst_view is not None and dst_view.name == src_view.name:
        hops.append(
            Hop(
                "deliver",
                Msg("where.node", node=src_view.name),
                Disposition.ACCEPTED,
                Msg("hop.local", what=dst.label),
            )
        )
        return done()

    # --- what leaves the source node
    wire_src = src.ip
    if src.kind == "pod" and (dst.kind == "external" or dst.kind == "node"):
        masq = _masquerade(topo, src.ip, dst.ip)
        if masq is not None:
            hop, on = masq
            hops.append(replace(hop, where=Msg("where.node", node=src_view.name)))
            if hop.disposition not in PASSING:
                return done()  # what leaves the node is not known: do not guess the packet
            if on:
                if src_view.ip is None:
                    hops.append(
                        Hop(
                            "nat-outgoing",
                            src_view.name,
                            Disposition.UNKNOWN,
                            Msg("hop.node-no-ip"),
                        )
                    )
                    return done()
                wire_src = src_view.ip
    elif src.kind == "node" and src_view.ip is not None:
        wire_src = src_view.ip

    if dst_view is not None and dst.kind == "pod":
        decision = encapsulation(topo, src_view, dst_view, dst.ip)
        hops.append(decision.hop)
        if decision.hop.disposition not in PASSING:
            return done()
        if decision.encap is not None:
            if src_view.ip is None or dst_view.ip is None:
                hops.append(Hop("route", src_view.name, Disposition.UNKNOWN, Msg("hop.node-no-ip")))
                return done()
            wire = Wire(
                src_view.ip,
                dst_view.ip,
                decision.proto,
                decision.port,
                decision.encap,
                wire_src,
                dst.ip,
            )
        else:
            wire = Wire(wire_src, dst.ip, proto, port if proto in PORTED_PROTOCOLS else None)
        _neutron_leg(topo, hops, src_view, dst_view, wire, protocol, port)
        return done(wire)
    wire = Wire(wire_src, dst.ip, proto, port if proto in PORTED_PROTOCOLS else None)
    if dst_view is not None:
        hops.append(
            Hop(
                "route",
                Msg("where.node", node=src_view.name),
                Disposition.ACCEPTED,
                Msg("hop.to-node", ip=dst.ip, node=dst_view.name),
            )
        )
        _neutron_leg(topo, hops, src_view, dst_view, wire, protocol, port)
        return done(wire)
    _external_leg(topo, hops, src_view, wire)
    return done(wire)


def _masquerade(topo: Topology, src_ip: IPAddress, dst_ip: IPAddress) -> tuple[Hop, bool] | None:
    """Does the CNI SNAT this pod's traffic to the node IP? (hop, on); None when not a pod address."""
    cl = topo.snapshot.cluster
    cni = cl.cni if cl else None
    if cni is None or cni.type == "unknown":
        return (
            Hop(
                "nat-outgoing",
                "",
                Disposition.UNKNOWN,
                Msg("hop.masq-unknown-cni"),
                cause="gap",
            ),
            False,
        )
    if cni.type == "calico":
        pool = topo.pool_for(src_ip)
        if pool is None:
            return (
                Hop(
                    "nat-outgoing",
                    "",
                    Disposition.UNKNOWN,
                    Msg("hop.no-pool", ip=src_ip),
                    cause="gap",
                ),
                False,
            )
        if any(dst_ip in p.cidr for p in topo.calico_pools if p.cidr.version == dst_ip.version):
            return None
        ev = (Evidence("ippool", pool.name, "natOutgoing", str(pool.nat_outgoing).lower()),)
        if pool.nat_outgoing:
            return (
                Hop(
                    "nat-outgoing",
                    "",
                    Disposition.ACCEPTED,
                    Msg("hop.nat-on", pool=pool.name, ip=src_ip),
                    ev,
                ),
                True,
            )
        return (
            Hop(
                "nat-outgoing",
                "",
                Disposition.ACCEPTED,
                Msg("hop.nat-off", pool=pool.name, ip=src_ip),
                ev,
            ),
            False,
        )
    if cni.type == "flannel":
        on = cni.flannel.ip_masq if cni.flannel else True
        ev = (Evidence("configmap", "kube-flannel/kube-flannel-cfg", "ip-masq", str(on).lower()),)
        return Hop(
            "nat-outgoing",
            "",
            Disposition.ACCEPTED,
            Msg(f"hop.flannel-masq-{on}".lower(), ip=src_ip),
            ev,
        ), on
    on = cni.cilium.masquerade if cni.cilium else True
    ev = (
        Evidence(
            "configmap", "kube-system/cilium-config", "enable-ipv4-masquerade", str(on).lower()
        ),
    )
    return Hop(
        "nat-outgoing",
        "",
        Disposition.ACCEPTED,
        Msg(f"hop.cilium-masq-{on}".lower(), ip=src_ip),
        ev,
    ), on


@dataclass(frozen=True)
class EncapDecision:
    hop: Hop
    encap: str | None = None
    proto: int = 0
    port: int | None = None
    overhead: int = 0


def encapsulation(topo: Topology, src: NodeView, dst: NodeView, dst_ip: IPAddress) -> EncapDecision:
    """How the CNI carries pod traffic from node ``src`` to a pod ``dst_ip`` on node ``dst``."""
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
            mode, kind, proto, port, ovh, fld = pool.vxlan_mode, "VXLAN", 17, 4789, 50, "vxlanMode"
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


# ---------------------------------------------------------------------------- neutron


def antispoof(
    port: Port, src_ip: IPAddress, where: str, direction: Literal["forward", "reply"]
) -> Hop:
    """Neutron's egress anti-spoofing on ``port`` for a packet with source ``src_ip``."""
    step = "antispoof" if direction == "forward" else "reply-antispoof"
    if port.port_security_enabled is False:
        return Hop(
            step,
            where,
            Disposition.NOT_APPLICABLE,
            Msg("hop.portsec-off"),
            (Evidence("port", port.id, "port_security_enabled", "false"),),
            direction,
        )
    if port.port_security_enabled is None:
        return Hop(
            step,
            where,
            Disposition.UNKNOWN,
            Msg("hop.portsec-unknown"),
            (Evidence("port", port.id, "port_security_enabled", "?"),),
            direction,
            cause="gap",
        )
    for fip in port.fixed_ips:
        if fip.ip_address == src_ip:
            return Hop(
                step,
                where,
                Disposition.ACCEPTED,
                Msg("hop.src-fixed", ip=src_ip),
                (Evidence("port", port.id, "fixed_ips", str(src_ip)),),
                direction,
            )
    for pair in port.allowed_address_pairs:
        # the packet carries the port's MAC, so a pair with another MAC does not match it
        mac_ok = pair.mac_address is None or pair.mac_address == port.mac_address
        if mac_ok and pair.ip_address.version == src_ip.version and src_ip in pair.ip_address:
            return Hop(
                step,
                where,
                Disposition.ACCEPTED,
                Msg("hop.src-pair", ip=src_ip, pair=pair.ip_address),
                (Evidence("port", port.id, "allowed_address_pairs", str(pair.ip_address)),),
                direction,
            )
    fixed = "[" + ", ".join(str(f.ip_address) for f in port.fixed_ips) + "]"
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


def _rule_matches(
    topo: Topology, rule: SecurityGroupRule, wire: Wire, remote: IPAddress
) -> bool | None:
    """Does ``rule`` admit ``wire`` whose far end is ``remote``? None: cannot tell."""
    if (rule.ethertype == "IPv4") != (remote.version == 4):
        return False
    want = protocol_number(rule.protocol)
    if isinstance(want, str):
        return None
    if want is not None and want != wire.proto:
        return False
    if want in PORTED_PROTOCOLS and (
        rule.port_range_min is not None or rule.port_range_max is not None
    ):
        lo = rule.port_range_min if rule.port_range_min is not None else 0
        hi = rule.port_range_max if rule.port_range_max is not None else 65535
        if wire.dst_port is None or not lo <= wire.dst_port <= hi:
            return False
    if (
        want in (1, 58)
        and rule.port_range_min is not None
        and rule.port_range_min != 8
        and rule.port_range_min != 128
    ):
        return False  # a rule for another ICMP type than echo request
    if rule.remote_ip_prefix is not None:
        return rule.remote_ip_prefix.version == remote.version and remote in rule.remote_ip_prefix
    if rule.remote_group_id is not None:
        return group_member(topo, rule.remote_group_id, remote)
    if rule.remote_address_group_id is not None:
        return None
    return True


def group_member(topo: Topology, group_id: str, ip: IPAddress) -> bool | None:
    """Is ``ip`` a member address of ``group_id`` for remote-group rules? Backend-dependent."""
    members = topo.members.get(group_id)
    if members is None:
        return False
    if ip in members.fixed:
        return True
    if any(n.version == ip.version and ip in n for n in members.pairs):
        if topo.backend == "ml2/ovs":
            return True
        if topo.backend == "ml2/ovn":
            return False
        return None
    return False


def security_groups(
    topo: Topology, port: Port, wire: Wire, direction: Literal["ingress", "egress"], where: str
) -> Hop:
    step = "sg-ingress" if direction == "ingress" else "sg-egress"
    remote = wire.src if direction == "ingress" else wire.dst
    if port.port_security_enabled is False:
        return Hop(
            step,
            where,
            Disposition.NOT_APPLICABLE,
            Msg("hop.sg-portsec-off"),
            (Evidence("port", port.id, "port_security_enabled", "false"),),
        )
    os_ = topo.snapshot.openstack
    if os_ is None or os_.security_groups is None:
        return Hop(step, where, Disposition.UNKNOWN, Msg("hop.sg-not-collected"), cause="gap")
    names = []
    undecided: list[str] = []
    missing = [g for g in port.security_group_ids if g not in topo.groups]
    for gid in port.security_group_ids:
        grp = topo.groups.get(gid)
        if grp is None:
            continue
        names.append(grp.name or gid)
        for rule in grp.rules:
            if rule.direction != direction:
                continue
            match = _rule_matches(topo, rule, wire, remote)
            if match:
                return Hop(
                    step,
                    where,
                    Disposition.ACCEPTED,
                    Msg(
                        "hop.sg-admits",
                        rule=_rule_text(topo, rule),
                        group=grp.name or gid,
                        wire=wire.describe(),
                    ),
                    (Evidence("security_group_rule", rule.id, "security_group", grp.name or gid),),
                )
            if match is None:
                undecided.append(rule.id)
    if undecided or missing:
        why = []
        if undecided:
            why.append(
                Msg("hop.sg-backend-unknown", rules=", ".join(short_id(r) for r in undecided[:3]))
                if topo.backend is None
                else Msg(
                    "hop.sg-rules-unknown", rules=", ".join(short_id(r) for r in undecided[:3])
                )
            )
        if missing:
            why.append(Msg("hop.sg-missing", groups=", ".join(missing)))
        return Hop(
            step, where, Disposition.UNKNOWN, Msg("text.join", items=why), cause="sg-undecided"
        )
    groups = ", ".join(names) or "none"
    if not port.security_group_ids:
        detail = Msg(f"hop.sg-none-{direction}")
    else:
        detail = Msg(f"hop.sg-denied-{direction}", groups=groups, wire=wire.describe())
    if wire.encap:
        cause = "sg-encap"
    elif topo.in_pod_network(wire.src):
        cause = "sg-pod-source"
    else:
        cause = "sg-node"
    return Hop(
        step,
        where,
        Disposition.DENIED,
        detail,
        tuple(Evidence("security_group", g, "rules", direction) for g in port.security_group_ids),
        cause=cause,
    )


def _rule_text(topo: Topology, rule: SecurityGroupRule) -> str:
    proto = rule.protocol or "any"
    ports = ""
    if rule.port_range_min is not None:
        ports = f" {rule.port_range_min}" + (
            f"-{rule.port_range_max}"
            if rule.port_range_max not in (None, rule.port_range_min)
            else ""
        )
    if rule.remote_ip_prefix is not None:
        remote = (
            f"from {rule.remote_ip_prefix}"
            if rule.direction == "ingress"
            else f"to {rule.remote_ip_prefix}"
        )
    elif rule.remote_group_id is not None:
        grp = topo.groups.get(rule.remote_group_id)
        remote = f"remote group {grp.name if grp else short_id(rule.remote_group_id)}"
    else:
        remote = "any"
    return f"rule {short_id(rule.id)} ({rule.direction} {proto}{ports} {remote})"


def _neutron_leg(
    topo: Topology,
    hops: list[Hop],
    src: NodeView,
    dst: NodeView,
    wire: Wire,
    protocol: str,
    port: int | None,
) -> None:
    """Source port egress, the tenant network, destination port ingress, delivery, and the reply."""
    if src.port is None:
        hops.append(
            Hop("antispoof", src.port_label(), Disposition.UNKNOWN, src.port_note, cause="no-port")
        )
        return
    hops.append(antispoof(src.port, wire.src, src.port_label(), "forward"))
    if hops[-1].disposition not in PASSING:
        return
    hops.append(security_groups(topo, src.port, wire, "egress", src.port_label()))
    if hops[-1].disposition not in PASSING:
        return
    hops.append(_network_hop(topo, src, dst, wire))
    if hops[-1].disposition not in PASSING:
        return
    if dst.port is None:
        hops.append(
            Hop("sg-ingress", dst.port_label(), Disposition.UNKNOWN, dst.port_note, cause="no-port")
        )
        return
    hops.append(security_groups(topo, dst.port, wire, "ingress", dst.port_label()))
    if hops[-1].disposition not in PASSING:
        return
    delivered = (
        Msg("hop.delivered-decap", ip=wire.inner_dst or wire.dst, encap=wire.encap)
        if wire.encap
        else Msg("hop.delivered", ip=wire.dst)
    )
    hops.append(
        Hop(
            "deliver",
            Msg("where.node", node=dst.name),
            Disposition.ACCEPTED,
            delivered,
        )
    )
    # The reply: security groups are stateful, anti-spoofing is not.
    reply_src = wire.dst
    hops.append(antispoof(dst.port, reply_src, dst.port_label(), "reply"))
    if hops[-1].disposition not in PASSING:
        return
    hops.append(
        Hop(
            "reply",
            f"{dst.port_label()} -> {src.port_label()}",
            Disposition.ACCEPTED,
            Msg("hop.reply-stateful"),
            direction="reply",
        )
    )


def _network_hop(topo: Topology, src: NodeView, dst: NodeView, wire: Wire) -> Hop:
    net = topo.network_of(src)
    label = Msg("where.network", name=net.name or net.id) if net else Msg("where.network", name="?")
    if src.subnet is None or dst.subnet is None:
        return Hop("network", label, Disposition.UNKNOWN, Msg("hop.subnets-unknown"), cause="gap")
    if src.subnet.id == dst.subnet.id:
        return Hop(
            "network",
            label,
            Disposition.ACCEPTED,
            Msg("hop.switched", cidr=src.subnet.cidr),
        )
    r1 = topo.router_for_subnet(src.subnet.id)
    if r1 is not None and dst.subnet.id in r1.interface_subnet_ids:
        return Hop(
            "network",
            Msg("where.router", name=r1.name or r1.id),
            Disposition.ACCEPTED,
            Msg("hop.routed", src=src.subnet.cidr, dst=dst.subnet.cidr),
            (Evidence("router", r1.id, "interfaces", f"{src.subnet.id},{dst.subnet.id}"),),
        )
    return Hop(
        "network",
        label,
        Disposition.NO_ROUTE,
        Msg("hop.no-router-joins", src=src.subnet.cidr, dst=dst.subnet.cidr),
        cause="no-router",
    )


def _external_leg(topo: Topology, hops: list[Hop], src: NodeView, wire: Wire) -> None:
    if src.port is None:
        hops.append(
            Hop("antispoof", src.port_label(), Disposition.UNKNOWN, src.port_note, cause="no-port")
        )
        return
    hops.append(antispoof(src.port, wire.src, src.port_label(), "forward"))
    if hops[-1].disposition not in PASSING:
        return
    hops.append(security_groups(topo, src.port, wire, "egress", src.port_label()))
    if hops[-1].disposition not in PASSING:
        return
    if src.subnet is None:
        hops.append(
            Hop("router", "-", Disposition.UNKNOWN, "the node's subnet is not known", cause="gap")
        )
        return
    if src.subnet.cidr.version == wire.dst.version and wire.dst in src.subnet.cidr:
        hops.append(
            Hop(
                "network",
                Msg("where.subnet", cidr=src.subnet.cidr),
                Disposition.UNKNOWN,
                Msg("hop.same-subnet-host", ip=wire.dst),
            )
        )
        return
    router = topo.router_for_subnet(src.subnet.id)
    if topo.snapshot.openstack is None or topo.snapshot.openstack.routers is None:
        hops.append(
            Hop("router", "-", Disposition.UNKNOWN, Msg("hop.routers-not-collected"), cause="gap")
        )
        return
    if router is None or router.external_network_id is None:
        hops.append(
            Hop(
                "router",
                Msg("where.subnet", cidr=src.subnet.cidr),
                Disposition.NO_ROUTE,
                Msg("hop.no-gateway", cidr=src.subnet.cidr),
                cause="no-router",
            )
        )
        return
    rlabel = Msg("where.router", name=router.name or router.id)
    if router.enable_snat is False:
        hops.append(
            Hop(
                "router",
                rlabel,
                Disposition.UNKNOWN,
                Msg("hop.no-snat"),
                (Evidence("router", router.id, "external_gateway_info.enable_snat", "false"),),
            )
        )
        return
    hops.append(
        Hop(
            "router",
            rlabel,
            Disposition.ACCEPTED,
            Msg("hop.snat", src=wire.src, dst=wire.dst),
            (Evidence("router", router.id, "external_gateway_info.enable_snat", "true"),),
        )
    )
    if wire.src == src.ip or any(f.ip_address == wire.src for f in src.port.fixed_ips):
        hops.append(
            Hop(
                "reply",
                rlabel,
                Disposition.ACCEPTED,
                Msg("hop.unsnat-node", ip=wire.src),
                direction="reply",
            )
        )
        return
    route = next(
        (
            r
            for r in router.routes
            if r.destination.version == wire.src.version and wire.src in r.destination
        ),
        None,
    )
    if route is None:
        hops.append(
            Hop(
                "reply",
                rlabel,
                Disposition.NO_ROUTE,
                Msg(
                    "hop.no-route-back",
                    ip=wire.src,
                    routes=", ".join(str(r.destination) for r in router.routes) or "-",
                ),
                (
                    Evidence(
                        "router",
                        router.id,
                        "routes",
                        str([str(r.destination) for r in router.routes]),
                    ),
                ),
                "reply",
                cause="router-no-route-back",
            )
        )
        return
    if route.nexthop != src.ip:
        hops.append(
            Hop(
                "reply",
                rlabel,
                Disposition.DENIED,
                Msg(
                    "hop.wrong-route",
                    dest=route.destination,
                    via=route.nexthop,
                    node=src.name,
                    ip=src.ip,
                ),
                (
                    Evidence(
                        "router", router.id, "routes", f"{route.destination} via {route.nexthop}"
                    ),
                ),
                "reply",
                cause="router-wrong-route",
            )
        )
        return
    hops.append(
        Hop(
            "reply",
            rlabel,
            Disposition.ACCEPTED,
            Msg("hop.route-back", dest=route.destination, via=route.nexthop),
            (Evidence("router", router.id, "routes", f"{route.destination} via {route.nexthop}"),),
            "reply",
        )
    )


# ---------------------------------------------------------------------------- helpers for checks
