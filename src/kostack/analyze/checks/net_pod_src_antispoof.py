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
from kostack.analyze.reach import Disposition, antispoof, encapsulation
from kostack.analyze.remedy import pair_remedy

ID = "net-pod-src-antispoof"
TITLE = "Node ports let pod-sourced packets through Neutron anti-spoofing"
SEVERITY = Severity.CRITICAL
NEEDS = ("openstack.ports", "cluster.nodes", "cluster.cni", "node_ports")
CAUSE = "antispoof"


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
            why[ai].append(f"pod -> pod to {b.label()}: {how}")
            why[bi].append(f"replies from its pods to {a.label()} leave unencapsulated too")
    for cls, result in m.egress:
        src = m.pod_on(cls.rep)
        if result.wire is not None and src is not None and result.wire.src == src.ip:
            why[classes.index(cls)].append(
                "pod -> outside the cluster leaves with the pod source (no masquerade, natOutgoing off)"
            )
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
    return names + (f" and {cls.size - 4} more" if cls.size > 4 else "")


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
                f"Cannot decide for node {rep.name}: {rep.port_note}.",
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
                    f"Cannot decide for {cls.label()}: {unknown}.",
                    (unknown,),
                )
            ]
        return [
            Finding(
                ID,
                Status.PASS,
                SEVERITY,
                res,
                f"Pods on {cls.label()} never put their own source address on the wire "
                "(encapsulated or masqueraded), so anti-spoofing sees only node addresses.",
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
                f"Neutron anti-spoofing on the ports of {_names(cls)} drops packets from their pods "
                f"(source {pod.ip}): it is neither the port's fixed IP nor inside an allowed "
                "address pair, and these packets leave the VM unencapsulated.",
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
                f"Cannot decide for {rep.name}: {hop.detail}.",
                evidence,
            )
        ]
    return [
        Finding(
            ID,
            Status.PASS,
            SEVERITY,
            res,
            f"Ports of {_names(cls)} pass their pods' packets: {hop.detail}.",
            evidence,
            affected=class_ports(ctx, cls),
        )
    ]
