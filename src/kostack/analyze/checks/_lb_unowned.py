"""lb-pending-service's Services that no controller, or no controller kostack can name, will
give an address (analyze/loadbalancer/owner.py): MetalLB runs with ``--lb-class`` and the
Service has no class while OCCM does not run its service controller (FAIL, cause
``lb-no-controller``: it stays Pending whatever its age), or MetalLB's class was not read and
OCCM may take it (UNKNOWN). One pass over the Services."""

from __future__ import annotations

from kostack.analyze.checks._lb_owner_fix import class_fix, occm_fix
from kostack.analyze.checks._metallb_class_fix import mismatch_fix
from kostack.analyze.checks._vips_cilium import CiliumAnnounced, announced_of
from kostack.analyze.checks.base import CheckContext
from kostack.analyze.findings import Finding, Remedy, Resource, Severity, Status, either
from kostack.analyze.loadbalancer.analysis import lb_analysis
from kostack.analyze.loadbalancer.owner import Takers, kubelet_ids, outside
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import CloudController, Service

ID = "lb-pending-service"
CAUSE = "lb-no-controller"
MISMATCH = "metallb-class-mismatch"
UNANNOUNCED = "cilium-lb-unannounced"
SHOWN = 5  # Services named in a mismatch's message; the rest counted

