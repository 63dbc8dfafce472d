"""The incident report as Markdown. Pure: report in, text out.

Text from the cloud or cluster cannot inject markup: outside code spans
``<``, ``>`` and ``&`` become entities (no raw HTML reaches a renderer that
would pass it through) and ``[``/``]`` are escaped (no links); commands go in
fenced blocks whose fence is longer than any backtick run inside them.
"""

from __future__ import annotations

import re

from kostack.report.i18n import t
from kostack.report.incident import (
    Command,
    CommandGroup,
    FlowRow,
    IncidentReport,
    status_label,
)
from kostack.report.safe import terminal_safe

_TICKS = re.compile(r"`+")


def md_inline(text: str, *, cell: bool = False) -> str:
    """Plain text made safe for Markdown; `code` spans are kept as code (renderers escape those)."""
    text = terminal_safe(text).replace("\r", " ")
    if cell:
        text = text.replace("\n", " ")
    parts = text.split("`")
    closed = len(parts) % 2 == 1  # an unmatched backtick is text, not code
    out = []
    for i, part in enumerate(parts):
        code = i % 2 == 1 and (closed or i < len(parts) - 1)
        if code:
            out.append("`" + part.replace("|", "\\|") if cell else "`" + part)
            out.append("`")
            continue
        if i % 2 == 1:
            out.append("\\`")
        # `<` opens tags and autolinks, `&` entities, `[` links: nothing else can become markup
        esc = part.replace("&", "&amp;").replace("<", "&lt;").replace("[", "\\[")
        if cell:
            esc = esc.replace("|", "\\|")
        out.append(esc)
    return "".join(out)


def _fence(body: str) -> str:
    longest = max((len(m.group()) for m in _TICKS.finditer(body)), default=0)
    return "`" * max(3, longest + 1)


