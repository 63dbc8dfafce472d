"""The incident report as data: what was seen, why, what was checked, what was done, what to learn.

``build_incident(snapshot, diagnosis, journals, lang)`` follows the structure of
the report a team wrote by hand after the seed incident (summary, environment,
root-cause analysis, troubleshooting, solution, lessons) but fills every part
from the data: the snapshot (cloud, cluster, Helm state, probe observations),
the diagnosis (root causes, findings, fixes) and the fix journals (what was
applied). A section with nothing behind it says so instead of inventing text.

Pure: no I/O. Strings in the result are plain text as the cloud and cluster
gave them; the renderers (markdown.py, html.py) escape them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from kostack.analyze import findings as findings_module
from kostack.analyze.checks import BY_ID
from kostack.analyze.diagnose import Diagnosis, RootCause, root_cause_title
from kostack.analyze.findings import Finding, Remedy, Resource, Status, command_for
from kostack.analyze.mtu import effective_mtu
from kostack.analyze.reach import Endpoint, trace
from kostack.analyze.summary import cni_headline, cni_mode, describe_cni, environment
from kostack.analyze.topology import Topology
from kostack.model.snapshot import (
    IPAddress,
    Pod,
    ProbeObservation,
    Snapshot,
)
from kostack.report.i18n import MESSAGES, t
from kostack.report.journal import JournalAction
from kostack.report.releases import ReleaseTrouble, release_troubles
from kostack.report.topology_svg import PicFlow, Picture, picture

SYSTEM_NAMESPACES = frozenset(
    {
        "kube-system",
        "kube-public",
        "kube-node-lease",
        "calico-system",
        "calico-apiserver",
        "tigera-operator",
        "kube-flannel",
        "cilium",
        "cilium-system",
    }
)
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
SERVICE_SYMPTOMS = ("net-dns", "net-api-service")
MAX_COMMANDS = 20
MAX_APPLIED = 50
TEST_POD_WORDS = ("netshoot", "dns-test", "debug", "busybox", "dnsutils", "toolbox")
_POD_HASH = re.compile(r"-[a-z0-9]{6,10}-[a-z0-9]{5}$|-[a-z0-9]{5}$")


# --------------------------------------------------------------------------- the report's records


@dataclass(frozen=True)
class Command:
    command: str
    note: str = ""
    status: str = ""  # "", applied, failed, started, planned, rolled-back, skipped
    time: str = ""
    error: str = ""


@dataclass(frozen=True)
class CommandGroup:
    title: str
    commands: tuple[Command, ...]
    note: str = ""
    more: int = 0  # commands not shown (the full list: `kostack fix plan`)


@dataclass(frozen=True)
class PortRow:
    node: str
    port_id: str
    fixed_ips: str
    pairs: str
    port_security: str
    groups: str


@dataclass(frozen=True)
class CauseSection:
    key: str
    check_id: str
    heading: str
    severity: str
    severity_label: str
    what: str
    why: str
    breaks: tuple[str, ...]
    ports: tuple[PortRow, ...]
    evidence: tuple[str, ...]
    background: str


@dataclass(frozen=True)
class Note:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class ProbeRow:
    command: str
    source: str
    verdict: str
    ok: bool | None
    meaning: str
    detail: str


@dataclass(frozen=True)
class FlowRow:
    """Alike flows (same kind, outcome and reason): one example and how many there are."""

    kind: str
    flow: str
    ok: bool
    verdict: str
    where: str
    detail: str
    count: int = 1


@dataclass(frozen=True)
class Lesson:
    title: str
    text: str


@dataclass(frozen=True)
class IncidentReport:
    lang: str
    title: str
    generated_from: str
    symptoms: tuple[str, ...]
    impact: tuple[str, ...]
    environment: tuple[tuple[str, str], ...]
    causes: tuple[CauseSection, ...]
    notes: tuple[Note, ...]
    probes: tuple[ProbeRow, ...]
    flows: tuple[FlowRow, ...]
    checked_intro: str
    ping_note: str
    verify: tuple[Command, ...]
    also_ok: tuple[str, ...]
    undecided: tuple[str, ...]
    gaps: tuple[str, ...]
    applied: tuple[Command, ...]
    applied_more: int
    applied_note: str
    solution: tuple[CommandGroup, ...]
    lessons: tuple[Lesson, ...]
    picture: Picture
    root_cause_count: int
    worst: str


# --------------------------------------------------------------------------- helpers


def finding_message(finding: Finding, lang: str) -> str:
    """A finding's one-sentence message in ``lang`` (English until its template exists)."""
    render = getattr(findings_module, "message", None)
    if callable(render):
        return str(render(finding, lang))
    return localize(finding.message, lang)


