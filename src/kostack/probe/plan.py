"""The probe plan at scale: which probes run from where, each with the static model's prediction.

Pure: a function of a Snapshot, like the engine. Full-mesh probing is O(N^2)
(docs/facts.md section 4), so the plan covers every node-pair *class* the engine
distinguishes (same subnet, cross subnet, to and from the control plane, each
CNI path: `kostack.analyze.matrix.Matrix` classes) plus a bounded, seeded
random sample, never all pairs:

- sources: every node when there are at most ``max_sources``, else one
  representative per class plus a seeded sample of the rest;
- from every source: DNS over UDP and TCP to the cluster DNS IP, TCP and TLS
  to the `kubernetes` service, egress to a configurable target and, only
  when asked, a ping to the `kubernetes` ClusterIP (no reply expected);
- per ordered class pair (all of them up to ``ALL_PAIRS_CLASSES`` classes,
  else each class to its neighbour, to itself and to and from the control
  plane: O(classes)): pod-to-pod HTTP, ICMP to the pod and to the node, a
  DF-bit MTU ladder and a sized transfer;
- a ring over the sources in seeded order: pod-to-pod HTTP to the next one;
- in a dual-stack cluster (an IPv6 pod CIDR on a node or the cluster), the
  class-pair probes once more over IPv6 (kinds `pod-http6`, `icmp-pod6`,
  `icmp-node6`, `mtu6`, `transfer6`): the pod's IPv6 listener, the node's
  IPv6 InternalIP, each with its own path label and prediction (the engine
  traces each family on its own); the IPv6 MTU ladder is sized for the IPv6
  path (its tunnel's overhead: VXLAN over IPv6 is 70 bytes, not 50; sizes
  from 1280, IPv6's minimum link MTU). Unknown ("probe.ipv6-unmodelled")
  only where the snapshot has no IPv6 address for a pod or node.

Every planned probe carries the engine's prediction (`kostack.analyze.reach.
trace`): open, blocked at a hop (with the root-cause key of that hop), no
reply expected (a ClusterIP ping), partial (some service endpoints blocked)
or unknown, so what the probes see can be compared with the model.
Pod targets are "a pod on node X": the runner fills in the address of the
listener it has there (a lab pod, or its own echo pod).

The records live in `kostack.probe.plan_model` and the predictions in
`kostack.probe.predict`; this module re-exports the names it always had.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kostack.analyze.matrix import Matrix, NodeClass
from kostack.analyze.messages import Msg
from kostack.analyze.reach import classify_ip
from kostack.analyze.topology import NodeView, Topology
from kostack.model.snapshot import IPAddress, Snapshot
from kostack.probe.plan_model import (
    ALL_PAIRS_CLASSES,
    DEFAULT_EGRESS,
    DEFAULT_MAX_SOURCES,
    ECHO_PORT,
    IPV6_KINDS,
    KINDS,
    TRANSFER_SIZES,
    PlannedProbe,
    Prediction,
    ProbePlan,
    at_port,
)
from kostack.probe.plan_pools import pool_probes
from kostack.probe.predict import (
    mtu_prediction,
    path_label,
    pod6_on,
    predict_probe,
)

__all__ = [
    "ALL_PAIRS_CLASSES",
    "DEFAULT_MAX_SOURCES",
    "ECHO_PORT",
    "KINDS",
    "PlannedProbe",
    "Prediction",
    "ProbePlan",
    "build_probe_plan",
    "predict_probe",
]


def _dns_target(topo: Topology) -> IPAddress | None:
    cl = topo.snapshot.cluster
    if cl is not None and cl.cluster_dns_ip is not None:
        return cl.cluster_dns_ip
    svc = topo.services.get(("kube-system", "kube-dns"))
    return svc.cluster_ip if svc is not None else None


def _api_target(topo: Topology) -> tuple[IPAddress, int] | None:
    svc = topo.services.get(("default", "kubernetes"))
    if svc is None or svc.cluster_ip is None:
        return None
    port = next((p.port for p in svc.ports if p.protocol == "TCP"), 443)
    return svc.cluster_ip, port


def _class_pairs(classes: Sequence[NodeClass]) -> list[tuple[NodeClass, NodeClass]]:
    """Ordered class pairs: all of them for a few classes, else O(classes) of them."""
    if len(classes) <= ALL_PAIRS_CLASSES:
        return [(a, b) for a in classes for b in classes if a is not b or a.size >= 2]
    control = [i for i, c in enumerate(classes) if c.rep.is_control_plane]
    wanted: dict[tuple[int, int], None] = {}
    for i, a in enumerate(classes):
        wanted[(i, (i + 1) % len(classes))] = None  # a ring over the classes
        if a.size >= 2:
            wanted[(i, i)] = None
        if control and not a.rep.is_control_plane:
            j = control[i % len(control)]  # to and from (one of) the control plane(s)
            wanted[(i, j)] = None
            wanted[(j, i)] = None
    return [(classes[i], classes[j]) for i, j in wanted if i != j or classes[i].size >= 2]


def dual_stack(snapshot: Snapshot) -> bool:
    """Whether pods have IPv6 addresses: an IPv6 pod CIDR on the cluster or on a node."""
    cluster = snapshot.cluster
    if cluster is None:
        return False
    cidrs = [*(cluster.pod_cidrs or ()), *(c for n in cluster.nodes or () for c in n.pod_cidrs)]
    return any(c.version == 6 for c in cidrs)


def _node_ipv6(topo: Topology, name: str) -> IPAddress | None:
    """The node's IPv6 InternalIP, if the snapshot has one."""
    node = topo.nodes.get(name)
    for address in node.addresses if node is not None else ():
        if address.type != "InternalIP":
            continue
        try:
            ip = ipaddress.ip_address(address.address)
        except ValueError:
            continue
        if ip.version == 6:
            return ip
    return None


