"""What the node-scaling benchmarks share (kube_ovn_scale.py, vip_scale.py): each size
measured in a process of its own (`--one N`: CPU seconds and peak RSS its own), then one line
per size and the scaling of the analysis between the two sizes."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
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


def timed_diagnose(doc: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Diagnose ``doc`` (a snapshot as JSON data): the diagnosis and the row's common fields
    (loading and analysis CPU seconds, this process's peak RSS)."""
    from kostack.analyze.diagnose import diagnose
    from kostack.model import loads_snapshot

    text = json.dumps(doc)
    t0 = time.process_time()
    snapshot = loads_snapshot(text)
    t1 = time.process_time()
    result = diagnose(snapshot)
    t2 = time.process_time()
    return result, {
        "load_s": round(t1 - t0, 2),
        "analyze_s": round(t2 - t1, 2),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
