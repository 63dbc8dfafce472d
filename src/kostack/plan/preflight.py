"""Preflight: check a cluster that is not built yet, and say how to create its ports right.

From the OpenStack network (and existing ports) or a list of planned node
IPs, the planned pod and service CIDRs, the CNI and its mode, preflight
builds the snapshot the cluster would have, and runs the same diagnosis
`kostack diagnose` runs on a live one:

1. as things would be (ports with the project's default group, no allowed
   pairs): what would break (anti-spoofing, missing rules, CIDR overlaps,
   MTU);
2. as preflight recommends creating them: a dedicated security group with
   exactly the rules the CNI and control plane need between nodes (remote
   group = itself; the pod CIDR as remote prefix where pod-sourced packets
   cross the network), allowed pairs for the pod CIDR where pods send with
   their own address, the pod MTU the network carries. The recommendation is
   verified by diagnosing it; what would still break is reported.

Pure: the CLI supplies the OpenStack record (from a snapshot or collected).
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

from kostack.analyze.diagnose import Diagnosis, diagnose
from kostack.analyze.mtu import cilium_overhead, flannel_overhead
from kostack.analyze.topology import first_host, net_within
from kostack.model.snapshot import (
    CNI,
    AllowedAddressPair,
    Calico,
    CalicoBlock,
    CalicoIPPool,
    Cilium,
    Cluster,
    FixedIP,
    Flannel,
    IPAddress,
    IPNetwork,
    Network,
    NeutronBackend,
    Node,
    NodeAddress,
    NodePort,
    OpenStack,
    Port,
    Router,
    RouterRoute,
    SecurityGroup,
    SecurityGroupRule,
    Service,
    ServiceEndpoint,
    ServicePort,
    Snapshot,
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


# --------------------------------------------------------------------------- building blocks


def validate(spec: PreflightSpec) -> None:
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


def _key(rule: SecurityGroupRule) -> tuple[object, ...]:
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


def _node_cidrs(spec: PreflightSpec) -> list[IPNetwork]:
    """kubeadm's per-node pod CIDRs (/24 for IPv4, or smaller pieces for many nodes)."""
    n = len(spec.nodes)
    need = (
        spec.pod_cidr.prefixlen + max(0, math.ceil(math.log2(n)))
        if n > 1
        else spec.pod_cidr.prefixlen
    )
    mask = max(need, NODE_MASK_V4 if spec.pod_cidr.version == 4 else 64)
    if mask > spec.pod_cidr.max_prefixlen:
        raise PreflightError(f"the pod CIDR {spec.pod_cidr} is too small for {n} nodes")
    nets: Iterator[IPNetwork] = spec.pod_cidr.subnets(new_prefix=mask)
    return [next(nets) for _ in range(n)]


def _blocks(spec: PreflightSpec, node_cidrs: list[IPNetwork]) -> list[IPNetwork]:
    """One Calico block per node: the first /26 of its pod CIDR."""
    prefix = BLOCK_PREFIX_V4 if spec.pod_cidr.version == 4 else 122
    out: list[IPNetwork] = []
    for c in node_cidrs:
        pieces: Iterator[IPNetwork] = c.subnets(new_prefix=max(prefix, c.prefixlen))
        out.append(next(pieces))
    return out


def _default_group() -> SecurityGroup:
    """The project's `default` group as Neutron creates it."""
    rules = [
        SecurityGroupRule(id="default-egress-v4", direction="egress", ethertype="IPv4"),
        SecurityGroupRule(id="default-egress-v6", direction="egress", ethertype="IPv6"),
        SecurityGroupRule(
            id="default-ingress-v4",
            direction="ingress",
            ethertype="IPv4",
            remote_group_id=DEFAULT_GROUP_ID,
        ),
        SecurityGroupRule(
            id="default-ingress-v6",
            direction="ingress",
            ethertype="IPv6",
            remote_group_id=DEFAULT_GROUP_ID,
        ),
    ]
    return SecurityGroup(id=DEFAULT_GROUP_ID, name="default", rules=tuple(rules))


def _mac(i: int) -> str:
    return f"fa:16:3e:7f:{(i >> 8) & 255:02x}:{i & 255:02x}"