def _pair_nodes(
    a: NodeClass, b: NodeClass, down: frozenset[str] = frozenset()
) -> tuple[NodeView, NodeView] | None:
    """The nodes that probe a class pair: the first of each class that is not NotReady
    (two of the class for itself); None when a class has too few such nodes."""
    up_a = [m for m in a.members if m.name not in down]
    up_b = up_a if a is b else [m for m in b.members if m.name not in down]
    if a is b:
        return (up_a[0], up_a[1]) if len(up_a) >= 2 else None
    return (up_a[0], up_b[0]) if up_a and up_b else None


CLASS_PAIR_KINDS = ("pod-http", "icmp-pod", "icmp-node", "mtu", "transfer")
SAMPLE_KINDS = ("pod-http",)

Reason = Literal["service", "class-pair", "sample"]


def _pick_sources(
    names: list[str],
    classes: Sequence[NodeClass],
    max_sources: int,
    rng: random.Random,
    down: frozenset[str] = frozenset(),
) -> list[str]:
    """Every node up to ``max_sources``, else each class's representative and a sample
    (a class's representative is its first node that is not NotReady, as in _pair_nodes)."""
    if len(names) <= max_sources:
        return names
    firsts = ([m.name for m in c.members if m.name not in down][:1] for c in classes)
    reps = sorted({name for first in firsts for name in first})
    rest = [n for n in names if n not in reps]
    extra = rng.sample(rest, min(len(rest), max(0, max_sources - len(reps))))
    return sorted(set(reps) | set(extra))


