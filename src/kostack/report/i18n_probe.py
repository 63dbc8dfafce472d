"""The probe report's strings (`kostack probe`, `kostack diagnose --active`), English and Korean.

Merged into ``kostack.report.i18n.MESSAGES``; tests prove every key exists in
every language with the same placeholders.
"""

from __future__ import annotations

PROBE_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "probe.l.probes": "Probes:",
        "probe.confirmed": "confirmed by {n} failing probes: {examples}{more}",
        "probe.more": " (+{n} more)",
        "probe.section": (
            "PROBES  {n} probes from {sources} nodes ({runner}): {as_predicted} as the model predicts, "
            "{confirmed} confirm a root cause, {mismatches} MODEL MISMATCH"
        ),
        "probe.n_undecided": "{n} the model could not decide",
        "probe.n_not_run": "{n} could not run",
        "probe.mismatch": "MODEL MISMATCH  {label} from {source} to {target}",
        "probe.mismatch_model": "model:  {prediction}",
        "probe.mismatch_probe": "probe:  {verdict}: {detail}",
        "probe.mismatch_hint": (
            "The snapshot and the network disagree: something the snapshot does not show "
            "(or shows wrongly) decides this flow. Re-collect, or look at the hop above."
        ),
        "probe.contrast": "Why some probes pass and others fail, from pods on {node}{same}:",
        "probe.contrast_same": " (same on {n} other nodes)",
        "probe.works": "works: {label} to {target}: {why}",
        "probe.fails": "fails: {label} to {target}: {why}",
        "probe.clusterip": (
            "ping {ip} from {n} pods: {what}. Not a symptom: a ClusterIP is a virtual IP; what a "
            "ping gets back depends on the proxy mode and says nothing about the service."
        ),
        "probe.clusterip_none": "no reply",
        "probe.clusterip_some": "replies from {n} (in IPVS mode the node itself answers)",
        "probe.undecided": "Undecided by the model (the probe tells): {items}",
        "probe.not_run": "Could not run: {n} probes ({why})",
        "probe.pred.open": "open",
        "probe.pred.blocked": "blocked at {where}: {detail}",
        "probe.pred.blocked_short": "blocked ({cause})",
        "probe.pred.no-reply-expected": "not judged (virtual IP: proves nothing)",
        "probe.pred.partial": "some endpoints blocked ({cause})",
        "probe.pred.intermittent": "some connections blocked, by their source port ({cause}): "
        "a probe may pass or fail",
        "probe.pred.unknown": "undecided",
        "probe.timed_out": "timed out",
        "probe.round": (
            "Probe round: {n} probes from {sources} of {nodes} nodes ({classes} node classes) in {seconds:.2f} s, "
            "{timeout:g} s timeout per probe (runner: {runner})"
        ),
        "probe.plan": (
            "Probe plan: {n} probes from {sources} of {nodes} nodes ({classes} node classes), "
            "{timeout:g} s timeout per probe. Predictions are the static model's."
        ),
        "probe.dry_run": ("Dry run: nothing was sent. Add --yes to run these probes ({what})."),
        "probe.dry_run_lab": "in the lab's pod namespaces",
        "probe.dry_run_k8s": (
            "creates namespace kostack-probe-*, {pods} pods with image {image}, deleted afterwards"
        ),
        "probe.col.source": "SOURCE",
        "probe.col.target": "TARGET",
        "probe.col.probe": "PROBE",
        "probe.col.result": "RESULT",
        "probe.col.model": "MODEL",
        "probe.col.time": "TIME",
        "probe.res.pass": "pass",
        "probe.res.fail": "FAIL",
        "probe.res.error": "error",
        "probe.res.skipped": "skipped",
        "probe.res.expected": "not judged (virtual IP)",
        "probe.agree.mismatch": "MODEL MISMATCH",
        "probe.summary": (
            "{passed} passed, {failed} failed, {expected} not judged (virtual IP), {other} could not run; "
            "{mismatches} model mismatches"
        ),
        "probe.notes": "Notes:",
        "probe.problems": "Problems while probing:",
    },
    "ko": {
        "probe.l.probes": "점검:",
        "probe.confirmed": "실패한 점검 {n}개가 확인함: {examples}{more}",
        "probe.more": " (외 {n}개)",
        "probe.section": (
            "점검  노드 {sources}대에서 {n}개 ({runner}): 모델 예측과 일치 {as_predicted}개, "
            "근본 원인 확인 {confirmed}개, 모델 불일치(MODEL MISMATCH) {mismatches}개"
        ),
        "probe.n_undecided": "모델이 판단하지 못한 것 {n}개",
        "probe.n_not_run": "실행하지 못한 것 {n}개",
        "probe.mismatch": "모델 불일치(MODEL MISMATCH)  {source}에서 {target:으로/로} {label}",
        "probe.mismatch_model": "모델:    {prediction}",
        "probe.mismatch_probe": "점검:  {verdict}: {detail}",
        "probe.mismatch_hint": (
            "스냅샷과 실제 네트워크가 다릅니다: 스냅샷에 없거나 잘못 담긴 무언가가 이 흐름을 결정합니다. "
            "다시 수집하거나 위의 홉을 확인하세요."
        ),
        "probe.contrast": "{node}의 Pod에서 어떤 점검은 통과하고 어떤 점검은 실패하는 이유{same}:",
        "probe.contrast_same": " (다른 노드 {n}대도 같음)",
        "probe.works": "통과: {target:으로/로} {label}: {why}",
        "probe.fails": "실패: {target:으로/로} {label}: {why}",
        "probe.clusterip": (
            "Pod {n}개에서 ping {ip}: {what}. 증상이 아닙니다: ClusterIP는 가상 IP이므로 ping 결과는 "
            "프록시 모드에 따라 다르고 서비스 상태에 대해 아무것도 말해 주지 않습니다."
        ),
        "probe.clusterip_none": "응답 없음",
        "probe.clusterip_some": "{n}개에서 응답 (IPVS 모드에서는 노드 자신이 응답)",
        "probe.undecided": "모델이 판단하지 못함 (점검 결과 참고): {items}",
        "probe.not_run": "실행하지 못함: 점검 {n}개 ({why})",
        "probe.pred.open": "통과",
        "probe.pred.blocked": "{where}에서 차단: {detail}",
        "probe.pred.blocked_short": "차단 ({cause})",
        "probe.pred.no-reply-expected": "판단하지 않음 (가상 IP: 아무것도 증명하지 않음)",
        "probe.pred.partial": "일부 엔드포인트 차단 ({cause})",
        "probe.pred.intermittent": "출발지 포트에 따라 일부 연결 차단 ({cause}): 점검은 통과할 수도 "
        "실패할 수도 있음",
        "probe.pred.unknown": "판단 불가",
        "probe.timed_out": "시간 초과",
        "probe.round": (
            "점검 라운드: 노드 {nodes}대 중 {sources}대에서 {n}개 ({classes}개 노드 클래스), {seconds:.2f}초, "
            "점검당 제한 시간 {timeout:g}초 (실행기: {runner})"
        ),
        "probe.plan": (
            "점검 계획: 노드 {nodes}대 중 {sources}대에서 {n}개 ({classes}개 노드 클래스), "
            "점검당 제한 시간 {timeout:g}초. 예측은 정적 모델의 결과입니다."
        ),
        "probe.dry_run": "시험 실행: 아무것도 보내지 않았습니다. 실행하려면 --yes를 추가하세요 ({what}).",
        "probe.dry_run_lab": "랩의 Pod 네임스페이스에서 실행",
        "probe.dry_run_k8s": (
            "kostack-probe-* 네임스페이스와 이미지 {image}의 Pod {pods}개를 만들고, 끝나면 삭제"
        ),
        "probe.col.source": "출발",
        "probe.col.target": "대상",
        "probe.col.probe": "점검",
        "probe.col.result": "결과",
        "probe.col.model": "모델",
        "probe.col.time": "시간",
        "probe.res.pass": "통과",
        "probe.res.fail": "실패",
        "probe.res.error": "오류",
        "probe.res.skipped": "건너뜀",
        "probe.res.expected": "판단하지 않음 (가상 IP)",
        "probe.agree.mismatch": "모델 불일치",
        "probe.summary": (
            "통과 {passed}, 실패 {failed}, 판단하지 않음(가상 IP) {expected}, 실행 못 함 {other}; "
            "모델 불일치 {mismatches}"
        ),
        "probe.notes": "참고:",
        "probe.problems": "점검 중 문제:",
    },
}
