"""Probe results in the reports: confirmations, model mismatches, the probe matrix. Pure.

`kostack diagnose --active` puts the probes in the snapshot; the diagnosis
renderers (text.py, jsonout.py) call `root_cause_probe_lines`,
`probe_section` and `probes_dict` here when `snapshot.probes` is not empty.
`kostack probe` prints `render_matrix` (source class x target x probe, with
verdicts, the model's prediction and timings) and `matrix_dict`.
A model mismatch is always shown, with both sides.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kostack.analyze.diagnose import Diagnosis, RootCause, root_cause_title
from kostack.analyze.messages import localize as L
from kostack.model.snapshot import Snapshot
from kostack.probe.correlate import Comparison, Correlation, correlate, short_outcome
from kostack.probe.plan import KINDS, Prediction, ProbePlan
from kostack.report.cells import cells, fit, hang, labelled
from kostack.report.i18n import t
from kostack.report.probe_words import observed, verdict_word
from kostack.report.safe import terminal_safe

__all__ = [
    "MatrixRow",
    "correlation_of",
    "matrix_dict",
    "matrix_rows",
    "plan_dict",
    "prediction_text",
    "probe_section",
    "probes_dict",
    "render_matrix",
    "render_plan",
    "root_cause_probe_lines",
]

INDENT = "  "
MAX_EXAMPLES = 2
_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}

_cache: list[tuple[Snapshot, Correlation]] = []


def correlation_of(snapshot: Snapshot) -> Correlation:
    """`correlate(snapshot)`, computed once per snapshot object while it is being rendered."""
    for cached, result in _cache:
        if cached is snapshot:
            return result
    result = correlate(snapshot)
    _cache[:] = [(snapshot, result)]
    return result


def prediction_text(p: Prediction, lang: str, *, short: bool = False) -> str:
    """The model's prediction in words ("open", "blocked at <where>: <detail>")."""
    if p.outcome == "blocked":
        if short or not p.where:
            return t(lang, "probe.pred.blocked_short", cause=p.cause or "?")
        return t(lang, "probe.pred.blocked", where=L(p.where, lang), detail=L(p.detail, lang))
    if p.outcome in ("partial", "intermittent"):
        return t(lang, f"probe.pred.{p.outcome}", cause=p.cause or "?")
    return t(lang, f"probe.pred.{p.outcome}")


def _where_from(c: Comparison) -> str:
    o = c.observation
    info = KINDS.get(o.kind)
    if info is not None and info.target in ("pod", "node"):
        target = o.target_node or o.target
        return f"{o.source_node} -> {target}"
    return f"from {o.source_node}"


def _phrase(c: Comparison, lang: str) -> str:
    outcome = short_outcome(c.observation)
    if outcome == "timed out":
        outcome = t(lang, "probe.timed_out")
    return f"{L(c.label, lang)} {_where_from(c)} {outcome}"


# ---------------------------------------------------------------------------- diagnose


def root_cause_probe_lines(d: Diagnosis, rc: RootCause, lang: str, label_width: int) -> list[str]:
    """`Probes: confirmed by N failing probes: DNS/udp from k8s-w-1 timed out, ...`."""
    if not d.snapshot.probes:
        return []
    confirming = correlation_of(d.snapshot).confirming(rc.key)
    if not confirming:
        return []
    # One example per kind first, so DNS and pod-to-pod both show.
    by_kind: dict[str, Comparison] = {}
    for c in confirming:
        by_kind.setdefault(c.observation.kind, c)
    preferred = ("dns-udp", "pod-http", "api-tcp", "egress", "dns-tcp", "transfer", "mtu")
    ordered = [by_kind[k] for k in preferred if k in by_kind] + [
        c for k, c in by_kind.items() if k not in preferred
    ]
    shown = ordered[:MAX_EXAMPLES]
    more = len(confirming) - len(shown)
    text = t(
        lang,
        "probe.confirmed",
        n=len(confirming),
        examples=", ".join(_phrase(c, lang) for c in shown),
        more=t(lang, "probe.more", n=more) if more > 0 else "",
    )
    return labelled(t(lang, "probe.l.probes"), text, label_width, INDENT)


