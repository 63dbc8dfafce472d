"""Several Calico pools beyond the engine's pod ends: how findings name the pools, the fix
plan's pairs and reasons (a pool's nodeSelector), and net-calico-host-nat per family.
Each test failed on the code before it (docs/engine.md, "Several IP pools")."""

from __future__ import annotations

from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.catalog import localize
from kostack.collect._cni_calico_parse import parse_ip_pool
from kostack.collect._kube_objects import Notes
from kostack.model.calico_selector import matches
from kostack.plan.build import build_plan
from kostack.probe.plan import build_probe_plan
from kostack_testkit.builders import (
    POD_CIDR,
    SERVICE_CIDR,
    _pod,
    add_pairs,
    build,
    seed_doc,
)
from kostack_testkit.dualstack import make_dual_stack
from kostack_testkit.multipool import POOL_B, add_pool, two_pools

Doc = dict[str, Any]


def _both_uncovered() -> Doc:
    """Two native pools (B on k8s-w-2 and k8s-w-3), pairs for neither."""
    doc = seed_doc()
    two_pools(doc, ipip="Never")
    add_pairs(doc, [SERVICE_CIDR])
    return doc


def _reasons(doc: Doc) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """Each port action's node: its reason in English and Korean, and the ranges it adds."""
    plan = build_plan(build(doc))
    out = {}
    for a in plan.actions:
        if a.pairs:
            out[a.target.name] = (
                localize(a.reason, "en"),
                localize(a.reason, "ko"),
                tuple(p.ip_address for p in a.pairs),
            )
    return out


def test_a_pod_outside_every_pool_is_said_so_in_both_languages() -> None:
    doc = seed_doc()
    two_pools(doc, ipip="Never")
    add_pairs(doc, [POD_CIDR, SERVICE_CIDR])
    doc["cluster"]["pods"].append(_pod("stray", "outside-1", "k8s-w-1", "10.250.1.5", {}))
    d = diagnose(build(doc))
    p2p = [f for f in d.findings if f.check_id == "net-pod-to-pod" and f.status == Status.FAIL]
    en = [localize(f.message, "en") for f in p2p]
    ko = [localize(f.message, "ko") for f in p2p]
    assert not any("IP pool -" in t or "-," in t for t in en), en
    assert any("pods in IP pool 10.245.0.0/16 and pods outside every IP pool" in t for t in en), en
    assert any("IP 풀 10.245.0.0/16의 Pod 및 어느 IP 풀에도 속하지 않은 Pod 간" in t for t in ko), (
        ko
    )
    assert not any("풀 -" in t for t in ko), ko


def test_plan_reason_names_every_pool_the_port_gets() -> None:
    reasons = _reasons(_both_uncovered())
    en, ko, added = reasons["k8s-w-2"]
    assert added == (POD_CIDR, POOL_B)
    assert f"addresses in {POD_CIDR}, {POOL_B}" in en, en
    assert f"{POD_CIDR}, {POOL_B} 범위의 주소" in ko, ko


def test_plan_reason_with_fifty_pools_is_bounded() -> None:
    doc = _both_uncovered()
    for i in range(48):
        add_pool(doc, f"p{i}", f"10.{150 + i}.0.0/16")
    en, ko, added = _reasons(doc)["k8s-w-1"]
    assert len(added) == 50
    assert "and 46 more" in en and en.count("/16") == 4, en
    assert "외 46개" in ko, ko


def test_a_pool_is_paired_only_on_the_nodes_its_selector_selects() -> None:
    doc = _both_uncovered()
    doc["cluster"]["cni"]["calico"]["ip_pools"][1]["node_selector"] = "pool == 'b'"
    for node in doc["cluster"]["nodes"]:
        if node["name"] in ("k8s-w-2", "k8s-w-3"):
            node["labels"]["pool"] = "b"
    reasons = _reasons(doc)
    assert reasons["k8s-cp-1"][2] == (POD_CIDR,)
    assert reasons["k8s-w-1"][2] == (POD_CIDR,)
    assert reasons["k8s-w-2"][2] == (POD_CIDR, POOL_B)
    assert POOL_B not in reasons["k8s-w-1"][0]
    plan = build_plan(build(doc))
    assert plan.verification.after == ()


