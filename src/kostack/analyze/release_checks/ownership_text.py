"""What the volume-ownership evidence says (kostack.analyze.release_checks.ownership), in both languages."""

from __future__ import annotations

from kostack.analyze.messages import register

register(
    {
        "own.release": {"en": "release {rel}", "ko": "릴리스 {rel}"},
        "own.where": {"en": "{obj} (revision {rev})", "ko": "{obj}, 리비전 {rev}"},
        "own.declared": {
            "en": "the manifest of release {rel} declares PersistentVolumeClaim {pvc} ({where})",
            "ko": "릴리스 {rel}의 매니페스트가 PersistentVolumeClaim {pvc:을/를} 선언합니다 ({where})",
        },
        "own.template-labels": {
            "en": "named {pvc}: volumeClaimTemplate '{template}' of StatefulSet {sts} in the "
            "manifest of release {rel} (carries its selector labels {labels})",
            "ko": "이름이 {pvc}: 릴리스 {rel} 매니페스트의 StatefulSet {sts}, volumeClaimTemplate "
            "'{template}'의 이름이며 그 셀렉터 레이블({labels})을 가짐",
        },
        "own.template-lacks": {
            "en": "named {pvc}: volumeClaimTemplate '{template}' of StatefulSet {sts} in the "
            "manifest of release {rel}; but it lacks the labels the StatefulSet controller would "
            "have copied: {labels}",
            "ko": "이름이 {pvc}: 릴리스 {rel} 매니페스트의 StatefulSet {sts}, volumeClaimTemplate "
            "'{template}'의 이름이지만 StatefulSet 컨트롤러가 복사했을 레이블이 없음: {labels}",
        },
        "own.labels-differ": {
            "en": "labels of {pvc} do not match StatefulSet {sts}'s selector",
            "ko": "{pvc}의 레이블이 StatefulSet {sts}의 셀렉터와 맞지 않음",
        },
        "own.ref-in": {
            "en": "owner reference {ref} is in the release",
            "ko": "소유자 참조 {ref:은/는} 릴리스에 있음",
        },
        "own.ref-not-in": {
            "en": "owner reference {ref} is not an object of release {rel}",
            "ko": "소유자 참조 {ref:은/는} 릴리스 {rel}의 객체가 아님",
        },
        "own.ref-not-helm": {
            "en": "owner reference {ref} is not a Helm release",
            "ko": "소유자 참조 {ref:은/는} Helm 릴리스가 아님",
        },
        "own.chart-names-full": {
            "en": "{pvc} is the {role} volume the {chart} chart names for release {release} "
            "(fullname {fullname})",
            "ko": "{pvc:은/는} {chart} 차트가 릴리스 {release}에 붙이는 {role} 볼륨 이름 "
            "(fullname {fullname})",
        },
        "own.chart-names": {
            "en": "{pvc} is the {role} volume the {chart} chart names for release {release}",
            "ko": "{pvc:은/는} {chart} 차트가 릴리스 {release}에 붙이는 {role} 볼륨 이름",
        },
        "own.annotations": {"en": "annotations {annotations}", "ko": "어노테이션 {annotations}"},
        "own.annotations-for": {
            "en": "annotations {annotations}: Helm installed it for release {rel}",
            "ko": "어노테이션 {annotations}: Helm이 릴리스 {rel}의 것으로 설치함",
        },
        "own.annotations-other": {
            "en": "annotations say Helm release {rel} owns it",
            "ko": "어노테이션상 소유자는 Helm 릴리스 {rel}",
        },
        "own.annotation-ns": {
            "en": "annotation {annotation} is not its namespace",
            "ko": "어노테이션 {annotation:은/는} 이 PVC의 네임스페이스가 아님",
        },
        "own.label": {"en": "label {label}", "ko": "레이블 {label}"},
        "own.label-other": {
            "en": "label {label} names another release",
            "ko": "레이블 {label:은/는} 다른 릴리스를 가리킴",
        },
        "own.kept-history": {
            "en": "release {rel} was uninstalled with --keep-history (revision {rev})",
            "ko": "릴리스 {rel:은/는} --keep-history로 제거됨 (리비전 {rev})",
        },
    }
)
