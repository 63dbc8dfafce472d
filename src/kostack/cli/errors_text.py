"""Errors in the command's language: kostack's own (a `Msg`), the snapshot loader's, click's.

kostack.model cannot use the message catalogue (it imports nothing of
kostack's), and click words its usage errors in English; both are read here,
by their exact English shapes, and said again in Korean. A shape not listed
keeps its words, quoted (“...”), after a Korean lead-in: the user sees which
part is not translated, never a half-English sentence.
tests/foundation/test_korean_complete.py runs every error family in Korean.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

import click

from kostack.analyze.messages import Msg, localize, register
from kostack.cli.help_ko import korean_range

register(
    {
        "cli.err.prefix": {"en": "error: ", "ko": "오류: "},
        "cli.hint.prefix": {"en": "hint: ", "ko": "힌트: "},
        "cli.err.usage_hint": {
            "en": "see `kostack --help` or `kostack COMMAND --help`",
            "ko": "`kostack --help` 또는 `kostack COMMAND --help`를 보세요",
        },
        "cli.err.usage_hint_for": {
            "en": "see `{command}`",
            "ko": "{command:`을/를} 보세요",
        },
        "cli.err.internal": {
            "en": "internal error: {error}",
            "ko": "내부 오류: {error}",
        },
        "cli.hint.internal": {
            "en": "rerun with --debug and report the traceback",
            "ko": "--debug를 붙여 다시 실행하고 트레이스백을 보고해 주세요",
        },
        "cli.err.interrupted": {
            "en": "interrupted (Ctrl-C){where}",
            "ko": "중단됨 (Ctrl-C){where}",
        },
        "cli.err.while": {"en": " while {what}", "ko": ": {what} 중"},
        "cli.err.timeout-nan": {
            "en": "{var}={value} is not a number of seconds",
            "ko": "{var}={value:은/는} 초 단위 숫자가 아닙니다",
        },
        "cli.hint.timeout-nan": {"en": "e.g. {var}=30", "ko": "예: {var}=30"},
        "cli.err.egress-target": {
            "en": "--egress-target {text} is not an IP address",
            "ko": "--egress-target 값 {text}: IP 주소가 아닙니다",
        },
        "cli.err.client-needs-lb": {
            "en": "{src} (any client) needs a Service of type LoadBalancer or its address as DST",
            "ko": "{src}(임의의 클라이언트)에는 DST로 LoadBalancer 타입 Service나 그 주소가 필요합니다",
        },
        "cli.err.svc-source": {
            "en": "{src} is a Service: a ClusterIP receives traffic, it never sends any",
            "ko": "{src:은/는} Service입니다. ClusterIP는 트래픽을 받기만 하고 보내지 않습니다",
        },
        "cli.hint.svc-source": {
            "en": "Trace from one of its pods (pod:NAMESPACE/NAME); its replies follow the path back.",
            "ko": "Service의 Pod 중 하나(pod:NAMESPACE/NAME)에서 추적하세요. 응답은 같은 경로로 돌아옵니다.",
        },
        "cli.hint.client-needs-lb": {
            "en": "e.g. `kostack trace client svc:shop/web:80/tcp`",
            "ko": "예: `kostack trace client svc:shop/web:80/tcp`",
        },
        "cli.err.timeout-range": {
            "en": "{var}={value} is out of range",
            "ko": "{var}={value:은/는} 허용 범위를 벗어납니다",
        },
        "cli.hint.timeout-range": {
            "en": "Give 0.1 to 3600 seconds.",
            "ko": "0.1초에서 3600초 사이로 주세요.",
        },
        # the snapshot loader (kostack.model.load), by its English shapes
        "cli.err.snapshot": {"en": "{what} ({path}) in {file}", "ko": "{file}: {what} ({path})"},
        "snap.no-file": {"en": "no such file: {file}", "ko": "파일이 없습니다: {file}"},
        "snap.cannot-read": {
            "en": "cannot read {file}: {why}",
            "ko": "{file:을/를} 읽을 수 없습니다: {why}",
        },
        "snap.not-json": {
            "en": "not valid JSON: {why}",
            "ko": "올바른 JSON이 아닙니다 (파서: “{why}”)",
        },
        "snap.not-utf8": {
            "en": "not valid JSON: the file is not UTF-8 text",
            "ko": "올바른 JSON이 아닙니다: UTF-8 텍스트 파일이 아닙니다",
        },
        "snap.too-deep": {
            "en": "the document is nested too deeply to read",
            "ko": "문서가 너무 깊게 중첩되어 읽을 수 없습니다",
        },
        "snap.not-object": {
            "en": "a snapshot must be a JSON object",
            "ko": "스냅샷은 JSON 객체여야 합니다",
        },
        "snap.schema": {
            "en": "unsupported schema_version {version}, this kostack reads {known}",
            "ko": "지원하지 않는 schema_version {version}입니다. 이 kostack이 읽는 버전: {known}",
        },
        "snap.missing": {"en": "required field is missing", "ko": "필수 필드가 없습니다"},
        "snap.unknown-field": {"en": "unknown field", "ko": "알 수 없는 필드입니다"},
        "snap.more": {"en": "{what} (and {n} more problems)", "ko": "{what} (그 밖의 문제 {n}건)"},
        "snap.duplicate": {
            "en": "duplicate {kind} {value} (first at {first})",
            "ko": "중복된 {kind} {value} (처음 나온 곳: {first})",
        },
        "snap.unknown-ref": {
            "en": "{who} refers to unknown {kind} {value}",
            "ko": "{who:이/가} 알 수 없는 {kind} {value:을/를} 가리킵니다",
        },
        "snap.outside": {
            "en": "fixed IP {ip} is outside its subnet {cidr}",
            "ko": "고정 IP {ip:이/가} 자기 서브넷 {cidr} 밖에 있습니다",
        },
        "snap.pod-node": {
            "en": "pod {pod} runs on unknown node {node}",
            "ko": "Pod {pod:이/가} 알 수 없는 노드 {node}에서 실행됩니다",
        },
        "snap.link": {
            "en": "node_ports names unknown {kind} {value}",
            "ko": "node_ports가 알 수 없는 {kind} {value:을/를} 가리킵니다",
        },
        "snap.other": {"en": "{what}", "ko": "스냅샷 값이 올바르지 않습니다 (검증기: “{what}”)"},
        "snap.line": {"en": "line {line} column {column}", "ko": "{line}행 {column}열"},
        "snap.hint.default": {
            "en": "Check the file against docs/snapshot.md, or write a fresh one with "
            "`kostack collect -o FILE`.",
            "ko": "docs/snapshot.md와 대조해 파일을 확인하거나 `kostack collect -o FILE`로 새로 "
            "만드세요.",
        },
        "snap.hint.path": {
            "en": "Give the path of a snapshot written by `kostack collect -o FILE`.",
            "ko": "`kostack collect -o FILE`로 만든 스냅샷의 경로를 주세요.",
        },
        "snap.hint.again": {
            "en": "Write the snapshot again with this kostack (`kostack collect -o FILE`).",
            "ko": "이 kostack으로 스냅샷을 다시 만드세요 (`kostack collect -o FILE`).",
        },
        "snap.hint.once": {
            "en": "Each id or name may appear once; remove the repeated record (a snapshot "
            "written by `kostack collect` never repeats one).",
            "ko": "id와 이름은 한 번씩만 나올 수 있습니다. 반복된 레코드를 지우세요 "
            "(`kostack collect`가 만든 스냅샷은 반복하지 않습니다).",
        },
        # click's usage errors
        "click.choice": {
            "en": "{param}: {value} is not one of {choices}",
            "ko": "{param}: {value:은/는} 허용되지 않는 값입니다. 가능한 값: {choices}",
        },
        "click.number": {
            "en": "{param}: {value} is not a valid {kind}",
            "ko": "{param}: {value:은/는} 올바른 {kind:이/가} 아닙니다",
        },
        "click.range": {
            "en": "{param}: {value} is not in the range {range}",
            "ko": "{param}: {value:은/는} 허용 범위({range})를 벗어납니다",
        },
        "click.range-words": {"en": "{range}", "ko": "{range}"},
        "click.path": {
            "en": "{param}: {kind} {value} does not exist",
            "ko": "{param}: {kind} {value:이/가} 없습니다",
        },
        "click.path-is": {
            "en": "{param}: {kind} {value} is {what}",
            "ko": "{param}: {kind} {value:은/는} {what}",
        },
        "click.a-directory": {"en": "a directory", "ko": "디렉터리입니다"},
        "click.a-file": {"en": "a file", "ko": "파일입니다"},
        "click.bad-value": {
            "en": "{param}: invalid value (“{detail}”)",
            "ko": "{param}: 값이 올바르지 않습니다 (“{detail}”)",
        },
        "click.missing-option": {
            "en": "missing option {param}",
            "ko": "옵션 {param:이/가} 필요합니다",
        },
        "click.missing-argument": {
            "en": "missing argument {param}",
            "ko": "인자 {param:이/가} 필요합니다",
        },
        "click.no-option": {"en": "no such option: {name}", "ko": "없는 옵션입니다: {name}"},
        "click.no-option-maybe": {
            "en": "no such option: {name} (did you mean {maybe}?)",
            "ko": "없는 옵션입니다: {name} ({maybe:을/를} 뜻했나요?)",
        },
        "click.no-command": {"en": "no such command {name}", "ko": "없는 명령입니다: {name}"},
        "click.extra": {
            "en": "unexpected extra arguments: {args}",
            "ko": "필요 없는 인자가 더 있습니다: {args}",
        },
        "click.needs-value": {
            "en": "option {name} requires a value",
            "ko": "옵션 {name}에는 값이 필요합니다",
        },
        "click.takes-no-value": {
            "en": "option {name} does not take a value",
            "ko": "옵션 {name}에는 값을 줄 수 없습니다",
        },
        "click.other": {"en": "{detail}", "ko": "명령줄이 올바르지 않습니다 (“{detail}”)"},
        "word.integer": {"en": "integer", "ko": "정수"},
        "word.float": {"en": "number", "ko": "숫자"},
        "word.file": {"en": "file", "ko": "파일"},
        "word.directory": {"en": "directory", "ko": "디렉터리"},
        "word.path": {"en": "path", "ko": "경로"},
        "word.port": {"en": "port", "ko": "포트"},
        "word.node": {"en": "node", "ko": "노드"},
        "word.network": {"en": "network", "ko": "네트워크"},
        "word.subnet": {"en": "subnet", "ko": "서브넷"},
        "word.fixed-ip": {"en": "fixed IP", "ko": "고정 IP"},
        "os.is-dir": {"en": "Is a directory", "ko": "디렉터리입니다"},
        "io.cannot-write": {
            "en": "cannot write {path}: {why}",
            "ko": "{path:을/를} 쓸 수 없습니다: {why}",
        },
        "io.hint.check-path": {"en": "Check the path.", "ko": "경로를 확인하세요."},
        "io.hint.writable": {
            "en": "Check that the directory exists and is writable.",
            "ko": "디렉터리가 있는지, 쓸 수 있는지 확인하세요.",
        },
        "report.err.format": {
            "en": "cannot tell the report format from -o {output}",
            "ko": "-o {output}에서 보고서 형식을 알 수 없습니다",
        },
        "report.hint.format": {
            "en": "Name the file .md or .html (e.g. -o incident.html), or give --format md|html.",
            "ko": "파일 이름을 .md나 .html로 하거나(예: -o incident.html) --format md|html을 주세요.",
        },
        "report.err.journal": {
            "en": "cannot read journal {path}: {why}",
            "ko": "저널 {path:을/를} 읽을 수 없습니다: {why}",
        },
        "report.hint.journal": {
            "en": "Give the JSON-lines journal that `kostack fix apply` or "
            "`kostack release reinstall` wrote.",
            "ko": "`kostack fix apply`나 `kostack release reinstall`이 쓴 JSON Lines 저널을 "
            "주세요.",
        },
        "report.err.journal-utf8": {
            "en": "journal {path} is not UTF-8 text",
            "ko": "저널 {path:은/는} UTF-8 텍스트가 아닙니다",
        },
        "report.err.journal-line": {
            "en": "journal {source} line {line}: {problem}",
            "ko": "저널 {source}의 {line}번째 줄: “{problem}”",
        },
        "report.hint.journal-line": {
            "en": "A journal has one JSON object per line, as `kostack fix apply` and "
            "`kostack release reinstall` write it.",
            "ko": "저널은 `kostack fix apply`와 `kostack release reinstall`이 쓰는 대로 한 줄에 "
            "JSON 객체 하나입니다.",
        },
        "os.denied": {"en": "Permission denied", "ko": "권한이 없습니다"},
    }
)

_WORDS: Final = {
    "integer": "word.integer",
    "float": "word.float",
    "file": "word.file",
    "directory": "word.directory",
    "path": "word.path",
    "port": "word.port",
    "node": "word.node",
    "network": "word.network",
    "subnet": "word.subnet",
    "fixed IP": "word.fixed-ip",
}
_OS: Final = {"Is a directory": "os.is-dir", "Permission denied": "os.denied"}


class _Range(Msg):
    """click's range (`2<=x<=40`), in Korean in words (`2 이상 40 이하`) as the help says it."""

    def render(self, lang: str) -> str:
        text = super().render(lang)
        return korean_range(text) if lang == "ko" else text


