"""CPU of `diagnose` where Calico's mesh sessions are one-way and every node's group differs.

Half the nodes' groups admit TCP 179 from the /16, and each node's group admits it from its
neighbour's /32: the two directions of many sessions differ, so the engine counts the pairs
of such situations by which node opens the session (docs/engine.md step 4: end by end, by
bisection into the other side's sorted address strings; it used to count class pair by class
pair, the product of the two sides' classes). Prints, for N and 2N nodes, the CPU seconds and
their ratio (2 for linear, 4 for the product):

    .venv/bin/python benchmarks/bgp_one_way.py 400
    bgp-one-way: nodes=400 s=.. nodes=800 s=.. ratio=..

Measured on a 2-core machine loaded about 1 to 2: before, `nodes=400 s=1.73 nodes=800 s=6.25
ratio=3.62`; after, `nodes=400 s=0.37 nodes=800 s=0.66 ratio=1.77` and, at 1,600 nodes,
`nodes=1600 s=1.43 nodes=3200 s=2.81 ratio=1.97`.
"""

from __future__ import annotations

import ipaddress
import sys
import time
from typing import Any


def one_way_doc(nodes: int) -> dict[str, Any]:
    """The cluster: per-node groups, half admitting TCP 179 from the /16, each from its
    neighbour's /32 (benchmarks/watch_one_way.py's too)."""
    from kostack_testkit.builders import hetero_doc, rule, set_calico_mode

    doc = hetero_doc(nodes, pods_per_node=1)
    set_calico_mode(doc)  # no encapsulation: pod routes come over the mesh
    fixed = {f["ip_address"] for p in doc["openstack"]["ports"] for f in p["fixed_ips"]}
    ips = sorted(fixed, key=ipaddress.ip_address)
    for i, group in enumerate(doc["openstack"]["security_groups"]):
        sg = group["id"]
        group["rules"] = [r for r in group["rules"] if r["port_range_min"] != 179]
        if i % 2 == 0:
            group["rules"].append(rule(sg, "ingress", "tcp", 179, "10.0.0.0/16"))
        group["rules"].append(rule(sg, "ingress", "tcp", 179, f"{ips[(i + 1) % len(ips)]}/32"))
    return doc


def measure(nodes: int) -> float:
    from kostack.analyze.diagnose import diagnose
    from kostack_testkit.builders import build

    snapshot = build(one_way_doc(nodes))
    began = time.process_time()
    diagnose(snapshot)
    return time.process_time() - began


def main() -> int:
    nodes = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    small, big = measure(nodes), measure(2 * nodes)
    print(
        f"bgp-one-way: nodes={nodes} s={small:.2f} nodes={2 * nodes} s={big:.2f} "
        f"ratio={big / small:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
