"""CPU of `diagnose` where Calico's node-to-node mesh is off and three route reflectors carry
the routes, every node in a group of its own (testkit `reflectors.racks_doc`): rack a reaches
reflector 0 only, rack b reflector 1 only, rack c all three, so rack a and rack b have no
route to each other's pods. The sessions are judged per node and reflector (engine/
peering.py), never per node pair, and the classes split by the reflectors a node reaches.
Prints, for N and 2N nodes, the CPU seconds and their ratio (2 for linear, 4 for pairs):

    .venv/bin/python benchmarks/bgp_reflectors.py 1000
    bgp-reflectors: nodes=1000 s=.. nodes=2000 s=.. ratio=..

`--per-node-peers`: besides, a BGPPeer per node to its own router, selected by
`kubernetes.io/hostname == '<node>'` (testkit `per_node_peers_doc`): each selector is
evaluated over a label index, not against every node (before: `nodes=500 s=0.94 nodes=1000
s=3.08 ratio=3.26`; after: `s=0.45`, `s=0.75`, `ratio=1.69`). `--every-node-reflector`:
every node a reflector of its own cluster ID peered with every other (testkit
`every_node_a_reflector_doc`): more sessions than `SESSIONS_PER_NODE` a node are left
undecided instead of judged (before: `nodes=250 s=83.99 nodes=500 s=354.29`, 16 GB; after:
`s=0.08`, `s=0.16`).

Measured on a 2-core machine loaded by other work: `nodes=1000 s=0.78 nodes=2000 s=1.60
ratio=2.04` (remote-group members' pair ranges deduplicated, topology.py `members`: before,
each session's remote-group lookup scanned every port's identical pair, and 2,000 nodes cost
2.6 times 1,000).
"""

from __future__ import annotations

import sys
import time


def measure(nodes: int, mode: str) -> float:
    from kostack.analyze.diagnose import diagnose
    from kostack_testkit.builders import build
    from kostack_testkit.reflectors import (
        every_node_a_reflector_doc,
        per_node_peers_doc,
        racks_doc,
    )

    if mode == "--per-node-peers":
        doc = per_node_peers_doc(nodes)
    elif mode == "--every-node-reflector":
        doc = every_node_a_reflector_doc(nodes)
    else:
        doc, _ = racks_doc(nodes)
    snapshot = build(doc)
    began = time.process_time()
    diagnose(snapshot)
    return time.process_time() - began


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    mode = next((a for a in sys.argv[1:] if a.startswith("--")), "")
    nodes = int(args[0]) if args else 1000
    small, big = measure(nodes, mode), measure(2 * nodes, mode)
    print(
        f"bgp-reflectors{mode.replace('--', ' ')}: nodes={nodes} s={small:.2f} nodes={2 * nodes} s={big:.2f} "
        f"ratio={big / small:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
