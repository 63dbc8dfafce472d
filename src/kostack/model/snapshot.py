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

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

SCHEMA_VERSION: Final = 1

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse_ip(value: Any) -> IPAddress:
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return value
    if not isinstance(value, str):
        raise ValueError("expected an IP address as a string")
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        raise ValueError(f"not an IP address: {value!r}") from None


def _parse_net(value: Any) -> IPNetwork:
    """Parse a CIDR or a bare address (a /32 or /128); host bits must be zero."""
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a CIDR as a string")
    try:
        return ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as exc:
        raise ValueError(f"not a CIDR: {value!r} ({exc})") from None


def _parse_mac(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a MAC address as a string")
    mac = value.strip().lower().replace("-", ":")
    parts = mac.split(":")
    if len(parts) != 6 or not all(
        len(p) == 2 and all(c in "0123456789abcdef" for c in p) for p in parts
    ):
        raise ValueError(f"not a MAC address: {value!r}")
    return mac


IP = Annotated[IPAddress, BeforeValidator(_parse_ip), PlainSerializer(str, return_type=str)]
CIDR = Annotated[IPNetwork, BeforeValidator(_parse_net), PlainSerializer(str, return_type=str)]
MAC = Annotated[str, BeforeValidator(_parse_mac)]
Name = Annotated[str, Field(max_length=1024)]


class Record(BaseModel):
    """Base for every snapshot record: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_max_length=65536)


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
    fixed_ips: tuple[FixedIP, ...] = ()
    allowed_address_pairs: tuple[AllowedAddressPair, ...] = ()
    port_security_enabled: bool | None = None
    security_group_ids: tuple[str, ...] = ()
    device_id: Name = ""
    device_owner: Name = ""
    revision_number: int | None = None
    status: Name = ""
    project_id: Name | None = None


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
    interface_subnet_ids: tuple[str, ...] = ()
    routes: tuple[RouterRoute, ...] = ()
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
    extensions: tuple[str, ...] | None = None
    networks: tuple[Network, ...] | None = None
    subnets: tuple[Subnet, ...] | None = None
    routers: tuple[Router, ...] | None = None
    ports: tuple[Port, ...] | None = None
    security_groups: tuple[SecurityGroup, ...] | None = None


# --------------------------------------------------------------------------- Kubernetes


class NodeAddress(Record):
    type: Name
    address: Name


class Node(Record):
    name: Name
    roles: tuple[str, ...] = ()
    internal_ip: IP | None = None
    addresses: tuple[NodeAddress, ...] = ()
    provider_id: Name | None = None
    pod_cidrs: tuple[CIDR, ...] = ()
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


class ServiceEndpoint(Record):
    ip: IP
    node: Name | None = None
    pod: Name | None = None
    ready: bool = True
    ports: dict[str, int] = Field(default_factory=dict)


class Service(Record):
    namespace: Name
    name: Name
    type: Name = "ClusterIP"
    cluster_ip: IP | None = None
    ports: tuple[ServicePort, ...] = ()
    endpoints: tuple[ServiceEndpoint, ...] | None = None


EncapMode = Literal["Always", "CrossSubnet", "Never"]


class CalicoIPPool(Record):
    name: Name
    cidr: CIDR
    ipip_mode: EncapMode = "Never"
    vxlan_mode: EncapMode = "Never"
    nat_outgoing: bool = False
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
    mtu: int | None = Field(default=None, ge=68, le=65535)
    mtu_source: Name | None = None
    typha: bool | None = None
    bgp: bool | None = None
    node_to_node_mesh: bool | None = None
    wireguard: bool | None = None


class Flannel(Record):
    network: CIDR | None = None
    backend_type: Literal["vxlan", "host-gw", "wireguard", "udp", "ipip", "ipsec"] | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    direct_routing: bool = False
    ip_masq: bool = True
    mtu: int | None = Field(default=None, ge=68, le=65535)


class Cilium(Record):
    routing_mode: Literal["tunnel", "native"] | None = None
    tunnel_protocol: Literal["vxlan", "geneve"] | None = None
    tunnel_port: int | None = Field(default=None, ge=1, le=65535)
    native_routing_cidr: CIDR | None = None
    masquerade: bool = True
    mtu: int | None = Field(default=None, ge=68, le=65535)
    wireguard: bool | None = None


CNIType = Literal["calico", "flannel", "cilium", "unknown"]


class CNI(Record):
    type: CNIType = "unknown"
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
    pod_cidrs: tuple[CIDR, ...] | None = None
    service_cidrs: tuple[CIDR, ...] | None = None
    cluster_dns_ip: IP | None = None
    dns_domain: Name = "cluster.local"
    kube_proxy_mode: KubeProxyMode | None = None
    cni: CNI = Field(default_factory=CNI)


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
    protocol: Name | None = None
    verdict: ProbeVerdict
    detail: str = ""
    elapsed_ms: float | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


# --------------------------------------------------------------------------- Helm and storage


class HelmRelease(Record):
    name: Name
    namespace: Name
    revision: int
    status: Name
    chart: Name = ""
    chart_version: Name = ""
    app_version: Name = ""
    first_deployed: Name | None = None
    last_deployed: Name | None = None
    manifest_pvcs: tuple[str, ...] = ()
    manifest_statefulsets: tuple[str, ...] = ()
    values_keys: tuple[str, ...] = ()
    secret_name: Name = ""
    extra: dict[str, Any] = Field(default_factory=dict)


class PersistentVolumeClaim(Record):
    namespace: Name
    name: Name
    uid: Name = ""
    storage_class: Name | None = None
    size: Name | None = None
    phase: Name | None = None
    volume_name: Name | None = None
    created: Name | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    owner_refs: tuple[str, ...] = ()
    resource_version: Name | None = None


class PersistentVolume(Record):
    name: Name
    reclaim_policy: Name | None = None
    phase: Name | None = None
    claim: Name | None = None
    created: Name | None = None
    resource_version: Name | None = None


class HelmState(Record):
    releases: tuple[HelmRelease, ...] | None = None
    pvcs: tuple[PersistentVolumeClaim, ...] | None = None
    pvs: tuple[PersistentVolume, ...] | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


# --------------------------------------------------------------------------- the snapshot


class Snapshot(Record):
    schema_version: Literal[1] = SCHEMA_VERSION
    created_at: Name | None = None
    source: Name | None = None
    openstack: OpenStack | None = None
    cluster: Cluster | None = None
    node_ports: tuple[NodePort, ...] | None = None
    gaps: tuple[Gap, ...] = ()
    probes: tuple[ProbeObservation, ...] = ()
    helm: HelmState | None = None

    def gap_for(self, *prefixes: str) -> Gap | None:
        """The first gap whose source starts with one of ``prefixes``, if any."""
        for gap in self.gaps:
            if any(gap.source == p or gap.source.startswith(p + ".") for p in prefixes):
                return gap
        return None
