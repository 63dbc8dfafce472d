"""The kube-proxy hop: a ClusterIP is DNATed to one ready endpoint per connection.

A ping to a ClusterIP is never DNATed, and what comes back depends on the
proxy (docs/engine.md, "ClusterIP ping"): iptables lets it go unanswered,
nftables rejects it at once (ICMP port unreachable from the
`cluster-ips-check` chain, kubernetes pkg/proxy/nftables/proxier.go), IPVS
(1.25+) rejects it from KUBE-IPVS-FILTER unless the CNI's INPUT chain accepts
it first, in which case the node answers (kubernetes PR #108460; before 1.25
the node always answers), and neither Cilium's kube-proxy replacement nor Antrea's
AntreaProxy with proxyAll (kube-proxy gone) answers: nothing in them matches ICMP to a
ClusterIP (docs/facts.md "Antrea").
On Kube-OVN OVN's load balancer on a pod's logical switch serves its Services unless it is
off for the pod's Subnet (engine/kubeovn_lb.py); its VIPs all carry a port, so none matches a
ping, and what answers past it is not decided here (docs/facts.md, "Kube-OVN"). In no mode
does the answer say anything about the service.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from kostack.analyze.engine import kubeovn_lb
from kostack.analyze.engine.antrea_proxy import ANTREA_PROXY, antrea_of, node_proxy, proxy_all
from kostack.analyze.engine.calico_ebpf import (
    CALICO_EBPF,
    calico_bpf,
    ebpf_side,
    mixed_ping_story,
    node_port_proxy,
    serves_services,
    unserved_side,
)
from kostack.analyze.engine.cases import PROXY_MODES
from kostack.analyze.engine.endpoints import classify_ip
from kostack.analyze.engine.service_proxy import (
    HOSTS_UNSERVED,
    hosts_unserved,
    proxy_where,
    service_proxy,
    unserved_hop,
)
from kostack.analyze.engine.types import (
    Disposition,
    Endpoint,
    Evidence,
    ExpectedReply,
    FlowResult,
    Hop,
)
from kostack.analyze.messages import Msg, joined, register
from kostack.analyze.topology import Topology
from kostack.model.snapshot import IPAddress, ServiceEndpoint, ServicePort

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
        "icmp.none": {
            "en": "no reply: nothing matches ICMP to a ClusterIP, so the ping times out",
            "ko": "응답 없음: ClusterIP로 가는 ICMP와 일치하는 규칙이 없어 ping이 시간 초과됩니다",
        },
        "icmp.reject": {
            "en": "an immediate 'port unreachable': the cluster-ips-check chain rejects anything "
            "but a service port",
            "ko": "즉시 'port unreachable': cluster-ips-check 체인이 서비스 포트 외의 모든 것을 "
            "거부합니다",
        },
        "icmp.ipvs": {
            "en": "'port unreachable' from KUBE-IPVS-FILTER, unless the CNI's INPUT chain accepts the "
            "packet first: then the node itself answers, as it always did before 1.25",
            "ko": "KUBE-IPVS-FILTER가 'port unreachable'을 돌려줍니다. 다만 CNI의 INPUT 체인이 먼저 "
            "허용하면 노드 자신이 응답합니다 (1.25 이전에는 항상 노드가 응답)",
        },
        "icmp.ipvs-old": {
            "en": "the node itself answers: the ClusterIP sits on kube-ipvs0 of every node, even "
            "with no endpoints",
            "ko": "노드 자신이 응답합니다: ClusterIP가 모든 노드의 kube-ipvs0에 붙어 있어 엔드포인트가 "
            "없어도 응답합니다",
        },
        "icmp.cilium": {
            "en": "no reply: Cilium's kube-proxy replacement does not load-balance ICMP",
            "ko": "응답 없음: Cilium의 kube-proxy 대체 기능은 ICMP를 부하 분산하지 않습니다",
        },
        "icmp.kube-ovn": {
            "en": "whatever comes after it: each VIP has a TCP/UDP/SCTP port, so none matches ICMP; "
            "OVN routes the ping on, and what answers (OVN, the node or nothing) is not decided here",
            "ko": "그다음 처리에 달려 있음: 모든 VIP에 TCP/UDP/SCTP 포트가 있어 ICMP와 일치하는 VIP가 "
            "없으므로 OVN은 ping을 그대로 라우팅하며, 무엇이 응답할지(OVN, 노드, 무응답)는 여기서 "
            "판단하지 않음",
        },
        "proxy.kube-ovn": {
            "en": "Kube-OVN's OVN load balancer",
            "ko": "Kube-OVN의 OVN 로드 밸런서",
        },
        "proxy.kube-ovn-or-proxy": {
            "en": "Kube-OVN's OVN load balancer or kube-proxy",
            "ko": "Kube-OVN의 OVN 로드 밸런서 또는 kube-proxy",
        },
        "icmp.kube-ovn-or-proxy": {
            "en": "one of two things (whether OVN's load balancer or kube-proxy serves the pod is "
            "not decided: {why}): with OVN's load balancer, {ovn}; with kube-proxy, {proxy}",
            "ko": "두 경우 중 하나 (OVN 로드 밸런서와 kube-proxy 중 어느 쪽이 그 Pod에 적용되는지 "
            "판단하지 않음: {why}): OVN 로드 밸런서라면 {ovn}; kube-proxy라면 {proxy}",
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
        "icmp.antrea": {
            "en": "no reply: AntreaProxy (proxyAll, no kube-proxy) load-balances only the "
            "service's ports, and nothing answers ICMP to a ClusterIP",
            "ko": "응답 없음: AntreaProxy(proxyAll, kube-proxy 없음)는 서비스 포트만 부하 분산하며 "
            "ClusterIP로 가는 ICMP에 응답하는 것이 없습니다",
        },
        "icmp.unknown-proxy": {
            "en": "whatever the service proxy does with ICMP (kube-proxy is off and the CNI is not "
            "Cilium)",
            "ko": "서비스 프록시가 ICMP를 어떻게 처리하는지에 달려 있음 (kube-proxy가 꺼져 있고 CNI가 "
            "Cilium이 아님)",
        },
        "where.proxy": {"en": "{proxy} on {node}", "ko": "{node}의 {proxy}"},
        "hop.no-endpoints-proxy": {
            "en": "service {svc} has no ready endpoints: {proxy} rejects the connection",
            "ko": "서비스 {svc}에 준비된 엔드포인트가 없어 {proxy:이/가} 연결을 거부합니다",
        },
        "icmp.mode": {"en": "{mode} mode: {what}", "ko": "{mode} 모드: {what}"},
        "icmp.modes": {
            "en": "the kube-proxy mode is not known: {each}",
            "ko": "kube-proxy 모드를 알 수 없습니다: {each}",
        },
        "hop.icmp-clusterip": {
            "en": "{ip} is a virtual IP that {proxy} DNATs only on the service's TCP/UDP/SCTP "
            "ports; a ping gets {what}. Healthy or not, that proves nothing: test with nslookup, "
            "nc -zv or curl",
            "ko": "{ip:은/는} {proxy:이/가} 서비스의 TCP/UDP/SCTP 포트만 DNAT하는 가상 IP입니다. ping 결과는 "
            "{what}. 클러스터 상태와 무관하게 이 결과는 아무것도 증명하지 못하므로 nslookup, nc -zv, curl로 "
            "확인하세요",
        },
        "ping.story": {
            "en": "A ClusterIP such as {ip} is a virtual address that {proxy} translates only on "
            "the service's TCP/UDP/SCTP ports. A ping to it gets {what} ({mode}); healthy or not, "
            "that proves nothing: test with nslookup, nc -zv or curl.",
            "ko": "{ip:과/와} 같은 ClusterIP는 {proxy:이/가} 서비스의 TCP/UDP/SCTP 포트만 변환하는 가상 "
            "주소입니다. ping 결과는 {what} ({mode}). 클러스터 상태와 무관하게 이는 아무것도 증명하지 못하므로 "
            "nslookup, nc -zv, curl로 확인하세요.",
        },
        "ping.story.unserved": {
            "en": "A ClusterIP such as {ip} is a virtual address that a Service proxy translates "
            "only on the service's TCP/UDP/SCTP ports, and none serves ClusterIPs here (see "
            "net-service-proxy): a ping to it gets no reply, as it would in a healthy cluster; "
            "nslookup, nc -zv and curl fail too until one runs.",
            "ko": "{ip:과/와} 같은 ClusterIP는 서비스 프록시가 서비스의 TCP/UDP/SCTP 포트만 변환하는 가상 "
            "주소인데, 이 클러스터에는 ClusterIP를 처리하는 프록시가 없습니다(net-service-proxy 참고). "
            "ping은 정상 클러스터에서처럼 응답이 없고, 프록시가 실행될 때까지 nslookup, nc -zv, curl도 "
            "실패합니다.",
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
        "hop.no-proxy-seen": {
            "en": "nothing is known to translate {ip}: kube-proxy's ConfigMap is absent, no "
            "kube-proxy pod is listed and the CNI does not replace it; unless kube-proxy runs "
            "outside pods (a systemd unit), every Service is down "
            "(`kubectl -n kube-system get daemonset kube-proxy`)",
            "ko": "{ip:을/를} 변환하는 것이 알려져 있지 않습니다: kube-proxy의 ConfigMap이 없고, "
            "kube-proxy Pod가 보이지 않으며, CNI가 이를 대신하지도 않습니다. kube-proxy가 Pod 밖"
            "(systemd 유닛)에서 돌지 않는다면 모든 Service가 동작하지 않습니다"
            "(`kubectl -n kube-system get daemonset kube-proxy`)",
        },
        "hop.hosts-unserved": {
            "en": "nothing translates {ip} for the node's own connection: kube-proxy is gone and "
            "AntreaProxy without proxyAll serves only Service traffic from pods",
            "ko": "노드 자신의 연결에서는 {ip:을/를} 변환하는 것이 없습니다: kube-proxy가 없고 "
            "proxyAll이 꺼진 AntreaProxy는 Pod에서 나가는 Service 트래픽만 처리합니다",
        },
        "hop.dnat": {
            "en": "DNAT {vip} -> {target} ({label} on {node})",
            "ko": "DNAT {vip} -> {target} ({node}의 {label})",
        },
    }
)

_MINOR = re.compile(r"v?1\.(\d+)")


def _one_mode(topo: Topology, mode: str) -> tuple[ExpectedReply, str]:
    cl = topo.snapshot.cluster
    if mode == "iptables":
        return "none", Msg("icmp.none")
    if mode == "nftables":
        return "reject", Msg("icmp.reject")
    if mode == "ipvs":
        m = _MINOR.match((cl.kubernetes_version if cl else None) or "")
        if m is not None and int(m.group(1)) < 25:
            return "local-answer", Msg("icmp.ipvs-old")
        return "depends", Msg("icmp.ipvs")
    if calico_bpf(topo) is not None:
        return "none", Msg("icmp.calico-ebpf")
    if cl is not None and cl.cni.type == "cilium":
        return "none", Msg("icmp.cilium")
    if proxy_all(topo):
        return "none", Msg("icmp.antrea")
    return "depends", Msg("icmp.unknown-proxy")


OVN_LB = "Kube-OVN enable-lb"  # the mode label where OVN's load balancers serve Services
OVN_LB_UNKNOWN = "Kube-OVN enable-lb ?"  # OVN's load balancer or kube-proxy: not decided


def _translator(topo: Topology, src: Endpoint | None) -> kubeovn_lb.Translator | None:
    """Kube-OVN's answer for ``src`` (None: a pod of the default Subnet); None off Kube-OVN."""
    if src is None:
        return kubeovn_lb.for_default_subnet(topo)
    return kubeovn_lb.for_source(topo, src)


