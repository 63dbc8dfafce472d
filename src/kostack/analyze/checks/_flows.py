"""Shared logic of the flow checks (DNS, API service, pod-to-pod, egress)."""

from __future__ import annotations

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
