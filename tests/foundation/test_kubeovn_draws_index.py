"""What pods draw from Kube-OVN's underlay Subnets, looked up in one index of the pods and the
IPPools by Subnet name (analyze/checks/_kubeovn_draws.py ``index``). Before: ``rest_drawn``
and ``_pool_spans`` scanned every pod and every IPPool for each underlay Subnet (Subnets x
pods). The index must answer as the old scans did, and visit each pod and IPPool a fixed
number of times whatever the number of Subnets."""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterator, Sequence

from kostack.analyze.checks._kubeovn_draws import (
    Draws,
    Spans,
    both,
    draws,
    index,
    pod_addresses,
)
from kostack.analyze.checks._spans import Span, allocatable, merged, within
from kostack.model.cluster import Pod
from kostack.model.cni import KubeOvn, KubeOvnIPPool, KubeOvnSubnet, pool_range

NET = ipaddress.ip_network
CASES = 400  # the seeded random cases compared with the old scans


class Counted(tuple):  # type: ignore[type-arg]
    """A tuple that counts the items its iterations hand out."""

    visits = 0

    def __iter__(self) -> Iterator[object]:
        for item in super().__iter__():
            type(self).visits += 1
            yield item


class CountedPods(Counted):
    visits = 0


class CountedPools(Counted):
    visits = 0


# The old scans, kept here as the reference the index must agree with.
def _old_pool_spans(kube_ovn: KubeOvn, subnet: KubeOvnSubnet) -> Spans:
    out: dict[int, list[Span]] = {}
    for pool in kube_ovn.ip_pools or ():
        if pool.subnet != subnet.name:
            continue
        for entry in pool.ips:
            ends = pool_range(entry)
            if ends is not None:
                out.setdefault(ends[0].version, []).append((int(ends[0]), int(ends[1])))
    return {v: merged(s) for v, s in out.items()}


def _old_rest_drawn(kube_ovn: KubeOvn, subnet: KubeOvnSubnet, pods: Sequence[Pod] | None) -> bool:
    if subnet.default or subnet.namespaces is None or kube_ovn.ip_pools is None or pods is None:
        return True
    pooled = {ns for p in kube_ovn.ip_pools if p.subnet == subnet.name for ns in p.namespaces}
    if any(ns not in pooled for ns in subnet.namespaces):
        return True
    return any(
        p.kube_ovn.get("logical_switch") == subnet.name
        and "ip_pool" not in p.kube_ovn
        and p.namespace not in pooled
        and not p.host_network
        for p in pods
    )


def _old_draws(
    kube_ovn: KubeOvn,
    subnet: KubeOvnSubnet,
    pods: Sequence[Pod] | None,
    held: dict[str | None, Spans],
) -> Draws:
    free = allocatable(subnet)
    pools = _old_pool_spans(kube_ovn, subnet)
    rest = _old_rest_drawn(kube_ovn, subnet, pods)
    spans = {
        v: s if rest else both(s, pools.get(v, [])) for v, s in free.items() if rest or pools.get(v)
    }
    static: Spans = {}
    for cidr in subnet.cidrs:
        whole = (int(cidr.network_address), int(cidr.broadcast_address))
        for name in (subnet.name, None):
            found = within(held.get(name, {}).get(cidr.version, []), *whole)
            static.setdefault(cidr.version, []).extend(found)
    static = {v: merged(s) for v, s in static.items() if s}
    return Draws(spans, static, not rest and free != spans)


NAMESPACES = ("a", "b", "c", "d")
SUBNETS = ("s0", "s1", "s2", "s3")


