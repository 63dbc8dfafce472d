"""Addresses a node answers for (virtual IPs, egress IPs) that lie in a Neutron subnet's
allocation pools: Neutron may give one of them to a new port, a duplicate address later
(docs/facts.md "Virtual IPs"). A warning (cause ``vip-allocation-pool``), one per subnet,
with the one command that sets the subnet's pools without them. Shared by neutron-vip-pairs
and neutron-egress-ip-pairs.
"""

from __future__ import annotations

from collections.abc import Sequence

from kostack.analyze.checks._facts import cidrs_label
from kostack.analyze.checks.base import CheckContext, Says
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg
from kostack.model.snapshot import AllocationPool, IPAddress, IPNetwork, Subnet
from kostack.shell import as_code, end_options, render

POOL_CAUSE = "vip-allocation-pool"


def in_allocation_pool(
    ctx: CheckContext, say: Says, key: str, subnet: Subnet, what: str, cidrs: list[IPNetwork]
) -> list[Finding]:
    """One warning when ``subnet``'s allocation pools hold any of ``cidrs``: message ``key``
    (parameters cidrs, what, subnet, pools, command) with the command that sets the pools
    without them (``--no-allocation-pool`` then every pool left)."""
    pools = subnet.allocation_pools or ()
    hit = [
        c
        for c in cidrs
        if any(int(c[0]) <= int(p.end) and int(c[-1]) >= int(p.start) for p in pools)
    ]
    if not hit:
        return []
    kept = shrunk(pools, hit)
    argv = ["openstack", "subnet", "set", "--no-allocation-pool"]
    for lo, hi in kept:
        argv += ["--allocation-pool", f"start={lo},end={hi}"]
    said = ", ".join(f"{p.start}-{p.end}" for p in pools)
    return [
        Finding(
            say.check_id,
            Status.FAIL,
            Severity.LOW,
            say.cluster(ctx, Status.FAIL, "").resource,
            Msg(
                key,
                what=what,
                cidrs=cidrs_label([str(c) for c in hit]),
                subnet=subnet.name or subnet.id,
                pools=said,
                command=as_code(render([*argv, *end_options([subnet.id])])),
            ),
            (f"subnet {subnet.id} allocation_pools {said}",),
            cause=POOL_CAUSE,
            key=("allocation", subnet.id),
        )
    ]


def shrunk(
    pools: Sequence[AllocationPool], cidrs: Sequence[IPNetwork]
) -> list[tuple[IPAddress, IPAddress]]:
    """The allocation pools less ``cidrs`` (each pool cut around the ranges inside it)."""
    cuts = sorted((int(c[0]), int(c[-1])) for c in cidrs)
    out: list[tuple[IPAddress, IPAddress]] = []
    for pool in pools:
        make = type(pool.start)
        lo, hi = int(pool.start), int(pool.end)
        for first, last in cuts:
            if last < lo or first > hi:
                continue
            if first > lo:
                out.append((make(lo), make(first - 1)))
            lo = max(lo, last + 1)
        if lo <= hi:
            out.append((make(lo), make(hi)))
    return out
