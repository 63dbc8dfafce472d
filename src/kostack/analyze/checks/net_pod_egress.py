"""net-pod-egress: pods reach addresses outside the cluster."""

from __future__ import annotations

from kostack.analyze.checks._flows import blocked_text, cause_of, evidence_of, flow_line
from kostack.analyze.checks.base import CheckContext, class_ports, cluster_resource, missing
from kostack.analyze.findings import Finding, Remedy, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.reach import Disposition
from kostack.analyze.topology import NodeView

ID = "net-pod-egress"
TITLE = "Pods reach addresses outside the cluster"
SEVERITY = Severity.HIGH
NEEDS = ("openstack.routers", "cluster.nodes", "cluster.cni", "node_ports")

register(
    {
        f"{ID}.fail": {
            "en": "Pod traffic from {nodes} to {target} (outside the cluster) fails: {why}.",
            "ko": "{nodes}에서 클러스터 외부({target})로 가는 Pod 트래픽이 실패합니다: {why}.",
        },
        f"{ID}.unknown": {
            "en": "Pod traffic from {nodes} to {target} (outside the cluster) cannot be decided: {why}.",
            "ko": "{nodes}에서 클러스터 외부({target})로 가는 Pod 트래픽을 판단할 수 없습니다: {why}.",
        },
        f"{ID}.pass": {
            "en": "Pods on every node class reach {target}.",
            "ko": "모든 노드 유형의 Pod가 {target}에 도달합니다.",
        },
        f"{ID}.route-reason": {
            "en": "route replies for {node}'s pods ({block}) back to {node}",
            "ko": "{node}의 Pod({block})로 가는 응답을 {node}로 라우팅",
        },
        f"{ID}.route-note": {
            "en": "alternative: enable natOutgoing on the IP pool so pods leave with the node address",
            "ko": "대안: IP 풀의 natOutgoing을 켜서 Pod 트래픽이 노드 주소로 나가게 함",
        },
    }
)


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    target = ctx.matrix.egress_target
    out: list[Finding] = []
    for cls, r in ctx.matrix.egress:
        if r.verdict == Disposition.ACCEPTED:
            continue
        status = Status.UNKNOWN if r.verdict == Disposition.UNKNOWN else Status.FAIL
        hop = r.blocking
        remedies: tuple[Remedy, ...] = ()
        if hop is not None and hop.cause == "router-no-route-back":
            remedies = _route_remedies(ctx, cls.members)
        out.append(
            Finding(
                ID,
                status,
                SEVERITY,
                cluster_resource(ctx),
                Msg(
                    f"{ID}.fail" if status == Status.FAIL else f"{ID}.unknown",
                    nodes=cls.label(),
                    target=target,
                    why=blocked_text(r),
                ),
                evidence_of(r),
                remedies,
                flows=(flow_line(r),),
                cause=cause_of(r),
                affected=class_ports(ctx, cls),
                counts=(("nodes", cls.size),),
            )
        )
    return out or [
        Finding(
            ID,
            Status.PASS,
            SEVERITY,
            cluster_resource(ctx),
            Msg(f"{ID}.pass", target=target),
        )
    ]


def _route_remedies(ctx: CheckContext, members: tuple[NodeView, ...]) -> tuple[Remedy, ...]:
    out = []
    for v in members:
        if v.subnet is None or v.ip is None:
            continue
        router = ctx.topo.router_for_subnet(v.subnet.id)
        if router is None:
            continue
        for block in v.blocks:
            out.append(
                Remedy(
                    "add-router-route",
                    "router",
                    router.id,
                    router.name,
                    (("destination", str(block)), ("nexthop", str(v.ip))),
                    Msg(f"{ID}.route-reason", node=v.name, block=block),
                    "router-no-route-back",
                    Msg(f"{ID}.route-note"),
                )
            )
    return tuple(out)
