"""lb-pending-service: every Service of type LoadBalancer has an external address (no `<pending>`).

A Service shows EXTERNAL-IP ``<pending>`` until the cloud controller writes
status.loadBalancer.ingress. kostack explains it from what OCCM sees: its
load balancer (missing, still pending, in ERROR, or ACTIVE without a floating
IP), Octavia's quota, the subnets and networks the Service's annotations
name, what the OVN provider refuses, and the last warning OCCM recorded on
the Service (reason SyncLoadBalancerFailed, "Error syncing load balancer:
failed to ensure load balancer: ..." from the Kubernetes service controller).
A Service no controller will serve (MetalLB's --lb-class names another class and OCCM does
not run its service controller), or whose controller kostack cannot name, is said apart
(_lb_unowned.py).
"""

from __future__ import annotations

import re
from typing import Final

from kostack.analyze.checks._lb import LBCheck, lb_resource
from kostack.analyze.checks._lb_owner_fix import occm_fix
from kostack.analyze.checks._lb_unowned import cilium_said, unowned
from kostack.analyze.checks.base import CheckContext, Kind, Role
from kostack.analyze.checks.lb_ovn_limits import A, _asks, _provider
from kostack.analyze.checks.lb_provisioning import STUCK_AFTER_S
from kostack.analyze.findings import Finding, Remedy, Severity, Status
from kostack.analyze.loadbalancer.analysis import LBAnalysis
from kostack.analyze.loadbalancer.index import BalancedService
from kostack.analyze.loadbalancer.owner import outside
from kostack.analyze.messages import Msg, register
from kostack.analyze.times import short_age
from kostack.model.snapshot import KubeEvent

ID = "lb-pending-service"
TITLE = "Every Service of type LoadBalancer has an external address (no <pending>)"
SEVERITY = Severity.HIGH
NEEDS = ("cluster.services",)
REMEDIES: frozenset[str] = frozenset({"manual"})
CAUSE_KINDS: dict[str, Kind] = {
    "lb-stuck": Kind.ROOT | Kind.LB_STATUS_LESSON,
    "lb-quota": Kind.ROOT | Kind.LB_STATUS_LESSON,
    "lb-subnet": Kind.ROOT | Kind.LB_STATUS_LESSON,
    "lb-ovn-unsupported": Kind.ROOT | Kind.LB_STATUS_LESSON,
    "lb-error": Kind.ROOT | Kind.LB_STATUS_LESSON,
    "lb-fip": Kind.ROOT | Kind.LB_STATUS_LESSON,
    "lb-occm": Kind.ROOT | Kind.LB_STATUS_LESSON,
    "lb-no-controller": Kind.ROOT,
    "metallb-class-mismatch": Kind.ROOT,
    "cilium-lb-unannounced": Kind.ROOT,
}
# its PASS reads the Service's status, no address: a pod range over node addresses leaves it
ROLE: Final = Role.SYMPTOM
INTERNAL = "service.beta.kubernetes.io/openstack-internal-load-balancer"
JUST_CREATED_S = 120
CHECK = LBCheck(ID, SEVERITY)

