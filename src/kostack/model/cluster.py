"""The Kubernetes side of a snapshot: nodes, pods, services and the `Cluster` that holds them
with its pod and service ranges, its CNI and its virtual IPs.

Part of the snapshot (model/snapshot.py re-exports every record: import them from there).
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, Field, model_validator

from kostack.model._sets import once_by
from kostack.model.cni import CNI
from kostack.model.egress import EgressIPs
from kostack.model.helm import KubeEvent
from kostack.model.node_ports import NodePortAddress, primary_alone
from kostack.model.types import CIDR, IP, CIDRSet, IPAddress, Name, Once, Record, StrSet
from kostack.model.vip import VirtualIPs


class NodeAddress(Record):
    type: Name
    address: Name


# kubeadm puts it on control plane nodes; a node carrying it (any value) is no load balancer
# member for a cloud provider (k8s.io/api core/v1 LabelNodeExcludeBalancers) and announces
# nothing for MetalLB unless its speaker runs with --ignore-exclude-lb
EXCLUDE_LABEL: Final = "node.kubernetes.io/exclude-from-external-load-balancers"


class Node(Record):
    name: Name
    roles: StrSet = ()
    internal_ip: IP | None = None
    addresses: Annotated[tuple[NodeAddress, ...], Once] = ()
    provider_id: Name | None = None
    pod_cidrs: CIDRSet = ()
    labels: dict[str, str] = Field(default_factory=dict)
    kubelet_version: Name | None = None
    os_image: Name | None = None
    kernel_version: Name | None = None
    container_runtime: Name | None = None
    ready: bool | None = None
    # the NetworkUnavailable condition is True (None: no such condition, or not read)
    network_unavailable: bool | None = None
    # the taint node.cloudprovider.kubernetes.io/uninitialized is on it: kubelet runs with
    # --cloud-provider=external and no cloud node controller has initialised it yet
    # (None: not read)
    uninitialized: bool | None = None

    @property
    def is_control_plane(self) -> bool:
        return "control-plane" in self.roles or "master" in self.roles

    @property
    def internal_ips(self) -> tuple[IPAddress, ...]:
        """Every InternalIP (a dual-stack node has one per family), ``internal_ip`` first."""
        out = [self.internal_ip] if self.internal_ip is not None else []
        for a in self.addresses:
            if a.type == "InternalIP":
                ip = _ip_or_none(a.address)
                if ip is not None and ip not in out:
                    out.append(ip)
        return tuple(out)


# kubeovn/kube-ovn pkg/util/const.go: IPAddressAnnotation, IPPoolAnnotation, LogicalSwitchAnnotation
KUBE_OVN_POD_KEYS = ("ip_address", "ip_pool", "logical_switch")


class Pod(Record):
    namespace: Name
    name: Name
    node: Name | None = None
    # status.podIP (the primary address) and status.podIPs (one per family on a
    # dual-stack cluster, the primary first); ips empty: only ``ip`` is known.
    ip: IP | None = None
    ips: Annotated[tuple[IP, ...], Once] = ()
    phase: Name | None = None
    host_network: bool = False
    labels: dict[str, str] = Field(default_factory=dict)
    # Kube-OVN's own annotations, by the key after ovn.kubernetes.io/ (KUBE_OVN_POD_KEYS): the
    # address a pod asks for or was given, the addresses or IPPool it draws from, its Subnet
    kube_ovn: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _primary_first(self) -> Pod:
        _check_families(self.ip, self.ips, "podIPs")
        return self

    @property
    def addresses(self) -> tuple[IPAddress, ...]:
        """Every address of the pod (one per family), the primary first."""
        return _all_of(self.ip, self.ips)


ServiceProtocol = Literal["TCP", "UDP", "SCTP"]


class ServicePort(Record):
    name: Name = ""
    port: int = Field(ge=1, le=65535)
    protocol: ServiceProtocol = "TCP"
    target_port: int | None = Field(default=None, ge=1, le=65535)
    node_port: int | None = Field(default=None, ge=1, le=65535)


class ServiceEndpoint(Record):
    ip: IP
    node: Name | None = None
    pod: Name | None = None
    ready: bool = True
    ports: dict[str, int] = Field(default_factory=dict)


class LoadBalancerIngress(Record):
    """One entry of a Service's status.loadBalancer.ingress."""

    ip: IP | None = None
    hostname: Name | None = None
    ip_mode: Name | None = None  # VIP | Proxy


def _endpoint_key(ep: ServiceEndpoint) -> tuple[object, ...]:
    return (ep.ip, ep.node, ep.pod, ep.ready, tuple(sorted(ep.ports.items())))


IPFamily = Literal["IPv4", "IPv6"]
IPFamilyPolicy = Literal["SingleStack", "PreferDualStack", "RequireDualStack"]


