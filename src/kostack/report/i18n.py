"""User-facing strings of the renderers, in English and Korean.

Every key must exist in every language (tests/test_i18n.py proves it).
"""

from __future__ import annotations

import locale
from collections.abc import Mapping

from kostack.catalog import LANGS
from kostack.korean import fill
from kostack.report.i18n_cond import COND_MESSAGES
from kostack.report.i18n_lanes import LANE_MESSAGES
from kostack.report.i18n_probe import PROBE_MESSAGES
from kostack.report.i18n_report import REPORT_MESSAGES
from kostack.report.i18n_verdict import VERDICT_MESSAGES
from kostack.report.i18n_warn import WARN_MESSAGES

LANG_VAR = "KOSTACK_LANG"  # every command's language when --lang is not given

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "collected": (
            "Collected OpenStack project {project} ({networks}, {ports} node {ports:port/ports}, "
            "{groups} security {groups:group/groups}) "
            "and cluster {version} ({nodes} {nodes:node/nodes}, {cni}{pools})."
        ),
        "root_cause": "ROOT CAUSE {n} of {total}",
        # the incident report's title when the causes break Services, not pods' traffic
        "rep.title.lb_outage": "Kubernetes on OpenStack: LoadBalancer outage: {services}",
        "rep.title.more": " +{n} more",
        "pools_more": "and {n} more IP {n:pool/pools} (-o json lists them)",
        "network_one": "network {name}",
        "ports": "Ports:",
        "nodes": "Nodes:",
        "groups": "Groups:",
        "breaks": "Breaks:",
        "evidence": "Evidence:",
        "note": "Note:",
        "fix_recommended": "Fix (recommended, keeps port security):",
        "fix": "Fix:",
        "fix_optional": "To clear this warning (`kostack fix plan` does not make this change):",
        "fix_fast": "Fix (fast, insecure: drops all filtering on these ports):",
        "fix_more": "... ({n} more)   -> `{command}` for the full, reviewable plan",
        "breaks_dns": "DNS (pods -> kube-dns {ip}:53) from pods on {n} of {total} nodes",
        "breaks_api": "kubernetes service {ip}:443 from pods on {n} of {total} nodes",
        "breaks_p2p": "pod -> pod across nodes ({n} of {total} node pairs)",
        "breaks_p2p_family": "{family} pod -> pod across nodes ({n} of {total} node pairs)",
        "breaks_p2p_pools": "pod -> pod across nodes ({n} of {total} pod pairs, one pod per "
        "node and IP pool)",
        "note_sg_outside": "kostack plans no egress rule to the outside (it never opens "
        "0.0.0.0/0): add egress rules for what the pods need, or put back Neutron's default "
        "egress rules (any protocol, IPv4 and IPv6).",
        "breaks_egress": "pod -> outside the cluster from {n} of {total} nodes",
        "breaks_other": "{what}",
        "breaks_lb_more": "... ({n} more load balancer symptoms)   -> `kostack diagnose -v` lists each",
        "breaks_more": "... ({n} more symptoms)   -> `kostack diagnose -v` lists each",
        "warnings": "Warnings:",
        "also_checked": "Also checked, ok:",
        "not_applicable": "Not applicable here:",
        "unknown": "Could not decide (missing data):",
        "unknown_more": "{n} undecided, e.g.",
        "gaps": "Not collected:",
        "antispoof_summary": (
            "{cni} sends pod traffic between nodes unencapsulated ({why}). Those packets leave each VM "
            "with a pod source IP ({pod_cidr}), which is neither the port's fixed IP nor an allowed "
            "address pair, so Neutron drops them."
        ),
        "antispoof_why_same": "all {n} nodes are in {subnet}",
        "antispoof_why_egress": "and natOutgoing is off, so traffic to the outside keeps the pod source",
        "antispoof_pod_mac": (
            "{cni} bridges its pods onto the nodes' network (underlay): they send with their own "
            "addresses ({pod_cidr}) and their own MAC addresses. Neutron's anti-spoofing passes "
            "only the port's MAC (and the one MAC an allowed pair names), so it drops them "
            "whatever the pairs: only port security off on these ports lets them through."
        ),
        "sev.critical": "critical",
        "sev.high": "high",
        "sev.medium": "medium",
        "sev.low": "low",
        "sev.info": "info",
        "trace_header": "Trace {src} -> {dst} {proto}",
        "trace_endpoint": "via endpoint {n} of {total}: {target}",
        "trace_target": "{target} on {node}",
        "trace_members": "members {n} of {total} (same path): {target}",
        "trace_verdict_ok": "=> reachable",
        "trace_verdict_blocked": "=> {disposition} at hop {n}",
        "trace_expect.none": (
            "=> no reply expected (healthy or not): a ClusterIP ping proves nothing; test with "
            "nslookup, nc -zv or curl"
        ),
        "trace_expect.reject": (
            "=> an immediate 'port unreachable' is expected (healthy or not): a ClusterIP ping "
            "proves nothing; test with nslookup, nc -zv or curl"
        ),
        "trace_expect.local-answer": (
            "=> the node itself answers (healthy or not): a ClusterIP ping proves nothing; test "
            "with nslookup, nc -zv or curl"
        ),
        "trace_expect.depends": (
            "=> the answer depends on the service proxy (see the hop above), healthy or not: a "
            "ClusterIP ping proves nothing; test with nslookup, nc -zv or curl"
        ),
        "trace_cases": "The answer depends on what the snapshot does not say; {n} cases:",
        "trace_case": "{case}:",
        "disp.accepted": "accepted",
        "disp.denied": "DENIED",
        "disp.no-route": "NO ROUTE",
        "disp.not-applicable": "n/a",
        "disp.unknown": "UNKNOWN",
        "reply": "(reply)",
        "details_hint": "(`{command}` for every finding)",
        "short.net-pod-src-antispoof": "anti-spoofing",
        "short.net-sg-cni-encap": "encapsulation rules",
        "short.net-sg-ipip-proto": "IPIP as protocol 4",
        "short.net-calico-host-nat": "pod sources to hosts",
        "short.net-sg-pod-source-ingress": "pod-source rules",
        "short.net-sg-stateless": "stateless replies",
        "short.net-sg-bgp": "BGP 179",
        "short.net-sg-typha": "Typha 5473",
        "short.net-sg-cilium-health": "Cilium health 4240",
        "short.net-sg-antrea-memberlist": "Antrea memberlist 10351",
        "short.net-sg-metallb-bgp": "MetalLB BGP sessions",
        "short.net-sg-calico-ebpf": "Calico eBPF VXLAN 4789",
        "short.net-calico-ebpf-kube-proxy": "Calico eBPF without kube-proxy",
        "short.net-calico-ebpf-dsr": "Calico eBPF DSR answers",
        "short.net-service-proxy": "Service proxy",
        "short.inv-lb-two-controllers": "one controller per Service",
        "short.net-sg-control-plane": "API 6443 / kubelet 10250",
        "short.net-dns": "DNS",
        "short.net-api-service": "kubernetes service",
        "short.net-pod-to-pod": "pod-to-pod",
        "short.net-pod-egress": "egress",
        "short.net-mtu": "MTU",
        "short.net-cidr-overlap": "CIDR overlaps",
        "short.neutron-port-security-disabled": "port security on",
        "short.neutron-port-admin-down": "node ports up",
        "short.neutron-allowed-pairs-scope": "allowed-pair scope",
        "short.neutron-vip-pairs": "virtual IP pairs",
        "short.neutron-egress-ip-pairs": "egress IP pairs",
        "short.neutron-underlay-addresses": "Kube-OVN underlay addresses",
        "short.inv-node-port-match": "node-port matching",
        "short.net-calico-node-address": "Calico node address",
        "short.lb-nodeport-source": "LoadBalancer NodePort sources",
        "short.lb-members-down": "LoadBalancer members",
        "short.lb-provisioning": "load balancer status",
        "short.lb-etp-local": "externalTrafficPolicy Local",
        "short.lb-ovn-limits": "OVN provider limits",
        "short.lb-source-ranges": "LB source ranges",
        "short.lb-floating-ip": "LoadBalancer floating IPs",
        "short.lb-pending-service": "LoadBalancer addresses",
    },
    "ko": {
        "collected": (
            "OpenStack 프로젝트 {project} ({networks}, 노드 포트 {ports}개, 보안 그룹 {groups}개), "
            "클러스터 {version} (노드 {nodes}대, {cni}{pools}) 정보를 수집했습니다."
        ),
        "root_cause": "근본 원인 {n}/{total}",
        "rep.title.lb_outage": "OpenStack K8s LoadBalancer 서비스 장애: {services}",
        "rep.title.more": " 외 {n}개",
        "pools_more": "외 IP 풀 {n}개 (-o json에 전체 목록)",
        "network_one": "네트워크 {name}",
        "ports": "포트:",
        "nodes": "노드:",
        "groups": "그룹:",
        "breaks": "영향:",
        "evidence": "근거:",
        "note": "참고:",
        "fix_recommended": "해결 (권장, 포트 보안 유지):",
        "fix": "해결:",
        "fix_optional": "이 경고를 없애려면 (`kostack fix plan`은 이 변경을 하지 않음):",
        "fix_fast": "해결 (빠르지만 보안 취약: 이 포트의 모든 필터링 해제):",
        "fix_more": "... (외 {n}개)   -> 전체 계획은 {command:`으로/로} 검토하세요",
        "breaks_dns": "DNS (Pod -> kube-dns {ip}:53): 노드 {total}대 중 {n}대의 Pod에서 실패",
        "breaks_api": "kubernetes 서비스 {ip}:443: 노드 {total}대 중 {n}대의 Pod에서 실패",
        "breaks_p2p": "노드 간 Pod -> Pod 통신 (노드 쌍 {total}개 중 {n}개)",
        "breaks_p2p_family": "노드 간 {family} Pod -> Pod 통신 (노드 쌍 {total}개 중 {n}개)",
        "breaks_p2p_pools": "노드 간 Pod -> Pod 통신 (노드와 IP 풀마다 Pod 하나씩 잡은 Pod 쌍 {total}개 중 "
        "{n}개)",
        "note_sg_outside": "kostack은 클러스터 외부로 가는 egress 규칙을 계획하지 않습니다 "
        "(0.0.0.0/0은 열지 않음). Pod에 필요한 대상으로 egress 규칙을 추가하거나, Neutron의 기본 "
        "egress 규칙(IPv4·IPv6 모든 프로토콜)을 되살리세요.",
        "breaks_egress": "Pod -> 클러스터 외부 통신: 노드 {total}대 중 {n}대에서 실패",
        "breaks_other": "{what}",
        "breaks_lb_more": "... (로드밸런서 증상 {n}개 더)   -> 각각은 `kostack diagnose -v`로 확인하세요",
        "breaks_more": "... (증상 {n}개 더)   -> 각각은 `kostack diagnose -v`로 확인하세요",
        "warnings": "경고:",
        "also_checked": "함께 점검했고 정상:",
        "not_applicable": "해당 없음:",
        "unknown": "판단 불가 (데이터 없음):",
        "unknown_more": "{n}건 판단 불가, 예:",
        "gaps": "수집하지 못한 항목:",
        "antispoof_summary": (
            "{cni:은/는} 노드 간 Pod 트래픽을 캡슐화하지 않고 보냅니다 ({why}). 이 패킷은 Pod IP({pod_cidr})를 "
            "출발지로 VM을 떠나는데, 이 주소는 포트의 고정 IP도 Allowed Address Pair도 아니므로 "
            "Neutron이 스푸핑으로 보고 차단합니다."
        ),
        "antispoof_why_same": "노드 {n}대가 모두 {subnet}에 있음",
        "antispoof_why_egress": "natOutgoing이 꺼져 있어 외부로 가는 트래픽도 Pod IP를 그대로 씀",
        "antispoof_pod_mac": (
            "{cni:은/는} Pod를 노드 네트워크에 직접 연결합니다(언더레이): Pod는 자기 주소({pod_cidr})와 "
            "자기 MAC 주소로 보냅니다. Neutron anti-spoofing은 포트의 MAC(그리고 Allowed Address "
            "Pair에 적힌 MAC 하나)만 통과시키므로 pair가 있어도 차단하며, 이 포트들의 포트 보안을 "
            "꺼야만 통과합니다."
        ),
        "sev.critical": "심각",
        "sev.high": "높음",
        "sev.medium": "중간",
        "sev.low": "낮음",
        "sev.info": "정보",
        "trace_header": "경로 추적 {src} -> {dst} {proto}",
        "trace_endpoint": "엔드포인트 {n}/{total}: {target}",
        "trace_target": "{node}의 {target}",
        "trace_members": "멤버 그룹 {n}/{total} (같은 경로): {target}",
        "trace_verdict_ok": "=> 도달 가능",
        "trace_verdict_blocked": "=> {n}번째 홉에서 {disposition}",
        "trace_expect.none": (
            "=> 응답이 오지 않는 것이 예상된 결과입니다(클러스터 상태와 무관): ClusterIP ping은 "
            "아무것도 증명하지 못하므로 nslookup, nc -zv, curl로 확인하세요"
        ),
        "trace_expect.reject": (
            "=> 즉시 'port unreachable'이 오는 것이 예상된 결과입니다(클러스터 상태와 무관): "
            "ClusterIP ping은 아무것도 증명하지 못하므로 nslookup, nc -zv, curl로 확인하세요"
        ),
        "trace_expect.local-answer": (
            "=> 노드 자신이 응답합니다(클러스터 상태와 무관): ClusterIP ping은 아무것도 증명하지 "
            "못하므로 nslookup, nc -zv, curl로 확인하세요"
        ),
        "trace_expect.depends": (
            "=> 응답은 서비스 프록시에 따라 다릅니다 (위 홉 참고). 클러스터 상태와 무관하게 "
            "ClusterIP ping은 아무것도 증명하지 못하므로 nslookup, nc -zv, curl로 확인하세요"
        ),
        "trace_cases": "스냅샷에 없는 정보에 따라 결과가 달라집니다. 경우 {n}가지:",
        "trace_case": "{case} 조건:",
        "disp.accepted": "통과",
        "disp.denied": "차단",
        "disp.no-route": "경로 없음",
        "disp.not-applicable": "해당 없음",
        "disp.unknown": "판단 불가",
        "reply": "(응답)",
        "details_hint": "(전체 결과는 `{command}`)",
        "short.net-pod-src-antispoof": "anti-spoofing",
        "short.net-sg-cni-encap": "캡슐화 규칙",
        "short.net-sg-ipip-proto": "IPIP 프로토콜 4",
        "short.net-calico-host-nat": "호스트로 가는 Pod 출발지",
        "short.net-sg-pod-source-ingress": "Pod 출발 트래픽 규칙",
        "short.net-sg-stateless": "상태 비저장 그룹의 응답",
        "short.net-sg-bgp": "BGP 179",
        "short.net-sg-typha": "Typha 5473",
        "short.net-sg-cilium-health": "Cilium health 4240",
        "short.net-sg-antrea-memberlist": "Antrea memberlist 10351",
        "short.net-sg-metallb-bgp": "MetalLB BGP 세션",
        "short.net-sg-calico-ebpf": "Calico eBPF VXLAN 4789",
        "short.net-calico-ebpf-kube-proxy": "kube-proxy 없는 Calico eBPF",
        "short.net-calico-ebpf-dsr": "Calico eBPF DSR 응답",
        "short.net-service-proxy": "Service 프록시",
        "short.inv-lb-two-controllers": "Service마다 컨트롤러 하나",
        "short.net-sg-control-plane": "API 6443 / kubelet 10250",
        "short.net-dns": "DNS",
        "short.net-api-service": "kubernetes 서비스",
        "short.net-pod-to-pod": "Pod 간 통신",
        "short.net-pod-egress": "외부 통신",
        "short.net-mtu": "MTU",
        "short.net-cidr-overlap": "CIDR 중복",
        "short.neutron-port-security-disabled": "포트 보안 활성",
        "short.neutron-port-admin-down": "노드 포트 활성",
        "short.neutron-allowed-pairs-scope": "Allowed Address Pair 범위",
        "short.neutron-vip-pairs": "가상 IP Pair",
        "short.neutron-egress-ip-pairs": "egress IP Pair",
        "short.neutron-underlay-addresses": "Kube-OVN 언더레이 주소",
        "short.inv-node-port-match": "노드-포트 매칭",
        "short.net-calico-node-address": "Calico 노드 주소",
        "short.lb-nodeport-source": "LoadBalancer NodePort 출발지",
        "short.lb-members-down": "LoadBalancer 멤버",
        "short.lb-provisioning": "로드밸런서 상태",
        "short.lb-etp-local": "externalTrafficPolicy Local",
        "short.lb-ovn-limits": "OVN 프로바이더 제약",
        "short.lb-source-ranges": "LB 출발지 범위",
        "short.lb-floating-ip": "LoadBalancer Floating IP",
        "short.lb-pending-service": "LoadBalancer 주소",
    },
}