def icmp_expectation(topo: Topology, src: Endpoint | None = None) -> tuple[ExpectedReply, str, str]:
    """What a ping to a ClusterIP gets back here: (expected reply, what it gets, mode label);
    ``src``: the pinging end (None: a pod of Kube-OVN's default Subnet)."""
    lb = _translator(topo, src)
    if lb is not None and lb.who == "ovn":
        return "depends", Msg("icmp.kube-ovn"), OVN_LB
    reply, what, mode = _proxy_expectation(topo)
    if lb is not None and lb.who in ("unknown", "none"):
        what = Msg("icmp.kube-ovn-or-proxy", ovn=Msg("icmp.kube-ovn"), proxy=what, why=lb.why)
        return "depends", what, OVN_LB_UNKNOWN
    return reply, what, mode


def _proxy_expectation(topo: Topology) -> tuple[ExpectedReply, str, str]:
    """The same where kube-proxy (or the CNI's replacement) translates."""
    cl = topo.snapshot.cluster
    mode = cl.kube_proxy_mode if cl else None
    if mode is not None:
        reply, what = _one_mode(topo, mode)
        replaced = what.key in ("icmp.cilium", "icmp.antrea", "icmp.calico-ebpf")  # type: ignore[attr-defined]  # always a Msg
        label = "kube-proxy replacement" if replaced else mode
        return reply, what, label
    outcomes = [(m, *_one_mode(topo, m)) for m in PROXY_MODES]
    replies = {r for _, r, _ in outcomes}
    each = [Msg("icmp.mode", mode=m, what=w) for m, _, w in outcomes]
    merged: ExpectedReply = replies.pop() if len(replies) == 1 else "depends"
    return merged, Msg("icmp.modes", each=joined(each)), "?"


