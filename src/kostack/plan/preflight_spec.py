"""What preflight is asked, and what it answers: the spec, the result, the rules a CNI needs.

The inputs (`PreflightSpec`: planned nodes, CIDRs, CNI and mode, optionally
an OpenStack record) are checked by `validate`; `needed_rules` is exactly
what the CNI and the control plane need between nodes, and
`encapsulation_overhead` what the CNI adds to every packet. The planned
snapshot is built in `kostack.plan.preflight_world`, the whole run in
`kostack.plan.preflight`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kostack.analyze.diagnose import Diagnosis
from kostack.model.snapshot import (
    IPAddress,
    IPNetwork,
    Network,
    NeutronBackend,
    OpenStack,
    Port,
    Router,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
)
from kostack.plan.build import ref
from kostack.plan.model import RootCauseRef, Route, Rule

CNI_MODES: dict[str, tuple[str, ...]] = {
    "calico": ("vxlan-crosssubnet", "vxlan", "ipip", "ipip-crosssubnet", "none"),
    "flannel": ("vxlan", "host-gw"),
    "cilium": ("vxlan", "geneve", "native"),
}
# The placeholder id of the group preflight recommends; renderers put its name or reference in.
GROUP_ID = "kostack-preflight-group"
PLANNED_NETWORK_ID = "planned-network"
PLANNED_ROUTER_ID = "planned-router"
DEFAULT_GROUP_ID = "project-default-group"
BLOCK_PREFIX_V4 = 26  # Calico's default blockSize
NODE_MASK_V4 = 24  # kubeadm's default --node-cidr-mask-size for IPv4


class PreflightError(ValueError):
    """Inputs that cannot describe a cluster (message and hint)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class PlannedNode:
    name: str
    ip: IPAddress
    control_plane: bool = False


@dataclass(frozen=True)
class PreflightSpec:
    """What is planned: nodes, CIDRs, CNI; and what exists (an OpenStack record, optional)."""

    pod_cidr: IPNetwork
    service_cidr: IPNetwork
    cni: str
    mode: str
    nodes: tuple[PlannedNode, ...]
    nat_outgoing: bool = True
    bgp: bool | None = None
    typha: bool | None = None
    wireguard: bool = False
    pod_mtu: int | None = None
    backend: NeutronBackend | None = None
    network_mtu: int | None = None
    subnet_cidr: IPNetwork | None = None
    group_name: str = "k8s-nodes"
    service_pair: bool = True
    openstack: OpenStack | None = None
    network_id: str | None = None

    @property
    def native_pods(self) -> bool:
        """Whether pod-sourced packets cross the tenant network unencapsulated (same subnet)."""
        return self.mode in ("vxlan-crosssubnet", "ipip-crosssubnet", "none", "host-gw", "native")

    @property
    def bgp_on(self) -> bool:
        if self.bgp is not None:
            return self.bgp
        return self.cni == "calico" and self.mode in (
            "ipip",
            "ipip-crosssubnet",
            "none",
            "vxlan-crosssubnet",
        )

    @property
    def typha_on(self) -> bool:
        if self.typha is not None:
            return self.typha
        return self.cni == "calico"  # the Tigera operator deploys Typha

    def describe_cni(self) -> str:
        names = {
            "vxlan-crosssubnet": "VXLANCrossSubnet",
            "vxlan": "VXLAN Always",
            "ipip": "IPIP Always",
            "ipip-crosssubnet": "IPIP CrossSubnet",
            "none": "no encapsulation (BGP)",
            "host-gw": "host-gw",
            "geneve": "Geneve tunnel",
            "native": "native routing",
        }
        mode = names.get(self.mode, self.mode)
        extras = [f"natOutgoing {'on' if self.nat_outgoing else 'off'}"]
        if self.cni == "calico":
            extras.append(f"BGP {'on' if self.bgp_on else 'off'}")
            extras.append(f"Typha {'on' if self.typha_on else 'off'}")
        if self.wireguard:
            extras.append("WireGuard on")
        return f"{self.cni.capitalize()} {mode} ({', '.join(extras)})"


