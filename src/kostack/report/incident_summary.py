"""The report's first sections: title, symptoms, impact and the environment. Pure."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from kostack.analyze.checks.base import Kind
from kostack.analyze.diagnose import Diagnosis, RootCause, declared, root_cause_title
from kostack.analyze.merge import PATH_CHECKS
from kostack.analyze.messages import Msg, localize
from kostack.analyze.mtu import effective_mtu
from kostack.analyze.summary import Environment, describe_cni, environment
from kostack.analyze.topology import Topology
from kostack.model.snapshot import Pod, Snapshot
from kostack.report.incident_causes import affected_nodes, breaks
from kostack.report.incident_checked import probe_row
from kostack.report.incident_model import (
    SYSTEM_NAMESPACES,
    TEST_POD_WORDS,
    is_clusterip_ping,
)
from kostack.report.markup import Marked, concat, join, marked
from kostack.report.markup import mt as t
from kostack.report.releases import ReleaseTrouble

# OpenStack release numbers and their names (releases.openstack.org)
RELEASE_NAMES = {
    "2023.1": "Antelope",
    "2023.2": "Bobcat",
    "2024.1": "Caracal",
    "2024.2": "Dalmatian",
    "2025.1": "Epoxy",
    "2025.2": "Flamingo",
    "2026.1": "Gazpacho",
}
_POD_HASH = re.compile(r"-[a-z0-9]{6,10}-[a-z0-9]{5}$|-[a-z0-9]{5}$")
BROKEN_KIND = {
    "net-pod-to-pod": "pod-to-pod",
    "net-dns": "dns",
    "net-api-service": "api",
    "net-pod-egress": "egress",
}


# How the collector decided the Neutron backend (kostack.collect.openstack.detect_backend
# and the lab write these words into the snapshot); in Korean where they are kostack's own.
_BACKEND_SOURCE_KO = (
    (re.compile(r"agents list: "), "agent 목록: "),
    (re.compile(r"^network (.+) is geneve \(provider:network_type\)"),
     r"네트워크 \1의 유형이 geneve (provider:network_type)"),
    (re.compile(r"^--neutron-backend \(the API suggests "), "--neutron-backend (API로는 "),
    (re.compile(r"^lab scenario$"), "랩 시나리오"),
)  # fmt: skip


def _backend_source(source: str, lang: str) -> str:
    if lang != "ko":
        return source
    for pattern, korean in _BACKEND_SOURCE_KO:
        source = pattern.sub(korean, source)
    return source


def release_label(release: str | None, lang: str) -> str:
    if not release or release == "unknown":
        return t(lang, "rep.env.release_unknown")
    name = RELEASE_NAMES.get(release)
    if name:
        return f"OpenStack {name} ({release})"
    return f"OpenStack {release}"


def workload_name(pod: Pod) -> str:
    """A pod's workload: the name without the ReplicaSet hash and pod suffix."""
    return _POD_HASH.sub("", pod.name) or pod.name


@dataclass(frozen=True)
class App:
    namespace: str
    name: str
    workloads: tuple[str, ...]
    nodes: frozenset[str]


def applications(snapshot: Snapshot) -> tuple[App, ...]:
    """Workloads outside the system namespaces, grouped by namespace."""
    cl = snapshot.cluster
    if cl is None or not cl.pods:
        return ()
    by_ns: dict[str, list[Pod]] = defaultdict(list)
    for pod in cl.pods:
        if pod.namespace not in SYSTEM_NAMESPACES and not pod.host_network:
            by_ns[pod.namespace].append(pod)
    out = []
    for ns in sorted(by_ns):
        pods = by_ns[ns]
        if all(any(w in p.name for w in TEST_POD_WORDS) for p in pods):
            continue  # debugging pods (netshoot, dns-test...) are not an application
        labels = Counter(
            p.labels.get("app.kubernetes.io/name") or p.labels.get("app") or "" for p in pods
        )
        name, _ = labels.most_common(1)[0]
        out.append(
            App(
                ns,
                name or ns,
                tuple(dict.fromkeys(workload_name(p) for p in pods)),
                frozenset(p.node for p in pods if p.node),
            )
        )
    return tuple(out)


