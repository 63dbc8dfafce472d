"""lb-ovn-limits: Services on the OVN provider use only what the OVN provider supports.

The OVN provider (ovn-octavia-provider, driver.py and common/constants.py)
balances TCP, UDP and SCTP only, with the SOURCE_IP_PORT or SOURCE_IP
algorithm, supports no listener allowed_cidrs, only TCP and UDP-CONNECT
health monitors and no member monitor port. OCCM (pkg/openstack/
loadbalancer.go) maps annotations onto those: lb-method to the pool
algorithm (its default, ROUND_ROBIN, is refused by OVN), x-forwarded-for and
default-tls-container-ref to HTTP/TERMINATED_HTTPS listeners, proxy-protocol
to a PROXY pool, loadBalancerSourceRanges to allowed_cidrs (for OVN it
drops them with a LoadBalancerSourceRangesIgnored event, unless
manage-security-groups puts them on the nodes' group), and for
externalTrafficPolicy Local it falls back from the HTTP /healthz monitor to
TCP on the NodePort.
"""

from __future__ import annotations

from kostack.analyze.checks._lb import LBCheck, lb_resource
from kostack.analyze.checks.base import CheckContext, Kind
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.loadbalancer.admission import Coverage
from kostack.analyze.loadbalancer.analysis import LBAnalysis
from kostack.analyze.loadbalancer.index import BalancedService
from kostack.analyze.loadbalancer.provider import anyone
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import IPNetwork

ID = "lb-ovn-limits"
TITLE = "Services on the OVN load balancer provider ask only for what it supports"
SEVERITY = Severity.HIGH
NEEDS = ("cluster.services",)
REMEDIES: frozenset[str] = frozenset()
CAUSE_KINDS: dict[str, Kind] = {"lb-ovn-unsupported": Kind.ROOT | Kind.LB_STATUS_LESSON}

ALGORITHMS = ("SOURCE_IP_PORT", "SOURCE_IP")
PROTOCOLS = ("TCP", "UDP", "SCTP")
MONITORS = ("TCP", "UDP-CONNECT")
A = "loadbalancer.openstack.org/"
CHECK = LBCheck(ID, SEVERITY)

register(
    {
        f"{ID}.unsupported": {
            "en": "Service {svc} is on the OVN provider but asks for {what}: {effect}.",
            "ko": "Service {svc:은/는} OVN 프로바이더를 쓰는데 {what:을/를} 요청합니다: {effect}.",
        },
        f"{ID}.ranges-open": {
            "en": "Service {svc} is on the OVN provider, which cannot apply loadBalancerSourceRanges "
            "({ranges}), and the node security groups admit NodePort {port} from outside them too "
            "({outside}): the source restriction is enforced nowhere.",
            "ko": "Service {svc:은/는} loadBalancerSourceRanges({ranges})를 적용할 수 없는 OVN 프로바이더를 쓰고, "
            "노드 보안 그룹이 NodePort {port:을/를} 그 범위 밖({outside})에서도 허용합니다: 출발지 제한이 어디서도 "
            "적용되지 않습니다.",
        },
        f"{ID}.ok": {
            "en": "Service {svc} on the OVN provider asks only for what it supports ({what}).",
            "ko": "OVN 프로바이더의 Service {svc:은/는} 지원되는 기능만 요청합니다 ({what}).",
        },
        f"{ID}.na": {
            "en": "Service {svc} is on provider {provider}, not OVN.",
            "ko": "Service {svc:은/는} OVN이 아닌 {provider} 프로바이더를 사용합니다.",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide for Service {svc}: which provider its load balancer would use is not "
            "known (no load balancer yet, and the cluster's others disagree or do not exist).",
            "ko": "Service {svc}에 대해 판단할 수 없음: 로드밸런서가 아직 없고 클러스터의 다른 로드밸런서도 "
            "없거나 서로 달라 어떤 프로바이더를 쓸지 알 수 없습니다.",
        },
        f"{ID}.eff-algorithm": {
            "en": "the OVN provider refuses it (501 UnsupportedOptionError), so the cloud controller "
            "cannot create the pool; set the annotation to SOURCE_IP_PORT (and lb-method = "
            "SOURCE_IP_PORT in the cloud controller's config for lb-provider ovn)",
            "ko": "OVN 프로바이더가 거부하므로(501 UnsupportedOptionError) 클라우드 컨트롤러가 풀을 만들 수 "
            "없습니다. 애너테이션을 SOURCE_IP_PORT로 바꾸세요 (lb-provider ovn이면 클라우드 컨트롤러 설정의 "
            "lb-method도 SOURCE_IP_PORT)",
        },
        f"{ID}.eff-http": {
            "en": "that needs an HTTP or TERMINATED_HTTPS listener, which the OVN provider refuses "
            "(it balances TCP, UDP and SCTP only); drop the annotation or use the amphora provider",
            "ko": "HTTP 또는 TERMINATED_HTTPS 리스너가 필요한데 OVN 프로바이더는 이를 거부합니다(TCP, UDP, "
            "SCTP만 분산). 애너테이션을 없애거나 amphora 프로바이더를 쓰세요",
        },
        f"{ID}.eff-proxy": {
            "en": "that needs a PROXY protocol pool, which the OVN provider refuses; it keeps the client "
            "address anyway, so drop the annotation",
            "ko": "PROXY 프로토콜 풀이 필요한데 OVN 프로바이더는 이를 거부합니다. OVN은 어차피 클라이언트 주소를 "
            "유지하므로 애너테이션을 없애세요",
        },
        f"{ID}.eff-monitor": {
            "en": "the OVN provider supports only TCP and UDP-CONNECT health monitors",
            "ko": "OVN 프로바이더는 TCP와 UDP-CONNECT 헬스 모니터만 지원합니다",
        },
        f"{ID}.eff-cidrs": {
            "en": "the OVN provider supports no allowed_cidrs on a listener",
            "ko": "OVN 프로바이더는 리스너의 allowed_cidrs를 지원하지 않습니다",
        },
    }
)