def _cni(spec: PreflightSpec, blocks: list[IPNetwork], mtu: int) -> CNI:
    names = [n.name for n in spec.nodes]
    if spec.cni == "calico":
        ipip = {"ipip": "Always", "ipip-crosssubnet": "CrossSubnet"}.get(spec.mode, "Never")
        vxlan = {"vxlan": "Always", "vxlan-crosssubnet": "CrossSubnet"}.get(spec.mode, "Never")
        return CNI(
            type="calico",
            calico=Calico(
                install_method="operator",
                ip_pools=(
                    CalicoIPPool(
                        name="default-ipv4-ippool"
                        if spec.pod_cidr.version == 4
                        else "default-ipv6-ippool",
                        cidr=spec.pod_cidr,
                        ipip_mode=ipip,
                        vxlan_mode=vxlan,
                        nat_outgoing=spec.nat_outgoing,
                        block_size=BLOCK_PREFIX_V4 if spec.pod_cidr.version == 4 else 122,
                        source="preflight",
                    ),
                ),
                blocks=tuple(
                    CalicoBlock(cidr=b, node=n) for b, n in zip(blocks, names, strict=True)
                ),
                mtu=mtu,
                mtu_source="preflight: the planned pod MTU",
                typha=spec.typha_on,
                bgp=spec.bgp_on,
                node_to_node_mesh=spec.bgp_on,
                wireguard=spec.wireguard,
            ),
        )
    # Flannel's Backend.MTU and Cilium's `mtu` are the network's MTU, not the pod's
    # (kostack.analyze.mtu): the planned pod MTU plus what the CNI subtracts from them.
    if spec.cni == "flannel":
        flannel = Flannel(
            network=spec.pod_cidr,
            backend_type="host-gw" if spec.mode == "host-gw" else "vxlan",
            ip_masq=spec.nat_outgoing,
            mtu_auto=False,
        )
        overhead = flannel_overhead(flannel)
        base = mtu + overhead[0] if isinstance(overhead, tuple) else None
        return CNI(type="flannel", flannel=flannel.model_copy(update={"mtu": base}))
    cilium = Cilium(
        routing_mode="native" if spec.mode == "native" else "tunnel",
        tunnel_protocol=None if spec.mode == "native" else spec.mode,
        native_routing_cidr=spec.pod_cidr if spec.mode == "native" else None,
        masquerade=spec.nat_outgoing,
        mtu_auto=False,
        wireguard=spec.wireguard,
    )
    overhead = cilium_overhead(cilium)
    base = mtu + overhead[0] if isinstance(overhead, tuple) else None
    return CNI(type="cilium", cilium=cilium.model_copy(update={"mtu": base}))


@dataclass
class _Cloud:
    network: Network
    subnets: list[Subnet]
    routers: list[Router]
    groups: list[SecurityGroup]
    ports: dict[str, Port]  # node name -> existing port
    other_ports: list[Port]
    other_subnets: list[Subnet]


def _cloud(spec: PreflightSpec) -> _Cloud:
    os_ = spec.openstack
    if os_ is not None and spec.network_id is not None:
        nets = {n.id: n for n in os_.networks or ()}
        network = nets.get(spec.network_id)
        if network is None:
            raise PreflightError(f"network {spec.network_id} is not in the OpenStack record")
        all_subnets = list(os_.subnets or ())
        subnets = [s for s in all_subnets if s.network_id == network.id]
        if not subnets:
            raise PreflightError(f"network {network.name or network.id} has no subnet")
        by_ip: dict[IPAddress, Port] = {}
        for p in os_.ports or ():
            if p.network_id == network.id:
                for f in p.fixed_ips:
                    by_ip[f.ip_address] = p
        ports = {n.name: by_ip[n.ip] for n in spec.nodes if n.ip in by_ip}
        used = {p.id for p in ports.values()}
        groups = list(os_.security_groups or ())
        if not any(g.name == "default" for g in groups):
            groups.append(_default_group())
        subnet_ids = {s.id for s in subnets}
        routers = [r for r in os_.routers or () if subnet_ids & set(r.interface_subnet_ids)]
        return _Cloud(
            network,
            subnets,
            routers,
            groups,
            ports,
            [p for p in os_.ports or () if p.id not in used],
            [s for s in all_subnets if s.network_id != network.id],
        )
    backend = spec.backend
    mtu = spec.network_mtu or (1442 if backend == "ml2/ovn" else 1450)
    network = Network(
        id=PLANNED_NETWORK_ID,
        name="planned network",
        mtu=mtu,
        port_security_enabled=True,
        network_type="geneve" if backend == "ml2/ovn" else "vxlan",
    )
    cidrs: list[IPNetwork] = []
    if spec.subnet_cidr is not None:
        cidrs.append(spec.subnet_cidr)
    for n in spec.nodes:
        if not any(n.ip.version == c.version and n.ip in c for c in cidrs):
            cidrs.append(
                ipaddress.ip_network(f"{n.ip}/{24 if n.ip.version == 4 else 64}", strict=False)
            )
    subnets = [
        Subnet(
            id=f"planned-subnet-{i}",
            name=f"planned subnet {c}",
            network_id=network.id,
            cidr=c,
            gateway_ip=first_host(c),
        )
        for i, c in enumerate(cidrs, 1)
    ]
    router = Router(
        id=PLANNED_ROUTER_ID,
        name="planned router",
        external_network_id="external",
        enable_snat=True,
        interface_subnet_ids=tuple(s.id for s in subnets),
    )
    return _Cloud(network, subnets, [router], [_default_group()], {}, [], [])