def _case(rng: random.Random) -> tuple[KubeOvn, list[KubeOvnSubnet], list[Pod] | None]:
    """Four Subnets on 10.<i>.0.0/24, some default, some with namespaces not read; pools of
    any Subnet (one of none); pods naming a Subnet or none, with pools, hostNetwork or not."""
    subnets = [
        KubeOvnSubnet(
            name=name,
            cidrs=(NET(f"10.{i}.0.0/24"),),
            vlan="v",
            exclude_ips=(f"10.{i}.0.1",),
            default=rng.random() < 0.1,
            namespaces=None
            if rng.random() < 0.1
            else tuple(rng.sample(NAMESPACES, rng.randint(0, 2))),
        )
        for i, name in enumerate(SUBNETS)
    ]
    pools = tuple(
        KubeOvnIPPool(
            name=f"p{j}",
            subnet=rng.choice((*SUBNETS, "gone")),
            ips=tuple(
                f"10.{rng.randrange(4)}.0.{lo}..10.{rng.randrange(4)}.0.{lo + rng.randrange(20)}"
                if rng.random() < 0.5
                else f"10.{rng.randrange(4)}.0.{rng.randrange(1, 250)}"
                for _ in range(rng.randint(0, 3))
                for lo in (rng.randrange(1, 230),)
            ),
            namespaces=tuple(rng.sample(NAMESPACES, rng.randint(0, 2))),
        )
        for j in range(rng.randint(0, 5))
    )
    pools = tuple(p for p in pools if _ordered(p))
    kube_ovn = KubeOvn(subnets=tuple(subnets), ip_pools=None if rng.random() < 0.1 else pools)
    if rng.random() < 0.1:
        return kube_ovn, subnets, None
    pods = []
    for k in range(rng.randint(0, 8)):
        notes: dict[str, str] = {}
        if rng.random() < 0.7:
            notes["logical_switch"] = rng.choice((*SUBNETS, "elsewhere"))
        if rng.random() < 0.3:
            notes["ip_pool"] = f"10.{rng.randrange(4)}.0.{rng.randrange(1, 250)}"
        if rng.random() < 0.3:
            notes["ip_address"] = f"10.{rng.randrange(4)}.0.{rng.randrange(1, 250)}"
        pods.append(
            Pod(
                namespace=rng.choice(NAMESPACES),
                name=f"pod-{k}",
                host_network=rng.random() < 0.15,
                kube_ovn=notes,
            )
        )
    return kube_ovn, subnets, pods


def _ordered(pool: KubeOvnIPPool) -> bool:
    return all(pool_range(e) is not None for e in pool.ips)


def _safe_case(rng: random.Random) -> tuple[KubeOvn, list[KubeOvnSubnet], list[Pod] | None]:
    while True:
        try:
            return _case(rng)
        except ValueError:  # a random range whose first address is above its last
            continue


def test_the_index_answers_as_the_old_scans_did() -> None:
    rng = random.Random(20261208)
    narrowed = drawn = 0
    for _ in range(CASES):
        kube_ovn, subnets, pods = _safe_case(rng)
        held = pod_addresses(pods)
        idx = index(kube_ovn, pods)
        for subnet in subnets:
            new = draws(subnet, idx, held)
            assert new == _old_draws(kube_ovn, subnet, pods, held), (subnet, kube_ovn, pods)
            narrowed += new.narrowed
            drawn += not new.narrowed
    # the cases reach both answers, not one alone
    assert narrowed > CASES // 20 and drawn > CASES // 20


def test_two_thousand_subnets_visit_each_pod_and_pool_a_fixed_number_of_times() -> None:
    """2,000 underlay Subnets, 50,000 pods naming them, 5,000 IPPools: the old scans visited
    2,000 x 50,000 pods and 2,000 x 5,000 pools; the index visits each once per pass."""
    n_subnets, n_pods, n_pools = 2000, 50000, 5000
    subnets = [
        KubeOvnSubnet(
            name=f"u{i}",
            cidrs=(NET(f"10.{i // 256}.{i % 256}.0/24"),),
            vlan="v",
            exclude_ips=(),
            namespaces=(f"ns{i}",),
        )
        for i in range(n_subnets)
    ]
    pools = CountedPools(
        KubeOvnIPPool(
            name=f"p{j}",
            subnet=f"u{j % n_subnets}",
            ips=(f"10.{(j % n_subnets) // 256}.{j % n_subnets % 256}.{10 + j // n_subnets}",),
            namespaces=(f"ns{j % n_subnets}",),
        )
        for j in range(n_pools)
    )
    pods = CountedPods(
        Pod(
            namespace=f"ns{k % n_subnets}",
            name=f"pod-{k}",
            kube_ovn={"logical_switch": f"u{k % n_subnets}"},
        )
        for k in range(n_pods)
    )
    kube_ovn = KubeOvn(subnets=tuple(subnets)).model_copy(update={"ip_pools": pools})
    CountedPods.visits = CountedPools.visits = 0
    held = pod_addresses(pods)
    idx = index(kube_ovn, pods)
    found = [draws(s, idx, held) for s in subnets]
    assert CountedPods.visits <= 2 * n_pods  # pod_addresses, then index
    assert CountedPools.visits <= n_pools
    # every namespace draws from its pools alone and its pods name their own Subnet
    assert all(d.narrowed for d in found)
    first, last = (int(ipaddress.ip_address(f"10.0.0.{x}")) for x in (10, 12))
    assert found[0].spans == {4: [(first, last)]}  # its three pools' addresses, one span