register(
    {
        f"{ID}.no-owner": {
            "en": "Service {svc} has no external address and no controller will give it one: "
            "MetalLB's controller takes only Services of class {lb_class} (its --lb-class) and "
            "this one has no loadBalancerClass, and {occm}. Recreate it with "
            "spec.loadBalancerClass: {lb_class} (the field is set when a Service is created), "
            "or run OCCM with its service controller.",
            "ko": "Service {svc}에 외부 주소가 없고 주소를 줄 컨트롤러도 없습니다: MetalLB "
            "컨트롤러는 class가 {lb_class}인 Service만 맡는데(--lb-class) 이 Service에는 "
            "loadBalancerClass가 없고, {occm}. spec.loadBalancerClass: {lb_class:으로/로} Service를 "
            "다시 만들거나(이 필드는 Service를 만들 때 정합니다), OCCM을 service 컨트롤러와 "
            "함께 실행하세요.",
        },
        f"{ID}.class-mismatch": {
            "en": "MetalLB's controller gives addresses to {taken} and its speaker announces only "
            "{announced}: {n} {n:service/services} {n:has/have} an address nobody announces "
            "({services}). Run both with the same --lb-class (the Helm chart's "
            "loadBalancerClass sets both).",
            "ko": "MetalLB 컨트롤러는 {taken}에 주소를 주는데 speaker는 {announced}만 알립니다: "
            "Service {n}개의 주소를 아무도 알리지 않습니다({services}). 두 컨테이너를 같은 "
            "--lb-class로 실행하세요(Helm 차트의 loadBalancerClass가 둘 다 정합니다).",
        },
        f"{ID}.cilium-unannounced": {
            "en": "{n} {n:service/services} {n:holds/hold} an address from Cilium LB IPAM that "
            "nothing announces ({services}): no CiliumL2AnnouncementPolicy with loadBalancerIPs "
            "selects {n:it/them} ({l2}) and the BGP control plane does not advertise "
            "{n:it/them} ({bgp}). The address is allocated but unreachable from outside the "
            "cluster.",
            "ko": "Service {n}개가 Cilium LB IPAM 주소를 받았지만 아무도 알리지 않습니다"
            "({services}): loadBalancerIPs를 켠 CiliumL2AnnouncementPolicy가 선택하지 않고({l2}) "
            "BGP 컨트롤 플레인도 광고하지 않습니다({bgp}). 주소는 할당됐지만 클러스터 밖에서는 "
            "닿지 않습니다.",
        },
        f"{ID}.cilium-bgp-unsure": {
            "en": "{n} {n:service/services} {n:holds/hold} an address from Cilium LB IPAM that "
            "no CiliumL2AnnouncementPolicy announces and that only the BGP control plane may "
            "advertise ({services}), and which nodes advertise what is not known ({why}): "
            "whether the address is reachable from outside the cluster is not known.",
            "ko": "Service {n}개가 Cilium LB IPAM 주소를 받았는데 어떤 CiliumL2AnnouncementPolicy도 "
            "알리지 않고 BGP 컨트롤 플레인만 광고할 수 있으며({services}), 어느 노드가 무엇을 "
            "광고하는지 알 수 없습니다({why}): 클러스터 밖에서 이 주소에 닿는지 알 수 없습니다.",
        },
        f"{ID}.cilium-feature": {
            "en": "{flag} is {value}",
            "ko": "{flag} 값은 {value}",
        },
        f"{ID}.class-none": {
            "en": "the Services without a loadBalancerClass",
            "ko": "loadBalancerClass가 없는 Service",
        },
        f"{ID}.class-named": {
            "en": "the Services of class {lb_class}",
            "ko": "class가 {lb_class}인 Service",
        },
        f"{ID}.no-owner-occm": {
            "en": "Service {svc} has no external address and no controller will give it one: "
            "{occm}.",
            "ko": "Service {svc}에 외부 주소가 없고 주소를 줄 컨트롤러도 없습니다: {occm}.",
        },
        f"{ID}.occm-lb-disabled": {
            "en": "openstack-cloud-controller-manager {pod} runs with [LoadBalancer] enabled = "
            "false in its cloud.conf ({secret}), so it makes no load balancer for any Service",
            "ko": "openstack-cloud-controller-manager {pod:은/는} cloud.conf({secret})의 "
            "[LoadBalancer] enabled = false로 실행되어 어떤 Service에도 로드밸런서를 만들지 "
            "않습니다",
        },
        f"{ID}.owner-outside": {
            "en": "Cannot tell whether a controller will give Service {svc} an address: no "
            "openstack-cloud-controller-manager pod runs in the cluster, but the nodes were "
            "initialised by a cloud node controller (providerID openstack://, no uninitialized "
            "taint), so OCCM may run outside the cluster, where kostack cannot see it.",
            "ko": "Service {svc}에 주소를 줄 컨트롤러가 있는지 알 수 없음: 클러스터에 "
            "openstack-cloud-controller-manager 파드는 없지만 노드를 클라우드 노드 컨트롤러가 "
            "초기화했으므로(providerID openstack://, uninitialized 테인트 없음) OCCM이 kostack이 "
            "볼 수 없는 클러스터 밖에서 실행될 수 있습니다.",
        },
        f"{ID}.occm-absent": {
            "en": "no openstack-cloud-controller-manager pod runs in the cluster and no Service "
            "carries its annotation",
            "ko": "클러스터에 openstack-cloud-controller-manager 파드가 없고 그 애너테이션을 단 "
            "Service도 없습니다",
        },
        f"{ID}.occm-no-service": {
            "en": "openstack-cloud-controller-manager {pod} runs without its service controller "
            "(--controllers)",
            "ko": "openstack-cloud-controller-manager {pod:은/는} service 컨트롤러 없이 "
            "실행됩니다(--controllers)",
        },
        f"{ID}.owner-cilium": {
            "en": "Cannot tell whether a controller will give Service {svc} an address: the "
            "cluster runs Cilium, whose LB IPAM gives Services without a loadBalancerClass "
            "addresses from its CiliumLoadBalancerIPPools, and those pools were not read.",
            "ko": "Service {svc}에 주소를 줄 컨트롤러가 있는지 알 수 없음: 클러스터가 Cilium을 "
            "쓰고, Cilium LB IPAM은 loadBalancerClass가 없는 Service에 CiliumLoadBalancerIPPool의 "
            "주소를 주는데, 그 풀을 읽지 못했습니다.",
        },
        f"{ID}.owner-cilium-pool": {
            "en": "Cannot tell whether a controller will give Service {svc} an address: the "
            "cluster runs Cilium, and the only CiliumLoadBalancerIPPool that could serve it, "
            "{pool}, did not parse ({field}).",
            "ko": "Service {svc}에 주소를 줄 컨트롤러가 있는지 알 수 없음: 클러스터가 Cilium을 "
            "쓰고, 이 Service에 주소를 줄 수 있는 유일한 CiliumLoadBalancerIPPool {pool:을/를} "
            "해석하지 못했습니다({field}).",
        },
        f"{ID}.owner-cilium-default": {
            "en": "Cannot tell whether a controller will give Service {svc} an address: the "
            "cluster runs Cilium, whose cilium-config default-lb-service-ipam (which gives "
            "Services without a loadBalancerClass to lbipam, nodeipam or none) has a value "
            "kostack does not know.",
            "ko": "Service {svc}에 주소를 줄 컨트롤러가 있는지 알 수 없음: 클러스터가 Cilium을 "
            "쓰는데, loadBalancerClass가 없는 Service를 lbipam, nodeipam, none 중 어디에 맡길지 "
            "정하는 cilium-config default-lb-service-ipam 값을 kostack이 알지 못합니다.",
        },
        f"{ID}.owner-servicelb": {
            "en": "Cannot tell whether a controller will give Service {svc} an address: the "
            "nodes run k3s, whose ServiceLB takes Services without a loadBalancerClass unless "
            "its server runs with --disable servicelb, and the server's flags could not all be "
            "read (its node-args annotation is missing, or from before k3s v1.21.1, which left "
            "out the config file's flags).",
            "ko": "Service {svc}에 주소를 줄 컨트롤러가 있는지 알 수 없음: 노드가 k3s로 실행되고, "
            "k3s의 ServiceLB는 서버가 --disable servicelb로 실행되지 않는 한 loadBalancerClass가 "
            "없는 Service를 맡는데, 서버 플래그를 모두 읽지 못했습니다(node-args 애너테이션이 "
            "없거나, 설정 파일의 플래그를 빠뜨리던 k3s v1.21.1 이전 버전).",
        },
        f"{ID}.owner-unknown": {
            "en": "Cannot tell which controller will give Service {svc} an address: MetalLB's "
            "controller takes it only without --lb-class, which was not read (no controller pod "
            "seen, or the value comes from something kostack does not read), and OCCM may take "
            "it.",
            "ko": "Service {svc}에 어느 컨트롤러가 주소를 줄지 알 수 없음: MetalLB 컨트롤러는 "
            "--lb-class 없이 실행될 때만 이 Service를 맡는데 그 값을 읽지 못했고(컨트롤러 "
            "파드가 없거나 kostack이 읽지 않는 곳에서 값을 가져옴), OCCM이 맡을 수도 있습니다.",
        },
    }
)


