"""A cluster with OVN-Kubernetes as its CNI, shaped like OpenShift's or ovn-kubernetes' own.

OpenShift (cluster-network-operator bindata/network/ovn-kubernetes/self-hosted): ConfigMap
openshift-ovn-kubernetes/ovnkube-config, key ovnkube.conf (INI), and DaemonSet ovnkube-node
(pods labelled app=ovnkube-node, component=network, type=infra; containers ovn-controller,
..., ovnkube-controller). ovn-kubernetes' own install (dist/templates/ovn-setup.yaml.j2,
ovnkube-node.yaml.j2): ConfigMap ovn-kubernetes/ovn-config (mtu, net_cidr, svc_cidr) and the
ovnkube-node container's environment (OVN_ENCAP_PORT, OVN_GATEWAY_MODE). Every Node carries
k8s.ovn.org/node-subnets ({"default": "<cidr>"}); no kube-proxy runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from kostack_lab.kube_objects import JsonObject, crd_object, namespace_object, object_meta
from kostack_testkit.k8s_fixture_kubeadm import fix_kubernetes_slice, kubeadm_cluster
from kostack_testkit.k8s_fixture_objects import (
    POD_SUBNET,
    SERVICE_SUBNET,
    NodeSpec,
    configmap_object,
    container_spec,
    daemonset_objects,
    make_nodes,
    merge_objects,
)

OPENSHIFT = "openshift-ovn-kubernetes"
UPSTREAM = "ovn-kubernetes"
IMAGE = "ghcr.io/ovn-kubernetes/ovn-kubernetes/ovn-kube-ubuntu:v1.0.0"
LABELS = {"app": "ovnkube-node", "component": "network", "type": "infra"}


def ovnkube_conf(*, mtu: int = 1400, port: int = 6081, mode: str = "shared") -> str:
    """ovnkube.conf as 004-config.yaml renders it (the keys kostack reads, and some it does
    not)."""
    return (
        "[default]\n"
        f'mtu="{mtu}"\n'
        f'cluster-subnets="{POD_SUBNET}/24"\n'
        f'encap-port="{port}"\n'
        "enable-lflow-cache=true\n\n"
        "[kubernetes]\n"
        f'service-cidrs="{SERVICE_SUBNET}"\n'
        'ovn-config-namespace="openshift-ovn-kubernetes"\n\n'
        "[gateway]\n"
        f"mode={mode}\n"
        "nodeport=true\n"
    )


def network_operator(ovnk_config: Mapping[str, Any]) -> list[JsonObject]:
    """OpenShift's Network operator config: the CRD networks.operator.openshift.io and its
    ``cluster`` object with ``spec.defaultNetwork.ovnKubernetesConfig`` (openshift/api
    operator/v1 types_network.go)."""
    crd = crd_object("operator.openshift.io", "Network", "networks")
    network: JsonObject = {
        "apiVersion": "operator.openshift.io/v1",
        "kind": "Network",
        "metadata": object_meta("Network", "cluster", created=4.5),
        "spec": {
            "clusterNetwork": [{"cidr": POD_SUBNET, "hostPrefix": 24}],
            "serviceNetwork": [SERVICE_SUBNET],
            "defaultNetwork": {"type": "OVNKubernetes", "ovnKubernetesConfig": dict(ovnk_config)},
        },
    }
    return [crd, network]


def _without_kube_proxy(objects: list[JsonObject]) -> list[JsonObject]:
    """OVN-Kubernetes serves Services itself: no kube-proxy DaemonSet, pods nor ConfigMap."""
    return [o for o in objects if "kube-proxy" not in str(o["metadata"].get("name", ""))]


def ovnk_cluster(
    *,
    nodes: Sequence[NodeSpec] | None = None,
    namespace: str = OPENSHIFT,
    conf: str | None = None,
    env: Mapping[str, str] | None = None,
    ipsec: bool = False,
    operator: Mapping[str, Any] | None = MappingProxyType({}),
    extra: Iterable[Mapping[str, Any]] = (),
) -> list[JsonObject]:
    """OVN-Kubernetes' objects: OpenShift's ConfigMap (``conf``, ovnkube.conf) in
    ``namespace``, or with ``env`` ovn-kubernetes' own (ConfigMap ovn-config and that
    environment on the ovnkube-node container); ``ipsec`` adds the ovn-ipsec DaemonSet;
    ``operator`` (an ovnKubernetesConfig, none set by default) the Network operator config on
    OpenShift, as OpenShift always has one."""
    nodes = list(nodes) if nodes is not None else make_nodes(pod_subnet=POD_SUBNET)
    annotations = {
        n.name: {"k8s.ovn.org/node-subnets": json.dumps({"default": n.pod_cidr})} for n in nodes
    }
    core = kubeadm_cluster(nodes, node_annotations=annotations, pod_annotations={})
    objects = _without_kube_proxy(fix_kubernetes_slice(core.objects))
    objects.append(namespace_object(namespace))
    if env is None:
        data = {"ovnkube.conf": conf if conf is not None else ovnkube_conf()}
        objects.append(configmap_object(namespace, "ovnkube-config", data, created=5.0))
    else:
        data = {"mtu": "1400", "net_cidr": f"{POD_SUBNET}/24", "svc_cidr": SERVICE_SUBNET}
        objects.append(configmap_object(namespace, "ovn-config", data, created=5.0))
    variables = [{"name": k, "value": v} for k, v in (env or {}).items()]
    controller = container_spec(
        "ovnkube-controller" if env is None else "ovnkube-node",
        IMAGE,
        command=["/root/ovnkube.sh", "ovn-node"],
        env=variables,
        privileged=True,
    )
    ovn = container_spec("ovn-controller", IMAGE, command=["/root/ovnkube.sh", "ovn-controller"])
    objects.extend(
        daemonset_objects(
            namespace, "ovnkube-node", LABELS, [ovn, controller], nodes, host_network=True
        )
    )
    if ipsec:
        agent = container_spec("ovn-ipsec", IMAGE, command=["/root/ovnkube.sh", "ovn-ipsec"])
        objects.extend(
            daemonset_objects(
                namespace, "ovn-ipsec", {"app": "ovn-ipsec"}, [agent], nodes, host_network=True
            )
        )
    if operator is not None and namespace == OPENSHIFT:
        objects.extend(network_operator(operator))
    return merge_objects(objects, extra)
