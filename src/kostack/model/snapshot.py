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
    mtu: int | None = Field(default=None, ge=68, le=65535)
    mtu_source: Name | None = None
    typha: bool | None = None
    bgp: bool | None = None
    node_to_node_mesh: bool | None = None
    wireguard: bool | None = None
    # FelixConfiguration vxlanPort (Calico's default 4789); None when not collected.
    vxlan_port: int | None = Field(default=None, ge=1, le=65535)
    # FelixConfiguration natOutgoingExclusions (Calico 3.31): IPPoolsAndHostIPs keeps the
    # pod source on pod -> node traffic too; None when not collected (Felix's default
    # is IPPoolsOnly).
    nat_outgoing_exclusions: Literal["IPPoolsOnly", "IPPoolsAndHostIPs"] | None = None


class Flannel(Record):
    network: CIDR | None = None
    backend_type: Literal["vxlan", "host-gw", "wireguard", "udp", "ipip", "ipsec"] | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    direct_routing: bool = False
    # None: not collected (flanneld's --ip-masq is a DaemonSet argument)
    ip_masq: bool | None = True
    mtu: int | None = Field(default=None, ge=68, le=65535)


class Cilium(Record):
    routing_mode: Literal["tunnel", "native"] | None = None
    tunnel_protocol: Literal["vxlan", "geneve"] | None = None
    tunnel_port: int | None = Field(default=None, ge=1, le=65535)
    native_routing_cidr: CIDR | None = None
    masquerade: bool | None = True
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
    # The node of a pod target ("a pod on node X"); None for services, nodes, outside.
    target_node: Name | None = None
    protocol: Name | None = None
    verdict: ProbeVerdict
    detail: str = ""
    elapsed_ms: float | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


# --------------------------------------------------------------------------- Helm and storage
#
# What `kostack release` reads (collect/helm.py) about Helm releases and the
# storage around them. Release values are NEVER stored: only their key paths
# (`values_keys`, secret-looking leaves marked in `secret_keys`) and a short
# allow-list of naming/persistence settings (`settings`) that ownership needs.
# Rendered manifests are not stored either (they hold Secrets); only the
# objects they declare (`objects`), with PVC and StatefulSet details.

ReleaseStatus = Literal[
    "unknown",
    "deployed",
    "uninstalled",
    "superseded",
    "failed",
    "uninstalling",
    "pending-install",
    "pending-upgrade",
    "pending-rollback",
]


class HelmRevision(Record):
    """One stored revision of a release (one `sh.helm.release.v1.NAME.vN` Secret)."""

    revision: int = Field(ge=1)
    status: ReleaseStatus
    chart: Name = ""
    chart_version: Name = ""
    app_version: Name = ""
    first_deployed: Name | None = None
    last_deployed: Name | None = None
    deleted: Name | None = None
    description: str = Field(default="", max_length=2048)
    storage_object: Name = ""


class ManifestObject(Record):
    """An object a release's manifest declares (namespace None: the release namespace)."""

    api_version: Name
    kind: Name
    name: Name
    namespace: Name | None = None
    keep: bool = False


class ClaimTemplate(Record):
    """A StatefulSet volumeClaimTemplate: PVCs `<name>-<statefulset>-<ordinal>` come from it."""

    name: Name
    labels: dict[str, str] = Field(default_factory=dict)
    size: Name | None = None
    storage_class: Name | None = None


class ManifestStatefulSet(Record):
    namespace: Name | None = None
    name: Name
    replicas: int | None = Field(default=None, ge=0)
    selector: dict[str, str] = Field(default_factory=dict)
    claim_templates: tuple[ClaimTemplate, ...] = ()
    claim_volumes: tuple[str, ...] = ()  # existingClaim-style PVCs the pod template mounts


class ManifestPVC(Record):
    namespace: Name | None = None
    name: Name
    labels: dict[str, str] = Field(default_factory=dict)
    keep: bool = False
    size: Name | None = None
    storage_class: Name | None = None


