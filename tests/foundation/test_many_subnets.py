"""Many node subnets: verdicts equal brute force, and the work grows with classes, not pairs.

The engine keys classes on the node's subnet, so a cluster over many small subnets has
many classes on each side; engine/relations.py judges their pairs per relation (same
subnet, joined by the source's router, apart). Fixed case budgets, no timing.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_families import _agree

from kostack.analyze.engine import pairs
from kostack.analyze.engine.relations import APART, JOINED, SAME, route_relation
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.messages import Msg
from kostack_testkit.builders import build, set_calico_mode
from kostack_testkit.subnets import subnets_doc

MODES: list[dict[str, str]] = [
    {"vxlan": "CrossSubnet"},
    {"vxlan": "Always"},
    {"ipip": "CrossSubnet"},
    {},  # native: across subnets only through the router's routes
]


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    nodes=st.integers(min_value=4, max_value=12),
    subnets=st.integers(min_value=1, max_value=5),
    mixed=st.booleans(),
    sg_sets=st.integers(min_value=1, max_value=4),
    mode=st.sampled_from(MODES),
    bgp=st.sampled_from([True, False, None]),
)
def test_many_subnets_agree_with_brute_force(
    nodes: int, subnets: int, mixed: bool, sg_sets: int, mode: dict[str, str], bgp: Any
) -> None:
    """Every pod pair, node pair on UDP 4789 and on TCP 179, traced one by one, against the
    engine's counts per hop and world (test_families `_agree`)."""
    doc = subnets_doc(nodes, min(subnets, nodes), mixed=mixed, sg_sets=sg_sets, pods_per_node=1)
    set_calico_mode(doc, **mode)
    doc["cluster"]["cni"]["calico"]["bgp"] = bgp
    assert _agree(doc) > 0


def test_the_mixed_case_has_every_relation() -> None:
    """The generator's mixed case really has same-subnet, routed and unrouted node pairs."""
    flows = ClusterFlows(build(subnets_doc(24, 8, mixed=True, pods_per_node=1)))
    keys = {flows.families.route(e) for e in flows.pods}
    seen = {route_relation(flows.topo, a, b) for a in keys for b in keys}
    assert {SAME, JOINED, APART} <= seen


def _traces(nodes: int, subnets: int, monkeypatch: Any) -> tuple[int, int, int]:
    """Engine traces for pod-to-pod over the many-subnet cluster, counted at the call."""
    calls = [0]
    real = pairs.trace

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(pairs, "trace", counted)
    flows = ClusterFlows(build(subnets_doc(nodes, subnets, mixed=True, pods_per_node=1)))
    result = flows.pod_to_pod
    monkeypatch.setattr(pairs, "trace", real)
    return calls[0], len(result.sources), len(result.targets)


def test_traces_grow_with_classes_not_class_pairs(monkeypatch: Any) -> None:
    """Four times the subnets (and nodes): 15 -> 51 classes on each side, about eleven times
    the class pairs; judging class pairs one by one traced that many more (the engine before
    relations.py, measured: 222 -> 2,598 traces). Here the traces barely grow (43 -> 44)."""
    small, s_src, s_dst = _traces(48, 12, monkeypatch)
    big, b_src, b_dst = _traces(192, 48, monkeypatch)
    assert b_src >= 3 * s_src and b_dst >= 3 * s_dst  # the classes really grew
    assert big <= 2 * small, (small, big)
    assert big < b_src + b_dst  # fewer traces than classes: never one per class pair


def test_native_reasons_name_each_relation_once() -> None:
    """Pods sent natively across routed subnets (no encapsulation, the router routes every
    node's block): each node's anti-spoofing reasons say "pod -> pod to <nodes>" once per
    relation (its own subnet; the other subnets, named together), not once per subnet."""
    from kostack.analyze.checks._facts import NAMES_SHOWN
    from kostack.analyze.checks.base import CheckContext
    from kostack.analyze.checks.net_pod_src_antispoof import REASONS_KEPT, native_sending

    doc = subnets_doc(24, 6, pods_per_node=1)
    set_calico_mode(doc)
    doc["openstack"]["routers"][0]["routes"] = [
        {"destination": b["cidr"], "nexthop": n["internal_ip"]}
        for b, n in zip(
            doc["cluster"]["cni"]["calico"]["blocks"], doc["cluster"]["nodes"], strict=True
        )
    ]
    snap = build(doc)
    flows = ClusterFlows(snap)
    why, unknown, _native = native_sending(CheckContext(snap, flows.topo, flows))
    assert not unknown
    p2p_all = [
        r for rs in why.values() for r in rs if isinstance(r, Msg) and r.key.endswith(".why-p2p")
    ]
    assert set(why) == {v.name for v in flows.topo.node_views.values()}
    for reasons in why.values():
        p2p = [r for r in reasons if isinstance(r, Msg) and r.key.endswith(".why-p2p")]
        assert len(p2p) == 2, p2p  # same subnet, and every other subnet through the router
        assert len(reasons) <= REASONS_KEPT + 2
    labels = [r.params["dst"] for rs in why.values() for r in rs if r in p2p_all]
    # the other five subnets' 20 nodes in one message ("nodes a, b, c, d and 16 more")
    assert any(
        isinstance(d, Msg) and d.key == "nodes.more" and d.params["more"] == 20 - NAMES_SHOWN
        for d in labels
    )
