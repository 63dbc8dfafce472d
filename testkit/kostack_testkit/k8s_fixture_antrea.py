"""A kubeadm cluster with Antrea as its CNI, shaped like Antrea's build/yamls/antrea.yml.

antrea.yml (antrea-io/antrea) writes ConfigMap kube-system/antrea-config (label app=antrea;
keys antrea-agent.conf, antrea-controller.conf, antrea-cni.conflist) and DaemonSet
kube-system/antrea-agent (pods labelled app=antrea, component=antrea-agent; containers
antrea-agent and antrea-ovs, image antrea/antrea-agent-ubuntu) mounting the ConfigMap as
volume ``antrea-config``, antrea-agent.conf at /etc/antrea/antrea-agent.conf. Up to v1.6 the
ConfigMap was named antrea-config-<hash>. Each node's pod range is its podCIDR. The CRDs
of Egress and ExternalIPPool (crd.antrea.io/v1beta1) are installed, none defined.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kostack_lab.kube_objects import JsonObject
from kostack_testkit.k8s_fixture_egress import antrea_crds
from kostack_testkit.k8s_fixture_kubeadm import fix_kubernetes_slice, kubeadm_cluster
from kostack_testkit.k8s_fixture_objects import (
    KUBERNETES_VERSION,
    POD_SUBNET,
    SERVICE_SUBNET,
    NodeSpec,
    configmap_object,
    container_spec,
    daemonset_objects,
    make_nodes,
    merge_objects,
)

IMAGE = "antrea/antrea-agent-ubuntu:v2.6.3"

# antrea.yml's antrea-agent.conf, the keys kostack reads, as the manifest sets them.
DEFAULT_CONF = """\
featureGates:
ovsBridge: "br-int"
hostGateway: "antrea-gw0"
trafficEncapMode: "encap"
podCIDRs: ""
noSNAT: false
snatFullyRandomPorts: false
tunnelType: "geneve"
tunnelPort: 0
tunnelCsum: false
trafficEncryptionMode: "none"
enableBridgingMode: false
disableTXChecksumOffload: false
defaultMTU: 0
packetInRate: 5000
wireGuard:
  port: 51820
serviceCIDR: ""
serviceCIDRv6: ""
apiPort: 10350
clusterPort: 10351
antreaProxy:
  proxyAll: false
"""


def antrea_cluster(
    *,
    nodes: Sequence[NodeSpec] | None = None,
    conf: str = DEFAULT_CONF,
    config_name: str = "antrea-config",
    image: str = IMAGE,
    pod_subnet: str = POD_SUBNET,
    service_subnet: str = SERVICE_SUBNET,
    kubernetes_version: str = KUBERNETES_VERSION,
    extra: Iterable[Mapping[str, Any]] = (),
) -> list[JsonObject]:
    """Antrea's objects (antrea.yml's by default; ``conf`` replaces antrea-agent.conf,
    ``config_name`` the ConfigMap's name, as v1.6 and older hashed it)."""
    nodes = list(nodes) if nodes is not None else make_nodes(pod_subnet=pod_subnet)
    core = kubeadm_cluster(
        nodes,
        kubernetes_version=kubernetes_version,
        pod_subnet=pod_subnet,
        service_subnet=service_subnet,
        dns_domain="cluster.local",
        proxy_mode="",
        node_annotations={},
        network_reason=None,
        pod_annotations={},
    )
    objects = fix_kubernetes_slice(core.objects)
    objects.append(
        configmap_object(
            "kube-system",
            config_name,
            {"antrea-agent.conf": conf, "antrea-controller.conf": "apiPort: 10349\n"},
            labels={"app": "antrea"},
            created=5.0,
        )
    )
    mounts: list[JsonObject] = [
        {
            "mountPath": "/etc/antrea/antrea-agent.conf",
            "name": "antrea-config",
            "readOnly": True,
            "subPath": "antrea-agent.conf",
        },
        {"mountPath": "/var/run/antrea", "name": "host-var-run-antrea"},
    ]
    agent = container_spec(
        "antrea-agent",
        image,
        command=["antrea-agent"],
        args=["--config=/etc/antrea/antrea-agent.conf", "--logtostderr=false", "--v=0"],
        volume_mounts=mounts,
        privileged=True,
    )
    ovs = container_spec(
        "antrea-ovs",
        image,
        command=["start_ovs"],
        volume_mounts=[{"mountPath": "/var/run/antrea", "name": "host-var-run-antrea"}],
        privileged=True,
    )
    objects.extend(
        daemonset_objects(
            "kube-system",
            "antrea-agent",
            {"app": "antrea", "component": "antrea-agent"},
            [agent, ovs],
            nodes,
            host_network=True,
            service_account="antrea-agent",
            priority_class="system-node-critical",
            tolerations=[
                {"key": "CriticalAddonsOnly", "operator": "Exists"},
                {"effect": "NoSchedule", "operator": "Exists"},
                {"effect": "NoExecute", "operator": "Exists"},
            ],
            volumes=[
                {"configMap": {"name": config_name}, "name": "antrea-config"},
                {
                    "hostPath": {"path": "/var/run/antrea", "type": "DirectoryOrCreate"},
                    "name": "host-var-run-antrea",
                },
            ],
            created=5.0,
        )
    )
    objects.extend(antrea_crds())  # antrea.yml installs Egress and ExternalIPPool's CRDs
    return merge_objects(objects, extra)
