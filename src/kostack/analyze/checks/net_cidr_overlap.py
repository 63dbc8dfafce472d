"""net-cidr-overlap: pod, service and node networks do not overlap."""

from __future__ import annotations

from itertools import combinations

from kostack.analyze.checks.base import CheckContext, cluster_resource, missing
from kostack.analyze.findings import Finding, Severity, Status
from kostack.model.snapshot import IPNetwork

ID = "net-cidr-overlap"
TITLE = "Pod, service and OpenStack subnet CIDRs do not overlap"
SEVERITY = Severity.CRITICAL
NEEDS = ("cluster.pod_cidrs", "cluster.service_cidrs", "openstack.subnets")


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    named: list[tuple[str, IPNetwork]] = []
    named += [("pod CIDR", c) for c in ctx.topo.pod_cidrs]
    named += [("service CIDR", c) for c in ctx.topo.service_cidrs]
    for sn in ctx.topo.subnets.values():
        net = ctx.topo.networks.get(sn.network_id)
        if net is not None and net.router_external:
            continue
        named.append((f"subnet {sn.name or sn.id}", sn.cidr))
    out: list[Finding] = []
    for (na, a), (nb, b) in combinations(named, 2):
        if (
            a.version == b.version
            and a.overlaps(b)
            and not (na.startswith("subnet") and nb.startswith("subnet"))
        ):
            out.append(
                Finding(
                    ID,
                    Status.FAIL,
                    SEVERITY,
                    cluster_resource(ctx),
                    f"The {na} {a} overlaps the {nb} {b}: addresses in the overlap are routed to the "
                    "wrong place (pods, service VIPs or VMs become unreachable).",
                    (f"{na}={a}", f"{nb}={b}"),
                    cause="cidr-overlap",
                )
            )
    return out or [
        Finding(
            ID,
            Status.PASS,
            SEVERITY,
            cluster_resource(ctx),
            "Pod CIDR "
            + ", ".join(str(c) for c in ctx.topo.pod_cidrs)
            + ", service CIDR "
            + ", ".join(str(c) for c in ctx.topo.service_cidrs)
            + " and the node subnets do not overlap.",
        )
    ]
