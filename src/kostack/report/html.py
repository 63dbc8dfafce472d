"""The incident report as one self-contained HTML file. Pure: report in, text out.

One file, no network: the CSS and the topology picture (SVG) are inline, there
is no script and no external reference, and a Content-Security-Policy forbids
both anyway (air-gapped readers, and a second wall behind the escaping). Every
string from the report goes through ``html_safe`` (hidden characters such as
bidi overrides shown as escapes); the only markup added to text is <code>
around the code spans of kostack's own templates (``Marked`` text,
report/markup.py), built after escaping: a backtick in a name stays a
backtick.
"""

from __future__ import annotations

from kostack.report.i18n import t
from kostack.report.incident import CommandGroup, IncidentReport, status_label
from kostack.report.incident_model import (
    PORT_COLUMNS,
    CauseSection,
    Command,
    ConditionalSection,
    WarningSection,
)
from kostack.report.markup import mt, plain, spans
from kostack.report.safe import html_safe
from kostack.report.topology_svg import render_svg
from kostack.shell import comment

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

CSS = """
:root { --ink:#1f2328; --muted:#57606a; --line:#d0d7de; --red:#c62828; --green:#2e7d32;
        --bg-code:#f6f8fa; --bg-fail:#fdecea; --bg-ok:#edf7ed;
        --amber:#b26a00; --bg-warn:#fff4e0; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK KR",
             "Apple SD Gothic Neo", "Malgun Gothic", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 17px; margin: 24px 0 8px; }
p, li { margin: 4px 0; }
.meta { color: var(--muted); margin: 0 0 16px; }
.summary-box { border-left: 5px solid var(--red); background: var(--bg-fail); padding: 10px 16px; }
.summary-box.healthy { border-left-color: var(--green); background: var(--bg-ok); }
.summary-box.undecided, .summary-box.warned { border-left-color: var(--amber); background: var(--bg-warn); }
.label { font-weight: 600; }
p.conditional { font-weight: 600; border-left: 4px solid var(--amber); background: var(--bg-warn);
                padding: 4px 10px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg-code); }
tr.fail td { background: var(--bg-fail); }
tr.ok td { background: var(--bg-ok); }
code, pre { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
            font-size: 13px; }
code { background: var(--bg-code); padding: 1px 4px; border-radius: 4px; overflow-wrap: anywhere; }
pre { background: #0d1117; color: #e6edf3; padding: 12px 14px; border-radius: 6px; overflow-x: auto;
      white-space: pre-wrap; word-break: break-all; }
pre .comment { color: #8b949e; }
pre .status-applied { color: #7ee787; }
pre .status-failed { color: #ff7b72; font-weight: 700; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px; font-weight: 600;
         color: #fff; background: var(--muted); }
.badge.critical, .badge.high { background: var(--red); }
.badge.medium { background: #b26a00; }
.note { border-left: 4px solid #9cb8d9; background: #f3f7fc; padding: 8px 14px; margin: 10px 0; }
.background { color: var(--muted); font-size: 14px; border-top: 1px dashed var(--line); margin-top: 8px;
              padding-top: 6px; }
figure { margin: 12px 0; overflow-x: auto; }
figure svg { max-width: none; height: auto; }  /* wide clusters scroll, text stays readable */
figcaption { color: var(--muted); font-size: 13px; }
.lessons li { margin-bottom: 8px; }
footer { margin-top: 36px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--line);
         padding-top: 8px; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  h3 { break-after: avoid; }
  table, pre, figure, .note, tr { break-inside: avoid; }
  pre { background: #f6f8fa; color: #000; border: 1px solid #ccc; }
  pre .comment { color: #555; }
  figure { overflow: visible; }
  figure svg { width: 100%; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def h(text: object) -> str:
    """Any report text, escaped, every character literal (Marked text as a person reads it)."""
    return html_safe(plain(text))


def inline(text: object) -> str:
    """Escaped text; the code spans of Marked text become <code> (added after escaping)."""
    return spans(text, lambda part: f"<code>{html_safe(part)}</code>", html_safe)


def _table(
    header: list[str], rows: list[tuple[str, list[str]]], raw: set[int] | None = None
) -> str:
    """Rows are (css class, cells); cells are text (escaped here) unless their index is in ``raw``."""
    raw = raw or set()
    head = "".join(f"<th>{h(c)}</th>" for c in header)
    body = []
    for cls, cells in rows:
        tds = "".join(f"<td>{c if i in raw else inline(c)}</td>" for i, c in enumerate(cells))
        attr = f' class="{cls}"' if cls else ""
        body.append(f"<tr{attr}>{tds}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _commands(group: CommandGroup, lang: str) -> str:
    lines = []
    for c in group.commands:
        line = h(c.command)
        extra = [plain(x) for x in (c.note, c.error, c.time) if x]
        if c.status:
            label = status_label(lang, c.status)
            line += f'   <span class="status-{h(c.status)}">{h(comment(label))}</span>'
        if extra:
            line += f'   <span class="comment">{h(comment(", ".join(extra)))}</span>'
        lines.append(line)
    if group.more:
        more = mt(lang, group.more_key, n=group.more)
        lines.append(f'<span class="comment">{h(comment(plain(more)))}</span>')
    # a conditional cause's fix: its condition stands out
    cls = ' class="conditional"' if group.cause else ""
    note = f"<p{cls}>{inline(group.note)}</p>" if group.note else ""
    return f"<h3>{inline(group.title)}</h3>{note}<pre>{chr(10).join(lines)}</pre>"


def render_html(report: IncidentReport, version: str = "") -> str:
    """The whole report as one HTML document (UTF-8, no scripts, no external resources)."""
    lang = report.lang
    o: list[str] = []
    o.append("<!DOCTYPE html>")
    o.append(f'<html lang="{h(lang)}"><head><meta charset="utf-8">')
    o.append(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">')
    o.append('<meta name="viewport" content="width=device-width, initial-scale=1">')
    o.append(f'<meta name="generator" content="kostack {h(version)}">')
    o.append(f"<title>{h(report.title)}</title><style>{CSS}</style></head><body><main>")
    o.append(f'<h1>{inline(report.title)}</h1><p class="meta">{inline(report.generated_from)}</p>')

    o += _summary(report, lang)
    o += _root_causes(report, lang)
    o += _troubleshooting(report, lang)
    o += _applied(report, lang)

    o.append(f'<h2 id="solution">{h(t(lang, "rep.h.solution"))}</h2>')
    if report.solution_none:
        o.append(f"<p>{inline(report.solution_none)}</p>")
    for group in report.solution:
        o.append(_commands(group, lang))

    o.append(f'<h2 id="lessons">{h(t(lang, "rep.h.lessons"))}</h2><ul class="lessons">')
    o.extend(
        f'<li><span class="label">{inline(lesson.title)}:</span> {inline(lesson.text)}</li>'
        for lesson in report.lessons
    )
    o.append("</ul>")
    o.append(f"<footer>{inline(mt(lang, 'rep.l.footer', version=version or '?'))}</footer>")
    o.append("</main></body></html>\n")
    return "\n".join(o)


def _summary(report: IncidentReport, lang: str) -> list[str]:
    """Summary (symptoms, impact) and environment."""
    o: list[str] = []
    # red: a root cause; amber: nothing found but undecided (not a green all-clear); green
    state = (
        ""
        if report.root_cause_count
        else " undecided"
        if report.verdict_undecided
        else " warned"
        if report.warnings
        else " healthy"
    )
    o.append(f'<h2 id="summary">{h(t(lang, "rep.h.summary"))}</h2>')
    o.append(f'<div class="summary-box{state}">')
    o.append(f'<p class="label">{h(t(lang, "rep.h.symptoms"))}</p><ul>')
    o.extend(f"<li>{inline(s)}</li>" for s in report.symptoms)
    o.append(f'</ul><p class="label">{h(t(lang, "rep.h.impact"))}</p><ul>')
    o.extend(f"<li>{inline(s)}</li>" for s in report.impact)
    o.append("</ul>")
    if report.warning_lines:
        o.append(f'<p class="label">{h(t(lang, "rep.h.warnings"))}</p><ul>')
        o.extend(f"<li>{inline(s)}</li>" for s in report.warning_lines)
        o.append("</ul>")
    if report.conditional_lines:
        o.append(f'<p class="label">{h(t(lang, "rep.h.conditional"))}</p><ul>')
        o.extend(f"<li>{inline(s)}</li>" for s in report.conditional_lines)
        o.append("</ul>")
    o.append("</div>")

    o.append(f'<h2 id="environment">{h(t(lang, "rep.h.environment"))}</h2>')
    o.append(
        _table(
            [t(lang, "rep.l.item"), t(lang, "rep.l.value")],
            [("", [k, v]) for k, v in report.environment],
        )
    )
    return o


def _root_causes(report: IncidentReport, lang: str) -> list[str]:
    """Root-cause analysis: the picture, each cause, the notes."""
    o: list[str] = []
    o.append(f'<h2 id="rca">{h(t(lang, "rep.h.rca"))}</h2>')
    if report.picture.nodes:
        o.append(
            f"<figure>{render_svg(report.picture, lang)}"
            f"<figcaption>{h(t(lang, 'rep.h.topology'))}</figcaption></figure>"
        )
    if report.rca_none:
        o.append(f"<p>{inline(report.rca_none)}</p>")
    for cause in report.causes:
        o += _cause(cause, lang)
    for c in report.conditional:
        o += _conditional(c, lang)
    for warning in report.warnings:
        o += _warning(warning, lang)
    for note in report.notes:
        o.append(f'<h3>{inline(note.heading)}</h3><div class="note">')
        o.extend(f"<p>{inline(p)}</p>" for p in note.paragraphs)
        o.append("</div>")
    return o


def _cause(cause: CauseSection, lang: str) -> list[str]:
    """One root cause: severity, what, why, what breaks, its ports, evidence, background."""
    o: list[str] = []
    o.append(f"<h3>{inline(cause.heading)}</h3>")
    o.append(_severity(lang, cause.severity, h(cause.severity_label)))
    o.append(_item(lang, "rep.l.what", cause.what))
    o.extend(f"<li>{inline(line)}</li>" for line in cause.cases)  # the other cases' ways
    if cause.why:
        o.append(_item(lang, "rep.l.why", cause.why))
    if cause.breaks:
        o.append(f'<li><span class="label">{h(t(lang, "rep.l.result"))}:</span><ul>')
        o.extend(f"<li>{inline(b)}</li>" for b in cause.breaks)
        o.append("</ul></li>")
    o.append("</ul>")
    if cause.ports:
        o.append(f'<p class="label">{h(t(lang, "rep.l.ports"))}</p>')
        o.append(
            _table(
                [t(lang, key) for key in PORT_COLUMNS],
                [
                    (
                        "",
                        [
                            p.node,
                            f"<code>{h(p.port_id)}</code>",
                            p.fixed_ips,
                            p.pairs,
                            p.port_security,
                            p.groups,
                        ],
                    )
                    for p in cause.ports
                ],
                raw={1},
            )
        )
    o += _evidence(lang, cause.evidence[:8])
    o += _tell(lang, cause.tell)
    if cause.background:
        o.append(
            f'<div class="background"><span class="label">{h(t(lang, "rep.l.background"))} '
            f"(<code>{h(cause.check_id)}</code>):</span> {inline(cause.background)}</div>"
        )
    return o


def _conditional(c: ConditionalSection, lang: str) -> list[str]:
    """A conditional cause: when it holds, what breaks then, evidence, how to tell, its fix."""
    o = [f"<h3>{inline(c.heading)}</h3>"]
    o.append(_severity(lang, c.severity, h(c.severity_label)))
    o += [_item(lang, "rep.cond.l.when", c.when), _item(lang, "rep.l.what", c.what)]
    if c.breaks:
        o.append(f'<li><span class="label">{h(t(lang, "rep.cond.l.breaks"))}:</span><ul>')
        o.extend(f"<li>{inline(b)}</li>" for b in c.breaks)
        o.append("</ul></li>")
    o.append(_item(lang, "rep.cond.l.fix", c.fix))
    o.append("</ul>")
    o += _evidence(lang, c.evidence)
    o += _tell(lang, c.tell)
    return o


def _tell(lang: str, lines: tuple[str, ...]) -> list[str]:
    """How to tell the cases apart (nothing without a way to)."""
    if not lines:
        return []
    o = [f'<p class="label">{h(t(lang, "rep.cond.l.tell"))}</p><ul>']
    o.extend(f"<li>{inline(line)}</li>" for line in lines)
    o.append("</ul>")
    return o


def _warning(w: WarningSection, lang: str) -> list[str]:
    """A warning: severity (not an outage), what it says, evidence, the optional change."""
    o = [f"<h3>{inline(w.heading)}</h3>"]
    o.append(_severity(lang, w.severity, inline(w.severity_label)))
    label = f'<span class="label">{h(t(lang, "rep.l.what"))}:</span> '
    o.extend(f"<li>{label if i == 0 else ''}{inline(s)}</li>" for i, s in enumerate(w.what))
    o.append("</ul>")
    o += _evidence(lang, w.evidence)
    if w.optional:
        lines = [_commented(c) for c in w.optional]
        if w.optional_more:
            more = mt(lang, "rep.l.more_commands", n=w.optional_more)
            lines.append(f'<span class="comment">{h(comment(plain(more)))}</span>')
        o.append(f'<p class="label">{inline(mt(lang, "rep.warn.optional"))}</p>')
        o.append("<pre>" + "\n".join(lines) + "</pre>")
    return o


def _severity(lang: str, severity: str, label: str) -> str:
    """A section's severity line (``label``: HTML), then the opening of its list."""
    return (
        f'<p><span class="label">{h(t(lang, "rep.l.severity"))}:</span> '
        f'<span class="badge {h(severity)}">{label}</span></p><ul>'
    )


