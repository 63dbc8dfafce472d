"""Whether a root cause that breaks pod traffic touches a release's pods.

Most such causes break the traffic of every pod (a security group, the MTU, the pod range). A
few break only some pods: Kube-OVN underlay addresses that Neutron ports hold break the pods
that draw them (Kind.SOME_ADDRESSES, the findings' extra "pod_spans"), a node's Neutron port
that is down or unbound cuts off the pods on that node (Kind.SOME_NODES, the findings'
`nodes`). Such a cause is a release's cause only when a pod of the failing part, or of what it
reaches, is among them; when a pod's address or node is not known, neither is the answer.
Linear: each pod is one binary search in the cause's spans, or one set lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from kostack.analyze.checks._facts import cidrs_label, nodes_label
from kostack.analyze.checks._spans import Span, holds, merged, span_text
from kostack.analyze.checks.base import Kind
from kostack.analyze.diagnose import RootCause, declared
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import WorkloadPod

# the causes that break only the pods at the addresses, or on the nodes, their findings name
AT_ADDRESSES = declared(Kind.SOME_ADDRESSES)
ON_NODES = declared(Kind.SOME_NODES)
SHOWN = 4

Touch = Literal["yes", "no", "unknown"]

register(
    {
        "chain.scope.spared": {
            "en": "the root cause ({root}) breaks only the pods {where}: none of {pods} is "
            "among them, so it is not this release's cause",
            "ko": "근본 원인({root})은 {where} Pod만 망가뜨립니다: {pods} 중 그런 Pod가 없으므로 "
            "이 릴리스의 원인이 아닙니다",
        },
        "chain.scope.undecided": {
            "en": "the root cause ({root}) breaks only the pods {where}; {pods} {n:has/have} "
            "no address or node in the snapshot, so whether it is this release's cause is not "
            "known",
            "ko": "근본 원인({root})은 {where} Pod만 망가뜨리는데, {pods}(Pod {n}개)의 주소나 "
            "노드가 스냅샷에 없어 이 릴리스의 원인인지 알 수 없습니다",
        },
        "chain.scope.at": {"en": "at {addresses}", "ko": "주소 {addresses}의"},
        "chain.scope.on": {"en": "on {nodes}", "ko": "{nodes}의"},
        "chain.scope.more": {"en": "{shown} and {more} more", "ko": "{shown} 외 {more}개"},
    }
)


def _spans(root: RootCause) -> dict[int, list[Span]]:
    """The addresses of the pods the cause breaks, by IP version (its findings' pod_spans)."""
    raw: dict[int, list[Span]] = {4: [], 6: []}
    for f in root.findings:
        for version, lo, hi in f.extra.get("pod_spans", ()):
            raw.setdefault(version, []).append((lo, hi))
    return {v: merged(spans) for v, spans in raw.items() if spans}


def _nodes(root: RootCause) -> frozenset[str]:
    return frozenset(n for f in root.findings for n in f.nodes)


def touches(root: RootCause, pods: Sequence[WorkloadPod]) -> Touch:
    """ "yes" when the cause breaks one of ``pods`` (a cluster-wide cause always does, and so
    does a scoped one whose findings do not say which pods), "no" when every pod's address
    or node is known and none is among those it breaks, "unknown" otherwise."""
    if root.key in AT_ADDRESSES and (spans := _spans(root)):
        known = [p for p in pods if p.ip is not None]
        if any(holds(spans.get(p.ip.version, []), int(p.ip)) for p in known if p.ip):
            return "yes"
    elif root.key in ON_NODES and (nodes := _nodes(root)):
        known = [p for p in pods if p.node]
        if any(p.node in nodes for p in known):
            return "yes"
    else:
        return "yes"
    return "unknown" if len(known) < len(pods) or not pods else "no"


def where(root: RootCause) -> str:
    """ "at 10.0.0.150, 10.0.0.201" or "on nodes a, b": which pods the cause breaks, bounded."""
    if root.key in AT_ADDRESSES:
        spans = _spans(root)
        texts = [span_text(s, v) for v, ss in sorted(spans.items()) for s in ss]
        return Msg("chain.scope.at", addresses=cidrs_label(texts))
    return Msg("chain.scope.on", nodes=nodes_label(sorted(_nodes(root))))


def pods_text(pods: Sequence[WorkloadPod]) -> str:
    """The pods' names, at most SHOWN of them."""
    names = ", ".join(p.name for p in pods[:SHOWN])
    if len(pods) > SHOWN:
        return Msg("chain.scope.more", shown=names, more=len(pods) - SHOWN)
    return names
