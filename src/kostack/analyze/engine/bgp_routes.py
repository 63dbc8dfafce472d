"""Routes to pods learned over BGP: Calico's node-to-node mesh (IPIP and unencapsulated
pools; BIRD programs them in Calico 3.31, Felix does for VXLAN pools) and kube-router's
iBGP mesh. With BGP on and its TCP port blocked between two nodes (or, under a stateless
group, its replies), neither has a route to the other's pods (engine/peering.py: the mesh
off, BGPPeers and route reflectors)."""

from __future__ import annotations

import re
from collections.abc import Callable

from kostack.analyze.engine.encap import KUBE_ROUTER
from kostack.analyze.engine.types import Disposition, Evidence, Hop
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import NodeView, Topology
from kostack.model.snapshot import CalicoIPPool, IPAddress, KubeRouter

register(
    {
        "hop.bgp-blocked": {
            "en": "{cni} learns the route to {block} over BGP, and security groups drop {tcp} "
            "between {src} and {dst} in both directions: no route",
            "ko": "{cni:은/는} {block:으로/로} 가는 경로를 BGP로 배우는데, 보안 그룹이 {src:과/와} {dst} 사이의 "
            "{tcp:을/를} 양방향 모두 차단하여 경로가 없습니다",
        },
        "hop.bgp-reply-blocked": {
            "en": "{cni} learns the route to {block} over BGP, and no {tcp} session between "
            "{src} and {dst} comes up either way, its replies being dropped: no route ({why})",
            "ko": "{cni:은/는} {block:으로/로} 가는 경로를 BGP로 배우는데, {src:과/와} {dst} 사이의 {tcp} "
            "세션은 응답이 차단되어 어느 쪽으로도 맺어지지 않으므로 경로가 없습니다 ({why})",
        },
        "hop.bgp-undecided": {
            "en": "{cni} learns the route to {block} over BGP, and whether {tcp} passes between "
            "{src} and {dst} cannot be decided: {why}",
            "ko": "{cni:은/는} {block:으로/로} 가는 경로를 BGP로 배우는데, {src:과/와} {dst} 사이에서 {tcp:이/가} "
            "통과하는지 판단할 수 없습니다: {why}",
        },
        "hop.bgp-peers": {
            "en": "Calico learns the route to {block} over BGP, and its node-to-node mesh is "
            "off: the sessions are with BGPPeers (route reflectors or routers), which were not "
            "collected; `calicoctl node status` on a node shows whether they are Established",
            "ko": "Calico는 {block:으로/로} 가는 경로를 BGP로 배우는데, 노드 간 메시가 꺼져 있어 세션은 "
            "수집되지 않은 BGPPeer(라우트 리플렉터나 라우터)와 맺습니다. 노드에서 "
            "`calicoctl node status`를 실행하면 세션이 Established인지 보입니다",
        },
        "hop.bgp-tcp-v6": {"en": "TCP {port} over IPv6", "ko": "IPv6 TCP {port}"},
        "hop.bgp-opens": {
            "en": "node {an} ({a}) opens {tcp} to node {bn} ({b}) (Calico's mesh: the greater "
            "address connects)",
            "ko": "노드 {an}({a})에서 노드 {bn}({b}) 쪽으로 {tcp} 연결을 엽니다 (Calico 메시: 주소 "
            "문자열이 큰 쪽이 연결함)",
        },
        "hop.bgp-one-way": {
            "en": "{cni} learns the route to {block} over BGP; {opens}, and the security "
            "groups drop that connection: no route",
            "ko": "{cni:은/는} {block:으로/로} 가는 경로를 BGP로 배웁니다. {opens}. 보안 그룹이 그 연결을 "
            "차단하여 경로가 없습니다",
        },
        "hop.bgp-one-way-reply": {
            "en": "{cni} learns the route to {block} over BGP; {opens}, and its replies are "
            "dropped: no route ({why})",
            "ko": "{cni:은/는} {block:으로/로} 가는 경로를 BGP로 배웁니다. {opens}. 그 응답이 차단되어 "
            "경로가 없습니다 ({why})",
        },
        "hop.bgp-one-way-undecided": {
            "en": "{cni} learns the route to {block} over BGP; {opens}, and whether it passes "
            "cannot be decided: {why}",
            "ko": "{cni:은/는} {block:으로/로} 가는 경로를 BGP로 배웁니다. {opens}. 그 연결이 통과하는지 "
            "판단할 수 없습니다: {why}",
        },
        "hop.bgp-version": {
            "en": "Calico learns the route to {block} over BGP, and {tcp} passes from {via} only; "
            "since Calico {release} {opens}, so whether the session comes up depends on "
            "Calico's version, which was not collected",
            "ko": "Calico는 {block:으로/로} 가는 경로를 BGP로 배우는데, {tcp:은/는} {via} 방향으로만 "
            "통과합니다. Calico {release}부터는 {opens}. 따라서 세션이 맺어지는지는 수집되지 않은 Calico "
            "버전에 달려 있습니다",
        },
        "hop.kube-router-peers": {
            "en": "kube-router learns the route to {block} over BGP, and its node-to-node mesh "
            "is off ({flag}): the sessions are with the peers the nodes' kube-router.io "
            "annotations or --peer-router-ips name, which kostack does not read; `gobgp "
            "neighbor` in a kube-router pod shows whether they are Established",
            "ko": "kube-router는 {block:으로/로} 가는 경로를 BGP로 배우는데, 노드 간 메시가 꺼져 "
            "있어({flag}) 세션은 노드의 kube-router.io 어노테이션이나 --peer-router-ips가 정하는 "
            "피어와 맺으며 kostack은 이를 읽지 않습니다. kube-router Pod에서 `gobgp neighbor`를 "
            "실행하면 세션이 Established인지 보입니다",
        },
        "hop.bgp-ok": {
            "en": "route to {block} learned over BGP ({how})",
            "ko": "{block:으로/로} 가는 경로를 BGP로 배움 ({how})",
        },
    }
)


