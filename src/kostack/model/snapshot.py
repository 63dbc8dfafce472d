"""The snapshot: everything kostack knows about one OpenStack project and one cluster.

A snapshot is the single input of every analysis. It is plain data, versioned
(``schema_version``) and documented in docs/snapshot.md. Collections that were
not collected are ``None`` (unknown), never an empty tuple: an empty tuple
means "collected, and there are none". Checks rely on that difference to answer
UNKNOWN rather than PASS.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, Field, model_validator

from kostack.model._sets import once_by
from kostack.model.cni import (
    CNI,
    Antrea,
    Calico,
    CalicoBGPPeer,
    CalicoBlock,
    CalicoIPPool,
    Cilium,
    CiliumNodeIPAM,
    CNIType,
    EncapMode,
    Flannel,
    KubeOvn,
    KubeOvnSubnet,
    KubeRouter,
)
from kostack.model.egress import EgressIPs
from kostack.model.helm import (
    ClaimTemplate,
    ContainerState,
    HelmRelease,
    HelmRevision,
    HelmState,
    KubeEvent,
    ManifestObject,
    ManifestPVC,
    ManifestStatefulSet,
    PersistentVolume,
    PersistentVolumeClaim,
    ReleaseStatus,
    StatefulSet,
    WorkloadPod,
)
from kostack.model.loadbalancer import FloatingIP, LoadBalancer, LoadBalancerQuota
from kostack.model.types import (
    CIDR,
    IP,
    MAC,
    CIDRSet,
    Gap,
    IPAddress,
    IPNetwork,
    Label,
    Name,
    Once,
    Record,
    StrSet,
    Text,
)
from kostack.model.vip import (
    KubeVip,
    LabelSelector,
    MetalLB,
    MetalLBAdvertisement,
    MetalLBPool,
    VirtualIPs,
)

# The records and types defined in kostack.model.types and .helm are part of this module's
# interface: kostack imports every snapshot record from here.
__all__ = [
    "CIDR",
    "CNI",
    "IP",
    "MAC",
    "SCHEMA_VERSION",
    "AllocationPool",
    "AllowedAddressPair",
    "Antrea",
    "CIDRSet",
    "CNIType",
    "Calico",
    "CalicoBGPPeer",
    "CalicoBlock",
    "CalicoIPPool",
    "Cilium",
    "CiliumNodeIPAM",
    "ClaimTemplate",
    "Cluster",
    "ContainerState",
    "Direction",
    "EncapMode",
    "EtherType",
    "FixedIP",
    "Flannel",
    "FloatingIP",
    "Gap",
    "HelmRelease",
    "HelmRevision",
    "HelmState",
    "IPAddress",
    "IPFamily",
    "IPFamilyPolicy",
    "IPNetwork",
    "IPv6Mode",
    "KubeEvent",
    "KubeOvn",
    "KubeOvnSubnet",
    "KubeProxyMode",
    "KubeRouter",
    "KubeVip",
    "Label",
    "LabelSelector",
    "LoadBalancer",
    "LoadBalancerIngress",
    "LoadBalancerQuota",
    "ManifestObject",
    "ManifestPVC",
    "ManifestStatefulSet",
    "MetalLB",
    "MetalLBAdvertisement",
    "MetalLBPool",
    "Name",
    "Network",
    "NeutronBackend",
    "Node",
    "NodeAddress",
    "NodePort",
    "Once",
    "OpenStack",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Pod",
    "Port",
    "ProbeObservation",
    "ProbeVerdict",
    "Record",
    "ReleaseStatus",
    "Router",
    "RouterRoute",
    "SecurityGroup",
    "SecurityGroupRule",
    "Service",
    "ServiceEndpoint",
    "ServicePort",
    "ServiceProtocol",
    "Snapshot",
    "StatefulSet",
    "StrSet",
    "Subnet",
    "Text",
    "VirtualIPs",
    "WorkloadPod",
]

SCHEMA_VERSION: Final = 3

# --------------------------------------------------------------------------- OpenStack


class FixedIP(Record):
    subnet_id: str | None = None
    ip_address: IP


class AllowedAddressPair(Record):
    """Neutron allowed address pair; ``mac_address`` None means the port's own MAC."""

    ip_address: CIDR
    mac_address: MAC | None = None


