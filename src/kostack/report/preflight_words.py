"""What `kostack preflight` prints as its report, in English and Korean.

`t(lang, key, **params)` formats one through kostack.korean. The rules' own
descriptions (also written into the commands and Terraform, which stay
English) have their Korean here by the rule's slug.
"""

from __future__ import annotations

from typing import Any, Final

from kostack.korean import fill

TEXT: Final[dict[str, dict[str, str]]] = {
    "en": {
        "planned": "a planned network (MTU {mtu}, {type})",
        "network": "network {name} (MTU {mtu}, {type})",
        "type_unknown": "type unknown",
        "unknown": "unknown",
        "head": "Preflight: {n} {n:node/nodes} ({cps} control {cps:plane/planes}) on {where}, Neutron backend {backend}.",
        "setup": "  pods {pods}, services {services}, {cni}",
        "as_existing": "as the ports are",
        "as_new": "with new ports in the project's default group and no allowed pairs",
        "breaks": "What would break {as_is}:",
        "nothing": "Nothing breaks {as_is}; the settings below are still the ones to use.",
        "create_remaining": "Create them like this (the diagnosis of this setup still finds the "
        "problems at the end):",
        "create_ok": "Create them like this (verified: the diagnosis of this setup finds nothing):",
        "group_exists": "  security group {group} exists ({id}); {n} of the rules it needs are "
        "there, add:",
        "group_new": "  security group {group} (ingress; Neutron adds egress to anywhere):",
        "no_rules": "    (nothing: every rule is there)",
        "rule": "{proto}{ports} {remote}",
        "any": "any",
        "from_prefix": "from {prefix}",
        "from_group": "from group {group}",
        "ports": "  ports (port security on, in group {group}):",
        "service_pair": "{cidr} (service CIDR, not needed for traffic)",
        "existing_port": "existing port {id}",
        "new_port": "new port",
        "pairs": "allowed pairs {pairs}",
        "no_pairs": "no allowed pairs needed",
        "routes": "  router routes back to each node's pods:",
        "route": "    {destination} via {nexthop}",
        "mtu": "  pod MTU {mtu} (network MTU {net} - {overhead} for {kind}{largest})",
        "largest": "; the largest that fits is {mtu}",
        "note": "  Note: {note}",
        "still": "  Still breaks:",
    },
    "ko": {
        "planned": "계획한 네트워크 (MTU {mtu}, {type})",
        "network": "네트워크 {name} (MTU {mtu}, {type})",
        "type_unknown": "유형 알 수 없음",
        "unknown": "알 수 없음",
        "head": "사전 점검: 노드 {n}대(컨트롤 플레인 {cps}대), {where}, Neutron 백엔드 {backend}.",
        "setup": "  Pod {pods}, 서비스 {services}, {cni}",
        "as_existing": "지금 포트 그대로라면",
        "as_new": "새 포트를 프로젝트의 default 그룹에 Allowed Address Pair 없이 만들면",
        "breaks": "{as_is} 고장 나는 것:",
        "nothing": "{as_is} 고장 나는 것이 없습니다. 그래도 아래 설정을 쓰세요.",
        "create_remaining": "다음과 같이 만드세요 (이 구성의 진단은 아직 끝에 적은 문제를 찾습니다):",
        "create_ok": "다음과 같이 만드세요 (검증됨: 이 구성의 진단에서 문제가 없습니다):",
        "group_exists": "  보안 그룹 {group:이/가} 있습니다 ({id}). 필요한 규칙 중 {n}개가 있으니 "
        "다음을 추가하세요:",
        "group_new": "  보안 그룹 {group} (ingress 규칙, egress 전체 허용은 Neutron이 추가):",
        "no_rules": "    (없음: 규칙이 모두 있습니다)",
        "rule": "{proto}{ports}, {remote}",
        "any": "모든 프로토콜",
        "from_prefix": "출발지 {prefix}",
        "from_group": "출발지 그룹 {group}",
        "ports": "  포트 (포트 보안 켬, 그룹 {group}):",
        "service_pair": "{cidr} (서비스 CIDR, 트래픽에는 불필요)",
        "existing_port": "기존 포트 {id}",
        "new_port": "새 포트",
        "pairs": "Allowed Address Pair {pairs}",
        "no_pairs": "Allowed Address Pair 불필요",
        "routes": "  각 노드의 Pod로 돌아오는 라우터 경로:",
        "route": "    {destination}, 다음 홉 {nexthop}",
        "mtu": "  Pod MTU {mtu} (네트워크 MTU {net} - {kind} {overhead}{largest})",
        "largest": "; 맞는 최댓값은 {mtu}",
        "note": "  참고: {note}",
        "still": "  여전히 고장 나는 것:",
    },
}

