"""What preflight is asked, and what it answers: the spec, its validation, the result.

The inputs (`PreflightSpec`: planned nodes, CIDRs, CNI and mode, optionally
an OpenStack record) are checked by `validate`. What the CNI and the control plane
need between nodes (`needed_rules`) and what the CNI adds to every packet
(`encapsulation_overhead`) are in `kostack.plan.preflight_rules`, the planned
snapshot is built in `kostack.plan.preflight_world`, the whole run in
`kostack.plan.preflight`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kostack.analyze.diagnose import Diagnosis
from kostack.errors import Hinted
from kostack.model.snapshot import (
    IPAddress,
    IPNetwork,
    Network,
    NeutronBackend,
    OpenStack,
    Port,
    Router,
    SecurityGroup,
    Subnet,
)
from kostack.plan import preflight_antrea as antrea
from kostack.plan import preflight_kubeovn as kubeovn
from kostack.plan import preflight_ovnk as ovnk
from kostack.plan.build import ref
from kostack.plan.model import RootCauseRef, Route
from kostack.plan.preflight_errors import Msg
from kostack.plan.rules import Rule

CNI_MODES: dict[str, tuple[str, ...]] = {
    "calico": ("vxlan-crosssubnet", "vxlan", "ipip", "ipip-crosssubnet", "none"),
    "flannel": ("vxlan", "host-gw"),
    "cilium": ("vxlan", "geneve", "native"),
    # kube-router: --overlay-type=subnet with IPIP (its defaults) or FOU, --overlay-type=full,
    # or --enable-overlay=false (docs/facts.md "kube-router")
    "kube-router": ("ipip", "fou", "full", "none"),
    # Antrea: trafficEncapMode (its tunnelType from --tunnel-type; docs/facts.md "Antrea")
    "antrea": antrea.MODES,
    # Kube-OVN: install.sh NETWORK_TYPE (docs/facts.md "Kube-OVN")
    "kube-ovn": kubeovn.MODES,
    # OVN-Kubernetes: Geneve only (docs/facts.md "OVN-Kubernetes")
    "ovn-kubernetes": ovnk.MODES,
}
# kube-router's flags for each preflight mode
KUBE_ROUTER_MODES: dict[str, str] = {
    "ipip": "--overlay-type=subnet --overlay-encap=ipip",
    "fou": "--overlay-type=subnet --overlay-encap=fou",
    "full": "--overlay-type=full",
    "none": "--enable-overlay=false",
}
# The placeholder id of the group preflight recommends; renderers put its name or reference in.
GROUP_ID = "kostack-preflight-group"
PLANNED_NETWORK_ID = "planned-network"
PLANNED_ROUTER_ID = "planned-router"
DEFAULT_GROUP_ID = "project-default-group"
BLOCK_PREFIX_V4 = 26  # Calico's default blockSize
NODE_MASK_V4 = 24  # kubeadm's default --node-cidr-mask-size for IPv4


class PreflightError(Hinted, ValueError):
    """Inputs that cannot describe a cluster (message and hint)."""


@dataclass(frozen=True)
class PlannedNode:
    name: str
    ip: IPAddress  # the primary address (the family of the first pod CIDR)
    control_plane: bool = False
    other_ips: tuple[IPAddress, ...] = ()  # a dual-stack node's address of the other family

    @property
    def ips(self) -> tuple[IPAddress, ...]:
        return (self.ip, *self.other_ips)

    def ip_of(self, version: int) -> IPAddress | None:
        """The node's address of one family (4 or 6), or None."""
        return next((ip for ip in self.ips if ip.version == version), None)


