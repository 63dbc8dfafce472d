"""lb-members-down: load balancer members are up, and a member that is down is down for a known reason."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Final

from kostack.analyze.checks._ebpf_dsr import backend_ports, backends, dsr_pairs
from kostack.analyze.checks._lb import LBCheck, names
from kostack.analyze.checks._node_port_fix import node_port_fixes
from kostack.analyze.checks.base import CheckContext, Kind, Role
from kostack.analyze.engine.service_proxy import NO_SERVICE_PROXY
from kostack.analyze.findings import MANUAL_OP, PAIR_OP, Finding, Remedy, Resource, Severity, Status
from kostack.analyze.loadbalancer.analysis import LBAnalysis, PortAnalysis
from kostack.analyze.loadbalancer.index import DOWN, BalancedService
from kostack.analyze.loadbalancer.monitor import MemberHealth, health_text
from kostack.analyze.messages import register
from kostack.analyze.reach import Disposition, Hop
from kostack.model.cluster import EXCLUDE_LABEL
from kostack.shell import command, render

ID = "lb-members-down"
TITLE = "Load balancer members are ONLINE, and any member that is down is down for a known reason"
SEVERITY = Severity.HIGH
NEEDS = ("cluster.services",)
# the pairs DSR's answers need on the endpoints' nodes' ports (checks/_ebpf_dsr.py)
REMEDIES: frozenset[str] = frozenset({MANUAL_OP, PAIR_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "lb-members-down": Kind.ROOT,
    "lb-nodeport-blocked": Kind.ROOT | Kind.NODEPORT_LESSON,
    "no-endpoints": Kind.ROOT,
    "lb-node-not-ready": Kind.ROOT,
    "lb-stale-members": Kind.ROOT,
    "lb-admin-down": Kind.ROOT,
    "lb-member-port": Kind.ROOT,
    "lb-no-members": Kind.ROOT,
    "lb-no-node-port-proxy": Kind.ROOT,
    "lb-node-port-addresses": Kind.ROOT,
    "calico-ebpf-dsr": Kind.ROOT | Kind.OBSERVED,
    "calico-ebpf-tunnel": Kind.ROOT | Kind.PORT | Kind.SG_LESSON,
    "port-down": Kind.ROOT | Kind.POD_TRAFFIC | Kind.SOME_NODES,
    "port-unbound": Kind.ROOT | Kind.POD_TRAFFIC | Kind.SOME_NODES,
}
# its members are matched to nodes by address (loadbalancer/index.py)
ROLE: Final = Role.SYMPTOM | Role.READS_ADDRESSES
CHECK = LBCheck(ID, SEVERITY)

# why a member is down -> (root-cause key, failing?)
CAUSES: dict[str, tuple[str, bool]] = {
    "sg": ("lb-nodeport-blocked", True),
    "no-endpoints": ("no-endpoints", True),
    "node-not-ready": ("lb-node-not-ready", True),
    "not-a-node": ("lb-stale-members", True),
    "admin-down": ("lb-admin-down", True),
    "port-down": ("port-down", True),  # the root cause is neutron-port-admin-down's
    "port-unbound": ("port-unbound", True),  # that check's too
    # a stale member (its port is not the Service's NodePort): client traffic goes astray
    "member-port": ("lb-member-port", True),
    # Calico eBPF's VXLAN to the endpoints' nodes dropped (net-sg-calico-ebpf's root cause)
    "ebpf-tunnel": ("calico-ebpf-tunnel", True),
    # DSR: the endpoint's node answers from the ingress node's address, which Neutron drops
    "ebpf-dsr": ("calico-ebpf-dsr", True),
    # kube-proxy removed and the CNI serves no NodePort (engine/node_ports.py)
    "no-proxy": ("lb-no-node-port-proxy", True),
    # nothing serves any Service: a symptom of net-service-proxy's root cause, listed under it
    "no-service-proxy": (NO_SERVICE_PROXY, True),
    # the member address is outside the serving proxy's nodePortAddresses
    "node-port-addresses": ("lb-node-port-addresses", True),
    "unexplained": ("lb-members-down", True),
    # the prediction is undecided (a hop kostack cannot judge): not "nothing blocks"
    "undecided": ("lb-members-down", True),
    # externalTrafficPolicy Local: down by design (lb-etp-local judges the whole)
    "no-local-endpoint": ("", False),
}

register(
    {
        f"{ID}.down": {
            "en": "{n} of {total} members of pool {pool} ({svc} port {port}) are {status}: {why}.",
            "ko": "풀 {pool}({svc} 포트 {port})의 멤버 {total}개 중 {n}개가 {status} 상태입니다: {why}.",
        },
        f"{ID}.unexplained": {
            "en": "kostack finds nothing in the cloud or the cluster that blocks the health monitor on "
            "{nodes}; look at the application on NodePort {port} and the monitor's settings "
            "(type {type}, delay {delay}s, timeout {timeout}s)",
            "ko": "클라우드와 클러스터에서 {nodes}에 대한 헬스 모니터를 막는 요인을 찾지 못했습니다. "
            "NodePort {port}의 애플리케이션과 모니터 설정(유형 {type}, 지연 {delay}s, 타임아웃 {timeout}s)을 확인하세요",
        },
        f"{ID}.undecided": {
            "en": "kostack cannot decide whether the cloud or the cluster blocks the health "
            "monitor on {nodes}: {detail}",
            "ko": "클라우드나 클러스터가 {nodes}에 대한 헬스 모니터를 막는지 kostack이 판단할 수 "
            "없습니다: {detail}",
        },
        f"{ID}.unexplained-ping": {
            "en": "kostack finds nothing in the cloud or the cluster that blocks the health monitor's "
            "ping to {nodes} (a PING monitor reaches no NodePort); look at the nodes' own firewall "
            "for ICMP echo and the monitor's settings (delay {delay}s, timeout {timeout}s)",
            "ko": "클라우드와 클러스터에서 {nodes}에 대한 헬스 모니터의 ping을 막는 요인을 찾지 못했습니다"
            "(PING 모니터는 NodePort에 닿지 않음). 노드 자체 방화벽의 ICMP echo 처리와 모니터 설정"
            "(지연 {delay}s, 타임아웃 {timeout}s)을 확인하세요",
        },
        f"{ID}.ok": {
            "en": "All {total} members of pool {pool} ({svc} port {port}) are {status}.",
            "ko": "풀 {pool}({svc} 포트 {port})의 멤버 {total}개가 모두 {status} 상태입니다.",
        },
        f"{ID}.by-design": {
            "en": "{n} of {total} members of pool {pool} ({svc} port {port}) are down by design: "
            "their nodes run no endpoint (externalTrafficPolicy Local).",
            "ko": "풀 {pool}({svc} 포트 {port})의 멤버 {total}개 중 {n}개는 설계대로 다운입니다: "
            "해당 노드에 엔드포인트가 없습니다 (externalTrafficPolicy Local).",
        },
        f"{ID}.contradiction": {
            "en": "Octavia reports members of pool {pool} ({svc}) as {status} on {nodes}, but kostack "
            "expects the health monitor to fail there: {why}.",
            "ko": "Octavia는 풀 {pool}({svc})의 멤버를 {nodes}에서 {status:으로/로} 보고하지만, kostack은 헬스 "
            "모니터가 실패할 것으로 예상합니다: {why}.",
        },
        f"{ID}.no-members": {
            "en": "Pool {pool} ({svc} port {port}) has no members: the load balancer has nowhere to send traffic.",
            "ko": "풀 {pool}({svc} 포트 {port})에 멤버가 없어 로드밸런서가 트래픽을 보낼 곳이 없습니다.",
        },
        f"{ID}.no-members-no-nodeport": {
            "en": "Pool {pool} ({svc} port {port}) has no members: the Service allocates no NodePorts "
            "(allocateLoadBalancerNodePorts false) and the cloud controller makes members only on "
            "NodePorts, so the load balancer has nowhere to send traffic.",
            "ko": "풀 {pool}({svc} 포트 {port})에 멤버가 없습니다: Service가 NodePort를 할당하지 않는데"
            "(allocateLoadBalancerNodePorts false) 클라우드 컨트롤러는 NodePort로만 멤버를 만들므로 "
            "로드밸런서가 트래픽을 보낼 곳이 없습니다.",
        },
        f"{ID}.no-members-no-nodes": {
            "en": "Pool {pool} ({svc} port {port}) has no members: every node is excluded (label "
            "node.kubernetes.io/exclude-from-external-load-balancers, or the Service's "
            "loadbalancer.openstack.org/node-selector matches none), so the load balancer has "
            "nowhere to send traffic.",
            "ko": "풀 {pool}({svc} 포트 {port})에 멤버가 없습니다: 모든 노드가 제외되어(레이블 "
            "node.kubernetes.io/exclude-from-external-load-balancers, 또는 Service의 "
            "loadbalancer.openstack.org/node-selector에 맞는 노드 없음) 로드밸런서가 트래픽을 보낼 곳이 "
            "없습니다.",
        },
        f"{ID}.fix-nodeports": {
            "en": "let the Service allocate NodePorts; the cloud controller then adds the members",
            "ko": "Service가 NodePort를 할당하게 하면 클라우드 컨트롤러가 멤버를 추가합니다",
        },
        f"{ID}.not-provisioned": {
            "en": "Pool {pool} ({svc} port {port}) is {status}: its members are not monitored yet "
            "(lb-provisioning judges it).",
            "ko": "풀 {pool}({svc} 포트 {port}) 상태가 {status}라서 멤버가 아직 모니터링되지 않습니다 "
            "(lb-provisioning이 판단).",
        },
        f"{ID}.switched-off": {
            "en": "Pool {pool} ({svc} port {port}) gets no traffic: the load balancer, its listener "
            "or the pool is switched off (lb-provisioning judges it).",
            "ko": "풀 {pool}({svc} 포트 {port})에는 트래픽이 가지 않습니다: 로드밸런서, 리스너 또는 풀이 꺼져 "
            "있습니다 (lb-provisioning이 판단).",
        },
        f"{ID}.na": {
            "en": "Service {svc} has no pool with members to judge.",
            "ko": "Service {svc}에는 판단할 멤버가 있는 풀이 없습니다.",
        },
        f"{ID}.unread": {
            "en": "Cannot decide for pool {pool} ({svc} port {port}): {note}.",
            "ko": "풀 {pool}({svc} 포트 {port})에 대해 판단할 수 없음: {note}.",
        },
    }
)


def _reason(h: MemberHealth) -> str:
    """Why a member is down: the prediction's reason, or what it is (no node, a stale port)
    when no monitor result could be predicted; else unexplained."""
    if h.expected == "down" or h.reason in ("not-a-node", "member-port"):
        return h.reason
    return "undecided" if _undecided_hop(h) is not None else "unexplained"


def _undecided_hop(h: MemberHealth) -> Hop | None:
    """The first hop of the prediction that kostack could not judge."""
    return next((hop for hop in h.hops if hop.disposition == Disposition.UNKNOWN), None)


@CHECK.each_service
def run(ctx: CheckContext, analysis: LBAnalysis, bs: BalancedService) -> list[Finding]:
    pas = [pa for pa in analysis.ports_of(bs) if pa.port.pool is not None]
    if not pas:
        return [CHECK.not_applicable(bs)]
    return [f for pa in pas for f in _pool_findings(analysis, pa)]


def _pool_findings(analysis: LBAnalysis, pa: PortAnalysis) -> list[Finding]:
    """One pool: down members grouped by reason (each group one finding), contradictions, or OK."""
    bs, pool, sp = pa.service, pa.port.pool, pa.port.service_port
    assert pool is not None
    resource = Resource(
        "pool", pool.id, pool.name or pool.id, project=bs.lb.project_id if bs.lb else None
    )
    base: dict[str, Any] = {"pool": pool.name or pool.id, "svc": bs.key, "port": sp.port}
    early = _unready(analysis, pa, resource, base)
    if early:
        return early
    down: dict[str, list[MemberHealth]] = defaultdict(list)
    contradictions: list[MemberHealth] = []
    for h in pa.health:
        # a stale member is wrong whatever its status: ONLINE, it sends clients to another port
        if h.actual in DOWN or h.reason == "member-port":
            down[_reason(h)].append(h)
        elif h.expected == "down" and h.agrees is False and h.reason == "sg":
            contradictions.append(h)
    total = len(pa.health)
    findings: list[Finding] = []
    for reason, rows in down.items():
        cause, failing = CAUSES.get(reason, ("lb-members-down", True))
        if not failing:
            findings.append(
                CHECK.finding(Status.PASS, resource, "by-design", n=len(rows), total=total, **base)
            )
            continue
        findings.append(_down(analysis, pa, resource, base, reason, rows, total, cause))
    if contradictions:
        findings.append(
            CHECK.finding(
                Status.UNKNOWN,
                resource,
                "contradiction",
                evidence=tuple(hop.detail for hop in contradictions[0].hops[:2]),
                pool=pool.name or pool.id,
                svc=bs.key,
                status="/".join(sorted({h.actual for h in contradictions})),
                nodes=names([h.member.label for h in contradictions]),
                why=health_text(contradictions[0]),
            )
        )
    if findings:
        return findings
    statuses = "/".join(sorted({h.actual for h in pa.health})) or "?"
    return [CHECK.finding(Status.PASS, resource, "ok", total=total, status=statuses, **base)]


def _unready(
    analysis: LBAnalysis, pa: PortAnalysis, resource: Resource, base: dict[str, Any]
) -> list[Finding]:
    """A pool not provisioned (N/A), without members (FAIL) or whose members were not read."""
    pool = pa.port.pool
    assert pool is not None
    lb = pa.service.lb
    state = lb.provisioning_status if lb is not None else ""
    off = lb is not None and (
        not lb.admin_state_up
        or not pool.admin_state_up
        or any(not li.admin_state_up for li in lb.listeners if li.default_pool_id == pool.id)
    )
    if off:
        return [CHECK.finding(Status.NOT_APPLICABLE, resource, "switched-off", **base)]
    if pool.provisioning_status != "ACTIVE" or state in ("PENDING_CREATE", "ERROR"):
        shown = pool.provisioning_status if pool.provisioning_status != "ACTIVE" else state
        return [
            CHECK.finding(Status.NOT_APPLICABLE, resource, "not-provisioned", status=shown, **base)
        ]
    if not pool.member_ids and not pa.port.members:
        return [_no_members(analysis, pa, resource, base)]
    if not pa.port.members:
        return [
            CHECK.finding(
                Status.UNKNOWN,
                resource,
                "unread",
                evidence=(f"pool {pool.id} operating_status={pool.operating_status}",),
                note=pa.port.members_note or "-",
                **base,
            )
        ]
    return []


def _no_members(
    analysis: LBAnalysis, pa: PortAnalysis, resource: Resource, base: dict[str, Any]
) -> Finding:
    """An empty pool, and why the cloud controller made no member (OCCM makes one per candidate
    node on the Service port's NodePort, and none when the port has no NodePort)."""
    pool, svc = pa.port.pool, pa.service.service
    assert pool is not None
    evidence: tuple[str, ...] = (f"pool {pool.id} members=[]",)
    remedies: tuple[Remedy, ...] = ()
    if pa.port.service_port.node_port is None:
        key = "no-members-no-nodeport"
        evidence += (f"service {pa.service.key} allocateLoadBalancerNodePorts=false",)
        patch = command(
            ("kubectl", "-n", svc.namespace, "patch", "service"),
            (svc.name,),
            ("--type", "merge", "-p", '{"spec":{"allocateLoadBalancerNodePorts":true}}'),
        )
        remedies = (
            CHECK.manual(
                "service", pa.service.key, svc.name, render(patch), "fix-nodeports", "lb-no-members"
            ),
        )
    elif not analysis.index.candidate_nodes(svc):
        key = "no-members-no-nodes"
        evidence += (f"nodes: every one excluded ({EXCLUDE_LABEL} or the node-selector)",)
    else:
        key = "no-members"
    return CHECK.finding(
        Status.FAIL,
        resource,
        key,
        evidence=evidence,
        cause="lb-no-members",
        remedies=remedies,
        **base,
    )


def _down(
    analysis: LBAnalysis,
    pa: PortAnalysis,
    resource: Resource,
    base: dict[str, Any],
    reason: str,
    rows: list[MemberHealth],
    total: int,
    cause: str,
) -> Finding:
    """One group of down members (same reason), with why they are down."""
    sp, pool = pa.port.service_port, pa.port.pool
    assert pool is not None
    monitor = pool.healthmonitor
    nodes = [h.member.label for h in rows]
    statuses = "/".join(sorted({h.actual for h in rows}))
    if reason == "unexplained":
        ping = monitor is not None and monitor.type.upper() == "PING"
        why = CHECK.msg(
            "unexplained-ping" if ping else "unexplained",
            nodes=names(nodes),
            port=sp.node_port or "?",
            type=monitor.type if monitor else "-",
            delay=monitor.delay if monitor else "-",
            timeout=monitor.timeout if monitor else "-",
        )
    elif reason == "undecided" and (hop := _undecided_hop(rows[0])) is not None:
        why = CHECK.msg("undecided", nodes=names(nodes), detail=hop.detail)
    else:
        why = health_text(rows[0])
    affected = tuple(
        Resource("port", v.port.id, v.name)
        for h in rows
        if (v := h.member.node) is not None and v.port is not None
    )
    remedies: tuple[Remedy, ...] = ()
    over: tuple[str, ...] = ()
    if reason == "ebpf-dsr":
        # the answers are dropped on the endpoints' nodes' ports, not on the members' own
        topo = analysis.index.topo
        answering = backends(topo, pa.service)
        ingress = [v for h in pa.health if (v := h.member.node) is not None]
        affected = backend_ports(answering)
        remedies, over = dsr_pairs(topo, answering, ingress)
    elif reason in ("no-proxy", "no-service-proxy", "node-port-addresses"):
        why, remedies = node_port_fixes(rows, cause, why)
    return CHECK.finding(
        Status.FAIL,
        resource,
        "down",
        evidence=tuple(
            f"member {h.member.member.id if h.member.member else '?'} ({h.member.label}) "
            f"operating_status={h.actual}"
            for h in rows[:4]
        )
        + tuple(hop.detail for hop in rows[0].hops[:2])
        + over,
        cause=cause,
        remedies=remedies,
        affected=affected,
        counts=(("members", len(rows)),),
        flows=(why,),
        n=len(rows),
        total=total,
        status=statuses,
        why=why,
        **base,
    )
