"""Node classes and traced representative flows, for the probe plan and the report picture.

The checks judge every pair through `kostack.analyze.flows` (engine/families.py).
This view groups nodes into classes the same way (what their ports admit, not
how their rules read), for consumers that want a picture or a probe per class:
pod to pod traced per pair of the few classes a picture draws, or counted per
relation for all of them (`Matrix.pod_to_pod_tally`, engine/tally.py).
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from functools import cached_property

from kostack.analyze.engine.family_records import End
from kostack.analyze.engine.tally import Group, outcome_of, tally
from kostack.analyze.flow_ends import PodsOnNodes, pool_key
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.messages import Msg, register
from kostack.analyze.reach import Endpoint, FlowResult, classify_ip, svc_label, trace
from kostack.analyze.topology import NodeView, Topology
from kostack.model.snapshot import IPAddress

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
class LabelFlow:
    """Pod-to-pod pairs from nodes labelled ``src`` to nodes labelled ``dst`` with one outcome."""

    src: Hashable
    dst: Hashable
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


class Matrix(PodsOnNodes):
    """Shared, lazily computed flows over node classes."""

    def __init__(
        self,
        topo: Topology,
        egress_target: IPAddress | None = None,
        flows: ClusterFlows | None = None,
    ) -> None:
        """``flows``: reuse a diagnosis' families instead of evaluating them again."""
        self.topo = topo
        self.egress_target: IPAddress = egress_target or ipaddress.ip_address("1.1.1.1")
        if flows is not None:
            self.__dict__["flows"] = flows

    # ------------------------------------------------------------------ classes

    @cached_property
    def flows(self) -> ClusterFlows:
        return ClusterFlows(self.topo.snapshot, self.egress_target)

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

    @cached_property
    def classes(self) -> tuple[NodeClass, ...]:
        """Nodes the engine treats alike: the same source and target class of the pod-to-pod
        family (engine/families.py: what their admitted sets admit, not how the rules read),
        the same role, the same service endpoints hosted, the same ClusterIP hop for the node's
        pod (analyze/proxy_classes.py: a class's DNS and API traces hold for all its nodes)."""
        sources, targets = self.flows.pod_classes
        proxy = self.flows.proxy_classes_of().of_node
        src_of = {m.name: c.id for c in sources for m in c.members}
        dst_of = {m.name: c.id for c in targets for m in c.members}
        groups: dict[tuple[object, ...], list[NodeView]] = defaultdict(list)
        for view in self.topo.node_views.values():
            key = (
                src_of.get(view.name),
                dst_of.get(view.name),
                view.is_control_plane,
                view.subnet.id if view.subnet else None,
                self._special_ips.get(view.name, frozenset()),
                proxy.get(view.name),
            )
            groups[key].append(view)
        return tuple(NodeClass(k, tuple(v)) for k, v in groups.items())

    # ------------------------------------------------------------------ flows

    def pod_to_pod_between(self, classes: Iterable[NodeClass]) -> tuple[PairFlow, ...]:
        """One traced pod-to-pod TCP flow per ordered pair of ``classes`` (across nodes), in
        the order of `classes`: for the few a picture draws (a trace per pair drawn)."""
        chosen = {id(c) for c in classes}
        picked = [c for c in self.classes if id(c) in chosen]
        out: list[PairFlow] = []
        for a in picked:
            for b in picked:
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

    def pod_to_pod(self, src_v: NodeView, dst_v: NodeView) -> FlowResult | None:
        """Pod-to-pod TCP from a pod on ``src_v`` to one on ``dst_v``: the first pods', and,
        with several Calico pools, each pool's on both nodes; the first that fails (a pool
        without its wire breaks the pair), else the first pods' (None: no pod)."""
        src, dst = self.pod_on(src_v), self.pod_on(dst_v)
        if src is None or dst is None:
            return None
        first = (src, dst)
        pairs = [first]
        if self.multi_pool_versions:  # bounded by the pools on the two nodes
            theirs = {pool_key(self.topo, e.ip): e for e in self.pods_on(dst_v) if e.ip}
            for e in self.pods_on(src_v):
                twin = theirs.get(pool_key(self.topo, e.ip)) if e.ip else None
                if twin is not None and (e, twin) != first:
                    pairs.append((e, twin))
        first_result = trace(self.topo, src, dst, "tcp", POD_PORT)[0]
        if first_result.blocking is not None:
            return first_result
        results = (trace(self.topo, s, d, "tcp", POD_PORT)[0] for s, d in pairs[1:])
        return next((r for r in results if r.blocking is not None), first_result)

    def pod_to_pod_tally(self, label: Callable[[NodeClass], Hashable]) -> tuple[LabelFlow, ...]:
        """Pod-to-pod pairs between the classes' labels, per verdict: what `pod_to_pod_between`
        over every class would count, judged per relation (engine/tally.py), not per pair.

        Each entry holds the outcome of the family's situation its pairs are in (engine/
        pairs.py; traced on the world of `topo`), with pairs across nodes counted exactly.
        """
        fam = self.flows.pod_to_pod
        ends: dict[str, End] = {}
        # each node's first pod (one per IP pool follows it), as the family classed it
        for e in self.flows.calico_ends(self.flows.pods):
            ends.setdefault(e.name, e)
        groups = []
        for c in self.classes:
            first = ends.get(c.rep.name)
            if first is None:
                continue
            second = ends.get(c.members[1].name) if c.size > 1 else None
            groups.append(Group(label(c), first, second, c.size))
        counts = tally(self.flows.families, fam, groups, lambda s, t: ("tcp", POD_PORT))
        world = next((i for i, t in enumerate(self.flows.topos) if t is self.topo), 0)
        out = []
        for (src, dst, key, order), pairs in counts.items():
            result = outcome_of(fam, key, world, order)
            if result is None:  # the family judges every situation that has a pair across nodes
                raise RuntimeError(f"pod-to-pod situation not judged: {key}")
            out.append(LabelFlow(src, dst, pairs, result))
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
        dst = Endpoint("service", svc_label(namespace, name, svc.cluster_ip), svc.cluster_ip)
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
        svc = self.topo.dns_service
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
