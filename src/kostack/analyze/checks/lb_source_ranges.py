"""lb-source-ranges: a Service's loadBalancerSourceRanges are its listeners' allowed_cidrs.

OCCM (cloud-provider-openstack pkg/openstack/loadbalancer.go) reads the
ranges with GetLoadBalancerSourceRanges for the load balancer's IP family
and, where Octavia supports VIP ACLs (API 2.12, the amphora provider), puts
them into every listener's ``allowed_cidrs`` (and resets them on update when
they differ); the amphora then refuses every other client. For the OVN
provider they are dropped (lb-ovn-limits checks the node groups instead).

A listener without allowed_cidrs, or with some wider than the ranges, admits
clients the Service shuts out: the restriction is enforced nowhere. One with
allowed_cidrs narrower than the ranges refuses clients the Service admits.
"""

from __future__ import annotations

from kostack.analyze.checks._lb import LBCheck, lb_resource
from kostack.analyze.checks.base import CheckContext, Kind
from kostack.analyze.findings import MANUAL_OP, Finding, Remedy, Severity, Status
from kostack.analyze.loadbalancer.admission import uncovered
from kostack.analyze.loadbalancer.analysis import LBAnalysis
from kostack.analyze.loadbalancer.index import BalancedService
from kostack.analyze.loadbalancer.provider import anyone
from kostack.analyze.messages import register
from kostack.model.loadbalancer import Listener
from kostack.model.snapshot import IPNetwork
from kostack.shell import end_options, render

ID = "lb-source-ranges"
TITLE = "Each amphora listener enforces its Service's loadBalancerSourceRanges"
SEVERITY = Severity.HIGH
NEEDS = ("cluster.services",)
REMEDIES: frozenset[str] = frozenset({MANUAL_OP})
CAUSE_KINDS: dict[str, Kind] = {"lb-source-ranges": Kind.ROOT}
CAUSE = "lb-source-ranges"
CHECK = LBCheck(ID, SEVERITY)

register(
    {
        f"{ID}.open": {
            "en": "Service {svc} admits only {ranges}, but listener {listener} (port {port}) "
            "{has}: the load balancer lets in clients outside the ranges (all of {cidrs} but "
            "{ranges}), so the restriction is enforced nowhere.",
            "ko": "Service {svc:은/는} {ranges}만 허용하지만 포트 {port}의 리스너 {listener:은/는} {has}: "
            "로드밸런서가 범위 밖의 클라이언트({ranges:을/를} 뺀 {cidrs} 전체)도 들여보내므로 제한이 어디서도 적용되지 "
            "않습니다.",
        },
        f"{ID}.narrow": {
            "en": "Service {svc} admits {ranges}, but listener {listener} (port {port}) allows only "
            "{cidrs}: the load balancer refuses clients the Service admits ({refused}).",
            "ko": "Service {svc:은/는} {ranges:을/를} 허용하지만 포트 {port}의 리스너 {listener:은/는} "
            "{cidrs}만 허용합니다: Service가 허용하는 클라이언트({refused})를 로드밸런서가 거부합니다.",
        },
        f"{ID}.has-none": {
            "en": "has no allowed_cidrs",
            "ko": "allowed_cidrs가 없습니다",
        },
        f"{ID}.has-wider": {
            "en": "allows {cidrs}",
            "ko": "{cidrs:을/를} 허용합니다",
        },
        f"{ID}.ok": {
            "en": "Service {svc}: every listener allows exactly what the Service admits ({ranges}).",
            "ko": "Service {svc}: 모든 리스너가 Service가 허용하는 범위({ranges})만 허용합니다.",
        },
        f"{ID}.ok-anyone": {
            "en": "Service {svc} has no loadBalancerSourceRanges and no listener restricts its clients.",
            "ko": "Service {svc:은/는} loadBalancerSourceRanges가 없고 클라이언트를 제한하는 리스너도 없습니다.",
        },
        f"{ID}.anyone": {
            "en": "anyone (no loadBalancerSourceRanges)",
            "ko": "모든 곳(loadBalancerSourceRanges 없음)",
        },
        f"{ID}.na": {
            "en": "Service {svc}: {why}.",
            "ko": "Service {svc}: {why}.",
        },
        f"{ID}.na-ovn": {
            "en": "its load balancer is on the OVN provider, which has no allowed_cidrs "
            "(lb-ovn-limits checks its ranges)",
            "ko": "로드밸런서가 allowed_cidrs가 없는 OVN 프로바이더에 있습니다 (범위는 lb-ovn-limits가 "
            "확인)",
        },
        f"{ID}.na-none": {
            "en": "it has no load balancer yet (lb-pending-service explains why)",
            "ko": "아직 로드밸런서가 없습니다 (이유는 lb-pending-service 참고)",
        },
        f"{ID}.na-listener": {
            "en": "its load balancer has no listener for its ports (lb-provisioning says why)",
            "ko": "로드밸런서에 포트의 리스너가 없습니다 (이유는 lb-provisioning 참고)",
        },
        f"{ID}.fix": {
            "en": "set the listener's allowed_cidrs to the Service's loadBalancerSourceRanges",
            "ko": "리스너의 allowed_cidrs를 Service의 loadBalancerSourceRanges로 설정",
        },
    }
)


