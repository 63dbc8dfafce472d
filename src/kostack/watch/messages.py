"""Everything `kostack watch` says, in English and Korean (log lines, Events, /readyz, errors).

`say(lang, key, **params)` renders one message. Korean particles that depend
on the word before them (은/는, 이/가, 을/를, 으로/로) are chosen by `josa`
from the last syllable of the value, so "정상으로" and "판단 불가로" read right.
Every key exists in both languages with the same placeholders (tests prove it).
"""

from __future__ import annotations

from typing import Any

from kostack.catalog import say_in
from kostack.report.i18n import t

SEVERITIES = ("critical", "high", "medium", "low", "info")

__all__ = ["MESSAGES", "flapping_what", "say", "severity_name", "verdict_name"]

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "start": "kostack watch {version}: {source}; a cycle every {interval}s (jitter {jitter}%), "
        "metrics on http://{listen}/metrics",
        "source.snapshot": "snapshot {path} (read again every cycle)",
        "source.live": "live collection ({what})",
        "probes.off": "probes off",
        "probes.on": "probes by {runner}",
        "runner.lab": "the network lab ({prefix}*)",
        "runner.agents": "the agent DaemonSet in {namespace}",
        "cycle.ok": "cycle {cycle} done in {seconds}s: {verdict}",
        "cycle.stale": "cycle {cycle} could not read every source in {seconds}s; "
        "the last diagnosis (cycle {last}) stays published",
        "cycle.stale.none": "cycle {cycle} could not read every source in {seconds}s; "
        "no diagnosis is published yet",
        "cycle.crashed": "cycle {cycle} failed with an internal error: {error}",
        "verdict.healthy": "healthy",
        "verdict.root-causes": "root causes",
        "verdict.undecided": "undecided",
        "verdict.detail.root-causes": "{n} root cause(s): {causes}",
        "verdict.detail.undecided": "undecided: {checks} could not be decided",
        "source.down": "source {source} is down: {error}",
        "source.up": "source {source} answers again",
        "source.gaps": "source {source}: {n} part(s) not collected (first: {error})",
        "source.whole": "source {source}: every part is collected again",
        "cause.appeared": "root cause present: {title} [{severity}] ({check}), {nodes} node(s)",
        # a cause on no node (a load balancer stuck): no "0 node(s)"
        "cause.appeared.none": "root cause present: {title} [{severity}] ({check})",
        "cause.cleared": "root cause cleared: {title} ({check})",
        "verdict.changed": "verdict changed: {before} -> {after}",
        "probes.done": "probes: {passed} passed, {failed} failed, from {sources} node(s) in {seconds}s",
        "probes.failed": "the probe round failed: {error}",
        "flapping": "{what} is flapping: {n} changes within {window}s",
        "flap.verdict": "verdict",
        "flap.source": "{name}",
        "flap.root-cause": "{name}",
        "stopping": "stopping ({signal})",
        "stopped": "stopped after {cycles} cycle(s)",
        "ready.none": "not ready: no cycle has succeeded yet",
        "ready.stale": "not ready: the last successful cycle was {age}s ago "
        "(the limit is {limit}s: 3 times the interval plus that cycle's duration)",
        "ready.ok": "ready: the last successful cycle was {age}s ago",
        "healthz": "ok: kostack watch is running",
        "event.appeared": "kostack: {title} [{severity}] ({check}); {nodes} node(s) affected. "
        "Run `kostack diagnose` for the evidence and the fix.",
        "event.appeared.none": "kostack: {title} [{severity}] ({check}). "
        "Run `kostack diagnose` for the evidence and the fix.",
        "event.appeared.node": "kostack: {title} [{severity}] ({check}) affects this node. "
        "Run `kostack diagnose` for the evidence and the fix.",
        "event.cleared": "kostack: {title} ({check}) is no longer detected.",
        "event.verdict": "kostack: the pod network verdict changed from {before} to {after}.",
        "event.verdict.first": "kostack: the pod network verdict is {after}.",
        "event.source.down": "kostack: cannot read {source}; the log of kostack watch and its /status say why.",
        "event.source.up": "kostack: {source} can be read again.",
        "error.extra": "kostack watch needs the optional dependency prometheus-client "
        "(the extra kostack[watch])",
        "hint.extra": "install it: `pip install 'kostack[watch]'`",
        "error.snapshot": "--snapshot {path}: no such file",
        "hint.snapshot": "give a snapshot file (`kostack collect -o FILE`)",
        "error.deployment": "--deployment {text!r} is not NAMESPACE/NAME",
        "hint.deployment": "e.g. --deployment kostack/kostack-watch",
        "error.egress": "--egress-target {text!r} is not an IP address",
        "hint.egress": "e.g. --egress-target 1.1.1.1",
    },
    "ko": {
        "start": "kostack watch {version}: {source}; {interval}초마다 한 주기 실행(지터 {jitter}%), "
        "메트릭은 http://{listen}/metrics",
        "source.snapshot": "스냅샷 {path} (주기마다 다시 읽음)",
        "source.live": "실시간 수집 ({what})",
        "probes.off": "점검 끔",
        "probes.on": "점검 실행: {runner}",
        "runner.lab": "네트워크 랩 ({prefix}*)",
        "runner.agents": "네임스페이스 {namespace}의 점검 에이전트 DaemonSet",
        "cycle.ok": "{cycle}번째 주기 완료({seconds}초): {verdict}",
        "cycle.stale": "{cycle}번째 주기에서 {seconds}초 동안 일부 수집 대상을 읽지 못했습니다. "
        "직전 진단({last}번째 주기)을 그대로 게시합니다",
        "cycle.stale.none": "{cycle}번째 주기에서 {seconds}초 동안 일부 수집 대상을 읽지 못했습니다. "
        "아직 게시한 진단이 없습니다",
        "cycle.crashed": "{cycle}번째 주기가 내부 오류로 실패했습니다: {error}",
        "verdict.healthy": "정상",
        "verdict.root-causes": "근본 원인 있음",
        "verdict.undecided": "판단 불가",
        "verdict.detail.root-causes": "근본 원인 {n}개: {causes}",
        "verdict.detail.undecided": "판단 불가: {checks} 항목을 판단할 수 없습니다",
        "source.down": "수집 대상 {source}에 접근할 수 없습니다: {error}",
        "source.up": "수집 대상 {source}에 다시 접근할 수 있습니다",
        "source.gaps": "수집 대상 {source}: {n}개 항목을 수집하지 못했습니다 (첫 번째: {error})",
        "source.whole": "수집 대상 {source}: 모든 항목을 다시 수집했습니다",
        "cause.appeared": "근본 원인 감지: {title} [{severity}] ({check}), 노드 {nodes}대",
        "cause.appeared.none": "근본 원인 감지: {title} [{severity}] ({check})",
        "cause.cleared": "근본 원인 해소: {title} ({check})",
        "verdict.changed": "판정 변경: {before} -> {after}",
        "probes.done": "점검: 노드 {sources}대에서 성공 {passed}건, 실패 {failed}건({seconds}초)",
        "probes.failed": "점검 라운드가 실패했습니다: {error}",
        "flapping": "{what} 상태가 반복해서 바뀝니다: {window}초 동안 {n}회",
        "flap.verdict": "판정",
        "flap.source": "수집 대상 {name}",
        "flap.root-cause": "근본 원인 {name}",
        "stopping": "종료합니다({signal})",
        "stopped": "{cycles}번의 주기를 마치고 종료했습니다",
        "ready.none": "준비 안 됨: 아직 성공한 주기가 없습니다",
        "ready.stale": "준비 안 됨: 마지막으로 성공한 주기가 {age}초 전입니다 (한도 {limit}초: 주기 간격과 그 주기의 소요 시간을 더한 값의 3배)",
        "ready.ok": "준비됨: 마지막으로 성공한 주기는 {age}초 전입니다",
        "healthz": "정상: kostack watch가 실행 중입니다",
        "event.appeared": "kostack: {title} [{severity}] ({check}); 노드 {nodes}대에 영향이 있습니다. "
        "근거와 해결 방법은 `kostack diagnose`로 확인하세요.",
        "event.appeared.none": "kostack: {title} [{severity}] ({check}). "
        "근거와 해결 방법은 `kostack diagnose`로 확인하세요.",
        "event.appeared.node": "kostack: {title} [{severity}] ({check}) 문제가 이 노드에 영향을 줍니다. "
        "근거와 해결 방법은 `kostack diagnose`로 확인하세요.",
        "event.cleared": "kostack: {title} ({check}) 문제가 더 이상 감지되지 않습니다.",
        "event.verdict": "kostack: Pod 네트워크 판정이 {before}에서 {after:으로/로} 바뀌었습니다.",
        "event.verdict.first": "kostack: Pod 네트워크 판정: {after}.",
        "event.source.down": "kostack: {source:을/를} 읽을 수 없습니다. 원인은 kostack watch의 로그와 /status에서 확인하세요.",
        "event.source.up": "kostack: {source:을/를} 다시 읽을 수 있습니다.",
        "error.extra": "kostack watch에는 선택 의존성 prometheus-client(추가 기능 kostack[watch])가 "
        "필요합니다",
        "hint.extra": "설치하세요: `pip install 'kostack[watch]'`",
        "error.snapshot": "--snapshot {path}: 파일이 없습니다",
        "hint.snapshot": "스냅샷 파일을 지정하세요 (`kostack collect -o FILE`)",
        "error.deployment": "--deployment 값 {text!r}: NAMESPACE/NAME 형식이 아닙니다",
        "hint.deployment": "예: --deployment kostack/kostack-watch",
        "error.egress": "--egress-target 값 {text!r}: IP 주소가 아닙니다",
        "hint.egress": "예: --egress-target 1.1.1.1",
    },
}


def say(lang: str, key: str, **params: Any) -> str:
    """Message ``key`` in ``lang`` (English when ``lang`` is not known)."""
    return say_in(MESSAGES, lang, key, params)


def flapping_what(lang: str, kind: str, key: str) -> str:
    """What flaps (the verdict, a source, a root cause) as the log line names it in ``lang``."""
    return say(lang, f"flap.{kind}", name=key) if f"flap.{kind}" in MESSAGES["en"] else key


def verdict_name(lang: str, verdict: str) -> str:
    return say(lang, f"verdict.{verdict}") if f"verdict.{verdict}" in MESSAGES["en"] else verdict


def severity_name(lang: str, severity: str) -> str:
    """The severity as diagnose and report say it (report/i18n.py ``sev.*``)."""
    return t(lang, f"sev.{severity}") if severity in SEVERITIES else severity
