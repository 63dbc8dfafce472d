"""What `kostack preflight` says about inputs that cannot describe a cluster, and how it names
overheads and modes, in English and Korean.

`PreflightError` (kostack.plan.preflight_spec) and the command's own usage errors
(kostack.cli.preflight) carry these `Msg`s, so `--lang ko` prints them in Korean.
"""

from __future__ import annotations

from kostack.catalog import Msg, register

__all__ = ["Msg"]

_PAIR_EXAMPLE = "e.g. {flag} 10.244.0.0/16,fd00:10:244::/56"
_PAIR_EXAMPLE_KO = "예: {flag} 10.244.0.0/16,fd00:10:244::/56"

register(
    {
        # ------------------------------------------------------------------ the command line
        "pf.err.not-cidr": {
            "en": "{flag} {value} is not a CIDR ({why})",
            "ko": "{flag} {value:은/는} CIDR가 아닙니다(“{why}”)",
        },
        "pf.hint.cidr": {"en": "e.g. {flag} 10.244.0.0/16", "ko": "예: {flag} 10.244.0.0/16"},
        "pf.err.cidr-count": {
            "en": "{flag} {value}: give one CIDR, or two (one IPv4, one IPv6) separated by a comma",
            "ko": "{flag} {value}: CIDR 하나, 또는 쉼표로 구분한 두 개(IPv4 하나, IPv6 하나)를 "
            "주세요",
        },
        "pf.hint.pair": {"en": _PAIR_EXAMPLE, "ko": _PAIR_EXAMPLE_KO},
        "pf.err.same-family": {
            "en": "{flag} {value}: both CIDRs are IPv{version}; a dual-stack pair is one IPv4 "
            "and one IPv6 CIDR",
            "ko": "{flag} {value}: 두 CIDR가 모두 IPv{version}입니다. 듀얼 스택 쌍은 IPv4 CIDR "
            "하나와 IPv6 CIDR 하나입니다",
        },
        "pf.err.no-openstack": {
            "en": "{path} has no OpenStack part",
            "ko": "{path}에 OpenStack 부분이 없습니다",
        },
        "pf.hint.collect": {
            "en": "collect one with `kostack collect`",
            "ko": "`kostack collect`로 수집하세요",
        },
        "pf.err.networks-named": {
            "en": "{n} networks are called {name}",
            "ko": "이름이 {name}인 네트워크가 {n}개입니다",
        },
        "pf.hint.give-id": {"en": "give its id instead", "ko": "대신 네트워크 id를 주세요"},
        "pf.err.no-network": {
            "en": "no network {name}",
            "ko": "네트워크 {name}{name:이/가} 없습니다",
        },
        "pf.hint.networks-seen": {"en": "networks seen: {known}", "ko": "보이는 네트워크: {known}"},
        "pf.none": {"en": "none", "ko": "없음"},
        "pf.err.snapshot-network": {
            "en": "--snapshot needs --network",
            "ko": "--snapshot에는 --network가 필요합니다",
        },
        "pf.hint.snapshot-network": {
            "en": "say which network the nodes are on",
            "ko": "노드가 있는 네트워크를 지정하세요",
        },
        "pf.err.no-nodes-cli": {
            "en": "no nodes: give --node IP[=NAME] for each planned node, or --network",
            "ko": "노드가 없습니다: 계획한 노드마다 --node IP[=NAME]를 주거나 --network를 주세요",
        },
        "pf.hint.nodes": {
            "en": "e.g. --node 10.0.0.11=k8s-cp-1 --node 10.0.0.12=k8s-w-1",
            "ko": "예: --node 10.0.0.11=k8s-cp-1 --node 10.0.0.12=k8s-w-1",
        },
        # ------------------------------------------------------------------ the spec
        "pf.err.not-ip": {
            "en": "{text} is not an IP address",
            "ko": "{text:은/는} IP 주소가 아닙니다",
        },
        "pf.hint.node": {
            "en": "e.g. --node 10.0.0.11=k8s-cp-1 (dual stack: --node 10.0.0.11,fd00::11=k8s-cp-1)",
            "ko": "예: --node 10.0.0.11=k8s-cp-1 (듀얼 스택: --node 10.0.0.11,fd00::11=k8s-cp-1)",
        },
        "pf.err.node-same-family": {
            "en": "node {node} has two addresses of one IP version",
            "ko": "노드 {node}에 같은 IP 버전의 주소가 두 개 있습니다",
        },
        "pf.hint.node-pair": {
            "en": "give at most one IPv4 and one IPv6 address: --node 10.0.0.11,fd00::11=NAME",
            "ko": "IPv4 주소와 IPv6 주소를 하나씩까지만 주세요: --node 10.0.0.11,fd00::11=NAME",
        },
        "pf.err.groups-named": {
            "en": "{n} security groups are called {name}",
            "ko": "이름이 {name}인 보안 그룹이 {n}개입니다",
        },
        "pf.hint.group-name": {
            "en": "choose another name with --security-group NAME",
            "ko": "--security-group NAME으로 다른 이름을 고르세요",
        },
        "pf.err.small-pod-cidr": {
            "en": "the pod CIDR {cidr} is too small for {n} nodes",
            "ko": "Pod CIDR {cidr:은/는} 노드 {n}대에 너무 작습니다",
        },
        "pf.err.unknown-network": {
            "en": "network {network} is not in the OpenStack record",
            "ko": "네트워크 {network:이/가} OpenStack 기록에 없습니다",
        },
        "pf.err.no-subnet": {
            "en": "network {network} has no subnet",
            "ko": "네트워크 {network}에 서브넷이 없습니다",
        },
        "pf.err.ip-outside": {
            "en": "node IP {ip} is in no subnet of network {network}",
            "ko": "노드 IP {ip:은/는} 네트워크 {network}의 어느 서브넷에도 없습니다",
        },
        "pf.hint.ip-outside": {
            "en": "give node IPs from the network's subnets",
            "ko": "네트워크의 서브넷에 속한 노드 IP를 주세요",
        },
        "pf.err.unknown-cni": {"en": "unknown CNI {cni}", "ko": "알 수 없는 CNI {cni}"},
        "pf.hint.cnis": {"en": "use one of {cnis}", "ko": "다음 중 하나를 쓰세요: {cnis}"},
        "pf.err.unknown-mode": {
            "en": "{cni} has no mode {mode}",
            "ko": "{cni}에는 모드 {mode:이/가} 없습니다",
        },
        "pf.hint.modes": {"en": "{cni} modes: {modes}", "ko": "{cni} 모드: {modes}"},
        "pf.err.no-nodes": {
            "en": "no nodes: give planned node IPs (--node IP) or a network with node ports",
            "ko": "노드가 없습니다: 계획한 노드 IP(--node IP)나 노드 포트가 있는 네트워크를 주세요",
        },
        "pf.err.same-name": {"en": "two nodes share a name", "ko": "두 노드의 이름이 같습니다"},
        "pf.hint.same-name": {
            "en": "give every node its own name",
            "ko": "노드마다 다른 이름을 주세요",
        },
        "pf.err.same-ip": {"en": "two nodes share an IP", "ko": "두 노드의 IP가 같습니다"},
        "pf.hint.same-ip": {"en": "give every node its own IP", "ko": "노드마다 다른 IP를 주세요"},
        "pf.err.no-control-plane": {
            "en": "no control-plane node",
            "ko": "컨트롤 플레인 노드가 없습니다",
        },
        "pf.hint.control-planes": {
            "en": "mark at least one (--control-planes N)",
            "ko": "하나 이상 지정하세요(--control-planes N)",
        },
        "pf.err.pair-family": {
            "en": "two CIDRs of the same IP version: a dual-stack pair is one IPv4 and one IPv6 "
            "CIDR",
            "ko": "같은 IP 버전의 CIDR가 두 개입니다: 듀얼 스택 쌍은 IPv4 CIDR 하나와 IPv6 CIDR "
            "하나입니다",
        },
        "pf.err.primary-family": {
            "en": "the pod and service CIDRs are of different IP versions",
            "ko": "Pod CIDR와 서비스 CIDR의 IP 버전이 다릅니다",
        },
        "pf.hint.primary-family": {
            "en": "list the same family first in both (kubeadm: podSubnet and serviceSubnet)",
            "ko": "두 곳 모두 같은 패밀리를 먼저 쓰세요(kubeadm: podSubnet과 serviceSubnet)",
        },
        "pf.err.services-dual": {
            "en": "the service CIDRs are dual stack but the pod CIDR is not",
            "ko": "서비스 CIDR는 듀얼 스택인데 Pod CIDR는 아닙니다",
        },
        "pf.hint.services-dual": {
            "en": "give an IPv6 pod CIDR too, e.g. --pod-cidr 10.244.0.0/16,fd00:10:244::/56",
            "ko": "IPv6 Pod CIDR도 주세요. 예: --pod-cidr 10.244.0.0/16,fd00:10:244::/56",
        },
        "pf.err.ipip-v6": {
            "en": "Calico IPIP carries IPv4 only; an IPv6 pod CIDR cannot use it",
            "ko": "Calico IPIP는 IPv4만 전달합니다. IPv6 Pod CIDR에는 쓸 수 없습니다",
        },
        "pf.hint.ipip-v6": {
            "en": "use --mode vxlan-crosssubnet, vxlan or none",
            "ko": "--mode vxlan-crosssubnet, vxlan, none 중 하나를 쓰세요",
        },
        "pf.err.node-family": {
            "en": "the pod CIDR {cidr} is IPv{version}, but node {node} has no IPv{version} "
            "address{more}",
            "ko": "Pod CIDR {cidr:은/는} IPv{version}인데 노드 {node}에 IPv{version} 주소가 "
            "없습니다{more}",
        },
        "pf.more": {"en": " ({n} more)", "ko": " (외 {n}개)"},
        # ------------------------------------------------------------------ Antrea's combinations
        "pf.err.tunnel-type-cni": {
            "en": "--tunnel-type is Antrea's tunnelType; {cni} has no such setting",
            "ko": "--tunnel-type은 Antrea의 tunnelType입니다. {cni}에는 이 설정이 없습니다",
        },
        "pf.hint.tunnel-type-cni": {
            "en": "leave --tunnel-type out, or use --cni antrea",
            "ko": "--tunnel-type을 빼거나 --cni antrea를 쓰세요",
        },
        "pf.err.antrea-no-tunnel": {
            "en": "Antrea trafficEncapMode noEncap tunnels nothing: --tunnel-type {tunnel} has "
            "no effect",
            "ko": "Antrea trafficEncapMode noEncap은 터널을 쓰지 않으므로 --tunnel-type "
            "{tunnel:은/는} 효과가 없습니다",
        },
        "pf.hint.antrea-no-tunnel": {
            "en": "leave --tunnel-type out, or use --mode encap or hybrid",
            "ko": "--tunnel-type을 빼거나 --mode encap 또는 hybrid를 쓰세요",
        },
        "pf.err.antrea-wireguard": {
            "en": "Antrea trafficEncryptionMode wireguard may only be enabled in encap mode, "
            "not in {mode}",
            "ko": "Antrea trafficEncryptionMode wireguard는 encap 모드에서만 켤 수 있으며 "
            "{mode}에서는 켤 수 없습니다",
        },
        "pf.hint.antrea-wireguard": {
            "en": "use --mode encap with --wireguard, or leave --wireguard out",
            "ko": "--wireguard는 --mode encap과 함께 쓰거나 빼세요",
        },
        "pf.err.antrea-nosnat": {
            "en": "Antrea noSNAT (--no-nat-outgoing) is only applicable to the noEncap mode, "
            "not to {mode}",
            "ko": "Antrea noSNAT(--no-nat-outgoing)은 noEncap 모드에만 쓸 수 있으며 {mode}에는 "
            "쓸 수 없습니다",
        },
        "pf.hint.antrea-nosnat": {
            "en": "use --mode noEncap with --no-nat-outgoing, or leave --no-nat-outgoing out",
            "ko": "--no-nat-outgoing은 --mode noEncap과 함께 쓰거나 빼세요",
        },
        "pf.err.antrea-gre-v6": {
            "en": "Antrea's GRE tunnel has no support for IPv6 clusters, and the pod CIDRs have "
            "an IPv6 one",
            "ko": "Antrea의 GRE 터널은 IPv6 클러스터를 지원하지 않는데 Pod CIDR에 IPv6가 있습니다",
        },
        "pf.hint.antrea-gre-v6": {
            "en": "use --tunnel-type geneve (Antrea's default) or vxlan",
            "ko": "--tunnel-type geneve(Antrea 기본값)나 vxlan을 쓰세요",
        },
        "pf.hint.node-v6": {
            "en": "give every node an address of each family, e.g. --node 10.0.0.11,{example}=NAME",
            "ko": "노드마다 패밀리별 주소를 하나씩 주세요. 예: --node 10.0.0.11,{example}=NAME",
        },
        "pf.hint.node-v4": {
            "en": "give every node an IPv4 address, e.g. --node {example},fd00:0:0:1::11=NAME",
            "ko": "노드마다 IPv4 주소를 주세요. 예: --node {example},fd00:0:0:1::11=NAME",
        },
        # ------------------------------------------------------------------ Kube-OVN
        "pf.err.kube-ovn-wireguard": {
            "en": "Kube-OVN has no WireGuard: it encrypts its tunnels with IPsec "
            "(--enable-ovn-ipsec), which preflight does not plan",
            "ko": "Kube-OVN에는 WireGuard가 없습니다: 터널은 IPsec(--enable-ovn-ipsec)으로 "
            "암호화하며, preflight는 이를 계획하지 않습니다",
        },
        "preflight.note.mtu-ovnk": {
            "en": "Set the pod MTU to {mtu} (network MTU {net} - {overhead} for {kind}): "
            "OpenShift's Network operator sets ovnkube.conf [default] mtu to that when "
            "spec.defaultNetwork.ovnKubernetesConfig.mtu is unset, but ovn-kubernetes' own "
            "install uses 1400 when ConfigMap ovn-config has no mtu; a value larger than the "
            "network's minus 58 breaks large packets between nodes.",
            "ko": "Pod MTU를 {mtu:으로/로} 설정하세요 (네트워크 MTU {net} - {kind} {overhead}). "
            "OpenShift Network 오퍼레이터는 spec.defaultNetwork.ovnKubernetesConfig.mtu가 없으면 "
            "ovnkube.conf [default] mtu를 이 값으로 정하지만, ovn-kubernetes 자체 설치는 "
            "ConfigMap ovn-config에 mtu가 없으면 1400을 씁니다. 네트워크 MTU에서 58을 뺀 값보다 "
            "크면 노드 사이의 큰 패킷이 깨집니다.",
        },
        "pf.err.ovnk-wireguard": {
            "en": "OVN-Kubernetes has no WireGuard: it encrypts its Geneve tunnels with IPsec "
            "(OpenShift's ipsecConfig mode Full), which preflight does not plan",
            "ko": "OVN-Kubernetes에는 WireGuard가 없습니다: Geneve 터널은 IPsec(OpenShift "
            "ipsecConfig mode Full)으로 암호화하며, preflight는 이를 계획하지 않습니다",
        },
        "pf.hint.ovnk-wireguard": {
            "en": "leave --wireguard out with --cni ovn-kubernetes",
            "ko": "--cni ovn-kubernetes에서는 --wireguard를 빼세요",
        },
        "pf.err.ovnk-nat-off": {
            "en": "OVN-Kubernetes always SNATs pods' traffic to the outside to the node IP "
            "(its gateway router, or the host in local gateway mode): it has no setting that "
            "sends pods out with their own addresses",
            "ko": "OVN-Kubernetes는 바깥으로 나가는 Pod 트래픽을 항상 노드 IP로 SNAT합니다(게이트웨이 "
            "라우터, 또는 local 게이트웨이 모드의 호스트). Pod가 자기 주소로 나가게 하는 설정이 "
            "없습니다",
        },
        "pf.hint.ovnk-nat-off": {
            "en": "leave --no-nat-outgoing out with --cni ovn-kubernetes",
            "ko": "--cni ovn-kubernetes에서는 --no-nat-outgoing을 빼세요",
        },
        "pf.hint.kube-ovn-wireguard": {
            "en": "leave --wireguard out with --cni kube-ovn",
            "ko": "--cni kube-ovn에서는 --wireguard를 빼세요",
        },
        "preflight.note.kube-ovn-nat-off": {
            "en": "Kube-OVN natOutgoing is off: pods reach the outside with their own address "
            "through their node, but take addresses anywhere in ovn-default, not from a range "
            "per node, so no router route per node brings the replies back. Kube-OVN's docs "
            "route the whole Subnet via one node (replies then arrive asymmetrically: Neutron's "
            "stateful security groups drop them unless an ingress rule admits them) or via the "
            "gateway node of a centralized "
            "gateway (gatewayType centralized, which kostack does not model): preflight plans no "
            "route; --nat-outgoing avoids the question.",
            "ko": "Kube-OVN natOutgoing이 꺼져 있어 Pod가 자기 노드를 거쳐 자기 주소로 외부에 나가지만, "
            "주소는 노드별 범위가 아니라 ovn-default 안 어디서나 받으므로 노드별 라우터 경로로는 응답이 "
            "돌아오지 않습니다. Kube-OVN 문서는 Subnet 전체를 한 노드로 보내거나(그러면 응답이 비대칭으로 "
            "도착해, 허용하는 인그레스 규칙이 없으면 Neutron의 상태 기반 보안 그룹이 버립니다) 중앙 게이트웨이(gatewayType centralized, "
            "kostack은 모델링하지 않음)의 게이트웨이 노드로 보냅니다. preflight는 경로를 계획하지 않으며, "
            "--nat-outgoing이면 이 문제가 없습니다.",
        },
        "preflight.note.kube-ovn-underlay": {
            "en": "Kube-OVN vlan (underlay): pods send on the node's NIC with their own "
            "addresses and their own MAC addresses, which no allowed address pair admits: turn "
            "port security off on the node ports (`openstack port set --no-security-group "
            "--disable-port-security PORT`, or once the cluster runs `kostack fix plan --method "
            "disable-port-security`); the security group then filters nothing. The pod CIDR "
            "must be the underlay network's (install.sh POD_CIDR, POD_GATEWAY), and EXCLUDE_IPS "
            "must hold every address Neutron holds or hands out there (its allocation pool, the "
            "nodes', the router's and DHCP's ports): `kostack diagnose` checks it "
            "(neutron-underlay-addresses).",
            "ko": "Kube-OVN vlan(언더레이)에서는 Pod가 노드 NIC로 자기 주소와 자기 MAC 주소를 써서 "
            "보내며, 어떤 Allowed Address Pair도 이를 허용하지 않습니다: 노드 포트의 포트 보안을 "
            "끄세요(`openstack port set --no-security-group --disable-port-security PORT`, 또는 "
            "클러스터가 돌아가면 `kostack fix plan --method disable-port-security`). 그러면 보안 "
            "그룹은 아무것도 거르지 않습니다. Pod CIDR는 언더레이 네트워크의 것이어야 합니다"
            "(install.sh POD_CIDR, POD_GATEWAY). EXCLUDE_IPS에는 Neutron이 그 네트워크에서 가졌거나 "
            "나눠 주는 주소(할당 풀, 노드·라우터·DHCP 포트의 주소)가 모두 들어 있어야 하며, "
            "`kostack diagnose`가 이를 검사합니다(neutron-underlay-addresses).",
        },
        "preflight.note.kube-ovn-underlay-outside": {
            "en": "Problem: Kube-OVN vlan puts the pods on the nodes' own network, but pod CIDR "
            "{pods} is not inside the nodes' subnet ({subnets}): the network has no way to "
            "those addresses. Give the subnet's own range as the pod CIDR (install.sh POD_CIDR; "
            "EXCLUDE_IPS for the addresses Neutron already hands out).",
            "ko": "문제: Kube-OVN vlan은 Pod를 노드 자신의 네트워크에 두는데, Pod CIDR {pods:이/가} 노드 "
            "서브넷({subnets}) 안에 있지 않아 네트워크가 그 주소로 가는 길이 없습니다. 서브넷 자신의 "
            "대역을 Pod CIDR로 주세요(install.sh POD_CIDR, Neutron이 이미 나눠 주는 주소는 "
            "EXCLUDE_IPS).",
        },
        "preflight.note.kube-ovn-underlay-unchecked": {
            "en": "Kube-OVN vlan: pod CIDR {pods} must lie inside the nodes' subnet; preflight "
            "has no Neutron subnet to check it against (give --network with --snapshot, or "
            "--subnet-cidr).",
            "ko": "Kube-OVN vlan: Pod CIDR {pods:은/는} 노드 서브넷 안에 있어야 하지만, preflight에는 "
            "비교할 Neutron 서브넷이 없습니다(--snapshot과 함께 --network, 또는 --subnet-cidr를 "
            "주세요).",
        },
        # ------------------------------------------------------------------ overheads and modes
        "preflight.kind.vxlan-cross": {"en": "VXLAN (across subnets)", "ko": "VXLAN (서브넷 간)"},
        "preflight.kind.ipip-cross": {"en": "IPIP (across subnets)", "ko": "IPIP (서브넷 간)"},
        "preflight.note.nosnat": {
            "en": "Antrea noSNAT is true: pods reach the outside with their own address, so the "
            "router needs a route back to each node's pods (the routes below). Leaving noSNAT "
            "false avoids the routes.",
            "ko": "Antrea noSNAT가 true여서 Pod가 자기 주소로 외부에 나가므로, 라우터에 각 노드의 "
            "Pod로 돌아오는 경로(아래 경로)가 필요합니다. noSNAT를 false로 두면 경로가 필요 없습니다.",
        },
        "preflight.cni-mode": {"en": "{cni} {mode}", "ko": "{cni} {mode}"},
        "preflight.note.native-routes": {
            "en": "The nodes are in more than one subnet and {cni} does not encapsulate pod "
            "traffic between them: the router needs a route to each node's pods (the routes "
            "below).",
            "ko": "노드가 여러 서브넷에 있는데 {cni}에서는 그 사이의 Pod 트래픽을 캡슐화하지 "
            "않으므로, 라우터에 각 노드의 Pod로 가는 경로(아래 경로)가 필요합니다.",
        },
        "preflight.kind.across": {"en": "{tunnel} (across subnets)", "ko": "{tunnel} (서브넷 간)"},
        "preflight.kind.none": {"en": "no encapsulation", "ko": "캡슐화 없음"},
        "preflight.mode.none": {"en": "no encapsulation (BGP)", "ko": "캡슐화 없음 (BGP)"},
        "preflight.mode.geneve": {"en": "Geneve tunnel", "ko": "Geneve 터널"},
        "preflight.mode.native": {"en": "native routing", "ko": "네이티브 라우팅"},
        "preflight.cni": {"en": "{cni} {mode} ({extras})", "ko": "{cni} {mode} ({extras})"},
        "preflight.on": {"en": "{name} on", "ko": "{name} 켜짐"},
        "preflight.off": {"en": "{name} off", "ko": "{name} 꺼짐"},
        # the names of what preflight plans (a Msg as the record's name: findings say it)
        "preflight.name.network": {"en": "planned network", "ko": "계획안"},
        "preflight.name.router": {"en": "planned router", "ko": "계획안"},
    }
)