class Service(Record):
    namespace: Name
    name: Name
    type: Name = "ClusterIP"
    # spec.clusterIP (the primary) and spec.clusterIPs (one per family, the primary first);
    # cluster_ips empty: only ``cluster_ip`` is known.
    cluster_ip: IP | None = None
    cluster_ips: Annotated[tuple[IP, ...], Once] = ()
    # spec.ipFamilies (primary first) and spec.ipFamilyPolicy; () / None: not set or not read
    ip_families: Annotated[tuple[IPFamily, ...], Once] = ()
    ip_family_policy: IPFamilyPolicy | None = None
    ports: Annotated[tuple[ServicePort, ...], Once] = ()
    # an exact repeat of an endpoint is one endpoint
    endpoints: (
        Annotated[tuple[ServiceEndpoint, ...], AfterValidator(once_by(_endpoint_key))] | None
    ) = None
    # type LoadBalancer (and NodePort) services; docs/loadbalancer.md
    uid: Name | None = None
    created: Name | None = None
    external_traffic_policy: Name | None = None  # Cluster | Local
    health_check_node_port: int | None = Field(default=None, ge=1, le=65535)
    load_balancer_source_ranges: tuple[CIDR, ...] = ()
    load_balancer_class: Name | None = None
    allocate_load_balancer_node_ports: bool | None = None
    # only the OpenStack cloud controller's keys (loadbalancer.openstack.org/*, ...) and
    # Antrea's service.antrea.io/external-ip-pool
    annotations: dict[str, str] = Field(default_factory=dict)
    load_balancer_ingress: tuple[LoadBalancerIngress, ...] = ()
    # a Service of type LoadBalancer's labels: what a CiliumLoadBalancerIPPool's
    # serviceSelector matches (empty: none, or not read)
    labels: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _primary_first(self) -> Service:
        _check_families(self.cluster_ip, self.cluster_ips, "clusterIPs")
        return self

    @property
    def cluster_addresses(self) -> tuple[IPAddress, ...]:
        """Every ClusterIP (one per family), the primary first."""
        return _all_of(self.cluster_ip, self.cluster_ips)


def _ip_or_none(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _all_of(primary: IPAddress | None, every: tuple[IPAddress, ...]) -> tuple[IPAddress, ...]:
    if not every:
        return (primary,) if primary is not None else ()
    return every


def _check_families(primary: IPAddress | None, every: tuple[IPAddress, ...], what: str) -> None:
    """Kubernetes: the list holds at most one address per family, the primary first."""
    if not every:
        return
    if primary is not None and every[0] != primary:
        raise ValueError(f"{what}[0] {every[0]} is not the primary address {primary}")
    if len(every) > 2 or len({ip.version for ip in every}) != len(every):
        raise ValueError(
            f"{what} holds at most one address per family: {', '.join(map(str, every))}"
        )


KubeProxyMode = Literal["iptables", "ipvs", "nftables", "none"]


class Cluster(Record):
    name: Name | None = None
    kubernetes_version: Name | None = None
    nodes: tuple[Node, ...] | None = None
    pods: tuple[Pod, ...] | None = None
    services: tuple[Service, ...] | None = None
    # The ranges pods really get addresses from: the CNI's pools (Calico IP pools,
    # Cilium's cluster pool, Flannel's Network), else the cluster CIDR.
    pod_cidrs: CIDRSet | None = None
    pod_cidrs_source: Name | None = None
    # kube-controller-manager's --cluster-cidr (kubeadm podSubnet): where Node
    # spec.podCIDRs come from, whether or not the CNI uses them.
    cluster_cidrs: CIDRSet | None = None
    service_cidrs: CIDRSet | None = None
    cluster_dns_ip: IP | None = None
    dns_domain: Name = "cluster.local"
    kube_proxy_mode: KubeProxyMode | None = None
    # No kube-proxy seen where it would run (its ConfigMap 404, no pod of it listed, not k3s or
    # MicroK8s) and no replacement: what translates ClusterIPs is not known (a systemd unit,
    # or nothing). False in snapshots from before the field.
    kube_proxy_absent: bool = False
    # ConfigMap kube-system/kubeadm-config read: kubeadm made the cluster, and kubeadm runs
    # kube-proxy as a DaemonSet, never outside pods; False: it answered 404; None: not read
    kubeadm: bool | None = None
    # kube-proxy's pods listed (kubeadm's DaemonSet, a static pod); None: the pods were not
    # listed, kube-proxy runs inside another process (k3s, MicroK8s) or a snapshot from before
    # the field. 0 beside a kept ConfigMap: kube-proxy was removed (engine/node_ports.py).
    kube_proxy_pods: int | None = Field(default=None, ge=0)
    # kube-proxy's nodePortAddresses as written (config.conf, or --nodeport-addresses): CIDRs,
    # or the one word "primary"; () unset (every address); None: not read (model/node_ports.py)
    kube_proxy_node_port_addresses: Annotated[
        tuple[NodePortAddress, ...] | None, AfterValidator(primary_alone)
    ] = None
    cni: CNI = Field(default_factory=CNI)
    # Events about type LoadBalancer services (the cloud controller's reasons); None: not read
    service_events: tuple[KubeEvent, ...] | None = None
    # MetalLB, kube-vip, controlPlaneEndpoint (model/vip.py); None: not known (pods unread)
    virtual_ips: VirtualIPs | None = Field(default_factory=VirtualIPs)
    # Antrea Egress, Cilium egress gateway (model/egress.py); None: not collected
    egress_ips: EgressIPs | None = None
