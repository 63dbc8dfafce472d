"""Run every check over a snapshot, in every case it leaves open, and say what is wrong.

The checks run once per world of the snapshot's open unknowns
(engine/cases.py); `merge` turns their findings into one set: the same in
every world is that verdict, different is one conditional finding per (cause,
condition). Many flows failing for one reason are one root cause: symptom
findings (DNS, API service, pod-to-pod, egress) are attached to the layer
finding that names the reason (anti-spoofing, a security group, a route), and
findings a root cause explains are listed under it, never as causes of their
own. `Verdict` is the answer in one line: healthy, N root causes, or undecided
and why.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Protocol

from kostack.analyze.checks import CHECKS, with_role
from kostack.analyze.checks._native_routes import CAUSE as NATIVE
from kostack.analyze.checks._native_routes import cause_message
from kostack.analyze.checks.base import Check, CheckContext, Kind, Role
from kostack.analyze.engine.cases import World
from kostack.analyze.findings import Finding, Remedy, Resource, Severity, Status, command_for
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.loadbalancer.causes import LB_ROOT_CAUSE_TITLES
from kostack.analyze.merge import Verdict, merge, verdict_of
from kostack.analyze.messages import Msg, register
from kostack.analyze.remedy import dedupe, disable_remedy, same_change
from kostack.analyze.topology import Topology
from kostack.collector import collector_paused
from kostack.model.snapshot import IPAddress, Snapshot

# checks whose failures are symptoms: they join the root cause they name, never lead one
SYMPTOM_CHECKS = with_role(Role.SYMPTOM)
# checks whose PASS is read from addresses: a pod range holding node addresses puts it in doubt
ADDRESS_CHECKS = frozenset(with_role(Role.READS_ADDRESSES))


def declared(kind: Kind) -> frozenset[str]:
    """The causes some check declares of ``kind`` (its CAUSE_KINDS): the sets below follow
    from the checks, so a new check's cause cannot be forgotten in one of them."""
    return frozenset(c for check in CHECKS for c, k in check.causes.items() if kind in k)


# causes that are no outage: said as warnings, never root causes, left alone by the plan
WARNING_CAUSES = declared(Kind.WARNING)
# causes fixed on the nodes' ports: `--method disable-port-security` may replace their fix
PORT_CAUSES = declared(Kind.PORT)
# causes whose reading of addresses a pod range that contains node addresses invalidates
ADDRESS_CAUSES = declared(Kind.ADDRESS)
# causes whose need is seen in the cloud's state, not predicted: guard leaves their remedies out
OBSERVED_CAUSES = declared(Kind.OBSERVED)

