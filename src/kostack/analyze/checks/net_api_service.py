"""net-api-service: pods on every node class reach the `kubernetes` service (TCP 443)."""

from __future__ import annotations

from kostack.analyze.checks._flows import blocked_text, cause_of, evidence_of, flow_line
from kostack.analyze.checks.base import CheckContext, class_ports, cluster_resource, missing
from kostack.analyze.findings import Finding, Resource, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.reach import Disposition

ID = "net-api-service"
TITLE = "Pods on every node reach the Kubernetes API through the `kubernetes` service"
SEVERITY = Severity.HIGH
NEEDS = ("cluster.nodes", "cluster.services", "cluster.cni")

register(
    {
        f"{ID}.no-service": {
            "en": "Cannot decide: the default/kubernetes service is not in the snapshot.",
            "ko": "판단할 수 없음: default/kubernetes 서비스가 스냅샷에 없습니다.",
        },
        f"{ID}.fail": {
            "en": "TCP to the kubernetes service ({what}) from pods on {nodes} fails for {n} of {total} API "
            "server endpoints: {why}.",
            "ko": "{nodes}의 Pod에서 kubernetes 서비스({what})로의 TCP 연결이 API 서버 엔드포인트 {total}개 중 "
            "{n}개에 대해 실패합니다: {why}.",
        },
        f"{ID}.unknown": {
            "en": "TCP to the kubernetes service ({what}) from pods on {nodes} cannot be decided for {n} of "
            "{total} API server endpoints: {why}.",
            "ko": "{nodes}의 Pod에서 kubernetes 서비스({what})로의 TCP 연결이 API 서버 엔드포인트 {total}개 중 "
            "{n}개에 대해 판단 불가입니다: {why}.",
        },
        f"{ID}.pass": {
            "en": "Pods on every node class reach the kubernetes service on TCP 443.",
            "ko": "모든 노드 유형의 Pod가 kubernetes 서비스에 TCP 443으로 도달합니다.",
        },
    }
)


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    flows = ctx.matrix.api
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
    svc = Resource("service", "default/kubernetes", "kubernetes", "default")
    out: list[Finding] = []
    for sf in flows:
        failed = sf.failed
        if not failed:
            continue
        first = failed[0]
        status = (
            Status.UNKNOWN if all(r.verdict == Disposition.UNKNOWN for r in failed) else Status.FAIL
        )
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
                    total=len(sf.results),
                    why=blocked_text(first),
                ),
                evidence_of(first),
                flows=tuple(flow_line(r) for r in failed),
                cause=cause_of(first),
                affected=class_ports(ctx, sf.src),
                counts=(("endpoints_failed", len(failed)), ("nodes", sf.src.size)),
            )
        )
    return out or [
        Finding(
            ID,
            Status.PASS,
            SEVERITY,
            svc,
            Msg(f"{ID}.pass"),
        )
    ]
