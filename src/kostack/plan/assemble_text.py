"""What a fix plan's actions say (why, only if, undo), in English and Korean."""

from __future__ import annotations

from kostack.analyze.diagnose import ROOT_CAUSE_TITLES
from kostack.analyze.messages import Msg, register

register(
    {
        "plan.and": {"en": "{first}; {then}", "ko": "{first}; {then}"},
        "plan.reason": {"en": "{first} (root cause: {titles})", "ko": "{first} (근본 원인: {titles})"},
        "plan.undo.rule": {
            "en": "delete the rule kostack created (its id is in the journal)",
            "ko": "kostack이 만든 규칙을 삭제 (규칙 id는 저널에 있음)",
        },
        "plan.undo.routes": {
            "en": "remove the routes kostack added",
            "ko": "kostack이 추가한 경로를 제거",
        },
        "plan.undo.port-security": {
            "en": "one PUT with port security on and the groups and pairs it had",
            "ko": "포트 보안을 켜고 원래 보안 그룹과 Allowed Address Pair로 되돌리는 PUT 한 번",
        },
        "plan.undo.pairs": {
            "en": "set allowed_address_pairs back to [{pairs}]",
            "ko": "allowed_address_pairs를 [{pairs}]로 되돌림",
        },
        "plan.undo.no-pairs": {
            "en": "set allowed_address_pairs back to [] (none)",
            "ko": "allowed_address_pairs를 [](없음)로 되돌림",
        },
        "plan.undo.by-hand": {"en": "undo by hand", "ko": "직접 되돌림"},
        "plan.only-if.manual": {
            "en": "none: kostack does not run manual steps",
            "ko": "없음: kostack은 수동 단계를 실행하지 않음",
        },
        "plan.only-if.router": {
            "en": "each route is added only if the router does not have it yet; the route list is "
            "re-read and written back with If-Match on the revision read just before",
            "ko": "라우터에 아직 없는 경로만 추가하며, 경로 목록은 직전에 읽은 리비전으로 If-Match를 "
            "걸어 다시 읽고 씀",
        },
        "plan.only-if.port.rev": {
            "en": "the port's revision_number is still {rev} (as read at planning)",
            "ko": "포트의 revision_number가 계획할 때 읽은 {rev} 그대로일 때",
        },
        "plan.only-if.port.fields": {
            "en": "the port's fields still equal the planned before-state (no revision_number in "
            "the snapshot)",
            "ko": "포트의 필드가 계획할 때의 상태 그대로일 때 (스냅샷에 revision_number 없음)",
        },
        "plan.only-if.security-group.rev": {
            "en": "the security group's revision_number is still {rev} (as read at planning)",
            "ko": "보안 그룹의 revision_number가 계획할 때 읽은 {rev} 그대로일 때",
        },
        "plan.only-if.security-group.fields": {
            "en": "the security group's fields still equal the planned before-state (no "
            "revision_number in the snapshot)",
            "ko": "보안 그룹의 필드가 계획할 때의 상태 그대로일 때 (스냅샷에 revision_number 없음)",
        },
    }
)


def title_msg(key: str) -> str:
    """A root cause's title, in either language (its key when kostack has no title for it)."""
    titles = ROOT_CAUSE_TITLES.get(key)
    if titles is None:
        return key
    register({f"rc.title.{key}": {lang: titles[lang] for lang in ("en", "ko")}})
    return Msg(f"rc.title.{key}")