def wanted(bs: BalancedService) -> list[IPNetwork]:
    """What the Service admits, of its load balancer's family (OCCM's GetLoadBalancerSourceRanges
    keeps the family's ranges; none means everyone)."""
    world = anyone(bs)
    ranges = [r for r in bs.service.load_balancer_source_ranges if r.version == world.version]
    return ranges or [world]


def allowed(bs: BalancedService, li: Listener) -> list[IPNetwork]:
    """What the listener admits, of the load balancer's family (no allowed_cidrs: everyone)."""
    world = anyone(bs)
    mine = [c for c in li.allowed_cidrs if c.version == world.version]
    return mine or [world]


def beyond(prefixes: list[IPNetwork], inside: list[IPNetwork]) -> list[IPNetwork]:
    """The parts of ``prefixes`` outside every prefix of ``inside``."""
    return [piece for p in prefixes for piece in uncovered(p, inside)]


def _text(prefixes: list[IPNetwork]) -> str:
    return ", ".join(str(p) for p in prefixes)


def fix_command(bs: BalancedService, li: Listener) -> str:
    """The command that gives ``li`` exactly the Service's ranges (Octavia replaces the list)."""
    cidrs = [arg for r in wanted(bs) for arg in ("--allowed-cidr", str(r))]
    return render(("openstack", "loadbalancer", "listener", "set", *cidrs, *end_options([li.id])))


def _remedy(bs: BalancedService, li: Listener) -> Remedy:
    return CHECK.manual("listener", li.id, li.name or li.id, fix_command(bs, li), "fix", CAUSE)


def _judge_listener(bs: BalancedService, li: Listener, port: int) -> Finding | None:
    want, have = wanted(bs), allowed(bs, li)
    leak, refused = beyond(have, want), beyond(want, have)
    if not leak and not refused:
        return None
    resource = lb_resource(bs)
    ranges_text = _text(want) if bs.service.load_balancer_source_ranges else CHECK.msg("anyone")
    evidence = (
        f"service {bs.key} loadBalancerSourceRanges={_text(list(bs.service.load_balancer_source_ranges))}",
        f"listener {li.id} allowed_cidrs={_text(list(li.allowed_cidrs)) or '[]'}",
    )
    name = li.name or li.id
    has = CHECK.msg("has-wider", cidrs=_text(have)) if li.allowed_cidrs else CHECK.msg("has-none")
    return CHECK.finding(
        Status.FAIL,
        resource,
        "open" if leak else "narrow",
        evidence=evidence,
        remedies=(_remedy(bs, li),),
        cause=CAUSE,
        svc=bs.key,
        ranges=ranges_text,
        listener=name,
        port=port,
        has=has,
        cidrs=_text(have),
        refused=_text(refused[:2]),
    )


@CHECK.each_service
def run(ctx: CheckContext, analysis: LBAnalysis, bs: BalancedService) -> list[Finding]:
    if bs.lb is None:
        return [CHECK.not_applicable(bs, why=CHECK.msg("na-none"))]
    if bs.provider == "ovn":
        return [CHECK.not_applicable(bs, why=CHECK.msg("na-ovn"))]
    seen: set[str] = set()
    out: list[Finding] = []
    for pp in bs.ports:
        li = pp.listener
        if li is None or li.id in seen:
            continue
        seen.add(li.id)
        found = _judge_listener(bs, li, li.protocol_port)
        out.extend([found] if found is not None else [])
    if out:
        return out
    if not seen:
        return [CHECK.not_applicable(bs, why=CHECK.msg("na-listener"))]
    if not bs.service.load_balancer_source_ranges:
        return [CHECK.finding(Status.PASS, lb_resource(bs), "ok-anyone", svc=bs.key)]
    return [CHECK.finding(Status.PASS, lb_resource(bs), "ok", svc=bs.key, ranges=_text(wanted(bs)))]