def test_a_selector_kostack_cannot_evaluate_pairs_every_node() -> None:
    doc = _both_uncovered()
    doc["cluster"]["cni"]["calico"]["ip_pools"][1]["node_selector"] = "zone =~ 'a'"
    reasons = _reasons(doc)
    assert all(reasons[n][2] == (POD_CIDR, POOL_B) for n in reasons), reasons


def test_a_pool_with_no_node_still_pairs_where_its_block_is() -> None:
    """The selector matches nothing now, but a block of the pool sits on k8s-w-2 (selector
    changed after allocation): the pods there still send from it."""
    doc = _both_uncovered()
    doc["cluster"]["cni"]["calico"]["ip_pools"][1]["node_selector"] = "pool == 'none'"
    reasons = _reasons(doc)
    assert reasons["k8s-w-2"][2] == (POD_CIDR, POOL_B)
    assert reasons["k8s-w-1"][2] == (POD_CIDR,)


@pytest.mark.parametrize(
    ("selector", "labels", "want"),
    [
        (None, {}, True),
        ("", {}, True),
        ("all()", {}, True),
        ("pool == 'b'", {"pool": "b"}, True),
        ("pool == 'b'", {"pool": "a"}, False),
        ("pool == 'b'", {}, False),
        ('pool == "b"', {"pool": "b"}, True),
        ("has(pool)", {"pool": ""}, True),
        ("!has(pool)", {"pool": ""}, False),
        ("zone in {'a', 'b'} && has(gpu)", {"zone": "b", "gpu": "1"}, True),
        ("zone in {'a', 'b'} && has(gpu)", {"zone": "c", "gpu": "1"}, False),
        ("zone not in {'a'}", {"zone": "b"}, True),
        ("zone not in {'a'}", {}, True),  # != and not in: a node without the label too
        ("zone != 'a'", {}, True),
        ("zone != 'a'", {"zone": "a"}, False),
        ("zone != 'a' || has(x)", {"x": "1"}, True),
        ("zone != 'a' && has(x)", {}, False),
        ("!(topology.kubernetes.io/zone == 'z1')", {"topology.kubernetes.io/zone": "z1"}, False),
        ("zone starts with 'a'", {"zone": "ab"}, True),
        ("zone starts with 'a'", {"zone": "ba"}, False),
        ("zone starts with 'a'", {}, False),
        ("zone ends with 'b'", {"zone": "ab"}, True),
        ("zone contains 'b'", {"zone": "abc"}, True),
        ("zone contains 'x'", {"zone": "abc"}, False),
        ("zone contains 'x'", {}, False),
        ("global()", {}, True),
        ("zone =~ 'a'", {"zone": "a"}, None),  # not Calico's grammar
        ("pool == 'b", {"pool": "b"}, None),
        ("(" * 40 + "all()" + ")" * 40, {}, None),
        ("has(a) " + "&& has(a) " * 200, {"a": "1"}, None),  # longer than 1024
        ("?", {}, None),
    ],
)
def test_node_selector_subset(
    selector: str | None, labels: dict[str, str], want: bool | None
) -> None:
    assert matches(selector, labels) is want


def test_a_selector_is_read_once_however_many_nodes_it_is_matched_against() -> None:
    """Pools x nodes evaluations must not re-read a long selector each time (a hostile
    1,000-character selector on 50 pools at 5,000 nodes would be read 250,000 times)."""
    from kostack.model.calico_selector import _tokens

    _tokens.cache_clear()
    long_one = "has(a) " + "|| zone == 'z' " * 60  # under 1,024 characters, ~240 tokens
    for n in range(500):
        assert matches(long_one, {"a": str(n)}) is True
        assert matches("zone == 'z'", {"zone": "y" if n % 2 else "z"}) is (n % 2 == 0)
    info = _tokens.cache_info()
    assert info.misses == 2 and info.hits == 998


