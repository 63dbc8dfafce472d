"""What the node-scaling benchmarks share (kube_ovn_scale.py, vip_scale.py): each size
measured in a process of its own (`--one N`: CPU seconds and peak RSS its own), then one line
per size and the scaling of the analysis between the two sizes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any


def run_sizes(
    script: str,
    measure: Callable[[int], dict[str, Any]],
    line: Callable[[dict[str, Any]], str],
    sizes: tuple[int, int] = (1000, 4000),
    target: float = 6.0,
) -> int:
    """`script --one N` prints ``measure(N)``; otherwise run each of ``sizes`` in its own
    process and print ``line(row)`` per size, the larger with its scaling (analysis at the
    larger / at the smaller); exit 1 when the scaling is over ``target``."""
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(measure(int(sys.argv[2]))))
        return 0
    rows = []
    for nodes in sizes:
        out = subprocess.run(
            [sys.executable, script, "--one", str(nodes)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    scaling = rows[1]["analyze_s"] / max(rows[0]["analyze_s"], 1e-9)
    for row in rows:
        print(line(row) + (f" scaling={scaling:.2f}" if row is rows[1] else ""))
    return 0 if scaling <= target else 1
