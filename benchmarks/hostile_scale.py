"""Benchmark: every phase on the hostile snapshot (kostack_testkit.hostile) at n and 2n nodes.

The snapshot: nodes over many subnets, dual stack, a security group per node with
remote-group and CIDR rules, about one Service per node of every type (MetalLB, Cilium LB
IPAM and Octavia load balancers among them), Helm releases and claims across namespaces,
EgressIPs, unicode and very long names and labels, duplicated addresses, fields left out.
Phases, each measured in a process of its own on the snapshot written to a file:

- ``diagnose``: `kostack diagnose --snapshot FILE -o json`;
- ``fix-plan``: `kostack fix plan --snapshot FILE -o json`;
- ``report``: `kostack report --snapshot FILE -o FILE.html`;
- ``watch``: one `kostack watch --snapshot FILE` cycle (`WatchLoop.run_cycle`, the probe round
  simulated as in benchmarks/watch_cycles.py);
- ``guard``: one guard pass's reading of the drift (`kostack.guard.drift.compute` on the loaded
  snapshot: diagnose and the plan on what guard did not add, then the drift);
- ``interleaved``: `diagnose` on `kostack_testkit.hostile.interleaved_doc` instead (per-node
  groups that all admit one group whose members interleave: a range per member in every node's
  set; the shapes' small ranges, engine/shape_sides.py, once paired every node with every
  member).

Each phase runs twice in its process: once for CPU seconds (time.process_time), once under
tracemalloc for the peak of Python allocations. One line per phase:

    hostile: phase=diagnose n=1000 cpu_s=.. peak_mb=.. 2n_cpu_s=.. 2n_peak_mb=.. time_ratio=.. mem_ratio=..

Target: both ratios <= 2.5 (linear, with room for a busy machine). ``--profile PHASE N``
prints the functions whose own time grows most from N to 2N (cProfile), the audit's tool.
Run: .venv/bin/python benchmarks/hostile_scale.py [--nodes 1000] [--phases diagnose,guard]
     .venv/bin/python benchmarks/hostile_scale.py --profile diagnose 1000
     .venv/bin/python benchmarks/hostile_scale.py --phases interleaved --nodes 2000
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

PHASES = ("diagnose", "fix-plan", "report", "watch", "guard", "interleaved")
TARGET = 2.5


def _cli(args: list[str]) -> Callable[[], Any]:
    def run() -> Any:
        from kostack.cli.common import Environment
        from kostack.cli.main import main

        out = io.StringIO()
        env = Environment(stdout=out, stderr=io.StringIO(), environ={**os.environ, "LANG": "C"})
        code = main(args, env)
        if code not in (0, 1):  # refused or failed: the time would measure nothing
            raise SystemExit(f"kostack {' '.join(args[:2])}: exit {code}")
        return code

    return run


def phase_runner(phase: str, path: Path) -> Callable[[], Any]:
    """What one phase runs on the snapshot at ``path`` (its setup outside)."""
    snap = str(path)
    if phase in ("diagnose", "interleaved"):
        return _cli(["diagnose", "--snapshot", snap, "-o", "json"])
    if phase == "fix-plan":
        return _cli(["fix", "plan", "--snapshot", snap, "-o", "json"])
    if phase == "report":
        return _cli(["report", "--snapshot", snap, "-o", str(path.with_suffix(".html"))])
    if phase == "watch":
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from _watch_bench import snapshot_loop

        loop, _, _ = snapshot_loop(path, [])

        def cycle() -> Any:
            record = loop.run_cycle()
            if record.result != "ok":
                raise SystemExit(f"watch cycle {record.result}: {record.error}")
            return record

        return cycle
    if phase == "guard":
        from kostack.guard.drift import compute
        from kostack.model import load_snapshot

        snapshot = load_snapshot(path)
        return lambda: compute(snapshot)
    raise SystemExit(f"unknown phase {phase}")


def write_snapshot(nodes: int, tmp: str, seed: int = 0, phase: str = "") -> Path:
    from kostack_testkit.hostile import hostile_doc, interleaved_doc

    path = Path(tmp) / "snapshot.json"
    doc = interleaved_doc(nodes) if phase == "interleaved" else hostile_doc(nodes, seed)
    path.write_text(json.dumps(doc))
    return path


def measure(phase: str, nodes: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_snapshot(nodes, tmp, phase=phase)
        with contextlib.redirect_stdout(io.StringIO()):
            # first under tracemalloc (it also pays the imports), then timed, warm
            run = phase_runner(phase, path)
            tracemalloc.start()
            run()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            run = phase_runner(phase, path)
            t0 = time.process_time()
            run()
            cpu = time.process_time() - t0
    return {"cpu_s": cpu, "peak_mb": peak / 1e6}


def profile(phase: str, nodes: int, top: int = 25) -> None:
    """Per function, own seconds and calls at ``nodes`` and twice as many: the worst growth
    first (the collector off while profiled, so its passes do not land on whoever ran)."""
    import cProfile
    import gc
    import pstats

    own: list[dict[str, tuple[int, float]]] = []
    for n in (nodes, 2 * nodes):
        with tempfile.TemporaryDirectory() as tmp:
            run = phase_runner(phase, write_snapshot(n, tmp, phase=phase))
            run()  # warm: imports and caches
            prof = cProfile.Profile()
            gc.collect()
            gc.disable()
            with contextlib.redirect_stdout(io.StringIO()):
                prof.runcall(phase_runner(phase, Path(tmp) / "snapshot.json"))
            gc.enable()
        stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
        own.append({f"{f}:{line}:{name}": (v[1], v[2]) for (f, line, name), v in stats.items()})
    total = [sum(t for _, t in o.values()) for o in own]
    print(f"profile: phase={phase} n={nodes} own_s={total[0]:.2f} 2n_own_s={total[1]:.2f}")
    print(" by own time (excess over twice the time at n):")
    rows = sorted(own[1], key=lambda k: own[1][k][1] - 2 * own[0].get(k, (0, 0.0))[1])
    for key in reversed(rows[-top:]):
        small, big = own[0].get(key, (0, 0.0))[1], own[1][key][1]
        print(f"  {big - 2 * small:+7.3f}s  {small:7.3f} -> {big:7.3f}  {key}")
    print(" by calls (more than 2.2 times the calls at n, at least 1,000):")
    grown = [
        k
        for k, (calls, _) in own[1].items()
        if calls >= 1000 and calls > 2.2 * own[0].get(k, (0, 0.0))[0]
    ]
    for key in sorted(grown, key=lambda k: own[1][k][0], reverse=True)[:top]:
        print(f"  {own[0].get(key, (0, 0.0))[0]:9d} -> {own[1][key][0]:9d}  {key}")


def child(phase: str, nodes: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--one", phase, str(nodes)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--phases", default=",".join(PHASES))
    parser.add_argument("--one", nargs=2, metavar=("PHASE", "N"))
    parser.add_argument("--profile", nargs=2, metavar=("PHASE", "N"))
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one[0], int(args.one[1]))))
        return 0
    if args.profile:
        profile(args.profile[0], int(args.profile[1]))
        return 0
    ok = True
    for phase in args.phases.split(","):
        small, big = child(phase, args.nodes), child(phase, 2 * args.nodes)
        t_ratio = big["cpu_s"] / max(small["cpu_s"], 1e-9)
        m_ratio = big["peak_mb"] / max(small["peak_mb"], 1e-9)
        met = t_ratio <= TARGET and m_ratio <= TARGET
        ok = ok and met
        print(
            f"hostile: phase={phase} n={args.nodes} cpu_s={small['cpu_s']:.2f} "
            f"peak_mb={small['peak_mb']:.0f} 2n_cpu_s={big['cpu_s']:.2f} "
            f"2n_peak_mb={big['peak_mb']:.0f} time_ratio={t_ratio:.2f} mem_ratio={m_ratio:.2f} "
            f"-> {'met' if met else 'MISSED'}",
            flush=True,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