def _word(english: str) -> str:
    key = _WORDS.get(english)
    return Msg(key) if key else english


# The loader's shapes (kostack.model.load), most specific first.
_SNAPSHOT: Final[tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], Msg]], ...]] = (
    (re.compile(r"no such file: (.+)"), lambda m: Msg("snap.no-file", file=m[1])),
    (
        re.compile(r"cannot read (.+?): (.+)"),
        lambda m: Msg(
            "snap.cannot-read", file=m[1], why=Msg(_OS[m[2]]) if m[2] in _OS else f"“{m[2]}”"
        ),
    ),
    (re.compile(r"not valid JSON: the file is not UTF-8 text"), lambda m: Msg("snap.not-utf8")),
    (re.compile(r"not valid JSON: (.+)"), lambda m: Msg("snap.not-json", why=m[1])),
    (re.compile(r"the document is nested too deeply to read"), lambda m: Msg("snap.too-deep")),
    (re.compile(r"a snapshot must be a JSON object"), lambda m: Msg("snap.not-object")),
    (
        re.compile(r"unsupported schema_version (.+), this kostack reads (.+)"),
        lambda m: Msg("snap.schema", version=m[1], known=m[2]),
    ),
    (
        re.compile(r"(.+) \(and (\d+) more problems\)"),
        lambda m: Msg("snap.more", what=_snapshot_what(m[1]), n=m[2]),
    ),
    (re.compile(r"required field is missing"), lambda m: Msg("snap.missing")),
    (re.compile(r"unknown field"), lambda m: Msg("snap.unknown-field")),
    (
        re.compile(r"duplicate (.+?) ('.*') \(first at (.+)\)"),
        lambda m: Msg("snap.duplicate", kind=_word(m[1]), value=m[2], first=m[3]),
    ),
    (
        re.compile(r"(subnet|port|fixed IP) refers to unknown (network|subnet) (.+)"),
        lambda m: Msg("snap.unknown-ref", who=_word(m[1]), kind=_word(m[2]), value=m[3]),
    ),
    (
        re.compile(r"fixed IP (\S+) is outside its subnet (\S+)"),
        lambda m: Msg("snap.outside", ip=m[1], cidr=m[2]),
    ),
    (
        re.compile(r"pod (\S+) runs on unknown node (.+)"),
        lambda m: Msg("snap.pod-node", pod=m[1], node=m[2]),
    ),
    (
        re.compile(r"node_ports names unknown (node|port) (.+)"),
        lambda m: Msg("snap.link", kind=_word(m[1]), value=m[2]),
    ),
)
_HINTS: Final = {
    str(Msg("snap.hint.default")): "snap.hint.default",
    str(Msg("snap.hint.path")): "snap.hint.path",
    str(Msg("snap.hint.again")): "snap.hint.again",
    str(Msg("snap.hint.once")): "snap.hint.once",
}
_LINE = re.compile(r"line (\d+) column (\d+)")


