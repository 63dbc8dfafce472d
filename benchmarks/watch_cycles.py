"""Benchmark: `kostack watch` cycles at 5,000 nodes against one `kostack diagnose` of the same snapshot.

The snapshot is the diagnose benchmark's (`synthetic_doc(5000, groups=100,
rules=10_000, pods_per_node=30)`, about 30 MB of JSON), written to a file.

- ``diagnose``: what `kostack diagnose --snapshot FILE` does before printing:
  read and validate the file, run every check. Timed in a child process
  (so it does not touch the watch's memory) before the first cycle and after
  every tenth, since the machine's load drifts over a long run; the ratio is
  the median cycle over the median diagnose.
- ``cycle``: one watch cycle in snapshot mode (`WatchLoop.run_cycle`), as
  `kostack watch --snapshot FILE` runs it: read the file again, diagnose,
  encode the /status diagnosis, publish the metrics, and a probe round that
  is **simulated**: the real plan (`build_probe_plan`, rotating seed) is built and
  every planned probe is answered "pass" in 3 ms by an in-process runner
  (no traffic: the benchmark measures kostack, not a network).

Every cycle runs back to back (no interval wait), on the allocator `kostack
watch` runs on: the C allocator (PYTHONMALLOC=malloc; the entry point
re-executes itself so, see kostack.cli.main.LONG_RUNNING); this script
re-executes itself the same way unless PYTHONMALLOC is set. RSS is the process's
resident memory (/proc/self/status VmRSS) after the first cycle and after the
last; series is the number of samples in one /metrics exposition. Each cycle's
seconds and RSS go to stderr as it ends (the curve). The last line is::

    watch: nodes=5000 cycle_s=.. rss_mb_start=.. rss_mb_end=.. series=.. cycles=100

Targets: cycle_s (the median) at most 2x diagnose_s, RSS growth under 10%,
series at most 2,000. Exit status 0 when all hold.
Run: .venv/bin/python benchmarks/watch_cycles.py [--cycles N] [--nodes N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _watch_bench import on_c_allocator, rss_mb, snapshot_loop


def time_diagnose(path: Path) -> tuple[float, int]:
    """Seconds of load + diagnose of ``path`` in a child process, and the root causes found."""
    code = (
        "import sys, time\n"
        "from kostack.analyze.diagnose import diagnose\n"
        "from kostack.model import load_snapshot\n"
        "t = time.perf_counter()\n"
        "d = diagnose(load_snapshot(sys.argv[1]))\n"
        "print(time.perf_counter() - t, len(d.root_causes))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), int(out[1])


def main() -> int:
    on_c_allocator()
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--nodes", type=int, default=5000)
    args = parser.parse_args()

    from kostack.watch.metrics import series_bound
    from kostack_testkit.builders import synthetic_doc

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snapshot.json"
        path.write_text(
            json.dumps(synthetic_doc(args.nodes, groups=100, rules=10_000, pods_per_node=30))
        )
        diagnose_runs = [time_diagnose(path)]

        log: list[str] = []
        loop, _, metrics = snapshot_loop(path, log)
        seconds: list[float] = []
        rss_start = 0.0
        for n in range(args.cycles):
            record = loop.run_cycle()
            if record.result != "ok":
                print(f"cycle {record.cycle} {record.result}: {record.error}", file=sys.stderr)
                return 2
            seconds.append(record.seconds)
            if n == 0:
                rss_start = rss_mb()
            # progress on stderr (a long run): the per-cycle RSS curve
            print(f"cycle {n + 1}: {record.seconds:.2f}s rss_mb={rss_mb():.1f}", file=sys.stderr)
            if (n + 1) % 10 == 0:
                diagnose_runs.append(time_diagnose(path))
            log.clear()
        rss_end = rss_mb()
        series = metrics.series()
    cycle_s = statistics.median(seconds)
    diagnose_s = statistics.median(d for d, _ in diagnose_runs)
    root_causes = diagnose_runs[0][1]
    ratio = cycle_s / diagnose_s
    growth = rss_end / rss_start - 1
    ok = ratio <= 2 and growth < 0.10 and series <= 2000
    print(
        f"diagnose: nodes={args.nodes} diagnose_s={diagnose_s:.2f} root_causes={root_causes} "
        f"(median of {len(diagnose_runs)} runs of load + diagnose of the same file)"
    )
    print(
        f"cycles: first_s={seconds[0]:.2f} median_s={cycle_s:.2f} max_s={max(seconds):.2f} "
        f"ratio={ratio:.2f} rss_growth={growth * 100:.1f}% series_bound={series_bound(8)} "
        "probes=simulated"
    )
    print(f"targets: ratio<=2 rss_growth<10% series<=2000 -> {'met' if ok else 'MISSED'}")
    print(
        f"watch: nodes={args.nodes} cycle_s={cycle_s:.2f} rss_mb_start={rss_start:.0f} "
        f"rss_mb_end={rss_end:.0f} series={series} cycles={args.cycles}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
