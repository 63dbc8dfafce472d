"""Root causes of the way in (cause keys of the lb-* checks), titled in English and Korean."""

from __future__ import annotations

LB_ROOT_CAUSE_TITLES: dict[str, dict[str, str]] = {
    "vip-antispoof": {
        "en": "Neutron anti-spoofing drops the answers for virtual IPs (MetalLB, kube-vip, Antrea, "
        "Cilium)",
        "ko": "Neutron anti-spoofing이 가상 IP(MetalLB, kube-vip, Antrea, Cilium)에 대한 응답을 "
        "차단함",
    },
    "metallb-bgp-blocked": {
        "en": "Security groups drop MetalLB's BGP sessions, so no router learns its pools from "
        "those nodes",
        "ko": "보안 그룹이 MetalLB의 BGP 세션을 차단해 어떤 라우터도 그 노드들에서 풀을 배우지 못함",
    },
    "vip-allocation-pool": {
        "en": "A virtual or egress IP lies inside a Neutron allocation pool",
        "ko": "가상 IP 또는 egress IP가 Neutron 할당 풀 안에 있음",
    },
    "lb-nodeport-blocked": {
        "en": "Node security groups drop load balancer traffic to NodePorts",
        "ko": "노드 보안 그룹이 NodePort로 가는 로드밸런서 트래픽을 차단함",
    },
    "lb-stuck": {
        "en": "A load balancer is stuck in PENDING_*",
        "ko": "로드밸런서가 PENDING_* 상태에서 멈춤",
    },
    "lb-error": {
        "en": "A load balancer is in ERROR",
        "ko": "로드밸런서가 ERROR 상태임",
    },
    "lb-etp-local": {
        "en": "externalTrafficPolicy Local sends traffic to nodes without endpoints",
        "ko": "externalTrafficPolicy Local인데 엔드포인트가 없는 노드로 트래픽이 감",
    },
    "lb-ovn-unsupported": {
        "en": "A Service asks the OVN provider for what it does not support",
        "ko": "Service가 OVN 프로바이더가 지원하지 않는 기능을 요청함",
    },
    "lb-source-ranges": {
        "en": "A load balancer listener does not enforce its Service's loadBalancerSourceRanges",
        "ko": "로드밸런서 리스너가 Service의 loadBalancerSourceRanges를 적용하지 않음",
    },
    "lb-fip": {
        "en": "A LoadBalancer Service's floating IP does not reach its load balancer",
        "ko": "LoadBalancer Service의 Floating IP가 로드밸런서로 이어지지 않음",
    },
    "lb-quota": {
        "en": "Octavia's load balancer quota is used up",
        "ko": "Octavia 로드밸런서 쿼터가 소진됨",
    },
    "lb-subnet": {
        "en": "A Service names a subnet or network that does not exist",
        "ko": "Service가 존재하지 않는 서브넷이나 네트워크를 지정함",
    },
    "lb-occm": {
        "en": "The cloud controller fails to finish a LoadBalancer Service",
        "ko": "클라우드 컨트롤러가 LoadBalancer Service 처리를 끝내지 못함",
    },
    "lb-no-controller": {
        "en": "No cloud controller handles LoadBalancer Services",
        "ko": "LoadBalancer Service를 처리하는 클라우드 컨트롤러가 없음",
    },
    "metallb-class-mismatch": {
        "en": "MetalLB's speaker announces another loadBalancerClass than its controller "
        "assigns addresses to",
        "ko": "MetalLB speaker가 컨트롤러가 주소를 주는 것과 다른 loadBalancerClass를 알림",
    },
    "cilium-lb-unannounced": {
        "en": "Nothing announces Cilium LB IPAM's addresses (no L2 announcement, no BGP)",
        "ko": "Cilium LB IPAM 주소를 아무도 알리지 않음 (L2 announcement도 BGP도 없음)",
    },
    "lb-members-down": {
        "en": "Load balancer members are down for no visible reason",
        "ko": "뚜렷한 이유 없이 로드밸런서 멤버가 다운됨",
    },
    "lb-node-not-ready": {
        "en": "Load balancer members sit on NotReady nodes",
        "ko": "로드밸런서 멤버가 NotReady 노드에 있음",
    },
    "lb-stale-members": {
        "en": "Load balancer members point at machines that are not nodes",
        "ko": "로드밸런서 멤버가 노드가 아닌 머신을 가리킴",
    },
    "lb-listener": {
        "en": "A Service port has no listener or pool on its load balancer",
        "ko": "Service 포트에 대한 리스너나 풀이 로드밸런서에 없음",
    },
    "lb-no-node-port-proxy": {
        "en": "Nothing serves NodePorts: kube-proxy was removed and the CNI does not replace it",
        "ko": "NodePort를 처리하는 것이 없음: kube-proxy가 제거되었고 CNI가 이를 대신하지 않음",
    },
    "lb-node-port-addresses": {
        "en": "Load balancer member addresses are outside the nodePortAddresses that answer "
        "NodePorts",
        "ko": "로드밸런서 멤버 주소가 NodePort에 응답하는 nodePortAddresses 밖에 있음",
    },
    "lb-no-members": {
        "en": "A load balancer pool has no members",
        "ko": "로드밸런서 풀에 멤버가 없음",
    },
    "lb-member-port": {
        "en": "Load balancer members still send to an old NodePort",
        "ko": "로드밸런서 멤버가 아직 예전 NodePort로 보냄",
    },
    "lb-admin-down": {
        "en": "Load balancer objects are administratively down",
        "ko": "로드밸런서 객체가 관리상 비활성화됨",
    },
}
