"""Node classes and the flows the checks share.

A naive walk over every node pair is O(N^2) (25 million pairs at 5,000
nodes). Nodes that Neutron, the CNI and the security groups treat alike give
the same answer, so nodes are grouped into classes by everything the engine
looks at, and each class pair is traced once through a representative pair.
Counts are then multiplied back out.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from kostack.analyze.messages import Msg, register
from kostack.analyze.reach import Disposition, Endpoint, FlowResult, classify_ip, trace
from kostack.analyze.topology import NodeView, Topology, first_host, net_within, protocol_number
from kostack.model.snapshot import IPAddress, IPNetwork, Pod

POD_PORT = 8080  # a representative application port for pod-to-pod TCP

register(
    {
        "class.control-plane": {"en": "control-plane", "ko": "컨트롤 플레인"},
        "class.worker": {"en": "worker", "ko": "워커"},
        "class.one": {"en": "{role} node {names}", "ko": "{role} 노드 {names}"},
        "class.many": {"en": "{role} nodes {names}", "ko": "{role} 노드 {names}"},
        "class.many-more": {
            "en": "{role} nodes {names} and {more} more",
            "ko": "{role} 노드 {names} 외 {more}대",
        },
    }
)


@dataclass(frozen=True)
class NodeClass:
    key: tuple[object, ...]
    members: tuple[NodeView, ...]

    @property
    def rep(self) -> NodeView:
        return self.members[0]

    @property
    def size(self) -> int:
        return len(self.members)

    def label(self) -> str:
        names = ", ".join(m.name for m in self.members[:3])
        role = Msg("class.control-plane" if self.rep.is_control_plane else "class.worker")
        if self.size == 1:
            return Msg("class.one", role=role, names=names)
        if self.size > 3:
            return Msg("class.many-more", role=role, names=names, more=self.size - 3)
        return Msg("class.many", role=role, names=names)


@dataclass(frozen=True)
class PairFlow:
    src: NodeClass
    dst: NodeClass
    pairs: int
    result: FlowResult


@dataclass(frozen=True)
class ServiceFlows:
    """Pods on one node class -> one service: a result per endpoint."""

    src: NodeClass
    results: tuple[FlowResult, ...]
    what: str

    @property
    def failed(self) -> tuple[FlowResult, ...]:
        return tuple(r for r in self.results if not r.ok)


class Matrix:
    """Shared, lazily computed flows over node classes."""

    def __init__(self, topo: Topology, egress_target: IPAddress | None = None) -> None:
        self.topo = topo
        self.egress_target: IPAddress = egress_target or ipaddress.ip_address("1.1.1.1")
        self._rules_cache: dict[tuple[str, ...], object] = {}

    # ------------------------------------------------------------------ classes

    @cached_property
    def _interesting(self) -> tuple[tuple[int, int, int], ...]:
        """Address ranges cluster flows can have at either end (node subnets, pod CIDRs,
        the egress target), collapsed, as (version, first, last) integers."""
        nets: set[IPNetwork] = set(self.topo.pod_cidrs)
        for view in self.topo.node_views.values():
            if view.subnet is not None:
                nets.add(view.subnet.cidr)
            nets.update(view.blocks)
        nets.add(ipaddress.ip_network(self.egress_target))
        out: list[tuple[int, int, int]] = []
        for version in (4, 6):
            same = [n for n in nets if n.version == version]
            for n in ipaddress.collapse_addresses(same):  # type: ignore[type-var]  # one version at a time
                out.append((version, int(n.network_address), int(n.broadcast_address)))
        return tuple(out)

    def _relevant(self, prefix: IPNetwork | None) -> bool:
        if prefix is None or prefix.prefixlen == 0:
            return True
        lo, hi = int(prefix.network_address), int(prefix.broadcast_address)
        return any(
            v == prefix.version and lo <= last and first <= hi
            for v, first, last in self._interesting
        )

    @cached_property
    def _group_rules(self) -> dict[str, frozenset[tuple[object, ...]]]:
        """Per group, the content of its rules that can match a cluster flow (ids dropped).

        Two groups whose relevant rules read the same treat cluster traffic the
        same, however many unrelated rules they carry.
        """
        out: dict[str, frozenset[tuple[object, ...]]] = {}
        for gid, grp in self.topo.groups.items():
            out[gid] = frozenset(
                (
                    r.direction,
                    r.ethertype,
                    protocol_number(r.protocol),
                    r.port_range_min,
                    r.port_range_max,
                    r.remote_ip_prefix,
                    r.remote_group_id,
                    r.remote_address_group_id,
                )
                for r in grp.rules
                if self._relevant(r.remote_ip_prefix)
            )
        return out

    @cached_property
    def _remote_groups(self) -> tuple[str, ...]:
        return tuple(
            sorted(
                {str(rule[6]) for rules in self._group_rules.values() for rule in rules if rule[6]}
            )
        )

    @cached_property
    def _prefixes(self) -> tuple[IPNetwork, ...]:
        out = {
            rule[5]
            for rules in self._group_rules.values()
            for rule in rules
            if isinstance(rule[5], ipaddress.IPv4Network | ipaddress.IPv6Network)
            and rule[5].prefixlen > 0
        }
        return tuple(sorted(out, key=str))

    def _rules_of(self, group_ids: tuple[str, ...]) -> object:
        key = tuple(sorted(group_ids))
        cached = self._rules_cache.get(key)
        if cached is None:
            missing = tuple(g for g in key if g not in self._group_rules)
            rules: set[tuple[object, ...]] = set()
            for g in key:
                rules |= self._group_rules.get(g, frozenset())
            cached = (frozenset(rules), missing)
            self._rules_cache[key] = cached
        return cached

    @cached_property
    def _special_ips(self) -> dict[str, frozenset[str]]:
        """Nodes hosting endpoints of the services the checks probe."""
        out: dict[str, set[str]] = defaultdict(set)
        for key in (("kube-system", "kube-dns"), ("default", "kubernetes")):
            svc = self.topo.services.get(key)
            for ep in (svc.endpoints or ()) if svc else ():
                if ep.node:
                    out[ep.node].add(key[1])
        return {k: frozenset(v) for k, v in out.items()}

    def _signature(self, v: NodeView) -> tuple[object, ...]:
        port = v.port
        pairs: tuple[object, ...] = ()
        prefix_bits: tuple[object, ...] = ()
        if port is not None:
            covered = tuple(
                any(net_within(b, p.ip_address) for p in port.allowed_address_pairs)
                for b in v.blocks
            )
            pod_cover = tuple(
                any(net_within(c, p.ip_address) for p in port.allowed_address_pairs)
                for c in self.topo.pod_cidrs
            )
            pairs = (
                all(covered) if covered else None,
                any(covered),
                pod_cover,
                len(port.allowed_address_pairs) > 0,
            )
        if v.ip is not None:
            prefix_bits = tuple(
                (
                    p.version == v.ip.version and v.ip in p,
                    tuple(net_within(b, p) for b in v.blocks),
                )
                for p in self._prefixes
            )
        return (
            v.subnet.id if v.subnet else None,
            v.is_control_plane,
            port is not None,
            port.port_security_enabled if port else None,
            self._rules_of(port.security_group_ids) if port else (),
            tuple(g in port.security_group_ids for g in self._remote_groups) if port else (),
            pairs,
            prefix_bits,
            self._special_ips.get(v.name, frozenset()),
            bool(v.blocks),
        )

    @cached_property
    def classes(self) -> tuple[NodeClass, ...]:
        groups: dict[tuple[object, ...], list[NodeView]] = defaultdict(list)
        for view in self.topo.node_views.values():
            groups[self._signature(view)].append(view)
        return tuple(NodeClass(k, tuple(v)) for k, v in groups.items())

    # ------------------------------------------------------------------ representative pods

    @cached_property
    def _pods_by_node(self) -> dict[str, Pod]:
        out: dict[str, Pod] = {}
        for pod in self.topo.pods:
            if pod.node and pod.ip is not None and not pod.host_network and pod.node not in out:
                out[pod.node] = pod
        return out

    def pod_on(self, view: NodeView) -> Endpoint | None:
        """A pod on ``view``: a real one when the snapshot has one, else an address in its block."""
        pod = self._pods_by_node.get(view.name)
        if pod is not None and pod.ip is not None:
            return Endpoint("pod", f"pod {pod.namespace}/{pod.name} {pod.ip}", pod.ip, view.name)
        if not view.blocks:
            return None
        ip = first_host(view.blocks[0])
        return Endpoint("pod", f"a pod on {view.name} ({ip})", ip, view.name)

    # ------------------------------------------------------------------ flows

    @cached_property
    def pod_to_pod(self) -> tuple[PairFlow, ...]:
        """One traced pod-to-pod TCP flow per ordered pair of node classes (across nodes)."""
        out: list[PairFlow] = []
        for a in self.classes:
            for b in self.classes:
                if a is b:
                    if a.size < 2:
                        continue
                    src_v, dst_v, pairs = a.members[0], a.members[1], a.size * (a.size - 1)
                else:
                    src_v, dst_v, pairs = a.rep, b.rep, a.size * b.size
                src, dst = self.pod_on(src_v), self.pod_on(dst_v)
                if src is None or dst is None:
                    continue
                result = trace(self.topo, src, dst, "tcp", POD_PORT)[0]
                out.append(PairFlow(a, b, pairs, result))
        return tuple(out)

    @property
    def node_pairs(self) -> int:
        n = len(self.topo.node_views)
        return n * (n - 1)

    def service_flows(
        self, namespace: str, name: str, protocol: str, port: int
    ) -> tuple[ServiceFlows, ...] | None:
        svc = self.topo.services.get((namespace, name))
        if svc is None or svc.cluster_ip is None:
            return None
        dst = Endpoint("service", f"svc {namespace}/{name} {svc.cluster_ip}", svc.cluster_ip)
        out = []
        for cls in self.classes:
            src = self.pod_on(cls.rep)
            if src is None:
                continue
            out.append(
                ServiceFlows(
                    cls,
                    tuple(trace(self.topo, src, dst, protocol, port)),
                    f"{name}:{port}/{protocol}",
                )
            )
        return tuple(out)

    @cached_property
    def dns(self) -> tuple[ServiceFlows, ...] | None:
        return self._dns_flows()

    def _dns_flows(self) -> tuple[ServiceFlows, ...] | None:
        cl = self.topo.snapshot.cluster
        if cl is None:
            return None
        svc = self.topo.services.get(("kube-system", "kube-dns"))
        if svc is None and cl.cluster_dns_ip is not None:
            found = self.topo.service_by_ip.get(cl.cluster_dns_ip)
            if found is not None:
                svc = found
        if svc is None:
            return None
        udp = self.service_flows(svc.namespace, svc.name, "udp", 53) or ()
        tcp = self.service_flows(svc.namespace, svc.name, "tcp", 53) or ()
        return tuple(udp) + tuple(tcp)

    @cached_property
    def api(self) -> tuple[ServiceFlows, ...] | None:
        return self.service_flows("default", "kubernetes", "tcp", 443)

    @cached_property
    def egress(self) -> tuple[tuple[NodeClass, FlowResult], ...]:
        """Pods on each node class -> an address outside the cluster (TCP 443)."""
        dst = classify_ip(self.topo, self.egress_target)
        out = []
        for cls in self.classes:
            src = self.pod_on(cls.rep)
            if src is None:
                continue
            out.append((cls, trace(self.topo, src, dst, "tcp", 443)[0]))
        return tuple(out)

    def node_to_node(
        self, protocol: str, port: int | None, *, only: str = "all"
    ) -> tuple[PairFlow, ...]:
        """Node-sourced flows between node classes; ``only``: all | to-cp | from-cp | cp-cp."""
        out: list[PairFlow] = []
        for a in self.classes:
            for b in self.classes:
                if only == "to-cp" and not b.rep.is_control_plane:
                    continue
                if only == "from-cp" and not a.rep.is_control_plane:
                    continue
                if only == "cp-cp" and not (a.rep.is_control_plane and b.rep.is_control_plane):
                    continue
                if a is b:
                    if a.size < 2:
                        continue
                    s, d, pairs = a.members[0], a.members[1], a.size * (a.size - 1)
                else:
                    s, d, pairs = a.rep, b.rep, a.size * b.size
                if s.ip is None or d.ip is None:
                    continue
                src = Endpoint("node", f"node {s.name} {s.ip}", s.ip, s.name)
                dst = Endpoint("node", f"node {d.name} {d.ip}", d.ip, d.name)
                out.append(PairFlow(a, b, pairs, trace(self.topo, src, dst, protocol, port)[0]))
        return tuple(out)


def failed_pairs(flows: tuple[PairFlow, ...]) -> int:
    return sum(f.pairs for f in flows if f.result.verdict != Disposition.ACCEPTED)
