"""Several Calico IP pools: each pool's way between nodes is judged, not only that of each
node's first pod (docs/engine.md, "Several IP pools"). Every test here failed before: one
pod per node left pool B's IPIP and pool B's pod source unjudged."""

from __future__ import annotations

import ipaddress

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.analyze.flows import ClusterFlows
from kostack.catalog import localize
from kostack.plan.build import build_plan
from kostack_testkit.builders import (
    _BASE_NODE_RULES,
    POD_CIDR,
    SERVICE_CIDR,
    SG_NODES,
    _custom_group_only,
    add_pairs,
    build,
    rule,
    seed_doc,
)
from kostack_testkit.multipool import (
    POOL_B,
    multipool_example_doc,
    synthetic_multipool_doc,
    two_pools,
    two_pools_native_uncovered,
)

EXAMPLE = "calico-two-pools-ipip-no-proto4"


def test_pool_b_ipip_without_protocol_4_is_a_root_cause_naming_the_pool() -> None:
    d = diagnose(build(multipool_example_doc(EXAMPLE)))
    assert d.verdict.kind != "healthy"
    assert [rc.key for rc in d.root_causes] == ["sg-encap"]
    (rc,) = d.root_causes
    en = localize(rc.message, "en")
    assert "IPIP encapsulation of IP pool 10.245.0.0/16" in en, en
    # into the pool's two nodes, from the three others each: six node pairs
    assert "nodes k8s-w-2, k8s-w-3" in en and "(6 node pairs)" in en, en
    p2p = [f for f in d.findings if f.check_id == "net-pod-to-pod" and f.status == Status.FAIL]
    assert p2p and all("10.245.0.0/16" in localize(f.message, "en") for f in p2p)
    ko = localize(rc.message, "ko")
    assert "IP 풀 10.245.0.0/16의 IPIP 캡슐화" in ko, ko


def test_pool_b_pods_are_judged_only_where_the_pool_is() -> None:
    flows = ClusterFlows(build(multipool_example_doc(EXAMPLE)))
    by_node: dict[str, list[str]] = {}
    for e in flows.pods:
        by_node.setdefault(e.name, []).append(str(e.ip))
    assert by_node == {
        "k8s-cp-1": ["10.244.0.2"],
        "k8s-w-1": ["10.244.1.2"],
        "k8s-w-2": ["10.244.2.5", "10.245.2.4"],
        "k8s-w-3": ["10.244.3.4", "10.245.3.4"],
    }


def test_plan_adds_the_ipip_rule_and_its_verification_says_the_cause_is_gone() -> None:
    plan = build_plan(build(multipool_example_doc(EXAMPLE)))
    assert [r.key for r in plan.verification.before] == ["sg-encap"]
    assert plan.verification.after == ()
    (action,) = plan.actions
    assert action.rule is not None and action.rule.protocol == "ipip"


def _native_uncovered() -> ClusterFlows:
    doc = seed_doc()
    two_pools_native_uncovered(doc)
    return ClusterFlows(build(doc))


def test_second_native_pool_without_pairs_is_the_pod_source_drop() -> None:
    doc = seed_doc()
    two_pools_native_uncovered(doc)
    d = diagnose(build(doc))
    assert [rc.key for rc in d.root_causes] == ["antispoof"]
    (f,) = [
        f for f in d.findings if f.check_id == "net-pod-src-antispoof" and f.status == Status.FAIL
    ]
    assert str(f.severity) == "critical"
    assert f.nodes == ("k8s-w-2", "k8s-w-3")
    # pairs for pool B only, on the two nodes that have it (pool A's pairs are there)
    planned = sorted(
        (r.target_name, r.param("ip_address")) for r in f.remedies if r.op == "add-allowed-pair"
    )
    assert planned == [("k8s-w-2", POOL_B), ("k8s-w-3", POOL_B)], f.remedies
    plan = build_plan(build(doc))
    assert plan.verification.after == ()


def test_single_pool_keeps_one_pod_per_node() -> None:
    flows = ClusterFlows(build(seed_doc()))
    assert flows.multi_pool_versions == frozenset()
    assert len(flows.pods) == len({e.name for e in flows.pods}) == 4


def _failures(nodes: int) -> tuple[list[tuple[str, str]], set[str]]:
    d = diagnose(build(synthetic_multipool_doc(nodes)))
    found = sorted((f.check_id, str(f.status)) for f in d.findings if f.status != Status.PASS)
    return found, {rc.key for rc in d.root_causes}


def test_three_pools_on_node_subsets_findings_do_not_grow_with_nodes() -> None:
    """2,000 nodes, three pools (every node native, IPIP on every third, VXLAN on every
    fifth), no IPIP or VXLAN rule: both tunnels are found, with as many findings as on 60
    nodes."""
    small, small_causes = _failures(60)
    large, large_causes = _failures(2000)
    assert large == small
    assert large_causes == small_causes == {"sg-encap"}
    encap = [c for c, _ in large if c == "net-sg-cni-encap"]
    assert len(encap) == 2  # IPIP (IP protocol 4) and VXLAN (UDP 4789), one each


def test_pool_of_an_address_is_its_most_specific_pool() -> None:
    flows = _native_uncovered()
    assert flows.multi_pool_versions == frozenset({4})
    pools = {str(flows.topo.pool_for(e.ip).cidr) for e in flows.pods}  # type: ignore[union-attr]
    assert pools == {"10.244.0.0/16", POOL_B}
    assert ipaddress.ip_address("10.245.2.4") in {e.ip for e in flows.pods}


def test_second_pool_without_a_pod_source_rule_gets_a_rule_for_its_range_only() -> None:
    doc = seed_doc()
    two_pools(doc, ipip="Never")
    add_pairs(doc, [POD_CIDR, POOL_B, SERVICE_CIDR])
    _custom_group_only(doc, [*_BASE_NODE_RULES, rule(SG_NODES, "ingress", None, None, POD_CIDR)])
    d = diagnose(build(doc))
    assert [rc.key for rc in d.root_causes] == ["sg-pod-source"]
    (rc,) = d.root_causes
    assert [r.param("remote_ip_prefix") for r in rc.fix.remedies] == [POOL_B], rc.fix.remedies


def test_host_nat_judges_every_pool_of_a_node_not_only_its_last() -> None:
    """natOutgoingExclusions IPPoolsAndHostIPs, pool B on every node and pairs for pool B only:
    pool A's pods reach other hosts from their own address and are dropped. One address per
    node (the last pool's) said "the ports of all 4 nodes pass their pods' addresses"."""
    from kostack_testkit.builders import _pod, calico_pool
    from kostack_testkit.multipool import add_pool

    doc = seed_doc()
    pool = calico_pool(doc)
    pool["ipip_mode"], pool["vxlan_mode"], pool["nat_outgoing"] = "Always", "Never", True
    add_pool(doc, "b", POOL_B, ipip="Always")
    calico = doc["cluster"]["cni"]["calico"]
    calico["nat_outgoing_exclusions"] = "IPPoolsAndHostIPs"
    for i, node in enumerate(doc["cluster"]["nodes"]):
        block = ipaddress.ip_network(f"10.245.{i}.0/26")
        calico["blocks"].append({"cidr": str(block), "node": node["name"]})
        doc["cluster"]["pods"].append(_pod("b", f"b-{i}", node["name"], str(block[4]), {}))
    add_pairs(doc, [POOL_B, SERVICE_CIDR])
    d = diagnose(build(doc))
    (f,) = [f for f in d.findings if f.check_id == "net-calico-host-nat"]
    assert f.status == Status.FAIL, localize(f.message, "en")
    assert len(f.nodes) == 4
