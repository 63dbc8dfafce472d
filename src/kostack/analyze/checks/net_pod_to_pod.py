"""net-pod-to-pod: pods reach pods on every other node (every node-pair class)."""

from __future__ import annotations

from kostack.analyze.checks._flows import blocked_text, cause_of, evidence_of, flow_line
from kostack.analyze.checks.base import CheckContext, class_ports, cluster_resource, missing
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.reach import Disposition

ID = "net-pod-to-pod"
TITLE = "Pods reach pods on every other node"
SEVERITY = Severity.CRITICAL
NEEDS = ("cluster.nodes", "cluster.cni")

register(
    {
        f"{ID}.too-few": {
            "en": "Fewer than two nodes with pod address blocks: no cross-node pod traffic to judge.",
            "ko": "Pod 주소 블록이 있는 노드가 두 대 미만이라 노드 간 Pod 트래픽을 판단할 수 없습니다.",
        },
        f"{ID}.fail": {
            "en": "Pod-to-pod traffic from {src} to {dst} fails ({n} of {total} node pairs): {why}.",
            "ko": "{src}에서 {dst}로 가는 Pod 간 트래픽이 실패합니다 (노드 쌍 {total}개 중 {n}개): {why}.",
        },
        f"{ID}.unknown": {
            "en": "Pod-to-pod traffic from {src} to {dst} cannot be decided ({n} of {total} node pairs): {why}.",
            "ko": "{src}에서 {dst}로 가는 Pod 간 트래픽을 판단할 수 없습니다 (노드 쌍 {total}개 중 {n}개): {why}.",
        },
        f"{ID}.pass": {
            "en": "Pod-to-pod traffic works across all {total} node pairs ({classes} node-pair classes traced).",
            "ko": "노드 쌍 {total}개 모두에서 Pod 간 트래픽이 정상입니다 (노드 쌍 유형 {classes}개 추적).",
        },
    }
)


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
                Msg(f"{ID}.too-few"),
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
                Msg(
                    f"{ID}.fail" if status == Status.FAIL else f"{ID}.unknown",
                    src=pf.src.label(),
                    dst=pf.dst.label(),
                    n=pf.pairs,
                    total=total,
                    why=blocked_text(r),
                ),
                evidence_of(r),
                flows=(flow_line(r),),
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
            Msg(f"{ID}.pass", total=total, classes=len(flows)),
        )
    ]
