"""Canal: Calico for policy, flannel for the network, as Calico's `canal.yaml` and RKE2's
rke2-canal chart install it.

Calico manifests/canal.yaml: DaemonSet kube-system/canal (k8s-app: canal) with two
containers, `calico-node` (CALICO_NETWORKING_BACKEND "none", CLUSTER_TYPE "k8s,canal")
and `kube-flannel` (`/opt/bin/flanneld --ip-masq --kube-subnet-mgr`, FLANNELD_IP_MASQ from
the ConfigMap's `masquerade`), and ConfigMap kube-system/canal-config holding flannel's
`net-conf.json`. rancher/rke2-charts packages/rke2-canal: the same DaemonSet named after
the release (rke2-canal), ConfigMap rke2-canal-config, calico-node autodetecting the node
IP (IP_AUTODETECTION_METHOD, so nodes carry projectcalico.org/IPv4Address).
calico-node still creates its default IPv4 pool (node startup.go configureIPPools: IPIP
and VXLAN "Never" when CALICO_IPV4POOL_IPIP/VXLAN are unset, natOutgoing on), which routes
nothing: flannel carries the traffic.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from kostack_lab.kube_objects import JsonObject, calico_crds, object_uid
from kostack_testkit.k8s_fixture_calico import (
    CALICO_VERSION,
    NODENAME_ENV,
    calico_node_annotations,
    calico_node_container,
    calico_pool,
    calico_settings,
)
from kostack_testkit.k8s_fixture_objects import (
    POD_SUBNET,
    NodeSpec,
    configmap_object,
    container_spec,
    daemonset_objects,
    env_var,
    make_nodes,
)
from kostack_testkit.k8s_fixtures import flannel_cluster

Variant = Literal["canal", "rke2-canal"]


def _from_config(name: str, config: str, key: str) -> JsonObject:
    return {"name": name, "valueFrom": {"configMapKeyRef": {"key": key, "name": config}}}


def canal_cluster(
    *,
    variant: Variant = "canal",
    nodes: Sequence[NodeSpec] | None = None,
    backend: Literal["vxlan", "host-gw"] = "vxlan",
    masquerade: str = "true",
    ip_masq_flag: bool = True,
    pod_subnet: str = POD_SUBNET,
    flannel_version: str = "v0.24.4",
    pool_nat_outgoing: bool = True,
    pool_cidr: str | None = None,
    nat_exclusions: str | None = None,
) -> list[JsonObject]:
    """kubeadm + Canal; `ip_masq_flag` False leaves --ip-masq to the ConfigMap's value;
    calico-node's default pool covers the pods unless `pool_cidr` says otherwise (its own
    192.168.0.0/16 where kubeadm's podSubnet is not found, as under RKE2)."""
    nodes = list(nodes) if nodes is not None else make_nodes(pod_subnet=pod_subnet)
    flannel = flannel_cluster(nodes=nodes, backend=backend, pod_subnet=pod_subnet)
    objects = [
        o
        for o in flannel
        if o["metadata"].get("namespace") != "kube-flannel"
        and not (o["kind"] == "Namespace" and o["metadata"]["name"] == "kube-flannel")
    ]
    if variant == "rke2-canal":  # calico-node autodetects the node's address
        marks = calico_node_annotations(nodes, "Never", "Never")
        for obj in objects:
            if obj["kind"] == "Node":
                obj["metadata"]["annotations"].update(marks[obj["metadata"]["name"]])
    config = f"{variant}-config"
    net_conf = {"Network": pod_subnet, "Backend": {"Type": backend}}
    objects.append(
        configmap_object(
            "kube-system",
            config,
            {
                "typha_service_name": "none",
                "canal_iface": "",
                "masquerade": masquerade,
                "veth_mtu": "0",
                "net-conf.json": json.dumps(net_conf, indent=2),
            },
            created=5.0,
        )
    )
    objects.extend(calico_crds(operator=False))
    objects.append(
        calico_pool(
            cidr=pool_cidr or pod_subnet,
            ipip_mode="Never",
            vxlan_mode="Never",
            nat_outgoing=pool_nat_outgoing,
            block_size=26,
        )
    )
    objects.extend(
        calico_settings(
            calico_version=CALICO_VERSION,
            cluster_type="k8s,canal",
            felix_spec={"logSeverityScreen": "Info", "reportingInterval": "0s"}
            | ({"natOutgoingExclusions": nat_exclusions} if nat_exclusions else {}),
            bgp=False,
        )
    )
    calico_env: list[Any] = [
        env_var("DATASTORE_TYPE", "kubernetes"),
        env_var("USE_POD_CIDR", "true"),
        NODENAME_ENV,
        env_var("CALICO_NETWORKING_BACKEND", "none"),
        env_var("CLUSTER_TYPE", "k8s,canal"),
        env_var("IP_AUTODETECTION_METHOD", "first-found")
        if variant == "rke2-canal"
        else env_var("IP", ""),
        env_var("FELIX_DEFAULTENDPOINTTOHOSTACTION", "ACCEPT"),
    ]
    flags = ["--ip-masq", "--kube-subnet-mgr"] if ip_masq_flag else ["--kube-subnet-mgr"]
    flannel_container = container_spec(
        "kube-flannel",
        f"docker.io/flannel/flannel:{flannel_version}",
        command=["/opt/bin/flanneld", *flags],
        env=[
            _from_config("FLANNELD_IFACE", config, "canal_iface"),
            _from_config("FLANNELD_IP_MASQ", config, "masquerade"),
        ],
        volume_mounts=[{"mountPath": "/etc/kube-flannel/", "name": "flannel-cfg"}],
    )
    objects.extend(
        daemonset_objects(
            "kube-system",
            variant,
            {"k8s-app": "canal"},
            [
                calico_node_container(f"docker.io/calico/node:{CALICO_VERSION}", calico_env),
                flannel_container,
            ],
            nodes,
            host_network=True,
            service_account="canal",
            priority_class="system-node-critical",
            volumes=[{"configMap": {"name": config}, "name": "flannel-cfg"}],
        )
    )
    return objects


