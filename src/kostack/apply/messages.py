"""Every Neutron error as one line naming the object, and a hint saying what to do.

Lines and hints are `Msg`s: English as they are, Korean with ``--lang ko``
(Neutron's own words, its error message, stay as they are, quoted “...”).
"""

from __future__ import annotations

from dataclasses import dataclass

from kostack.analyze.messages import Msg, register
from kostack.apply.neutron import NeutronProblem, ProblemKind
from kostack.plan.assemble_text import kind_word, who
from kostack.plan.model import Action, Target
from kostack.shell import render

register(
    {
        "apply.replan": {
            "en": "re-run `kostack fix plan` (and apply the new plan)",
            "ko": "`kostack fix plan`을 다시 실행하세요(새 계획을 적용)",
        },
        "apply.resume": {
            "en": "resume with `{apply}` (it re-reads the {kind} first) or undo with `{rollback}`",
            "ko": "{apply:`으로/로} 이어서 실행하거나(먼저 {kind:을/를} 다시 읽습니다) {rollback:`으로/로} "
            "되돌리세요",
        },
        "apply.resume.undo": {
            "en": "run `{rollback}` again",
            "ko": "{rollback:`을/를} 다시 실행하세요",
        },
        # what a step found, journaled in English and shown in the run's language
        "apply.note.reread-port": {
            "en": "confirmed by re-reading the port",
            "ko": "포트를 다시 읽어 확인함",
        },
        "apply.note.reread-group": {
            "en": "confirmed by re-reading the group",
            "ko": "보안 그룹을 다시 읽어 확인함",
        },
        "apply.note.reread-router": {
            "en": "confirmed by re-reading the router",
            "ko": "라우터를 다시 읽어 확인함",
        },
        "apply.note.reread": {"en": "confirmed by re-reading", "ko": "다시 읽어 확인함"},
        "apply.note.in-place": {"en": "already in place", "ko": "이미 반영되어 있음"},
        "apply.note.same-change": {
            "en": "someone else made the same change",
            "ko": "다른 누군가가 같은 변경을 이미 함",
        },
        "apply.note.rule-admits": {
            "en": "rule {rule} already admits it",
            "ko": "규칙 {rule:이/가} 이미 허용함",
        },
        "apply.note.rule-created": {"en": "created rule {rule}", "ko": "규칙 {rule} 생성"},
        "apply.note.rule-same": {
            "en": "another client created the same rule {rule}",
            "ko": "다른 클라이언트가 같은 규칙 {rule:을/를} 이미 만듦",
        },
        "apply.note.routes-there": {
            "en": "the routes are already there",
            "ko": "경로가 이미 있음",
        },
        "apply.note.as-before": {"en": "already as before", "ko": "이미 원래 상태임"},
        "apply.note.no-rule": {
            "en": "no rule kostack created is there",
            "ko": "kostack이 만든 규칙이 없음",
        },
        "apply.note.rule-deleted": {"en": "deleted rule {rule}", "ko": "규칙 {rule} 삭제"},
        "apply.note.rule-gone": {
            "en": "rule {rule} was already gone",
            "ko": "규칙 {rule:은/는} 이미 없음",
        },
        "apply.note.routes-gone": {"en": "the routes are gone", "ko": "경로가 이미 없음"},
        # what the journal says of an action, before a rollback
        "apply.state.changed": {"en": "changed by kostack", "ko": "kostack이 변경함"},
        "apply.state.unchanged": {"en": "not changed", "ko": "변경 안 됨"},
        "apply.state.in-doubt": {"en": "in doubt", "ko": "불확실"},
        "apply.doing.updating": {"en": "updating", "ko": "변경"},
        "apply.doing.undoing": {"en": "undoing", "ko": "되돌리기"},
        "apply.err.changed": {
            "en": "{who} changed since planning{revs}; kostack stopped and changed nothing more",
            "ko": "{who:이/가} 계획 이후에 바뀌었습니다{revs}. kostack은 멈췄고 더 바꾸지 "
            "않았습니다",
        },
        "apply.err.revs": {
            "en": " (planned at revision {planned}, now {current})",
            "ko": "(계획 시 리비전 {planned}, 현재 {current})",
        },
        "apply.err.412-undo": {
            "en": "{who} changed while kostack was restoring it: Neutron refused the conditional "
            "update (412 {type}: {message}); it was left as it is",
            "ko": "{who:이/가} kostack이 복원하는 사이에 바뀌었습니다: Neutron이 조건부 변경을 "
            "거부했습니다(412 {type}: “{message}”). 그대로 두었습니다",
        },
        "apply.hint.412-undo": {
            "en": "another client wrote it meanwhile: {resume} (it reads it again first)",
            "ko": "그 사이 다른 클라이언트가 바꿨습니다. rollback은 먼저 다시 읽으니 {resume}",
        },
        "apply.hint.changed": {
            "en": "someone else changed it: {replan}",
            "ko": "다른 누군가가 바꿨습니다: {replan}",
        },
        "apply.err.timeout": {
            "en": "no answer from Neutron while {doing} {who} (timeout); the change may or may "
            "not have been made",
            "ko": "{who} {doing} 중 Neutron이 응답하지 않았습니다(시간 초과). 변경이 "
            "반영되었는지 알 수 없습니다",
        },
        "apply.hint.timeout": {
            "en": "check that Neutron is up, then {resume}",
            "ko": "Neutron이 동작하는지 확인한 다음 {resume}",
        },
        "apply.err.connection": {
            "en": "cannot reach Neutron while {doing} {who}: {message}",
            "ko": "{who} {doing} 중 Neutron에 연결할 수 없습니다: “{message}”",
        },
        "apply.hint.connection": {
            "en": "check the endpoint and that neutron-server runs, then {resume}",
            "ko": "엔드포인트와 neutron-server 실행 여부를 확인한 다음 {resume}",
        },
        "apply.err.412": {
            "en": "{who} changed since planning: Neutron refused the conditional update "
            "(412 {type}: {message}); nothing more was changed",
            "ko": "{who:이/가} 계획 이후에 바뀌었습니다: Neutron이 조건부 변경을 거부했습니다"
            "(412 {type}: “{message}”). 더 바꾸지 않았습니다",
        },
        "apply.err.portsec-sg": {
            "en": "{who}: Neutron refuses to disable port security while a security group is "
            "attached (409 PortSecurityPortHasSecurityGroup)",
            "ko": "{who}: 보안 그룹이 붙어 있는 동안 Neutron은 포트 보안 끄기를 거부합니다"
            "(409 PortSecurityPortHasSecurityGroup)",
        },
        "apply.hint.portsec-sg": {
            "en": "kostack clears groups and pairs in the same request, so another client "
            "attached a group meanwhile: {replan}",
            "ko": "kostack은 같은 요청에서 보안 그룹과 Allowed Address Pair를 비우므로, 그 사이 "
            "다른 클라이언트가 보안 그룹을 붙인 것입니다: {replan}",
        },
        "apply.err.pairs-portsec": {
            "en": "{who}: Neutron refuses allowed address pairs while port security is disabled "
            "(409 AddressPairAndPortSecurityRequired)",
            "ko": "{who}: 포트 보안이 꺼져 있는 동안 Neutron은 Allowed Address Pair를 "
            "거부합니다(409 AddressPairAndPortSecurityRequired)",
        },
        "apply.hint.pairs-portsec": {
            "en": "turn port security on first (`{command}`) and {replan}, or use "
            "--method disable-port-security",
            "ko": "먼저 포트 보안을 켜고(`{command}`) {replan}. 또는 --method "
            "disable-port-security를 쓰세요",
        },
        "apply.err.sg-portsec": {
            "en": "{who}: Neutron refuses security groups on a port without port security "
            "(400 PortSecurityAndIPRequiredForSecurityGroups)",
            "ko": "{who}: 포트 보안이 없는 포트에는 Neutron이 보안 그룹을 거부합니다"
            "(400 PortSecurityAndIPRequiredForSecurityGroups)",
        },
        "apply.hint.sg-portsec": {
            "en": "the port's port security was turned off meanwhile: {replan}",
            "ko": "그 사이 포트의 포트 보안이 꺼졌습니다: {replan}",
        },
        "apply.err.rule-exists": {
            "en": "{who}: the rule already exists (409 SecurityGroupRuleExists: {message})",
            "ko": "{who}: 규칙이 이미 있습니다(409 SecurityGroupRuleExists: “{message}”)",
        },
        "apply.hint.rule-exists": {
            "en": "nothing to add: {replan}",
            "ko": "추가할 것이 없습니다: {replan}",
        },
        "apply.err.quota": {
            "en": "{who}: Neutron quota exceeded ({status} {type}: {message})",
            "ko": "{who}: Neutron 쿼터를 초과했습니다({status} {type}: “{message}”)",
        },
        "apply.hint.quota": {
            "en": "ask for a higher quota (security_group_rule / port) or remove unused rules, "
            "then {resume}",
            "ko": "쿼터(security_group_rule / port)를 늘려 달라고 요청하거나 쓰지 않는 규칙을 "
            "지운 다음 {resume}",
        },
        "apply.err.pair-limit": {
            "en": "{who}: Neutron refuses more allowed address pairs on this port (400 "
            "AllowedAddressPairExhausted: {message})",
            "ko": "{who}: Neutron이 이 포트에 Allowed Address Pair를 더 받지 않습니다(400 "
            "AllowedAddressPairExhausted: “{message}”)",
        },
        "apply.hint.pair-limit": {
            "en": "Neutron's max_allowed_address_pair (10 by default) limits the pairs of one "
            "port: remove the pairs the port no longer needs, or have the limit raised, then "
            "{replan}",
            "ko": "포트 하나의 Pair 수는 Neutron의 max_allowed_address_pair(기본 10개)로 "
            "제한됩니다: 포트에 더는 필요 없는 Pair를 지우거나 한도를 늘린 다음 {replan}",
        },
        "apply.err.404": {
            "en": "{who} no longer exists (404 {type})",
            "ko": "{who:이/가} 더 이상 없습니다(404 {type})",
        },
        "apply.hint.404": {
            "en": "it was deleted after planning: {replan}",
            "ko": "계획 이후에 삭제되었습니다: {replan}",
        },
        "apply.err.policy": {
            "en": "Neutron refused {doing} {who}: {detail}",
            "ko": "Neutron이 {who} {doing:을/를} 거부했습니다: “{detail}”",
        },
        "apply.hint.policy": {
            "en": "your credentials lack the right to change it (policy); use a project member "
            "role that may update ports and security groups",
            "ko": "자격 증명에 이를 바꿀 권한이 없습니다(정책). 포트와 보안 그룹을 변경할 수 "
            "있는 프로젝트 member 역할을 쓰세요",
        },
        "apply.err.400": {
            "en": "Neutron rejected the request for {who}: {detail}{rid}",
            "ko": "Neutron이 {who}에 대한 요청을 거부했습니다: “{detail}”{rid}",
        },
        "apply.hint.400": {
            "en": "this is a kostack bug or an unusual Neutron; report it with the journal "
            "{journal}",
            "ko": "kostack의 버그이거나 흔치 않은 Neutron입니다. 저널 {journal:과/와} 함께 "
            "보고해 주세요",
        },
        "apply.err.5xx": {
            "en": "Neutron failed while {doing} {who}: {detail}{rid}",
            "ko": "{who} {doing} 중 Neutron이 실패했습니다: “{detail}”{rid}",
        },
        "apply.hint.5xx": {
            "en": "see the neutron-server log for the request id, then {resume}",
            "ko": "neutron-server 로그에서 요청 id를 찾아본 다음 {resume}",
        },
        "apply.err.other": {
            "en": "Neutron error while {doing} {who}: {detail}{rid}",
            "ko": "{who} {doing} 중 Neutron 오류: “{detail}”{rid}",
        },
        "apply.rid": {"en": " [request {rid}]", "ko": " [요청 {rid}]"},
        "apply.hint.other": {"en": "{resume}", "ko": "{resume}"},
        "apply.err.unknown-op": {
            "en": "action {id}: unknown operation {operation}",
            "ko": "작업 {id}: 알 수 없는 동작 {operation}",
        },
        "apply.hint.unknown-op": {"en": "plan again", "ko": "계획을 다시 세우세요"},
        "apply.err.undo-conflict": {
            "en": "port {port} ({name}) changed after kostack changed it; not restored, to keep "
            "the other change",
            "ko": "포트 {port}({name})의 상태가 kostack이 바꾼 뒤에 다시 바뀌었습니다. 다른 "
            "변경을 지키려고 복원하지 않았습니다",
        },
        "apply.hint.undo-conflict": {
            "en": "restore it by hand: `{command}`; or run rollback with --force to write the "
            "recorded before-state anyway",
            "ko": "직접 복원하세요: `{command}`. 또는 rollback을 --force와 함께 실행해 기록된 이전 "
            "상태를 그대로 쓰세요",
        },
        "apply.hint.undo-conflict.pairs": {
            "en": "remove kostack's pairs by hand, keeping the other change: `{command}`; or "
            "run rollback with --force to write the recorded before-state anyway (that drops "
            "the other change too)",
            "ko": "다른 변경은 그대로 두고 kostack이 넣은 Pair만 직접 지우세요: `{command}`. 또는 "
            "rollback을 --force와 함께 실행해 기록된 이전 상태를 그대로 쓰세요(다른 변경도 "
            "사라집니다)",
        },
        "apply.applied.item": {"en": "{id} ({who})", "ko": "{id}({who})"},
        "apply.applied.more": {"en": "{names} and {n} more", "ko": "{names} 외 {n}건"},
        "apply.applied": {
            "en": "{n} {n:change/changes} applied before it stopped: {names}",
            "ko": "멈추기 전에 변경 {n}건을 적용했습니다: {names}",
        },
        "apply.applied.resumed": {"en": "{hint}. {done}", "ko": "{hint}. {done}"},
        "apply.applied.next": {
            "en": "{hint}. {done}; to go on from there: `{apply}` (it re-reads each object "
            "first); to undo them: `{rollback}`",
            "ko": "{hint}. {done}. 이어서 하려면: `{apply}`(먼저 각 객체를 다시 읽습니다). "
            "되돌리려면: `{rollback}`",
        },
    }
)


