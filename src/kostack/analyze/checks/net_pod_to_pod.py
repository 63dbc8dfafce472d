"""net-pod-to-pod: pods reach pods on every other node (every node-pair class)."""

from __future__ import annotations

from kostack.analyze.checks._flows import blocked_text, cause_of, evidence_of
from kostack.analyze.checks.base import CheckContext, class_ports, cluster_resource, missing
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.reach import Disposition

ID = "net-pod-to-pod"
TITLE = "Pods reach pods on every other node"
SEVERITY = Severity.CRITICAL
NEEDS = ("cluster.nodes", "cluster.cni")


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    flows = ctx.matrix.pod_to_pod
    total = ctx.matrix.node_pairs
    if not flows:
        return [
            Finding(
                ID,
                Status.NOT_APPLICABLE if len(ctx.topo.node_views) < 2 else Status.UNKNOWN,
                SEVERITY,
                cluster_resource(ctx),
                "Fewer than two nodes with pod address blocks: no cross-node pod traffic to judge.",
            )
        ]
    out: list[Finding] = []
    failed_pairs = 0
    for pf in flows:
        r = pf.result
        if r.verdict == Disposition.ACCEPTED:
            continue
        failed_pairs += pf.pairs
        status = Status.UNKNOWN if r.verdict == Disposition.UNKNOWN else Status.FAIL
        out.append(
            Finding(
                ID,
                status,
                SEVERITY,
                cluster_resource(ctx),
                f"Pod-to-pod traffic from {pf.src.label()} to {pf.dst.label()} "
                f"{'fails' if status == Status.FAIL else 'cannot be decided'} ({pf.pairs} of {total} "
                f"node pairs): {blocked_text(r)}.",
                evidence_of(r),
                flows=(r.describe() + " -> " + blocked_text(r),),
                cause=cause_of(r),
                affected=class_ports(ctx, pf.src) + class_ports(ctx, pf.dst),
                counts=(("node_pairs", pf.pairs), ("node_pairs_total", total)),
            )
        )
    if out:
        return out
    return [
        Finding(
            ID,
            Status.PASS,
            SEVERITY,
            cluster_resource(ctx),
            f"Pod-to-pod traffic works across all {total} node pairs ({len(flows)} node-pair classes traced).",
        )
    ]
