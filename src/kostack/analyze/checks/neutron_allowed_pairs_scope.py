"""neutron-allowed-pairs-scope: allowed address pairs cover each node's pods and no more than that.

A pair of 0.0.0.0/0, or one that covers the node subnet, turns anti-spoofing
effectively off for the port (the VM can send as any other VM in its
subnet): the same risk as port security off, same severity and cause key
(`antispoof-off`, see neutron-port-security-disabled).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Final

from kostack.analyze.checks._facts import nodes_label
from kostack.analyze.checks._pools import node_pairs
from kostack.analyze.checks.base import CheckContext, Kind, Role, Says, view_ports, when_collected
from kostack.analyze.checks.neutron_port_security_disabled import no_port_finding
from kostack.analyze.engine.vnic import maybe_unfiltered
from kostack.analyze.findings import PAIR_OP, Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.prefixes import net_within
from kostack.analyze.topology import NodeView
from kostack.model.snapshot import IPNetwork

ID = "neutron-allowed-pairs-scope"
TITLE = "Allowed address pairs on node ports cover the node's pod blocks and not the node subnet"
SEVERITY = Severity.MEDIUM
SAY = Says(ID, SEVERITY)
SEVERITY_NOTE = (
    "a `0.0.0.0/0` or node-subnet-wide pair turns anti-spoofing effectively off: medium, like "
    "port security off (one family, cause `antispoof-off`); an uncovered pod block drops pod "
    "traffic and joins the anti-spoofing root cause, whose severity is that of the outage."
)
NEEDS = ("openstack.ports", "cluster.nodes", "node_ports")
REMEDIES: frozenset[str] = frozenset({PAIR_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "antispoof": Kind.ROOT | Kind.PORT | Kind.ADDRESS | Kind.POD_TRAFFIC | Kind.SOME_NODES,
    "antispoof-off": Kind.WARNING | Kind.ADDRESS,
}
ROLE: Final = Role.READS_ADDRESSES

register(
    {
        f"{ID}.any": {
            "en": "Anti-spoofing is effectively off on the ports of {nodes}: allowed address pair "
            "{pair} admits any source address. Use the pod ranges instead.",
            "ko": "{nodes}의 포트에서 anti-spoofing이 사실상 꺼져 있습니다: Allowed Address Pair "
            "{pair:이/가} 모든 출발지 주소를 허용합니다. 대신 Pod 대역을 사용하세요.",
        },
        f"{ID}.subnet-wide": {
            "en": "Anti-spoofing is effectively off on the ports of {nodes}: allowed address pair "
            "{pair} covers the node subnet {subnet}, so each VM can send as any other VM in it. Use "
            "pod ranges that do not contain node addresses.",
            "ko": "{nodes}의 포트에서 anti-spoofing이 사실상 꺼져 있습니다: Allowed Address Pair "
            "{pair:이/가} 노드 서브넷 {subnet:을/를} 포함해, 각 VM이 같은 서브넷의 다른 VM인 척 패킷을 "
            "보낼 수 있습니다. 노드 주소를 포함하지 않는 Pod 대역을 사용하세요.",
        },
        f"{ID}.uncovered": {
            "en": "The allowed pairs on the ports of {nodes} do not cover their pod blocks (e.g. "
            "{node}: pairs [{pairs}], blocks {blocks}): packets from those pods are dropped.",
            "ko": "{nodes} 포트의 Allowed Address Pair가 Pod 블록을 포함하지 않아(예: {node}: pair "
            "[{pairs}], 블록 {blocks}) 해당 Pod의 패킷이 차단됩니다.",
        },
        f"{ID}.reason": {"en": "cover {node}'s pod blocks", "ko": "{node}의 Pod 블록 허용"},
        f"{ID}.none": {
            "en": "No node port has allowed address pairs (whether any are needed is "
            "net-pod-src-antispoof's finding).",
            "ko": "Allowed Address Pair가 있는 노드 포트가 없습니다 (필요 여부는 net-pod-src-antispoof 점검이 "
            "판단합니다).",
        },
        f"{ID}.pass": {
            "en": "Allowed pairs on {n} node ports cover their pod blocks, and none covers the node "
            "subnet.",
            "ko": "노드 포트 {n}개의 Allowed Address Pair가 각 노드의 Pod 블록을 포함하며, 노드 서브넷을 "
            "포함하는 것은 없습니다.",
        },
    }
)


def wide_pair(view: NodeView) -> tuple[str, IPNetwork] | None:
    """("any" | "subnet-wide", the pair) when a pair turns anti-spoofing effectively off."""
    if view.port is None:
        return None
    for p in view.port.allowed_address_pairs:
        if p.ip_address.prefixlen == 0:
            return "any", p.ip_address
    for p in view.port.allowed_address_pairs:
        if view.subnet is not None and net_within(view.subnet.cidr, p.ip_address):
            return "subnet-wide", p.ip_address
    return None


def uncovered_blocks(view: NodeView) -> list[IPNetwork]:
    """The node's pod blocks its pairs leave uncovered, per family: a block is judged only
    against pairs of its own family, and only when the port has a pair of that family
    (whether a family needs pairs at all is net-pod-src-antispoof's finding). A pair inside
    the node's subnet that overlaps none of its blocks says nothing about pods: it is a
    virtual or egress IP's (neutron-vip-pairs, neutron-egress-ip-pairs)."""
    assert view.port is not None
    pairs = [p.ip_address for p in view.port.allowed_address_pairs]
    subnet = view.subnet.cidr if view.subnet is not None else None
    families = {
        p.version
        for p in pairs
        if subnet is None
        or not net_within(p, subnet)
        or any(p.overlaps(b) for b in view.blocks if b.version == p.version)
    }
    return [
        b for b in view.blocks if b.version in families and not any(net_within(b, p) for p in pairs)
    ]


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    """Grouped by what is wrong: one finding per (kind, pair), one for uncovered blocks."""
    no_port: list[NodeView] = []
    wide: dict[tuple[str, str, str], list[NodeView]] = defaultdict(list)
    uncovered: list[NodeView] = []
    with_pairs = 0
    for view in ctx.topo.node_views.values():
        port = view.port
        if port is None:
            no_port.append(view)
            continue
        # no pairs, or no anti-spoofing (perhaps none at all: engine/vnic.py) to judge them by
        off = port.port_security_enabled is False or maybe_unfiltered(port, ctx.topo)
        if not port.allowed_address_pairs or off:
            continue
        with_pairs += 1
        found = wide_pair(view)
        if found is not None:
            subnet = str(view.subnet.cidr) if view.subnet is not None else ""
            wide[(found[0], str(found[1]), subnet)].append(view)
            continue
        if uncovered_blocks(view):
            uncovered.append(view)
    out: list[Finding] = []
    if no_port:
        out.append(no_port_finding(SAY, no_port))
    for (kind, pair, subnet), views in wide.items():
        out.append(
            SAY.cluster(
                ctx,
                Status.FAIL,
                Msg(
                    f"{ID}.{kind}",
                    nodes=nodes_label([v.name for v in views]),
                    pair=pair,
                    subnet=subnet,
                ),
                tuple(
                    f"port {v.port.id} allowed_address_pairs={[str(p.ip_address) for p in v.port.allowed_address_pairs]}"
                    for v in views[:8]
                    if v.port is not None
                ),
                cause="antispoof-off",
                affected=view_ports(ctx, views),
                nodes=tuple(v.name for v in views),
                key=(kind, pair, tuple(v.name for v in views)),
            )
        )
    if uncovered:
        failed = _uncovered(ctx, uncovered)
        # a node without a port is not judged: its pods may be dropped too (scope.py)
        doubt = tuple(v.name for v in no_port)
        out.append(replace(failed, extra={**failed.extra, "undecided_nodes": doubt}))
    if out:
        return out
    if with_pairs == 0:
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.none"))]
    return [SAY.cluster(ctx, Status.PASS, Msg(f"{ID}.pass", n=with_pairs))]


def _missing_pairs(ctx: CheckContext, view: NodeView) -> list[IPNetwork]:
    """The pod ranges (else blocks) of the families whose blocks the pairs leave uncovered,
    less those a pair already covers (a dual-stack port may lack only its IPv6 pair)."""
    assert view.port is not None
    pairs = [p.ip_address for p in view.port.allowed_address_pairs]
    families = {b.version for b in uncovered_blocks(view)}
    wanted = [c for c in ctx.topo.pod_cidrs if c.version in families] or [
        b for b in view.blocks if b.version in families
    ]
    return [c for c in wanted if not any(net_within(c, p) for p in pairs)]


def _uncovered(ctx: CheckContext, views: list[NodeView]) -> Finding:
    first = views[0]
    assert first.port is not None
    pairs = [str(p.ip_address) for p in first.port.allowed_address_pairs]
    broken = {b.version for b in uncovered_blocks(first)}  # its families' blocks, as examples
    remedies = node_pairs(
        ctx.topo,
        views,
        lambda v: _missing_pairs(ctx, v),
        lambda v, _ranges: Msg(f"{ID}.reason", node=v.name),
        "antispoof",
    )
    return SAY.cluster(
        ctx,
        Status.FAIL,
        Msg(
            f"{ID}.uncovered",
            nodes=nodes_label([v.name for v in views]),
            node=first.name,
            pairs=", ".join(pairs),
            blocks=", ".join(str(b) for b in first.blocks if b.version in broken),
        ),
        tuple(
            f"node {v.name} blocks={[str(b) for b in v.blocks]} pairs="
            f"{[str(p.ip_address) for p in v.port.allowed_address_pairs]}"
            for v in views[:8]
            if v.port is not None
        ),
        remedies,
        cause="antispoof",
        affected=view_ports(ctx, views),
        nodes=tuple(v.name for v in views),
        key=("uncovered", tuple(v.name for v in views)),
    )
