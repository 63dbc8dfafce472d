"""neutron-allowed-pairs-scope: allowed address pairs are no wider than needed and cover each node's pods."""

from __future__ import annotations

from kostack.analyze.checks.base import (
    CheckContext,
    cluster_resource,
    missing,
    node_resource,
    port_resource,
)
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.remedy import pair_remedy
from kostack.analyze.topology import net_within

ID = "neutron-allowed-pairs-scope"
TITLE = "Allowed address pairs on node ports cover the node's pod blocks and nothing as wide as 0.0.0.0/0"
SEVERITY = Severity.HIGH
SEVERITY_NOTE = "a `0.0.0.0/0` pair is reported as high, an uncovered pod block as medium."
NEEDS = ("openstack.ports", "cluster.nodes", "node_ports")

register(
    {
        f"{ID}.too-wide": {
            "en": "Port {port} of node {node} has allowed address pair {pair}: anti-spoofing is effectively "
            "off for it. Use the pod CIDR instead.",
            "ko": "노드 {node}의 포트 {port}에 Allowed Address Pair {pair}가 있어 사실상 anti-spoofing이 꺼진 "
            "상태입니다. 대신 Pod CIDR을 사용하세요.",
        },
        f"{ID}.uncovered": {
            "en": "Port {port} of node {node} has allowed pairs [{pairs}] that do not cover its pod blocks "
            "{blocks}: packets from those pods are dropped.",
            "ko": "노드 {node}의 포트 {port}에 있는 Allowed Address Pair [{pairs}]가 이 노드의 Pod 블록 {blocks}를 "
            "포함하지 않아, 해당 Pod의 패킷이 차단됩니다.",
        },
        f"{ID}.reason": {"en": "cover {node}'s pod blocks", "ko": "{node}의 Pod 블록 허용"},
        f"{ID}.none": {
            "en": "No node port has allowed address pairs (whether any are needed is "
            "net-pod-src-antispoof's finding).",
            "ko": "Allowed Address Pair가 있는 노드 포트가 없습니다 (필요 여부는 net-pod-src-antispoof 점검이 "
            "판단합니다).",
        },
        f"{ID}.pass": {
            "en": "Allowed pairs on {n} node ports cover their pod blocks and none is 0.0.0.0/0.",
            "ko": "노드 포트 {n}개의 Allowed Address Pair가 각 노드의 Pod 블록을 포함하며 0.0.0.0/0은 없습니다.",
        },
    }
)


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    out: list[Finding] = []
    with_pairs = 0
    for view in ctx.topo.node_views.values():
        port = view.port
        if port is None:
            out.append(
                Finding(
                    ID,
                    Status.UNKNOWN,
                    SEVERITY,
                    node_resource(view),
                    Msg("common.no-port", node=view.name, why=view.port_note),
                )
            )
            continue
        if not port.allowed_address_pairs or port.port_security_enabled is False:
            continue
        with_pairs += 1
        res = port_resource(ctx, port, view.name)
        pairs = [p.ip_address for p in port.allowed_address_pairs]
        wide = [p for p in pairs if p.prefixlen == 0]
        if wide:
            out.append(
                Finding(
                    ID,
                    Status.FAIL,
                    Severity.HIGH,
                    res,
                    Msg(f"{ID}.too-wide", port=port.id, node=view.name, pair=wide[0]),
                    (f"port {port.id} allowed_address_pairs={[str(p) for p in pairs]}",),
                    cause="pairs-too-wide",
                )
            )
            continue
        uncovered = [b for b in view.blocks if not any(net_within(b, p) for p in pairs)]
        if uncovered:
            targets = ctx.topo.pod_cidrs or tuple(uncovered)
            out.append(
                Finding(
                    ID,
                    Status.FAIL,
                    Severity.MEDIUM,
                    res,
                    Msg(
                        f"{ID}.uncovered",
                        port=port.id,
                        node=view.name,
                        pairs=[str(p) for p in pairs],
                        blocks=", ".join(str(b) for b in uncovered),
                    ),
                    (
                        f"port {port.id} allowed_address_pairs={[str(p) for p in pairs]}",
                        f"node {view.name} blocks={[str(b) for b in view.blocks]}",
                    ),
                    tuple(
                        pair_remedy(
                            port, view.name, c, Msg(f"{ID}.reason", node=view.name), "antispoof"
                        )
                        for c in targets
                    ),
                    cause="antispoof",
                )
            )
    if out:
        return out
    if with_pairs == 0:
        return [
            Finding(
                ID,
                Status.NOT_APPLICABLE,
                SEVERITY,
                cluster_resource(ctx),
                Msg(f"{ID}.none"),
            )
        ]
    return [
        Finding(
            ID,
            Status.PASS,
            SEVERITY,
            cluster_resource(ctx),
            Msg(f"{ID}.pass", n=with_pairs),
        )
    ]
