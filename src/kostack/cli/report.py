"""`kostack report`: the incident report, in Markdown or as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from kostack.cli._options import (
    egress_target_option,
    lang_option,
    options,
    pending_grace_option,
    snapshot_option,
)
from kostack.cli.common import detect_lang, get_env, write_atomically
from kostack.cli.diagnose import egress_ip, live_options, obtain_snapshot, with_probes
from kostack.errors import ConfigError

if TYPE_CHECKING:  # the layers below are imported when the command runs: --help stays fast
    from kostack.report.journal import JournalAction

FORMATS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}


def _format_of(output: str, chosen: str | None) -> str:
    from kostack.analyze.messages import Msg
    from kostack.cli.errors_text import said  # noqa: F401  (registers the texts)

    if chosen:
        return chosen
    suffix = Path(output).suffix.lower()
    if output == "-" or suffix not in FORMATS:
        raise ConfigError(Msg("report.err.format", output=repr(output)), Msg("report.hint.format"))
    return FORMATS[suffix]


def read_journals(paths: tuple[str, ...]) -> tuple[JournalAction, ...]:
    """Every action of the given fix journals, in the order given."""
    from kostack.analyze.messages import Msg
    from kostack.cli.errors_text import said  # noqa: F401  (registers the texts)
    from kostack.oserror import reason
    from kostack.report.journal import JournalLineError, read_journal

    found: list[JournalAction] = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                Msg("report.err.journal", path=path, why=reason(exc)), Msg("report.hint.journal")
            ) from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(Msg("report.err.journal-utf8", path=path), "") from exc
        try:
            found.extend(read_journal(text, path))
        except JournalLineError as exc:
            raise ConfigError(
                Msg(
                    "report.err.journal-line", source=exc.source, line=exc.line, problem=exc.problem
                ),
                Msg("report.hint.journal-line"),
            ) from exc
    return tuple(found)


_EXAMPLES = """\b
Examples:
  kostack report --snapshot examples/seed-incident.json --lang ko -o incident.html
  kostack report --snapshot snap.json --journal fix-journal.jsonl -o incident.md
  kostack report --os-cloud mycloud --context prod -o incident.html
  kubectl kostack report -o incident.html
"""

_OPTIONS = (
    snapshot_option("Read a snapshot instead of collecting live."),
    click.option(
        "--journal",
        "journals",
        metavar="FILE",
        multiple=True,
        help="A journal (JSON lines from `kostack fix apply` or `kostack release reinstall`); "
        "repeat for several.",
    ),
    lang_option(),
    click.option(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="Where to write the report: FILE.md (Markdown) or FILE.html (one self-contained page).",
    ),
    click.option(
        "--format",
        "chosen_format",
        type=click.Choice(["md", "html"]),
        help="Format, when the file name does not say it (-o - writes to standard output).",
    ),
    egress_target_option(),
    click.option(
        "--active", is_flag=True, help="Also run in-cluster probes and report them (sends traffic)."
    ),
    pending_grace_option(),
    live_options,
)


@click.command(epilog=_EXAMPLES)
@options(*_OPTIONS)
@click.pass_context
def report(
    ctx: click.Context,
    /,
    snapshot_path: str | None,
    journals: tuple[str, ...],
    lang: str | None,
    output: str,
    chosen_format: str | None,
    egress_target: str,
    active: bool,
    pending_grace: float,
    **live: object,
) -> int:
    """Write the incident report: what was seen, why, what was checked, what was done, what to learn.

    The report follows a team's own incident write-up (summary, environment,
    root-cause analysis, troubleshooting, solution, lessons learned), filled
    from the snapshot, the diagnosis and the fix journals. The HTML file needs
    no network: styles and the picture of where packets are dropped are inside
    it. Without --snapshot, kostack collects first (read-only).
    """
    from kostack.analyze.diagnose import diagnose as run_diagnosis
    from kostack.cli.console import diagnosing
    from kostack.report.html import render_html
    from kostack.report.i18n import t
    from kostack.report.incident import build_incident
    from kostack.report.markdown import render_markdown

    env = get_env(ctx)
    fmt = _format_of(output, chosen_format)
    target = egress_ip(egress_target)
    history = read_journals(journals)
    snapshot = obtain_snapshot(ctx, snapshot_path, **live)
    snapshot = with_probes(ctx, snapshot, active, live)
    with diagnosing(env, snapshot) as phases:
        diagnosis = run_diagnosis(snapshot, target, phases)
    language = detect_lang(lang, env.environ)
    incident = build_incident(snapshot, diagnosis, history, language, target, pending_grace)
    from kostack.cli.main import version

    text = (
        render_html(incident, version()) if fmt == "html" else render_markdown(incident, version())
    )
    if output == "-":
        env.stdout.write(text)
        return 0
    write_atomically(output, text, "io.hint.writable")
    env.stdout.write(
        t(
            language,
            "rep.cli.wrote",
            path=output,
            format="HTML" if fmt == "html" else "Markdown",
            n=incident.root_cause_count,
            actions=len(history),
        )
        + "\n"
    )
    return 0
