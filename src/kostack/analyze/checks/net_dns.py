"""net-dns: pods on every node class reach the cluster DNS service (UDP and TCP 53)."""

from __future__ import annotations

from kostack.analyze.checks._flows import blocked_text, cause_of, evidence_of
from kostack.analyze.checks.base import CheckContext, class_ports, cluster_resource, missing
from kostack.analyze.findings import Finding, Resource, Severity, Status
from kostack.analyze.reach import Disposition

ID = "net-dns"
TITLE = "Pods on every node reach the cluster DNS service"
SEVERITY = Severity.CRITICAL
NEEDS = ("cluster.nodes", "cluster.services", "cluster.cni")


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
                "Cannot decide: the cluster DNS service (kube-system/kube-dns) is not in the snapshot.",
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
        lost = ", ".join(f"{r.dst.label} on {r.dst.node}" for r in failed)
        out.append(
            Finding(
                ID,
                status,
                SEVERITY,
                svc,
                f"DNS ({sf.what}) from pods on {sf.src.label()} "
                f"{'fails' if status == Status.FAIL else 'cannot be decided'} for {len(failed)} of {total} "
                f"CoreDNS endpoints ({lost}): {blocked_text(first)}.",
                evidence_of(first),
                flows=tuple(r.describe() + " -> " + blocked_text(r) for r in failed),
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
            f"Pods on every node class reach all {len(flows[0].results) if flows else 0} CoreDNS endpoints "
            "over UDP and TCP 53.",
        )
    ]
