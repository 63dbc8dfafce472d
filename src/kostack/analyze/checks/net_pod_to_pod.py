"""net-pod-to-pod: pods reach pods on every other node (every node pair, judged by classes)."""

from __future__ import annotations

from typing import Final

from kostack.analyze.checks._facts import FactView, evidence_of, hop_text
from kostack.analyze.checks._native_routes import EXTRA, native_routes, with_why
from kostack.analyze.checks.base import (
    CheckContext,
    Kind,
    Role,
    Says,
    when_collected,
    when_pod_addresses,
)
from kostack.analyze.engine import kubeovn
from kostack.analyze.engine.family_records import FamilyResult
from kostack.analyze.findings import ROUTE_OP, Finding, Severity, Status
from kostack.analyze.messages import Msg, register

ID = "net-pod-to-pod"
TITLE = "Pods reach pods on every other node"
SEVERITY = Severity.CRITICAL
SAY = Says(ID, SEVERITY)
NEEDS = ("cluster.nodes", "cluster.cni")
REMEDIES: frozenset[str] = frozenset({ROUTE_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "native-cross-subnet": Kind.ROOT | Kind.ADDRESS | Kind.ROUTES_LESSON | Kind.POD_TRAFFIC,
    "antrea-gre-ipv6": Kind.ROOT | Kind.POD_TRAFFIC,
    "bgp-no-peer": Kind.ROOT | Kind.POD_TRAFFIC,
}
ROLE: Final = Role.SYMPTOM | Role.READS_ADDRESSES
CRITICAL_PATH: Final = "pod-to-pod"

register(
    {
        f"{ID}.too-few": {
            "en": "Fewer than two nodes with pod address blocks: no cross-node pod traffic to judge.",
            "ko": "Pod 주소 블록이 있는 노드가 두 대 미만이라 노드 간 Pod 트래픽을 판단할 수 없습니다.",
        },
        f"{ID}.fail": {
            "en": "Pod-to-pod traffic from {src} to {dst} fails ({n} of {total} node pairs): {why}.",
            "ko": "{src}에서 {dst:으로/로} 가는 Pod 간 트래픽이 실패합니다 (노드 쌍 {total}개 중 {n}개): {why}.",
        },
        f"{ID}.unknown": {
            "en": "Pod-to-pod traffic from {src} to {dst} cannot be decided ({n} of {total} node pairs): {why}.",
            "ko": "{src}에서 {dst:으로/로} 가는 Pod 간 트래픽을 판단할 수 없습니다 (노드 쌍 {total}개 중 {n}개): {why}.",
        },
        f"{ID}.fail-pools": {
            "en": "Pod-to-pod traffic from {src} to {dst} fails for {pods} ({n} "
            "of {total} pod pairs, one pod per node and IP pool): {why}.",
            "ko": "{src}에서 {dst:으로/로} 가는 {pods} 간 트래픽이 실패합니다 (노드와 IP 풀마다 "
            "Pod 하나씩 잡은 Pod 쌍 {total}개 중 {n}개): {why}.",
        },
        f"{ID}.unknown-pools": {
            "en": "Pod-to-pod traffic from {src} to {dst} cannot be decided for {pods} "
            "({n} of {total} pod pairs, one pod per node and IP pool): {why}.",
            "ko": "{src}에서 {dst:으로/로} 가는 {pods} 간 트래픽을 판단할 수 없습니다 (노드와 IP "
            "풀마다 Pod 하나씩 잡은 Pod 쌍 {total}개 중 {n}개): {why}.",
        },
        f"{ID}.kube-ovn-mixed": {
            "en": "Pod-to-pod traffic between the pods of Kube-OVN underlay Subnet {under} and "
            "those of overlay {over} cannot be decided: {why}.",
            "ko": "Kube-OVN 언더레이 Subnet {under}의 Pod와 오버레이 {over}의 Pod 사이 트래픽을 "
            "판단할 수 없습니다: {why}.",
        },
        f"{ID}.family": {"en": "{family}: {message}", "ko": "{family}: {message}"},
        f"{ID}.pass": {
            "en": "Pod-to-pod traffic works across all {total} node pairs ({classes} situations traced).",
            "ko": "노드 쌍 {total}개 모두에서 Pod 간 트래픽이 정상입니다 (상황 {classes}가지 추적).",
        },
    }
)


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    if len(ctx.topo.node_views) < 2:  # one node: nothing crosses, pod addresses or not
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.too-few"))]
    return _across(ctx)


@when_pod_addresses(ID, SEVERITY)
def _across(ctx: CheckContext) -> list[Finding]:
    result = ctx.flows.pod_to_pod
    total = ctx.flows.node_pairs
    if result.total == 0:
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.too-few"))]
    out = _family_findings(ctx, result, total, None)
    for version in ctx.flows.versions[1:]:  # dual stack: each family is its own path
        out += _family_findings(ctx, ctx.flows.pod_to_pod_of(version), total, version)
    out += _kube_ovn_mixed(ctx)
    if out:
        return out
    return [SAY.cluster(ctx, Status.PASS, Msg(f"{ID}.pass", total=total, classes=result.traced))]


def _family_findings(
    ctx: CheckContext, result: FamilyResult, total: int, version: int | None
) -> list[Finding]:
    """One family's failing or undecided class pairs (``version`` None: the primary family,
    said without it)."""
    out: list[Finding] = []
    # several Calico pools: a pod per node and pool (flows.py `pods_on`), so pairs are pod pairs
    several = bool(ctx.flows.multi_pool_versions)
    for fact in result.facts[ctx.world]:
        fv = FactView(ctx, result, fact)
        status = fv.status
        verdict = "fail" if status == Status.FAIL else "unknown"
        params = dict(src=fv.src_label(), dst=fv.dst_label(), n=fact.pairs, why=hop_text(fv.hop))
        if several:
            msg = Msg(f"{ID}.{verdict}-pools", **params, total=result.total, pods=fv.pods_label())
        else:
            msg = Msg(f"{ID}.{verdict}", **params, total=total)
        counts = (("node_pairs", fact.pairs), ("node_pairs_total", total))
        if several:
            counts = (("pod_pairs", fact.pairs), ("pod_pairs_total", result.total))
        if version is not None:
            msg = Msg(f"{ID}.family", family=f"IPv{version}", message=msg)
        # unencapsulated across subnets: the router's routes to the targets' pods
        routes, unrouted = native_routes(fv)
        out.append(
            SAY.cluster(
                ctx,
                status,
                with_why(msg, unrouted),
                evidence_of(fv.hop),
                routes,
                flows=fv.flows(),
                cause=fv.cause,
                affected=fv.affected(),
                counts=counts,
                nodes=tuple(fv.side_names()),
                key=_key(fv, version, several),
                extra={EXTRA: unrouted},
            )
        )
    return out


def _kube_ovn_mixed(ctx: CheckContext) -> list[Finding]:
    """UNKNOWN for each Kube-OVN underlay Subnet whose pods meet overlay pods (one pod per node
    is traced, so their traffic would otherwise pass unjudged): docs/facts.md "Kube-OVN"."""
    out = []
    for under, over in kubeovn.mixed(ctx.topo):
        key = "hop.kube-ovn-u2o" if under.u2o_interconnection else "hop.kube-ovn-u2o-off"
        names = ", ".join(over)
        why = Msg(key, under=under.name, over=names)
        msg = Msg(f"{ID}.kube-ovn-mixed", under=under.name, over=names, why=why)
        evidence = (
            f"Subnet {under.name} vlan {under.vlan} u2oInterconnection "
            f"{str(under.u2o_interconnection).lower()}",
        )
        out.append(
            SAY.cluster(ctx, Status.UNKNOWN, msg, evidence, key=("kube-ovn-mixed", under.name))
        )
    return out


def _key(fv: FactView, version: int | None, several: bool) -> tuple[object, ...]:
    """The finding's identity across worlds: with several pools, the pools it is about too."""
    key = fv.key() if version is None else (version, *fv.key())
    return (*key, fv.pods_label()) if several else key
