"""Guard's words for a pass: the `--once` report, log lines for each write, rule texts.

Renderers take finished values and return text (English or Korean); they
never query. Everything taken from the cloud or the cluster is escaped by
the caller before it reaches a terminal (`kostack.report.safe`).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping

from kostack.catalog import localize
from kostack.guard.breaker import BreakerDecision, BreakerSettings
from kostack.guard.drift import Drift, Hold, PortDrift
from kostack.guard.enforce import RULE_RETRY_PASSES, Done
from kostack.guard.messages import MESSAGES, say
from kostack.guard.state import PassReport, actionable
from kostack.plan.rules import Rule
from kostack.report.cells import cells, wrap
from kostack.report.fixplan import short

__all__ = [
    "breaker_why",
    "hold_text",
    "notes",
    "pass_lines",
    "render_report",
    "rule_text",
    "short",
    "write_line",
]

# the results whose pass line is their own (`pass.<result>`); any other pass is clean
_PASS_RESULTS = ("held", "drift", "fixed", "partial", "incomplete")
# a write that did not (or not wholly) happen: its log line, by outcome (else write.failed)
_ERROR_KEYS = {
    "stale": "write.stale.412",
    "in-doubt": "write.indoubt",
    "applied-untagged": "write.untagged",
    "refused": "write.refused",
}
SHOWN = 20  # ports listed one by one in a report; the rest are counted
WIDTH = 100  # terminal cells a line of the --once report takes at most


def rule_text(rule: Rule, lang: str, groups: Mapping[str, str] | None = None) -> str:
    """A rule in the operator's words (the remote group by name when known)."""
    proto = rule.protocol or ("any protocol" if lang != "ko" else "모든 프로토콜")
    ports = f" {rule.port_span()}" if rule.port_range_min is not None else ""
    if rule.remote_group_id:
        name = (groups or {}).get(rule.remote_group_id) or short(rule.remote_group_id)
        remote = f"from group {name}" if lang != "ko" else f"출발지 그룹 {name}"
    elif rule.remote_ip_prefix:
        remote = (
            f"from {rule.remote_ip_prefix}" if lang != "ko" else f"출발지 {rule.remote_ip_prefix}"
        )
    else:
        remote = "from anywhere" if lang != "ko" else "출발지 전체"
    direction = (
        rule.direction if lang != "ko" else ("수신" if rule.direction == "ingress" else "송신")
    )
    return f"{direction} {rule.ethertype} {proto}{ports} {remote}"


def _cidrs(drift: PortDrift, lang: str) -> str:
    parts = [
        c + (" " + say(lang, "report.service") if c in drift.service else "") for c in drift.add
    ]
    return ", ".join(parts)


def _node(node: str, lang: str) -> str:
    return node or say(lang, "unknown_node")


def breaker_why(decision: BreakerDecision, share: float, floor: int, lang: str) -> str:
    parts = []
    if "share" in decision.reasons:
        parts.append(
            say(
                lang,
                "breaker.share",
                changing=decision.changing,
                scope=decision.scope,
                allowed=decision.allowed,
                share=f"{share * 100:g}",
                floor=floor,
            )
        )
    if "removals" in decision.reasons:
        parts.append(
            say(lang, "breaker.removals", removals=decision.removals, max=decision.max_removals)
        )
    return "; ".join(parts)


def hold_text(hold: Hold, lang: str) -> str:
    return say(lang, hold.key, **dict(hold.params))


def notes(drift: Drift, lang: str) -> list[str]:
    """Holds, ports with port security off, plan steps that are not guard's."""
    out = [hold_text(h, lang) for h in drift.holds]
    if drift.port_security_off:
        nodes = ", ".join(n for n, _ in drift.port_security_off[:6])
        if len(drift.port_security_off) > 6:
            nodes += f" (+{len(drift.port_security_off) - 6})"
        out.append(say(lang, "portsec.off", n=len(drift.port_security_off), nodes=nodes))
    if drift.outside:
        steps = "; ".join(_step(op, target, lang) for op, target in drift.outside[:3])
        steps += " ..." if len(drift.outside) > 3 else ""
        out.append(say(lang, "outside", n=len(drift.outside), steps=steps))
    if drift.consent:
        ports = ", ".join(name for _, name, _ in drift.consent[:6])
        ports += f" (+{len(drift.consent) - 6})" if len(drift.consent) > 6 else ""
        out.append(say(lang, "consent.dsr", n=len(drift.consent), ports=ports))
    return out


