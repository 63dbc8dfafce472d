"""What a check is, and the helpers checks share."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Flag, auto
from functools import cached_property
from importlib import resources
from typing import Any, Final, Generic, Protocol, TypeAlias, TypeVar

from kostack.analyze.engine.family_records import End
from kostack.analyze.findings import Finding, Remedy, Resource, Severity, Status
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import NodeView, Topology
from kostack.gap_words import error_of
from kostack.model.snapshot import CNI, Gap, Port, Snapshot


@dataclass
class CheckContext:
    """What a check reads: the snapshot, and the world (engine/cases.py) it runs in.

    ``topo`` is this world's topology; ``flows`` holds the families evaluated
    over every world at once, read at index ``world``.
    """

    snapshot: Snapshot
    topo: Topology
    flows: ClusterFlows
    world: int = 0


class Kind(Flag):
    """What a cause a check's failing findings name is to the diagnosis and the plan.

    Each cause is ROOT or WARNING, plus PORT, ADDRESS, OBSERVED and a lesson where they hold;
    the sets analyze/diagnose.py and the reports act on are the union of what the checks
    declare (CAUSE_KINDS).
    """

    ROOT = auto()  # a failing finding with it leads (or joins) a root cause
    WARNING = auto()  # no outage: said as a warning, never a root cause, left alone by the plan
    PORT = auto()  # fixed on the nodes' ports: `--method disable-port-security` may replace it
    ADDRESS = auto()  # read from addresses: a pod range holding node addresses puts it in doubt
    # its need is read from the cloud's observed state (Octavia's member statuses), not
    # predicted: `kostack fix` may plan its remedy, guard never keeps it (once fixed the need is
    # no longer seen, and guard would take away what it added, then add it back)
    OBSERVED = auto()
    # it breaks the traffic of pods between them, to DNS or to the API service: a release's
    # chain of failing components ends at it (analyze/release_checks/chain.py)
    POD_TRAFFIC = auto()
    # with POD_TRAFFIC, it breaks only some pods' traffic, not the cluster's: those at the
    # addresses its findings name (extra "pod_spans": (version, first, last) integer spans),
    # or those on the nodes its findings name (extra "pod_nodes", else `Finding.nodes`; extra
    # "undecided_nodes": the nodes not judged, where a pod may be broken); a release's chain ends at it
    # only when the release's pods are among them (release_checks/scope.py)
    SOME_ADDRESSES = auto()
    SOME_NODES = auto()
    # the lesson the incident report draws from it (report/incident_solution.py), one at most:
    SG_LESSON = auto()  # open the CNI's protocols between nodes (in the groups) first
    ROUTES_LESSON = auto()  # give unencapsulated pod traffic routes on the router
    NODEPORT_LESSON = auto()  # open the NodePorts to the load balancer's real source
    LB_STATUS_LESSON = auto()  # watch the load balancers, not only the Service


LESSONS: Final = (Kind.SG_LESSON, Kind.ROUTES_LESSON, Kind.NODEPORT_LESSON, Kind.LB_STATUS_LESSON)


class Role(Flag):
    """What a check's findings are to the diagnosis, beside the causes they name: its ROLE,
    declared on the module where it has one (none by default); the check sets
    analyze/diagnose.py and the reports act on are what the checks declare."""

    # its failures are symptoms (a flow or a Service that breaks): they join the root cause
    # they name, never lead one, and may name any cause some check declares
    SYMPTOM = auto()
    # its PASS is read from addresses (which are pods', which a node's): a pod range holding
    # node addresses puts it in doubt, so it is not said to be ok (diagnose's ADDRESS_CHECKS)
    READS_ADDRESSES = auto()
    # its answer is a flow to a ClusterIP Service (DNS's, the API's), which the Service proxy
    # translates and no ping answers: the reports' ClusterIP ping note and lesson
    CLUSTER_IP = auto()


NO_ROLE: Final = Role(0)

Context = TypeVar("Context")


@dataclass(frozen=True)
class CheckOf(Generic[Context]):
    """A check: stable id, a title stating the desired state, severity, needs, and run(context).

    Network checks run in a CheckContext (`Check`); release checks in a
    ReleaseContext (`ReleaseCheck`, release_checks/base.py).
    """

    id: str
    title: str
    severity: Severity
    needs: tuple[str, ...]
    run: Callable[[Context], list[Finding]]
    module: str
    # the remedy operations (`Remedy.op`) its findings may carry: what its answer drives in
    # `kostack fix plan` and guard (whose holds follow from it: guard/drift_model.py)
    remedies: frozenset[str] = frozenset()
    # the causes its failing findings may name, each with its Kind: what diagnose makes of
    # them (root cause or warning, port fix, doubt from overlapping addresses) follows from it
    causes: Mapping[str, Kind] = field(default_factory=dict)
    # what its findings are beside their causes (a symptom, a reading of addresses)
    role: Role = NO_ROLE
    # the critical path its answer is in the verdict (CRITICAL_PATH: "dns", "egress"..., a
    # flow every cluster needs; analyze/merge.py), or ""
    critical_path: str = ""

    @cached_property
    def docs(self) -> dict[str, dict[str, str]]:
        """{lang: {"title": .., "explanation": .., "remediation": ..}} from the sibling Markdown."""
        return load_docs(self.module)


Check: TypeAlias = CheckOf[CheckContext]


def load_docs(module: str) -> dict[str, dict[str, str]]:
    """The sibling Markdown page of check ``module`` (a dotted module name), parsed; {} if absent.

    Tests prove every registered check ships its page.
    """
    package, _, name = module.rpartition(".")
    try:
        text = resources.files(package).joinpath(name + ".md").read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    return parse_doc(text)


def parse_doc(text: str) -> dict[str, dict[str, str]]:
    """Parse `## en` / `## ko` sections, each with `### title|explanation|remediation`."""
    out: dict[str, dict[str, str]] = {}
    lang = ""
    part = ""
    for line in text.splitlines():
        if line.startswith("## "):
            lang = line[3:].strip()
            out[lang] = {}
            part = ""
        elif line.startswith("### ") and lang:
            part = line[4:].strip().lower()
            out[lang][part] = ""
        elif lang and part:
            out[lang][part] += line + "\n"
    return {lang: {k: v.strip() for k, v in parts.items()} for lang, parts in out.items()}


# --------------------------------------------------------------------------- helpers

register(
    {
        "common.not-collected": {
            "en": "Cannot decide: {part} was not collected.",
            "ko": "판단할 수 없음: {part} 정보를 수집하지 못했습니다.",
        },
        "common.no-nodes": {
            "en": "Cannot decide: the snapshot holds no Kubernetes node (cluster.nodes is empty or "
            "was not collected).",
            "ko": "판단할 수 없음: 스냅샷에 쿠버네티스 노드가 하나도 없습니다(cluster.nodes가 비어 있거나 "
            "수집되지 않았습니다).",
        },
        "common.not-collected-gap": {
            "en": "Cannot decide: {part} was not collected: {error}.",
            "ko": "판단할 수 없음: {part} 정보를 수집하지 못했습니다: {error}.",
        },
        "common.no-port": {
            "en": "Cannot decide for {node}: {why}.",
            "ko": "{node}에 대해 판단할 수 없음: {why}.",
        },
        "names.more": {"en": "{names} and {more} more", "ko": "{names} 외 {more}대"},
        "common.no-pod-address": {
            "en": "Cannot decide: the snapshot holds no pod address on any node (none in {parts}), "
            "so no pod traffic can be judged. Collect again with an account that may list pods "
            "cluster-wide (`kubectl auth can-i list pods --all-namespaces` says whether it may): "
            "`kostack collect -o snapshot.json`.",
            "ko": "판단할 수 없음: 스냅샷의 어느 노드에도 Pod 주소가 없어({parts}에 없음) Pod 트래픽을 "
            "판단할 수 없습니다. 클러스터 전체의 Pod를 나열할 수 있는 계정으로 다시 수집하세요(권한은 "
            "`kubectl auth can-i list pods --all-namespaces`로 확인): `kostack collect -o snapshot.json`.",
        },
        "common.pod-address-guessed": {
            "en": "Cannot decide: neither the pods nor Calico's IPAM blocks were collected, so no "
            "pod address is known (Calico IPAM does not take them from the Nodes' podCIDRs). "
            "Collect again with an account that may list pods and Calico's blockaffinities "
            "(`kubectl auth can-i list pods --all-namespaces` says whether it may): "
            "`kostack collect -o snapshot.json`.",
            "ko": "판단할 수 없음: Pod 목록도 Calico IPAM 블록도 수집하지 못해 Pod 주소를 알 수 없습니다"
            "(Calico IPAM은 노드의 podCIDR에서 주소를 받지 않습니다). Pod와 Calico blockaffinities를 "
            "나열할 수 있는 계정으로 다시 수집하세요(권한은 "
            "`kubectl auth can-i list pods --all-namespaces`로 확인): `kostack collect -o snapshot.json`.",
        },
        "common.undecided": {
            "en": "Cannot decide for {what}: {why}.",
            "ko": "{what}에 대해 판단할 수 없음: {why}.",
        },
    }
)


def collected(snapshot: Snapshot, part: str) -> object:
    """What the snapshot holds at the dotted ``part`` (``openstack.ports``, ``helm.pvcs``...):
    None when it, or what holds it, was not collected; a CNI of type "unknown" counts as none."""
    value: object = snapshot
    for name in part.split("."):
        value = getattr(value, name)
        if value is None:
            return None
    if isinstance(value, CNI) and value.type == "unknown":
        return None
    if part == "cluster.nodes" and value == ():  # no node: no path to judge, none is fine
        return None
    return value


class HasSnapshot(Protocol):
    """A check's context (CheckContext, ReleaseContext): it holds the snapshot."""

    @property
    def snapshot(self) -> Snapshot: ...