ROOT_CAUSE_TITLES: dict[str, dict[str, str]] = {
    "antispoof": {
        "en": "Neutron anti-spoofing drops pod traffic",
        "ko": "Neutron 포트 보안(anti-spoofing)이 Pod 트래픽을 차단함",
    },
    "sg-encap": {
        "en": "Security groups drop the CNI's encapsulated traffic between nodes",
        "ko": "보안 그룹이 노드 간 CNI 캡슐화 트래픽을 차단함",
    },
    "sg-pod-source": {
        "en": "Security groups drop pod-sourced packets between nodes",
        "ko": "보안 그룹이 노드 간 Pod 출발 패킷을 차단함",
    },
    "sg-node": {
        "en": "Security groups drop node-to-node cluster traffic",
        "ko": "보안 그룹이 노드 간 클러스터 트래픽을 차단함",
    },
    "sg-outside": {
        "en": "Security groups drop the nodes' traffic to the outside",
        "ko": "보안 그룹이 노드에서 클러스터 외부로 나가는 트래픽을 차단함",
    },
    "sg-stateless": {
        "en": "Stateless security groups drop the replies of the cluster's connections",
        "ko": "상태 비저장(stateless) 보안 그룹이 클러스터 연결의 응답을 차단함",
    },
    "mtu": {
        "en": "The pod MTU is larger than the tenant network can carry",
        "ko": "Pod MTU가 테넌트 네트워크가 전달할 수 있는 크기보다 큼",
    },
    "cidr-overlap": {
        "en": "Pod, service and node networks overlap",
        "ko": "Pod, 서비스, 노드 네트워크 대역이 겹침",
    },
    "router-no-route-back": {
        "en": "Replies to pods' outbound traffic have no route back",
        "ko": "Pod 외부 통신의 응답이 돌아올 경로가 없음",
    },
    "ipv6-egress-no-nat": {
        "en": "Pods' IPv6 traffic leaves unmasqueraded and a Neutron router does not NAT IPv6",
        "ko": "Pod의 IPv6 트래픽이 마스커레이드되지 않고 Neutron 라우터는 IPv6를 NAT하지 않음",
    },
    "router-wrong-route": {
        "en": "The router sends pod replies to the wrong node",
        "ko": "라우터가 Pod 응답을 잘못된 노드로 보냄",
    },
    "native-cross-subnet": {
        "en": "Unencapsulated pod traffic between subnets has no route",
        "ko": "서브넷 간 비캡슐화 Pod 트래픽의 경로가 없음",
    },
    "antrea-gre-ipv6": {
        "en": "Antrea's agent refuses tunnelType gre on nodes with an IPv6 address",
        "ko": "Antrea 에이전트가 IPv6 주소가 있는 노드에서 tunnelType gre를 거부함",
    },
    "no-router": {
        "en": "No router joins the nodes' subnets",
        "ko": "노드 서브넷을 연결하는 라우터가 없음",
    },
    "no-endpoints": {
        "en": "A service has no ready endpoints",
        "ko": "서비스에 준비된 엔드포인트가 없음",
    },
    "service-port": {
        "en": "A Service lacks the port its clients use, so nothing forwards it",
        "ko": "서비스에 클라이언트가 쓰는 포트가 없어 아무것도 전달되지 않음",
    },
    "calico-address": {
        "en": "calico-node uses an address that is not the node's (BGP and tunnels go nowhere)",
        "ko": "calico-node가 노드의 주소가 아닌 주소를 씀(BGP와 터널이 닿지 않음)",
    },
    "no-port": {
        "en": "Nodes are not matched to Neutron ports",
        "ko": "노드와 Neutron 포트가 매칭되지 않음",
    },
    "bgp-no-peer": {
        "en": "With Calico's node-to-node mesh off, the BGPPeers leave nodes without a BGP "
        "session (or a route reflector in common), so they have no routes to each other's pods",
        "ko": "Calico 노드 간 메시가 꺼져 있고 BGPPeer가 노드에 BGP 세션(또는 공통 라우트 "
        "리플렉터)을 주지 않아 서로의 Pod로 가는 경로가 없음",
    },
    "bgp-blocked": {
        "en": "Security groups block BGP (TCP 179) between nodes, so nodes have no routes to "
        "each other's pods",
        "ko": "보안 그룹이 노드 간 BGP(TCP 179)를 막아 서로의 Pod로 가는 경로가 없음",
    },
    "port-down": {
        "en": "Node ports are administratively down: Neutron passes no packet through them",
        "ko": "노드 포트가 관리상 비활성 상태라 Neutron이 어떤 패킷도 통과시키지 않음",
    },
    "port-unbound": {
        "en": "Node ports failed to bind: Neutron gives them no data path",
        "ko": "노드 포트의 바인딩이 실패해 Neutron이 데이터 경로를 주지 않음",
    },
    "port-inactive": {
        "en": "Node ports are not ACTIVE and their nodes are NotReady",
        "ko": "노드 포트가 ACTIVE가 아니고 노드도 NotReady 상태임",
    },
    "antispoof-off": {
        "en": "Anti-spoofing is effectively off on node ports",
        "ko": "노드 포트의 anti-spoofing이 사실상 꺼져 있음",
    },
    "calico-ebpf-dsr": {
        "en": "Neutron anti-spoofing drops the answers Calico's eBPF DSR sends from the ingress "
        "node's address",
        "ko": "Neutron anti-spoofing이 Calico eBPF DSR이 받은 노드의 주소로 보내는 응답을 차단함",
    },
    "calico-ebpf-dsr-egress": {
        "en": "Security groups drop the answers Calico's eBPF DSR sends straight from the "
        "backend's node to NodePort clients",
        "ko": "보안 그룹이 Calico eBPF DSR이 백엔드 노드에서 NodePort 클라이언트로 직접 보내는 응답을 "
        "차단함",
    },
    "calico-ebpf-tunnel": {
        "en": "Security groups drop the VXLAN in which Calico's eBPF data plane forwards NodePort "
        "and LoadBalancer connections between nodes",
        "ko": "보안 그룹이 Calico eBPF 데이터 플레인이 NodePort와 LoadBalancer 연결을 노드 간에 "
        "전달하는 VXLAN을 차단함",
    },
    "antrea-memberlist": {
        "en": "Security groups drop Antrea's memberlist between nodes: agents disagree on who "
        "holds each egress or Service external IP",
        "ko": "보안 그룹이 노드 간 Antrea memberlist를 차단해, 에이전트들이 egress IP와 서비스 외부 "
        "IP를 어느 노드가 가질지 합의하지 못함",
    },
    "kube-ovn-address": {
        "en": "Kube-OVN's underlay hands pods addresses that Neutron ports hold",
        "ko": "Kube-OVN 언더레이가 Neutron 포트가 가진 주소를 Pod에 줌",
    },
    "kube-ovn-allocation-pool": {
        "en": "A Neutron allocation pool overlaps what Kube-OVN's underlay hands to pods",
        "ko": "Neutron 할당 풀이 Kube-OVN 언더레이가 Pod에 주는 범위와 겹침",
    },
    "egress-antispoof": {
        "en": "Neutron anti-spoofing drops the traffic pods send from egress IPs (Antrea, Cilium)",
        "ko": "Neutron anti-spoofing이 egress IP(Antrea, Cilium)로 나가는 Pod 트래픽을 차단함",
    },
    "no-service-proxy": {
        "en": "Nothing serves Services: kube-proxy is gone and the CNI does not replace it",
        "ko": "Service를 처리하는 것이 없음: kube-proxy가 없고 CNI가 이를 대신하지 않음",
    },
    "kube-ovn-subnet-no-service-proxy": {
        "en": "Nothing serves the ClusterIPs of a Kube-OVN Subnet's pods: OVN's load balancer is "
        "off there and kube-proxy is gone",
        "ko": "Kube-OVN Subnet의 Pod에서 ClusterIP를 처리하는 것이 없음: 그곳은 OVN 로드 "
        "밸런서가 꺼져 있고 kube-proxy가 없음",
    },
}


