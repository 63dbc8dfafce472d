"""The snapshot: everything kostack knows about one OpenStack project and one cluster.

A snapshot is the single input of every analysis. It is plain data, versioned
(``schema_version``) and documented in docs/snapshot.md. Collections that were
not collected are ``None`` (unknown), never an empty tuple: an empty tuple
means "collected, and there are none". Checks rely on that difference to answer
UNKNOWN rather than PASS.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, Field

from kostack.model._sets import once_by
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
    IPAddress,
    IPNetwork,
    Name,
    Once,
    Record,
    StrSet,
)

# The records and types defined in kostack.model.types and .helm are part of this module's
# interface: kostack imports every snapshot record from here.
__all__ = [
    "CIDR",
    "CNI",
    "IP",
    "MAC",
    "SCHEMA_VERSION",
    "AllowedAddressPair",
    "CIDRSet",
    "CNIType",
    "Calico",
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
    "IPNetwork",
    "KubeEvent",
    "KubeProxyMode",
    "LoadBalancer",
    "LoadBalancerIngress",
    "LoadBalancerQuota",
    "ManifestObject",
    "ManifestPVC",
    "ManifestStatefulSet",
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
    "WorkloadPod",
]

SCHEMA_VERSION: Final = 2

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
    name: Name = ""
    network_id: Name
    mac_address: MAC
    fixed_ips: Annotated[tuple[FixedIP, ...], Once] = ()
    allowed_address_pairs: Annotated[tuple[AllowedAddressPair, ...], Once] = ()
    port_security_enabled: bool | None = None
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
    description: str = ""


class SecurityGroup(Record):
    id: Name
    name: Name = ""
    project_id: Name | None = None
    revision_number: int | None = None
    stateful: bool = True
    rules: tuple[SecurityGroupRule, ...] = ()


class Network(Record):
    id: Name
    name: Name = ""
    mtu: int | None = Field(default=None, ge=68, le=65535)
    port_security_enabled: bool | None = None
    network_type: Name | None = None
    router_external: bool = False
    project_id: Name | None = None


class Subnet(Record):
    id: Name
    name: Name = ""
    network_id: Name
    cidr: CIDR
    gateway_ip: IP | None = None


class RouterRoute(Record):
    destination: CIDR
    nexthop: IP


class Router(Record):
    id: Name
    name: Name = ""
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
    project_name: Name | None = None
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


class Pod(Record):
    namespace: Name
    name: Name
    node: Name | None = None
    ip: IP | None = None
    phase: Name | None = None
    host_network: bool = False
    labels: dict[str, str] = Field(default_factory=dict)


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


class Service(Record):
    namespace: Name
    name: Name
    type: Name = "ClusterIP"
    cluster_ip: IP | None = None
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


EncapMode = Literal["Always", "CrossSubnet", "Never"]


class CalicoIPPool(Record):
    name: Name
    cidr: CIDR
    ipip_mode: EncapMode = "Never"
    vxlan_mode: EncapMode = "Never"
    # None: not collected (the engine then decides both ways)
    nat_outgoing: bool | None = False
    block_size: int | None = Field(default=None, ge=0, le=128)
    disabled: bool = False
    source: Name | None = None


class CalicoBlock(Record):
    cidr: CIDR
    node: Name | None = None


class Calico(Record):
    install_method: Literal["operator", "manifest", "unknown"] = "unknown"
    ip_pools: tuple[CalicoIPPool, ...] | None = None
    blocks: tuple[CalicoBlock, ...] | None = None
    # The pod MTU as configured or reported (Installation status.mtu, calico-config
    # veth_mtu, Felix's per-encapsulation MTU); None when calico-node detects it.
    mtu: int | None = Field(default=None, ge=68, le=65535)
    mtu_source: Name | None = None
    # True: calico-node derives the MTU from the host interface (veth_mtu "0" or
    # nothing set); False: a value is configured; None: the settings were not read.
    mtu_auto: bool | None = None
    typha: bool | None = None
    bgp: bool | None = None
    node_to_node_mesh: bool | None = None
    wireguard: bool | None = None
    # FelixConfiguration vxlanPort (Calico's default 4789); None when not collected.
    vxlan_port: int | None = Field(default=None, ge=1, le=65535)
    # FelixConfiguration natOutgoingExclusions (Calico 3.31+; "IPPoolsOnly" when unset,
    # which is also how earlier versions behave); None when Felix's settings were not read.
    nat_outgoing_exclusions: Literal["IPPoolsOnly", "IPPoolsAndHostIPs"] | None = None
    # FelixConfiguration programClusterRoutes (Calico 3.31+): Felix, not BIRD, programs
    # the IPIP routes; false when unset (its default, and all earlier versions).
    program_cluster_routes: bool | None = None


class Flannel(Record):
    network: CIDR | None = None
    backend_type: Literal["vxlan", "host-gw", "wireguard", "udp", "ipip", "ipsec"] | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    direct_routing: bool = False
    # None: not collected (flanneld's --ip-masq is a DaemonSet argument)
    ip_masq: bool | None = True
    # net-conf.json Backend.MTU: the MTU flanneld uses instead of the external
    # interface's (the pod MTU is this minus the backend's overhead). None: not set.
    mtu: int | None = Field(default=None, ge=68, le=65535)
    # True when Backend.MTU is unset (flanneld takes the interface MTU); None: not read.
    mtu_auto: bool | None = None
    # flanneld --kube-subnet-mgr: each node's lease is its Node spec.podCIDR.
    # False: leases live in etcd, which kostack cannot read. None: not known.
    kube_subnet_mgr: bool | None = None
    subnet_len: int | None = Field(default=None, ge=1, le=128)


class CiliumNodeIPAM(Record):
    """What Cilium's operator handed one node (CiliumNode spec.ipam)."""

    name: Name
    pod_cidrs: CIDRSet = ()  # spec.ipam.podCIDRs (cluster-pool)
    pool_cidrs: CIDRSet = ()  # spec.ipam.pools.allocated[].cidrs (multi-pool)


