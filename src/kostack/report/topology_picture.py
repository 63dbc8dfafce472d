"""What the topology picture shows: subnets, node boxes and the traced flows, as a ``Picture``.

``picture(snapshot)`` traces the flows the checks care about (pod to pod across
nodes, DNS, the kubernetes service, pod egress) with the reachability engine
and keeps, for each, the hop that decides it. Up to ``DETAIL_LIMIT`` nodes
every node is its own box; above that, boxes are the engine's node classes,
at most ``MAX_BOXES``. ``kostack.report.topology_draw`` draws it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from kostack.analyze.matrix import Matrix
from kostack.analyze.messages import localize as L
from kostack.analyze.reach import Endpoint, FlowResult, Hop, classify_ip, svc_label, trace
from kostack.analyze.topology import NodeView, Topology, short_id
from kostack.model.snapshot import IPAddress, Snapshot
from kostack.report.i18n import t

DETAIL_LIMIT = 12
MAX_BOXES = 10
PODS_SHOWN = 3

FLOW_KINDS = ("pod-to-pod", "dns", "api", "egress")


@dataclass(frozen=True)
class PicSubnet:
    key: str
    cidr: str
    name: str
    network: str
    mtu: int | None


@dataclass(frozen=True)
class PicNode:
    """One box: a node, or a class of alike nodes when the cluster is large."""

    key: str
    name: str
    control_plane: bool
    ip: str
    port_id: str
    port_security: bool | None
    pairs: tuple[str, ...]
    subnet_key: str
    pods: tuple[str, ...]
    pod_count: int
    members: int = 1

    @property
    def port_short(self) -> str:
        return short_id(self.port_id) if self.port_id else ""


@dataclass(frozen=True)
class PicFlow:
    """A traced flow (or many alike), from a box to a box or to the outside."""

    kind: str
    src: str
    dst: str
    ok: bool
    verdict: str
    # where on the picture it stops: src-node, src-port, network, dst-port, dst-node, external
    stage: str | None
    reason: str
    label: str
    where: str
    detail: str
    count: int = 1
    reply: bool = False


@dataclass(frozen=True)
class Picture:
    subnets: tuple[PicSubnet, ...]
    nodes: tuple[PicNode, ...]
    flows: tuple[PicFlow, ...]
    aggregated: bool
    total_nodes: int
    hidden_nodes: int
    external: str
    router: str


# --------------------------------------------------------------------------- tracing


def stage_of(result: FlowResult) -> tuple[str | None, bool]:
    """Where ``result`` stops on the picture, and whether it is the reply that dies there."""
    hop = result.blocking
    if hop is None:
        return None, False
    reply = hop.direction == "reply"
    step = hop.step
    if step in ("port-down", "antispoof", "sg-egress"):
        return "src-port", False
    if step in ("port-down-ingress", "sg-ingress"):
        return "dst-port", False
    if step in ("reply-antispoof", "reply-sg-target-egress"):
        return "dst-port", True
    if step == "reply-sg-source-ingress":  # a stateless group's reply, back at the client
        return "src-port", True
    if step in ("network",):
        return "network", reply
    if step in ("router", "external"):
        return "external", reply
    if step in ("deliver",):
        return "dst-node", reply
    return "src-node", reply


def _reason(hop: Hop | None, lang: str) -> str:
    if hop is None:
        return ""
    key = {
        "antispoof": "pic.reason.antispoof",
        "reply-antispoof": "pic.reason.antispoof",
        "sg-egress": "pic.reason.sg",
        "sg-ingress": "pic.reason.sg",
        "reply-sg-target-egress": "pic.reason.sg",
        "reply-sg-source-ingress": "pic.reason.sg",
        "network": "pic.reason.network",
        "router": "pic.reason.router",
        "route": "pic.reason.route",
    }.get(hop.step)
    if key is None:
        return t(lang, "disp." + str(hop.disposition))
    return t(lang, key)


def _flow(kind: str, src: str, dst: str, r: FlowResult, lang: str, count: int = 1) -> PicFlow:
    hop = r.blocking
    stage, reply = stage_of(r)
    verdict = str(r.verdict)
    ok = r.ok or r.no_reply_expected
    proto = f"{r.port}/{r.protocol}" if r.port is not None else r.protocol
    label = f"{L(r.src.label, lang)} -> {L(r.requested.label, lang)} {proto}"
    return PicFlow(
        kind,
        src,
        dst,
        ok,
        verdict,
        None if ok else stage,
        "" if ok else _reason(hop, lang),
        label,
        L(hop.where, lang) if hop else "",
        L(hop.detail, lang) if hop else "",
        count,
        reply,
    )


def picture(
    snapshot: Snapshot, egress_target: IPAddress | None = None, lang: str = "en"
) -> Picture:
    """Trace the flows that matter and lay them out as boxes and lines (pure data)."""
    topo = Topology(snapshot)
    matrix = Matrix(topo, egress_target)
    target = matrix.egress_target
    views = sorted(topo.node_views.values(), key=lambda v: _node_order(v))
    subnets = _subnets(topo, views)
    router = next((r.name or r.id for r in topo.routers), "")
    if len(views) <= DETAIL_LIMIT:
        nodes = tuple(_node_box(topo, v, str(i)) for i, v in enumerate(views))
        flows = _node_flows(topo, matrix, views, target, lang)
        return Picture(subnets, nodes, flows, False, len(views), 0, str(target), router)
    return _class_picture(topo, matrix, subnets, len(views), str(target), router, lang)


def _node_order(v: NodeView) -> tuple[object, ...]:
    sub = v.subnet.cidr if v.subnet is not None else None
    return (
        sub is None,
        sub.version if sub is not None else 0,
        int(sub.network_address) if sub is not None else 0,
        not v.is_control_plane,
        v.name,
    )


def _subnets(topo: Topology, views: list[NodeView]) -> tuple[PicSubnet, ...]:
    out: dict[str, PicSubnet] = {}
    for v in views:
        if v.subnet is None:
            out.setdefault("", PicSubnet("", "?", "", "", None))
            continue
        net = topo.networks.get(v.subnet.network_id)
        out.setdefault(
            v.subnet.id,
            PicSubnet(
                v.subnet.id,
                str(v.subnet.cidr),
                v.subnet.name,
                (net.name or net.id) if net else "",
                net.mtu if net else None,
            ),
        )
    return tuple(out.values())


def _pods_on(topo: Topology, names: Iterable[str]) -> tuple[tuple[str, ...], int]:
    wanted = set(names)
    pods = sorted(
        (p for p in topo.pods if p.node in wanted and not p.host_network),
        key=lambda p: (p.namespace in ("kube-system", "calico-system"), p.namespace, p.name),
    )
    return tuple(f"{p.namespace}/{p.name}" for p in pods[:PODS_SHOWN]), len(pods)


def _node_box(topo: Topology, v: NodeView, key: str) -> PicNode:
    pods, count = _pods_on(topo, (v.name,))
    port = v.port
    return PicNode(
        key=key,
        name=v.name,
        control_plane=v.is_control_plane,
        ip=str(v.ip) if v.ip is not None else "?",
        port_id=port.id if port else "",
        port_security=port.port_security_enabled if port else None,
        pairs=tuple(str(p.ip_address) for p in port.allowed_address_pairs) if port else (),
        subnet_key=v.subnet.id if v.subnet else "",
        pods=pods,
        pod_count=count,
    )


def _service(topo: Topology, namespace: str, name: str) -> Endpoint | None:
    svc = topo.services.get((namespace, name))
    if svc is None and name == "kube-dns" and topo.snapshot.cluster is not None:
        dns_ip = topo.snapshot.cluster.cluster_dns_ip
        svc = topo.service_by_ip.get(dns_ip) if dns_ip is not None else None
    if svc is None or svc.cluster_ip is None:
        return None
    return Endpoint("service", svc_label(svc.namespace, svc.name, svc.cluster_ip), svc.cluster_ip)


def _node_flows(
    topo: Topology,
    matrix: Matrix,
    views: list[NodeView],
    target: IPAddress,
    lang: str,
) -> tuple[PicFlow, ...]:
    key_of = {v.name: str(i) for i, v in enumerate(views)}
    dns = _service(topo, "kube-system", "kube-dns")
    api = _service(topo, "default", "kubernetes")
    outside = classify_ip(topo, target)
    out: list[PicFlow] = []
    for v in views:
        src = matrix.pod_on(v)
        if src is None:
            continue
        me = key_of[v.name]
        for w in views:
            if w is v:
                continue
            p2p = matrix.pod_to_pod(v, w)  # with several pools, the first pool that fails
            if p2p is not None:
                out.append(_flow("pod-to-pod", me, key_of[w.name], p2p, lang))
        for kind, svc, proto, port in (("dns", dns, "udp", 53), ("api", api, "tcp", 443)):
            if svc is None:
                continue
            for r in trace(topo, src, svc, proto, port):
                dst_key = key_of.get(r.dst.node or "", "")
                if dst_key == me:
                    continue  # an endpoint on the same node: Neutron is not involved
                out.append(_flow(kind, me, dst_key, r, lang))
        r = trace(topo, src, outside, "tcp", 443)[0]
        out.append(_flow("egress", me, "external", r, lang))
    return tuple(out)


def _class_picture(
    topo: Topology,
    matrix: Matrix,
    subnets: tuple[PicSubnet, ...],
    total: int,
    target: str,
    router: str,
    lang: str,
) -> Picture:
    classes = sorted(
        matrix.classes,
        key=lambda c: (_node_order(c.rep)[:3], not c.rep.is_control_plane, -c.size, c.rep.name),
    )
    shown = classes[:MAX_BOXES]  # the rest are counted in the caption
    hidden = sum(c.size for c in classes[len(shown) :])
    key_of: dict[int, str] = {id(c): str(i) for i, c in enumerate(shown)}
    class_of_node: dict[str, str] = {}
    nodes: list[PicNode] = []
    for i, cls in enumerate(shown):
        names = tuple(m.name for m in cls.members)
        for n in names:
            class_of_node[n] = str(i)
        pods, count = _pods_on(topo, names)
        nodes.append(
            replace(
                _node_box(topo, cls.rep, str(i)),
                name=cls.rep.name if cls.size == 1 else f"{cls.rep.name} +{cls.size - 1}",
                pods=pods,
                pod_count=count,
                members=cls.size,
            )
        )
    flows: list[PicFlow] = []
    for pf in matrix.pod_to_pod_between(shown):  # traced per pair of the boxes only
        # with several Calico pools, the first pool that fails between the pair's nodes
        src_v, dst_v = (pf.src.rep, pf.dst.rep) if pf.src is not pf.dst else pf.src.members[:2]
        result = (matrix.multi_pool_versions and matrix.pod_to_pod(src_v, dst_v)) or pf.result
        flows.append(
            _flow("pod-to-pod", key_of[id(pf.src)], key_of[id(pf.dst)], result, lang, pf.pairs)
        )
    for kind, service_flows in (("dns", matrix.dns), ("api", matrix.api)):
        for sf in service_flows or ():
            a = key_of.get(id(sf.src))
            if a is None:
                continue
            for r in sf.results:
                b = class_of_node.get(r.dst.node or "")
                if b is None or (b == a and sf.src.size == 1):
                    continue
                flows.append(_flow(kind, a, b, r, lang, sf.src.size))
    for cls, r in matrix.egress:
        a = key_of.get(id(cls))
        if a is not None:
            flows.append(_flow("egress", a, "external", r, lang, cls.size))
    used = {n.subnet_key for n in nodes}
    return Picture(
        tuple(s for s in subnets if s.key in used),
        tuple(nodes),
        tuple(flows),
        True,
        total,
        hidden,
        target,
        router,
    )