@dataclass(frozen=True)
class PreflightSpec:
    """What is planned: nodes, CIDRs, CNI; and what exists (an OpenStack record, optional)."""

    pod_cidr: IPNetwork  # the primary family's (kubeadm podSubnet's first CIDR)
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
    # dual stack (kubeadm podSubnet "10.244.0.0/16,fd00:10:244::/56"): the other family's CIDRs
    pod_cidr_secondary: IPNetwork | None = None
    service_cidr_secondary: IPNetwork | None = None
    tunnel_type: str | None = None  # Antrea's tunnelType (None: its default, geneve)

    @property
    def antrea_tunnel(self) -> str:
        return self.tunnel_type or antrea.TUNNELS[0]

    @property
    def pod_cidrs(self) -> tuple[IPNetwork, ...]:
        """The pod CIDRs, the primary first (one per family)."""
        second = self.pod_cidr_secondary
        return (self.pod_cidr,) if second is None else (self.pod_cidr, second)

    @property
    def service_cidrs(self) -> tuple[IPNetwork, ...]:
        second = self.service_cidr_secondary
        return (self.service_cidr,) if second is None else (self.service_cidr, second)

    @property
    def families(self) -> tuple[int, ...]:
        """The IP versions pods get addresses of, the primary first."""
        return tuple(c.version for c in self.pod_cidrs)

    @property
    def dual_stack(self) -> bool:
        return len(self.pod_cidrs) > 1

    def pod_cidr_of(self, version: int) -> IPNetwork | None:
        return next((c for c in self.pod_cidrs if c.version == version), None)

    def service_cidr_of(self, version: int) -> IPNetwork | None:
        return next((c for c in self.service_cidrs if c.version == version), None)

    def native_pods_of(self, version: int) -> bool:
        """Whether pod-sourced packets of one family cross the tenant network unencapsulated
        (at least within a subnet). Calico has no IPIP for IPv6 pools: with an IPIP mode the
        IPv6 pool is planned without encapsulation (BGP-routed), so its pods send natively."""
        if self.cni == "calico" and version == 6 and self.mode.startswith("ipip"):
            return True
        if self.cni == "antrea":  # noEncap, and hybrid within a subnet
            return self.mode in ("noEncap", "hybrid")
        if self.cni == "kube-router":
            # natively within a subnet unless always tunnelled, and to node addresses (the API
            # server) in every mode: its pod egress masquerade leaves them out
            return True
        return self.mode in ("vxlan-crosssubnet", "ipip-crosssubnet", "none", "host-gw", "native")

    def native_across_of(self, version: int) -> bool:
        """Whether pod packets of one family go unencapsulated between nodes of different
        subnets too (so the router needs a route to each node's pods): Calico without
        encapsulation (and its IPv6 pool under an IPIP mode), Antrea noEncap, kube-router
        without overlay, Cilium native routing, flannel host-gw. The CrossSubnet and hybrid
        modes tunnel across subnets."""
        if self.cni == "calico":
            return self.mode == "none" or (version == 6 and self.mode.startswith("ipip"))
        if self.cni == "antrea":
            return self.mode == "noEncap"
        return self.mode in ("none", "native", "host-gw")

    def needs_pairs_of(self, version: int) -> bool:
        """Whether pods of one family send across the network with their own address (and
        pairs admit them: not Kube-OVN's underlay pods, whose MACs are their own)."""
        if self.cni == "kube-ovn" and self.mode == "vlan":
            return False
        if self.cni == "ovn-kubernetes":  # Geneve between nodes, SNAT to the node IP outside
            return False
        return self.native_pods_of(version) or not self.nat_outgoing

    @property
    def underlay_version(self) -> int:
        """The family Cilium's tunnel runs over: IPv4 whenever nodes have it (its default)."""
        return 4 if 4 in self.families else 6

    def tunnel_version(self, version: int) -> int:
        """The family the packets of pod family ``version`` are tunnelled over: Calico's
        IPv6 pools and Flannel's IPv6 network over the nodes' IPv6 addresses, Cilium over
        its underlay, Kube-OVN over the nodes' primary addresses (one ovn-encap-ip each)."""
        if self.cni in ("kube-ovn", "ovn-kubernetes"):
            return self.families[0]
        return self.underlay_version if self.cni == "cilium" else version

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

    def cni_mode(self) -> tuple[str, str]:
        """The CNI's name and its mode in the CNI's words ("Calico", "VXLANCrossSubnet")."""
        names = {
            "vxlan-crosssubnet": "VXLANCrossSubnet",
            "vxlan": "VXLAN Always",
            "ipip": "IPIP Always",
            "ipip-crosssubnet": "IPIP CrossSubnet",
            "none": Msg("preflight.mode.none"),
            "host-gw": "host-gw",
            "geneve": Msg("preflight.mode.geneve"),
            "native": Msg("preflight.mode.native"),
        }
        mode = names.get(self.mode, self.mode)
        if self.cni != "calico" and self.mode == "vxlan":
            mode = "VXLAN"  # "Always" is Calico's word for its pools' mode
        if self.cni == "kube-router":
            mode = KUBE_ROUTER_MODES[self.mode]
        if self.cni == "antrea":
            mode = antrea.describe(self.mode, self.antrea_tunnel, wireguard=self.wireguard)
        if self.cni == "kube-ovn":
            return "Kube-OVN", kubeovn.describe(self.mode)
        if self.cni == "ovn-kubernetes":
            return "OVN-Kubernetes", ovnk.describe()
        return ("kube-router" if self.cni == "kube-router" else self.cni.capitalize()), mode

    def describe_cni(self) -> str:
        name, mode = self.cni_mode()
        # each CNI's own name for masquerading pods' traffic to the outside
        masquerade = {
            "cilium": "enable-ipv4-masquerade",
            "flannel": "ipMasq",
            "kube-router": "--enable-pod-egress",
        }
        extras = [_switch(masquerade.get(self.cni, "natOutgoing"), self.nat_outgoing)]
        if self.cni == "antrea":  # its switch says the opposite: noSNAT on leaves pods' source
            extras = [_switch("noSNAT", not self.nat_outgoing)]
        if self.cni == "calico":
            extras.append(_switch("BGP", self.bgp_on))
            extras.append(_switch("Typha", self.typha_on))
        if self.wireguard and self.cni != "antrea":  # Antrea's is in its mode's words
            extras.append(_switch("WireGuard", True))
        return Msg("preflight.cni", cni=name, mode=mode, extras=extras)


