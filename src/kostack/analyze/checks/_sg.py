"""Shared logic of the security-group checks: is node-to-node traffic X admitted?"""

from __future__ import annotations

from kostack.analyze.checks.base import CheckContext, class_ports, cluster_resource, port_resource
from kostack.analyze.findings import Finding, Remedy, Severity, Status
from kostack.analyze.matrix import NodeClass
from kostack.analyze.messages import Msg, register
from kostack.analyze.reach import Disposition, Hop, Wire, security_groups
from kostack.analyze.remedy import cluster_group, rule_remedy
from kostack.analyze.topology import NodeView, protocol_label, protocol_number

register(
    {
        "sg.pass": {
            "en": "Security groups admit {what} ({label}) between nodes ({total} node pairs checked).",
            "ko": "보안 그룹이 노드 간 {what}({label}) 트래픽을 허용합니다 (노드 쌍 {total}개 확인).",
        },
        "sg.fail": {
            "en": "Security groups drop {what} ({label}) from {src} ({src_ip}) to {dst} ({dst_ip}) at "
            "{where}: {detail}.",
            "ko": "보안 그룹이 {src}({src_ip})에서 {dst}({dst_ip})로 가는 {what}({label}) 트래픽을 {where}에서 "
            "차단합니다: {detail}.",
        },
        "sg.flow": {
            "en": "{src} -> {dst}: {what} ({label}), {n} node pairs",
            "ko": "{src} -> {dst}: {what}({label}), 노드 쌍 {n}개",
        },
        "sg.reason": {
            "en": "admit {what} ({label}) between the cluster's nodes",
            "ko": "클러스터 노드 간 {what}({label}) 트래픽 허용",
        },
        "sg.unknown": {
            "en": "Cannot decide whether {what} ({label}) from {src} to {dst} is admitted: {detail}.",
            "ko": "{src}에서 {dst}로 가는 {what}({label}) 트래픽의 허용 여부를 판단할 수 없음: {detail}.",
        },
    }
)

ClassPair = tuple[NodeClass, NodeClass, NodeView, NodeView, int]


def judge_wire(ctx: CheckContext, src: NodeView, dst: NodeView, wire: Wire) -> Hop | None:
    """The first security-group hop that does not pass (egress at src, ingress at dst), or None."""
    if src.port is None or dst.port is None:
        view = src if src.port is None else dst
        return Hop("sg", view.port_label(), Disposition.UNKNOWN, view.port_note, cause="no-port")
    for hop in (
        security_groups(ctx.topo, src.port, wire, "egress", src.port_label()),
        security_groups(ctx.topo, dst.port, wire, "ingress", dst.port_label()),
    ):
        if hop.disposition not in (Disposition.ACCEPTED, Disposition.NOT_APPLICABLE):
            return hop
    return None


