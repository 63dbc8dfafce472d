"""The words of a reinstall plan: why each step, what must still hold, why a claim is left alone,
and the comments of the recovery recipe. English is what JSON output and journals keep."""

from __future__ import annotations

from kostack.analyze.messages import register

register(
    {
        # why each step (ReleaseAction.reason)
        "rel.act.retain": {
            "en": "keep the data of {pvc} when its claim is deleted",
            "ko": "클레임이 삭제되어도 {pvc}의 데이터를 보존",
        },
        "rel.act.restore-policy": {
            "en": "put back reclaim policy {policy} (after the claim is gone this deletes the volume)",
            "ko": "회수 정책을 {policy:으로/로} 되돌림 (클레임이 삭제된 뒤라면 볼륨이 삭제됨)",
        },
        "rel.act.rebind": {
            "en": "recreate {pvc} bound to the retained volume {volume}",
            "ko": "보존된 볼륨 {volume}에 바인딩된 {pvc:을/를} 다시 만듦",
        },
        "rel.act.delete-pvc": {
            "en": "proven volume of {release}",
            "ko": "{release}의 것으로 증명된 볼륨",
        },
        "rel.act.delete-pvc-role": {
            "en": "proven volume of {release} ({role})",
            "ko": "{release}의 것으로 증명된 볼륨({role})",
        },
        "rel.act.install": {
            "en": "install {name} into {namespace} (its own namespace)",
            "ko": "{name:을/를} 전용 네임스페이스 {namespace}에 설치",
        },
        "rel.act.undo-install": {"en": "undo the install", "ko": "설치를 되돌림"},
        "rel.act.wait": {
            "en": "wait for the part the others need",
            "ko": "다른 구성 요소가 의존하는 부분이 준비될 때까지 대기",
        },
        "rel.act.wait-gate": {
            "en": "wait for the part the others need ({gate})",
            "ko": "다른 구성 요소가 의존하는 {gate:이/가} 준비될 때까지 대기",
        },
        "rel.act.judge": {
            "en": "judge {component} only now that what it needs is ready",
            "ko": "의존 대상이 준비된 뒤에야 {component:을/를} 판정",
        },
        # what must still hold (Precondition)
        "rel.pre.newest": {
            "en": "{object} is still the newest revision ({revision}, {status})",
            "ko": "{object:이/가} 여전히 최신 리비전 ({revision}, {status})",
        },
        "rel.pre.no-release": {
            "en": "no release {name} and none of its volumes in {namespace}",
            "ko": "{namespace}에 릴리스 {name}도, 그 볼륨도 없음",
        },
        "rel.pre.absent": {"en": "absent", "ko": "없어야 함"},
        "rel.pre.absent-why": {"en": "absent ({note})", "ko": "없어야 함 ({note})"},
        # why a claim is left alone (LeftAlone.reason)
        "rel.left.belongs": {
            "en": "belongs to release {release}",
            "ko": "릴리스 {release}의 것",
        },
        "rel.left.made-by": {
            "en": "made by release {made} (gone), not {name}",
            "ko": "{name:이/가} 아니라 이미 없는 릴리스 {made:이/가} 만든 것",
        },
        "rel.left.unproven": {
            "en": "looks related but nothing proves it: {evidence}",
            "ko": "관련 있어 보이지만 증명되지 않음: {evidence}",
        },
        "rel.left.no-evidence": {"en": "no evidence", "ko": "증거 없음"},
        "rel.left.no-release": {
            "en": "no Helm release made it",
            "ko": "Helm 릴리스가 만든 것이 아님",
        },
        "rel.left.outside": {
            "en": "in namespace {namespace}, outside this reinstall; {reason}",
            "ko": "이번 재설치 범위 밖의 네임스페이스 {namespace}에 있음; {reason}",
        },
        # the backups of a claim the plan deletes (PlannedPVC.backups); kostack takes none
        "rel.backup.title": {
            "en": "VolumeSnapshots of the claims it deletes (kostack reads them, it never takes one):",
            "ko": "삭제할 클레임의 VolumeSnapshot (kostack은 읽기만 하고 만들지 않음):",
        },
        "rel.backup.one": {
            "en": "VolumeSnapshot {name} of it, {state}, taken {age} ago (restoreSize {size})",
            "ko": "이 클레임의 VolumeSnapshot {name}: {state}, {age} 전에 생성 (restoreSize {size})",
        },
        "rel.backup.ready": {"en": "ready", "ko": "준비됨"},
        "rel.backup.not-ready": {"en": "NOT ready", "ko": "준비되지 않음"},
        "rel.backup.unsaid": {"en": "readiness not reported", "ko": "준비 여부 보고 없음"},
        "rel.backup.none": {
            "en": "no VolumeSnapshot of it",
            "ko": "이 클레임의 VolumeSnapshot 없음",
        },
        "rel.backup.unread": {
            "en": "VolumeSnapshots not read: {why}",
            "ko": "VolumeSnapshot을 읽지 못함: {why}",
        },
        "rel.backup.not-collected": {
            "en": "not collected (the snapshot was taken by a kostack that did not read them)",
            "ko": "수집되지 않음 (VolumeSnapshot을 읽지 않던 kostack이 만든 스냅샷)",
        },
        "rel.backup.no-api": {
            "en": "no VolumeSnapshot API in this cluster (snapshot.storage.k8s.io/v1 is not served)",
            "ko": "이 클러스터에는 VolumeSnapshot API가 없음 (snapshot.storage.k8s.io/v1을 제공하지 않음)",
        },
        "rel.backup.failed": {"en": "{error}. {hint}", "ko": "{error}. {hint}"},
        "rel.backup.not-listed": {
            "en": "kostack lists them where releases are, and did not in {namespace}",
            "ko": "kostack은 릴리스가 있는 네임스페이스에서만 읽으며 {namespace}에서는 읽지 않았음",
        },
        # the recovery recipe's comments
        "rel.recipe.on": {
            "en": "{pvc} ({size}, {role}) is on {volume}: reclaim Retain, status Released",
            "ko": "{pvc} ({size}, {role})의 데이터는 {volume}에 있음: 회수 정책 Retain, 상태 Released",
        },
        "rel.recipe.data": {"en": "data", "ko": "데이터"},
        "rel.recipe.delete": {
            "en": "when the data is no longer needed: {command}{source}",
            "ko": "데이터가 더 필요 없을 때: {command}{source}",
        },
        "rel.recipe.source": {
            "en": " (backing store: {source})",
            "ko": " (실제 저장소: {source})",
        },
    }
)