def _code_block(lines: list[str], lang: str = "bash") -> list[str]:
    body = "\n".join(terminal_safe(line) for line in lines)
    fence = _fence(body)
    return [fence + lang, body, fence]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(md_inline(h, cell=True) for h in header) + " |"]
    out.append("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        out.append("| " + " | ".join(md_inline(c, cell=True) or " " for c in row) + " |")
    return out


def _status(lang: str, status: str) -> str:
    return status_label(lang, status)


def _commands(group: CommandGroup, lang: str) -> list[str]:
    out = [f"### {md_inline(group.title)}", ""]
    if group.note:
        out += [md_inline(group.note), ""]
    lines = []
    for c in group.commands:
        comment = ", ".join(x for x in (c.note, _status(lang, c.status), c.error, c.time) if x)
        lines.append(c.command + (f"   # {comment}" if comment else ""))
    if group.more:
        lines.append("# " + t(lang, "rep.l.more_commands", n=group.more))
    out += _code_block(lines)
    out.append("")
    return out


def _flow(row: FlowRow, lang: str) -> str:
    more = f" {t(lang, 'rep.l.alike', n=row.count - 1)}" if row.count > 1 else ""
    return row.flow + more


def _verify(commands: tuple[Command, ...]) -> list[str]:
    return _code_block([f"{c.command}   # {c.note}" if c.note else c.command for c in commands])


def render_markdown(report: IncidentReport, version: str = "") -> str:
    """The whole report as GitHub-flavoured Markdown."""
    lang = report.lang
    out: list[str] = [
        f"# {md_inline(report.title)}",
        "",
        f"_{md_inline(report.generated_from)}_",
        "",
    ]

    out += [f"## {t(lang, 'rep.h.summary')}", "", f"**{t(lang, 'rep.h.symptoms')}**", ""]
    out += [f"- {md_inline(s)}" for s in report.symptoms]
    out += ["", f"**{t(lang, 'rep.h.impact')}**", ""]
    out += [f"- {md_inline(s)}" for s in report.impact]
    out.append("")

    out += [f"## {t(lang, 'rep.h.environment')}", ""]
    out += _table(
        [t(lang, "rep.l.item"), t(lang, "rep.l.value")], [[k, v] for k, v in report.environment]
    )
    out.append("")

    out += [f"## {t(lang, 'rep.h.rca')}", ""]
    for cause in report.causes:
        out += [f"### {md_inline(cause.heading)}", ""]
        out += [f"**{t(lang, 'rep.l.severity')}**: {md_inline(cause.severity_label)}", ""]
        out.append(f"- **{t(lang, 'rep.l.what')}**: {md_inline(cause.what)}")
        if cause.why:
            out.append(f"- **{t(lang, 'rep.l.why')}**: {md_inline(cause.why)}")
        if cause.breaks:
            out.append(f"- **{t(lang, 'rep.l.result')}**:")
            out += [f"  - {md_inline(b)}" for b in cause.breaks]
        out.append("")
        if cause.ports:
            out += [f"**{t(lang, 'rep.l.ports')}**", ""]
            out += _table(
                [
                    t(lang, "rep.l.node"),
                    t(lang, "rep.l.port"),
                    t(lang, "rep.l.fixed_ips"),
                    t(lang, "rep.l.pairs"),
                    t(lang, "rep.l.port_security"),
                    t(lang, "rep.l.groups"),
                ],
                [
                    [p.node, f"`{p.port_id}`", p.fixed_ips, p.pairs, p.port_security, p.groups]
                    for p in cause.ports
                ],
            )
            out.append("")
        if cause.evidence:
            out += [f"**{t(lang, 'rep.l.evidence')}**", ""]
            out += _code_block(list(cause.evidence[:8]), "text")
            out.append("")
        if cause.background:
            out += [f"> **{t(lang, 'rep.l.background')}** ({md_inline(cause.check_id)}):"]
            out += [f"> {md_inline(cause.background)}", ""]
    for note in report.notes:
        out += [f"### {md_inline(note.heading)}", ""]
        for p in note.paragraphs:
            out += [md_inline(p), ""]

    out += [f"## {t(lang, 'rep.h.troubleshooting')}", "", f"### {t(lang, 'rep.h.checked')}", ""]
    out += [md_inline(report.checked_intro), ""]
    if report.probes:
        out += _table(
            [
                t(lang, "rep.l.command"),
                t(lang, "rep.l.source"),
                t(lang, "rep.l.verdict"),
                t(lang, "rep.l.meaning"),
                t(lang, "rep.l.detail"),
            ],
            [[f"`{p.command}`", p.source, p.verdict, p.meaning, p.detail] for p in report.probes],
        )
    elif report.flows:
        out += _table(
            [
                t(lang, "rep.l.kind"),
                t(lang, "rep.l.flow"),
                t(lang, "rep.l.verdict"),
                t(lang, "rep.l.where"),
                t(lang, "rep.l.detail"),
            ],
            [[f.kind, _flow(f, lang), f.verdict, f.where, f.detail] for f in report.flows],
        )
    else:
        out.append(md_inline(t(lang, "rep.l.no_flows")))
    out += ["", md_inline(t(lang, "rep.l.picture_md")), ""]
    if report.ping_note:
        out += [f"> {md_inline(report.ping_note)}", ""]
    if report.verify:
        out += [f"**{t(lang, 'rep.l.verify')}**", ""]
        out += _verify(report.verify)
        out.append("")
    for key, items in (
        ("rep.l.also_ok", report.also_ok),
        ("rep.l.undecided", report.undecided),
        ("rep.l.gaps", report.gaps),
    ):
        if items:
            out += [f"**{t(lang, key)}**", ""]
            out += [f"- {md_inline(i)}" for i in items]
            out.append("")

    out += [f"### {t(lang, 'rep.h.applied')}", "", md_inline(report.applied_note), ""]
    if report.applied:
        out += _table(
            [t(lang, "rep.l.when"), t(lang, "rep.l.command"), t(lang, "rep.l.status")],
            [
                [
                    c.time,
                    f"`{c.command}`",
                    _status(lang, c.status) + (f": {c.error}" if c.error else ""),
                ]
                for c in report.applied
            ],
        )
        if report.applied_more:
            out += ["", md_inline(t(lang, "rep.l.more_applied", n=report.applied_more))]
        out.append("")

    out += [f"## {t(lang, 'rep.h.solution')}", ""]
    for group in report.solution:
        out += _commands(group, lang)

    out += [f"## {t(lang, 'rep.h.lessons')}", ""]
    out += [
        f"- **{md_inline(lesson.title)}**: {md_inline(lesson.text)}" for lesson in report.lessons
    ]
    out += ["", "---", "", f"_{md_inline(t(lang, 'rep.l.footer', version=version or '?'))}_", ""]
    return "\n".join(out)
