"""Benchmark: the virtual-IP check (neutron-vip-pairs) inside a whole diagnose at 1,000 and
4,000 nodes unlike one another (kostack_testkit.metallb.metallb_scale_doc: 12 MetalLB pools,
an L2Advertisement per zone with a node selector, one pool from every node, one BGP-only pool
to the BGPPeer of zone a; each node's port already holds the pairs of a different share of
the pools).

Each size runs in its own process (CPU seconds, peak RSS its own). Prints

    diagnose-vip: nodes=1000 load_s=.. analyze_s=.. rss_mb=.. vip_findings=.. remedies=..
    diagnose-vip: nodes=4000 ... scaling=..

vip_findings is per pool (13 at most), never per node; remedies are the pairs missing (one
per pool and port lacking it). Target: scaling (analysis at 4,000 / at 1,000 nodes) <= 6
(linear is 4).
Run: .venv/bin/python benchmarks/vip_scale.py
"""

from __future__ import annotations

import sys
from typing import Any

from _scale_runner import run_sizes, timed_diagnose


def measure(nodes: int) -> dict[str, float | str]:
    from kostack_testkit.metallb import metallb_scale_doc

    result, row = timed_diagnose(metallb_scale_doc(nodes))
    vip = [f for f in result.findings if f.check_id == "neutron-vip-pairs"]
    return {
        "nodes": nodes,
        **row,
        "vip_findings": len(vip),
        "remedies": sum(len(f.remedies) for f in vip),
    }


def line(row: dict[str, Any]) -> str:
    return (
        f"diagnose-vip: nodes={row['nodes']} load_s={row['load_s']} "
        f"analyze_s={row['analyze_s']} rss_mb={row['rss_mb']} "
        f"vip_findings={row['vip_findings']} remedies={row['remedies']}"
    )


def main() -> int:
    return run_sizes(__file__, measure, line)


if __name__ == "__main__":
    sys.exit(main())
