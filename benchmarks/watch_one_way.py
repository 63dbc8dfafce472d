"""CPU of the watch's assess where Calico's mesh sessions are one-way and every node's group
differs (benchmarks/bgp_one_way.py's cluster).

The family splits the pod-to-pod pairs by which node opens the session (engine/
mesh_order.py); the watch's class table counts its classes' pairs per situation and order
(engine/tally.py): each source group's targets per (label, pattern) by bisection into their
sorted strings. It gave each group a label of its own (its string), so every pair of
groups was a key: the groups' product. Prints, for N and 2N nodes, the CPU seconds of
`kostack.watch.assess.assess` (a diagnosis and the class table's flows) and of its
pod-to-pod tally alone (`Matrix.pod_to_pod_tally`), and each ratio (2 for linear, 4 for
the product); target: assess ratio at most 2.5:

    .venv/bin/python benchmarks/watch_one_way.py 1600
    watch-one-way: nodes=1600 s=.. tally_s=.. nodes=3200 s=.. tally_s=.. ratio=..

Measured on a 2-core machine shared with other jobs: before, `nodes=1600 s=8.39
tally_s=3.52 nodes=3200 s=18.91 tally_s=10.85 ratio=2.25`; after, `nodes=1600 s=4.63
tally_s=0.23 nodes=3200 s=9.59 tally_s=0.70 ratio=2.07` (at 800: `s=2.31 ... s=4.27
ratio=1.85`). The rest of assess is the diagnosis and the DNS, API and egress flows traced
per class (linear). Exit status 0 when the ratio is at most 2.5.
"""

from __future__ import annotations

import sys
import time

from bgp_one_way import one_way_doc


def measure(nodes: int) -> tuple[float, float]:
    """CPU seconds of assess, and of its pod-to-pod tally alone."""
    from kostack.analyze import matrix
    from kostack.watch.assess import assess
    from kostack_testkit.builders import build

    snapshot = build(one_way_doc(nodes))
    spent = [0.0]
    real = matrix.Matrix.pod_to_pod_tally

    def timed(self: matrix.Matrix, label: object) -> object:
        began = time.process_time()
        try:
            return real(self, label)  # type: ignore[arg-type]
        finally:
            spent[0] += time.process_time() - began

    matrix.Matrix.pod_to_pod_tally = timed  # type: ignore[assignment,method-assign]
    try:
        began = time.process_time()
        assess(snapshot)
        return time.process_time() - began, spent[0]
    finally:
        matrix.Matrix.pod_to_pod_tally = real  # type: ignore[method-assign]


def main() -> int:
    nodes = int(sys.argv[1]) if len(sys.argv) > 1 else 1600
    (small, small_t), (big, big_t) = measure(nodes), measure(2 * nodes)
    print(
        f"watch-one-way: nodes={nodes} s={small:.2f} tally_s={small_t:.2f} "
        f"nodes={2 * nodes} s={big:.2f} tally_s={big_t:.2f} "
        f"ratio={big / small:.2f}"
    )
    return 0 if big / small <= 2.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
