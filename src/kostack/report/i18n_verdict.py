"""The verdict line's and conditional causes' strings, English and Korean.

Merged into ``kostack.report.i18n.MESSAGES`` (same placeholders in every language).
"""

from __future__ import annotations

VERDICT_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "verdict.healthy": "VERDICT: healthy. Every check was decided and nothing fails.",
        "verdict.healthy-cases": (
            "VERDICT: healthy. Every check was decided and nothing fails, in each of the {n} "
            "cases the snapshot leaves open."
        ),
        "verdict.healthy-undecided": (
            "VERDICT: healthy on DNS, the kubernetes service, pod-to-pod and egress; {n} "
            "{n:check/checks} could not be decided (below)."
        ),
        "verdict.root-causes": "VERDICT: {n} root {n:cause/causes} found.",
        "verdict.also-conditional": (
            "{n} more {n:depends/depend} on what the snapshot does not say (see CONDITIONAL below)."
        ),
        "verdict.also-undecided": "Undecided as well: {paths}.",
        "verdict.undecided": "VERDICT: undecided. {paths} cannot be decided: {why}.",
        "verdict.undecided-causes": (
            "VERDICT: undecided. {n} {n:cause depends/causes depend} on what the snapshot does "
            "not say: {why}."
        ),
        "conditional_cause": "CONDITIONAL {n} of {total}",
        "conditional_when": (
            "Only {condition}; in every other case this is healthy. What breaks then:"
        ),
        "conditional_when_undecided": (
            "Only {condition}; in the other cases it cannot be decided (see below). What breaks "
            "then:"
        ),
        "conditional_tell": "How to tell the cases apart:",
        "conditional_fix": "Fix ({condition}):",
        "fix_more_listed": "... ({n} more)   -> `{command}` plans them all, each marked for this case only",
        "conditional_fix_fast": (
            "Fix (fast, insecure: drops all filtering on these ports; only {condition}, do not "
            "run it otherwise):"
        ),
        "case_other": "Otherwise, {condition}: {message}",
        "consequences": "Follows:",
        "explains": "Undecided:",
        "explains_line": "because of it, {checks} cannot be decided for these nodes",
    },
    "ko": {
        "verdict.healthy": "판정: 정상. 모든 점검이 판단되었고 실패한 것이 없습니다.",
        "verdict.healthy-cases": (
            "판정: 정상. 모든 점검이 판단되었고, 스냅샷이 정하지 않은 {n}가지 경우 모두에서 실패한 "
            "것이 없습니다."
        ),
        "verdict.healthy-undecided": (
            "판정: DNS, kubernetes 서비스, Pod 간 통신, 외부 통신은 정상입니다. 점검 {n}개는 "
            "판단하지 못했습니다 (아래 참고)."
        ),
        "verdict.root-causes": "판정: 근본 원인 {n}개를 찾았습니다.",
        "verdict.also-conditional": (
            "그 밖에 {n}개는 스냅샷에 없는 정보에 따라 달라집니다 (아래 '조건부' 참고)."
        ),
        "verdict.also-undecided": "판단하지 못한 경로도 있습니다: {paths}.",
        "verdict.undecided": "판정: 판단 불가. {paths:을/를} 판단할 수 없습니다: {why}.",
        "verdict.undecided-causes": (
            "판정: 판단 불가. 원인 {n}개가 스냅샷에 없는 정보에 따라 달라집니다: {why}."
        ),
        "conditional_cause": "조건부 {n}/{total}",
        "conditional_when": "{condition} 조건에서만 해당하며, 그 밖의 경우에는 정상입니다. 이때 영향:",
        "conditional_when_undecided": (
            "{condition} 조건에서만 해당하며, 그 밖의 경우에는 판단할 수 없습니다(아래 참고). 이때 영향:"
        ),
        "conditional_tell": "경우를 구별하는 방법:",
        "conditional_fix": "해결 ({condition} 조건):",
        "fix_more_listed": "... (외 {n}개)   -> {command:`이/가} 모두 계획하며, 각각 이 경우에만 해당한다고 표시합니다",
        "conditional_fix_fast": (
            "해결 (빠르지만 보안 취약: 이 포트의 모든 필터링 해제. {condition} 조건에서만 실행하고, "
            "그 밖의 경우에는 실행하지 마세요):"
        ),
        "case_other": "{condition} 조건에서는: {message}",
        "consequences": "이어서 생김:",
        "explains": "판단 불가:",
        "explains_line": "이 때문에 해당 노드에 대해 {checks:을/를} 판단할 수 없습니다",
    },
}