def _switch(name: str, on: bool) -> Msg:
    """`BGP on` / `BGP off`, in any language."""
    return Msg("preflight.on" if on else "preflight.off", name=name)


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
    # every fixed IP (ip, subnet id, subnet name), the primary first: one per family
    fixed_ips: tuple[tuple[str, str, str], ...] = ()


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
    # (IP version, overhead, what, the tunnel's IP version) per pod family, the primary first
    overheads: tuple[tuple[int, int, str, int], ...] = ()
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
        raise PreflightError(
            Msg("pf.err.unknown-cni", cni=repr(spec.cni)),
            Msg("pf.hint.cnis", cnis=", ".join(CNI_MODES)),
        )
    if spec.mode not in CNI_MODES[spec.cni]:
        raise PreflightError(
            Msg("pf.err.unknown-mode", cni=spec.cni, mode=repr(spec.mode)),
            Msg("pf.hint.modes", cni=spec.cni, modes=", ".join(CNI_MODES[spec.cni])),
        )
    if not spec.nodes:
        raise PreflightError(Msg("pf.err.no-nodes"), Msg("pf.hint.nodes"))
    names = [n.name for n in spec.nodes]
    if len(set(names)) != len(names):
        raise PreflightError(Msg("pf.err.same-name"), Msg("pf.hint.same-name"))
    ips = [n.ip for n in spec.nodes]
    if len(set(ips)) != len(ips):
        raise PreflightError(Msg("pf.err.same-ip"), Msg("pf.hint.same-ip"))
    if not any(n.control_plane for n in spec.nodes):
        raise PreflightError(Msg("pf.err.no-control-plane"), Msg("pf.hint.control-planes"))
    if spec.tunnel_type is not None and spec.cni != "antrea":
        raise PreflightError(
            Msg("pf.err.tunnel-type-cni", cni=spec.cni), Msg("pf.hint.tunnel-type-cni")
        )
    if spec.cni == "kube-ovn" and (wrong := kubeovn.problem(wireguard=spec.wireguard)):
        raise PreflightError(*wrong)
    wrong = ovnk.problem(wireguard=spec.wireguard, masquerade=spec.nat_outgoing)
    if spec.cni == "ovn-kubernetes" and wrong:
        raise PreflightError(*wrong)
    if spec.cni == "antrea":
        wrong = antrea.problem(
            spec.mode,
            spec.tunnel_type,
            wireguard=spec.wireguard,
            masquerade=spec.nat_outgoing,
            families=spec.families,
        )
        if wrong is not None:
            raise PreflightError(*wrong)
    _validate_families(spec)


def _validate_families(spec: PreflightSpec) -> None:
    """One CIDR per family, primaries of one family, an address per pod family on every node."""
    pods, services = spec.pod_cidrs, spec.service_cidrs
    if len({c.version for c in pods}) != len(pods) or len({c.version for c in services}) != len(
        services
    ):
        raise PreflightError(Msg("pf.err.pair-family"), Msg("pf.hint.pair", flag="--pod-cidr"))
    if spec.pod_cidr.version != spec.service_cidr.version:
        raise PreflightError(Msg("pf.err.primary-family"), Msg("pf.hint.primary-family"))
    if not {c.version for c in services} <= set(spec.families):
        raise PreflightError(Msg("pf.err.services-dual"), Msg("pf.hint.services-dual"))
    if spec.cni == "calico" and spec.mode.startswith("ipip") and spec.families[0] == 6:
        raise PreflightError(Msg("pf.err.ipip-v6"), Msg("pf.hint.ipip-v6"))
    for version in spec.families:
        lacking = [n.name for n in spec.nodes if n.ip_of(version) is None]
        if lacking:
            example = "fd00:0:0:1::11" if version == 6 else "10.0.0.11"
            raise PreflightError(
                Msg(
                    "pf.err.node-family",
                    cidr=str(spec.pod_cidr_of(version)),
                    version=version,
                    node=lacking[0],
                    more=Msg("pf.more", n=len(lacking) - 1) if len(lacking) > 1 else "",
                ),
                Msg("pf.hint.node-v6" if version == 6 else "pf.hint.node-v4", example=example),
            )


__all__ = [
    "BLOCK_PREFIX_V4",
    "CNI_MODES",
    "DEFAULT_GROUP_ID",
    "GROUP_ID",
    "KUBE_ROUTER_MODES",
    "NODE_MASK_V4",
    "PLANNED_NETWORK_ID",
    "PLANNED_ROUTER_ID",
    "NeededRule",
    "PlannedNode",
    "PortPlan",
    "PreflightError",
    "PreflightResult",
    "PreflightSpec",
    "validate",
]
