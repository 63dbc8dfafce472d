"""Probe results in the diagnosis reports: confirmations, model mismatches, contrasts. Pure.

`kostack diagnose --active` puts the probes in the snapshot; the diagnosis
renderers (text.py, jsonout.py) call `root_cause_probe_lines`,
`probe_section` and `probes_dict` here when `snapshot.probes` is not empty.
`kostack probe`'s matrix and plan (report/probe_matrix.py) share the words.
A model mismatch is always shown, with both sides.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from kostack.analyze.diagnose import Diagnosis, RootCause, root_cause_title
from kostack.analyze.messages import localize as L
from kostack.model.snapshot import Snapshot
from kostack.probe.correlate import Comparison, Correlation, correlate, short_outcome
from kostack.probe.plan import KINDS, Prediction
from kostack.report.cells import labelled
from kostack.report.i18n import t
from kostack.report.probe_words import observed, verdict_word

__all__ = [
    "clusterip_lines",
    "comparison_dict",
    "correlation_of",
    "mismatch_lines",
    "prediction_text",
    "probe_section",
    "probes_dict",
    "root_cause_probe_lines",
]

INDENT = "  "
MAX_EXAMPLES = 2

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
    lines.extend(clusterip_lines(corr, lang))
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


def clusterip_lines(corr: Correlation, lang: str) -> list[str]:
    """The ClusterIP ping's line (a virtual IP: its replies are no symptom); none without it."""
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


def comparison_dict(c: Comparison) -> dict[str, Any]:
    """One observation with the model's prediction, for `-o json`."""
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
        "mismatches": [comparison_dict(c) for c in corr.mismatches],
        "contrasts": [
            {
                "source_node": x.source_node,
                "same_on": x.same_on,
                "passing": [comparison_dict(c) for c in x.passing],
                "failing": [comparison_dict(c) for c in x.failing],
            }
            for x in corr.contrasts()
        ],
        "comparisons": [comparison_dict(c) for c in corr.comparisons],
    }
