"""Who translates a pod's connection to a ClusterIP, per class of source pod.

The ClusterIP hop (engine/kube_proxy.py `via_service`) of a pod reads, beyond what is the same
for the whole cluster, three things of the pod: its Kube-OVN Subnet (engine/kubeovn_lb.py
`for_source`: OVN's load balancer on that Subnet's switch, or kube-proxy), whether Calico's
eBPF data plane runs on its node (calico_ebpf.py `ebpf_side`, and `unserved_side` from it),
and the node's name in the hop's place. `proxy_key` is the first two; pods with the same key
get the same hop, so one pod per key is traced (`ProxyClasses`), and each class keeps the nodes
and the number of pods it covers, and one source end per node it is on (`ProxyClass.ends`):
past the ClusterIP hop a class's pods are judged to the endpoints from their own class's pod
on each node, not from the node's first pod, whose path (its Subnet's: overlay, underlay) may
differ. One pass over the pods: linear (an end per class and node holds at least one pod),
never per pair.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kostack.analyze.engine.calico_ebpf import ebpf_side
from kostack.analyze.engine.endpoints import pod_label
from kostack.analyze.engine.family_records import End
from kostack.analyze.engine.kubeovn import subnet_of
from kostack.analyze.engine.types import Endpoint, FlowResult
from kostack.analyze.messages import Msg, joined, register
from kostack.analyze.topology import Topology, family_ip
from kostack.model.snapshot import IPAddress, Pod

register(
    {
        "pcls.subnet": {"en": "Kube-OVN Subnet {subnet}", "ko": "Kube-OVN Subnet {subnet}"},
        "pcls.no-subnet": {
            "en": "pods in no Kube-OVN Subnet",
            "ko": "Kube-OVN Subnet에 속하지 않은 Pod",
        },
        "pcls.ebpf-on": {
            "en": "nodes with Calico's eBPF data plane",
            "ko": "Calico eBPF 데이터 플레인이 켜진 노드",
        },
        "pcls.ebpf-off": {
            "en": "nodes without Calico's eBPF data plane",
            "ko": "Calico eBPF 데이터 플레인이 꺼진 노드",
        },
        "pcls.scope": {
            "en": "{nodes} ({m} of {total} nodes; {which})",
            "ko": "{nodes}({total}대 중 {m}대, {which})",
        },
    }
)

NO_SUBNET = ("no-subnet",)


def proxy_key(topo: Topology, ip: IPAddress | None, node: str | None) -> tuple[object, ...]:
    """What the ClusterIP hop reads of a pod (its address ``ip`` on ``node``) that may differ
    between pods: its Kube-OVN Subnet's name (only on Kube-OVN; `NO_SUBNET` when in none) and
    whether Calico's eBPF data plane runs on its node (None: the nodes agree)."""
    subnet: object = None
    if _keyed_by_address(topo) and ip is not None:
        found = subnet_of(topo, ip)
        subnet = found.name if found is not None else NO_SUBNET
    return (subnet, ebpf_side(topo, node))


def _keyed_by_address(topo: Topology) -> bool:
    """Whether `proxy_key` reads a pod's address (Kube-OVN), not only its node."""
    cl = topo.snapshot.cluster
    return cl is not None and cl.cni.type == "kube-ovn"


def class_label(key: tuple[object, ...]) -> str:
    """Which class ``key`` is, in words ("" for the one class every pod is in)."""
    subnet, side = key
    parts = []
    if subnet == NO_SUBNET:
        parts.append(Msg("pcls.no-subnet"))
    elif subnet is not None:
        parts.append(Msg("pcls.subnet", subnet=subnet))
    if side is not None:
        parts.append(Msg("pcls.ebpf-on" if side else "pcls.ebpf-off"))
    return joined(parts) if parts else ""


@dataclass
class ProxyClass:
    """Source pods whose ClusterIP hop is the same: ``rep`` is the one traced; ``nodes`` the
    nodes with a pod of it (in order), ``pods`` how many of the snapshot's pods it covers."""

    key: tuple[object, ...]
    rep: Endpoint
    nodes: dict[str, None] = field(default_factory=dict)
    pods: int = 0
    # the sources judged past the ClusterIP hop: the family's ends of this class (a node's
    # first pod, one per Calico pool), and, on each other node with a pod of it, that pod
    ends: list[End] = field(default_factory=list)

    @property
    def label(self) -> str:
        return class_label(self.key)


