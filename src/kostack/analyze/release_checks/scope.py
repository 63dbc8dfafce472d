"""Whether a root cause that breaks pod traffic touches a release's pods.

Most such causes break the traffic of every pod (the MTU, the pod range). A few break only
some pods: Kube-OVN underlay addresses that Neutron ports hold break the pods that draw them
(Kind.SOME_ADDRESSES, the findings' extra "pod_spans"); a node's Neutron port that is down or
unbound, a port whose allowed address pairs leave its pods out (antispoof), a calico-node on an
address that is not its node's (calico-address) and a security group that drops node traffic
of some nodes (sg-node) break the pods on those nodes (Kind.SOME_NODES: the findings' extra
"pod_nodes", else their `nodes`; a pod-to-pod flow breaks only when one of its ends is there).
A finding's extra "undecided_nodes" names the nodes its check could not judge: a pod there may
be broken too. Such a cause is a release's cause only when a pod of the failing part, or of
what it reaches, is among them; when a pod's address or node is not known, neither is the
answer. Linear: each pod is one binary search in the cause's spans, or one set lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from kostack.analyze.checks._facts import cidrs_label, nodes_label
from kostack.analyze.checks._spans import NamespaceRanges, Span, holds, merged, span_text, within
from kostack.analyze.checks.base import Kind
from kostack.analyze.diagnose import RootCause, declared
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import KubeOvn, WorkloadPod

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
        "chain.scope.undecided-on": {
            "en": "the root cause ({root}) breaks only the pods {where}; {pods} {n:runs/run} on "
            "{nodes}, which its check could not judge, so whether it is this release's cause is "
            "not known",
            "ko": "근본 원인({root})은 {where} Pod만 망가뜨리는데, 점검이 판단하지 못한 {nodes}에서 "
            "{pods}(Pod {n}개) 실행 중이므로 이 릴리스의 원인인지 알 수 없습니다",
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


def _nodes(root: RootCause) -> tuple[frozenset[str], frozenset[str]] | None:
    """The nodes whose pods the cause breaks (its findings' pod_nodes, else their nodes) and
    those its checks could not judge; None when a finding names no node (kostack does not know
    which pods: every pod, as for a cause that breaks every pod's traffic)."""
    broken: set[str] = set()
    doubt: set[str] = set()
    for f in root.findings:
        named = f.extra.get("pod_nodes") or f.nodes
        if not named:
            return None
        broken.update(named)
        doubt.update(f.extra.get("undecided_nodes", ()))
    return frozenset(broken), frozenset(doubt - broken)


def touches(root: RootCause, pods: Sequence[WorkloadPod], kube_ovn: KubeOvn | None = None) -> Touch:
    """ "yes" when the cause breaks one of ``pods`` (a cluster-wide cause always does, and so
    does a scoped one whose findings do not say which pods), "no" when every pod's address
    or node is known and none is among those it breaks, "unknown" otherwise. A pod without an
    address is known to be apart from the addresses a cause names when none of what it draws
    from Kube-OVN (its own annotations, else its namespace's IPPools and Subnets: ``kube_ovn``)
    is among them."""
    if root.key in AT_ADDRESSES and (spans := _spans(root)):
        known = [p for p in pods if p.ip is not None]
        if any(holds(spans.get(p.ip.version, []), int(p.ip)) for p in known if p.ip):
            return "yes"
        if len(known) < len(pods):  # by their own Kube-OVN annotations, or their namespace
            drawn = NamespaceRanges(kube_ovn)
            known += [
                p for p in pods if p.ip is None and _apart(spans, drawn.of(p.namespace, p.kube_ovn))
            ]
    elif root.key in ON_NODES and (scoped := _nodes(root)) is not None:
        nodes, doubt = scoped
        if any(p.node in nodes for p in pods if p.node):
            return "yes"
        known = [p for p in pods if p.node and p.node not in doubt]
    else:
        return "yes"
    return "unknown" if len(known) < len(pods) or not pods else "no"


def _apart(spans: dict[int, list[Span]], drawn: dict[int, list[Span]] | None) -> bool:
    """Whether none of the ``drawn`` addresses is in ``spans`` (False when not known)."""
    if drawn is None:
        return False
    return not any(within(spans.get(v, []), lo, hi) for v, ss in drawn.items() for lo, hi in ss)


def doubted(root: RootCause, pods: Sequence[WorkloadPod]) -> tuple[list[WorkloadPod], list[str]]:
    """The pods on nodes the cause's checks could not judge, and those nodes (sorted)."""
    scoped = _nodes(root) if root.key in ON_NODES else None
    if scoped is None:
        return [], []
    on = [p for p in pods if p.node and p.node in scoped[1]]
    return on, sorted({p.node for p in on if p.node})


def where(root: RootCause) -> str:
    """ "at 10.0.0.150, 10.0.0.201" or "on nodes a, b": which pods the cause breaks, bounded."""
    if root.key in AT_ADDRESSES:
        spans = _spans(root)
        texts = [span_text(s, v) for v, ss in sorted(spans.items()) for s in ss]
        return Msg("chain.scope.at", addresses=cidrs_label(texts))
    scoped = _nodes(root)
    return Msg("chain.scope.on", nodes=nodes_label(sorted(scoped[0]) if scoped else []))


def pods_text(pods: Sequence[WorkloadPod]) -> str:
    """The pods' names, at most SHOWN of them."""
    names = ", ".join(p.name for p in pods[:SHOWN])
    if len(pods) > SHOWN:
        return Msg("chain.scope.more", shown=names, more=len(pods) - SHOWN)
    return names


def note(rc: RootCause, root: str, touch: Touch, pods: Sequence[WorkloadPod]) -> Msg:
    """Why a cause that breaks only some pods (titled ``root``) spares ``pods``, or why that
    is not known: a pod without address or node, or on a node its checks could not judge."""
    at = where(rc)
    if touch == "no":
        return Msg("chain.scope.spared", root=root, where=at, pods=pods_text(pods))
    on, nodes = doubted(rc, pods)
    if on:
        return Msg(
            "chain.scope.undecided-on",
            root=root,
            where=at,
            pods=pods_text(on),
            n=len(on),
            nodes=nodes_label(nodes),
        )
    unknown = [p for p in pods if p.ip is None or not p.node]
    return Msg(
        "chain.scope.undecided", root=root, where=at, pods=pods_text(unknown), n=len(unknown)
    )
