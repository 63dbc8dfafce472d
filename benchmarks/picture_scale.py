"""Benchmark: the watch's class flows and the report's picture at hundreds of node classes.

Nodes spread over many subnets (`kostack_testkit.subnets.subnets_doc`, four nodes per
subnet) make about one node class per subnet. For each size it prints

    picture-scale: subnets=.. nodes=.. classes=.. watch_s=.. pod_to_pod_s=.. picture_s=.. pairs=..

``watch_s``: CPU seconds of `kostack watch`'s flow counts (`class_flows`, after the
diagnosis it shares; the DNS, API and egress flows are traced per class); ``pod_to_pod_s``:
of its pod-to-pod counts alone; ``picture_s``: of the report's picture (`picture`, from
the snapshot). Both used to trace one pod-to-pod flow per ordered pair of node classes
(O(classes^2)); now the watch counts per relation (engine/tally.py) and the picture
traces the pairs of the boxes it draws only.

``--before DIR``: also run the same measurements on another source tree (e.g.
``git archive main | tar -x -C DIR``) in a child process, and print the ratio
before/after per size:

    picture-scale-ratio: classes=.. watch_ratio=.. pod_to_pod_ratio=.. picture_ratio=..

``--both-hetero N..``: instead, per kind of `kostack_testkit.bothhetero` (per-node groups
whose sets differ on both sides of a flow: one node class each), the pod-to-pod counts
alone (the super-class pairs were visited one by one there: O(nodes^2)):

    picture-scale-both: kind=.. nodes=.. classes=.. watch_s=.. pod_to_pod_s=.. pairs=..
    picture-scale-both-ratio: kind=.. nodes=.. before_watch_s=.. before_s=.. pod_to_pod_ratio=..

Run: .venv/bin/python benchmarks/picture_scale.py [--subnets 64 124 300] [--before DIR]
     .venv/bin/python benchmarks/picture_scale.py --both-hetero 200 1000 [--before DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def measure(subnets: int) -> dict[str, Any]:
    from kostack.analyze.diagnose import diagnose_with_flows
    from kostack.analyze.matrix import Matrix
    from kostack.report.topology_picture import picture
    from kostack.watch.assess import class_flows, class_table
    from kostack_testkit.builders import build
    from kostack_testkit.subnets import subnets_doc

    snap = build(subnets_doc(4 * subnets, subnets, pods_per_node=1))
    _, flows = diagnose_with_flows(snap)
    matrix = Matrix(flows.topo, flows=flows)  # as `assess` builds it
    table = class_table(matrix.classes, 8)
    start = time.process_time()
    counts = class_flows(matrix, table)
    watch_s = time.process_time() - start
    # the pod-to-pod part alone (the classes are cached by now): what was O(classes^2)
    pod_s, _ = _pod_to_pod(matrix, table)
    start = time.process_time()
    pic = picture(snap)
    picture_s = time.process_time() - start
    return {
        "subnets": subnets,
        "nodes": 4 * subnets,
        "classes": len(matrix.classes),
        "watch_s": watch_s,
        "pod_s": pod_s,
        "picture_s": picture_s,
        "pairs": sum(f.count for f in counts if f.flow == "pod-to-pod"),
        "drawn": len(pic.flows),
    }


def measure_both(nodes: int, kind: str) -> dict[str, Any]:
    from kostack.analyze.diagnose import diagnose_with_flows
    from kostack.analyze.matrix import Matrix
    from kostack.watch.assess import class_flows, class_table
    from kostack_testkit.bothhetero import both_hetero_doc
    from kostack_testkit.builders import build

    _, flows = diagnose_with_flows(build(both_hetero_doc(nodes, kind, pods_per_node=1)))
    matrix = Matrix(flows.topo, flows=flows)  # as `assess` builds it
    table = class_table(matrix.classes, 8)
    start = time.process_time()
    class_flows(matrix, table)
    watch_s = time.process_time() - start
    pod_s, found = _pod_to_pod(matrix, table)
    counts = sorted([str(f.src), str(f.dst), f.pairs, f.result.ok] for f in found)  # as JSON
    return {
        "kind": kind,
        "nodes": nodes,
        "classes": len(matrix.classes),
        "watch_s": watch_s,
        "pod_s": pod_s,
        "pairs": sum(c[2] for c in counts),
        "counts": counts,
    }


def _pod_to_pod(matrix: Any, table: Any) -> tuple[float, Any]:
    """CPU seconds of the watch's pod-to-pod counts alone, by whichever way the tree has."""
    start = time.process_time()
    if hasattr(matrix, "pod_to_pod_tally"):
        found = matrix.pod_to_pod_tally(lambda c: table.of(c.rep.name))
    else:
        matrix.__dict__.pop("pod_to_pod", None)  # a cached property before
        found = matrix.pod_to_pod
    return time.process_time() - start, found


