"""What the watch reads from the engine: the diagnosis, one verdict, node classes and flows.

This module is the one place that knows the shape of the engine's results,
so a new engine changes it and nothing else in the watch layer:

- `verdict_of`: healthy | root-causes | undecided, with the reasons;
- `class_table`: node classes with stable, bounded ids (the label values of
  every per-class metric);
- `class_flows`: the engine's flow verdicts aggregated by those ids.

Cardinality: at most ``max_classes`` classes get their own id (the largest
first); every other node is in the class ``other``. Labels are therefore
bounded by ``max_classes + 1`` whatever the node count (see
`kostack.watch.metrics.series_bound`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kostack.analyze.diagnose import Diagnosis, diagnose_with_flows
from kostack.analyze.matrix import Matrix, NodeClass
from kostack.analyze.merge import CRITICAL_PATHS as CRITICAL_PATH_CHECKS
from kostack.analyze.reach import Disposition, FlowResult
from kostack.model.snapshot import IPAddress, Snapshot

__all__ = [
    "CRITICAL_CHECKS",
    "FLOW_KINDS",
    "OTHER",
    "VERDICTS",
    "Assessment",
    "ClassTable",
    "FlowCount",
    "NodeClassInfo",
    "Verdict",
    "assess",
    "class_flows",
    "class_table",
    "verdict_of",
]

VERDICTS = ("healthy", "root-causes", "undecided")
# An UNKNOWN on one of these means the cluster's basic connectivity is not decided.
CRITICAL_CHECKS = tuple(CRITICAL_PATH_CHECKS.values())
OTHER = "other"
FLOW_KINDS = ("pod-to-pod", "dns-udp", "dns-tcp", "api-service", "egress")
FLOW_VERDICTS = ("open", "blocked", "unknown")
# Where a service flow goes, as its dst_class label.
SERVICE_TARGETS = {
    "dns-udp": "kube-dns",
    "dns-tcp": "kube-dns",
    "api-service": "kubernetes",
    "egress": "external",
}


@dataclass(frozen=True)
class Verdict:
    """One health signal: ``state`` in VERDICTS; ``reasons`` root-cause keys or check ids."""

    state: str
    reasons: tuple[str, ...] = ()


def verdict_of(diagnosis: Diagnosis) -> Verdict:
    """The engine's verdict (`Diagnosis.verdict`): healthy, root-causes or undecided.

    Reasons: the root-cause keys; for undecided, the critical checks (DNS, the
    kubernetes service, pod-to-pod, egress) that are undecided or hold only in
    some cases, then the conditional causes' keys.
    """
    if diagnosis.root_causes:
        return Verdict("root-causes", tuple(dict.fromkeys(rc.key for rc in diagnosis.root_causes)))
    v = diagnosis.verdict
    if v.kind == "undecided":
        checks = tuple(CRITICAL_PATH_CHECKS[p] for p in v.critical_undecided)
        causes = tuple(rc.key for rc in diagnosis.conditional)
        return Verdict("undecided", tuple(dict.fromkeys((*checks, *causes))))
    return Verdict("healthy")


@dataclass(frozen=True)
class NodeClassInfo:
    """A node class as metrics show it: its id (label value), role, size and a readable label."""

    id: str
    role: str
    size: int
    label: str


@dataclass(frozen=True)
class ClassTable:
    """Node classes by id; ``node_class`` maps every node to its class id."""

    classes: tuple[NodeClassInfo, ...]
    node_class: Mapping[str, str]
    engine_classes: int

    def of(self, node: str | None) -> str:
        return self.node_class.get(node or "", OTHER)


def _role(cls: NodeClass) -> str:
    return "control-plane" if cls.rep.is_control_plane else "worker"


def class_table(classes: Iterable[NodeClass], max_classes: int) -> ClassTable:
    """Stable ids for the engine's node classes: the ``max_classes`` largest, the rest ``other``.

    A class's id is its role and its first member by name (``worker:k8s-w-1``):
    the same from cycle to cycle while that node stays in the class, and
    readable by a person. Ties in size go to the smaller first name.
    """
    ranked: list[tuple[int, str, NodeClass]] = []
    for cls in classes:
        first = min(m.name for m in cls.members)
        ranked.append((cls.size, first, cls))
    ranked.sort(key=lambda item: (-item[0], item[1]))
    infos: list[NodeClassInfo] = []
    node_class: dict[str, str] = {}
    other_size = 0
    for index, (size, first, cls) in enumerate(ranked):
        if index < max_classes:
            class_id = f"{_role(cls)}:{first}"
            infos.append(NodeClassInfo(class_id, _role(cls), size, str(cls.label())))
        else:
            class_id = OTHER
            other_size += size
        for member in cls.members:
            node_class[member.name] = class_id
    if other_size:
        infos.append(NodeClassInfo(OTHER, "mixed", other_size, f"{other_size} other nodes"))
    return ClassTable(tuple(infos), node_class, len(ranked))


@dataclass(frozen=True)
class FlowCount:
    """How many node pairs (pod-to-pod) or source nodes (service flows) have this verdict."""

    flow: str
    src_class: str
    dst_class: str
    verdict: str
    count: int


def _flow_verdict(result: FlowResult) -> str:
    if result.ok or result.no_reply_expected:
        return "open"
    if result.verdict in (Disposition.DENIED, Disposition.NO_ROUTE):
        return "blocked"
    return "unknown"


def _service_verdict(results: Iterable[FlowResult]) -> str:
    verdicts = {_flow_verdict(r) for r in results}
    if verdicts == {"open"}:
        return "open"
    if "blocked" in verdicts and "unknown" not in verdicts:
        return "blocked"  # some endpoints (or all) cannot be reached: the flow is broken
    return "unknown"


def class_flows(matrix: Matrix, table: ClassTable) -> tuple[FlowCount, ...]:
    """The engine's flows by class id: pod-to-pod per pair of ids (counted per relation, not
    per class pair: `Matrix.pod_to_pod_tally`), services per source class."""
    counts: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for p2p in matrix.pod_to_pod_tally(lambda cls: table.of(cls.rep.name)):
        key = ("pod-to-pod", str(p2p.src), str(p2p.dst))
        counts[(*key, _flow_verdict(p2p.result))] += p2p.pairs
    dns = matrix.dns or ()
    services = [
        *(("dns-udp" if "/udp" in f.what else "dns-tcp", f) for f in dns),
        *(("api-service", f) for f in matrix.api or ()),
    ]
    for flow, flows in services:
        key = (flow, table.of(flows.src.rep.name), SERVICE_TARGETS[flow])
        counts[(*key, _service_verdict(flows.results))] += flows.src.size
    for cls, result in matrix.egress:
        key = ("egress", table.of(cls.rep.name), SERVICE_TARGETS["egress"])
        counts[(*key, _flow_verdict(result))] += cls.size
    return tuple(FlowCount(*key, n) for key, n in sorted(counts.items()))


@dataclass(frozen=True)
class Assessment:
    """One cycle's reading of a snapshot."""

    diagnosis: Diagnosis
    verdict: Verdict
    classes: ClassTable
    flows: tuple[FlowCount, ...]


def assess(
    snapshot: Snapshot, egress_target: IPAddress | None = None, *, max_classes: int = 8
) -> Assessment:
    """Diagnose ``snapshot`` as `kostack diagnose` does, keeping the engine's node classes.

    The diagnosis of `kostack.analyze.diagnose`, with its flow families kept:
    the classes and flows are computed once and shared with the checks.
    """
    diagnosis, flows = diagnose_with_flows(snapshot, egress_target)
    matrix = Matrix(flows.topo, egress_target, flows=flows)
    table = class_table(matrix.classes, max_classes)
    return Assessment(diagnosis, verdict_of(diagnosis), table, class_flows(matrix, table))
