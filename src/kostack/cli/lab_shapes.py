"""What the network lab itself says (its errors, probe details, warnings), read by its English
shapes and said again in Korean.

kostack.lab words its errors (`LabError` message and hint), the probe
details of `kostack lab probe` ("timed out after 2s"), the port-security
warnings and the status problems in English; the lab keeps doing so (its
logs, its JSON and the English CLI print them as they are). Under
`--lang ko`, `korean(text)` finds the shape a text has (most specific
first) and renders the catalogue entry of the same name; a part that comes
from elsewhere (an exception's own words, a log's tail) stays quoted
(“...”). A text of no known shape keeps its words, quoted, after a Korean
lead-in: the user sees which part is untranslated, never a half-English
sentence. tests/foundation/test_korean_lab.py feeds every shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from kostack.analyze.messages import Msg, register

register(
    {
        # ---------------------------------------------------------------- status problems
        "lab.p.no_state": {
            "en": "{n} lab namespaces without a state file: run down",
            "ko": "상태 파일 없는 랩 네임스페이스 {n}개: `kostack lab down`을 실행하세요",
        },
        "lab.p.ns_missing": {
            "en": "namespace {ns} is missing",
            "ko": "네임스페이스 {ns:이/가} 없습니다",
        },
        "lab.p.process_down": {
            "en": "process {name} (pid {pid}) is not running",
            "ko": "프로세스 {name}(pid {pid}) 실행 중 아님",
        },
        "lab.p.counters": {
            "en": "cannot read counters: {why}",
            "ko": "카운터를 읽을 수 없습니다: {why}",
        },
        "lab.p.portsec": {"en": "port security: {what}", "ko": "포트 보안: {what}"},
        "lab.p.unbound": {
            "en": "no Neutron port for {tap}",
            "ko": "{tap}에 해당하는 Neutron 포트가 없습니다",
        },
        "lab.p.other": {"en": "{text}", "ko": "문제 (원문: “{text}”)"},
        # ---------------------------------------------------------------- port-security warnings
        "lab.r.rule_of": {
            "en": "rule {rule} of group {group}",
            "ko": "보안 그룹 {group}의 규칙 {rule}",
        },
        "lab.r.not_modelled": {
            "en": "{where}: protocol {protocol} is not modelled, rule ignored",
            "ko": "{where}: 프로토콜 {protocol:은/는} 랩이 재현하지 않으므로 규칙을 무시했습니다",
        },
        "lab.r.unknown_protocol": {
            "en": "{where}: unknown protocol {protocol}, rule ignored",
            "ko": "{where}: 알 수 없는 프로토콜 {protocol}, 규칙을 무시했습니다",
        },
        "lab.r.address_groups": {
            "en": "{where}: remote address groups are not modelled, rule ignored",
            "ko": "{where}: 원격 주소 그룹은 랩이 재현하지 않으므로 규칙을 무시했습니다",
        },
        "lab.r.remote_missing": {
            "en": "remote group {group} is not among the security groups: it matches nothing",
            "ko": "원격 그룹 {group:이/가} 보안 그룹 목록에 없어 아무것도 일치하지 않습니다",
        },
        "lab.r.group_missing": {
            "en": "port {port}: security group {group} not found, ignored",
            "ko": "포트 {port}: 보안 그룹 {group:이/가} 없어 무시했습니다",
        },
        "lab.r.other": {"en": "{text}", "ko": "경고 (원문: “{text}”)"},
        # ---------------------------------------------------------------- probe details
        "lab.d.no_answer": {"en": "no answer within {s}s", "ko": "{s}초 안에 응답 없음"},
        "lab.d.rcode": {"en": "answered rcode {rcode}", "ko": "응답 코드 rcode {rcode}"},
        "lab.d.unexpected": {
            "en": "answered {got}, expected {want}",
            "ko": "응답 {got}, 기대한 주소 {want}",
        },
        "lab.d.no_address": {"en": "{name} -> no address", "ko": "{name} -> 주소 없음"},
        "lab.d.connected": {"en": "connected", "ko": "연결됨"},
        "lab.d.tls_no_http": {
            "en": "TLS {version}, no HTTP answer",
            "ko": "TLS {version}, HTTP 응답 없음",
        },
        "lab.d.tls_alert": {
            "en": "TLS handshake error (proves connectivity): {why}",
            "ko": "TLS 핸드셰이크 오류 (연결은 된다는 증거): “{why}”",
        },
        "lab.d.closed": {
            "en": "connection closed without an answer",
            "ko": "응답 없이 연결이 닫힘",
        },
        "lab.d.no_echo": {"en": "no echo reply within {s}s", "ko": "{s}초 안에 echo 응답 없음"},
        "lab.d.echo": {"en": "echo reply from {source}", "ko": "{source}에서 echo 응답"},
        "lab.d.unreachable": {
            "en": "destination unreachable from {source}",
            "ko": "{source}에서 목적지 도달 불가 (ICMP destination unreachable)",
        },
        "lab.d.stalled": {
            "en": "stalled after {got} of {size} bytes (nothing for {s}s)",
            "ko": "{size}바이트 중 {got}바이트에서 멈춤 ({s}초 동안 수신 없음)",
        },
        "lab.d.closed_after": {
            "en": "closed after {got} of {size} bytes",
            "ko": "{size}바이트 중 {got}바이트에서 연결이 닫힘",
        },
        "lab.d.bytes": {"en": "{size} bytes in {s}s", "ko": "{size}바이트, {s}초"},
        "lab.d.timed_out": {"en": "timed out after {s}s", "ko": "{s}초 후 시간 초과"},
        "lab.d.answered": {"en": "answered", "ko": "응답함"},
        "lab.d.os_error": {"en": "{kind}: {why}", "ko": "{what} ({kind})"},
        "lab.d.other": {"en": "{text}", "ko": "원문: “{text}”"},
        "lab.os.refused": {"en": "Connection refused", "ko": "연결 거부"},
        "lab.os.net_unreachable": {"en": "Network is unreachable", "ko": "네트워크 도달 불가"},
        "lab.os.no_route": {"en": "No route to host", "ko": "호스트로 가는 경로 없음"},
        "lab.os.timed_out": {"en": "timed out", "ko": "시간 초과"},
        "lab.os.reset": {"en": "Connection reset by peer", "ko": "상대가 연결을 재설정함"},
        "lab.os.other": {"en": "{why}", "ko": "오류 “{why}”"},
    }
)

Shape = tuple[re.Pattern[str], Callable[[re.Match[str]], Msg]]


def make_shapes(*pairs: tuple[str, Callable[[re.Match[str]], Msg]]) -> tuple[Shape, ...]:
    return tuple((re.compile(pattern, re.DOTALL), make) for pattern, make in pairs)


def from_groups(key: str, **fixed: object) -> Callable[[re.Match[str]], Msg]:
    """A message from the match's named groups (and ``fixed`` values)."""
    return lambda m: Msg(key, **{**m.groupdict(), **fixed})