def node_traffic_findings(
    ctx: CheckContext,
    check_id: str,
    severity: Severity,
    what: str,
    protocol: str,
    port: int | None,
    pairs: list[ClassPair],
    cause: str,
    *,
    port_max: int | None = None,
) -> list[Finding]:
    """Findings for node-sourced ``protocol``/``port`` traffic over the given class pairs."""
    proto = protocol_number(protocol)
    assert isinstance(proto, int)
    failed: list[tuple[NodeClass, NodeClass, NodeView, NodeView, int, Hop]] = []
    unknown: list[tuple[NodeView, NodeView, Hop]] = []
    for a, b, s, d, n in pairs:
        if s.ip is None or d.ip is None:
            continue
        wire = Wire(s.ip, d.ip, proto, port)
        hop = judge_wire(ctx, s, d, wire)
        if hop is None:
            continue
        if hop.disposition == Disposition.UNKNOWN:
            unknown.append((s, d, hop))
        else:
            failed.append((a, b, s, d, n, hop))
    label = (
        f"{protocol_label(proto)} {port}" + (f"-{port_max}" if port_max else "")
        if port
        else protocol_label(proto)
    )
    if not failed and not unknown:
        first = pairs[0][2] if pairs else None
        res = port_resource(ctx, first.port, first.name) if first and first.port else None
        if res is None:
            return []
        total = sum(p[4] for p in pairs)
        return [
            Finding(
                check_id,
                Status.PASS,
                severity,
                res,
                Msg("sg.pass", what=what, label=label, total=total),
            )
        ]
    out: list[Finding] = []
    group = cluster_group(ctx.topo)
    for a, b, s, d, n, hop in failed:
        assert d.port is not None
        remedies: tuple[Remedy, ...] = ()
        if group is not None:
            remedies = (
                rule_remedy(
                    group,
                    protocol=protocol,
                    port=port,
                    port_max=port_max,
                    remote_group=group.id,
                    reason=Msg("sg.reason", what=what, label=label),
                    cause=cause,
                    description=f"kostack: {what}",
                ),
            )
        out.append(
            Finding(
                check_id,
                Status.FAIL,
                severity,
                port_resource(ctx, d.port, d.name),
                Msg(
                    "sg.fail",
                    what=what,
                    label=label,
                    src=s.name,
                    src_ip=s.ip,
                    dst=d.name,
                    dst_ip=d.ip,
                    where=hop.where,
                    detail=hop.detail,
                ),
                (hop.detail, *(e.text() for e in hop.evidence)),
                remedies,
                flows=(Msg("sg.flow", src=a.label(), dst=b.label(), what=what, label=label, n=n),),
                cause=cause,
                affected=class_ports(ctx, b),
                counts=(("node_pairs", n),),
            )
        )
    for s, d, hop in unknown:
        res = (
            port_resource(ctx, d.port, d.name)
            if d.port
            else port_resource(ctx, s.port, s.name)
            if s.port
            else None
        )
        if res is None:
            from kostack.analyze.findings import Resource

            res = Resource("node", d.name, d.name)
        out.append(
            Finding(
                check_id,
                Status.UNKNOWN,
                severity,
                res,
                Msg(
                    "sg.unknown", what=what, label=label, src=s.name, dst=d.name, detail=hop.detail
                ),
                (hop.detail,),
                cause=hop.cause,
            )
        )
    return out


def class_pairs(ctx: CheckContext, scope: str = "all") -> list[ClassPair]:
    """Ordered class pairs with representative nodes and the node-pair count they stand for."""
    out = []
    for a in ctx.matrix.classes:
        for b in ctx.matrix.classes:
            if scope == "to-cp" and not b.rep.is_control_plane:
                continue
            if scope == "from-cp" and not a.rep.is_control_plane:
                continue
            if scope == "cp-cp" and not (a.rep.is_control_plane and b.rep.is_control_plane):
                continue
            if a is b:
                if a.size < 2:
                    continue
                out.append((a, b, a.members[0], a.members[1], a.size * (a.size - 1)))
            else:
                out.append((a, b, a.rep, b.rep, a.size * b.size))
    return out


def calico_feature_findings(
    ctx: CheckContext, check_id: str, severity: Severity, enabled: bool | None, port: int
) -> list[Finding]:
    """Node traffic on ``port`` that a Calico feature (BGP, Typha) needs when it is on.

    Messages come from ``<check_id>.not-calico|.unknown|.off|.what``.
    """
    cl = ctx.snapshot.cluster
    res = cluster_resource(ctx)
    if cl is None or cl.cni.type != "calico":
        return [
            Finding(check_id, Status.NOT_APPLICABLE, severity, res, Msg(f"{check_id}.not-calico"))
        ]
    if enabled is None:
        return [Finding(check_id, Status.UNKNOWN, severity, res, Msg(f"{check_id}.unknown"))]
    if not enabled:
        return [Finding(check_id, Status.NOT_APPLICABLE, severity, res, Msg(f"{check_id}.off"))]
    return node_traffic_findings(
        ctx, check_id, severity, Msg(f"{check_id}.what"), "tcp", port, class_pairs(ctx), "sg-node"
    )
