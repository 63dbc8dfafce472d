"""net-cidr-overlap, for a pod range against a service CIDR or a node subnet: the finding,
actual (critical) or latent (a warning that says when it bites). See analyze/pod_overlap.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from kostack.analyze.checks.base import CheckContext, Says
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.pod_overlap import PodOverlap

ID = "net-cidr-overlap"
LATENT = "cidr-overlap-latent"

register(
    {
        f"{ID}.in-overlap": {"en": "in the overlap: {blocks}", "ko": "겹치는 범위 안: {blocks}"},
        f"{ID}.first-in-overlap": {
            "en": "first block in the overlap={block}",
            "ko": "겹치는 범위의 첫 블록={block}",
        },
        f"{ID}.pod-actual": {
            "en": "The pod range {pool} overlaps the {others}, and node ranges in the overlap are "
            "handed out already ({blocks}): pods there get addresses that are routed to the wrong "
            "place.",
            "ko": "Pod 대역({pool})이 {others} 대역과 겹치고, 겹치는 부분의 노드 대역이 이미 할당되어 "
            "있습니다({blocks}): 그 Pod들의 주소는 엉뚱한 곳으로 라우팅됩니다.",
        },
        f"{ID}.pod-unknown-use": {
            "en": "The pod range {pool} overlaps the {others}; whether nodes already have ranges in "
            "the overlap is not known (the CNI's per-node ranges were not collected).",
            "ko": "Pod 대역({pool})이 {others} 대역과 겹칩니다. 겹치는 부분에 이미 노드 대역이 "
            "할당되었는지는 알 수 없습니다(CNI의 노드별 대역을 수집하지 못함).",
        },
        f"{ID}.pod-latent-sequential": {
            "en": "The pod range {pool} overlaps the {others}, but no node has a range in the overlap "
            "yet ({allocated} handed out, in order from the start of the pool). It bites when "
            "allocation reaches {bites_at}, after {blocks_left} more node ranges.",
            "ko": "Pod 대역({pool})이 {others} 대역과 겹치지만 아직 겹치는 부분에 할당된 노드 대역은 "
            "없습니다(대역 시작부터 순서대로 {allocated}개 할당). 할당이 {bites_at} 블록에 이르면, 즉 "
            "노드 대역을 {blocks_left}개 더 나눠 준 뒤부터 문제가 됩니다.",
        },
        f"{ID}.pod-latent-random": {
            "en": "The pod range {pool} overlaps the {others}; no block is in the overlap yet, but "
            "Calico claims blocks at random places in the pool, so any new block can land there.",
            "ko": "Pod 대역({pool})이 {others} 대역과 겹칩니다. 아직 겹치는 부분에 블록은 없지만 "
            "Calico는 대역 안의 임의 위치에서 블록을 가져오므로 새 블록은 언제든 그곳에 놓일 수 "
            "있습니다.",
        },
        f"{ID}.pod-latent": {
            "en": "The pod range {pool} overlaps the {others}; no node range is in the overlap yet, "
            "and it bites once the CNI hands one out there.",
            "ko": "Pod 대역({pool})이 {others} 대역과 겹칩니다. 아직 겹치는 부분에 노드 대역은 "
            "없으며, CNI가 그곳의 대역을 할당하는 순간부터 문제가 됩니다.",
        },
    }
)


Verdict = Literal["unknown", "actual", "sequential", "random", "latent"]
SHOWN_BLOCKS = 4  # node ranges named in an actual overlap's message; the rest are counted


def verdict_of(overlap: PodOverlap) -> Verdict:
    """Which message an overlap gets: findings of one verdict can be told as one."""
    if overlap.in_use is None:
        return "unknown"
    if overlap.in_use:
        return "actual"
    if overlap.bites_at is not None:
        return "sequential"
    return "random" if overlap.allocator == "random" else "latent"


def pod_overlap_finding(
    ctx: CheckContext,
    overlaps: Sequence[PodOverlap],
    others: object,
    other_evidence: Sequence[str],
    count: int,
) -> Finding:
    """One finding for a pod range against ``count`` other ranges of one verdict.

    ``overlaps`` (one pool, non-empty) are their verdicts, ``others`` a localised label
    of them and ``other_evidence`` their evidence lines (both already bounded).
    """
    first = overlaps[0]
    pool = first.pool
    evidence = [f"pod range={pool}", *other_evidence, f"allocator={first.allocator}"]
    counts = (("ranges", 1 + count),)
    common = {"pool": pool, "others": others}
    verdict = verdict_of(first)
    cause = "cidr-overlap"
    if verdict == "unknown":
        message = Msg(f"{ID}.pod-unknown-use", **common)
        severity = Severity.HIGH
    elif verdict == "actual":
        in_use = list(dict.fromkeys(b for o in overlaps for b in o.in_use or ()))
        shown = ", ".join(f"{b} ({n})" if n else str(b) for n, b in in_use[:SHOWN_BLOCKS])
        if len(in_use) > SHOWN_BLOCKS:
            shown += f" +{len(in_use) - SHOWN_BLOCKS}"
        evidence.append(Msg(f"{ID}.in-overlap", blocks=shown))
        message = Msg(f"{ID}.pod-actual", blocks=shown, **common)
        severity = Severity.CRITICAL
    else:
        cause = LATENT
        evidence.append(f"allocated={first.allocated}")
        if verdict == "sequential":
            # the overlap allocation reaches first is the one that bites first
            soonest = min(overlaps, key=lambda o: o.blocks_left or 0)
            evidence.append(Msg(f"{ID}.first-in-overlap", block=soonest.bites_at))
            message = Msg(
                f"{ID}.pod-latent-sequential",
                allocated=soonest.allocated,
                bites_at=soonest.bites_at,
                blocks_left=soonest.blocks_left,
                **common,
            )
            severity = Severity.MEDIUM
        elif verdict == "random":
            message = Msg(f"{ID}.pod-latent-random", **common)
            severity = Severity.HIGH
        else:
            message = Msg(f"{ID}.pod-latent", **common)
            severity = Severity.MEDIUM
    return Says(ID, severity).cluster(
        ctx, Status.FAIL, message, tuple(evidence), cause=cause, counts=counts
    )