ROOT_CAUSE_TITLES.update(LB_ROOT_CAUSE_TITLES)
register({f"title.{k}": v for k, v in ROOT_CAUSE_TITLES.items()})
register(
    {
        "cause.in-case": {"en": "{message} ({condition})", "ko": "{message} ({condition} 조건)"},
    }
)


def root_cause_title(key: str, lang: str = "en") -> str:
    titles = ROOT_CAUSE_TITLES.get(key)
    if titles is None:
        return key
    return titles.get(lang, titles["en"])


@dataclass(frozen=True)
class Fix:
    remedies: tuple[Remedy, ...]
    alternative: tuple[Remedy, ...] = ()
    # what to change in each case, for a cause that fails in every case but not the same
    # way: (condition, remedies)
    cases: tuple[tuple[str, tuple[Remedy, ...]], ...] = ()

    @property
    def commands(self) -> tuple[str, ...]:
        return tuple(command_for(r) for r in self.remedies)


@dataclass(frozen=True)
class RootCause:
    key: str
    check_id: str
    title: str
    severity: Severity
    message: str
    resources: tuple[Resource, ...]
    findings: tuple[Finding, ...]
    symptoms: tuple[Finding, ...]
    evidence: tuple[str, ...]
    fix: Fix
    # set for a conditional cause: when it holds, and how to tell the cases apart
    condition: str = ""
    tell: tuple[str, ...] = ()
    # root causes this one explains (a pod range overlapping the node subnet explains the
    # anti-spoofing and routing findings that follow from it)
    consequences: tuple[RootCause, ...] = ()
    # undecided findings this cause explains (a node without a port: what needs its port)
    explains: tuple[Finding, ...] = ()
    # for a cause that fails in every case but not the same way: the other ways, each
    # with its condition (the message says the lead's)
    cases: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class Diagnosis:
    snapshot: Snapshot
    findings: tuple[Finding, ...]
    root_causes: tuple[RootCause, ...]
    warnings: tuple[Finding, ...]
    checks: tuple[Check, ...]
    node_pairs: int
    node_classes: int
    counts: dict[str, int] = field(default_factory=dict)
    conditional: tuple[RootCause, ...] = ()
    verdict: Verdict = field(default_factory=Verdict)
    worlds: tuple[World, ...] = ()
    # over every family evaluated: the most source and target classes, and the traces run
    classes: tuple[int, int, int] = (0, 0, 0)

    def worst(self) -> Severity | None:
        failing = [f.severity for f in self.findings if f.status == Status.FAIL]
        return max(failing, key=lambda s: s.rank) if failing else None


