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

from typing import Final

from kostack.analyze.messages import Msg, register

register(
    {
        "cli.progress.collecting": {"en": "collecting", "ko": "수집 중"},
        "cli.progress.collect_step": {"en": "collecting: {step}", "ko": "수집 중: {step}"},
        "cli.progress.diagnosing": {
            "en": "diagnosing {nodes} nodes, {ports} ports",
            "ko": "진단 중: 노드 {nodes}대, 포트 {ports}개",
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
        "cli.progress.probing_lab": {
            "en": "probing from {sources} lab pods",
            "ko": "랩 Pod {sources}개에서 점검 중",
        },
        "cli.progress.probing_lab_done": {
            "en": "probing: {done} of {total} lab pods finished",
            "ko": "점검 중: 랩 Pod {total}개 중 {done}개 완료",
        },
        "cli.progress.lab_up": {"en": "lab up", "ko": "랩 구성 중"},
        "cli.lab.provisioning": {
            "en": "note: installing the lab's Neutron (neutron 29) into {venv} first: "
            "about 370 MB from PyPI, 1-2 minutes, once",
            "ko": "참고: 랩의 Neutron(neutron 29)을 먼저 {venv}에 설치합니다. "
            "PyPI에서 약 370 MB, 1~2분, 처음 한 번만 걸립니다",
        },
        "cli.progress.lab_stage": {"en": "lab up: {stage}", "ko": "랩 구성 중: {stage}"},
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
