"""Terminal renderings of a diagnosis and of a trace. Pure: result in, text out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from kostack.analyze.diagnose import Diagnosis, RootCause, root_cause_title
from kostack.analyze.engine.calico_moved import calico_subnets
from kostack.analyze.engine.clusterip_ping import ping_story
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import Msg
from kostack.analyze.messages import localize as L
from kostack.analyze.reach import CasedTrace, Disposition, FlowResult
from kostack.analyze.remedy import ranges_label
from kostack.analyze.summary import environment
from kostack.analyze.topology import Topology, short_id
from kostack.gap_words import gap_error, gap_hint
from kostack.report.breaks import breaks_lines, source_nodes, unsaid_symptoms
from kostack.report.cells import cells, labelled, pad, wrap
from kostack.report.i18n import t
from kostack.report.incident_model import SERVICE_SYMPTOMS
from kostack.report.lb_text import lb_breaks
from kostack.report.probes import probe_section, root_cause_probe_lines
from kostack.report.safe import terminal_safe
from kostack.report.verdict_text import (
    case_lines,
    commands,
    conditional_section,
    consequence_lines,
    undecided_lines,
    verdict_line,
)
from kostack.shell import render

INDENT = "  "
POOLS_SHOWN = 4
# the labels of a root cause's lines, padded to the widest in the reader's language
_LABELS = ("ports", "nodes", "breaks", "note", "evidence", "groups", "consequences", "explains")


def render_diagnosis(
    d: Diagnosis, lang: str = "en", verbose: bool = False, again: Sequence[str] = ()
) -> str:
    """The diagnosis as text; ``again`` selects the same input in the commands it points to
    (``--snapshot FILE``: a bare `kostack fix plan` would collect live instead)."""
    plan = render(["kostack", "fix", "plan", *again])
    topo = Topology(d.snapshot)
    env = environment(d.snapshot, topo)
    lines: list[str] = wrap(verdict_line(d, lang), INDENT, first="")
    shown = [L(p, lang) for p in env.pools[:POOLS_SHOWN]]  # 50 pools: four and a count
    if len(env.pools) > POOLS_SHOWN:
        shown.append(t(lang, "pools_more", n=len(env.pools) - POOLS_SHOWN))
    pools = ", " + ", ".join(shown) if shown else ""
    collected = t(
        lang,
        "collected",
        project=env.project,
        networks=", ".join(t(lang, "network_one", name=L(n, lang)) for n in env.networks)
        or t(lang, "network_one", name="?"),
        ports=env.node_ports,
        groups=env.security_groups,
        version=env.kubernetes_version,
        nodes=env.nodes,
        cni=L(env.cni, lang),
        pools=pools,
    )
    lines.extend(wrap(collected, ""))
    lines.append("")
    # a fast alternative: the plan by that method has it (a conditional cause's, marked for its
    # case); the default plan has the recommended fix, not it
    listing = render(["kostack", "fix", "plan", *again, "--method", "disable-port-security"])
    roots = d.root_causes
    for i, rc in enumerate(roots, 1):
        lines.extend(_root_cause(d, topo, rc, (i, len(roots)), lang, verbose, (plan, listing)))
        lines.append("")
    lines.extend(
        conditional_section(d, lang, verbose, lambda rc: _breaks(d, topo, rc, lang), plan, listing)
    )
    if d.warnings:
        lines.append(t(lang, "warnings"))
        for f in d.warnings:
            sev = t(lang, "sev." + str(f.severity))
            lines.extend(wrap(f"[{sev}] {L(f.message, lang)}", INDENT * 2, first=INDENT))
            if f.remedies:  # a rule that quiets it, which the plan leaves to the user
                lines.append(f"{INDENT * 2}{t(lang, 'fix_optional')}")
                lines.extend(f"  {line}" for line in commands(f.remedies, lang, verbose, plan=plan))
        lines.append("")
    lines.extend(probe_section(d, lang, verbose))
    lines.extend(_summary_lines(d, lang, verbose, render(["kostack", "diagnose", *again, "-v"])))
    return terminal_safe("\n".join(lines).rstrip() + "\n")


def _root_cause(
    d: Diagnosis,
    topo: Topology,
    rc: RootCause,
    at: tuple[int, int],
    lang: str,
    verbose: bool,
    plans: tuple[str, str],
) -> list[str]:
    """``plans``: the plan command, and the one by the disable-port-security method."""
    plan, listing = plans
    n, total = at
    sev = t(lang, "sev." + str(rc.severity))
    head = f"{t(lang, 'root_cause', n=n, total=total)}  [{sev}]  "
    out = wrap(root_cause_title(rc.key, lang), INDENT, first=head)
    out.extend(wrap(_summary(d, topo, rc, lang), INDENT))
    out.extend(case_lines(rc, lang))
    ports = [r for r in rc.resources if r.kind == "port"]
    nodes = [r for r in rc.resources if r.kind == "node"]
    groups = [r for r in rc.resources if r.kind == "security_group"]
    label_w = max(cells(t(lang, k)) for k in _LABELS) + 1
    if groups:
        shown_groups = "  ".join(f"{r.name} {short_id(r.id)}" for r in groups)
        out.append(f"{INDENT}{pad(t(lang, 'groups'), label_w)} {shown_groups}")
    if ports:
        shown = "  ".join(f"{r.name} {short_id(r.id)}" for r in ports[:8])
        more = f"  (+{len(ports) - 8})" if len(ports) > 8 else ""
        out.append(f"{INDENT}{pad(t(lang, 'ports'), label_w)} {shown}{more}")
    elif nodes:
        out.append(
            f"{INDENT}{pad(t(lang, 'nodes'), label_w)} " + "  ".join(r.name for r in nodes[:8])
        )
    breaks = _breaks(d, topo, rc, lang)
    for i, line in enumerate(breaks):
        label = t(lang, "breaks") if i == 0 else ""
        out.extend(labelled(label, line, label_w))
    out.extend(consequence_lines(rc, lang, label_w))
    out.extend(root_cause_probe_lines(d, rc, lang, label_w))
    if verbose:
        for i, e in enumerate(rc.evidence):
            label = t(lang, "evidence") if i == 0 else ""
            out.extend(labelled(label, L(e, lang), label_w))
        for f in rc.symptoms:
            for flow in f.flows:
                out.extend(labelled("", L(flow, lang), label_w))
    elif rc.evidence:
        out.extend(labelled(t(lang, "evidence"), L(rc.evidence[0], lang), label_w))
    if any(f.check_id in SERVICE_SYMPTOMS for f in rc.symptoms) or rc.key == "antispoof":
        api = topo.services.get(("default", "kubernetes"))
        ip = str(api.cluster_ip) if api and api.cluster_ip else "10.96.0.1"
        note = L(ping_story(topo, ip), lang)
        out.extend(labelled(t(lang, "note"), note, label_w))
    if rc.key == "sg-outside":
        out.extend(labelled(t(lang, "note"), t(lang, "note_sg_outside"), label_w))
    if rc.fix.remedies:
        head = "fix_recommended" if rc.fix.alternative else "fix"
        out.append(f"{INDENT}{t(lang, head)}")
        out.extend(commands(rc.fix.remedies, lang, verbose, plan=plan))
    for condition, remedies in rc.fix.cases:
        out.append(f"{INDENT}{t(lang, 'conditional_fix', condition=L(condition, lang))}")
        out.extend(commands(remedies, lang, verbose, plan=plan))
    if rc.fix.alternative:
        out.append(f"{INDENT}{t(lang, 'fix_fast')}")
        out.extend(commands(rc.fix.alternative, lang, verbose, limit=2, plan=listing))
    return out


def _summary(d: Diagnosis, topo: Topology, rc: RootCause, lang: str) -> str:
    # a Kube-OVN underlay's pods (their own MACs): the finding says why no pair helps
    if rc.key != "antispoof" or getattr(rc.message, "key", "").endswith(".fail-pod-mac"):
        return L(rc.message, lang)
    from kostack.analyze.summary import cni_headline

    subnets = calico_subnets(topo)  # where the pods' packets leave (a second NIC's, for Calico)
    whys = []
    keys = {flow.key for f in rc.findings for flow in f.flows if isinstance(flow, Msg)}
    native_p2p = any(k.endswith(".why-p2p") for k in keys)
    if native_p2p and len(subnets) == 1:
        whys.append(t(lang, "antispoof_why_same", n=len(topo.node_views), subnet=subnets[0]))
    elif native_p2p:
        whys.append(", ".join(subnets))
    if any(k.endswith(".why-egress") for k in keys):
        whys.append(t(lang, "antispoof_why_egress"))
    if not whys:  # no traced flow says why (pod blocks the pairs miss): the finding says it
        return L(rc.message, lang)
    pod_cidr = L(ranges_label(rc.fix.remedies, topo.pod_cidrs), lang)
    summary = t(
        lang,
        "antispoof_summary",
        cni=L(cni_headline(d.snapshot), lang),
        why="; ".join(whys) or "-",
        pod_cidr=pod_cidr,
    )
    if isinstance(rc.message, Msg) and rc.message.key.endswith(".fail-family"):
        # one family works: say so first ("IPv4 works, IPv6 pod traffic is dropped: ...")
        return L(rc.message, lang) + "\n" + summary
    return summary


def _breaks(d: Diagnosis, topo: Topology, rc: RootCause, lang: str) -> list[str]:
    by_check: dict[str, list[Finding]] = defaultdict(list)
    for f in (*unsaid_symptoms(rc), *(s for c in rc.consequences for s in c.symptoms)):
        by_check[f.check_id].append(f)
    out = breaks_lines(d, topo, by_check, lang, t, source_nodes, lb_breaks)
    if not out:
        for f in rc.findings[:3]:
            out.extend(L(flow, lang) for flow in f.flows[:2])
    return out


def _summary_lines(d: Diagnosis, lang: str, verbose: bool, details: str) -> list[str]:
    out: list[str] = []
    by_status: dict[Status, list[Finding]] = defaultdict(list)
    for f in d.findings:
        by_status[f.status].append(f)
    # a check that fails, depends on a case, or whose reading a root cause invalidates is not "ok"
    not_ok = {
        f.check_id
        for f in d.findings
        if f.status in (Status.FAIL, Status.CONDITIONAL, Status.UNKNOWN) or f.explained_by
    }
    not_ok |= {c.check_id for f in d.findings for c in f.consequences}
    ok_checks = [
        c
        for c in d.checks
        if c.id not in not_ok and any(f.check_id == c.id for f in by_status[Status.PASS])
    ]
    if ok_checks and verbose:
        out.append(t(lang, "also_checked"))
        for c in ok_checks:
            for f in by_status[Status.PASS]:
                if f.check_id == c.id:
                    out.extend(wrap(f"{c.id}: {L(f.message, lang)}", INDENT * 2, first=INDENT))
    elif ok_checks:
        names = ", ".join(t(lang, "short." + c.id) for c in ok_checks)
        out.extend(
            wrap(
                f"{t(lang, 'also_checked')} {names}. {t(lang, 'details_hint', command=details)}", ""
            )
        )
    na = by_status[Status.NOT_APPLICABLE]
    if na and verbose:
        out.append(t(lang, "not_applicable"))
        for f in na:
            out.extend(wrap(f"{f.check_id}: {L(f.message, lang)}", INDENT * 2, first=INDENT))
    unknown = [f for f in by_status[Status.UNKNOWN] if not f.explained_by]
    if unknown:
        out.append(t(lang, "unknown"))
        out.extend(undecided_lines(unknown, lang, verbose))
    if d.snapshot.gaps:
        out.append(t(lang, "gaps"))
        for g in d.snapshot.gaps:
            out.extend(wrap(f"{g.source}: {gap_error(g, lang)}", INDENT * 2, first=INDENT))
            if verbose and g.hint:
                out.extend(wrap(f"({gap_hint(g, lang)})", INDENT * 2))
    return out


# ---------------------------------------------------------------------------- trace


def _trace_header(first: FlowResult, lang: str) -> str:
    """The trace's first line: from where to where, over which port and protocol."""
    proto = f"{first.port}/{first.protocol}" if first.port is not None else first.protocol
    return t(
        lang,
        "trace_header",
        src=L(first.src.label, lang),
        dst=L(first.requested.label, lang),
        proto=proto,
    )


