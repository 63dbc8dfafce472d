"""lb-nodeport-source: node security groups admit each LoadBalancer NodePort from the provider's real source."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from kostack.analyze.checks._lb import (
    LBCheck,
    lb_resource,
    names,
    node_group,
    nodeport_rule,
)
from kostack.analyze.checks.base import CheckContext, Kind
from kostack.analyze.findings import RULE_OP, Finding, Remedy, Resource, Severity, Status
from kostack.analyze.loadbalancer.admission import Admission
from kostack.analyze.loadbalancer.analysis import LBAnalysis, PortAnalysis
from kostack.analyze.loadbalancer.index import BalancedService
from kostack.analyze.loadbalancer.monitor import MemberHealth
from kostack.analyze.loadbalancer.path import MemberPath
from kostack.analyze.loadbalancer.provider import SourceSet
from kostack.analyze.messages import register
from kostack.analyze.reach import Disposition
from kostack.model.snapshot import IPNetwork

ID = "lb-nodeport-source"
TITLE = "Node security groups admit each LoadBalancer NodePort from where the provider really sends"
SEVERITY = Severity.HIGH
NEEDS = ("cluster.services", "openstack.security_groups", "node_ports")
REMEDIES: frozenset[str] = frozenset({RULE_OP})
CAUSE_KINDS: dict[str, Kind] = {"lb-nodeport-blocked": Kind.ROOT | Kind.NODEPORT_LESSON}
CAUSE = "lb-nodeport-blocked"
CHECK = LBCheck(ID, SEVERITY)

register(
    {
        f"{ID}.blocked": {
            "en": "Service {svc} (NodePort {port}/{protocol}, provider {provider}): {what} from "
            "{source} cannot reach {n} of {total} member nodes ({nodes}); their security groups "
            "admit no such source.",
            "ko": "Service {svc}(NodePort {port}/{protocol}, 프로바이더 {provider}): {source}에서 오는 "
            "{what} 멤버 노드 {total}대 중 {n}대({nodes})에 닿지 못합니다. 보안 그룹이 그 출발지를 "
            "허용하지 않습니다.",
        },
        # Korean: the subject particle is part of the phrase (이/가 differ per word)
        f"{ID}.what-traffic": {"en": "client traffic", "ko": "클라이언트 트래픽이"},
        f"{ID}.what-monitor": {"en": "the health check", "ko": "헬스 체크가"},
        f"{ID}.what-both": {
            "en": "client traffic and the health check",
            "ko": "클라이언트 트래픽과 헬스 체크가",
        },
        f"{ID}.ok": {
            "en": "Service {svc}: NodePort {port}/{protocol} is admitted from {source} and the health "
            "check from {monitor} on all {n} member nodes.",
            "ko": "Service {svc}: NodePort {port}/{protocol:이/가} {n}대 멤버 노드 모두에서 {source:으로/로}부터, "
            "헬스 체크는 {monitor:으로/로}부터 허용됩니다.",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide for Service {svc} NodePort {port}/{protocol} on {nodes}: {why}.",
            "ko": "Service {svc} NodePort {port}/{protocol}에 대해 {nodes}에서 판단할 수 없음: {why}.",
        },
        f"{ID}.na": {
            "en": "Service {svc} has no load balancer with members yet: nothing reaches a NodePort.",
            "ko": "Service {svc}에는 아직 멤버가 있는 로드밸런서가 없어 NodePort에 도달하는 트래픽이 없습니다.",
        },
        f"{ID}.what-client": {"en": "client traffic", "ko": "클라이언트 트래픽"},
        f"{ID}.what-hm": {"en": "the health monitor", "ko": "헬스 모니터"},
    }
)


@dataclass(frozen=True)
class _Leg:
    kind: str  # traffic | monitor
    node: str
    source: SourceSet | None
    disposition: Disposition
    admission: Admission | None
    detail: str
    port: int | None


def _legs(pa: PortAnalysis) -> list[_Leg]:
    """Every member's security-group verdict, for client traffic and for the health monitor."""
    node_port = pa.port.service_port.node_port
    checked: list[tuple[str, MemberPath | MemberHealth, int | None]] = [
        *(("traffic", leg, node_port or leg.member.port) for leg in pa.client_legs),
        *(("monitor", health, health.monitor_port) for health in pa.health),
    ]
    out = []
    for kind, leg, port in checked:
        hop = next((h for h in leg.hops if h.step == "sg-ingress"), None)
        if hop is not None:
            out.append(
                _Leg(
                    kind,
                    leg.member.label,
                    leg.source,
                    hop.disposition,
                    leg.admission,
                    hop.detail,
                    port,
                )
            )
    return out


def _to_open(legs: list[_Leg]) -> list[IPNetwork]:
    """The source prefixes not fully admitted on some member (whole prefixes, not fragments)."""
    out: list[IPNetwork] = []
    for leg in legs:
        if leg.source is None:
            continue
        refused = leg.admission.refused if leg.admission is not None else leg.source.prefixes
        for prefix in leg.source.prefixes:
            hit = any(r.version == prefix.version and r.subnet_of(prefix) for r in refused)  # type: ignore[arg-type]
            if hit and prefix not in out:
                out.append(prefix)
    return out


def _remedies(
    ctx: CheckContext,
    pa: PortAnalysis,
    nodes: list[str],
    prefixes: list[IPNetwork],
    protocol: str,
    port: int,
    what: str,
) -> tuple[Remedy, ...]:
    group = node_group(ctx.topo, nodes)
    if group is None:
        return ()
    return tuple(
        nodeport_rule(
            group, pa.service, protocol=protocol, port=port, prefix=prefix, what=what, cause=CAUSE
        )
        for prefix in prefixes
    )