@dataclass(frozen=True)
class NeededRule:
    """A rule of the recommended group, with why it is there and a short name."""

    rule: Rule
    why: str
    slug: str


@dataclass(frozen=True)
class PortPlan:
    """How one node's port should be: created, or an existing one changed."""

    node: str
    ip: str
    subnet_id: str
    subnet_name: str
    existing: Port | None
    pairs: tuple[str, ...]
    not_for_traffic: tuple[str, ...]
    control_plane: bool


@dataclass(frozen=True)
class PreflightResult:
    spec: PreflightSpec
    network: Network
    subnets: tuple[Subnet, ...]
    router: Router | None
    current: Diagnosis
    rules: tuple[NeededRule, ...]
    ports: tuple[PortPlan, ...]
    routes: tuple[Route, ...]
    remaining: tuple[RootCauseRef, ...]
    overhead: int
    overhead_kind: str
    recommended_mtu: int
    notes: tuple[str, ...] = field(default_factory=tuple)
    existing_group: SecurityGroup | None = (
        None  # a group with the chosen name exists: rules go there
    )
    rules_present: tuple[NeededRule, ...] = ()  # needed rules that group already has

    @property
    def group_id(self) -> str:
        return self.existing_group.id if self.existing_group is not None else GROUP_ID

    @property
    def breaks(self) -> tuple[RootCauseRef, ...]:
        return tuple(ref(rc) for rc in self.current.root_causes)


def validate(spec: PreflightSpec) -> None:
    """Raise `PreflightError` (with a hint) for inputs that cannot describe a cluster."""
    if spec.cni not in CNI_MODES:
        raise PreflightError(f"unknown CNI {spec.cni!r}", f"use one of {', '.join(CNI_MODES)}")
    if spec.mode not in CNI_MODES[spec.cni]:
        raise PreflightError(
            f"{spec.cni} has no mode {spec.mode!r}",
            f"{spec.cni} modes: {', '.join(CNI_MODES[spec.cni])}",
        )
    if not spec.nodes:
        raise PreflightError(
            "no nodes: give planned node IPs (--node IP) or a network with node ports",
            "e.g. --node 10.0.0.11=k8s-cp-1 --node 10.0.0.12=k8s-w-1",
        )
    names = [n.name for n in spec.nodes]
    if len(set(names)) != len(names):
        raise PreflightError("two nodes share a name", "give every node its own name")
    ips = [n.ip for n in spec.nodes]
    if len(set(ips)) != len(ips):
        raise PreflightError("two nodes share an IP", "give every node its own IP")
    if not any(n.control_plane for n in spec.nodes):
        raise PreflightError("no control-plane node", "mark at least one (--control-planes N)")
    if spec.pod_cidr.version != spec.service_cidr.version:
        raise PreflightError("the pod and service CIDRs are of different IP versions")


def encapsulation_overhead(spec: PreflightSpec) -> tuple[int, str]:
    """Bytes the CNI adds to a packet between nodes (Calico "Configure MTU"), and what."""
    v6 = spec.pod_cidr.version == 6
    table = {
        "vxlan": (70 if v6 else 50, "VXLAN"),
        "vxlan-crosssubnet": (70 if v6 else 50, "VXLAN (across subnets)"),
        "ipip": (20, "IPIP"),
        "ipip-crosssubnet": (20, "IPIP (across subnets)"),
        "geneve": (70 if v6 else 50, "Geneve"),
    }
    overhead, kind = table.get(spec.mode, (0, "no encapsulation"))
    if spec.wireguard and spec.cni == "cilium":
        # Cilium's WireGuard adds to the tunnel (pkg/mtu: tunnel 50 + WireGuard 80).
        return overhead + 80, (f"{kind} + WireGuard" if overhead else "WireGuard")
    if spec.wireguard:
        wg = 80 if v6 else 60
        if wg > overhead:
            overhead, kind = wg, "WireGuard"
    return overhead, kind


