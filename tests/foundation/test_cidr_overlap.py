"""net-cidr-overlap's pure part: groups of overlapping ranges, never a range overlapping itself."""

from __future__ import annotations

import copy
import ipaddress

from kostack.analyze.checks.net_cidr_overlap import Range, overlapping_groups
from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.testing.builders import build, seed_doc


def groups(*ranges: tuple[str, str, str]) -> list[list[tuple[str, str, str]]]:
    out = overlapping_groups(Range(k, n, ipaddress.ip_network(c), n) for k, n, c in ranges)
    return [[(r.kind, r.name, str(r.cidr)) for r in g] for g in out]


POD = ("pod", "", "10.244.0.0/16")
SVC = ("service", "", "10.96.0.0/12")
NODES = ("subnet", "k8s-subnet", "10.0.0.0/24")


def test_a_range_listed_twice_never_overlaps_itself() -> None:
    assert groups(POD, POD, SVC, SVC, NODES, NODES) == []


def test_one_group_per_overlap_led_by_the_widest_range() -> None:
    inner = ("service", "", "10.244.128.0/20")
    assert groups(POD, inner, NODES) == [[POD, inner]]
    same = ("subnet", "pods-too", "10.244.0.0/16")
    assert groups(POD, same) == [[POD, same]]


def test_subnets_overlapping_only_each_other_are_not_this_checks_business() -> None:
    wide = ("subnet", "a", "10.0.0.0/8")
    inside = ("subnet", "b", "10.1.0.0/16")
    pod = ("pod", "", "10.2.0.0/16")
    assert groups(wide, inside) == []
    # the pod overlaps the wide subnet only: the other subnet is not named
    assert groups(wide, inside, pod) == [[wide, pod]]
    # a subnet inside the pod CIDR is named, and so is one around it
    assert groups(("pod", "", "10.1.0.0/16"), wide, inside) == [
        [wide, ("pod", "", "10.1.0.0/16"), inside]
    ]


def test_separate_overlaps_are_separate_groups_in_address_order() -> None:
    v6 = [("pod", "", "fd00::/48"), ("subnet", "v6", "fd00:0:0:1::/64")]
    found = groups(
        ("service", "", "192.168.0.0/16"),
        ("subnet", "d", "192.168.1.0/24"),
        ("pod", "", "10.0.0.0/8"),
        ("subnet", "b", "10.1.0.0/16"),
        *v6,
    )
    assert found == [
        [("pod", "", "10.0.0.0/8"), ("subnet", "b", "10.1.0.0/16")],
        [("service", "", "192.168.0.0/16"), ("subnet", "d", "192.168.1.0/24")],
        v6,
    ]


def test_ten_thousand_subnets_in_the_pod_cidr_are_one_finding_naming_eight() -> None:
    doc = seed_doc()
    net = doc["openstack"]["networks"][0]["id"]
    template = doc["openstack"]["subnets"][0]
    subnets = []
    for i in range(10_000):
        sn = copy.deepcopy(template)
        sn.update(id=f"sn-{i}", name=f"sn-{i}", network_id=net, gateway_ip=None)
        sn["cidr"] = f"10.244.{i // 64 % 256}.{i % 64 * 4}/30"
        subnets.append(sn)
    doc["openstack"]["subnets"] = [template, *subnets]
    d = diagnose(build(doc))
    overlap = [f for f in d.findings if f.check_id == "net-cidr-overlap"]
    assert len(overlap) == 1 and overlap[0].status == Status.FAIL
    assert dict(overlap[0].counts)["ranges"] == 10_001
    assert len(overlap[0].evidence) == 9 and overlap[0].evidence[-1].startswith("... and 9993 more")
    assert overlap[0].message.startswith("The pod CIDR 10.244.0.0/16 overlaps subnet sn-0 ")
    # the lead, 7 named and 9,993 counted
    assert "sn-6 10.244.0.24/30 and 9993 more: addresses" in overlap[0].message
