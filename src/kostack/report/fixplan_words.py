"""What `kostack fix` prints about a plan, its verification and its actions, in English and Korean.

`t(lang, key, **params)` formats one through kostack.korean (particles after
values chosen by how they are read). Every key has both languages with the
same placeholders (tests/foundation/test_i18n.py proves it).
"""

from __future__ import annotations

from typing import Any, Final

from kostack.korean import fill

TEXT: Final[dict[str, dict[str, str]]] = {
    "en": {
        "method.pairs": "allowed address pairs, port security stays on",
        "method.disable": "disable port security (fast, insecure)",
        "live": "live collection",
        "source": "“{source}”",  # the snapshot's own words, which end a sentence
        "r.any_protocol": "any protocol",
        "r.from_group": "from remote group {group}",
        "r.from_prefix": "from {prefix}",
        "r.from_anywhere": "from anywhere",
        "r.to_group": "to remote group {group}",
        "r.to_prefix": "to {prefix}",
        "r.to_anywhere": "to anywhere",
        "collected": ", collected {when}",
        "nothing": "Nothing to change: no root cause kostack can fix ({where}).",
        "count.ports": "{n} {n:port/ports}",
        "count.security_groups": "{n} security {n:group/groups}",
        "count.routers": "{n} {n:router/routers}",
        "head": "Plan {digest}: {n} {n:change/changes}{to}{manual} {purpose}{method}.",
        "head.roots": "for {roots} root {roots:cause/causes}",
        # every change is for a conditional finding (e.g. only under ML2/OVN): no root cause
        "head.conditional": "for a finding that depends on what the snapshot does not say",
        "head.to": " to {what}",
        "head.manual": " and {m} manual {m:step/steps}",
        "head.method": " (method: {method})",
        "from": "From: {where}{project}.",
        "from.project": "; project {project}",
        "tight": "--tight: each node's port gets only the pod blocks it owns.",
        "why": "     why:     {text}",
        "only_if": "     only if: {text}",
        "undo": "     undo:    {text}",
        "note": "     note:    {text}",
        "before": "     before:  pairs [{pairs}], port security {state}, groups {groups}",
        "on": "on",
        "off": "off",
        "plan_note": "Note: {text}",
        "warning": "WARNING: {text}",
        "not_planned": "Not planned:",
        "verified": "Verified before applying (the diagnosis re-run on the snapshot with these "
        "changes):",
        "v.before": "  before:  {n} root {n:cause/causes}{note}",
        "v.gone": "  gone:    {key}  {title}",
        "v.remains": "  remains: {key}  {title}",
        "v.remains.manual": "           until you run manual step {ids} (kostack runs no manual step)",
        "v.remains.ways": "           until you run one of manual steps {ids} (they are ways to "
        "fix it: choose one; kostack runs no manual step)",
        "v.after-manual": "           after manual step {ids} too (simulated): {left}",
        "v.after-manual.none": "nothing remains",
        "v.after-manual.left": "{keys} still {n:remains/remain}",
        "v.found": "  found:   {key}  {title} (hidden behind the first; {state})",
        "v.found.remains": "remains",
        "v.found.fixed": "fixed too",
        "v.new": "  new:     {key}  {title}: {message}",
        "v.none": "  no root cause before or after",
        "d.pairs": "port {who}: add allowed address pairs {pairs}",
        "d.service_cidr": "{cidr} (service CIDR)",
        "d.disable": "port {who}: clear security groups and pairs, disable port security "
        "(one request)",
        "d.rule": "security group {who}: add rule {rule}",
        "d.routes": "router {who}: add routes {routes}",
        "d.route": "{destination} via {nexthop}",
        "d.manual": "manual ({what}): `{command}`",
        "kind.loadbalancer": "load balancer",
    },
    "ko": {
        "method.pairs": "Allowed Address Pair 추가, 포트 보안 유지",
        "method.disable": "포트 보안 해제 (빠르지만 보안 취약)",
        "live": "실시간 수집",
        "source": "“{source}”",
        "r.any_protocol": "모든 프로토콜",
        "r.from_group": "출발지: 원격 그룹 {group}",
        "r.from_prefix": "출발지: {prefix}",
        "r.from_anywhere": "출발지: 전체",
        "r.to_group": "목적지: 원격 그룹 {group}",
        "r.to_prefix": "목적지: {prefix}",
        "r.to_anywhere": "목적지: 전체",
        "collected": ", 수집 시각 {when}",
        "nothing": "변경할 것이 없습니다: kostack이 고칠 수 있는 근본 원인이 없습니다 ({where}).",
        "count.ports": "포트 {n}개",
        "count.security_groups": "보안 그룹 {n}개",
        "count.routers": "라우터 {n}개",
        "head": "계획 {digest}: {purpose} 변경 {n}건{to}{manual}{method}.",
        "head.roots": "근본 원인 {roots}개를 위한",
        "head.conditional": "스냅샷이 정하지 않은 조건에 달린 문제를 위한",
        "head.to": ", 대상 {what}",
        "head.manual": ", 수동 단계 {m}개",
        "head.method": " (방식: {method})",
        "from": "출처: {where}{project}.",
        "from.project": "; 프로젝트 {project}",
        "tight": "--tight: 각 노드의 포트에는 그 노드가 가진 Pod 블록만 추가합니다.",
        "why": "     이유:     {text}",
        "only_if": "     조건:     {text}",
        "undo": "     되돌리기: {text}",
        "note": "     참고:     {text}",
        "before": "     변경 전:  pairs [{pairs}], 포트 보안 {state}, 그룹 {groups}",
        "on": "켜짐",
        "off": "꺼짐",
        "plan_note": "참고: {text}",
        "warning": "경고: {text}",
        "not_planned": "계획하지 않은 항목:",
        "verified": "적용 전에 검증했습니다 (이 변경을 반영한 스냅샷으로 진단을 다시 실행):",
        "v.before": "  변경 전: 근본 원인 {n}개{note}",
        "v.gone": "  해결됨:  {key}  {title}",
        "v.remains": "  남음:    {key}  {title}",
        "v.remains.manual": "           수동 단계 {ids:을/를} 실행하기 전까지 (kostack은 수동 단계를 실행하지 않음)",
        "v.remains.ways": "           수동 단계 {ids} 중 하나를 실행하기 전까지 (고치는 여러 방법이니 "
        "하나만 고르세요. kostack은 수동 단계를 실행하지 않음)",
        "v.after-manual": "           수동 단계 {ids}까지 실행하면 (시뮬레이션): {left}",
        "v.after-manual.none": "남는 원인 없음",
        "v.after-manual.left": "원인 {n}개 남음: {keys}",
        "v.found": "  발견:    {key}  {title} (첫 원인에 가려져 있었음, {state})",
        "v.found.remains": "남음",
        "v.found.fixed": "함께 해결됨",
        "v.new": "  새 원인: {key}  {title}: {message}",
        "v.none": "  변경 전과 후 모두 근본 원인 없음",
        "d.pairs": "포트 {who}: Allowed Address Pair {pairs} 추가",
        "d.service_cidr": "{cidr} (서비스 CIDR)",
        "d.disable": "포트 {who}: 보안 그룹과 pair를 비우고 포트 보안 해제 (요청 한 번)",
        "d.rule": "보안 그룹 {who}: 규칙 {rule} 추가",
        "d.routes": "라우터 {who}: 경로 {routes} 추가",
        "d.route": "{destination}, 다음 홉 {nexthop}",
        "d.manual": "수동 단계 ({what}): `{command}`",
        "kind.loadbalancer": "로드밸런서",
    },
}


