"""The lab served as a cluster: its Kubernetes view through the API double, probe pods run for real.

`kostack lab up` starts this as a daemon next to the lab's servers, so
`kostack collect`, `diagnose` and `probe` run against the lab unchanged:

    python -m kostack_lab.cluster --state-dir /run/kostack/lab --lab-tag ks- \
        [--neutron-endpoint http://127.0.0.1:9696/]

It serves the lab's nodes, pods, services, EndpointSlices, IP pools and
kubeadm config (plus the namespaces and Calico's CRDs) on 127.0.0.1, and
writes `<state>/kubeconfig` (0600: it holds the bearer token) once the server
answers, and `<state>/clouds.yaml` (cloud `lab`, no auth, Neutron endpoint
override) when a Neutron endpoint is known. The kubeconfig appearing is the
readiness signal `Lab.up` waits for.

There is no kubelet in the double; `LabKubelet` stands in for one: a probe
pod created through the API "is" the lab pod on its node (its IP), and the
probe agent handed over in the runner's ConfigMap runs in that pod's network
namespace, its output becoming the pod's log.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kostack_lab.antrea_objects import antrea_crds
from kostack_lab.kube_objects import calico_crds, namespace_object
from kostack_lab.kubeapi import KubeApiDouble
from kostack_lab.lab import CLOUD_NAME, Lab, cluster_environment, export_lines
from kostack_lab.scenarios import kubernetes_objects
from kostack_lab.state import StatePaths, write_private
from kostack_lab.topology_layout import PodPlan

__all__ = [
    "CLOUD_NAME",
    "LabCluster",
    "LabKubelet",
    "cluster_environment",
    "export_lines",
    "lab_cluster_objects",
    "serve_lab_cluster",
]

PROBE_LABEL = "app.kubernetes.io/name"
PROBE_NAME = "kostack-probe"
COMPONENT = "app.kubernetes.io/component"
AGENT_CONFIGMAP = "kostack-probe-agent"
POD_RUN_TIMEOUT = 60.0
READY_TIMEOUT = 10.0
_NAMESPACES = ("default", "kube-system", "kube-public", "demo")


def lab_cluster_objects(lab: Lab) -> list[dict[str, Any]]:
    """The lab's cluster as the double serves it: namespaces, Calico's CRDs (and the operator's,
    but for Canal, installed from a manifest; Antrea's Egress and ExternalIPPool instead under
    Antrea), the lab's objects."""
    return [
        *(
            antrea_crds()
            if lab.topology.cni == "antrea"
            else calico_crds(operator=lab.topology.cni == "calico")
        ),
        *(namespace_object(n) for n in _NAMESPACES),
        *kubernetes_objects(lab.scenario, lab.topology),
    ]


def _is_probe_pod(pod: Mapping[str, Any]) -> bool:
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return bool(labels.get(PROBE_LABEL) == PROBE_NAME)


