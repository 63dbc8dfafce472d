"""The report's conditional causes: what holds only in a case the snapshot leaves open. Pure.

A conditional cause (analyze/diagnose.py ``Diagnosis.conditional``) breaks the
network only in one case, "only on ML2/OVN", and is healthy (or undecided) in
the others. Section 3 gives each a subsection after the root causes: the
diagnosis's own condition, what breaks then, its evidence and how to tell the
cases apart (the diagnosis's ``tell`` items, as `kostack diagnose` prints
them); the summary names each in one line; section 5 gives its fix apart from
the unconditional ones, headed by its condition ("only on ML2/OVN; do not run
otherwise"). Nothing here re-derives a condition: each is said as the
diagnosis says it.
"""

from __future__ import annotations

from dataclasses import replace

from kostack.analyze.diagnose import Diagnosis, root_cause_title
from kostack.analyze.topology import Topology
from kostack.report.incident_causes import breaks
from kostack.report.incident_model import CommandGroup, ConditionalSection
from kostack.report.markup import marked, plain
from kostack.report.markup import mt as t
from kostack.report.verdict_text import undecided_otherwise

MAX_SAID = 8  # evidence lines per conditional cause (the JSON has every one)


def conditional_sections(
    d: Diagnosis, topo: Topology, first: int, lang: str
) -> tuple[ConditionalSection, ...]:
    """One subsection per conditional cause, numbered 3.``first`` on, in the diagnosis's order."""
    out = []
    for n, rc in enumerate(d.conditional, first):
        title = root_cause_title(rc.key, lang)
        condition = marked(rc.condition, lang)
        when = "rep.cond.when_undecided" if undecided_otherwise(d, rc) else "rep.cond.when"
        out.append(
            ConditionalSection(
                check_id=rc.check_id,
                section=f"3.{n}",
                title=title,
                heading=t(lang, "rep.cond.heading", n=n, title=title, condition=condition),
                severity=str(rc.severity),
                severity_label=t(lang, "sev." + str(rc.severity)),
                when=t(lang, when, condition=condition),
                breaks=tuple(breaks(d, topo, rc.symptoms, lang)),
                what=marked(rc.message, lang),
                evidence=tuple(plain(marked(e, lang)) for e in rc.evidence)[:MAX_SAID],
                tell=tuple(marked(line, lang) for line in rc.tell),
                fix=t(lang, "rep.cond.no_fix"),
            )
        )
    return tuple(out)


def conditional_lines(
    sections: tuple[ConditionalSection, ...], d: Diagnosis, lang: str
) -> tuple[str, ...]:
    """The summary's line per conditional cause: its title, what it depends on, its subsection."""
    return tuple(
        t(
            lang,
            "rep.cond.summary",
            title=s.title,
            condition=marked(rc.condition, lang),
            section=s.section,
        )
        for s, rc in zip(sections, d.conditional, strict=True)
    )


def with_fixes(
    sections: tuple[ConditionalSection, ...], groups: tuple[CommandGroup, ...], lang: str
) -> tuple[ConditionalSection, ...]:
    """Each subsection told where its fix is in section 5 (the groups made for its cause: its
    fix, then its fast insecure alternative)."""
    fix_of: dict[str, list[str]] = {}
    for g in groups:
        if g.cause:
            fix_of.setdefault(g.cause, []).append(g.title.split(" ", 1)[0])
    out = []
    for s in sections:
        at = fix_of.get(s.section, [])
        if len(at) > 1:
            s = replace(s, fix=t(lang, "rep.cond.fix_at_fast", section=at[0], fast=at[1]))
        elif at:
            s = replace(s, fix=t(lang, "rep.cond.fix_at", section=at[0]))
        out.append(s)
    return tuple(out)


__all__ = ["conditional_lines", "conditional_sections", "with_fixes"]
