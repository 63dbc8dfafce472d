"""`kostack probe`'s screen and JSON: the probe matrix and the dry run's plan. Pure.

`render_matrix` prints one line per source class x target x probe (verdicts,
the model's prediction, the slowest time), then every model mismatch;
`matrix_dict` is the same for `-o json`. Without --yes, `render_plan` and
`plan_dict` say what would be probed from where, with the model's predictions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kostack.analyze.messages import localize as L
from kostack.model.snapshot import Snapshot
from kostack.probe.correlate import Correlation
from kostack.probe.plan import KINDS, Prediction, ProbePlan
from kostack.report.cells import cells, fit, hang
from kostack.report.i18n import t
from kostack.report.probe_words import observed, verdict_word
from kostack.report.probes import (
    INDENT,
    clusterip_lines,
    comparison_dict,
    correlation_of,
    mismatch_lines,
    prediction_text,
)
from kostack.report.safe import terminal_safe

__all__ = ["MatrixRow", "matrix_dict", "matrix_rows", "plan_dict", "render_matrix", "render_plan"]

_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}


@dataclass
class MatrixRow:
    """Probes of one kind from one source class to one target (class)."""

    source: str
    target: str
    kind: str
    nodes: set[str] = field(default_factory=set)
    verdicts: Counter[str] = field(default_factory=Counter)
    agreements: Counter[str] = field(default_factory=Counter)
    predictions: list[Prediction] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    max_ms: float = 0.0

    @property
    def count(self) -> int:
        return sum(self.verdicts.values())


def matrix_rows(corr: Correlation) -> list[MatrixRow]:
    """Comparisons folded into source class x target x probe rows, in a stable order."""
    rows: dict[tuple[str, str, str], MatrixRow] = {}
    for c in corr.comparisons:
        o = c.observation
        key = (c.source_class, c.target_class, o.kind)
        row = rows.get(key)
        if row is None:
            row = rows[key] = MatrixRow(c.source_class, c.target_class, o.kind)
        row.nodes.add(o.source_node or "?")
        row.verdicts[o.verdict] += 1
        row.agreements[c.agreement] += 1
        row.predictions.append(c.prediction)
        if o.verdict not in ("pass",) and o.detail not in row.details:
            row.details.append(o.detail)
        row.max_ms = max(row.max_ms, o.elapsed_ms or 0.0)
    return sorted(
        rows.values(),
        key=lambda r: (str(r.source), _KIND_ORDER.get(r.kind, 99), str(r.target)),
    )


def _result_cell(row: MatrixRow, lang: str) -> str:
    if row.verdicts.get("expected-no-reply"):
        return t(lang, "probe.res.expected")
    parts = []
    for verdict in ("fail", "pass", "error", "skipped"):
        n = row.verdicts.get(verdict, 0)
        if n:
            parts.append(f"{t(lang, f'probe.res.{verdict}')} {n}/{row.count}")
    cell = " ".join(parts)
    if row.verdicts.get("fail") and row.details:
        cell += f" ({short_detail(row.details[0], lang)})"
    return cell


def short_detail(detail: str, lang: str) -> str:
    if "timed out" in detail or "no echo reply" in detail:
        return t(lang, "probe.timed_out")
    return observed(lang, detail).split(";", 1)[0].split(" (", 1)[0][:48]


def _model_cell(row: MatrixRow, lang: str) -> str:
    outcomes = Counter(p.outcome for p in row.predictions)
    top = next(p for p in row.predictions if p.outcome == outcomes.most_common(1)[0][0])
    text = prediction_text(top, lang, short=True)
    if row.agreements.get("mismatch"):
        text += f"  << {t(lang, 'probe.agree.mismatch')} ({row.agreements['mismatch']})"
    return text


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns aligned on a terminal, where a Hangul syllable takes two cells."""
    widths = [cells(h) for h in header]
    for row in rows:
        for i, cell in enumerate(row[:-1]):
            widths[i] = min(max(widths[i], cells(cell)), 46)
    out = []
    for row in (header, *rows):
        shown = [fit(cell, widths[i]) if i < len(row) - 1 else cell for i, cell in enumerate(row)]
        out.append("  ".join(shown).rstrip())
    return out


def render_matrix(
    snapshot: Snapshot,
    lang: str = "en",
    *,
    seconds: float,
    timeout: float,
    node_count: int,
    class_count: int,
    problems: Sequence[str] = (),
    notes: Sequence[str] = (),
    verbose: bool = False,
) -> str:
    """`kostack probe`'s screen: one line per source class x target x probe, then mismatches."""
    corr = correlation_of(snapshot)
    rows = matrix_rows(corr)
    lines = [
        t(
            lang,
            "probe.round",
            n=len(corr.comparisons),
            sources=len(corr.sources),
            nodes=node_count,
            classes=class_count,
            seconds=seconds,
            timeout=timeout,
            runner=corr.runner or "?",
        ),
        "",
    ]
    lines.extend(_matrix_table(rows, lang))
    lines.append("")
    verdicts = Counter(c.observation.verdict for c in corr.comparisons)
    lines.append(
        t(
            lang,
            "probe.summary",
            passed=verdicts.get("pass", 0),
            failed=verdicts.get("fail", 0),
            expected=verdicts.get("expected-no-reply", 0),
            other=verdicts.get("error", 0) + verdicts.get("skipped", 0),
            mismatches=len(corr.mismatches),
        )
    )
    lines.extend(mismatch_lines(corr, lang))
    lines.extend(clusterip_lines(corr, lang))
    if verbose:
        for c in corr.comparisons:
            o = c.observation
            lines.append(
                f"{INDENT}{o.id}: {verdict_word(lang, o.verdict)} ({o.elapsed_ms or 0:.0f} ms) "
                f"{observed(lang, o.detail)} "
                f"[{prediction_text(c.prediction, lang, short=True)}]"
            )
    if notes:
        lines.append(t(lang, "probe.notes"))
        lines.extend(f"{INDENT}{L(n, lang)}" for n in notes)
    if problems:
        lines.append(t(lang, "probe.problems"))
        lines.extend(f"{INDENT}{L(p, lang)}" for p in problems)
    return terminal_safe("\n".join(lines).rstrip() + "\n")


