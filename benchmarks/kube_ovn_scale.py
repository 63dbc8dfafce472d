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

import sys
from typing import Any

from _scale_runner import run_sizes, timed_diagnose


def measure(nodes: int) -> dict[str, float | str]:
    from kostack_testkit.kubeovn import kube_ovn_hetero_doc

    result, row = timed_diagnose(kube_ovn_hetero_doc(nodes))
    return {
        "nodes": nodes,
        **row,
        "root_causes": len(result.root_causes),
        "keys": ",".join(rc.key for rc in result.root_causes),
    }


def line(row: dict[str, Any]) -> str:
    return (
        f"diagnose-kube-ovn: nodes={row['nodes']} load_s={row['load_s']} "
        f"analyze_s={row['analyze_s']} rss_mb={row['rss_mb']} "
        f"root_causes={row['root_causes']} ({row['keys']})"
    )


def main() -> int:
    return run_sizes(__file__, measure, line)


if __name__ == "__main__":
    sys.exit(main())
