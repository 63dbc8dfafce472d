"""What the commands themselves say (progress, lab lines, errors they raise), in English and Korean.

Registered in the one catalogue of kostack.analyze.messages (`Msg`), so
`Msg(key, ...)` renders in either language and the i18n tests cover these
keys too. `say(lang, key, ...)` is the text in one language.

Collection reports its steps in English words (kostack.collect cannot use
this catalogue: it sits beside kostack.analyze); `COLLECT_STEPS` gives each
step's Korean, and tests/foundation/test_console.py proves every step the
collectors report is here.
"""

from __future__ import annotations

import re
from typing import Any, Final

from kostack.analyze.messages import Msg, register

__all__ = [
    "COLLECT_STEPS",
    "LAB_STAGES",
    "Msg",
    "collect_step",
    "lab_stage",
    "say",
    "snapshot_error",
]

register(
    {
        "cli.progress.collecting": {"en": "collecting", "ko": "수집 중"},
        "cli.progress.collect_step": {"en": "collecting: {step}", "ko": "수집 중: {step}"},
        "cli.progress.diagnosing": {
            "en": "diagnosing {nodes} nodes, {ports} ports",
            "ko": "진단 중: 노드 {nodes}대, 포트 {ports}개",
        },
        "cli.phase.load": {
            "en": "diagnosing {nodes} nodes, {ports} ports: snapshot read and validated",
            "ko": "진단 중: 노드 {nodes}대, 포트 {ports}개: 스냅샷 읽기와 검증 완료",
        },
        "cli.phase.reading": {"en": "reading the snapshot", "ko": "스냅샷을 읽는 중"},
        "cli.phase.index": {
            "en": "indexing nodes, ports and security groups",
            "ko": "노드, 포트, 보안 그룹 색인",
        },
        "cli.phase.flows": {
            "en": "flow classes: pod to pod across nodes",
            "ko": "흐름 유형: 노드 간 Pod 간 통신",
        },
        "cli.phase.checks": {"en": "checks", "ko": "점검"},
        "cli.phase.causes": {
            "en": "root causes and the paths they explain",
            "ko": "근본 원인과 그 원인이 설명하는 경로",
        },
        "cli.phase.report": {"en": "writing the report", "ko": "보고서 작성"},
        "cli.phase.plan": {
            "en": "planning the fix and checking it by diagnosing the changed snapshot",
            "ko": "해결 계획을 세우고 바뀐 스냅샷을 다시 진단해 확인",
        },
        "cli.progress.planning": {"en": "planning the fix", "ko": "해결 계획을 세우는 중"},
        "cli.progress.verifying": {
            "en": "verifying (OpenStack re-collected, diagnosis re-run)",
            "ko": "검증 중 (OpenStack 재수집, 진단 재실행)",
        },
        "cli.progress.applying": {"en": "applying changes", "ko": "변경 적용 중"},
        "cli.progress.rolling_back": {"en": "rolling back", "ko": "롤백 중"},
        "cli.progress.reading_helm": {
            "en": "reading Helm releases",
            "ko": "Helm 릴리스를 읽는 중",
        },
        "cli.progress.reinstall_step": {
            "en": "reinstalling: {step}",
            "ko": "재설치 중: {step}",
        },
        "cli.progress.probing": {"en": "probing", "ko": "점검 중"},
        "cli.reinstall.stopped": {
            "en": "reinstall stopped: {reason}",
            "ko": "재설치가 중단되었습니다: {reason}",
        },
        "cli.reinstall.stopped-hint": {
            "en": "The journal {path} records every step so far.",
            "ko": "저널 {path}에 지금까지의 모든 단계가 기록되어 있습니다.",
        },
        "cli.reinstall.failed": {
            "en": "reinstall failed: {reason}",
            "ko": "재설치가 실패했습니다: {reason}",
        },
        "cli.reinstall.failed-hint": {
            "en": "Nothing after that step was done; the journal {path} has the details.",
            "ko": "그 단계 이후로는 아무것도 하지 않았습니다. 자세한 내용은 저널 {path}에 있습니다.",
        },
        "cli.progress.probing_lab": {
            "en": "probing from {sources} lab pods",
            "ko": "랩 Pod {sources}개에서 점검 중",
        },
        "cli.progress.probing_lab_done": {
            "en": "probing: {done} of {total} lab pods finished",
            "ko": "점검 중: 랩 Pod {total}개 중 {done}개 완료",
        },
        "cli.progress.lab_up": {"en": "lab up", "ko": "랩 구성 중"},
        "cli.progress.lab_probe": {"en": "lab probe", "ko": "랩 점검 중"},
        "cli.progress.lab_probe_sync": {
            "en": "lab probe: re-reading port security",
            "ko": "랩 점검 중: 포트 보안을 다시 읽는 중",
        },
        "cli.progress.lab_probe_round": {
            "en": "lab probe: the standard probes at once (each waits up to {timeout}s)",
            "ko": "랩 점검 중: 표준 점검을 한꺼번에 실행 중 (각각 최대 {timeout}초 대기)",
        },
        "cli.lab.provisioning": {
            "en": "note: installing the lab's Neutron (neutron 29) into {venv} first: "
            "about 370 MB from PyPI, 1-2 minutes, once",
            "ko": "참고: 랩의 Neutron(neutron 29)을 먼저 {venv}에 설치합니다. "
            "PyPI에서 약 370 MB, 1~2분, 처음 한 번만 걸립니다",
        },
        "cli.progress.lab_stage": {"en": "lab up: {stage}", "ko": "랩 구성 중: {stage}"},
        # `fix apply` when a root cause remains that kostack does not change itself.
        "cli.fix.nothing_automatic": {
            "en": "Nothing for kostack to apply, but {n} root {n:cause remains/causes remain}:",
            "ko": "kostack이 적용할 변경은 없지만 근본 원인 {n}개가 남아 있습니다:",
        },
        "cli.fix.remain": {
            "en": "{n} root {n:cause remains/causes remain}:",
            "ko": "근본 원인 {n}개가 남아 있습니다:",
        },
        "cli.fix.by_hand": {
            "en": "Do by hand ({n} {n:step/steps}; kostack does not run {n:it/them}):",
            "ko": "직접 실행하세요 (단계 {n}개, kostack은 실행하지 않음):",
        },
        "cli.fix.then_verify": {
            "en": "Then check again: `kostack diagnose`.",
            "ko": "그다음 다시 점검하세요: `kostack diagnose`.",
        },
        "cli.fix.no_step": {
            "en": 'kostack has no step for it (see "Not planned" above); `kostack diagnose -v` '
            "shows the evidence.",
            "ko": 'kostack에는 이를 위한 단계가 없습니다 (위의 "Not planned" 참고). '
            "`kostack diagnose -v`가 근거를 보여 줍니다.",
        },
        # No OpenStack credentials at all (kostack.collect.texts says it): how *this* command
        # does without.
        "cli.way.collect": {
            "en": "To collect only the cluster, add --no-openstack.",
            "ko": "클러스터만 수집하려면 --no-openstack을 추가하세요.",
        },
        "cli.way.snapshot": {
            "en": "To run without OpenStack, collect the cluster alone and give that snapshot: "
            "`{collect}`, then `{command}`.",
            "ko": "OpenStack 없이 실행하려면 클러스터만 수집한 스냅샷을 주세요: "
            "`{collect}` 실행 후 `{command}`.",
        },
        "cli.way.fix_apply": {
            "en": "fix apply changes Neutron ports and security groups, so it needs the "
            "cloud's credentials; `{command}` shows the plan without them.",
            "ko": "fix apply는 Neutron 포트와 보안 그룹을 바꾸므로 클라우드 자격 증명이 "
            "필요합니다. 자격 증명 없이 계획만 보려면 `{command}`을 실행하세요.",
        },
        "cli.way.fix_rollback": {
            "en": "fix rollback changes Neutron back, so it needs the credentials of the cloud "
            "the journal was applied to (--os-cloud NAME, or the journal's own cloud).",
            "ko": "fix rollback은 Neutron을 되돌리므로 저널이 적용된 클라우드의 자격 증명이 "
            "필요합니다 (--os-cloud NAME, 또는 저널에 기록된 클라우드).",
        },
        "cli.way.preflight": {
            "en": "To check --network without credentials, give --snapshot FILE "
            "(from `kostack collect --no-kubernetes -o FILE`); "
            "without --network, preflight checks the plan alone.",
            "ko": "자격 증명 없이 --network를 점검하려면 --snapshot FILE을 주세요 "
            "(`kostack collect --no-kubernetes -o FILE`로 수집). "
            "--network 없이 실행하면 preflight는 계획만 점검합니다.",
        },
    }
)

