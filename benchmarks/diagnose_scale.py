"""Benchmark: diagnose at 500 and 5,000 nodes (issue: foundation, item 8).

Each size runs in its own process so peak RSS is that size's own. Prints one
line per size and, last, the 5,000-node line with the 5,000/500 scaling:

    diagnose: nodes=5000 load_s=.. analyze_s=.. ratio=.. rss_mb=.. scaling=..

Targets: ratio (analysis / JSON load) <= 2, rss_mb < 1024, scaling <= 12.
Run: .venv/bin/python benchmarks/diagnose_scale.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def measure(nodes: int) -> dict[str, float]:
    from kostack.analyze.diagnose import diagnose
    from kostack.model import loads_snapshot
    from kostack_testkit.builders import synthetic_doc

    text = json.dumps(synthetic_doc(nodes, groups=100, rules=10_000, pods_per_node=30))
    t0 = time.perf_counter()
    snapshot = loads_snapshot(text)
    t1 = time.perf_counter()
    result = diagnose(snapshot)
    t2 = time.perf_counter()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "nodes": nodes,
        "load_s": t1 - t0,
        "analyze_s": t2 - t1,
        "rss_mb": rss_mb,
        "root_causes": len(result.root_causes),
        "classes": result.node_classes,
        "bytes": len(text),
    }


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(measure(int(sys.argv[2]))))
        return 0
    rows = {}
    for n in (500, 5000):
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n)], check=True, capture_output=True, text=True
        ).stdout
        rows[n] = json.loads(out.strip().splitlines()[-1])
    for n, r in rows.items():
        print(
            f"size: nodes={n} snapshot_mb={r['bytes'] / 1e6:.1f} classes={r['classes']} "
            f"root_causes={r['root_causes']} load_s={r['load_s']:.2f} analyze_s={r['analyze_s']:.2f} "
            f"rss_mb={r['rss_mb']:.0f}"
        )
    big, small = rows[5000], rows[500]
    ratio = big["analyze_s"] / big["load_s"]
    scaling = (big["load_s"] + big["analyze_s"]) / (small["load_s"] + small["analyze_s"])
    ok = ratio <= 2 and big["rss_mb"] < 1024 and scaling <= 12
    print(f"targets: ratio<=2 rss_mb<1024 scaling<=12 -> {'met' if ok else 'MISSED'}")
    print(
        f"diagnose: nodes=5000 load_s={big['load_s']:.2f} analyze_s={big['analyze_s']:.2f} "
        f"ratio={ratio:.2f} rss_mb={big['rss_mb']:.0f} scaling={scaling:.1f}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