class Phases(Protocol):
    """Told where a diagnosis is, for a progress display (the CLI's); it must not fail.

    `start` names the phase that begins ("index", "flows", "checks", "causes")
    with how many steps it has (None: unknown); `advance` counts one step done.
    """

    def start(self, phase: str, total: int | None = None, detail: str = "") -> None: ...

    def advance(self, detail: str = "") -> None: ...


class _Silent:
    def start(self, phase: str, total: int | None = None, detail: str = "") -> None:
        return None

    def advance(self, detail: str = "") -> None:
        return None


SILENT: Phases = _Silent()


def run_checks(
    snapshot: Snapshot,
    egress_target: IPAddress | None = None,
    phases: Phases = SILENT,
    reuse: Topology | None = None,
) -> tuple[list[Finding], ClusterFlows]:
    """Every check in every world, merged (engine/cases.py); ``reuse``: see `Topology`."""
    phases.start("index")
    flows = ClusterFlows(snapshot, egress_target, reuse)
    phases.start("flows")
    if flows.pods:
        flows.pod_to_pod  # noqa: B018  # the pod-to-pod classes, evaluated once (cached) here
    per_world: list[list[Finding]] = []
    phases.start("checks", len(CHECKS) * len(flows.topos))
    for w, topo in enumerate(flows.topos):
        # the world's snapshot: the enumerated values written in (engine/cases.py resolve)
        ctx = CheckContext(topo.snapshot, topo, flows, w)
        found: list[Finding] = []
        for check in CHECKS:
            found.extend(check.run(ctx))
            phases.advance(check.id)
        per_world.append(found)
    flows.forget_judgings()  # every check has asked its families
    return merge(per_world, flows.worlds, snapshot), flows


@collector_paused()  # on until the flow families are dropped: a collection walks what is left
def diagnose(
    snapshot: Snapshot, egress_target: IPAddress | None = None, phases: Phases = SILENT
) -> Diagnosis:
    return diagnose_with_flows(snapshot, egress_target, phases)[0]