def unowned(ctx: CheckContext, severity: Severity) -> list[Finding]:
    """A finding for each Service of type LoadBalancer without an address whose owner is
    ``none`` or ``unknown``; none when the Services were not read."""
    cl = ctx.snapshot.cluster
    if cl is None or cl.services is None or ctx.snapshot.gap_for("cluster.services"):
        return []
    index = lb_analysis(ctx.topo).index
    out = mismatch(ctx, severity) + unannounced(ctx, severity)
    for svc in ctx.topo.services.values():
        if svc.type != "LoadBalancer" or svc.load_balancer_ingress:
            continue
        owner = index.owner(svc)
        if owner == "none":
            out.append(_nobody(ctx, svc, severity))
        elif owner == "unknown":
            out.append(_undecided(ctx, svc, severity, index.takers))
    return out


def mismatch(ctx: CheckContext, severity: Severity) -> list[Finding]:
    """A FAIL when MetalLB's controller and speaker run with different --lb-class and Services
    of the controller's class hold addresses: the speaker filters Services by its own class
    (metallb internal/k8s filterByLoadBalancerClass), so nothing announces them."""
    vips = ctx.snapshot.cluster.virtual_ips if ctx.snapshot.cluster else None
    metallb = vips.metallb if vips is not None else None
    if metallb is None or metallb.controller is None or metallb.speaker is None:
        return []
    taken, announced = metallb.controller.lb_class, metallb.speaker.lb_class
    if taken is None or announced is None or taken == announced:
        return []
    hit = [
        svc
        for svc in ctx.topo.services.values()
        if svc.type == "LoadBalancer"
        and (svc.load_balancer_class or "") == taken
        and any(i.ip is not None for i in svc.load_balancer_ingress)
    ]
    if not hit:
        return []
    keys = [_key(s) for s in hit]
    shown = ", ".join(keys[:SHOWN]) + (f" (+{len(keys) - SHOWN})" if len(keys) > SHOWN else "")
    message = Msg(
        f"{ID}.class-mismatch",
        taken=_class_words(taken),
        announced=_class_words(announced),
        n=len(hit),
        services=shown,
    )
    evidence = (
        f"metallb --lb-class: controller={taken!r} speaker={announced!r}",
        *(
            f"service {_key(s)} status.loadBalancer.ingress="
            + ",".join(str(i.ip) for i in s.load_balancer_ingress if i.ip is not None)
            for s in hit[:SHOWN]
        ),
    )
    where = Resource("metallb", f"{metallb.namespace}/speaker", "speaker", metallb.namespace)
    affected = tuple(_where(s) for s in hit)
    return [
        Finding(
            ID,
            Status.FAIL,
            severity,
            where,
            message,
            evidence,
            cause=MISMATCH,
            affected=affected,
            remedies=mismatch_fix(metallb),
        )
    ]


