"""lb-floating-ip: each LoadBalancer Service's floating IP is attached to its load balancer's VIP port.

OCCM (pkg/openstack/loadbalancer.go ensureFloatingIP) creates or reuses a
floating IP on the load balancer's ``vip_port_id`` and publishes its address
in status.loadBalancer.ingress. A VIP port is normally DOWN in Neutron (the
amphora answers for the VIP through an allowed address pair; OVN's VIP port
is virtual), so a DOWN VIP port is not a fault: a floating IP pointing at a
port that is gone, at another port, or at nothing is.
"""

from __future__ import annotations

from typing import Any

from kostack.analyze.checks._lb import LBCheck, lb_resource
from kostack.analyze.checks.base import CheckContext, Kind
from kostack.analyze.findings import MANUAL_OP, Finding, Remedy, Resource, Severity, Status
from kostack.analyze.loadbalancer.analysis import LBAnalysis
from kostack.analyze.loadbalancer.index import BalancedService, LBIndex
from kostack.analyze.messages import Msg, register
from kostack.model.loadbalancer import FloatingIP
from kostack.model.snapshot import IPAddress
from kostack.shell import Var, end_options, render

ID = "lb-floating-ip"
TITLE = "Each LoadBalancer Service's floating IP is attached to its load balancer's VIP port"
SEVERITY = Severity.HIGH
NEEDS = ("cluster.services",)
REMEDIES: frozenset[str] = frozenset({MANUAL_OP})
CAUSE_KINDS: dict[str, Kind] = {"lb-fip": Kind.ROOT | Kind.LB_STATUS_LESSON}
VIP_OWNERS = ("Octavia", "ovn-lb:vip")
CHECK = LBCheck(ID, SEVERITY)

register(
    {
        f"{ID}.no-lb": {"en": "no load balancer matched", "ko": "일치하는 로드밸런서가 없습니다"},
        f"{ID}.unbound": {
            "en": "Service {svc} advertises {ip}, a floating IP attached to no port: nothing answers there.",
            "ko": "Service {svc:이/가} 알리는 {ip:은/는} 어떤 포트에도 연결되지 않은 Floating IP라 아무도 응답하지 않습니다.",
        },
        f"{ID}.elsewhere": {
            "en": "Service {svc} advertises {ip}, but that floating IP is attached to port {port}, not to "
            "the VIP port {vip} of load balancer {lb}.",
            "ko": "Service {svc:이/가} 알리는 {ip:은/는} 로드밸런서 {lb}의 VIP 포트 {vip:이/가} 아니라 포트 {port}에 연결되어 있습니다.",
        },
        f"{ID}.gone": {
            "en": "Service {svc} advertises {ip}, a floating IP attached to port {port}, which no longer exists.",
            "ko": "Service {svc:이/가} 알리는 {ip:은/는} 이제 존재하지 않는 포트 {port}에 연결된 Floating IP입니다.",
        },
        f"{ID}.inactive": {
            "en": "Service {svc} advertises {ip}, a floating IP on port {port} ({owner}), which is {status} "
            "and not a load balancer VIP: traffic to it is lost.",
            "ko": "Service {svc:이/가} 알리는 {ip:은/는} 포트 {port}({owner})의 Floating IP인데, 이 포트는 {status} 상태이며 "
            "로드밸런서 VIP가 아니라 트래픽이 사라집니다.",
        },
        f"{ID}.error": {
            "en": "Floating IP {ip} of Service {svc} is in status ERROR.",
            "ko": "Service {svc}의 Floating IP {ip} 상태가 ERROR입니다.",
        },
        f"{ID}.mismatch": {
            "en": "Service {svc} advertises {ip}, but load balancer {lb}'s VIP port carries floating IP "
            "{fip}: clients are sent to the wrong address.",
            "ko": "Service {svc:은/는} {ip:을/를} 알리지만 로드밸런서 {lb}의 VIP 포트에는 Floating IP {fip:이/가} 있어 "
            "클라이언트가 엉뚱한 주소로 갑니다.",
        },
        f"{ID}.vip-gone": {
            "en": "Load balancer {lb} of Service {svc} names VIP port {vip}, which is not in Neutron.",
            "ko": "Service {svc}의 로드밸런서 {lb:이/가} 가리키는 VIP 포트 {vip:이/가} Neutron에 없습니다.",
        },
        f"{ID}.ok": {
            "en": "Service {svc}: floating IP {ip} is attached to VIP {vip} of load balancer {lb}.",
            "ko": "Service {svc}: Floating IP {ip:이/가} 로드밸런서 {lb}의 VIP {vip}에 연결되어 있습니다.",
        },
        f"{ID}.internal": {
            "en": "Service {svc} is reached on its VIP {ip} (no floating IP).",
            "ko": "Service {svc:은/는} Floating IP 없이 VIP {ip:으로/로} 접근합니다.",
        },
        f"{ID}.na": {
            "en": "Service {svc} has no external address yet (lb-pending-service explains why).",
            "ko": "Service {svc}에는 아직 외부 주소가 없습니다 (이유는 lb-pending-service 참고).",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide for Service {svc}: {why}.",
            "ko": "Service {svc}에 대해 판단할 수 없음: {why}.",
        },
        f"{ID}.fix": {
            "en": "attach the floating IP to the load balancer's VIP port",
            "ko": "Floating IP를 로드밸런서 VIP 포트에 연결",
        },
    }
)


