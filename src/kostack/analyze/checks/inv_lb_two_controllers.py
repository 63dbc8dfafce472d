"""inv-lb-two-controllers: no Service of type LoadBalancer is served by both MetalLB and OCCM.

Both controllers take every Service of type LoadBalancer without ``spec.loadBalancerClass``:
the Kubernetes service controller OCCM runs skips only a Service with a class
(k8s.io/cloud-provider ``wantsLoadBalancer``), unless OCCM's ``[LoadBalancer] enabled`` is
false; MetalLB's controller takes the Services without a class unless it runs with
``--lb-class`` (``filterByLoadBalancerClass``). Then OCCM builds an Octavia load balancer (and
a floating IP) and writes its address into the Service's status, and MetalLB rewrites any
address its own pools do not allow with one of them (docs/facts.md "MetalLB and OCCM"). The
evidence: OCCM's annotation or a load balancer named for the Service, and MetalLB's annotation
or an address in a pool MetalLB uses. A warning (cause ``lb-two-controllers``), never a root
cause: the Service has an address; the waste and the flapping status are the harm. PASS when
MetalLB's controller runs with ``--lb-class`` (it then takes no Service without a class;
analyze/loadbalancer/owner.py). Cost: one pass over the Services.
"""

from __future__ import annotations

from kostack.analyze.checks.base import CheckContext, Kind, Says, when_collected
from kostack.analyze.findings import Finding, Resource, Severity, Status
from kostack.analyze.loadbalancer.analysis import lb_analysis
from kostack.analyze.loadbalancer.index import LBIndex
from kostack.analyze.loadbalancer.owner import LB_ID_ANNOTATION
from kostack.analyze.messages import Msg, register
from kostack.analyze.prefixes import PrefixIndex
from kostack.model.snapshot import Service

ID = "inv-lb-two-controllers"
TITLE = "No Service of type LoadBalancer is served by both MetalLB and OCCM"
SEVERITY = Severity.MEDIUM
SAY = Says(ID, SEVERITY)
CAUSE = "lb-two-controllers"
NEEDS = ("cluster.services",)
REMEDIES: frozenset[str] = frozenset()
CAUSE_KINDS: dict[str, Kind] = {CAUSE: Kind.WARNING}
SEVERITY_NOTE = (
    "medium: the Service has an address, but two controllers keep rewriting it and OCCM's "
    "Octavia load balancer and floating IP are paid for while MetalLB's address is the one shown."
)
# MetalLB's controller records the pool it allocated from (controller/service.go)
POOL_ANNOTATIONS = (
    "metallb.io/ip-allocated-from-pool",
    "metallb.universe.tf/ip-allocated-from-pool",
)

