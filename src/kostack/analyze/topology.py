"""Indexes over a snapshot that the engine and the checks share.

Pure: built from a Snapshot, no I/O. Built once per analysis. The address-block
arithmetic they use is in `kostack.analyze.prefixes`, the rules' protocols and ports in
`kostack.analyze.protocols`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from kostack.analyze.engine.cases import World, effective_backend, resolve
from kostack.analyze.messages import Msg, register
from kostack.analyze.prefixes import PrefixIndex as PrefixIndex  # re-exported: checks import it
from kostack.analyze.prefixes import net_within as net_within  # re-exported: checks import it
from kostack.match_words import note_of
from kostack.model.snapshot import (
    CalicoIPPool,
    FloatingIP,
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

register(
    {
        "topo.no-mapping": {
            "en": "the node-to-port mapping was not collected",
            "ko": "노드-포트 매칭 정보를 수집하지 못했습니다",
        },
        "topo.no-entry": {
            "en": "no node_ports entry for node {node}",
            "ko": "node_ports에 노드 {node} 항목이 없습니다",
        },
        "topo.no-match": {
            "en": "no Neutron port matched node {node}",
            "ko": "노드 {node:과/와} 매칭되는 Neutron 포트가 없습니다",
        },
        "topo.recorded": {"en": "{note}", "ko": "수집 기록: {note}"},
        "topo.port-missing": {
            "en": "port {port} is not in the snapshot",
            "ko": "포트 {port:이/가} 스냅샷에 없습니다",
        },
        "topo.label-no-port": {
            "en": "(no Neutron port for {node})",
            "ko": "(노드 {node}의 Neutron 포트 없음)",
        },
        "topo.label-port": {
            "en": "Neutron port {port} ({node})",
            "ko": "Neutron 포트 {port} ({node})",
        },
        "topo.node-note": {"en": "node {node}: {note}", "ko": "노드 {node}: {note}"},
    }
)


def family_ip(pod: Pod, family: int | None) -> IPAddress | None:
    """The pod's address of ``family`` (None: any): its primary address when of that family
    (the first of every family's, model/cluster.py), else its first of the family."""
    ip = pod.ip
    if ip is None or (family is not None and ip.version != family):
        ip = next((a for a in pod.addresses if family in (None, a.version)), None)
    return ip


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
    # the node's name, read on every lookup of the engine (an attribute, not a property)
    name: str = field(init=False, repr=False, compare=False)
    # every InternalIP of the node, ``ip`` first (a dual-stack node has one per family)
    ips: tuple[IPAddress, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.node.name)
        ips = self.node.internal_ips
        if self.ip is not None and (not ips or ips[0] != self.ip):
            ips = (self.ip, *(a for a in ips if a != self.ip))
        object.__setattr__(self, "ips", ips)

    def ip_of(self, version: int) -> IPAddress | None:
        """The node's address of one family (4 or 6): ``ip`` when it is of that family."""
        ip = self.ip
        if ip is not None and ip.version == version:
            return ip
        return next((a for a in self.ips if a.version == version), None)

    @property
    def is_control_plane(self) -> bool:
        return self.node.is_control_plane

    def port_label(self) -> str:
        if self.port is None:
            return Msg("topo.label-no-port", node=self.name)
        return Msg("topo.label-port", port=short_id(self.port.id), node=self.name)


@dataclass
class GroupMembers:
    """Addresses of the ports in a security group, for remote-group rules."""

    fixed: set[IPAddress] = field(default_factory=set)
    pairs: list[IPNetwork] = field(default_factory=list)


@dataclass
class NodePods:
    """A node's first pod of an address family (`Topology.node_pods`), its address of that
    family, and how many of the node's pods have one."""

    node: str
    pod: Pod
    ip: IPAddress
    count: int = 1


# the lookup tables a topology builds from its pods alone (``reuse``)
POD_INDEXES = ("pod_by_ip", "pod_by_name", "pod_by_node", "node_pods_of")


class Topology:
    """Lookup tables over one snapshot, in one world of its open unknowns (engine/cases.py)."""

    def __init__(
        self, snapshot: Snapshot, world: World | None = None, reuse: Topology | None = None
    ) -> None:
        """``reuse``: a topology over the same pods (fix plan's verification diagnoses a copy of
        the snapshot with ports, groups and routers changed), whose pod indexes this one shares."""
        self.world = world or World()
        self.snapshot = resolve(snapshot, self.world)
        # analyses built on this topology and living exactly as long as it (e.g. the
        # load balancer analysis); never a module-level cache that could keep it alive
        self.derived: dict[str, object] = {}
        snapshot = self.snapshot
        os_ = snapshot.openstack
        cl = snapshot.cluster
        self.ports: dict[str, Port] = {p.id: p for p in (os_.ports or ())} if os_ else {}
        self.groups: dict[str, SecurityGroup] = (
            {g.id: g for g in (os_.security_groups or ())} if os_ else {}
        )
        self.subnets: dict[str, Subnet] = {s.id: s for s in (os_.subnets or ())} if os_ else {}
        self.networks: dict[str, Network] = {n.id: n for n in (os_.networks or ())} if os_ else {}
        self.routers: tuple[Router, ...] = (os_.routers or ()) if os_ else ()
        self.backend = self.world.backend or effective_backend(snapshot)
        self.nodes: dict[str, Node] = {n.name: n for n in (cl.nodes or ())} if cl else {}
        self.pods: tuple[Pod, ...] = (cl.pods or ()) if cl else ()
        if reuse is not None and reuse.pods is self.pods:
            self.__dict__.update({k: reuse.__dict__[k] for k in POD_INDEXES if k in reuse.__dict__})
        self.services: dict[tuple[str, str], Service] = (
            {(s.namespace, s.name): s for s in (cl.services or ())} if cl else {}
        )
        self.links = {link.node: link for link in (snapshot.node_ports or ())}
        self.node_views: dict[str, NodeView] = {n.name: self._view(n) for n in self.nodes.values()}
        # every node address of every family; a node's primary address wins a clash
        self.node_by_ip: dict[IPAddress, NodeView] = {
            a: v for v in self.node_views.values() for a in v.ips[1:]
        }
        self.node_by_ip.update({v.ip: v for v in self.node_views.values() if v.ip is not None})

    # ------------------------------------------------------------------ nodes

    def _view(self, node: Node) -> NodeView:
        ip = node.internal_ip
        port: Port | None = None
        note = ""
        link = self.links.get(node.name)
        if self.snapshot.node_ports is None:
            note = Msg("topo.no-mapping")
        elif link is None:
            note = Msg("topo.no-entry", node=node.name)
        elif link.port_id is None:
            note = (
                Msg("topo.recorded", note=note_of(link))
                if link.note
                else Msg("topo.no-match", node=node.name)
            )
        else:
            port = self.ports.get(link.port_id)
            if port is None:
                note = Msg("topo.port-missing", port=link.port_id)
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
        ovnk = cni.ovn_kubernetes if cni is not None else None
        for name, cidrs in ((ovnk.node_subnets if ovnk is not None else None) or {}).items():
            out[name].extend(cidrs)  # k8s.ovn.org/node-subnets (model/ovnk.py)
        return out

    @property
    def pod_range_sources(self) -> list[str]:
        """Where the snapshot says which pod ranges each node has (besides its pods)."""
        cni = self.snapshot.cluster.cni if self.snapshot.cluster else None
        out = []
        if cni is not None and cni.calico is not None:
            out.append("cluster.cni.calico.blocks")
        if cni is not None and cni.cilium is not None and cni.cilium.ipam_mode in CILIUM_POOL_MODES:
            out.append("cluster.cni.cilium.nodes")
        if cni is not None and cni.ovn_kubernetes is not None and cni.ovn_kubernetes.node_subnets:
            out.append("cluster.cni.ovn_kubernetes.node_subnets")
        if self.node_cidrs_used:
            out.append("cluster.nodes[].pod_cidrs")
        return out

    @cached_property
    def floating_ips_by_address(self) -> dict[IPAddress, FloatingIP] | None:
        """The project's floating IPs by address (None: not collected)."""
        os_ = self.snapshot.openstack
        if os_ is None or os_.floating_ips is None:
            return None
        return {f.floating_ip_address: f for f in os_.floating_ips}

    @property
    def pod_addresses_guessed(self) -> bool:
        """Calico, and neither its blocks nor the pods collected: every pod address is a guess
        from the Nodes' podCIDRs, which Calico IPAM does not allocate from."""
        cl = self.snapshot.cluster
        calico = cl.cni.calico if cl is not None and cl.cni.type == "calico" else None
        return cl is not None and cl.pods is None and calico is not None and calico.blocks is None

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
        if cni.type == "ovn-kubernetes":  # k8s.ovn.org/node-subnets; the Nodes' only as a guess
            return cni.ovn_kubernetes is None or cni.ovn_kubernetes.node_subnets is None
        return cni.type != "kube-ovn"  # Kube-OVN's pods take addresses from its Subnets

    @cached_property
    def _subnet_index(self) -> PrefixIndex[Subnet]:
        return PrefixIndex((sn.cidr, sn) for sn in self.subnets.values())

    def subnet_of(self, ip: IPAddress) -> Subnet | None:
        """The first subnet (in snapshot order) whose CIDR contains ``ip``."""
        return self._subnet_index.first_listed(ip)

    def node_subnet(self, view: NodeView, version: int) -> Subnet | None:
        """A node's subnet of one family: that of its primary address, else that of its
        address of ``version`` (None when it has none): a dual-stack node's IPv6 pod traffic
        runs between the nodes' IPv6 addresses."""
        if view.ip is None or view.ip.version == version:
            return view.subnet
        ip = view.ip_of(version)
        return self.subnet_of(ip) if ip is not None else None

    @cached_property
    def _block_index(self) -> PrefixIndex[NodeView]:
        return PrefixIndex(
            (block, view) for view in self.node_views.values() for block in view.blocks
        )

    def node_of_pod_ip(self, ip: IPAddress) -> NodeView | None:
        """The node that owns ``ip`` by its pod blocks (most specific block wins)."""
        return self._block_index.most_specific(ip)

    # ------------------------------------------------------------------ cluster

    @cached_property
    def pod_by_ip(self) -> dict[IPAddress, Pod]:
        """Every pod address of every family (status.podIPs); a primary address wins a clash."""
        out = {a: p for p in self.pods if not p.host_network for a in p.addresses}
        out.update({p.ip: p for p in self.pods if p.ip is not None and not p.host_network})
        return out

    @cached_property
    def pod_by_name(self) -> dict[tuple[str, str], Pod]:
        return {(p.namespace, p.name): p for p in self.pods}

    @cached_property
    def pod_by_node(self) -> dict[str, Pod]:
        """The first pod with an address (not on the host network) of each node."""
        out: dict[str, Pod] = {}
        for pod in self.pods:
            if pod.node and pod.ip is not None and not pod.host_network:
                out.setdefault(pod.node, pod)
        return out

    @cached_property
    def node_pods_of(self) -> dict[int | None, list[NodePods]]:
        """`node_pods` of each address family asked for, kept (a pod index: ``reuse``)."""
        return {}

    def node_pods(self, family: int | None) -> list[NodePods]:
        """Each node's first pod off the host network with an address of ``family`` (None: any;
        its primary address when of that family), in the order of those first pods, and how many
        such pods the node has: one pass over the pods, shared by fix plan's verifying
        diagnoses (analyze/proxy_classes.py)."""
        if family not in self.node_pods_of:
            firsts: dict[str, NodePods] = {}
            for pod in self.pods:
                node = pod.node
                ip = None if pod.host_network or not node else family_ip(pod, family)
                if ip is None or not node:
                    continue
                seen = firsts.get(node)
                if seen is None:
                    firsts[node] = NodePods(node, pod, ip)
                else:
                    seen.count += 1
            self.node_pods_of[family] = list(firsts.values())
        return self.node_pods_of[family]

    @cached_property
    def service_by_ip(self) -> dict[IPAddress, Service]:
        """Every ClusterIP of every family (spec.clusterIPs); a primary one wins a clash."""
        out = {a: s for s in self.services.values() for a in s.cluster_addresses}
        out.update({s.cluster_ip: s for s in self.services.values() if s.cluster_ip is not None})
        return out

    @cached_property
    def dns_service(self) -> Service | None:
        """kube-system/kube-dns, or the service at the cluster's DNS address."""
        svc = self.services.get(("kube-system", "kube-dns"))
        cl = self.snapshot.cluster
        if svc is None and cl is not None and cl.cluster_dns_ip is not None:
            svc = self.service_by_ip.get(cl.cluster_dns_ip)
        return svc

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
        if cni is not None and cni.ovn_kubernetes is not None:
            return cni.ovn_kubernetes.cluster_subnets or ()
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

    @cached_property
    def _pool_index(self) -> PrefixIndex[CalicoIPPool]:
        return PrefixIndex((pool.cidr, pool) for pool in self.calico_pools)

    def pool_for(self, ip: IPAddress) -> CalicoIPPool | None:
        """The most specific Calico pool containing ``ip`` (the first listed on a tie)."""
        return self._pool_index.most_specific(ip)

    @cached_property
    def _canal_pool_index(self) -> PrefixIndex[CalicoIPPool]:
        cl = self.snapshot.cluster
        fl = cl.cni.flannel if cl is not None else None
        return PrefixIndex((p.cidr, p) for p in (fl.canal_pools if fl else None) or ())

    def canal_pool_for(self, ip: IPAddress) -> CalicoIPPool | None:
        """Canal: the most specific of Calico's pools holding ``ip`` (Felix's natOutgoing)."""
        return self._canal_pool_index.most_specific(ip)

    @cached_property
    def _pool_by_cidr(self) -> dict[IPNetwork, CalicoIPPool]:
        out: dict[IPNetwork, CalicoIPPool] = {}
        for pool in self.calico_pools:
            out.setdefault(pool.cidr, pool)
        return out

    def calico_pool_of(self, cidr: IPNetwork) -> CalicoIPPool | None:
        """The (first listed) Calico pool whose CIDR is exactly ``cidr``."""
        return self._pool_by_cidr.get(cidr)

    @cached_property
    def _pod_cidr_index(self) -> PrefixIndex[IPNetwork]:
        return PrefixIndex((c, c) for c in self.pod_cidrs)

    def in_pod_network(self, ip: IPAddress) -> bool:
        return self._pod_cidr_index.most_specific(ip) is not None

    # ------------------------------------------------------------------ neutron

    @cached_property
    def members(self) -> dict[str, GroupMembers]:
        out: dict[str, GroupMembers] = defaultdict(GroupMembers)
        for port in self.ports.values():
            for sg in port.security_group_ids:
                m = out[sg]
                m.fixed.update(f.ip_address for f in port.fixed_ips)
                m.pairs.extend(p.ip_address for p in port.allowed_address_pairs)
        for m in out.values():  # one pair range on every port is one range (not one per port)
            m.pairs = list(dict.fromkeys(m.pairs))
        return out

    @cached_property
    def routers_by_subnet(self) -> dict[str, tuple[Router, ...]]:
        """Every router with an interface on each subnet, in the snapshot's order."""
        out: dict[str, list[Router]] = {}
        for r in self.routers:
            for subnet_id in dict.fromkeys(r.interface_subnet_ids):
                out.setdefault(subnet_id, []).append(r)
        return {k: tuple(v) for k, v in out.items()}

    def router_for_subnet(self, subnet_id: str) -> Router | None:
        """The first router with an interface on ``subnet_id``."""
        found = self.routers_by_subnet.get(subnet_id)
        return found[0] if found else None

    def network_of(self, view: NodeView) -> Network | None:
        if view.port is not None:
            return self.networks.get(view.port.network_id)
        if view.subnet is not None:
            return self.networks.get(view.subnet.network_id)
        return None
