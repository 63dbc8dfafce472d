"""Canal as the lab's API serves it: what Calico's `manifests/canal.yaml` leaves in a cluster.

Canal is Calico for policy and flannel for the network (docs/facts.md, Canal). A real
cluster installed from canal.yaml (v3.31.7, flannel v0.24.4) holds:

- ConfigMap kube-system/canal-config: `masquerade` "true", `veth_mtu` "0" (auto), the CNI
  configuration (Calico's CNI plugin with host-local IPAM from the node's podCIDR,
  `"subnet": "usePodCidr"`) and flannel's `net-conf.json` (Network, Backend vxlan);
- DaemonSet kube-system/canal (label k8s-app: canal, hostNetwork) and its pod on every
  node: container `calico-node` (CALICO_NETWORKING_BACKEND "none", CLUSTER_TYPE
  "k8s,canal") and `kube-flannel` (`/opt/bin/flanneld --ip-masq --kube-subnet-mgr`,
  FLANNELD_IP_MASQ from canal-config's `masquerade`, the ConfigMap mounted at
  /etc/kube-flannel/);
- on every Node flannel's annotations (flannel `pkg/subnet/kube/annotations.go`, prefix
  flannel.alpha.coreos.com/): backend-type, backend-data (`{"VNI":1,"VtepMAC":...}`,
  `pkg/backend/vxlan/vxlan.go`), kube-subnet-manager, public-ip; none of Calico's, since
  calico-node writes no address with networking backend "none" (node
  `pkg/lifecycle/startup/startup.go` `configureAndCheckIPAddressSubnetsErr`);
- Calico's ClusterInformation (clusterType k8s,canal), the `default` FelixConfiguration and
  the default IPv4 pool calico-node creates (kubeadm's podSubnet, ipipMode and vxlanMode
  Never, natOutgoing on: `configureIPPools`). Host-local IPAM: no IPAM blocks.
"""

from __future__ import annotations

import json
from typing import Any, Final

from kostack_lab.kube_objects import host_daemon_set
from kostack_lab.topology_layout import NodePlan, Topology

__all__ = ["CALICO_VERSION", "FLANNEL_VERSION", "canal_node_annotations", "canal_objects"]

CALICO_VERSION: Final = "v3.31.7"
FLANNEL_VERSION: Final = "v0.24.4"  # the flannel canal.yaml v3.31.7 pins
CONFIG: Final = "canal-config"
NAMESPACE: Final = "kube-system"
_FLANNEL: Final = "flannel.alpha.coreos.com/"
_CALICO_API: Final = "crd.projectcalico.org/v1"

_CNI_CONFIG: Final = {
    "name": "k8s-pod-network",
    "cniVersion": "0.3.1",
    "plugins": [
        {
            "type": "calico",
            "log_level": "info",
            "log_file_path": "/var/log/calico/cni/cni.log",
            "datastore_type": "kubernetes",
            "nodename": "__KUBERNETES_NODE_NAME__",
            "mtu": "__CNI_MTU__",
            "ipam": {"type": "host-local", "subnet": "usePodCidr"},
            "policy": {"type": "k8s"},
            "kubernetes": {"kubeconfig": "__KUBECONFIG_FILEPATH__"},
        },
        {"type": "portmap", "snat": True, "capabilities": {"portMappings": True}},
    ],
}


def canal_node_annotations(node: NodePlan) -> dict[str, str]:
    """flanneld's annotations on a node (kube subnet manager, vxlan backend)."""
    backend = {"VNI": 1, "VtepMAC": node.vtep_mac}
    return {
        f"{_FLANNEL}backend-data": json.dumps(backend, separators=(",", ":")),
        f"{_FLANNEL}backend-type": "vxlan",
        f"{_FLANNEL}kube-subnet-manager": "true",
        f"{_FLANNEL}public-ip": node.ip,
    }


