"""net-cidr-overlap: pod, service and node networks do not overlap.

Cost: O(n log n) in the number of ranges (analyze/cidr_sweep.py): the ranges
are deduplicated (a pod CIDR listed twice is one range and never "overlaps
itself"), sorted and swept once. Pod ranges overlapping each other, and
service CIDRs overlapping each other or a subnet, make one finding per group
of overlapping ranges. A pod range overlapping a service CIDR or a subnet is
judged latent or actual (analyze/pod_overlap.py, checks/_cidr_overlap_pod.py):
one finding for the ranges around it, and one per kind and verdict for the
ranges inside it. Every finding names at most MAX_NAMED ranges and counts the
rest.
"""

from __future__ import annotations

from kostack.analyze.checks._cidr_overlap_pod import pod_overlap_finding, verdict_of
from kostack.analyze.checks.base import CheckContext, Kind, Says, when_collected
from kostack.analyze.cidr_sweep import PodOverlapSet, Range, overlapping_groups, pod_overlap_sets
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.pod_overlap import PodOverlap, PodOverlaps

ID = "net-cidr-overlap"
TITLE = "Pod, service and OpenStack subnet CIDRs do not overlap"
SEVERITY = Severity.CRITICAL
SAY = Says(ID, SEVERITY)
NEEDS = ("cluster.pod_cidrs", "cluster.service_cidrs", "openstack.subnets")
REMEDIES: frozenset[str] = frozenset()
CAUSE_KINDS: dict[str, Kind] = {
    "cidr-overlap": Kind.ROOT | Kind.POD_TRAFFIC,
    "cidr-overlap-latent": Kind.WARNING,
}
MAX_NAMED = 8  # ranges named in one finding's message and evidence; the rest are counted

register(
    {
        f"{ID}.pod": {"en": "pod CIDR {cidr}", "ko": "Pod CIDR {cidr}"},
        f"{ID}.service": {"en": "service CIDR {cidr}", "ko": "서비스 CIDR {cidr}"},
        f"{ID}.subnet": {"en": "subnet {name} {cidr}", "ko": "서브넷 {name} {cidr}"},
        f"{ID}.more": {"en": "{names} and {more} more", "ko": "{names} 외 {more}개"},
        f"{ID}.fail": {
            "en": "The {a} overlaps {b}: addresses in the overlap are routed to the wrong place "
            "(pods, service VIPs or VMs become unreachable).",
            "ko": "{a} 대역이 {b} 대역과 겹칩니다: 겹치는 주소는 엉뚱한 곳으로 라우팅되어 Pod, 서비스 VIP "
            "또는 VM에 도달할 수 없게 됩니다.",
        },
        f"{ID}.pass": {
            "en": "Pod CIDR {pod}, service CIDR {service} and the node subnets do not overlap.",
            "ko": "Pod CIDR {pod}, 서비스 CIDR {service}, 노드 서브넷이 서로 겹치지 않습니다.",
        },
    }
)


def label(r: Range) -> Msg:
    if r.kind == "subnet":
        return Msg(f"{ID}.subnet", name=r.name, cidr=r.cidr)
    return Msg(f"{ID}.{r.kind}", cidr=r.cidr)


def named(ranges: tuple[Range, ...] | list[Range], total: int) -> object:
    """The labels of ``ranges`` (at most MAX_NAMED of them), then how many more of ``total``."""
    shown = [label(r) for r in ranges[:MAX_NAMED]]
    rest = total - len(shown)
    return Msg(f"{ID}.more", names=shown, more=rest) if rest > 0 else shown


def _evidence(ranges: tuple[Range, ...] | list[Range], total: int) -> tuple[str, ...]:
    lines = tuple(r.evidence() for r in ranges[:MAX_NAMED])
    if total > len(lines):
        lines += (f"... and {total - len(lines)} more overlapping ranges",)
    return lines


def _ranges(ctx: CheckContext) -> list[Range]:
    out = [Range("pod", "", c) for c in ctx.topo.pod_cidrs]
    out += [Range("service", "", c) for c in ctx.topo.service_cidrs]
    for sn in ctx.topo.subnets.values():
        net = ctx.topo.networks.get(sn.network_id)
        if net is not None and net.router_external:
            continue
        out.append(Range("subnet", sn.name or sn.id, sn.cidr, sn.id))
    return out


def group_finding(ctx: CheckContext, group: tuple[Range, ...]) -> Finding:
    """One FAIL for a group of overlapping ranges, naming at most MAX_NAMED of them."""
    lead, others = group[0], group[1:]
    return SAY.cluster(
        ctx,
        Status.FAIL,
        Msg(f"{ID}.fail", a=label(lead), b=named(others[: MAX_NAMED - 1], len(others))),
        _evidence(group, len(group)),
        cause="cidr-overlap",
        counts=(("ranges", len(group)),),
    )


def pod_findings(ctx: CheckContext, judge: PodOverlaps, s: PodOverlapSet) -> list[Finding]:
    """The findings for one pod range: the ranges around it (the whole pod range is in the
    overlap: one verdict), then the ranges inside it, one finding per kind and verdict."""
    pool = s.pod.cidr
    out: list[Finding] = []
    if s.around:
        verdict = judge.judge(pool, s.around[0].cidr)
        out.append(
            pod_overlap_finding(
                ctx,
                [verdict],
                named(s.around, s.around_count),
                _evidence(s.around, s.around_count),
                s.around_count,
            )
        )
    buckets: dict[tuple[str, str], list[tuple[Range, PodOverlap]]] = {}
    for r in s.inside:
        verdict = judge.judge(pool, r.cidr)
        buckets.setdefault((r.kind, verdict_of(verdict)), []).append((r, verdict))
    for items in buckets.values():
        ranges = [r for r, _ in items]
        out.append(
            pod_overlap_finding(
                ctx,
                [v for _, v in items],
                named(ranges, len(ranges)),
                _evidence(ranges, len(ranges)),
                len(ranges),
            )
        )
    return out


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    ranges = _ranges(ctx)
    # Pod ranges among themselves, and service CIDRs with service CIDRs or subnets: groups.
    out = [group_finding(ctx, g) for g in overlapping_groups(r for r in ranges if r.kind == "pod")]
    out += [group_finding(ctx, g) for g in overlapping_groups(r for r in ranges if r.kind != "pod")]
    # A pod range against the rest: latent or actual (analyze/pod_overlap.py).
    judge = PodOverlaps(ctx.topo)
    for s in pod_overlap_sets(ranges, MAX_NAMED):
        out += pod_findings(ctx, judge, s)
    return out or [
        SAY.cluster(
            ctx,
            Status.PASS,
            Msg(
                f"{ID}.pass",
                pod=", ".join(str(c) for c in ctx.topo.pod_cidrs),
                service=", ".join(str(c) for c in ctx.topo.service_cidrs),
            ),
        )
    ]