def status_label(lang: str, status: str) -> str:
    """How an action ended, in ``lang`` (an outcome without a label is shown as it is)."""
    if not status:
        return ""
    key = "rep.status." + status
    return t(lang, key) if key in MESSAGES["en"] else status


def localize(text: object, lang: str) -> str:
    """Text that knows its template renders itself in ``lang``; plain text stays as it is."""
    render = getattr(text, "render", None)
    return str(render(lang)) if callable(render) else str(text)


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
    pods: int
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
                len(pods),
                frozenset(p.node for p in pods if p.node),
            )
        )
    return tuple(out)


# --------------------------------------------------------------------------- the builder


def build_incident(
    snapshot: Snapshot,
    diagnosis: Diagnosis,
    journals: tuple[JournalAction, ...] = (),
    lang: str = "en",
    egress_target: IPAddress | None = None,
) -> IncidentReport:
    """Everything the incident report says, computed from the data (no I/O)."""
    topo = Topology(snapshot)
    pic = picture(snapshot, egress_target, lang)
    apps = applications(snapshot)
    troubles = release_troubles(snapshot, diagnosis)
    roots = diagnosis.root_causes
    causes = tuple(_cause(diagnosis, topo, rc, i, lang) for i, rc in enumerate(roots, 1))
    notes = _notes(snapshot, topo, diagnosis, troubles, len(causes), lang)
    probes = tuple(_probe_row(p, topo, lang) for p in snapshot.probes)
    flows = _flow_rows(pic, lang) + _ping_rows(topo, lang)
    applied = tuple(
        Command(a.command, a.target, a.status, a.finished or a.started, a.error) for a in journals
    )
    worst = diagnosis.worst()
    return IncidentReport(
        lang=lang,
        title=_title(roots, apps, troubles, lang),
        generated_from=_generated_from(snapshot, lang),
        symptoms=_symptoms(snapshot, diagnosis, topo, apps, troubles, lang),
        impact=_impact(diagnosis, topo, apps, troubles, lang),
        environment=_environment(snapshot, topo, apps, troubles, lang),
        causes=causes,
        notes=notes,
        probes=probes,
        flows=flows,
        checked_intro=t(lang, "rep.checked.probes" if probes else "rep.checked.static"),
        ping_note=_ping_note(snapshot, topo, lang),
        verify=_verify_commands(snapshot, topo, lang),
        also_ok=_also_ok(diagnosis, lang),
        undecided=_undecided(diagnosis, lang),
        gaps=tuple(
            f"{g.source}: {g.error}" + (f" ({g.hint})" if g.hint else "") for g in snapshot.gaps
        ),
        applied=_shown(applied),
        applied_more=len(applied) - len(_shown(applied)),
        applied_note=t(lang, "rep.applied.some" if applied else "rep.applied.none"),
        solution=_solution(diagnosis, applied, troubles, lang),
        lessons=_lessons(snapshot, diagnosis, topo, troubles, pic, lang),
        picture=pic,
        root_cause_count=len(roots),
        worst=str(worst) if worst else "",
    )


def _title(
    roots: tuple[RootCause, ...],
    apps: tuple[App, ...],
    troubles: tuple[ReleaseTrouble, ...],
    lang: str,
) -> str:
    if not roots and not troubles:
        return t(lang, "rep.title.healthy")
    title = t(lang, "rep.title.outage") if roots else t(lang, "rep.title.release_only")
    failed = [tr.name for tr in troubles if not tr.gone] or [tr.name for tr in troubles]
    if failed:
        title += t(lang, "rep.title.and_release", releases=", ".join(failed))
    elif roots and apps:
        title += t(lang, "rep.title.affecting", apps=", ".join(a.name for a in apps[:3]))
    return title


def _generated_from(snapshot: Snapshot, lang: str) -> str:
    return t(
        lang,
        "rep.generated_from",
        created=snapshot.created_at or "?",
        source=snapshot.source or "?",
    )


def _count_nodes(findings: list[Finding]) -> int:
    return len({r.id for f in findings for r in f.affected})


def _breaks(d: Diagnosis, topo: Topology, symptoms: tuple[Finding, ...], lang: str) -> list[str]:
    by_check: dict[str, list[Finding]] = defaultdict(list)
    for f in symptoms:
        by_check[f.check_id].append(f)
    total = len(topo.node_views)
    out = []
    if "net-dns" in by_check:
        ip = topo.snapshot.cluster.cluster_dns_ip if topo.snapshot.cluster else None
        out.append(
            t(lang, "breaks_dns", ip=ip or "?", n=_count_nodes(by_check["net-dns"]), total=total)
        )
    if "net-api-service" in by_check:
        api = topo.services.get(("default", "kubernetes"))
        out.append(
            t(
                lang,
                "breaks_api",
                ip=api.cluster_ip if api else "?",
                n=_count_nodes(by_check["net-api-service"]),
                total=total,
            )
        )
    if "net-pod-to-pod" in by_check:
        n = sum(dict(f.counts).get("node_pairs", 0) for f in by_check["net-pod-to-pod"])
        out.append(t(lang, "breaks_p2p", n=n, total=d.node_pairs))
    if "net-pod-egress" in by_check:
        out.append(
            t(lang, "breaks_egress", n=_count_nodes(by_check["net-pod-egress"]), total=total)
        )
    return out