SnapshotContext = TypeVar("SnapshotContext", bound=HasSnapshot)
RunOf: TypeAlias = Callable[[SnapshotContext], list[Finding]]


@dataclass(frozen=True)
class Collected(Generic[SnapshotContext]):
    """What a kind of check says when a part of the snapshot it needs is absent:
    ``text(part, gap)``."""

    text: Callable[[str, Gap | None], str]

    def missing(
        self, ctx: SnapshotContext, check_id: str, severity: Severity, needs: Sequence[str]
    ) -> list[Finding]:
        """UNKNOWN findings for each part of ``needs`` that is absent (empty when all present).

        Each says ``text(part, gap)``, where gap is the collection error under the part's
        name or, else, under its top level (``openstack``, ``cluster``, ``helm``).
        """
        out = []
        for part in needs:
            if collected(ctx.snapshot, part) is None:
                gap = ctx.snapshot.gap_for(part, part.split(".")[0])
                evidence = f"gap: {gap.source}: {gap.error}" if gap else f"{part}: null"
                where = Resource("snapshot", part, part)
                out.append(
                    Finding(
                        check_id, Status.UNKNOWN, severity, where, self.text(part, gap), (evidence,)
                    )
                )
        return out

    def when_collected(
        self, check_id: str, severity: Severity, needs: Sequence[str]
    ) -> Callable[[RunOf[SnapshotContext]], RunOf[SnapshotContext]]:
        """A check's ``run``, answered by `missing` (UNKNOWN) until every part of ``needs`` was
        collected."""

        def guard(run: RunOf[SnapshotContext]) -> RunOf[SnapshotContext]:
            return lambda ctx: self.missing(ctx, check_id, severity, needs) or run(ctx)

        return guard


