"""A kubeadm cluster with Kube-OVN as its CNI, shaped like kubeovn/kube-ovn's
dist/images/install.sh.

install.sh writes DaemonSet kube-system/kube-ovn-cni (pods labelled app=kube-ovn-cni,
component=network, type=infra; container cni-server running start-cniserver.sh with
--network-type=$TUNNEL_TYPE, --iface, ...), Deployment kube-system/kube-ovn-controller (pods
labelled app=kube-ovn-controller; container kube-ovn-controller with --default-cidr,
--node-switch-cidr, --network-type=$NETWORK_TYPE, ...) and the CRD subnets.kubeovn.io; the
controller creates Subnets ovn-default (default, natOutgoing, distributed gateway) and join
(pkg/controller/init.go).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kostack_lab.kube_objects import JsonObject, crd_object, object_meta
from kostack_testkit.k8s_fixture_kubeadm import fix_kubernetes_slice, kubeadm_cluster
from kostack_testkit.k8s_fixture_objects import (
    KUBERNETES_VERSION,
    SERVICE_SUBNET,
    NodeSpec,
    container_spec,
    daemonset_objects,
    deployment_objects,
    make_nodes,
    merge_objects,
)

IMAGE = "docker.io/kubeovn/kube-ovn:v1.15.24"
POD_CIDR = "10.16.0.0/16"  # install.sh POD_CIDR
JOIN_CIDR = "100.64.0.0/16"  # install.sh JOIN_CIDR


def cni_server_args(tunnel_type: str = "geneve", extra: Sequence[str] = ()) -> list[str]:
    """install.sh's cni-server arguments (IFACE empty)."""
    return [
        "--enable-mirror=false",
        "--enable-arp-detect-ip-conflict=true",
        "--encap-checksum=true",
        f"--service-cluster-ip-range={SERVICE_SUBNET}",
        "--iface=",
        "--dpdk-tunnel-iface=br-phy",
        f"--network-type={tunnel_type}",
        "--default-interface-name=",
        "--logtostderr=false",
        "--alsologtostderr=true",
        "--log_file=/var/log/kube-ovn/kube-ovn-cni.log",
        "--enable-ovn-ipsec=false",
        *extra,
    ]


def controller_args(network_type: str = "geneve") -> list[str]:
    """install.sh's kube-ovn-controller arguments (the ones about the network)."""
    return [
        "/kube-ovn/start-controller.sh",
        f"--default-cidr={POD_CIDR}",
        "--default-gateway=10.16.0.1",
        "--default-gateway-check=true",
        "--default-logical-gateway=false",
        f"--node-switch-cidr={JOIN_CIDR}",
        f"--service-cluster-ip-range={SERVICE_SUBNET}",
        f"--network-type={network_type}",
        "--default-interface-name=",
        "--default-vlan-id=100",
        "--enable-lb=true",
        "--enable-np=true",
    ]


def subnet_object(name: str, cidr: str, **spec: Any) -> JsonObject:
    """A Subnet as kube-ovn-controller creates it (pkg/controller/init.go)."""
    body = {
        "vpc": "ovn-cluster",
        "default": False,
        "provider": "ovn",
        "cidrBlock": cidr,
        "protocol": "IPv4",
        "natOutgoing": False,
        "gatewayType": "distributed",
        **spec,
    }
    return {
        "apiVersion": "kubeovn.io/v1",
        "kind": "Subnet",
        "metadata": object_meta("Subnet", name, created=6.0),
        "spec": body,
    }


def ip_pool_object(
    name: str, subnet: str, ips: Sequence[str], namespaces: Sequence[str]
) -> JsonObject:
    """An IPPool (kubeovn.io/v1, cluster-scoped; kubeovn/docs docs/guide/ippool.en.md)."""
    return {
        "apiVersion": "kubeovn.io/v1",
        "kind": "IPPool",
        "metadata": object_meta("IPPool", name, created=7.0),
        "spec": {"subnet": subnet, "ips": list(ips), "namespaces": list(namespaces)},
    }


def default_subnets(**default: Any) -> list[JsonObject]:
    """ovn-default and join as kube-ovn-controller leaves them (pkg/controller/init.go:
    excludeIps the gateway, --default-exclude-ips empty)."""
    spec = {
        "default": True,
        "natOutgoing": True,
        "gateway": "10.16.0.1",
        "excludeIps": ["10.16.0.1"],
        **default,
    }
    return [
        subnet_object("ovn-default", POD_CIDR, **spec),
        subnet_object("join", JOIN_CIDR, gateway="100.64.0.1", excludeIps=["100.64.0.1"]),
    ]


def node_annotations(index: int) -> dict[str, str]:
    """What kube-ovn-controller puts on every Node: its ovn0 port on the join subnet
    (pkg/controller/node.go handleAddNode; pkg/util/const.go)."""
    return {
        "ovn.kubernetes.io/allocated": "true",
        "ovn.kubernetes.io/logical_switch": "join",
        "ovn.kubernetes.io/cidr": JOIN_CIDR,
        "ovn.kubernetes.io/gateway": "100.64.0.1",
        "ovn.kubernetes.io/ip_address": f"100.64.0.{index + 2}",
    }


def kube_ovn_cluster(
    *,
    nodes: Sequence[NodeSpec] | None = None,
    tunnel_type: str = "geneve",
    network_type: str = "geneve",
    cni_extra: Sequence[str] = (),
    subnets: Iterable[JsonObject] | None = None,
    ip_pools: Iterable[JsonObject] = (),
    image: str = IMAGE,
    kubernetes_version: str = KUBERNETES_VERSION,
    extra: Iterable[Mapping[str, Any]] = (),
) -> list[JsonObject]:
    """Kube-OVN's objects (install.sh's by default)."""
    nodes = list(nodes) if nodes is not None else make_nodes()
    core = kubeadm_cluster(
        nodes,
        kubernetes_version=kubernetes_version,
        pod_subnet=POD_CIDR,
        service_subnet=SERVICE_SUBNET,
        dns_domain="cluster.local",
        proxy_mode="",
        node_annotations={n.name: node_annotations(i) for i, n in enumerate(nodes)},
        network_reason=None,
        pod_annotations={},
    )
    objects = fix_kubernetes_slice(core.objects)
    cni = container_spec(
        "cni-server",
        image,
        command=["bash", "/kube-ovn/start-cniserver.sh"],
        args=cni_server_args(tunnel_type, cni_extra),
        privileged=True,
    )
    objects.extend(
        daemonset_objects(
            "kube-system",
            "kube-ovn-cni",
            {"app": "kube-ovn-cni", "component": "network", "type": "infra"},
            [cni],
            nodes,
            host_network=True,
            service_account="kube-ovn-cni",
            priority_class="system-node-critical",
            created=5.0,
        )
    )
    control = next((n for n in nodes if n.control_plane), nodes[0])
    objects.extend(
        deployment_objects(
            "kube-system",
            "kube-ovn-controller",
            {"app": "kube-ovn-controller", "component": "network", "type": "infra"},
            [container_spec("kube-ovn-controller", image, args=controller_args(network_type))],
            [(control, control.internal_ip)],
            host_network=True,
            service_account="ovn",
            priority_class="system-cluster-critical",
        )
    )
    objects.append(crd_object("kubeovn.io", "Subnet", "subnets", status_subresource=True))
    objects.extend(default_subnets() if subnets is None else subnets)
    objects.append(crd_object("kubeovn.io", "IPPool", "ippools", status_subresource=True))
    objects.extend(ip_pools)
    return merge_objects(objects, extra)