@dataclass(frozen=True)
class Explained:
    """One line for `error:` (names the object) and one for `hint:` (`Msg`s or plain text)."""

    line: str
    hint: str

    def __post_init__(self) -> None:
        # Neutron and keystoneauth messages may span lines: the user gets one line each
        for name in ("line", "hint"):
            value = getattr(self, name)
            if not isinstance(value, Msg):
                object.__setattr__(self, name, _one_line(value))


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def changed_since_planning(target: Target, planned: int | None, current: int | None) -> Explained:
    revs: str = (
        Msg("apply.err.revs", planned=planned, current=current)
        if planned is not None and current is not None
        else ""
    )
    # what was applied before, and how to resume or undo it, is added by with_applied()
    return Explained(
        Msg("apply.err.changed", who=who(target), revs=revs),
        Msg("apply.hint.changed", replan=Msg("apply.replan")),
    )


def unknown_operation(action: Action) -> Explained:
    """A plan action this kostack cannot carry out (a plan written by another version)."""
    return Explained(
        Msg("apply.err.unknown-op", id=action.id, operation=action.operation),
        Msg("apply.hint.unknown-op"),
    )


def undo_conflict(port: str, name: str, command: str, *, pairs_only: bool = False) -> Explained:
    """A port changed by someone else after kostack changed it: rollback leaves it.
    ``pairs_only``: the command removes only kostack's pairs (the other change stays)."""
    hint = "apply.hint.undo-conflict.pairs" if pairs_only else "apply.hint.undo-conflict"
    return Explained(
        Msg("apply.err.undo-conflict", port=port, name=name),
        Msg(hint, command=command),
    )


