"""The static engine's prediction for each probe: open, blocked at a hop, or unknown.

Pure functions of a `Topology` (`kostack.analyze.reach.trace` underneath),
used when planning a round (`kostack.probe.plan`) and again when correlating
what the probes saw with the model (`kostack.probe.correlate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from kostack.analyze.matrix import Matrix
from kostack.analyze.messages import Msg
from kostack.analyze.reach import (
    Disposition,
    EncapDecision,
    Endpoint,
    FlowResult,
    classify_ip,
    encapsulation,
    node_label,
    pod_label,
    pod_on_label,
    trace,
)
from kostack.analyze.topology import NodeView, Topology
from kostack.model.snapshot import IPAddress, Snapshot
from kostack.probe.plan_model import IPV6_KINDS, KINDS, MTU_LADDER, Outcome, Prediction

__all__ = [
    "MtuPlan",
    "cni_mtu",
    "mtu_prediction",
    "path_label",
    "pod6_on",
    "predict",
    "predict_probe",
    "summarize",
]

_MASQUERADE_KEYS = frozenset(
    {"hop.nat-on", "hop.flannel-masq-true", "hop.cilium-masq-true", "hop.kube-router-masq-true"}
)
_PAIR_KEYS = frozenset({"hop.src-pair"})
_SOME_PORTS_KEYS = frozenset({"hop.stateless-partial-nat"})  # drops some source ports only


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
        some = _key(deciding.detail) in _SOME_PORTS_KEYS
        outcome: Outcome = "intermittent" if some else "blocked"
        return Prediction(outcome, deciding.cause, deciding.where, deciding.detail, via=via)
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
    # a plan asks the same flow several times (the MTU and transfer probes trace what the
    # ping and HTTP probes of the same pair trace): each is traced once per topology
    cache = cast(
        "dict[tuple[object, ...], Prediction]", topo.derived.setdefault("probe.predict", {})
    )
    key = (src, _msg_key(src.label), dst, _msg_key(dst.label), protocol, port)
    found = cache.get(key)
    if found is None:
        found = cache[key] = summarize(trace(topo, src, dst, protocol, port))
    return found


def _msg_key(text: str) -> object:
    """What tells two labels apart beyond their English text (a message's key and params)."""
    return (text.key, repr(text.params)) if isinstance(text, Msg) else None


def _encapsulation(
    topo: Topology, src: NodeView, dst: NodeView, dst_ip: IPAddress
) -> EncapDecision:
    """`encapsulation`, decided once per (source node, target node, address) and topology."""
    cache = cast(
        "dict[tuple[object, ...], EncapDecision]", topo.derived.setdefault("probe.encap", {})
    )
    key = (src.name, dst.name, dst_ip)
    found = cache.get(key)
    if found is None:
        found = cache[key] = encapsulation(topo, src, dst, dst_ip)
    return found


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
    if cni.type == "antrea" and cni.antrea is not None:
        return cni.antrea.default_mtu or None  # 0: derived from the interface on each node
    if cni.type == "kube-ovn" and cni.kube_ovn is not None:
        return cni.kube_ovn.mtu or None  # kube-ovn-cni --mtu; 0: derived on each node
    if cni.type == "ovn-kubernetes" and cni.ovn_kubernetes is not None:
        return cni.ovn_kubernetes.mtu  # ovnkube.conf [default] mtu, the pods' own
    return None


@dataclass(frozen=True)
class MtuPlan:
    """The MTU probe's prediction, the pod MTU it expects and the DF sizes it sends."""

    prediction: Prediction
    expect: int | None
    sizes: tuple[int, ...]


def mtu_prediction(
    topo: Topology,
    src: NodeView,
    dst: NodeView,
    dst_ip: IPAddress | None,
    base: Prediction,
    version: int = 4,
) -> MtuPlan:
    """DF-bit probes between pods on two nodes: pods send up to their MTU; the path carries
    the network MTU minus the encapsulation overhead. ``base`` is the pod-to-pod ICMP prediction.

    Per family: the pod MTU (one veth for both families) and the network MTU are the same,
    the overhead is that of the tunnel carrying ``dst_ip``'s family (the engine's decision:
    VXLAN over the nodes' IPv6 addresses costs 70 bytes, not 50; a family may be native
    where the other is encapsulated), and IPv6 sizes start at 1280 (its minimum link MTU).
    """
    pod_mtu = cni_mtu(topo.snapshot)
    network = topo.network_of(src)
    net_mtu = network.mtu if network is not None else None
    overhead = 0
    kind: str = Msg("probe.no-encap")
    if dst_ip is not None:
        decision = _encapsulation(topo, src, dst, dst_ip)
        if decision.encap is not None:
            overhead, kind = decision.overhead, decision.encap
    path_mtu = net_mtu - overhead if net_mtu is not None else None
    sizes = tuple(
        sorted(
            {
                max(1280, s) if version == 6 else s
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
    decision = _encapsulation(topo, src, dst, dst_ip)
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
        label = pod_label(pod.namespace, pod.name, ip) if pod else pod_on_label(view.name, ip)
        return Endpoint("pod", label, ip, view.name)
    return matrix.pod_on(view)


_UNMODELLED = Prediction("unknown", "ipv6", detail=Msg("probe.ipv6-unmodelled"))


def node_by_internal_ip(topo: Topology) -> dict[IPAddress, str]:
    """Every InternalIP of every node (both families) -> the first node that has it, built
    once per topology (``classify_ip`` knows the primary addresses only)."""
    index = topo.derived.get("probe.node-by-internal-ip")
    if index is None:
        built: dict[IPAddress, str] = {}
        nodes = (topo.snapshot.cluster.nodes if topo.snapshot.cluster else None) or ()
        for n in nodes:
            for ip in n.internal_ips:
                built.setdefault(ip, n.name)
        topo.derived["probe.node-by-internal-ip"] = index = built
    return cast("dict[IPAddress, str]", index)


def pod6_on(topo: Topology, view: NodeView | None, ip: IPAddress | None = None) -> Endpoint | None:
    """A pod on ``view`` by its IPv6 address: ``ip`` when it is one, else its IPv6 block's first."""
    if view is None:
        return None
    if ip is not None and ip.version == 6 and topo.in_pod_network(ip):
        pod = topo.pod_by_ip.get(ip)
        label = pod_label(pod.namespace, pod.name, ip) if pod else pod_on_label(view.name, ip)
        return Endpoint("pod", label, ip, view.name)
    block = next((b for b in view.blocks if b.version == 6), None)
    if block is None:  # IPAM blocks of one family only: the node's IPv6 podCIDR
        node = topo.nodes.get(view.name)
        block = next((c for c in node.pod_cidrs if c.version == 6), None) if node else None
    if block is None:
        return None
    first = block.network_address + 1 if block.num_addresses > 1 else block.network_address
    return Endpoint("pod", pod_on_label(view.name, first), first, view.name)


def _predict_ipv6(
    topo: Topology,
    kind: str,
    source_node: str,
    target_ip: IPAddress | None,
    target_port: int | None,
    target_node: str | None,
    source_ip: IPAddress | None,
) -> Prediction:
    """The engine's per-family prediction for an IPv6 probe of a dual-stack cluster.

    Pod to pod and to a node's IPv6 address as the engine traces them; the MTU
    and transfer probes as their IPv4 twins, with the IPv6 path's overhead
    (`mtu_prediction` for family 6). Unknown when a pod or node has no IPv6
    address in the snapshot.
    """
    src = pod6_on(topo, topo.node_views.get(source_node), source_ip)
    if src is None:
        return _UNMODELLED
    if kind == "icmp-node6":
        if target_ip is None or target_ip.version != 6:
            return _UNMODELLED
        # A node's IPv6 InternalIP is the node (classify_ip knows the primary addresses only).
        owner = node_by_internal_ip(topo).get(target_ip)
        target = (
            Endpoint("node", node_label(owner, target_ip), target_ip, owner)
            if owner is not None
            else classify_ip(topo, target_ip)
        )
        return predict(topo, src, target, "icmp", None)
    d_view = topo.node_views.get(target_node or "")
    if d_view is None and target_ip is not None:
        d_view = topo.node_of_pod_ip(target_ip)
    dst = pod6_on(topo, d_view, target_ip)
    if dst is None:
        return _UNMODELLED
    if kind == "pod-http6":
        return predict(topo, src, dst, "tcp", target_port)
    if kind == "icmp-pod6":
        return predict(topo, src, dst, "icmp", None)
    base = predict(topo, src, dst, "icmp" if kind == "mtu6" else "tcp", target_port)
    s_view = topo.node_views[source_node]
    if kind == "transfer6" and base.outcome != "open":
        return base  # transfer: stalls when large packets are lost, else as HTTP
    if d_view is None:
        return base if base.outcome == "blocked" else _UNMODELLED
    return mtu_prediction(topo, s_view, d_view, dst.ip, base, 6).prediction


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
    if kind in IPV6_KINDS.values():
        return _predict_ipv6(
            topo, kind, source_node, target_ip, target_port, target_node, source_ip
        )
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