def _subnet_for(cloud: _Cloud, ip: IPAddress) -> Subnet:
    for s in cloud.subnets:
        if s.cidr.version == ip.version and ip in s.cidr:
            return s
    raise PreflightError(
        f"node IP {ip} is in no subnet of network {cloud.network.name or cloud.network.id}",
        "give node IPs from the network's subnets",
    )


def planned_cluster(spec: PreflightSpec, mtu: int) -> Cluster:
    """The cluster part of the planned snapshot: nodes, services, CIDRs, the CNI."""
    node_cidrs = _node_cidrs(spec)
    blocks = _blocks(spec, node_cidrs)
    nodes = tuple(
        Node(
            name=n.name,
            roles=("control-plane",) if n.control_plane else (),
            internal_ip=n.ip,
            addresses=(NodeAddress(type="InternalIP", address=str(n.ip)),),
            pod_cidrs=(c,),
            ready=True,
        )
        for n, c in zip(spec.nodes, node_cidrs, strict=True)
    )
    cp = next(n for n in spec.nodes if n.control_plane)
    dns_nodes = [cp, *(n for n in spec.nodes if not n.control_plane)][:2]
    block_of = {n.name: b for n, b in zip(spec.nodes, blocks, strict=True)}
    pod_ip = {
        n.name: first_host(block_of[n.name] if spec.cni == "calico" else c)
        for n, c in zip(spec.nodes, node_cidrs, strict=True)
    }
    service_ip = first_host(spec.service_cidr)
    dns_ip = ipaddress.ip_address(int(spec.service_cidr.network_address) + 10)
    services = (
        Service(
            namespace="default",
            name="kubernetes",
            cluster_ip=service_ip,
            ports=(ServicePort(name="https", port=443, target_port=6443),),
            endpoints=(ServiceEndpoint(ip=cp.ip, node=cp.name, ports={"https": 6443}),),
        ),
        Service(
            namespace="kube-system",
            name="kube-dns",
            cluster_ip=dns_ip,
            ports=(
                ServicePort(name="dns", port=53, protocol="UDP", target_port=53),
                ServicePort(name="dns-tcp", port=53, protocol="TCP", target_port=53),
            ),
            endpoints=tuple(
                ServiceEndpoint(ip=pod_ip[n.name], node=n.name, ports={"dns": 53, "dns-tcp": 53})
                for n in dns_nodes
            ),
        ),
    )
    return Cluster(
        name="planned",
        nodes=nodes,
        pods=(),
        services=services,
        pod_cidrs=(spec.pod_cidr,),
        service_cidrs=(spec.service_cidr,),
        cluster_dns_ip=dns_ip,
        kube_proxy_mode="iptables",
        cni=_cni(spec, blocks, mtu),
    )


def _snapshot(
    spec: PreflightSpec,
    cloud: _Cloud,
    mtu: int,
    ports: dict[str, Port],
    groups: list[SecurityGroup],
    routers: list[Router],
) -> Snapshot:
    cluster = planned_cluster(spec, mtu)
    os_ = OpenStack(
        backend=spec.backend or (spec.openstack.backend if spec.openstack else None),
        networks=(cloud.network,),
        subnets=(*cloud.subnets, *cloud.other_subnets),
        routers=tuple(routers),
        ports=(*ports.values(), *cloud.other_ports),
        security_groups=tuple(groups),
    )
    return Snapshot(
        source="kostack preflight (planned cluster)",
        openstack=os_,
        cluster=cluster,
        node_ports=tuple(
            NodePort(node=n.name, port_id=ports[n.name].id, matched_by="manual") for n in spec.nodes
        ),
    )