def _rollback(journal: str) -> str:
    return render(["kostack", "fix", "rollback", journal])


def _apply(journal: str) -> str:
    return render(["kostack", "fix", "apply", "--journal", journal])


def _resume(action: Action, journal: str, undo: bool) -> Msg:
    if undo:
        return Msg("apply.resume.undo", rollback=_rollback(journal))
    return Msg(
        "apply.resume",
        apply=_apply(journal),
        kind=kind_word(action.target.kind),
        rollback=_rollback(journal),
    )


def explain(
    problem: NeutronProblem, action: Action, journal: str, *, undo: bool = False
) -> Explained:
    """The one-line explanation of ``problem`` raised while running (or undoing) ``action``."""
    t, status = problem.error_type, problem.status
    name = _classify(problem)
    params = {
        "who": who(action.target),
        "doing": Msg("apply.doing.undoing" if undo else "apply.doing.updating"),
        "resume": _resume(action, journal, undo),
        "replan": Msg("apply.replan"),
        "message": _one_line(problem.message),
        "type": t or {"412": "Precondition Failed", "404": "Not Found"}.get(name, ""),
        "status": status,
        "journal": journal,
        "rid": Msg("apply.rid", rid=problem.request_id) if problem.request_id else "",
        "command": render(["openstack", "port", "set", "--enable-port-security", action.target.id]),
        "detail": _one_line(
            problem.short() if name == "other" else f"{status} {t} {problem.message}"
        ),
    }
    if name == "412" and undo:  # rollback goes on with the others; run it again for this one
        return Explained(Msg("apply.err.412-undo", **params), Msg("apply.hint.412-undo", **params))
    hint = "changed" if name == "412" else name
    return Explained(Msg(f"apply.err.{name}", **params), Msg(f"apply.hint.{hint}", **params))