class HelmRelease(Record):
    """The newest revision of a release, its history and what its manifest declares."""

    name: Name
    namespace: Name
    revision: int = Field(ge=1)
    status: ReleaseStatus
    chart: Name = ""
    chart_version: Name = ""
    app_version: Name = ""
    first_deployed: Name | None = None
    last_deployed: Name | None = None
    description: str = Field(default="", max_length=2048)
    storage: Literal["secret", "configmap"] = "secret"
    storage_object: Name = ""
    storage_resource_version: Name | None = None
    history: tuple[HelmRevision, ...] = ()
    objects: tuple[ManifestObject, ...] = ()
    manifest_pvcs: tuple[ManifestPVC, ...] = ()
    manifest_statefulsets: tuple[ManifestStatefulSet, ...] = ()
    values_keys: tuple[str, ...] = ()
    secret_keys: tuple[str, ...] = ()
    settings: dict[str, str] = Field(default_factory=dict)


class PersistentVolumeClaim(Record):
    namespace: Name
    name: Name
    uid: Name = ""
    storage_class: Name | None = None
    size: Name | None = None
    access_modes: tuple[str, ...] = ()
    phase: Name | None = None
    volume_name: Name | None = None
    created: Name | None = None
    deleting: bool = False
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    owner_refs: tuple[str, ...] = ()  # "Kind/name"
    resource_version: Name | None = None


class PersistentVolume(Record):
    name: Name
    uid: Name = ""
    reclaim_policy: Name | None = None
    phase: Name | None = None
    claim_namespace: Name | None = None
    claim_name: Name | None = None
    claim_uid: Name | None = None
    storage_class: Name | None = None
    capacity: Name | None = None
    source: Name | None = None  # "csi cinder.csi.openstack.org <volumeHandle>", "hostPath /x"
    created: Name | None = None
    resource_version: Name | None = None

    @property
    def claim(self) -> str | None:
        if self.claim_namespace and self.claim_name:
            return f"{self.claim_namespace}/{self.claim_name}"
        return None


class StatefulSet(Record):
    namespace: Name
    name: Name
    replicas: int | None = None
    ready_replicas: int | None = None
    selector: dict[str, str] = Field(default_factory=dict)
    claim_templates: tuple[str, ...] = ()
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    retention_when_deleted: Name | None = None
    created: Name | None = None


class ContainerState(Record):
    """One container of a pod: readiness, restarts and how it last ended (no env, no args)."""

    name: Name
    ready: bool = False
    started: bool | None = None
    restart_count: int = 0
    state: Name = ""  # running | waiting | terminated
    reason: Name = ""  # CrashLoopBackOff, ImagePullBackOff, Error...
    message: str = Field(default="", max_length=1024)
    last_reason: Name = ""
    last_exit_code: int | None = None
    last_message: str = Field(default="", max_length=1024)
    last_finished: Name | None = None


class WorkloadPod(Record):
    """A pod in a namespace that holds releases, with what explains why it is not ready."""

    namespace: Name
    name: Name
    node: Name | None = None
    ip: IP | None = None
    phase: Name | None = None
    ready: bool | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    owner: Name | None = None  # "ReplicaSet/harbor-core-7d9f8b6c5d", "StatefulSet/harbor-database"
    claims: tuple[str, ...] = ()
    containers: tuple[ContainerState, ...] = ()
    log_lines: tuple[str, ...] = ()  # error lines from the last (previous) container log, redacted
    created: Name | None = None


class KubeEvent(Record):
    namespace: Name
    kind: Name  # involved object kind
    name: Name  # involved object name
    type: Name = "Normal"
    reason: Name = ""
    message: str = Field(default="", max_length=1024)
    count: int = 1
    last_seen: Name | None = None


class HelmState(Record):
    """Helm releases (all namespaces) and the storage and workloads around them."""

    releases: tuple[HelmRelease, ...] | None = None
    pvcs: tuple[PersistentVolumeClaim, ...] | None = None
    pvs: tuple[PersistentVolume, ...] | None = None
    statefulsets: tuple[StatefulSet, ...] | None = None
    pods: tuple[WorkloadPod, ...] | None = None
    events: tuple[KubeEvent, ...] | None = None
    namespaces: tuple[str, ...] | None = None
    # The kubeconfig context's namespace: where `helm install` without -n puts a release.
    context_namespace: Name | None = None


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