def _attach(bs: BalancedService, fip: FloatingIP) -> Remedy:
    lb = bs.lb
    # The VIP port's id, or a variable the reader sets (`openstack loadbalancer show` has it).
    vip: str | Var = lb.vip_port_id if lb is not None and lb.vip_port_id else Var("VIP_PORT_ID")
    attach = ("openstack", "floating", "ip", "set", "--port", vip, *end_options([fip.id]))
    address = str(fip.floating_ip_address)
    return CHECK.manual("floatingip", fip.id, address, render(attach), "fix", "lb-fip")


@CHECK.each_service
def run(ctx: CheckContext, analysis: LBAnalysis, bs: BalancedService) -> list[Finding]:
    resource = lb_resource(bs)
    addresses = bs.external_addresses
    lb = bs.lb
    if not addresses:
        return [CHECK.not_applicable(bs)]
    if lb is None:
        why = bs.note or Msg(f"{ID}.no-lb")
        return [CHECK.finding(Status.UNKNOWN, resource, "unknown", why=why, svc=bs.key)]
    ip = addresses[0]
    if lb.vip_address == ip:
        return [CHECK.finding(Status.PASS, resource, "internal", ip=ip, svc=bs.key)]
    if not analysis.index.fips_known:
        why = Msg("lb.fips-not-collected")
        return [CHECK.finding(Status.UNKNOWN, resource, "unknown", why=why, svc=bs.key)]
    return [_judge(ctx, analysis.index, bs, ip)]


def _judge(ctx: CheckContext, index: LBIndex, bs: BalancedService, ip: IPAddress) -> Finding:
    """One published address: each way a floating IP misses the VIP is its own finding."""
    lb = bs.lb
    assert lb is not None
    resource = lb_resource(bs)
    base: dict[str, Any] = {"svc": bs.key, "ip": ip}
    ports = ctx.topo.ports
    fip = index.fip_by_address.get(ip)
    ports_known = ctx.snapshot.openstack is not None and ctx.snapshot.openstack.ports is not None
    if lb.vip_port_id and ports_known and lb.vip_port_id not in ports:
        return CHECK.finding(
            Status.FAIL,
            resource,
            "vip-gone",
            evidence=(f"loadbalancer {lb.id} vip_port_id={lb.vip_port_id}",),
            cause="lb-fip",
            lb=lb.name or lb.id,
            vip=lb.vip_port_id,
            svc=bs.key,
        )
    if fip is None:
        on_vip = ", ".join(str(f.floating_ip_address) for f in bs.floating_ips) or "none"
        return CHECK.finding(
            Status.FAIL,
            resource,
            "mismatch",
            evidence=(
                f"service {bs.key} status.loadBalancer.ingress[0].ip={ip}",
                f"loadbalancer {lb.id} vip_port_id={lb.vip_port_id} floating IPs: {on_vip}",
            ),
            cause="lb-fip",
            lb=lb.name or lb.id,
            fip=on_vip,
            **base,
        )
    ev = (
        f"floatingip {fip.id} floating_ip_address={fip.floating_ip_address} port_id={fip.port_id} "
        f"status={fip.status}",
        f"loadbalancer {lb.id} vip_port_id={lb.vip_port_id}",
    )
    if not fip.port_id:
        return _misattached(bs, fip, "unbound", ev, **base)
    if fip.port_id != lb.vip_port_id:
        return _elsewhere(ctx, bs, fip, base, ev, ports_known=ports_known)
    if fip.status == "ERROR":
        return CHECK.finding(Status.FAIL, resource, "error", evidence=ev, cause="lb-fip", **base)
    return CHECK.finding(
        Status.PASS, resource, "ok", vip=lb.vip_address or "?", lb=lb.name or lb.id, **base
    )


def _misattached(
    bs: BalancedService, fip: FloatingIP, key: str, ev: tuple[str, ...], **params: Any
) -> Finding:
    """The floating IP is not on the VIP port: the fix attaches it there."""
    return CHECK.finding(
        Status.FAIL,
        lb_resource(bs),
        key,
        evidence=ev,
        cause="lb-fip",
        remedies=(_attach(bs, fip),),
        affected=(Resource("floatingip", fip.id, str(fip.floating_ip_address)),),
        **params,
    )


def _elsewhere(
    ctx: CheckContext,
    bs: BalancedService,
    fip: FloatingIP,
    base: dict[str, Any],
    ev: tuple[str, ...],
    *,
    ports_known: bool,
) -> Finding:
    """The floating IP is bound to another port than the VIP: gone, inactive or just elsewhere."""
    lb = bs.lb
    assert lb is not None
    assert fip.port_id is not None
    port = ctx.topo.ports.get(fip.port_id)
    if port is None and ports_known:
        return _misattached(bs, fip, "gone", ev, port=fip.port_id, **base)
    if port is not None and port.status != "ACTIVE" and port.device_owner not in VIP_OWNERS:
        return _misattached(
            bs,
            fip,
            "inactive",
            (*ev, f"port {port.id} status={port.status} device_owner={port.device_owner}"),
            port=port.name or port.id,
            owner=port.device_owner or "-",
            status=port.status or "?",
            **base,
        )
    return _misattached(
        bs,
        fip,
        "elsewhere",
        ev,
        port=fip.port_id,
        vip=lb.vip_port_id or "?",
        lb=lb.name or lb.id,
        **base,
    )