def _item(lang: str, key: str, text: str) -> str:
    return f'<li><span class="label">{h(t(lang, key))}:</span> {inline(text)}</li>'


def _evidence(lang: str, evidence: tuple[str, ...]) -> list[str]:
    if not evidence:
        return []
    return [
        f'<p class="label">{h(t(lang, "rep.l.evidence"))}</p>',
        "<pre>" + "\n".join(h(e) for e in evidence) + "</pre>",
    ]


def _commented(c: Command) -> str:
    """A command, and its note as a shell comment after it."""
    note = f'   <span class="comment">{h(comment(plain(c.note)))}</span>' if c.note else ""
    return h(c.command) + note


def _troubleshooting(report: IncidentReport, lang: str) -> list[str]:
    """What was checked: probes (or else flows), the ping note, verify commands, the lists."""
    o: list[str] = []
    o.append(f'<h2 id="troubleshooting">{h(t(lang, "rep.h.troubleshooting"))}</h2>')
    o.append(f"<h3>{h(t(lang, 'rep.h.checked'))}</h3><p>{inline(report.checked_intro)}</p>")
    o.append(_checks_table(report, lang))
    if report.ping_note:
        o.append(f'<div class="note"><p>{inline(report.ping_note)}</p></div>')
    if report.verify:
        o.append(f'<p class="label">{h(t(lang, "rep.l.verify"))}</p><pre>')
        o.append("\n".join(_commented(c) for c in report.verify))
        o.append("</pre>")
    for key, items in report.lists():
        if items:
            o.append(f'<p class="label">{h(t(lang, key))}</p><ul>')
            o.extend(f"<li>{inline(i)}</li>" for i in items)
            o.append("</ul>")

    return o


