"""neutron-underlay-addresses: a Kube-OVN underlay Subnet hands pods what it holds between
cidrBlock and excludeIps; Neutron's ports holding such an address are a FAIL, Neutron's
allocation pools overlapping it a warning (docs/facts.md "Kube-OVN").

Before this check nothing compared the two: the base commit has no such check id, no
`exclude_ips` on KubeOvnSubnet, and the example did not exist.
"""

from __future__ import annotations

import ipaddress
import json
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from kostack.analyze.checks._spans import allocatable, holds, merged, minus, usable, within
from kostack.analyze.diagnose import WARNING_CAUSES, diagnose
from kostack.analyze.findings import Severity, Status
from kostack.analyze.messages import localize
from kostack.model.cni import KubeOvnSubnet
from kostack.model.load import parse_snapshot
from kostack_testkit.builders import SUBNET_ID, build, fake_id, seed_doc
from kostack_testkit.kubeovn import (
    as_kube_ovn,
    kube_ovn_example_doc,
    neutron_port,
    subnet,
    underlay_pool_overlap,
)

Doc = dict[str, Any]
ID = "neutron-underlay-addresses"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NET = ipaddress.ip_network
V6_SUBNET = fake_id("subnet", "k8s-subnet-v6")


def _findings(doc: Doc) -> list[Any]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == ID]


def _example() -> Doc:
    return kube_ovn_example_doc("kube-ovn-underlay-pool-overlap")


def _vlan(doc: Doc) -> Doc:
    return next(s for s in doc["cluster"]["cni"]["kube_ovn"]["subnets"] if s["name"] == "vlan-apps")


def test_the_example_fails_on_the_ports_and_warns_on_the_pool() -> None:
    found = _findings(_example())
    held = next(f for f in found if f.cause == "kube-ovn-address")
    assert (held.status, held.severity) == (Status.FAIL, Severity.HIGH)
    en = localize(held.message, "en")
    # the VM and the Octavia VIP, not the nodes (excluded) nor the DHCP port (excluded)
    assert "db-vm-port (10.0.0.150, device_owner=compute:nova)" in en
    assert "octavia-lb-vip (10.0.0.201, device_owner=Octavia)" in en
    assert "k8s-w-1" not in en and "dhcp-port" not in en
    assert "10.0.0.100..10.0.0.254" in en and "has already been used by host" in en
    assert {r.id for r in held.affected} == {
        fake_id("port", "db-vm-port"),
        fake_id("port", "octavia-lb-vip"),
    }
    commands = [r.param("command") for r in held.remedies]
    assert commands == [
        "kubectl patch subnet vlan-apps --type json -p "
        '\'[{"op":"add","path":"/spec/excludeIps/-","value":"10.0.0.150"}]\'',
        "kubectl patch subnet vlan-apps --type json -p "
        '\'[{"op":"add","path":"/spec/excludeIps/-","value":"10.0.0.201"}]\'',
    ]
    pool = next(f for f in found if f.cause == "kube-ovn-allocation-pool")
    assert (pool.status, pool.severity) == (Status.FAIL, Severity.LOW)
    assert "kube-ovn-allocation-pool" in WARNING_CAUSES
    text = localize(pool.message, "en")
    assert "in 10.0.0.100..10.0.0.254" in text
    # Neutron's pool covers all the Subnet hands out: excluding it in Kube-OVN would leave the
    # pods no address, so the one remedy shrinks Neutron's pool
    assert "would leave the Subnet no address to hand out" in text
    assert [r.param("command") for r in pool.remedies] == [
        "openstack subnet set --no-allocation-pool --allocation-pool "
        f"start=10.0.0.2,end=10.0.0.99 {SUBNET_ID}"
    ]
    assert "excludeIps/-" not in text
    assert not any(f.status == Status.PASS for f in found)