def _affected_nodes(d: Diagnosis, topo: Topology) -> set[str]:
    nodes: set[str] = set()
    port_to_node = {v.port.id: v.name for v in topo.node_views.values() if v.port is not None}
    for rc in d.root_causes:
        for r in rc.resources:
            if r.kind == "port" and r.id in port_to_node:
                nodes.add(port_to_node[r.id])
            elif r.kind == "node":
                nodes.add(r.id)
        for f in rc.symptoms:
            for r in f.affected:
                if r.kind == "port" and r.id in port_to_node:
                    nodes.add(port_to_node[r.id])
    if d.root_causes and not nodes:
        nodes = set(topo.node_views)
    return nodes


def _symptoms(
    snapshot: Snapshot,
    d: Diagnosis,
    topo: Topology,
    apps: tuple[App, ...],
    troubles: tuple[ReleaseTrouble, ...],
    lang: str,
) -> tuple[str, ...]:
    out: list[str] = []
    for p in snapshot.probes:
        if p.verdict in ("fail", "error") and not _is_clusterip_ping(p, topo):
            row = _probe_row(p, topo, lang)
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
        symptoms = tuple(f for rc in d.root_causes for f in rc.symptoms)
        out.extend(t(lang, "rep.symptom.static", what=b) for b in _breaks(d, topo, symptoms, lang))
        for rc in d.root_causes:
            if not rc.symptoms:
                what = finding_message(rc.findings[0], lang) if rc.findings else rc.title
                out.append(t(lang, "rep.symptom.static", what=what))
    cl = snapshot.cluster
    for pod in (cl.pods or ()) if cl else ():
        if pod.namespace in SYSTEM_NAMESPACES:
            continue
        if pod.phase and pod.phase not in ("Running", "Succeeded"):
            out.append(
                t(lang, "rep.symptom.pod", pod=f"{pod.namespace}/{pod.name}", phase=pod.phase)
            )
    for tr in troubles:
        if tr.gone:
            out.append(
                t(
                    lang,
                    "rep.symptom.orphans",
                    release=tr.name,
                    n=len(tr.pvcs),
                    namespace=tr.namespace,
                )
            )
        else:
            out.append(
                t(
                    lang,
                    "rep.symptom.release",
                    release=tr.name,
                    namespace=tr.namespace,
                    status=tr.status,
                )
            )
    if not out:
        out.append(t(lang, "rep.symptom.none"))
    return tuple(out)


BROKEN_KIND = {
    "net-pod-to-pod": "pod-to-pod",
    "net-dns": "dns",
    "net-api-service": "api",
    "net-pod-egress": "egress",
}


def _impact(
    d: Diagnosis,
    topo: Topology,
    apps: tuple[App, ...],
    troubles: tuple[ReleaseTrouble, ...],
    lang: str,
) -> tuple[str, ...]:
    out: list[str] = []
    symptoms = [f for rc in d.root_causes for f in rc.symptoms]
    checks = {f.check_id for f in symptoms}
    affected = _affected_nodes(d, topo)
    kinds = [t(lang, "pic.kind." + kind) for check, kind in BROKEN_KIND.items() if check in checks]
    if kinds:
        out.append(
            t(
                lang,
                "rep.impact.scope",
                n=len(affected),
                total=len(topo.node_views),
                kinds=", ".join(kinds),
            )
        )
    for rc in d.root_causes:
        if not rc.symptoms:
            out.append(root_cause_title(rc.key, lang))
    hit = [a for a in apps if a.nodes & affected]
    if hit:
        out.append(
            t(lang, "rep.impact.apps", apps=", ".join(f"{a.name} ({a.namespace})" for a in hit))
        )
    for tr in troubles:
        if not tr.gone:
            out.append(t(lang, "rep.impact.release", release=tr.name, status=tr.status))
    if not out:
        out.append(t(lang, "rep.impact.none"))
    return tuple(out)


