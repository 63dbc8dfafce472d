"""net-pod-src-antispoof: pod-sourced packets pass Neutron anti-spoofing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Final

from kostack.analyze.checks._facts import cidrs_label, nodes_label
from kostack.analyze.checks._pools import node_pairs, on_node
from kostack.analyze.checks.base import (
    CheckContext,
    Kind,
    Role,
    Says,
    view_ports,
    when_collected,
    when_pod_addresses,
)
from kostack.analyze.checks.neutron_port_security_disabled import no_port_finding
from kostack.analyze.engine.antispoof import antispoof, outcome, pod_mac
from kostack.analyze.engine.calico_moved import CAUSE as MOVED
from kostack.analyze.engine.calico_moved import calico_view, moved
from kostack.analyze.engine.cni import host_excluded, masquerade
from kostack.analyze.engine.family_keys import route_key
from kostack.analyze.engine.family_records import End
from kostack.analyze.engine.types import Disposition, Hop
from kostack.analyze.findings import PAIR_OP, Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.prefixes import net_within
from kostack.analyze.topology import NodeView
from kostack.model.snapshot import IPAddress, IPNetwork

ID = "net-pod-src-antispoof"
TITLE = "Node ports let pod-sourced packets through Neutron anti-spoofing"
SEVERITY = Severity.CRITICAL
SAY = Says(ID, SEVERITY)
NEEDS = ("openstack.ports", "cluster.nodes", "cluster.cni", "node_ports")
REMEDIES: frozenset[str] = frozenset({PAIR_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "antispoof": Kind.ROOT | Kind.PORT | Kind.ADDRESS | Kind.POD_TRAFFIC | Kind.SOME_NODES
}
ROLE: Final = Role.READS_ADDRESSES
CAUSE = "antispoof"

register(
    {
        f"{ID}.why-p2p": {
            "en": "pod -> pod to {dst}: {how}",
            "ko": "{dst:으로/로} 가는 Pod -> Pod 트래픽: {how}",
        },
        f"{ID}.how-native": {
            "en": "sent natively ({subnets})",
            "ko": "캡슐화 없이 보냄 ({subnets})",
        },
        f"{ID}.how-routed": {
            "en": "sent natively through the router's extra routes ({why})",
            "ko": "라우터의 추가 경로를 통해 캡슐화 없이 보냄 ({why})",
        },
        f"{ID}.node": {
            "en": "{node} ({ip}): pods in {blocks}; fixed_ips [{fixed}], allowed_address_pairs [{pairs}]",
            "ko": "{node}({ip}): Pod 대역 {blocks}; fixed_ips [{fixed}], allowed_address_pairs [{pairs}]",
        },
        f"{ID}.no-blocks": {
            "en": "a block the snapshot does not name",
            "ko": "스냅샷에 없는 블록",
        },
        f"{ID}.why-reply": {
            "en": "replies from its pods to {dst} leave unencapsulated too",
            "ko": "{dst:으로/로} 가는 Pod 응답도 캡슐화 없이 나감",
        },
        f"{ID}.why-egress": {
            "en": "pod -> outside the cluster leaves with the pod source (no masquerade, natOutgoing off)",
            "ko": "클러스터 외부로 가는 Pod 트래픽이 Pod IP를 출발지로 나감 (마스커레이드 없음, natOutgoing 꺼짐)",
        },
        f"{ID}.why-host": {
            "en": "pod -> other nodes keeps the pod source (natOutgoingExclusions IPPoolsAndHostIPs)",
            "ko": "다른 노드로 가는 Pod 트래픽이 Pod 출발지를 유지함 (natOutgoingExclusions "
            "IPPoolsAndHostIPs)",
        },
        f"{ID}.pass-encap": {
            "en": "Pods on {nodes} never put their own source address on the wire (encapsulated or "
            "masqueraded), so anti-spoofing sees only node addresses.",
            "ko": "{nodes}의 Pod 트래픽은 캡슐화되거나 마스커레이드되어 Pod IP가 네트워크에 나가지 않으므로, "
            "포트 보안은 노드 주소만 봅니다.",
        },
        f"{ID}.fail": {
            "en": "Neutron anti-spoofing on the ports of {nodes} drops packets from their pods (source "
            "{src}) in {ranges}: they are neither the port's fixed IP nor inside an allowed address "
            "pair, and these packets leave the VM unencapsulated.",
            "ko": "{nodes}의 포트에서 Neutron anti-spoofing이 {ranges} 대역의 Pod에서 나온 패킷(출발지 "
            "{src})을 차단합니다: 이 주소는 포트의 고정 IP도 Allowed Address Pair에 속한 주소도 아니며, "
            "패킷은 캡슐화 없이 VM을 떠납니다.",
        },
        f"{ID}.fail-pod-mac": {
            "en": "Neutron anti-spoofing on the ports of {nodes} drops packets from their pods "
            "(source {src}) of Kube-OVN underlay Subnet {subnet}: they leave the VM with the pods' "
            "own addresses and MAC addresses, which no allowed address pair matches (a pair "
            "passes the port's MAC, or the one MAC it names). Kube-OVN's underlay needs port "
            "security off on these ports: `kostack fix plan --method disable-port-security` plans it.",
            "ko": "{nodes}의 포트에서 Neutron anti-spoofing이 Kube-OVN 언더레이 Subnet {subnet}의 Pod "
            "패킷(출발지 {src})을 차단합니다: 이 패킷은 Pod 자신의 주소와 MAC 주소로 VM을 떠나며, "
            "Allowed Address Pair는 포트의 MAC(또는 pair에 적힌 MAC 하나)만 통과시키므로 맞는 pair가 "
            "없습니다. Kube-OVN 언더레이는 이 포트들의 포트 보안을 꺼야 합니다. "
            "`kostack fix plan --method disable-port-security`가 이를 계획합니다.",
        },
        f"{ID}.fail-family": {
            "en": "{works} works, {family} pod traffic is dropped: no {family} allowed address pair "
            "for {ranges} on the ports of {nodes}. Neutron anti-spoofing checks each family on its "
            "own, so packets from their pods (source {src}) leave the VM unencapsulated and are "
            "dropped.",
            "ko": "{works:은/는} 정상이지만 {family} Pod 트래픽은 차단됩니다: {nodes}의 포트에 {ranges}에 대한 "
            "{family} Allowed Address Pair가 없습니다. Neutron anti-spoofing은 주소 체계마다 따로 "
            "검사하므로, 캡슐화 없이 VM을 떠나는 Pod 패킷(출발지 {src})이 차단됩니다.",
        },
        f"{ID}.family": {"en": "{family}: {message}", "ko": "{family}: {message}"},
        f"{ID}.reason": {
            "en": "pods on {node} send from addresses in {cidr}",
            "ko": "{node}의 Pod는 {cidr} 범위의 주소로 패킷을 보냄",
        },
        f"{ID}.pass": {
            "en": "Ports of {nodes} pass their pods' packets: {detail}.",
            "ko": "{nodes}의 포트가 Pod 패킷을 통과시킵니다: {detail}.",
        },
    }
)


def _pod_addresses(
    ctx: CheckContext, native: set[tuple[object, ...]], version: int | None = None
) -> dict[str, list[IPAddress]]:
    """Per node, the addresses of its pods to judge: its one pod's, or, with a pod per IP
    pool there (flows.py `pods_on`), those of the pools whose pods send unencapsulated
    (``native``: their route keys)."""
    pods = ctx.flows.calico_ends(ctx.flows.pods if version is None else ctx.flows.pods_of(version))
    ends: dict[str, list[End]] = {}
    for e in pods:
        ends.setdefault(e.name, []).append(e)
    out: dict[str, list[IPAddress]] = {}
    for name, found in ends.items():
        if len(found) > 1:
            found = [e for e in found if route_key(ctx.topo, e) in native] or found[:1]
        out[name] = [e.ip for e in found]
    return out


REASONS_KEPT = 12  # `_fail` shows the first 12 distinct reasons of the denied nodes


def native_sending(
    ctx: CheckContext, version: int | None = None
) -> tuple[dict[str, list[str]], dict[str, str], set[tuple[object, ...]]]:
    """Nodes whose pods put their own address (of ``version``; None: the primary family) on
    the wire, with the reasons (by node name), and nodes where that is undecided; and the
    route keys (subnet and pool) of the pods that send natively (with several pools on a
    node, the pools whose addresses are judged). Linear: one decision per pair of route
    classes."""
    topo = ctx.topo
    flows = ctx.flows
    given = flows.pods if version is None else flows.pods_of(version)
    pods = flows.calico_ends(given)  # their nodes as Calico's traffic between them sees them
    members: dict[tuple[object, ...], list[str]] = defaultdict(list)
    route_of = [(e, route_key(topo, e)) for e in pods]
    for e, key in route_of:
        members[key].append(e.name)
    why: dict[str, list[str]] = defaultdict(list)
    unknown: dict[str, str] = {}
    native: set[tuple[object, ...]] = set()
    decisions = flows.decisions if given is flows.pods else flows.decisions_of(pods)
    classes = flows.route_classes(pods)
    for s, t, decision in decisions:
        src_key = route_key(topo, s)
        src_names = members[src_key]
        if decision.hop.disposition == Disposition.UNKNOWN:
            for n in src_names:
                unknown.setdefault(n, decision.hop.detail)
            continue
        if decision.hop.disposition != Disposition.ACCEPTED or decision.encap is not None:
            continue
        # one decision stands for every target route class in the same relation (its peers:
        # engine/relations.py), named in one message; each node keeps its first reasons only
        peers = classes.peers(src_key, route_key(topo, t))
        native.add(src_key)
        native.update(peers)
        dst_names = [n for k in peers for n in members[k]]
        p2p = Msg(f"{ID}.why-p2p", dst=nodes_label(dst_names), how=_how(decision.hop.detail))
        reply = Msg(f"{ID}.why-reply", dst=nodes_label(src_names))
        for n in src_names:
            why[n].append(p2p)
        for n in dst_names:
            if len(why[n]) < REASONS_KEPT:
                why[n].append(reply)
    outside = flows.outside_of(pods[0].ip.version) if pods else flows.egress_target
    family = outside.version
    first_node = next((ip for ip in topo.node_by_ip if ip.version == family), None)
    keeps: dict[tuple[object, ...], tuple[bool, bool]] = {}
    why_egress, why_host = Msg(f"{ID}.why-egress"), Msg(f"{ID}.why-host")
    for e, key in route_of:  # masquerade depends on the pod's pool only
        if key not in keeps:
            masq = masquerade(topo, e.ip, outside)
            to_node = masquerade(topo, e.ip, first_node) if first_node is not None else None
            keeps[key] = (
                masq is not None and masq[0].passes and not masq[1],
                host_excluded(topo)
                and to_node is not None
                and to_node[0].passes
                and not to_node[1],
            )
        egress, host = keeps[key]
        if egress or host:
            native.add(key)
        if egress:
            why[e.name].append(why_egress)
        if host:
            why[e.name].append(why_host)
    return why, unknown, native


def _how(detail: str) -> str:
    """How a group of nodes sends natively, without one node's block and address."""
    params = detail.params if isinstance(detail, Msg) else {}
    if isinstance(detail, Msg) and detail.key == "hop.native-routed":
        return Msg(f"{ID}.how-routed", why=params.get("why", ""))
    return Msg(f"{ID}.how-native", subnets=params.get("subnets", ""))


