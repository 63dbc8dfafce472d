"""net-pod-egress: pods reach addresses outside the cluster."""

from __future__ import annotations

from typing import Final

from kostack.analyze.checks._facts import FactView, evidence_of, hop_text
from kostack.analyze.checks.base import (
    CheckContext,
    Kind,
    Role,
    Says,
    view_ports,
    when_collected,
    when_pod_addresses,
)
from kostack.analyze.engine.family_records import FamilyResult
from kostack.analyze.findings import ROUTE_OP, Finding, Remedy, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import NodeView
from kostack.model.snapshot import IPAddress

ID = "net-pod-egress"
TITLE = "Pods reach addresses outside the cluster"
SEVERITY = Severity.HIGH
SAY = Says(ID, SEVERITY)
NEEDS = ("openstack.routers", "cluster.nodes", "cluster.cni", "node_ports")
REMEDIES: frozenset[str] = frozenset({ROUTE_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "sg-outside": Kind.ROOT | Kind.PORT | Kind.ADDRESS | Kind.SG_LESSON,
    "router-no-route-back": Kind.ROOT | Kind.ADDRESS | Kind.ROUTES_LESSON,
    "ipv6-egress-no-nat": Kind.ROOT | Kind.ADDRESS | Kind.ROUTES_LESSON,
    "router-wrong-route": Kind.ROOT | Kind.ADDRESS | Kind.ROUTES_LESSON,
    "no-router": Kind.ROOT | Kind.ROUTES_LESSON,
}
ROLE: Final = Role.SYMPTOM | Role.READS_ADDRESSES
CRITICAL_PATH: Final = "egress"

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
            "en": "Pods on every node reach {target}.",
            "ko": "모든 노드의 Pod가 {target}에 도달합니다.",
        },
        f"{ID}.family": {"en": "{family}: {message}", "ko": "{family}: {message}"},
        f"{ID}.v6-fix": {
            "en": "{message} Either masquerade pods' IPv6 traffic on the nodes (Calico: natOutgoing "
            "true on the IPv6 IP pool; Cilium: enable-ipv6-masquerade; flannel: ipMasq), or route "
            "each node's IPv6 pod block to it on the router, which helps only when the pod "
            "addresses are global.",
            "ko": "{message} 노드에서 Pod의 IPv6 트래픽을 마스커레이드하거나(Calico: IPv6 IP 풀의 natOutgoing "
            "true, Cilium: enable-ipv6-masquerade, flannel: ipMasq), 라우터에서 각 노드의 IPv6 Pod 블록을 "
            "그 노드로 라우팅하십시오. 후자는 Pod 주소가 전역 주소일 때만 효과가 있습니다.",
        },
        f"{ID}.route-reason": {
            "en": "route replies for {node}'s pods ({block}) back to {node}",
            "ko": "{node}의 Pod({block})로 가는 응답을 {node:으로/로} 라우팅",
        },
        f"{ID}.route-note": {
            "en": "alternative: enable natOutgoing on the IP pool so pods leave with the node address",
            "ko": "대안: IP 풀의 natOutgoing을 켜서 Pod 트래픽이 노드 주소로 나가게 함",
        },
    }
)


@when_collected(ID, SEVERITY, NEEDS)
@when_pod_addresses(ID, SEVERITY)
def run(ctx: CheckContext) -> list[Finding]:
    versions = ctx.flows.versions
    if len(versions) < 2:  # single stack: the primary family, as it always was
        out = _run_family(ctx, ctx.flows.egress, ctx.flows.egress_target, None)
        target: object = ctx.flows.egress_target
    else:  # each family leaves its own way (a Neutron router NATs IPv4 only)
        out = []
        targets = [ctx.flows.outside_of(v) for v in versions]
        for v, t in zip(versions, targets, strict=True):
            out += _run_family(ctx, ctx.flows.egress_of(v), t, v)
        target = ", ".join(str(t) for t in targets)
    return out or [SAY.cluster(ctx, Status.PASS, Msg(f"{ID}.pass", target=target))]


def _run_family(
    ctx: CheckContext, result: FamilyResult, target: IPAddress, version: int | None
) -> list[Finding]:
    """One family's findings (``version`` None: single stack, said without a family)."""
    out: list[Finding] = []
    for fact in result.facts[ctx.world]:
        fv = FactView(ctx, result, fact)
        status = fv.status
        # a node once, though it has a pod per IP pool (flows.py `pods_on`)
        views = list({e.name: e.view for e in fv.sources if e.view is not None}.values())
        remedies: tuple[Remedy, ...] = ()
        if fv.cause == "router-no-route-back":
            remedies = _route_remedies(ctx, views, version)
        key = f"{ID}.fail" if status == Status.FAIL else f"{ID}.unknown"
        msg = Msg(key, nodes=fv.src_label(), target=target, why=hop_text(fv.hop))
        if version is not None:
            msg = Msg(f"{ID}.family", family=f"IPv{version}", message=msg)
        if fv.cause == "ipv6-egress-no-nat":
            msg = Msg(f"{ID}.v6-fix", message=msg)
        out.append(
            SAY.cluster(
                ctx,
                status,
                msg,
                evidence_of(fv.hop),
                remedies,
                flows=fv.flows(),
                cause=fv.cause,
                affected=view_ports(ctx, views),
                counts=(("nodes", len(views)),),
                nodes=tuple(v.name for v in views),
                key=fv.key() if version is None else (version, *fv.key()),
            )
        )
    return out


def _route_remedies(
    ctx: CheckContext, members: list[NodeView], version: int | None
) -> tuple[Remedy, ...]:
    """A route back per pod block of the failing family (all blocks: single stack), via the
    node's address of that block's family (a route's next hop is of its destination's family)."""
    out = []
    for v in members:
        if v.subnet is None or v.ip is None:
            continue
        router = ctx.topo.router_for_subnet(v.subnet.id)
        if router is None:
            continue
        for block in v.blocks:
            via = v.ip_of(block.version)
            if via is None or (version is not None and block.version != version):
                continue
            out.append(
                Remedy(
                    "add-router-route",
                    "router",
                    router.id,
                    router.name,
                    (("destination", str(block)), ("nexthop", str(via))),
                    Msg(f"{ID}.route-reason", node=v.name, block=block),
                    "router-no-route-back",
                    Msg(f"{ID}.route-note"),
                )
            )
    return tuple(out)
