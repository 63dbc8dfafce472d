"""Kube-OVN's IPPools in the release chain: a pod without an address in a namespace bound to a
pool draws only from the pool (kubeovn/docs docs/guide/ippool.en.md), so a cause that breaks
the pods at other addresses spares it; where the pools were not read, that stays unknown."""

from __future__ import annotations

import ipaddress

import pytest
from release_testing import harbor, with_helm

from kostack.analyze.checks._spans import NamespaceRanges
from kostack.collect.helm import HelmCollection
from kostack.model import Snapshot
from kostack.model.cni import KubeOvn, KubeOvnIPPool, KubeOvnSubnet

POOLED = "kube-ovn-underlay-ippool.json"  # harbor bound to harbor-pool, 10.0.0.100..140
UNPOOLED = "kube-ovn-underlay-pool-overlap.json"  # the same, no IPPool read
ADDRESSLESS = {"harbor-database-0": {"ip": None}}


def addressless(snapshot: Snapshot) -> Snapshot:
    """Harbor's database without an address (ContainerCreating)."""
    assert snapshot.helm is not None
    pods = tuple(
        p.model_copy(update={"ip": None})
        if p.namespace == "harbor" and p.name in ADDRESSLESS
        else p
        for p in snapshot.helm.pods or ()
    )
    return snapshot.model_copy(update={"helm": snapshot.helm.model_copy(update={"pods": pods})})


def shared(snapshot: Snapshot) -> Snapshot:
    """vlan-apps bound to namespace web too, which has no pool: web's pods draw from the rest
    of vlan-apps, where Neutron's ports hold 10.0.0.150 and .201 (a kube-ovn-address cause),
    while harbor's still draw from harbor-pool alone."""
    assert snapshot.cluster is not None and snapshot.cluster.cni.kube_ovn is not None
    kube_ovn = snapshot.cluster.cni.kube_ovn
    subnets = tuple(
        s.model_copy(update={"namespaces": ("harbor", "web")}) if s.name == "vlan-apps" else s
        for s in kube_ovn.subnets or ()
    )
    cni = snapshot.cluster.cni.model_copy(
        update={"kube_ovn": kube_ovn.model_copy(update={"subnets": subnets})}
    )
    cluster = snapshot.cluster.model_copy(update={"cni": cni})
    return snapshot.model_copy(update={"cluster": cluster})


def test_a_pod_without_an_address_in_a_pooled_namespace_is_spared(
    collected: HelmCollection,
) -> None:
    found, lines = harbor(addressless(shared(with_helm(POOLED, collected))))
    assert found.cause == ""
    assert lines[-1].startswith(
        "-> the root cause (Kube-OVN's underlay hands pods addresses that Neutron ports hold) "
        "breaks only the pods at 10.0.0.150, 10.0.0.201: none of "
    )
    assert lines[-1].endswith("is among them, so it is not this release's cause")


def test_without_the_pools_read_the_same_pod_stays_undecided(collected: HelmCollection) -> None:
    found, lines = harbor(addressless(with_helm(UNPOOLED, collected)))
    assert found.cause == ""
    assert found.extra["end"] == "unknown"
    assert "harbor-database-0 has no address or node in the snapshot" in lines[-1]


def _subnet(
    name: str, cidr: str, namespaces: tuple[str, ...] | None = (), **kw: object
) -> KubeOvnSubnet:
    return KubeOvnSubnet.model_validate(
        {"name": name, "cidrs": [cidr], "namespaces": namespaces, **kw}
    )


def _pool(name: str, subnet: str, ips: list[str], namespaces: list[str]) -> KubeOvnIPPool:
    return KubeOvnIPPool(name=name, subnet=subnet, ips=tuple(ips), namespaces=tuple(namespaces))


def _ip(text: str) -> int:
    return int(ipaddress.ip_address(text))


SUBNETS = (
    _subnet("ovn-default", "10.16.0.0/16", default=True),
    _subnet("join", "100.64.0.0/16"),
    _subnet("apps", "10.17.0.0/16", ("harbor", "web")),
)


@pytest.mark.parametrize(
    ("namespace", "spans"),
    [
        # its pools, only inside apps' CIDR (10.18.0.1 is not), two pools joined
        (
            "harbor",
            {4: [(_ip("10.17.0.10"), _ip("10.17.0.10")), (_ip("10.17.1.0"), _ip("10.17.1.255"))]},
        ),
        ("web", {4: [(_ip("10.17.0.0"), _ip("10.17.255.255"))]}),  # its Subnet
        ("other", {4: [(_ip("10.16.0.0"), _ip("10.16.255.255"))]}),  # the default Subnet
    ],
)
def test_what_a_namespace_draws(namespace: str, spans: dict[int, list[tuple[int, int]]]) -> None:
    pools = (
        _pool("a", "apps", ["10.17.0.10", "10.18.0.1"], ["harbor"]),
        _pool("b", "apps", ["10.17.1.0/24"], ["harbor"]),
    )
    kube_ovn = KubeOvn(subnets=SUBNETS, ip_pools=pools)
    assert NamespaceRanges(kube_ovn).of(namespace) == spans


def test_what_is_not_known_is_none() -> None:
    """Pools unread, a pool of a Subnet kostack does not know, Subnets whose namespaces were
    not read (an older snapshot): None, never a guess."""
    assert NamespaceRanges(KubeOvn(subnets=SUBNETS, ip_pools=None)).of("web") is None
    stray = KubeOvn(subnets=SUBNETS, ip_pools=(_pool("s", "gone", ["10.9.0.1"], ["harbor"]),))
    assert NamespaceRanges(stray).of("harbor") is None
    assert NamespaceRanges(stray).of("web") is not None
    old = (*SUBNETS[:2], _subnet("apps", "10.17.0.0/16", None))
    assert NamespaceRanges(KubeOvn(subnets=old, ip_pools=())).of("other") is None
