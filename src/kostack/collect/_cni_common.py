"""What the CNI readers share: the evidence gathered from nodes and pods, the read context,
small value parsers, and where a CNI's version is read from.

One module per CNI reads its settings (``_cni_calico``, ``_cni_flannel``,
``_cni_cilium``, ``_cni_kuberouter``, ``_cni_antrea``, ``_cni_kubeovn``, ``_cni_ovnk``);
``_kube_networks.read_cni`` picks which one runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeVar, cast

from kostack.collect._cni_calico_bgp import CalicoNodes
from kostack.collect._k3s import NODE_ARGS as K3S_ARGS
from kostack.collect._k3s import K3sServer
from kostack.collect._kube_objects import (
    Notes,
    annotations_of,
    as_dict,
    as_list,
    container_args,
    labels_of,
    namespace_of,
    pod_containers,
)
from kostack.collect._kube_reader import Reader
from kostack.collect._kube_types import ReadFailure, joined
from kostack.collect._kube_vip import VipPods
from kostack.model.ovnk import OVN_IPSEC_APP, OVNK_NODE_SUBNETS
from kostack.model.snapshot import CNI, CiliumLBConfig, IPNetwork

JsonObject = dict[str, Any]
_T = TypeVar("_T")
CniName = Literal[
    "calico", "flannel", "cilium", "kube-router", "antrea", "kube-ovn", "ovn-kubernetes"
]
# kube-router, Antrea and Kube-OVN are read only when their agent pods are seen (nothing else
# is probed).
CNI_ORDER: Final[tuple[CniName, ...]] = (
    "calico",
    "flannel",
    "cilium",
    "kube-router",
    "antrea",
    "kube-ovn",
    "ovn-kubernetes",
)

# The label (k8s-app, or app) of each CNI's per-node agent pods. Canal (Calico's
# canal.yaml, RKE2's rke2-canal) runs flannel for the network and Calico for policy only.
# kube-router's daemonset/*.yaml and k0s's rendering label its pods k8s-app=kube-router;
# Kube-OVN's install.sh and charts label kube-ovn-cni's pods app=kube-ovn-cni.
AGENT_LABELS: Final[Mapping[str, CniName]] = {
    "calico-node": "calico",
    "flannel": "flannel",
    "canal": "flannel",
    "cilium": "cilium",
    "kube-router": "kube-router",
    "kube-ovn-cni": "kube-ovn",
    # ovn-kubernetes' dist/templates/ovnkube-node.yaml.j2 and OpenShift's ovnkube-node
    "ovnkube-node": "ovn-kubernetes",
}
# CNIs kostack does not model, by a label their published installs give the agent's pods
# (Weave Net's weave-daemonset-k8s.yaml: name):
# named in the gap, with what they need of Neutron (docs/facts.md).
UNMODELLED_AGENTS: Final[Mapping[tuple[str, str], str]] = {
    ("name", "weave-net"): "Weave Net",
}
# The agent's main container in each published install (calico.yaml and the
# operator: calico-node; kube-flannel.yml: kube-flannel; Cilium's chart: cilium-agent;
# kube-router's daemonset/*.yaml and k0s: kube-router; Antrea's antrea.yml: antrea-agent;
# Kube-OVN's kube-ovn-cni DaemonSet: cni-server).
AGENT_CONTAINERS: Final[Mapping[CniName, str]] = {
    "calico": "calico-node",
    "flannel": "kube-flannel",
    "cilium": "cilium-agent",
    "kube-router": "kube-router",
    "antrea": "antrea-agent",
    "kube-ovn": "cni-server",
    "ovn-kubernetes": "ovnkube-controller",  # OpenShift's; ovnkube-node upstream
}
# Antrea's agent pods (antrea.yml: app=antrea for every Antrea pod, component=antrea-agent
# for the agent's) and where the agent mounts antrea-agent.conf.
ANTREA_AGENT: Final = ("component", "antrea-agent")
ANTREA_CONF_PATH: Final = "/etc/antrea/antrea-agent.conf"


@dataclass
class ClusterFacts:
    """What nodes and pods say about the CNI, gathered while they are read."""

    pods_known: bool = False
    node_cni: set[CniName] = field(default_factory=set)
    pod_cni: dict[CniName, list[str]] = field(default_factory=dict)  # CNI -> agent namespaces
    # The containers of the first agent pod seen per CNI (command line, env, image).
    agent_containers: dict[CniName, list[dict[str, Any]]] = field(default_factory=dict)
    # Each node's calico-node pod's containers, by node name (Felix takes its environment per
    # node: collect/_cni_calico_felix.py): the best by `CalicoNodePod.rank`; the other live
    # (running, not being deleted) pods of the node, which a rolling update may leave beside it.
    calico_node_pods: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calico_node_best: dict[str, CalicoNodePod] = field(default_factory=dict)
    calico_node_rivals: dict[str, list[CalicoNodePod]] = field(default_factory=dict)
    typha_namespaces: set[str] = field(default_factory=set)
    typha_nodes: set[str] = field(default_factory=set)  # where calico-typha's live pods run
    kube_proxy_pods: int = 0
    kube_proxy_args: list[str] = field(default_factory=list)  # the first kube-proxy pod's
    apiserver_args: list[str] = field(default_factory=list)
    controller_manager_args: list[str] = field(default_factory=list)
    nodes_os: set[str] = field(default_factory=set)
    # Calico runs for policy only (a canal agent; calico-node with CALICO_NETWORKING_BACKEND
    # "none" or CLUSTER_TYPE naming canal): flannel carries the pods' traffic.
    calico_policy_only: bool = False
    # The ConfigMap the flannel agent mounts at /etc/kube-flannel/ (net-conf.json).
    flannel_config: str | None = None
    # The ConfigMap the Antrea agent mounts at /etc/antrea/antrea-agent.conf (antrea-config;
    # up to v1.6 antrea-config-<hash>).
    antrea_config: str | None = None
    # OVN-Kubernetes: node name -> k8s.ovn.org/node-subnets as written; an ovn-ipsec pod seen
    ovnk_node_subnets: dict[str, str] = field(default_factory=dict)
    ovn_ipsec: bool = False
    # The containers of the first kube-ovn-controller pod (label app=kube-ovn-controller)
    kube_ovn_controller: list[dict[str, Any]] | None = None
    # A k3s server's flags (its node's k3s.io/node-args): k3s runs flannel, kube-proxy and
    # the control plane in its own process, with nothing else to read them from.
    k3s: K3sServer | None = None
    # a node k3s runs (its kubelet version "+k3s", or its node-args), server or agent
    k3s_nodes: bool = False
    # MicroK8s: its kubelet labels every node microk8s.io/cluster=true (canonical/microk8s
    # microk8s-resources/default-args/kubelet); kube-proxy runs inside its snap.
    microk8s: bool = False
    # CNI name -> the namespace of its agent's pods, for a CNI kostack does not model
    unmodelled: dict[str, str] = field(default_factory=dict)
    # Calico's own settings of the nodes (route reflectors, labels, AS numbers: annotations)
    calico_nodes: CalicoNodes = field(default_factory=CalicoNodes)
    # MetalLB's and kube-vip's pods (collect/_kube_vip.py)
    vips: VipPods = field(default_factory=VipPods)

    def add_node(self, node: Mapping[str, Any]) -> None:
        for key in annotations_of(node):
            if key.startswith("projectcalico.org/"):
                self.node_cni.add("calico")
            elif key.startswith("flannel.alpha.coreos.com/"):
                self.node_cni.add("flannel")
            elif key.startswith(("network.cilium.io/", "io.cilium.network.")):
                self.node_cni.add("cilium")
            elif key == "ovn.kubernetes.io/allocated":  # kube-ovn-controller's, on every Node
                self.node_cni.add("kube-ovn")
            elif key == OVNK_NODE_SUBNETS:  # ovnkube-cluster-manager's, on every Node
                self.node_cni.add("ovn-kubernetes")
                name = str(as_dict(node.get("metadata")).get("name") or "")
                self.ovnk_node_subnets[name] = str(annotations_of(node)[key])
        labels = labels_of(node)
        self.nodes_os.add(labels.get("kubernetes.io/os", "unknown"))
        self.microk8s = self.microk8s or labels.get("microk8s.io/cluster") == "true"
        if self.k3s is None:
            self.k3s = K3sServer.of(node)
        kubelet = str(as_dict(as_dict(node.get("status")).get("nodeInfo")).get("kubeletVersion"))
        self.k3s_nodes = self.k3s_nodes or "+k3s" in kubelet or K3S_ARGS in annotations_of(node)
        self.calico_nodes.add(node)

    def nodes_only(self) -> ClusterFacts:
        """What the Nodes said (`add_node`), without anything a pod listing added: kept when
        that listing fails part way."""
        return ClusterFacts(
            node_cni=self.node_cni,
            nodes_os=self.nodes_os,
            ovnk_node_subnets=self.ovnk_node_subnets,
            k3s=self.k3s,
            k3s_nodes=self.k3s_nodes,
            microk8s=self.microk8s,
            calico_nodes=self.calico_nodes,
        )

    def add_pod(self, pod: Mapping[str, Any]) -> None:
        labels = labels_of(pod)
        namespace = namespace_of(pod)
        app = labels.get("k8s-app") or labels.get("app") or ""
        self.vips.add_pod(pod)
        for (key, value), name in UNMODELLED_AGENTS.items():
            if labels.get(key) == value:
                self.unmodelled.setdefault(name, namespace)
        agent: CniName | None = AGENT_LABELS.get(app)
        if labels.get(ANTREA_AGENT[0]) == ANTREA_AGENT[1]:
            agent = "antrea"
        if agent is not None:
            spaces = self.pod_cni.setdefault(agent, [])
            if namespace not in spaces:
                spaces.append(namespace)
            if agent not in self.agent_containers:  # the first agent pod speaks for all
                self.agent_containers[agent] = pod_containers(pod)
                self._agent_settings(app, pod)
            if agent == "calico":
                self._calico_node_pod(pod)
        if labels.get("app") == OVN_IPSEC_APP:
            self.ovn_ipsec = True
        if app == "kube-ovn-controller" and self.kube_ovn_controller is None:
            self.kube_ovn_controller = pod_containers(pod)
        if labels.get("k8s-app") == "calico-typha":
            self.typha_namespaces.add(namespace)
            node = _live_node(pod)
            if node:
                self.typha_nodes.add(node)
        component = labels.get("component")
        # kubeadm's DaemonSet (k8s-app), or a static pod (RKE2: component=<command>)
        if labels.get("k8s-app") == "kube-proxy" or (
            namespace == "kube-system" and component == "kube-proxy"
        ):
            self.kube_proxy_pods += 1
            self.kube_proxy_args = self.kube_proxy_args or _command_line(pod)
        if namespace == "kube-system" and component == "kube-apiserver":
            self.apiserver_args = _command_line(pod)
        if namespace == "kube-system" and component == "kube-controller-manager":
            self.controller_manager_args = _command_line(pod)

    def _calico_node_pod(self, pod: Mapping[str, Any]) -> None:
        """Keep the best calico-node pod of its node (`CalicoNodePod.rank`: live, then running
        and ready, then the newest); the other live ones as its rivals."""
        found = CalicoNodePod.of(pod)
        if found is None:
            return
        node, best = found.node, self.calico_node_best.get(found.node)
        if best is not None and best.rank >= found.rank:
            if found.live:
                self.calico_node_rivals.setdefault(node, []).append(found)
            return
        if best is not None and best.live:
            self.calico_node_rivals.setdefault(node, []).append(best)
        self.calico_node_best[node] = found
        self.calico_node_pods[node] = found.containers

    def _agent_settings(self, app: str, pod: Mapping[str, Any]) -> None:
        """Canal's marks (Calico manifests/canal.yaml: calico-node's CALICO_NETWORKING_BACKEND
        "none", CLUSTER_TYPE "k8s,canal") and the ConfigMap holding flannel's net-conf.json."""
        containers = pod_containers(pod)
        env = {
            str(e.get("name")): e.get("value")
            for c in containers
            if c.get("name") == "calico-node"
            for e in as_list(c.get("env"))
            if isinstance(e, dict)
        }
        backend_none = str(env.get("CALICO_NETWORKING_BACKEND", "")).strip().lower() == "none"
        canal = "canal" in str(env.get("CLUSTER_TYPE", "")).split(",")
        if app == "canal" or backend_none or canal:
            self.calico_policy_only = True
        mounted = {
            str(m.get("name"))
            for c in containers
            for m in as_list(c.get("volumeMounts"))
            if isinstance(m, dict) and str(m.get("mountPath", "")).startswith("/etc/kube-flannel")
        }
        antrea = {
            str(m.get("name"))
            for c in containers
            for m in as_list(c.get("volumeMounts"))
            if isinstance(m, dict) and str(m.get("mountPath", "")) == ANTREA_CONF_PATH
        }
        for volume in as_list(as_dict(pod.get("spec")).get("volumes")):
            config = as_dict(as_dict(volume).get("configMap")).get("name")
            if not isinstance(config, str) or not config:
                continue
            if as_dict(volume).get("name") in mounted:
                self.flannel_config = self.flannel_config or config
            if as_dict(volume).get("name") in antrea:
                self.antrea_config = self.antrea_config or config

    def candidates(self) -> list[CniName]:
        """CNIs to look at, most likely first: running agents, then node annotations; flannel
        before a Calico that only enforces policy."""
        seen: list[CniName] = [c for c in CNI_ORDER if c in self.pod_cni]
        seen += [c for c in CNI_ORDER if c in self.node_cni and c not in seen]
        if self.calico_policy_only and "flannel" in seen:
            seen.remove("flannel")
            seen.insert(0, "flannel")
        return seen

    @property
    def linux_only(self) -> bool:
        return self.nodes_os == {"linux"}


