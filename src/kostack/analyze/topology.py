"""Indexes over a snapshot that the engine and the checks share.

Pure: built from a Snapshot, no I/O. Built once per analysis.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from kostack.model.snapshot import (
    CalicoIPPool,
    IPAddress,
    IPNetwork,
    Network,
    Node,
    Pod,
    Port,
    Router,
    SecurityGroup,
    Service,
    Snapshot,
    Subnet,
)

# Cilium IPAM modes: its operator's own pools (per node in CiliumNode objects), and
# the host-scope modes that take each Node's spec.podCIDRs.
CILIUM_POOL_MODES = frozenset({"cluster-pool", "multi-pool"})
CILIUM_NODE_CIDR_MODES = frozenset({"kubernetes", "hostscope-legacy"})

PROTOCOL_NUMBERS: dict[str, int] = {
    "icmp": 1,
    "igmp": 2,
    "ipip": 4,
    "tcp": 6,
    "egp": 8,
    "udp": 17,
    "ipv6-encap": 41,
    "dccp": 33,
    "rsvp": 46,
    "gre": 47,
    "esp": 50,
    "ah": 51,
    "icmpv6": 58,
    "ipv6-icmp": 58,
    "ospf": 89,
    "vrrp": 112,
    "pgm": 113,
    "sctp": 132,
    "udplite": 136,
}
PROTOCOL_NAMES: dict[int, str] = {1: "icmp", 4: "ipip", 6: "tcp", 17: "udp", 47: "gre", 132: "sctp"}
PORTED_PROTOCOLS = frozenset({6, 17, 132, 33, 136})


def protocol_number(protocol: str | None) -> int | str | None:
    """Neutron protocol field -> IP protocol number; None means any; a str is unrecognised."""
    if protocol is None:
        return None
    p = protocol.strip().lower()
    if p in ("", "any"):
        return None
    if p.isdigit():
        return int(p)
    return PROTOCOL_NUMBERS.get(p, p)


def protocol_label(number: int) -> str:
    return PROTOCOL_NAMES.get(number, str(number))


def net_within(inner: IPNetwork, outer: IPNetwork) -> bool:
    """``inner`` lies inside ``outer`` (False across IP versions)."""
    if inner.version != outer.version:
        return False
    return inner.subnet_of(outer)  # type: ignore[arg-type]  # same version checked above


def first_host(block: IPNetwork) -> IPAddress:
    """The first usable address of a block (the network address for /32 and /128)."""
    host = next(iter(block.hosts()), block.network_address)
    return (
        ipaddress.ip_address(int(host)) if block.version == 4 else ipaddress.IPv6Address(int(host))
    )


def short_id(identifier: str) -> str:
    """The first 4 characters of an id and an ellipsis, as the screens show ports."""
    return identifier[:4] + ".." if len(identifier) > 6 else identifier


@dataclass(frozen=True)
class NodeView:
    """A node with everything the engine needs about it resolved once."""

    node: Node
    ip: IPAddress | None
    port: Port | None
    port_note: str
    subnet: Subnet | None
    blocks: tuple[IPNetwork, ...]

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def is_control_plane(self) -> bool:
        return self.node.is_control_plane

    def port_label(self) -> str:
        if self.port is None:
            return f"(no Neutron port for {self.name})"
        return f"Neutron port {short_id(self.port.id)} ({self.name})"


@dataclass
class GroupMembers:
    """Addresses of the ports in a security group, for remote-group rules."""

    fixed: set[IPAddress] = field(default_factory=set)
    pairs: list[IPNetwork] = field(default_factory=list)


class Topology:
    """Lookup tables over one snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        os_ = snapshot.openstack
        cl = snapshot.cluster
        self.ports: dict[str, Port] = {p.id: p for p in (os_.ports or ())} if os_ else {}
        self.groups: dict[str, SecurityGroup] = (
            {g.id: g for g in (os_.security_groups or ())} if os_ else {}
        )
        self.subnets: dict[str, Subnet] = {s.id: s for s in (os_.subnets or ())} if os_ else {}
        self.networks: dict[str, Network] = {n.id: n for n in (os_.networks or ())} if os_ else {}
        self.routers: tuple[Router, ...] = (os_.routers or ()) if os_ else ()
        self.backend = os_.backend if os_ else None
        self.nodes: dict[str, Node] = {n.name: n for n in (cl.nodes or ())} if cl else {}
        self.pods: tuple[Pod, ...] = (cl.pods or ()) if cl else ()
        self.services: dict[tuple[str, str], Service] = (
            {(s.namespace, s.name): s for s in (cl.services or ())} if cl else {}
        )
        self.links = {link.node: link for link in (snapshot.node_ports or ())}
        self.node_views: dict[str, NodeView] = {n.name: self._view(n) for n in self.nodes.values()}
        self.node_by_ip: dict[IPAddress, NodeView] = {
            v.ip: v for v in self.node_views.values() if v.ip is not None
        }

    # ------------------------------------------------------------------ nodes

    def _view(self, node: Node) -> NodeView:
        ip = node.internal_ip
        port: Port | None = None
        note = ""
        link = self.links.get(node.name)
        if self.snapshot.node_ports is None:
            note = "the node-to-port mapping was not collected"
        elif link is None:
            note = f"no node_ports entry for node {node.name}"
        elif link.port_id is None:
            note = link.note or f"no Neutron port matched node {node.name}"
        else:
            port = self.ports.get(link.port_id)
            if port is None:
                note = f"port {link.port_id} is not in the snapshot"
        subnet: Subnet | None = None
        if port is not None:
            for fip in port.fixed_ips:
                if fip.ip_address == ip and fip.subnet_id in self.subnets:
                    subnet = self.subnets[fip.subnet_id]
                    break
            else:
                if port.fixed_ips and port.fixed_ips[0].subnet_id in self.subnets:
                    subnet = self.subnets[port.fixed_ips[0].subnet_id or ""]
        if subnet is None and ip is not None:
            subnet = self.subnet_of(ip)
        return NodeView(node, ip, port, note, subnet, self._blocks_of(node))

    def _blocks_of(self, node: Node) -> tuple[IPNetwork, ...]:
        """The pod ranges the CNI gave ``node`` (see ``node_cidrs_used``)."""
        blocks = self.blocks_by_node.get(node.name)
        if blocks:
            return tuple(blocks)
        return node.pod_cidrs if self.node_cidrs_used else ()

    @cached_property
    def blocks_by_node(self) -> dict[str, list[IPNetwork]]:
        """Per-node ranges the CNI allocates from itself: Calico's IPAM blocks (by their
        host affinity), Cilium's CiliumNode spec.ipam (cluster-pool and multi-pool)."""
        out: dict[str, list[IPNetwork]] = defaultdict(list)
        cni = self.snapshot.cluster.cni if self.snapshot.cluster else None
        calico = cni.calico if cni is not None else None
        if calico is not None and calico.blocks:
            for b in calico.blocks:
                if b.node:
                    out[b.node].append(b.cidr)
        cilium = cni.cilium if cni is not None else None
        if cilium is not None and cilium.ipam_mode in CILIUM_POOL_MODES:
            for entry in cilium.nodes or ():
                out[entry.name].extend((*entry.pod_cidrs, *entry.pool_cidrs))
        return out

    @cached_property
    def node_cidrs_used(self) -> bool:
        """Whether Node spec.podCIDRs are where pods get addresses.

        Yes for Flannel's kube subnet manager and Cilium's kubernetes (host-scope)
        IPAM; no for Cilium's own pools (the operator ignores them) and Flannel's
        etcd leases. Calico allocates from IPAM blocks; a node without one has no
        pod range yet, and only when the blocks were not collected are the Node's
        podCIDRs used as the best guess there is.
        """
        cni = self.snapshot.cluster.cni if self.snapshot.cluster else None
        if cni is None:
            return True
        if cni.type == "calico" and cni.calico is not None:
            return cni.calico.blocks is None
        if cni.type == "cilium" and cni.cilium is not None and cni.cilium.ipam_mode:
            return cni.cilium.ipam_mode in CILIUM_NODE_CIDR_MODES
        if cni.type == "flannel" and cni.flannel is not None:
            return cni.flannel.kube_subnet_mgr is not False
        return True

    def subnet_of(self, ip: IPAddress) -> Subnet | None:
        for sn in self.subnets.values():
            if sn.cidr.version == ip.version and ip in sn.cidr:
                return sn
        return None

    def node_of_pod_ip(self, ip: IPAddress) -> NodeView | None:
        """The node that owns ``ip`` by its pod blocks (most specific block wins)."""
        best: tuple[int, NodeView] | None = None
        for view in self.node_views.values():
            for block in view.blocks:
                better = best is None or block.prefixlen > best[0]
                if better and block.version == ip.version and ip in block:
                    best = (block.prefixlen, view)
        return best[1] if best else None

    # ------------------------------------------------------------------ cluster

    @cached_property
    def pod_by_ip(self) -> dict[IPAddress, Pod]:
        return {p.ip: p for p in self.pods if p.ip is not None and not p.host_network}

    @cached_property
    def pod_by_name(self) -> dict[tuple[str, str], Pod]:
        return {(p.namespace, p.name): p for p in self.pods}

    @cached_property
    def service_by_ip(self) -> dict[IPAddress, Service]:
        return {s.cluster_ip: s for s in self.services.values() if s.cluster_ip is not None}

    @property
    def pod_cidrs(self) -> tuple[IPNetwork, ...]:
        """The ranges pods get addresses from: the snapshot's, else the CNI's own pools."""
        cl = self.snapshot.cluster
        if cl is not None and cl.pod_cidrs:
            return cl.pod_cidrs
        pools = self.calico_pools
        if pools:
            return tuple(p.cidr for p in pools if not p.disabled)
        cni = cl.cni if cl is not None else None
        if cni is not None and cni.cilium is not None and cni.cilium.cluster_pool_cidrs:
            return cni.cilium.cluster_pool_cidrs
        if cni is not None and cni.flannel is not None and cni.flannel.network is not None:
            return (cni.flannel.network,)
        return ()

    @property
    def service_cidrs(self) -> tuple[IPNetwork, ...]:
        cl = self.snapshot.cluster
        return cl.service_cidrs or () if cl is not None else ()

    @property
    def calico_pools(self) -> tuple[CalicoIPPool, ...]:
        cl = self.snapshot.cluster
        if cl is None or cl.cni.calico is None or cl.cni.calico.ip_pools is None:
            return ()
        return cl.cni.calico.ip_pools

    def pool_for(self, ip: IPAddress) -> CalicoIPPool | None:
        best: CalicoIPPool | None = None
        for pool in self.calico_pools:
            better = best is None or pool.cidr.prefixlen > best.cidr.prefixlen
            if better and pool.cidr.version == ip.version and ip in pool.cidr:
                best = pool
        return best

    def in_pod_network(self, ip: IPAddress) -> bool:
        return any(c.version == ip.version and ip in c for c in self.pod_cidrs)

    # ------------------------------------------------------------------ neutron

    @cached_property
    def members(self) -> dict[str, GroupMembers]:
        out: dict[str, GroupMembers] = defaultdict(GroupMembers)
        for port in self.ports.values():
            for sg in port.security_group_ids:
                m = out[sg]
                m.fixed.update(f.ip_address for f in port.fixed_ips)
                m.pairs.extend(p.ip_address for p in port.allowed_address_pairs)
        return out

    def router_for_subnet(self, subnet_id: str) -> Router | None:
        for r in self.routers:
            if subnet_id in r.interface_subnet_ids:
                return r
        return None

    def network_of(self, view: NodeView) -> Network | None:
        if view.port is not None:
            return self.networks.get(view.port.network_id)
        if view.subnet is not None:
            return self.networks.get(view.subnet.network_id)
        return None


def parse_ip(text: str) -> IPAddress:
    return ipaddress.ip_address(text)