def ping_story(topo: Topology, ip: object) -> str:
    """What a ping to the ClusterIP ``ip`` does here, and why it proves nothing (one story for
    diagnose, trace and the report); with Calico's eBPF on some nodes only, what it does on
    each side (calico_ebpf.py `mixed_ping_story`)."""
    if service_proxy(topo).verdict == "none":  # net-service-proxy's root cause
        return Msg("ping.story.unserved", ip=ip)
    _reply, what, mode = icmp_expectation(topo)
    label = mode if mode != "?" else "kube-proxy ?"
    mixed = mixed_ping_story(topo, ip, what, label)
    if mixed is not None:
        return mixed
    return Msg("ping.story", ip=ip, what=what, mode=label, proxy=proxy_name(topo, mode))


def proxy_name(topo: Topology, mode: str, src: Endpoint | None = None) -> str:
    """Who translates a connection to a ClusterIP: AntreaProxy on Antrea unless it is off
    (antreaProxy.enable, default true; docs/facts.md "Antrea") for a pod's, and for a node's
    (``src`` a node) only with proxyAll and kube-proxy gone (engine/antrea_proxy.py); Cilium
    with its kube-proxy replacement, OVN's load balancers on Kube-OVN (engine/kubeovn_lb.py),
    else the engine's naming (calico_ebpf.py `node_port_proxy`); "the Service proxy" when
    kube-proxy's mode is not known ("?"). A ping misses each of them the same way: none matches ICMP to a
    ClusterIP, so the packet goes on as `icmp_expectation` says. Calico's eBPF data plane
    (engine/calico_ebpf.py) serves every Service address when it runs."""
    if serves_services(topo):
        return CALICO_EBPF
    antrea = antrea_of(topo)
    if antrea is not None and antrea.antrea_proxy is not False:
        if src is not None and src.kind == "node":
            return node_proxy(topo, node_ports=False) or "kube-proxy"
        return ANTREA_PROXY
    if mode == OVN_LB:
        return Msg("proxy.kube-ovn")
    if mode == OVN_LB_UNKNOWN:
        return Msg("proxy.kube-ovn-or-proxy")
    if mode == "kube-proxy replacement":
        return "Cilium"
    if mode == "?":  # kube-proxy's mode not known: who translates is not known either
        return Msg("proxy.service-proxy")
    # "" (the hop's name): the engine's one naming (calico_ebpf.py), kube-proxy when it ran
    return node_port_proxy(topo) if mode == "" else "kube-proxy"


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
        return single(*_icmp_hop(topo, src, dst.ip, where, ev_svc, unserved_here))
    unserved = _unserved(topo, lb, name, src.node or "?", ev_svc, dst.ip)
    if unserved is not None:
        return single(unserved)
    sport = next(
        (p for p in svc.ports if p.protocol.lower() == protocol and port in (None, p.port)), None
    )
    if sport is None:
        offered = ", ".join(f"{p.port}/{p.protocol.lower()}" for p in svc.ports) or "none"
        detail = Msg(
            "hop.no-service-port",
            svc=f"{svc.namespace}/{svc.name}",
            port=port,
            protocol=protocol,
            offered=offered,
            proxy=name,
        )
        ev = (Evidence("service", f"{svc.namespace}/{svc.name}", "spec.ports", offered),)
        return single(
            Hop("kube-proxy", where, Disposition.NO_ROUTE, detail, ev, cause="service-port")
        )
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
    """A node's own connection to a ClusterIP where AntreaProxy serves the pods' only (no
    kube-proxy, proxyAll off: engine/service_proxy.py `hosts_unserved`): nothing translates it."""
    if src.kind != "node" or lb is not None or protocol == "icmp":
        return None
    hosts = hosts_unserved(topo)
    if hosts is None:
        return None
    where = Msg("where.no-proxy", node=src.node or "?")
    detail = Msg("hop.hosts-unserved", ip=ip)
    return Hop(
        "kube-proxy", where, Disposition.DENIED, detail, (ev_svc, *hosts), cause=HOSTS_UNSERVED
    )


