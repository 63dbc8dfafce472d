"""The network end of a release's cause chain (chain.py): which of the diagnosis's root causes
break the release's pods (scope.py), and, when the last failing part cannot reach a ready
one, the root cause that drops that traffic, traced through the network model when both pods
are known.
"""

from __future__ import annotations

from typing import Literal

from kostack.analyze.checks.base import Kind
from kostack.analyze.diagnose import ROOT_CAUSE_TITLES, Diagnosis, RootCause, declared
from kostack.analyze.merge import CRITICAL_PATHS
from kostack.analyze.messages import Msg, register
from kostack.analyze.reach import Endpoint, FlowResult, pod_label, trace
from kostack.analyze.release_checks.charts import ChartRule
from kostack.analyze.release_checks.scope import note, touches
from kostack.analyze.release_checks.workload import ComponentHealth, ConnError
from kostack.analyze.topology import Topology
from kostack.model.snapshot import KubeOvn, Snapshot, WorkloadPod

# the causes that break pods' traffic between them, to DNS or to the API service (their Kind
# holds Kind.POD_TRAFFIC), and the checks of the critical paths inside the cluster (all but
# egress, which leaves it): a root cause with either breaks a release's pod traffic
POD_TRAFFIC_CAUSES = declared(Kind.POD_TRAFFIC)
POD_TRAFFIC_CHECKS = frozenset(c for p, c in CRITICAL_PATHS.items() if p != "egress")

register(
    {
        "chain.end.network": {
            "en": "{component} cannot reach {target} although it is {health}: the cluster network drops the traffic (ROOT CAUSE: {root})",
            "ko": "{target:이/가} {health} 상태인데도 {component:이/가} 도달하지 못합니다: 클러스터 네트워크가 트래픽을 "
            "버립니다(근본 원인: {root})",
        },
        "chain.end.network-trace": {
            "en": "traced {flow}: {verdict} at {where}: {detail}",
            "ko": "{flow} 추적: {where}에서 {verdict}: {detail}",
        },
        "chain.end.network-suspected": {
            "en": "{component} cannot reach {target} ({kind}) although it is {health}: suspect the pod network; run `kostack diagnose` to find its root cause",
            "ko": "{target:이/가} {health} 상태인데도 {component:이/가} 도달하지 못합니다({kind}): Pod 네트워크를 "
            "의심하세요. `kostack diagnose`로 근본 원인을 찾으세요",
        },
        "chain.end.network-root": {
            "en": "the cluster network is broken (ROOT CAUSE: {root}), which {component} needs to reach {deps}",
            "ko": "{component:이/가} {deps}에 도달하는 데 필요한 클러스터 네트워크가 고장입니다(근본 원인: {root})",
        },
        "chain.health.ready": {"en": "ready", "ko": "준비됨"},
        "chain.health.unknown": {"en": "not known to be down", "ko": "다운 여부 불명"},
        "chain.kind.timeout": {"en": "timed out", "ko": "시간 초과"},
        "chain.kind.dns": {"en": "DNS lookup failed", "ko": "DNS 조회 실패"},
        "chain.kind.no-route": {"en": "no route to host", "ko": "호스트로 가는 경로 없음"},
        "chain.kind.reset": {"en": "connection reset", "ko": "연결 재설정"},
        "chain.kind.refused": {"en": "connection refused", "ko": "연결 거부"},
        # how the traced flow ended (analyze.engine Disposition)
        "chain.verdict.denied": {"en": "dropped", "ko": "차단됨"},
        "chain.verdict.no-route": {"en": "no-route", "ko": "경로 없음"},
        "chain.verdict.unknown": {"en": "unknown", "ko": "판단 불가"},
        "chain.verdict.accepted": {"en": "accepted", "ko": "통과"},
        "chain.verdict.not-applicable": {"en": "not-applicable", "ko": "해당 없음"},
    }
)


register(
    {
        f"chain.root.{key}": {"en": titles["en"], "ko": titles.get("ko", titles["en"])}
        for key, titles in ROOT_CAUSE_TITLES.items()
    }
)


def root_title(root: RootCause) -> str:
    """The root cause's title, in any language the renderer asks for when kostack knows it."""
    return Msg(f"chain.root.{root.key}") if root.key in ROOT_CAUSE_TITLES else root.title


def pod_traffic_root_causes(diagnosis: Diagnosis | None) -> tuple[RootCause, ...]:
    """Root causes of the diagnosis that break traffic between pods, DNS or the API service."""
    if diagnosis is None:
        return ()
    return tuple(
        rc
        for rc in diagnosis.root_causes
        if rc.key in POD_TRAFFIC_CAUSES
        or any(f.check_id in POD_TRAFFIC_CHECKS for f in (*rc.symptoms, *rc.findings))
    )


