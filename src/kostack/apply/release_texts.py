"""What each reinstall step found, and why a run stopped: English in the journal, the run's
language on the screen (`kostack release reinstall --lang ko`)."""

from __future__ import annotations

from kostack.analyze.messages import register

register(
    {
        "rel.out.applied": {"en": "applied", "ko": "적용됨"},
        "rel.out.already": {"en": "already", "ko": "이미 됨"},
        "rel.out.manual": {"en": "manual", "ko": "직접 실행"},
        "rel.out.refused": {"en": "refused", "ko": "거부됨"},
        "rel.out.failed": {"en": "failed", "ko": "실패"},
        "rel.out.skipped": {"en": "skipped", "ko": "건너뜀"},
        "rel.out.interrupted": {"en": "interrupted", "ko": "중단됨"},
        "rel.step.line": {
            "en": "[{step}] {op} {target}: {outcome} - {detail}",
            "ko": "[{step}] {op} {target}: {outcome} - {detail}",
        },
        "rel.int.held": {
            "en": "Ctrl-C: step {step} ({op} {target}) is left to finish: helm runs it in a "
            "session of its own, so it is not cut half done; kostack journals the step and "
            "stops before the next one. Ctrl-C again stops waiting (helm goes on by itself).",
            "ko": "Ctrl-C: {op} {target} 단계({step}번)는 끝까지 실행합니다. helm은 자신만의 세션에서 "
            "실행되므로 도중에 끊기지 않습니다. kostack은 이 단계를 저널에 기록하고 다음 단계 전에 "
            "멈춥니다. 기다리지 않으려면 Ctrl-C를 한 번 더 누르세요 (helm은 혼자 계속 실행됩니다).",
        },
        "rel.step.run": {"en": "run: `{command}`", "ko": "실행: `{command}`"},
        "rel.step.not-automatic": {
            "en": "{op} is not run automatically",
            "ko": "{op:은/는} 자동으로 실행하지 않음",
        },
        "rel.step.pv-gone": {
            "en": "PersistentVolume {name} is gone: its data cannot be kept",
            "ko": "PersistentVolume {name:이/가} 없어져 데이터를 보존할 수 없음",
        },
        "rel.step.retain-already": {
            "en": "reclaim policy is already Retain",
            "ko": "회수 정책이 이미 Retain임",
        },
        "rel.step.pv-changed": {
            "en": "PersistentVolume {name} changed since the plan (resourceVersion {planned} -> "
            "{now}); plan again",
            "ko": "PersistentVolume {name:이/가} 계획 이후에 바뀜 (resourceVersion {planned} -> "
            "{now}); 다시 계획하세요",
        },
        "rel.step.pv-changed-patching": {
            "en": "PersistentVolume {name} changed while patching; plan again",
            "ko": "변경하는 동안 PersistentVolume {name:이/가} 바뀜; 다시 계획하세요",
        },
        "rel.step.policy-after": {
            "en": "reclaim policy is {policy} after the patch",
            "ko": "변경 후에도 회수 정책이 {policy}임",
        },
        "rel.step.policy-set": {
            "en": "reclaim policy {old} -> Retain",
            "ko": "회수 정책 {old} -> Retain",
        },
        "rel.step.no-helm": {"en": "helm is not installed", "ko": "helm이 설치되어 있지 않음"},
        "rel.step.helm-exit": {
            "en": "{what} exited {code}: {stderr}",
            "ko": "{what}의 종료 코드 {code}: {stderr}",
        },
        "rel.step.no-release": {
            "en": "no release {name} in {namespace} (already uninstalled)",
            "ko": "{namespace}에 릴리스 {name:이/가} 없음 (이미 제거됨)",
        },
        "rel.step.configmap-driver": {
            "en": "release {release} is stored in ConfigMaps (HELM_DRIVER=configmap), which the "
            "helm kostack runs does not read, so its claims are not deleted: uninstall it with "
            "`{command}`, then run kostack again",
            "ko": "릴리스 {release:은/는} ConfigMap에 저장되어 있어(HELM_DRIVER=configmap) kostack이 "
            "실행하는 helm이 읽지 못하므로 클레임을 삭제하지 않았습니다: {command:`으로/로} 제거한 뒤 "
            "kostack을 다시 실행하세요",
        },
        "rel.step.release-changed": {
            "en": "release {release} changed since the plan (now {now}); plan again",
            "ko": "릴리스 {release:이/가} 계획 이후에 바뀜 (현재 {now}); 다시 계획하세요",
        },
        "rel.step.records-left": {
            "en": "{n} release records of {name} remain in {namespace}",
            "ko": "{namespace}에 {name}의 릴리스 기록 {n}개가 남아 있음",
        },
        "rel.step.uninstalled": {
            "en": "release {release} uninstalled",
            "ko": "릴리스 {release:을/를} 제거함",
        },
        "rel.step.gone-already": {"en": "already gone", "ko": "이미 없음"},
        "rel.step.other-claim": {
            "en": "{pvc} is another claim now (uid {uid}, planned {planned}); plan again",
            "ko": "{pvc:은/는} 이제 다른 클레임임 (uid {uid}, 계획 시 {planned}); 다시 계획하세요",
        },
        "rel.step.pv-not-retained": {
            "en": "volume {volume} of {pvc} is {policy} again, not Retain: deleting the claim "
            "would delete its data, so it is not deleted; plan again",
            "ko": "{pvc}의 볼륨 {volume:이/가} 다시 Retain이 아니라 {policy}입니다: 클레임을 "
            "삭제하면 데이터도 삭제되므로 삭제하지 않았습니다; 다시 계획하세요",
        },
        "rel.step.pvc-changed": {
            "en": "{pvc} changed since the plan (resourceVersion {planned} -> {now}); plan again",
            "ko": "{pvc:이/가} 계획 이후에 바뀜 (resourceVersion {planned} -> {now}); 다시 "
            "계획하세요",
        },
        "rel.step.pvc-changed-deleting": {
            "en": "{pvc} changed while deleting; plan again",
            "ko": "삭제하는 동안 {pvc:이/가} 바뀜; 다시 계획하세요",
        },
        "rel.step.in-use": {
            "en": "PVC {pvc} is mounted by {users}, not part of release {name}: it is not deleted "
            "(the claim would be taken from under it); stop that pod or plan again",
            "ko": "PVC {pvc:을/를} 릴리스 {name}에 속하지 않은 {users:이/가} 마운트하고 있어 삭제하지 "
            "않았습니다(사용 중인 클레임을 빼앗게 됨); 그 Pod를 멈추거나 다시 계획하세요",
        },
        "rel.step.still-there": {
            "en": "still there after {seconds} s",
            "ko": "{seconds}초 뒤에도 남아 있음",
        },
        "rel.step.still-there-held": {
            "en": "still there after {seconds} s, held by {finalizers}: whatever added that finalizer "
            "must remove it (the claim is deleted then); run kostack again after that",
            "ko": "{seconds}초 뒤에도 남아 있음. {finalizers:이/가} 붙잡고 있습니다: 그 finalizer를 추가한 쪽이 "
            "제거해야 클레임이 삭제됩니다. 그다음 kostack을 다시 실행하세요",
        },
        "rel.step.still-there-mounted": {
            "en": "still there after {seconds} s; still mounted by {users}",
            "ko": "{seconds}초 뒤에도 남아 있음; 아직 {users:이/가} 마운트함",
        },
        "rel.step.deleted": {"en": "deleted and gone", "ko": "삭제되어 없어짐"},
        "rel.step.deleted-volume-gone": {
            "en": "deleted and gone; volume {volume} was deleted with it",
            "ko": "삭제되어 없어짐; 볼륨 {volume}도 함께 삭제됨",
        },
        "rel.step.deleted-volume-kept": {
            "en": "deleted and gone; volume {volume} is {phase} with reclaim {policy}",
            "ko": "삭제되어 없어짐; 볼륨 {volume:은/는} {phase} 상태, 회수 정책 {policy}",
        },
        "rel.step.release-again": {
            "en": "a release {name} exists in {namespace} again; plan again",
            "ko": "{namespace}에 릴리스 {name:이/가} 다시 생김; 다시 계획하세요",
        },
        "rel.step.would-bind": {
            "en": "{pvc} still exists: the install would bind it",
            "ko": "{pvc:이/가} 아직 있어 설치가 그것을 바인딩하게 됨",
        },
        "rel.step.installed": {
            "en": "release {release} installed",
            "ko": "릴리스 {release:을/를} 설치함",
        },
        "rel.step.no-workload-check": {
            "en": "this install has no workload with {selector}",
            "ko": "이번 설치에는 {selector} 워크로드가 없음",
        },
        "rel.step.no-workload": {
            "en": "the install made no workload with {selector} in {namespace}",
            "ko": "설치가 {namespace}에 {selector} 워크로드를 만들지 않음",
        },
        "rel.step.ready": {"en": "ready: {pods}", "ko": "준비됨: {pods}"},
        "rel.step.no-pod": {
            "en": "no pod with {selector} in {namespace} after {seconds} s",
            "ko": "{seconds}초 뒤에도 {namespace}에 {selector} Pod가 없음",
        },
        "rel.step.not-ready": {"en": "not ready: {states}", "ko": "준비되지 않음: {states}"},
        "rel.step.not-ready-although": {
            "en": "{component} is not ready although what it needs is: {states}",
            "ko": "의존 대상은 준비되었는데 {component:이/가} 준비되지 않음: {states}",
        },
        "rel.step.api-error": {
            "en": "Kubernetes API error: HTTP {status} {message}",
            "ko": "Kubernetes API 오류: HTTP {status} {message}",
        },
        "rel.step.api-unreachable": {
            "en": "cannot reach the Kubernetes API ({error})",
            "ko": "Kubernetes API에 연결할 수 없음 ({error})",
        },
        "rel.step.api-deadline": {
            "en": "the Kubernetes API: {message}",
            "ko": "Kubernetes API: {message}",
        },
        "rel.pod.state": {"en": "pod {pod} ({state})", "ko": "Pod {pod} ({state})"},
        "rel.pod.container": {
            "en": "{name}: {reason}, {n} restarts",
            "ko": "{name}: {reason}, 재시작 {n}회",
        },
        # why a run ended early (ApplyResult.reason)
        "rel.run.step-failed": {
            "en": "step {step} ({op} {target}): {detail}",
            "ko": "{step}단계 ({op} {target}): {detail}",
        },
        "rel.run.needs-helm": {
            "en": "step {step} needs helm, which is not installed: run `{command}`, then run this "
            "kostack command again to continue",
            "ko": "{step}단계에는 helm이 필요한데 설치되어 있지 않습니다: `{command}` 명령을 실행한 다음, 이어서 "
            "진행하려면 이 kostack 명령을 다시 실행하세요",
        },
    }
)
