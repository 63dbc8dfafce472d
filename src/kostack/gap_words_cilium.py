"""What a gap says about Cilium's LoadBalancer pieces (LB IPAM's pools), in English and Korean
(kostack.gap_words)."""

from __future__ import annotations

from kostack.catalog import register

register(
    {
        "gap.cilium.pool-unparsed": {
            "en": "CiliumLoadBalancerIPPool {pool}: {field} does not parse ({value}); the other "
            "pools were read, and a Service of type LoadBalancer only this pool could serve is "
            "undecided",
            "ko": "CiliumLoadBalancerIPPool {pool}: {field:을/를} 해석할 수 없습니다({value}). 다른 "
            "풀은 읽었고, 이 풀만 주소를 줄 수 있는 LoadBalancer 타입 Service는 판단하지 "
            "않습니다",
        },
        "gap.hint.cilium-announcers": {
            "en": "{command} shows what announces Cilium LB IPAM's addresses (L2 announcement "
            "policies, BGP advertisements or peering policies); kostack needs to list them to "
            "tell whether an address is announced, and from which nodes",
            "ko": "{command:으로/로} Cilium LB IPAM 주소를 알리는 객체(L2 announcement 정책, BGP "
            "advertisement 또는 peering 정책)를 볼 수 있습니다. 주소를 알리는지, 어느 노드에서 "
            "알리는지 판단하려면 kostack이 이 목록을 읽을 수 있어야 합니다",
        },
        "gap.hint.cilium-bgp": {
            "en": "{command} shows which nodes Cilium's BGP control plane runs on and what each "
            "peer advertises (CiliumBGPClusterConfigs, CiliumBGPPeerConfigs); kostack needs to "
            "list them to tell from which nodes a LoadBalancer address is announced",
            "ko": "{command:으로/로} Cilium BGP 컨트롤 플레인이 어느 노드에서 실행되고 각 피어에 "
            "무엇을 알리는지(CiliumBGPClusterConfig, CiliumBGPPeerConfig) 볼 수 있습니다. "
            "LoadBalancer 주소를 어느 노드에서 알리는지 판단하려면 kostack이 이 목록을 읽을 수 "
            "있어야 합니다",
        },
        "gap.hint.cilium-pool": {
            "en": "{command} shows the pool as the API server holds it",
            "ko": "{command:으로/로} API 서버에 있는 그대로의 풀을 볼 수 있습니다",
        },
    }
)
