"""The kube-proxy hop: a ClusterIP is DNATed to one ready endpoint per connection.

Who translates is the engine's one answer: kube-proxy, the CNI's replacement (AntreaProxy,
Cilium, Calico's eBPF data plane: calico_ebpf.py `node_port_proxy`) or, on Kube-OVN, OVN's
load balancer on the pod's logical switch (engine/kubeovn_lb.py); nobody, or not known, from
engine/service_proxy.py. A ping to a ClusterIP is engine/clusterip_ping.py's story.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from kostack.analyze.engine import kubeovn_lb
from kostack.analyze.engine.calico_ebpf import CALICO_EBPF, ebpf_side, mixed, unserved_side
from kostack.analyze.engine.clusterip_ping import icmp_hop, proxy_name
from kostack.analyze.engine.endpoints import classify_ip
from kostack.analyze.engine.service_proxy import (
    HOSTS_UNSERVED,
    KUBE_OVN_SUBNET_UNSERVED,
    KUBE_OVN_UNSERVED,
    health_command,
    hosts_unserved,
    kube_ovn_unserved,
    proxy_where,
    service_proxy,
    unserved_hop,
)
from kostack.analyze.engine.types import Disposition, Endpoint, Evidence, FlowResult, Hop
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import Topology
from kostack.model.snapshot import IPAddress, Service, ServiceEndpoint, ServicePort

register(
    {
        "where.kube-proxy": {"en": "kube-proxy on {node}", "ko": "{node}의 kube-proxy"},
        "where.ovn-lb": {"en": "OVN load balancer ({node})", "ko": "OVN 로드 밸런서 ({node})"},
        "where.kube-proxy-gateway": {
            "en": "kube-proxy on a gateway node of Kube-OVN Subnet {subnet}",
            "ko": "Kube-OVN Subnet {subnet}의 게이트웨이 노드의 kube-proxy",
        },
        "where.ovn-lb-or-proxy": {
            "en": "OVN load balancer or kube-proxy ({node})",
            "ko": "OVN 로드 밸런서 또는 kube-proxy ({node})",
        },
        "hop.dnat-undecided": {
            "en": "{dnat}; OVN's load balancer or kube-proxy translates it, which one is not "
            "decided ({why})",
            "ko": "{dnat}; OVN 로드 밸런서 또는 kube-proxy가 변환하며, 어느 쪽인지는 판단하지 않음 "
            "({why})",
        },
        "hop.no-endpoints-ovn": {
            "en": "service {svc} has no ready endpoints: Kube-OVN takes its VIP off OVN's load "
            "balancer, so the connection goes on to the node, where kube-proxy rejects it",
            "ko": "서비스 {svc}에 준비된 엔드포인트가 없어 Kube-OVN이 OVN 로드 밸런서에서 그 VIP를 "
            "빼므로, 연결은 노드로 넘어가 kube-proxy가 거부합니다",
        },
        "where.proxy": {"en": "{proxy} on {node}", "ko": "{node}의 {proxy}"},
        "hop.no-endpoints-proxy": {
            "en": "service {svc} has no ready endpoints: {proxy} rejects the connection",
            "ko": "서비스 {svc}에 준비된 엔드포인트가 없어 {proxy:이/가} 연결을 거부합니다",
        },
        "hop.no-service-port": {
            "en": "service {svc} has no port {port}/{protocol} (ports: {offered}); {proxy} does not "
            "DNAT it",
            "ko": "서비스 {svc}에 {port}/{protocol} 포트가 없어(포트: {offered}) {proxy:이/가} DNAT하지 "
            "않습니다",
        },
        "hop.no-endpoints-collected": {
            "en": "the endpoints of {svc} were not collected",
            "ko": "{svc}의 엔드포인트를 수집하지 못했습니다",
        },
        "hop.no-endpoints": {
            "en": "service {svc} has no ready endpoints: kube-proxy rejects the connection",
            "ko": "서비스 {svc}에 준비된 엔드포인트가 없어 kube-proxy가 연결을 거부합니다",
        },
        "hop.no-proxy-seen-subnet": {
            "en": "nothing is known to translate {ip}: this pod's Kube-OVN Subnet leaves "
            "ClusterIPs to kube-proxy (OVN's load balancer is off there), and kube-proxy's "
            "ConfigMap is absent and no kube-proxy pod is listed; unless kube-proxy runs outside "
            "pods (a systemd unit or a static binary), this Subnet's pods reach no Service; "
            "where it runs its health port answers (`{command}`)",
            "ko": "{ip:을/를} 변환하는 것이 알려져 있지 않습니다: 이 Pod의 Kube-OVN Subnet은 "
            "ClusterIP를 kube-proxy에 맡기는데(그곳에서는 OVN 로드 밸런서가 꺼짐), kube-proxy의 "
            "ConfigMap이 없고 kube-proxy Pod도 보이지 않습니다. kube-proxy가 Pod 밖(systemd 유닛이나 "
            "정적 바이너리)에서 돌지 않는다면 이 Subnet의 Pod는 어떤 Service에도 닿지 못합니다. "
            "돌고 있다면 헬스 포트가 응답합니다(`{command}`)",
        },
        "hop.no-proxy-seen": {
            "en": "nothing is known to translate {ip}: kube-proxy's ConfigMap is absent, no "
            "kube-proxy pod is listed and the CNI does not replace it; unless kube-proxy runs "
            "outside pods (a systemd unit or a static binary), every Service is down; where it "
            "runs its health port answers (`{command}`)",
            "ko": "{ip:을/를} 변환하는 것이 알려져 있지 않습니다: kube-proxy의 ConfigMap이 없고, "
            "kube-proxy Pod가 보이지 않으며, CNI가 이를 대신하지도 않습니다. kube-proxy가 Pod 밖"
            "(systemd 유닛이나 정적 바이너리)에서 돌지 않는다면 모든 Service가 동작하지 않습니다. "
            "돌고 있다면 헬스 포트가 응답합니다(`{command}`)",
        },
        "hop.proxy-undecided": {
            "en": "whether anything translates {ip} is not decided (see net-service-proxy): {why}",
            "ko": "{ip:을/를} 변환하는 것이 있는지 판단하지 않았습니다(net-service-proxy 참고): "
            "{why}",
        },
        "hop.hosts-unserved": {
            "en": "nothing translates {ip} for the node's own connection: kube-proxy is gone and "
            "AntreaProxy without proxyAll serves only Service traffic from pods",
            "ko": "노드 자신의 연결에서는 {ip:을/를} 변환하는 것이 없습니다: kube-proxy가 없고 "
            "proxyAll이 꺼진 AntreaProxy는 Pod에서 나가는 Service 트래픽만 처리합니다",
        },
        "hop.hosts-unserved-ovn": {
            "en": "nothing translates {ip} for the node's own connection: kube-proxy is gone and "
            "Kube-OVN's OVN load balancers serve the pods' logical switches only, not the node's",
            "ko": "노드 자신의 연결에서는 {ip:을/를} 변환하는 것이 없습니다: kube-proxy가 없고 "
            "Kube-OVN의 OVN 로드 밸런서는 노드가 아니라 Pod의 논리 스위치에만 있습니다",
        },
        "hop.subnet-unserved-ovn": {
            "en": "nothing translates {ip}: the pod's Subnet has OVN's load balancer off, so "
            "kube-proxy would, and kube-proxy is gone",
            "ko": "{ip:을/를} 변환하는 것이 없습니다: Pod의 Subnet은 OVN 로드 밸런서가 꺼져 있어 "
            "kube-proxy가 변환해야 하는데 kube-proxy가 없습니다",
        },
        "hop.dnat": {
            "en": "DNAT {vip} -> {target} ({label} on {node})",
            "ko": "DNAT {vip} -> {target} ({node}의 {label})",
        },
    }
)


def via_service(
    topo: Topology,
    src: Endpoint,
    dst: Endpoint,
    protocol: str,
    port: int | None,
    path: Callable[..., FlowResult],
) -> list[FlowResult]:
    """One path per ready endpoint; ``path`` traces from the DNAT on."""
    assert dst.ip is not None
    svc = topo.service_by_ip.get(dst.ip)
    assert svc is not None
    lb = kubeovn_lb.for_source(topo, src)
    name = proxy_name(topo, "", src) if lb is None else _proxy_word(lb)
    side = ebpf_side(topo, src.node)  # eBPF on some nodes only: the source's node decides
    name = name if side is None else CALICO_EBPF if side else "kube-proxy"
    where, unserved_here = _place(topo, lb, src.node or "?", name)
    ev_svc = Evidence("service", f"{svc.namespace}/{svc.name}", "spec.clusterIP", str(dst.ip))
    ev_lb = lb.evidence if lb is not None else ()

    def single(hop: Hop, expected: str | None = None) -> list[FlowResult]:
        return [FlowResult(src, dst, dst, protocol, port, (hop,), expected_reply=expected)]  # type: ignore[arg-type]  # an ExpectedReply

    if lb is not None and lb.who == "none":
        hop = Hop("kube-proxy", where, Disposition.UNKNOWN, lb.why, (ev_svc, *ev_lb), cause="gap")
        return single(hop)
    nobody = _hosts_hop(topo, src, lb, protocol, ev_svc, dst.ip) or _side_unserved(
        topo, src, ev_svc, dst.ip
    )
    if nobody is not None:
        return single(nobody)
    if protocol == "icmp":
        return single(*icmp_hop(topo, src, dst.ip, where, ev_svc, unserved_here))
    unserved = _unserved(topo, lb, name, src.node or "?", ev_svc, dst.ip) or _undecided(
        topo, lb, src.node, where, (ev_svc, *ev_lb), dst.ip
    )
    if unserved is not None:
        return single(unserved)
    sport = next(
        (p for p in svc.ports if p.protocol.lower() == protocol and port in (None, p.port)), None
    )
    if sport is None:
        return single(_no_port_hop(svc, protocol, port, name, where))
    if svc.endpoints is None:
        detail = Msg("hop.no-endpoints-collected", svc=f"{svc.namespace}/{svc.name}")
        return single(Hop("kube-proxy", where, Disposition.UNKNOWN, detail, (ev_svc,), cause="gap"))
    # kube-proxy programs each family apart: a ClusterIP of one family DNATs to that
    # family's endpoints only (one EndpointSlice per addressType)
    ready = [e for e in svc.endpoints if e.ready and e.ip.version == dst.ip.version]
    if not ready:
        no_vip = lb is not None and lb.who == "ovn"
        detail = Msg(
            "hop.no-endpoints-ovn" if no_vip else "hop.no-endpoints",
            svc=f"{svc.namespace}/{svc.name}",
        )
        if lb is None and name != "kube-proxy":
            detail = Msg("hop.no-endpoints-proxy", svc=f"{svc.namespace}/{svc.name}", proxy=name)
        ev = (Evidence("endpointslice", f"{svc.namespace}/{svc.name}", "endpoints", "[]"),)
        return single(
            Hop("kube-proxy", where, Disposition.DENIED, detail, ev, cause="no-endpoints")
        )
    results: list[FlowResult] = []
    for ep in ready:
        target, target_port, dnat = _dnat(topo, dst.ip, sport, ep)
        if lb is not None and lb.who == "unknown":
            dnat = Msg("hop.dnat-undecided", dnat=dnat, why=lb.why)
        hop = Hop("kube-proxy", where, Disposition.ACCEPTED, dnat, (ev_svc, *ev_lb))
        result = path(topo, src, target, dst, protocol, target_port, (hop,))
        results.append(replace(result, port=sport.port))
    return results


def _no_port_hop(svc: Service, protocol: str, port: int | None, name: str, where: str) -> Hop:
    """The service has no port ``port``/``protocol``: the proxy does not DNAT it."""
    key = f"{svc.namespace}/{svc.name}"
    offered = ", ".join(f"{p.port}/{p.protocol.lower()}" for p in svc.ports) or "none"
    detail = Msg(
        "hop.no-service-port", svc=key, port=port, protocol=protocol, offered=offered, proxy=name
    )
    ev = (Evidence("service", key, "spec.ports", offered),)
    return Hop("kube-proxy", where, Disposition.NO_ROUTE, detail, ev, cause="service-port")


def _place(
    topo: Topology, lb: kubeovn_lb.Translator | None, node: str, name: str
) -> tuple[str, bool]:
    """Where the ClusterIP hop is (`_where`), and whether nothing serves ClusterIPs there
    (engine/service_proxy.py "none"): then no proxy is named where none runs."""
    unserved = (lb is None or lb.who == "kube-proxy") and service_proxy(topo).verdict == "none"
    if unserved:
        return Msg("where.no-proxy", node=node), True
    return _where(lb, node, name), False


def _hosts_hop(
    topo: Topology,
    src: Endpoint,
    lb: kubeovn_lb.Translator | None,
    protocol: str,
    ev_svc: Evidence,
    ip: IPAddress,
) -> Hop | None:
    """A node's own connection to a ClusterIP where the CNI serves the pods' only and kube-proxy
    is gone: AntreaProxy without proxyAll, or Kube-OVN's OVN load balancers (none on the nodes'
    own switch; engine/service_proxy.py `hosts_unserved`, `kube_ovn_unserved`): nothing
    translates it."""
    if src.kind != "node" or protocol == "icmp":
        return None
    if lb is None:
        hosts, cause, key = hosts_unserved(topo), HOSTS_UNSERVED, "hop.hosts-unserved"
    elif lb.who == "kube-proxy":
        hosts, cause, key = kube_ovn_unserved(topo), KUBE_OVN_UNSERVED, "hop.hosts-unserved-ovn"
    else:
        return None
    if hosts is None:
        return None
    where = Msg("where.no-proxy", node=src.node or "?")
    detail = Msg(key, ip=ip)
    return Hop("kube-proxy", where, Disposition.DENIED, detail, (ev_svc, *hosts), cause=cause)


def _side_unserved(topo: Topology, src: Endpoint, ev_svc: Evidence, ip: IPAddress) -> Hop | None:
    """Calico's eBPF on some nodes only, and the source's node has neither it nor a kube-proxy
    pod: nothing known translates there (UNKNOWN, not a PASS)."""
    if not unserved_side(topo, src.node):
        return None
    gone = (ev_svc, Evidence("cluster", "kube-proxy", "pods", "0"))
    detail = Msg("hop.ebpf-mixed-unserved", node=src.node, ip=ip)
    nowhere = Msg("where.no-proxy", node=src.node or "?")
    return Hop("kube-proxy", nowhere, Disposition.UNKNOWN, detail, gone, cause="gap")


def _unserved(
    topo: Topology,
    lb: kubeovn_lb.Translator | None,
    name: str,
    node: str,
    ev_svc: Evidence,
    ip: IPAddress,
) -> Hop | None:
    """The ClusterIP hop when nobody serves ClusterIPs (DENIED, engine/service_proxy.py) or
    kube-proxy is not seen and nothing replaces it (UNKNOWN, at "the Service proxy": what
    runs, if anything, is not known); None otherwise."""
    if lb is not None and lb.who != "kube-proxy":
        return None
    hop = unserved_hop(topo, node, ev_svc, ip)
    if hop is None and lb is not None and (gone := kube_ovn_unserved(topo)) is not None:
        # a pod whose own Subnet has OVN's load balancer off: kube-proxy would translate, and
        # it is gone (a node's own connection was `_hosts_hop`'s)
        detail = Msg("hop.subnet-unserved-ovn", ip=ip)
        evidence = (ev_svc, *lb.evidence, *gone)
        nowhere = Msg("where.no-proxy", node=node)
        return Hop(
            "kube-proxy",
            nowhere,
            Disposition.DENIED,
            detail,
            evidence,
            cause=KUBE_OVN_SUBNET_UNSERVED,
        )
    # a Kube-OVN pod whose Subnet leaves it to kube-proxy (lb "kube-proxy"): not seen either
    if hop is not None or name != "kube-proxy" or not proxy_unseen(topo):
        return hop
    ev = (ev_svc, Evidence("cluster", "kube-proxy", "pods", "0"))
    key = "hop.no-proxy-seen" if lb is None else "hop.no-proxy-seen-subnet"
    detail = Msg(key, ip=ip, command=health_command(topo))
    where = proxy_where(Msg("proxy.service-proxy"), node)
    return Hop("kube-proxy", where, Disposition.UNKNOWN, detail, ev, cause="gap")


def _undecided(
    topo: Topology,
    lb: kubeovn_lb.Translator | None,
    node: str | None,
    where: str,
    evidence: tuple[Evidence, ...],
    ip: IPAddress,
) -> Hop | None:
    """The ClusterIP hop when whether anything serves ClusterIPs is not decided
    (engine/service_proxy.py "unknown": kube-proxy's pods not listed, Antrea's settings not
    read, Kube-OVN's load balancer undecided with kube-proxy gone): UNKNOWN, never a DNAT that
    net-service-proxy does not vouch for; None where the source is served all the same (OVN's
    load balancer on its Subnet, Calico's eBPF on its node)."""
    found = service_proxy(topo)
    if found.verdict != "unknown" or ebpf_side(topo, node) or (lb is not None and lb.who == "ovn"):
        return None
    cl = topo.snapshot.cluster
    if mixed(topo) and cl is not None and cl.pods is not None:
        return None  # eBPF on some nodes only, pods listed: the other side as before
    if lb is None or lb.who == "kube-proxy":
        where = proxy_where(Msg("proxy.service-proxy"), node or "?")
    detail = Msg("hop.proxy-undecided", ip=ip, why=found.why)
    ev = (*evidence, *found.evidence)
    return Hop("kube-proxy", where, Disposition.UNKNOWN, detail, ev, cause="gap")


def proxy_unseen(topo: Topology) -> bool:
    """kube-proxy was not seen and nothing replaces it (model/cluster.py kube_proxy_absent)."""
    cl = topo.snapshot.cluster
    return cl is not None and cl.kube_proxy_absent and cl.kube_proxy_mode is None


def _dnat(
    topo: Topology, vip: IPAddress, sport: ServicePort, ep: ServiceEndpoint
) -> tuple[Endpoint, int, str]:
    """The endpoint a connection is DNATed to, its port, and the hop's text."""
    target_port = ep.ports.get(sport.name) or sport.target_port or sport.port
    target = classify_ip(topo, ep.ip)
    if ep.pod:
        label = f"{ep.pod.split('/')[-1]} {ep.ip}"
        target = replace(target, label=label, node=ep.node or target.node)
    elif ep.node:
        target = replace(target, node=ep.node)
    detail = Msg(
        "hop.dnat",
        vip=f"{vip}:{sport.port}",
        target=f"{ep.ip}:{target_port}",
        label=target.label,
        node=target.node or "?",
    )
    return target, target_port, detail


def _where(lb: kubeovn_lb.Translator | None, node: str, name: str = "kube-proxy") -> str:
    """Where the Service is translated: kube-proxy (or ``name``, AntreaProxy) on the node, or
    Kube-OVN's OVN load balancer on the pod's logical switch (on that node too), or either
    when not decided."""
    if lb is not None and lb.gateway_of:
        return Msg("where.kube-proxy-gateway", subnet=lb.gateway_of)
    if lb is None or lb.who == "kube-proxy":
        return proxy_where(name if lb is None else "kube-proxy", node)
    return Msg("where.ovn-lb-or-proxy" if lb.who == "unknown" else "where.ovn-lb", node=node)


def _proxy_word(lb: kubeovn_lb.Translator | None) -> str:
    if lb is None or lb.who == "kube-proxy":
        return "kube-proxy"
    return Msg("proxy.kube-ovn" if lb.who == "ovn" else "proxy.kube-ovn-or-proxy")