def _snapshot_what(what: str) -> Msg:
    for pattern, make in _SNAPSHOT:
        match = pattern.fullmatch(what)
        if match:
            return make(match)
    return Msg("snap.other", what=what)


def snapshot_error(what: str, path: str, hint: str, file: str) -> tuple[str, str]:
    """The loader's error (what, JSON path or line, hint) about ``file`` as a message and a hint."""
    line = _LINE.fullmatch(path)
    where: str = Msg("snap.line", line=line[1], column=line[2]) if line else path
    message = Msg("cli.err.snapshot", what=_snapshot_what(what), path=where, file=file)
    key = _HINTS.get(hint)
    return message, (Msg(key) if key else hint)


def click_error(exc: click.ClickException) -> Msg:
    """click's usage error as a message kostack can say in Korean."""
    detail = exc.format_message()
    param = _param_name(exc)
    if isinstance(exc, click.MissingParameter):
        is_argument = isinstance(exc.param, click.Argument)
        kind = "click.missing-argument" if is_argument else "click.missing-option"
        return Msg(kind, param=param or "?")
    if isinstance(exc, click.NoSuchOption):
        if exc.possibilities:
            return Msg("click.no-option-maybe", name=exc.option_name, maybe=exc.possibilities[0])
        return Msg("click.no-option", name=exc.option_name)
    if isinstance(exc, click.BadParameter):
        return _bad_value(exc.message, param or "?", detail)
    match = re.fullmatch(r"No such command '(.+)'\.", detail)
    if match:
        return Msg("click.no-command", name=f"'{match[1]}'")
    match = re.fullmatch(r"Got unexpected extra arguments? \((.+)\)", detail)
    if match:
        return Msg("click.extra", args=match[1])
    match = re.fullmatch(r"Option '(.+)' requires an argument\.", detail)
    if match:
        return Msg("click.needs-value", name=match[1])
    match = re.fullmatch(r"Option '(.+)' does not take a value\.", detail)
    if match:
        return Msg("click.takes-no-value", name=match[1])
    return Msg("click.other", detail=detail)