def test_collector_keeps_the_node_selector() -> None:
    def pool(spec: dict[str, object]) -> str | None:
        obj = {"metadata": {"name": "p"}, "spec": {"cidr": "10.245.0.0/16", **spec}}
        parsed = parse_ip_pool(obj, "IPPool", Notes())
        assert parsed is not None
        return parsed.node_selector

    assert pool({}) is None and pool({"nodeSelector": " all() "}) is None  # every node
    assert pool({"nodeSelector": "pool == 'b'"}) == "pool == 'b'"
    assert pool({"nodeSelector": {"x": 1}}) == "?"  # not a string: not evaluated
    assert pool({"nodeSelector": "a" * 5000}) == "?"
    assert matches(pool({"nodeSelector": ["x"]}), {}) is None


def _dual_stack_host_nat() -> Doc:
    """Both families' pools VXLAN Always with natOutgoing, natOutgoingExclusions
    IPPoolsAndHostIPs, pairs for the IPv4 pod and service CIDRs only."""
    doc = seed_doc()
    make_dual_stack(doc)
    calico = doc["cluster"]["cni"]["calico"]
    for pool in calico["ip_pools"]:
        pool["vxlan_mode"], pool["nat_outgoing"] = "Always", True
    calico["nat_outgoing_exclusions"] = "IPPoolsAndHostIPs"
    add_pairs(doc, [POD_CIDR, SERVICE_CIDR])
    return doc


