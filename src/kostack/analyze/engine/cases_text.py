"""What the case split says: conditions, evidence and how to tell cases apart (en, ko)."""

from __future__ import annotations

from typing import Final

CASE_MESSAGES: Final[dict[str, dict[str, str]]] = {
    "case.backend.ml2/ovs": {"en": "on ML2/OVS", "ko": "ML2/OVS"},
    "case.backend.ml2/ovn": {"en": "on ML2/OVN", "ko": "ML2/OVN"},
    "case.masquerade.on": {
        "en": "if pod traffic leaving the cluster is masqueraded",
        "ko": "클러스터 밖으로 나가는 Pod 트래픽 마스커레이드 켜짐",
    },
    "case.masquerade.off": {
        "en": "if pod traffic leaving the cluster is not masqueraded",
        "ko": "클러스터 밖으로 나가는 Pod 트래픽 마스커레이드 꺼짐",
    },
    "case.bgp.on": {"en": "if Calico runs BGP", "ko": "Calico BGP 사용"},
    "case.bgp.off": {"en": "if Calico does not run BGP", "ko": "Calico BGP 미사용"},
    "case.host-exclusion.on": {
        "en": "with natOutgoingExclusions IPPoolsAndHostIPs",
        "ko": "natOutgoingExclusions=IPPoolsAndHostIPs",
    },
    "case.host-exclusion.off": {
        "en": "with natOutgoingExclusions IPPoolsOnly",
        "ko": "natOutgoingExclusions=IPPoolsOnly",
    },
    "case.wireguard.on": {"en": "if WireGuard is on", "ko": "WireGuard 켜짐"},
    "case.wireguard.off": {"en": "if WireGuard is off", "ko": "WireGuard 꺼짐"},
    "case.what.wireguard": {"en": "WireGuard on and off", "ko": "WireGuard 켜짐과 꺼짐"},
    "tell.wireguard": {
        "en": "read FelixConfiguration wireguardEnabled (Calico) or enable-wireguard in "
        "ConfigMap kube-system/cilium-config (Cilium)",
        "ko": "FelixConfiguration의 wireguardEnabled(Calico) 또는 ConfigMap "
        "kube-system/cilium-config의 enable-wireguard(Cilium)를 확인하세요",
    },
    "case.provider.on": {
        "en": "if the node network is a flat or VLAN provider network",
        "ko": "flat/VLAN 프로바이더 노드 네트워크",
    },
    "case.provider.off": {
        "en": "if the node network is a tenant network",
        "ko": "테넌트 노드 네트워크",
    },
    "case.what.provider": {
        "en": "the node network as a tenant and as a provider network",
        "ko": "노드 네트워크가 테넌트 네트워크인 경우와 프로바이더 네트워크인 경우",
    },
    "tell.provider": {
        "en": "an admin sees the network's type with {command} (vxlan, geneve or gre: a tenant "
        "network, whose only gateway is a Neutron router; flat or vlan: a provider network, "
        "whose gateway is normally a physical router); ask the cloud's operators otherwise",
        "ko": "관리자는 {command:으로/로} 네트워크 유형을 볼 수 있습니다(vxlan, geneve, gre: 게이트웨이가 "
        "Neutron 라우터뿐인 테넌트 네트워크, flat, vlan: 게이트웨이가 보통 물리 라우터인 프로바이더 "
        "네트워크). 그렇지 않으면 클라우드 운영자에게 물어보세요",
    },
    "case.overlay.on": {
        "en": "if the node network is an overlay (VXLAN, Geneve or GRE)",
        "ko": "오버레이(VXLAN, Geneve, GRE) 노드 네트워크",
    },
    "case.overlay.off": {
        "en": "if the node network is flat or VLAN",
        "ko": "flat/VLAN 노드 네트워크",
    },
    "case.what.overlay": {
        "en": "the node network as an overlay and as a flat or VLAN network",
        "ko": "노드 네트워크가 오버레이인 경우와 flat/VLAN인 경우",
    },
    "tell.overlay": {
        "en": "an admin sees the network's type with {command} (vxlan, geneve or gre: only "
        "ML2/OVS or OVN bind its SR-IOV ports, and filter them; flat or vlan: the SR-IOV driver "
        "may bind them, with no security groups and no IP anti-spoofing)",
        "ko": "관리자는 {command:으로/로} 네트워크 유형을 볼 수 있습니다(vxlan, geneve, gre: SR-IOV "
        "포트를 ML2/OVS나 OVN만 바인딩하고 거름, flat, vlan: SR-IOV 드라이버가 바인딩할 수 있으며 보안 "
        "그룹도 IP anti-spoofing도 없음)",
    },
    "case.and": {"en": "{a} and {b}", "ko": "{a} + {b}"},
    "case.or": {"en": "{a}, or {b}", "ko": "{a} 또는 {b}"},
    "case.either": {"en": "in every case", "ko": "모든 경우에"},
    "case.holds": {
        "en": "holds {cases}: checked for {what}",
        "ko": "{what} 모두 확인했으며 결과가 같습니다 ({cases})",
    },
    "case.what.backend": {
        "en": "ML2/OVS and ML2/OVN",
        "ko": "ML2/OVS와 ML2/OVN",
    },
    "case.what.masquerade": {
        "en": "masquerade on and off",
        "ko": "마스커레이드 켜짐과 꺼짐",
    },
    "case.what.bgp": {"en": "BGP on and off", "ko": "BGP 켜짐과 꺼짐"},
    "case.what.host-exclusion": {
        "en": "both natOutgoingExclusions settings",
        "ko": "natOutgoingExclusions 두 설정",
    },
    "tell.backend.flag": {
        "en": "say which with `--neutron-backend ml2/ovs|ml2/ovn` (or set openstack.backend in "
        "the snapshot)",
        "ko": "`--neutron-backend ml2/ovs|ml2/ovn`으로 지정하거나 스냅샷의 openstack.backend를 "
        "설정하세요",
    },
    "tell.backend.agents": {
        "en": "an admin can run `openstack network agent list`: 'OVN Controller agent' means "
        "ML2/OVN, 'Open vSwitch agent' ML2/OVS",
        "ko": "관리자는 `openstack network agent list`로 확인할 수 있습니다: 'OVN Controller "
        "agent'가 있으면 ML2/OVN, 'Open vSwitch agent'가 있으면 ML2/OVS입니다",
    },
    "tell.backend.extensions": {
        "en": "any user can run `openstack extension list --network`: only the OVN L3 plugin "
        "loads {aliases}; the agent-based L3 plugin loads 'dvr'",
        "ko": "일반 사용자도 `openstack extension list --network`로 확인할 수 있습니다: {aliases:은/는} "
        "OVN L3 플러그인만 로드하고, 에이전트 기반 L3 플러그인은 'dvr'을 로드합니다",
    },
    "tell.backend.mtu": {
        "en": "network {net} has MTU {mtu}: {meaning}",
        "ko": "네트워크 {net}의 MTU는 {mtu}입니다: {meaning}",
    },
    "tell.mtu.1442": {
        "en": "the default for Geneve tenant networks, which ML2/OVN uses (a hint, not proof)",
        "ko": "ML2/OVN이 쓰는 Geneve 테넌트 네트워크의 기본값입니다 (단서일 뿐 증거는 아님)",
    },
    "tell.mtu.1450": {
        "en": "the default for VXLAN tenant networks, which ML2/OVS usually uses (a hint, not "
        "proof)",
        "ko": "ML2/OVS가 주로 쓰는 VXLAN 테넌트 네트워크의 기본값입니다 (단서일 뿐 증거는 아님)",
    },
    "tell.backend.dvr": {
        "en": "the 'dvr' extension is loaded, which only the agent-based L3 plugin of ML2/OVS "
        "does (a hint, not proof)",
        "ko": "'dvr' 확장이 로드되어 있습니다. 이는 ML2/OVS의 에이전트 기반 L3 플러그인만 로드합니다 "
        "(단서일 뿐 증거는 아님)",
    },
    "tell.masquerade": {
        "en": "read natOutgoing of the IP pools (`kubectl get ippools -o yaml`), flannel's "
        "--ip-masq or Cilium's enable-ipv4-masquerade",
        "ko": "IP 풀의 natOutgoing(`kubectl get ippools -o yaml`), flannel의 --ip-masq 또는 Cilium의 "
        "enable-ipv4-masquerade를 확인하세요",
    },
    "tell.bgp": {
        "en": "read `kubectl get installation default -o yaml` (spec.calicoNetwork.bgp) or "
        "calico_backend in ConfigMap kube-system/calico-config",
        "ko": "`kubectl get installation default -o yaml`(spec.calicoNetwork.bgp) 또는 ConfigMap "
        "kube-system/calico-config의 calico_backend를 확인하세요",
    },
    "tell.host-exclusion": {
        "en": "read `kubectl get felixconfiguration default -o yaml` (spec.natOutgoingExclusions)",
        "ko": "`kubectl get felixconfiguration default -o yaml`(spec.natOutgoingExclusions)을 "
        "확인하세요",
    },
}