def rule_key(rule: SecurityGroupRule) -> tuple[object, ...]:
    """What makes a Neutron rule the same rule as a planned one (`Rule.key`)."""
    return Rule(
        direction=rule.direction,
        ethertype=rule.ethertype,
        protocol=rule.protocol,
        port_range_min=rule.port_range_min,
        port_range_max=rule.port_range_max,
        remote_ip_prefix=str(rule.remote_ip_prefix) if rule.remote_ip_prefix else None,
        remote_group_id=rule.remote_group_id,
    ).key()


def needed_rules(spec: PreflightSpec, *, group_id: str = GROUP_ID) -> tuple[NeededRule, ...]:
    """Exactly what the CNI and control plane need between nodes (docs/facts.md section 3).

    Node-sourced traffic is admitted from the group's own members (``group_id``),
    pod-sourced traffic from the pod CIDR; never from 0.0.0.0/0.
    """
    ether = "IPv6" if spec.pod_cidr.version == 6 else "IPv4"
    out: list[NeededRule] = []

    def add(
        slug: str,
        why: str,
        protocol: str | None,
        lo: int | None = None,
        hi: int | None = None,
        prefix: str | None = None,
    ) -> None:
        rule = Rule(
            direction="ingress",
            ethertype=ether,
            protocol=protocol,
            port_range_min=lo,
            port_range_max=hi if hi is not None else lo,
            remote_ip_prefix=prefix,
            remote_group_id=None if prefix else group_id,
            description=f"kostack: {why}",
        )
        out.append(NeededRule(rule, why, slug))

    add("apiserver", "Kubernetes API server (tcp 6443)", "tcp", 6443)
    add("kubelet", "kubelet (tcp 10250)", "tcp", 10250)
    if sum(1 for n in spec.nodes if n.control_plane) > 1:
        add("etcd", "etcd between control-plane nodes (tcp 2379-2380)", "tcp", 2379, 2380)
    if spec.cni == "calico":
        if spec.mode in ("ipip", "ipip-crosssubnet"):
            add("calico_ipip", "Calico IPIP (IP protocol 4)", "ipip")
        if spec.mode in ("vxlan", "vxlan-crosssubnet"):
            add("calico_vxlan", "Calico VXLAN (udp 4789)", "udp", 4789)
        if spec.bgp_on:
            add("calico_bgp", "Calico BGP (tcp 179)", "tcp", 179)
        if spec.typha_on:
            add("calico_typha", "Calico Typha (tcp 5473)", "tcp", 5473)
        if spec.wireguard:
            add("calico_wireguard", "Calico WireGuard (udp 51820)", "udp", 51820)
    elif spec.cni == "flannel":
        if spec.mode == "vxlan":
            add("flannel_vxlan", "Flannel VXLAN (udp 8472)", "udp", 8472)
    elif spec.cni == "cilium":
        if spec.mode == "vxlan":
            add("cilium_vxlan", "Cilium VXLAN (udp 8472)", "udp", 8472)
        if spec.mode == "geneve":
            add("cilium_geneve", "Cilium Geneve (udp 6081)", "udp", 6081)
        add("cilium_health", "Cilium health checks (tcp 4240)", "tcp", 4240)
        add("cilium_icmp", "Cilium health checks (ICMP)", "icmp")
        if spec.wireguard:
            add("cilium_wireguard", "Cilium WireGuard (udp 51871)", "udp", 51871)
    if spec.native_pods or not spec.nat_outgoing:
        # pods' packets cross the network with their own source: to pods on other nodes
        # (native routing), or to node addresses such as the API server (no masquerade)
        add(
            "pod_cidr",
            "pod-sourced packets between nodes (any protocol from the pod CIDR)",
            None,
            prefix=str(spec.pod_cidr),
        )
    return tuple(out)


__all__ = [
    "BLOCK_PREFIX_V4",
    "CNI_MODES",
    "DEFAULT_GROUP_ID",
    "GROUP_ID",
    "NODE_MASK_V4",
    "PLANNED_NETWORK_ID",
    "PLANNED_ROUTER_ID",
    "NeededRule",
    "PlannedNode",
    "PortPlan",
    "PreflightError",
    "PreflightResult",
    "PreflightSpec",
    "encapsulation_overhead",
    "needed_rules",
    "rule_key",
    "validate",
]
