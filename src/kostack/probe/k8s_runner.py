"""Run a probe plan in a Kubernetes cluster: temporary namespace, pods per node, always cleaned up.

What it creates, all in one new namespace `kostack-probe-<random>` (labelled
`app.kubernetes.io/managed-by: kostack`):

1. ConfigMap `kostack-probe-agent` holding the agent (stdlib-only files, one folder);
2. an echo pod on every node a pod-to-pod or MTU probe targets
   (`python3 agent.py --serve 8080`), pinned with `nodeName`, tolerating
   every taint; kostack waits until each runs and has an IP;
3. a probe pod on every source node running `python3 agent.py '<plan>'`
   with the echo pods' addresses filled in (`restartPolicy: Never`);
   kostack waits until each finishes and reads its log.

The pods need no API access (`automountServiceAccountToken: false`), run
with the image given (default a public python3 image; `--image` for
air-gapped registries) and carry `activeDeadlineSeconds`, so even a kostack
killed with SIGKILL leaves nothing running for long. The namespace is
deleted in a `finally`, on failure, on Ctrl-C and on SIGTERM (turned into an
interrupt while the round runs); a second Ctrl-C during the cleanup does not
cut it short. The requests, pods, waiting and cleanup the steps share are in
`kostack.probe.k8s_round`.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from kubernetes.client import CoreV1Api

from kostack.analyze.messages import Msg
from kostack.deadline import GRACE_S, with_deadline
from kostack.errors import ProbeError
from kostack.probe.k8s_round import (
    AGENT_CONFIGMAP,
    AGENT_DIR,
    DEFAULT_IMAGE,
    MANAGED_BY,
    PYTHON_FLAGS,
    KubeProbeOptions,
    KubeRound,
    labels_of,
)
from kostack.probe.k8s_signals import shielded, sigterm_interrupts
from kostack.probe.plan import ProbePlan
from kostack.probe.plan_model import place
from kostack.probe.results import (
    AGENT_FILES,
    ProbeResult,
    ProbeRound,
    SourceRun,
    collect_results,
    in_plan_order,
    now_text,
    parse_agent_output,
    skipped,
)
from kostack.shell import render

__all__ = [
    "DEFAULT_IMAGE",
    "MANAGED_BY",
    "KubeProbeOptions",
    "run_in_kubernetes",
]


class _Run(KubeRound):
    """The steps of one round, in order (`run_in_kubernetes`)."""

    def create_namespace(self) -> None:
        body = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": self.namespace, "labels": labels_of("round")},
        }
        self.progress(Msg("probe.progress.namespace", namespace=self.namespace))
        # Marked before the request: a create that timed out may still have happened.
        self.created = True
        self._call(
            Msg("probe.k8s.namespace", namespace=self.namespace), self.core.create_namespace, body
        )

    def create_agent(self) -> None:
        body = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": AGENT_CONFIGMAP,
                "namespace": self.namespace,
                "labels": labels_of("agent"),
            },
            "data": {path.name: path.read_text(encoding="utf-8") for path in AGENT_FILES},
        }
        self._call(
            Msg("probe.k8s.configmap", name=f"{self.namespace}/{AGENT_CONFIGMAP}"),
            self.core.create_namespaced_config_map,
            self.namespace,
            body,
        )

    def start_echo(self) -> dict[str, str]:
        """Echo pods on every target node, and of each pool a pinned probe targets there;
        `place` (node, or node@pool) -> pod IP once they run."""
        places = [(node, "") for node in self.plan.echo_nodes] + list(self.plan.pool_echoes)
        if not places:
            return {}
        self.progress(Msg("probe.progress.echo", pods=len(places)))
        names: dict[str, str] = {}
        agent = f"{AGENT_DIR}/agent.py"
        for index, (node, pool) in enumerate(places):
            name = f"echo-{index:03d}"
            command = [
                self.options.python,
                *PYTHON_FLAGS,
                agent,
                "--serve",
                str(self.plan.echo_port),
                "--serve-seconds",
                str(self.options.echo_seconds),
            ]
            body = self._pod(name, node, "echo", command, self.options.echo_seconds + 60, pool)
            self._call(
                Msg("probe.k8s.echo-pod", node=place(node, pool)),
                self.core.create_namespaced_pod,
                self.namespace,
                body,
            )
            names[name] = place(node, pool)
        running = self._wait(names, want="running")
        self.echo_ips6 = {names[n]: ip for n, ip in self.pod_ips6.items() if n in names}
        return {names[name]: ip for name, (ip, _text) in running.items() if ip}

    def run_probes(self, echo_ips: Mapping[str, str]) -> tuple[list[ProbeResult], list[SourceRun]]:
        results: list[ProbeResult] = []
        pods: dict[str, str] = {}
        targets: dict[str, dict[str, str]] = {}
        unresolved_by_node = {}
        agent = f"{AGENT_DIR}/agent.py"
        deadline = int(self.plan.timeout * 4 + self.options.start_timeout + 60)
        for index, (node, pool) in enumerate(self.plan.places()):
            document, unresolved = self.plan.agent_plan(
                node, echo_ips, echo_ips6=self.echo_ips6, pool=pool
            )
            unresolved_by_node[place(node, pool)] = unresolved
            name = f"probe-{index:03d}"
            if unresolved:
                results += skipped(
                    unresolved,
                    "skipped: the echo pod on the target node did not start",
                    source_pod=f"{self.namespace}/{name}",
                )
            if not document["probes"]:
                continue
            targets[place(node, pool)] = {
                spec["id"]: str(spec["host"]) for spec in document["probes"]
            }
            command = [
                self.options.python,
                *PYTHON_FLAGS,
                agent,
                json.dumps(document, separators=(",", ":")),
            ]
            body = self._pod(name, node, "probe", command, deadline, pool)
            self._call(
                Msg("probe.k8s.probe-pod", node=place(node, pool)),
                self.core.create_namespaced_pod,
                self.namespace,
                body,
            )
            pods[name] = place(node, pool)
        self.progress(
            Msg(
                "probe.progress.running",
                probes=sum(len(t) for t in targets.values()),
                pods=len(pods),
            )
        )
        finished = self._wait(pods, want="finished")
        runs: list[SourceRun] = []
        for name, where in pods.items():
            node, _, pool = where.partition("@")
            ip, log = finished.get(name, (None, ""))
            unresolved = unresolved_by_node[where]
            planned = [p for p in self.plan.for_source(node, pool) if p not in unresolved]
            output = parse_agent_output(log)
            problem = (
                "" if output.summary else Msg("probe.k8s.no-report", pod=f"{self.namespace}/{name}")
            )
            results += collect_results(
                planned,
                output,
                source_pod=f"{self.namespace}/{name}",
                targets=targets.get(where, {}),
                failure=problem,
            )
            runs.append(SourceRun(node, f"{self.namespace}/{name}", ip, 0.0, problem, pool))
        return results, runs


def run_in_kubernetes(
    plan: ProbePlan, api_client: Any, options: KubeProbeOptions | None = None
) -> ProbeRound:
    """Run ``plan`` in the cluster ``api_client`` talks to; always delete what was created.

    Raises ProbeError when the round cannot run (no permission, the image
    does not pull, pods do not start) and when its namespace could not be
    deleted (the message names it). KeyboardInterrupt (Ctrl-C, SIGTERM)
    propagates after the cleanup.
    """
    opts = options or KubeProbeOptions()
    # every request with a hard deadline (a socket timeout alone does not bound a request)
    core = with_deadline(CoreV1Api(api_client), opts.request_timeout + GRACE_S)
    run = _Run(core, plan, opts)
    started_at = now_text()
    started = time.monotonic()
    round_: ProbeRound | None = None
    try:
        with sigterm_interrupts():
            run.create_namespace()
            run.create_agent()
            echo_ips = run.start_echo()
            results, runs = run.run_probes(echo_ips)
        round_ = ProbeRound(
            plan=plan,
            results=tuple(in_plan_order(plan, results)),
            runner="kubernetes",
            seconds=0.0,
            started_at=started_at,
            sources=tuple(runs),
            problems=tuple(r.problem for r in runs if r.problem),
        )
    finally:
        with shielded(run.progress) as caught:
            leftovers = run.cleanup()
        if leftovers:
            error = ProbeError(
                Msg("probe.k8s.leftovers", left=leftovers),
                # the namespace kostack made for this run: its own, nothing else's
                Msg(
                    "probe.k8s.hint.leftovers",
                    command=render(["kubectl", "delete", "namespace", run.namespace]),
                ),
            )
            if round_ is not None:
                raise error  # the round worked, the cleanup did not: say so
            # An error is already propagating: keep it, and tell about the leftovers too.
            current = sys.exc_info()[1]
            if current is not None:
                current.add_note(f"{error.message} (hint: {error.hint})")
        if caught and round_ is not None:
            raise KeyboardInterrupt
    assert round_ is not None
    return replace(round_, seconds=time.monotonic() - started)