def test_the_korean_words() -> None:
    found = _findings(_example())
    held = next(f for f in found if f.cause == "kube-ovn-address")
    ko = localize(held.message, "ko")
    assert "Kube-OVN 언더레이 Subnet vlan-apps가 Pod에 주는 범위(10.0.0.100..10.0.0.254)" in ko
    assert "db-vm-port (10.0.0.150, device_owner=compute:nova)" in ko and "ContainerCreating" in ko
    pool = next(f for f in found if f.cause == "kube-ovn-allocation-pool")
    assert "Neutron 서브넷 k8s-subnet의 할당 풀(10.0.0.2-10.0.0.254)이" in localize(
        pool.message, "ko"
    )
    assert "{" not in ko


def _pool_warning(doc: Doc) -> Any:
    return next(f for f in _findings(doc) if f.cause == "kube-ovn-allocation-pool")


def test_the_pool_warning_offers_one_remedy_that_leaves_both_sides_addresses() -> None:
    """Excluding a part of what the Subnet hands out: the Kube-OVN patch alone (Neutron
    unchanged); all of it: Neutron's pool shrunk instead (the example); and when that would
    empty Neutron's pool too, no command, but the advice to split the network."""
    part = _example()
    part["openstack"]["subnets"][0]["allocation_pools"] = [
        {"start": "10.0.0.2", "end": "10.0.0.120"}
    ]
    warning = _pool_warning(part)
    assert [r.param("command") for r in warning.remedies] == [
        "kubectl patch subnet vlan-apps --type json -p "
        '\'[{"op":"add","path":"/spec/excludeIps/-","value":"10.0.0.100..10.0.0.120"}]\''
    ]
    assert "Prefer excluding them in Kube-OVN" in localize(warning.message, "en")
    same = _example()
    same["openstack"]["subnets"][0]["allocation_pools"] = [
        {"start": "10.0.0.100", "end": "10.0.0.254"}
    ]
    warning = _pool_warning(same)
    assert warning.remedies == ()
    assert "give Kube-OVN and Neutron separate parts" in localize(warning.message, "en")
    ko = localize(warning.message, "ko")
    assert "서로 다른 부분을 주세요" in ko and "{" not in ko


def test_fixed_by_excluding_in_kube_ovn_or_shrinking_neutron() -> None:
    excluded = _example()
    excluded["openstack"]["subnets"][0]["allocation_pools"] = [
        {"start": "10.0.0.2", "end": "10.0.0.120"}
    ]
    _vlan(excluded)["exclude_ips"] = ["10.0.0.1..10.0.0.120", "10.0.0.150", "10.0.0.201"]
    assert [f.status for f in _findings(excluded)] == [Status.PASS]
    shrunk = _example()
    shrunk["openstack"]["subnets"][0]["allocation_pools"] = [
        {"start": "10.0.0.2", "end": "10.0.0.99"}
    ]
    _vlan(shrunk)["exclude_ips"] += ["10.0.0.150", "10.0.0.201"]
    assert [f.status for f in _findings(shrunk)] == [Status.PASS]


def test_the_nodes_own_addresses_are_conflicts_too() -> None:
    """Kube-OVN does not exclude the nodes' addresses: an underlay Subnet whose excludeIps
    hold only the gateway may hand a pod a node's address."""
    doc = _example()
    _vlan(doc)["exclude_ips"] = ["10.0.0.1"]
    held = next(f for f in _findings(doc) if f.cause == "kube-ovn-address")
    en = localize(held.message, "en")
    assert "k8s-w-1-port (10.0.0.12, node=k8s-w-1)" in en and "dhcp-port (10.0.0.2" in en
    assert held.counts == (("ports", 7),)
    # consecutive addresses are one range to exclude: .2 (DHCP), .11-.14 (nodes), .150, .201
    values = [r.param("command").split('"value":"')[1].split('"')[0] for r in held.remedies]
    assert values == ["10.0.0.2", "10.0.0.11..10.0.0.14", "10.0.0.150", "10.0.0.201"]


def _dual_stack(doc: Doc) -> None:
    """A second, IPv6 Neutron subnet on the nodes' network, the ports on both."""
    doc["openstack"]["subnets"].append(
        {
            "id": V6_SUBNET,
            "name": "k8s-subnet-v6",
            "network_id": doc["openstack"]["subnets"][0]["network_id"],
            "cidr": "fd00:10::/64",
            "gateway_ip": "fd00:10::1",
            "allocation_pools": [{"start": "fd00:10::2", "end": "fd00:10::ffff"}],
        }
    )


