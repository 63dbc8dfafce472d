"""What the network lab reports besides its errors: status problems, port-security warnings
and probe details, each a message key with parameters (kostack_lab.texts has the errors).

The lab builds them as `Msg`s where it finds them; `str()` is the English
(its logs, its JSON, the English CLI) and the CLI renders the same key in
the command's language. What crosses a process or a file keeps its key:
the pod probe (kostack_lab.podprobe, standard library only) reports
`detail_key` and `detail_params` next to its English `detail`, and the
port-security state file keeps each warning as `to_wire` made it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from kostack.catalog import CATALOG, Msg, placeholders, register
from kostack_lab.podprobe import DETAILS_EN

__all__ = ["detail_msg", "from_wire", "keyed", "os_reason", "to_wire"]

_DETAILS_KO: Final = {
    "lab.d.no_answer": "{s}초 안에 응답 없음",
    "lab.d.rcode": "응답 코드 rcode {rcode}",
    "lab.d.unexpected": "응답 {got}, 기대한 주소 {want}",
    "lab.d.no_address": "{name} -> 주소 없음",
    "lab.d.resolved": "{name} -> {addresses}",
    "lab.d.connected": "연결됨",
    "lab.d.tls": "TLS {version}, {status}",
    "lab.d.tls_no_http": "TLS {version}, HTTP 응답 없음",
    "lab.d.tls_alert": "TLS 핸드셰이크 오류 (연결은 된다는 증거): “{why}”",
    "lab.d.status_line": "{status}",
    "lab.d.closed": "응답 없이 연결이 닫힘",
    "lab.d.no_echo": "{s}초 안에 echo 응답 없음",
    "lab.d.echo": "{source}에서 echo 응답",
    "lab.d.unreachable": "{source}에서 목적지 도달 불가 (ICMP destination unreachable)",
    "lab.d.no_head": "응답 헤더 전에 연결이 닫힘",
    "lab.d.stalled": "{size}바이트 중 {got}바이트에서 멈춤 ({s}초 동안 수신 없음)",
    "lab.d.closed_after": "{size}바이트 중 {got}바이트에서 연결이 닫힘",
    "lab.d.bytes": "{size}바이트, {s}초",
    "lab.d.timed_out": "{s}초 후 시간 초과",
    "lab.d.os_error": "{why} ({kind})",
}

register({key: {"en": en, "ko": _DETAILS_KO[key]} for key, en in DETAILS_EN.items()})
register(
    {
        "lab.d.answered": {"en": "answered", "ko": "응답함"},
        "lab.os.refused": {"en": "Connection refused", "ko": "연결 거부"},
        "lab.os.net_unreachable": {"en": "Network is unreachable", "ko": "네트워크 도달 불가"},
        "lab.os.no_route": {"en": "No route to host", "ko": "호스트로 가는 경로 없음"},
        "lab.os.timed_out": {"en": "timed out", "ko": "시간 초과"},
        "lab.os.reset": {"en": "Connection reset by peer", "ko": "상대가 연결을 재설정함"},
        "lab.os.other": {"en": "{why}", "ko": "오류 “{why}”"},
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
    }
)

_OS_REASONS: Final = {
    "Connection refused": "lab.os.refused",
    "Network is unreachable": "lab.os.net_unreachable",
    "No route to host": "lab.os.no_route",
    "timed out": "lab.os.timed_out",
    "Connection reset by peer": "lab.os.reset",
}


def os_reason(why: str) -> Msg:
    """An OS error's text (its strerror) as a message: the common ones said in Korean too,
    any other quoted."""
    key = _OS_REASONS.get(why)
    return Msg(key) if key else Msg("lab.os.other", why=why)


def detail_msg(key: Any, params: Any, english: str) -> str:
    """A probe's detail from its key and parameters (as the pod probe sent them), or its
    English ``english`` when they do not fit the catalogue (a probe of another version)."""
    if not isinstance(key, str) or not key.startswith("lab.d.") or not isinstance(params, dict):
        return english
    if key == "lab.d.os_error" and isinstance(params.get("why"), str):
        params = {**params, "why": os_reason(params["why"])}
    said = _checked(key, params)
    return said if said is not None and str(said) == english else english


def to_wire(text: str) -> Any:
    """``text`` as JSON: a `Msg` as its key and parameters (nested ones too), else the text."""
    if not isinstance(text, Msg):
        return text
    return {"key": text.key, "params": {k: to_wire(v) for k, v in text.params.items()}}


def from_wire(value: Any) -> str | None:
    """The message `to_wire` made (None when it is not one this catalogue has)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, Mapping) or not isinstance(value.get("params"), Mapping):
        return None
    params: dict[str, Any] = {}
    for name, param in value["params"].items():
        if isinstance(param, Mapping):
            param = from_wire(param)
            if param is None:
                return None
        params[name] = param
    return _checked(value.get("key"), params)


def keyed(english: Sequence[str], wire: Sequence[Any]) -> list[Msg]:
    """The warnings ``english`` as the messages ``wire`` kept of them (`to_wire`), or quoted
    when the two disagree (a state file written by another version)."""
    said = [from_wire(w) for w in wire]
    if len(said) == len(english) and all(str(s) == e for s, e in zip(said, english, strict=True)):
        return [s for s in said if isinstance(s, Msg)]
    return [Msg("lab.r.other", text=e) for e in english]


def _checked(key: Any, params: Mapping[str, Any]) -> Msg | None:
    """``Msg(key, **params)`` when the catalogue has ``key`` with exactly these placeholders."""
    if not isinstance(key, str) or key not in CATALOG:
        return None
    if placeholders(CATALOG[key]["en"]) != set(params):
        return None
    return Msg(key, **params)
