"""A k0s-like cluster with kube-router as its CNI, shaped like k0s's rendering.

k0s (pkg/component/controller/kuberouter.go) writes ConfigMap kube-system/kube-router-cfg
(cni-conf.json: a bridge plugin on kube-bridge, host-local IPAM) and DaemonSet
kube-system/kube-router (labels k8s-app=kube-router, tier=node; container ``kube-router``,
image quay.io/k0sproject/kube-router) whose arguments are ``--key=value``: run-router,
run-firewall, run-service-proxy=false, bgp-graceful-restart, enable-ipv4/6, auto-mtu,
metrics-port, hairpin-mode, service-cluster-ip-range. Each node's pod range is its podCIDR.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kostack_lab.kube_objects import JsonObject
from kostack_testkit.k8s_fixture_kubeadm import fix_kubernetes_slice, kubeadm_cluster
from kostack_testkit.k8s_fixture_objects import (
    KUBERNETES_VERSION,
    POD_SUBNET,
    SERVICE_SUBNET,
    NodeSpec,
    configmap_object,
    container_spec,
    daemonset_objects,
    env_var,
    make_nodes,
    merge_objects,
)

K0S_IMAGE = "quay.io/k0sproject/kube-router:v2.10.0-iptables1.8.13-k0s.1"
UPSTREAM_IMAGE = "docker.io/cloudnativelabs/kube-router:v2.6.1"


def k0s_args(service_subnet: str = SERVICE_SUBNET) -> list[str]:
    """The arguments k0s renders from a default ClusterConfig (sorted by key, as its
    stringmap ToDashedArgs writes them)."""
    args = {
        "auto-mtu": "true",
        "bgp-graceful-restart": "true",
        "enable-ipv4": "true",
        "enable-ipv6": "false",
        "hairpin-mode": "true",
        "metrics-port": "8080",
        "run-firewall": "true",
        "run-router": "true",
        "run-service-proxy": "false",
        "service-cluster-ip-range": service_subnet,
    }
    return [f"--{key}={value}" for key, value in sorted(args.items())]


def kube_router_cluster(
    *,
    nodes: Sequence[NodeSpec] | None = None,
    args: Sequence[str] | None = None,
    image: str = K0S_IMAGE,
    pod_subnet: str = POD_SUBNET,
    service_subnet: str = SERVICE_SUBNET,
    kubernetes_version: str = KUBERNETES_VERSION,
    extra: Iterable[Mapping[str, Any]] = (),
) -> list[JsonObject]:
    """kube-router's objects (k0s's by default; ``args`` replaces its arguments)."""
    nodes = list(nodes) if nodes is not None else make_nodes(pod_subnet=pod_subnet)
    core = kubeadm_cluster(
        nodes,
        kubernetes_version=kubernetes_version,
        pod_subnet=pod_subnet,
        service_subnet=service_subnet,
    )
    objects = fix_kubernetes_slice(core.objects)
    cni_conf = {
        "cniVersion": "0.3.0",
        "name": "mynet",
        "plugins": [
            {
                "name": "kubernetes",
                "type": "bridge",
                "bridge": "kube-bridge",
                "isDefaultGateway": True,
                "hairpinMode": True,
                "ipMasq": False,
                "ipam": {"type": "host-local"},
            },
            {"type": "portmap", "capabilities": {"snat": True, "portMappings": True}},
        ],
    }
    labels = {"k8s-app": "kube-router", "tier": "node"}
    objects.append(
        configmap_object(
            "kube-system",
            "kube-router-cfg",
            {"cni-conf.json": json.dumps(cni_conf, indent=2)},
            labels=labels,
            created=5.0,
        )
    )
    field = {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}
    container = container_spec(
        "kube-router",
        image,
        args=list(args) if args is not None else k0s_args(service_subnet),
        env=[
            {"name": "NODE_NAME", "valueFrom": field},
            env_var("KUBE_ROUTER_CNI_CONF_FILE", "/etc/cni/net.d/10-kuberouter.conflist"),
        ],
        volume_mounts=[
            {"mountPath": "/lib/modules", "name": "lib-modules", "readOnly": True},
            {"mountPath": "/etc/cni/net.d", "name": "cni-conf-dir"},
        ],
        privileged=True,
    )
    objects.extend(
        daemonset_objects(
            "kube-system",
            "kube-router",
            labels,
            [container],
            nodes,
            host_network=True,
            service_account="kube-router",
            priority_class="system-node-critical",
            tolerations=[
                {"effect": "NoSchedule", "operator": "Exists"},
                {"effect": "NoExecute", "operator": "Exists"},
            ],
            volumes=[
                {"hostPath": {"path": "/lib/modules", "type": ""}, "name": "lib-modules"},
                {"hostPath": {"path": "/etc/cni/net.d", "type": ""}, "name": "cni-conf-dir"},
            ],
            created=5.0,
        )
    )
    return merge_objects(objects, extra)
