"""Helpers the load balancer checks (lb-*) share: each walks the Services of type LoadBalancer
(`LBCheck`), and each of its findings and by-hand remedies carries the check's id and severity
and says the check's own message ``<id>.<key>``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kostack.analyze.checks.base import CheckContext, missing
from kostack.analyze.findings import Finding, Remedy, Resource, Severity, Status
from kostack.analyze.loadbalancer.analysis import LBAnalysis, lb_analysis
from kostack.analyze.loadbalancer.index import BalancedService
from kostack.analyze.messages import Msg, register
from kostack.analyze.remedy import cluster_group, rule_remedy, shared_group
from kostack.analyze.topology import Topology
from kostack.gap_words import error_of
from kostack.model.snapshot import IPNetwork, SecurityGroup

register(
    {
        "lb.na-none": {
            "en": "The cluster has no Service of type LoadBalancer.",
            "ko": "클러스터에 LoadBalancer 타입 Service가 없습니다.",
        },
        "lb.na-metallb": {
            "en": "Every Service of type LoadBalancer ({n}) gets its address from MetalLB or "
            "Antrea, not from Octavia (neutron-vip-pairs judges those addresses).",
            "ko": "LoadBalancer 타입 Service {n}개 모두 Octavia가 아니라 MetalLB나 Antrea에서 "
            "주소를 받습니다(그 주소는 neutron-vip-pairs 점검이 판단합니다).",
        },
        "lb.na-not-octavia": {
            "en": "No Service of type LoadBalancer is Octavia's ({n} in all): each is "
            "MetalLB's or Antrea's, another loadBalancerClass's, or one no controller (or none "
            "kostack can name) serves (lb-pending-service names those).",
            "ko": "LoadBalancer 타입 Service(모두 {n}개) 중 Octavia의 것은 없습니다: 모두 MetalLB나 "
            "Antrea의 것, 다른 loadBalancerClass의 것, 또는 어떤 컨트롤러도(혹은 kostack이 이름을 "
            "댈 수 있는 컨트롤러가) 맡지 않는 것입니다(lb-pending-service가 알려 줍니다).",
        },
        "lb.unknown-services": {
            "en": "Cannot decide: the Services of type LoadBalancer were not collected: {error}.",
            "ko": "판단할 수 없음: LoadBalancer 타입 Service를 수집하지 못했습니다: {error}.",
        },
        "lb.unknown-octavia": {
            "en": "Cannot decide for {n} Service(s) of type LoadBalancer: Octavia was not collected: {error}.",
            "ko": "LoadBalancer 타입 Service {n}개에 대해 판단할 수 없음: Octavia를 수집하지 못했습니다: {error}.",
        },
        "lb.rule-reason": {
            "en": "admit {what} to NodePort {port}/{protocol} of {svc}",
            "ko": "{svc}의 NodePort {port}/{protocol:으로/로} {what} 허용",
        },
        "lb.rule-reason-ping": {
            "en": "admit {what} (ICMP echo, no port) to the member nodes of {svc}",
            "ko": "{svc}의 멤버 노드로 {what}(ICMP echo, 포트 없음) 허용",
        },
    }
)

NEEDS = ("cluster.services",)


def lb_resource(bs: BalancedService) -> Resource:
    lb, svc = bs.lb, bs.service
    if lb is None:
        return Resource("service", f"{svc.namespace}/{svc.name}", svc.name, namespace=svc.namespace)
    return Resource("loadbalancer", lb.id, lb.name or lb.id, project=lb.project_id)


def start(
    ctx: CheckContext, check_id: str, severity: Severity
) -> tuple[LBAnalysis | None, list[Finding]]:
    """The shared analysis, or the findings that end the check early (UNKNOWN / NOT-APPLICABLE)."""
    unk = missing(ctx, check_id, severity, NEEDS)
    if unk:
        return None, unk
    snap = ctx.snapshot
    gap = snap.gap_for("cluster.services.load_balancers")
    scope = Resource("cluster", "services", "Services of type LoadBalancer")

    def unknown(message: str, evidence: str) -> list[Finding]:
        return [Finding(check_id, Status.UNKNOWN, severity, scope, message, (evidence,))]

    if gap is not None:
        message = Msg("lb.unknown-services", error=_unstopped(error_of(gap)))
        return None, unknown(message, f"gap: {gap.source}: {gap.error}")
    analysis = lb_analysis(ctx.topo)
    if not analysis.index.load_balancer_services:
        index = analysis.index
        typed = [s for s in ctx.topo.services.values() if s.type == "LoadBalancer"]
        metallb = [s for s in typed if not s.load_balancer_class and index.node_serves(s)]
        said = Msg("lb.na-metallb", n=len(metallb)) if metallb else Msg("lb.na-none")
        if typed and len(metallb) < len(typed):
            said = Msg("lb.na-not-octavia", n=len(typed))
        return None, [Finding(check_id, Status.NOT_APPLICABLE, severity, scope, said)]
    if not analysis.index.lbs_known:
        og = snap.gap_for("openstack.load_balancers", "openstack")
        error = error_of(og) if og else "openstack.load_balancers: null"
        n = len(analysis.index.load_balancer_services)
        message = Msg("lb.unknown-octavia", n=n, error=_unstopped(error))
        return None, unknown(message, f"gap: {og.source}: {og.error}" if og else error)
    return analysis, []


def node_group(topo: Topology, node_names: list[str]) -> SecurityGroup | None:
    """The group to open a NodePort on: shared by these nodes' ports, not `default` if possible."""
    ports = [
        v.port
        for name in node_names
        if (v := topo.node_views.get(name)) is not None and v.port is not None
    ]
    return (shared_group(topo, ports) or cluster_group(topo)) if ports else None