def _config_map(topo: Topology) -> dict[str, Any]:
    net_conf = {"Network": topo.pod_cidr, "Backend": {"Type": "vxlan"}}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": CONFIG, "namespace": NAMESPACE},
        "data": {
            "typha_service_name": "none",
            "canal_iface": "",
            "masquerade": "true",
            "veth_mtu": "0",
            "cni_network_config": json.dumps(_CNI_CONFIG, indent=2),
            "net-conf.json": json.dumps(net_conf, indent=2),
        },
    }


def _env(name: str, value: str) -> dict[str, Any]:
    return {"name": name, "value": value}


def _from_config(name: str, key: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"configMapKeyRef": {"name": CONFIG, "key": key}}}


def _pod_spec() -> dict[str, Any]:
    """The canal DaemonSet's pod template spec, trimmed to what says how the network is set."""
    calico_node = {
        "name": "calico-node",
        "image": f"quay.io/calico/node:{CALICO_VERSION}",
        "env": [
            _env("DATASTORE_TYPE", "kubernetes"),
            _env("USE_POD_CIDR", "true"),
            {"name": "NODENAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
            _env("CALICO_NETWORKING_BACKEND", "none"),
            _env("CLUSTER_TYPE", "k8s,canal"),
            _env("IP", ""),
            _env("FELIX_DEFAULTENDPOINTTOHOSTACTION", "ACCEPT"),
            _env("FELIX_IPV6SUPPORT", "false"),
        ],
        "securityContext": {"privileged": True},
    }
    flannel = {
        "name": "kube-flannel",
        "image": f"docker.io/flannel/flannel:{FLANNEL_VERSION}",
        "command": ["/opt/bin/flanneld", "--ip-masq", "--kube-subnet-mgr"],
        "env": [
            _from_config("FLANNELD_IFACE", "canal_iface"),
            _from_config("FLANNELD_IP_MASQ", "masquerade"),
        ],
        "securityContext": {"privileged": True},
        "volumeMounts": [{"name": "flannel-cfg", "mountPath": "/etc/kube-flannel/"}],
    }
    return {
        "hostNetwork": True,
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "serviceAccountName": "canal",
        "priorityClassName": "system-node-critical",
        "containers": [calico_node, flannel],
        "volumes": [{"name": "flannel-cfg", "configMap": {"name": CONFIG}}],
    }


def _daemon_set(topo: Topology) -> list[dict[str, Any]]:
    """The canal DaemonSet and its running pod on every node (the node's address: hostNetwork)."""
    labels = {"k8s-app": "canal"}
    nodes = [(n.name, n.ip) for n in topo.nodes]
    return host_daemon_set("canal", NAMESPACE, labels, _pod_spec(), nodes)


def _calico_settings(topo: Topology) -> list[dict[str, Any]]:
    """ClusterInformation, the default FelixConfiguration and calico-node's default pool."""
    pool: dict[str, Any] = {
        "cidr": topo.pod_cidr,
        "ipipMode": "Never",
        "vxlanMode": "Never",
        "blockSize": 26,
        "nodeSelector": "all()",
    }
    if topo.nat_outgoing:  # Calico's API types mark natOutgoing omitempty
        pool["natOutgoing"] = True
    return [
        {
            "apiVersion": _CALICO_API,
            "kind": "ClusterInformation",
            "metadata": {"name": "default"},
            "spec": {
                "calicoVersion": CALICO_VERSION,
                "clusterType": "k8s,canal",
                "datastoreReady": True,
            },
        },
        {
            "apiVersion": _CALICO_API,
            "kind": "FelixConfiguration",
            "metadata": {"name": "default"},
            "spec": {"logSeverityScreen": "Info", "reportingInterval": "0s"},
        },
        {
            "apiVersion": _CALICO_API,
            "kind": "IPPool",
            "metadata": {"name": "default-ipv4-ippool"},
            "spec": pool,
        },
    ]


def canal_objects(topo: Topology) -> list[dict[str, Any]]:
    """canal-config, the canal DaemonSet with its pods, and Calico's settings."""
    return [_config_map(topo), *_daemon_set(topo), *_calico_settings(topo)]
