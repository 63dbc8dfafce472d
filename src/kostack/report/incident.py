"""The incident report as data: what was seen, why, what was checked, what was done, what to learn.

``build_incident(snapshot, diagnosis, journals, lang)`` follows the structure of
the report a team wrote by hand after the seed incident (summary, environment,
root-cause analysis, troubleshooting, solution, lessons) but fills every part
from the data: the snapshot (cloud, cluster, Helm state, probe observations),
the diagnosis (root causes, findings, fixes) and the fix journals (what was
applied). A section with nothing behind it says so instead of inventing text.

The parts are built in incident_summary.py (title, symptoms, impact,
environment), incident_causes.py (root causes, notes), incident_checked.py
(what was checked, how to verify) and incident_solution.py (fixes, clean
reinstalls, lessons); the records are in incident_model.py.

Pure: no I/O. Text is either Marked (kostack's templates, backticks are
markup) or plain data (report/markup.py); commands are rendered by
``kostack.shell``; the renderers (markdown.py, html.py) escape the rest.
"""

from __future__ import annotations

from dataclasses import replace

from kostack.analyze.diagnose import Diagnosis
from kostack.analyze.release_checks.base import DEFAULT_PENDING_GRACE_S
from kostack.analyze.topology import Topology
from kostack.gap_words import gap_error, gap_hint
from kostack.model.snapshot import IPAddress, Snapshot
from kostack.report.incident_causes import cause_section, notes
from kostack.report.incident_checked import (
    also_ok,
    flow_rows,
    ping_rows,
    probe_rows,
    undecided,
    verify_commands,
)
from kostack.report.incident_conditional import (
    conditional_lines,
    conditional_sections,
    with_fixes,
)
from kostack.report.incident_model import (
    CauseSection,
    Command,
    CommandGroup,
    ConditionalSection,
    IncidentReport,
    WarningSection,
    ping_note,
    status_label,
)
from kostack.report.incident_services import services_hit
from kostack.report.incident_solution import lessons, shown, solution
from kostack.report.incident_summary import (
    applications,
    apps_hit,
    environment_rows,
    generated_from,
    impact,
    symptoms,
    title,
)
from kostack.report.incident_warnings import (
    rca_none,
    solution_none,
    warning_lines,
    warning_sections,
)
from kostack.report.journal import JournalAction
from kostack.report.markup import marked
from kostack.report.markup import mt as t
from kostack.report.releases import release_troubles
from kostack.report.topology_svg import picture


def build_incident(
    snapshot: Snapshot,
    diagnosis: Diagnosis,
    journals: tuple[JournalAction, ...] = (),
    lang: str = "en",
    egress_target: IPAddress | None = None,
    pending_grace: float = DEFAULT_PENDING_GRACE_S,
) -> IncidentReport:
    """Everything the incident report says, computed from the data (no I/O).

    ``pending_grace``: a pending-* or uninstalling release younger than this may be a helm
    command still running (`--pending-grace`, release_checks/pending.py).
    """
    topo = Topology(snapshot)
    pic = picture(snapshot, egress_target, lang)
    apps = applications(snapshot)
    troubles = release_troubles(snapshot, diagnosis, pending_grace)
    roots = diagnosis.root_causes
    seen = symptoms(snapshot, diagnosis, topo, troubles, lang)
    causes = tuple(
        _not_repeating(cause_section(diagnosis, topo, rc, i, lang), seen, lang)
        for i, rc in enumerate(roots, 1)
    )
    cond = conditional_sections(diagnosis, topo, len(causes) + 1, lang)
    warnings = warning_sections(diagnosis, len(causes) + len(cond) + 1, lang)
    probes = probe_rows(snapshot.probes, topo, lang)
    applied = _applied(journals, lang)
    shown_applied = shown(applied)
    # the notes follow the causes, the conditional causes and the warnings
    numbered = len(causes) + len(cond) + len(warnings)
    noted = notes(snapshot, topo, diagnosis, troubles, numbered, lang)
    # 4.1 says why a ClusterIP ping proves nothing only where section 3 does not already
    ping_heading = t(lang, "rep.note.clusterip", n=numbered + 1)
    fixes = solution(diagnosis, applied, troubles, lang, cond)
    explained = any(n.heading == ping_heading for n in noted)
    return IncidentReport(
        lang=lang,
        title=title(
            roots,
            apps_hit(diagnosis, topo, apps),
            troubles,
            lang,
            diagnosis.verdict.kind == "undecided",
            len(warnings),
            services_hit(diagnosis, topo),
        ),
        generated_from=generated_from(snapshot, lang),
        symptoms=seen,
        impact=impact(diagnosis, topo, apps, troubles, lang),
        environment=environment_rows(snapshot, topo, apps, lang),
        causes=causes,
        notes=noted,
        probes=probes,
        flows=flow_rows(pic, lang) + ping_rows(topo, lang),
        checked_intro=t(lang, "rep.checked.probes" if probes else "rep.checked.static"),
        ping_note=(
            t(lang, "rep.ping.see", section=ping_heading.split(" ", 1)[0])
            if explained
            else ping_note(topo, lang)
        ),
        verify=verify_commands(snapshot, topo, lang),
        also_ok=also_ok(diagnosis, lang),
        undecided=undecided(diagnosis, lang),
        gaps=_gaps(snapshot, lang),
        applied=shown_applied,
        applied_more=len(applied) - len(shown_applied),
        applied_note=t(lang, "rep.applied.some" if applied else "rep.applied.none"),
        solution=fixes,
        lessons=lessons(snapshot, diagnosis, topo, troubles, lang),
        picture=pic,
        root_cause_count=len(roots),
        verdict_undecided=diagnosis.verdict.kind == "undecided",
        warnings=warnings,
        warning_lines=warning_lines(warnings, lang),
        conditional=with_fixes(cond, fixes, lang),
        conditional_lines=conditional_lines(cond, diagnosis, lang),
        rca_none=rca_none(diagnosis, lang),
        solution_none=solution_none(diagnosis, fixes, warnings, lang),
    )


def _applied(journals: tuple[JournalAction, ...], lang: str) -> tuple[Command, ...]:
    """What the fix journals recorded, in their order."""
    return tuple(
        Command(
            a.command,
            marked(a.target, lang),
            a.status,
            a.finished or a.started,
            marked(a.error, lang),
        )
        for a in journals
    )


def _gaps(snapshot: Snapshot, lang: str) -> tuple[str, ...]:
    """What could not be collected: where, the error and its hint, in ``lang``."""
    return tuple(
        f"{g.source}: {gap_error(g, lang)}" + (f" ({gap_hint(g, lang)})" if g.hint else "")
        for g in snapshot.gaps
    )


def _not_repeating(cause: CauseSection, seen: tuple[str, ...], lang: str) -> CauseSection:
    """A cause whose result is the symptoms section 1 lists (all, or the first n) says so,
    instead of the same list again."""
    n = len(cause.breaks)
    if n < 2 or tuple(cause.breaks) != seen[:n]:
        return cause
    if n == len(seen):
        return replace(cause, breaks=(t(lang, "rep.breaks.all_symptoms"),))
    return replace(cause, breaks=(t(lang, "rep.breaks.first_symptoms", n=n),))


__all__ = [
    "CauseSection",
    "Command",
    "CommandGroup",
    "ConditionalSection",
    "IncidentReport",
    "WarningSection",
    "build_incident",
    "status_label",
]
