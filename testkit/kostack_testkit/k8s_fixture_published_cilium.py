"""Cilium as its published installs leave a cluster: the Helm chart with its defaults, the
chart with native routing and kube-proxy replacement, and the v1.6 quick-install manifest.

Sources, cited per value below: cilium/cilium@v1.18.2:install/kubernetes/cilium/
templates/cilium-configmap.yaml and values.yaml (the chart), and
cilium/cilium@v1.6.0:install/kubernetes/quick-install.yaml. Only the
cilium-config keys that decide networking are carried (the chart also renders
Hubble, BPF map sizes and the like, which kostack does not read), each with
the value the install renders. Written for kostack; nothing is copied.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import replace
from typing import Final, Literal

from kostack_lab.kube_objects import JsonObject, crd_object, object_meta, object_uid
from kostack_testkit.k8s_fixture_kubeadm import fix_kubernetes_slice, kubeadm_cluster
from kostack_testkit.k8s_fixture_objects import (
    POD_SUBNET,
    TOLERATE_EVERYTHING,
    NodeSpec,
    configmap_object,
    container_spec,
    daemonset_objects,
    deployment_objects,
    env_var,
    hex_id,
    make_nodes,
)

CILIUM_VERSION: Final = "v1.18.2"
# values.yaml ipam.operator.clusterPoolIPv4PodCIDRList ["10.0.0.0/8"], clusterPoolIPv4MaskSize 24.
CLUSTER_POOL: Final = "10.0.0.0/8"
# The chart's pool is 10.0.0.0/8, so the node VMs sit on another tenant subnet (a
# 10.0.0.0/24 node subnet would collide with the first /24 the operator hands out).
NODE_SUBNET_FIRST_IP: Final = "192.168.10.11"


def cilium_nodes(count_workers: int = 3) -> list[NodeSpec]:
    """Nodes whose pods take addresses from the cluster pool, one /24 each in order.

    Cilium's operator allocates the pool's /24s in sequence as nodes appear
    (10.0.0.0/24, 10.0.1.0/24, ...); the NodeSpec's pod_cidr is that range, so
    the fixture's pods get cluster-pool addresses.
    """
    pool = ipaddress.ip_network(CLUSTER_POOL).subnets(new_prefix=24)
    return [
        replace(node, pod_cidr=str(next(pool)))
        for node in make_nodes(workers=count_workers, first_ip=NODE_SUBNET_FIRST_IP)
    ]


def _node_cidrs_from_controller_manager(objects: list[JsonObject]) -> None:
    """kubeadm's kube-controller-manager still gives every Node a podCIDR from podSubnet
    (10.244.N.0/24), which Cilium's cluster-pool IPAM ignores."""
    kcm = ipaddress.ip_network(POD_SUBNET).subnets(new_prefix=24)
    for obj in objects:
        if obj["kind"] == "Node":
            cidr = str(next(kcm))
            obj["spec"]["podCIDR"] = cidr
            obj["spec"]["podCIDRs"] = [cidr]


def cilium_node_object(node: NodeSpec, *, allocated: str | None) -> JsonObject:
    """The CiliumNode (cilium.io/v2) the agent creates for its node; with cluster-pool IPAM
    the operator writes the node's /24 into spec.ipam.podCIDRs."""
    network = ipaddress.ip_network(node.pod_cidr)
    ipam: JsonObject = {"podCIDRs": [allocated]} if allocated else {}
    ipam["pools"] = {}
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNode",
        "metadata": object_meta(
            "CiliumNode",
            node.name,
            labels={"kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux"},
            created=6.0,
            generation=True,
            owner={
                "apiVersion": "v1",
                "kind": "Node",
                "name": node.name,
                "uid": object_uid("Node", "", node.name),
            },
        ),
        "spec": {
            "addresses": [
                {"ip": node.internal_ip, "type": "InternalIP"},
                {"ip": str(network.network_address + 235), "type": "CiliumInternalIP"},
            ],
            "alibaba-cloud": {},
            "azure": {},
            "bootid": hex_id(32, "boot", node.name),
            "encryption": {},
            "eni": {},
            "health": {"ipv4": str(network.network_address + 61)},
            "ingress": {},
            "ipam": ipam,
        },
        "status": {"alibaba-cloud": {}, "azure": {}, "eni": {}, "ipam": {"operator-status": {}}},
    }