register(
    {
        f"{ID}.pending": {
            "en": "Service {svc} has no external address (EXTERNAL-IP <pending>, {age}): {why}.",
            "ko": "Service {svc}에 외부 주소가 없습니다 (EXTERNAL-IP <pending>, {age}): {why}.",
        },
        f"{ID}.ok": {
            "en": "Service {svc} has its external address {ip}.",
            "ko": "Service {svc}에 외부 주소 {ip:이/가} 있습니다.",
        },
        f"{ID}.young": {
            "en": "Service {svc} was created {age} before the snapshot; the cloud controller is still at work.",
            "ko": "Service {svc:은/는} 스냅샷 {age} 전에 만들어져 클라우드 컨트롤러가 아직 작업 중입니다.",
        },
        f"{ID}.unknown": {
            "en": "Cannot explain why Service {svc} has no external address: {why}.",
            "ko": "Service {svc}에 외부 주소가 없는 이유를 설명할 수 없음: {why}.",
        },
        f"{ID}.why-lb-pending": {
            "en": "its load balancer {lb} is {status}; the cloud controller waits for ACTIVE",
            "ko": "로드밸런서 {lb:이/가} {status} 상태라 클라우드 컨트롤러가 ACTIVE를 기다립니다",
        },
        f"{ID}.why-lb-error": {
            "en": "its load balancer {lb} is in ERROR and cannot be updated",
            "ko": "로드밸런서 {lb:이/가} ERROR 상태라 갱신할 수 없습니다",
        },
        f"{ID}.why-no-fip": {
            "en": "its load balancer {lb} is ACTIVE but has no floating IP on its VIP ({event})",
            "ko": "로드밸런서 {lb:이/가} ACTIVE이지만 VIP에 Floating IP가 없습니다 ({event})",
        },
        f"{ID}.why-no-status": {
            "en": "its load balancer {lb} is ACTIVE with floating IP {ip}, but the cloud controller "
            "never wrote the address into the Service ({event})",
            "ko": "로드밸런서 {lb:이/가} ACTIVE이고 Floating IP {ip}도 있지만 클라우드 컨트롤러가 주소를 "
            "Service에 기록하지 않았습니다 ({event})",
        },
        f"{ID}.why-quota": {
            "en": "Octavia's load balancer quota is used up ({used} of {limit}) and no load balancer "
            "exists for it",
            "ko": "Octavia 로드밸런서 쿼터를 모두 썼고({limit}개 중 {used}개) 이 Service의 로드밸런서가 없습니다",
        },
        f"{ID}.why-subnet": {
            "en": "annotation {annotation}={value} names a {kind} that is not in Neutron, so the cloud "
            "controller cannot create the load balancer",
            "ko": "애너테이션 {annotation}={value:이/가} Neutron에 없는 {kind:을/를} 가리켜 클라우드 컨트롤러가 "
            "로드밸런서를 만들 수 없습니다",
        },
        f"{ID}.why-ovn": {
            "en": "it asks the OVN provider for something it refuses (see lb-ovn-limits)",
            "ko": "OVN 프로바이더가 거부하는 기능을 요청합니다 (lb-ovn-limits 참고)",
        },
        f"{ID}.why-event": {
            "en": "the cloud controller reported: {message}",
            "ko": "클라우드 컨트롤러가 보고했습니다: {message}",
        },
        f"{ID}.why-nobody": {
            "en": "no load balancer exists for it and no controller recorded any event on it: is "
            "openstack-cloud-controller-manager running (and is it the cluster's cloud provider)?",
            "ko": "이 Service의 로드밸런서가 없고 어떤 컨트롤러도 이벤트를 남기지 않았습니다. "
            "openstack-cloud-controller-manager가 실행 중이며 클러스터의 클라우드 프로바이더로 설정되어 있나요?",
        },
        f"{ID}.why-events-unknown": {
            "en": "no load balancer exists for it, and the Service's events were not collected",
            "ko": "이 Service의 로드밸런서가 없고 Service 이벤트도 수집하지 못했습니다",
        },
        f"{ID}.why-outside": {
            "en": "no load balancer exists for it and no controller recorded any event on it, "
            "and no openstack-cloud-controller-manager pod runs in the cluster; but the nodes "
            "were initialised by a cloud node controller, so OCCM may run outside the cluster "
            "(is its service controller on, with [LoadBalancer] enabled?)",
            "ko": "이 Service의 로드밸런서가 없고 어떤 컨트롤러도 이벤트를 남기지 않았으며 "
            "클러스터에 openstack-cloud-controller-manager 파드도 없습니다. 하지만 노드를 클라우드 "
            "노드 컨트롤러가 초기화했으므로 OCCM이 클러스터 밖에서 실행될 수 있습니다(service "
            "컨트롤러가 켜져 있고 [LoadBalancer] enabled인가요?)",
        },
        f"{ID}.kind-subnet": {"en": "subnet", "ko": "서브넷"},
        f"{ID}.kind-network": {"en": "network", "ko": "네트워크"},
        f"{ID}.no-event": {
            "en": "no event from the cloud controller",
            "ko": "클라우드 컨트롤러 이벤트 없음",
        },
    }
)