register(
    {
        f"{ID}.none": {
            "en": "MetalLB does not run: only OCCM serves Services of type LoadBalancer.",
            "ko": "MetalLB가 실행되지 않으므로 LoadBalancer 타입 Service는 OCCM만 처리합니다.",
        },
        f"{ID}.pass": {
            "en": "No Service of type LoadBalancer shows both MetalLB and OCCM at work "
            "({n} without loadBalancerClass).",
            "ko": "MetalLB와 OCCM이 함께 처리한 흔적이 있는 LoadBalancer 타입 Service는 없습니다"
            "(loadBalancerClass 없는 Service {n}개).",
        },
        f"{ID}.classed": {
            "en": "MetalLB's controller runs with --lb-class={lb_class}: it leaves every Service "
            "without that class to OCCM.",
            "ko": "MetalLB 컨트롤러가 --lb-class={lb_class:으로/로} 실행되어 그 class가 아닌 Service는 "
            "모두 OCCM에 맡깁니다.",
        },
        f"{ID}.fail": {
            "en": "Service {svc} is served by two controllers, MetalLB and OCCM (it has no "
            "loadBalancerClass); its status shows {status}. Give it to one: a "
            "spec.loadBalancerClass matching MetalLB's --lb-class (OCCM leaves a Service with a "
            "class alone; the field is set when the Service is created), or [LoadBalancer] "
            "enabled = false in OCCM's cloud.conf when no Service is to be Octavia's.",
            "ko": "Service {svc}에 loadBalancerClass가 없어 MetalLB와 OCCM 두 컨트롤러가 함께 "
            "처리합니다. status: {status}. 하나에만 맡기세요. MetalLB의 --lb-class와 같은 "
            "spec.loadBalancerClass를 주거나(OCCM은 class가 있는 Service를 건드리지 않으며, 이 "
            "필드는 Service를 만들 때 정합니다), 어떤 Service도 Octavia에 맡기지 않는다면 OCCM "
            "cloud.conf에서 [LoadBalancer] enabled = false로 합니다.",
        },
        f"{ID}.occm-annotation": {
            "en": "OCCM: annotation {annotation}={id}",
            "ko": "OCCM: 애너테이션 {annotation}={id}",
        },
        f"{ID}.occm-lb": {
            "en": "OCCM: Octavia load balancer {lb} (VIP {vip}), named for the Service",
            "ko": "OCCM: 이 Service의 이름으로 만든 Octavia 로드밸런서 {lb}(VIP {vip})",
        },
        f"{ID}.metallb-annotation": {
            "en": "MetalLB: annotation {annotation}={pool}",
            "ko": "MetalLB: 애너테이션 {annotation}={pool}",
        },
        f"{ID}.metallb-address": {
            "en": "MetalLB: address {ip} is in its pool {pool}",
            "ko": "MetalLB: 주소 {ip:은/는} MetalLB 풀 {pool}에 있음",
        },
        f"{ID}.status-metallb": {
            "en": "MetalLB's address {ips}",
            "ko": "MetalLB의 주소 {ips}",
        },
        f"{ID}.status-occm": {
            "en": "OCCM's address {ips}",
            "ko": "OCCM의 주소 {ips}",
        },
        f"{ID}.status-none": {
            "en": "no address yet",
            "ko": "아직 주소가 없음",
        },
    }
)


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    cl = ctx.snapshot.cluster
    vips = cl.virtual_ips if cl is not None else None
    metallb = vips.metallb if vips is not None else None
    if cl is None or metallb is None:
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.none"))]
    index = lb_analysis(ctx.topo).index
    if index.takers.metallb is False:
        lb_class = metallb.controller.lb_class if metallb.controller else None
        return [SAY.cluster(ctx, Status.PASS, Msg(f"{ID}.classed", lb_class=lb_class or "?"))]
    pools: PrefixIndex[str] = PrefixIndex(
        (c, p.name) for p in metallb.scoped().pools or () for c in p.cidrs
    )
    candidates = [
        s for s in cl.services or () if s.type == "LoadBalancer" and not s.load_balancer_class
    ]
    out = [f for s in candidates if (f := _both(ctx, s, index, pools)) is not None]
    return out or [SAY.cluster(ctx, Status.PASS, Msg(f"{ID}.pass", n=len(candidates)))]


def _both(
    ctx: CheckContext, svc: Service, index: LBIndex, pools: PrefixIndex[str]
) -> Finding | None:
    """The finding for a Service both controllers have acted on; None otherwise."""
    lb, how, _ = index.match(svc)
    occm: list[str] = []
    if svc.annotations.get(LB_ID_ANNOTATION):
        annotation = Msg(
            f"{ID}.occm-annotation",
            annotation=LB_ID_ANNOTATION,
            id=svc.annotations[LB_ID_ANNOTATION],
        )
        occm.append(annotation)
    if lb is not None and how != "annotation":
        vip = str(lb.vip_address or "-")
        occm.append(Msg(f"{ID}.occm-lb", lb=lb.name or lb.id, vip=vip))
    ips = [i.ip for i in svc.load_balancer_ingress if i.ip is not None]
    ours = [(ip, pool) for ip in ips if (pool := pools.first_listed(ip)) is not None]
    mine = [
        Msg(f"{ID}.metallb-annotation", annotation=a, pool=svc.annotations[a])
        for a in POOL_ANNOTATIONS
        if svc.annotations.get(a)
    ]
    mine += [Msg(f"{ID}.metallb-address", ip=str(ip), pool=pool) for ip, pool in ours]
    if not occm or not mine:
        return None
    shown = ", ".join(str(ip) for ip in ips)
    if not ips:
        status = Msg(f"{ID}.status-none")
    elif ours:
        status = Msg(f"{ID}.status-metallb", ips=shown)
    else:
        status = Msg(f"{ID}.status-occm", ips=shown)
    key = f"{svc.namespace}/{svc.name}"
    where = Resource("service", key, svc.name, namespace=svc.namespace)
    message = Msg(f"{ID}.fail", svc=key, status=status)
    return SAY.finding(Status.FAIL, where, message, (*occm, *mine), cause=CAUSE, key=(key,))