class Port(Record):
    id: Name
    name: Label = ""
    network_id: Name
    mac_address: MAC
    fixed_ips: Annotated[tuple[FixedIP, ...], Once] = ()
    allowed_address_pairs: Annotated[tuple[AllowedAddressPair, ...], Once] = ()
    port_security_enabled: bool | None = None
    # false: Neutron passes no packet through the port (docs/facts.md "Port admin state")
    admin_state_up: bool | None = None
    # binding:vnic_type: not "normal" may mean Neutron's firewall does not filter the port
    # (SR-IOV, bare metal: docs/facts.md "Ports Neutron's firewall may not filter")
    vnic_type: Name | None = None
    # binding:vif_type (admin-only): how the port was bound, which tells whether it is filtered
    vif_type: Name | None = None
    security_group_ids: StrSet = ()
    device_id: Name = ""
    device_owner: Name = ""
    revision_number: int | None = None
    status: Name = ""
    project_id: Name | None = None
    # Neutron tags (standard-attr-tag): `kostack guard` marks the pairs it added with them.
    tags: tuple[str, ...] = ()


Direction = Literal["ingress", "egress"]
EtherType = Literal["IPv4", "IPv6"]


class SecurityGroupRule(Record):
    id: Name
    direction: Direction
    ethertype: EtherType = "IPv4"
    protocol: str | None = Field(default=None, max_length=32)
    port_range_min: int | None = Field(default=None, ge=0, le=65535)
    port_range_max: int | None = Field(default=None, ge=0, le=65535)
    remote_ip_prefix: CIDR | None = None
    remote_group_id: str | None = None
    remote_address_group_id: str | None = None
    description: Text = ""


class SecurityGroup(Record):
    id: Name
    name: Label = ""
    project_id: Name | None = None
    revision_number: int | None = None
    stateful: bool = True
    rules: tuple[SecurityGroupRule, ...] = ()


class Network(Record):
    id: Name
    name: Label = ""
    mtu: int | None = Field(default=None, ge=68, le=65535)
    port_security_enabled: bool | None = None
    network_type: Name | None = None
    router_external: bool = False
    project_id: Name | None = None


IPv6Mode = Literal["slaac", "dhcpv6-stateful", "dhcpv6-stateless"]


class AllocationPool(Record):
    """A range Neutron hands fixed IPs from (start and end included)."""

    start: IP
    end: IP


class Subnet(Record):
    id: Name
    name: Label = ""
    network_id: Name
    cidr: CIDR
    gateway_ip: IP | None = None
    # Neutron's ip_version; None in a hand-written snapshot means the CIDR's family.
    ip_version: Literal[4, 6] | None = None
    # IPv6 subnets only: who sends router advertisements and how ports get addresses
    # (None: not set, so no RA from Neutron's router; docs/snapshot.md).
    ipv6_ra_mode: IPv6Mode | None = None
    ipv6_address_mode: IPv6Mode | None = None
    enable_dhcp: bool | None = None
    # None: not collected (a hand-written snapshot): an address's fate is then unknown
    allocation_pools: tuple[AllocationPool, ...] | None = None

    @model_validator(mode="after")
    def _family_agrees(self) -> Subnet:
        if self.ip_version is not None and self.ip_version != self.cidr.version:
            raise ValueError(
                f"ip_version {self.ip_version} but cidr {self.cidr} is IPv{self.cidr.version}"
            )
        if self.cidr.version == 4 and (self.ipv6_ra_mode or self.ipv6_address_mode):
            raise ValueError("ipv6_ra_mode / ipv6_address_mode on an IPv4 subnet")
        if self.gateway_ip is not None and self.gateway_ip.version != self.cidr.version:
            raise ValueError(f"gateway_ip {self.gateway_ip} is not in the family of {self.cidr}")
        return self

    @property
    def version(self) -> int:
        return self.cidr.version


class RouterRoute(Record):
    destination: CIDR
    nexthop: IP


class Router(Record):
    id: Name
    name: Label = ""
    external_network_id: Name | None = None
    enable_snat: bool | None = None
    interface_subnet_ids: StrSet = ()
    routes: Annotated[tuple[RouterRoute, ...], Once] = ()
    revision_number: int | None = None


