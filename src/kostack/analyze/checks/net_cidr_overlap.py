"""net-cidr-overlap: pod, service and node networks do not overlap.

Cost: O(n log n) in the number of ranges. The ranges are deduplicated (a pod
CIDR listed twice is one range and never "overlaps itself"), sorted by their
first address, and swept once: CIDRs either nest or are disjoint, so each
group of overlapping ranges is one top-level range and everything inside it,
and one finding is made per group, naming at most MAX_NAMED of its ranges.
`overlapping_groups` is the pure part; `run` turns its groups into findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kostack.analyze.checks.base import CheckContext, cluster_resource, missing
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import IPNetwork

ID = "net-cidr-overlap"
TITLE = "Pod, service and OpenStack subnet CIDRs do not overlap"
SEVERITY = Severity.CRITICAL
NEEDS = ("cluster.pod_cidrs", "cluster.service_cidrs", "openstack.subnets")
MAX_NAMED = 8  # ranges named in one finding's message and evidence; the rest are counted

register(
    {
        f"{ID}.pod": {"en": "pod CIDR {cidr}", "ko": "Pod CIDR {cidr}"},
        f"{ID}.service": {"en": "service CIDR {cidr}", "ko": "서비스 CIDR {cidr}"},
        f"{ID}.subnet": {"en": "subnet {name} {cidr}", "ko": "subnet {name} {cidr}"},
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


@dataclass(frozen=True)
class Range:
    """One range the check compares: what it is (pod, service, subnet), its name and CIDR."""

    kind: str  # "pod" | "service" | "subnet"
    name: str  # the subnet's name or id; "" for pod and service CIDRs
    cidr: IPNetwork
    ident: str = ""  # the subnet's id: two subnets with one name and CIDR are two ranges

    def label(self) -> str:
        if self.kind == "subnet":
            return Msg(f"{ID}.subnet", name=self.name, cidr=self.cidr)
        return Msg(f"{ID}.{self.kind}", cidr=self.cidr)


def overlapping_groups(ranges: Iterable[Range]) -> list[tuple[Range, ...]]:
    """Groups of ranges that overlap, each led by its widest range; O(n log n).

    Duplicates (same kind, name and CIDR) count once, so no range overlaps
    itself. Only overlaps that involve a pod or service range count: two
    OpenStack subnets overlapping each other are Neutron's business, so a
    subnet is in a group only when it overlaps a pod or service range.
    Groups come in address order, IPv4 first.
    """
    # Ranges with one CIDR share one node of the nesting tree, so the tree is
    # at most 33 deep (IPv4) or 129 (IPv6) however many ranges there are.
    # A node is keyed (version, first address, -last address): sorting the
    # keys puts every range right after the ranges that contain it.
    by_key: dict[tuple[int, int, int], list[Range]] = {}
    for r in dict.fromkeys(ranges):
        first = int(r.cidr.network_address)
        last = first + r.cidr.num_addresses - 1
        by_key.setdefault((r.cidr.version, first, -last), []).append(r)
    groups: list[tuple[Range, ...]] = []
    members: list[tuple[int, int, int]] = []  # a top-level range and everything inside it
    touched: set[tuple[int, int, int]] = set()  # those that overlap a pod or service range
    stack: list[tuple[tuple[int, int, int], bool]] = []  # ranges containing this one
    cluster_above = 0

    def close() -> None:
        named = [r for key in members if key in touched for r in by_key[key]]
        if named:
            groups.append(tuple(named))

    for key in sorted(by_key):
        version, first, _ = key
        # CIDRs nest or are disjoint: in this order, the stack's top contains
        # this range exactly when it has not ended before this one starts.
        while stack and (stack[-1][0][0] != version or -stack[-1][0][2] < first):
            cluster_above -= stack.pop()[1]
        if not stack:
            close()
            members, touched = [], set()
        here = by_key[key]
        cluster = any(r.kind != "subnet" for r in here)
        if cluster and len(here) > 1:
            touched.add(key)  # e.g. the pod CIDR is also a subnet's CIDR
        if stack and (cluster or cluster_above):
            touched.add(key)
            touched.update(k for k, is_cluster in stack if cluster or is_cluster)
        members.append(key)
        stack.append((key, cluster))
        cluster_above += cluster
    close()
    return groups


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
    shown = [r.label() for r in others[: MAX_NAMED - 1]]
    rest = len(others) - len(shown)
    overlapped: object = Msg(f"{ID}.more", names=shown, more=rest) if rest else shown
    evidence = tuple(
        f"{r.kind} {r.name}={r.cidr}" if r.name else f"{r.kind}={r.cidr}" for r in group[:MAX_NAMED]
    )
    if len(group) > MAX_NAMED:
        evidence += (f"... and {len(group) - MAX_NAMED} more overlapping ranges",)
    return Finding(
        ID,
        Status.FAIL,
        SEVERITY,
        cluster_resource(ctx),
        Msg(f"{ID}.fail", a=lead.label(), b=overlapped),
        evidence,
        cause="cidr-overlap",
        counts=(("ranges", len(group)),),
    )


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    out = [group_finding(ctx, g) for g in overlapping_groups(_ranges(ctx))]
    return out or [
        Finding(
            ID,
            Status.PASS,
            SEVERITY,
            cluster_resource(ctx),
            Msg(
                f"{ID}.pass",
                pod=", ".join(str(c) for c in ctx.topo.pod_cidrs),
                service=", ".join(str(c) for c in ctx.topo.service_cidrs),
            ),
        )
    ]