def dns_pods(snapshot: Snapshot) -> list[WorkloadPod]:
    """The cluster DNS's pods (kube-system/kube-dns's endpoints, or the Service at the cluster's
    DNS address), as pods a release reaches: a cause that breaks the pods on some nodes breaks
    name lookups too when it breaks a DNS pod. Endpoints not read: one pod of unknown node."""
    cl = snapshot.cluster
    if cl is None:
        return []
    services = cl.services or ()
    svc = next((s for s in services if (s.namespace, s.name) == ("kube-system", "kube-dns")), None)
    if svc is None and cl.cluster_dns_ip is not None:
        svc = next((s for s in services if s.cluster_ip == cl.cluster_dns_ip), None)
    if svc is None or svc.endpoints is None:
        return [WorkloadPod(namespace="kube-system", name="kube-dns")]
    return [
        WorkloadPod(
            namespace=svc.namespace,
            name=(e.pod or str(e.ip)).rpartition("/")[2],  # an endpoint names it "ns/name"
            node=e.node,
            ip=e.ip,
        )
        for e in svc.endpoints
    ]


def scoped(
    roots: tuple[RootCause, ...], pods: list[WorkloadPod], kube_ovn: KubeOvn | None
) -> tuple[tuple[RootCause, ...], list[Msg], bool]:
    """The roots that break these pods (a cause that breaks only some pods must name one of
    them: scope.py), a note for each that spares them or may, and whether one may."""
    judged = [(rc, touches(rc, pods, kube_ovn)) for rc in roots]
    notes = [note(rc, root_title(rc), touch, pods) for rc, touch in judged if touch != "yes"]
    touching = tuple(rc for rc, touch in judged if touch == "yes")
    return touching, notes, any(touch == "unknown" for _, touch in judged)


def network_end(
    snapshot: Snapshot,
    rule: ChartRule,
    parts: dict[str, ComponentHealth],
    last: ComponentHealth,
    name: str,
    err: ConnError,
    roots: tuple[RootCause, ...],
) -> tuple[Literal["network", "unknown"], RootCause | None, list[Msg]]:
    """The last part cannot reach another: the network root cause (traced when it can be), or suspected."""
    target_health = parts.get(err.component or "")
    health_key = (
        "chain.health.ready"
        if target_health is not None and target_health.ready
        else "chain.health.unknown"
    )
    if roots:
        root = roots[0]
        says = [
            Msg(
                "chain.end.network",
                component=name,
                target=err.target,
                health=Msg(health_key),
                root=root_title(root),
            )
        ]
        traced = _trace(snapshot, rule, last, target_health, err)
        return "network", root, [*says, *([traced] if traced is not None else [])]
    suspected = Msg(
        "chain.end.network-suspected",
        component=name,
        target=err.target,
        kind=Msg(f"chain.kind.{err.kind}"),
        health=Msg(health_key),
    )
    return "unknown", None, [suspected]


def _trace(
    snapshot: Snapshot,
    rule: ChartRule,
    source: ComponentHealth,
    target: ComponentHealth | None,
    err: ConnError,
) -> Msg | None:
    """Trace the failing connection through the network model when both pods are known."""
    if target is None or snapshot.cluster is None or not snapshot.cluster.nodes:
        return None
    src_pod = next((p for p in source.pods if p.ip is not None and p.node), None)
    dst_pod = next((p for p in target.pods if p.ip is not None and p.node), None)
    if src_pod is None or dst_pod is None or src_pod.ip is None or dst_pod.ip is None:
        return None
    topo = Topology(snapshot)
    if src_pod.node not in topo.node_views or dst_pod.node not in topo.node_views:
        return None
    port_of = {c.name: c.port for c in rule.components if c.port is not None}
    port = port_of.get(target.component, err.port)
    src = Endpoint("pod", pod_label(src_pod.namespace, src_pod.name), src_pod.ip, src_pod.node)
    dst_label = pod_label(dst_pod.namespace, dst_pod.name)
    dst = Endpoint("pod", dst_label, dst_pod.ip, dst_pod.node, port, "tcp")
    results: list[FlowResult] = trace(topo, src, dst, "tcp", port)
    blocked = next((r for r in results if r.blocking is not None), None)
    if blocked is None or blocked.blocking is None:
        return None
    hop = blocked.blocking
    verdict = Msg(f"chain.verdict.{hop.disposition}")
    return Msg(
        "chain.end.network-trace",
        flow=f"{src_pod.name} ({src_pod.node}) -> {dst_pod.name} ({dst_pod.node}) TCP",
        verdict=verdict,
        where=hop.where,
        detail=hop.detail,
    )