@dataclass
class LabKubelet:
    """Runs probe pods for real in the lab: the ConfigMap's agent in the node's lab pod."""

    api: KubeApiDouble
    lab: Lab
    workdir: Path
    threads: list[threading.Thread] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)

    def attach(self) -> LabKubelet:
        """Hook pod creation in the double; returns self."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o700)
        self.api.start_pods_on_create()
        self.api.on_create("", "pods", self._pod)
        return self

    def _lab_pod(self, node: str) -> PodPlan:
        pods = self.lab.topology.pods_on(node)
        return next((p for p in pods if p.app == "echo"), pods[0])

    def _pod(self, pod: dict[str, Any]) -> None:
        if not _is_probe_pod(pod):
            return
        lab_pod = self._lab_pod(pod["spec"]["nodeName"])
        # The pod "is" the lab pod on its node: its address, its echo server.
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
        try:
            log = self._execute(namespace, netns, pod)
        except Exception as exc:  # the pod's log says what went wrong, as a kubelet's would
            log = f"kubelet: {exc}\n"
        self.runs.append(netns)
        self.api.set_pod_log(namespace, name, log)
        stored = self.api.get("v1", "Pod", name, namespace)
        if stored is not None:
            stored["status"]["phase"] = "Succeeded"
            self.api.add(stored)

    def _execute(self, namespace: str, netns: str, pod: Mapping[str, Any]) -> str:
        # Waits for the API's lock: the pod is stored once its create returns.
        configmap = self.api.get("v1", "ConfigMap", AGENT_CONFIGMAP, namespace)
        if configmap is None:
            raise RuntimeError(f"no ConfigMap {AGENT_CONFIGMAP} with the probe agent")
        # One folder per pod (the ConfigMap's files: the agent and its modules), each file
        # written whole before it runs: pods start concurrently, and a file shared between
        # them could be re-truncated while another pod's python reads it.
        pod_name = pod["metadata"]["name"]
        folder = self.workdir / f"{namespace}-{pod_name}"
        folder.mkdir(exist_ok=True)
        for name, text in configmap["data"].items():
            if "/" in name or name.startswith("."):
                raise RuntimeError(f"ConfigMap {AGENT_CONFIGMAP} has a bad key {name!r}")
            partial = folder / f".{name}.tmp"
            partial.write_text(text, encoding="utf-8")
            partial.replace(folder / name)
        container = pod["spec"]["containers"][0]
        mount = container["volumeMounts"][0]["mountPath"]
        argv = [
            str(folder / a[len(mount) + 1 :]) if a.startswith(f"{mount}/") else a
            for a in container["command"]
        ]
        completed = self.lab.exec_in(netns, argv, timeout=POD_RUN_TIMEOUT)
        return completed.stdout

    def join(self, timeout: float = POD_RUN_TIMEOUT) -> None:
        """Wait for the probe pods that are still running."""
        for thread in self.threads:
            thread.join(timeout=timeout)


@dataclass
class LabCluster:
    """A running lab served as a cluster, with the files `kostack` needs to reach it."""

    lab: Lab
    api: KubeApiDouble
    kubelet: LabKubelet
    kubeconfig: Path
    clouds: Path | None
    neutron: str | None

    def exports(self) -> dict[str, str]:
        """The environment that points kostack (and kubectl/openstack) at the lab."""
        return cluster_environment(self.kubeconfig, self.clouds)

    def environ(self, **extra: str) -> dict[str, str]:
        """A minimal process environment: PATH, LANG, the exports and `extra`."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        env.update(self.exports())
        env.update(extra)
        return env

    def stop(self, *, wait_for_pods: bool = True) -> None:
        """Stop serving (after the running probe pods ended, unless told not to wait)."""
        if wait_for_pods:
            self.kubelet.join()
        self.api.stop()


def _wait_answering(api: KubeApiDouble, timeout: float = READY_TIMEOUT) -> None:
    """Return once the server answers /readyz (bounded by `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{api.url}/readyz", timeout=1.0) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Kubernetes API double does not answer: {exc}") from exc
        if time.monotonic() > deadline:
            raise RuntimeError("the Kubernetes API double is not ready")
        time.sleep(0.01)  # polling the server, bounded by the deadline


def serve_lab_cluster(lab: Lab, state_dir: Path, neutron_endpoint: str | None) -> LabCluster:
    """Serve `lab` (which must be up) as a cluster; write the files that reach it into `state_dir`.

    Writes `clouds.yaml` first (with a Neutron endpoint) and `kubeconfig`
    last, once the server answers: its appearance means ready.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    paths = StatePaths(state_dir)
    kubeconfig, clouds = paths.kubeconfig, paths.clouds
    kubeconfig.unlink(missing_ok=True)
    clouds.unlink(missing_ok=True)
    api = KubeApiDouble(lab_cluster_objects(lab)).start()
    try:
        kubelet = LabKubelet(api, lab, paths.kubelet).attach()
        _wait_answering(api)
        if neutron_endpoint is not None:
            cloud = {"auth_type": "none", "network_endpoint_override": neutron_endpoint}
            write_private(clouds, yaml.safe_dump({"clouds": {CLOUD_NAME: cloud}}))
        write_private(kubeconfig, yaml.safe_dump(api.kubeconfig(), sort_keys=False))
    except BaseException:
        api.stop()
        kubeconfig.unlink(missing_ok=True)
        clouds.unlink(missing_ok=True)
        raise
    return LabCluster(
        lab=lab,
        api=api,
        kubelet=kubelet,
        kubeconfig=kubeconfig,
        clouds=clouds if neutron_endpoint is not None else None,
        neutron=neutron_endpoint,
    )


# -- daemon -------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Serve a lab that is up as a cluster until SIGTERM (`kostack lab up` starts it)."""
    parser = argparse.ArgumentParser(
        description="kostack lab cluster: the lab's Kubernetes view through the API double"
    )
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--lab-tag", required=True, help="marks the process as the lab's")
    parser.add_argument("--neutron-endpoint", help="write clouds.yaml for this Neutron")
    args = parser.parse_args(argv)
    name = args.lab_tag.removeprefix("ks-").rstrip("-") or None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    lab = Lab(name=name, state_dir=args.state_dir)
    cluster = serve_lab_cluster(lab, args.state_dir, args.neutron_endpoint)
    print(f"serving the lab's cluster at {cluster.api.url}", flush=True)
    while not stop.wait(1.0):
        pass
    # Being stopped (lab down): the probe pods' processes die with the namespaces.
    with contextlib.suppress(Exception):
        cluster.stop(wait_for_pods=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