NeutronBackend = Literal["ml2/ovs", "ml2/ovn"]


class OpenStack(Record):
    cloud: Name | None = None
    region: Name | None = None
    project_id: Name | None = None
    project_name: Label | None = None
    release: Name | None = None
    backend: NeutronBackend | None = None
    backend_source: Name | None = None
    extensions: StrSet | None = None
    networks: tuple[Network, ...] | None = None
    subnets: tuple[Subnet, ...] | None = None
    routers: tuple[Router, ...] | None = None
    ports: tuple[Port, ...] | None = None
    security_groups: tuple[SecurityGroup, ...] | None = None
    floating_ips: tuple[FloatingIP, ...] | None = None
    # subnet id -> routers with an interface on it that the router listing did not return
    # (another project's: docs/facts.md "Routers of another project"); None: not readable
    unlisted_routers: dict[str, StrSet] | None = Field(default_factory=dict)
    # Octavia (docs/loadbalancer.md); None: not collected (no load-balancer endpoint, or failed)
    load_balancers: tuple[LoadBalancer, ...] | None = None
    load_balancer_quota: LoadBalancerQuota | None = None


# --------------------------------------------------------------------------- Kubernetes


class NodeAddress(Record):
    type: Name
    address: Name


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
    # only the OpenStack cloud controller's keys (loadbalancer.openstack.org/*, ...)
    annotations: dict[str, str] = Field(default_factory=dict)
    load_balancer_ingress: tuple[LoadBalancerIngress, ...] = ()

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
    cni: CNI = Field(default_factory=CNI)
    # Events about type LoadBalancer services (the cloud controller's reasons); None: not read
    service_events: tuple[KubeEvent, ...] | None = None
    # MetalLB, kube-vip, controlPlaneEndpoint (model/vip.py); None: not known (pods unread)
    virtual_ips: VirtualIPs | None = Field(default_factory=VirtualIPs)
    # Antrea Egress, Cilium egress gateway (model/egress.py); None: not collected
    egress_ips: EgressIPs | None = None


# --------------------------------------------------------------------------- links, gaps, probes


class NodePort(Record):
    """Which Neutron port is a node's NIC, and how that was decided.

    ``note`` is English; ``note_key``/``note_params`` name the catalogue message it was said
    with (as a `Gap`'s ``key``/``params`` do), so a reader can say it in another language.
    """

    node: Name
    port_id: Name | None = None
    matched_by: Literal["provider_id", "internal_ip", "mac", "manual"] | None = None
    note: str = ""
    note_key: Name | None = None
    note_params: dict[str, Any] = Field(default_factory=dict)

    def __hash__(self) -> int:  # the parameters are a dict; equal links have equal notes
        return hash((self.node, self.port_id, self.matched_by, self.note, self.note_key))


ProbeVerdict = Literal["pass", "fail", "error", "expected-no-reply", "skipped"]


class ProbeObservation(Record):
    id: Name
    kind: Name
    source_node: Name | None = None
    source_pod: Name | None = None
    source_ip: IP | None = None
    target: Name
    target_ip: IP | None = None
    target_port: int | None = None
    # The node of a pod target ("a pod on node X"); None for services, nodes, outside.
    target_node: Name | None = None
    protocol: Name | None = None
    verdict: ProbeVerdict
    detail: str = ""
    elapsed_ms: float | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


# --------------------------------------------------------------------------- the snapshot


class Snapshot(Record):
    schema_version: Literal[3] = SCHEMA_VERSION
    created_at: Name | None = None
    source: Name | None = None
    openstack: OpenStack | None = None
    cluster: Cluster | None = None
    node_ports: tuple[NodePort, ...] | None = None
    gaps: Annotated[tuple[Gap, ...], Once] = ()
    probes: tuple[ProbeObservation, ...] = ()
    helm: HelmState | None = None

    def gap_for(self, *prefixes: str) -> Gap | None:
        """The first gap whose source starts with the first of ``prefixes`` that has one
        (``gap_for("openstack.load_balancers", "openstack")`` prefers Octavia's own gap)."""
        for p in prefixes:
            for gap in self.gaps:
                if gap.source == p or gap.source.startswith(p + "."):
                    return gap
        return None