def _environment(
    snapshot: Snapshot,
    topo: Topology,
    apps: tuple[App, ...],
    troubles: tuple[ReleaseTrouble, ...],
    lang: str,
) -> tuple[tuple[str, str], ...]:
    env = environment(snapshot, topo)
    os_ = snapshot.openstack
    rows: list[tuple[str, str]] = []
    infra = release_label(os_.release if os_ else None, lang)
    where = []
    if os_ is not None:
        if os_.cloud:
            where.append(f"cloud {os_.cloud}")
        if os_.region:
            where.append(f"region {os_.region}")
        where.append(f"project {env.project}")
    if where:
        infra += " — " + ", ".join(where)
    rows.append((t(lang, "rep.env.infra"), infra))
    backend = env.backend
    if os_ is not None and os_.backend_source:
        backend += f" ({os_.backend_source})"
    rows.append(
        (
            t(lang, "rep.env.neutron"),
            backend if env.backend != "unknown" else t(lang, "rep.env.unknown"),
        )
    )
    network = ", ".join(env.networks) or "?"
    if env.node_subnets:
        network += " · " + t(lang, "rep.env.subnets", subnets=", ".join(env.node_subnets))
    routers = [r.name or r.id for r in topo.routers]
    if routers:
        network += " · " + t(lang, "rep.env.routers", routers=", ".join(routers))
    rows.append((t(lang, "rep.env.network"), network))
    kernels = sorted(
        {v.node.kernel_version for v in topo.node_views.values() if v.node.kernel_version}
    )
    node_os = ", ".join(env.os_images) or t(lang, "rep.env.unknown")
    if kernels:
        node_os += f" (kernel {', '.join(kernels[:3])})"
    rows.append((t(lang, "rep.env.os"), node_os))
    rows.append(
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
    )
    cni, pools = describe_cni(snapshot)
    cl = snapshot.cluster
    mtu = ""
    first = next(iter(topo.node_views.values()), None)
    pod_mtu = effective_mtu(topo, first) if first is not None else None
    if pod_mtu is not None and pod_mtu.pod_mtu is not None:
        mtu = f", MTU {pod_mtu.pod_mtu}" + (" (auto)" if pod_mtu.auto else "")
    rows.append((t(lang, "rep.env.cni"), cni + (": " + "; ".join(pools) if pools else "") + mtu))
    if cl is not None:
        cidrs = t(
            lang,
            "rep.env.cidrs_value",
            pods=", ".join(str(c) for c in topo.pod_cidrs) or "?",
            services=", ".join(str(c) for c in topo.service_cidrs) or "?",
            dns=cl.cluster_dns_ip or "?",
        )
        rows.append((t(lang, "rep.env.cidrs"), cidrs))
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
    return tuple(rows)


def _port_rows(topo: Topology, resources: tuple[Resource, ...]) -> tuple[PortRow, ...]:
    node_of = {v.port.id: v.name for v in topo.node_views.values() if v.port is not None}
    rows = []
    for r in resources:
        if r.kind != "port":
            continue
        port = topo.ports.get(r.id)
        if port is None:
            continue
        groups = ", ".join(
            (topo.groups[g].name or g) if g in topo.groups else g for g in port.security_group_ids
        )
        rows.append(
            PortRow(
                node=node_of.get(port.id, r.name),
                port_id=port.id,
                fixed_ips=", ".join(str(f.ip_address) for f in port.fixed_ips) or "-",
                pairs=", ".join(str(p.ip_address) for p in port.allowed_address_pairs) or "[]",
                port_security={True: "on", False: "off", None: "?"}[port.port_security_enabled],
                groups=groups or "-",
            )
        )
    return tuple(rows)


def _cause(d: Diagnosis, topo: Topology, rc: RootCause, n: int, lang: str) -> CauseSection:
    title = root_cause_title(rc.key, lang)
    if title == rc.key:
        check = BY_ID.get(rc.check_id)
        title = (check.docs.get(lang, {}).get("title") if check else None) or rc.title
    heading = t(lang, "rep.cause.main" if n == 1 else "rep.cause.other", n=n, title=title)
    lead = rc.findings[0] if rc.findings else rc.symptoms[0]
    what = finding_message(lead, lang)
    why = ""
    if rc.key == "antispoof":
        why, what = _antispoof_why(d, topo, rc, lang), what
    check = BY_ID.get(rc.check_id)
    background = check.docs.get(lang, {}).get("explanation", "") if check else ""
    return CauseSection(
        key=rc.key,
        check_id=rc.check_id,
        heading=heading,
        severity=str(rc.severity),
        severity_label=t(lang, "sev." + str(rc.severity)),
        what=what,
        why=why,
        breaks=tuple(_breaks(d, topo, rc.symptoms, lang)),
        ports=_port_rows(topo, rc.resources)[:50],
        evidence=tuple(localize(e, lang) for e in rc.evidence),
        background=background,
    )