@collector_paused()  # it builds, and drops next to nothing (kostack/collector.py)
def diagnose_with_flows(
    snapshot: Snapshot,
    egress_target: IPAddress | None = None,
    phases: Phases = SILENT,
    reuse: Topology | None = None,
) -> tuple[Diagnosis, ClusterFlows]:
    """`diagnose`, keeping the flow families (for consumers that show classes: watch, and
    fix plan, whose verification reuses the topology's pod indexes)."""
    findings, flows = run_checks(snapshot, egress_target, phases, reuse)
    phases.start("causes")
    topo = flows.topo
    findings = _explained_by_overlap(findings, topo)
    roots = build_root_causes(findings, topo)
    keys = {rc.key for rc in roots}
    # what a decided cause leaves undecided (a node without a port) is listed under it
    findings = [
        replace(f, explained_by=f.cause)
        if f.status == Status.UNKNOWN and f.cause in keys and not f.explained_by
        else f
        for f in findings
    ]
    roots = tuple(
        replace(
            rc,
            explains=tuple(
                f for f in findings if f.status == Status.UNKNOWN and f.explained_by == rc.key
            ),
        )
        for rc in roots
    )
    conditional = _conditional_causes(findings, topo)
    warnings = tuple(f for f in findings if f.status == Status.FAIL and f.cause in WARNING_CAUSES)
    counts: dict[str, int] = defaultdict(int)
    for f in findings:
        counts[str(f.status)] += 1
    pod_classes = flows.pod_to_pod
    diagnosis = Diagnosis(
        snapshot,
        tuple(findings),
        roots,
        warnings,
        CHECKS,
        flows.node_pairs,
        max(len(pod_classes.sources), len(pod_classes.targets)),
        dict(counts),
        conditional,
        verdict_of(findings, roots, conditional),
        flows.worlds,
        _class_stats(flows),
    )
    return diagnosis, flows


def _class_stats(flows: ClusterFlows) -> tuple[int, int, int]:
    stats = list(flows.families.stats)
    hyp = flows.__dict__.get("pod_source_hypothesis_stats")
    if hyp:
        stats.extend(hyp)
    if not stats:
        return (0, 0, 0)
    return (max(s[0] for s in stats), max(s[1] for s in stats), sum(s[2] for s in stats))


def _conditional_causes(findings: list[Finding], topo: Topology) -> tuple[RootCause, ...]:
    """Root causes of the CONDITIONAL findings, one set per condition."""
    by_condition: dict[str, list[Finding]] = defaultdict(list)
    leads: dict[str, Finding] = {}
    for f in findings:
        if f.status == Status.CONDITIONAL:
            leads.setdefault(str(f.condition), f)
            group = by_condition[str(f.condition)]
            # the condition is the cause's, said once
            group.append(replace(f, status=Status.FAIL, condition=""))
            group.extend(replace(c, status=Status.FAIL, condition="") for c in f.consequences)
    out: list[RootCause] = []
    for key, group in by_condition.items():
        lead = leads[key]
        out.extend(
            replace(rc, condition=lead.condition, tell=lead.tell)
            for rc in build_root_causes(group, topo)
        )
    return tuple(out)


def overlap_invalidates(topo: Topology) -> bool:
    """A pod range contains node addresses: every reading of addresses is in doubt."""
    pods = topo.pod_cidrs
    return any(c.version == ip.version and ip in c for c in pods for ip in topo.node_by_ip)


def _explained_by_overlap(findings: list[Finding], topo: Topology) -> list[Finding]:
    """Mark what a pod range overlapping the node addresses explains (or contradicts)."""
    if not any(f.cause == "cidr-overlap" and f.status == Status.FAIL for f in findings):
        return findings
    if not overlap_invalidates(topo):
        return findings
    out = []
    for f in findings:
        if f.cause in ADDRESS_CAUSES or (f.status == Status.PASS and f.check_id in ADDRESS_CHECKS):
            f = replace(f, explained_by="cidr-overlap")
        out.append(f)
    return out


