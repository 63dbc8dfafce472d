"""Shared logic of the flow checks (DNS, API service, pod-to-pod, egress)."""

from __future__ import annotations

from kostack.analyze.checks.base import CheckContext, class_ports, cluster_resource
from kostack.analyze.findings import Finding, Resource, Severity, Status
from kostack.analyze.matrix import ServiceFlows
from kostack.analyze.messages import Msg, register
from kostack.analyze.reach import Disposition, FlowResult

register(
    {
        "flow.ok": {"en": "ok", "ko": "정상"},
        "flow.denied": {"en": "dropped at {where}: {detail}", "ko": "{where}에서 차단됨: {detail}"},
        "flow.denied-reply": {
            "en": "dropped at {where} (reply): {detail}",
            "ko": "{where}에서 응답이 차단됨: {detail}",
        },
        "flow.no-route": {
            "en": "no route at {where}: {detail}",
            "ko": "{where}에서 경로 없음: {detail}",
        },
        "flow.no-route-reply": {
            "en": "no route at {where} (reply): {detail}",
            "ko": "{where}에서 응답 경로 없음: {detail}",
        },
        "flow.unknown": {
            "en": "undecided at {where}: {detail}",
            "ko": "{where}에서 판단 불가: {detail}",
        },
        "flow.unknown-reply": {
            "en": "undecided at {where} (reply): {detail}",
            "ko": "{where}에서 응답 판단 불가: {detail}",
        },
        "flow.line": {"en": "{flow} -> {result}", "ko": "{flow} -> {result}"},
    }
)


def blocked_text(result: FlowResult) -> str:
    hop = result.blocking
    if hop is None:
        return Msg("flow.ok")
    verb = {Disposition.DENIED: "denied", Disposition.NO_ROUTE: "no-route"}.get(
        hop.disposition, "unknown"
    )
    side = "-reply" if hop.direction == "reply" else ""
    return Msg(f"flow.{verb}{side}", where=hop.where, detail=hop.detail)


def flow_line(result: FlowResult) -> str:
    return Msg("flow.line", flow=result.describe(), result=blocked_text(result))


def evidence_of(result: FlowResult) -> tuple[str, ...]:
    hop = result.blocking
    if hop is None:
        return ()
    return (*tuple(e.text() for e in hop.evidence), f"{hop.step}: {hop.detail}")


def cause_of(result: FlowResult) -> str:
    hop = result.blocking
    return hop.cause if hop is not None else ""


def service_findings(
    ctx: CheckContext,
    check_id: str,
    severity: Severity,
    flows: tuple[ServiceFlows, ...] | None,
    service: Resource,
    **pass_params: object,
) -> list[Finding]:
    """Findings for pods on each node class -> one service (messages `<check_id>.fail|.unknown|.pass`).

    The fail/unknown templates get {what, nodes, n, total, lost, why}.
    """
    if flows is None:
        return [
            Finding(
                check_id,
                Status.UNKNOWN,
                severity,
                cluster_resource(ctx),
                Msg(f"{check_id}.no-service"),
            )
        ]
    out: list[Finding] = []
    for sf in flows:
        failed = sf.failed
        if not failed:
            continue
        first = failed[0]
        undecided = all(r.verdict == Disposition.UNKNOWN for r in failed)
        status = Status.UNKNOWN if undecided else Status.FAIL
        out.append(
            Finding(
                check_id,
                status,
                severity,
                service,
                Msg(
                    f"{check_id}.unknown" if undecided else f"{check_id}.fail",
                    what=sf.what,
                    nodes=sf.src.label(),
                    n=len(failed),
                    total=len(sf.results),
                    lost=", ".join(f"{r.dst.label} @ {r.dst.node}" for r in failed),
                    why=blocked_text(first),
                ),
                evidence_of(first),
                flows=tuple(flow_line(r) for r in failed),
                cause=cause_of(first),
                affected=class_ports(ctx, sf.src),
                counts=(
                    ("endpoints_failed", len(failed)),
                    ("endpoints", len(sf.results)),
                    ("nodes", sf.src.size),
                ),
            )
        )
    return out or [
        Finding(check_id, Status.PASS, severity, service, Msg(f"{check_id}.pass", **pass_params))
    ]