def _antispoof_why(d: Diagnosis, topo: Topology, rc: RootCause, lang: str) -> str:
    subnets = sorted({str(v.subnet.cidr) for v in topo.node_views.values() if v.subnet is not None})
    flows = [str(flow) for f in rc.findings for flow in f.flows]
    whys = []
    native_p2p = any("pod -> pod" in flow for flow in flows)
    if native_p2p and len(subnets) == 1:
        whys.append(t(lang, "antispoof_why_same", n=len(topo.node_views), subnet=subnets[0]))
    elif native_p2p:
        whys.append(", ".join(subnets))
    if any("outside the cluster" in flow for flow in flows):
        whys.append(t(lang, "antispoof_why_egress"))
    return t(
        lang,
        "antispoof_summary",
        cni=cni_headline(d.snapshot),
        why="; ".join(whys) or "-",
        pod_cidr=", ".join(str(c) for c in topo.pod_cidrs) or "?",
    )


def _api_ip(topo: Topology) -> str:
    api = topo.services.get(("default", "kubernetes"))
    if api is not None and api.cluster_ip is not None:
        return str(api.cluster_ip)
    cidrs = topo.service_cidrs
    if cidrs:
        return str(next(iter(cidrs[0].hosts()), cidrs[0].network_address))
    return "10.96.0.1"


def _ping_note(snapshot: Snapshot, topo: Topology, lang: str) -> str:
    mode = snapshot.cluster.kube_proxy_mode if snapshot.cluster else None
    key = "rep.ping.ipvs" if mode == "ipvs" else "rep.ping.iptables"
    return t(lang, key, ip=_api_ip(topo), mode=mode or "iptables")


def _notes(
    snapshot: Snapshot,
    topo: Topology,
    d: Diagnosis,
    troubles: tuple[ReleaseTrouble, ...],
    n_causes: int,
    lang: str,
) -> tuple[Note, ...]:
    out: list[Note] = []
    number = n_causes + 1
    services_hit = any(f.check_id in SERVICE_SYMPTOMS for rc in d.root_causes for f in rc.symptoms)
    pinged = [p for p in snapshot.probes if _is_clusterip_ping(p, topo)]
    if snapshot.cluster is not None and (services_hit or pinged or d.root_causes):
        paragraphs = [_ping_note(snapshot, topo, lang)]
        if pinged:
            p = pinged[0]
            paragraphs.append(
                t(
                    lang,
                    "rep.ping.observed",
                    ip=p.target_ip or p.target,
                    verdict=_verdict_label(p.verdict, lang),
                )
            )
        paragraphs.append(t(lang, "rep.ping.instead", ip=_api_ip(topo)))
        out.append(Note(t(lang, "rep.note.clusterip", n=number), tuple(paragraphs)))
        number += 1
    for tr in troubles:
        paragraphs = []
        if tr.status == "failed" and d.root_causes:
            paragraphs.append(t(lang, "rep.release.during_outage"))
        paragraphs.extend(f"`{f.check_id}` {finding_message(f, lang)}" for f in tr.findings)
        if tr.pvcs:
            paragraphs.append(
                t(
                    lang,
                    "rep.release.pvcs",
                    pvcs=", ".join(f"{p.namespace}/{p.name}" for p in tr.pvcs[:8]),
                )
            )
        out.append(Note(t(lang, "rep.note.release", n=number, release=tr.name), tuple(paragraphs)))
        number += 1
    return tuple(out)


def _is_clusterip_ping(p: ProbeObservation, topo: Topology) -> bool:
    icmp = p.kind.lower() in ("ping", "icmp") or (p.protocol or "").lower() == "icmp"
    return icmp and p.target_ip is not None and p.target_ip in topo.service_by_ip


def _verdict_label(verdict: str, lang: str) -> str:
    return t(lang, "rep.verdict." + verdict)


def _probe_command(p: ProbeObservation, domain: str) -> str:
    """The command a person would type for what the probe did (kinds of kostack.probe.plan)."""
    kind = p.kind.lower()
    ip = str(p.target_ip) if p.target_ip is not None else p.target
    port = p.target_port
    name = f"kubernetes.default.svc.{domain}"
    if kind in ("dns-udp", "dns"):
        return f"nslookup {name} {ip}" if p.target_ip is not None else f"nslookup {p.target}"
    if kind == "dns-tcp":
        return f"nslookup -vc {name} {ip}"
    if kind.startswith("icmp") or kind == "ping":
        return f"ping {ip}"
    if kind in ("api-tcp", "egress", "tcp", "connect", "nc"):
        return f"nc -zv {ip} {port}" if port else f"nc -zv {ip}"
    if kind in ("api-tls", "tls", "https"):
        return f"wget https://{ip}:{port or 443}"
    if kind in ("pod-http", "http"):
        return f"wget http://{ip}:{port or 80}/"
    if kind == "transfer":
        return f"wget -O /dev/null http://{ip}:{port or 80}/<large>"
    if kind in ("mtu", "pmtu"):
        return f"ping -M do -s <SIZE> {ip}"
    suffix = f":{port}" if port else ""
    return f"{p.kind} {p.target}{suffix}"


