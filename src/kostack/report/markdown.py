r"""The incident report as Markdown. Pure: report in, text out.

Text from the cloud or cluster cannot inject markup: outside code spans
``\``, `````, ``*``, ``~``, ``[``/``]`` are backslash-escaped and ``<``, ``&``
become entities (no raw HTML reaches a renderer that would pass it through,
no emphasis, link or code span opens); only kostack's own templates make code
spans (``Marked`` text, report/markup.py), each fenced with more backticks than
it holds. Commands go in fenced blocks whose fence is longer than any
backtick run inside them; their comments cannot end a line. Hidden
characters (controls, bidi overrides, zero-width) are shown as escapes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kostack.report.i18n import t
from kostack.report.incident import (
    CauseSection,
    CommandGroup,
    IncidentReport,
    status_label,
)
from kostack.report.incident_model import PORT_COLUMNS, ConditionalSection, WarningSection
from kostack.report.markup import code, mt, plain, spans
from kostack.report.safe import terminal_safe
from kostack.shell import comment, visible

_TICKS = re.compile(r"`+")
_MARKDOWN = re.compile(r"[\\`*~\[\]]")


def _text(part: str, cell: bool) -> str:
    """Literal text: every character that Markdown would read as markup is escaped."""
    text = terminal_safe(part).replace("\r", " ")
    if cell:
        text = text.replace("\n", " ")
    text = _MARKDOWN.sub(lambda m: "\\" + m.group(), text)
    # `<` opens tags and autolinks, `&` entities: as entities they are text
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return text.replace("|", "\\|") if cell else text


def code_span(text: str, *, cell: bool = False) -> str:
    """``text`` as one code span, whatever backticks it holds (CommonMark: a longer fence)."""
    body = visible(text)
    if cell:
        body = body.replace("|", "\\|")
    longest = max((len(m.group()) for m in _TICKS.finditer(body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith(("`", " ")) or body.endswith(("`", " ")) else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def md_inline(text: object, *, cell: bool = False) -> str:
    """Report text made safe for Markdown; only Marked text has code spans."""
    return spans(text, lambda part: code_span(part, cell=cell), lambda part: _text(part, cell))


def _fence(body: str) -> str:
    longest = max((len(m.group()) for m in _TICKS.finditer(body)), default=0)
    return "`" * max(3, longest + 1)


def _code_block(lines: list[str], lang: str = "bash") -> list[str]:
    body = "\n".join(visible(line) for line in lines)
    fence = _fence(body)
    return [fence + lang, body, fence]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(md_inline(h, cell=True) for h in header) + " |"]
    out.append("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        out.append("| " + " | ".join(md_inline(c, cell=True) or " " for c in row) + " |")
    return out


def _commands(group: CommandGroup, lang: str) -> list[str]:
    out = [f"### {md_inline(group.title)}", ""]
    if group.note:  # a conditional cause's fix: its condition stands out
        out += [f"**{md_inline(group.note)}**" if group.cause else md_inline(group.note), ""]
    lines = []
    for c in group.commands:
        said = ", ".join(
            plain(x) for x in (c.note, status_label(lang, c.status), c.error, c.time) if x
        )
        lines.append(c.command + (f"   {comment(said)}" if said else ""))
    if group.more:
        lines.append(comment(plain(mt(lang, group.more_key, n=group.more))))
    out += _code_block(lines)
    out.append("")
    return out


def _summary(report: IncidentReport, lang: str) -> list[str]:
    out = [f"## {t(lang, 'rep.h.summary')}", "", f"**{t(lang, 'rep.h.symptoms')}**", ""]
    out += [f"- {md_inline(s)}" for s in report.symptoms]
    out += ["", f"**{t(lang, 'rep.h.impact')}**", ""]
    out += [f"- {md_inline(s)}" for s in report.impact]
    out.append("")
    if report.warning_lines:
        out += [f"**{t(lang, 'rep.h.warnings')}**", ""]
        out += [f"- {md_inline(s)}" for s in report.warning_lines]
        out.append("")
    if report.conditional_lines:
        out += [f"**{t(lang, 'rep.h.conditional')}**", ""]
        out += [f"- {md_inline(s)}" for s in report.conditional_lines]
        out.append("")
    out += [f"## {t(lang, 'rep.h.environment')}", ""]
    out += _table(
        [t(lang, "rep.l.item"), t(lang, "rep.l.value")], [[k, v] for k, v in report.environment]
    )
    out.append("")
    return out


def _head(heading: str, severity_label: str, lang: str) -> list[str]:
    """A cause's, warning's or conditional cause's heading and severity."""
    severity = f"**{t(lang, 'rep.l.severity')}**: {md_inline(severity_label)}"
    return [f"### {md_inline(heading)}", "", severity, ""]


