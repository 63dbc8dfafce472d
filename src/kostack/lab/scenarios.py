"""Lab scenarios: the states of the incident, each a topology + Neutron state + cluster objects.

A scenario says how Calico routes (encapsulation, natOutgoing), what the
Neutron ports look like (port security, allowed pairs, security groups and
their rules, the backend's remote-group semantics), what the VMs were told
about the MTU, and what the standard probes from a worker's pod must show
(`expected`, the table in docs/lab.md). Without a Neutron the lab
runs from `neutron_description()`; with one, `agent.apply_scenario` writes
the same state into it. `kubernetes_objects()` gives the cluster side
(Nodes, Pods, Services, EndpointSlices, Calico IPPool and Installation,
kubeadm and kube-proxy config) for the Kubernetes API double.

Registration is the explicit `SCENARIOS` tuple.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict

from kostack.lab import seed
from kostack.lab.errors import LabInputError
from kostack.lab.portsec import NeutronBackend
from kostack.lab.seed import RuleSpec
from kostack.lab.topology import Encapsulation, Topology, build_topology

__all__ = [
    "SCENARIOS",
    "ExpectedProbes",
    "RuleSpec",
    "Scenario",
    "SecurityGroupSpec",
    "get_scenario",
    "kubernetes_objects",
    "neutron_description",
    "scenario_names",
]

POD_CIDR = seed.POD_SUBNET
SERVICE_CIDR = seed.SERVICE_SUBNET
_ID_NAMESPACE = uuid.UUID("6d1c3c52-4b43-5d7e-9a55-6b6f73746163")  # uuid5 root for lab ids


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SecurityGroupSpec(_Frozen):
    """A security group by name, with its rules."""

    name: str
    description: str = ""
    rules: tuple[RuleSpec, ...] = ()


class ExpectedProbes(_Frozen):
    """What the standard probes from a pod on a worker must show (True = answers)."""

    dns: bool
    kubernetes_tcp: bool
    kubernetes_tls: bool
    egress_http: bool
    ping_cluster_ip: bool = False  # never answers, healthy or not
    pod_to_pod: bool
    bulk_transfer: bool


class Scenario(_Frozen):
    """One state of the incident the lab can reproduce."""

    name: str
    summary: str
    encapsulation: Encapsulation = Encapsulation.VXLAN_CROSS_SUBNET
    nat_outgoing: bool = False
    router_routes_to_pods: bool = True
    network_mtu: int = seed.NETWORK_MTU
    vm_nic_mtu: int = seed.NETWORK_MTU
    port_security: bool = True
    allowed_pairs: tuple[str, ...] = ()
    node_groups: tuple[str, ...] = (seed.DEFAULT_GROUP, seed.NODES_GROUP)
    security_groups: tuple[SecurityGroupSpec, ...] = ()
    backend: NeutronBackend = NeutronBackend.ML2_OVS
    expected: ExpectedProbes

    def topology(self, *, prefix: str, nodes: int) -> Topology:
        """The lab layout for this scenario with `nodes` nodes."""
        return build_topology(
            prefix=prefix,
            nodes=nodes,
            encapsulation=self.encapsulation,
            nat_outgoing=self.nat_outgoing,
            router_routes_to_pods=self.router_routes_to_pods,
            network_mtu=self.network_mtu,
            vm_nic_mtu=self.vm_nic_mtu,
        )


DEFAULT_GROUP = SecurityGroupSpec(
    name=seed.DEFAULT_GROUP,
    description="Default security group",
    rules=seed.DEFAULT_GROUP_RULES,
)

_NODES_BASE = (*seed.NEW_GROUP_RULES, *seed.NODES_GROUP_RULES)
VXLAN_RULE = RuleSpec(
    direction="ingress",
    protocol="udp",
    port_range_min=4789,
    port_range_max=4789,
    remote_group=seed.NODES_GROUP,
)


def _nodes_group(*extra: RuleSpec) -> SecurityGroupSpec:
    """`k8s-nodes` as the seed cloud has it (ssh, 6443, icmp from anywhere), plus `extra`."""
    return SecurityGroupSpec(
        name=seed.NODES_GROUP,
        description=seed.NODES_GROUP_DESCRIPTION,
        rules=(*_NODES_BASE, *extra),
    )


_ALL_OK = ExpectedProbes(
    dns=True,
    kubernetes_tcp=True,
    kubernetes_tls=True,
    egress_http=True,
    pod_to_pod=True,
    bulk_transfer=True,
)
_ONLY_POD_TO_POD_BROKEN = ExpectedProbes(
    dns=False,
    kubernetes_tcp=True,
    kubernetes_tls=True,
    egress_http=True,
    pod_to_pod=False,
    bulk_transfer=False,
)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        name="seed",
        summary="The incident: Calico VXLANCrossSubnet in one subnet (all pod traffic native), "
        "port security on, no allowed pairs, natOutgoing off. Everything from a pod times out.",
        security_groups=(DEFAULT_GROUP, _nodes_group()),
        expected=ExpectedProbes(
            dns=False,
            kubernetes_tcp=False,
            kubernetes_tls=False,
            egress_http=False,
            pod_to_pod=False,
            bulk_transfer=False,
        ),
    ),
    Scenario(
        name="seed-natoutgoing",
        summary="As seed but with Calico natOutgoing on (Calico's default): traffic to node IPs and "
        "the internet is masqueraded and passes; pod-to-pod (DNS to CoreDNS on another node) breaks.",
        nat_outgoing=True,
        security_groups=(DEFAULT_GROUP, _nodes_group()),
        expected=_ONLY_POD_TO_POD_BROKEN,
    ),
    Scenario(
        name="fixed",
        summary="Fix B: allowed address pair 10.244.0.0/16 on every node port, port security kept on.",
        allowed_pairs=(POD_CIDR,),
        security_groups=(DEFAULT_GROUP, _nodes_group()),
        expected=_ALL_OK,
    ),
    Scenario(
        name="fixed-no-router-routes",
        summary="Pairs added as in fixed, natOutgoing off, but the Neutron router has no routes "
        "back to the pod blocks: pod packets leave through its SNAT, the replies are lost.",
        allowed_pairs=(POD_CIDR,),
        router_routes_to_pods=False,
        security_groups=(DEFAULT_GROUP, _nodes_group()),
        expected=ExpectedProbes(
            dns=True,
            kubernetes_tcp=True,
            kubernetes_tls=True,
            egress_http=False,
            pod_to_pod=True,
            bulk_transfer=True,
        ),
    ),
    Scenario(
        name="fixed-ovn",
        summary="Pairs added as in fixed, but on ML2/OVN: remote-group rules match fixed IPs only, "
        "so pod-sourced packets still meet no ingress rule (except tcp/6443 from anywhere).",
        allowed_pairs=(POD_CIDR,),
        security_groups=(DEFAULT_GROUP, _nodes_group()),
        backend=NeutronBackend.ML2_OVN,
        expected=_ONLY_POD_TO_POD_BROKEN,
    ),
    Scenario(
        name="port-security-off",
        summary="Fix A: port security disabled (no groups, no pairs) on every node port.",
        port_security=False,
        node_groups=(),
        security_groups=(DEFAULT_GROUP, _nodes_group()),
        expected=_ALL_OK,
    ),
    Scenario(
        name="vxlan-no-4789",
        summary="Calico VXLAN Always with natOutgoing; the node ports carry only k8s-nodes, which "
        "lacks UDP 4789: pod-to-pod (and DNS) break, the rest is masqueraded and passes.",
        encapsulation=Encapsulation.VXLAN,
        nat_outgoing=True,
        node_groups=(seed.NODES_GROUP,),
        security_groups=(DEFAULT_GROUP, _nodes_group()),
        expected=_ONLY_POD_TO_POD_BROKEN,
    ),
    Scenario(
        name="vxlan-ok",
        summary="Calico VXLAN Always with natOutgoing; k8s-nodes allows UDP 4789 from its members.",
        encapsulation=Encapsulation.VXLAN,
        nat_outgoing=True,
        node_groups=(seed.NODES_GROUP,),
        security_groups=(DEFAULT_GROUP, _nodes_group(VXLAN_RULE)),
        expected=_ALL_OK,
    ),
    Scenario(
        name="mtu-bad",
        summary="As vxlan-ok, but the VMs were not told the network MTU: NIC 1500 on a 1450 "
        "network, so Calico picks pod MTU 1450 and full VXLAN frames (1500) are dropped at the "
        "tap. Small requests work, a 4 MiB transfer stalls.",
        encapsulation=Encapsulation.VXLAN,
        nat_outgoing=True,
        vm_nic_mtu=1500,
        node_groups=(seed.NODES_GROUP,),
        security_groups=(DEFAULT_GROUP, _nodes_group(VXLAN_RULE)),
        expected=ExpectedProbes(
            dns=True,
            kubernetes_tcp=True,
            kubernetes_tls=True,
            egress_http=True,
            pod_to_pod=True,
            bulk_transfer=False,
        ),
    ),
)


def scenario_names() -> list[str]:
    """Names of the registered scenarios, in registration order."""
    return [s.name for s in SCENARIOS]


def get_scenario(name: str) -> Scenario:
    """The registered scenario called `name` (LabInputError when unknown)."""
    for scenario in SCENARIOS:
        if scenario.name == name:
            return scenario
    raise LabInputError(
        f"unknown scenario {name!r}", f"choose one of: {', '.join(scenario_names())}"
    )


def lab_id(kind: str, name: str) -> str:
    """A stable uuid for a lab object of `kind` called `name`."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{kind}/{name}"))