def _probe_row(p: ProbeObservation, topo: Topology, lang: str) -> ProbeRow:
    source = p.source_pod or p.source_node or (str(p.source_ip) if p.source_ip else "?")
    if p.source_pod and p.source_node:
        source = f"{p.source_pod} ({p.source_node})"
    ok: bool | None = {"pass": True, "fail": False, "error": False}.get(p.verdict)
    meaning = ""
    if _is_clusterip_ping(p, topo):
        ok = None
        meaning = t(lang, "rep.probe.clusterip_ping")
    elif p.verdict == "expected-no-reply":
        ok = None
        meaning = t(lang, "rep.probe.no_reply_ok")
    elif p.verdict == "pass" and "tls" in p.detail.lower():
        meaning = t(lang, "rep.probe.tls_proves")
    elif p.verdict in ("fail", "error"):
        meaning = t(lang, "rep.probe.broken")
    domain = topo.snapshot.cluster.dns_domain if topo.snapshot.cluster else "cluster.local"
    command = _probe_command(p, domain)
    return ProbeRow(command, source, _verdict_label(p.verdict, lang), ok, meaning, p.detail)


FLOW_ORDER = {"dns": 0, "api": 1, "pod-to-pod": 2, "egress": 3}


def _flow_rows(pic: Picture, lang: str) -> tuple[FlowRow, ...]:
    """Counts instead of floods: one row per kind, outcome and reason, with an example."""
    groups: dict[tuple[str, bool, str, str], list[PicFlow]] = defaultdict(list)
    for f in pic.flows:
        groups[(f.kind, f.ok, f.reason, f.verdict)].append(f)
    rows = []
    for (kind, ok, _, verdict), flows in sorted(
        groups.items(), key=lambda kv: (kv[0][1], FLOW_ORDER.get(kv[0][0], 9), kv[0][2])
    ):
        # the example a reader recognises: a workload's pod before a system pod
        example = next((f for f in flows if not f.label.startswith("pod kube-system/")), flows[0])
        rows.append(
            FlowRow(
                kind=t(lang, "pic.kind." + kind),
                flow=example.label,
                ok=ok,
                verdict=t(lang, "disp.accepted") if ok else t(lang, "disp." + verdict),
                where=example.where,
                detail=example.detail,
                count=sum(f.count for f in flows),
            )
        )
    return tuple(rows)


def _ping_rows(topo: Topology, lang: str) -> tuple[FlowRow, ...]:
    """What `ping <ClusterIP>` does, traced: the red herring, said with the engine's reason."""
    api = topo.services.get(("default", "kubernetes"))
    pod = _test_pod(topo.snapshot)
    if api is None or api.cluster_ip is None or pod is None or pod.ip is None or not pod.node:
        return ()
    src = Endpoint("pod", f"pod {pod.namespace}/{pod.name} {pod.ip}", pod.ip, pod.node)
    dst = Endpoint("service", f"svc default/kubernetes {api.cluster_ip}", api.cluster_ip)
    results = trace(topo, src, dst, "icmp", None)
    if not results:
        return ()
    r = results[0]
    hop = r.hops[-1] if r.hops else None
    return (
        FlowRow(
            kind="ping",
            flow=f"ping {api.cluster_ip} ({localize(src.label, lang)})",
            ok=True,
            verdict=t(lang, "rep.verdict.expected-no-reply")
            if r.no_reply_expected
            else t(lang, "disp." + str(r.verdict)),
            where=localize(hop.where, lang) if hop else "",
            detail=localize(hop.detail, lang) if hop else "",
        ),
    )


def _test_pod(snapshot: Snapshot) -> Pod | None:
    cl = snapshot.cluster
    pods = [p for p in (cl.pods or ()) if not p.host_network] if cl else []
    for word in TEST_POD_WORDS:
        for p in pods:
            if word in p.name:
                return p
    for p in pods:
        if p.namespace not in SYSTEM_NAMESPACES:
            return p
    return None