def node_line(view: NodeView, ranges: str = "") -> str:
    """One node's own block (else ``ranges``, the cluster's), address and port fields (never a
    group's representative's)."""
    port = view.port
    return Msg(
        f"{ID}.node",
        node=view.name,
        ip=view.ip,
        blocks=", ".join(str(b) for b in view.blocks) or ranges or Msg(f"{ID}.no-blocks"),
        fixed=", ".join(str(f.ip_address) for f in port.fixed_ips) if port else "",
        pairs=", ".join(str(p.ip_address) for p in port.allowed_address_pairs) if port else "",
    )


@when_collected(ID, SEVERITY, NEEDS)
@when_pod_addresses(ID, SEVERITY)
def run(ctx: CheckContext) -> list[Finding]:
    """The primary family's findings, then the other family's on a dual-stack cluster (each
    family's pods have their own addresses, pairs and routes: one can break alone)."""
    versions = ctx.flows.versions
    out = _run_family(ctx, None, None)
    if len(versions) < 2:
        return out
    other = _run_family(ctx, versions[1], None)
    breaks = any(f.status == Status.FAIL for f in out)
    other_breaks = any(f.status == Status.FAIL for f in other)
    if breaks and not other_breaks:  # say which family works, and which one breaks
        out = _run_family(ctx, None, versions[1])
    elif other_breaks and not breaks:
        other = _run_family(ctx, versions[1], versions[0])
    return out + other


