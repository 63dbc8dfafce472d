"""Benchmark: diagnose a Kube-OVN cluster at 1,000 and 4,000 nodes (every node port in a
security group of its own, rules written differently; two overlay Subnets, one without
natOutgoing; Geneve blocked on every 40th node: kostack_testkit.kubeovn.kube_ovn_hetero_doc).

Each size runs in its own process (CPU seconds of that process, peak RSS its own). Prints

    diagnose-kube-ovn: nodes=1000 load_s=.. analyze_s=.. rss_mb=.. root_causes=..
    diagnose-kube-ovn: nodes=4000 load_s=.. analyze_s=.. rss_mb=.. root_causes=.. scaling=..

Target: scaling (analysis at 4,000 / at 1,000 nodes) <= 6 (linear is 4).
Run: .venv/bin/python benchmarks/kube_ovn_scale.py
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
    from kostack_testkit.kubeovn import kube_ovn_hetero_doc

    text = json.dumps(kube_ovn_hetero_doc(nodes))
    t0 = time.process_time()
    snapshot = loads_snapshot(text)
    t1 = time.process_time()
    result = diagnose(snapshot)
    t2 = time.process_time()
    return {
        "nodes": nodes,
        "load_s": round(t1 - t0, 2),
        "analyze_s": round(t2 - t1, 2),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "root_causes": len(result.root_causes),
        "keys": ",".join(rc.key for rc in result.root_causes),
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
            f"diagnose-kube-ovn: nodes={row['nodes']} load_s={row['load_s']} "
            f"analyze_s={row['analyze_s']} rss_mb={row['rss_mb']} "
            f"root_causes={row['root_causes']} ({row['keys']}){extra}"
        )
    return 0 if scaling <= 6 else 1


if __name__ == "__main__":
    sys.exit(main())
