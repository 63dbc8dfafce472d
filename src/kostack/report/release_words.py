"""The words of `kostack release check` and `reinstall` in English and Korean.

`t(lang, key, **params)` formats one; a key missing in a language falls
back to English. Used by `kostack.report.release_text` and
`kostack.report.release_plan_text`.
"""

from __future__ import annotations

import string
from typing import Any, Final

from kostack.korean import fill

__all__ = ["INDENT", "OUTPUT_SCHEMA_VERSION", "TEXT", "placeholders", "t"]

OUTPUT_SCHEMA_VERSION: Final = 1
INDENT = "  "

TEXT: Final[dict[str, dict[str, str]]] = {
    "en": {
        "releases": "Helm releases named {name}: {list}.",
        "releases_all": "Helm releases: {list}.",
        "no_releases": "No Helm release named {name} was found.",
        "no_releases_in": "No Helm release named {name} was found in {namespace}.",
        "release_item": "{key} ({chart} {version}, revision {revision} {status})",
        "missing": "no Helm release is named {name}{where}; releases there are: {list}",
        "missing_none": "no Helm release is named {name}{where}; the cluster has no Helm release",
        "missing_where": " in namespace {namespace}",
        "missing_more": "{list} and {n} more",
        "missing_hint": "Give one of those names (and -n NAMESPACE), or run `kostack release check` without a name to check them all.",
        "missing_hint_none": "Install the release first, or check that the kubeconfig's cluster (or the snapshot) is the one it runs in.",
        "no_helm_state": "{path} has no Helm state, and there is no kubeconfig to read the releases from ({default} does not exist)",
        "no_helm_state_hint": "Collect the snapshot where the cluster is reachable (`kostack collect` reads the Helm releases too), or give --kubeconfig FILE to read the releases live. examples/harbor-wrong-namespace.json has Helm state.",
        "more_evidence": "... (+{n}, -v for all)",
        "network_root": "Network: ROOT CAUSE {root} (from the diagnosis).",
        "network_ok": "Network: the diagnosis finds no root cause.",
        "network_unknown": "Network: not judged (no OpenStack/cluster snapshot); chains stop at the application.",
        "chain_fix_network": "Fix the network first (`kostack fix plan`), then check again: `{command}`",
        "next": "What to do:",
        "next_reinstall": "Release {release} failed: reinstall it cleanly (the dry run shows every step; it deletes only the {n} PVCs proven to belong to the releases it removes):",
        "next_save": "keep the values it was installed with first:",
        "next_network_first": "The reinstall refuses to run until DNS and the kubernetes service work from pods: fix the network first (`kostack fix plan`).",
        "next_blocked": "Release {release} failed, but no command that deletes anything is given: {reasons}. kostack deletes a volume only when the release's manifest declares it, it is a claim of the release's StatefulSet with its labels, or Helm's annotations name the release.",
        "next_left_behind": "Release {release} failed and is a copy an install without -n left behind ({newer} of the same chart runs where it belongs): no command that deletes anything is given; removing it is its owner's decision.",
        "volumes": "Volumes of release {name}:",
        "volume_line": "{key}  {size}  {volume}  reclaim {reclaim}  {why}",
        "kept": "kept by helm.sh/resource-policy",
        "sts": "StatefulSet claim (Helm never deletes it)",
        "manifest": "in the manifest",
        "orphan": "release gone",
        "left_alone": "Looks related, not proven (kostack never touches these):",
        "also_ok": "Also checked, ok: {list}.",
        "unknown": "Could not decide (missing data):",
        "gaps": "Not collected:",
        "plan_title": "Reinstall {name} into {ns} with {chart}{mode}",
        "mode_dry": " (dry run: nothing is changed)",
        "mode_apply": "",
        "gate": "Network gate:",
        "removes": "Removes these releases:",
        "pvcs_title": "Deletes exactly these {n} PVCs (of {total} PVCs in {namespaces}; nothing else is touched):",
        "pvcs_none": "Deletes no PVC (none is proven to belong to the release).",
        "pvc_header": "NAMESPACE/NAME|SIZE|AGE|VOLUME|RECLAIM|RELEASE",
        "retain_arrow": "{old} -> Retain",
        "discard": "{old} (deleted with the claim)",
        "left_title": "Left alone ({n}):",
        "warnings": "Warnings:",
        "blocked": "Blocked, nothing will be done:",
        "steps": "Steps:",
        "gate.pass": "pass",
        "gate.fail": "fail",
        "gate.unknown": "unknown",
        "precondition": "precondition: {text}",
        "inverse": "undo: {text}",
        "dry_footer": "Dry run: nothing was changed. Run again with --yes to act.",
        "result_complete": "Reinstall complete.",
        "result_stopped": "Stopped: {reason}",
        "result_failed": "Failed: {reason}",
        "retained": "Retained volumes ({n}): the data stays on them after the claims are gone.",
        "retained_line": "{volume}  ({claim}, {size}, {phase}, reclaim {policy})",
        "recipe": "To get the data of a retained volume back:",
        "journal": "Journal: {path}",
    },
    "ko": {
        "releases": "이름이 {name}인 Helm 릴리스: {list}.",
        "releases_all": "Helm 릴리스: {list}.",
        "no_releases": "이름이 {name}인 Helm 릴리스를 찾지 못했습니다.",
        "no_releases_in": "네임스페이스 {namespace}에서 이름이 {name}인 Helm 릴리스를 찾지 못했습니다.",
        "release_item": "{key} ({chart} {version}, 리비전 {revision} {status})",
        "missing": "{where}이름이 {name}인 Helm 릴리스가 없습니다. 있는 릴리스: {list}",
        "missing_none": "{where}이름이 {name}인 Helm 릴리스가 없습니다. 클러스터에 Helm 릴리스가 하나도 없습니다",
        "missing_where": "네임스페이스 {namespace}에 ",
        "missing_more": "{list} 외 {n}개",
        "missing_hint": "위 이름 중 하나를 주거나(-n NAMESPACE와 함께), 이름 없이 `kostack release check`를 실행해 모두 점검하세요.",
        "missing_hint_none": "먼저 릴리스를 설치하거나, kubeconfig의 클러스터(또는 스냅샷)가 릴리스가 실행되는 곳인지 확인하세요.",
        "no_helm_state": "스냅샷 {path}에는 Helm 상태가 없고, 릴리스를 읽어 올 kubeconfig도 없습니다({default} 파일이 없음)",
        "no_helm_state_hint": "클러스터에 접근할 수 있는 곳에서 스냅샷을 수집하거나(`kostack collect`는 Helm 릴리스도 읽습니다), --kubeconfig FILE로 릴리스를 직접 읽으세요. examples/harbor-wrong-namespace.json에는 Helm 상태가 있습니다.",
        "more_evidence": "... (+{n}, 모두 보려면 -v)",
        "network_root": "네트워크: 근본 원인 {root}(진단 결과).",
        "network_ok": "네트워크: 진단에서 근본 원인을 찾지 못했습니다.",
        "network_unknown": "네트워크: 판단하지 않음(OpenStack/클러스터 스냅샷 없음). 원인 사슬은 애플리케이션에서 멈춥니다.",
        "chain_fix_network": "먼저 네트워크를 고친 뒤(`kostack fix plan`) 다시 점검하세요: `{command}`",
        "next": "조치:",
        "next_reinstall": "릴리스 {release:이/가} 실패했습니다. 깨끗하게 다시 설치하세요(시험 실행이 모든 단계를 보여 주며, 제거하는 릴리스의 것으로 증명된 PVC {n}개만 삭제합니다):",
        "next_save": "먼저 설치할 때 쓴 값을 보관하세요:",
        "next_network_first": "Pod에서 DNS와 kubernetes 서비스가 동작할 때까지 재설치는 거부됩니다. 먼저 네트워크를 고치세요(`kostack fix plan`).",
        "next_blocked": "릴리스 {release:이/가} 실패했지만 무언가를 삭제하는 명령은 제시하지 않습니다: {reasons}. kostack은 릴리스의 매니페스트가 선언했거나, 릴리스 StatefulSet의 레이블을 가진 클레임이거나, Helm 어노테이션이 그 릴리스를 가리키는 볼륨만 삭제합니다.",
        "next_left_behind": "릴리스 {release:은/는} 실패했고 -n 없이 설치하면서 남겨진 사본입니다(같은 차트의 {newer:이/가} 제자리에서 실행 중). 무언가를 삭제하는 명령은 제시하지 않으며, 제거 여부는 소유자가 정할 일입니다.",
        "volumes": "릴리스 {name}의 볼륨:",
        "volume_line": "{key}  {size}  {volume}  회수 정책 {reclaim}  {why}",
        "kept": "helm.sh/resource-policy로 보존",
        "sts": "StatefulSet 클레임(Helm이 삭제하지 않음)",
        "manifest": "매니페스트에 있음",
        "orphan": "릴리스 없음",
        "left_alone": "관련 있어 보이지만 증명되지 않음(kostack은 건드리지 않음):",
        "also_ok": "함께 점검했고 정상: {list}.",
        "unknown": "판단 불가(데이터 없음):",
        "gaps": "수집하지 못함:",
        "plan_title": "{name:을/를} {ns}에 {chart:으로/로} 다시 설치{mode}",
        "mode_dry": "(시험 실행: 아무것도 바꾸지 않음)",
        "mode_apply": "",
        "gate": "네트워크 점검:",
        "removes": "제거할 릴리스:",
        "pvcs_title": "정확히 다음 PVC {n}개만 삭제합니다({namespaces}의 PVC {total}개 중, 그 밖에는 건드리지 않음):",
        "pvcs_none": "삭제할 PVC가 없습니다(릴리스의 것으로 증명된 PVC 없음).",
        "pvc_header": "네임스페이스/이름|크기|생성 후|볼륨|회수 정책|릴리스",
        "retain_arrow": "{old} -> Retain",
        "discard": "{old}(클레임과 함께 삭제)",
        "left_title": "건드리지 않음({n}):",
        "warnings": "주의:",
        "blocked": "차단됨, 아무것도 하지 않습니다:",
        "steps": "단계:",
        "gate.pass": "통과",
        "gate.fail": "실패",
        "gate.unknown": "판단 불가",
        "precondition": "전제 조건: {text}",
        "inverse": "되돌리기: {text}",
        "dry_footer": "시험 실행: 아무것도 바꾸지 않았습니다. 실행하려면 --yes를 붙여 다시 실행하세요.",
        "result_complete": "다시 설치를 마쳤습니다.",
        "result_stopped": "중단됨: {reason}",
        "result_failed": "실패: {reason}",
        "retained": "보존된 볼륨 {n}개: 클레임이 삭제된 뒤에도 데이터가 남아 있습니다.",
        "retained_line": "{volume}  ({claim}, {size}, {phase}, 회수 정책 {policy})",
        "recipe": "보존된 볼륨의 데이터를 되살리려면:",
        "journal": "기록(journal): {path}",
    },
}


def t(lang: str, key: str, /, **params: Any) -> str:
    """The text of `key` in `lang` (English when missing), formatted with `params`."""
    table = TEXT.get(lang, TEXT["en"])
    return fill(table.get(key) or TEXT["en"][key], params)


def placeholders(template: str) -> set[str]:
    """The names a template formats (`{name}`)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