def _not_collected(part: str, gap: Gap | None) -> str:
    if part == "cluster.nodes" and gap is None:
        return Msg("common.no-nodes")
    if gap:
        return Msg("common.not-collected-gap", part=part, error=error_of(gap))
    return Msg("common.not-collected", part=part)


COLLECTED = Collected[CheckContext](_not_collected)
missing = COLLECTED.missing
when_collected = COLLECTED.when_collected


def when_pod_addresses(
    check_id: str, severity: Severity
) -> Callable[[RunOf[CheckContext]], RunOf[CheckContext]]:
    """A check of pod traffic: UNKNOWN, naming what to collect, when the snapshot has nodes
    but no pod address on any of them (no pod, no CNI block, no Node podCIDR): judging the
    pods' flows then judges none, and that is no PASS. Calico without its blocks and pods
    has only the Nodes' podCIDRs, which its IPAM does not use: no address either."""

    def unknown(ctx: CheckContext) -> list[Finding]:
        where = Resource("snapshot", "cluster.pods", "cluster.pods")
        parts = ["cluster.pods", *ctx.topo.pod_range_sources]
        gaps = [ctx.snapshot.gap_for(p) for p in parts]
        evidence = tuple(f"gap: {g.source}: {g.error}" for g in gaps if g is not None)
        message = Msg("common.no-pod-address", parts=", ".join(parts))
        if ctx.flows.pods:  # only guessed
            message = Msg("common.pod-address-guessed")
        return [Finding(check_id, Status.UNKNOWN, severity, where, message, evidence)]

    def guard(run: RunOf[CheckContext]) -> RunOf[CheckContext]:
        def checked(ctx: CheckContext) -> list[Finding]:
            if ctx.flows.pods and not ctx.topo.pod_addresses_guessed:
                return run(ctx)
            return unknown(ctx)

        return checked

    return guard


