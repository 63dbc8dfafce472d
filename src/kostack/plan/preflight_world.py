"""The world preflight diagnoses: the cloud and the cluster as they would be once built.

`planned_cloud` takes the network, subnets, routers, groups and node ports
from an OpenStack record, or plans them (one subnet per node /24 or /64, a
router, the project's `default` group) when there is none;
`planned_cluster` plans the nodes (kubeadm's per-node pod CIDRs), the
`kubernetes` and `kube-dns` services and the CNI; `planned_snapshot` puts
them together with the ports to diagnose.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterator
from dataclasses import dataclass

from kostack.analyze.mtu import cilium_overhead, flannel_overhead
from kostack.analyze.prefixes import first_host
from kostack.model.snapshot import (
    CNI,
    Calico,
    CalicoBlock,
    CalicoIPPool,
    Cilium,
    Cluster,
    Flannel,
    IPAddress,
    IPNetwork,
    KubeRouter,
    Network,
    Node,
    NodeAddress,
    NodePort,
    OpenStack,
    Pod,
    Port,
    Router,
    SecurityGroup,
    SecurityGroupRule,
    Service,
    ServiceEndpoint,
    ServicePort,
    Snapshot,
    Subnet,
)
from kostack.plan import preflight_antrea, preflight_kubeovn, preflight_ovnk
from kostack.plan.preflight_errors import Msg
from kostack.plan.preflight_spec import (
    BLOCK_PREFIX_V4,
    DEFAULT_GROUP_ID,
    NODE_MASK_V4,
    PLANNED_NETWORK_ID,
    PLANNED_ROUTER_ID,
    PlannedNode,
    PreflightError,
    PreflightSpec,
)


def node_pod_cidrs(spec: PreflightSpec, version: int | None = None) -> list[IPNetwork]:
    """kubeadm's per-node pod CIDRs of one family (the primary by default): /24 for IPv4,
    /64 for IPv6 (--node-cidr-mask-size-ipv4/-ipv6), or smaller pieces for many nodes."""
    cidr = spec.pod_cidr_of(version) if version is not None else spec.pod_cidr
    if cidr is None:
        return []
    n = len(spec.nodes)
    need = cidr.prefixlen + max(0, math.ceil(math.log2(n))) if n > 1 else cidr.prefixlen
    mask = max(need, NODE_MASK_V4 if cidr.version == 4 else 64)
    if mask > cidr.max_prefixlen:
        raise PreflightError(Msg("pf.err.small-pod-cidr", cidr=str(cidr), n=n))
    nets: Iterator[IPNetwork] = cidr.subnets(new_prefix=mask)
    return [next(nets) for _ in range(n)]


def node_blocks(node_cidrs: list[IPNetwork]) -> list[IPNetwork]:
    """One Calico block per node: the first /26 (IPv6: /122) of its pod CIDR."""
    out: list[IPNetwork] = []
    for c in node_cidrs:
        prefix = BLOCK_PREFIX_V4 if c.version == 4 else 122
        pieces: Iterator[IPNetwork] = c.subnets(new_prefix=max(prefix, c.prefixlen))
        out.append(next(pieces))
    return out


def default_group() -> SecurityGroup:
    """The project's `default` group as Neutron creates it."""
    rules = [
        SecurityGroupRule(
            id=f"default-{direction}-v{version}",
            direction=direction,
            ethertype=f"IPv{version}",
            remote_group_id=DEFAULT_GROUP_ID if direction == "ingress" else None,
        )
        for direction in ("egress", "ingress")
        for version in (4, 6)
    ]
    return SecurityGroup(id=DEFAULT_GROUP_ID, name="default", rules=tuple(rules))


def planned_mac(i: int) -> str:
    """A Neutron-style MAC (fa:16:3e prefix) for the i-th planned port."""
    return f"fa:16:3e:7f:{(i >> 8) & 255:02x}:{i & 255:02x}"


def _calico_pool(spec: PreflightSpec, cidr: IPNetwork) -> CalicoIPPool:
    """The IP pool of one family as the operator would create it in the planned mode."""
    ipip = {"ipip": "Always", "ipip-crosssubnet": "CrossSubnet"}.get(spec.mode, "Never")
    vxlan = {"vxlan": "Always", "vxlan-crosssubnet": "CrossSubnet"}.get(spec.mode, "Never")
    if cidr.version == 6:
        ipip = "Never"  # Calico has no IPIP for IPv6 pools: the pool is BGP-routed
    return CalicoIPPool(
        name="default-ipv4-ippool" if cidr.version == 4 else "default-ipv6-ippool",
        cidr=cidr,
        ipip_mode=ipip,
        vxlan_mode=vxlan,
        nat_outgoing=spec.nat_outgoing,
        block_size=BLOCK_PREFIX_V4 if cidr.version == 4 else 122,
        source="preflight",
    )