# the incident report's (its warnings, conditional causes and empty sections too), the probe report's (kostack
# probe, diagnose --active), the verdict's and the topology picture's flow lanes' strings live
# in their own modules; they are part of the same table
for _part in (
    REPORT_MESSAGES,
    WARN_MESSAGES,
    COND_MESSAGES,
    PROBE_MESSAGES,
    VERDICT_MESSAGES,
    LANE_MESSAGES,
):
    for _lang, _table in _part.items():
        MESSAGES[_lang].update(_table)


def detect_lang(explicit: str | None, environ: Mapping[str, str]) -> str:
    """--lang wins; else KOSTACK_LANG; else the locale (LC_ALL, LC_MESSAGES, LANG); else English.

    `environ` is the command's environment (the CLI passes its own, tests a dict).
    """
    if explicit:
        return explicit if explicit in LANGS else "en"
    chosen = environ.get(LANG_VAR, "").strip().lower()
    if chosen:
        return chosen if chosen in LANGS else "en"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(var, "")
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    loc = locale.getlocale()[0] or ""
    return "ko" if loc.lower().startswith("ko") else "en"


def t(lang: str, key: str, **params: object) -> str:
    table = MESSAGES.get(lang, MESSAGES["en"])
    template = table.get(key) or MESSAGES["en"][key]
    # a Korean template may write a particle pair as a format spec: "{ip:은/는}"
    return fill(template, params) if params else template