def bgp_dependent(topo: Topology, pool: CalicoIPPool | None) -> bool:
    """Routes to this pool's pods come from BGP over the node-to-node mesh."""
    return _bgp_routed(topo, pool) is True


def peers_routed(topo: Topology, pool: CalicoIPPool | None) -> bool:
    """Routes to this pool's pods come from BGP over BGPPeers (the mesh off: engine/peering.py)."""
    return _bgp_routed(topo, pool) is None


def bgp_families(topo: Topology) -> set[int]:
    """The families whose pod routes come from BGP over the node-to-node mesh: Calico's
    BGP-routed pools', kube-router's enabled families while it routes over its mesh."""
    kr = kube_router(topo)
    if kr is not None:
        if _kube_router_routed(kr) is not True:
            return set()
        return {v for v, on in ((4, kr.enable_ipv4), (6, kr.enable_ipv6)) if on}
    return {p.cidr.version for p in topo.calico_pools if bgp_dependent(topo, p)}


def kube_router(topo: Topology) -> KubeRouter | None:
    """kube-router's settings when it is the CNI."""
    cl = topo.snapshot.cluster
    return cl.cni.kube_router if cl is not None and cl.cni.type == "kube-router" else None


def bgp_port(topo: Topology) -> int:
    """The TCP port of the CNI's BGP sessions: kube-router's --bgp-port, else 179 (BIRD)."""
    kr = kube_router(topo)
    return kr.bgp_port if kr is not None and kr.bgp_port else 179


def kube_router_mesh(kr: KubeRouter) -> bool | None:
    """Whether kube-router peers every node with every other (--nodes-full-mesh and
    --enable-ibgp, both on by default); None when either was not read."""
    if kr.nodes_full_mesh is False or kr.enable_ibgp is False:
        return False
    if kr.nodes_full_mesh is None or kr.enable_ibgp is None:
        return None
    return True


def mesh_off_flag(kr: KubeRouter) -> str:
    """The flag that turned kube-router's mesh off (kube_router_mesh False), as passed."""
    return "--enable-ibgp=false" if kr.enable_ibgp is False else "--nodes-full-mesh=false"


def _kube_router_routed(kr: KubeRouter) -> bool | None:
    """kube-router with --run-router learns every node's pod route over iBGP: from every
    other node (its mesh) or, with the mesh off, from peers kostack does not read (None).
    False: it does not route pods; None also when not read."""
    if not kr.run_router:
        return None if kr.run_router is None else False
    return True if kube_router_mesh(kr) else None