@dataclass(frozen=True)
class CalicoNodePod:
    """A calico-node pod as the choice of its node's needs it."""

    node: str
    name: str
    containers: list[dict[str, Any]]
    rank: tuple[bool, bool, bool, str, str]
    generation: str

    @property
    def live(self) -> bool:
        """Its Felix runs: the pod is running and not being deleted."""
        return self.rank[0] and self.rank[2]

    @classmethod
    def of(cls, pod: Mapping[str, Any]) -> CalicoNodePod | None:
        """The pod on its node (None: not scheduled). Its rank, greater is better: not being
        deleted (metadata.deletionTimestamp), ready (condition Ready "True"), running
        (status.phase), then the newest (metadata.creationTimestamp, RFC 3339 in UTC, compares
        as text), then the name; `generation` its DaemonSet label pod-template-generation."""
        node = as_dict(pod.get("spec")).get("nodeName")
        if not isinstance(node, str) or not node:
            return None
        meta, status = as_dict(pod.get("metadata")), as_dict(pod.get("status"))
        ready = any(
            as_dict(c).get("type") == "Ready" and as_dict(c).get("status") == "True"
            for c in as_list(status.get("conditions"))
        )
        rank = (
            "deletionTimestamp" not in meta,
            ready,
            status.get("phase") == "Running",
            str(meta.get("creationTimestamp") or ""),
            str(meta.get("name") or ""),
        )
        generation = str(labels_of(pod).get("pod-template-generation") or "")
        return cls(node, rank[4], pod_containers(pod), rank, generation)


