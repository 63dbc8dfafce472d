"""net-sg-pod-source-ingress: security groups admit pod-sourced packets between nodes.

Evaluated as if every node port already had an allowed pair for the pod CIDR
(that is net-pod-src-antispoof's business): the question here is whether the
destination's security groups then admit packets whose source is a pod. Under
ML2/OVS a remote-group rule matches the members' allowed pairs; under ML2/OVN
it matches only their fixed IPs, so pods need a rule with the pod CIDR as
remote prefix (docs/facts.md section 2).
"""

from __future__ import annotations

from typing import Final

from kostack.analyze.checks._facts import FactView
from kostack.analyze.checks._sg import NODE_SG_NEEDS, rule_remedies
from kostack.analyze.checks.base import (
    CheckContext,
    Kind,
    Role,
    Says,
    when_collected,
    when_pod_addresses,
)
from kostack.analyze.engine.family_records import FamilyResult
from kostack.analyze.findings import RULE_OP, Finding, Remedy, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import IPNetwork

ID = "net-sg-pod-source-ingress"
TITLE = "Security groups admit pod-sourced packets between nodes"
SEVERITY = Severity.CRITICAL
SAY = Says(ID, SEVERITY)
NEEDS = NODE_SG_NEEDS
REMEDIES: frozenset[str] = frozenset({RULE_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "sg-pod-source": Kind.ROOT | Kind.PORT | Kind.ADDRESS | Kind.SG_LESSON | Kind.POD_TRAFFIC
}
ROLE: Final = Role.READS_ADDRESSES
CAUSE = "sg-pod-source"

_OVN_NOTE_EN = (
    " Under ML2/OVN a remote-group rule matches only the members' fixed IPs, not their allowed "
    "address pairs, so pod sources need a rule with the pod CIDR as remote prefix."
)
_OVN_NOTE_KO = (
    " ML2/OVN에서는 원격 그룹(remote group) 규칙이 멤버 포트의 고정 IP만 매칭하고 Allowed Address Pair는 "
    "매칭하지 않으므로, Pod 출발 트래픽에는 Pod CIDR를 remote prefix로 둔 규칙이 필요합니다."
)
register(
    {
        f"{ID}.reason": {
            "en": "admit pod-sourced packets from {cidr} between the cluster's nodes",
            "ko": "클러스터 노드 간 {cidr} 출발 Pod 패킷 허용",
        },
        f"{ID}.fail": {
            "en": "Even with allowed pairs for the pod CIDR, security groups drop pod-sourced packets from "
            "{src} to {dst} at {where} (Neutron backend: {backend}): {detail}.{note}",
            "ko": "Pod CIDR에 대한 Allowed Address Pair가 있어도, 보안 그룹이 {src}에서 {dst:으로/로} 가는 Pod 출발 "
            "패킷을 {where}에서 차단합니다 (Neutron 백엔드: {backend}): {detail}.{note}",
        },
        f"{ID}.unknown": {
            "en": "Even with allowed pairs for the pod CIDR, security groups may drop pod-sourced packets "
            "from {src} to {dst} at {where} (Neutron backend: {backend}): {detail}.{note}",
            "ko": "Pod CIDR에 대한 Allowed Address Pair가 있어도, 보안 그룹이 {src}에서 {dst:으로/로} 가는 Pod 출발 "
            "패킷을 {where}에서 차단할 수 있습니다 (Neutron 백엔드: {backend}): {detail}.{note}",
        },
        f"{ID}.ovn-note": {"en": _OVN_NOTE_EN, "ko": _OVN_NOTE_KO},
        f"{ID}.flow": {
            "en": "{src} -> {dst}: pod -> pod, {n} node {n:pair/pairs}",
            "ko": "{src} -> {dst}: Pod -> Pod, 노드 쌍 {n}개",
        },
        f"{ID}.flow-pools": {
            "en": "{src} -> {dst}: pod -> pod, {n} pod {n:pair/pairs} (one pod per node and IP "
            "pool)",
            "ko": "{src} -> {dst}: Pod -> Pod, Pod 쌍 {n}개 (노드와 IP 풀마다 Pod 하나씩)",
        },
        f"{ID}.na": {
            "en": "No pod-sourced packets cross the tenant network unencapsulated, so no pod-source rule is needed.",
            "ko": "캡슐화 없이 테넌트 네트워크를 지나는 Pod 출발 패킷이 없으므로 Pod 출발 규칙이 필요 없습니다.",
        },
        f"{ID}.pass": {
            "en": "Security groups admit pod-sourced packets between nodes ({n} node pairs sent "
            "natively).",
            "ko": "보안 그룹이 노드 간 Pod 출발 패킷을 허용합니다 (캡슐화 없이 보내는 노드 쌍 {n}개).",
        },
        f"{ID}.pass-pools": {
            "en": "Security groups admit pod-sourced packets between nodes ({n} pod pairs sent "
            "natively, one pod per node and IP pool).",
            "ko": "보안 그룹이 노드 간 Pod 출발 패킷을 허용합니다 (캡슐화 없이 보내는 Pod 쌍 {n}개, 노드와 IP "
            "풀마다 Pod 하나씩).",
        },
        f"{ID}.where-dst": {
            "en": "the ingress rules of their ports",
            "ko": "대상 포트의 ingress 규칙",
        },
        f"{ID}.where-src": {
            "en": "the egress rules of their ports",
            "ko": "출발 포트의 egress 규칙",
        },
        f"{ID}.where-path": {"en": "the tenant network", "ko": "테넌트 네트워크"},
        f"{ID}.family": {"en": "{family}: {message}", "ko": "{family}: {message}"},
    }
)


@when_collected(ID, SEVERITY, NEEDS)
@when_pod_addresses(ID, SEVERITY)
def run(ctx: CheckContext) -> list[Finding]:
    result = ctx.flows.pod_source_hypothesis
    versions = ctx.flows.versions
    if len(versions) < 2:  # single stack: as it always was
        out = _family(ctx, result, None)
    else:  # each family has its own rules (an ethertype matches one family)
        out = []
        for v in versions:
            out += _family(ctx, ctx.flows.pod_source_hypothesis_of(v), v)
    if out:
        return out
    if result.total == 0:
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.na"))]
    several = bool(ctx.flows.multi_pool_versions)  # a pod per node and pool: pod pairs
    return [
        SAY.cluster(
            ctx, Status.PASS, Msg(f"{ID}.pass-pools" if several else f"{ID}.pass", n=result.total)
        )
    ]


def _family(ctx: CheckContext, result: FamilyResult, version: int | None) -> list[Finding]:
    """One family's findings; ``version`` None: single stack (every pod CIDR)."""
    topo = ctx.topo
    cidrs = [c for c in topo.pod_cidrs if version is None or c.version == version]
    several = bool(ctx.flows.multi_pool_versions)  # a pod per node and pool: pod pairs
    out: list[Finding] = []
    for fact in result.facts[ctx.world]:
        fv = FactView(ctx, result, fact)
        status = fv.status
        remedies: tuple[Remedy, ...] = ()
        if status == Status.FAIL and fv.side in ("dst", "src"):
            # an ingress rule on the receivers, or an egress rule on the senders
            ends = fv.targets if fv.side == "dst" else fv.sources
            wanted = _source_pools(ctx, fv, cidrs) if several else cidrs
            remedies = rule_remedies(
                ctx,
                list({e.name: e.view for e in ends if e.view is not None}.values()),
                protocol=None,
                port=None,
                port_max=None,
                reason=Msg(f"{ID}.reason", cidr=", ".join(str(c) for c in wanted)),
                cause=CAUSE,
                description="kostack: pod CIDR",
                remote_prefixes=tuple(str(c) for c in wanted),
                direction="ingress" if fv.side == "dst" else "egress",
            )
        backend = topo.backend or "unknown"
        key = f"{ID}.fail" if status == Status.FAIL else f"{ID}.unknown"
        msg = Msg(
            key,
            src=fv.src_label(),
            dst=fv.dst_label(),
            where=fv.hop.where if len(fv.side_names()) == 1 else Msg(f"{ID}.where-{fv.side}"),
            backend=backend,
            detail=fv.hop.detail,
            # the note explains a drop at the receivers' remote-group rules, where OVN may be
            note=Msg(f"{ID}.ovn-note") if fv.side == "dst" and backend != "ml2/ovs" else "",
        )
        if version is not None:
            msg = Msg(f"{ID}.family", family=f"IPv{version}", message=msg)
        flow = Msg(
            f"{ID}.flow-pools" if several else f"{ID}.flow",
            src=fv.src_label(),
            dst=fv.dst_label(),
            n=fact.pairs,
        )
        out.append(
            fv.finding(
                SAY,
                msg,
                remedies,
                cause=CAUSE,
                counts=((("pod_pairs" if several else "node_pairs"), fact.pairs),),
                key=fv.key() if version is None else (version, *fv.key()),
                flows=(flow,),
            )
        )
    return out


def _source_pools(ctx: CheckContext, fv: FactView, cidrs: list[IPNetwork]) -> list[IPNetwork]:
    """With several Calico pools: the pod ranges of the pools whose pods' packets are dropped
    (another pool's pods may be admitted already); all of ``cidrs`` when none is known."""
    pools = {p.cidr for e in fv.sources if (p := ctx.topo.pool_for(e.ip)) is not None}
    return [c for c in cidrs if c in pools] or cidrs
