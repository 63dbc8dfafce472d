"""What the commands themselves say (progress, errors they raise), in English and Korean.

Registered in the one catalogue of kostack.analyze.messages (`Msg`), so
`Msg(key, ...)` renders in either language and the i18n tests cover these
keys too. `say(lang, key, ...)` is the text in one language.

Collection reports its steps in English words (kostack.collect cannot use
this catalogue: it sits beside kostack.analyze); `COLLECT_STEPS` gives each
step's Korean, and tests/foundation/test_console.py proves every step the
collectors report is here.
"""

from __future__ import annotations

from typing import Final

from kostack.analyze.messages import Msg, register
from kostack.snapshot_words import snapshot_error

__all__ = [
    "COLLECT_STEPS",
    "Msg",
    "collect_step",
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
        "cli.reinstall.values-unread": {
            "en": "cannot read the values file {path}: {why}",
            "ko": "values 파일 {path:을/를} 읽을 수 없습니다: {why}",
        },
        "cli.reinstall.values-not-map": {
            "en": "the values file {path} is not a YAML map",
            "ko": "values 파일 {path:은/는} YAML 맵이 아닙니다",
        },
        "cli.reinstall.values-hint": {
            "en": "Give a YAML values file.",
            "ko": "YAML values 파일을 주세요.",
        },
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
            "필요합니다. 자격 증명 없이 계획만 보려면 {command:`을/를} 실행하세요.",
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
        "cli.release.network-unjudged": {
            "en": "note: network not judged: {why}",
            "ko": "참고: 네트워크는 판단하지 않았습니다: {why}",
        },
    }
)

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
    "MetalLB and kube-vip": "MetalLB와 kube-vip",
    "egress IPs (Antrea Egress, Cilium egress gateway)": "egress IP(Antrea Egress, Cilium egress gateway)",
    "reading Helm releases and volumes": "Helm 릴리스와 볼륨 읽기",
    "reading Octavia (load balancers, listeners, pools, health monitors)": (
        "Octavia 읽기 (로드밸런서, 리스너, 풀, 헬스 모니터)"
    ),
    "Services of type LoadBalancer": "LoadBalancer 유형 서비스",
}


def say(lang: str, key: str, **params: object) -> str:
    """The message `key` in `lang`."""
    return Msg(key, **params).render(lang)


def collect_step(lang: str, step: str) -> str:
    """A collection step as the progress line shows it."""
    shown = COLLECT_STEPS.get(step, step) if lang == "ko" else step
    return say(lang, "cli.progress.collect_step", step=shown)