def _provider(analysis: LBAnalysis, bs: BalancedService) -> str | None:
    """The Service's provider: its load balancer's, else the one every other LB of the cluster uses."""
    if bs.lb is not None:
        return bs.lb.provider
    others = analysis.index.providers
    return next(iter(others)) if len(others) == 1 else None


def _asks(bs: BalancedService) -> list[tuple[str, Msg]]:
    """What the Service (and its load balancer) asks of the provider that OVN cannot give."""
    ann = bs.service.annotations
    out: list[tuple[str, Msg]] = []
    method = ann.get(A + "lb-method", "").strip().upper()
    if method and method not in ALGORITHMS:
        out.append((f"{A}lb-method={method}", CHECK.msg("eff-algorithm")))
    for key in ("x-forwarded-for", "default-tls-container-ref"):
        value = ann.get(A + key, "").strip()
        if value and value.lower() != "false":
            out.append((f"{A}{key}={value}", CHECK.msg("eff-http")))
    proxy = ann.get(A + "proxy-protocol", "").strip().lower()
    if proxy and proxy != "false":
        out.append((f"{A}proxy-protocol={proxy}", CHECK.msg("eff-proxy")))
    lb = bs.lb
    for pool in lb.pools if lb is not None else ():
        if pool.lb_algorithm and pool.lb_algorithm not in ALGORITHMS:
            out.append(
                (
                    f"pool {pool.name or pool.id} lb_algorithm={pool.lb_algorithm}",
                    CHECK.msg("eff-algorithm"),
                )
            )
        hm = pool.healthmonitor
        if hm is not None and hm.type.upper() not in MONITORS:
            out.append(
                (f"health monitor {hm.name or hm.id} type={hm.type}", CHECK.msg("eff-monitor"))
            )
    for li in lb.listeners if lb is not None else ():
        if li.protocol.upper() not in PROTOCOLS:
            out.append(
                (f"listener {li.name or li.id} protocol={li.protocol}", CHECK.msg("eff-http"))
            )
        if li.allowed_cidrs:
            out.append((f"listener {li.name or li.id} allowed_cidrs", CHECK.msg("eff-cidrs")))
    return out


def _ranges_open(analysis: LBAnalysis, bs: BalancedService) -> tuple[int, list[IPNetwork]] | None:
    """When source ranges are set: a NodePort the node groups open beyond them (the leak)."""
    ranges = bs.service.load_balancer_source_ranges
    if not ranges:
        return None
    from kostack.analyze.loadbalancer.admission import admission, uncovered

    # Every address of the load balancer's family outside the ranges, but the node subnets
    # and the VIP's: cluster-internal sources are not the leak (and OVN's health checks come
    # from there).
    inside = [*ranges, *(v.subnet.cidr for v in analysis.topo.node_views.values() if v.subnet)]
    inside.extend([bs.vip_subnet.cidr] if bs.vip_subnet is not None else [])
    outside = uncovered(anyone(bs), inside)
    for pa in analysis.ports_of(bs):
        port = pa.port.service_port.node_port
        for mv in pa.port.members:
            node = mv.node
            if port is None or node is None or node.port is None:
                continue
            adm = admission(
                analysis.topo, node.port, outside, pa.port.service_port.protocol.lower(), port
            )
            if adm.coverage in (Coverage.ALL, Coverage.SOME, Coverage.NO_FILTER):
                return port, list(adm.admitted) or outside[:1]
    return None


@CHECK.each_service
def run(ctx: CheckContext, analysis: LBAnalysis, bs: BalancedService) -> list[Finding]:
    provider = _provider(analysis, bs)
    resource = lb_resource(bs)
    if provider is None:
        return [CHECK.finding(Status.UNKNOWN, resource, "unknown", svc=bs.key)]
    if provider.lower() != "ovn":
        return [CHECK.not_applicable(bs, provider=provider or "?")]
    asks = _asks(bs)
    out = [
        CHECK.finding(
            Status.FAIL,
            resource,
            "unsupported",
            evidence=(what, f"provider={provider}"),
            cause="lb-ovn-unsupported",
            svc=bs.key,
            what=what,
            effect=effect,
        )
        for what, effect in asks
    ]
    leak = _ranges_open(analysis, bs)
    if leak is not None:
        port, outside = leak
        ranges = ", ".join(str(r) for r in bs.service.load_balancer_source_ranges)
        out.append(
            CHECK.finding(
                Status.FAIL,
                resource,
                "ranges-open",
                evidence=(
                    f"service {bs.key} loadBalancerSourceRanges={ranges}",
                    f"provider={provider}",
                ),
                cause="lb-ovn-unsupported",
                svc=bs.key,
                ranges=ranges,
                port=port,
                outside=", ".join(str(o) for o in outside[:2]),
            )
        )
    if not asks and leak is None:
        what = "TCP/UDP/SCTP, " + "/".join(
            sorted({p.lb_algorithm for p in (bs.lb.pools if bs.lb else ()) if p.lb_algorithm})
            or ["SOURCE_IP_PORT"]
        )
        out.append(CHECK.finding(Status.PASS, resource, "ok", svc=bs.key, what=what))
    return out