def _param_name(exc: click.ClickException) -> str:
    param = getattr(exc, "param", None)
    if param is None:
        return str(getattr(exc, "param_hint", None) or "")
    if isinstance(param, click.Option) and param.opts:
        return max(param.opts, key=len)
    return (param.name or "").upper()


def _bad_value(message: str, param: str, detail: str) -> Msg:
    match = re.fullmatch(r"(.+) is not one of (.+)\.", message)
    if match:
        return Msg("click.choice", param=param, value=match[1], choices=match[2])
    match = re.fullmatch(r"(.+) is not a valid (integer|float)(?: range)?\.", message)
    if match:
        return Msg("click.number", param=param, value=match[1], kind=_word(match[2]))
    match = re.fullmatch(r"(.+) is not in the range (.+)\.", message)
    if match:
        words = _Range("click.range-words", range=match[2])
        return Msg("click.range", param=param, value=match[1], range=words)
    match = re.fullmatch(r"(File|Directory|Path) (.+) does not exist\.", message)
    if match:
        return Msg("click.path", param=param, kind=_word(match[1].lower()), value=match[2])
    match = re.fullmatch(r"(File|Directory|Path) (.+) is (a directory|a file)\.", message)
    if match:
        kind, what = _word(match[1].lower()), Msg(f"click.{match[3].replace(' ', '-')}")
        return Msg("click.path-is", param=param, kind=kind, value=match[2], what=what)
    return Msg("click.bad-value", param=param, detail=message or detail)


def said(text: str, lang: str) -> str:
    """``text`` (a Msg or plain words) in ``lang``."""
    return localize(text, lang)