@dataclass
class _Planner:
    """The probes of one round as they are added, with the engine's prediction for each."""

    topo: Topology
    matrix: Matrix
    class_of: dict[str, NodeClass]
    echo_port: int
    dual_stack: bool = False
    down: frozenset[str] = frozenset()  # NotReady nodes: no probe runs from or to them
    probes: list[PlannedProbe] = field(default_factory=list)
    echo_nodes: set[str] = field(default_factory=set)
    # several Calico pools (plan_pools.py): pinned pods, in order, and each pool's family
    pool_sources: dict[tuple[str, str], None] = field(default_factory=dict)
    pool_echoes: dict[tuple[str, str], None] = field(default_factory=dict)
    pools: dict[str, int] = field(default_factory=dict)

    def add(
        self,
        kind: str,
        source: str,
        target: str,
        target_class: str,
        target_ip: IPAddress | None,
        target_port: int | None,
        target_node: str | None,
        params: Mapping[str, Any],
        reason: Reason,
        path: str = "",
        target_node_name: str = "",
        *,
        pool: str = "",
        source_ip: IPAddress | None = None,
        predict_ip: IPAddress | None = None,
    ) -> None:
        """A probe; ``pool``: between pods of that Calico pool (``source_ip`` and
        ``predict_ip``, pods of it, are what the prediction traces)."""
        topo = self.topo
        prediction = predict_probe(  # IPv6 kinds: per family (predict._predict_ipv6)
            topo,
            self.matrix,
            kind,
            source,
            target_ip=target_ip if predict_ip is None else predict_ip,
            target_port=target_port,
            target_node=target_node,
            source_ip=source_ip,
        )
        if target_ip is None and target_node is not None:
            if pool:
                self.pool_echoes.setdefault((target_node, pool), None)
            else:
                self.echo_nodes.add(target_node)
        suffix = f"->{target_node}" if target_node else ""
        if pool:
            suffix += f"@{pool}"
        if kind == "icmp-node" and target_ip is not None:
            suffix = f"->{topo.node_by_ip[target_ip].name}" if target_ip in topo.node_by_ip else ""
        elif kind == "icmp-node6" and target_node_name:
            suffix = f"->{target_node_name}"
        self.probes.append(
            PlannedProbe(
                id=f"{kind}/{source}{suffix}",
                kind=kind,
                source_node=source,
                source_class=self.class_of[source].label(),
                target=target,
                target_class=target_class,
                target_ip=target_ip,
                target_port=target_port,
                target_node=target_node,
                protocol=KINDS[kind].protocol,
                prediction=prediction,
                reason=reason,
                path=path,
                params=dict(params),
                pool=pool,
            )
        )

    def service_probes(
        self,
        snapshot: Snapshot,
        sources: Sequence[str],
        egress: tuple[str, int] | None,
        egress_ip: IPAddress | None,
        icmp_clusterip: bool,
    ) -> list[str]:
        """From every source: DNS, the `kubernetes` service and egress; returns the notes."""
        topo, add = self.topo, self.add
        notes: list[str] = []
        dns_ip = _dns_target(topo)
        api = _api_target(topo)
        if dns_ip is None:
            notes.append(Msg("probe.no-dns"))
        if api is None:
            notes.append(Msg("probe.no-api"))
        domain = snapshot.cluster.dns_domain if snapshot.cluster else "cluster.local"
        for name in sources:
            if dns_ip is not None:
                label = at_port(classify_ip(topo, dns_ip).label, 53)
                expect = {"expect": str(api[0])} if api is not None else {}
                for kind, transport in (("dns-udp", "udp"), ("dns-tcp", "tcp")):
                    params = {
                        "transport": transport,
                        "name": f"kubernetes.default.svc.{domain}",
                        **expect,
                    }
                    add(kind, name, label, label, dns_ip, 53, None, params, "service")
            if api is not None:
                api_ip, api_port = api
                label = at_port(classify_ip(topo, api_ip).label, api_port)
                add("api-tcp", name, label, label, api_ip, api_port, None, {}, "service")
                add("api-tls", name, label, label, api_ip, api_port, None, {}, "service")
                if icmp_clusterip:
                    label = classify_ip(topo, api_ip).label
                    virtual = {"virtual": True}
                    add(
                        "icmp-clusterip", name, label, label, api_ip, None, None, virtual, "service"
                    )
            if egress is not None and egress_ip is not None:
                label = at_port(classify_ip(topo, egress_ip).label, egress[1])
                answered = {"answered_ok": True}
                add("egress", name, label, label, egress_ip, egress[1], None, answered, "service")
        return notes

    def pair_probes(self, s: NodeView, d: NodeView, reason: Reason, kinds: Sequence[str]) -> None:
        """Probes of ``kinds`` from a pod on ``s`` to a pod (or the node) ``d``."""
        topo, class_of, add, echo_port = self.topo, self.class_of, self.add, self.echo_port
        dst = self.matrix.pod_on(d)
        dst_ip = dst.ip if dst is not None else None
        path = path_label(topo, s, d, dst_ip)
        pod_target = Msg("probe.pod-on", node=d.name)
        pods_class = Msg("probe.pods-on", label=class_of[d.name].label())
        twins = self.dual_stack and reason == "class-pair"
        dst6 = pod6_on(topo, d) if twins else None
        ip6 = dst6.ip if dst6 is not None else None
        path6 = path_label(topo, s, d, ip6) if twins else ""
        for kind in kinds:
            if kind == "icmp-node":
                if d.ip is not None:
                    node_class = Msg("probe.nodes-of", label=class_of[d.name].label())
                    target = Msg("probe.node", node=d.name, ip=d.ip)
                    add(kind, s.name, target, node_class, d.ip, None, None, {}, reason)
                continue
            params: dict[str, Any] = {}
            port: int | None = None
            if kind == "pod-http":
                port, params = echo_port, {"path": "/", "answered_ok": True}
            elif kind == "transfer":
                port, params = echo_port, {"sizes": list(TRANSFER_SIZES)}
            elif kind == "mtu":
                base = Prediction("open")  # only the sizes and expectation are used here
                mtu = mtu_prediction(topo, s, d, dst_ip, base)
                params = {"sizes": list(mtu.sizes)}
                if mtu.expect is not None:
                    params["expect"] = mtu.expect
            add(kind, s.name, pod_target, pods_class, None, port, d.name, params, reason, path)
            if twins:
                params6 = params
                if kind == "mtu":  # the IPv6 path's own overhead and sizes
                    mtu6 = mtu_prediction(topo, s, d, ip6, Prediction("open"), 6)
                    params6 = {"sizes": list(mtu6.sizes)}
                    if mtu6.expect is not None:
                        params6["expect"] = mtu6.expect
                add(IPV6_KINDS[kind], s.name, pod_target, pods_class, None, port, d.name,
                    dict(params6), reason, path6)  # fmt: skip
        if twins and "icmp-node" in kinds:
            ip6 = _node_ipv6(topo, d.name)
            if ip6 is not None:
                node_class = Msg("probe.nodes-of", label=class_of[d.name].label())
                target = Msg("probe.node", node=d.name, ip=ip6)
                add(
                    "icmp-node6",
                    s.name,
                    target,
                    node_class,
                    ip6,
                    None,
                    None,
                    {},
                    reason,
                    "",
                    d.name,
                )

    def pod_probes(
        self,
        classes: Sequence[NodeClass],
        sources: Sequence[str],
        rng: random.Random,
        per_pool: bool = True,
    ) -> None:
        """Between pods: every class pair, then a ring over the sources in seeded order."""
        views = self.topo.node_views
        seen_pairs: set[tuple[str, str]] = set()
        pairs = _class_pairs(classes)
        for a, b in pairs:
            nodes = _pair_nodes(a, b, self.down)
            if nodes is None:
                continue  # a class without a Ready node: nothing there would run a pod
            s, d = nodes
            if s.name not in sources:
                continue  # cannot happen: class representatives are always sources
            seen_pairs.add((s.name, d.name))
            self.pair_probes(s, d, "class-pair", CLASS_PAIR_KINDS)
        if per_pool:
            pool_probes(self, pairs)
        ring = list(sources)
        rng.shuffle(ring)
        if len(ring) >= 2:
            for i, name in enumerate(ring):
                nxt = ring[(i + 1) % len(ring)]
                if (name, nxt) in seen_pairs:
                    continue
                seen_pairs.add((name, nxt))
                self.pair_probes(views[name], views[nxt], "sample", SAMPLE_KINDS)