_WARNINGS: Final = make_shapes(
    (
        r"(?P<where>.+): protocol (?P<protocol>.+) is not modelled, rule ignored",
        lambda m: Msg("lab.r.not_modelled", where=_where(m[1]), protocol=m[2]),
    ),
    (
        r"(?P<where>.+): unknown protocol (?P<protocol>.+), rule ignored",
        lambda m: Msg("lab.r.unknown_protocol", where=_where(m[1]), protocol=m[2]),
    ),
    (
        r"(?P<where>.+): remote address groups are not modelled, rule ignored",
        lambda m: Msg("lab.r.address_groups", where=_where(m[1])),
    ),
    (
        r"remote group (?P<group>\S+) is not among the security groups: it matches nothing",
        from_groups("lab.r.remote_missing"),
    ),
    (
        r"port (?P<port>\S+): security group (?P<group>\S+) not found, ignored",
        from_groups("lab.r.group_missing"),
    ),
)

_PROBLEMS: Final = make_shapes(
    (r"(?P<n>\d+) lab namespaces without a state file: run down", from_groups("lab.p.no_state")),
    (r"namespace (?P<ns>\S+) is missing", from_groups("lab.p.ns_missing")),
    (
        r"process (?P<name>\S+) \(pid (?P<pid>\d+)\) is not running",
        from_groups("lab.p.process_down"),
    ),
    (
        r"cannot read counters: (?P<why>.+)",
        lambda m: Msg("lab.p.counters", why=_error(m[1])),
    ),
    (
        r"port security: (?P<what>.+)",
        lambda m: Msg("lab.p.portsec", what=said_as(m[1], _WARNINGS, "lab.r.other")),
    ),
    (r"no Neutron port for (?P<tap>\S+)", from_groups("lab.p.unbound")),
)

