"""net-dns: pods on every node class reach the cluster DNS service (UDP and TCP 53)."""

from __future__ import annotations

from kostack.analyze.checks._flows import blocked_text, cause_of, evidence_of, flow_line
from kostack.analyze.checks.base import CheckContext, class_ports, cluster_resource, missing
from kostack.analyze.findings import Finding, Resource, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.reach import Disposition

ID = "net-dns"
TITLE = "Pods on every node reach the cluster DNS service"
SEVERITY = Severity.CRITICAL
NEEDS = ("cluster.nodes", "cluster.services", "cluster.cni")

register(
    {
        f"{ID}.no-service": {
            "en": "Cannot decide: the cluster DNS service (kube-system/kube-dns) is not in the snapshot.",
            "ko": "판단할 수 없음: 클러스터 DNS 서비스(kube-system/kube-dns)가 스냅샷에 없습니다.",
        },
        f"{ID}.fail": {
            "en": "DNS ({what}) from pods on {nodes} fails for {n} of {total} CoreDNS endpoints ({lost}): {why}.",
            "ko": "{nodes}의 Pod에서 DNS({what}) 조회가 CoreDNS 엔드포인트 {total}개 중 {n}개({lost})에 대해 "
            "실패합니다: {why}.",
        },
        f"{ID}.unknown": {
            "en": "DNS ({what}) from pods on {nodes} cannot be decided for {n} of {total} CoreDNS endpoints "
            "({lost}): {why}.",
            "ko": "{nodes}의 Pod에서 DNS({what}) 조회가 CoreDNS 엔드포인트 {total}개 중 {n}개({lost})에 대해 "
            "판단 불가입니다: {why}.",
        },
        f"{ID}.pass": {
            "en": "Pods on every node class reach all {n} CoreDNS endpoints over UDP and TCP 53.",
            "ko": "모든 노드 유형의 Pod가 CoreDNS 엔드포인트 {n}개 모두에 UDP/TCP 53으로 도달합니다.",
        },
    }
)


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    flows = ctx.matrix.dns
    if flows is None:
        return [
            Finding(
                ID,
                Status.UNKNOWN,
                SEVERITY,
                cluster_resource(ctx),
                Msg(f"{ID}.no-service"),
            )
        ]
    out: list[Finding] = []
    svc = Resource("service", "kube-system/kube-dns", "kube-dns", "kube-system")
    for sf in flows:
        failed = sf.failed
        total = len(sf.results)
        if not failed:
            continue
        first = failed[0]
        status = (
            Status.UNKNOWN if all(r.verdict == Disposition.UNKNOWN for r in failed) else Status.FAIL
        )
        lost = ", ".join(f"{r.dst.label} @ {r.dst.node}" for r in failed)
        out.append(
            Finding(
                ID,
                status,
                SEVERITY,
                svc,
                Msg(
                    f"{ID}.fail" if status == Status.FAIL else f"{ID}.unknown",
                    what=sf.what,
                    nodes=sf.src.label(),
                    n=len(failed),
                    total=total,
                    lost=lost,
                    why=blocked_text(first),
                ),
                evidence_of(first),
                flows=tuple(flow_line(r) for r in failed),
                cause=cause_of(first),
                affected=class_ports(ctx, sf.src),
                counts=(
                    ("endpoints_failed", len(failed)),
                    ("endpoints", total),
                    ("nodes", sf.src.size),
                ),
            )
        )
    if out:
        return out
    return [
        Finding(
            ID,
            Status.PASS,
            SEVERITY,
            svc,
            Msg(f"{ID}.pass", n=len(flows[0].results) if flows else 0),
        )
    ]