def _verify_commands(snapshot: Snapshot, topo: Topology, lang: str) -> tuple[Command, ...]:
    cl = snapshot.cluster
    if cl is None:
        return ()
    pod = _test_pod(snapshot)
    exec_ = f"kubectl exec -n {pod.namespace} {pod.name} -- " if pod else "kubectl exec <POD> -- "
    api_ip = _api_ip(topo)
    domain = cl.dns_domain or "cluster.local"
    out = [
        Command(f"{exec_}nslookup kubernetes.default.svc.{domain}", t(lang, "rep.verify.dns")),
        Command(f"{exec_}nc -zv -w 3 {api_ip} 443", t(lang, "rep.verify.tcp")),
        Command(f"{exec_}wget -T 5 -O- https://{api_ip}:443/version", t(lang, "rep.verify.tls")),
    ]
    others = [
        p
        for p in (cl.pods or ())
        if p.ip and not p.host_network and p.node != (pod.node if pod else None)
    ]
    if pod is not None and others:
        target = others[0]
        out.append(
            Command(
                f"{exec_}nc -zv -w 3 {target.ip} <PORT>",
                t(
                    lang,
                    "rep.verify.p2p",
                    pod=f"{target.namespace}/{target.name}",
                    node=target.node or "?",
                ),
            )
        )
    out.append(Command("kostack diagnose", t(lang, "rep.verify.rerun")))
    return tuple(out)


def _also_ok(d: Diagnosis, lang: str) -> tuple[str, ...]:
    failing = {f.check_id for f in d.findings if f.status == Status.FAIL}
    out = []
    for c in d.checks:
        if c.id in failing:
            continue
        passing = [f for f in d.findings if f.check_id == c.id and f.status == Status.PASS]
        if not passing:
            continue
        out.append(f"{c.id}: {finding_message(passing[0], lang)}")
    return tuple(out)


def _undecided(d: Diagnosis, lang: str) -> tuple[str, ...]:
    per: dict[str, list[Finding]] = defaultdict(list)
    for f in d.findings:
        if f.status == Status.UNKNOWN:
            per[f.check_id].append(f)
    out = []
    for check_id, fs in per.items():
        more = f" (+{len(fs) - 1})" if len(fs) > 1 else ""
        out.append(f"{check_id}: {finding_message(fs[0], lang)}{more}")
    return tuple(out)


def _norm(command: str) -> str:
    return " ".join(command.split())


def _commands(remedies: tuple[Remedy, ...], applied: dict[str, Command]) -> tuple[Command, ...]:
    out = []
    for r in remedies:
        cmd = command_for(r)
        done = applied.get(_norm(cmd))
        out.append(
            Command(
                cmd,
                r.target_name,
                done.status if done else "",
                done.time if done else "",
                done.error if done else "",
            )
        )
    return tuple(out)


def _solution(
    d: Diagnosis, applied: tuple[Command, ...], troubles: tuple[ReleaseTrouble, ...], lang: str
) -> tuple[CommandGroup, ...]:
    """The fix of every root cause (recommended, conditional, fast), then clean reinstalls."""
    done = {_norm(c.command): c for c in applied}
    out: list[CommandGroup] = []

    def number() -> int:
        return len(out) + 1

    for rc in d.root_causes:
        title = root_cause_title(rc.key, lang)
        if rc.fix.remedies:
            key = "rep.fix.recommended" if rc.fix.alternative else "rep.fix.plain"
            out.append(
                CommandGroup(
                    t(lang, key, n=number(), title=title),
                    _commands(rc.fix.remedies, done),
                    t(lang, "rep.fix.recommended_note") if rc.key == "antispoof" else "",
                )
            )
        if rc.fix.conditional:
            out.append(
                CommandGroup(
                    t(lang, "rep.fix.conditional", n=number()),
                    _commands(rc.fix.conditional, done),
                )
            )
        if rc.fix.alternative:
            out.append(
                CommandGroup(
                    t(lang, "rep.fix.fast", n=number()),
                    _commands(rc.fix.alternative, done),
                    t(lang, "rep.fix.fast_note"),
                )
            )
    out = [_capped(g) for g in out]
    planned = {_norm(c.command) for g in out for c in g.commands}
    extra = tuple(c for c in applied if _norm(c.command) not in planned)
    if extra:
        out.append(CommandGroup(t(lang, "rep.fix.journal_only", n=number()), extra))
    for tr in troubles:
        out.append(_recovery(tr, number(), lang))
    return tuple(out)


def _shown(applied: tuple[Command, ...]) -> tuple[Command, ...]:
    """Every failed action, and the others up to MAX_APPLIED, in journal order."""
    if len(applied) <= MAX_APPLIED:
        return applied
    budget = MAX_APPLIED - sum(1 for c in applied if c.status == "failed")
    out = []
    for c in applied:
        if c.status == "failed":
            out.append(c)
        elif budget > 0:
            out.append(c)
            budget -= 1
    return tuple(out)


def _capped(group: CommandGroup) -> CommandGroup:
    """Counts instead of floods: the first MAX_COMMANDS commands, and how many more there are."""
    if len(group.commands) <= MAX_COMMANDS:
        return group
    return CommandGroup(
        group.title,
        group.commands[:MAX_COMMANDS],
        group.note,
        len(group.commands) - MAX_COMMANDS,
    )


