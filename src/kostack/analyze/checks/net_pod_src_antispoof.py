"""net-pod-src-antispoof: pod-sourced packets pass Neutron anti-spoofing."""

from __future__ import annotations

from collections import defaultdict

from kostack.analyze.checks.base import (
    CheckContext,
    class_ports,
    missing,
    node_resource,
    port_resource,
)
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.matrix import NodeClass
from kostack.analyze.messages import Msg, register
from kostack.analyze.reach import Disposition, antispoof, encapsulation
from kostack.analyze.remedy import pair_remedy

ID = "net-pod-src-antispoof"
TITLE = "Node ports let pod-sourced packets through Neutron anti-spoofing"
SEVERITY = Severity.CRITICAL
NEEDS = ("openstack.ports", "cluster.nodes", "cluster.cni", "node_ports")
CAUSE = "antispoof"

register(
    {
        f"{ID}.why-p2p": {
            "en": "pod -> pod to {dst}: {how}",
            "ko": "{dst}로 가는 Pod -> Pod 트래픽: {how}",
        },
        f"{ID}.why-reply": {
            "en": "replies from its pods to {dst} leave unencapsulated too",
            "ko": "{dst}로 가는 Pod 응답도 캡슐화 없이 나감",
        },
        f"{ID}.why-egress": {
            "en": "pod -> outside the cluster leaves with the pod source (no masquerade, natOutgoing off)",
            "ko": "클러스터 외부로 가는 Pod 트래픽이 Pod IP를 출발지로 나감 (마스커레이드 없음, natOutgoing 꺼짐)",
        },
        f"{ID}.pass-encap": {
            "en": "Pods on {nodes} never put their own source address on the wire (encapsulated or "
            "masqueraded), so anti-spoofing sees only node addresses.",
            "ko": "{nodes}의 Pod 트래픽은 캡슐화되거나 마스커레이드되어 Pod IP가 네트워크에 나가지 않으므로, "
            "포트 보안은 노드 주소만 봅니다.",
        },
        f"{ID}.fail": {
            "en": "Neutron anti-spoofing on the ports of {nodes} drops packets from their pods (source "
            "{src}): it is neither the port's fixed IP nor inside an allowed address pair, and these "
            "packets leave the VM unencapsulated.",
            "ko": "{nodes} 포트의 Neutron anti-spoofing이 Pod에서 나온 패킷(출발지 {src})을 차단합니다: 이 주소는 "
            "포트의 고정 IP도 Allowed Address Pair에 속한 주소도 아니며, 패킷은 캡슐화 없이 VM을 떠납니다.",
        },
        f"{ID}.pass": {
            "en": "Ports of {nodes} pass their pods' packets: {detail}.",
            "ko": "{nodes}의 포트가 Pod 패킷을 통과시킵니다: {detail}.",
        },
    }
)


def native_senders(ctx: CheckContext) -> tuple[dict[int, list[str]], dict[int, str]]:
    """Node classes (by index) that put pod source addresses on the wire, with the reasons."""
    m = ctx.matrix
    why: dict[int, list[str]] = defaultdict(list)
    unknown: dict[int, str] = {}
    classes = m.classes
    for ai, a in enumerate(classes):
        for bi, b in enumerate(classes):
            if a is b and a.size < 2:
                continue
            dst_v = b.members[1] if a is b else b.rep
            dst_pod = m.pod_on(dst_v)
            if dst_pod is None or dst_pod.ip is None:
                continue
            decision = encapsulation(ctx.topo, a.rep, dst_v, dst_pod.ip)
            if decision.hop.disposition == Disposition.UNKNOWN:
                unknown.setdefault(ai, decision.hop.detail)
                continue
            if decision.hop.disposition != Disposition.ACCEPTED or decision.encap is not None:
                continue
            how = decision.hop.detail
            why[ai].append(Msg(f"{ID}.why-p2p", dst=b.label(), how=how))
            why[bi].append(Msg(f"{ID}.why-reply", dst=a.label()))
    for cls, result in m.egress:
        src = m.pod_on(cls.rep)
        if result.wire is not None and src is not None and result.wire.src == src.ip:
            why[classes.index(cls)].append(Msg(f"{ID}.why-egress"))
    return why, unknown


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    why, unknown = native_senders(ctx)
    out: list[Finding] = []
    for idx, cls in enumerate(ctx.matrix.classes):
        out.extend(_judge(ctx, cls, why.get(idx, []), unknown.get(idx)))
    return out


def _names(cls: NodeClass) -> str:
    names = ", ".join(v.name for v in cls.members[:4])
    return Msg("names.more", names=names, more=cls.size - 4) if cls.size > 4 else names


def _judge(
    ctx: CheckContext, cls: NodeClass, reasons: list[str], unknown: str | None
) -> list[Finding]:
    rep = cls.rep
    if rep.port is None:
        return [
            Finding(
                ID,
                Status.UNKNOWN,
                SEVERITY,
                node_resource(rep),
                Msg("common.no-port", node=rep.name, why=rep.port_note),
                (f"node {rep.name}: no matching Neutron port",),
                cause="no-port",
            )
        ]
    res = port_resource(ctx, rep.port, rep.name)
    if not reasons:
        if unknown:
            return [
                Finding(
                    ID,
                    Status.UNKNOWN,
                    SEVERITY,
                    res,
                    Msg("common.undecided", what=cls.label(), why=unknown),
                    (unknown,),
                )
            ]
        return [
            Finding(
                ID,
                Status.PASS,
                SEVERITY,
                res,
                Msg(f"{ID}.pass-encap", nodes=cls.label()),
                affected=class_ports(ctx, cls),
            )
        ]
    pod = ctx.matrix.pod_on(rep)
    if pod is None or pod.ip is None:
        return []
    hop = antispoof(rep.port, pod.ip, rep.port_label(), "forward")
    evidence = tuple(e.text() for e in hop.evidence)
    if hop.disposition == Disposition.DENIED:
        targets = ctx.topo.pod_cidrs or rep.blocks
        remedies = tuple(
            pair_remedy(
                v.port, v.name, cidr, f"pods on {v.name} send from addresses in {cidr}", CAUSE
            )
            for v in cls.members
            if v.port is not None
            for cidr in targets
        )
        return [
            Finding(
                ID,
                Status.FAIL,
                SEVERITY,
                res,
                Msg(f"{ID}.fail", nodes=_names(cls), src=pod.ip),
                evidence + tuple(reasons[:6]),
                remedies,
                flows=tuple(reasons),
                cause=CAUSE,
                affected=class_ports(ctx, cls),
            )
        ]
    if hop.disposition == Disposition.UNKNOWN:
        return [
            Finding(
                ID,
                Status.UNKNOWN,
                SEVERITY,
                res,
                Msg("common.undecided", what=rep.name, why=hop.detail),
                evidence,
            )
        ]
    return [
        Finding(
            ID,
            Status.PASS,
            SEVERITY,
            res,
            Msg(f"{ID}.pass", nodes=_names(cls), detail=hop.detail),
            evidence,
            affected=class_ports(ctx, cls),
        )
    ]
