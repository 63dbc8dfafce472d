"""Run a probe plan inside the network lab's pod namespaces, for real.

The lab (`kostack_lab`, a layer above this one) says which namespace stands
for a pod on which node and runs commands there; this runner only needs
that mapping and a way to execute, so it takes both as arguments:

    pods = {"k8s-w-1": LabPod("k8s-w-1", "ks-n2p1", "demo/echo-w-1-1", "10.244.1.11"), ...}
    echo = {"k8s-w-1": "10.244.1.11", ...}          # a listener on every node (the lab's echo pods)
    round = run_in_lab(plan, pods, echo, execute=lambda ns, argv, t: lab.exec_in(ns, argv, timeout=t))

Every source runs `python3 -I agent.py '<json plan>'` in its pod's namespace,
all sources at once (threads), and every probe of a source at once inside
the agent. ``sequential=True`` runs the same probes one after another (the
sources in turn, the agent with ``parallel: false``), as an operator does
by hand; the benchmark compares the two.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from kostack.catalog import Msg
from kostack.probe import k8s_texts  # noqa: F401  (registers the runners' messages)
from kostack.probe.plan import PlannedProbe, ProbePlan
from kostack.probe.plan_model import place
from kostack.probe.results import (
    AGENT_PATH,
    ProbeResult,
    ProbeRound,
    SourceRun,
    collect_results,
    in_plan_order,
    now_text,
    parse_agent_output,
    skipped,
)

__all__ = ["Execute", "LabPod", "run_in_lab"]

Execute = Callable[[str, Sequence[str], float], "subprocess.CompletedProcess[str]"]


@dataclass(frozen=True)
class LabPod:
    """A lab pod namespace that runs the agent for the probes from ``node``."""

    node: str
    netns: str
    name: str
    ip: str


def _netns_exec(
    netns: str, argv: Sequence[str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """Default executor: `ip netns exec NETNS ARGV` (lab namespaces only)."""
    if not netns.startswith("ks-"):
        raise ValueError(f"refusing to run in namespace {netns!r}: lab namespaces start with ks-")
    return subprocess.run(
        ["ip", "netns", "exec", netns, *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def _tail(text: str, lines: int = 3) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])


def _run_source(
    plan: ProbePlan,
    where: tuple[str, str],
    pod: LabPod,
    echo: Mapping[str, str],
    execute: Execute,
    python: str,
    parallel: bool,
    echo6: Mapping[str, str] | None = None,
) -> tuple[list[ProbeResult], SourceRun]:
    started = time.monotonic()
    node, pool = where
    document, unresolved = plan.agent_plan(
        node, echo, parallel=parallel, echo_ips6=echo6, pool=pool
    )
    results = skipped(
        unresolved,
        "skipped: the lab has no listening pod on the target node",
        source_pod=pod.name,
    )
    planned = [p for p in plan.for_source(node, pool) if p not in unresolved]
    targets = {spec["id"]: str(spec["host"]) for spec in document["probes"]}
    if not planned:
        return results, SourceRun(node, pod.name, pod.ip, 0.0, "", pool)
    budget = plan.timeout * (1 if parallel else len(planned)) * 2 + 15
    argv = [python, "-I", "-S", "-B", str(AGENT_PATH), json.dumps(document)]
    problem = ""
    try:
        completed = execute(pod.netns, argv, budget)
        output = parse_agent_output(completed.stdout or "")
        if completed.returncode != 0:
            tail = _tail(completed.stderr or completed.stdout or "")
            problem = Msg("probe.lab.agent-exit", code=completed.returncode, tail=tail)
    except Exception as exc:  # the lab's errors live a layer up; any failure is this source's
        output = None
        problem = Msg("probe.lab.agent-run", netns=pod.netns, error=str(exc))
    results += collect_results(
        planned, output, source_pod=pod.name, targets=targets, failure=problem
    )
    return results, SourceRun(node, pod.name, pod.ip, time.monotonic() - started, problem, pool)


def run_in_lab(
    plan: ProbePlan,
    pods: Mapping[str, LabPod],
    echo: Mapping[str, str],
    *,
    execute: Execute | None = None,
    python: str = sys.executable,
    sequential: bool = False,
    on_done: Callable[[int, int], None] | None = None,
    echo6: Mapping[str, str] | None = None,
) -> ProbeRound:
    """Run every probe of ``plan`` from the lab pods in ``pods`` (node name -> pod; with
    several Calico pools also ``node@pool`` -> a pod of that pool, `place`).

    ``echo6`` maps a node to its listener's IPv6 address (a dual-stack lab):
    the plan's IPv6 probes aim there.

    Sources the lab has no pod for (the snapshot names a node the lab lacks)
    get `skipped` results saying so. ``on_done(done, total)`` is told each time
    a source pod finished (for progress).
    """
    tell = on_done or (lambda _done, _total: None)
    run = execute or _netns_exec
    started_at = now_text()
    started = time.monotonic()
    results: list[ProbeResult] = []
    runs: list[SourceRun] = []
    problems: list[str] = []
    jobs: list[tuple[tuple[str, str], LabPod]] = []
    for node, pool in plan.places():
        pod = pods.get(place(node, pool))
        if pod is None:
            missing: Sequence[PlannedProbe] = plan.for_source(node, pool)
            said = f"node {node}" if not pool else f"node {node} in IP pool {pool}"
            results += skipped(missing, f"skipped: the lab has no pod on {said}")
            key = "probe.lab.missing-pool" if pool else "probe.lab.missing-node"
            problems.append(Msg(key, node=node, pool=pool))
            continue
        jobs.append(((node, pool), pod))
    outcomes: list[tuple[list[ProbeResult], SourceRun]] = []
    if sequential:
        for where, pod in jobs:
            outcomes.append(_run_source(plan, where, pod, echo, run, python, False, echo6))
            tell(len(outcomes), len(jobs))
    elif jobs:
        with ThreadPoolExecutor(max_workers=len(jobs)) as executor:
            futures = [
                executor.submit(_run_source, plan, where, pod, echo, run, python, True, echo6)
                for where, pod in jobs
            ]
            for finished, _ in enumerate(as_completed(futures), start=1):
                tell(finished, len(jobs))
            outcomes = [f.result() for f in futures]  # in plan order
    for source_results, source_run in outcomes:
        results += source_results
        runs.append(source_run)
        if source_run.problem:
            problems.append(
                Msg("probe.lab.source", node=source_run.node, problem=source_run.problem)
            )
    return ProbeRound(
        plan=plan,
        results=tuple(in_plan_order(plan, results)),
        runner="lab",
        seconds=time.monotonic() - started,
        started_at=started_at,
        sources=tuple(runs),
        problems=tuple(problems),
    )