def _evidence(lines: Sequence[str], lang: str) -> list[str]:
    """The evidence block (nothing without evidence)."""
    if not lines:
        return []
    return [f"**{t(lang, 'rep.l.evidence')}**", "", *_code_block(list(lines), "text"), ""]


def _cause(cause: CauseSection, lang: str) -> list[str]:
    out = _head(cause.heading, cause.severity_label, lang)
    out.append(f"- **{t(lang, 'rep.l.what')}**: {md_inline(cause.what)}")
    out += [f"- {md_inline(line)}" for line in cause.cases]  # the other cases' ways
    if cause.why:
        out.append(f"- **{t(lang, 'rep.l.why')}**: {md_inline(cause.why)}")
    if cause.breaks:
        out.append(f"- **{t(lang, 'rep.l.result')}**:")
        out += [f"  - {md_inline(b)}" for b in cause.breaks]
    out.append("")
    if cause.ports:
        out += [f"**{t(lang, 'rep.l.ports')}**", ""]
        out += _table(
            [t(lang, key) for key in PORT_COLUMNS],
            [
                [p.node, code(p.port_id), p.fixed_ips, p.pairs, p.port_security, p.groups]
                for p in cause.ports
            ],
        )
        out.append("")
    out += _evidence(cause.evidence[:8], lang)
    out += _tell(cause.tell, lang)
    if cause.background:
        out += [f"> **{t(lang, 'rep.l.background')}** ({md_inline(cause.check_id)}):"]
        out += [f"> {md_inline(cause.background)}", ""]
    return out


def _warning(w: WarningSection, lang: str) -> list[str]:
    """A warning: severity (not an outage), what it says, evidence, the optional change."""
    out = _head(w.heading, w.severity_label, lang)
    out += [f"- **{t(lang, 'rep.l.what')}**: {md_inline(s)}" for s in w.what[:1]]
    out += [f"- {md_inline(s)}" for s in w.what[1:]]
    out.append("")
    out += _evidence(w.evidence, lang)
    if w.optional:
        out += [f"**{md_inline(mt(lang, 'rep.warn.optional'))}**", ""]
        lines = [c.command + (f"   {comment(plain(c.note))}" if c.note else "") for c in w.optional]
        if w.optional_more:
            lines.append(comment(plain(mt(lang, "rep.l.more_commands", n=w.optional_more))))
        out += _code_block(lines)
        out.append("")
    return out


def _conditional(c: ConditionalSection, lang: str) -> list[str]:
    """A conditional cause: when it holds, what breaks then, evidence, how to tell, its fix."""
    out = _head(c.heading, c.severity_label, lang)
    out.append(f"- **{t(lang, 'rep.cond.l.when')}**: {md_inline(c.when)}")
    out.append(f"- **{t(lang, 'rep.l.what')}**: {md_inline(c.what)}")
    if c.breaks:
        out.append(f"- **{t(lang, 'rep.cond.l.breaks')}**:")
        out += [f"  - {md_inline(b)}" for b in c.breaks]
    out.append(f"- **{t(lang, 'rep.cond.l.fix')}**: {md_inline(c.fix)}")
    out.append("")
    out += _evidence(c.evidence, lang)
    out += _tell(c.tell, lang)
    return out


