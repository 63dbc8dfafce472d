"""What `kostack fix apply` and `fix rollback` say while they run, in English and Korean.

Registered in the one catalogue (kostack.analyze.messages); `say(env, key, ...)`
is the text in the running command's language (--lang, KOSTACK_LANG, locale).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kostack.analyze.messages import Msg, register

if TYPE_CHECKING:
    from kostack.cli.common import Environment

register(
    {
        "fixrun.resuming": {
            "en": "Resuming {journal}: plan {digest}, {done} of {total} changes done, {left} left.",
            "ko": "{journal:을/를} 이어서 실행합니다: 계획 {digest}, 변경 {total}건 중 {done}건 완료, "
            "{left}건 남음.",
        },
        "fixrun.nothing_left": {"en": "Nothing left to apply.", "ko": "남은 변경이 없습니다."},
        "fixrun.nothing": {"en": "Nothing to apply.", "ko": "적용할 변경이 없습니다."},
        "fixrun.planned_remain": {
            "en": "Not verified (--no-verify), and the plan's own check says the fix is not "
            "complete: exit 1.",
            "ko": "확인하지 않았고(--no-verify), 계획 자체의 점검으로도 수정이 끝나지 않습니다: "
            "종료 코드 1.",
        },
        "fixrun.question": {
            "en": "Change {ports} {ports:port/ports}, {groups} security {groups:group/groups} and {routers} "
            "{routers:router/routers}?",
            "ko": "포트 {ports}개, 보안 그룹 {groups}개, 라우터 {routers}개를 변경할까요?",
        },
        "fixrun.dry": {
            "en": "Dry run: nothing was changed. Add --yes to apply{resuming}.",
            "ko": "시험 실행: 아무것도 변경하지 않았습니다. 적용하려면 --yes를 붙이세요{resuming}.",
        },
        "fixplan.next": {
            "en": "Nothing was changed. To apply it: `{command}`\n(it shows the plan again and "
            "asks first; with --yes it does not ask).",
            "ko": "아무것도 변경하지 않았습니다. 적용하려면 {command:`을/를} 실행하세요\n(계획을 "
            "다시 보여 주고 먼저 묻습니다; --yes를 붙이면 묻지 않음).",
        },
        "fixrun.dry_resume": {"en": " (`{command}`)", "ko": " (`{command}`)"},
        "fixrun.start": {
            "en": "{what} with journal {journal} (resume: `{resume}`; undo: `{undo}`)",
            "ko": "저널 {journal}에 기록하며 {what} (이어서 실행: `{resume}`; 되돌리기: `{undo}`)",
        },
        "fixrun.applying": {"en": "Applying", "ko": "적용합니다"},
        "fixrun.resuming_word": {"en": "Resuming", "ko": "이어서 적용합니다"},
        "fixrun.summary": {
            "en": "{applied} applied, {already} already in place{stopped}.",
            "ko": "{applied}건 적용, {already}건은 이미 적용되어 있음{stopped}.",
        },
        "fixrun.stopped": {"en": ", stopped at {action}", "ko": ", {action}에서 멈춤"},
        "fixrun.already": {
            "en": "Plan {digest} is already applied: every change is in place, nothing was changed.",
            "ko": "계획 {digest:은/는} 이미 적용되어 있습니다: 모든 변경이 반영되어 있어 아무것도 "
            "바꾸지 않았습니다.",
        },
        "fixrun.not_verified": {
            "en": "Not verified: {error}\nRun `kostack diagnose` to check the result.",
            "ko": "검증하지 못했습니다: {error}\n결과는 `kostack diagnose`로 확인하세요.",
        },
        "fixrun.verified": {
            "en": "Verified after applying (OpenStack re-collected, diagnosis re-run):",
            "ko": "적용 후 검증했습니다 (OpenStack 재수집, 진단 재실행):",
        },
        "fixrun.monitor_pending": {
            "en": "{n} load balancer {n:member still shows/members still show} OFFLINE: "
            "Octavia's health monitor has not probed since the change. The security groups now "
            "admit it, so {n:it is/they are} counted as up above; `kostack diagnose` after the "
            "monitor's next run confirms it.",
            "ko": "로드밸런서 멤버 {n}개가 아직 OFFLINE으로 보입니다: 변경 후 Octavia 헬스 모니터가 "
            "아직 검사하지 않았습니다. 이제 보안 그룹이 모니터를 허용하므로 위에서는 동작하는 것으로 "
            "셉니다. 모니터가 다시 검사한 뒤 `kostack diagnose`로 확인하세요.",
        },
        "fixrun.as_planned": {"en": "as planned", "ko": "계획 기준"},
        "fixrun.undo": {"en": "undo: ", "ko": "되돌리기: "},
        # an action's outcome on the progress line (kostack.apply.engine_base's outcomes)
        "fixrun.outcome.applied": {"en": "applied", "ko": "적용됨"},
        "fixrun.outcome.already-present": {"en": "already-present", "ko": "이미 있음"},
        "fixrun.outcome.failed": {"en": "failed", "ko": "실패"},
        "fixrun.outcome.in-doubt": {"en": "in-doubt", "ko": "불확실"},
        "fixrun.outcome.restored": {"en": "restored", "ko": "복원됨"},
        "fixrun.outcome.already-original": {"en": "already-original", "ko": "이미 원래대로"},
        "fixrun.outcome.not-changed": {"en": "not-changed", "ko": "변경 안 됨"},
        "fixrun.outcome.conflict": {"en": "conflict", "ko": "충돌"},
        "fixrun.rollback_head": {
            "en": "Rollback of {journal}: plan {digest}, {started} of {total} changes were started.",
            "ko": "{journal} 롤백: 계획 {digest}, 변경 {total}건 중 {started}건이 시작되었습니다.",
        },
        "fixrun.nothing_rollback": {
            "en": "Nothing to roll back.",
            "ko": "롤백할 것이 없습니다.",
        },
        "fixrun.dry_rollback": {
            "en": "Dry run: nothing was changed. Add --yes to roll back.",
            "ko": "시험 실행: 아무것도 변경하지 않았습니다. 롤백하려면 --yes를 붙이세요.",
        },
        "fixrun.restore_q": {"en": "Restore these objects?", "ko": "이 객체들을 되돌릴까요?"},
        "fixrun.type-to-go-on": {
            "en": "{question} Type {word} to go on",
            "ko": "{question} 계속하려면 {word:을/를} 입력하세요",
        },
        "fixrun.rollback_summary": {
            "en": "{restored} restored, {original} already as before, {untouched} not changed "
            "by kostack.",
            "ko": "{restored}건 복원, {original}건은 이미 원래대로, {untouched}건은 kostack이 바꾸지 "
            "않음.",
        },
        "fix.err.ack-apply": {
            "en": "applying with --method disable-port-security needs {flag}",
            "ko": "--method disable-port-security로 적용하려면 {flag:이/가} 필요합니다",
        },
        "fix.err.ack-script": {
            "en": "-o script with --method disable-port-security needs {flag}",
            "ko": "--method disable-port-security로 -o script를 쓰려면 {flag:이/가} 필요합니다",
        },
        "fix.hint.ack": {
            "en": "It turns off anti-spoofing and every security group on the node ports (read the "
            "WARNING in the plan). The recommended fix keeps port security on: drop --method.",
            "ko": "노드 포트의 anti-spoofing과 모든 보안 그룹을 끕니다(계획의 WARNING을 읽으세요). "
            "권장 수정은 포트 보안을 유지합니다: --method를 빼세요.",
        },
        "fix.err.plan-and-journal": {
            "en": "--plan and an existing journal {journal} were both given",
            "ko": "--plan과 이미 있는 저널 {journal:을/를} 함께 주었습니다",
        },
        "fix.hint.plan-and-journal": {
            "en": "the journal holds its own plan: drop --plan to resume it",
            "ko": "저널에 계획이 들어 있습니다: 이어서 실행하려면 --plan을 빼세요",
        },
        "fix.err.rolled-back": {
            "en": "journal {journal} was rolled back; it cannot be resumed",
            "ko": "저널 {journal:은/는} 롤백되었으므로 이어서 실행할 수 없습니다",
        },
        "fix.hint.rolled-back": {
            "en": "plan again with `kostack fix plan` and apply with a new journal",
            "ko": "`kostack fix plan`으로 다시 계획하고 새 저널로 적용하세요",
        },
        "fix.err.journal-write": {
            "en": "cannot write the journal {journal}: {why}",
            "ko": "저널 {journal:을/를} 쓸 수 없습니다: {why}",
        },
        "fix.hint.journal-write": {
            "en": "free disk space, then resume with the same --journal",
            "ko": "디스크 공간을 비운 다음 같은 --journal로 이어서 실행하세요",
        },
    }
)


def say(env: Environment, key: str, **params: object) -> str:
    """Message ``key`` in the running command's language."""
    from kostack.cli.console import language

    return Msg(key, **params).render(language(env))


def lang_of(env: Environment) -> str:
    from kostack.cli.console import language

    return language(env)