_BY_TYPE = {
    "PortSecurityPortHasSecurityGroup": "portsec-sg",
    "AddressPairAndPortSecurityRequired": "pairs-portsec",
    "PortSecurityAndIPRequiredForSecurityGroups": "sg-portsec",
    "SecurityGroupRuleExists": "rule-exists",
    "AllowedAddressPairExhausted": "pair-limit",
}


def _classify(problem: NeutronProblem) -> str:
    """Which message explains ``problem`` (checked most specific first)."""
    t, status = problem.error_type, problem.status
    if problem.kind == ProblemKind.TIMEOUT:
        return "timeout"
    if problem.kind == ProblemKind.CONNECTION:
        return "connection"
    if status == 412 or t == "RevisionNumberConstraintFailed":
        return "412"
    if t in _BY_TYPE:
        return _BY_TYPE[t]
    if t in ("OverQuota", "OverQuotaException") or (
        status == 409 and "quota" in problem.message.lower()
    ):
        return "quota"
    if status == 404:
        return "404"
    if status in (401, 403):
        return "policy"
    if status == 400:
        return "400"
    if status is not None and status >= 500:
        return "5xx"
    return "other"


def with_applied(explained: Explained, applied: list[Action], journal: str) -> Explained:
    """``explained`` with what was already applied, and how to go on or undo it, in the hint.

    A run that stops after changing something must say so: the operator chooses
    between resuming (once the object that stopped it is as planned again) and
    rolling back what was done.
    """
    if not applied:
        return explained
    items = [Msg("apply.applied.item", id=a.id, who=who(a.target)) for a in applied[:5]]
    names: object = items
    if len(applied) > 5:
        names = Msg("apply.applied.more", names=items, n=len(applied) - 5)
    done = Msg("apply.applied", n=len(applied), names=names)
    hint = explained.hint if isinstance(explained.hint, Msg) else explained.hint.rstrip(".")
    if _rollback(journal) in explained.hint:  # already says resume/undo
        return Explained(explained.line, Msg("apply.applied.resumed", hint=hint, done=done))
    return Explained(
        explained.line,
        Msg(
            "apply.applied.next",
            hint=hint,
            done=done,
            apply=_apply(journal),
            rollback=_rollback(journal),
        ),
    )
