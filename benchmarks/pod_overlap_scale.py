"""Benchmark: latent/actual pod-range overlap (analyze/pod_overlap.py) at scale.

5,000 nodes with a Cilium cluster-pool /24 each, and 500 tenant subnets all
inside the pod pool (a hostile snapshot: every subnet is an overlap question).
Compares PodOverlaps (per-node ranges sorted once, a binary search per
question) with a naive scan of every node range per question, and prints:

    pod_overlap: nodes=5000 questions=500 indexed_s=.. naive_s=.. speedup=..

Target: indexed_s grows like (nodes + questions) log nodes; speedup >= 20 here.
Run: .venv/bin/python benchmarks/pod_overlap_scale.py
"""

from __future__ import annotations

import ipaddress
import time

from kostack.analyze.pod_overlap import PodOverlaps
from kostack.analyze.topology import Topology
from kostack.model import Snapshot, parse_snapshot

NODES = 5000
QUESTIONS = 500


def snapshot() -> Snapshot:
    nodes = [
        {"name": f"node-{i:05d}", "internal_ip": f"172.16.{i // 250}.{i % 250 + 1}"}
        for i in range(NODES)
    ]
    cilium_nodes = [
        {"name": n["name"], "pod_cidrs": [f"10.{i // 256}.{i % 256}.0/24"]}
        for i, n in enumerate(nodes)
    ]
    return parse_snapshot(
        {
            "schema_version": 2,
            "cluster": {
                "nodes": nodes,
                "pod_cidrs": ["10.0.0.0/8"],
                "cni": {
                    "type": "cilium",
                    "cilium": {
                        "routing_mode": "native",
                        "ipam_mode": "cluster-pool",
                        "cluster_pool_cidrs": ["10.0.0.0/8"],
                        "cluster_pool_mask_size": 24,
                        "nodes": cilium_nodes,
                    },
                },
            },
        }
    )


def main() -> None:
    topo = Topology(snapshot())
    pool = ipaddress.ip_network("10.0.0.0/8")
    others = [
        ipaddress.ip_network(f"10.{(i * 7) % 64}.{(i * 13) % 256}.0/24") for i in range(QUESTIONS)
    ]
    t0 = time.perf_counter()
    judge = PodOverlaps(topo)
    indexed = [bool(judge.judge(pool, o).in_use) for o in others]
    t1 = time.perf_counter()
    ranges = [b for v in topo.node_views.values() for b in v.blocks]
    naive = [any(b.overlaps(o) for b in ranges) for o in others]
    t2 = time.perf_counter()
    assert indexed == naive
    print(
        f"pod_overlap: nodes={NODES} questions={QUESTIONS} indexed_s={t1 - t0:.3f} "
        f"naive_s={t2 - t1:.3f} speedup={(t2 - t1) / max(t1 - t0, 1e-9):.1f}"
    )


if __name__ == "__main__":
    main()
