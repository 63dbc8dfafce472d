"""A pod's own address of a Kube-OVN underlay Subnet (ovn.kubernetes.io/ip_address, an
ip_pool list) inside a Neutron subnet's allocation pool that no Neutron port holds: Neutron
may hand it to a new port, a duplicate address (analyze/checks/_kubeovn_static_pool.py).
Kube-OVN grants a pod's own address even inside excludeIps (kubeovn/kube-ovn
pkg/ipam/subnet.go allocateStaticAddress), so the fix is Neutron's: a reserving port, or the
pools without it. Before: only the addresses the IPAM hands out were compared with the pools,
so a static address inside excludeIps passed."""

from __future__ import annotations

import shlex
from typing import Any

from test_kubeovn_draws import _findings, _pod, _pooled

from kostack.analyze.findings import Severity, Status
from kostack.analyze.messages import localize
from kostack_testkit.builders import SUBNET_ID
from kostack_testkit.kubeovn import neutron_port

KEY = ("static-allocation", "vlan-apps", SUBNET_ID)


def _static(doc: dict[str, Any]) -> Any:
    return next((f for f in _findings(doc) if f.key == KEY), None)


def test_a_static_address_in_the_pool_no_port_holds_is_a_warning() -> None:
    doc = _pooled()
    _pod(doc, "db-0", "harbor", ip_address="10.0.0.50")  # inside excludeIps .1-.99
    found = _static(doc)
    assert found is not None
    assert found.status == Status.FAIL and found.severity == Severity.LOW
    assert found.cause == "kube-ovn-allocation-pool"
    en = localize(found.message, "en")
    assert "1 address that pods of Kube-OVN underlay Subnet vlan-apps" in en
    assert ": 10.0.0.50." in en and "Excluding it in Kube-OVN does not help" in en
    reserve, shrink = (dict(r.params)["command"] for r in found.remedies)
    argv = shlex.split(reserve)
    assert argv[:3] == ["openstack", "port", "create"]
    assert f"subnet={SUBNET_ID},ip-address=10.0.0.50" in argv
    assert shlex.split(shrink)[-1] == SUBNET_ID and "start=10.0.0.51,end=10.0.0.254" in shrink
    assert f"`{reserve}`" in en or reserve in en  # the printed command is the quoted one
    ko = localize(found.message, "ko")
    assert "Neutron에서 포트로 예약하거나" in ko and "{" not in ko


def test_held_handed_out_or_outside_the_pools_says_nothing_more() -> None:
    # held by a Neutron port: the static FAIL already says it
    held = _pooled()
    held["openstack"]["ports"].append(neutron_port("legacy-vm", "10.0.0.50", "compute:nova"))
    _pod(held, "db-0", "harbor", ip_address="10.0.0.50")
    assert _static(held) is None
    # inside the harbor pool (.100-.140): the IPAM's own, the allocation-pool warning's
    drawn = _pooled()
    _pod(drawn, "db-0", "harbor", ip_address="10.0.0.120")
    assert _static(drawn) is None
    assert any(f.key[0] == "allocation" for f in _findings(drawn))
    # outside Neutron's pools (.2-.254 there): nothing
    outside = _pooled()
    for s in outside["openstack"]["subnets"]:
        s["allocation_pools"] = [{"start": "10.0.0.200", "end": "10.0.0.254"}]
    _pod(outside, "db-0", "harbor", ip_address="10.0.0.50")
    assert _static(outside) is None


def test_many_static_addresses_keep_one_warning_and_the_pools_command() -> None:
    """An ip_pool list of 40 addresses: one warning, no reserving port per address."""
    doc = _pooled()
    listed = ",".join(f"10.0.0.{i}" for i in range(10, 50))
    _pod(doc, "db-0", "harbor", ip_pool=listed)
    found = _static(doc)
    assert found is not None
    assert len(found.remedies) == 1
    assert "start=10.0.0.50,end=10.0.0.254" in dict(found.remedies[0].params)["command"]
    # .11-.14 are the nodes' ports' (held: the static FAIL's), the other 36 are no port's
    assert "36 addresses" in localize(found.message, "en")
    assert found.key == KEY and "start=10.0.0.11,end=10.0.0.14" in found.remedies[0].params[0][1]
