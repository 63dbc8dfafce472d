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
from typing import Protocol

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
from kostack.plan.build import ref
from kostack.plan.model import RootCauseRef, Route, Rule
from kostack.plan.preflight_errors import Msg

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
}
# The placeholder id of the group preflight recommends; renderers put its name or reference in.
# kube-router's flags for each preflight mode
KUBE_ROUTER_MODES: dict[str, str] = {
    "ipip": "--overlay-type=subnet --overlay-encap=ipip",
    "fou": "--overlay-type=subnet --overlay-encap=fou",
    "full": "--overlay-type=full",
    "none": "--enable-overlay=false",
}
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
        return self.native_pods_of(version) or not self.nat_outgoing

    @property
    def underlay_version(self) -> int:
        """The family Cilium's tunnel runs over: IPv4 whenever nodes have it (its default)."""
        return 4 if 4 in self.families else 6

    def tunnel_version(self, version: int) -> int:
        """The family the packets of pod family ``version`` are tunnelled over: Calico's
        IPv6 pools and Flannel's IPv6 network over the nodes' IPv6 addresses, Cilium over
        its underlay, Kube-OVN over the nodes' primary addresses (one ovn-encap-ip each)."""
        if self.cni == "kube-ovn":
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


def encapsulation_overhead(spec: PreflightSpec, version: int | None = None) -> tuple[int, str]:
    """Bytes the CNI adds to a packet of one pod family between nodes (Calico "Configure MTU"),
    and what; without ``version``, the largest over the cluster's families (what sets the pod
    MTU: one veth MTU carries both families).

    The tunnel's underlay decides: Calico's IPv6 pools and Flannel's IPv6 network tunnel over
    the nodes' IPv6 addresses (VXLAN 70 = 40 IPv6 + 8 UDP + 8 VXLAN + 14 Ethernet, not 50);
    Cilium tunnels both families over IPv4 when nodes have it. Calico has no IPIP for IPv6.
    """
    if version is None:
        return max(
            (encapsulation_overhead(spec, v) for v in spec.families), key=lambda pair: pair[0]
        )
    if spec.cni == "kube-router":  # pods get the interface's MTU; its tunnels their own
        return 0, "kube-router --auto-mtu"
    if spec.cni == "kube-ovn":  # kube-ovn-cni's deduction (its tunnel runs over the primary)
        return kubeovn.overhead(spec.mode, spec.families[0])
    if spec.cni == "antrea":
        tunnel = spec.antrea_tunnel
        return antrea.overhead(spec.mode, tunnel, wireguard=spec.wireguard, version=version)
    v6 = spec.tunnel_version(version) == 6
    table = {
        "vxlan": (70 if v6 else 50, "VXLAN"),
        "vxlan-crosssubnet": (70 if v6 else 50, Msg("preflight.kind.vxlan-cross")),
        "geneve": (70 if v6 else 50, "Geneve"),
    }
    if version == 4:
        table["ipip"] = (20, "IPIP")
        table["ipip-crosssubnet"] = (20, Msg("preflight.kind.ipip-cross"))
    overhead, name = table.get(spec.mode, (0, Msg("preflight.kind.none")))
    if spec.wireguard and spec.cni == "cilium":
        # Cilium's WireGuard adds to the tunnel (pkg/mtu: tunnel 50 + WireGuard 80).
        return overhead + 80, (f"{name} + WireGuard" if overhead else "WireGuard")
    if spec.wireguard:
        wg = 80 if v6 else 60
        if wg > overhead:
            overhead, name = wg, "WireGuard"
    return overhead, name