# The comments of `kostack fix plan -o script` (the commands stay as they are).
TEXT["en"].update(
    {
        "s.head": "kostack {version} fix plan {digest} as a script",
        "s.from": "from {source}{collected}{project}",
        "s.collected": " (collected {when})",
        "s.project": ", project {project}",
        "s.about": "Review it before running. It needs the `openstack` CLI and credentials for the\n"
        "project (OS_CLOUD or OS_* variables). It is idempotent: what is already in place\n"
        "is skipped, so a second run changes nothing. A port that changed since planning\n"
        "stops it (exit 3): re-run `kostack fix plan`. Security-group rules rely on\n"
        "Neutron refusing duplicates. Unlike `kostack fix apply` it keeps no journal:\n"
        "the undo command of each change is in its comment.",
        "s.note": "Note: {text}",
        "s.echo.nothing": "Nothing to change.",
        "s.echo.done": "Done. Check with: `kostack diagnose`",
        "s.warning": "WARNING: {text}",
        "s.why": "why: {text}",
        "s.action.note": "note: {text}",
        "s.undo": "undo: {command}",
        "s.undo.rule": "undo: openstack security group rule delete RULE_ID (printed below)",
        "s.manual": "manual step, not run by this script:",
    }
)
TEXT["ko"].update(
    {
        "s.head": "kostack {version} fix plan {digest}: 스크립트",
        "s.from": "출처: {source}{collected}{project}",
        "s.collected": " (수집 시각 {when})",
        "s.project": ", 프로젝트 {project}",
        "s.about": "실행하기 전에 검토하세요. `openstack` CLI와 프로젝트의 자격 증명(OS_CLOUD 또는\n"
        "OS_* 변수)이 필요합니다. 여러 번 실행해도 결과가 같습니다: 이미 반영된 것은 건너뛰므로\n"
        "두 번째 실행은 아무것도 바꾸지 않습니다. 계획 이후에 바뀐 포트가 있으면 멈춥니다\n"
        "(exit 3): `kostack fix plan`을 다시 실행하세요. 보안 그룹 규칙은 Neutron이 중복을\n"
        "거부하는 것에 기댑니다. `kostack fix apply`와 달리 저널을 남기지 않습니다:\n"
        "각 변경의 되돌리기 명령은 그 변경의 주석에 있습니다.",
        "s.note": "참고: {text}",
        "s.echo.nothing": "바꿀 것이 없습니다.",
        "s.echo.done": "완료했습니다. 확인: `kostack diagnose`",
        "s.warning": "경고: {text}",
        "s.why": "이유: {text}",
        "s.action.note": "참고: {text}",
        "s.undo": "되돌리기: {command}",
        "s.undo.rule": "되돌리기: openstack security group rule delete RULE_ID (아래에 출력됨)",
        "s.manual": "수동 단계, 이 스크립트는 실행하지 않음:",
    }
)


def t(lang: str, key: str, /, **params: Any) -> str:
    """The text of `key` in `lang` (English when the language is not known)."""
    table = TEXT.get(lang, TEXT["en"])
    return fill(table.get(key) or TEXT["en"][key], params)
