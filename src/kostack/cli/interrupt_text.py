"""What a Ctrl-C says, in English and Korean: the activity it stopped and, for a fix, what was
in flight and how to resume or undo (`kostack.cli.common.interrupted`, `fix_support`); and the
gap an active diagnosis records when its probes cannot run (`kostack.cli.probe`)."""

from __future__ import annotations

from kostack.catalog import Msg, register

register(
    {
        "act.collecting": {
            "en": "collecting (nothing was changed)",
            "ko": "수집 중 (아무것도 바꾸지 않았습니다)",
        },
        "act.probing": {
            "en": "probing (kostack deleted its probe pods and namespace before exiting)",
            "ko": "점검 중 (kostack은 끝내기 전에 점검 Pod와 네임스페이스를 삭제했습니다)",
        },
        "act.probing-lab": {
            "en": "probing the lab (only traffic was sent; nothing was changed)",
            "ko": "랩 점검 중 (트래픽만 보냈고 아무것도 바꾸지 않았습니다)",
        },
        "act.applying": {"en": "applying the fix ({next})", "ko": "해결 적용 중 ({next})"},
        "act.rolling-back": {"en": "rolling back ({next})", "ko": "롤백 중 ({next})"},
        "act.reinstalling": {
            "en": "reinstalling {release} ({next})",
            "ko": "{release} 재설치 중 ({next})",
        },
        "act.next.fix": {
            "en": "resume with `{resume}`, undo with `{rollback}`",
            "ko": "재개: `{resume}`, 되돌리기: `{rollback}`",
        },
        "act.next.rollback": {
            "en": "continue the rollback with `{rollback}`",
            "ko": "롤백 계속: `{rollback}`",
        },
        "act.next.release": {
            "en": "the journal {journal} records every step; see what is left with `{check}`, "
            "then run `{again}` again (volumes set to Retain keep their data)",
            "ko": "저널 {journal}에 모든 단계가 기록되어 있습니다. {check:`으로/로} 남은 것을 확인한 뒤 "
            "{again:`을/를} 다시 실행하세요 (Retain으로 설정한 볼륨은 데이터를 유지합니다)",
        },
        "rel.int.hint": {
            "en": "The journal {journal} records every step; see what is left with `{check}`, "
            "then run `{again}` again (volumes set to Retain keep their data).",
            "ko": "저널 {journal}에 모든 단계가 기록되어 있습니다. {check:`으로/로} 남은 것을 확인한 뒤 "
            "{again:`을/를} 다시 실행하세요 (Retain으로 설정한 볼륨은 데이터를 유지합니다).",
        },
        "rel.int": {
            "en": "interrupted (Ctrl-C) during the reinstall of {release}: {what}; "
            "{done} of {total} steps done",
            "ko": "{release} 재설치 중 중단됨 (Ctrl-C): {what}; 단계 {total}개 중 {done}개 완료",
        },
        "rel.int.none": {"en": "no step was in flight", "ko": "진행 중인 단계가 없었습니다"},
        "rel.int.finished": {
            "en": "step {step} ({op}) ran to its end first ({outcome}), then the run stopped",
            "ko": "{op} 단계({step}번)를 끝까지 실행한 뒤 ({outcome}) 멈췄습니다",
        },
        "rel.int.untold": {
            "en": "it cannot be told whether it landed",
            "ko": "반영되었는지 알 수 없음",
        },
        "rel.int.flight": {
            "en": "step {step} ({op}) was in flight: {state} ({seen})",
            "ko": "단계 {step}({op}) 진행 중이었음: {state} ({seen})",
        },
        "col.done": {
            "en": "collected {parts} in {seconds} s{where}",
            "ko": "{parts} 수집 완료 ({seconds}초){where}",
        },
        "col.done.and": {"en": "{first} and {then}", "ko": "{first}, {then}"},
        "col.done.where": {"en": " into {path}", "ko": ": {path}"},
        "col.done.os": {
            "en": "OpenStack project {project} ({networks}, {ports}, {groups})",
            "ko": "OpenStack 프로젝트 {project} ({networks}, {ports}, {groups})",
        },
        "col.done.cluster": {
            "en": "cluster {version} ({nodes}, CNI {cni})",
            "ko": "클러스터 {version} ({nodes}, CNI {cni})",
        },
        "col.done.version-unknown": {"en": "of unknown version", "ko": "(버전 알 수 없음)"},
        "col.count.network": {"en": "{n} {n:network/networks}", "ko": "네트워크 {n}개"},
        "col.count.port": {"en": "{n} {n:port/ports}", "ko": "포트 {n}개"},
        "col.count.security group": {
            "en": "{n} security {n:group/groups}",
            "ko": "보안 그룹 {n}개",
        },
        "col.count.node": {"en": "{n} {n:node/nodes}", "ko": "노드 {n}대"},
        "col.unknown.network": {"en": "networks unknown", "ko": "네트워크 수 알 수 없음"},
        "col.unknown.port": {"en": "ports unknown", "ko": "포트 수 알 수 없음"},
        "col.unknown.security group": {
            "en": "security groups unknown",
            "ko": "보안 그룹 수 알 수 없음",
        },
        "col.unknown.node": {"en": "nodes unknown", "ko": "노드 수 알 수 없음"},
        "col.partial": {
            "en": "warning: partial snapshot: {n} {n:part/parts} could not be collected",
            "ko": "경고: 일부만 수집한 스냅샷: {n}개 부분을 수집하지 못했습니다",
        },
        "col.partial.hint": {
            "en": "hint: checks that need these parts answer UNKNOWN; fix the access or the "
            "timeout and collect again",
            "ko": "힌트: 이 부분이 필요한 점검은 판단 불가(UNKNOWN)로 답합니다. 접근 권한이나 제한 "
            "시간을 고친 뒤 다시 수집하세요",
        },
        "col.out.dir": {
            "en": "-o {path}: is a directory",
            "ko": "-o {path}: 디렉터리입니다",
        },
        "col.out.dir.hint": {
            "en": "Give a file name, e.g. -o snap.json.",
            "ko": "파일 이름을 주세요. 예: -o snap.json",
        },
        "col.out.no-parent": {
            "en": "-o {path}: directory {parent} does not exist",
            "ko": "-o {path}: 디렉터리 {parent:이/가} 없습니다",
        },
        "col.out.no-parent.hint": {
            "en": "Create the directory first, or write elsewhere.",
            "ko": "디렉터리를 먼저 만들거나 다른 곳에 쓰세요.",
        },
        "fix.int.none": {"en": "no change was in flight", "ko": "진행 중인 변경이 없었습니다"},
        "fix.int.landed": {"en": "it landed", "ko": "반영됨"},
        "fix.int.not-landed": {"en": "it did not land", "ko": "반영되지 않음"},
        "fix.int.maybe": {
            "en": "its request had no answer yet, so it may still land",
            "ko": "요청에 아직 응답이 없어 나중에 반영될 수 있음",
        },
        "fix.int.flight": {
            "en": "change {step} ({change}) was in flight: {state} ({seen})",
            "ko": "변경 {step}({change}) 진행 중이었음: {state} ({seen})",
        },
        "fix.int.apply": {
            "en": "interrupted (Ctrl-C) while applying the fix: {what}; {done} of {total} "
            "changes in place",
            "ko": "해결 적용 중 중단됨 (Ctrl-C): {what}; 변경 {total}개 중 {done}개 적용됨",
        },
        "fix.int.rollback": {
            "en": "interrupted (Ctrl-C) while rolling back: {what}; {done} of {total} "
            "changes restored or unchanged",
            "ko": "롤백 중 중단됨 (Ctrl-C): {what}; 변경 {total}개 중 {done}개 복원됨 또는 그대로",
        },
        "fix.int.hint": {
            "en": "The journal {journal} records it: {next}.",
            "ko": "저널 {journal}에 기록되어 있습니다: {next}.",
        },
    }
)

__all__ = ["Msg"]