# causes that break traffic between pods, to DNS or to the API service (their checks say so)
POD_TRAFFIC_CAUSES = declared(Kind.POD_TRAFFIC)


def pod_outage(roots: tuple[RootCause, ...]) -> bool:
    """Whether a root cause breaks the pods' own traffic (a cause declared Kind.POD_TRAFFIC, or
    a critical path among its findings and symptoms), not only a Service's way in."""
    return any(
        rc.key in POD_TRAFFIC_CAUSES
        or any(f.check_id in PATH_CHECKS for f in (*rc.symptoms, *rc.findings))
        for rc in roots
    )


def apps_hit(d: Diagnosis, topo: Topology, apps: tuple[App, ...]) -> tuple[App, ...]:
    """The applications with a pod on a node the root causes affect."""
    affected = affected_nodes(d, topo)
    return tuple(a for a in apps if a.nodes & affected)


def title(
    roots: tuple[RootCause, ...],
    hit: tuple[App, ...],
    troubles: tuple[ReleaseTrouble, ...],
    lang: str,
    undecided: bool = False,
    warnings: int = 0,
    services: tuple[str, ...] = (),
) -> Marked:
    """The report's title; ``hit``: the applications the root causes reach (`apps_hit`);
    ``services``: the LoadBalancer Services they break (incident_services.services_hit), named
    when the pods' own traffic is not what breaks."""
    failed = list(dict.fromkeys(tr.name for tr in troubles if tr.failed))
    if not roots and not failed:
        if troubles:
            return t(lang, "rep.title.release_findings")
        head = t(lang, "rep.title.undecided" if undecided else "rep.title.healthy")
        # no outage, but not nothing either: the title counts the warnings
        return concat(head, t(lang, "rep.title.warnings", n=warnings)) if warnings else head
    pods = pod_outage(roots)
    if not roots:
        head = t(lang, "rep.title.release_only")
    else:
        head = t(lang, "rep.title.outage" if pods else "rep.title.fault")
        if not pods and services:
            head = t(lang, "rep.title.lb_outage", services=_capped(services, lang))
    if failed:
        return concat(head, t(lang, "rep.title.and_release", releases=", ".join(failed)))
    # an application is reached through its nodes' pod traffic; a Service's way in, an egress
    # IP or an unmatched node reach no application the nodes could name
    if pods and hit:
        return concat(head, t(lang, "rep.title.affecting", apps=", ".join(a.name for a in hit[:3])))
    return head


# at most this many Services in the title, then "+N more"
TITLE_SERVICES = 3


def _capped(services: tuple[str, ...], lang: str) -> str:
    named = ", ".join(services[:TITLE_SERVICES])
    rest = len(services) - TITLE_SERVICES
    return named + str(t(lang, "rep.title.more", n=rest)) if rest > 0 else named


def generated_from(snapshot: Snapshot, lang: str) -> Marked:
    return t(
        lang,
        "rep.generated_from",
        created=snapshot.created_at or "?",
        source=snapshot.source or "?",
    )


