"""The report's root-cause analysis: each cause with its ports and evidence, then the notes. Pure."""

from __future__ import annotations

from collections import defaultdict

from kostack.analyze.checks import BY_ID
from kostack.analyze.diagnose import Diagnosis, RootCause, root_cause_title
from kostack.analyze.engine.calico_moved import calico_subnets
from kostack.analyze.findings import Finding, Resource
from kostack.analyze.remedy import ranges_label
from kostack.analyze.summary import cni_headline
from kostack.analyze.topology import Topology
from kostack.model.snapshot import Snapshot
from kostack.report.breaks import breaks_lines, source_nodes, unsaid_symptoms
from kostack.report.incident_model import (
    SERVICE_SYMPTOMS,
    CauseSection,
    Note,
    PortRow,
    api_ip,
    is_clusterip_ping,
    ping_note,
    verdict_label,
)
from kostack.report.lb_text import lb_breaks_marked
from kostack.report.markup import Marked, code, concat, join, marked, plain
from kostack.report.markup import mt as t
from kostack.report.releases import ReleaseTrouble, release_labels
from kostack.shell import render


def breaks(d: Diagnosis, topo: Topology, symptoms: tuple[Finding, ...], lang: str) -> list[Marked]:
    """What the symptoms break, one line per kind of flow, with counts."""
    by_check: dict[str, list[Finding]] = defaultdict(list)
    for f in symptoms:
        by_check[f.check_id].append(f)
    return breaks_lines(d, topo, by_check, lang, t, source_nodes, lb_breaks_marked)


def affected_nodes(d: Diagnosis, topo: Topology) -> set[str]:
    """The nodes whose ports or pods the root causes touch (all nodes when none is named)."""
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


def cause_section(d: Diagnosis, topo: Topology, rc: RootCause, n: int, lang: str) -> CauseSection:
    """One root cause: heading, what, why, what it breaks, its ports and evidence."""
    heading_title: str = root_cause_title(rc.key, lang)
    if heading_title == rc.key:
        check = BY_ID.get(rc.check_id)
        heading_title = (check.docs.get(lang, {}).get("title") if check else None) or rc.title
    heading = t(lang, "rep.cause.main" if n == 1 else "rep.cause.other", n=n, title=heading_title)
    lead = rc.findings[0] if rc.findings else rc.symptoms[0]
    # a cause that fails differently per case says the lead's case, as `kostack diagnose` does
    what = marked(rc.message if lead.condition else lead.message, lang)
    ports = sorted({r.name or r.id for r in rc.resources if r.kind == "port"})
    if len(rc.findings) > 1 and len(ports) > 1:
        # the lead finding names its own node class; the cause is every port's
        shown_ports = ", ".join(ports[:20]) + (f" (+{len(ports) - 20})" if len(ports) > 20 else "")
        what = t(lang, "rep.cause.every_port", what=what, n=len(ports), ports=shown_ports)
    why: str = ""
    if rc.key == "antispoof":
        why = _antispoof_why(d, topo, rc, lang)
    check = BY_ID.get(rc.check_id)
    background = check.docs.get(lang, {}).get("explanation", "") if check else ""
    return CauseSection(
        check_id=rc.check_id,
        heading=heading,
        severity=str(rc.severity),
        severity_label=t(lang, "sev." + str(rc.severity)),
        what=what,
        why=why,
        breaks=tuple(breaks(d, topo, unsaid_symptoms(rc), lang)),
        ports=_port_rows(topo, rc.resources)[:50],
        evidence=tuple(plain(marked(e, lang)) for e in rc.evidence),
        background=Marked(background),
        cases=tuple(
            t(
                lang,
                "case_other",
                condition=marked(f.condition, lang),
                message=marked(f.message, lang),
            )
            for f in rc.cases
        ),
        tell=tuple(marked(line, lang) for line in rc.tell) if not rc.condition else (),
    )


# a Kube-OVN underlay Subnet's pods, whose own MACs no pair passes (net-pod-src-antispoof)
POD_MAC = "net-pod-src-antispoof.fail-pod-mac"


def _antispoof_why(d: Diagnosis, topo: Topology, rc: RootCause, lang: str) -> Marked:
    if any(getattr(f.message, "key", "") == POD_MAC for f in rc.findings):
        cni = marked(cni_headline(d.snapshot), lang)
        pods = marked(ranges_label((), topo.pod_cidrs), lang)
        return t(lang, "antispoof_pod_mac", cni=cni, pod_cidr=pods)
    subnets = calico_subnets(topo)  # where the pods' packets leave (a second NIC's, for Calico)
    flows = [str(flow) for f in rc.findings for flow in f.flows]
    whys: list[str] = []
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
        cni=marked(cni_headline(d.snapshot), lang),
        why=join("; ", whys) if whys else "-",
        pod_cidr=marked(ranges_label(rc.fix.remedies, topo.pod_cidrs), lang),
    )


def notes(
    snapshot: Snapshot,
    topo: Topology,
    d: Diagnosis,
    troubles: tuple[ReleaseTrouble, ...],
    n_causes: int,
    lang: str,
) -> tuple[Note, ...]:
    """The ClusterIP ping note (when services or pings are involved), then one note per release."""
    out: list[Note] = []
    number = n_causes + 1
    services_hit = any(f.check_id in SERVICE_SYMPTOMS for rc in d.root_causes for f in rc.symptoms)
    pinged = [p for p in snapshot.probes if is_clusterip_ping(p, topo)]
    if snapshot.cluster is not None and (services_hit or pinged or d.root_causes):
        paragraphs: list[str] = [ping_note(topo, lang)]
        if pinged:
            p = pinged[0]
            paragraphs.append(
                t(
                    lang,
                    "rep.ping.observed",
                    ip=p.target_ip or p.target,
                    verdict=verdict_label(p.verdict, lang),
                )
            )
        api = api_ip(topo)
        paragraphs.append(
            t(
                lang,
                "rep.ping.instead",
                tcp=render(["nc", "-zv", api, "443"]),
                tls=render(["wget", f"https://{api}:443"]),
            )
        )
        out.append(Note(t(lang, "rep.note.clusterip", n=number), tuple(paragraphs)))
        number += 1
    labels = release_labels(troubles)
    for tr in troubles:
        paragraphs = []
        if tr.failed and tr.status == "failed" and d.root_causes:
            paragraphs.append(t(lang, "rep.release.during_outage"))
        paragraphs.extend(
            concat(code(f.check_id), " ", marked(f.message, lang))
            for member in tr.family
            for f in member.findings
        )
        plan = tr.advice.plan if tr.advice is not None else None
        pvc_key = "rep.release.own_pvcs"
        if plan is not None and plan.pvcs:
            keys = [p.key for p in plan.pvcs]  # what its reinstall deletes: proven, all of them
            pvc_key = "rep.release.pvcs"
        elif tr.failed or tr.gone:
            keys = [f"{p.namespace}/{p.name}" for p in tr.pvcs]
        else:
            keys = []
        if keys:
            more = f" (+{len(keys) - 8})" if len(keys) > 8 else ""
            paragraphs.append(t(lang, pvc_key, pvcs=", ".join(keys[:8]) + more))
        key = "rep.note.release" if tr.failed else "rep.note.release_findings"
        out.append(Note(t(lang, key, n=number, release=labels[tr.key]), tuple(paragraphs)))
        number += 1
    return tuple(out)
