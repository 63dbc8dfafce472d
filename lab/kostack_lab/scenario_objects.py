"""What a lab scenario looks like from outside: Neutron's ports and groups, the cluster's objects.

`neutron_description()` gives the ports and security groups as the Neutron
REST API would list them (the lab runs from it when there is no Neutron);
`kubernetes_objects()` gives the cluster side for the Kubernetes API double.
Both are pure functions of a `Scenario` and its `Topology`; ids are stable
uuid5 values (`lab_id`).
"""

from __future__ import annotations

import ipaddress
import json
import uuid
from typing import TYPE_CHECKING, Any

from kostack_lab import seed
from kostack_lab.antrea_objects import antrea_objects
from kostack_lab.calico_ipam import calico_ipam_objects
from kostack_lab.canal_objects import canal_node_annotations, canal_objects
from kostack_lab.errors import LabInputError, Msg
from kostack_lab.topology_layout import (
    SECOND_POOL_NAME,
    Encapsulation,
    NodePlan,
    PodPlan,
    ServicePlan,
    Topology,
)

if TYPE_CHECKING:
    from kostack_lab.scenarios import Scenario

__all__ = ["kubernetes_objects", "lab_id", "neutron_description"]

POOL_ANNOTATION = "cni.projectcalico.org/ipv4pools"
_ID_NAMESPACE = uuid.UUID("6d1c3c52-4b43-5d7e-9a55-6b6f73746163")  # uuid5 root for lab ids


def lab_id(kind: str, name: str) -> str:
    """A stable uuid for a lab object of `kind` called `name`."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{kind}/{name}"))


# -- Neutron side ------------------------------------------------------------------


def _check_groups(scenario: Scenario, group_ids: dict[str, str]) -> None:
    """Every group a port or a rule names is defined in the scenario."""
    unknown = {n for n in scenario.node_groups if n not in group_ids}
    unknown |= {
        r.remote_group for g in scenario.security_groups for r in g.rules if r.remote_group
    } - set(group_ids)
    if unknown:
        raise LabInputError(
            Msg("lab.x.undefined_groups", name=scenario.name, groups=", ".join(sorted(unknown))),
            Msg("lab.x.define_groups"),
        )


def _security_groups(scenario: Scenario, group_ids: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "id": group_ids[group.name],
            "name": group.name,
            "description": group.description,
            "stateful": True,
            "revision_number": 1,
            "security_group_rules": [
                {
                    "id": lab_id("security-group-rule", f"{group.name}/{index}"),
                    "security_group_id": group_ids[group.name],
                    "direction": rule.direction,
                    "ethertype": rule.ethertype,
                    "protocol": rule.protocol,
                    "port_range_min": rule.port_range_min,
                    "port_range_max": rule.port_range_max,
                    "remote_ip_prefix": rule.remote_ip_prefix,
                    "remote_group_id": group_ids[rule.remote_group] if rule.remote_group else None,
                    "remote_address_group_id": None,
                }
                for index, rule in enumerate(group.rules)
            ],
        }
        for group in scenario.security_groups
    ]


def _node_port(
    scenario: Scenario, node: NodePlan, group_ids: dict[str, str], network_id: str, subnet_id: str
) -> dict[str, Any]:
    return {
        "id": lab_id("port", node.name),
        "name": node.name,
        "network_id": network_id,
        "mac_address": node.mac,
        "fixed_ips": [
            {"subnet_id": subnet_id, "ip_address": node.ip},
            *(
                [{"subnet_id": lab_id("subnet", seed.SUBNET6_NAME), "ip_address": node.ip6}]
                if node.ip6
                else []
            ),
        ],
        "allowed_address_pairs": [
            {"ip_address": pair, "mac_address": node.mac} for pair in scenario.allowed_pairs
        ]
        if scenario.port_security
        else [],
        "port_security_enabled": scenario.port_security,
        "admin_state_up": True,
        "security_groups": [group_ids[n] for n in scenario.node_groups]
        if scenario.port_security
        else [],
        "device_owner": "compute:nova",
        "device_id": seed.node_device_id(node.name),
        "revision_number": 1,
    }


def _router_port(topo: Topology, network_id: str, subnet_id: str) -> dict[str, Any]:
    return {
        "id": lab_id("port", "router-interface"),
        "name": "",
        "network_id": network_id,
        "mac_address": topo.router_mac,
        "fixed_ips": [{"subnet_id": subnet_id, "ip_address": topo.gateway_ip}],
        "allowed_address_pairs": [],
        "port_security_enabled": True,
        "security_groups": [],
        "device_owner": "network:router_interface",
        "device_id": lab_id("router", seed.ROUTER_NAME),
        "revision_number": 1,
    }


def _router_port6(topo: Topology, network_id: str) -> dict[str, Any]:
    """The router's port on the IPv6 subnet (Neutron makes one per IPv6 subnet attached)."""
    assert topo.network_cidr6 is not None  # dual-stack labs only
    gateway6 = str(ipaddress.IPv6Network(topo.network_cidr6).network_address + 1)
    subnet6_id = lab_id("subnet", seed.SUBNET6_NAME)
    return {
        **_router_port(topo, network_id, subnet6_id),
        "id": lab_id("port", "router-interface-v6"),
        "mac_address": seed.ROUTER6_MAC,
        "fixed_ips": [{"subnet_id": subnet6_id, "ip_address": gateway6}],
    }