def _cni(spec: PreflightSpec, blocks: list[tuple[IPNetwork, str]], mtu: int) -> CNI:
    """The CNI's configuration as it would be installed with the planned pod MTU."""
    if spec.cni == "calico":
        return CNI(
            type="calico",
            calico=Calico(
                install_method="operator",
                ip_pools=tuple(_calico_pool(spec, c) for c in spec.pod_cidrs),
                blocks=tuple(CalicoBlock(cidr=b, node=n) for b, n in blocks),
                mtu=mtu,
                mtu_source="kostack preflight --pod-mtu",
                typha=spec.typha_on,
                bgp=spec.bgp_on,
                node_to_node_mesh=spec.bgp_on,
                wireguard=spec.wireguard,
            ),
        )
    v6 = spec.pod_cidr_secondary if spec.dual_stack else None  # the primary's family stays
    # Flannel's Backend.MTU and Cilium's `mtu` are the network's MTU, not the pod's
    # (kostack.analyze.mtu): the planned pod MTU plus what the CNI subtracts from them.
    if spec.cni == "flannel":
        flannel = Flannel(
            network=spec.pod_cidr,
            backend_type="host-gw" if spec.mode == "host-gw" else "vxlan",
            ip_masq=spec.nat_outgoing,
            mtu_auto=False,
            enable_ipv6=v6 is not None,
            ipv6_network=v6,
        )
        overhead = flannel_overhead(flannel)
        base = mtu + overhead[0] if isinstance(overhead, tuple) else None
        return CNI(type="flannel", flannel=flannel.model_copy(update={"mtu": base}))
    if spec.cni == "kube-router":
        return CNI(type="kube-router", kube_router=_kube_router(spec))
    if spec.cni == "antrea":  # defaultMTU: the planned pod MTU
        antrea = preflight_antrea.record(
            spec.mode,
            spec.antrea_tunnel,
            wireguard=spec.wireguard,
            masquerade=spec.nat_outgoing,
            mtu=mtu,
        )
        return CNI(type="antrea", antrea=antrea)
    if spec.cni == "kube-ovn":  # kube-ovn-cni --mtu: 0 (derived) unless --pod-mtu is given
        nat = spec.nat_outgoing
        kube_ovn = preflight_kubeovn.record(
            spec.mode, spec.pod_cidrs, masquerade=nat, mtu=spec.pod_mtu
        )
        return CNI(type="kube-ovn", kube_ovn=kube_ovn)
    if spec.cni == "ovn-kubernetes":  # ovnkube.conf [default] mtu: the planned pod MTU
        per_family = [node_pod_cidrs(spec, v) for v in spec.families]
        ranges = preflight_ovnk.node_ranges([n.name for n in spec.nodes], per_family)
        record = preflight_ovnk.record(spec.pod_cidrs, spec.service_cidrs, ranges, mtu)
        return CNI(type="ovn-kubernetes", ovn_kubernetes=record)
    cilium = Cilium(
        routing_mode="native" if spec.mode == "native" else "tunnel",
        tunnel_protocol=None if spec.mode == "native" else spec.mode,
        native_routing_cidr=spec.pod_cidr if spec.mode == "native" else None,
        native_routing_cidr_v6=v6 if spec.mode == "native" else None,
        enable_ipv6=v6 is not None,
        masquerade=spec.nat_outgoing,
        mtu_auto=False,
        wireguard=spec.wireguard,
    )
    overhead = cilium_overhead(cilium)
    base = mtu + overhead[0] if isinstance(overhead, tuple) else None
    return CNI(type="cilium", cilium=cilium.model_copy(update={"mtu": base}))


