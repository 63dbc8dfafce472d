"""net-api-service: pods on every node class reach the `kubernetes` service (TCP 443)."""

from __future__ import annotations

from typing import Final

from kostack.analyze.checks._flows import service_findings
from kostack.analyze.checks.base import (
    CheckContext,
    Kind,
    Role,
    Says,
    when_collected,
    when_pod_addresses,
)
from kostack.analyze.findings import ROUTE_OP, Finding, Resource, Severity
from kostack.analyze.messages import register

ID = "net-api-service"
TITLE = "Pods on every node reach the Kubernetes API through the `kubernetes` service"
SEVERITY = Severity.HIGH
SAY = Says(ID, SEVERITY)
NEEDS = ("cluster.nodes", "cluster.services", "cluster.cni")
REMEDIES: frozenset[str] = frozenset({ROUTE_OP})
CAUSE_KINDS: dict[str, Kind] = {"service-port": Kind.ROOT, "no-endpoints": Kind.ROOT}
ROLE: Final = Role.SYMPTOM | Role.READS_ADDRESSES | Role.CLUSTER_IP
CRITICAL_PATH: Final = "api-service"

register(
    {
        f"{ID}.no-service": {
            "en": "Cannot decide: the default/kubernetes service is not in the snapshot.",
            "ko": "판단할 수 없음: default/kubernetes 서비스가 스냅샷에 없습니다.",
        },
        f"{ID}.fail": {
            "en": "TCP to the kubernetes service ({what}) from pods on {nodes} fails for {n} of {total} API "
            "server endpoints ({lost}): {why}.",
            "ko": "{nodes}의 Pod에서 kubernetes 서비스({what})로의 TCP 연결이 API 서버 엔드포인트 {total}개 중 "
            "{n}개({lost})에 대해 실패합니다: {why}.",
        },
        f"{ID}.unknown": {
            "en": "TCP to the kubernetes service ({what}) from pods on {nodes} cannot be decided for {n} of "
            "{total} API server endpoints ({lost}): {why}.",
            "ko": "{nodes}의 Pod에서 kubernetes 서비스({what})로의 TCP 연결이 API 서버 엔드포인트 {total}개 중 "
            "{n}개({lost})에 대해 판단 불가입니다: {why}.",
        },
        f"{ID}.pass": {
            "en": "Pods on every node class reach the kubernetes service on TCP 443.",
            "ko": "모든 노드 유형의 Pod가 kubernetes 서비스에 TCP 443으로 도달합니다.",
        },
    }
)


@when_collected(ID, SEVERITY, NEEDS)
@when_pod_addresses(ID, SEVERITY)
def run(ctx: CheckContext) -> list[Finding]:
    svc = ctx.topo.services.get(("default", "kubernetes"))
    service = Resource("service", "default/kubernetes", "kubernetes", "default")
    return service_findings(ctx, SAY, svc, (("tcp", 443),), service)