def render_trace(results: list[FlowResult] | tuple[FlowResult, ...], lang: str = "en") -> str:
    if not results:
        return ""
    lines = [_trace_header(results[0], lang), *_trace_paths(results, lang)]
    return terminal_safe("\n".join(lines) + "\n")


def render_cased_trace(cased: CasedTrace, lang: str = "en") -> str:
    """One story when every case agrees; else each case with its own path."""
    if cased.agreed or len(cased.worlds) < 2:
        return render_trace(cased.first, lang)
    lines = [_trace_header(cased.first[0], lang), t(lang, "trace_cases", n=len(cased.worlds))]
    for world, results in zip(cased.worlds, cased.results, strict=True):
        lines.append("")
        lines.append(t(lang, "trace_case", case=L(world.label(), lang)))
        lines.extend(_trace_paths(results, lang))
    return terminal_safe("\n".join(lines) + "\n")


def _trace_paths(results: list[FlowResult] | tuple[FlowResult, ...], lang: str) -> list[str]:
    lines: list[str] = []
    for idx, r in enumerate(results, 1):
        if len(results) > 1:
            lines.append("")
            members = any(h.step == "provider" for h in r.hops)
            lines.append(
                t(
                    lang,
                    "trace_members" if members else "trace_endpoint",
                    n=idx,
                    total=len(results),
                    target=t(lang, "trace_target", target=L(r.dst.label, lang), node=r.dst.node),
                )
            )
        for n, hop in enumerate(r.hops, 1):
            disp = t(lang, "disp." + str(hop.disposition))
            side = f" {t(lang, 'reply')}" if hop.direction == "reply" else ""
            lines.append(f"{n:>2} {L(hop.where, lang)}{side}: {L(hop.detail, lang)}   {disp}")
            if hop.disposition not in (Disposition.ACCEPTED, Disposition.NOT_APPLICABLE):
                for e in hop.evidence:
                    lines.append(f"     {e.text()}")
        if r.expected_reply is not None:
            lines.append(t(lang, f"trace_expect.{r.expected_reply}"))
        elif r.blocking is None:
            lines.append(t(lang, "trace_verdict_ok"))
        else:
            idx_hop = r.hops.index(r.blocking) + 1
            lines.append(
                t(
                    lang,
                    "trace_verdict_blocked",
                    disposition=t(lang, "disp." + str(r.verdict)),
                    n=idx_hop,
                )
            )
    return lines