def _step(operation: str, target: str, lang: str) -> str:
    """A plan step guard leaves to `kostack fix`: its operation in ``lang``, then its target."""
    word = say(lang, f"op.{operation}") if f"op.{operation}" in MESSAGES["en"] else operation
    return f"{word} {target}"


def _port_lines(drift: PortDrift, lang: str) -> Iterable[str]:
    port, node = short(drift.port_id), _node(drift.node, lang)
    if drift.add:
        yield say(lang, "report.port.add", port=port, node=node, cidrs=_cidrs(drift, lang))
        yield "  " + say(
            lang,
            "report.why",
            reason=say(
                lang,
                "report.why.pairs",
                node=node,
                cidrs=", ".join(c for c in drift.add if c not in drift.service)
                or ", ".join(drift.add),
            ),
        )
    if drift.remove:
        why = say(lang, "report.why.left" if not drift.node else "report.why.unneeded")
        yield say(
            lang, "report.port.remove", port=port, node=node, cidrs=", ".join(drift.remove), why=why
        )
    for key, cidrs in (("held", drift.held), ("claim", drift.claim), ("unclaim", drift.unclaim)):
        if cidrs:
            yield say(lang, f"report.port.{key}", port=port, node=node, cidrs=", ".join(cidrs))


def render_report(
    report: PassReport,
    lang: str,
    *,
    share: float,
    floor: int,
    command: list[str],
) -> str:
    """The text `kostack guard --once` prints."""
    lines: list[str] = []
    if report.result == "unreachable":
        lines.append(say(lang, "report.unreachable", error=report.error))
        if report.hint:
            lines.append(localize(report.hint, lang))
        return _text(lines)
    if report.result == "standby":
        return _text([say(lang, "report.standby", holder=report.holder)])
    drift = report.drift
    assert drift is not None
    groups = drift.group_names
    lines.append(
        say(
            lang,
            "report.head",
            mode=say(lang, f"mode.{report.mode}"),
            ports=drift.node_ports,
            nodes=drift.nodes,
        )
    )
    if drift.clean:
        lines.append(say(lang, "report.clean"))
    else:
        held = sum(len(r.add_held) for r in drift.rules)
        rules = drift.rule_adds + drift.rule_deletes + held
        lines.append(say(lang, "report.drift", ports=len(drift.ports), rules=rules))
        for port in drift.ports[:SHOWN]:
            lines.extend("  " + line for line in _port_lines(port, lang))
        if len(drift.ports) > SHOWN:
            lines.append(f"  ... (+{len(drift.ports) - SHOWN})")
        lines.extend(_rule_lines(drift, lang))
    lines.extend(notes(drift, lang))
    decision = report.breaker
    if decision is not None:
        state = say(lang, "breaker.state.open" if decision.open else "breaker.state.closed")
        lines.append(
            say(
                lang,
                "report.breaker",
                state=state,
                changing=decision.changing,
                scope=decision.scope,
                allowed=decision.allowed,
                removals=decision.removals,
                max=decision.max_removals,
            )
        )
        if decision.open:
            lines.append(say(lang, "breaker.opened", why=breaker_why(decision, share, floor, lang)))
    if report.mode == "audit" and actionable(drift):  # not for what guard leaves to fix plan
        lines.append(say(lang, "report.audit", command=" ".join(shlex.quote(a) for a in command)))
    if report.mode == "enforce" and (report.done or report.deferred):
        lines.append(
            say(
                lang,
                "report.done",
                applied=report.count("applied"),
                already=report.count("already"),
                failed=report.failed,
                deferred=report.deferred,
            )
        )
        lines.extend("  " + write_line(done, lang, groups) for done in report.done)
    if report.mode == "enforce" and report.remaining:
        lines.append(say(lang, "report.remaining", items=report.remaining))
    return _text(lines)


def _text(lines: Iterable[str]) -> str:
    """``lines`` as the report's text: a line over 100 terminal cells wraps (in cells, so Korean
    wraps where English does), its later lines two cells further in; a `command` stays whole."""
    out: list[str] = []
    for line in lines:
        if cells(line) <= WIDTH:
            out.append(line)
            continue
        text = line.lstrip(" ")
        indent = line[: len(line) - len(text)]
        out.extend(wrap(text, indent + "  ", WIDTH, first=indent))
    return "\n".join(out) + "\n"