def _run_family(ctx: CheckContext, version: int | None, works: int | None) -> list[Finding]:
    """One finding per outcome group (no port, undecided, dropped, passing, encapsulated) for
    one family (None: the primary); ``works``: the other family, when it passes."""
    why, unknown, native = native_sending(ctx, version)
    pods = _pod_addresses(ctx, native, version)
    no_port: list[NodeView] = []
    undecided: list[tuple[NodeView, str]] = []
    denied: list[NodeView] = []
    passing: list[tuple[NodeView, str]] = []
    encapsulated: list[NodeView] = []
    shown: dict[str, IPAddress] = {}  # per denied node: its pod address dropped
    off = moved(ctx.topo)  # Calico's pod traffic leaves another interface than the port's
    for node in ctx.topo.node_views.values():
        if node.port is None:
            no_port.append(node)
            continue
        if node.name in off:
            undecided.append((node, off[node.name]))
            continue
        reasons = why.get(node.name)
        if not reasons:
            if node.name in unknown:
                undecided.append((node, unknown[node.name]))
            else:
                encapsulated.append(node)
            continue
        ips = pods.get(node.name)
        if not ips:
            continue
        hop = _judge(ctx, node, reasons, ips, denied, shown)
        if hop is None:
            continue
        if hop.disposition == Disposition.UNKNOWN:
            undecided.append((node, hop.detail))
        else:
            passing.append((node, hop.detail))
    out: list[Finding] = []
    if no_port and version is None:  # the primary family reports them once
        out.append(no_port_finding(SAY, no_port))
    if undecided:
        out.append(
            SAY.cluster(
                ctx,
                Status.UNKNOWN,
                _in(
                    version,
                    Msg(
                        "common.undecided",
                        what=names([v for v, _ in undecided]),
                        why=undecided[0][1],
                    ),
                ),
                (undecided[0][1],),
                cause=MOVED if undecided[0][0].name in off else "",
                nodes=tuple(v.name for v, _ in undecided),
                key=("undecided", *_fam(version), tuple(v.name for v, _ in undecided)),
            )
        )
    if denied:
        failed = _fail(ctx, denied, why, shown, version, works)
        # the nodes not judged: their pods may be dropped too (release_checks/scope.py)
        doubt = tuple(v.name for v in (*no_port, *(v for v, _ in undecided)))
        out.append(replace(failed, extra={**failed.extra, "undecided_nodes": doubt}))
    if passing:
        views = [v for v, _ in passing]
        message = Msg(f"{ID}.pass", nodes=names(views), detail=passing[0][1])
        out.append(_pass(ctx, views, _in(version, message), passing[0][1]))
    if encapsulated:
        message = Msg(f"{ID}.pass-encap", nodes=names(encapsulated))
        out.append(_pass(ctx, encapsulated, _in(version, message)))
    return out