# `kostack probe`'s own errors.
register(
    {
        "cli.probe.not_target": {
            "en": "--egress-target {value} is not HOST:PORT",
            "ko": "--egress-target {value:은/는} HOST:PORT 형식이 아닙니다",
        },
        "cli.probe.target_eg": {
            "en": "e.g. --egress-target 1.1.1.1:443",
            "ko": "예: --egress-target 1.1.1.1:443",
        },
        "cli.probe.unresolved": {
            "en": "cannot resolve --egress-target host {host}: {why}",
            "ko": "--egress-target의 호스트 {host}의 주소를 찾을 수 없습니다: “{why}”",
        },
        "cli.probe.give_ip": {
            "en": "give an IP address: the probe pods are sent addresses, never names",
            "ko": "IP 주소를 주세요. 점검 Pod에는 이름이 아니라 주소만 보냅니다",
        },
        "cli.probe.lab_name": {
            "en": "--lab-name needs --lab",
            "ko": "--lab-name에는 --lab이 필요합니다",
        },
        "cli.probe.add_lab": {"en": "add --lab", "ko": "--lab을 추가하세요"},
        "cli.note.prefix": {"en": "note: ", "ko": "참고: "},
    }
)

# The stages kostack.lab.Lab.up reports (its exact English words) and their Korean.
LAB_STAGES: Final = {
    "provisioning Neutron": "Neutron 설치",
    "starting Neutron": "Neutron 시작",
    "seeding Neutron": "Neutron에 네트워크와 포트 생성",
    "building the network": "네트워크 네임스페이스 구성",
    "writing the scenario into Neutron": "시나리오의 포트 보안을 Neutron에 기록",
    "rendering port security": "포트 보안 규칙 적용",
    "starting the pods' servers": "Pod 서버 시작",
    "serving the cluster": "클러스터 API 시작",
}

