"""What a probe observed (its verdict and detail, as the probe agent words them), in Korean.

The probe agent (kostack.probe.agent*) runs inside pods and the lab with no
catalogue: it words each outcome in English ("timed out after 2s (UDP, 2
queries)"), and JSON, journals and the English text keep those words.
Under `--lang ko`, `observed(lang, detail)` finds the shape of the detail
(most specific first) and renders the catalogue entry of the same name;
words from elsewhere (an exception's text, an errno's description kostack
does not know) stay quoted (“...”) after a Korean lead-in, as do details of
no known shape. tests/foundation/test_korean_lab.py feeds every shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from kostack.analyze.messages import Msg, register

register(
    {
        "pw.pass": {"en": "pass", "ko": "통과"},
        "pw.fail": {"en": "fail", "ko": "실패"},
        "pw.error": {"en": "error", "ko": "오류"},
        "pw.skipped": {"en": "skipped", "ko": "건너뜀"},
        "pw.expected-no-reply": {"en": "expected-no-reply", "ko": "응답 없음이 정상"},
        "pw.timed_out_udp": {
            "en": "timed out after {s}s (UDP, {n} {n:query/queries})",
            "ko": "{s}초 후 시간 초과 (UDP, 쿼리 {n}번)",
        },
        "pw.timed_out": {"en": "timed out after {s}s", "ko": "{s}초 후 시간 초과"},
        "pw.no_echo_n": {
            "en": "no echo reply within {s}s ({n} {n:request/requests})",
            "ko": "{s}초 안에 echo 응답 없음 (요청 {n}번)",
        },
        "pw.no_echo": {"en": "no echo reply within {s}s", "ko": "{s}초 안에 echo 응답 없음"},
        "pw.no_answer": {"en": "no answer within {s}s", "ko": "{s}초 안에 응답 없음"},
        "pw.connected": {"en": "connected", "ko": "연결됨"},
        "pw.not_http": {
            "en": "connected, but the answer is not HTTP",
            "ko": "연결됨, 그러나 응답이 HTTP가 아님",
        },
        "pw.no_http": {
            "en": "connected, no HTTP answer within {s}s",
            "ko": "연결됨, {s}초 안에 HTTP 응답 없음",
        },
        "pw.not_dns": {
            "en": "TCP answer that is not a DNS reply",
            "ko": "DNS 응답이 아닌 TCP 응답",
        },
        "pw.dns_answered": {
            "en": "answered {code} for {name} over {via}",
            "ko": "{via:으로/로} {name}에 대해 {code} 응답",
        },
        "pw.dns_unexpected": {
            "en": "answered {got} over {via}, expected {want}",
            "ko": "{via:으로/로} {got} 응답, 기대한 주소 {want}",
        },
        "pw.no_address": {"en": "no address", "ko": "주소 없음"},
        "pw.resolved": {"en": "{name} -> {got} over {via}", "ko": "{name} -> {got} ({via})"},
        "pw.closed_after": {
            "en": "closed after {got} of {size} bytes",
            "ko": "{size}바이트 중 {got}바이트에서 연결이 닫힘",
        },
        "pw.stalled_after": {
            "en": "stalled after {got} of {size} bytes",
            "ko": "{size}바이트 중 {got}바이트에서 멈춤",
        },
        "pw.reset": {"en": "connection reset by the target", "ko": "대상이 연결을 재설정함"},
        "pw.dest_unreachable": {
            "en": "destination unreachable (code {code})",
            "ko": "목적지 도달 불가 (ICMP 코드 {code})",
        },
        "pw.echo": {"en": "echo reply ({mode} socket)", "ko": "echo 응답 ({mode} 소켓)"},
        "pw.mtu_all": {
            "en": "every {word} size passed up to {size} bytes",
            "ko": "{size}바이트까지 모든 {word} 크기가 통과",
        },
        "pw.mtu_target": {
            "en": "{size}-byte {word} packets pass (largest tested that passed: {largest})",
            "ko": "{size}바이트 {word} 패킷 통과 (통과한 가장 큰 크기: {largest})",
        },
        "pw.mtu_lost": {
            "en": "largest {word} packet that passed: {size} bytes; larger ones are lost",
            "ko": "통과한 가장 큰 {word} 패킷: {size}바이트, 그보다 큰 패킷은 손실",
        },
        "pw.mtu_short": {
            "en": "largest {word} packet that passed: {size} bytes; {lost} bytes lost{note}: "
            "pods send up to {mtu} bytes (their MTU)",
            "ko": "통과한 가장 큰 {word} 패킷: {size}바이트, {lost}바이트는 손실{note}: "
            "Pod는 최대 {mtu}바이트(Pod MTU)를 보냅니다",
        },
        "pw.too_big": {"en": "packet too big (MTU {mtu})", "ko": "패킷이 너무 큼 (MTU {mtu})"},
        "pw.dns_port": {
            "en": "port unreachable: nothing answers DNS on {target}",
            "ko": "포트 도달 불가: {target}에서 DNS에 응답하는 것이 없음",
        },
        "pw.tls_reachable": {
            "en": "reachable: HTTP {code} proves connectivity ({version} handshake completed)",
            "ko": "도달 가능: HTTP {code}, 연결 확인 ({version} 핸드셰이크 완료)",
        },
        "pw.no_agent": {
            "en": "skipped: no Ready probe agent on node {node}",
            "ko": "건너뜀: 노드 {node}에 Ready 상태의 점검 에이전트 없음",
        },
        "pw.no_agent_target": {
            "en": "skipped: no Ready probe agent on the target node",
            "ko": "건너뜀: 대상 노드에 Ready 상태의 점검 에이전트 없음",
        },
        "pw.no_raw": {
            "en": "skipped: no raw socket ({need} needs NET_RAW or ping_group_range)",
            "ko": "건너뜀: raw 소켓 없음 ({need}에는 NET_RAW 또는 ping_group_range가 필요)",
        },
        "pw.no_raw_us": {
            "en": "skipped: no raw socket (no NET_RAW and ping_group_range excludes us)",
            "ko": "건너뜀: raw 소켓 없음 (NET_RAW가 없고 ping_group_range에도 포함되지 않음)",
        },
        "pw.no_echo_mtu": {
            "en": "skipped: no {word} echo of any size came back, so the path is blocked or drops "
            "ICMP; MTU not measurable (see the pod-to-pod probes)",
            "ko": "건너뜀: 어떤 크기의 {word} echo도 돌아오지 않음. 경로가 막혔거나 ICMP를 버리므로 "
            "MTU를 잴 수 없음 (Pod 간 점검 참고)",
        },
        "pw.echo_not_started": {
            "en": "skipped: the echo pod on the target node did not start",
            "ko": "건너뜀: 대상 노드의 echo Pod가 시작되지 않음",
        },
        "pw.lab_no_listener": {
            "en": "skipped: the lab has no listening pod on the target node",
            "ko": "건너뜀: 랩의 대상 노드에 대기 중인 Pod가 없음",
        },
        "pw.lab_no_pool_pod": {
            "en": "skipped: the lab has no pod on node {node} in IP pool {pool}",
            "ko": "건너뜀: 랩의 노드 {node}에 IP 풀 {pool}의 Pod가 없음",
        },
        "pw.lab_no_pod": {
            "en": "skipped: the lab has no pod on node {node}",
            "ko": "건너뜀: 랩의 노드 {node}에 Pod가 없음",
        },
        "pw.unreachable": {"en": "unreachable: {what}", "ko": "도달 불가: {what}"},
        "pw.errno": {"en": "{errno}: {what}", "ko": "{what} ({errno})"},
        "pw.exception": {"en": "{kind}: {why}", "ko": "오류 ({kind}): “{why}”"},
        "pw.other": {"en": "{text}", "ko": "원문: “{text}”"},
        "pw.os.refused": {"en": "Connection refused", "ko": "연결 거부"},
        "pw.os.net": {"en": "Network is unreachable", "ko": "네트워크 도달 불가"},
        "pw.os.host": {"en": "No route to host", "ko": "호스트로 가는 경로 없음"},
        "pw.os.reset": {"en": "Connection reset by peer", "ko": "상대가 연결을 재설정함"},
        "pw.os.timed_out": {"en": "Connection timed out", "ko": "연결 시간 초과"},
        "pw.os.other": {"en": "{why}", "ko": "오류 “{why}”"},
    }
)

_OS: Final = {
    "Connection refused": "pw.os.refused",
    "Network is unreachable": "pw.os.net",
    "No route to host": "pw.os.host",
    "Connection reset by peer": "pw.os.reset",
    "Connection timed out": "pw.os.timed_out",
}


def _os(why: str) -> Msg:
    key = _OS.get(why)
    return Msg(key) if key else Msg("pw.os.other", why=why)


def _m(key: str) -> Callable[[re.Match[str]], Msg]:
    return lambda m: Msg(key, **m.groupdict())


def _answered(key: str) -> Callable[[re.Match[str]], Msg]:
    """As `_m`, with the answer ``got`` in the reader's words when it is "no address"."""
    return lambda m: Msg(
        key,
        **{
            **m.groupdict(),
            "got": Msg("pw.no_address") if m["got"] == "no address" else m["got"],
        },
    )


