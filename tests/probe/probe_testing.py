"""Helpers for the probe tests (imported by name: tests/probe is on sys.path).

- `SimulatedKubelet`: probe pods created through the Kubernetes API double
  "run" at once: the double has no kubelet, so the agent's output is made up
  from the plan in the pod's command by a rule the test gives, and set as
  the pod's log.

The lab served as a cluster for real (probe pods run in the lab's pod
namespaces) is product code: kostack_lab.cluster (`serve_lab_cluster`,
`LabKubelet`, `lab_cluster_objects`).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack_lab.lab import Lab
from kostack_lab.netns import find_tagged_processes, list_namespaces
from kostack_testkit.kubeapi import KubeApiDouble

PROBE_LABEL = "app.kubernetes.io/name"
COMPONENT = "app.kubernetes.io/component"

Rule = Callable[[dict[str, Any], str], tuple[str, str]]  # (spec, node) -> (verdict, detail)


def lab_name() -> str:
    """A lab name unique to this test process (1-8 lowercase letters/digits)."""
    return f"p{os.getpid() % 10_000_000}"


def assert_nothing_left(name: str) -> None:
    """No namespace or process of lab `name` remains."""
    prefix = f"ks-{name}-"
    assert [n for n in list_namespaces() if n.startswith(prefix)] == []
    assert find_tagged_processes(prefix) == []


def agent_lines(plan: Mapping[str, Any], rule: Rule, node: str, source_ip: str) -> str:
    """What the agent would print for ``plan`` if each probe ended as ``rule`` says."""
    lines = []
    for spec in plan["probes"]:
        verdict, detail = rule(spec, node)
        lines.append(
            json.dumps(
                {
                    "id": spec["id"],
                    "kind": spec["kind"],
                    "target": spec["host"],
                    "verdict": verdict,
                    "detail": detail,
                    "elapsed_ms": 12.5,
                    "extra": {},
                }
            )
        )
    lines.append(
        json.dumps(
            {
                "agent": "kostack-probe",
                "done": True,
                "probes": len(plan["probes"]),
                "source_ip": source_ip,
            }
        )
    )
    return "\n".join(lines) + "\n"


def _is_probe_pod(pod: Mapping[str, Any]) -> bool:
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return labels.get(PROBE_LABEL) == "kostack-probe"


@dataclass
class SimulatedKubelet:
    """Runs probe pods at once with made-up agent output (`rule` decides each verdict)."""

    api: KubeApiDouble
    rule: Rule
    created: list[dict[str, Any]] = field(default_factory=list)
    on_probe_pod: Callable[[dict[str, Any]], None] | None = None

    def attach(self) -> SimulatedKubelet:
        self.api.start_pods_on_create()
        self.api.on_create("", "pods", self._pod)
        return self

    def _pod(self, pod: dict[str, Any]) -> None:
        if not _is_probe_pod(pod):
            return
        self.created.append(json.loads(json.dumps(pod)))
        labels = pod["metadata"]["labels"]
        if labels.get(COMPONENT) != "probe":
            return
        if self.on_probe_pod is not None:
            self.on_probe_pod(pod)
        command = pod["spec"]["containers"][0]["command"]
        plan = json.loads(command[-1])
        node = pod["spec"]["nodeName"]
        ip = pod["status"].get("podIP", "10.244.9.9")
        self.api.set_pod_log(
            pod["metadata"]["namespace"],
            pod["metadata"]["name"],
            agent_lines(plan, self.rule, node, ip),
        )
        pod["status"]["phase"] = "Succeeded"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def run_cli(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> Run:
    """`kostack ARGV` in-process with an injected environment."""
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=out,
        stderr=err,
        environ=dict(environ if environ is not None else {"LANG": "C.UTF-8"}),
        stdin_isatty=False,
        stdout_isatty=False,
    )
    code = main(list(argv), env)
    return Run(code, out.getvalue(), err.getvalue())


def add_router_routes(neutron: str, lab: Lab) -> None:
    """Tell Neutron about the router's routes back to the pod blocks the lab's router has.

    (What the OpenStack cloud controller's route controller does per node podCIDR.)
    """
    from kostack_lab.neutron import openstack_connection

    network = openstack_connection(neutron).network
    router = next(network.routers(name="k8s-router"))
    routes = [{"destination": n.pod_cidr, "nexthop": n.ip} for n in lab.topology.nodes]
    network.add_extra_routes_to_router(router, body={"router": {"routes": routes}})


def netns_processes(prefix: str) -> list[int]:
    """Processes still running in a lab's namespaces (the agent must not linger)."""
    out: list[int] = []
    for name in list_namespaces():
        if name.startswith(prefix):
            done = subprocess.run(
                ["ip", "netns", "pids", name], capture_output=True, text=True, check=False
            )
            out += [int(p) for p in done.stdout.split() if p.isdigit()]
    return out
