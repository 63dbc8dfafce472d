"""What the fix journal says when it cannot be used, in English and Korean."""

from __future__ import annotations

from kostack.analyze.messages import Msg, register

__all__ = ["Msg"]

register(
    {
        "journal.exists": {
            "en": "journal {path} already exists",
            "ko": "저널 {path:이/가} 이미 있습니다",
        },
        "journal.hint.exists": {
            "en": "resume it with `{apply}`, roll it back with `{rollback}`, or choose another "
            "--journal file",
            "ko": "{apply:`으로/로} 이어서 실행하거나 {rollback:`으로/로} 롤백하거나, 다른 --journal 파일을 "
            "고르세요",
        },
        "journal.cannot-create": {
            "en": "cannot create journal {path}: {why}",
            "ko": "저널 {path:을/를} 만들 수 없습니다: {why}",
        },
        "journal.cannot-open": {
            "en": "cannot open journal {path}: {why}",
            "ko": "저널 {path:을/를} 열 수 없습니다: {why}",
        },
        "journal.cannot-read": {
            "en": "cannot read journal {path}: {why}",
            "ko": "저널 {path:을/를} 읽을 수 없습니다: {why}",
        },
        "journal.missing": {"en": "no journal at {path}", "ko": "{path}에 저널이 없습니다"},
        "journal.hint.give": {
            "en": "give the file `kostack fix apply` printed",
            "ko": "`kostack fix apply`가 출력한 파일을 주세요",
        },
        "journal.not-journal": {
            "en": "{path} is not a kostack fix journal (its first line is not the plan)",
            "ko": "{path:은/는} kostack fix 저널이 아닙니다(첫 줄이 계획이 아님)",
        },
        "journal.version": {
            "en": "journal {path} has version {version}; this kostack reads {known}",
            "ko": "저널 {path}의 버전은 {version}입니다. 이 kostack이 읽는 버전: {known}",
        },
        "journal.in-use": {
            "en": "journal {path} is in use by another kostack process",
            "ko": "다른 kostack 프로세스가 저널 {path:을/를} 쓰고 있습니다",
        },
        "journal.hint.in-use": {
            "en": "wait for it to finish; two runs must not change the same ports at once",
            "ko": "그 실행이 끝날 때까지 기다리세요. 두 실행이 같은 포트를 동시에 바꾸면 안 됩니다",
        },
        "journal.hint.in-use.other": {
            "en": "wait for it to finish, or give another --journal FILE",
            "ko": "그 실행이 끝날 때까지 기다리거나 다른 --journal FILE을 주세요",
        },
        "journal.hint.writable": {
            "en": "give a writable path with --journal FILE",
            "ko": "--journal FILE로 쓸 수 있는 경로를 주세요",
        },
        "journal.not-json": {
            "en": "journal {path} line {number} is not JSON",
            "ko": "저널 {path}의 {number}번째 줄이 JSON이 아닙니다",
        },
        "journal.hint.damaged": {
            "en": "the journal was edited or damaged; compare the ports by hand",
            "ko": "저널이 편집되었거나 손상되었습니다. 포트를 직접 비교하세요",
        },
        "journal.not-object": {
            "en": "journal {path} line {number} is not a JSON object",
            "ko": "저널 {path}의 {number}번째 줄이 JSON 객체가 아닙니다",
        },
    }
)