def build_root_causes(findings: list[Finding], topo: Topology) -> tuple[RootCause, ...]:
    """Group failing findings by cause: layer findings lead, symptoms attach, consequences nest."""
    layer: dict[str, list[Finding]] = defaultdict(list)
    symptoms: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.status != Status.FAIL or f.cause in WARNING_CAUSES:
            continue
        if f.check_id in SYMPTOM_CHECKS:
            symptoms[f.cause or "unexplained"].append(f)
        else:
            layer[f.cause or f.check_id].append(f)
    keys = list(layer) + [k for k in symptoms if k not in layer]
    out: list[RootCause] = []
    for key in keys:
        out.append(_root_cause(key, layer.get(key, []), symptoms.get(key, []), topo))
    out.sort(key=lambda rc: (-rc.severity.rank, -(len(rc.symptoms) + len(rc.findings))))
    explained = [rc for rc in out if rc.findings and rc.findings[0].explained_by]
    if explained:
        out = [rc for rc in out if rc not in explained]
        out = [
            replace(
                rc, consequences=tuple(e for e in explained if e.findings[0].explained_by == rc.key)
            )
            if any(e.findings[0].explained_by == rc.key for e in explained)
            else rc
            for rc in out
        ]
    return tuple(out)


def _root_cause(key: str, fs: list[Finding], ss: list[Finding], topo: Topology) -> RootCause:
    # a decided finding leads; one whose details depend on the case says so
    lead = next((f for f in fs if not f.condition), fs[0]) if fs else ss[0]
    severity = max((f.severity for f in fs + ss), key=lambda s: s.rank)
    resources: dict[tuple[str, str], Resource] = {}
    for f in fs or ss:
        for r in (f.resource, *f.affected):
            if r.kind in ("port", "node", "security_group", "router"):
                resources.setdefault((r.kind, r.id), r)
    remedies, case_fixes = _remedies_by_case(fs + ss)
    for remedy in (*remedies, *(r for _c, rs in case_fixes for r in rs)):
        if remedy.target_kind == "security_group":
            resources.setdefault(
                ("security_group", remedy.target_id),
                Resource("security_group", remedy.target_id, remedy.target_name),
            )
    alternative: tuple[Remedy, ...] = ()
    if key in PORT_CAUSES:
        alternative = tuple(
            disable_remedy(topo.ports[r.id], r.name, key)
            for r in resources.values()
            if r.kind == "port" and r.id in topo.ports
        )
    evidence = tuple(dict.fromkeys(e for f in fs or ss for e in f.evidence))[:8]
    message = cause_message(lead, fs + ss) if key == NATIVE else lead.message
    if lead.condition:
        message = Msg("cause.in-case", message=lead.message, condition=lead.condition)
    return RootCause(
        key,
        lead.check_id,
        root_cause_title(key),
        severity,
        message,
        tuple(resources.values()),
        tuple(fs),
        tuple(ss),
        evidence,
        Fix(remedies, alternative, case_fixes),
        tell=next((f.tell for f in fs if f.condition), ()),
        cases=tuple(f for f in fs if f.condition and f is not lead),
    )


def _remedies_by_case(
    findings: list[Finding],
) -> tuple[tuple[Remedy, ...], tuple[tuple[str, tuple[Remedy, ...]], ...]]:
    """The fix for every case, and what it takes in each case where that differs."""
    per_case: dict[str, list[Remedy]] = defaultdict(list)
    for f in findings:
        per_case[str(f.condition) if f.condition else ""].extend(f.remedies)
    always = dedupe(per_case.pop("", []))
    if not per_case:
        return always, ()
    conditions = {str(f.condition): f.condition for f in findings if f.condition}
    fixes = {c: dedupe(rs) for c, rs in per_case.items()}
    # a change every case needs is part of the fix, said once
    common = set.intersection(*({same_change(r) for r in rs} for rs in fixes.values()))
    always = dedupe(
        [*always, *(r for rs in fixes.values() for r in rs if same_change(r) in common)]
    )
    cases = tuple(
        (conditions[c], tuple(r for r in rs if same_change(r) not in common))
        for c, rs in fixes.items()
    )
    return always, tuple((c, rs) for c, rs in cases if rs)