_OS_ERRORS: Final = {
    "Connection refused": "lab.os.refused",
    "Network is unreachable": "lab.os.net_unreachable",
    "No route to host": "lab.os.no_route",
    "timed out": "lab.os.timed_out",
    "Connection reset by peer": "lab.os.reset",
}


def _os_error(m: re.Match[str]) -> Msg:
    key = _OS_ERRORS.get(m["why"])
    what = Msg(key) if key else Msg("lab.os.other", why=m["why"])
    return Msg("lab.d.os_error", kind=m["kind"], why=m["why"], what=what)


_DETAILS: Final = make_shapes(
    (r"no answer within (?P<s>[\d.]+)s", from_groups("lab.d.no_answer")),
    (r"answered rcode (?P<rcode>\d+)", from_groups("lab.d.rcode")),
    (r"answered (?P<got>\[.*\]), expected (?P<want>\S+)", from_groups("lab.d.unexpected")),
    (r"(?P<name>\S+) -> no address", from_groups("lab.d.no_address")),
    (r"connected", from_groups("lab.d.connected")),
    (r"TLS (?P<version>\S+), no HTTP answer", from_groups("lab.d.tls_no_http")),
    (r"TLS handshake error \(proves connectivity\): (?P<why>.+)", from_groups("lab.d.tls_alert")),
    (r"connection closed without an answer", from_groups("lab.d.closed")),
    (r"no echo reply within (?P<s>[\d.]+)s", from_groups("lab.d.no_echo")),
    (r"echo reply from (?P<source>\S+)", from_groups("lab.d.echo")),
    (r"destination unreachable from (?P<source>\S+)", from_groups("lab.d.unreachable")),
    (
        r"stalled after (?P<got>\d+) of (?P<size>\d+) bytes \(nothing for (?P<s>[\d.]+)s\)",
        from_groups("lab.d.stalled"),
    ),
    (r"closed after (?P<got>\d+) of (?P<size>\d+) bytes", from_groups("lab.d.closed_after")),
    (r"(?P<size>\d+) bytes in (?P<s>[\d.]+)s", from_groups("lab.d.bytes")),
    (r"timed out after (?P<s>[\d.]+)s", from_groups("lab.d.timed_out")),
    (r"answered", from_groups("lab.d.answered")),
    (r"(?P<kind>[A-Z]\w*(?:Error|Exception|Timeout)): (?P<why>.+)", _os_error),
)


def _error(text: str) -> Msg:
    from kostack.cli.lab_errors import ERRORS  # it builds on this module

    return said_as(text, ERRORS, "lab.x.other")


def _where(text: str) -> Msg | str:
    rule = re.fullmatch(r"rule (\S+) of group (.+)", text)
    return Msg("lab.r.rule_of", rule=rule[1], group=rule[2]) if rule else text


def said_as(text: str, shapes: tuple[Shape, ...], other: str) -> Msg:
    """``text`` as the message of the first shape it has, or quoted after a Korean lead-in."""
    for pattern, make in shapes:
        match = pattern.fullmatch(text)
        if match:
            return make(match)
    return Msg(other, text=text)


def problem(lang: str, text: str) -> str:
    """A problem `lab status` lists, in ``lang``."""
    return text if lang == "en" else said_as(text, _PROBLEMS, "lab.p.other").render(lang)


def warning(lang: str, text: str) -> str:
    """A port-security warning (`lab sync`), in ``lang``."""
    return text if lang == "en" else said_as(text, _WARNINGS, "lab.r.other").render(lang)


def detail(lang: str, text: str) -> str:
    """A probe's detail ("timed out after 2s"), in ``lang``; a pass's own words
    ("kubernetes.default.svc.cluster.local -> 10.96.0.1", "HTTP/1.1 200 OK") stay."""
    if lang == "en":
        return text
    said = said_as(text, _DETAILS, "lab.d.other")
    if said.key == "lab.d.other" and not _SENTENCE.search(text):
        return text  # a name, an address, a status line: not a sentence to translate
    return said.render(lang)


# two lowercase words in a row: what a pass's own words never have
_SENTENCE: Final = re.compile(r"\b[a-z]{2,} [a-z]{2,}\b")