# The rules' descriptions (kostack.plan.preflight_rules), by slug, in Korean.
RULE_WHY_KO: Final = {
    "apiserver": "Kubernetes API 서버 (tcp 6443)",
    "kubelet": "kubelet (tcp 10250)",
    "etcd": "컨트롤 플레인 노드 간 etcd (tcp 2379-2380)",
    "calico_ipip": "Calico IPIP (IP 프로토콜 4)",
    "calico_vxlan": "Calico VXLAN (udp 4789)",
    "calico_bgp": "Calico BGP (tcp 179)",
    "calico_typha": "Calico Typha (tcp 5473)",
    "calico_wireguard": "Calico WireGuard (udp 51820)",
    "calico_wireguard6": "Calico WireGuard (udp 51821)",
    "flannel_vxlan": "Flannel VXLAN (udp 8472)",
    "cilium_vxlan": "Cilium VXLAN (udp 8472)",
    "cilium_geneve": "Cilium Geneve (udp 6081)",
    "cilium_health": "Cilium 헬스 체크 (tcp 4240)",
    "cilium_icmp": "Cilium 헬스 체크 (ICMP)",
    "cilium_wireguard": "Cilium WireGuard (udp 51871)",
    "kube_router_bgp": "kube-router BGP (tcp 179)",
    "kube_router_ipip": "kube-router IPIP 터널 (IPv4는 IP 프로토콜 4, IPv6는 41)",
    "kube_router_fou": "kube-router FOU (udp 5555)",
    "antrea_agent": "Antrea 컨트롤러, 에이전트, memberlist (tcp 10349-10351)",
    "antrea_memberlist": "Antrea memberlist (udp 10351)",
    "antrea_geneve": "Antrea Geneve (udp 6081)",
    "antrea_vxlan": "Antrea VXLAN (udp 4789)",
    "antrea_stt": "Antrea STT (tcp 7471)",
    "antrea_gre": "Antrea GRE (IP 프로토콜 47)",
    "antrea_wireguard": "Antrea WireGuard (udp 51820)",
    "kube_ovn_geneve": "Kube-OVN Geneve (udp 6081)",
    "kube_ovn_vxlan": "Kube-OVN VXLAN (udp 4789)",
    "kube_ovn_stt": "Kube-OVN STT (tcp 7471)",
    "kube_ovn_db": "ovn-central 노스바운드·사우스바운드 데이터베이스 (tcp 6641-6642)",
    "kube_ovn_raft": "컨트롤 플레인 노드 간 ovn-central Raft (tcp 6643-6644)",
    "ovnk_geneve": "OVN-Kubernetes Geneve (udp 6081)",
    "pod_cidr": "노드 간 Pod 출발 패킷 (Pod CIDR에서 오는 모든 프로토콜)",
}

# How the encapsulation overhead is named (kostack.plan.preflight_rules), in Korean.
KIND_KO: Final = {
    "VXLAN (across subnets)": "VXLAN (서브넷 간)",
    "IPIP (across subnets)": "IPIP (서브넷 간)",
    "no encapsulation": "캡슐화 없음",
}


# The comments of the commands and the Terraform (`-o commands`, `-o terraform`).
TEXT["en"].update(
    {
        "c.head": "kostack preflight: create the node ports and their security group",
        "c.set-first": "Set these to your network and subnet first:",
        "c.group-exists": "security group {group} exists: only its missing rules are added",
        "c.boot": "then boot each node on its port: {command}",
        "tf.head": "kostack preflight: the node ports and their security group",
        "tf.group-exists": "the group exists ({id}): only its missing rules are added",
        "tf.egress": "Neutron gives a new group egress to anywhere (IPv4 and IPv6); rules below "
        "are ingress",
        "tf.has-port": "{node} has port {port} already: {command}",
        "tf.service": "service CIDR: not needed for traffic (service IPs never appear as a source "
        "on the wire)",
    }
)
TEXT["ko"].update(
    {
        "c.head": "kostack preflight: 노드 포트와 그 보안 그룹 만들기",
        "c.set-first": "먼저 네트워크와 서브넷을 설정하세요:",
        "c.group-exists": "보안 그룹 {group:이/가} 이미 있습니다: 빠진 규칙만 추가합니다",
        "c.boot": "그다음 각 노드를 그 포트로 부팅하세요: {command}",
        "tf.head": "kostack preflight: 노드 포트와 그 보안 그룹",
        "tf.group-exists": "보안 그룹이 이미 있습니다({id}): 빠진 규칙만 추가합니다",
        "tf.egress": "Neutron은 새 보안 그룹에 모든 곳으로의 egress(IPv4, IPv6)를 줍니다. 아래 "
        "규칙은 ingress입니다",
        "tf.has-port": "{node}에는 이미 포트 {port:이/가} 있습니다: {command}",
        "tf.service": "서비스 CIDR: 트래픽에는 필요 없음(서비스 IP는 출발지 주소로 전송되지 않음)",
    }
)


def t(lang: str, key: str, /, **params: Any) -> str:
    """The text of `key` in `lang` (English when the language is not known)."""
    table = TEXT.get(lang, TEXT["en"])
    return fill(table.get(key) or TEXT["en"][key], params)