def test_heterogeneous_subnets_families_and_huge_ranges() -> None:
    """Several underlay Subnets: one dual-stack (its IPv6 /64 less single IPs and a range),
    one huge IPv4 (a /8 over the nodes' /24, less a range), an overlay Subnet, an attachment
    network's underlay Subnet and the join subnet, which are not the pods' underlay."""
    doc = _example()
    _dual_stack(doc)
    subnets = doc["cluster"]["cni"]["kube_ovn"]["subnets"]
    _vlan(doc)["cidrs"] = ["10.0.0.0/24", "fd00:10::/64"]
    _vlan(doc)["exclude_ips"] = ["10.0.0.1..10.0.0.254", "fd00:10::1", "fd00:10::2..fd00:10::ffff"]
    subnets += [
        subnet("huge", "10.0.0.0/8", vlan="ovn-vlan", exclude_ips=["10.0.0.0..10.0.0.200"]),
        subnet("overlay", "10.17.0.0/16", exclude_ips=[]),
        subnet("attach", "10.0.0.0/24", vlan="v", provider="net1.ns.ovn", exclude_ips=[]),
    ]
    ports = doc["openstack"]["ports"]
    ports.append(neutron_port("v6-in", "fd00:10::1:5", "compute:nova", V6_SUBNET))
    ports.append(neutron_port("v6-out", "fd00:10::5", "compute:nova", V6_SUBNET))
    found = _findings(doc)
    held = {f.key: f for f in found if f.cause == "kube-ovn-address"}
    assert set(held) == {("held", "vlan-apps"), ("held", "huge")}
    vlan = localize(held["held", "vlan-apps"].message, "en")
    assert "v6-in (fd00:10::1:5" in vlan and "v6-out" not in vlan and "db-vm" not in vlan
    huge = localize(held["held", "huge"].message, "en")
    assert "octavia-lb-vip (10.0.0.201" in huge and "db-vm-port" not in huge
    pools = {f.key: localize(f.message, "en") for f in found if f.cause.endswith("pool")}
    # vlan-apps excludes all of Neutron's IPv4 and IPv6 pools; huge leaves .201-.254 of it
    assert set(pools) == {("allocation", "huge", SUBNET_ID)}
    assert "in 10.0.0.201..10.0.0.254:" in pools["allocation", "huge", SUBNET_ID]
    assert all(f.key[1] not in ("overlay", "attach") for f in found if f.key)


def test_cost_is_linear_in_ports_and_never_enumerates_a_range() -> None:
    """20,000 ports against an IPv6 /64 and a /8: binary searches, not addresses."""
    doc = _example()
    _dual_stack(doc)
    _vlan(doc)["cidrs"] = ["10.0.0.0/8", "fd00:10::/64"]
    _vlan(doc)["exclude_ips"] = [f"10.0.{i}.1..10.0.{i}.9" for i in range(200)]
    doc["openstack"]["ports"] += [
        neutron_port(f"vm-{i}", f"fd00:10::{i:x}:1", "compute:nova", V6_SUBNET)
        for i in range(20000)
    ]
    snap = build(doc)
    start = time.perf_counter()
    found = [f for f in diagnose(snap).findings if f.check_id == ID]
    assert time.perf_counter() - start < 60
    held = next(f for f in found if f.cause == "kube-ovn-address")
    # the 20,000 VMs, the four nodes (not excluded from the /8), the VM and the Octavia VIP
    assert dict(held.counts)["ports"] == 20000 + 4 + 2
    assert "and 20000 more" in localize(held.message, "en")


def test_arp_probe_off_says_the_address_is_shared() -> None:
    doc = _example()
    doc["cluster"]["cni"]["kube_ovn"]["arp_detect_ip_conflict"] = False
    held = next(f for f in _findings(doc) if f.cause == "kube-ovn-address")
    en = localize(held.message, "en")
    assert "--enable-arp-detect-ip-conflict=false" in en and "ContainerCreating" not in en