def symptoms(
    snapshot: Snapshot,
    d: Diagnosis,
    topo: Topology,
    troubles: tuple[ReleaseTrouble, ...],
    lang: str,
) -> tuple[str, ...]:
    out: list[str] = []
    for p in snapshot.probes:
        if p.verdict in ("fail", "error") and not is_clusterip_ping(p, topo):
            row = probe_row(p, topo, lang)
            out.append(
                t(
                    lang,
                    "rep.symptom.probe",
                    command=row.command,
                    source=row.source,
                    detail=p.detail or p.verdict,
                )
            )
    if not out:
        found = tuple(f for rc in d.root_causes for f in rc.symptoms)
        out.extend(t(lang, "rep.symptom.static", what=b) for b in breaks(d, topo, found, lang))
        for rc in d.root_causes:
            if not rc.symptoms:
                what = marked(rc.findings[0].message, lang) if rc.findings else rc.title
                out.append(t(lang, "rep.symptom.static", what=what))
    cl = snapshot.cluster
    for pod in (cl.pods or ()) if cl else ():
        if pod.namespace in SYSTEM_NAMESPACES:
            continue
        if pod.phase and pod.phase not in ("Running", "Succeeded"):
            out.append(
                t(lang, "rep.symptom.pod", pod=f"{pod.namespace}/{pod.name}", phase=pod.phase)
            )
    for tr in (member for top in troubles for member in top.family):
        orphans = tr.gone and bool(tr.pvcs)
        if orphans or tr.failed:
            key = "rep.symptom.orphans" if orphans else "rep.symptom.release"
            said = {"n": len(tr.pvcs), "status": tr.status}  # each key takes what it says
            out.append(t(lang, key, release=tr.name, namespace=tr.namespace, **said))
    if not out:
        out.append(_nothing_found(d, lang))
    return tuple(out)


def _nothing_found(d: Diagnosis, lang: str) -> Marked:
    """No symptom: none at all, or none found in what the snapshot let kostack decide."""
    v = d.verdict
    if v.kind != "undecided":
        return t(lang, "rep.symptom.none")
    if v.critical_undecided:
        paths = ", ".join(localize(Msg(f"path.{p}"), lang) for p in v.critical_undecided)
        return t(lang, "rep.symptom.undecided", paths=paths)
    return t(lang, "rep.symptom.depends", n=v.conditional)


def impact(
    d: Diagnosis,
    topo: Topology,
    apps: tuple[App, ...],
    troubles: tuple[ReleaseTrouble, ...],
    lang: str,
) -> tuple[str, ...]:
    out: list[str] = []
    found = [f for rc in d.root_causes for f in rc.symptoms]
    checks = {f.check_id for f in found}
    affected = affected_nodes(d, topo)
    kinds = [t(lang, "pic.kind." + kind) for check, kind in BROKEN_KIND.items() if check in checks]
    if kinds:
        out.append(
            t(
                lang,
                "rep.impact.scope",
                n=len(affected),
                total=len(topo.node_views),
                kinds=join(", ", kinds),
            )
        )
    for rc in d.root_causes:
        if not rc.symptoms:
            out.append(root_cause_title(rc.key, lang))
    hit = apps_hit(d, topo, apps)
    if hit:
        out.append(
            t(lang, "rep.impact.apps", apps=", ".join(f"{a.name} ({a.namespace})" for a in hit))
        )
    for tr in (member for top in troubles for member in top.family):
        if tr.failed:
            out.append(
                t(
                    lang,
                    "rep.impact.release",
                    release=f"{tr.namespace}/{tr.name}",
                    status=tr.status,
                )
            )
    if not out:
        undecided = d.verdict.kind == "undecided"
        out.append(t(lang, "rep.impact.undecided" if undecided else "rep.impact.none"))
    return tuple(out)


def _infrastructure_rows(snapshot: Snapshot, env: Environment, lang: str) -> list[tuple[str, str]]:
    """The cloud (release, cloud, region, project) and the Neutron backend."""
    os_ = snapshot.openstack
    infra = release_label(os_.release if os_ else None, lang)
    where = []
    if os_ is not None:
        if os_.cloud:
            where.append(t(lang, "rep.env.cloud", cloud=os_.cloud))
        if os_.region:
            where.append(t(lang, "rep.env.region", region=os_.region))
        where.append(t(lang, "rep.env.project", project=env.project))
    if where:
        infra = concat(infra, " — ", join(", ", where))
    backend = env.backend
    if os_ is not None and os_.backend_source:
        backend += f" ({_backend_source(os_.backend_source, lang)})"
    return [
        (t(lang, "rep.env.infra"), infra),
        (
            t(lang, "rep.env.neutron"),
            backend if env.backend != "unknown" else t(lang, "rep.env.unknown"),
        ),
    ]


