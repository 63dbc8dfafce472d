"""net-pod-egress: pods reach addresses outside the cluster."""

from __future__ import annotations

from kostack.analyze.checks._flows import blocked_text, cause_of, evidence_of
from kostack.analyze.checks.base import CheckContext, class_ports, cluster_resource, missing
from kostack.analyze.findings import Finding, Remedy, Severity, Status
from kostack.analyze.reach import Disposition
from kostack.analyze.topology import NodeView

ID = "net-pod-egress"
TITLE = "Pods reach addresses outside the cluster"
SEVERITY = Severity.HIGH
NEEDS = ("openstack.routers", "cluster.nodes", "cluster.cni", "node_ports")


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    target = ctx.matrix.egress_target
    out: list[Finding] = []
    for cls, r in ctx.matrix.egress:
        if r.verdict == Disposition.ACCEPTED:
            continue
        status = Status.UNKNOWN if r.verdict == Disposition.UNKNOWN else Status.FAIL
        hop = r.blocking
        remedies: tuple[Remedy, ...] = ()
        if hop is not None and hop.cause == "router-no-route-back":
            remedies = _route_remedies(ctx, cls.members)
        out.append(
            Finding(
                ID,
                status,
                SEVERITY,
                cluster_resource(ctx),
                f"Pod traffic from {cls.label()} to {target} (outside the cluster) "
                f"{'fails' if status == Status.FAIL else 'cannot be decided'}: {blocked_text(r)}.",
                evidence_of(r),
                remedies,
                flows=(r.describe() + " -> " + blocked_text(r),),
                cause=cause_of(r),
                affected=class_ports(ctx, cls),
                counts=(("nodes", cls.size),),
            )
        )
    return out or [
        Finding(
            ID,
            Status.PASS,
            SEVERITY,
            cluster_resource(ctx),
            f"Pods on every node class reach {target}.",
        )
    ]


def _route_remedies(ctx: CheckContext, members: tuple[NodeView, ...]) -> tuple[Remedy, ...]:
    out = []
    for v in members:
        if v.subnet is None or v.ip is None:
            continue
        router = ctx.topo.router_for_subnet(v.subnet.id)
        if router is None:
            continue
        for block in v.blocks:
            out.append(
                Remedy(
                    "add-router-route",
                    "router",
                    router.id,
                    router.name,
                    (("destination", str(block)), ("nexthop", str(v.ip))),
                    f"route replies for {v.name}'s pods ({block}) back to {v.name}",
                    "router-no-route-back",
                    "alternative: enable natOutgoing on the IP pool so pods leave with the node address",
                )
            )
    return tuple(out)
