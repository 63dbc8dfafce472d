"""Benchmark: the virtual-IP check (neutron-vip-pairs) inside a whole diagnose at 1,000 and
4,000 nodes unlike one another (kostack_testkit.metallb.metallb_scale_doc: 12 MetalLB pools,
an L2Advertisement per zone with a node selector, one pool from every node, one BGP-only pool;
each node's port already holds the pairs of a different share of the pools).

Each size runs in its own process (CPU seconds, peak RSS its own). Prints

    diagnose-vip: nodes=1000 load_s=.. analyze_s=.. rss_mb=.. vip_findings=.. remedies=..
    diagnose-vip: nodes=4000 ... scaling=..

vip_findings is per pool (13 at most), never per node; remedies are the pairs missing (one
per pool and port lacking it). Target: scaling (analysis at 4,000 / at 1,000 nodes) <= 6
(linear is 4).
Run: .venv/bin/python benchmarks/vip_scale.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def measure(nodes: int) -> dict[str, float | str]:
    from kostack.analyze.diagnose import diagnose
    from kostack.model import loads_snapshot
    from kostack_testkit.metallb import metallb_scale_doc

    text = json.dumps(metallb_scale_doc(nodes))
    t0 = time.process_time()
    snapshot = loads_snapshot(text)
    t1 = time.process_time()
    result = diagnose(snapshot)
    t2 = time.process_time()
    vip = [f for f in result.findings if f.check_id == "neutron-vip-pairs"]
    return {
        "nodes": nodes,
        "load_s": round(t1 - t0, 2),
        "analyze_s": round(t2 - t1, 2),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "vip_findings": len(vip),
        "remedies": sum(len(f.remedies) for f in vip),
    }


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(measure(int(sys.argv[2]))))
        return 0
    rows = []
    for nodes in (1000, 4000):
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(nodes)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    scaling = rows[1]["analyze_s"] / max(rows[0]["analyze_s"], 1e-9)
    for row in rows:
        extra = f" scaling={scaling:.2f}" if row is rows[1] else ""
        print(
            f"diagnose-vip: nodes={row['nodes']} load_s={row['load_s']} "
            f"analyze_s={row['analyze_s']} rss_mb={row['rss_mb']} "
            f"vip_findings={row['vip_findings']} remedies={row['remedies']}{extra}"
        )
    return 0 if scaling <= 6 else 1


if __name__ == "__main__":
    sys.exit(main())
