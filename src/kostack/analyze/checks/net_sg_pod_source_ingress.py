"""net-sg-pod-source-ingress: security groups admit pod-sourced packets between nodes.

Evaluated as if every node port already had an allowed pair for the pod CIDR
(that is net-pod-src-antispoof's business): the question here is whether the
destination's security groups then admit packets whose source is a pod. Under
ML2/OVS a remote-group rule matches the members' allowed pairs; under ML2/OVN
it matches only their fixed IPs, so pods need a rule with the pod CIDR as
remote prefix (DOMAIN.md section 2).
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
                        reason=f"admit pod-sourced packets from {c} between the cluster's nodes",
                        cause=CAUSE,
                        description="kostack: pod CIDR",
                    )
                    for c in cidrs
                )
            status = Status.UNKNOWN if hop.disposition == Disposition.UNKNOWN else Status.FAIL
            backend = topo.backend or "unknown"
            note = (
                " Under ML2/OVN a remote-group rule matches only the members' fixed IPs, not their "
                "allowed address pairs, so pod sources need a rule with the pod CIDR as remote prefix."
                if backend != "ml2/ovs"
                else ""
            )
            verb = "drop" if status == Status.FAIL else "may drop"
            out.append(
                Finding(
                    ID,
                    status,
                    SEVERITY,
                    port_resource(ctx, hd.port, d.name),
                    f"Even with allowed pairs for the pod CIDR, security groups {verb} pod-sourced packets "
                    f"from {s.name} to {d.name} at {hop.where} (Neutron backend: {backend}): "
                    f"{hop.detail}.{note}",
                    (*tuple(e.text() for e in hop.evidence), hop.detail),
                    remedies,
                    flows=(f"{a.label()} -> {b.label()}: pod -> pod, {n} node pairs",),
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
                "No pod-sourced packets cross the tenant network unencapsulated, so no pod-source rule is needed.",
            )
        ]
    return [
        Finding(
            ID,
            Status.PASS,
            SEVERITY,
            cluster_resource(ctx),
            f"Security groups admit pod-sourced packets between nodes (Neutron backend {topo.backend}).",
        )
    ]