def probe_section(d: Diagnosis, lang: str, verbose: bool = False) -> list[str]:
    """The diagnosis' probe section: counts, every mismatch, contrasts, the ClusterIP ping."""
    if not d.snapshot.probes:
        return []
    corr = correlation_of(d.snapshot)
    counts = corr.counts
    lines = [
        t(
            lang,
            "probe.section",
            n=len(corr.comparisons),
            sources=len(corr.sources),
            runner=corr.runner or "?",
            as_predicted=counts.get("as-predicted", 0),
            confirmed=counts.get("confirmed", 0),
            mismatches=counts.get("mismatch", 0),
        )
    ]
    extra = [
        t(lang, key, n=counts[agreement])
        for agreement, key in (
            ("undecided", "probe.n_undecided"),
            ("not-comparable", "probe.n_not_run"),
        )
        if counts.get(agreement)
    ]
    if extra:
        lines.append(INDENT + ", ".join(extra))
    lines.extend(mismatch_lines(corr, lang))
    for contrast in corr.contrasts():
        same = t(lang, "probe.contrast_same", n=contrast.same_on) if contrast.same_on else ""
        lines.append(f"{INDENT}{t(lang, 'probe.contrast', node=contrast.source_node, same=same)}")
        for c in contrast.passing:
            why = L(c.prediction.because, lang)
            lines.append(
                f"{INDENT * 2}{t(lang, 'probe.works', label=L(c.label, lang), target=c.observation.target, why=why)}"
            )
        for c in contrast.failing:
            via = f"{L(c.prediction.via, lang)}; " if c.prediction.via else ""
            title = root_cause_title(c.prediction.cause, lang) if c.prediction.cause else ""
            why = f"{via}{L(c.prediction.where, lang)}: {L(c.prediction.detail, lang)}"
            if title and title != c.prediction.cause:
                why += f" ({title})"
            lines.append(
                f"{INDENT * 2}{t(lang, 'probe.fails', label=L(c.label, lang), target=c.observation.target, why=why)}"
            )
    lines.extend(_clusterip_lines(corr, lang))
    undecided = corr.by("undecided")
    if undecided:
        items = _summarise(undecided, lang, verbose)
        lines.append(f"{INDENT}{t(lang, 'probe.undecided', items=items)}")
    not_run = corr.by("not-comparable")
    if not_run:
        reasons = Counter(_reason(c.observation.detail, lang) for c in not_run)
        why = "; ".join(f"{reason} ({n})" for reason, n in reasons.most_common(3))
        lines.append(f"{INDENT}{t(lang, 'probe.not_run', n=len(not_run), why=why)}")
    lines.append("")
    return lines


def mismatch_lines(corr: Correlation, lang: str) -> list[str]:
    """Every model mismatch, both sides (never folded away)."""
    lines: list[str] = []
    for c in corr.mismatches:
        o = c.observation
        lines.append(
            f"{INDENT}"
            + t(
                lang,
                "probe.mismatch",
                label=L(c.label, lang),
                source=o.source_node or "?",
                target=o.target,
            )
        )
        lines.append(
            f"{INDENT * 3}{t(lang, 'probe.mismatch_model', prediction=prediction_text(c.prediction, lang))}"
        )
        lines.append(
            f"{INDENT * 3}{t(lang, 'probe.mismatch_probe', verdict=verdict_word(lang, o.verdict), detail=observed(lang, o.detail))}"
        )
    if corr.mismatches:
        lines.append(f"{INDENT * 3}{t(lang, 'probe.mismatch_hint')}")
    return lines


def _reason(detail: str, lang: str) -> str:
    """The gist of why a probe could not run ("no raw socket", "the agent exited 2")."""
    if lang != "en":
        return observed(lang, detail).removeprefix("건너뜀: ")[:80]
    text = detail.removeprefix("skipped: ").removeprefix("error: ")
    return text.split(", so ", 1)[0].split(";", 1)[0].split(" (", 1)[0][:80]


def _clusterip_lines(corr: Correlation, lang: str) -> list[str]:
    pings = [c for c in corr.expected if c.observation.kind == "icmp-clusterip"]
    if not pings:
        return []
    ip = str(pings[0].observation.target_ip or pings[0].observation.target)
    replied = sum(1 for c in pings if c.observation.extra.get("replied"))
    what = (
        t(lang, "probe.clusterip_some", n=replied) if replied else t(lang, "probe.clusterip_none")
    )
    return [f"{INDENT}{t(lang, 'probe.clusterip', ip=ip, n=len(pings), what=what)}"]


def _summarise(items: Sequence[Comparison], lang: str, verbose: bool) -> str:
    shown = items if verbose else items[:3]
    text = ", ".join(f"{_phrase(c, lang)} ({c.observation.verdict})" for c in shown)
    if len(shown) < len(items):
        text += t(lang, "probe.more", n=len(items) - len(shown))
    return text


def _comparison_dict(c: Comparison) -> dict[str, Any]:
    p = c.prediction
    return {
        "id": c.observation.id,
        "kind": c.observation.kind,
        "source_node": c.observation.source_node,
        "target": c.observation.target,
        "verdict": c.observation.verdict,
        "detail": c.observation.detail,
        "agreement": c.agreement,
        "predicted": {
            "outcome": p.outcome,
            "cause": p.cause,
            # kostack's own words stay messages: `-o json` says them in the chosen language
            "where": p.where,
            "detail": p.detail,
            "because": p.because,
            "via": p.via,
        },
    }


def probes_dict(d: Diagnosis) -> dict[str, Any] | None:
    """The diagnosis JSON's `probes` member (None without probes)."""
    if not d.snapshot.probes:
        return None
    corr = correlation_of(d.snapshot)
    return {
        "count": len(corr.comparisons),
        "runner": corr.runner,
        "sources": list(corr.sources),
        "agreement": corr.counts,
        "confirmations": {
            rc.key: [c.observation.id for c in corr.confirming(rc.key)] for rc in d.root_causes
        },
        "mismatches": [_comparison_dict(c) for c in corr.mismatches],
        "contrasts": [
            {
                "source_node": x.source_node,
                "same_on": x.same_on,
                "passing": [_comparison_dict(c) for c in x.passing],
                "failing": [_comparison_dict(c) for c in x.failing],
            }
            for x in corr.contrasts()
        ],
        "comparisons": [_comparison_dict(c) for c in corr.comparisons],
    }


# ---------------------------------------------------------------------------- the matrix


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
    lines.extend(_clusterip_lines(corr, lang))
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
        "mismatches": [_comparison_dict(c) for c in corr.mismatches],
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