def both(args: argparse.Namespace) -> int:
    from kostack_testkit.bothhetero import KINDS

    after = [measure_both(n, kind) for kind in KINDS for n in args.both_hetero]
    if args.json:
        print(json.dumps(after))
        return 0
    for m in after:
        print(
            f"picture-scale-both: kind={m['kind']} nodes={m['nodes']} classes={m['classes']} "
            f"watch_s={m['watch_s']:.2f} pod_to_pod_s={m['pod_s']:.3f} pairs={m['pairs']}"
        )
    if args.before is None:
        return 0
    cmd = ["--both-hetero", *map(str, args.both_hetero)]
    for b, a in zip(_before(args.before, cmd), after, strict=True):
        assert b["counts"] == a["counts"], (b["kind"], b["nodes"])  # the same counts
        print(
            f"picture-scale-both-ratio: kind={a['kind']} nodes={a['nodes']} "
            f"before_watch_s={b['watch_s']:.2f} before_s={b['pod_s']:.2f} pod_to_pod_ratio={b['pod_s'] / max(a['pod_s'], 1e-9):.0f}"
        )
    return 0


def _before(tree: Path, args: list[str]) -> Any:
    env = {**os.environ, "PYTHONPATH": str(tree.resolve() / "src")}
    cmd = [sys.executable, __file__, "--json", *args]
    return json.loads(
        subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subnets", type=int, nargs="+", default=[64, 124, 300])
    ap.add_argument("--before", type=Path, help="another source tree to measure as well")
    ap.add_argument("--both-hetero", type=int, nargs="+", help="nodes: per-node groups instead")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # the child's output
    args = ap.parse_args()
    if args.both_hetero:
        return both(args)
    after = [measure(n) for n in args.subnets]
    if args.json:
        print(json.dumps(after))
        return 0
    for m in after:
        print(
            f"picture-scale: subnets={m['subnets']} nodes={m['nodes']} classes={m['classes']} "
            f"watch_s={m['watch_s']:.2f} pod_to_pod_s={m['pod_s']:.3f} "
            f"picture_s={m['picture_s']:.2f} pairs={m['pairs']}"
        )
    if args.before is None:
        return 0
    for b, a in zip(
        _before(args.before, ["--subnets", *map(str, args.subnets)]), after, strict=True
    ):
        assert b["pairs"] == a["pairs"] and b["classes"] == a["classes"], (b, a)
        print(
            f"picture-scale (before): classes={b['classes']} watch_s={b['watch_s']:.2f} "
            f"pod_to_pod_s={b['pod_s']:.2f} picture_s={b['picture_s']:.2f}"
        )
        print(
            f"picture-scale-ratio: classes={a['classes']} "
            f"watch_ratio={b['watch_s'] / max(a['watch_s'], 1e-9):.1f} "
            f"pod_to_pod_ratio={b['pod_s'] / max(a['pod_s'], 1e-9):.0f} "
            f"picture_ratio={b['picture_s'] / max(a['picture_s'], 1e-9):.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