def test_host_nat_judges_the_ipv6_pools_too() -> None:
    d = diagnose(build(_dual_stack_host_nat()))
    found = [f for f in d.findings if f.check_id == "net-calico-host-nat"]
    assert [f.status for f in found] == [Status.FAIL], found
    (f,) = found
    assert localize(f.message, "en").startswith("IPv6: natOutgoingExclusions"), f.message
    assert localize(f.message, "ko").startswith("IPv6: natOutgoingExclusions가")
    pairs = {(r.target_name, r.param("ip_address")) for r in f.remedies}
    assert pairs == {(n, "fd00:10:244::/56") for n in ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3")}


def test_host_nat_ipv4_pairs_only_for_ipv4() -> None:
    """The IPv4 drop adds IPv4 ranges only (it added the IPv6 pod CIDR too, though the
    IPv6 pool does not masquerade)."""
    doc = _dual_stack_host_nat()
    doc["cluster"]["cni"]["calico"]["ip_pools"][1]["nat_outgoing"] = False
    for port in doc["openstack"]["ports"]:
        port["allowed_address_pairs"] = []
    d = diagnose(build(doc))
    (f,) = [f for f in d.findings if f.check_id == "net-calico-host-nat"]
    assert f.status == Status.FAIL
    assert {r.param("ip_address") for r in f.remedies} == {POD_CIDR}


def _native_b_uncovered() -> Doc:
    from kostack_testkit.multipool import two_pools_native_uncovered

    doc = seed_doc()
    two_pools_native_uncovered(doc)
    return doc


def test_picture_draws_the_pool_that_fails_between_two_nodes() -> None:
    """Each node's first pod is pool A's (covered): the picture drew k8s-w-2 -> k8s-w-3
    open while pool B's pods there are dropped."""
    from kostack.report.topology_picture import picture

    pic = picture(build(_native_b_uncovered()))
    keys = {n.name: n.key for n in pic.nodes}
    p2p = {(f.src, f.dst): f for f in pic.flows if f.kind == "pod-to-pod"}
    w2_w3 = p2p[(keys["k8s-w-2"], keys["k8s-w-3"])]
    assert not w2_w3.ok and "10.245." in w2_w3.detail, w2_w3
    assert p2p[(keys["k8s-cp-1"], keys["k8s-w-1"])].ok  # no pool B there: as before


def test_class_picture_draws_the_pool_that_fails_between_two_classes() -> None:
    """A cluster too big for a box per node: every node's first pod is in the native pool
    (paired), the IPIP and VXLAN pools (every third and fifth node) lack their rules; the
    class picture drew every pod-to-pod line open."""
    from kostack.report.topology_picture import picture
    from kostack_testkit.multipool import synthetic_multipool_doc

    pic = picture(build(synthetic_multipool_doc(40, pods_per_node=1)))
    assert pic.aggregated
    p2p = [f for f in pic.flows if f.kind == "pod-to-pod"]
    assert p2p and any(not f.ok for f in p2p), p2p
    assert any("10.64." in f.label or "10.80." in f.label for f in p2p if not f.ok), p2p


def _hostile() -> Doc:
    """50 IPv4 pools (selectors kostack can and cannot evaluate), an IPv6 pool and a pool no
    node can have, both pools' pairs missing."""
    doc = _both_uncovered()
    make_dual_stack(doc)
    pools = doc["cluster"]["cni"]["calico"]["ip_pools"]
    selectors = ["pool == 'b'", "zone =~ 'x'", "has(gpu) && !has(gpu)"]
    for i in range(47):
        add_pool(doc, f"p{i}", f"10.{150 + i}.0.0/16")
        pools[-1]["node_selector"] = selectors[i % 3]
    add_pool(doc, "nowhere", "10.99.0.0/16")  # no node has the label
    pools[-1]["node_selector"] = "role == 'none'"
    return doc


def test_hostile_pools_fifty_with_selectors_an_ipv6_one_and_one_on_no_node() -> None:
    """diagnose, fix plan and probe plan finish, say the pools bounded, pair no port with a
    pool that cannot be on its node, and pin no probe to the pool with no node."""
    snapshot = build(_hostile())
    d = diagnose(snapshot)
    for f in d.findings:
        text = localize(f.message, "en")
        assert text.count("/16") <= 12, text  # pools said four at a time, then a count
    plan = build_plan(snapshot)
    for a in plan.actions:
        added = {p.ip_address for p in a.pairs}
        assert "10.99.0.0/16" not in added, a  # a pool no node can be on: no pair anywhere
        # "has(gpu) && !has(gpu)" selects no node: never paired; "=~": everywhere
        assert not added & {f"10.{150 + i}.0.0/16" for i in range(2, 47, 3)}, a
        if a.pairs:
            assert "10.151.0.0/16" in added  # cannot be evaluated: possibly on every node
    probes = build_probe_plan(snapshot)
    assert not any(p.pool == "nowhere" for p in probes.probes)
    assert len(probes.probes) < 5_000


def test_text_says_fifty_pools_four_at_a_time_and_counts_pairs_per_family() -> None:
    """The header listed all 50 pools, the root cause all 19 ranges, and a dual-stack cluster
    with two IPv4 pools said "38 of 26 pod pairs" (both families' pairs over one's total)."""
    from kostack.report.text import render_diagnosis

    d = diagnose(build(_hostile()))
    en, ko = (" ".join(render_diagnosis(d, lang).split()) for lang in ("en", "ko"))
    assert "10.150.0.0/16 no encapsulation (BGP), natOutgoing on, and 47 more IP pools" in en, en
    assert "10.151.0.0/16" not in en.split("ROOT CAUSE")[0]
    assert "10.154.0.0/16 and 15 more), which is neither" in en, en
    assert "외 IP 풀 47개" in ko and "외 15개" in ko, ko
    doc = _both_uncovered()
    make_dual_stack(doc)
    text = " ".join(render_diagnosis(diagnose(build(doc)), "en").split())
    assert "(26 of 26 pod pairs, one pod per node and IP pool)" in text, text