def unannounced(ctx: CheckContext, severity: Severity) -> list[Finding]:
    """A FAIL when Services hold Cilium LB IPAM addresses that no L2 announcement policy and no
    BGP advertisement announces (_vips_cilium.py): nothing answers for them outside the
    cluster."""
    found = announced_of(ctx.topo)
    silent = found.silent
    if not silent:
        return _bgp_unsure(ctx, severity, found)
    cl = ctx.snapshot.cluster
    config = cl.virtual_ips.cilium_lb if cl is not None and cl.virtual_ips else None
    l2 = config.l2_announcements if config is not None else False
    bgp = config.bgp_control_plane if config is not None else False
    keys = list(dict.fromkeys(_key(s) for s, _, _ in silent))
    shown = ", ".join(keys[:SHOWN]) + (f" (+{len(keys) - SHOWN})" if len(keys) > SHOWN else "")
    message = Msg(
        f"{ID}.cilium-unannounced",
        n=len(keys),
        services=shown,
        l2=Msg(f"{ID}.cilium-feature", flag="enable-l2-announcements", value=str(l2).lower()),
        bgp=Msg(f"{ID}.cilium-feature", flag="enable-bgp-control-plane", value=str(bgp).lower()),
    )
    evidence = (
        f"cilium-config enable-l2-announcements: {str(l2).lower()}, "
        f"enable-bgp-control-plane: {str(bgp).lower()}",
        *(
            f"service {_key(s)} status.loadBalancer.ingress={ip} (CiliumLoadBalancerIPPool {pool})"
            for s, ip, pool in silent[:SHOWN]
        ),
        *(f"CiliumL2AnnouncementPolicy {r} (refused: announces nothing)" for r in found.refused),
    )
    services = {_key(s): s for s, _, _ in silent}
    where = _where(next(iter(services.values())))
    affected = tuple(_where(s) for s in services.values())
    return [
        Finding(
            ID,
            Status.FAIL,
            severity,
            where,
            message,
            evidence,
            cause=UNANNOUNCED,
            affected=affected,
        ),
        *_bgp_unsure(ctx, severity, found),
    ]