def nodeport_rule(
    group: SecurityGroup,
    bs: BalancedService,
    *,
    protocol: str,
    port: int,
    prefix: IPNetwork,
    what: str,
    cause: str,
) -> Remedy:
    """An ingress rule for one NodePort from one source prefix (the fix the plan applies).

    ICMP (a PING monitor) has no port: Neutron reads an ICMP rule's ports as its type and
    code (0-255), so the rule admits every ICMP type and names no NodePort."""
    if protocol.lower() == "icmp":
        return rule_remedy(
            group,
            protocol="icmp",
            remote_prefix=str(prefix),
            reason=Msg("lb.rule-reason-ping", what=what, svc=bs.key),
            cause=cause,
            description=f"kostack: LoadBalancer {bs.key} PING health monitor",
        )
    return rule_remedy(
        group,
        protocol=protocol.lower(),
        port=port,
        remote_prefix=str(prefix),
        reason=Msg("lb.rule-reason", what=what, port=port, protocol=protocol.lower(), svc=bs.key),
        cause=cause,
        description=f"kostack: LoadBalancer {bs.key} NodePort {port}",
    )


def names(items: list[str], limit: int = 4) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit})" if len(items) > limit else "")


def _unstopped(text: str) -> str:
    """``text`` without a closing full stop (a message as it is: its words have none)."""
    return text if isinstance(text, Msg) else text.rstrip(".")


# What a check finds for one Service of type LoadBalancer
Judge = Callable[[CheckContext, LBAnalysis, BalancedService], list[Finding]]


@dataclass(frozen=True)
class LBCheck:
    """One lb-* check, by its id and severity (its module's ID and SEVERITY)."""

    check_id: str
    severity: Severity

    def each_service(self, judge: Judge) -> Callable[[CheckContext], list[Finding]]:
        """The check's ``run``: ``judge``'s findings for every Service of type LoadBalancer, one
        Service after the other, or the findings that end the check early (UNKNOWN /
        NOT-APPLICABLE)."""

        def run(ctx: CheckContext) -> list[Finding]:
            analysis, early = start(ctx, self.check_id, self.severity)
            if analysis is None:
                return early
            return [f for bs in analysis.index.services for f in judge(ctx, analysis, bs)]

        return run

    def not_applicable(self, bs: BalancedService, **params: object) -> Finding:
        """NOT-APPLICABLE for the Service: the check's `.na` message, with svc= and ``params``."""
        msg = self.msg("na", svc=bs.key, **params)
        return Finding(self.check_id, Status.NOT_APPLICABLE, self.severity, lb_resource(bs), msg)

    def manual(
        self, kind: str, object_id: str, name: str, command: str, key: str, cause: str
    ) -> Remedy:
        """A step the reader runs by hand on one object: ``command``, for the check's ``key``."""
        return Remedy(
            "manual", kind, object_id, name, (("command", command),), self.msg(key), cause=cause
        )

    def msg(self, key: str, /, **params: object) -> Msg:
        """The check's message ``<id>.<key>`` with ``params``."""
        return Msg(f"{self.check_id}.{key}", **params)

    def finding(
        self,
        status: Status,
        resource: Resource,
        key: str,
        /,
        *,
        evidence: tuple[str, ...] = (),
        remedies: tuple[Remedy, ...] = (),
        flows: tuple[str, ...] = (),
        cause: str = "",
        affected: tuple[Resource, ...] = (),
        counts: tuple[tuple[str, int], ...] = (),
        **params: object,
    ) -> Finding:
        """A finding on ``resource`` that says the check's message ``key`` with ``params``."""
        return Finding(
            self.check_id,
            status,
            self.severity,
            resource,
            self.msg(key, **params),
            evidence=evidence,
            remedies=remedies,
            flows=flows,
            cause=cause,
            affected=affected,
            counts=counts,
        )