# The steps kostack.collect reports (its exact English words) and their Korean.
COLLECT_STEPS: Final = {
    "connecting to OpenStack": "OpenStack 연결",
    "reading Neutron (networks, subnets, routers, ports, security groups)": (
        "Neutron 읽기 (네트워크, 서브넷, 라우터, 포트, 보안 그룹)"
    ),
    "reading Kubernetes": "Kubernetes 읽기",
    "Kubernetes API version": "Kubernetes API 버전",
    "nodes": "노드",
    "pods": "Pod",
    "kubeadm, kubelet and kube-proxy settings": "kubeadm, kubelet, kube-proxy 설정",
    "services and EndpointSlices": "서비스와 EndpointSlice",
    "CNI settings": "CNI 설정",
    "reading Helm releases and volumes": "Helm 릴리스와 볼륨 읽기",
    "reading Octavia (load balancers, listeners, pools, health monitors)": (
        "Octavia 읽기 (로드밸런서, 리스너, 풀, 헬스 모니터)"
    ),
    "Services of type LoadBalancer": "LoadBalancer 유형 서비스",
}


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


def _kind(lang: str, text: str) -> str:
    if lang != "ko":
        return text
    for english, korean in _KINDS_KO:
        if text.startswith(english):
            return korean + text[len(english) :]
    return text


def snapshot_error(lang: str, err: Any, file: str) -> tuple[str, str]:
    """A SnapshotFormatError (kostack.model.load) as (message, hint) in `lang`."""
    if err.key:
        params = {k: _kind(lang, v) for k, v in err.params.items()}
        what = say(lang, f"snapshot.what.{err.key}", **params)
        hint = say(lang, f"snapshot.hint.{err.key}", **err.params)
    else:
        what, hint = err.what, (err.hint if lang == "en" else say(lang, "snapshot.hint.default"))
    if not err.path:
        return say(lang, "snapshot.file", file=file, what=what), hint
    where = err.path
    at_line = re.fullmatch(r"line (\d+) column (\d+)", where)
    if at_line and lang == "ko":
        where = f"{at_line[1]}행 {at_line[2]}열"
    return say(lang, "snapshot.at", file=file, where=where, what=what), hint


def say(lang: str, key: str, **params: object) -> str:
    """The message `key` in `lang`."""
    return Msg(key, **params).render(lang)


def collect_step(lang: str, step: str) -> str:
    """A collection step as the progress line shows it."""
    shown = COLLECT_STEPS.get(step, step) if lang == "ko" else step
    return say(lang, "cli.progress.collect_step", step=shown)


def lab_stage(lang: str, stage: str) -> str:
    """A `lab up` stage as the progress line shows it."""
    shown = LAB_STAGES.get(stage, stage) if lang == "ko" else stage
    return say(lang, "cli.progress.lab_stage", stage=shown)
