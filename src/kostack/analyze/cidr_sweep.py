"""Overlapping CIDR ranges found by one sort and one sweep (pure; net-cidr-overlap uses it).

Two CIDRs either nest or are disjoint. Keyed ``(IP version, first address,
-last address)``, sorted keys put every range right after the ranges that
contain it, so a stack of "ranges containing this one" is all a sweep needs:
the ranges that overlap are a top-level range and everything inside it.
Ranges with one CIDR share one key, so the stack is at most 33 deep (IPv4) or
129 (IPv6) however many ranges there are, and the cost is O(n log n) in the
ranges, never the number of overlapping pairs. A range listed twice (same
kind, name, CIDR and id) counts once, so no range ever overlaps itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kostack.model.snapshot import IPNetwork

Key = tuple[int, int, int]  # (IP version, first address, -last address)


@dataclass(frozen=True)
class Range:
    """One range compared: what it is (pod, service, subnet), its name and CIDR."""

    kind: str  # "pod" | "service" | "subnet"
    name: str  # the subnet's name or id; "" for pod and service CIDRs
    cidr: IPNetwork
    ident: str = ""  # the subnet's id: two subnets with one name and CIDR are two ranges

    def evidence(self) -> str:
        return f"{self.kind} {self.name}={self.cidr}" if self.name else f"{self.kind}={self.cidr}"


def _by_key(ranges: Iterable[Range]) -> dict[Key, list[Range]]:
    by_key: dict[Key, list[Range]] = {}
    for r in dict.fromkeys(ranges):
        first = int(r.cidr.network_address)
        last = first + r.cidr.num_addresses - 1
        by_key.setdefault((r.cidr.version, first, -last), []).append(r)
    return by_key


def _ends_before(outer: Key, key: Key) -> bool:
    """Whether ``outer`` (a key sorted before ``key``) does not contain ``key``: CIDRs nest
    or are disjoint, so in sorted order it contains it exactly when it has not ended yet."""
    return outer[0] != key[0] or -outer[2] < key[1]


def overlapping_groups(ranges: Iterable[Range]) -> list[tuple[Range, ...]]:
    """Groups of ranges that overlap, each led by its widest range; O(n log n).

    Only overlaps that involve a pod or service range count: two OpenStack
    subnets overlapping each other are Neutron's business, so a subnet is in a
    group only when it overlaps a pod or service range. Groups come in address
    order, IPv4 first.
    """
    by_key = _by_key(ranges)
    groups: list[tuple[Range, ...]] = []
    members: list[Key] = []  # a top-level range and everything inside it
    touched: set[Key] = set()  # those that overlap a pod or service range
    stack: list[tuple[Key, bool]] = []  # ranges containing this one
    cluster_above = 0

    def close() -> None:
        named = [r for key in members if key in touched for r in by_key[key]]
        if named:
            groups.append(tuple(named))

    for key in sorted(by_key):
        while stack and _ends_before(stack[-1][0], key):
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


@dataclass(frozen=True)
class PodOverlapSet:
    """The other ranges one pod range overlaps.

    ``around``: up to ``named`` of the ranges that hold the whole pod range (same
    CIDR or wider), nearest first, and ``around_count`` how many there are.
    ``inside``: every range strictly inside the pod range whose nearest pod range it is
    (a range inside two nested pod ranges belongs to the inner one), in address order.
    """

    pod: Range
    around: tuple[Range, ...]
    around_count: int
    inside: tuple[Range, ...]


def pod_overlap_sets(ranges: Iterable[Range], named: int = 8) -> list[PodOverlapSet]:
    """For each pod range, the service CIDRs and subnets it overlaps; O(n log n).

    Each non-pod range is listed inside at most one pod range, and ``around``
    names at most ``named`` ranges, so the output is linear in the ranges.
    """
    by_key = _by_key(ranges)
    others_at: dict[Key, list[Range]] = {}
    order: list[Key] = []  # keys of pod ranges, in address order
    pods: dict[Key, Range] = {}
    around: dict[Key, tuple[tuple[Range, ...], int]] = {}
    inside: dict[Key, list[Range]] = {}
    stack: list[Key] = []  # ranges containing this one
    pod_stack: list[Key] = []  # the pod ranges among them
    others_above = 0
    for key in sorted(by_key):
        while stack and _ends_before(stack[-1], key):
            gone = stack.pop()
            others_above -= len(others_at[gone])
            if pod_stack and pod_stack[-1] == gone:
                pod_stack.pop()
        here = by_key[key]
        pod = next((r for r in here if r.kind == "pod"), None)
        others = others_at[key] = [r for r in here if r.kind != "pod"]
        if pod is not None:
            shown = others[:named]
            for outer in reversed(stack):
                if len(shown) >= named or not others_above:
                    break
                shown += others_at[outer][: named - len(shown)]
            pods[key], around[key], inside[key] = (
                pod,
                (tuple(shown), len(others) + others_above),
                [],
            )
            order.append(key)
            pod_stack.append(key)
        elif others and pod_stack:
            inside[pod_stack[-1]].extend(others)
        stack.append(key)
        others_above += len(others)
    return [
        PodOverlapSet(pods[k], around[k][0], around[k][1], tuple(inside[k]))
        for k in order
        if around[k][1] or inside[k]
    ]
