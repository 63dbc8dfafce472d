"""lb-etp-local: with externalTrafficPolicy Local, exactly the nodes without an endpoint are down."""

from __future__ import annotations

from typing import Any

from kostack.analyze.checks._lb import LBCheck, lb_resource, names
from kostack.analyze.checks.base import CheckContext, Kind
from kostack.analyze.findings import MANUAL_OP, Finding, Resource, Severity, Status
from kostack.analyze.loadbalancer.analysis import LBAnalysis, PortAnalysis
from kostack.analyze.loadbalancer.index import DOWN, BalancedService
from kostack.analyze.loadbalancer.monitor import MemberHealth, health_text
from kostack.analyze.messages import register
from kostack.model.loadbalancer import HealthMonitor
from kostack.shell import command, render

ID = "lb-etp-local"
TITLE = (
    "With externalTrafficPolicy Local, the members on nodes without an endpoint are down and "
    "the others are up"
)
SEVERITY = Severity.HIGH
NEEDS = ("cluster.services",)
REMEDIES: frozenset[str] = frozenset({MANUAL_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "lb-etp-local": Kind.ROOT | Kind.NODEPORT_LESSON,
    "lb-nodeport-blocked": Kind.ROOT | Kind.NODEPORT_LESSON,
    "no-endpoints": Kind.ROOT,
}
CHECK = LBCheck(ID, SEVERITY)

register(
    {
        f"{ID}.ok": {
            "en": "{svc} port {port} (externalTrafficPolicy Local) is healthy by design: {up} member(s) "
            "with a local endpoint are {up_status} ({up_nodes}) and {down} without one are down "
            "({down_nodes}), so the client source is kept and no traffic reaches an empty node.",
            "ko": "externalTrafficPolicy Local인 {svc} 포트 {port:은/는} 설계대로 정상입니다: 로컬 엔드포인트가 있는 "
            "멤버 {up}개는 {up_status}({up_nodes}), 없는 멤버 {down}개는 다운({down_nodes})이므로 클라이언트 "
            "출발지가 유지되고 빈 노드로 트래픽이 가지 않습니다.",
        },
        f"{ID}.no-monitor": {
            "en": "{svc} port {port} uses externalTrafficPolicy Local but pool {pool} has no health "
            "monitor: the load balancer keeps sending to {n} node(s) without an endpoint ({nodes}), "
            "where kube-proxy drops the connection.",
            "ko": "{svc} 포트 {port:은/는} externalTrafficPolicy Local인데 풀 {pool}에 헬스 모니터가 없어 "
            "엔드포인트가 없는 노드 {n}대({nodes})로도 계속 보내고, kube-proxy가 그 연결을 버립니다.",
        },
        f"{ID}.empty-up": {
            "en": "{svc} port {port}: {n} member(s) on nodes without an endpoint are {status} ({nodes}): "
            "the monitor ({type} on port {mport}) does not ask kube-proxy's health check "
            "(healthCheckNodePort {hc}), so those nodes get traffic they drop.",
            "ko": "{svc} 포트 {port}: 엔드포인트가 없는 노드의 멤버 {n}개가 {status}입니다({nodes}). 모니터"
            "(포트 {mport}의 {type})가 kube-proxy 헬스 체크(healthCheckNodePort {hc})를 확인하지 않으므로 "
            "그 노드들은 받은 트래픽을 버립니다.",
        },
        f"{ID}.empty-up-hc": {
            "en": "{svc} port {port}: {n} member(s) on nodes without an endpoint are {status} ({nodes}) "
            "although the monitor asks kube-proxy's health check ({type} {path} on "
            "healthCheckNodePort {mport}), which answers 503 there: look at the monitor's expected "
            "codes ({codes}) and at kube-proxy on those nodes (its health check answers 200 while "
            "it believes an endpoint is local); those nodes get traffic they drop.",
            "ko": "{svc} 포트 {port}: 엔드포인트가 없는 노드의 멤버 {n}개가 {status}입니다({nodes}). 모니터가 "
            "kube-proxy 헬스 체크(healthCheckNodePort {mport}의 {type} {path})를 확인하고 그곳은 503으로 "
            "응답하는데도 그렇습니다: 모니터의 기대 코드({codes})와 그 노드들의 kube-proxy(로컬 엔드포인트가 "
            "있다고 믿는 동안에는 헬스 체크에 200으로 응답)를 확인하세요. 그 노드들은 받은 트래픽을 버립니다.",
        },
        f"{ID}.serving-down": {
            "en": "{svc} port {port} (externalTrafficPolicy Local) is broken: {n} member(s) on nodes "
            "with an endpoint are down ({nodes}): {why}.",
            "ko": "externalTrafficPolicy Local인 {svc} 포트 {port:이/가} 고장났습니다: 엔드포인트가 있는 노드의 "
            "멤버 {n}개가 다운되었습니다({nodes}): {why}.",
        },
        f"{ID}.no-endpoints": {
            "en": "{svc} port {port} (externalTrafficPolicy Local) has no ready endpoint anywhere: every "
            "member is down and the Service answers nothing.",
            "ko": "{svc} 포트 {port}(externalTrafficPolicy Local)에 준비된 엔드포인트가 하나도 없어 모든 멤버가 "
            "다운이고 Service가 응답하지 않습니다.",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide for {svc} port {port}: {why}.",
            "ko": "{svc} 포트 {port}에 대해 판단할 수 없음: {why}.",
        },
        f"{ID}.na": {
            "en": "Service {svc} uses externalTrafficPolicy {policy}: every node serves every connection.",
            "ko": "Service {svc:은/는} externalTrafficPolicy {policy:을/를} 사용하므로 모든 노드가 모든 연결을 처리합니다.",
        },
        f"{ID}.fix-monitor": {
            "en": "let the cloud controller create the health monitor: set loadbalancer.openstack.org/"
            "enable-health-monitor=true on the Service (or create-monitor=true in its config)",
            "ko": "클라우드 컨트롤러가 헬스 모니터를 만들도록 Service에 loadbalancer.openstack.org/"
            "enable-health-monitor=true를 설정하세요 (또는 설정 파일의 create-monitor=true)",
        },
        f"{ID}.why-no-endpoint": {
            "en": "the endpoints were not collected",
            "ko": "엔드포인트를 수집하지 못했습니다",
        },
    }
)


@CHECK.each_service
def run(ctx: CheckContext, analysis: LBAnalysis, bs: BalancedService) -> list[Finding]:
    if not bs.local_policy:
        return [CHECK.not_applicable(bs, policy=bs.service.external_traffic_policy or "Cluster")]
    return [_judge(pa) for pa in analysis.ports_of(bs) if pa.port.pool is not None]


def _judge(pa: PortAnalysis) -> Finding:
    """One Local Service port: unknown, no endpoints, no monitor, serving down, empty up, or fine."""
    bs, pool, sp = pa.service, pa.port.pool, pa.port.service_port
    assert pool is not None
    resource = lb_resource(bs)
    base: dict[str, Any] = {"svc": bs.key, "port": sp.port}
    if bs.service.endpoints is None:
        why: str = CHECK.msg("why-no-endpoint")
        return CHECK.finding(Status.UNKNOWN, resource, "unknown", why=why, **base)
    if not pa.port.members:
        why = pa.port.members_note or "-"
        return CHECK.finding(Status.UNKNOWN, resource, "unknown", why=why, **base)
    with_ep = [
        h
        for h in pa.health
        if h.member.node is not None and bs.ready_endpoints_on(h.member.node.name)
    ]
    without = [h for h in pa.health if h not in with_ep]
    monitor = pool.healthmonitor
    evidence = (
        f"service {bs.key} externalTrafficPolicy=Local healthCheckNodePort={bs.service.health_check_node_port}",
        f"endpoints on: {', '.join(sorted({e.node or '?' for e in bs.service.endpoints if e.ready})) or 'none'}",
        f"pool {pool.id} healthmonitor="
        + (f"{monitor.type} {monitor.url_path or ''}".strip() if monitor else "none"),
    )
    if not with_ep:
        return CHECK.finding(
            Status.FAIL, resource, "no-endpoints", evidence=evidence, cause="no-endpoints", **base
        )
    if monitor is None:
        return _no_monitor(pa, base, evidence, without)
    serving_down = [h for h in with_ep if h.actual in DOWN]
    if serving_down:
        return _serving_down(pa, base, evidence, serving_down)
    empty_up = [h for h in without if h.actual not in DOWN]
    if empty_up:
        return _empty_up(pa, base, evidence, empty_up, monitor)
    return CHECK.finding(
        Status.PASS,
        resource,
        "ok",
        evidence=evidence,
        up=len(with_ep),
        up_status="/".join(sorted({h.actual for h in with_ep})),
        up_nodes=names([h.member.label for h in with_ep]),
        down=len(without),
        down_nodes=names([h.member.label for h in without]) or "-",
        **base,
    )


def _no_monitor(
    pa: PortAnalysis, base: dict[str, Any], evidence: tuple[str, ...], without: list[MemberHealth]
) -> Finding:
    """No health monitor: members without an endpoint keep getting traffic they drop."""
    bs, pool = pa.service, pa.port.pool
    assert pool is not None
    lb = bs.lb
    annotate = command(
        ("kubectl", "-n", bs.service.namespace, "annotate", "service"),
        (bs.service.name,),
        ("loadbalancer.openstack.org/enable-health-monitor=true", "--overwrite"),
    )
    remedy = CHECK.manual(
        "service", bs.key, bs.service.name, render(annotate), "fix-monitor", "lb-etp-local"
    )
    return CHECK.finding(
        Status.FAIL,
        lb_resource(bs),
        "no-monitor",
        evidence=(*evidence, f"loadbalancer {lb.id if lb else '?'}"),
        cause="lb-etp-local",
        remedies=(remedy,),
        pool=pool.name or pool.id,
        n=len(without),
        nodes=names([h.member.label for h in without]),
        **base,
    )


def _serving_down(
    pa: PortAnalysis,
    base: dict[str, Any],
    evidence: tuple[str, ...],
    serving_down: list[MemberHealth],
) -> Finding:
    """Members on nodes with an endpoint are down: the Service is broken there."""
    return CHECK.finding(
        Status.FAIL,
        lb_resource(pa.service),
        "serving-down",
        evidence=evidence + tuple(hop.detail for hop in serving_down[0].hops[:2]),
        cause="lb-nodeport-blocked" if serving_down[0].reason == "sg" else "lb-etp-local",
        affected=tuple(
            Resource("port", h.member.node.port.id, h.member.node.name)
            for h in serving_down
            if h.member.node is not None and h.member.node.port is not None
        ),
        n=len(serving_down),
        nodes=names([h.member.label for h in serving_down]),
        why=health_text(serving_down[0]),
        **base,
    )


def _empty_up(
    pa: PortAnalysis,
    base: dict[str, Any],
    evidence: tuple[str, ...],
    empty_up: list[MemberHealth],
    monitor: HealthMonitor,
) -> Finding:
    """Members without an endpoint are up: the monitor does not ask kube-proxy's health check,
    or it does and still passes them (its expected codes, a kube-proxy that believes otherwise)."""
    bs = pa.service
    hc = bs.service.health_check_node_port
    mport = empty_up[0].monitor_port
    asks_hc = monitor.type.upper() in ("HTTP", "HTTPS") and hc is not None and mport == hc
    return CHECK.finding(
        Status.FAIL,
        lb_resource(bs),
        "empty-up-hc" if asks_hc else "empty-up",
        evidence=evidence,
        cause="lb-etp-local",
        n=len(empty_up),
        nodes=names([h.member.label for h in empty_up]),
        status="/".join(sorted({h.actual for h in empty_up})),
        type=monitor.type,
        mport=mport or "?",
        hc=hc or "-",
        path=monitor.url_path or "/",
        codes=monitor.expected_codes or "200",
        **base,
    )
