"""The ends of the flow families (flows.py): a representative pod on each node (one per
Calico pool where a family has several), every node by its address of a family, a Service's
ready endpoints, an address outside the cluster."""

from __future__ import annotations

import ipaddress
from functools import cached_property

from kostack.analyze.engine.calico_moved import calico_views
from kostack.analyze.engine.endpoints import classify_ip, node_label, pod_label, pod_on_label
from kostack.analyze.engine.family_records import End
from kostack.analyze.engine.types import Endpoint
from kostack.analyze.prefixes import first_host
from kostack.analyze.topology import NodeView, Topology
from kostack.model.snapshot import IPAddress, Pod, Service


def pool_key(topo: Topology, ip: IPAddress) -> object:
    """The Calico pool an address is in (its CIDR; None: in none)."""
    pool = topo.pool_for(ip)
    return pool.cidr if pool is not None else None


class PodsOnNodes:
    """A representative pod on each node, for the flows from and to pods (over ``topo``);
    with several Calico pools of a family, one per pool in use on the node (`pods_on`)."""

    topo: Topology

    @property
    def _pods_by_node(self) -> dict[str, Pod]:
        return self.topo.pod_by_node  # shared by the plan's verifying diagnoses (`Topology`)

    @cached_property
    def multi_pool_versions(self) -> frozenset[int]:
        """The families with more than one Calico IP pool: their pods are judged per pool."""
        seen: dict[int, set[object]] = {}
        for p in self.topo.calico_pools:
            seen.setdefault(p.version, set()).add(p.cidr)
        return frozenset(v for v, cidrs in seen.items() if len(cidrs) > 1)

    @cached_property
    def _pods_by_node_pool(self) -> dict[str, dict[tuple[int, object], Pod]]:
        """The first pod of each (node, family, pool), for the families of several pools."""
        out: dict[str, dict[tuple[int, object], Pod]] = {}
        multi = self.multi_pool_versions
        for pod in self.topo.pods:
            if not pod.node or pod.ip is None or pod.host_network:
                continue
            for a in pod.addresses:
                if a.version in multi:
                    out.setdefault(pod.node, {}).setdefault(
                        (a.version, pool_key(self.topo, a)), pod
                    )
        return out

    def pods_on(self, view: NodeView, version: int | None = None) -> list[Endpoint]:
        """`pod_on` first, then, where the family has several Calico pools, one pod for each
        other pool that has a pod or a block on ``view`` (a real pod, else the block's first
        address): each pool's encapsulation and pod source are judged (docs/engine.md,
        "Several IP pools")."""
        first = self.pod_on(view, version)
        if first is None or first.ip is None or first.ip.version not in self.multi_pool_versions:
            return [first] if first is not None else []
        family = first.ip.version
        seen = {pool_key(self.topo, first.ip)}
        out = [first]
        for (v, key), pod in self._pods_by_node_pool.get(view.name, {}).items():
            if v != family or key in seen:
                continue
            seen.add(key)
            ip = next(a for a in pod.addresses if a.version == family)
            out.append(Endpoint("pod", pod_label(pod.namespace, pod.name, ip), ip, view.name))
        for block in view.blocks:
            if block.version != family:
                continue
            ip = first_host(block)
            key = pool_key(self.topo, ip)
            if key not in seen:
                seen.add(key)
                out.append(Endpoint("pod", pod_on_label(view.name, ip), ip, view.name))
        return out

    def pod_on(self, view: NodeView, version: int | None = None) -> Endpoint | None:
        """A pod on ``view``: a real one when the snapshot has one, else an address in its block;
        by its address of family ``version`` (None: the pod's primary one, the first block)."""
        pod = self._pods_by_node.get(view.name)
        # the primary address comes first (model/snapshot.py Pod.addresses)
        ip = next((a for a in pod.addresses if version in (None, a.version)), None) if pod else None
        if pod is not None and ip is not None:
            return Endpoint("pod", pod_label(pod.namespace, pod.name, ip), ip, view.name)
        block = next((b for b in view.blocks if version in (None, b.version)), None)
        if block is None:
            return None
        ip = first_host(block)
        return Endpoint("pod", pod_on_label(view.name, ip), ip, view.name)