def _side_unserved(topo: Topology, src: Endpoint, ev_svc: Evidence, ip: IPAddress) -> Hop | None:
    """Calico's eBPF on some nodes only, and the source's node has neither it nor a kube-proxy
    pod: nothing known translates there (UNKNOWN, not a PASS)."""
    if not unserved_side(topo, src.node):
        return None
    gone = (ev_svc, Evidence("cluster", "kube-proxy", "pods", "0"))
    detail = Msg("hop.ebpf-mixed-unserved", node=src.node, ip=ip)
    nowhere = Msg("where.no-proxy", node=src.node or "?")
    return Hop("kube-proxy", nowhere, Disposition.UNKNOWN, detail, gone, cause="gap")


def _icmp_hop(
    topo: Topology, src: Endpoint, ip: IPAddress, where: str, ev_svc: Evidence, unserved: bool
) -> tuple[Hop, str]:
    """A ping to ClusterIP ``ip``: the hop (NOT_APPLICABLE) and the reply expected, and why
    that proves nothing; where Calico's eBPF runs on some nodes only, the answer of the source
    node's side; where nothing serves ClusterIPs, that story."""
    reply, what, mode = icmp_expectation(topo, src)
    side = ebpf_side(topo, src.node)
    proxy = CALICO_EBPF if side else proxy_name(topo, mode, src)
    if side:
        reply, what = "none", Msg("icmp.calico-ebpf")
    ev = (ev_svc, Evidence("cluster", "kube-proxy", "mode", mode))
    detail = Msg("hop.icmp-clusterip", ip=ip, what=what, proxy=proxy)
    if unserved:
        detail = Msg("ping.story.unserved", ip=ip)
    hop = Hop("kube-proxy", where, Disposition.NOT_APPLICABLE, detail, ev, cause="clusterip-icmp")
    return hop, reply


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
    if hop is not None or lb is not None or name != "kube-proxy" or not proxy_unseen(topo):
        return hop
    ev = (ev_svc, Evidence("cluster", "kube-proxy", "pods", "0"))
    detail = Msg("hop.no-proxy-seen", ip=ip)
    where = proxy_where(Msg("proxy.service-proxy"), node)
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