def _command_line(pod: Mapping[str, Any]) -> list[str]:
    """Every container's command and arguments, in order."""
    return [a for c in pod_containers(pod) for a in container_args(c)]


GapSink = Callable[[str, ReadFailure, str], None]
# A gap in kostack's own words (source, error, hint).
TextGapSink = Callable[[str, str, str], None]
# Raises when a failure ends collection (rejected credentials, server gone).
FatalCheck = Callable[[ReadFailure], object]


@dataclass
class CniResult:
    """One CNI's settings, and the pod address ranges it allocates from.

    ``pod_network`` empty with ``pod_network_unknown`` None means "the CNI
    takes the cluster CIDR" (Node podCIDRs); ``pod_network_unknown`` says why
    the ranges cannot be known (an IPAM mode kostack does not model).
    """

    cni: CNI
    kube_proxy_replacement: bool = False
    pod_network: tuple[IPNetwork, ...] = ()
    pod_network_source: str | None = None
    pod_network_unknown: str | None = None
    # Calico read, but it only enforces policy (Canal): flannel's settings are the network's.
    policy_only: bool = False
    # Cilium: cilium-config's LoadBalancer keys (collect/_cilium_lb.py parse_lb_config)
    cilium_lb: CiliumLBConfig | None = None
    # The service CIDRs the CNI was configured with (OVN-Kubernetes' [kubernetes]
    # service-cidrs), for clusters whose control plane says them nowhere kostack reads
    service_cidrs: tuple[IPNetwork, ...] = ()


