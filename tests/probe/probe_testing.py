"""Helpers for the probe tests (imported by name: tests/probe is on sys.path).

- `SimulatedKubelet`: probe pods created through the Kubernetes API double
  "run" at once: the double has no kubelet, so the agent's output is made up
  from the plan in the pod's command by a rule the test gives, and set as
  the pod's log.
- `LabKubelet`: probe pods created through the double run for real: the
  agent handed over in the ConfigMap runs in the network lab's pod
  namespace on the pod's node, and its output becomes the pod's log.
- `LabCluster`: a running lab served as a cluster (its Kubernetes objects in
  the double with a LabKubelet), plus the kubeconfig and clouds.yaml that
  make `kostack diagnose/probe/fix` talk to it and to its Neutron.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack.lab.k8s_fixture_calico import calico_crds
from kostack.lab.k8s_fixture_objects import namespace_object
from kostack.lab.kubeapi import KubeApiDouble
from kostack.lab.lab import Lab
from kostack.lab.netns import find_tagged_processes, list_namespaces
from kostack.lab.scenarios import kubernetes_objects

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


@dataclass
class LabKubelet:
    """Runs probe pods for real in the lab: the ConfigMap's agent in the node's lab pod."""

    api: KubeApiDouble
    lab: Lab
    workdir: Path
    threads: list[threading.Thread] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)

    def attach(self) -> LabKubelet:
        self.api.start_pods_on_create()
        self.api.on_create("", "pods", self._pod)
        return self

    def _lab_pod(self, node: str) -> Any:
        pods = self.lab.topology.pods_on(node)
        return next((p for p in pods if p.app == "echo"), pods[0])

    def _pod(self, pod: dict[str, Any]) -> None:
        if not _is_probe_pod(pod):
            return
        node = pod["spec"]["nodeName"]
        lab_pod = self._lab_pod(node)
        # The pod "is" the lab pod on its node: its address, its echo server on 8080.
        pod["status"]["podIP"] = lab_pod.ip
        pod["status"]["podIPs"] = [{"ip": lab_pod.ip}]
        if pod["metadata"]["labels"].get(COMPONENT) != "probe":
            return
        thread = threading.Thread(
            target=self._run,
            args=(pod["metadata"]["namespace"], pod["metadata"]["name"], lab_pod.netns, pod),
            daemon=True,
        )
        self.threads.append(thread)
        thread.start()

    def _run(self, namespace: str, name: str, netns: str, pod: Mapping[str, Any]) -> None:
        # Waits for the API's lock: the pod is stored once its create returns.
        configmap = self.api.get("v1", "ConfigMap", "kostack-probe-agent", namespace)
        assert configmap is not None, "the runner hands the agent over in a ConfigMap"
        agent = self.workdir / f"{namespace}-agent.py"
        agent.write_text(configmap["data"]["agent.py"], encoding="utf-8")
        command = list(pod["spec"]["containers"][0]["command"])
        mount = pod["spec"]["containers"][0]["volumeMounts"][0]["mountPath"]
        argv = [str(agent) if a == f"{mount}/agent.py" else a for a in command]
        try:
            completed = self.lab.exec_in(netns, argv, timeout=60)
            log = completed.stdout
        except Exception as exc:  # the pod's log says what went wrong
            log = f"kubelet: {exc}\n"
        self.runs.append(netns)
        self.api.set_pod_log(namespace, name, log)
        stored = self.api.get("v1", "Pod", name, namespace)
        if stored is not None:
            stored["status"]["phase"] = "Succeeded"
            self.api.add(stored)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=60)


def lab_cluster_objects(lab: Lab) -> list[dict[str, Any]]:
    """The lab's cluster as the double serves it: namespaces, Calico's CRDs, the lab's objects."""
    namespaces = [namespace_object(n) for n in ("default", "kube-system", "kube-public", "demo")]
    return [
        *calico_crds(operator=True),
        *namespaces,
        *kubernetes_objects(lab.scenario, lab.topology),
    ]


@dataclass
class LabCluster:
    """A running lab served as a cluster, with the files `kostack` needs to reach it."""

    lab: Lab
    api: KubeApiDouble
    kubelet: LabKubelet
    kubeconfig: Path
    clouds: Path
    neutron: str | None

    def environ(self, **extra: str) -> dict[str, str]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        env["OS_CLIENT_CONFIG_FILE"] = str(self.clouds)
        env["KUBECONFIG"] = str(self.kubeconfig)
        env.update(extra)
        return env

    def live_args(self) -> list[str]:
        args = ["--kubeconfig", str(self.kubeconfig)]
        if self.neutron is not None:
            args += ["--os-cloud", "lab", "--neutron-backend", "ml2/ovs"]
        return args

    def stop(self) -> None:
        self.kubelet.join()
        self.api.stop()


def start_lab_cluster(lab: Lab, workdir: Path, neutron: str | None) -> LabCluster:
    api = KubeApiDouble(lab_cluster_objects(lab)).start()
    kubelet = LabKubelet(api, lab, workdir).attach()
    kubeconfig = api.write_kubeconfig(workdir / "kubeconfig")
    clouds = workdir / "clouds.yaml"
    if neutron is not None:
        clouds.write_text(
            f"clouds:\n  lab:\n    auth_type: none\n    network_endpoint_override: {neutron}\n",
            encoding="utf-8",
        )
    else:
        clouds.write_text("clouds: {}\n", encoding="utf-8")
    return LabCluster(lab, api, kubelet, kubeconfig, clouds, neutron)


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
    from kostack.lab.neutron import openstack_connection

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