def k3s_cluster(
    *,
    backend: Literal["vxlan", "host-gw", "wireguard-native"] = "vxlan",
    server_args: Sequence[str] = (),
    cluster_cidr: str = "10.42.0.0/16",
    release: str | None = None,
) -> list[JsonObject]:
    """k3s with its embedded flannel: no flannel pods or ConfigMap, no kube-proxy pods, no
    kubeadm objects. Each node carries k3s.io/node-args (k3s pkg/nodeconfig: the command
    line with the config file's flags, `--flag=value` split in two, secrets "********"),
    the servers' with the server flags; flanneld's backend-type annotation is
    "wireguard" for k3s's wireguard-native. `release` is the nodes' kubeletVersion
    ("v1.20.15+k3s1": node-args without the config file's flags)."""
    nodes = make_nodes(pod_subnet=cluster_cidr)
    wire = {"vxlan": "vxlan", "host-gw": "host-gw", "wireguard-native": "wireguard"}[backend]
    built = flannel_cluster(
        nodes=nodes,
        backend="host-gw" if backend == "host-gw" else "vxlan",
        pod_subnet=cluster_cidr,
        service_subnet="10.43.0.0/16",
    )
    kubeadm = {"kubeadm-config", "kubelet-config", "kube-proxy"}
    objects = []
    for obj in built:
        meta = obj["metadata"]
        labels = meta.get("labels") or {}
        if meta.get("namespace") == "kube-flannel" or meta["name"] == "kube-flannel":
            continue
        if (obj["kind"] == "ConfigMap" and meta["name"] in kubeadm) or labels.get(
            "k8s-app"
        ) == "kube-proxy":
            continue
        if (
            obj["kind"] == "Pod"
            and "component" in labels
            and meta.get("namespace") == "kube-system"
        ):
            continue  # kubeadm's static pods: k3s runs them in its own process
        if obj["kind"] == "Node":
            server = meta["name"].startswith("k8s-cp")
            args = (
                ["server", *server_args, "--token", "********"]
                if server
                else ["agent", "--server", "https://10.0.0.11:6443", "--token", "********"]
            )
            meta["annotations"]["k3s.io/node-args"] = json.dumps(args)
            meta["annotations"]["flannel.alpha.coreos.com/backend-type"] = wire
            meta["labels"]["node.kubernetes.io/instance-type"] = "k3s"
            info = obj["status"]["nodeInfo"]
            info["kubeletVersion"] = release or info["kubeletVersion"] + "+k3s1"
        objects.append(obj)
    return objects


def rke2_cluster(*, proxy_args: Sequence[str] = ("--proxy-mode=iptables",)) -> list[JsonObject]:
    """RKE2 with its default rke2-canal: no kubeadm or kube-proxy ConfigMaps; kube-apiserver
    and kube-proxy are static pods (rancher/rke2 pkg/staticpod: labels component=<command>,
    tier=control-plane, the flags in the container's command; kube-proxy on every node,
    with k3s's `--proxy-mode=iptables` unless --kube-proxy-arg changes it)."""
    objects = [
        o
        for o in canal_cluster(variant="rke2-canal")
        if not (
            o["kind"] == "ConfigMap"
            and o["metadata"]["name"] in ("kubeadm-config", "kubelet-config", "kube-proxy")
        )
        and (o["metadata"].get("labels") or {}).get("k8s-app") != "kube-proxy"
    ]
    scheduler = next(o for o in objects if o["metadata"]["name"].startswith("kube-scheduler-"))
    for obj in objects:
        if obj["metadata"]["name"].startswith("kube-apiserver-"):
            container = obj["spec"]["containers"][0]
            container["command"] = ["kube-apiserver", "--service-cluster-ip-range=10.96.0.0/12"]
    for node in (o for o in list(objects) if o["kind"] == "Node"):
        name = node["metadata"]["name"]
        pod = json.loads(json.dumps(scheduler))
        meta = pod["metadata"]
        meta["name"] = f"kube-proxy-{name}"
        meta["labels"]["component"] = "kube-proxy"
        meta["uid"] = object_uid("Pod", "kube-system", meta["name"])
        meta["ownerReferences"][0].update(name=name, uid=node["metadata"]["uid"])
        pod["spec"]["nodeName"] = name
        container = pod["spec"]["containers"][0]
        container.update(name="kube-proxy", command=["kube-proxy", *proxy_args])
        container["image"] = container["image"].replace("kube-scheduler", "kube-proxy")
        for status in pod["status"].get("containerStatuses", []):
            status.update(name="kube-proxy", image=container["image"])
        for address in pod["status"].get("podIPs", []):
            address["ip"] = next(
                a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP"
            )
        pod["status"]["podIP"] = pod["status"]["hostIP"] = pod["status"]["podIPs"][0]["ip"]
        objects.append(pod)
    return objects