def _node_rows(env: Environment, topo: Topology, lang: str) -> list[tuple[str, str]]:
    """The network the nodes are on (subnets, routers) and their OS and kernels."""
    network: str = ", ".join(localize(n, lang) for n in env.networks) or "?"
    if env.node_subnets:
        network = concat(
            network, " · ", t(lang, "rep.env.subnets", subnets=", ".join(env.node_subnets))
        )
    routers = [r.name or r.id for r in topo.routers]
    if routers:
        network = concat(network, " · ", t(lang, "rep.env.routers", routers=", ".join(routers)))
    kernels = sorted(
        {v.node.kernel_version for v in topo.node_views.values() if v.node.kernel_version}
    )
    node_os: str = ", ".join(env.os_images) or t(lang, "rep.env.unknown")
    if kernels:
        node_os = concat(node_os, f" (kernel {', '.join(kernels[:3])})")
    return [(t(lang, "rep.env.network"), network), (t(lang, "rep.env.os"), node_os)]


def _cluster_rows(
    snapshot: Snapshot, env: Environment, topo: Topology, lang: str
) -> list[tuple[str, str]]:
    """Kubernetes (version, nodes, kube-proxy), the CNI with its pools and MTU, the CIDRs."""
    rows: list[tuple[str, str]] = [
        (
            t(lang, "rep.env.kubernetes"),
            t(
                lang,
                "rep.env.kubernetes_value",
                version=env.kubernetes_version,
                cp=env.control_plane,
                workers=env.workers,
                proxy=env.kube_proxy,
            ),
        )
    ]
    cni, pools = describe_cni(snapshot)
    cl = snapshot.cluster
    mtu = ""
    first = next(iter(topo.node_views.values()), None)
    pod_mtu = effective_mtu(topo, first) if first is not None else None
    if pod_mtu is not None and pod_mtu.pod_mtu is not None:
        mtu = f", MTU {pod_mtu.pod_mtu}" + (" (auto)" if pod_mtu.auto else "")
    said = localize(cni, lang) + (
        ": " + "; ".join(localize(p, lang) for p in pools) if pools else ""
    )
    rows.append((t(lang, "rep.env.cni"), said + mtu))
    if cl is not None:
        cidrs = t(
            lang,
            "rep.env.cidrs_value",
            pods=", ".join(str(c) for c in topo.pod_cidrs) or "?",
            services=", ".join(str(c) for c in topo.service_cidrs) or "?",
            dns=cl.cluster_dns_ip or "?",
        )
        rows.append((t(lang, "rep.env.cidrs"), cidrs))
    return rows


def _workload_rows(snapshot: Snapshot, apps: tuple[App, ...], lang: str) -> list[tuple[str, str]]:
    """The applications found (up to 8) and the Helm releases (up to 8)."""
    rows: list[tuple[str, str]] = []
    if apps:
        shown = "; ".join(
            f"{a.name} ({a.namespace}: {', '.join(a.workloads[:4])}"
            + (f" +{len(a.workloads) - 4}" if len(a.workloads) > 4 else "")
            + ")"
            for a in apps[:8]
        )
        if len(apps) > 8:
            shown += f"; +{len(apps) - 8}"
        rows.append((t(lang, "rep.env.apps"), shown))
    releases = snapshot.helm.releases if snapshot.helm else None
    if releases:
        rows.append(
            (
                t(lang, "rep.env.helm"),
                ", ".join(
                    f"{r.name} ({r.namespace}, {r.chart} {r.chart_version}, rev {r.revision}, {r.status})".replace(
                        "  ", " "
                    )
                    for r in releases[:8]
                ),
            )
        )
    return rows


def environment_rows(
    snapshot: Snapshot, topo: Topology, apps: tuple[App, ...], lang: str
) -> tuple[tuple[str, str], ...]:
    """The environment table: infrastructure, Neutron, network, OS, Kubernetes, CNI, apps, Helm."""
    env = environment(snapshot, topo)
    return (
        *_infrastructure_rows(snapshot, env, lang),
        *_node_rows(env, topo, lang),
        *_cluster_rows(snapshot, env, topo, lang),
        *_workload_rows(snapshot, apps, lang),
    )