@pytest.mark.parametrize(
    ("edit", "status", "words"),
    [
        (lambda d: None, Status.NOT_APPLICABLE, "not Kube-OVN"),
        (as_kube_ovn, Status.NOT_APPLICABLE, "No Kube-OVN Subnet of the pods is underlay"),
    ],
)
def test_not_applicable(edit: Any, status: Status, words: str) -> None:
    doc = seed_doc()
    edit(doc)
    found = _findings(doc)
    assert [f.status for f in found] == [status]
    assert words in localize(found[0].message, "en")


def _subnets_unread(d: Doc) -> None:
    d["cluster"]["cni"]["kube_ovn"]["subnets"] = None


def _exclude_unread(d: Doc) -> None:
    _vlan(d)["exclude_ips"] = None


def _pools_unread(d: Doc) -> None:
    d["openstack"]["subnets"][0]["allocation_pools"] = None
    _vlan(d)["exclude_ips"] = ["10.0.0.1..10.0.0.254"]


def _ports_unread(d: Doc) -> None:
    d["openstack"]["ports"] = None


def _elsewhere(d: Doc) -> None:
    _vlan(d)["cidrs"] = ["192.168.7.0/24"]


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (_subnets_unread, "Subnets were not read"),
        (_exclude_unread, "excludeIps of Kube-OVN underlay Subnet vlan-apps were not read"),
        (_pools_unread, "allocation pools of Neutron subnet k8s-subnet were not read"),
        (_ports_unread, "openstack.ports"),
        (_elsewhere, "overlaps no Neutron subnet of the nodes' networks"),
    ],
)
def test_unknown_rather_than_pass(edit: Any, words: str) -> None:
    doc = _example()
    edit(doc)
    found = _findings(doc)
    assert Status.UNKNOWN in {f.status for f in found}
    assert Status.PASS not in {f.status for f in found}
    assert any(words in localize(f.message, "en") + " ".join(f.evidence) for f in found)


def test_spans() -> None:
    assert merged([(5, 9), (1, 3), (4, 4), (20, 30)]) == [(1, 9), (20, 30)]
    assert minus([(1, 100)], [(10, 20), (50, 50), (90, 200)]) == [(1, 9), (21, 49), (51, 89)]
    assert holds([(1, 9), (21, 49)], 21) and not holds([(1, 9), (21, 49)], 10)
    assert within([(1, 9), (21, 49)], 5, 30) == [(5, 9), (21, 30)]
    # Kube-OVN's FirstIP/LastIP: all but the first and last; a /31 both; a /32 none
    assert usable(NET("10.0.0.0/24")) == (int(NET("10.0.0.1/32")[0]), int(NET("10.0.0.254/32")[0]))
    assert usable(NET("10.0.0.0/31")) == (int(NET("10.0.0.0/32")[0]), int(NET("10.0.0.1/32")[0]))
    assert usable(NET("10.0.0.7/32")) is None
    s = KubeOvnSubnet(name="x", cidrs=(NET("10.0.0.0/24"),), exclude_ips=("10.0.0.1..10.0.0.9",))
    assert allocatable(s) == {4: [(int(NET("10.0.0.10/32")[0]), int(NET("10.0.0.254/32")[0]))]}


def test_older_snapshots_load_and_bad_entries_are_refused() -> None:
    assert KubeOvnSubnet(name="x").exclude_ips is None
    for bad in ("10.0.0.9..10.0.0.1", "10.0.0.1..10.0.0.2..10.0.0.3", "FD00::1", "x"):
        with pytest.raises(ValidationError):
            KubeOvnSubnet(name="x", exclude_ips=(bad,))
    doc = json.loads((EXAMPLES / "kube-ovn-underlay-no-pairs.json").read_text())
    for s in doc["cluster"]["cni"]["kube_ovn"]["subnets"]:
        s.pop("exclude_ips", None)
    doc["cluster"]["cni"]["kube_ovn"].pop("arp_detect_ip_conflict", None)
    assert parse_snapshot(doc).cluster is not None


def test_the_builder_is_the_example() -> None:
    doc = seed_doc()
    underlay_pool_overlap(doc)
    assert _vlan(doc)["exclude_ips"] == ["10.0.0.1..10.0.0.99"]
