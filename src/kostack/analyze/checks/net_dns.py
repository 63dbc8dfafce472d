"""net-dns: pods on every node class reach the cluster DNS service (UDP and TCP 53)."""

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

ID = "net-dns"
TITLE = "Pods on every node reach the cluster DNS service"
SEVERITY = Severity.CRITICAL
SAY = Says(ID, SEVERITY)
NEEDS = ("cluster.nodes", "cluster.services", "cluster.cni")
REMEDIES: frozenset[str] = frozenset({ROUTE_OP})
CAUSE_KINDS: dict[str, Kind] = {}
ROLE: Final = Role.SYMPTOM | Role.READS_ADDRESSES | Role.CLUSTER_IP
CRITICAL_PATH: Final = "dns"

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


@when_collected(ID, SEVERITY, NEEDS)
@when_pod_addresses(ID, SEVERITY)
def run(ctx: CheckContext) -> list[Finding]:
    svc = ctx.topo.dns_service
    service = Resource("service", "kube-system/kube-dns", "kube-dns", "kube-system")
    n = sum(1 for e in (svc.endpoints or ()) if e.ready) if svc is not None else 0
    return service_findings(ctx, SAY, svc, (("udp", 53), ("tcp", 53)), service, n=n)