# --------------------------------------------------------------------------- preflight


def preflight(spec: PreflightSpec) -> PreflightResult:
    """What would break, and how to create the ports and group so that nothing does."""
    validate(spec)
    cloud = _cloud(spec)
    overhead, kind = encapsulation_overhead(spec)
    net_mtu = cloud.network.mtu or spec.network_mtu or 1450
    recommended = net_mtu - overhead
    mtu = spec.pod_mtu or recommended
    default = next((g for g in cloud.groups if g.name == "default"), _default_group())

    # 1. as things would be: existing ports as they are, new ones with the default group
    current_ports: dict[str, Port] = {}
    for i, n in enumerate(spec.nodes):
        existing = cloud.ports.get(n.name)
        if existing is not None:
            current_ports[n.name] = existing
            continue
        subnet = _subnet_for(cloud, n.ip)
        current_ports[n.name] = Port(
            id=f"planned-port-{n.name}",
            name=n.name,
            network_id=cloud.network.id,
            mac_address=_mac(i),
            fixed_ips=(FixedIP(subnet_id=subnet.id, ip_address=n.ip),),
            port_security_enabled=cloud.network.port_security_enabled is not False,
            security_group_ids=(default.id,),
        )
    current = diagnose(_snapshot(spec, cloud, mtu, current_ports, cloud.groups, cloud.routers))

    # 2. as recommended: the group, the pairs, the routes
    named = [g for g in cloud.groups if g.name == spec.group_name]
    existing_group = named[0] if len(named) == 1 else None
    if len(named) > 1:
        raise PreflightError(
            f"{len(named)} security groups are called {spec.group_name!r}",
            "choose another name with --security-group NAME",
        )
    gid = existing_group.id if existing_group is not None else GROUP_ID
    rules = needed_rules(spec, group_id=gid)
    present: list[NeededRule] = []
    if existing_group is not None:
        keys = {_key(r) for r in existing_group.rules}
        present = [r for r in rules if r.rule.key() in keys]
        rules = tuple(r for r in rules if r not in present)
    base_rules = (
        existing_group.rules
        if existing_group is not None
        else (
            SecurityGroupRule(id="planned-egress-v4", direction="egress", ethertype="IPv4"),
            SecurityGroupRule(id="planned-egress-v6", direction="egress", ethertype="IPv6"),
        )
    )
    group = SecurityGroup(
        id=gid,
        name=spec.group_name,
        rules=(
            *base_rules,
            *(
                SecurityGroupRule(
                    id=f"planned-{r.slug}",
                    direction="ingress",
                    ethertype=r.rule.ethertype,
                    protocol=r.rule.protocol,
                    port_range_min=r.rule.port_range_min,
                    port_range_max=r.rule.port_range_max,
                    remote_ip_prefix=ipaddress.ip_network(r.rule.remote_ip_prefix)
                    if r.rule.remote_ip_prefix
                    else None,
                    remote_group_id=r.rule.remote_group_id,
                    description=r.rule.description,
                )
                for r in rules
            ),
        ),
    )
    need_pairs = spec.native_pods or not spec.nat_outgoing
    pair_cidrs = [spec.pod_cidr] if need_pairs else []
    service_pairs = [spec.service_cidr] if need_pairs and spec.service_pair else []
    planned_ports: dict[str, Port] = {}
    port_plans: list[PortPlan] = []
    for n in spec.nodes:
        port = current_ports[n.name]
        existing = cloud.ports.get(n.name)
        have = [p.ip_address for p in port.allowed_address_pairs]
        add = [c for c in (*pair_cidrs, *service_pairs) if not any(net_within(c, h) for h in have)]
        groups = (
            tuple(dict.fromkeys((*port.security_group_ids, gid)))
            if existing is not None
            else (gid,)
        )
        planned_ports[n.name] = port.model_copy(
            update={
                "port_security_enabled": True,
                "security_group_ids": groups,
                "allowed_address_pairs": (
                    *port.allowed_address_pairs,
                    *(AllowedAddressPair(ip_address=c) for c in add),
                ),
            }
        )
        subnet = _subnet_for(cloud, n.ip)
        port_plans.append(
            PortPlan(
                node=n.name,
                ip=str(n.ip),
                subnet_id=subnet.id,
                subnet_name=subnet.name or subnet.id,
                existing=existing,
                pairs=tuple(str(c) for c in add),
                not_for_traffic=tuple(str(c) for c in add if c in service_pairs),
                control_plane=n.control_plane,
            )
        )
    routes: list[Route] = []
    routers = list(cloud.routers)
    notes: list[str] = []
    if not spec.nat_outgoing and routers:
        node_cidrs = _node_cidrs(spec)
        blocks = _blocks(spec, node_cidrs) if spec.cni == "calico" else node_cidrs
        routes = [Route(str(b), str(n.ip)) for b, n in zip(blocks, spec.nodes, strict=True)]
        router = routers[0]
        routers[0] = router.model_copy(
            update={
                "routes": (
                    *router.routes,
                    *(
                        RouterRoute(
                            destination=ipaddress.ip_network(r.destination),
                            nexthop=ipaddress.ip_address(r.nexthop),
                        )
                        for r in routes
                    ),
                )
            }
        )
        notes.append(
            "natOutgoing is off: pods reach the outside with their own address, so the router "
            "needs a route back to each node's pods (the OpenStack cloud controller adds them "
            "with --configure-routes; the routes below do it by hand). Turning natOutgoing on "
            "avoids both the routes and the allowed pairs for egress."
        )
    if not need_pairs:
        notes.append(
            "No allowed address pairs are needed: pod traffic between nodes is always "
            "encapsulated and traffic to the outside is masqueraded to the node's address."
        )
    if spec.pod_mtu is None:
        notes.append(
            f"Set the pod MTU to {recommended} (network MTU {net_mtu} - {overhead} for {kind}); "
            "Calico, Cilium and Flannel derive it from the interface MTU when none is configured; "
            "a value configured larger than that breaks large packets."
        )
    all_groups = [g for g in cloud.groups if g.id != gid] + [group]
    recommended_snapshot = _snapshot(spec, cloud, mtu, planned_ports, all_groups, routers)
    remaining = diagnose(recommended_snapshot).root_causes
    return PreflightResult(
        spec=spec,
        network=cloud.network,
        subnets=tuple(cloud.subnets),
        router=routers[0] if routers else None,
        current=current,
        rules=rules,
        ports=tuple(port_plans),
        routes=tuple(routes),
        remaining=tuple(ref(rc) for rc in remaining),
        overhead=overhead,
        overhead_kind=kind,
        recommended_mtu=recommended,
        notes=tuple(notes),
        existing_group=existing_group,
        rules_present=tuple(present),
    )