def _note(m: re.Match[str]) -> Msg:
    note = m["note"]
    return Msg(
        "pw.mtu_short",
        **{**m.groupdict(), "note": f" (“{note.removeprefix(', ')}”)" if note else ""},
    )


_SHAPES: Final[tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], Msg]], ...]] = tuple(
    (re.compile(pattern), make)
    for pattern, make in (
        (r"timed out after (?P<s>[\d.]+)s \(UDP, (?P<n>\d+) queries\)", _m("pw.timed_out_udp")),
        (r"timed out after (?P<s>[\d.]+)s", _m("pw.timed_out")),
        (r"no echo reply within (?P<s>[\d.]+)s \((?P<n>\d+) requests\)", _m("pw.no_echo_n")),
        (r"no echo reply within (?P<s>[\d.]+)s", _m("pw.no_echo")),
        (r"no answer within (?P<s>[\d.]+)s", _m("pw.no_answer")),
        (r"connected", _m("pw.connected")),
        (r"connected, but the answer is not HTTP", _m("pw.not_http")),
        (r"connected, no HTTP answer within (?P<s>[\d.]+)s", _m("pw.no_http")),
        (r"TCP answer that is not a DNS reply", _m("pw.not_dns")),
        (
            r"answered (?P<got>.*?) over (?P<via>\S+), expected (?P<want>\S+)",
            _answered("pw.dns_unexpected"),
        ),
        (
            r"answered (?P<code>\S+(?: \d+)?) for (?P<name>\S+) over (?P<via>\S+)",
            _m("pw.dns_answered"),
        ),
        (r"(?P<name>\S+) -> (?P<got>.+) over (?P<via>\S+)", _answered("pw.resolved")),
        (r"closed after (?P<got>\d+) of (?P<size>\d+) bytes", _m("pw.closed_after")),
        (r"stalled after (?P<got>\d+) of (?P<size>\d+) bytes", _m("pw.stalled_after")),
        (r"connection reset by the target", _m("pw.reset")),
        (r"destination unreachable \(code (?P<code>\d+)\)", _m("pw.dest_unreachable")),
        (r"echo reply \((?P<mode>\w+) socket\)", _m("pw.echo")),
        (r"every (?P<word>\S+) size passed up to (?P<size>\d+) bytes", _m("pw.mtu_all")),
        (
            r"(?P<size>\d+)-byte (?P<word>\S+) packets pass \(largest tested that passed: "
            r"(?P<largest>\d+)\)",
            _m("pw.mtu_target"),
        ),
        (
            r"largest (?P<word>\S+) packet that passed: (?P<size>\d+) bytes; larger ones are lost",
            _m("pw.mtu_lost"),
        ),
        (
            r"largest (?P<word>\S+) packet that passed: (?P<size>\d+) bytes; (?P<lost>\d+) bytes "
            r"lost(?P<note>, .+?)?: pods send up to (?P<mtu>\d+) bytes \(their MTU\)",
            _note,
        ),
        (r"packet too big \(MTU (?P<mtu>\d+)\)", _m("pw.too_big")),
        (r"port unreachable: nothing answers DNS on (?P<target>\S+)", _m("pw.dns_port")),
        (
            r"reachable: HTTP (?P<code>\d+) proves connectivity \((?P<version>\S+) handshake "
            r"completed\)",
            _m("pw.tls_reachable"),
        ),
        (r"skipped: no Ready probe agent on node (?P<node>\S+)", _m("pw.no_agent")),
        (r"skipped: no Ready probe agent on the target node", _m("pw.no_agent_target")),
        (
            r"skipped: no raw socket \((?P<need>.+) needs NET_RAW or ping_group_range\)",
            _m("pw.no_raw"),
        ),
        (
            r"skipped: no raw socket \(no NET_RAW and ping_group_range excludes us\)",
            _m("pw.no_raw_us"),
        ),
        (
            r"skipped: no (?P<word>\S+) echo of any size came back, so the path is blocked or "
            r"drops ICMP; MTU not measurable \(see the pod-to-pod probes\)",
            _m("pw.no_echo_mtu"),
        ),
        (r"skipped: the echo pod on the target node did not start", _m("pw.echo_not_started")),
        (
            r"skipped: the lab has no listening pod on the target node",
            _m("pw.lab_no_listener"),
        ),
        (r"skipped: the lab has no pod on node (?P<node>\S+)", _m("pw.lab_no_pod")),
        (
            r"skipped: the lab has no pod on node (?P<node>\S+) in IP pool (?P<pool>\S+)",
            _m("pw.lab_no_pool_pod"),
        ),
        (
            r"unreachable: (?P<why>.+)",
            lambda m: Msg("pw.unreachable", what=_os(m["why"])),
        ),
        (
            r"(?P<errno>E[A-Z]+): (?P<why>.+)",
            lambda m: Msg("pw.errno", errno=m["errno"], what=_os(m["why"])),
        ),
        (r"(?P<kind>[A-Z]\w*(?:Error|Exception)): (?P<why>.*)", _m("pw.exception")),
    )
)


def observed(lang: str, detail: str) -> str:
    """A probe's detail in ``lang``; a detail without English sentence words (a status
    line, "HTTP 200", "kubernetes.default -> 10.96.0.1") is shown as it is."""
    if lang == "en":
        return detail
    for pattern, make in _SHAPES:
        match = pattern.fullmatch(detail)
        if match:
            return make(match).render(lang)
    if not re.search(r"\b[a-z]{2,} [a-z]{2,}\b", detail):
        return detail
    return Msg("pw.other", text=detail).render(lang)


def verdict_word(lang: str, verdict: str) -> str:
    """A probe's verdict (pass, fail, error, skipped, expected-no-reply) in ``lang``."""
    key = f"pw.{verdict}"
    return Msg(key).render(lang) if lang != "en" and key in _VERDICTS else verdict


_VERDICTS: Final = frozenset(
    {"pw.pass", "pw.fail", "pw.error", "pw.skipped", "pw.expected-no-reply"}
)