@CHECK.each_service
def run(ctx: CheckContext, analysis: LBAnalysis, bs: BalancedService) -> list[Finding]:
    pas = analysis.ports_of(bs)
    if not pas or not any(pa.port.members for pa in pas):
        return [CHECK.not_applicable(bs)]
    # a port without members (no listener or pool for it: lb-provisioning says so) reaches no
    # NodePort, and is not passed as "admitted on all 0 member nodes"
    return [f for pa in pas if pa.port.members for f in _port_findings(ctx, pa)]


def _port_findings(ctx: CheckContext, pa: PortAnalysis) -> list[Finding]:
    """One Service port: a failure per blocked (source, port), else unknown, else pass."""
    bs = pa.service
    sp = pa.port.service_port
    legs = _legs(pa)
    total = len(pa.port.members)
    resource = lb_resource(bs)
    # one finding per (source, port): the amphora's traffic and health checks share both
    denied: dict[tuple[str, int | None], list[_Leg]] = defaultdict(list)
    for leg in legs:
        if leg.disposition == Disposition.DENIED and leg.source is not None:
            denied[(leg.source.label, leg.port)].append(leg)
    findings = [
        _blocked(ctx, pa, port, rows, total)
        for (_label, port), rows in denied.items()
        if port is not None
    ]
    if findings:
        return findings
    undecided = [leg for leg in legs if leg.disposition == Disposition.UNKNOWN]
    if undecided:
        return [
            CHECK.finding(
                Status.UNKNOWN,
                resource,
                "unknown",
                evidence=tuple(dict.fromkeys(leg.detail for leg in undecided))[:4],
                svc=bs.key,
                port=sp.node_port or "?",
                protocol=sp.protocol,
                nodes=names(sorted({leg.node for leg in undecided})),
                why=undecided[0].detail,
            )
        ]
    client = next((leg.source.label for leg in legs if leg.kind == "traffic" and leg.source), "?")
    monitor = next((leg.source.label for leg in legs if leg.kind == "monitor" and leg.source), "-")
    return [
        CHECK.finding(
            Status.PASS,
            resource,
            "ok",
            svc=bs.key,
            port=sp.node_port or "?",
            protocol=sp.protocol,
            source=client,
            monitor=monitor,
            n=total,
        )
    ]


def _blocked(
    ctx: CheckContext, pa: PortAnalysis, port: int, rows: list[_Leg], total: int
) -> Finding:
    """The members whose security groups refuse one source on one port."""
    bs = pa.service
    sp = pa.port.service_port
    kinds = sorted({r.kind for r in rows}, reverse=True)
    kind = kinds[0]
    nodes = sorted({r.node for r in rows})
    source = rows[0].source
    assert source is not None
    # a monitor check over ICMP has no port; NodePort rules are TCP/UDP like the Service port
    protocol = sp.protocol if kind == "traffic" else _monitor_protocol(pa)
    affected = tuple(
        Resource("port", v.port.id, v.name)
        for n in nodes
        if (v := ctx.topo.node_views.get(n)) is not None and v.port is not None
    )
    lb = bs.lb
    return CHECK.finding(
        Status.FAIL,
        lb_resource(bs),
        "blocked",
        evidence=(
            f"service {bs.key} port {sp.port}/{sp.protocol} nodePort {sp.node_port}",
            f"loadbalancer {lb.id if lb else '?'} provider={lb.provider if lb else '?'}",
            rows[0].detail,
            *(f"{e.kind} {e.id} {e.field}={e.value}" for e in source.evidence),
        ),
        remedies=_rules(ctx, pa, nodes, rows, port),
        cause=CAUSE,
        affected=affected,
        counts=(("members", len(nodes)),),
        what=CHECK.msg("what-both")
        if len(kinds) > 1
        else CHECK.msg("what-traffic" if kind == "traffic" else "what-monitor"),
        svc=bs.key,
        port=port,
        protocol=protocol,
        provider=lb.provider if lb else "?",
        source=source.label,
        n=len(nodes),
        total=total,
        nodes=names(nodes),
    )


def _rules(
    ctx: CheckContext, pa: PortAnalysis, nodes: list[str], rows: list[_Leg], port: int
) -> tuple[Remedy, ...]:
    """Rules for each protocol the refused legs arrive over, client traffic's first: a PING
    monitor needs ICMP besides the Service's own protocol."""
    by: dict[str, tuple[str, list[_Leg]]] = {}
    for leg in sorted(rows, key=lambda r: r.kind != "traffic"):
        proto = pa.port.service_port.protocol if leg.kind == "traffic" else _monitor_protocol(pa)
        by.setdefault(proto, (leg.kind, []))[1].append(leg)
    return tuple(
        r
        for proto, (kind, legs) in by.items()
        for r in _remedies(
            ctx,
            pa,
            nodes,
            _to_open(legs),
            proto,
            port,
            CHECK.msg("what-client" if kind == "traffic" else "what-hm"),
        )
    )


def _monitor_protocol(pa: PortAnalysis) -> str:
    monitor = pa.port.pool.healthmonitor if pa.port.pool is not None else None
    kind = monitor.type.upper() if monitor is not None else "TCP"
    return "UDP" if kind == "UDP-CONNECT" else ("ICMP" if kind == "PING" else "TCP")