def build_probe_plan(
    snapshot: Snapshot,
    *,
    timeout: float = 2.0,
    egress: tuple[str, int] | None = DEFAULT_EGRESS,
    icmp_clusterip: bool = False,
    max_sources: int = DEFAULT_MAX_SOURCES,
    seed: int = 0,
    echo_port: int = ECHO_PORT,
    per_pool: bool = True,
) -> ProbePlan:
    """The probes of one round for ``snapshot`` (see the module docstring); ``per_pool``
    False: no probes pinned to a Calico pool (runners that cannot pin a pod: the watch's
    DaemonSet agents)."""
    topo = Topology(snapshot)
    egress_ip = ipaddress.ip_address(egress[0]) if egress is not None else None
    matrix = Matrix(topo, egress_ip)
    views = topo.node_views
    if not views:
        return ProbePlan((), (), (), 0, 0, seed, timeout, echo_port, (Msg("probe.no-nodes"),))
    classes = matrix.classes
    rng = random.Random(seed)
    # A NotReady node runs no new pod (its kubelet does not answer): it is left out, and said.
    down = frozenset(n for n, v in views.items() if v.node.ready is False)
    ready = sorted(n for n in views if n not in down)
    sources = _pick_sources(ready, classes, max_sources, rng, down)
    planner = _Planner(
        topo,
        matrix,
        {m.name: c for c in classes for m in c.members},
        echo_port,
        dual_stack(snapshot),
        down=down,
    )
    notes = planner.service_probes(snapshot, sources, egress, egress_ip, icmp_clusterip)
    if down:
        notes.append(Msg("probe.not-ready", nodes=", ".join(sorted(down)), n=len(down)))
    planner.pod_probes(classes, sources, rng, per_pool)
    return ProbePlan(
        probes=tuple(planner.probes),
        sources=tuple(sources),
        echo_nodes=tuple(sorted(planner.echo_nodes)),
        node_count=len(views),
        class_count=len(classes),
        seed=seed,
        timeout=timeout,
        echo_port=echo_port,
        notes=tuple(notes),
        pool_sources=tuple(planner.pool_sources),
        pool_echoes=tuple(planner.pool_echoes),
        pool_families=tuple(sorted(planner.pools.items())),
    )