class ClusterEnds(PodsOnNodes):
    """The ends every flow family is judged between (`ClusterFlows` sets ``topo`` and
    ``egress_target``)."""

    egress_target: IPAddress

    @cached_property
    def pods(self) -> list[End]:
        return self._pods(None)

    def _pods(self, version: int | None) -> list[End]:
        """A pod on every node that has one, by its address of ``version`` (None: the primary)."""
        out = []
        for v in self.topo.node_views.values():
            for ep in self.pods_on(v, version):
                if ep.ip is not None:
                    out.append(End(v, ep, ep.ip))
        return out

    @cached_property
    def versions(self) -> tuple[int, ...]:
        """The pod address families of the cluster, the primary (that of ``pods``) first."""
        found = {c.version for c in self.topo.pod_cidrs or ()}
        found |= {b.version for v in self.topo.node_views.values() for b in v.blocks}
        found |= {ip.version for p in self._pods_by_node.values() for ip in p.addresses}
        primary = self.pods[0].ip.version if self.pods else min(found, default=4)
        return (primary, *sorted(found - {primary}))

    def pods_of(self, version: int) -> list[End]:
        """A pod on every node, by its address of one family (``pods`` for the primary)."""
        if self.pods and self.pods[0].ip.version == version:
            return self.pods
        cache: dict[int, list[End]] = self.__dict__.setdefault("_pods_of", {})
        if version not in cache:
            cache[version] = self._pods(version)
        return cache[version]

    def outside_of(self, version: int) -> IPAddress:
        """The representative address outside the cluster in one family."""
        if self.egress_target.version == version:
            return self.egress_target
        return ipaddress.ip_address("2606:4700:4700::1111" if version == 6 else "1.1.1.1")

    @cached_property
    def nodes(self) -> list[End]:
        return [
            End(v, Endpoint("node", node_label(v.name, v.ip), v.ip, v.name), v.ip)
            for v in self.topo.node_views.values()
            if v.ip is not None
        ]

    def nodes_of(self, version: int) -> list[End]:
        """Every node by its address of one family (`nodes` when that is their primary)."""
        if self.nodes and all(e.ip.version == version for e in self.nodes):
            return self.nodes
        cache: dict[int, list[End]] = self.__dict__.setdefault("_nodes_of", {})
        if version not in cache:
            cache[version] = [
                End(v, Endpoint("node", node_label(v.name, ip), ip, v.name), ip)
                for v in self.topo.node_views.values()
                for ip in (v.ip_of(version),)
                if ip is not None
            ]
        return cache[version]

    def calico_ends(self, ends: list[End]) -> list[End]:
        """``ends`` with their nodes as Calico's traffic between nodes sees them (a node whose
        Calico address is on another port of its server: that port; a node end: that address;
        engine/calico_moved.py): ``ends`` itself when no such node is among them. One list per
        ``ends`` (the families remember their ends by identity)."""
        views = calico_views(self.topo)
        if not any(e.view is not None and views.get(e.name, e.view) is not e.view for e in ends):
            return ends
        cache: dict[int, tuple[list[End], list[End]]] = self.__dict__.setdefault("_calico", {})
        found = cache.get(id(ends))
        if found is None or found[0] is not ends:
            found = cache[id(ends)] = (ends, [_calico_end(e, views) for e in ends])
        return found[1]

    def service_ends(self, svc: Service, version: int | None = None) -> list[End]:
        """The ready endpoints (of one family: those a ClusterIP of it DNATs to)."""
        out = []
        for ep in svc.endpoints or ():
            if not ep.ready or (version is not None and ep.ip.version != version):
                continue
            target = classify_ip(self.topo, ep.ip)
            node = ep.node or target.node
            view = self.topo.node_views.get(node or "")
            label = f"{ep.pod.split('/')[-1]} {ep.ip}" if ep.pod else target.label
            ep_end = Endpoint("node" if target.kind == "node" else "pod", label, ep.ip, node)
            out.append(End(view, ep_end, ep.ip))
        return out

    @cached_property
    def outside(self) -> End:
        return End(None, classify_ip(self.topo, self.egress_target), self.egress_target)


def _calico_end(e: End, views: dict[str, NodeView]) -> End:
    """``e`` on its node as Calico's traffic sees it (`ClusterFlows.calico_ends`)."""
    view = views.get(e.name) if e.view is not None else None
    if view is None or view is e.view:
        return e
    if e.endpoint.kind != "node":
        return End(view, e.endpoint, e.ip)
    ip = view.ip_of(e.ip.version)
    if ip is None:
        return e
    return End(view, Endpoint("node", node_label(view.name, ip), ip, view.name), ip)
