"""The load balancer analysis lives exactly as long as its topology (a long-running
`kostack watch` diagnoses every cycle: nothing may keep an old cycle's topology alive)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from kostack.analyze.diagnose import diagnose
from kostack.analyze.loadbalancer.analysis import lb_analysis
from kostack.analyze.topology import Topology
from kostack.model.load import load_snapshot

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lb-amphora-nodeport-blocked.json"


def test_a_topology_is_freed_after_its_lb_analysis() -> None:
    snapshot = load_snapshot(EXAMPLE)
    topo = Topology(snapshot)
    first = lb_analysis(topo)
    assert lb_analysis(topo) is first  # shared while the topology lives
    gone = weakref.ref(topo)
    del topo, first
    gc.collect()
    assert gone() is None


def test_repeated_diagnoses_leave_no_topology_behind() -> None:
    snapshot = load_snapshot(EXAMPLE)
    gc.collect()
    before = sum(1 for o in gc.get_objects() if isinstance(o, Topology))
    for _ in range(5):
        diagnose(snapshot)
    gc.collect()
    after = sum(1 for o in gc.get_objects() if isinstance(o, Topology))
    assert after <= before