# -- Neutron side ------------------------------------------------------------------


def neutron_description(
    scenario: Scenario, topo: Topology
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Ports and security groups as the Neutron REST API would list them for this scenario.

    Shapes follow `GET /v2.0/ports` and `GET /v2.0/security-groups`: node
    ports named like the nodes, MAC and fixed IP of the lab VM, pairs with
    the port's MAC filled in (as Neutron does), plus the router interface
    port 10.0.0.1 (device_owner network:router_interface).
    """
    network_id = lab_id("network", seed.NETWORK_NAME)
    subnet_id = lab_id("subnet", seed.SUBNET_NAME)
    group_ids = {g.name: lab_id("security-group", g.name) for g in scenario.security_groups}
    unknown = {n for n in scenario.node_groups if n not in group_ids}
    unknown |= {
        r.remote_group for g in scenario.security_groups for r in g.rules if r.remote_group
    } - set(group_ids)
    if unknown:
        raise LabInputError(
            f"scenario {scenario.name} names undefined security groups: {', '.join(sorted(unknown))}",
            "define every group a port or rule refers to in security_groups",
        )
    groups = [
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
    ports: list[dict[str, Any]] = [
        {
            "id": lab_id("port", node.name),
            "name": node.name,
            "network_id": network_id,
            "mac_address": node.mac,
            "fixed_ips": [{"subnet_id": subnet_id, "ip_address": node.ip}],
            "allowed_address_pairs": [
                {"ip_address": pair, "mac_address": node.mac} for pair in scenario.allowed_pairs
            ]
            if scenario.port_security
            else [],
            "port_security_enabled": scenario.port_security,
            "security_groups": [group_ids[n] for n in scenario.node_groups]
            if scenario.port_security
            else [],
            "device_owner": "compute:nova",
            "device_id": seed.node_device_id(node.name),
            "revision_number": 1,
        }
        for node in topo.nodes
    ]
    ports.append(
        {
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
    )
    return ports, groups


# -- Kubernetes side ---------------------------------------------------------------


def kubernetes_objects(scenario: Scenario, topo: Topology) -> list[dict[str, Any]]:
    """The cluster as the API server would serve it for this lab.

    Nodes (providerID `openstack:///<device id>`, podCIDR, InternalIP), the
    lab's pods, the `kubernetes` and `kube-dns` services with their
    EndpointSlices, Calico's IPPool and operator Installation, and the
    kubeadm-config and kube-proxy ConfigMaps.
    """
    objects: list[dict[str, Any]] = []
    for node in topo.nodes:
        labels = {"kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux"}
        if node.role == "control-plane":
            labels["node-role.kubernetes.io/control-plane"] = ""
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "name": node.name,
                    "labels": labels,
                    "annotations": {
                        "projectcalico.org/IPv4Address": f"{node.ip}/{topo.network_cidr.split('/')[1]}",
                        "projectcalico.org/IPv4VXLANTunnelAddr": node.vtep_ip,
                    },
                },
                "spec": {
                    "podCIDR": node.pod_cidr,
                    "podCIDRs": [node.pod_cidr],
                    "providerID": f"openstack:///{seed.node_device_id(node.name)}",
                },
                "status": {
                    "addresses": [
                        {"type": "InternalIP", "address": node.ip},
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
        )
    for pod in topo.pods:
        node = topo.node(pod.node)
        labels = {"k8s-app": "kube-dns"} if pod.app == "coredns" else {"app": "echo"}
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
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": pod.name, "namespace": pod.namespace, "labels": labels},
                "spec": {"nodeName": pod.node, "containers": [container]},
                "status": {
                    "phase": "Running",
                    "hostIP": node.ip,
                    "hostIPs": [{"ip": node.ip}],
                    "podIP": pod.ip,
                    "podIPs": [{"ip": pod.ip}],
                },
            }
        )
    for service in topo.services:
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": service.name, "namespace": service.namespace},
                "spec": {
                    "type": "ClusterIP",
                    "clusterIP": service.cluster_ip,
                    "clusterIPs": [service.cluster_ip],
                    "ports": [
                        {
                            "name": p.name,
                            "port": p.port,
                            "protocol": p.protocol,
                            "targetPort": p.target_port,
                        }
                        for p in service.ports
                    ],
                    **({"selector": {"k8s-app": "kube-dns"}} if service.name == "kube-dns" else {}),
                },
            }
        )
        objects.append(
            {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "name": f"{service.name}-lab",
                    "namespace": service.namespace,
                    "labels": {"kubernetes.io/service-name": service.name},
                },
                "addressType": "IPv4",
                "endpoints": [
                    {"addresses": [service.ports[0].target_ip], "conditions": {"ready": True}}
                ],
                "ports": [
                    {"name": p.name, "port": p.target_port, "protocol": p.protocol}
                    for p in service.ports
                ],
            }
        )
    vxlan_mode = {
        Encapsulation.NONE: "Never",
        Encapsulation.VXLAN_CROSS_SUBNET: "CrossSubnet",
        Encapsulation.VXLAN: "Always",
    }[scenario.encapsulation]
    objects.append(
        {
            "apiVersion": "crd.projectcalico.org/v1",
            "kind": "IPPool",
            "metadata": {"name": "default-ipv4-ippool"},
            "spec": {
                "cidr": topo.pod_cidr,
                "ipipMode": "Never",
                "vxlanMode": vxlan_mode,
                "natOutgoing": scenario.nat_outgoing,
                "blockSize": 24,
                "nodeSelector": "all()",
            },
        }
    )
    objects.append(
        {
            "apiVersion": "operator.tigera.io/v1",
            "kind": "Installation",
            "metadata": {"name": "default"},
            "spec": {
                "calicoNetwork": {
                    "ipPools": [
                        {
                            "cidr": topo.pod_cidr,
                            "encapsulation": str(scenario.encapsulation),
                            "natOutgoing": "Enabled" if scenario.nat_outgoing else "Disabled",
                            "blockSize": 24,
                            "nodeSelector": "all()",
                        }
                    ]
                }
            },
            "status": {"mtu": topo.pod_mtu},
        }
    )
    cluster_configuration = {
        "apiVersion": "kubeadm.k8s.io/v1beta4",
        "kind": "ClusterConfiguration",
        "kubernetesVersion": seed.KUBERNETES_VERSION,
        "controlPlaneEndpoint": f"{topo.control_plane.ip}:6443",
        "networking": {
            "podSubnet": topo.pod_cidr,
            "serviceSubnet": topo.service_cidr,
            "dnsDomain": topo.dns_domain,
        },
    }
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "kubeadm-config", "namespace": "kube-system"},
            "data": {"ClusterConfiguration": json.dumps(cluster_configuration, indent=2)},
        }
    )
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "kube-proxy", "namespace": "kube-system"},
            "data": {
                "config.conf": json.dumps(
                    {
                        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
                        "kind": "KubeProxyConfiguration",
                        "mode": "nftables",
                        "clusterCIDR": topo.pod_cidr,
                    },
                    indent=2,
                )
            },
        }
    )
    return objects
