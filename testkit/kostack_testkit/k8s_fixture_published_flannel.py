"""Flannel from kube-flannel.yml, and kubeadm's kube-proxy in each mode, as published.

Each builder carries the objects kostack reads with exactly the fields and
values the published install sets, cited as repo@tag:path. Written for
kostack; nothing here is copied from those files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final, Literal

from kostack_lab.kube_objects import JsonObject, namespace_object
from kostack_testkit.k8s_fixture_kubeadm import fix_kubernetes_slice, kubeadm_cluster
from kostack_testkit.k8s_fixture_objects import (
    POD_SUBNET,
    NodeSpec,
    configmap_object,
    container_spec,
    daemonset_objects,
    env_var,
    hex_id,
    make_nodes,
)
from kostack_testkit.k8s_fixture_published import calico_manifest_published, with_init_containers

FLANNEL_VERSION: Final = "v0.28.9"


def flannel_published(*, nodes: Sequence[NodeSpec] | None = None) -> list[JsonObject]:
    """kubeadm (--pod-network-cidr 10.244.0.0/16) + flannel-io/flannel@v0.28.9:
    Documentation/kube-flannel.yml.

    Namespace kube-flannel (labels k8s-app: flannel, pod-security enforce
    privileged); ConfigMap kube-flannel-cfg (labels tier node, k8s-app flannel,
    app flannel) with cni-conf.json and net-conf.json {"Network": "10.244.0.0/16",
    "EnableNFTables": false, "Backend": {"Type": "vxlan"}}; DaemonSet
    kube-flannel-ds (pod labels tier node, app flannel), container kube-flannel
    ghcr.io/flannel-io/flannel:v0.28.9 running /opt/bin/flanneld --ip-masq
    --kube-subnet-mgr --healthz-port=8081, init containers install-cni-plugin
    (flannel-cni-plugin:v1.9.1-flannel3) and install-cni. flanneld's kube
    subnet manager annotates each Node (flannel.alpha.coreos.com/*).
    """
    nodes = list(nodes) if nodes is not None else make_nodes()
    annotations = {}
    for node in nodes:
        mac = ":".join(hex_id(12, "vtep", node.name)[i : i + 2] for i in range(0, 12, 2))
        annotations[node.name] = {
            "flannel.alpha.coreos.com/backend-data": json.dumps(
                {"VNI": 1, "VtepMAC": mac}, separators=(",", ":")
            ),
            "flannel.alpha.coreos.com/backend-type": "vxlan",
            "flannel.alpha.coreos.com/kube-subnet-manager": "true",
            "flannel.alpha.coreos.com/public-ip": node.internal_ip,
        }
    core = kubeadm_cluster(
        nodes,
        node_annotations=annotations,
        network_reason=("FlannelIsUp", "Flannel is running on this node"),
    )
    objects = fix_kubernetes_slice(core.objects)
    objects.append(
        namespace_object(
            "kube-flannel",
            {"k8s-app": "flannel", "pod-security.kubernetes.io/enforce": "privileged"},
            created=5.0,
        )
    )
    cni_conf = {
        "name": "cbr0",
        "cniVersion": "0.3.1",
        "plugins": [
            {"type": "flannel", "delegate": {"hairpinMode": True, "isDefaultGateway": True}},
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    net_conf = {"Network": POD_SUBNET, "EnableNFTables": False, "Backend": {"Type": "vxlan"}}
    objects.append(
        configmap_object(
            "kube-flannel",
            "kube-flannel-cfg",
            {
                "cni-conf.json": json.dumps(cni_conf, indent=2) + "\n",
                "net-conf.json": json.dumps(net_conf, indent=2) + "\n",
            },
            labels={"tier": "node", "k8s-app": "flannel", "app": "flannel"},
            created=5.0,
        )
    )
    container = container_spec(
        "kube-flannel",
        f"ghcr.io/flannel-io/flannel:{FLANNEL_VERSION}",
        command=["/opt/bin/flanneld"],
        args=["--ip-masq", "--kube-subnet-mgr", "--healthz-port=8081"],
        ports=[{"containerPort": 8081, "name": "healthz", "protocol": "TCP"}],
        env=[
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {
                "name": "POD_NAMESPACE",
                "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}},
            },
            env_var("EVENT_QUEUE_DEPTH", "5000"),
            env_var("CONT_WHEN_CACHE_NOT_READY", "false"),
        ],
        resources={"requests": {"cpu": "100m", "memory": "50Mi"}},
        volume_mounts=[
            {"mountPath": "/run/flannel", "name": "run"},
            {"mountPath": "/etc/kube-flannel/", "name": "flannel-cfg"},
            {"mountPath": "/run/xtables.lock", "name": "xtables-lock"},
        ],
    )
    container["securityContext"] = {
        "privileged": False,
        "capabilities": {"add": ["NET_ADMIN", "NET_RAW"]},
    }
    flannel = daemonset_objects(
        "kube-flannel",
        "kube-flannel-ds",
        {"tier": "node", "app": "flannel"},
        [container],
        nodes,
        host_network=True,
        service_account="flannel",
        priority_class="system-node-critical",
        tolerations=[{"effect": "NoSchedule", "operator": "Exists"}],
        volumes=[
            {"hostPath": {"path": "/run/flannel", "type": ""}, "name": "run"},
            {"hostPath": {"path": "/opt/cni/bin", "type": ""}, "name": "cni-plugin"},
            {"hostPath": {"path": "/etc/cni/net.d", "type": ""}, "name": "cni"},
            {"configMap": {"defaultMode": 420, "name": "kube-flannel-cfg"}, "name": "flannel-cfg"},
            {
                "hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"},
                "name": "xtables-lock",
            },
        ],
        created=5.0,
    )
    # The DaemonSet itself also carries k8s-app: flannel; its selector is app: flannel.
    daemonset = next(o for o in flannel if o["kind"] == "DaemonSet")
    daemonset["metadata"]["labels"] = {"tier": "node", "app": "flannel", "k8s-app": "flannel"}
    daemonset["spec"]["selector"] = {"matchLabels": {"app": "flannel"}}
    init = [
        container_spec(
            "install-cni-plugin",
            "ghcr.io/flannel-io/flannel-cni-plugin:v1.9.1-flannel3",
            command=["cp"],
            args=["-f", "/flannel", "/opt/cni/bin/flannel"],
            volume_mounts=[{"mountPath": "/opt/cni/bin", "name": "cni-plugin"}],
        ),
        container_spec(
            "install-cni",
            f"ghcr.io/flannel-io/flannel:{FLANNEL_VERSION}",
            command=["/opt/bin/install-conf"],
            args=["/etc/kube-flannel/cni-conf.json", "/etc/cni/net.d/10-flannel.conflist"],
            volume_mounts=[
                {"mountPath": "/etc/cni/net.d", "name": "cni"},
                {"mountPath": "/etc/kube-flannel/", "name": "flannel-cfg"},
            ],
        ),
    ]
    objects.extend(with_init_containers(flannel, "DaemonSet", "kube-flannel-ds", init))
    return objects


def kube_proxy_published(mode: Literal["", "ipvs", "nftables"]) -> list[JsonObject]:
    """kubeadm's kube-proxy in each mode, under calico.yaml v3.30.7.

    kubernetes/kubernetes@v1.33.5:cmd/kubeadm/app/phases/addons/proxy/manifests.go:
    ConfigMap kube-system/kube-proxy (label app: kube-proxy) with config.conf
    (a KubeProxyConfiguration; ``mode: ""`` is iptables on Linux) and
    kubeconfig.conf; DaemonSet kube-proxy (k8s-app: kube-proxy).
    """
    return calico_manifest_published("v3.30.7", "ipip", proxy_mode=mode)