def needed_rules(spec: PreflightSpec, *, group_id: str = GROUP_ID) -> tuple[NeededRule, ...]:
    """Exactly what the CNI and control plane need between nodes (docs/facts.md section 3).

    Node-sourced traffic is admitted from the group's own members (``group_id``),
    pod-sourced traffic from the pod CIDR; never from 0.0.0.0/0. A remote-group
    rule matches the members' addresses of its ethertype only, so on a dual-stack
    cluster what runs over the nodes' IPv6 addresses (Calico's IPv6 VXLAN and BGP,
    Flannel's IPv6 VXLAN, Cilium's IPv6 health checks) gets a rule of ethertype
    IPv6, and pod-sourced packets a rule per family that sends natively. The
    control plane (API server, kubelet, etcd, Typha) talks over the primary family.
    """
    out: list[NeededRule] = []
    primary = spec.families[0]

    def add(
        slug: str,
        why: str,
        protocol: str | None,
        lo: int | None = None,
        hi: int | None = None,
        prefix: str | None = None,
        version: int = primary,
    ) -> None:
        tagged = spec.dual_stack and version == 6
        rule = Rule(
            direction="ingress",
            ethertype="IPv6" if version == 6 else "IPv4",
            protocol=protocol,
            port_range_min=lo,
            port_range_max=hi if hi is not None else lo,
            remote_ip_prefix=prefix,
            remote_group_id=None if prefix else group_id,
            description=f"kostack: {why}" + (" over IPv6" if tagged else ""),
        )
        out.append(
            NeededRule(
                rule, why + (" over IPv6" if tagged else ""), slug + ("_v6" if tagged else "")
            )
        )

    add("apiserver", "Kubernetes API server (tcp 6443)", "tcp", 6443)
    add("kubelet", "kubelet (tcp 10250)", "tcp", 10250)
    if sum(1 for n in spec.nodes if n.control_plane) > 1:
        add("etcd", "etcd between control-plane nodes (tcp 2379-2380)", "tcp", 2379, 2380)
    if spec.cni == "calico":
        _calico_rules(spec, add)
    elif spec.cni == "flannel":
        if spec.mode == "vxlan":
            for v in spec.families:  # flannel.1 over IPv4, flannel-v6.1 over IPv6
                add("flannel_vxlan", "Flannel VXLAN (udp 8472)", "udp", 8472, version=v)
    elif spec.cni == "kube-router":
        _kube_router_rules(spec, add)
    elif spec.cni == "antrea":
        tunnel, families = spec.antrea_tunnel, spec.families
        antrea.rules(spec.mode, tunnel, wireguard=spec.wireguard, families=families, add=add)
    elif spec.cni == "kube-ovn":
        planes = sum(1 for n in spec.nodes if n.control_plane)
        kubeovn.rules(spec.mode, primary=primary, control_planes=planes, add=add)
    elif spec.cni == "cilium":
        under = spec.underlay_version
        if spec.mode == "vxlan":
            add("cilium_vxlan", "Cilium VXLAN (udp 8472)", "udp", 8472, version=under)
        if spec.mode == "geneve":
            add("cilium_geneve", "Cilium Geneve (udp 6081)", "udp", 6081, version=under)
        for v in spec.families:  # cilium-health probes every node address it has
            add("cilium_health", "Cilium health checks (tcp 4240)", "tcp", 4240, version=v)
            icmp = "ipv6-icmp" if v == 6 else "icmp"
            add("cilium_icmp", "Cilium health checks (ICMP)", icmp, version=v)
        if spec.wireguard:
            add("cilium_wireguard", "Cilium WireGuard (udp 51871)", "udp", 51871, version=under)
    for v in spec.families:
        cidr = spec.pod_cidr_of(v)
        if cidr is not None and spec.needs_pairs_of(v):
            # pods' packets cross the network with their own source: to pods on other nodes
            # (native routing), or to node addresses such as the API server (no masquerade)
            why = "pod-sourced packets between nodes (any protocol from the pod CIDR)"
            add("pod_cidr", why, None, prefix=str(cidr), version=v)
    return tuple(out)


class _Add(Protocol):
    def __call__(
        self,
        slug: str,
        why: str,
        protocol: str | None,
        lo: int | None = None,
        hi: int | None = None,
        prefix: str | None = None,
        version: int = 4,
    ) -> None: ...


def _calico_rules(spec: PreflightSpec, add: _Add) -> None:
    """Calico's node-to-node rules: IPIP (IPv4 pools), VXLAN, BGP and WireGuard per family."""
    families = spec.families
    if spec.mode in ("ipip", "ipip-crosssubnet") and 4 in families:
        add("calico_ipip", "Calico IPIP (IP protocol 4)", "ipip", version=4)
    for v in families:
        if spec.mode in ("vxlan", "vxlan-crosssubnet"):  # vxlan.calico / vxlan-v6.calico
            add("calico_vxlan", "Calico VXLAN (udp 4789)", "udp", 4789, version=v)
        if spec.bgp_on:  # BIRD and BIRD6 peer over each family's node addresses
            add("calico_bgp", "Calico BGP (tcp 179)", "tcp", 179, version=v)
    if spec.typha_on:
        add("calico_typha", "Calico Typha (tcp 5473)", "tcp", 5473, version=families[0])
    if spec.wireguard:
        # wireguard.cali on wireguardListeningPort (51820), wg-v6.cali on
        # wireguardListeningPortV6 (51821): FelixConfiguration's defaults
        if 4 in families:
            add("calico_wireguard", "Calico WireGuard (udp 51820)", "udp", 51820, version=4)
        if 6 in families:
            add("calico_wireguard6", "Calico WireGuard (udp 51821)", "udp", 51821, version=6)


def _kube_router_rules(spec: PreflightSpec, add: _Add) -> None:
    """kube-router's: its iBGP mesh (TCP 179) per family, and its tunnel (IPIP: IP protocol
    4, IPv6 pods' ip6ip6 41; FOU: UDP 5555), which subnet mode uses to nodes of another
    subnet only: planned all the same, so that a node added in another subnet works."""
    for v in spec.families:
        add("kube_router_bgp", "kube-router BGP (tcp 179)", "tcp", 179, version=v)
        if spec.mode in ("ipip", "full"):
            proto = "ipip" if v == 4 else "ipv6-encap"
            add("kube_router_ipip", f"kube-router IPIP ({proto})", proto, version=v)
        if spec.mode == "fou":
            add("kube_router_fou", "kube-router FOU (udp 5555)", "udp", 5555, version=v)


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
    "encapsulation_overhead",
    "needed_rules",
    "validate",
]
