"""net-cidr-overlap's pure part: groups of overlapping ranges, never a range overlapping itself."""

from __future__ import annotations

import copy
import ipaddress

from kostack.analyze.cidr_sweep import Range, overlapping_groups, pod_overlap_sets
from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Severity, Status
from kostack_testkit.builders import build, seed_doc


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


def sets(*ranges: tuple[str, str, str]) -> list[tuple[str, list[str], int, list[str]]]:
    found = pod_overlap_sets(Range(k, n, ipaddress.ip_network(c), n) for k, n, c in ranges)
    return [
        (
            str(s.pod.cidr),
            [r.name or r.kind for r in s.around],
            s.around_count,
            [r.name or r.kind for r in s.inside],
        )
        for s in found
    ]


def test_a_pod_range_gets_the_ranges_around_it_and_those_inside_it() -> None:
    assert sets(
        ("subnet", "wide", "10.0.0.0/8"),
        ("pod", "", "10.244.0.0/16"),
        ("subnet", "same", "10.244.0.0/16"),
        ("service", "", "10.244.128.0/20"),
        ("subnet", "in", "10.244.1.0/24"),
        ("subnet", "outside", "192.168.0.0/24"),
    ) == [("10.244.0.0/16", ["same", "wide"], 2, ["in", "service"])]
    # a pod range that overlaps nothing else is not listed
    assert sets(POD, ("subnet", "far", "192.168.0.0/24")) == []


def test_a_range_inside_nested_pod_ranges_belongs_to_the_inner_one() -> None:
    assert sets(
        ("pod", "", "10.0.0.0/8"),
        ("subnet", "a", "10.0.0.0/24"),
        ("pod", "", "10.1.0.0/16"),
        ("subnet", "b", "10.1.2.0/24"),
        ("subnet", "c", "10.2.0.0/24"),
    ) == [("10.0.0.0/8", [], 0, ["a", "c"]), ("10.1.0.0/16", [], 0, ["b"])]


def test_many_ranges_around_many_pod_ranges_are_named_eight_times_and_counted() -> None:
    """3,000 subnets with one /8 around 3,000 pod /24s: every pod range names 8 of them and
    counts 3,000 (a list per pair would hold 9,000,000)."""
    around = [("subnet", f"s{i}", "10.0.0.0/8") for i in range(3000)]
    pods = [("pod", "", f"10.{i // 256}.{i % 256}.0/24") for i in range(3000)]
    found = pod_overlap_sets(
        Range(k, n, ipaddress.ip_network(c), n) for k, n, c in [*around, *pods]
    )
    assert len(found) == 3000
    assert all(len(s.around) == 8 and s.around_count == 3000 and not s.inside for s in found)


def test_ten_thousand_subnets_in_the_pod_cidr_are_two_findings_naming_eight_each() -> None:
    """The subnets inside a pod range are told per verdict: those over a handed-out block
    (actual, critical) and the rest (latent: Calico may claim a block there any time)."""
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
    assert [(f.status, f.severity, f.cause) for f in overlap] == [
        (Status.FAIL, Severity.CRITICAL, "cidr-overlap"),
        (Status.FAIL, Severity.HIGH, "cidr-overlap-latent"),
    ]
    actual, latent = overlap
    handed = [int(str(b["cidr"]).split(".")[2]) for b in doc["cluster"]["cni"]["calico"]["blocks"]]
    in_blocks = 16 * len(handed)  # sixteen /30s in each seed /26 block
    assert dict(actual.counts)["ranges"] == 1 + in_blocks
    assert dict(latent.counts)["ranges"] == 1 + 10_000 - in_blocks
    for f, named_more in ((actual, in_blocks - 8), (latent, 10_000 - in_blocks - 8)):
        # pod range, 8 named, "... and N more", allocator, in-use blocks or allocated
        assert len(f.evidence) == 12
        assert f.evidence[9] == f"... and {named_more} more overlapping ranges"
        assert f"and {named_more} more" in f.message
    assert actual.message.startswith("The pod range 10.244.0.0/16 overlaps the subnet sn-0 ")
    assert "10.244.0.0/26 (k8s-cp-1)" in actual.message
    assert "subnet sn-16 10.244.0.64/30" in latent.message  # the first /30 past the first block