def _bgp_routed(topo: Topology, pool: CalicoIPPool | None) -> bool | None:
    """Routes to this pool's pods come from BGP: Calico on BGP, an IPIP or unencapsulated
    pool; None when over BGPPeers only (BGPConfiguration `nodeToNodeMeshEnabled: false`:
    route reflectors or routers, which kostack does not read).

    BIRD programs cluster routes for unencapsulated pools, and for IPIP pools
    unless FelixConfiguration `programClusterRoutes: Enabled` hands them to
    Felix (Calico 3.31; confd/pkg/backends/calico/bgp_processor.go); Felix
    programs them for VXLAN pools, so those never depend on BGP.
    """
    cl = topo.snapshot.cluster
    calico = cl.cni.calico if cl is not None and cl.cni.type == "calico" else None
    if calico is None or pool is None or pool.vxlan_mode != "Never":
        return False
    if pool.ipip_mode != "Never" and calico.program_cluster_routes:
        return False
    bgp = calico.bgp if calico.bgp is not None else topo.world.bgp
    return bool(bgp) and (None if calico.node_to_node_mesh is False else True)


# the Calico release from which the mesh of each family is one-way (docs/facts.md)
ONE_WAY_FROM = {4: (3, 4), 6: (3, 6)}

# (src, dst, family) -> the first non-passing hop of a TCP 179 session src -> dst between
# the nodes' addresses of that family, or None
SessionJudge = Callable[[NodeView, NodeView, int], Hop | None]


def mesh_one_way(topo: Topology, version: int) -> bool | None:
    """Whether Calico's mesh sessions of ``version`` are opened by one side only, the node whose
    address string is the greater (docs/facts.md "Which node opens a mesh session"): True from
    Calico v3.4 (IPv6: v3.6, before which BIRD6 compared against the node's IPv4 address),
    False before v3.4, None when the version is not known. False for kube-router, whose GoBGP
    peers are all active (pkg/controllers/routing/bgp_peers.go sets no passive mode): either
    node may open the session."""
    cl = topo.snapshot.cluster
    if cl is not None and cl.cni.type == "kube-router":
        return False
    found = re.match(r"v?(\d+)\.(\d+)", (cl.cni.version or "") if cl is not None else "")
    if found is None:
        return None
    release = (int(found[1]), int(found[2]))
    return True if release >= ONE_WAY_FROM[version] else False if release < (3, 4) else None


def opener(src: NodeView, dst: NodeView, version: int) -> bool:
    """Whether ``src`` opens the mesh session to ``dst``: Go's ``gt`` on the address strings
    (calico confd bird.cfg.template: ``{{if gt $onode_ip $node_ip}} passive on``)."""
    return str(src.ip_of(version)) > str(dst.ip_of(version))


def bgp_route(
    topo: Topology, src: NodeView, dst: NodeView, dst_ip: IPAddress, judge: SessionJudge
) -> Hop | None:
    """The BGP route hop for pod traffic src -> a pod ``dst_ip`` on dst (None: not BGP-routed).

    A BGP session needs one TCP 179 connection: in Calico's mesh (v3.4 on) the node with the
    greater address string opens it, before either side could; under a stateless group its
    replies too (``judge``: path.py `session_judge`). Routes to IPv6 pods come over BIRD6's
    sessions, between the nodes' IPv6 addresses (docs/facts.md, "BGP over IPv6").
    """
    where = Msg("where.route", node=src.name)
    v = dst_ip.version
    block = next((b for b in dst.blocks if b.version == v and dst_ip in b), dst_ip)
    basis = _basis(topo, dst_ip, block)
    if basis is None:
        return None
    routed, ev, cni, peers = basis
    if routed is None:
        detail, mesh = peers
        return Hop("bgp-route", where, Disposition.UNKNOWN, detail, (*ev, mesh), cause="gap")
    there, back = judge(src, dst, v), judge(dst, src, v)
    # BIRD6's sessions run between the nodes' IPv6 addresses: say so (rules of ethertype IPv6)
    port = bgp_port(topo)
    tcp = f"TCP {port}" if v == 4 else Msg("hop.bgp-tcp-v6", port=port)
    names = dict(block=block, src=src.name, dst=dst.name, tcp=tcp, cni=cni)
    one_way = mesh_one_way(topo, v)
    if one_way is not False and src.ip_of(v) is not None and dst.ip_of(v) is not None:
        a, b = (src, dst) if opener(src, dst, v) else (dst, src)
        opens = Msg("hop.bgp-opens", a=a.ip_of(v), an=a.name, b=b.ip_of(v), bn=b.name, tcp=tcp)
        first = there if a is src else back
        if one_way:
            return _one_way(where, block, ev, opens, first, cni)
        if first is not None and (there is None or back is None):  # only the passive side's
            via = f"{src.name} -> {dst.name}" if there is None else f"{dst.name} -> {src.name}"
            release = "v{}.{}".format(*ONE_WAY_FROM[v])
            detail = Msg("hop.bgp-version", **names, via=via, release=release, opens=opens)
            return Hop("bgp-route", where, Disposition.UNKNOWN, detail, ev, cause="gap")
    if there is None or back is None:
        how = f"{src.name} -> {dst.name}" if there is None else f"{dst.name} -> {src.name}"
        return Hop(
            "bgp-route", where, Disposition.ACCEPTED, Msg("hop.bgp-ok", block=block, how=how), ev
        )
    undecided = next((h for h in (there, back) if h.disposition == Disposition.UNKNOWN), None)
    if undecided is not None:
        detail = Msg("hop.bgp-undecided", **names, why=undecided.detail)
        return Hop("bgp-route", where, Disposition.UNKNOWN, detail, ev, cause=undecided.cause)
    evidence = (*ev, *there.evidence, *back.evidence)
    reply = next((h for h in (there, back) if h.direction == "reply"), None)
    if reply is not None:  # a stateless group drops a session's replies (engine/stateless.py)
        detail = Msg("hop.bgp-reply-blocked", **names, why=reply.detail)
        evidence = tuple(dict.fromkeys(evidence))
        return Hop("bgp-route", where, Disposition.NO_ROUTE, detail, evidence, cause=reply.cause)
    detail = Msg("hop.bgp-blocked", **names)
    return Hop("bgp-route", where, Disposition.NO_ROUTE, detail, evidence, cause="bgp-blocked")


