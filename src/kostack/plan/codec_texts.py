"""What `kostack fix apply --plan FILE` and a journal's plan say when the plan cannot be read,
in English and Korean (tests/foundation/test_korean_every_command.py)."""

from __future__ import annotations

from kostack.catalog import register

register(
    {
        "plan.fmt.at": {"en": "{what} ({where})", "ko": "{what} ({where})"},
        "plan.fmt.missing": {"en": "missing field {field}", "ko": "필드 {field:이/가} 없습니다"},
        "plan.fmt.type": {
            "en": "field {field} has the wrong type",
            "ko": "필드 {field}의 타입이 올바르지 않습니다",
        },
        "plan.fmt.list": {
            "en": "field {field} must be a list",
            "ko": "필드 {field:은/는} 목록이어야 합니다",
        },
        "plan.fmt.string": {"en": "expected a string", "ko": "문자열이어야 합니다"},
        "plan.fmt.object": {"en": "expected an object", "ko": "객체여야 합니다"},
        "plan.fmt.operation": {
            "en": "unknown operation {value}",
            "ko": "알 수 없는 작업 {value}입니다",
        },
        "plan.fmt.port-fields": {
            "en": "a port action needs 'before' and 'after'",
            "ko": "포트 작업에는 'before'와 'after'가 필요합니다",
        },
        "plan.fmt.intent": {
            "en": "a port intent has malformed fields",
            "ko": "포트 의도(intent)의 필드가 올바르지 않습니다",
        },
        "plan.fmt.not-object": {
            "en": "a plan is a JSON object",
            "ko": "계획은 JSON 객체여야 합니다",
        },
        "plan.fmt.not-plan": {
            "en": 'not a kostack fix plan (no "kind": "kostack-fix-plan")',
            "ko": 'kostack 수정 계획이 아닙니다 ("kind": "kostack-fix-plan"이 없음)',
        },
        "plan.fmt.schema": {
            "en": "plan schema_version {version} is not supported (this kostack reads {known})",
            "ko": "계획의 schema_version {version:은/는} 지원하지 않습니다 (이 kostack이 읽는 버전: "
            "{known})",
        },
        "plan.fmt.method": {"en": "unknown method {value}", "ko": "알 수 없는 방식 {value}입니다"},
        "plan.fmt.lang": {
            "en": "unknown language {value} (this kostack writes {known})",
            "ko": "알 수 없는 언어 {value}입니다 (이 kostack이 쓰는 언어: {known})",
        },
        "plan.fmt.ids": {"en": "two actions share an id", "ko": "두 작업의 id가 같습니다"},
        "plan.fmt.digest": {
            "en": "the plan's actions do not match its digest (edited after it was written?)",
            "ko": "계획의 작업이 다이제스트와 맞지 않습니다 (쓴 뒤에 편집했나요?)",
        },
        "plan.hint.again": {
            "en": "Write the plan again with `kostack fix plan -o json > plan.json`.",
            "ko": "`kostack fix plan -o json > plan.json`으로 계획을 다시 쓰세요.",
        },
        "plan.hint.file": {
            "en": "Give the file written by `kostack fix plan -o json`.",
            "ko": "`kostack fix plan -o json`이 쓴 파일을 주세요.",
        },
        "plan.hint.digest": {
            "en": "Plan again; edit a plan only by re-running `kostack fix plan` with other options.",
            "ko": "계획을 다시 세우세요. 계획은 `kostack fix plan`을 다른 옵션으로 다시 실행해서만 "
            "바꾸세요.",
        },
        "plan.err.no-file": {"en": "no plan file {path}", "ko": "계획 파일 {path:이/가} 없습니다"},
        "plan.hint.no-file": {
            "en": "write one with `kostack fix plan -o json`",
            "ko": "`kostack fix plan -o json`으로 만드세요",
        },
        "plan.err.cannot-read": {
            "en": "cannot read plan {path}: {why}",
            "ko": "계획 {path:을/를} 읽을 수 없습니다: {why}",
        },
    }
)