@dataclass
class CniContext:
    """What every CNI reader needs: the reader, the evidence, and where gaps go."""

    reader: Reader
    facts: ClusterFacts
    gap: GapSink
    notes: Notes
    check: FatalCheck
    gap_text: TextGapSink
    probe_failures: list[ReadFailure] = field(default_factory=list)
    # Reads made once per collection (`once`): their answer, or the failure they raised.
    read_cache: dict[str, object] = field(default_factory=dict)

    def once(self, key: str, read: Callable[[], _T]) -> _T:
        """``read()`` the first time ``key`` is asked for, its answer (or its ReadFailure,
        raised again) after that: under Canal a Calico that gives way to flannel has read
        the IP pools and Felix's settings that flannel's reading needs too."""
        if key not in self.read_cache:
            try:
                self.read_cache[key] = read()
            except ReadFailure as failure:
                self.read_cache[key] = failure
        found = self.read_cache[key]
        if isinstance(found, ReadFailure):
            raise found
        return cast("_T", found)

    def probe_failed(self, failure: ReadFailure) -> None:
        """A read made only to find out whether this CNI is installed failed."""
        self.check(failure)
        if failure.kind != "not_found":
            self.probe_failures.append(failure)

    def unread(
        self, cni: CniName, detected: bool, failure: ReadFailure, source: str, hint: str
    ) -> CniResult | None:
        """The CNI's settings could not be read: None when nothing else says it is installed
        (the read only probed for it), else a result without its settings and a gap."""
        if not detected:
            self.probe_failed(failure)
            return None
        self.gap(source, failure, hint)
        return CniResult(cni=CNI(type=cni))

    def agent_containers(self, cni: CniName, namespace: str, daemonset: str) -> list[JsonObject]:
        """The agent pod's containers; from its DaemonSet when the pods could not be listed."""
        containers = self.facts.agent_containers.get(cni)
        if containers is not None or self.facts.pods_known:
            return containers or []
        try:
            found = self.reader.get(
                f"GET /apis/apps/v1/namespaces/{namespace}/daemonsets/{daemonset}",
                self.reader.apps.read_namespaced_daemon_set,
                daemonset,
                namespace,
            )
        except ReadFailure as failure:
            self.check(failure)
            return []  # the pods gap already says the agents could not be seen
        template = as_dict(as_dict(as_dict(found).get("spec")).get("template"))
        return pod_containers(template) if template else []