def _judge(
    ctx: CheckContext,
    node: NodeView,
    reasons: list[str],
    ips: list[IPAddress],
    denied: list[NodeView],
    shown: dict[str, IPAddress],
) -> Hop | None:
    """The anti-spoofing hop of ``node``'s pod addresses on each port that sends them (the
    undecided one first); None when a port drops one (added to ``denied``, the address to
    ``shown``)."""
    hop = None
    for v in _sending_ports(ctx, node, reasons):
        assert v.port is not None  # a node's, or the one holding its Calico address
        # the hop's disposition, unbuilt; the first address dropped stands for the node
        dropped = next(
            (ip for ip in ips if outcome(ctx.topo, v.port, ip) == Disposition.DENIED), None
        )
        if dropped is not None:
            denied.append(v)
            shown[v.name] = dropped
            continue
        hops = [antispoof(ctx.topo, v.port, ip, v.port_label(), "forward") for ip in ips]
        found = next((h for h in hops if h.disposition == Disposition.UNKNOWN), hops[0])
        hop = found if hop is None or found.disposition == Disposition.UNKNOWN else hop
    return None if node.name in shown else hop


def _sending_ports(ctx: CheckContext, node: NodeView, reasons: list[str]) -> list[NodeView]:
    """The views of ``node`` whose ports see its pods' own addresses: pod to pod between nodes
    (and the replies) leave by the port Calico's traffic takes (engine/calico_moved.py), the
    rest (egress, host-network endpoints) by the InternalIP's; each port once."""
    calico = calico_view(ctx.topo, node)
    if calico is node:
        return [node]
    return [v for v in (calico, node) if _on_port(ctx, v, reasons)]