def _bgp_unsure(ctx: CheckContext, severity: Severity, found: CiliumAnnounced) -> list[Finding]:
    """UNKNOWN: Services holding Cilium LB IPAM addresses only BGP may announce, from nodes
    not known (its objects not read, or a selector Cilium refuses)."""
    if not found.undecided:
        return []
    keys = list(dict.fromkeys(_key(s) for s, _, _ in found.undecided))
    shown = ", ".join(keys[:SHOWN]) + (f" (+{len(keys) - SHOWN})" if len(keys) > SHOWN else "")
    why = (
        Msg("neutron-vip-pairs.cilium-bgp-unparsed", names=", ".join(found.why[:8]))
        if found.why
        else Msg("neutron-vip-pairs.cilium-bgp-unread")
    )
    message = Msg(f"{ID}.cilium-bgp-unsure", n=len(keys), services=shown, why=why)
    gap = ctx.snapshot.gap_for("cluster.virtual_ips.cilium_bgp")
    evidence = (
        *((f"gap: {gap.source}: {gap.error}",) if gap else ()),
        *(f"refused: {w}" for w in found.why[:8]),
        *(
            f"service {_key(s)} status.loadBalancer.ingress={ip} (CiliumLoadBalancerIPPool {pool})"
            for s, ip, pool in found.undecided[:SHOWN]
        ),
    )
    services = {_key(s): s for s, _, _ in found.undecided}
    where = _where(next(iter(services.values())))
    affected = tuple(_where(s) for s in services.values())
    return [Finding(ID, Status.UNKNOWN, severity, where, message, evidence, affected=affected)]


def _class_words(lb_class: str) -> Msg:
    if not lb_class:
        return Msg(f"{ID}.class-none")
    return Msg(f"{ID}.class-named", lb_class=lb_class)


def _undecided(ctx: CheckContext, svc: Service, severity: Severity, who: Takers) -> Finding:
    """UNKNOWN: k3s's ServiceLB not known, MetalLB's class not read, or OCCM may run outside
    the cluster."""
    evidence: tuple[str, ...] = (
        f"service {_key(svc)} spec.loadBalancerClass: unset",
        _occm_seen(ctx),
    )
    if who.servicelb_on is None and who.metallb is not True and who.occm is not True:
        message = Msg(f"{ID}.owner-servicelb", svc=_key(svc))
        evidence = (*evidence, "k3s server node-args: --disable servicelb not read")
    elif (take := _cilium(who, svc)) is not None:
        message, line = take
        evidence = (*evidence, line)
    elif who.occm_outside:
        message = Msg(f"{ID}.owner-outside", svc=_key(svc))
        evidence = (*evidence, *outside(ctx.snapshot.cluster))
    else:
        message = Msg(f"{ID}.owner-unknown", svc=_key(svc))
    return Finding(ID, Status.UNKNOWN, severity, _where(svc), message, evidence)


def _cilium(who: Takers, svc: Service) -> tuple[Msg, str] | None:
    """Why Cilium may or may not take ``svc`` is not known: its pools unread, only a pool that
    did not parse could serve it, or default-lb-service-ipam not known (lbipam.py)."""
    if who.cilium is None or who.metallb is True or who.occm is True:
        return None
    take = who.cilium.takes(svc)
    if take.how is not None:
        return None
    if take.why == "pool" and take.pool is not None:
        field = take.pool.unread or "?"
        message = Msg(f"{ID}.owner-cilium-pool", svc=_key(svc), pool=take.pool.name, field=field)
        return message, f"CiliumLoadBalancerIPPool {take.pool.name}: {field} did not parse"
    if take.why == "default":
        line = "cilium-config default-lb-service-ipam: not lbipam, nodeipam or none"
        return Msg(f"{ID}.owner-cilium-default", svc=_key(svc)), line
    return Msg(f"{ID}.owner-cilium", svc=_key(svc)), "cilium.io ciliumloadbalancerippools: not read"


