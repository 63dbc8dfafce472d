"""net-api-service: pods on every node class reach the `kubernetes` service (TCP 443)."""

from __future__ import annotations

from kostack.analyze.checks._flows import blocked_text, cause_of, evidence_of
from kostack.analyze.checks.base import CheckContext, class_ports, cluster_resource, missing
from kostack.analyze.findings import Finding, Resource, Severity, Status
from kostack.analyze.reach import Disposition

ID = "net-api-service"
TITLE = "Pods on every node reach the Kubernetes API through the `kubernetes` service"
SEVERITY = Severity.HIGH
NEEDS = ("cluster.nodes", "cluster.services", "cluster.cni")


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
                "Cannot decide: the default/kubernetes service is not in the snapshot.",
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
                f"TCP to the kubernetes service ({sf.what}) from pods on {sf.src.label()} "
                f"{'fails' if status == Status.FAIL else 'cannot be decided'} for {len(failed)} of "
                f"{len(sf.results)} API server endpoints: {blocked_text(first)}.",
                evidence_of(first),
                flows=tuple(r.describe() + " -> " + blocked_text(r) for r in failed),
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
            "Pods on every node class reach the kubernetes service on TCP 443.",
        )
    ]
