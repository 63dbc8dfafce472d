"""lb-provisioning: each Service's load balancer is ACTIVE, not stuck in PENDING_* or ERROR."""

from __future__ import annotations

from typing import Any

from kostack.analyze.checks._lb import LBCheck, lb_resource
from kostack.analyze.checks.base import CheckContext, Kind
from kostack.analyze.findings import MANUAL_OP, Finding, Severity, Status
from kostack.analyze.loadbalancer.analysis import LBAnalysis
from kostack.analyze.loadbalancer.index import BalancedService
from kostack.analyze.messages import register
from kostack.analyze.times import short_age
from kostack.model.loadbalancer import LoadBalancer
from kostack.shell import command, end_options, render

ID = "lb-provisioning"
TITLE = "Each Service's load balancer is ACTIVE, not stuck in PENDING_* or ERROR"
SEVERITY = Severity.CRITICAL
NEEDS = ("cluster.services",)
REMEDIES: frozenset[str] = frozenset({MANUAL_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "lb-stuck": Kind.ROOT | Kind.LB_STATUS_LESSON,
    "lb-error": Kind.ROOT | Kind.LB_STATUS_LESSON,
    "lb-listener": Kind.ROOT,
    "lb-admin-down": Kind.ROOT,
}
# Octavia's amphora build gives up after amp_active_retries x amp_active_wait_sec
# (30 x 10 s by default, octavia common/config.py); OCCM waits a similar time.
# Ten minutes in PENDING_* is past every default: stuck, not busy.
STUCK_AFTER_S = 600
CHECK = LBCheck(ID, SEVERITY)

register(
    {
        f"{ID}.stuck": {
            "en": "Load balancer {name} of {svc} has been {status} for {age} ({what}): the provider "
            "never finished, and Octavia refuses every change while it is pending (409 immutable).",
            "ko": "{svc}의 로드밸런서 {name:이/가} {age} 동안 {status} 상태입니다({what}): 프로바이더가 작업을 "
            "끝내지 못했고, pending 상태에서는 Octavia가 모든 변경을 거부합니다(409 immutable).",
        },
        f"{ID}.busy": {
            "en": "Load balancer {name} of {svc} is {status} for {age} ({what}): still within the "
            "provider's time ({limit}).",
            "ko": "{svc}의 로드밸런서 {name:이/가} {age}째 {status} 상태입니다({what}): 아직 프로바이더 "
            "허용 시간({limit}) 안입니다.",
        },
        f"{ID}.pending-no-age": {
            "en": "Load balancer {name} of {svc} is {status} ({what}); how long is not known "
            "(no timestamps to compare).",
            "ko": "{svc}의 로드밸런서 {name:이/가} {status} 상태입니다({what}). 얼마나 오래되었는지는 "
            "알 수 없습니다 (비교할 시각 없음).",
        },
        f"{ID}.error": {
            "en": "Load balancer {name} of {svc} is in ERROR ({what}, last change {age} before the "
            "snapshot): the cloud controller cannot update it (409 Invalid state ERROR).",
            "ko": "{svc}의 로드밸런서 {name:이/가} ERROR 상태입니다({what}, 스냅샷 {age} 전 마지막 변경): "
            "클라우드 컨트롤러가 갱신할 수 없습니다(409 Invalid state ERROR).",
        },
        f"{ID}.admin-down": {
            "en": "Load balancer {name} of {svc} is switched off ({what}: admin_state_up false): it "
            "forwards no client traffic there.",
            "ko": "{svc}의 로드밸런서 {name:이/가} 꺼져 있습니다({what}: admin_state_up false): 그 부분으로는 "
            "클라이언트 트래픽을 전달하지 않습니다.",
        },
        f"{ID}.fix-admin-down": {
            "en": "switch it back on (ask first who switched it off, and why)",
            "ko": "다시 켜세요 (먼저 누가 왜 껐는지 확인하세요)",
        },
        f"{ID}.incomplete": {
            "en": "Load balancer {name} of {svc} is ACTIVE but serves no {what}: no listener or pool "
            "for {ports} (it has {offered}), so clients of that port get no answer; the cloud "
            "controller did not finish it (its events on the Service say why).",
            "ko": "{svc}의 로드밸런서 {name:은/는} ACTIVE이지만 {what:을/를} 제공하지 않습니다: {ports}에 대한 "
            "리스너나 풀이 없어(있는 것: {offered}) 그 포트의 클라이언트는 응답을 받지 못합니다. 클라우드 "
            "컨트롤러가 작업을 끝내지 못했습니다 (Service의 이벤트에 이유가 있음).",
        },
        f"{ID}.what-ports": {"en": "every Service port", "ko": "Service 포트"},
        f"{ID}.fix-incomplete": {
            "en": "read the cloud controller's events on the Service; it adds the listener and pool "
            "on its next successful sync",
            "ko": "Service에 대한 클라우드 컨트롤러의 이벤트를 확인하세요. 다음 동기화에 성공하면 리스너와 풀을 "
            "추가합니다",
        },
        f"{ID}.ok": {
            "en": "Load balancer {name} of {svc} and all its parts are ACTIVE.",
            "ko": "{svc}의 로드밸런서 {name:과/와} 모든 구성 요소가 ACTIVE입니다.",
        },
        f"{ID}.na": {
            "en": "Service {svc} has no load balancer (lb-pending-service explains why).",
            "ko": "Service {svc}에는 로드밸런서가 없습니다 (이유는 lb-pending-service 참고).",
        },
        f"{ID}.fix-stuck": {
            "en": "an operator with admin rights looks at the provider (octavia-worker log for amphora, "
            "the OVN provider agent for ovn), then deletes the stuck load balancer; the cloud "
            "controller creates it again",
            "ko": "관리자 권한이 있는 운영자가 프로바이더(amphora는 octavia-worker 로그, ovn은 OVN 프로바이더 "
            "에이전트)를 확인한 뒤 멈춘 로드밸런서를 삭제하면 클라우드 컨트롤러가 다시 만듭니다",
        },
        f"{ID}.fix-error": {
            "en": "delete the load balancer in ERROR with its children; the cloud controller creates a new "
            "one on its next sync, whose VIP and floating IP may differ (clients and DNS records that "
            "use the old address need it changed, unless the Service pins it). Amphora: try "
            "`openstack loadbalancer failover` first (admin rights by default): it rebuilds the "
            "amphorae in place and keeps the addresses",
            "ko": "ERROR 상태의 로드밸런서를 하위 객체와 함께 삭제하면 클라우드 컨트롤러가 다음 동기화 때 새로 "
            "만드는데, 새 로드밸런서의 VIP와 floating IP는 달라질 수 있습니다(Service가 주소를 고정하지 "
            "않았다면 예전 주소를 쓰는 클라이언트와 DNS 레코드를 바꿔야 함). amphora는 먼저 "
            "`openstack loadbalancer failover`를 시도하세요(기본적으로 관리자 권한 필요): amphora를 그 "
            "자리에서 다시 만들고 주소를 유지합니다",
        },
    }
)

PENDING = ("PENDING_CREATE", "PENDING_UPDATE", "PENDING_DELETE")


def _parts(lb: LoadBalancer, statuses: tuple[str, ...]) -> list[str]:
    """The load balancer's own and its children's objects in one of ``statuses``."""
    out = []
    if lb.provisioning_status in statuses:
        out.append(f"loadbalancer {lb.provisioning_status}")
    out.extend(
        f"listener {li.name or li.id} {li.provisioning_status}"
        for li in lb.listeners
        if li.provisioning_status in statuses
    )
    for pool in lb.pools:
        if pool.provisioning_status in statuses:
            out.append(f"pool {pool.name or pool.id} {pool.provisioning_status}")
        hm = pool.healthmonitor
        if hm is not None and hm.provisioning_status in statuses:
            out.append(f"health monitor {hm.name or hm.id} {hm.provisioning_status}")
        n = sum(1 for m in pool.members or () if m.provisioning_status in statuses)
        if n:
            out.append(f"{n} members of {pool.name or pool.id}")
    return out


Off = tuple[str, str, str, tuple[str, ...]]


def _switched_off(lb: LoadBalancer) -> list[Off]:
    """The load balancer and its listeners and pools with admin_state_up false: (kind, id,
    name, the `openstack loadbalancer` words that switch it on)."""
    out: list[Off] = []
    if not lb.admin_state_up:
        out.append(("loadbalancer", lb.id, lb.name, ("set",)))
    out.extend(
        ("listener", li.id, li.name, ("listener", "set"))
        for li in lb.listeners
        if not li.admin_state_up
    )
    out.extend(("pool", p.id, p.name, ("pool", "set")) for p in lb.pools if not p.admin_state_up)
    return out


def _admin_down(bs: BalancedService, common: dict[str, Any]) -> Finding | None:
    """The load balancer, a listener or a pool switched off: no traffic passes it."""
    lb = bs.lb
    assert lb is not None
    off = _switched_off(lb)
    if not off:
        return None
    remedies = tuple(
        CHECK.manual(
            kind,
            object_id,
            name,
            render(("openstack", "loadbalancer", *words, "--enable", *end_options([object_id]))),
            "fix-admin-down",
            "lb-admin-down",
        )
        for kind, object_id, name, words in off[:4]
    )
    return CHECK.finding(
        Status.FAIL,
        lb_resource(bs),
        "admin-down",
        evidence=tuple(f"{kind} {object_id} admin_state_up=false" for kind, object_id, *_ in off),
        cause="lb-admin-down",
        remedies=remedies,
        what=", ".join(f"{kind} {name or object_id}" for kind, object_id, name, _ in off[:3]),
        **common,
    )


def _incomplete(bs: BalancedService, common: dict[str, Any]) -> Finding | None:
    """A Service port without a listener or a pool on the load balancer: nothing answers it."""
    lb = bs.lb
    assert lb is not None
    missing = [pp.service_port for pp in bs.ports if pp.listener is None or pp.pool is None]
    if not missing:
        return None
    ports = ", ".join(f"{sp.port}/{sp.protocol}" for sp in missing[:4])
    offered = ", ".join(f"{li.protocol}:{li.protocol_port}" for li in lb.listeners) or "-"
    svc = bs.service
    look = command(("kubectl", "-n", svc.namespace, "describe", "service"), (svc.name,))
    return CHECK.finding(
        Status.FAIL,
        lb_resource(bs),
        "incomplete",
        evidence=(f"loadbalancer {lb.id} listeners={offered}", f"service {bs.key} ports {ports}"),
        cause="lb-listener",
        remedies=(
            CHECK.manual(
                "service", bs.key, svc.name, render(look), "fix-incomplete", "lb-listener"
            ),
        ),
        what=ports if len(missing) < len(bs.ports) else CHECK.msg("what-ports"),
        ports=ports,
        offered=offered,
        **common,
    )


@CHECK.each_service
def run(ctx: CheckContext, analysis: LBAnalysis, bs: BalancedService) -> list[Finding]:
    if bs.lb is None:
        return [CHECK.not_applicable(bs)]
    return [_judge(ctx, bs, analysis.age(bs.lb.updated_at, bs.lb.created_at))]


def _judge(ctx: CheckContext, bs: BalancedService, age: float | None) -> Finding:
    """One load balancer, ``age`` seconds since its last change: ERROR, stuck, busy or ACTIVE."""
    lb = bs.lb
    assert lb is not None
    resource = lb_resource(bs)
    common: dict[str, Any] = {"name": lb.name or lb.id, "svc": bs.key}
    ev = (
        f"loadbalancer {lb.id} provisioning_status={lb.provisioning_status} "
        f"operating_status={lb.operating_status}",
        f"loadbalancer {lb.id} created_at={lb.created_at} updated_at={lb.updated_at}",
        f"snapshot created_at={ctx.snapshot.created_at}",
    )
    errors = _parts(lb, ("ERROR",))
    pending = _parts(lb, PENDING)
    if errors:
        cmd = render(("openstack", "loadbalancer", "delete", "--cascade", *end_options([lb.id])))
        return CHECK.finding(
            Status.FAIL,
            resource,
            "error",
            evidence=ev,
            cause="lb-error",
            remedies=(CHECK.manual("loadbalancer", lb.id, lb.name, cmd, "fix-error", "lb-error"),),
            what=", ".join(errors[:3]),
            age=short_age(age) if age is not None else "?",
            **common,
        )
    off = _admin_down(bs, common) or (None if pending else _incomplete(bs, common))
    if off is not None:
        return off
    if not pending:
        return CHECK.finding(Status.PASS, resource, "ok", **common)
    what = ", ".join(pending[:3])
    if age is None:
        return CHECK.finding(
            Status.UNKNOWN,
            resource,
            "pending-no-age",
            evidence=ev,
            status=lb.provisioning_status,
            what=what,
            **common,
        )
    if age >= STUCK_AFTER_S:
        cmd = render(("openstack", "loadbalancer", "status", "show", *end_options([lb.id])))
        return CHECK.finding(
            Status.FAIL,
            resource,
            "stuck",
            evidence=ev,
            cause="lb-stuck",
            remedies=(CHECK.manual("loadbalancer", lb.id, lb.name, cmd, "fix-stuck", "lb-stuck"),),
            counts=(("age_seconds", int(age)),),
            status=lb.provisioning_status
            if lb.provisioning_status in PENDING
            else pending[0].rsplit(" ", 1)[-1],
            age=short_age(age),
            what=what,
            **common,
        )
    return CHECK.finding(
        Status.PASS,
        resource,
        "busy",
        evidence=ev,
        status=lb.provisioning_status,
        age=short_age(age),
        what=what,
        limit=short_age(STUCK_AFTER_S),
        **common,
    )
