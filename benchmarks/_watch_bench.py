"""What the watch benchmarks share (watch_cycles.py, watch_churn.py): the C allocator
`kostack watch` runs on, resident memory, and `kostack watch --snapshot FILE`'s loop with a
simulated probe round (every planned probe answered "pass" in 3 ms: no traffic)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kostack.probe.plan import ProbePlan
    from kostack.probe.results import ProbeRound
    from kostack.watch.loop import WatchLoop
    from kostack.watch.metrics import WatchMetrics
    from kostack.watch.state import WatchState


def on_c_allocator() -> None:
    """Re-execute this script with PYTHONMALLOC=malloc, as `kostack watch` runs (unless set)."""
    if not os.environ.get("PYTHONMALLOC"):
        os.execve(
            sys.executable,
            [sys.executable, *sys.orig_argv[1:]],
            {**os.environ, "PYTHONMALLOC": "malloc"},
        )


def rss_mb() -> float:
    """This process's resident memory (/proc/self/status VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def simulated(plan: ProbePlan) -> ProbeRound:
    """Every planned probe answered "pass" in 3 ms."""
    from kostack.probe.results import ProbeResult, ProbeRound

    results = tuple(ProbeResult(p.id, "pass", "simulated", elapsed_ms=3.0) for p in plan.probes)
    return ProbeRound(plan, results, "simulated", 0.0, "1970-01-01T00:00:00Z")


def snapshot_loop(path: Path, log: list[str]) -> tuple[WatchLoop, WatchState, WatchMetrics]:
    """`kostack watch --snapshot path`'s loop (interval 60 s, not waited), its state and its
    metrics; log lines go to ``log``."""
    from kostack.watch.loop import LoopSettings, WatchLoop
    from kostack.watch.metrics import WatchMetrics
    from kostack.watch.probing import ProbeSettings
    from kostack.watch.sources import SnapshotSource
    from kostack.watch.state import WatchState

    state = WatchState(interval=60.0)
    metrics = WatchMetrics(state, "benchmark")
    loop = WatchLoop(
        SnapshotSource(path),
        state,
        metrics,
        LoopSettings(interval=60.0),
        "benchmark",
        log.append,
        probe_runner=simulated,
        probe_settings=ProbeSettings(),
    )
    return loop, state, metrics
