"""A ping to a ClusterIP: what comes back, and why it proves nothing (one story for diagnose,
trace and the report).

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
ping, and what answers past it is not decided here (docs/facts.md, "Kube-OVN"). OVN-Kubernetes'
load balancers serve every Service address the same way (engine/ovnk.py). In no mode
does the answer say anything about the service. The hop itself is engine/kube_proxy.py's.
"""

from __future__ import annotations

import re

from kostack.analyze.engine import kubeovn_lb, ovnk
from kostack.analyze.engine.antrea_proxy import ANTREA_PROXY, antrea_of, node_proxy, proxy_all
from kostack.analyze.engine.calico_ebpf import (
    CALICO_EBPF,
    calico_bpf,
    ebpf_side,
    mixed_ping_story,
    node_port_proxy,
    serves_services,
)
from kostack.analyze.engine.cases import PROXY_MODES
from kostack.analyze.engine.service_proxy import service_proxy
from kostack.analyze.engine.types import Disposition, Endpoint, Evidence, ExpectedReply, Hop
from kostack.analyze.messages import Msg, joined, register
from kostack.analyze.topology import Topology
from kostack.model.snapshot import IPAddress

register(
    {
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
OVNK_LB = "OVN-Kubernetes"  # OVN-Kubernetes' load balancers serve every Service address


def _translator(topo: Topology, src: Endpoint | None) -> kubeovn_lb.Translator | None:
    """Kube-OVN's answer for ``src`` (None: a pod of the default Subnet); None off Kube-OVN."""
    if src is None:
        return kubeovn_lb.for_default_subnet(topo)
    return kubeovn_lb.for_source(topo, src)


def icmp_expectation(topo: Topology, src: Endpoint | None = None) -> tuple[ExpectedReply, str, str]:
    """What a ping to a ClusterIP gets back here: (expected reply, what it gets, mode label);
    ``src``: the pinging end (None: a pod of Kube-OVN's default Subnet)."""
    if ovnk.serves_services(topo):
        return "depends", Msg("icmp.ovnk"), OVNK_LB
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
    if mode == OVNK_LB:
        return Msg("proxy.ovnk")
    if mode == OVN_LB_UNKNOWN:
        return Msg("proxy.kube-ovn-or-proxy")
    if mode == "kube-proxy replacement":
        return "Cilium"
    if mode == "?":  # kube-proxy's mode not known: who translates is not known either
        return Msg("proxy.service-proxy")
    # "" (the hop's name): the engine's one naming (calico_ebpf.py), kube-proxy when it ran
    return node_port_proxy(topo) if mode == "" else "kube-proxy"


def icmp_hop(
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
