"""BGPPeers' selectors evaluated once per selector, and over a label index where the selector
requires a ``k == 'v'`` (engine/peering.py `Peering._select`, calico_selector
`required_label`).

Automation often writes one BGPPeer per node (its ToR, selected by
``kubernetes.io/hostname == '<node>'``): evaluating every peer's selector against every node
cost the peers times the nodes (1,000 nodes took 3.3 times 500).
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.peering import SESSIONS_PER_NODE, Peering
from kostack.analyze.findings import Status
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.messages import localize
from kostack.analyze.topology import Topology
from kostack.model.calico_selector import matches, required_label
from kostack.model.snapshot import CalicoBGPPeer
from kostack_testkit.builders import build
from kostack_testkit.cost import python_calls
from kostack_testkit.reflectors import (
    HOST,
    every_node_a_reflector_doc,
    per_node_peers_doc,
)

Doc = dict[str, Any]


@pytest.mark.parametrize(
    ("selector", "label"),
    [
        ("rack == 'a'", ("rack", "a")),
        ('rack == "a"', ("rack", "a")),
        ("has(x) && rack == 'a' && !has(y)", ("rack", "a")),
        ("rack != 'b' && zone == 'z1'", ("zone", "z1")),
        ("rack == 'a' || zone == 'z1'", None),  # either may select
        ("!(rack == 'a')", None),
        ("(rack == 'a')", None),  # parenthesised: left to the full evaluation
        ("! rack == 'a'", None),
        ("rack == 'a' && starts-with(x)", None),  # outside the subset: unknown, not indexed
        ("rack in {'a'}", None),
        ("all()", None),
        ("", None),
    ],
)
def test_the_label_a_selector_requires(selector: str, label: tuple[str, str] | None) -> None:
    assert required_label(selector) == label


def _calls(nodes: int) -> int:
    flows = ClusterFlows(build(per_node_peers_doc(nodes)))
    calls, _ = python_calls(
        lambda: flows.families.evaluate(flows.pods, flows.pods, lambda s, t: ("tcp", 8080))
    )
    return calls


def test_a_bgppeer_per_node_costs_linear_in_the_nodes() -> None:
    small, big = _calls(150), _calls(300)
    assert big <= 2.3 * small, (small, big, big / small)


def test_the_indexed_selection_is_the_full_evaluation() -> None:
    """Seeded selectors over seeded labels: the nodes `_select` gives are those `matches`
    selects node by node, and a selector outside the subset is unknown either way."""
    rng = random.Random(7)
    snapshot = build(per_node_peers_doc(30))
    topo = Topology(snapshot)
    views = topo.node_views
    keys, values = ("rack", "zone", HOST), ("a", "b", "c", *list(views)[:3])
    for view in views.values():  # labels varied and some absent
        labels = dict(view.node.labels)
        for k in keys:
            if rng.random() < 0.3:
                labels.pop(k, None)
            elif k != HOST:
                labels[k] = rng.choice(values)
        object.__setattr__(view.node, "labels", labels)
    terms = [
        *(f"{k} == '{v}'" for k in keys for v in values),
        *(f"{k} != '{v}'" for k in keys for v in values[:3]),
        *(f"has({k})" for k in keys),
        *(f"!has({k})" for k in keys),
        "all()",
        "x contains 'y'",
    ]
    for case in range(300):
        selector = " && ".join(rng.sample(terms, rng.randint(1, 3)))
        peering = Peering(topo, (), {})
        peer = CalicoBGPPeer(name=f"p{case}", node_selector=selector)
        got = peering._select(peer, selector)
        each = {n: matches(selector, v.node.labels) for n, v in views.items()}
        expected = None if None in each.values() else [n for n, f in each.items() if f]
        assert got == expected, selector
        assert (peering.unknown is not None) == (expected is None), selector


def test_more_sessions_than_judged_one_by_one_are_undecided_never_passed() -> None:
    d = diagnose(build(every_node_a_reflector_doc(2 * SESSIONS_PER_NODE)))
    (bgp,) = [f for f in d.findings if f.check_id == "net-sg-bgp"]
    assert bgp.status == Status.UNKNOWN
    assert f"over {SESSIONS_PER_NODE} a node" in localize(bgp.message, "en")
    assert f"노드당 평균 {SESSIONS_PER_NODE}개" in localize(bgp.message, "ko")
    pods = [f for f in d.findings if f.check_id == "net-pod-to-pod"]
    assert pods and all(f.status == Status.UNKNOWN for f in pods), [f.status for f in pods]


def test_every_node_a_reflector_costs_linear_in_the_nodes() -> None:
    def calls(nodes: int) -> int:
        snapshot = build(every_node_a_reflector_doc(nodes))
        return python_calls(lambda: diagnose(snapshot))[0]

    small, big = calls(150), calls(300)
    assert big <= 2.3 * small, (small, big, big / small)