def port_resource(ctx: CheckContext, port: Port, node: str = "") -> Resource:
    project = ctx.snapshot.openstack.project_name if ctx.snapshot.openstack else None
    return Resource("port", port.id, node or port.name, project=project)


def node_resource(view: NodeView) -> Resource:
    return Resource("node", view.name, view.name)


def end_ports(ctx: CheckContext, ends: Sequence[End]) -> tuple[Resource, ...]:
    """Port resources of the nodes of ``ends`` (each node once)."""
    seen: dict[str, Resource] = {}
    for e in ends:
        v = e.view
        if v is not None and v.port is not None and v.name not in seen:
            seen[v.name] = port_resource(ctx, v.port, v.name)
    return tuple(seen.values())


def view_ports(ctx: CheckContext, views: Sequence[NodeView]) -> tuple[Resource, ...]:
    return tuple(port_resource(ctx, v.port, v.name) for v in views if v.port is not None)


@dataclass(frozen=True)
class Says:
    """One check's id and severity, bound once: every finding the check makes carries both."""

    check_id: str
    severity: Severity

    def finding(
        self,
        status: Status,
        resource: Resource,
        message: str,
        evidence: tuple[str, ...] = (),
        remedies: tuple[Remedy, ...] = (),
        **fields: Any,
    ) -> Finding:
        """A finding of this check on ``resource``."""
        return Finding(
            self.check_id, status, self.severity, resource, message, evidence, remedies, **fields
        )

    def cluster(
        self,
        ctx: CheckContext,
        status: Status,
        message: str,
        evidence: tuple[str, ...] = (),
        remedies: tuple[Remedy, ...] = (),
        **fields: Any,
    ) -> Finding:
        """A finding about the whole cluster (the resource most network checks report on)."""
        cluster = ctx.snapshot.cluster
        name = cluster.name if cluster and cluster.name else "cluster"
        where = Resource("cluster", name, name)
        return self.finding(status, where, message, evidence, remedies, **fields)

    def only_for(
        self, cni: str | tuple[str, ...], message: str
    ) -> Callable[[RunOf[CheckContext]], RunOf[CheckContext]]:
        """A check of one CNI's traffic (or a few CNIs'): NOT-APPLICABLE (``message``) on a
        cluster whose CNI is known to be another, before anything missing could make it
        undecided."""
        allowed = (cni, "unknown") if isinstance(cni, str) else (*cni, "unknown")

        def guard(run: RunOf[CheckContext]) -> RunOf[CheckContext]:
            def checked(ctx: CheckContext) -> list[Finding]:
                cl = ctx.snapshot.cluster
                if cl is not None and cl.cni.type not in allowed:
                    return [self.cluster(ctx, Status.NOT_APPLICABLE, Msg(message))]
                return run(ctx)

            return checked

        return guard