def _kube_router(spec: PreflightSpec) -> KubeRouter:
    """kube-router as k0s installs it, in the planned mode (its MTU detected)."""
    return KubeRouter(
        run_router=True,
        enable_overlay=spec.mode != "none",
        overlay_type="full" if spec.mode == "full" else "subnet",
        overlay_encap="fou" if spec.mode == "fou" else "ipip",
        overlay_encap_port=5555,
        enable_pod_egress=spec.nat_outgoing,
        bgp_port=179,
        nodes_full_mesh=True,
        enable_ibgp=True,
        peer_router_ips=(),
        run_service_proxy=False,
        auto_mtu=True,
        enable_ipv4=4 in spec.families,
        enable_ipv6=6 in spec.families,
    )


@dataclass
class PlannedCloud:
    """The OpenStack side of the planned snapshot, before ports are decided."""

    network: Network
    subnets: list[Subnet]
    routers: list[Router]
    groups: list[SecurityGroup]
    ports: dict[str, Port]  # node name -> existing port
    other_ports: list[Port]
    other_subnets: list[Subnet]


def planned_cloud(spec: PreflightSpec) -> PlannedCloud:
    """The chosen network from the OpenStack record, or a planned one when there is none."""
    if spec.openstack is not None and spec.network_id is not None:
        return _recorded_cloud(spec, spec.openstack, spec.network_id)
    return _new_cloud(spec)


def _recorded_cloud(spec: PreflightSpec, os_: OpenStack, network_id: str) -> PlannedCloud:
    """Network `network_id` of the record: its subnets, routers, the nodes' existing ports."""
    nets = {n.id: n for n in os_.networks or ()}
    network = nets.get(network_id)
    if network is None:
        raise PreflightError(Msg("pf.err.unknown-network", network=network_id))
    all_subnets = list(os_.subnets or ())
    subnets = [s for s in all_subnets if s.network_id == network.id]
    if not subnets:
        raise PreflightError(Msg("pf.err.no-subnet", network=network.name or network.id))
    by_ip: dict[IPAddress, Port] = {}
    for p in os_.ports or ():
        if p.network_id == network.id:
            for f in p.fixed_ips:
                by_ip[f.ip_address] = p
    ports = {n.name: by_ip[n.ip] for n in spec.nodes if n.ip in by_ip}
    used = {p.id for p in ports.values()}
    groups = list(os_.security_groups or ())
    if not any(g.name == "default" for g in groups):
        groups.append(default_group())
    subnet_ids = {s.id for s in subnets}
    routers = [r for r in os_.routers or () if subnet_ids & set(r.interface_subnet_ids)]
    return PlannedCloud(
        network,
        subnets,
        routers,
        groups,
        ports,
        [p for p in os_.ports or () if p.id not in used],
        [s for s in all_subnets if s.network_id != network.id],
    )


def _new_cloud(spec: PreflightSpec) -> PlannedCloud:
    """A planned network: a subnet per node /24 (/64) not in --subnet-cidr, a router, `default`."""
    backend = spec.backend
    mtu = spec.network_mtu or (1442 if backend == "ml2/ovn" else 1450)
    network = Network(
        id=PLANNED_NETWORK_ID,
        name="planned network",
        mtu=mtu,
        port_security_enabled=True,
        network_type="geneve" if backend == "ml2/ovn" else "vxlan",
    )
    # the name as a message: findings that name the network say it in the reader's language
    network = network.model_copy(update={"name": Msg("preflight.name.network")})
    cidrs: list[IPNetwork] = []
    if spec.subnet_cidr is not None:
        cidrs.append(spec.subnet_cidr)
    for n in spec.nodes:
        for ip in n.ips:
            if not any(ip.version == c.version and ip in c for c in cidrs):
                cidrs.append(
                    ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 64}", strict=False)
                )
    # named without the CIDR (messages print "subnet NAME CIDR"); an IPv6 subnet is
    # DHCPv6-stateful: on a SLAAC one Neutron refuses a chosen fixed IP (the address
    # comes from the MAC), and the planned ports are created with the node IPs given
    subnets = [
        Subnet(
            id=f"planned-subnet-{i}",
            name=f"planned-{i}",
            network_id=network.id,
            cidr=c,
            gateway_ip=first_host(c),
            ip_version=c.version,
            ipv6_ra_mode="dhcpv6-stateful" if c.version == 6 else None,
            ipv6_address_mode="dhcpv6-stateful" if c.version == 6 else None,
        )
        for i, c in enumerate(cidrs, 1)
    ]
    router = Router(
        id=PLANNED_ROUTER_ID,
        name="planned router",
        external_network_id="external",
        enable_snat=True,
        interface_subnet_ids=tuple(s.id for s in subnets),
    ).model_copy(update={"name": Msg("preflight.name.router")})
    return PlannedCloud(network, subnets, [router], [default_group()], {}, [], [])