def _applied(report: IncidentReport, lang: str) -> list[str]:
    """What was applied (from the journals)."""
    o: list[str] = []
    o.append(f"<h3>{h(t(lang, 'rep.h.applied'))}</h3><p>{inline(report.applied_note)}</p>")
    if report.applied:
        o.append(
            _table(
                [t(lang, "rep.l.when"), t(lang, "rep.l.command"), t(lang, "rep.l.status")],
                [
                    (
                        "fail" if c.status == "failed" else ("ok" if c.status == "applied" else ""),
                        [
                            h(c.time),
                            f"<code>{h(c.command)}</code>",
                            h(status_label(lang, c.status) + (f": {c.error}" if c.error else "")),
                        ],
                    )
                    for c in report.applied
                ],
                raw={0, 1, 2},
            )
        )
        if report.applied_more:
            o.append(f"<p>{inline(mt(lang, 'rep.l.more_applied', n=report.applied_more))}</p>")

    return o


def _checks_table(report: IncidentReport, lang: str) -> str:
    """The probes run (or else the flows judged) as a table."""
    checked = report.checked()
    if checked is None:
        return f"<p>{inline(mt(lang, 'rep.l.no_flows'))}</p>"
    columns, rows = checked
    return _table(
        [t(lang, key) for key in columns],
        [("ok" if ok else ("fail" if ok is False else ""), cells) for ok, cells in rows],
    )
