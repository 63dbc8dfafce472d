"""Benchmark: one probe round over an 8-node lab against the same probes one after another.

Brings a network lab up (namespaces `ks-bench-*`, state in a temporary
directory), plans the round from the lab's own snapshot (every source node,
every class pair, a ring sample, the ClusterIP ping), runs it as `kostack
probe --lab` does (every source at once, every probe of a source at once),
then runs the same probes one after another (sources in turn, the agent
with parallel off, as an operator does by hand), and takes the lab down
again, also on failure or Ctrl-C. The last line:

    probe: nodes=8 probes=.. round_s=.. sequential_s=.. speedup=.. timeout_s=..

Targets: speedup >= 5 and round_s < 2 x timeout_s.
Run as root: sudo .venv/bin/python benchmarks/probe_round.py [--scenario NAME] [--timeout S]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--scenario", default="seed-natoutgoing", help="lab scenario (default: seed-natoutgoing)"
    )
    parser.add_argument("--nodes", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=1.0, help="per-probe timeout in seconds")
    args = parser.parse_args()

    from kostack.probe.plan import build_probe_plan
    from kostack_lab.lab import Lab
    from kostack_lab.lab_runner import run_in_lab
    from kostack_lab.lab_snapshot import lab_pods, lab_snapshot

    with tempfile.TemporaryDirectory(prefix="kostack-bench-") as state:
        lab = Lab(name="bench", state_dir=Path(state))
        lab.down()  # a lab left by an interrupted run
        try:
            started = time.monotonic()
            lab.up(args.scenario, nodes=args.nodes)
            up_s = time.monotonic() - started
            topo = lab.topology
            plan = build_probe_plan(
                lab_snapshot(lab),
                timeout=args.timeout,
                egress=(topo.internet_ip, topo.http_port),
                icmp_clusterip=True,
                echo_port=topo.echo_port,
            )
            sources, echo, echo6 = lab_pods(lab)

            def execute(
                ns: str, argv: Sequence[str], timeout: float
            ) -> subprocess.CompletedProcess[str]:
                return lab.exec_in(ns, list(argv), timeout=timeout, check=False)

            round_ = run_in_lab(plan, sources, echo, execute=execute, echo6=echo6)
            sequential = run_in_lab(
                plan, sources, echo, execute=execute, echo6=echo6, sequential=True
            )
        finally:
            down = lab.down()
    verdicts = Counter(r.verdict for r in round_.results)
    same = all(
        a.verdict == b.verdict for a, b in zip(round_.results, sequential.results, strict=True)
    )
    speedup = sequential.seconds / round_.seconds
    ok = speedup >= 5 and round_.seconds < 2 * args.timeout and not round_.problems
    print(
        f"lab: scenario={args.scenario} nodes={args.nodes} up_s={up_s:.2f} down_s={down.seconds:.2f} "
        f"sources={len(plan.sources)} classes={plan.class_count}"
    )
    print("verdicts: " + " ".join(f"{k}={v}" for k, v in sorted(verdicts.items())))
    print(f"same verdicts one after another: {'yes' if same else 'NO'}")
    for problem in (*round_.problems, *sequential.problems):
        print(f"problem: {problem}")
    print(f"targets: speedup>=5 round_s<2*timeout_s -> {'met' if ok else 'MISSED'}")
    print(
        f"probe: nodes={args.nodes} probes={len(plan.probes)} round_s={round_.seconds:.2f} "
        f"sequential_s={sequential.seconds:.2f} speedup={speedup:.1f} timeout_s={args.timeout:g}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