def _basis(
    topo: Topology, dst_ip: IPAddress, block: object
) -> tuple[bool | None, tuple[Evidence, ...], str, tuple[str, Evidence]] | None:
    """Whether the route to ``dst_ip`` comes from BGP (None: not BGP-routed; else routed:
    True over the mesh, None over peers kostack does not read), the evidence, the CNI's
    name, and what to say of the peers (detail, evidence)."""
    kr = kube_router(topo)
    if kr is not None:
        routed = _kube_router_routed(kr)
        if routed is False or kr.run_router is None:
            return None  # not routing pods, or not read (the encapsulation hop says so)
        ev = (Evidence("daemonset", KUBE_ROUTER, "--run-router", "true"),)
        if kube_router_mesh(kr) is None:  # a mesh flag kostack could not read
            unread = Evidence("daemonset", KUBE_ROUTER, "--nodes-full-mesh/--enable-ibgp", "?")
            return None, ev, "kube-router", (Msg("hop.no-kube-router"), unread)
        flag = mesh_off_flag(kr)
        name, _, value = flag[2:].partition("=")
        peers = (
            Msg("hop.kube-router-peers", block=block, flag=flag),
            Evidence("daemonset", KUBE_ROUTER, f"--{name}", value),
        )
        return routed, ev, "kube-router", peers
    pool = topo.pool_for(dst_ip)
    routed = _bgp_routed(topo, pool)
    if routed is False or pool is None:
        return None
    ev = (
        Evidence("ippool", pool.name, "ipipMode/vxlanMode", f"{pool.ipip_mode}/{pool.vxlan_mode}"),
    )
    mesh = Evidence("bgpconfiguration", "default", "nodeToNodeMeshEnabled", "false")
    return routed, ev, "Calico", (Msg("hop.bgp-peers", block=block), mesh)


def _one_way(
    where: str,
    block: object,
    ev: tuple[Evidence, ...],
    opens: str,
    hop: Hop | None,
    cni: str,
) -> Hop:
    """The route hop of a one-way mesh session: ``hop`` judges its opener's connection."""
    if hop is None:
        detail = Msg("hop.bgp-ok", block=block, how=opens)
        return Hop("bgp-route", where, Disposition.ACCEPTED, detail, ev)
    if hop.disposition == Disposition.UNKNOWN:
        detail = Msg("hop.bgp-one-way-undecided", block=block, opens=opens, why=hop.detail, cni=cni)
        return Hop("bgp-route", where, Disposition.UNKNOWN, detail, ev, cause=hop.cause)
    evidence = (*ev, *hop.evidence)
    if hop.direction == "reply":
        detail = Msg("hop.bgp-one-way-reply", block=block, opens=opens, why=hop.detail, cni=cni)
        return Hop("bgp-route", where, Disposition.NO_ROUTE, detail, evidence, cause=hop.cause)
    detail = Msg("hop.bgp-one-way", block=block, opens=opens, cni=cni)
    return Hop("bgp-route", where, Disposition.NO_ROUTE, detail, evidence, cause="bgp-blocked")