def _rule_lines(drift: Drift, lang: str) -> list[str]:
    """One line per security-group rule the pass adds, deletes or holds back."""
    groups = drift.group_names
    lines: list[str] = []
    for group in drift.rules:
        name = group.group_name or short(group.group_id)
        listed = (
            ("report.rule.add", group.add),
            ("report.rule.delete", tuple(rule for _rid, rule in group.delete)),
            ("report.rule.held", tuple(rule for _rid, rule in group.held)),
        )
        for key, keyed in listed:
            lines.extend(
                "  " + say(lang, key, group=name, rule=rule_text(rule, lang, groups))
                for rule in keyed
            )
        if group.add_held:
            shown = ", ".join(group.strangers[:5])
            if len(group.strangers) > 5:
                shown += f" (+{len(group.strangers) - 5})"
            rules = "; ".join(rule_text(rule, lang, groups) for rule in group.add_held)
            lines.append(
                "  " + say(lang, "report.rule.shared", group=name, rules=rules, others=shown)
            )
    return lines


def write_line(done: Done, lang: str, groups: Mapping[str, str] | None = None) -> str:
    """The log line of one write."""
    node = _node(done.node, lang)
    target = short(done.target)
    if done.action in ("add-rule", "delete-rule"):
        target = (groups or {}).get(done.target) or target
    what = (
        rule_text(done.rule, lang, groups)
        if done.rule is not None
        else ", ".join((*done.added, *done.removed))
    )
    if done.outcome == "applied":
        if done.action in ("add-pairs", "remove-pairs", "tags"):
            changes = (
                ("write.add", done.added),
                ("write.remove", done.removed),
                ("write.claimed", done.claimed),
                ("write.unclaimed", done.unclaimed),
            )
            lines = [
                say(lang, key, port=target, node=node, cidrs=", ".join(cidrs))
                for key, cidrs in changes
                if cidrs
            ]
            if not lines:
                lines.append(say(lang, "write.tags", port=target, node=node))
            return "; ".join(lines)
        key = "write.rule.add" if done.action == "add-rule" else "write.rule.delete"
        return say(lang, key, group=target, rule=what)
    if done.outcome == "already":
        return say(lang, "write.already", target=target, detail=what or done.detail)
    if done.outcome == "stale" and done.revision is not None:
        return say(lang, "write.stale", target=target, revision=done.revision)
    if done.outcome == "refused" and done.rule is not None:
        n = RULE_RETRY_PASSES
        return say(lang, "write.rule.refused", target=target, rule=what, error=done.error, n=n)
    key = _ERROR_KEYS.get(done.outcome, "write.failed")
    return say(lang, key, target=target, error=done.error)


def pass_lines(
    report: PassReport, breaker: BreakerSettings, writes_per_minute: int, lang: str
) -> list[str]:
    """The log lines that sum a pass up (the writes have their own, `write_line`)."""
    out: list[str] = []
    drift = report.drift
    assert drift is not None
    result = report.result if report.result in _PASS_RESULTS else "clean"
    params: dict[str, object] = {"n": report.number, "seconds": f"{report.seconds:.2f}"}
    if result == "held":
        assert report.breaker is not None
        params["why"] = breaker_why(report.breaker, breaker.max_share, breaker.floor, lang)
    # a port lacking pairs only `kostack fix` adds (Calico eBPF DSR's) is drift left too
    consent = {pid: len(pairs) for pid, _, pairs in drift.consent}
    if result == "drift":
        ports = len({p.port_id for p in drift.ports} | set(consent))
        params.update(ports=ports, rules=drift.rule_adds + drift.rule_deletes)
    elif result in ("fixed", "partial"):
        params.update(done=report.count("applied"), left=report.remaining + sum(consent.values()))
    elif result == "clean":
        params["ports"] = drift.node_ports
    out.append(say(lang, f"pass.{result}", **params))
    if report.deferred:
        out.append(say(lang, "deferred", n=report.deferred, per_minute=writes_per_minute))
    if report.not_leader:
        out.append(say(lang, "not_leader"))
    return out