def _recovery(tr: ReleaseTrouble, n: int, lang: str) -> CommandGroup:
    cmds: list[Command] = []
    if not tr.gone:
        cmds.append(
            Command(
                f"helm uninstall {tr.name} -n {tr.namespace}", t(lang, "rep.recovery.uninstall")
            )
        )
    by_ns: dict[str, list[str]] = defaultdict(list)
    for p in tr.pvcs:
        by_ns[p.namespace].append(p.name)
    for ns, names in sorted(by_ns.items()):
        cmds.append(
            Command(f"kubectl delete pvc -n {ns} {' '.join(names)}", t(lang, "rep.recovery.pvcs"))
        )
    cmds.append(Command("kostack diagnose", t(lang, "rep.recovery.check_network")))
    chart = f"<REPO>/{tr.chart}" if tr.chart else "<CHART>"
    version = f" --version {tr.chart_version}" if tr.chart_version else ""
    cmds.append(
        Command(
            f"helm install {tr.name} {chart}{version} -n {tr.namespace} --create-namespace",
            t(lang, "rep.recovery.reinstall"),
        )
    )
    return CommandGroup(
        t(lang, "rep.recovery.title", n=n, release=tr.name),
        tuple(cmds),
        t(lang, "rep.recovery.note"),
    )


def _lesson_mode(snapshot: Snapshot, pools: tuple[str, ...], cni: str) -> str:
    """What the lesson says pod traffic is carried with: Calico's pool, else the CNI's mode."""
    calico = snapshot.cluster is not None and snapshot.cluster.cni.type == "calico"
    if calico and pools:
        return pools[0]
    return cni_mode(snapshot) or cni


def _lessons(
    snapshot: Snapshot,
    d: Diagnosis,
    topo: Topology,
    troubles: tuple[ReleaseTrouble, ...],
    pic: Picture,
    lang: str,
) -> tuple[Lesson, ...]:
    keys = {rc.key for rc in d.root_causes}
    warnings = {f.cause for f in d.warnings}
    out: list[Lesson] = []
    pods = ", ".join(str(c) for c in topo.pod_cidrs) or "<POD_CIDR>"
    cni, pools = describe_cni(snapshot)
    if "antispoof" in keys:
        out.append(
            Lesson(
                t(lang, "rep.lesson.plan_pairs.title"),
                t(
                    lang,
                    "rep.lesson.plan_pairs",
                    pods=pods,
                    cni=cni,
                    mode=_lesson_mode(snapshot, pools, cni),
                ),
            )
        )
    if keys & {"sg-encap", "sg-node", "sg-pod-source"}:
        out.append(Lesson(t(lang, "rep.lesson.sg.title"), t(lang, "rep.lesson.sg", cni=cni)))
    if "mtu" in keys:
        out.append(Lesson(t(lang, "rep.lesson.mtu.title"), t(lang, "rep.lesson.mtu")))
    if "no-port" in keys:
        out.append(Lesson(t(lang, "rep.lesson.no_port.title"), t(lang, "rep.lesson.no_port")))
    if keys & {"router-no-route-back", "router-wrong-route", "native-cross-subnet", "no-router"}:
        out.append(
            Lesson(t(lang, "rep.lesson.routes.title"), t(lang, "rep.lesson.routes", pods=pods))
        )
    if "port-security-off" in warnings:
        out.append(
            Lesson(t(lang, "rep.lesson.portsec_off.title"), t(lang, "rep.lesson.portsec_off"))
        )
    services_hit = any(f.check_id in SERVICE_SYMPTOMS for rc in d.root_causes for f in rc.symptoms)
    pinged = any(_is_clusterip_ping(p, topo) for p in snapshot.probes)
    if services_hit or pinged:
        out.append(
            Lesson(t(lang, "rep.lesson.ping.title"), t(lang, "rep.lesson.ping", ip=_api_ip(topo)))
        )
    if troubles:
        out.append(
            Lesson(
                t(lang, "rep.lesson.clean.title"),
                t(lang, "rep.lesson.clean", releases=", ".join(tr.name for tr in troubles)),
            )
        )
    if d.root_causes:
        out.append(Lesson(t(lang, "rep.lesson.ci.title"), t(lang, "rep.lesson.ci")))
    if not out:
        out.append(Lesson(t(lang, "rep.lesson.healthy.title"), t(lang, "rep.lesson.healthy")))
    return tuple(out)


__all__ = [
    "CauseSection",
    "Command",
    "CommandGroup",
    "FlowRow",
    "IncidentReport",
    "Lesson",
    "Note",
    "PortRow",
    "ProbeRow",
    "build_incident",
    "finding_message",
    "localize",
]
