"""net-calico-host-nat: with natOutgoingExclusions IPPoolsAndHostIPs, node ports pass pod sources.

Calico 3.31's FelixConfiguration `natOutgoingExclusions: IPPoolsAndHostIPs`
excludes the cluster's hosts from natOutgoing: pod traffic to another node
(the API server, a hostNetwork pod, kubelet) leaves with the pod source IP,
so every node port needs allowed pairs for its pods even where pod-to-pod
traffic is encapsulated (calico felix/rules/nat.go: the NAT rule gains
NotDestIPSet(all-hosts-net)).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from kostack.analyze.checks._facts import nodes_label
from kostack.analyze.checks._pools import node_pairs
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
from kostack.analyze.engine.antispoof import outcome
from kostack.analyze.engine.cni import host_excluded
from kostack.analyze.engine.types import Disposition
from kostack.analyze.findings import PAIR_OP, Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import NodeView
from kostack.model.snapshot import IPAddress, IPNetwork

ID = "net-calico-host-nat"
TITLE = "Node ports pass pod sources when Calico does not masquerade traffic to other hosts"
SEVERITY = Severity.CRITICAL
SAY = Says(ID, SEVERITY)
NEEDS = ("openstack.ports", "cluster.nodes", "cluster.cni", "node_ports")
REMEDIES: frozenset[str] = frozenset({PAIR_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "antispoof": Kind.ROOT | Kind.PORT | Kind.ADDRESS | Kind.POD_TRAFFIC | Kind.SOME_NODES
}
ROLE: Final = Role.READS_ADDRESSES

register(
    {
        f"{ID}.na-cni": {
            "en": "The CNI is not Calico: natOutgoingExclusions does not apply.",
            "ko": "CNI가 Calico가 아니므로 natOutgoingExclusions가 적용되지 않습니다.",
        },
        f"{ID}.unknown-settings": {
            "en": "Cannot decide: Calico's IP pools and FelixConfiguration were not collected.",
            "ko": "판단할 수 없음: Calico IP 풀과 FelixConfiguration을 수집하지 못했습니다.",
        },
        f"{ID}.na-nat": {
            "en": "No Calico IP pool masquerades (natOutgoing off): pod sources already leave every "
            "node as they are, which net-pod-src-antispoof judges.",
            "ko": "natOutgoing이 켜진 Calico IP 풀이 없어 Pod 출발지는 이미 그대로 노드를 떠나며, 이는 "
            "net-pod-src-antispoof 점검이 판단합니다.",
        },
        f"{ID}.na-pools-only": {
            "en": "natOutgoingExclusions is IPPoolsOnly: pod traffic to other hosts is masqueraded to "
            "the node address.",
            "ko": "natOutgoingExclusions가 IPPoolsOnly라 다른 호스트로 가는 Pod 트래픽은 노드 주소로 "
            "마스커레이드됩니다.",
        },
        f"{ID}.fail": {
            "en": "natOutgoingExclusions is IPPoolsAndHostIPs, so pods on {nodes} reach other nodes "
            "(the API server, kubelet, hostNetwork pods) with their own source address, and those "
            "ports have no allowed pair for it: Neutron anti-spoofing drops that traffic.",
            "ko": "natOutgoingExclusions가 IPPoolsAndHostIPs라 {nodes}의 Pod는 다른 노드(API 서버, "
            "kubelet, hostNetwork Pod)로 자기 출발지 주소를 그대로 쓰는데, 해당 포트에 이를 허용하는 "
            "Allowed Address Pair가 없어 Neutron anti-spoofing이 차단합니다.",
        },
        f"{ID}.family": {"en": "{family}: {message}", "ko": "{family}: {message}"},
        f"{ID}.reason": {
            "en": "pods on {node} reach other hosts from addresses in {cidr}",
            "ko": "{node}의 Pod는 {cidr} 범위의 주소로 다른 호스트에 접속함",
        },
        f"{ID}.pass": {
            "en": "natOutgoingExclusions is IPPoolsAndHostIPs and the ports of all {n} nodes pass "
            "their pods' addresses.",
            "ko": "natOutgoingExclusions가 IPPoolsAndHostIPs이며, 노드 {n}대의 포트 모두 Pod 주소를 "
            "통과시킵니다.",
        },
    }
)


@SAY.only_for("calico", f"{ID}.na-cni")
@when_collected(ID, SEVERITY, NEEDS)
@when_pod_addresses(ID, SEVERITY)
def run(ctx: CheckContext) -> list[Finding]:
    cl = ctx.snapshot.cluster
    if cl is None or cl.cni.type != "calico":
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.na-cni"))]
    if cl.cni.calico is None:  # Calico, its settings not read: not "the CNI is not Calico"
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.unknown-settings"))]
    flows = ctx.flows
    # each family on its own: its pools' natOutgoing, its pods (one per node and pool)
    nats = [v for v in flows.versions if _masquerades(ctx, v)]
    if not nats:
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.na-nat"))]
    if not host_excluded(ctx.topo):
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.na-pools-only"))]
    out: list[Finding] = []
    no_port: dict[str, NodeView] = {}
    for version in nats:
        pods: dict[str, list[IPAddress]] = {}
        for e in flows.pods_of(version):
            pods.setdefault(e.name, []).append(e.ip)
        denied: list[NodeView] = []
        for view in ctx.topo.node_views.values():
            ips = pods.get(view.name)
            if not ips:
                continue
            if view.port is None:
                no_port.setdefault(view.name, view)
            elif any(outcome(ctx.topo, view.port, ip) == Disposition.DENIED for ip in ips):
                denied.append(view)
        if denied:
            primary = version == flows.versions[0]
            failed = _fail(ctx, denied, version, None if primary else version)
            out.append(failed)
    if no_port:
        # a node without a port is not judged: its pods may be dropped too (scope.py)
        doubt = {"undecided_nodes": tuple(no_port)}
        out = [replace(f, extra={**f.extra, **doubt}) for f in out]
        out.insert(0, no_port_finding(SAY, list(no_port.values())))
    return out or [SAY.cluster(ctx, Status.PASS, Msg(f"{ID}.pass", n=len(ctx.topo.node_views)))]


def _masquerades(ctx: CheckContext, version: int) -> bool:
    """Some enabled pool of this family has natOutgoing (the world's when not read)."""
    return any(
        (p.nat_outgoing if p.nat_outgoing is not None else ctx.topo.world.masquerade)
        for p in ctx.topo.calico_pools
        if not p.disabled and p.version == version
    )


def _fail(ctx: CheckContext, denied: list[NodeView], family: int, said: int | None) -> Finding:
    """The drop for one family's pod ranges (``said``: the family named, not the primary)."""
    targets = tuple(c for c in ctx.topo.pod_cidrs if c.version == family)

    def cidrs(v: NodeView) -> tuple[IPNetwork, ...]:
        return targets or tuple(b for b in v.blocks if b.version == family)

    def reason(v: NodeView, ranges: str) -> str:
        return Msg(f"{ID}.reason", node=v.name, cidr=ranges)

    message = Msg(f"{ID}.fail", nodes=nodes_label([v.name for v in denied]))
    if said is not None:
        message = Msg(f"{ID}.family", family=f"IPv{said}", message=message)
    return SAY.cluster(
        ctx,
        Status.FAIL,
        message,
        (
            "felixconfiguration default natOutgoingExclusions=IPPoolsAndHostIPs",
            *(
                f"port {v.port.id} ({v.name}) allowed_address_pairs="
                f"{[str(p.ip_address) for p in v.port.allowed_address_pairs]}"
                for v in denied[:8]
                if v.port is not None
            ),
        ),
        node_pairs(ctx.topo, denied, cidrs, reason, "antispoof"),
        cause="antispoof",
        affected=view_ports(ctx, denied),
        nodes=tuple(v.name for v in denied),
        key=("denied", *(() if said is None else (said,)), tuple(v.name for v in denied)),
    )