def _on_port(ctx: CheckContext, view: NodeView, reasons: list[str]) -> list[str]:
    """The ``reasons`` whose packets leave by ``view``'s port: between nodes by the port
    Calico's traffic takes, the others by the InternalIP's."""
    calico = calico_view(ctx.topo, view)
    if calico is ctx.topo.node_views.get(view.name):
        return reasons  # Calico uses the InternalIP: one port
    between = view is calico
    return [r for r in reasons if (getattr(r, "key", "") in _BETWEEN) == between]


_BETWEEN = frozenset({f"{ID}.why-p2p", f"{ID}.why-reply"})


def _pass(ctx: CheckContext, views: list[NodeView], message: str, *evidence: str) -> Finding:
    """The nodes whose ports pass their pods' packets, or never see a pod's own address."""
    return SAY.cluster(
        ctx,
        Status.PASS,
        message,
        evidence,
        affected=view_ports(ctx, views),
        nodes=tuple(v.name for v in views),
    )


def names(views: list[NodeView]) -> str:
    return nodes_label(list(dict.fromkeys(v.name for v in views)))


def _fam(version: int | None) -> tuple[str, ...]:
    return () if version is None else (f"IPv{version}",)


def _in(version: int | None, message: str) -> str:
    """A finding of the second family says which family it is about."""
    return (
        message if version is None else Msg(f"{ID}.family", family=f"IPv{version}", message=message)
    )


def _fail(
    ctx: CheckContext,
    denied: list[NodeView],
    why: dict[str, list[str]],
    pods: dict[str, IPAddress],
    version: int | None = None,
    works: int | None = None,
) -> Finding:
    """The drop, with a pair per pod range of the family that breaks (both families' ranges
    are fixed by their own findings). ``works``: the other family, which passes."""
    first = denied[0]
    family = pods[first.name].version
    targets = tuple(c for c in ctx.topo.pod_cidrs if c.version == family)
    own = tuple(b for b in first.blocks if b.version == family)
    # with several pools, a pool's range a port's pairs already cover needs no new pair
    several = family in ctx.flows.multi_pool_versions

    def wanted(v: NodeView) -> list[IPNetwork]:
        assert v.port is not None
        pairs = v.port.allowed_address_pairs
        return [
            cidr
            for cidr in (targets or tuple(b for b in v.blocks if b.version == family))
            if not several or not any(net_within(cidr, p.ip_address) for p in pairs)
        ]

    def reason(v: NodeView, cidrs: str) -> str:
        return Msg(f"{ID}.reason", node=v.name, cidr=cidrs)

    remedies = node_pairs(ctx.topo, denied, wanted, reason, CAUSE)
    assert first.port is not None
    reasons = list(dict.fromkeys(r for v in denied for r in _on_port(ctx, v, why[v.name])))
    if several:  # the pools' ranges the first port's pairs do not cover
        pairs = first.port.allowed_address_pairs
        targets = tuple(c for c in targets if not any(net_within(c, p.ip_address) for p in pairs))
    shown = [str(c) for c in targets if on_node(ctx.topo, first, c)] or [str(b) for b in own]
    ranges = cidrs_label(shown)
    message: str = Msg(f"{ID}.fail", nodes=names(denied), src=pods[first.name], ranges=ranges)
    if works is not None:
        message = Msg(
            f"{ID}.fail-family",
            works=f"IPv{works}",
            family=f"IPv{family}",
            ranges=ranges,
            nodes=names(denied),
            src=pods[first.name],
        )
    elif version is not None:
        message = _in(version, message)
    # Kube-OVN's pods take addresses from its Subnets on any node: those are their range
    cl = ctx.topo.snapshot.cluster
    subnets = ranges if cl is not None and cl.cni.type == "kube-ovn" else ""
    underlay = pod_mac(ctx.topo, pods[first.name])
    if underlay is not None:
        # no pair passes the pods' own MACs: only port security off does, which the root
        # cause's alternative (--method disable-port-security, acknowledged) plans
        remedies = ()
        message = Msg(
            f"{ID}.fail-pod-mac", nodes=names(denied), src=pods[first.name], subnet=underlay
        )
    return SAY.cluster(
        ctx,
        Status.FAIL,
        message,
        (*(node_line(v, subnets) for v in denied[:8]), *reasons[:6]),
        remedies,
        flows=tuple(reasons[:12]),
        cause=CAUSE,
        affected=view_ports(ctx, denied),
        nodes=tuple(v.name for v in denied),
        key=("denied", *_fam(version), tuple(v.name for v in denied)),
    )
