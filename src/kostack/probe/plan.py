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
- a ring over the sources in seeded order: pod-to-pod HTTP to the next one.

Every planned probe carries the engine's prediction (`kostack.analyze.reach.
trace`): open, blocked at a hop (with the root-cause key of that hop), no
reply expected (a ClusterIP ping), partial (some service endpoints blocked)
or unknown, so what the probes see can be compared with the model.
Pod targets are "a pod on node X": the runner fills in the address of the
listener it has there (a lab pod, or its own echo pod).
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kostack.analyze.matrix import Matrix, NodeClass
from kostack.analyze.messages import Msg, register
from kostack.analyze.reach import (
    Disposition,
    Endpoint,
    FlowResult,
    classify_ip,
    encapsulation,
    trace,
)
from kostack.analyze.topology import NodeView, Topology
from kostack.model.snapshot import IPAddress, Service, Snapshot

__all__ = [
    "ALL_PAIRS_CLASSES",
    "DEFAULT_EGRESS",
    "DEFAULT_MAX_SOURCES",
    "ECHO_PORT",
    "KINDS",
    "KindInfo",
    "PlannedProbe",
    "Prediction",
    "ProbePlan",
    "build_probe_plan",
    "cni_mtu",
    "mtu_prediction",
    "predict",
    "predict_probe",
    "summarize",
]

ECHO_PORT = 8080  # the lab's pods and kostack's echo pods listen here
DEFAULT_MAX_SOURCES = 16
ALL_PAIRS_CLASSES = 8
DEFAULT_EGRESS: tuple[str, int] = ("1.1.1.1", 443)
MTU_LADDER = (1000, 1280, 1400, 1450, 1500)
TRANSFER_SIZES = (65536, 1048576)

Outcome = Literal["open", "blocked", "no-reply-expected", "partial", "unknown"]

register(
    {
        "probe.no-pod": {
            "en": "no pod address is known on node {node} (no pods, no pod CIDR)",
            "ko": "노드 {node}에서 쓸 Pod 주소를 알 수 없습니다 (Pod도 Pod CIDR도 없음)",
        },
        "probe.mtu-unknown": {
            "en": "the pod MTU or the network MTU was not collected",
            "ko": "Pod MTU 또는 네트워크 MTU를 수집하지 못했습니다",
        },
        "probe.mtu-too-big": {
            "en": "pods send packets of up to {pod_mtu} bytes, but the path carries {path_mtu} "
            "({net_mtu} - {overhead} for {kind}): larger packets are dropped",
            "ko": "Pod는 최대 {pod_mtu}바이트 패킷을 보내지만 경로는 {path_mtu}바이트({net_mtu} - {kind} "
            "{overhead})까지만 전달합니다: 더 큰 패킷은 버려집니다",
        },
        "probe.mtu-fits": {
            "en": "pod MTU {pod_mtu} fits the path ({path_mtu} = {net_mtu} - {overhead} for {kind})",
            "ko": "Pod MTU {pod_mtu}가 경로({path_mtu} = {net_mtu} - {kind} {overhead})에 맞습니다",
        },
        "probe.no-encap": {"en": "no encapsulation", "ko": "캡슐화 없음"},
        "probe.where-network": {"en": "tenant network {name}", "ko": "테넌트 네트워크 {name}"},
        "probe.path-native": {
            "en": "{scope}, native (pod IPs on the wire)",
            "ko": "{scope}, 캡슐화 없음 (Pod IP가 그대로 전달)",
        },
        "probe.path-encap": {"en": "{scope}, {kind}", "ko": "{scope}, {kind}"},
        "probe.same-subnet": {"en": "same subnet", "ko": "같은 서브넷"},
        "probe.cross-subnet": {"en": "cross subnet", "ko": "다른 서브넷"},
        "probe.subnet-unknown": {"en": "subnets unknown", "ko": "서브넷 알 수 없음"},
        "probe.pods-on": {"en": "pods on {label}", "ko": "{label}의 Pod"},
        "probe.pod-on": {"en": "a pod on {node}", "ko": "{node}의 Pod"},
        "probe.node": {"en": "node {node} {ip}", "ko": "노드 {node} {ip}"},
        "probe.nodes-of": {"en": "nodes: {label}", "ko": "노드: {label}"},
        "probe.no-dns": {
            "en": "no DNS probes: the snapshot has no cluster DNS IP and no kube-system/kube-dns service",
            "ko": "DNS 프로브 없음: 스냅샷에 클러스터 DNS IP도 kube-system/kube-dns 서비스도 없습니다",
        },
        "probe.no-api": {
            "en": "no kubernetes-service probes: the snapshot has no default/kubernetes service",
            "ko": "kubernetes 서비스 프로브 없음: 스냅샷에 default/kubernetes 서비스가 없습니다",
        },
        "probe.no-nodes": {
            "en": "nothing to probe: the snapshot has no nodes",
            "ko": "프로브할 대상이 없습니다: 스냅샷에 노드가 없습니다",
        },
    }
)


@dataclass(frozen=True)
class KindInfo:
    """What a probe kind is: the agent's mechanism, the protocol, how it is shown."""

    mechanism: str
    protocol: str
    label: str
    target: Literal["service", "external", "pod", "node"]


KINDS: dict[str, KindInfo] = {
    "dns-udp": KindInfo("dns", "udp", "DNS/udp", "service"),
    "dns-tcp": KindInfo("dns", "tcp", "DNS/tcp", "service"),
    "api-tcp": KindInfo("tcp", "tcp", "TCP", "service"),
    "api-tls": KindInfo("tls", "tcp", "TLS", "service"),
    "icmp-clusterip": KindInfo("icmp", "icmp", "ping", "service"),
    "egress": KindInfo("tcp", "tcp", "egress TCP", "external"),
    "pod-http": KindInfo("http", "tcp", "pod->pod HTTP", "pod"),
    "icmp-pod": KindInfo("icmp", "icmp", "ping pod", "pod"),
    "icmp-node": KindInfo("icmp", "icmp", "ping node", "node"),
    "mtu": KindInfo("mtu", "icmp", "MTU (DF)", "pod"),
    "transfer": KindInfo("transfer", "tcp", "transfer", "pod"),
}


@dataclass(frozen=True)
class Prediction:
    """What the static engine says a probe will see, and the hop that decides it."""

    outcome: Outcome
    cause: str = ""
    where: str = ""
    detail: str = ""
    because: str = ""  # for an open flow: the hop that makes it work, when worth saying
    via: str = ""  # kube-proxy's DNAT for a service flow

    @property
    def blocked(self) -> bool:
        return self.outcome == "blocked"


@dataclass(frozen=True)
class PlannedProbe:
    """One probe: from a pod on ``source_node`` to a target, with the model's prediction."""

    id: str
    kind: str
    source_node: str
    source_class: str
    target: str
    target_class: str
    target_ip: IPAddress | None  # None: "a pod on target_node", filled in by the runner
    target_port: int | None
    target_node: str | None
    protocol: str
    prediction: Prediction
    reason: Literal["service", "class-pair", "sample"]
    path: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def info(self) -> KindInfo:
        return KINDS[self.kind]

    def agent_spec(self, target_ip: str | None, timeout: float) -> dict[str, Any]:
        """The agent's JSON for this probe, aimed at ``target_ip`` (the planned one if None)."""
        host = target_ip if target_ip is not None else str(self.target_ip)
        spec: dict[str, Any] = {"id": self.id, "kind": self.info.mechanism, "host": host}
        if self.target_port is not None:
            spec["port"] = self.target_port
        spec["timeout"] = timeout
        spec.update(self.params)
        return spec


@dataclass(frozen=True)
class ProbePlan:
    """Every probe of a round, the nodes that run the agent and those that need a listener."""

    probes: tuple[PlannedProbe, ...]
    sources: tuple[str, ...]
    echo_nodes: tuple[str, ...]
    node_count: int
    class_count: int
    seed: int
    timeout: float
    echo_port: int
    notes: tuple[str, ...] = ()

    def for_source(self, node: str) -> tuple[PlannedProbe, ...]:
        return tuple(p for p in self.probes if p.source_node == node)

    def agent_plan(
        self, node: str, echo_ips: Mapping[str, str], *, parallel: bool = True
    ) -> tuple[dict[str, Any], tuple[PlannedProbe, ...]]:
        """The agent's plan for ``node`` and the probes left out (no listener on their node).

        ``echo_ips`` maps a node name to the address of the listener there.
        """
        specs: list[dict[str, Any]] = []
        unresolved: list[PlannedProbe] = []
        for probe in self.for_source(node):
            if probe.target_ip is None:
                ip = echo_ips.get(probe.target_node or "")
                if ip is None:
                    unresolved.append(probe)
                    continue
                specs.append(probe.agent_spec(ip, self.timeout))
            else:
                specs.append(probe.agent_spec(None, self.timeout))
        document = {"version": 1, "timeout": self.timeout, "parallel": parallel, "probes": specs}
        return document, tuple(unresolved)

    def by_id(self) -> dict[str, PlannedProbe]:
        return {p.id: p for p in self.probes}


# ---------------------------------------------------------------------------- predictions


_MASQUERADE_KEYS = frozenset({"hop.nat-on", "hop.flannel-masq-true", "hop.cilium-masq-true"})
_PAIR_KEYS = frozenset({"hop.src-pair"})


def _key(text: str) -> str:
    return text.key if isinstance(text, Msg) else ""


def summarize(results: Sequence[FlowResult]) -> Prediction:
    """One prediction from the engine's paths (one per service endpoint)."""
    if not results:
        return Prediction("unknown")
    if all(r.no_reply_expected for r in results):
        hop = results[0].hops[-1]
        return Prediction("no-reply-expected", hop.cause, hop.where, hop.detail)
    via = next(
        (
            h.detail
            for r in results
            for h in r.hops
            if h.step == "kube-proxy" and h.disposition == Disposition.ACCEPTED
        ),
        "",
    )
    opened = [r for r in results if r.ok]
    blocked = [
        r
        for r in results
        if r.blocking is not None and r.verdict in (Disposition.DENIED, Disposition.NO_ROUTE)
    ]
    if len(opened) == len(results):
        because = next(
            (
                h.detail
                for r in opened
                for h in r.hops
                if _key(h.detail) in _MASQUERADE_KEYS | _PAIR_KEYS
            ),
            "",
        )
        return Prediction("open", because=because, via=via)
    first = (blocked or [r for r in results if r.blocking is not None])[0]
    deciding = first.blocking
    assert deciding is not None  # not every path is open, so this one has a blocking hop
    if len(blocked) == len(results):
        return Prediction("blocked", deciding.cause, deciding.where, deciding.detail, via=via)
    if opened:
        return Prediction("partial", deciding.cause, deciding.where, deciding.detail, via=via)
    return Prediction("unknown", deciding.cause, deciding.where, deciding.detail, via=via)


def predict(
    topo: Topology, src: Endpoint | None, dst: Endpoint | None, protocol: str, port: int | None
) -> Prediction:
    """The engine's prediction for one flow (unknown when an end has no address)."""
    if src is None or dst is None:
        node = src.node if src is not None else (dst.node if dst is not None else "?")
        return Prediction("unknown", "gap", "", Msg("probe.no-pod", node=node or "?"))
    return summarize(trace(topo, src, dst, protocol, port))


def cni_mtu(snapshot: Snapshot) -> int | None:
    """The pod MTU the CNI configured, when the snapshot has it."""
    cl = snapshot.cluster
    if cl is None:
        return None
    cni = cl.cni
    if cni.type == "calico" and cni.calico is not None:
        return cni.calico.mtu
    if cni.type == "flannel" and cni.flannel is not None:
        return cni.flannel.mtu
    if cni.type == "cilium" and cni.cilium is not None:
        return cni.cilium.mtu
    return None


@dataclass(frozen=True)
class MtuPlan:
    prediction: Prediction
    expect: int | None
    sizes: tuple[int, ...]


def mtu_prediction(
    topo: Topology, src: NodeView, dst: NodeView, dst_ip: IPAddress | None, base: Prediction
) -> MtuPlan:
    """DF-bit probes between pods on two nodes: pods send up to their MTU; the path carries
    the network MTU minus the encapsulation overhead. ``base`` is the pod-to-pod ICMP prediction."""
    pod_mtu = cni_mtu(topo.snapshot)
    network = topo.network_of(src)
    net_mtu = network.mtu if network is not None else None
    overhead = 0
    kind: str = Msg("probe.no-encap")
    if dst_ip is not None:
        decision = encapsulation(topo, src, dst, dst_ip)
        if decision.encap is not None:
            overhead, kind = decision.overhead, decision.encap
    path_mtu = net_mtu - overhead if net_mtu is not None else None
    sizes = tuple(
        sorted(
            {
                s
                for s in (*MTU_LADDER, pod_mtu, net_mtu, path_mtu)
                if s is not None and 576 <= s <= 9000
            }
        )
    )
    if base.outcome != "open":
        return MtuPlan(base, pod_mtu, sizes)
    if pod_mtu is None or net_mtu is None or path_mtu is None:
        return MtuPlan(Prediction("unknown", "gap", "", Msg("probe.mtu-unknown")), pod_mtu, sizes)
    params = {
        "pod_mtu": pod_mtu,
        "path_mtu": path_mtu,
        "net_mtu": net_mtu,
        "overhead": overhead,
        "kind": kind,
    }
    where = Msg("probe.where-network", name=(network.name or network.id) if network else "?")
    if pod_mtu > path_mtu:
        return MtuPlan(
            Prediction("blocked", "mtu", where, Msg("probe.mtu-too-big", **params)),
            pod_mtu,
            sizes,
        )
    return MtuPlan(
        Prediction("open", because=Msg("probe.mtu-fits", **params)),
        pod_mtu,
        sizes,
    )


def path_label(topo: Topology, src: NodeView, dst: NodeView, dst_ip: IPAddress | None) -> str:
    """How pod traffic between the two nodes travels: same/cross subnet, native/encapsulated."""
    if src.subnet is None or dst.subnet is None:
        scope = Msg("probe.subnet-unknown")
    elif src.subnet.id == dst.subnet.id:
        scope = Msg("probe.same-subnet")
    else:
        scope = Msg("probe.cross-subnet")
    if dst_ip is None:
        return scope
    decision = encapsulation(topo, src, dst, dst_ip)
    if decision.encap is None:
        return Msg("probe.path-native", scope=scope)
    label = decision.encap + (f" UDP {decision.port}" if decision.port else "")
    return Msg("probe.path-encap", scope=scope, kind=label)


# ---------------------------------------------------------------------------- one probe


def _pod_endpoint(
    topo: Topology, matrix: Matrix, view: NodeView, ip: IPAddress | None
) -> Endpoint | None:
    """A pod on ``view``: at ``ip`` when it is a pod address, else the matrix's representative."""
    if ip is not None and topo.in_pod_network(ip):
        pod = topo.pod_by_ip.get(ip)
        label = f"pod {pod.namespace}/{pod.name} {ip}" if pod else f"a pod on {view.name} ({ip})"
        return Endpoint("pod", label, ip, view.name)
    return matrix.pod_on(view)


def predict_probe(
    topo: Topology,
    matrix: Matrix,
    kind: str,
    source_node: str,
    *,
    target_ip: IPAddress | None,
    target_port: int | None,
    target_node: str | None = None,
    source_ip: IPAddress | None = None,
) -> Prediction:
    """The engine's prediction for a probe of ``kind`` from a pod on ``source_node``.

    Used when planning (``target_ip`` None for "a pod on target_node") and
    again when correlating, from what was recorded, against the snapshot
    being diagnosed.
    """
    info = KINDS.get(kind)
    s_view = topo.node_views.get(source_node)
    if info is None or s_view is None:
        return Prediction("unknown", "gap", "", Msg("probe.no-pod", node=source_node))
    src = _pod_endpoint(topo, matrix, s_view, source_ip)
    protocol = info.protocol
    if kind in ("dns-udp", "dns-tcp"):
        protocol = "udp" if kind == "dns-udp" else "tcp"
    if info.target in ("service", "external", "node"):
        if target_ip is None:
            return Prediction("unknown", "gap")
        port = None if protocol == "icmp" else target_port
        return predict(topo, src, classify_ip(topo, target_ip), protocol, port)
    d_view = topo.node_views.get(target_node or "")
    if d_view is None and target_ip is not None:
        d_view = topo.node_of_pod_ip(target_ip)
    if d_view is None:
        return Prediction("unknown", "gap", "", Msg("probe.no-pod", node=target_node or "?"))
    dst = _pod_endpoint(topo, matrix, d_view, target_ip)
    if kind == "pod-http":
        return predict(topo, src, dst, "tcp", target_port)
    if kind == "icmp-pod":
        return predict(topo, src, dst, "icmp", None)
    dst_ip = dst.ip if dst is not None else None
    if kind == "mtu":
        return mtu_prediction(
            topo, s_view, d_view, dst_ip, predict(topo, src, dst, "icmp", None)
        ).prediction
    http = predict(
        topo, src, dst, "tcp", target_port
    )  # transfer: stalls when large packets are lost
    if http.outcome != "open":
        return http
    return mtu_prediction(topo, s_view, d_view, dst_ip, http).prediction


# ---------------------------------------------------------------------------- the plan


def _service(topo: Topology, namespace: str, name: str) -> Service | None:
    return topo.services.get((namespace, name))


def _dns_target(topo: Topology) -> IPAddress | None:
    cl = topo.snapshot.cluster
    if cl is not None and cl.cluster_dns_ip is not None:
        return cl.cluster_dns_ip
    svc = _service(topo, "kube-system", "kube-dns")
    return svc.cluster_ip if svc is not None else None


def _api_target(topo: Topology) -> tuple[IPAddress, int] | None:
    svc = _service(topo, "default", "kubernetes")
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


def _pair_nodes(a: NodeClass, b: NodeClass) -> tuple[NodeView, NodeView]:
    return (a.members[0], a.members[1]) if a is b else (a.rep, b.rep)


CLASS_PAIR_KINDS = ("pod-http", "icmp-pod", "icmp-node", "mtu", "transfer")
SAMPLE_KINDS = ("pod-http",)


def build_probe_plan(
    snapshot: Snapshot,
    *,
    timeout: float = 2.0,
    egress: tuple[str, int] | None = DEFAULT_EGRESS,
    icmp_clusterip: bool = False,
    max_sources: int = DEFAULT_MAX_SOURCES,
    seed: int = 0,
    echo_port: int = ECHO_PORT,
) -> ProbePlan:
    """The probes of one round for ``snapshot`` (see the module docstring)."""
    topo = Topology(snapshot)
    egress_ip = ipaddress.ip_address(egress[0]) if egress is not None else None
    matrix = Matrix(topo, egress_ip)
    views = topo.node_views
    notes: list[str] = []
    if not views:
        return ProbePlan((), (), (), 0, 0, seed, timeout, echo_port, (Msg("probe.no-nodes"),))
    classes = matrix.classes
    class_of = {m.name: c for c in classes for m in c.members}
    rng = random.Random(seed)

    names = sorted(views)
    if len(names) <= max_sources:
        sources = names
    else:
        reps = sorted({c.rep.name for c in classes})
        rest = [n for n in names if n not in reps]
        extra = rng.sample(rest, min(len(rest), max(0, max_sources - len(reps))))
        sources = sorted(set(reps) | set(extra))

    probes: list[PlannedProbe] = []
    echo_nodes: set[str] = set()

    def add(
        kind: str,
        source: str,
        target: str,
        target_class: str,
        target_ip: IPAddress | None,
        target_port: int | None,
        target_node: str | None,
        params: Mapping[str, Any],
        reason: Literal["service", "class-pair", "sample"],
        path: str = "",
    ) -> None:
        prediction = predict_probe(
            topo,
            matrix,
            kind,
            source,
            target_ip=target_ip,
            target_port=target_port,
            target_node=target_node,
        )
        if target_ip is None and target_node is not None:
            echo_nodes.add(target_node)
        suffix = f"->{target_node}" if target_node else ""
        if kind == "icmp-node" and target_ip is not None:
            suffix = f"->{topo.node_by_ip[target_ip].name}" if target_ip in topo.node_by_ip else ""
        probes.append(
            PlannedProbe(
                id=f"{kind}/{source}{suffix}",
                kind=kind,
                source_node=source,
                source_class=str(class_of[source].label()),
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
            )
        )

    # --- from every source: services and egress
    dns_ip = _dns_target(topo)
    api = _api_target(topo)
    if dns_ip is None:
        notes.append(Msg("probe.no-dns"))
    if api is None:
        notes.append(Msg("probe.no-api"))
    domain = snapshot.cluster.dns_domain if snapshot.cluster else "cluster.local"
    for name in sources:
        if dns_ip is not None:
            label = f"{classify_ip(topo, dns_ip).label}:53"
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
            label = f"{classify_ip(topo, api_ip).label}:{api_port}"
            add("api-tcp", name, label, label, api_ip, api_port, None, {}, "service")
            add("api-tls", name, label, label, api_ip, api_port, None, {}, "service")
            if icmp_clusterip:
                label = classify_ip(topo, api_ip).label
                add(
                    "icmp-clusterip",
                    name,
                    label,
                    label,
                    api_ip,
                    None,
                    None,
                    {"virtual": True},
                    "service",
                )
        if egress is not None and egress_ip is not None:
            label = f"{classify_ip(topo, egress_ip).label}:{egress[1]}"
            add(
                "egress",
                name,
                label,
                label,
                egress_ip,
                egress[1],
                None,
                {"answered_ok": True},
                "service",
            )

    # --- between pods: every class pair, then a ring over the sources
    def pair_probes(
        s: NodeView, d: NodeView, reason: Literal["class-pair", "sample"], kinds: Sequence[str]
    ) -> None:
        dst = matrix.pod_on(d)
        dst_ip = dst.ip if dst is not None else None
        path = path_label(topo, s, d, dst_ip)
        pod_target = Msg("probe.pod-on", node=d.name)
        pods_class = Msg("probe.pods-on", label=class_of[d.name].label())
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

    seen_pairs: set[tuple[str, str]] = set()
    for a, b in _class_pairs(classes):
        s, d = _pair_nodes(a, b)
        if s.name not in sources:
            continue  # cannot happen: class representatives are always sources
        seen_pairs.add((s.name, d.name))
        pair_probes(s, d, "class-pair", CLASS_PAIR_KINDS)
    ring = list(sources)
    rng.shuffle(ring)
    if len(ring) >= 2:
        for i, name in enumerate(ring):
            nxt = ring[(i + 1) % len(ring)]
            if (name, nxt) in seen_pairs:
                continue
            seen_pairs.add((name, nxt))
            pair_probes(views[name], views[nxt], "sample", SAMPLE_KINDS)
    return ProbePlan(
        probes=tuple(probes),
        sources=tuple(sources),
        echo_nodes=tuple(sorted(echo_nodes)),
        node_count=len(views),
        class_count=len(classes),
        seed=seed,
        timeout=timeout,
        echo_port=echo_port,
        notes=tuple(notes),
    )