def nodes_from_ports(
    openstack: OpenStack, network_id: str, control_planes: int
) -> tuple[PlannedNode, ...]:
    """The VM ports of a network as planned nodes (sorted by name), the first N control planes."""
    ports = sorted(
        (
            p
            for p in openstack.ports or ()
            if p.network_id == network_id and p.device_owner.startswith("compute:") and p.fixed_ips
        ),
        key=lambda p: p.name or p.id,
    )
    return tuple(
        PlannedNode(p.name or p.id, p.fixed_ips[0].ip_address, i < control_planes)
        for i, p in enumerate(ports)
    )


def planned_nodes(
    specs: tuple[tuple[str, str | None], ...], control_planes: int
) -> Iterator[PlannedNode]:
    """(ip, name) pairs as planned nodes; unnamed ones become node-1, node-2..."""
    for i, (ip_text, name) in enumerate(specs):
        try:
            ip = ipaddress.ip_address(ip_text)
        except ValueError:
            raise PreflightError(
                f"{ip_text!r} is not an IP address", "e.g. --node 10.0.0.11=k8s-cp-1"
            ) from None
        yield PlannedNode(name or f"node-{i + 1}", ip, i < control_planes)


__all__ = [
    "CNI_MODES",
    "GROUP_ID",
    "NeededRule",
    "PlannedNode",
    "PortPlan",
    "PreflightError",
    "PreflightResult",
    "PreflightSpec",
    "needed_rules",
    "nodes_from_ports",
    "planned_cluster",
    "planned_nodes",
    "preflight",
]
