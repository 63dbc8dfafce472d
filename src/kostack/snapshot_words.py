"""A snapshot that cannot be used (`kostack.model.load.SnapshotFormatError`), said in either
language: every command that reads one (diagnose, report, guard, watch, ...) says it alike.

It imports only the catalogue, so the CLI, guard and watch all use it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final

from kostack.catalog import Msg, localize, register

__all__ = ["snapshot_error", "snapshot_said"]

# A snapshot that cannot be used (kostack.model.load.SnapshotFormatError): its `key` names
# the kind, `params` the values; an error without a key keeps its English words.
register(
    {
        "snapshot.file": {
            "en": "cannot read snapshot {file}: {what}",
            "ko": "스냅샷 {file:을/를} 읽을 수 없습니다: {what}",
        },
        "snapshot.at": {
            "en": "snapshot {file}, {where}: {what}",
            "ko": "스냅샷 {file}, {where}: {what}",
        },
        "snapshot.what.no_file": {"en": "no such file", "ko": "파일이 없습니다"},
        "snapshot.what.directory": {
            "en": "it is a directory, not a file",
            "ko": "파일이 아니라 디렉터리입니다",
        },
        "snapshot.what.permission": {"en": "permission denied", "ko": "읽기 권한이 없습니다"},
        "snapshot.what.unreadable": {"en": "{reason}", "ko": "읽기 실패 ({reason})"},
        "snapshot.what.json": {
            "en": "not valid JSON: {reason}",
            "ko": "올바른 JSON이 아닙니다: “{reason}”",
        },
        "snapshot.what.utf8": {
            "en": "not valid JSON: the file is not UTF-8 text",
            "ko": "올바른 JSON이 아닙니다: UTF-8 텍스트가 아닙니다",
        },
        "snapshot.what.not_object": {
            "en": "a snapshot is a JSON object ({{...}}), this is {got}",
            "ko": "스냅샷은 JSON 객체({{...}})여야 합니다. 실제 값: {got}",
        },
        "snapshot.what.type": {
            "en": "expected {expected}, got {got}",
            "ko": "형식이 맞지 않습니다. 필요한 형식: {expected}, 실제 값: {got}",
        },
        "snapshot.what.missing": {"en": "required field is missing", "ko": "필수 필드가 없습니다"},
        "snapshot.what.unknown": {"en": "unknown field", "ko": "알 수 없는 필드입니다"},
        "snapshot.what.version_missing": {
            "en": "schema_version is missing",
            "ko": "schema_version 필드가 없습니다",
        },
        "snapshot.what.version": {
            "en": "schema_version {version} is not one this kostack reads (it reads {readable})",
            "ko": "이 kostack은 schema_version {version} 스냅샷을 읽지 못합니다 "
            "(읽을 수 있는 버전: {readable})",
        },
        "snapshot.where.line": {
            "en": "line {line} column {column}",
            "ko": "{line}행 {column}열",
        },
        "snapshot.value": {"en": "{text}", "ko": "{text}"},
        # the loader's own hint for an error it has no key for (another language: the default)
        "snapshot.hint.given": {"en": "{hint}", "ko": "{hint}"},
        "snapshot.hint.default": {
            "en": "Check the file against docs/snapshot.md, or write a fresh one with "
            "`kostack collect -o FILE`.",
            "ko": "docs/snapshot.md와 대조해 보거나, `kostack collect -o FILE`로 새로 만드세요.",
        },
        "snapshot.hint.no_file": {
            "en": "Give the path of a snapshot written by `kostack collect -o FILE` "
            "(examples/ has some).",
            "ko": "`kostack collect -o FILE`로 만든 스냅샷의 경로를 주세요 (examples/에 예시가 있습니다).",
        },
        "snapshot.hint.directory": {
            "en": "Give the snapshot file itself, e.g. DIR/snap.json.",
            "ko": "디렉터리가 아니라 스냅샷 파일을 주세요 (예: DIR/snap.json).",
        },
        "snapshot.hint.permission": {
            "en": "Make the file readable for this user, or run kostack as one who can read it.",
            "ko": "이 사용자가 파일을 읽을 수 있게 하거나, 읽을 수 있는 사용자로 kostack을 실행하세요.",
        },
        "snapshot.hint.unreadable": {
            "en": "Check the path and the file.",
            "ko": "경로와 파일을 확인하세요.",
        },
        "snapshot.hint.json": {
            "en": "A snapshot is the JSON `kostack collect -o FILE` writes: check the file is not "
            "cut short, YAML, or edited into invalid JSON.",
            "ko": "스냅샷은 `kostack collect -o FILE`이 쓰는 JSON입니다. 파일이 잘리지 않았는지, "
            "YAML이 아닌지, 편집하다 JSON이 깨지지 않았는지 확인하세요.",
        },
        "snapshot.hint.utf8": {
            "en": "A snapshot is the UTF-8 JSON `kostack collect -o FILE` writes.",
            "ko": "스냅샷은 `kostack collect -o FILE`이 쓰는 UTF-8 JSON입니다.",
        },
        "snapshot.hint.not_object": {
            "en": "Check the file against docs/snapshot.md, or write a fresh one with "
            "`kostack collect -o FILE`.",
            "ko": "docs/snapshot.md와 대조해 보거나, `kostack collect -o FILE`로 새로 만드세요.",
        },
        "snapshot.hint.type": {
            "en": "Write the value as JSON of that type (a number or true/false without quotes, "
            "a list in [...]), as `kostack collect -o FILE` does.",
            "ko": "값을 그 형식의 JSON으로 쓰세요 (숫자와 true/false는 따옴표 없이, 리스트는 [...]). "
            "`kostack collect -o FILE`이 그렇게 씁니다.",
        },
        "snapshot.hint.missing": {
            "en": "Add it (docs/snapshot.md lists every field), or write a fresh snapshot with "
            "`kostack collect -o FILE`.",
            "ko": "필드를 추가하거나 (docs/snapshot.md에 모든 필드가 있습니다), "
            "`kostack collect -o FILE`로 스냅샷을 새로 만드세요.",
        },
        "snapshot.hint.unknown": {
            "en": "Remove it, or check its spelling against docs/snapshot.md.",
            "ko": "필드를 지우거나, docs/snapshot.md와 철자를 대조하세요.",
        },
        "snapshot.hint.version_missing": {
            "en": 'Add "schema_version": {version} if the file follows docs/snapshot.md, or '
            "write a fresh snapshot with `kostack collect -o FILE`.",
            "ko": 'docs/snapshot.md를 따르는 파일이면 "schema_version": {version:을/를} 추가하고, '
            "아니면 `kostack collect -o FILE`로 스냅샷을 새로 만드세요.",
        },
        "snapshot.hint.version": {
            "en": "Read it with the kostack that wrote it, or write the snapshot again with this "
            "one (`kostack collect -o FILE`).",
            "ko": "스냅샷을 만든 kostack으로 읽거나, 이 kostack으로 다시 만드세요 "
            "(`kostack collect -o FILE`).",
        },
    }
)


# What a JSON value or type is called in an error, in Korean (kostack.model.types.json_kind).
_KINDS_KO: Final = (
    ("the string ", "문자열 "),
    ("the number ", "숫자 "),
    ("a whole number", "정수"),
    ("a number", "숫자"),
    ("true or false", "true 또는 false"),
    ("a string", "문자열"),
    ("a list", "리스트"),
    ("an object", "객체"),
)


class _Value(Msg):
    """A JSON value or type as the loader named it (`the string "x"`), said in Korean too."""

    def render(self, lang: str) -> str:
        text = str(self.params["text"])
        if lang != "ko":
            return text
        for english, korean in _KINDS_KO:
            if text.startswith(english):
                return korean + text[len(english) :]
        return text


class _Given(Msg):
    """The loader's own English hint; in another language, the default hint."""

    def render(self, lang: str) -> str:
        if lang == "en":
            return str(self.params["hint"])
        return Msg("snapshot.hint.default").render(lang)


def snapshot_said(err: Any, file: str | Path) -> tuple[str, str]:
    """A SnapshotFormatError as (message, hint), messages that render in any language."""
    what: str
    where: str
    if err.key:
        params = {k: _Value("snapshot.value", text=v) for k, v in err.params.items()}
        what = Msg(f"snapshot.what.{err.key}", **params)
        hint: str = Msg(f"snapshot.hint.{err.key}", **err.params)
    else:
        what, hint = err.what, _Given("snapshot.hint.given", hint=err.hint)
    if not err.path:
        return Msg("snapshot.file", file=file, what=what), hint
    at_line = re.fullmatch(r"line (\d+) column (\d+)", err.path)
    where = Msg("snapshot.where.line", line=at_line[1], column=at_line[2]) if at_line else err.path
    return Msg("snapshot.at", file=file, where=where, what=what), hint


def snapshot_error(lang: str, err: Any, file: str | Path) -> tuple[str, str]:
    """A SnapshotFormatError (kostack.model.load) as (message, hint) in `lang`."""
    message, hint = snapshot_said(err, file)
    return localize(message, lang), localize(hint, lang)
