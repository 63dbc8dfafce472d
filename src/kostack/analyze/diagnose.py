"""Run every check over a snapshot and turn failing findings into root causes.

Many flows failing for one reason are one root cause: symptom findings (DNS,
API service, pod-to-pod, egress) are attached to the layer finding that names
the reason (anti-spoofing, a security group, a route), and the result leads
with that root cause, the resources it touches and the commands that fix it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from kostack.analyze.checks import CHECKS, Check, CheckContext
from kostack.analyze.findings import Finding, Remedy, Resource, Severity, Status, command_for
from kostack.analyze.loadbalancer.causes import LB_ROOT_CAUSE_TITLES
from kostack.analyze.matrix import Matrix
from kostack.analyze.remedy import dedupe, disable_remedy
from kostack.analyze.topology import Topology
from kostack.model.snapshot import IPAddress, Snapshot

SYMPTOM_CHECKS = (
    "net-dns",
    "net-api-service",
    "net-pod-to-pod",
    "net-pod-egress",
    "lb-members-down",
    "lb-pending-service",
)
WARNING_CAUSES = frozenset({"port-security-off", "pairs-too-wide", "cidr-overlap-latent"})
PORT_CAUSES = frozenset({"antispoof", "sg-encap", "sg-pod-source", "sg-node"})

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
    "router-wrong-route": {
        "en": "The router sends pod replies to the wrong node",
        "ko": "라우터가 Pod 응답을 잘못된 노드로 보냄",
    },
    "native-cross-subnet": {
        "en": "Unencapsulated pod traffic between subnets has no route",
        "ko": "서브넷 간 비캡슐화 Pod 트래픽의 경로가 없음",
    },
    "no-router": {
        "en": "No router joins the nodes' subnets",
        "ko": "노드 서브넷을 연결하는 라우터가 없음",
    },
    "no-endpoints": {
        "en": "A service has no ready endpoints",
        "ko": "서비스에 준비된 엔드포인트가 없음",
    },
    "no-port": {
        "en": "Nodes are not matched to Neutron ports",
        "ko": "노드와 Neutron 포트가 매칭되지 않음",
    },
}


ROOT_CAUSE_TITLES.update(LB_ROOT_CAUSE_TITLES)


def root_cause_title(key: str, lang: str = "en") -> str:
    titles = ROOT_CAUSE_TITLES.get(key)
    if titles is None:
        return key
    return titles.get(lang, titles["en"])


@dataclass(frozen=True)
class Fix:
    remedies: tuple[Remedy, ...]
    alternative: tuple[Remedy, ...] = ()
    conditional: tuple[Remedy, ...] = ()

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

    def by_status(self, status: Status) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status == status)

    def worst(self) -> Severity | None:
        failing = [f.severity for f in self.findings if f.status == Status.FAIL]
        return max(failing, key=lambda s: s.rank) if failing else None


def run_checks(
    snapshot: Snapshot, egress_target: IPAddress | None = None
) -> tuple[list[Finding], Matrix]:
    topo = Topology(snapshot)
    matrix = Matrix(topo, egress_target)
    ctx = CheckContext(snapshot, topo, matrix)
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check.run(ctx))
    return findings, matrix


def diagnose(snapshot: Snapshot, egress_target: IPAddress | None = None) -> Diagnosis:
    findings, matrix = run_checks(snapshot, egress_target)
    roots = build_root_causes(findings, matrix.topo)
    warnings = tuple(f for f in findings if f.status == Status.FAIL and f.cause in WARNING_CAUSES)
    counts: dict[str, int] = defaultdict(int)
    for f in findings:
        counts[str(f.status)] += 1
    return Diagnosis(
        snapshot,
        tuple(findings),
        roots,
        warnings,
        CHECKS,
        matrix.node_pairs,
        len(matrix.classes),
        dict(counts),
    )


def build_root_causes(findings: list[Finding], topo: Topology) -> tuple[RootCause, ...]:
    layer: dict[str, list[Finding]] = defaultdict(list)
    symptoms: dict[str, list[Finding]] = defaultdict(list)
    conditional: list[Remedy] = []
    for f in findings:
        if f.check_id == "net-sg-pod-source-ingress" and f.status == Status.UNKNOWN:
            conditional.extend(f.remedies)
        if f.status != Status.FAIL or f.cause in WARNING_CAUSES:
            continue
        if f.check_id in SYMPTOM_CHECKS:
            symptoms[f.cause or "unexplained"].append(f)
        else:
            layer[f.cause or f.check_id].append(f)
    keys = list(layer) + [k for k in symptoms if k not in layer]
    out: list[RootCause] = []
    ports_by_id = topo.ports
    for key in keys:
        fs = layer.get(key, [])
        ss = symptoms.get(key, [])
        lead = fs[0] if fs else ss[0]
        severity = max((f.severity for f in fs + ss), key=lambda s: s.rank)
        resources: dict[tuple[str, str], Resource] = {}
        for f in fs or ss:
            for r in (f.resource, *f.affected):
                if r.kind in ("port", "node", "security_group", "router"):
                    resources.setdefault((r.kind, r.id), r)
        remedies = dedupe(r for f in fs + ss for r in f.remedies)
        for remedy in remedies:
            if remedy.target_kind == "security_group":
                resources.setdefault(
                    ("security_group", remedy.target_id),
                    Resource("security_group", remedy.target_id, remedy.target_name),
                )
        alternative: tuple[Remedy, ...] = ()
        if key in PORT_CAUSES:
            alternative = tuple(
                disable_remedy(ports_by_id[r.id], r.name, key)
                for r in resources.values()
                if r.kind == "port" and r.id in ports_by_id
            )
        cond = dedupe(conditional) if key == "antispoof" else ()
        evidence = tuple(dict.fromkeys(e for f in fs for e in f.evidence))[:8]
        out.append(
            RootCause(
                key,
                lead.check_id,
                root_cause_title(key),
                severity,
                lead.message,
                tuple(resources.values()),
                tuple(fs),
                tuple(ss),
                evidence,
                Fix(remedies, alternative, cond),
            )
        )
    out.sort(key=lambda rc: (-rc.severity.rank, -(len(rc.symptoms) + len(rc.findings))))
    return tuple(out)
