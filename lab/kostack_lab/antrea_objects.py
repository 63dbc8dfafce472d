"""Antrea as the lab's API serves it: what antrea-io/antrea `build/yamls/antrea.yml` leaves.

The lab runs no Antrea (no OVS, no antrea-gw0: its pods are wired Calico's way, a veth per
pod and the node answering by proxy ARP, which nothing on the Neutron network sees). What it
reproduces is what Antrea in `hybrid` mode puts on a network whose nodes share one subnet:
pod traffic between nodes routed natively, with the pods' own addresses
(`pkg/agent/config/traffic_encap_mode.go`: "hybrid: noEncap if source and destination Nodes
are on the same subnet"), and pod traffic leaving the pod range masqueraded to the node's
address (`noSNAT` false, without `--random-fully`: `snatFullyRandomPorts` false). Egress is
supported in "encap" / "hybrid" mode only (docs/egress.md, Limitations), so hybrid is the
mode whose data plane the lab can honestly emulate for it (docs/lab.md, "Egress IPs").

A real cluster installed from antrea.yml holds (docs/facts.md, Antrea):

- ConfigMap kube-system/antrea-config (label app: antrea), key `antrea-agent.conf`;
- DaemonSet kube-system/antrea-agent (pods labelled app: antrea, component: antrea-agent,
  hostNetwork; containers antrea-agent and antrea-ovs, image antrea/antrea-agent-ubuntu) and
  its pod on every node, the ConfigMap mounted at /etc/antrea/antrea-agent.conf;
- the CRDs of crd.antrea.io, among them Egress (status subresource) and ExternalIPPool,
  served as v1beta1 (cluster-scoped).
"""

from __future__ import annotations

from typing import Any, Final

from kostack_lab.kube_objects import JsonObject, crd_object, host_daemon_set
from kostack_lab.topology_layout import Topology

__all__ = ["ANTREA_VERSION", "antrea_crds", "antrea_objects"]

ANTREA_VERSION: Final = "v2.6.3"
IMAGE: Final = f"antrea/antrea-agent-ubuntu:{ANTREA_VERSION}"
CONFIG: Final = "antrea-config"
NAMESPACE: Final = "kube-system"
GROUP: Final = "crd.antrea.io"

# antrea.yml's antrea-agent.conf, the keys kostack reads, hybrid instead of encap
AGENT_CONF: Final = """\
featureGates:
  Egress: true
ovsBridge: "br-int"
hostGateway: "antrea-gw0"
trafficEncapMode: "hybrid"
noSNAT: false
snatFullyRandomPorts: false
tunnelType: "geneve"
tunnelPort: 0
trafficEncryptionMode: "none"
defaultMTU: 0
antreaProxy:
  proxyAll: false
"""


def antrea_crds() -> list[JsonObject]:
    """Egress (with its status subresource, as antrea.yml's) and ExternalIPPool, v1beta1."""
    return [
        crd_object(GROUP, "Egress", "egresses", version="v1beta1", status_subresource=True),
        crd_object(
            GROUP, "ExternalIPPool", "externalippools", version="v1beta1", status_subresource=True
        ),
    ]


def _config_map() -> JsonObject:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": CONFIG, "namespace": NAMESPACE, "labels": {"app": "antrea"}},
        "data": {"antrea-agent.conf": AGENT_CONF, "antrea-controller.conf": "apiPort: 10349\n"},
    }


def _pod_spec() -> dict[str, Any]:
    """The agent DaemonSet's pod template spec, trimmed to what says how the network is set."""
    config_mount = {
        "name": CONFIG,
        "mountPath": "/etc/antrea/antrea-agent.conf",
        "subPath": "antrea-agent.conf",
        "readOnly": True,
    }
    run = {"name": "host-var-run-antrea", "mountPath": "/var/run/antrea"}
    agent = {
        "name": "antrea-agent",
        "image": IMAGE,
        "command": ["antrea-agent"],
        "args": ["--config=/etc/antrea/antrea-agent.conf", "--logtostderr=false", "--v=0"],
        "securityContext": {"privileged": True},
        "volumeMounts": [config_mount, run],
    }
    ovs = {
        "name": "antrea-ovs",
        "image": IMAGE,
        "command": ["start_ovs"],
        "securityContext": {"privileged": True},
        "volumeMounts": [run],
    }
    return {
        "hostNetwork": True,
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "serviceAccountName": "antrea-agent",
        "priorityClassName": "system-node-critical",
        "containers": [agent, ovs],
        "volumes": [
            {"name": CONFIG, "configMap": {"name": CONFIG}},
            {
                "name": "host-var-run-antrea",
                "hostPath": {"path": "/var/run/antrea", "type": "DirectoryOrCreate"},
            },
        ],
    }


def _daemon_set(topo: Topology) -> list[JsonObject]:
    """antrea-agent's DaemonSet and its running pod on every node (hostNetwork)."""
    labels = {"app": "antrea", "component": "antrea-agent"}
    nodes = [(n.name, n.ip) for n in topo.nodes]
    return host_daemon_set("antrea-agent", NAMESPACE, labels, _pod_spec(), nodes)


def antrea_objects(topo: Topology) -> list[JsonObject]:
    """antrea-config and the antrea-agent DaemonSet with its pods (the CRDs: `antrea_crds`)."""
    return [_config_map(), *_daemon_set(topo)]
