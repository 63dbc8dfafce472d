"""What Octavia will report once its health monitor has run on a would-be state (for fix plans).

A fix plan is verified on a copy of the snapshot with the planned changes
applied. Security-group rules and allowed address pairs change that copy at once, but Octavia's member
statuses only follow when the monitor next probes (delay x max_retries
seconds later), so the copy would still show members OFFLINE that only the
missing rules (or pairs, for Calico eBPF's DSR answers) kept down. This marks exactly those members ONLINE (and rolls
the pool's status up again: ONLINE, DEGRADED or ERROR), nothing else: a
member down for another reason stays down.
"""

from __future__ import annotations

from kostack.analyze.loadbalancer.analysis import LBAnalysis
from kostack.analyze.loadbalancer.index import DOWN
from kostack.analyze.topology import Topology
from kostack.model.loadbalancer import LoadBalancer, Pool
from kostack.model.snapshot import Snapshot

# the reasons a fix plan's changes remove: the groups refuse the monitor, they drop Calico
# eBPF's VXLAN to the endpoints' nodes, or anti-spoofing drops the DSR answers
SETTLED = frozenset({"sg", "ebpf-tunnel", "ebpf-dsr"})


def settle_after_fix(before: Snapshot, after: Snapshot) -> Snapshot:
    """``after`` with the members the fix unblocks reported ONLINE."""
    os_ = after.openstack
    if os_ is None or not os_.load_balancers:
        return after
    was = LBAnalysis(Topology(before))
    now = LBAnalysis(Topology(after))
    blocked = {
        h.member.member.id
        for pa in was.ports
        for h in pa.health
        if h.member.member is not None and h.expected == "down" and h.reason in SETTLED
    }
    freed = {
        h.member.member.id
        for pa in now.ports
        for h in pa.health
        if h.member.member is not None
        and h.member.member.id in blocked
        and h.expected == "up"
        and h.actual in DOWN
    }
    if not freed:
        return after
    lbs = tuple(_lb(lb, freed) for lb in os_.load_balancers)
    return after.model_copy(update={"openstack": os_.model_copy(update={"load_balancers": lbs})})


def _lb(lb: LoadBalancer, freed: set[str]) -> LoadBalancer:
    pools = tuple(_pool(p, freed) for p in lb.pools)
    if pools == lb.pools:
        return lb
    worst = {p.operating_status for p in pools}
    status = (
        "ONLINE"
        if worst <= {"ONLINE"}
        else ("DEGRADED" if lb.operating_status != "OFFLINE" else lb.operating_status)
    )
    return lb.model_copy(update={"pools": pools, "operating_status": status})


def _pool(pool: Pool, freed: set[str]) -> Pool:
    if pool.members is None or not any(m.id in freed for m in pool.members):
        return pool
    members = tuple(
        m.model_copy(update={"operating_status": "ONLINE"}) if m.id in freed else m
        for m in pool.members
    )
    down = sum(1 for m in members if m.operating_status in DOWN)
    status = "ONLINE" if down == 0 else ("ERROR" if down == len(members) else "DEGRADED")
    return pool.model_copy(update={"members": members, "operating_status": status})
