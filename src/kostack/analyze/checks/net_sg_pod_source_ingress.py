"""net-sg-pod-source-ingress: security groups admit pod-sourced packets between nodes.

Evaluated as if every node port already had an allowed pair for the pod CIDR
(that is net-pod-src-antispoof's business): the question here is whether the
destination's security groups then admit packets whose source is a pod. Under
ML2/OVS a remote-group rule matches the members' allowed pairs; under ML2/OVN
it matches only their fixed IPs, so pods need a rule with the pod CIDR as
remote prefix (docs/facts.md section 2).
"""

from __future__ import annotations

from kostack.analyze.checks._sg import class_pairs
from kostack.analyze.checks.base import (
    CheckContext,
    class_ports,
    cluster_resource,
    missing,
    port_resource,
)
from kostack.analyze.findings import Finding, Remedy, Severity, Status
from kostack.analyze.matrix import POD_PORT
from kostack.analyze.messages import Msg, register
from kostack.analyze.reach import Disposition, Wire, encapsulation, security_groups
from kostack.analyze.remedy import apply_remedies, cluster_group, pair_remedy, rule_remedy
from kostack.analyze.topology import Topology, net_within

ID = "net-sg-pod-source-ingress"
TITLE = "Security groups admit pod-sourced packets between nodes"
SEVERITY = Severity.CRITICAL
NEEDS = (
    "openstack.ports",
    "openstack.security_groups",
    "cluster.nodes",
    "cluster.cni",
    "node_ports",
)
CAUSE = "sg-pod-source"

_OVN_NOTE_EN = (
    " Under ML2/OVN a remote-group rule matches only the members' fixed IPs, not their allowed "
    "address pairs, so pod sources need a rule with the pod CIDR as remote prefix."
)
_OVN_NOTE_KO = (
    " ML2/OVN에서는 원격 그룹(remote group) 규칙이 멤버 포트의 고정 IP만 매칭하고 Allowed Address Pair는 "
    "매칭하지 않으므로, Pod 출발 트래픽에는 Pod CIDR을 remote prefix로 둔 규칙이 필요합니다."
)
register(
    {
        f"{ID}.reason": {
            "en": "admit pod-sourced packets from {cidr} between the cluster's nodes",
            "ko": "클러스터 노드 간 {cidr} 출발 Pod 패킷 허용",
        },
        f"{ID}.fail": {
            "en": "Even with allowed pairs for the pod CIDR, security groups drop pod-sourced packets from "
            "{src} to {dst} at {where} (Neutron backend: {backend}): {detail}." + _OVN_NOTE_EN,
            "ko": "Pod CIDR에 대한 Allowed Address Pair가 있어도, 보안 그룹이 {src}에서 {dst}로 가는 Pod 출발 "
            "패킷을 {where}에서 차단합니다 (Neutron 백엔드: {backend}): {detail}." + _OVN_NOTE_KO,
        },
        f"{ID}.unknown": {
            "en": "Even with allowed pairs for the pod CIDR, security groups may drop pod-sourced packets "
            "from {src} to {dst} at {where} (Neutron backend: {backend}): {detail}." + _OVN_NOTE_EN,
            "ko": "Pod CIDR에 대한 Allowed Address Pair가 있어도, 보안 그룹이 {src}에서 {dst}로 가는 Pod 출발 "
            "패킷을 {where}에서 차단할 수 있습니다 (Neutron 백엔드: {backend}): {detail}."
            + _OVN_NOTE_KO,
        },
        f"{ID}.flow": {
            "en": "{src} -> {dst}: pod -> pod, {n} node pairs",
            "ko": "{src} -> {dst}: Pod -> Pod, 노드 쌍 {n}개",
        },
        f"{ID}.na": {
            "en": "No pod-sourced packets cross the tenant network unencapsulated, so no pod-source rule is needed.",
            "ko": "캡슐화 없이 테넌트 네트워크를 지나는 Pod 출발 패킷이 없으므로 Pod 출발 규칙이 필요 없습니다.",
        },
        f"{ID}.pass": {
            "en": "Security groups admit pod-sourced packets between nodes (Neutron backend {backend}).",
            "ko": "보안 그룹이 노드 간 Pod 출발 패킷을 허용합니다 (Neutron 백엔드 {backend}).",
        },
    }
)


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    topo = ctx.topo
    cidrs = topo.pod_cidrs
    pairs = [
        pair_remedy(v.port, v.name, c, "hypothesis", "")
        for v in topo.node_views.values()
        if v.port is not None
        for c in cidrs
        if not any(net_within(c, p.ip_address) for p in v.port.allowed_address_pairs)
    ]
    hyp = Topology(apply_remedies(ctx.snapshot, pairs)) if pairs else topo
    out: list[Finding] = []
    native = 0
    group = cluster_group(topo)
    for a, b, s, d, n in class_pairs(ctx):
        src_pod, dst_pod = ctx.matrix.pod_on(s), ctx.matrix.pod_on(d)
        if src_pod is None or dst_pod is None or src_pod.ip is None or dst_pod.ip is None:
            continue
        decision = encapsulation(topo, s, d, dst_pod.ip)
        if decision.encap is not None or decision.hop.disposition != Disposition.ACCEPTED:
            continue
        native += 1
        hs, hd = hyp.node_views[s.name], hyp.node_views[d.name]
        if hs.port is None or hd.port is None:
            continue
        wire = Wire(src_pod.ip, dst_pod.ip, 6, POD_PORT)
        for hop in (
            security_groups(hyp, hs.port, wire, "egress", hs.port_label()),
            security_groups(hyp, hd.port, wire, "ingress", hd.port_label()),
        ):
            if hop.disposition in (Disposition.ACCEPTED, Disposition.NOT_APPLICABLE):
                continue
            remedies: tuple[Remedy, ...] = ()
            if group is not None:
                remedies = tuple(
                    rule_remedy(
                        group,
                        protocol=None,
                        remote_prefix=str(c),
                        reason=Msg(f"{ID}.reason", cidr=c),
                        cause=CAUSE,
                        description="kostack: pod CIDR",
                    )
                    for c in cidrs
                )
            status = Status.UNKNOWN if hop.disposition == Disposition.UNKNOWN else Status.FAIL
            backend = topo.backend or "unknown"
            key = f"{ID}.fail" if status == Status.FAIL else f"{ID}.unknown"
            out.append(
                Finding(
                    ID,
                    status,
                    SEVERITY,
                    port_resource(ctx, hd.port, d.name),
                    Msg(
                        key,
                        src=s.name,
                        dst=d.name,
                        where=hop.where,
                        backend=backend,
                        detail=hop.detail,
                    ),
                    (hop.detail, *(e.text() for e in hop.evidence)),
                    remedies,
                    flows=(Msg(f"{ID}.flow", src=a.label(), dst=b.label(), n=n),),
                    cause=CAUSE if status == Status.FAIL else hop.cause,
                    affected=class_ports(ctx, b),
                    counts=(("node_pairs", n),),
                )
            )
            break
    if out:
        return out
    if native == 0:
        return [
            Finding(
                ID,
                Status.NOT_APPLICABLE,
                SEVERITY,
                cluster_resource(ctx),
                Msg(f"{ID}.na"),
            )
        ]
    return [
        Finding(
            ID,
            Status.PASS,
            SEVERITY,
            cluster_resource(ctx),
            Msg(f"{ID}.pass", backend=topo.backend or "unknown"),
        )
    ]