def _tell(lines: Sequence[str], lang: str) -> list[str]:
    """How to tell the cases apart (nothing without a way to)."""
    if not lines:
        return []
    return [f"**{t(lang, 'rep.cond.l.tell')}**", "", *(f"- {md_inline(x)}" for x in lines), ""]


def _root_causes(report: IncidentReport, lang: str) -> list[str]:
    out = [f"## {t(lang, 'rep.h.rca')}", ""]
    if report.rca_none:
        out += [md_inline(report.rca_none), ""]
    for cause in report.causes:
        out += _cause(cause, lang)
    for c in report.conditional:
        out += _conditional(c, lang)
    for warning in report.warnings:
        out += _warning(warning, lang)
    for note in report.notes:
        out += [f"### {md_inline(note.heading)}", ""]
        for p in note.paragraphs:
            out += [md_inline(p), ""]
    return out


def _checked_table(report: IncidentReport, lang: str) -> list[str]:
    """The probes that ran, else the flows the model traced, else a line saying none."""
    checked = report.checked()
    if checked is None:
        return [md_inline(mt(lang, "rep.l.no_flows"))]
    columns, rows = checked
    return _table([t(lang, key) for key in columns], [cells for _ok, cells in rows])


def _checked(report: IncidentReport, lang: str) -> list[str]:
    out = [f"## {t(lang, 'rep.h.troubleshooting')}", "", f"### {t(lang, 'rep.h.checked')}", ""]
    out += [md_inline(report.checked_intro), ""]
    out += _checked_table(report, lang)
    out += ["", md_inline(mt(lang, "rep.l.picture_md")), ""]
    if report.ping_note:
        out += [f"> {md_inline(report.ping_note)}", ""]
    if report.verify:
        out += [f"**{t(lang, 'rep.l.verify')}**", ""]
        out += _code_block(
            [
                f"{c.command}   {comment(plain(c.note))}" if c.note else c.command
                for c in report.verify
            ]
        )
        out.append("")
    for key, items in report.lists():
        if items:
            out += [f"**{t(lang, key)}**", ""]
            out += [f"- {md_inline(i)}" for i in items]
            out.append("")
    return out


def _applied(report: IncidentReport, lang: str) -> list[str]:
    out = [f"### {t(lang, 'rep.h.applied')}", "", md_inline(report.applied_note), ""]
    if report.applied:
        out += _table(
            [t(lang, "rep.l.when"), t(lang, "rep.l.command"), t(lang, "rep.l.status")],
            [
                [
                    c.time,
                    code(c.command),
                    status_label(lang, c.status) + (f": {c.error}" if c.error else ""),
                ]
                for c in report.applied
            ],
        )
        if report.applied_more:
            out += ["", md_inline(mt(lang, "rep.l.more_applied", n=report.applied_more))]
        out.append("")
    return out


def render_markdown(report: IncidentReport, version: str = "") -> str:
    """The whole report as GitHub-flavoured Markdown."""
    lang = report.lang
    out: list[str] = [
        f"# {md_inline(report.title)}",
        "",
        f"_{md_inline(report.generated_from)}_",
        "",
    ]
    out += _summary(report, lang)
    out += _root_causes(report, lang)
    out += _checked(report, lang)
    out += _applied(report, lang)
    out += [f"## {t(lang, 'rep.h.solution')}", ""]
    if report.solution_none:
        out += [md_inline(report.solution_none), ""]
    for group in report.solution:
        out += _commands(group, lang)
    out += [f"## {t(lang, 'rep.h.lessons')}", ""]
    out += [
        f"- **{md_inline(lesson.title)}**: {md_inline(lesson.text)}" for lesson in report.lessons
    ]
    out += ["", "---", "", f"_{md_inline(mt(lang, 'rep.l.footer', version=version or '?'))}_", ""]
    return "\n".join(out)