class Cilium(Record):
    routing_mode: Literal["tunnel", "native"] | None = None
    # Which key decided routing_mode: "routing-mode" (Cilium 1.14+) or the legacy
    # "tunnel" key (vxlan | geneve | disabled), which agents from 1.15 on ignore.
    routing_key: Literal["routing-mode", "tunnel"] | None = None
    tunnel_protocol: Literal["vxlan", "geneve"] | None = None
    tunnel_port: int | None = Field(default=None, ge=1, le=65535)
    native_routing_cidr: CIDR | None = None
    masquerade: bool | None = True
    # cilium-config "mtu": the MTU of the underlying network, overriding what the
    # agent detects; pods get it minus the tunnel/encryption overhead. None: unset.
    mtu: int | None = Field(default=None, ge=68, le=65535)
    mtu_auto: bool | None = None
    wireguard: bool | None = None
    ipsec: bool = False
    kube_proxy_replacement: bool | None = None
    # cilium-config "ipam" (cluster-pool, multi-pool, kubernetes, crd, eni, ...).
    ipam_mode: Name | None = None
    # cluster-pool-ipv4-cidr / -ipv6-cidr, or the multi-pool pools' CIDRs.
    cluster_pool_cidrs: CIDRSet = ()
    cluster_pool_mask_size: int | None = Field(default=None, ge=1, le=128)
    # CiliumNode objects; None when not read (or the IPAM mode does not use them).
    nodes: tuple[CiliumNodeIPAM, ...] | None = None


CNIType = Literal["calico", "flannel", "cilium", "unknown"]


class CNI(Record):
    type: CNIType = "unknown"
    # The CNI's version ("v3.30.7") and where it was read (an object field or an image).
    version: Name | None = None
    version_source: Name | None = None
    calico: Calico | None = None
    flannel: Flannel | None = None
    cilium: Cilium | None = None


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


# --------------------------------------------------------------------------- links, gaps, probes


class NodePort(Record):
    """Which Neutron port is a node's NIC, and how that was decided."""

    node: Name
    port_id: Name | None = None
    matched_by: Literal["provider_id", "internal_ip", "mac", "manual"] | None = None
    note: str = ""


class Gap(Record):
    """Something kostack tried to collect and could not: the exact error and a hint."""

    source: Name
    error: str
    hint: str = ""


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
    schema_version: Literal[2] = SCHEMA_VERSION
    created_at: Name | None = None
    source: Name | None = None
    openstack: OpenStack | None = None
    cluster: Cluster | None = None
    node_ports: tuple[NodePort, ...] | None = None
    gaps: Annotated[tuple[Gap, ...], Once] = ()
    probes: tuple[ProbeObservation, ...] = ()
    helm: HelmState | None = None

    def gap_for(self, *prefixes: str) -> Gap | None:
        """The first gap whose source starts with one of ``prefixes``, if any."""
        for gap in self.gaps:
            if any(gap.source == p or gap.source.startswith(p + ".") for p in prefixes):
                return gap
        return None