def subnet_for(cloud: PlannedCloud, ip: IPAddress) -> Subnet:
    """The subnet of the network that holds node IP `ip` (PreflightError if none does)."""
    for s in cloud.subnets:
        if s.cidr.version == ip.version and ip in s.cidr:
            return s
    raise PreflightError(
        Msg("pf.err.ip-outside", ip=str(ip), network=cloud.network.name or cloud.network.id),
        Msg("pf.hint.ip-outside"),
    )


def _services(
    spec: PreflightSpec, cp: PlannedNode, dns_pods: list[tuple[str, IPAddress]]
) -> tuple[Service, ...]:
    """`kubernetes` and `kube-dns` as kubeadm creates them: single stack, the primary family
    (neither sets ipFamilyPolicy, so both are SingleStack on a dual-stack cluster too)."""
    dns_ip = ipaddress.ip_address(int(spec.service_cidr.network_address) + 10)
    return (
        Service(
            namespace="default",
            name="kubernetes",
            cluster_ip=first_host(spec.service_cidr),
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
                ServiceEndpoint(ip=ip, node=node, ports={"dns": 53, "dns-tcp": 53})
                for node, ip in dns_pods
            ),
        ),
    )


def planned_cluster(spec: PreflightSpec, mtu: int) -> Cluster:
    """The cluster part of the planned snapshot: nodes, services, CIDRs, the CNI (per family)."""
    per_family = [node_pod_cidrs(spec, v) for v in spec.families]  # [family][node]
    blocks_per_family = [node_blocks(cidrs) for cidrs in per_family]
    nodes = tuple(
        Node(
            name=n.name,
            roles=("control-plane",) if n.control_plane else (),
            internal_ip=n.ip,
            addresses=tuple(NodeAddress(type="InternalIP", address=str(ip)) for ip in n.ips),
            pod_cidrs=tuple(cidrs[i] for cidrs in per_family),
            ready=True,
        )
        for i, n in enumerate(spec.nodes)
    )
    cp = next(n for n in spec.nodes if n.control_plane)
    dns_nodes = [cp, *(n for n in spec.nodes if not n.control_plane)][:2]
    index = {n.name: i for i, n in enumerate(spec.nodes)}
    source = blocks_per_family if spec.cni == "calico" else per_family
    dns_pods = [(n.name, first_host(source[0][index[n.name]])) for n in dns_nodes]
    blocks = [(fam[i], n.name) for fam in blocks_per_family for i, n in enumerate(spec.nodes)]
    return Cluster(
        name="planned",
        nodes=nodes,
        pods=_pods(spec, per_family),
        services=_services(spec, cp, dns_pods),
        pod_cidrs=spec.pod_cidrs,
        service_cidrs=spec.service_cidrs,
        cluster_dns_ip=ipaddress.ip_address(int(spec.service_cidr.network_address) + 10),
        kube_proxy_mode="none" if spec.cni == "ovn-kubernetes" else "iptables",
        cni=_cni(spec, blocks, mtu),
    )


def _pods(spec: PreflightSpec, per_family: list[list[IPNetwork]]) -> tuple[Pod, ...]:
    """A pod per node, for a CNI whose pods do not take addresses from the Nodes' podCIDRs
    (Kube-OVN: from its Subnets; the engine judges pod traffic by the pods it sees): at the
    first address of the node's share of each pod CIDR (kube-dns's pods are among them)."""
    if spec.cni != "kube-ovn":
        return ()
    return tuple(
        Pod(
            namespace="default",
            name=f"planned-{n.name}",
            node=n.name,
            ip=first_host(per_family[0][i]),
            ips=tuple(first_host(cidrs[i]) for cidrs in per_family),
            phase="Running",
        )
        for i, n in enumerate(spec.nodes)
    )


def planned_snapshot(
    spec: PreflightSpec,
    cloud: PlannedCloud,
    mtu: int,
    ports: dict[str, Port],
    groups: list[SecurityGroup],
    routers: list[Router],
) -> Snapshot:
    """The snapshot diagnosis reads: the planned cluster, the cloud with these ports."""
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


__all__ = [
    "PlannedCloud",
    "default_group",
    "node_blocks",
    "node_pod_cidrs",
    "planned_cloud",
    "planned_cluster",
    "planned_mac",
    "planned_snapshot",
    "subnet_for",
]