@dataclass
class ProxyClasses:
    """The classes of one address family's source pods, and each node's representative
    end's class (`ClusterEnds.pods`: the family's sources)."""

    classes: list[ProxyClass]
    of_node: dict[str, tuple[object, ...]]


def proxy_classes(
    topo: Topology, ends: list[End], pods: Iterable[Pod], version: int | None
) -> ProxyClasses:
    """One pass over the flow families' ends (a pod on each node: the first class's
    representative is ``ends[0]``, as the one trace was) and the snapshot's pods of that family
    that run on a known node, not on its network."""
    found: dict[tuple[object, ...], ProxyClass] = {}
    of_node: dict[str, tuple[object, ...]] = {}

    for e in ends:
        ep = e.endpoint
        key = proxy_key(topo, ep.ip, ep.node)
        cls = found.get(key)
        if cls is None:
            cls = found[key] = ProxyClass(key, ep)
        cls.nodes.setdefault(ep.node or "?", None)
        cls.ends.append(e)
        of_node.setdefault(e.name, key)
    family = version if version is not None or not ends else ends[0].ip.version
    # off Kube-OVN the key is the node's alone: read once per node, over each node's first pod
    # and count (a pod index: `kostack fix plan`'s verifying diagnoses walk no pod); the pass
    # over every pod remains for Kube-OVN's Subnets and for pods other than the topology's
    by_address = _keyed_by_address(topo)
    views = topo.node_views
    if not by_address and pods is topo.pods:
        _by_node(topo, found, family)
        return ProxyClasses(list(found.values()), of_node)
    by_node: dict[str, tuple[object, ...]] = {}
    for pod in pods:  # the pods' own Endpoint only for a class's first on a node
        node = pod.node
        if pod.host_network or not node or node not in views:
            continue
        ip = family_ip(pod, family)
        if ip is None:
            continue
        if by_address:
            key = proxy_key(topo, ip, node)
        else:
            key = by_node.get(node) or by_node.setdefault(node, proxy_key(topo, ip, node))
        _join(topo, found, key, pod, ip, node, 1)
    return ProxyClasses(list(found.values()), of_node)


def _join(
    topo: Topology,
    found: dict[tuple[object, ...], ProxyClass],
    key: tuple[object, ...],
    pod: Pod,
    ip: IPAddress,
    node: str,
    count: int,
) -> None:
    """``count`` pods of ``node`` join the class ``key`` (made with this pod as its
    representative when new); the pod's own End only for the class's first on the node."""
    cls = found.get(key)
    if cls is None:
        rep = Endpoint("pod", pod_label(pod.namespace, pod.name, ip), ip, node)
        cls = found[key] = ProxyClass(key, rep)
    if node not in cls.nodes:
        ep = Endpoint("pod", pod_label(pod.namespace, pod.name, ip), ip, node)
        cls.ends.append(End(topo.node_views[node], ep, ip))
    cls.nodes.setdefault(node, None)
    cls.pods += count


def _by_node(
    topo: Topology, found: dict[tuple[object, ...], ProxyClass], family: int | None
) -> None:
    """`proxy_classes`' pass over the pods when a class is its node's (off Kube-OVN): over each
    node's first pod and count instead (`Topology.node_pods`, built once and shared by fix
    plan's verifying diagnoses), in the order of those first pods: the same classes, in the
    same order, with the same representatives, nodes, ends and counts."""
    views = topo.node_views
    for run in topo.node_pods(family):
        if run.node in views:
            _join(
                topo, found, proxy_key(topo, run.ip, run.node), run.pod, run.ip, run.node, run.count
            )


@dataclass
class TracedClass:
    """A class and its representative's trace to the Service (one result per endpoint, or the
    one hop that stopped it); ``translated``: the ClusterIP hop passed."""

    cls: ProxyClass
    results: list[FlowResult]

    @property
    def translated(self) -> bool:
        return not any(
            h.step == "kube-proxy" and not h.passes for r in self.results for h in r.hops
        )