def cilium_said(who: Takers) -> tuple[str, ...]:
    """Evidence of what cilium-config says of Services without a class, on a Cilium cluster
    where nobody takes one."""
    if who.cilium is None:
        return ()
    config = who.cilium.config
    line = f"cilium-config default-lb-service-ipam: {config.default_ipam}"
    if config.default_ipam == "nodeipam":
        line += f", enable-node-ipam: {str(config.node_ipam).lower()}"
    if config.default_ipam == "lbipam":
        line += f", enable-lb-ipam: {str(config.lb_ipam).lower()}"
        line += f", {len(who.cilium.pools or ())} CiliumLoadBalancerIPPool(s)"
    return (line,)


def occm_said(occm: CloudController | None) -> Msg:
    """Why OCCM takes no Service: not in the cluster, its service controller off, or its
    [LoadBalancer] disabled."""
    if occm is None or not occm.found:
        return Msg(f"{ID}.occm-absent")
    pod = f"{occm.namespace}/{occm.pod}"
    if occm.load_balancer_enabled is False:
        return Msg(f"{ID}.occm-lb-disabled", pod=pod, secret=occm.cloud_config or "?")
    return Msg(f"{ID}.occm-no-service", pod=pod)


def _nobody(ctx: CheckContext, svc: Service, severity: Severity) -> Finding:
    vips = ctx.snapshot.cluster.virtual_ips if ctx.snapshot.cluster else None
    metallb = vips.metallb if vips is not None else None
    controller = metallb.controller if metallb is not None else None
    lb_class = controller.lb_class if controller is not None else None
    occm = vips.occm if vips is not None else None
    said = occm_said(occm)
    remedies: tuple[Remedy, ...] = ()
    if metallb is None:
        message = Msg(f"{ID}.no-owner-occm", svc=_key(svc), occm=said)
        lines: tuple[str, ...] = ("metallb: no pod",)
    else:
        message = Msg(f"{ID}.no-owner", svc=_key(svc), lb_class=lb_class or "?", occm=said)
        lines = (f"metallb controller --lb-class={lb_class or '?'}",)
        remedies = class_fix(svc, lb_class) if lb_class else ()
    evidence = (
        f"service {_key(svc)} spec.loadBalancerClass: unset, status.loadBalancer.ingress=[]",
        *lines,
        _occm_seen(ctx),
        *cilium_said(lb_analysis(ctx.topo).index.takers),
        *kubelet_ids(ctx.snapshot.cluster),
    )
    return Finding(
        ID,
        Status.FAIL,
        severity,
        _where(svc),
        message,
        evidence,
        remedies=either(remedies, occm_fix(occm)),
        cause=CAUSE,
    )


def _occm_seen(ctx: CheckContext) -> str:
    vips = ctx.snapshot.cluster.virtual_ips if ctx.snapshot.cluster else None
    occm = vips.occm if vips is not None else None
    if occm is None:
        return "openstack-cloud-controller-manager pod: not looked for"
    if not occm.found:
        return "openstack-cloud-controller-manager pod: none in the cluster"
    running = {True: "on", False: "off", None: "not known"}[occm.service_controller]
    enabled = {True: "true", False: "false", None: "not read"}[occm.load_balancer_enabled]
    return (
        f"openstack-cloud-controller-manager pod {occm.namespace}/{occm.pod}: service controller "
        f"{running}; cloud.conf [LoadBalancer] enabled: {enabled}"
        + (f" ({occm.cloud_config})" if occm.cloud_config else "")
    )


def _key(svc: Service) -> str:
    return f"{svc.namespace}/{svc.name}"


def _where(svc: Service) -> Resource:
    return Resource("service", _key(svc), svc.name, namespace=svc.namespace)
