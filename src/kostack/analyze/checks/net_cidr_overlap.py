"""net-cidr-overlap: pod, service and node networks do not overlap."""

from __future__ import annotations

from itertools import combinations

from kostack.analyze.checks._cidr_overlap_pod import pod_overlap_finding
from kostack.analyze.checks.base import CheckContext, cluster_resource, missing
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.pod_overlap import PodOverlaps
from kostack.model.snapshot import IPNetwork

ID = "net-cidr-overlap"
TITLE = "Pod, service and OpenStack subnet CIDRs do not overlap"
SEVERITY = Severity.CRITICAL
NEEDS = ("cluster.pod_cidrs", "cluster.service_cidrs", "openstack.subnets")

register(
    {
        f"{ID}.pod": {"en": "pod CIDR", "ko": "Pod CIDR"},
        f"{ID}.service": {"en": "service CIDR", "ko": "서비스 CIDR"},
        f"{ID}.subnet": {"en": "subnet {name}", "ko": "subnet {name}"},
        f"{ID}.fail": {
            "en": "The {a_name} {a} overlaps the {b_name} {b}: addresses in the overlap are routed to the "
            "wrong place (pods, service VIPs or VMs become unreachable).",
            "ko": "{a_name} {a}가 {b_name} {b}와 겹칩니다: 겹치는 주소는 엉뚱한 곳으로 라우팅되어 Pod, 서비스 VIP "
            "또는 VM에 도달할 수 없게 됩니다.",
        },
        f"{ID}.pass": {
            "en": "Pod CIDR {pod}, service CIDR {service} and the node subnets do not overlap.",
            "ko": "Pod CIDR {pod}, 서비스 CIDR {service}, 노드 서브넷이 서로 겹치지 않습니다.",
        },
    }
)


def _is_pod(label: str) -> bool:
    return isinstance(label, Msg) and label.key == f"{ID}.pod"


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    named: list[tuple[str, IPNetwork]] = []
    named += [(Msg(f"{ID}.pod"), c) for c in ctx.topo.pod_cidrs]
    named += [(Msg(f"{ID}.service"), c) for c in ctx.topo.service_cidrs]
    for sn in ctx.topo.subnets.values():
        net = ctx.topo.networks.get(sn.network_id)
        if net is not None and net.router_external:
            continue
        named.append((Msg(f"{ID}.subnet", name=sn.name or sn.id), sn.cidr))
    out: list[Finding] = []
    pods = PodOverlaps(ctx.topo)  # latent vs actual for a pod range (analyze/pod_overlap.py)
    for (na, a), (nb, b) in combinations(named, 2):
        if (
            a.version == b.version
            and a.overlaps(b)
            and not (na.startswith("subnet ") and nb.startswith("subnet "))
        ):
            a_pod, b_pod = _is_pod(na), _is_pod(nb)
            if a_pod != b_pod:
                pool, other_name, other = (a, nb, b) if a_pod else (b, na, a)
                out.append(pod_overlap_finding(ctx, pods.judge(pool, other), other_name))
                continue
            out.append(
                Finding(
                    ID,
                    Status.FAIL,
                    SEVERITY,
                    cluster_resource(ctx),
                    Msg(f"{ID}.fail", a_name=na, a=a, b_name=nb, b=b),
                    (f"{na}={a}", f"{nb}={b}"),
                    cause="cidr-overlap",
                )
            )
    return out or [
        Finding(
            ID,
            Status.PASS,
            SEVERITY,
            cluster_resource(ctx),
            Msg(
                f"{ID}.pass",
                pod=", ".join(str(c) for c in ctx.topo.pod_cidrs),
                service=", ".join(str(c) for c in ctx.topo.service_cidrs),
            ),
        )
    ]
