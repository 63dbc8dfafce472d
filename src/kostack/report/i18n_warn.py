"""The incident report's words for warnings and for sections with nothing in them.

Merged into ``kostack.report.i18n.MESSAGES`` like the report's other strings
(tests/report/test_i18n_keys.py proves every key exists in every language with
the same placeholders). A section with nothing in it says why in one sentence;
"not everything could be decided" is never said as "healthy".
"""

from __future__ import annotations

WARN_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "rep.h.warnings": "Warnings",
        "rep.title.warnings": " ({n} {n:warning/warnings})",
        "rep.warn.summary": "{title} (not an outage; section {section})",
        "rep.warn.heading": "3.{n} Warning: {title}",
        "rep.warn.not_outage": "a warning, not an outage: `kostack fix plan` leaves it alone",
        "rep.warn.optional": "Optional, to clear this warning (`kostack fix plan` does not make "
        "this change):",
        "rep.warn.more": "... and {n} more alike",
        "rep.warn.title.cidr-overlap-latent": "A pod range overlaps other networks where no pod "
        "has an address yet",
        "rep.warn.title.cilium-health": "Security groups drop Cilium's health probes between nodes",
        "rep.warn.title.calico-ebpf-kube-proxy": "kube-proxy still runs beside Calico's eBPF data "
        "plane",
        "rep.warn.title.lb-two-controllers": "MetalLB and OCCM both serve a Service of type "
        "LoadBalancer",
        "rep.warn.title.antrea-hosts-no-cluster-ip": "The nodes' own connections to ClusterIPs "
        "are served by nothing (Antrea without proxyAll, kube-proxy gone)",
        "rep.warn.title.kube-ovn-no-node-ports": "Nothing serves NodePorts nor the nodes' own "
        "connections to ClusterIPs (Kube-OVN, kube-proxy gone)",
        "rep.warn.title.mtu-pmtud": "The pods' MTU is above the tunnel's: large packets rely on "
        "path MTU discovery",
        "rep.rca.none": "No network root cause: every check was decided, and none found an outage.",
        "rep.rca.none_conditional": "No network root cause holds in every case: {n} conditional "
        "{n:cause depends/causes depend} on what the snapshot does not say (below, each with its "
        "condition, how to tell the cases apart and its fix).",
        "rep.rca.none_unknown": "No network root cause in what was decided, but {n} "
        "{n:check/checks} could not decide (listed in 4.1): what they cover is not known to work.",
        "rep.solution.none": "No outage to fix: no network root cause was found.",
        "rep.solution.undecided": "No fix is proposed: nothing was decided to be broken, but part "
        "of the network could not be decided (section 3). Collect what is missing and diagnose "
        "again.",
        "rep.solution.conditional_only": "No fix holds in every case: nothing was decided to be "
        "broken in every case. Each fix below is only for the case its heading names; section 3 "
        "says how to tell the cases apart.",
        "rep.solution.manual": "kostack has no command for these causes: section 3 says what is "
        "wrong and where.",
        "rep.solution.warnings": "The warnings in section 3 say what deserves a change (with an "
        "optional command where there is one); `kostack fix plan` does not make those changes.",
        "rep.lesson.undecided.title": "Decide what is still open",
        "rep.lesson.undecided": "Part of the network could not be decided from this snapshot: "
        "collect what is missing (sections 3 and 4.1) before calling the cluster healthy, and keep "
        "`kostack diagnose` in CI.",
    },
    "ko": {
        "rep.h.warnings": "경고",
        "rep.title.warnings": " (경고 {n}건)",
        "rep.warn.summary": "{title} (장애 아님, {section}절)",
        "rep.warn.heading": "3.{n} 경고: {title}",
        "rep.warn.not_outage": "장애가 아닌 경고이며 `kostack fix plan`은 이를 건드리지 않습니다",
        "rep.warn.optional": "선택 사항: 이 경고를 없애려면 (`kostack fix plan`은 이 변경을 하지 "
        "않음):",
        "rep.warn.more": "... 같은 경고 {n}건 더",
        "rep.warn.title.cidr-overlap-latent": "Pod 대역이 다른 네트워크와 겹치지만 아직 그 범위에 "
        "주소를 받은 Pod는 없음",
        "rep.warn.title.cilium-health": "보안 그룹이 노드 간 Cilium 헬스 체크를 차단함",
        "rep.warn.title.calico-ebpf-kube-proxy": "Calico eBPF 데이터 플레인과 함께 kube-proxy가 "
        "아직 실행 중임",
        "rep.warn.title.lb-two-controllers": "MetalLB와 OCCM이 같은 LoadBalancer 타입 Service를 "
        "함께 처리함",
        "rep.warn.title.antrea-hosts-no-cluster-ip": "노드 자신의 ClusterIP 연결을 처리하는 것이 "
        "없음 (proxyAll 없는 Antrea, kube-proxy 없음)",
        "rep.warn.title.kube-ovn-no-node-ports": "NodePort와 노드 자신의 ClusterIP 연결을 처리하는 "
        "것이 없음 (Kube-OVN, kube-proxy 없음)",
        "rep.warn.title.mtu-pmtud": "Pod MTU가 터널 MTU보다 커서 큰 패킷은 경로 MTU 탐색(PMTUD)에 "
        "의존함",
        "rep.rca.none": "네트워크 근본 원인이 없습니다: 모든 점검이 판단을 마쳤고 장애를 찾은 점검은 "
        "없습니다.",
        "rep.rca.none_conditional": "모든 경우에 성립하는 네트워크 근본 원인은 없습니다: 조건부 원인 "
        "{n}개가 스냅샷에 없는 정보에 따라 달라집니다(아래에 각각의 조건, 경우를 구별하는 방법, "
        "해결책이 있습니다).",
        "rep.rca.none_unknown": "판단한 범위에서는 네트워크 근본 원인이 없지만 점검 {n}개는 판단하지 "
        "못했습니다(4.1절 목록): 그 부분이 정상인지는 알 수 없습니다.",
        "rep.solution.none": "고칠 장애가 없습니다: 네트워크 근본 원인이 없습니다.",
        "rep.solution.undecided": "제안할 해결책이 없습니다: 고장으로 판단된 것은 없지만 판단하지 "
        "못한 부분이 있습니다(3절). 부족한 정보를 수집해 다시 진단하세요.",
        "rep.solution.conditional_only": "모든 경우에 필요한 해결책은 없습니다: 모든 경우에 고장으로 "
        "판단된 것은 없습니다. 아래 해결책은 각각 제목에 적힌 경우에만 해당하며, 경우를 구별하는 "
        "방법은 3절에 있습니다.",
        "rep.solution.manual": "이 원인들에는 kostack이 제시할 명령이 없습니다: 무엇이 어디서 "
        "잘못됐는지는 3절에 있습니다.",
        "rep.solution.warnings": "3절의 경고는 바꾸는 것이 좋은 부분을 알려 줍니다(명령이 있으면 선택 "
        "사항으로 함께 제시). `kostack fix plan`은 이 변경을 하지 않습니다.",
        "rep.lesson.undecided.title": "아직 열려 있는 부분을 판단한다",
        "rep.lesson.undecided": "이 스냅샷으로는 네트워크의 일부를 판단하지 못했습니다. 클러스터가 "
        "정상이라고 하기 전에 부족한 정보(3절, 4.1절)를 수집하고, CI에 `kostack diagnose`를 두세요.",
    },
}