def _agent_objects(
    nodes: Sequence[NodeSpec], image: str, labels: dict[str, str], k8s_service: bool
) -> list[JsonObject]:
    env: list[JsonObject] = [
        {"name": "K8S_NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
        {
            "name": "CILIUM_K8S_NAMESPACE",
            "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}},
        },
    ]
    if k8s_service:
        # kube-proxy replacement: the agent reaches the API server directly
        # (values.yaml k8sServiceHost / k8sServicePort).
        env += [
            env_var("KUBERNETES_SERVICE_HOST", nodes[0].internal_ip),
            env_var("KUBERNETES_SERVICE_PORT", "6443"),
        ]
    return daemonset_objects(
        "kube-system",
        "cilium",
        labels,
        [
            container_spec(
                "cilium-agent",
                image,
                command=["cilium-agent"],
                args=["--config-dir=/tmp/cilium/config-map"],
                env=env,
                privileged=True,
            )
        ],
        nodes,
        host_network=True,
        service_account="cilium",
        priority_class="system-node-critical",
        tolerations=TOLERATE_EVERYTHING,
        node_selector={"kubernetes.io/os": "linux"},
        created=5.0,
    )


def cilium_chart_published(
    variant: Literal["default", "native-kpr"] = "default",
    *,
    version: str = CILIUM_VERSION,
) -> list[JsonObject]:
    """kubeadm + `helm install cilium cilium/cilium --namespace kube-system` (chart VERSION).

    ``default``: no values set. cilium-configmap.yaml renders routing-mode
    "tunnel" (routingMode unset, neither ENI nor GKE) and tunnel-protocol
    "vxlan"; ipam "cluster-pool" with cluster-pool-ipv4-cidr "10.0.0.0/8" and
    cluster-pool-ipv4-mask-size "24"; kube-proxy-replacement "false";
    enable-ipv4-masquerade "true"; no `mtu` key (values MTU 0: detected).
    ``native-kpr``: --set routingMode=native,ipv4NativeRoutingCIDR=10.0.0.0/8,
    autoDirectNodeRoutes=true,kubeProxyReplacement=true,k8sServiceHost=<cp>,
    k8sServicePort=6443, on a cluster made with `kubeadm init
    --skip-phases=addon/kube-proxy` (no kube-proxy DaemonSet or ConfigMap).
    """
    native = variant == "native-kpr"
    nodes = cilium_nodes()
    core = kubeadm_cluster(
        nodes,
        network_reason=("CiliumIsUp", "Cilium is running on this node"),
    )
    objects = fix_kubernetes_slice(core.objects)
    _node_cidrs_from_controller_manager(objects)
    if native:
        objects = [o for o in objects if not _is_kube_proxy(o)]
    config = {
        "identity-allocation-mode": "crd",
        "cluster-name": "default",
        "enable-ipv4": "true",
        "enable-ipv6": "false",
        "routing-mode": "native" if native else "tunnel",
        "tunnel-protocol": "vxlan",
        "enable-ipv4-masquerade": "true",
        "enable-ipv6-masquerade": "true",
        "auto-direct-node-routes": "true" if native else "false",
        "kube-proxy-replacement": "true" if native else "false",
        "ipam": "cluster-pool",
        "cluster-pool-ipv4-cidr": CLUSTER_POOL,
        "cluster-pool-ipv4-mask-size": "24",
    }
    if native:
        config["ipv4-native-routing-cidr"] = CLUSTER_POOL
        config["kube-proxy-replacement-healthz-bind-address"] = ""
    objects.append(
        configmap_object(
            "kube-system",
            "cilium-config",
            dict(sorted(config.items())),
            labels={"app.kubernetes.io/managed-by": "Helm"},
            annotations={
                "meta.helm.sh/release-name": "cilium",
                "meta.helm.sh/release-namespace": "kube-system",
            },
            created=5.0,
        )
    )
    digest = hex_id(64, "cilium-image", version)
    objects.extend(
        _agent_objects(
            nodes,
            f"quay.io/cilium/cilium:{version}@sha256:{digest}",
            {
                "k8s-app": "cilium",
                "app.kubernetes.io/name": "cilium-agent",
                "app.kubernetes.io/part-of": "cilium",
            },
            k8s_service=native,
        )
    )
    objects.extend(
        _operator(nodes, f"quay.io/cilium/operator-generic:{version}", "cilium-operator-generic")
    )
    objects.append(crd_object("cilium.io", "CiliumNode", "ciliumnodes", version="v2"))
    objects.extend(cilium_node_object(node, allocated=node.pod_cidr) for node in nodes)
    return objects


def _is_kube_proxy(obj: JsonObject) -> bool:
    metadata = obj["metadata"]
    if metadata.get("namespace") != "kube-system":
        return False
    if obj["kind"] == "ConfigMap":
        return bool(metadata["name"] == "kube-proxy")
    return bool((metadata.get("labels") or {}).get("k8s-app") == "kube-proxy")


def _operator(nodes: Sequence[NodeSpec], image: str, command: str) -> list[JsonObject]:
    workers = [n for n in nodes if not n.control_plane] or list(nodes)
    return deployment_objects(
        "kube-system",
        "cilium-operator",
        {"io.cilium/app": "operator", "name": "cilium-operator"},
        [
            container_spec(
                "cilium-operator",
                image,
                command=[command],
                args=["--config-dir=/tmp/cilium/config-map"],
            )
        ],
        [(workers[0], workers[0].internal_ip)],
        host_network=True,
        service_account="cilium-operator",
        priority_class="system-cluster-critical",
        tolerations=TOLERATE_EVERYTHING,
        node_selector={"kubernetes.io/os": "linux"},
        created=5.0,
    )


def cilium_quick_install_v16() -> list[JsonObject]:
    """kubeadm + cilium/cilium@v1.6.0:install/kubernetes/quick-install.yaml.

    Its cilium-config predates `routing-mode` and `ipam`: `tunnel: vxlan`,
    `masquerade: "true"`, `auto-direct-node-routes: "false"`, and no ipam
    key, so the agent allocates from each Node's spec.podCIDR (host scope).
    The agent DaemonSet is labelled k8s-app: cilium and
    kubernetes.io/cluster-service: "true", image docker.io/cilium/cilium:v1.6.0.
    """
    nodes = make_nodes()
    core = kubeadm_cluster(
        nodes,
    )
    objects = fix_kubernetes_slice(core.objects)
    config = {
        "identity-allocation-mode": "crd",
        "debug": "false",
        "enable-ipv4": "true",
        "enable-ipv6": "false",
        "monitor-aggregation": "medium",
        "bpf-ct-global-tcp-max": "524288",
        "bpf-ct-global-any-max": "262144",
        "preallocate-bpf-maps": "false",
        "sidecar-istio-proxy-image": "cilium/istio_proxy",
        "tunnel": "vxlan",
        "cluster-name": "default",
        "tofqdns-enable-poller": "false",
        "wait-bpf-mount": "false",
        "container-runtime": "none",
        "masquerade": "true",
        "install-iptables-rules": "true",
        "auto-direct-node-routes": "false",
        "enable-node-port": "false",
    }
    objects.append(configmap_object("kube-system", "cilium-config", config, created=5.0))
    objects.extend(
        _agent_objects(
            nodes,
            "docker.io/cilium/cilium:v1.6.0",
            {"k8s-app": "cilium", "kubernetes.io/cluster-service": "true"},
            k8s_service=False,
        )
    )
    objects.extend(_operator(nodes, "docker.io/cilium/operator:v1.6.0", "cilium-operator"))
    return objects