def neutron_description(
    scenario: Scenario, topo: Topology
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Ports and security groups as the Neutron REST API would list them for this scenario.

    Shapes follow `GET /v2.0/ports` and `GET /v2.0/security-groups`: node
    ports named like the nodes, MAC and fixed IP of the lab VM, pairs with
    the port's MAC filled in (as Neutron does), plus the router interface
    port 10.0.0.1 (device_owner network:router_interface) and, dual-stack,
    its port at fd00:10::1 on the IPv6 subnet.
    """
    network_id = lab_id("network", seed.NETWORK_NAME)
    subnet_id = lab_id("subnet", seed.SUBNET_NAME)
    group_ids = {g.name: lab_id("security-group", g.name) for g in scenario.security_groups}
    _check_groups(scenario, group_ids)
    groups = _security_groups(scenario, group_ids)
    ports = [_node_port(scenario, node, group_ids, network_id, subnet_id) for node in topo.nodes]
    ports.append(_router_port(topo, network_id, subnet_id))
    if topo.dual_stack:
        ports.append(_router_port6(topo, network_id))
    return ports, groups


# -- Kubernetes side ---------------------------------------------------------------


def _node_object(node: NodePlan, topo: Topology) -> dict[str, Any]:
    labels = {"kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux"}
    if node.role == "control-plane":
        labels["node-role.kubernetes.io/control-plane"] = ""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": node.name,
            "labels": labels,
            "annotations": canal_node_annotations(node)
            if topo.cni == "canal"
            else {}
            if topo.cni == "antrea"  # none kostack reads
            else {
                "projectcalico.org/IPv4Address": f"{node.ip}/{topo.network_cidr.split('/')[1]}",
                "projectcalico.org/IPv4VXLANTunnelAddr": node.vtep_ip,
                **(
                    {
                        "projectcalico.org/IPv6Address": f"{node.ip6}/{topo.network_cidr6.split('/')[1]}"
                    }
                    if node.ip6 and topo.network_cidr6
                    else {}
                ),
            },
        },
        "spec": {
            "podCIDR": node.pod_cidr,
            "podCIDRs": [node.pod_cidr, *([node.pod_cidr6] if node.pod_cidr6 else [])],
            "providerID": f"openstack:///{seed.node_device_id(node.name)}",
        },
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": node.ip},
                *([{"type": "InternalIP", "address": node.ip6}] if node.ip6 else []),
                {"type": "Hostname", "address": node.name},
            ],
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
            "nodeInfo": {
                "kubeletVersion": seed.KUBERNETES_VERSION,
                "kubeProxyVersion": seed.KUBERNETES_VERSION,
                "osImage": "Ubuntu 22.04.5 LTS",
                "containerRuntimeVersion": "containerd://1.7.27",
                "kernelVersion": "5.15.0-139-generic",
                "operatingSystem": "linux",
                "architecture": "amd64",
                "machineID": node.name,
                "systemUUID": seed.node_device_id(node.name),
                "bootID": lab_id("boot", node.name),
            },
        },
    }


def _pod_object(pod: PodPlan, topo: Topology) -> dict[str, Any]:
    node = topo.node(pod.node)
    labels = {"k8s-app": "kube-dns"} if pod.app == "coredns" else {"app": "echo"}
    for service in topo.services:  # the dual-stack echo service selects its one pod
        if pod.ip in {p.target_ip for p in service.ports}:
            labels.update(dict(service.selector))
    container = {
        "name": "coredns" if pod.app == "coredns" else "echo",
        "image": "registry.k8s.io/coredns/coredns:v1.12.0"
        if pod.app == "coredns"
        else "kostack/echo:lab",
        "ports": [
            {"containerPort": 53, "protocol": "UDP", "name": "dns"},
            {"containerPort": 53, "protocol": "TCP", "name": "dns-tcp"},
        ]
        if pod.app == "coredns"
        else [{"containerPort": topo.echo_port, "protocol": "TCP", "name": "http"}],
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": pod.name,
            "namespace": pod.namespace,
            "labels": labels,
            # a second pool's pod asked Calico for it (docs/facts.md, the ipv4pools annotation)
            **({"annotations": {POOL_ANNOTATION: f'["{pod.pool}"]'}} if pod.pool else {}),
        },
        "spec": {"nodeName": pod.node, "containers": [container]},
        "status": {
            "phase": "Running",
            "hostIP": node.ip,
            "hostIPs": [{"ip": node.ip}, *([{"ip": node.ip6}] if node.ip6 else [])],
            "podIP": pod.ip,
            "podIPs": [{"ip": pod.ip}, *([{"ip": pod.ip6}] if pod.ip6 else [])],
        },
    }


def _kube_proxy_pod(node: NodePlan, version: str) -> dict[str, Any]:
    """kubeadm's kube-proxy DaemonSet pod on one node (hostNetwork): the lab's nft DNAT is what
    it programs (kostack_lab.topology), so the API shows it running as a kubeadm cluster would."""
    ips = [{"ip": node.ip}, *([{"ip": node.ip6}] if node.ip6 else [])]
    command = ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf"]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"kube-proxy-{node.name}",
            "namespace": "kube-system",
            "labels": {"k8s-app": "kube-proxy"},
        },
        "spec": {
            "nodeName": node.name,
            "hostNetwork": True,
            "containers": [
                {
                    "name": "kube-proxy",
                    "image": f"registry.k8s.io/kube-proxy:{version}",
                    "command": [*command, f"--hostname-override={node.name}"],
                }
            ],
        },
        "status": {
            "phase": "Running",
            "hostIP": node.ip,
            "hostIPs": ips,
            "podIP": node.ip,
            "podIPs": ips,
        },
    }


def _service_objects(service: ServicePlan, dual_stack: bool = False) -> list[dict[str, Any]]:
    """The Service and the EndpointSlice(s) that point it at its one endpoint.

    In a dual-stack cluster every Service says its families (the API server
    fills them in): PreferDualStack with both ClusterIPs and an IPv6
    EndpointSlice for a service with `cluster_ip6` (all of the lab's in a
    dual-stack lab), SingleStack IPv4 otherwise.
    """
    selector = {"selector": {"k8s-app": "kube-dns"}} if service.name == "kube-dns" else {}
    if service.selector:
        selector = {"selector": dict(service.selector)}
    families: dict[str, Any] = {}
    cluster_ips = [service.cluster_ip]
    if service.cluster_ip6:
        cluster_ips.append(service.cluster_ip6)
        families = {"ipFamilies": ["IPv4", "IPv6"], "ipFamilyPolicy": "PreferDualStack"}
    elif dual_stack:
        families = {"ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack"}
    ports = [
        {"name": p.name, "port": p.port, "protocol": p.protocol, "targetPort": p.target_port}
        for p in service.ports
    ]
    return [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": service.name, "namespace": service.namespace},
            "spec": {
                "type": "ClusterIP",
                "clusterIP": service.cluster_ip,
                "clusterIPs": cluster_ips,
                **families,
                "ports": ports,
                **selector,
            },
        },
        _endpoint_slice(service, "-lab", "IPv4", service.ports[0].target_ip),
        *(
            [_endpoint_slice(service, "-lab-v6", "IPv6", service.ports[0].target_ip6)]
            if service.cluster_ip6 and service.ports[0].target_ip6
            else []
        ),
    ]


def _endpoint_slice(
    service: ServicePlan, suffix: str, family: str, address: str | None
) -> dict[str, Any]:
    """An EndpointSlice of one address family that points `service` at its one endpoint."""
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": f"{service.name}{suffix}",
            "namespace": service.namespace,
            "labels": {"kubernetes.io/service-name": service.name},
        },
        "addressType": family,
        "endpoints": [{"addresses": [address], "conditions": {"ready": True}}],
        "ports": [
            {"name": p.name, "port": p.target_port, "protocol": p.protocol} for p in service.ports
        ],
    }


def _calico_objects(scenario: Scenario, topo: Topology) -> list[dict[str, Any]]:
    """Calico's IPPools, the operator's Installation and the default FelixConfiguration."""
    vxlan_mode = {
        Encapsulation.NONE: "Never",
        Encapsulation.VXLAN_CROSS_SUBNET: "CrossSubnet",
        Encapsulation.VXLAN: "Always",
    }[scenario.encapsulation]
    pools = [_ippool("default-ipv4-ippool", topo.pod_cidr, 24, scenario, vxlan_mode)]
    if topo.pod_cidr2:  # the second pool: routed natively
        pools.append(_ippool(SECOND_POOL_NAME, topo.pod_cidr2, 24, scenario, "Never"))
    if topo.pod_cidr6:
        pools.append(_ippool("default-ipv6-ippool", topo.pod_cidr6, 122, scenario, vxlan_mode))
    pool = {
        "cidr": topo.pod_cidr,
        "encapsulation": str(scenario.encapsulation),
        "natOutgoing": "Enabled" if scenario.nat_outgoing else "Disabled",
        "blockSize": 24,
        "nodeSelector": "all()",
    }
    installation = {
        "apiVersion": "operator.tigera.io/v1",
        "kind": "Installation",
        "metadata": {"name": "default"},
        "spec": {
            "calicoNetwork": {
                "ipPools": [
                    pool,
                    *(
                        [{**pool, "cidr": topo.pod_cidr6, "blockSize": 122}]
                        if topo.pod_cidr6
                        else []
                    ),
                ]
            }
        },
        "status": {"mtu": topo.pod_mtu},
    }
    felix = {  # what calico-node creates: the `default` FelixConfiguration
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "FelixConfiguration",
        "metadata": {"name": "default"},
        "spec": {"featureDetectOverride": topo.felix_override} if topo.felix_override else {},
    }
    return [*pools, installation, felix]


def _ippool(
    name: str, cidr: str, block_size: int, scenario: Scenario, vxlan_mode: str
) -> dict[str, Any]:
    """One Calico IPPool (IPIP never: the lab routes or uses VXLAN; Calico has none for IPv6).

    Block size 24 for IPv4, 122 (Calico's IPv6 default) for IPv6.
    """
    return {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "IPPool",
        "metadata": {"name": name},
        "spec": {
            "cidr": cidr,
            "ipipMode": "Never",
            "vxlanMode": vxlan_mode,
            "natOutgoing": scenario.nat_outgoing,
            "blockSize": block_size,
            "nodeSelector": "all()",
        },
    }


def _config_maps(topo: Topology) -> list[dict[str, Any]]:
    """The kubeadm-config and kube-proxy ConfigMaps in kube-system."""
    cluster_configuration = {
        "apiVersion": "kubeadm.k8s.io/v1beta4",
        "kind": "ClusterConfiguration",
        "kubernetesVersion": seed.KUBERNETES_VERSION,
        "controlPlaneEndpoint": f"{topo.control_plane.ip}:6443",
        "networking": {
            "podSubnet": ",".join(c for c in (topo.pod_cidr, topo.pod_cidr6) if c),
            "serviceSubnet": ",".join(
                [topo.service_cidr, *([seed.SERVICE_SUBNET6] if topo.dual_stack else [])]
            ),
            "dnsDomain": topo.dns_domain,
        },
    }
    proxy_configuration = {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        # the lab's kube-proxy is plain DNAT with no reject chain (topology.plan_kube_proxy): a
        # ping to a ClusterIP goes unanswered as under iptables, not rejected as under nftables
        "mode": "iptables",
        "clusterCIDR": ",".join(c for c in (topo.pod_cidr, topo.pod_cidr6) if c),
    }
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "kubeadm-config", "namespace": "kube-system"},
            "data": {"ClusterConfiguration": json.dumps(cluster_configuration, indent=2)},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "kube-proxy", "namespace": "kube-system"},
            "data": {"config.conf": json.dumps(proxy_configuration, indent=2)},
        },
    ]


def kubernetes_objects(scenario: Scenario, topo: Topology) -> list[dict[str, Any]]:
    """The cluster as the API server would serve it for this lab.

    Nodes (providerID `openstack:///<device id>`, podCIDR, InternalIP), the
    lab's pods, the `kubernetes` and `kube-dns` services with their
    EndpointSlices, Calico's IPPool, operator Installation, IPAMBlocks and
    BlockAffinities (kostack_lab.calico_ipam), and the kubeadm-config and kube-proxy ConfigMaps.
    Under Canal, what canal.yaml leaves instead of Calico's (kostack_lab.canal_objects); under
    Antrea, what antrea.yml leaves (kostack_lab.antrea_objects).
    """
    objects = [_node_object(node, topo) for node in topo.nodes]
    objects.extend(_pod_object(pod, topo) for pod in topo.pods)
    objects.extend(_kube_proxy_pod(node, seed.KUBERNETES_VERSION) for node in topo.nodes)
    for service in topo.services:
        objects.extend(_service_objects(service, topo.dual_stack))
    if topo.cni == "canal":
        objects.extend(canal_objects(topo))
    elif topo.cni == "antrea":
        objects.extend(antrea_objects(topo))
    else:
        objects.extend(_calico_objects(scenario, topo))
        objects.extend(calico_ipam_objects(topo))
    objects.extend(_config_maps(topo))
    return objects
