"""The messages of neutron-vip-pairs (neutron_vip_pairs.py), in English and Korean."""

from __future__ import annotations

from kostack.analyze.messages import register

ID = "neutron-vip-pairs"

register(
    {
        f"{ID}.what.metallb": {"en": "MetalLB pool {name}", "ko": "MetalLB 풀 {name}"},
        f"{ID}.what.antrea": {
            "en": "Antrea Service ExternalIPPool {name}",
            "ko": "Antrea Service ExternalIPPool {name}",
        },
        f"{ID}.antrea-unread": {
            "en": "LoadBalancer Services take their IPs from Antrea's ExternalIPPools "
            "(service.antrea.io/external-ip-pool) but the pools were not read: which addresses "
            "the nodes answer for, and which nodes, is not known.",
            "ko": "LoadBalancer Service가 Antrea의 ExternalIPPool에서 IP를 받지만"
            "(service.antrea.io/external-ip-pool) 풀 목록을 읽지 못해, 노드가 어떤 주소에 응답하고 "
            "어느 노드가 응답하는지 알 수 없습니다.",
        },
        f"{ID}.antrea-undecided": {
            "en": "Cannot decide for Antrea ExternalIPPool {name}: {why}.",
            "ko": "Antrea ExternalIPPool {name}에 대해 판단할 수 없음: {why}.",
        },
        f"{ID}.why.selector": {
            "en": "its node selector has an operator a LabelSelector does not have, so which "
            "nodes answer for its IPs is not known",
            "ko": "노드 셀렉터가 LabelSelector에 없는 연산자를 써서 어느 노드가 IP에 응답하는지 알 "
            "수 없습니다",
        },
        f"{ID}.why.vlan": {
            "en": "its IPs are on a VLAN (subnetInfo.vlan), which a Neutron port passes only "
            "through a trunk kostack does not model",
            "ko": "IP가 VLAN(subnetInfo.vlan)에 있는데, Neutron 포트는 kostack이 다루지 않는 "
            "트렁크로만 이를 통과시킵니다",
        },
        f"{ID}.what.kube-vip": {"en": "kube-vip address {name}", "ko": "kube-vip 주소 {name}"},
        f"{ID}.what.endpoint": {
            "en": "kubeadm's controlPlaneEndpoint {name} (no Neutron port's address: a control "
            "plane node must answer for it)",
            "ko": "kubeadm의 controlPlaneEndpoint {name}(어떤 Neutron 포트의 주소도 아니므로 컨트롤 "
            "플레인 노드가 응답해야 함)",
        },
        f"{ID}.used": {
            "en": "{n} in use by Services: {ips}",
            "ko": "Service가 사용 중인 주소 {n}개: {ips}",
        },
        f"{ID}.pool": {"en": "{what} ({cidrs}; {used})", "ko": "{what}({cidrs}; {used})"},
        f"{ID}.unused": {"en": "no Service uses it yet", "ko": "아직 사용하는 Service 없음"},
        f"{ID}.fail": {
            "en": "{what} is answered for by ARP/NDP from {nodes} ({n} {n:port/ports}), "
            "{n:whose port keeps/whose ports keep} anti-spoofing on with no allowed address pair "
            "covering it: Neutron drops the answers and the replies, so nothing reaches the "
            "address.",
            "ko": "{what}에 대한 ARP/NDP 응답을 {nodes}(포트 {n}개)에서 보내는데, "
            "해당 포트에는 anti-spoofing이 켜져 있고 이를 포함하는 Allowed Address Pair가 없습니다: "
            "Neutron이 응답과 회신을 차단해 그 주소에 아무것도 닿지 않습니다.",
        },
        f"{ID}.fail-bgp": {
            "en": "{what} is routed over BGP to {nodes} ({n} {n:port/ports}), "
            "{n:whose port keeps/whose ports keep} anti-spoofing on with no allowed address pair "
            "covering it: the nodes reply from the address and Neutron drops the replies, so no "
            "connection to it completes.",
            "ko": "{what:이/가} BGP로 {nodes}(포트 {n}개)에 라우팅되는데, 해당 포트에는 "
            "anti-spoofing이 켜져 있고 이를 포함하는 Allowed Address Pair가 없습니다: 노드는 그 "
            "주소에서 회신하고 Neutron이 그 회신을 차단하므로 그 주소로의 연결이 이루어지지 "
            "않습니다.",
        },
        f"{ID}.routed": {
            "en": "{what} is routed over BGP to {nodes}, whose servers have several ports that "
            "may carry the replies from it ({ports}); only some of them have a pair covering it. "
            "The replies leave by the port the node's routes to the client choose, which "
            "kostack does not read, so whether they pass is not known. Add the pair to each of "
            "these ports.",
            "ko": "{what:이/가} BGP로 {nodes}에 라우팅되는데, 그 서버에는 그 주소의 회신을 "
            "실을 수 있는 포트가 여럿({ports}) 있고 그중 일부에만 이를 포함하는 pair가 "
            "있습니다. 회신은 클라이언트로 가는 노드의 라우트가 고르는 포트로 나가는데 "
            "kostack은 라우트를 읽지 않으므로, 회신이 통과하는지 알 수 없습니다. 이 포트마다 "
            "pair를 추가하세요.",
        },
        f"{ID}.peers-unread": {
            "en": "MetalLB {n:pool/pools} {pools} {n:is/are} announced over BGP, but MetalLB's "
            "BGPPeers were not read: from which nodes, and so through which ports, is not known.",
            "ko": "MetalLB 풀 {n}개({pools})를 BGP로 알리지만 MetalLB의 BGPPeer를 읽지 못해, 어느 노드에서, "
            "따라서 어느 포트를 거쳐 알리는지 알 수 없습니다.",
        },
        f"{ID}.bgp-nowhere": {
            "en": "{what} ({cidrs}) is announced only by BGPAdvertisements, and no BGPPeer holds "
            "a session on a node they select ({peers}): MetalLB announces it to no router, so "
            "it reaches nodes only by a route kostack does not see (a static route), and which "
            "nodes' ports must let it out is not known.",
            "ko": "{what}({cidrs}) 대역은 BGPAdvertisement로만 알리는데, 그 광고가 고르는 노드에서 "
            "세션을 맺는 BGPPeer가 없습니다({peers}): MetalLB가 어떤 라우터에도 알리지 않으므로 "
            "kostack이 보지 못하는 경로(정적 라우트)로만 노드에 닿으며, 어느 노드의 포트가 "
            "이를 내보내야 하는지 알 수 없습니다.",
        },
        f"{ID}.no-peer": {"en": "no BGPPeer defined", "ko": "정의된 BGPPeer 없음"},
        f"{ID}.peer-list": {"en": "BGPPeers: {names}", "ko": "BGPPeer: {names}"},
        f"{ID}.reason": {
            "en": "let {node} answer for {what}",
            "ko": "{node:이/가} {what}에 응답할 수 있게 함",
        },
        f"{ID}.outside": {
            "en": "{what} ({cidrs}) lies outside the subnets of the nodes that announce it"
            "{bgp}: it reaches them only through routes kostack does not model (a BGP peer, a "
            "static route), so whether it works is not known.",
            "ko": "{what}({cidrs}) 대역은 이를 알리는 노드들의 서브넷 밖에 있습니다{bgp}: "
            "kostack이 다루지 않는 경로(BGP 피어, 정적 라우트)로만 노드에 닿으므로 동작 여부를 알 "
            "수 없습니다.",
        },
        f"{ID}.several": {
            "en": "{what} lies in the subnets of more than one port of the servers of {nodes} "
            "({ports}){interfaces}: which of them answers for it depends on the nodes' interface "
            "names, which kostack does not match to ports, so whether the answers pass is not "
            "known. Add the pair to the port that carries it.",
            "ko": "{what} 주소가 {nodes} 서버의 여러 포트의 서브넷({ports})에 걸쳐 있습니다"
            "{interfaces}: 그중 어느 포트가 응답하는지는 노드의 인터페이스 이름에 달려 있는데 "
            "kostack은 인터페이스 이름을 포트에 대응시키지 않으므로, 응답이 통과하는지 알 수 "
            "없습니다. 그 주소를 싣는 포트에 pair를 추가하세요.",
        },
        f"{ID}.interfaces": {
            "en": " (announced on interfaces {names})",
            "ko": "(인터페이스 {names}에서 알림)",
        },
        f"{ID}.bgp": {"en": " (announced over BGP)", "ko": "(BGP로 알림)"},
        f"{ID}.bgp-only": {
            "en": "{what} ({cidrs}) is announced only over BGP: it reaches the nodes through a "
            "router that learns its route, which kostack does not model (a Neutron router "
            "speaks no BGP), so whether it works is not known.",
            "ko": "{what}({cidrs}) 대역은 BGP로만 알립니다: 그 경로를 배우는 라우터를 거쳐야 노드에 "
            "닿는데 kostack은 이를 다루지 않으므로(Neutron 라우터는 BGP를 하지 않음) 동작 여부를 "
            "알 수 없습니다.",
        },
        f"{ID}.allocation": {
            "en": "{cidrs} ({what}) lie in the allocation pools of subnet {subnet} ({pools}): "
            "Neutron may give one of these addresses to a new port. Leave them out: {command}.",
            "ko": "{cidrs}({what}) 대역이 서브넷 {subnet}의 할당 풀({pools}) 안에 있습니다: Neutron이 "
            "이 주소 중 하나를 새 포트에 줄 수 있습니다. 할당 풀에서 빼세요: {command}.",
        },
        f"{ID}.unfiltered": {
            "en": "The ports of {nodes} may not be filtered by Neutron's firewall (SR-IOV, bare "
            "metal) and have no pair for the virtual IPs they announce: whether their answers "
            "pass is not known.",
            "ko": "{nodes}의 포트는 Neutron 방화벽이 거르지 않을 수 있는 포트(SR-IOV, 베어메탈)이며 "
            "알리는 가상 IP에 대한 pair가 없습니다: 응답이 통과하는지 알 수 없습니다.",
        },
        f"{ID}.unread": {
            "en": "MetalLB runs but its {part} were not read: which addresses it announces, and "
            "from which nodes, is not known.",
            "ko": "MetalLB가 실행 중이지만 {part:을/를} 읽지 못해, 어떤 주소를 어느 노드에서 "
            "알리는지 알 수 없습니다.",
        },
        f"{ID}.none": {
            "en": "No MetalLB pool, Antrea Service ExternalIPPool, Cilium LB IPAM pool in use "
            "(L2 announcement or BGP) or kube-vip ARP address is announced from the nodes.",
            "ko": "노드에서 알리는 MetalLB 풀, Antrea Service ExternalIPPool, 사용 중인 Cilium LB "
            "IPAM 풀(L2 announcement 또는 BGP), kube-vip ARP 주소가 없습니다.",
        },
        f"{ID}.pass": {
            "en": "The ports of the nodes announcing {n} virtual IP ranges let their answers out "
            "(an allowed address pair, or no anti-spoofing).",
            "ko": "가상 IP 대역 {n}개를 알리는 노드의 포트가 그 응답을 내보냅니다(Allowed Address "
            "Pair가 있거나 anti-spoofing이 꺼져 있음).",
        },
    }
)