# What an OCCM error message means: (pattern, root-cause key)
_EVENT_CAUSES = (
    (re.compile(r"quota", re.I), "lb-quota"),
    (
        re.compile(r"(subnet|network)[^.]*not found|not found[^.]*(subnet|network)", re.I),
        "lb-subnet",
    ),
    (re.compile(r"does not support|UnsupportedOption", re.I), "lb-ovn-unsupported"),
    (re.compile(r"Invalid state ERROR", re.I), "lb-error"),
    (re.compile(r"immutable|PENDING_", re.I), "lb-stuck"),
    (re.compile(r"floating", re.I), "lb-fip"),
)


def _last_warning(events: tuple[KubeEvent, ...], bs: BalancedService) -> KubeEvent | None:
    mine = [
        e
        for e in events
        if e.namespace == bs.service.namespace and e.name == bs.service.name and e.type == "Warning"
    ]
    return max(mine, key=lambda e: e.last_seen or "") if mine else None


def _why(
    ctx: CheckContext, analysis: LBAnalysis, bs: BalancedService
) -> tuple[Msg, str, tuple[str, ...]] | None:
    """(explanation, root-cause key, evidence), or None when nothing explains it.

    It walks OCCM's reasons in the order they decide, one short block each.
    """
    cl = ctx.snapshot.cluster
    events = cl.service_events if cl is not None else None
    warning = _last_warning(events or (), bs)
    ev_event = (
        (f"event {bs.key} {warning.reason} x{warning.count}: {warning.message}",) if warning else ()
    )
    if bs.lb is not None:
        return _why_lb(analysis, bs, warning, ev_event)
    os_ = ctx.snapshot.openstack
    why = _why_annotation(ctx, bs, ev_event)
    if why is not None:
        return why
    if _provider(analysis, bs) == "ovn" and _asks(bs):
        what = "; ".join(w for w, _ in _asks(bs))
        return CHECK.msg("why-ovn"), "lb-ovn-unsupported", (what, *ev_event)
    quota = os_.load_balancer_quota if os_ is not None else None
    if quota is not None and quota.load_balancer is not None and quota.load_balancer >= 0:
        used = len(analysis.index.lbs)
        if used >= quota.load_balancer:
            return (
                CHECK.msg("why-quota", used=used, limit=quota.load_balancer),
                "lb-quota",
                (
                    f"octavia quota load_balancer={quota.load_balancer}, load balancers={used}",
                    *ev_event,
                ),
            )
    if warning is not None:
        cause = next(
            (c for pattern, c in _EVENT_CAUSES if pattern.search(warning.message)), "lb-occm"
        )
        return CHECK.msg("why-event", message=warning.message[:300]), cause, ev_event
    if events is None:
        return None
    said = (f"events of {bs.key}: none", *cilium_said(analysis.index.takers))
    return CHECK.msg("why-nobody"), "lb-no-controller", said


def _why_lb(
    analysis: LBAnalysis, bs: BalancedService, warning: KubeEvent | None, ev_event: tuple[str, ...]
) -> tuple[Msg, str, tuple[str, ...]]:
    """The Service has its load balancer: pending, in ERROR, without a floating IP, or unsaid."""
    lb = bs.lb
    assert lb is not None
    event_text = (
        f"{warning.reason}: {warning.message}"
        if warning is not None
        else str(CHECK.msg("no-event"))
    )
    name = lb.name or lb.id
    ev = (f"loadbalancer {lb.id} provisioning_status={lb.provisioning_status}", *ev_event)
    if lb.provisioning_status.startswith("PENDING_"):
        age = analysis.age(lb.updated_at, lb.created_at)
        cause = "lb-busy" if age is not None and age < STUCK_AFTER_S else "lb-stuck"
        return CHECK.msg("why-lb-pending", lb=name, status=lb.provisioning_status), cause, ev
    if lb.provisioning_status == "ERROR":
        return CHECK.msg("why-lb-error", lb=name), "lb-error", ev
    internal = bs.service.annotations.get(INTERNAL, "").lower() == "true"
    if not bs.floating_ips and not internal:
        return CHECK.msg("why-no-fip", lb=name, event=event_text), "lb-fip", ev
    ip = bs.floating_ips[0].floating_ip_address if bs.floating_ips else lb.vip_address
    return CHECK.msg("why-no-status", lb=name, ip=ip or "?", event=event_text), "lb-occm", ev


