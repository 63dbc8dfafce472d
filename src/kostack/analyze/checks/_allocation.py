"""Addresses a node answers for (virtual IPs, egress IPs) that lie in a Neutron subnet's
allocation pools: Neutron may give one of them to a new port, a duplicate address later
(docs/facts.md "Virtual IPs"). A warning (cause ``vip-allocation-pool``), one per subnet,
with the one command that sets the subnet's pools without them. Shared by neutron-vip-pairs
and neutron-egress-ip-pairs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from kostack.analyze.checks._facts import cidrs_label
from kostack.analyze.checks._spans import Span, minus
from kostack.analyze.checks.base import CheckContext, Says
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import IPNetwork, Subnet
from kostack.shell import as_code, end_options, render

POOL_CAUSE = "vip-allocation-pool"

register(
    {
        "allocation.whole-pool": {
            "en": "no command can, as they are all the pools hold and a subnet without a pool "
            "gives a new port no address: give the pool and these addresses separate ranges",
            "ko": "명령으로는 뺄 수 없습니다. 할당 풀이 이 주소들뿐이라 풀이 없으면 Neutron이 새 "
            "포트에 주소를 주지 못하므로, 할당 풀과 이 주소들에 서로 다른 범위를 주세요",
        },
    }
)


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
    command = pool_command(subnet, [(int(c[0]), int(c[-1])) for c in hit])
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
                command=as_code(command) if command else Msg("allocation.whole-pool"),
            ),
            (f"subnet {subnet.id} allocation_pools {said}",),
            cause=POOL_CAUSE,
            key=("allocation", subnet.id),
        )
    ]


def pool_command(subnet: Subnet, cuts: Sequence[Span]) -> str | None:
    """The command that sets ``subnet``'s allocation pools without the addresses ``cuts``
    (``--no-allocation-pool``, then each pool cut around them); None when nothing of the pools
    would be left: a subnet without a pool gives a new port no address, so kostack never
    advises it."""
    make = ipaddress.IPv4Address if subnet.cidr.version == 4 else ipaddress.IPv6Address
    argv = ["openstack", "subnet", "set", "--no-allocation-pool"]
    for pool in subnet.allocation_pools or ():
        for lo, hi in minus([(int(pool.start), int(pool.end))], cuts):
            argv += ["--allocation-pool", f"start={make(lo)},end={make(hi)}"]
    if len(argv) == 4:
        return None
    return render([*argv, *end_options([subnet.id])])