def _matrix_table(rows: Sequence[MatrixRow], lang: str) -> list[str]:
    """The matrix itself: source class, target, probe, slowest time, result, the model's word."""
    columns = ("source", "target", "probe", "time", "result", "model")
    header = [t(lang, f"probe.col.{c}") for c in columns]
    table = []
    for row in rows:
        source = L(row.source, lang)
        if len(row.nodes) > 1:
            source = f"{source} [{len(row.nodes)}]"
        table.append(
            [
                source,
                L(row.target, lang),
                L(KINDS[row.kind].label, lang) if row.kind in KINDS else row.kind,
                f"{row.max_ms / 1000:.2f}s",
                _result_cell(row, lang),
                _model_cell(row, lang),
            ]
        )
    return _table(header, table)


def matrix_dict(snapshot: Snapshot) -> dict[str, Any]:
    """The matrix and every observation with its comparison, for `-o json`."""
    corr = correlation_of(snapshot)
    return {
        "rows": [
            {
                "source_class": str(r.source),
                "source_nodes": sorted(r.nodes),
                "target": str(r.target),
                "probe": r.kind,
                "verdicts": dict(r.verdicts),
                "agreement": dict(r.agreements),
                "predicted": sorted({p.outcome for p in r.predictions}),
                "max_seconds": round(r.max_ms / 1000, 3),
                "details": r.details[:5],
            }
            for r in matrix_rows(corr)
        ],
        "agreement": corr.counts,
        "mismatches": [comparison_dict(c) for c in corr.mismatches],
        "observations": [
            {**o.model_dump(mode="json"), "agreement": c.agreement}
            for c, o in ((c, c.observation) for c in corr.comparisons)
        ],
    }


# ---------------------------------------------------------------------------- the plan (dry run)


def render_plan(plan: ProbePlan, lang: str, what: str) -> str:
    """The dry run: what would be probed from where, with the model's predictions (its prose
    wrapped at 100 cells, the table's rows whole)."""
    head = t(
        lang,
        "probe.plan",
        n=len(plan.probes),
        sources=len(plan.sources),
        nodes=plan.node_count,
        classes=plan.class_count,
        timeout=plan.timeout,
    )
    lines = [*hang(head), ""]
    grouped: dict[tuple[str, str, str], list[Prediction]] = defaultdict(list)
    nodes: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for p in plan.probes:
        key = (p.source_class, p.target_class, p.kind)
        grouped[key].append(p.prediction)
        nodes[key].add(p.source_node)
    header = [t(lang, f"probe.col.{c}") for c in ("source", "target", "probe", "model")]
    table = []
    for key in sorted(grouped, key=lambda k: (str(k[0]), _KIND_ORDER.get(k[2], 99), str(k[1]))):
        source, target, kind = key
        label = L(source, lang) + (f" [{len(nodes[key])}]" if len(nodes[key]) > 1 else "")
        first = grouped[key][0]
        table.append(
            [
                label,
                L(target, lang),
                L(KINDS[kind].label, lang),
                prediction_text(first, lang, short=True),
            ]
        )
    lines.extend(_table(header, table))
    for note in plan.notes:
        lines.extend(hang(f"{INDENT}{L(note, lang)}"))
    lines.append("")
    lines.extend(hang(t(lang, "probe.dry_run", what=what)))
    return terminal_safe("\n".join(lines).rstrip() + "\n")


def plan_dict(plan: ProbePlan) -> dict[str, Any]:
    """The plan for `-o json` without --yes."""
    return {
        "sources": list(plan.sources),
        "echo_nodes": list(plan.echo_nodes),
        "nodes": plan.node_count,
        "node_classes": plan.class_count,
        "seed": plan.seed,
        "timeout_s": plan.timeout,
        "notes": list(plan.notes),  # messages: `-o json` says them in --lang
        "probes": [
            {
                "id": p.id,
                "kind": p.kind,
                "source_node": p.source_node,
                "source_class": p.source_class,
                "target": p.target,
                "target_ip": str(p.target_ip) if p.target_ip is not None else None,
                "target_port": p.target_port,
                "target_node": p.target_node,
                "reason": p.reason,
                "path": p.path,
                "predicted": {
                    "outcome": p.prediction.outcome,
                    "cause": p.prediction.cause,
                    "where": p.prediction.where,
                    "detail": p.prediction.detail,
                },
            }
            for p in plan.probes
        ],
    }