def combined(failures: Sequence[ReadFailure]) -> ReadFailure:
    """One failure for several attempts: the first one's kind, every request's error."""
    first = failures[0]
    if len(failures) == 1:
        return first
    detail = joined([first.detail, *(f.error for f in failures[1:])])
    return ReadFailure(first.kind, first.request, detail, first.status)


def positive(value: object, *, least: int = 1, most: int = 65535) -> int | None:
    """An integer from ``least`` to ``most``, also from a decimal string ("1450"); else None
    (0 included). The bounds are the model's (a port, an MTU from 68, a prefix length up to
    128): a value outside them is read as unset, not as a snapshot that cannot be built."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and max(least, 1) <= value <= most else None


def truthy(value: object, default: bool) -> bool:
    if value is None or value == "":
        return default
    return str(value).strip().lower() in ("true", "1", "yes", "strict")


def _live_node(pod: Mapping[str, Any]) -> str:
    """The node a pod runs on, "" when it is not scheduled, finished or being deleted."""
    meta = pod.get("metadata")
    if isinstance(meta, Mapping) and meta.get("deletionTimestamp"):
        return ""
    status = pod.get("status")
    if isinstance(status, Mapping) and status.get("phase") in ("Succeeded", "Failed"):
        return ""
    return str(spec_of(pod).get("nodeName") or "")


def spec_of(obj: Mapping[str, Any] | None) -> dict[str, Any]:
    return as_dict(obj.get("spec")) if obj is not None else {}


_VERSION = re.compile(r"^v?\d+\.\d+(\.\d+)?([-+.][0-9A-Za-z.-]+)?$")


def image_version(image: object) -> str | None:
    """The version in an image reference's tag, or None when the tag is not a version.

    ``quay.io/cilium/cilium:v1.18.2@sha256:...`` gives ``v1.18.2``; a registry
    port (``registry:5000/calico/node``) is not a tag; ``latest`` is not a version.
    """
    if not isinstance(image, str) or not image:
        return None
    reference = image.split("@", 1)[0]
    last = reference.rsplit("/", 1)[-1]
    if ":" not in last:
        return None
    tag = last.rsplit(":", 1)[1]
    return tag if _VERSION.match(tag) else None


def agent_version(
    containers: Sequence[Mapping[str, Any]], cni: CniName
) -> tuple[str | None, str | None]:
    """The version in the agent's image tag and where it was read (``image <reference>``);
    (None, None) when the tag is not a version."""
    image = agent_image(containers, cni)
    version = image_version(image)
    return (version, f"image {image}") if version else (None, None)


def agent_image(containers: Sequence[Mapping[str, Any]], cni: CniName) -> str | None:
    """The image of the CNI agent's main container (the first container if none is named so)."""
    wanted = AGENT_CONTAINERS[cni]
    named = [c for c in containers if c.get("name") == wanted]
    for container in named or containers[:1]:
        image = container.get("image")
        if isinstance(image, str) and image:
            return image
    return None


def version_tuple(version: str | None) -> tuple[int, ...] | None:
    """``v3.31.7`` -> (3, 31, 7); None when there is no version or it does not parse."""
    if not version:
        return None
    match = re.match(r"^v?(\d+)\.(\d+)(?:\.(\d+))?", version)
    if match is None:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)