def _why_annotation(
    ctx: CheckContext, bs: BalancedService, ev_event: tuple[str, ...]
) -> tuple[Msg, str, tuple[str, ...]] | None:
    """An annotation that names a subnet or network Neutron does not have."""
    topo = ctx.topo
    ann = bs.service.annotations
    os_ = ctx.snapshot.openstack
    subnets = topo.subnets if os_ is not None and os_.subnets is not None else None
    networks = topo.networks if os_ is not None and os_.networks is not None else None
    for key, kind, known in (
        ("subnet-id", "subnet", subnets),
        ("member-subnet-id", "subnet", subnets),
        ("network-id", "network", networks),
        ("floating-network-id", "network", networks),
    ):
        value = ann.get(A + key)
        if value and known is not None and value not in known:
            return (
                CHECK.msg(
                    "why-subnet", annotation=A + key, value=value, kind=CHECK.msg(f"kind-{kind}")
                ),
                "lb-subnet",
                (
                    f"service {bs.key} annotation {A}{key}={value}",
                    f"openstack.{kind}s: no id {value}",
                    *ev_event,
                ),
            )
    return None


def run(ctx: CheckContext) -> list[Finding]:
    """Each of OCCM's Services judged (`judge`), and the Services no controller, or none
    kostack can name, will serve (_lb_unowned.py); those replace a NOT-APPLICABLE."""
    found = _each(ctx)
    extra = unowned(ctx, SEVERITY)
    if extra and all(f.status == Status.NOT_APPLICABLE for f in found):
        return extra
    return [*found, *extra]


def judge(ctx: CheckContext, analysis: LBAnalysis, bs: BalancedService) -> list[Finding]:
    resource = lb_resource(bs)
    if bs.external_addresses or any(i.hostname for i in bs.service.load_balancer_ingress):
        ip = (
            bs.external_addresses[0]
            if bs.external_addresses
            else bs.service.load_balancer_ingress[0].hostname
        )
        return [CHECK.finding(Status.PASS, resource, "ok", svc=bs.key, ip=ip)]
    age = analysis.age(bs.service.created)
    age_shown = short_age(age) if age is not None else "?"
    why = _why(ctx, analysis, bs)
    if why is None:
        reason = CHECK.msg("why-events-unknown")
        return [CHECK.finding(Status.UNKNOWN, resource, "unknown", svc=bs.key, why=reason)]
    text, cause, evidence = why
    if cause == "lb-busy" or (
        cause == "lb-no-controller" and age is not None and age < JUST_CREATED_S
    ):
        return [CHECK.finding(Status.PASS, resource, "young", svc=bs.key, age=age_shown)]
    remedies: tuple[Remedy, ...] = ()
    if cause == "lb-no-controller":
        vips = ctx.snapshot.cluster.virtual_ips if ctx.snapshot.cluster is not None else None
        occm = vips.occm if vips is not None else None
        away = outside(ctx.snapshot.cluster) if occm is not None and not occm.found else ()
        if away:
            return [
                CHECK.finding(
                    Status.UNKNOWN,
                    resource,
                    "unknown",
                    evidence=(*evidence, *away),
                    svc=bs.key,
                    why=CHECK.msg("why-outside"),
                )
            ]
        remedies = occm_fix(occm)
    return [
        CHECK.finding(
            Status.FAIL,
            resource,
            "pending",
            evidence=(f"service {bs.key} status.loadBalancer.ingress=[]", *evidence),
            cause=cause,
            remedies=remedies,
            svc=bs.key,
            age=age_shown,
            why=text,
        )
    ]


_each = CHECK.each_service(judge)
