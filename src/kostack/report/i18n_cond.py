"""The incident report's words for conditional causes (what holds only in one case).

Merged into ``kostack.report.i18n.MESSAGES`` like the report's other strings
(tests/report/test_i18n_keys.py proves every key exists in every language with
the same placeholders). ``{condition}`` is the diagnosis's own: "on ML2/OVN" in
English, "ML2/OVN" in Korean (analyze/engine/cases_text.py).
"""

from __future__ import annotations

COND_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "rep.h.conditional": "Depends on the case",
        "rep.cond.summary": "{title}: only {condition}, which depends on what the snapshot does "
        "not say (section {section})",
        "rep.cond.heading": "3.{n} Conditional cause (only {condition}): {title}",
        "rep.cond.when": "Only {condition}; in every other case this is healthy.",
        "rep.cond.when_undecided": "Only {condition}; in the other cases it cannot be decided "
        "(section 4.1).",
        "rep.cond.l.when": "When",
        "rep.cond.l.breaks": "What breaks then",
        "rep.cond.l.tell": "How to tell the cases apart",
        "rep.cond.l.fix": "Fix",
        "rep.cond.fix_at": "section {section}, a fix for this case only",
        "rep.cond.no_fix": "kostack has no command for this case.",
        "rep.cond.fix": "5.{n} Only {condition}: {title}",
        "rep.cond.fix_note": "Only {condition}: do not run these commands otherwise. Section "
        "{section} says how to tell the cases apart.",
        "rep.cond.fix_at_fast": "section {section}, a fix for this case only (section {fast}: "
        "a fast alternative, insecure)",
        "rep.cond.fast": "5.{n} Only {condition}, fast alternative (insecure): {title}",
        "rep.l.more_listed": "... and {n} more: `kostack fix plan --method "
        "disable-port-security` plans them all, each marked for this case only",
        "rep.l.more_fast": "... and {n} more: `kostack fix plan --method disable-port-security` "
        "plans them all",
    },
    "ko": {
        "rep.h.conditional": "경우에 따라 달라지는 원인",
        "rep.cond.summary": "{title}: {condition} 조건에서만 해당하며, 스냅샷에 없는 정보에 따라 "
        "달라짐 ({section}절)",
        "rep.cond.heading": "3.{n} 조건부 원인({condition} 조건에서만): {title}",
        "rep.cond.when": "{condition} 조건에서만 해당하며, 그 밖의 경우에는 정상입니다.",
        "rep.cond.when_undecided": "{condition} 조건에서만 해당하며, 그 밖의 경우에는 판단할 수 "
        "없습니다(4.1절).",
        "rep.cond.l.when": "조건",
        "rep.cond.l.breaks": "이때 영향",
        "rep.cond.l.tell": "경우를 구별하는 방법",
        "rep.cond.l.fix": "해결",
        "rep.cond.fix_at": "{section}절 (이 경우에만 해당하는 해결책)",
        "rep.cond.no_fix": "이 경우에 kostack이 제시할 명령은 없습니다.",
        "rep.cond.fix": "5.{n} {condition} 조건에서만: {title}",
        "rep.cond.fix_note": "{condition} 조건에서만 실행하고, 그 밖의 경우에는 이 명령을 실행하지 "
        "마세요. 경우를 구별하는 방법은 {section}절에 있습니다.",
        "rep.cond.fix_at_fast": "{section}절 (이 경우에만 해당하는 해결책), {fast}절 (빠른 대안, "
        "보안 약화)",
        "rep.cond.fast": "5.{n} {condition} 조건에서만, 빠른 대안 (보안 약화): {title}",
        "rep.l.more_listed": "... 외 {n}개: `kostack fix plan --method "
        "disable-port-security`가 모두 계획하며, 각각 이 경우에만 해당한다고 표시합니다",
        "rep.l.more_fast": "... 외 {n}개: `kostack fix plan --method disable-port-security`가 "
        "모두 계획합니다",
    },
}
