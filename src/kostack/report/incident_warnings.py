"""The report's warnings, and what a section with nothing in it says instead. Pure.

A warning is a failing finding that is no outage (analyze/diagnose.py WARNING_CAUSES):
the summary names it, section 3 gives it a subsection after the root causes (what
it says, its evidence, the optional change that clears it, which `kostack fix plan`
does not make). Section 3 without a root cause and section 5 without a command
each say why in one sentence; checks that could not decide are said as such, never
as "healthy".
"""

from __future__ import annotations

from collections import defaultdict

from kostack.analyze.diagnose import ROOT_CAUSE_TITLES, Diagnosis, root_cause_title
from kostack.analyze.findings import Finding, Status, command_for
from kostack.analyze.messages import localize
from kostack.report.i18n import MESSAGES
from kostack.report.incident_model import (
    MAX_COMMANDS,
    Command,
    CommandGroup,
    WarningSection,
)
from kostack.report.markup import join, marked, plain
from kostack.report.markup import mt as t

MAX_SAID = 8  # the messages and evidence lines a warning shows (the JSON has every one)


def warning_title(cause: str, check_id: str, lang: str) -> str:
    """A warning cause's title: the diagnosis's own, else the report's, else the check's id."""
    if cause in ROOT_CAUSE_TITLES:
        return root_cause_title(cause, lang)
    key = f"rep.warn.title.{cause}"
    return t(lang, key) if key in MESSAGES["en"] else check_id


def warning_sections(d: Diagnosis, first: int, lang: str) -> tuple[WarningSection, ...]:
    """One subsection per warning cause, numbered 3.``first`` on, in the diagnosis's order."""
    by_cause: dict[str, list[Finding]] = defaultdict(list)
    for f in d.warnings:
        by_cause[f.cause or f.check_id].append(f)
    # a command a root cause's fix already gives is not offered again (the same edit can clear
    # a warning too: Antrea's proxyAll serves the NodePorts and the nodes' own ClusterIPs)
    fixed = {command_for(r) for rc in d.root_causes for r in rc.fix.remedies}
    out = []
    for n, (cause, fs) in enumerate(by_cause.items(), first):
        lead = fs[0]
        title = warning_title(cause, lead.check_id, lang)
        severity = max((f.severity for f in fs), key=lambda s: s.rank)
        what = [marked(f.message, lang) for f in fs[:MAX_SAID]]
        if len(fs) > MAX_SAID:
            what.append(t(lang, "rep.warn.more", n=len(fs) - MAX_SAID))
        evidence = dict.fromkeys(plain(marked(e, lang)) for f in fs for e in f.evidence)
        commands = tuple(
            dict.fromkeys(
                Command(localize(command_for(r), lang), marked(r.target_name, lang))
                for f in fs
                for r in f.remedies
                if command_for(r) not in fixed
            )
        )
        out.append(
            WarningSection(
                check_id=lead.check_id,
                section=f"3.{n}",
                title=title,
                heading=t(lang, "rep.warn.heading", n=n, title=title),
                severity=str(severity),
                severity_label=join(
                    " — ", [t(lang, "sev." + str(severity)), t(lang, "rep.warn.not_outage")]
                ),
                what=tuple(what),
                evidence=tuple(evidence)[:MAX_SAID],
                optional=commands[:MAX_COMMANDS],
                optional_more=max(0, len(commands) - MAX_COMMANDS),
            )
        )
    return tuple(out)


def warning_lines(warnings: tuple[WarningSection, ...], lang: str) -> tuple[str, ...]:
    """The summary's line per warning: its title, not an outage, and where section 3 says it."""
    return tuple(t(lang, "rep.warn.summary", title=w.title, section=w.section) for w in warnings)


def _unknown_checks(d: Diagnosis) -> int:
    return len({f.check_id for f in d.findings if f.status == Status.UNKNOWN})


def rca_none(d: Diagnosis, lang: str) -> str:
    """Section 3 without a root cause: decided healthy, or what is still open (both said)."""
    if d.root_causes:
        return ""
    said = []
    if d.conditional:
        said.append(t(lang, "rep.rca.none_conditional", n=len(d.conditional)))
    unknown = _unknown_checks(d)
    if unknown:
        said.append(t(lang, "rep.rca.none_unknown", n=unknown))
    return join(" ", said) if said else t(lang, "rep.rca.none")


def solution_none(
    d: Diagnosis, groups: tuple[CommandGroup, ...], warnings: tuple[WarningSection, ...], lang: str
) -> str:
    """Section 5 without a command for every case: why (nothing broken, undecided, no command,
    only conditional fixes), and that the warnings (section 3) are left to the reader."""
    if any(not g.cause for g in groups):
        return ""
    if d.root_causes:
        head = t(lang, "rep.solution.manual")
    elif groups:  # only conditional causes' fixes: each for its own case
        head = t(lang, "rep.solution.conditional_only")
    elif d.conditional or _unknown_checks(d):
        head = t(lang, "rep.solution.undecided")
    else:
        head = t(lang, "rep.solution.none")
    if warnings:
        return join(" ", [head, t(lang, "rep.solution.warnings")])
    return head


__all__ = ["rca_none", "solution_none", "warning_lines", "warning_sections", "warning_title"]
