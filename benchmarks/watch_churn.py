"""Benchmark: `kostack watch` over 200 cycles of a snapshot that changes every cycle.

The snapshot is `synthetic_doc(NODES, groups=300, rules=3_000, pods_per_node=5)`:
300 security groups, every worker in a group of its own kind, so the engine
sees about 300 node classes and the watch folds them into `--max-classes`
ids plus ``other``. Every cycle the file is written anew with:

- **node churn**: every node renamed (``node-00042`` -> ``node-{42 + 7 x cycle}``),
  so each class id (role and first member by name), every pod's node and every
  node port link is new: the labels of the per-class series change every cycle;
- **a root cause that comes and goes**: the anti-spoofing cause is present on
  even cycles and fixed (allowed address pairs) on odd ones, so every cycle has
  root-cause and verdict transitions, flapping included;
- **a gap every third cycle**: Neutron's networks "not collected" (HTTP 500).

The loop is `kostack watch --snapshot FILE`'s (`WatchLoop.run_cycle`,
`SnapshotSource`) with a simulated probe round (every planned probe answered
"pass" in 3 ms: probe histograms by class id, rotating sources), on the C
allocator as `kostack watch` runs (this script re-executes itself with
PYTHONMALLOC=malloc unless it is set). Measured:

- ``traced_kb``: Python memory alive after the cycle (tracemalloc), when warm
  and at the last: what the loop keeps from cycle to cycle. Warm is 10 cycles
  after the history of transitions first holds its limit (200, by design: about
  100 cycles here, two or three transitions a cycle);
- ``rss_mb``: resident memory when warm and at the last (/proc/self/status);
- ``series``: samples in one /metrics exposition, the largest seen over the run,
  against `series_bound(8)`; ``stale``: class ids of an earlier cycle still in
  the exposition after the last (must be 0: a vanished class has no series).

The last line is::

    churn: nodes=.. cycles=.. warm=.. traced_kb_warm=.. traced_kb_end=.. rss_mb_warm=.. rss_mb_end=.. series_max=.. stale=..

Targets: traced growth under 64 KB from warm to the last (nothing kept
per cycle), RSS growth under 10%, series_max at most series_bound(8), stale 0.
Exit status 0 when all hold.
Run: .venv/bin/python benchmarks/watch_churn.py [--cycles 200] [--nodes 400]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

from _watch_bench import on_c_allocator, rss_mb, snapshot_loop

SETTLE = 10  # cycles after the history is full
NODE_NAME = re.compile(r"node-(\d{5})")


def cycle_text(base: dict[str, Any], cycle: int) -> str:
    """The snapshot of ``cycle``: nodes renamed, the cause fixed on odd cycles, a gap every third."""
    doc = json.loads(json.dumps(base))
    if cycle % 2:
        for port in doc["openstack"]["ports"]:
            port["allowed_address_pairs"] = [{"ip_address": "10.128.0.0/10"}]
    if cycle % 3 == 0:
        doc["openstack"]["networks"] = None
        doc["gaps"] = [{"source": "openstack.networks", "error": "HTTP 500", "hint": ""}]
    shift = 7 * cycle
    return NODE_NAME.sub(lambda m: f"node-{int(m.group(1)) + shift:05d}", json.dumps(doc))


def main() -> int:
    on_c_allocator()
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--nodes", type=int, default=400)
    args = parser.parse_args()

    from kostack.watch.metrics import series_bound
    from kostack_testkit.builders import synthetic_doc

    base = synthetic_doc(args.nodes, groups=300, rules=3_000, pods_per_node=5)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snapshot.json"
        log: list[str] = []
        loop, state, metrics = snapshot_loop(path, log)
        tracemalloc.start()
        series_max = 0
        traced_warm = rss_warm = 0.0
        warm = 0
        seen_ids: set[str] = set()
        for n in range(1, args.cycles + 1):
            path.write_text(cycle_text(base, n))
            record = loop.run_cycle()
            if record.result != "ok":
                print(f"cycle {record.cycle} {record.result}: {record.error}", file=sys.stderr)
                return 2
            published = state.published
            assert published is not None
            seen_ids.update(c.id for c in published.classes)
            series_max = max(series_max, metrics.series())
            log.clear()
            traced = tracemalloc.get_traced_memory()[0] / 1024
            if not warm and len(state.history.transitions) == state.history.limit:
                warm = n + SETTLE
            if n == warm:
                traced_warm, rss_warm = traced, rss_mb()
            print(f"cycle {n}: traced_kb={traced:.0f} rss_mb={rss_mb():.1f}", file=sys.stderr)
        traced_end, rss_end = tracemalloc.get_traced_memory()[0] / 1024, rss_mb()
        if not warm or warm > args.cycles:
            print(f"the history never filled and settled in {args.cycles} cycles", file=sys.stderr)
            return 2
        tracemalloc.stop()
        assert published is not None  # at least one cycle ran
        current = {c.id for c in published.classes}
        exposition = metrics.exposition().decode()
        stale = sum(
            1 for old in seen_ids - current if f'class="{old}"' in exposition.replace("src_", "")
        )
    bound = series_bound(8)
    ok = (
        traced_end - traced_warm < 64
        and rss_end < rss_warm * 1.10
        and series_max <= bound
        and stale == 0
    )
    print(
        f"targets: traced growth<64KB rss growth<10% series_max<={bound} stale=0 -> "
        f"{'met' if ok else 'MISSED'} (class ids seen over the run: {len(seen_ids)}, "
        f"transitions kept: {len(state.history.transitions)}/{state.history.limit})"
    )
    print(
        f"churn: nodes={args.nodes} cycles={args.cycles} warm={warm} "
        f"traced_kb_warm={traced_warm:.0f} traced_kb_end={traced_end:.0f} "
        f"rss_mb_warm={rss_warm:.1f} rss_mb_end={rss_end:.1f} "
        f"series_max={series_max} stale={stale}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
