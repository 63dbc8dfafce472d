"""What the route hop says of BGP sessions over BGPPeers and route reflectors (en, ko;
engine/peering.py)."""

from __future__ import annotations

from typing import Final

PEERING_MESSAGES: Final[dict[str, dict[str, str]]] = {
    "hop.rr-ok": {
        "en": "route to {block} learned over BGP through route reflector {rr}: {src} and "
        "{dst} both have a working session with it",
        "ko": "라우트 리플렉터 {rr:을/를} 거쳐 {block:으로/로} 가는 경로를 BGP로 배움: {src:과/와} "
        "{dst} 모두 그와의 세션이 정상입니다",
    },
    "hop.rr-direct": {
        "en": "route to {block} learned over BGP: {src} and {dst} have a working session "
        "(route reflector {rr})",
        "ko": "{block:으로/로} 가는 경로를 BGP로 배움: {src:과/와} {dst} 사이의 세션이 정상입니다 "
        "(라우트 리플렉터 {rr})",
    },
    "hop.rr-selector": {
        "en": "Calico learns the route to {block} over BGPPeers (its node-to-node mesh is "
        "off), and BGPPeer {peer}'s selector `{selector}` is not one kostack evaluates: "
        "which nodes peer is not known",
        "ko": "Calico는 {block:으로/로} 가는 경로를 BGPPeer로 배우는데(노드 간 메시 꺼짐), BGPPeer "
        "{peer}에 kostack이 평가하지 못하는 형식의 셀렉터가 있어 어떤 노드끼리 피어링하는지 알 수 "
        "없습니다: `{selector}`",
    },
    "hop.rr-many": {
        "en": "Calico learns the route to {block} over BGPPeers, and they give the nodes "
        "more BGP sessions than kostack judges one by one (over {most} a node on average): "
        "`calicoctl node status` on a node shows whether its sessions are Established",
        "ko": "Calico는 {block:으로/로} 가는 경로를 BGPPeer로 배우는데, BGPPeer가 노드에 주는 BGP "
        "세션이 kostack이 하나씩 판단하는 수(노드당 평균 {most}개)보다 많습니다. 노드에서 "
        "`calicoctl node status`를 실행하면 세션이 Established인지 보입니다",
    },
    "hop.rr-undecided": {
        "en": "Calico learns the route to {block} over BGPPeers, and whether the sessions "
        "of {src} and {dst} with route reflector {rr} come up cannot be decided: {why}",
        "ko": "Calico는 {block:으로/로} 가는 경로를 BGPPeer로 배우는데, {src:과/와} {dst}의 라우트 "
        "리플렉터 {rr} 세션이 맺어지는지 판단할 수 없습니다: {why}",
    },
    "hop.bgp-local-as": {
        "en": "BGPPeer {peer} has {node} speak AS {local} (localASNumber) to {far}, whose "
        "reverse session confd builds with {node}'s own AS ({own}): BIRD refuses an OPEN "
        "from another AS, so the session comes up only where {far}'s side is written by hand "
        "(reversePeering: Manual), which kostack does not read",
        "ko": "BGPPeer {peer:은/는} {node:이/가} {far:과/와}의 세션에서 "
        "localASNumber에 따라 AS {local} 번호를 쓰게 하지만, confd는 {far} 쪽 역방향 세션을 {node}의 원래 AS({own})로 만듭니다. BIRD는 "
        "다른 AS의 OPEN을 거부하므로, {far} 쪽을 직접 작성한 경우(reversePeering: Manual)에만 "
        "세션이 맺어지며 kostack은 그 설정을 읽지 않습니다",
    },
    "hop.rr-order": {
        "en": "the session {a} - {b} comes from a global BGPPeer: TCP 179 passes from {c} "
        "only, and from Calico v3.23 the node with the greater address ({d}) opens it",
        "ko": "전역 BGPPeer가 정한 세션({a} - {b}): TCP 179가 {c} 쪽에서만 통과하며, Calico "
        "v3.23부터는 주소가 큰 노드({d})가 연결을 엽니다",
    },
    "hop.rr-chain": {
        "en": "Calico learns the route to {block} over BGPPeers: {src} reaches route "
        "reflectors {a} and {dst} reaches {b}, and routes passed from reflector to "
        "reflector (different cluster IDs) are not judged; `calicoctl node status` on "
        "the reflectors shows their sessions",
        "ko": "Calico는 {block:으로/로} 가는 경로를 BGPPeer로 배웁니다. {src:은/는} 라우트 리플렉터 "
        "{a}, {dst:은/는} {b}에 닿는데, 리플렉터 사이(클러스터 ID가 다름)로 전달되는 경로는 판단하지 "
        "않습니다. 리플렉터에서 `calicoctl node status`를 실행하면 세션이 보입니다",
    },
    "hop.rr-external": {
        "en": "Calico learns the route to {block} over BGPPeers, and {node} peers with "
        "{ip} outside the cluster (a router or route reflector kostack cannot see): "
        "`calicoctl node status` on {node} shows whether the route comes that way",
        "ko": "Calico는 {block:으로/로} 가는 경로를 BGPPeer로 배우는데, {node:은/는} 클러스터 밖의 "
        "피어 {ip:과/와} 피어링합니다(kostack이 볼 수 없는 라우터나 라우트 리플렉터). {node}에서 "
        "`calicoctl node status`를 실행하면 경로가 그쪽으로 오는지 보입니다",
    },
    "hop.rr-others": {
        "en": "Calico learns the route to {block} over BGPPeers, and {node} peers with "
        "nodes that are not route reflectors: kostack judges sessions with route "
        "reflectors only",
        "ko": "Calico는 {block:으로/로} 가는 경로를 BGPPeer로 배우는데, {node:은/는} 라우트 "
        "리플렉터가 아닌 노드와 피어링합니다. kostack은 라우트 리플렉터와의 세션만 판단합니다",
    },
    "hop.rr-ebgp": {
        "en": "Calico learns the route to {block} over BGPPeers, and the session of {node} "
        "with {peer} is eBGP (AS {a} and AS {b}): a route reflector reflects the routes of "
        "its own AS only, and routes passed over eBGP are not judged; `calicoctl node "
        "status` on {node} shows its sessions",
        "ko": "Calico는 {block:으로/로} 가는 경로를 BGPPeer로 배우는데, {node:과/와} {peer} 사이의 "
        "세션은 eBGP입니다(AS {a}, AS {b}). 라우트 리플렉터는 자기 AS의 경로만 반사하며, eBGP로 "
        "전달되는 경로는 판단하지 않습니다. {node}에서 `calicoctl node status`를 실행하면 세션이 "
        "보입니다",
    },
    "hop.rr-no-peer": {
        "en": "Calico's node-to-node mesh is off and no BGPPeer gives node {node} a BGP "
        "session: no route to {block}",
        "ko": "Calico 노드 간 메시가 꺼져 있고 노드 {node}에 BGP 세션을 주는 BGPPeer가 없어 "
        "{block:으로/로} 가는 경로가 없습니다",
    },
    "hop.rr-blocked": {
        "en": "Calico learns the route to {block} over BGPPeers, and the security groups "
        "drop every BGP session of node {node} (with {peers}): no route",
        "ko": "Calico는 {block:으로/로} 가는 경로를 BGPPeer로 배우는데, 보안 그룹이 노드 {node}의 "
        "모든 BGP 세션({peers})을 차단하여 경로가 없습니다",
    },
    "hop.rr-apart": {
        "en": "Calico learns the route to {block} over BGPPeers: {src}'s working sessions "
        "reach route reflectors {a} only and {dst}'s reach {b} only, so no reflector "
        "passes the route between them: no route",
        "ko": "Calico는 {block:으로/로} 가는 경로를 BGPPeer로 배웁니다. {src}의 정상 세션은 라우트 "
        "리플렉터 {a}, {dst}의 정상 세션은 {b}에만 닿아 둘 사이에 경로를 전달하는 리플렉터가 "
        "없으므로 경로가 없습니다",
    },
}
