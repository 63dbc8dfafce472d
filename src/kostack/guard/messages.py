"""Everything `kostack guard` says, in English and Korean (log lines, Events, reports, errors).

`say(lang, key, **params)` renders one message; Korean particles after a
placeholder are chosen by `kostack.report.i18n.josa` (as `kostack watch`
does). Every key exists in both languages with the same placeholders (a
test proves it).
"""

from __future__ import annotations

from typing import Any

from kostack.catalog import say_in

__all__ = ["MESSAGES", "say"]

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        # ------------------------------------------------------------ start, stop, leader
        "start": "kostack guard {version}: mode {mode}; {source}; a pass every {interval}s "
        "(jitter {jitter}%); metrics on http://{listen}/metrics",
        "source.live": "Neutron and Kubernetes listed live",
        "source.snapshot": "snapshot {path}",
        "start.lease": "leader election: Lease {lease} as {identity}; only the leader writes",
        "start.nolease": "no leader election: run a single guard per cluster",
        "start.journal": "journal {path} ({claims} addition(s) in doubt from earlier runs)",
        "leader.acquired": "{identity} is now the leader and writes",
        "leader.lost": "{identity} is no longer the leader (holder: {holder}); it stops writing",
        "leader.released": "{identity} gave the Lease up and stops writing",
        "stopping": "stopping ({signal})",
        "stopped": "stopped after {passes} pass(es)",
        "healthz": "ok: kostack guard is running",
        "ready.none": "not ready: no pass has read Neutron and Kubernetes yet",
        "ready.stale": "not ready: the last pass that read Neutron and Kubernetes was {age}s ago "
        "(the limit is {limit}s: 3 times the interval plus that pass's duration)",
        "ready.ok": "ready: the last pass read Neutron and Kubernetes {age}s ago",
        "ready.standby": "ready: standby ({holder} is the leader)",
        # ------------------------------------------------------------ passes
        "pass.standby": "pass {n}: standby, {holder} is the leader",
        "pass.clean": "pass {n} ({seconds}s): {ports} port(s) and their groups are as the CNI "
        "needs them",
        "pass.drift": "pass {n} ({seconds}s): drift on {ports} port(s) and {rules} rule(s); "
        "audit mode, nothing changed",
        "pass.fixed": "pass {n} ({seconds}s): {done} change(s) made; the ports are as the CNI "
        "needs them",
        "pass.partial": "pass {n} ({seconds}s): {done} change(s) made, {left} drift item(s) left",
        "pass.held": "pass {n} ({seconds}s): circuit breaker open, nothing changed: {why}",
        "pass.unreachable": "pass {n}: cannot read the cloud or the cluster: {error}; next try "
        "in {delay}s",
        "pass.crashed": "pass {n} failed with an internal error: {error}",
        "pass.stale": "pass {n}: {count} port(s) changed under guard; reading again and "
        "recomputing ({attempt} of {max})",
        "pass.incomplete": "pass {n} ({seconds}s): no drift guard may act on, but the reading "
        "was incomplete",
        # ------------------------------------------------------------ writes
        "write.add": "port {port} ({node}): added allowed pairs {cidrs}",
        "write.remove": "port {port} ({node}): removed guard's pairs {cidrs}",
        "write.tags": "port {port} ({node}): guard's marker tag fixed",
        "write.claimed": "port {port} ({node}): pairs {cidrs} tagged as guard's (the journal "
        "says guard added them)",
        "write.unclaimed": "port {port} ({node}): guard's tags for pairs not on the port "
        "dropped ({cidrs})",
        "write.rule.add": "group {group}: created rule {rule}",
        "write.rule.delete": "group {group}: deleted guard's rule {rule}",
        "write.already": "{target}: already in place ({detail})",
        "write.stale": "{target}: changed since it was read (now revision {revision}); read "
        "again and recomputed",
        "write.stale.412": "{target}: Neutron refused the conditional update ({error}); read "
        "again and recomputed",
        "write.failed": "{target}: the change failed: {error}",
        "write.refused": "{target}: not sent again: Neutron refused the same change to the "
        "port as it is ({error}); guard tries again once the port changes",
        "write.rule.refused": "group {target}: rule {rule}: not sent again, Neutron refused "
        "it ({error}); guard tries it again every {n} passes",
        "write.indoubt": "{target}: no answer ({error}); the next pass reads what happened",
        "write.untagged": "port {target}: pairs added but not tagged ({error}); the journal "
        "claims them and the next pass tags them",
        "deferred": "{n} change(s) held back by the rate limit ({per_minute} per minute); "
        "the next pass makes them",
        "not_leader": "the Lease was lost during the pass: the remaining changes are left to "
        "the new leader",
        # ------------------------------------------------------------ breaker, holds, notes
        "breaker.share": "pairs would change on {changing} of {scope} ports (the limit is "
        "{allowed}: {share}% of the ports, at least {floor})",
        "breaker.removals": "pairs or guard's rules would be removed on {removals} ports and "
        "rules (the limit is {max})",
        "breaker.opened": "circuit breaker open: {why}; guard changes nothing until the drift "
        "is within bounds (mass drift means something else is wrong: check the CNI, the node "
        "list, the cloud)",
        "breaker.closed": "circuit breaker closed: the drift is within bounds again",
        "breaker.state.open": "open",
        "breaker.state.closed": "closed",
        "hold.gaps": "removals held: {n} part(s) of the cloud or the cluster could not be read "
        "(first: {source})",
        "hold.unknown": "removals held: {checks} could not be decided (UNKNOWN)",
        "hold.unmatched": "removals from ports no node uses are held: {n} node(s) are not "
        "matched to a port ({nodes})",
        "hold.tags": "port {port} not changed: it has {tags} tags and Neutron allows 50",
        "portsec.off": "{n} node port(s) have port security off ({nodes}); guard leaves them "
        "(allowed pairs need port security on)",
        "outside": "{n} step(s) of the plan are not guard's to make ({steps}): see "
        "`kostack fix plan`",
        "consent.dsr": "{n} node port(s) lack other nodes' addresses as allowed pairs, which "
        "Calico eBPF DSR's answers carry ({ports}); guard does not add them: they let each "
        "port send as the other nodes, which only `kostack fix plan` and `kostack fix apply` "
        "may consent to",
        "op.add-allowed-pairs": "add-allowed-pairs",
        "op.add-sg-rule": "add-sg-rule",
        "op.disable-port-security": "disable-port-security",
        "op.add-router-routes": "add-router-routes",
        "op.manual": "manual",
        # ------------------------------------------------------------ the --once report
        "report.head": "kostack guard, {mode} mode: {ports} port(s) in scope ({nodes} node(s)).",
        "report.clean": "No drift: every node port and the node security groups are as the CNI "
        "needs them.",
        "report.drift": "Drift on {ports} port(s) and {rules} rule(s):",
        "report.port.add": "port {port} ({node}): add allowed pairs {cidrs}",
        "report.port.remove": "port {port} ({node}): remove guard's pairs {cidrs} ({why})",
        "report.port.held": "port {port} ({node}): guard's pairs {cidrs} are no longer needed "
        "(removal held)",
        "report.port.claim": "port {port} ({node}): tag pairs {cidrs} as guard's (the journal "
        "says guard added them)",
        "report.port.unclaim": "port {port} ({node}): drop guard's tags for pairs not on the "
        "port ({cidrs})",
        "report.rule.add": "group {group}: create {rule}",
        "report.rule.delete": "group {group}: delete guard's {rule} (no longer needed)",
        "report.rule.held": "group {group}: guard's {rule} is no longer needed (deletion held)",
        "report.rule.shared": "group {group}: not creating {rules}: the group also holds {others}, "
        "which the rules would open too; review them with `kostack fix plan`",
        "report.why.left": "no current node uses this port",
        "report.why.unneeded": "the CNI no longer needs them",
        "report.service": "(service CIDR, by policy)",
        "report.why": "why: {reason}",
        "report.why.pairs": "pods on {node} send from {cidrs}, which Neutron's anti-spoofing "
        "drops without a pair",
        "report.breaker": "Circuit breaker: {state} ({changing} of {scope} ports would change; "
        "the limit is {allowed}; removals on {removals}, the limit is {max}).",
        "report.audit": "Nothing was changed (audit mode). To fix: `{command}`",
        "report.done": "Changes: {applied} made, {already} already in place, {failed} failed, "
        "{deferred} held back by the rate limit.",
        "report.unreachable": "Could not read the cloud or the cluster: {error}",
        "report.standby": "Standby: {holder} is the leader.",
        "report.remaining": "Still to do after this pass: {items} drift item(s).",
        "none": "none",
        "unknown_node": "no node",
        "mode.audit": "audit",
        "mode.enforce": "enforce",
        # ------------------------------------------------------------ Events
        "event.pairs.added": "kostack guard added allowed address pairs {cidrs} to this node's "
        "port {port}.",
        "event.pairs.removed": "kostack guard removed its allowed address pairs {cidrs} from port "
        "{port} ({why}).",
        "event.drift": "kostack guard (audit mode): this node's port {port} lacks allowed pairs "
        "{cidrs}; pods on it cannot talk across nodes. `kostack guard --once --mode enforce` "
        "or `kostack fix plan` fixes it.",
        "event.consent.dsr": "kostack guard: this node's port {port} lacks allowed pairs {cidrs}, "
        "other nodes' addresses, which Calico eBPF DSR's answers carry; guard does not add "
        "them (they let the port send as those nodes): review `kostack fix plan`, then "
        "`kostack fix apply`, or go back to Tunnel.",
        "event.breaker.open": "kostack guard: circuit breaker open, nothing changed: {why}.",
        "event.breaker.closed": "kostack guard: circuit breaker closed; guarding again.",
        "event.leader": "kostack guard: {identity} is the leader.",
        # ------------------------------------------------------------ errors
        "error.extra": "kostack guard needs the optional dependency prometheus-client "
        "(the extra kostack[guard])",
        "hint.extra": "install it: `pip install 'kostack[guard]'`",
        "error.snapshot": "--snapshot works only with --mode audit",
        "hint.snapshot": "guard changes the cloud it lists: drop --snapshot to enforce",
        "error.snapshot.missing": "--snapshot {path}: no such file",
        "hint.snapshot.missing": "give a snapshot file (`kostack collect -o FILE`)",
        "error.lease": "--lease {text!r} is not NAMESPACE/NAME",
        "hint.lease": "e.g. --lease kostack/kostack-guard, or --no-lease for a single guard",
        "error.deployment": "--deployment {text!r} is not NAMESPACE/NAME",
        "hint.deployment": "e.g. --deployment kostack/kostack-guard",
    },
    "ko": {
        "start": "kostack guard {version}: {mode} 모드; {source}; {interval}초마다 한 번 점검"
        "(지터 {jitter}%), 메트릭은 http://{listen}/metrics",
        "source.live": "Neutron과 Kubernetes를 실시간으로 조회",
        "source.snapshot": "스냅샷 {path}",
        "start.lease": "리더 선출: Lease {lease}, 식별자 {identity}; 리더만 변경합니다",
        "start.nolease": "리더 선출 없음: 클러스터마다 guard를 하나만 실행하세요",
        "start.journal": "저널 {path} (이전 실행에서 결과가 불확실한 추가 {claims}건)",
        "leader.acquired": "{identity} 인스턴스가 리더가 되어 변경을 맡습니다",
        "leader.lost": "{identity} 인스턴스는 더 이상 리더가 아닙니다(현재 리더: {holder}). "
        "변경을 멈춥니다",
        "leader.released": "{identity} 인스턴스가 Lease를 내려놓고 변경을 멈춥니다",
        "stopping": "종료합니다({signal})",
        "stopped": "점검 {passes}회를 마치고 종료했습니다",
        "healthz": "정상: kostack guard가 실행 중입니다",
        "ready.none": "준비 안 됨: 아직 Neutron과 Kubernetes를 읽은 점검이 없습니다",
        "ready.stale": "준비 안 됨: Neutron과 Kubernetes를 마지막으로 읽은 점검이 {age}초 "
        "전입니다 (한도 {limit}초: 주기 간격과 그 점검의 소요 시간을 더한 값의 3배)",
        "ready.ok": "준비됨: {age}초 전에 Neutron과 Kubernetes를 읽었습니다",
        "ready.standby": "준비됨: 대기 중 (리더: {holder})",
        "pass.standby": "{n}번째 점검: 대기 중, 리더는 {holder}입니다",
        "pass.clean": "{n}번째 점검({seconds}초): 포트 {ports}개와 보안 그룹이 CNI에 필요한 "
        "상태입니다",
        "pass.drift": "{n}번째 점검({seconds}초): 포트 {ports}개와 규칙 {rules}개가 어긋나 "
        "있습니다. 감사(audit) 모드이므로 변경하지 않았습니다",
        "pass.fixed": "{n}번째 점검({seconds}초): {done}건을 변경해 포트가 CNI에 필요한 "
        "상태가 되었습니다",
        "pass.partial": "{n}번째 점검({seconds}초): {done}건을 변경했고 {left}건이 남았습니다",
        "pass.held": "{n}번째 점검({seconds}초): 회로 차단기가 열려 아무것도 변경하지 "
        "않았습니다: {why}",
        "pass.unreachable": "{n}번째 점검: 클라우드나 클러스터를 읽을 수 없습니다: {error}. "
        "{delay}초 뒤에 다시 시도합니다",
        "pass.crashed": "{n}번째 점검이 내부 오류로 실패했습니다: {error}",
        "pass.stale": "{n}번째 점검: 점검 중에 포트 {count}개가 바뀌었습니다. 다시 읽고 "
        "다시 계산합니다({attempt}/{max})",
        "pass.incomplete": "{n}번째 점검({seconds}초): 조치할 차이는 없지만 일부 정보를 읽지 "
        "못했습니다",
        "write.add": "포트 {port}({node}): Allowed Address Pair {cidrs} 추가",
        "write.remove": "포트 {port}({node}): guard가 추가했던 쌍 {cidrs} 제거",
        "write.tags": "포트 {port}({node}): guard 표시 태그 정리",
        "write.claimed": "포트 {port}({node}): 쌍 {cidrs}에 guard 소유 태그 추가(저널에 guard가 "
        "추가한 기록이 있음)",
        "write.unclaimed": "포트 {port}({node}): 포트에 없는 쌍의 guard 태그 제거({cidrs})",
        "write.rule.add": "보안 그룹 {group}: 규칙 생성 - {rule}",
        "write.rule.delete": "보안 그룹 {group}: guard가 만든 규칙 삭제 - {rule}",
        "write.already": "{target}: 이미 반영되어 있습니다({detail})",
        "write.stale": "{target}: 읽은 뒤에 바뀌었습니다(현재 revision {revision}). 다시 읽고 "
        "다시 계산합니다",
        "write.stale.412": "{target}: Neutron이 조건부 변경을 거부했습니다({error}). 다시 읽고 "
        "다시 계산합니다",
        "write.failed": "{target}: 변경 실패: {error}",
        "write.refused": "{target}: 다시 보내지 않음: Neutron이 지금 상태의 포트에 대한 같은 "
        "변경을 거부했습니다({error}). 포트가 바뀌면 다시 시도합니다",
        "write.rule.refused": "그룹 {target}: 규칙 {rule:을/를} 다시 보내지 않음: Neutron이 "
        "거부했습니다({error}). {n}번의 점검마다 다시 시도합니다",
        "write.indoubt": "{target}: 응답이 없습니다({error}). 다음 점검에서 결과를 확인합니다",
        "write.untagged": "포트 {target}: 쌍은 추가했지만 태그를 달지 못했습니다({error}). "
        "저널에 기록해 두었고 다음 점검에서 태그를 답니다",
        "deferred": "분당 {per_minute}건 제한 때문에 {n}건을 미뤘습니다. 다음 점검에서 처리합니다",
        "not_leader": "점검 중에 Lease를 잃었습니다. 남은 변경은 새 리더가 맡습니다",
        "breaker.share": "포트 {scope}개 중 {changing}개의 쌍이 바뀌게 됩니다 (한도 {allowed}개: "
        "포트의 {share}%, 최소 {floor}개)",
        "breaker.removals": "포트와 규칙 {removals}개에서 쌍이나 guard의 규칙이 제거됩니다 "
        "(한도 {max}개)",
        "breaker.opened": "회로 차단기 열림: {why}. 차이가 한도 안으로 돌아올 때까지 아무것도 "
        "변경하지 않습니다 (대규모 차이는 다른 문제의 신호입니다: CNI, 노드 목록, 클라우드를 "
        "확인하세요)",
        "breaker.closed": "회로 차단기 닫힘: 차이가 다시 한도 안에 있습니다",
        "breaker.state.open": "열림",
        "breaker.state.closed": "닫힘",
        "hold.gaps": "제거 보류: 클라우드나 클러스터의 {n}개 항목을 읽지 못했습니다 "
        "(첫 번째: {source})",
        "hold.unknown": "제거 보류: {checks} 항목을 판단할 수 없습니다(UNKNOWN)",
        "hold.unmatched": "노드가 쓰지 않는 포트에서의 제거 보류: 노드 {n}대를 포트와 연결하지 "
        "못했습니다({nodes})",
        "hold.tags": "포트 {port:은/는} 변경하지 않았습니다: 태그가 {tags}개이고 Neutron은 50개까지 "
        "허용합니다",
        "portsec.off": "노드 포트 {n}개의 포트 보안이 꺼져 있습니다({nodes}). Allowed Address Pair에는 "
        "포트 보안이 필요하므로 guard는 이 포트를 건드리지 않습니다",
        "outside": "계획 중 {n}단계는 guard가 하지 않습니다({steps}): `kostack fix plan`을 "
        "참고하세요",
        "consent.dsr": "노드 포트 {n}개에 Calico eBPF DSR 응답에 실리는 다른 노드 주소가 Allowed "
        "Address Pair로 없습니다({ports}). guard는 이를 추가하지 않습니다: 각 포트가 다른 노드의 "
        "주소로 보낼 수 있게 되므로 `kostack fix plan`과 `kostack fix apply`로만 동의할 수 "
        "있습니다",
        "op.add-allowed-pairs": "Allowed Address Pair 추가",
        "op.add-sg-rule": "보안 그룹 규칙 추가",
        "op.disable-port-security": "포트 보안 끄기",
        "op.add-router-routes": "라우터 경로 추가",
        "op.manual": "수동 단계",
        "report.head": "kostack guard, {mode} 모드: 점검 대상 포트 {ports}개 (노드 {nodes}대).",
        "report.clean": "차이 없음: 모든 노드 포트와 노드 보안 그룹이 CNI에 필요한 상태입니다.",
        "report.drift": "포트 {ports}개와 규칙 {rules}개가 어긋나 있습니다:",
        "report.port.add": "포트 {port}({node}): Allowed Address Pair 추가 - {cidrs}",
        "report.port.remove": "포트 {port}({node}): guard가 추가한 쌍 {cidrs} 제거({why})",
        "report.port.held": "포트 {port}({node}): guard가 추가한 쌍 {cidrs:은/는} 더 이상 필요 "
        "없습니다(제거 보류)",
        "report.port.claim": "포트 {port}({node}): 쌍 {cidrs}에 guard 소유 태그 추가(저널에 "
        "guard가 추가한 기록이 있음)",
        "report.port.unclaim": "포트 {port}({node}): 포트에 없는 쌍의 guard 태그 제거({cidrs})",
        "report.rule.add": "보안 그룹 {group}: 생성 - {rule}",
        "report.rule.delete": "보안 그룹 {group}: guard가 만든 규칙 삭제(더 이상 필요 없음) - "
        "{rule}",
        "report.rule.held": "보안 그룹 {group}: guard가 만든 규칙이 더 이상 필요 없습니다"
        "(삭제 보류) - {rule}",
        "report.rule.shared": "보안 그룹 {group}: 규칙을 만들지 않습니다 - {rules}. 이 그룹에는 "
        "{others}도 있어 규칙이 이들에게도 열립니다. `kostack fix plan`으로 검토하세요",
        "report.why.left": "이 포트를 쓰는 노드가 없습니다",
        "report.why.unneeded": "CNI에 더 이상 필요하지 않습니다",
        "report.service": "(서비스 CIDR, 정책에 따라 추가)",
        "report.why": "이유: {reason}",
        "report.why.pairs": "{node}의 Pod가 {cidrs} 주소로 트래픽을 보내는데, Allowed Address Pair가 "
        "없으면 Neutron의 스푸핑 방지(anti-spoofing)가 이를 차단합니다",
        "report.breaker": "회로 차단기: {state} (포트 {scope}개 중 {changing}개 변경 예정, 한도 "
        "{allowed}개; 제거 {removals}건, 한도 {max}건).",
        "report.audit": "감사(audit) 모드이므로 아무것도 변경하지 않았습니다. 고치려면: `{command}`",
        "report.done": "변경: {applied}건 완료, {already}건은 이미 반영됨, {failed}건 실패, "
        "{deferred}건은 속도 제한으로 미룸.",
        "report.unreachable": "클라우드나 클러스터를 읽지 못했습니다: {error}",
        "report.standby": "대기 중: 리더는 {holder}입니다.",
        "report.remaining": "이번 점검 뒤에도 남은 차이: {items}건.",
        "none": "없음",
        "unknown_node": "노드 없음",
        "mode.audit": "감사(audit)",
        "mode.enforce": "강제(enforce)",
        "event.pairs.added": "kostack guard가 이 노드의 포트 {port}에 Allowed Address Pair {cidrs:을/를} "
        "추가했습니다.",
        "event.pairs.removed": "kostack guard가 포트 {port}에서 자신이 추가한 Allowed Address Pair "
        "{cidrs:을/를} 제거했습니다({why}).",
        "event.drift": "kostack guard(감사 모드): 이 노드의 포트 {port}에 Allowed Address Pair {cidrs:이/가} "
        "없어 이 노드의 Pod가 다른 노드와 통신할 수 없습니다. `kostack guard --once --mode "
        "enforce` 또는 `kostack fix plan`으로 고칠 수 있습니다.",
        "event.consent.dsr": "kostack guard: 이 노드의 포트 {port}에 Calico eBPF DSR 응답에 실리는 "
        "다른 노드 주소 {cidrs:이/가} Allowed Address Pair로 없습니다. guard는 이를 추가하지 "
        "않습니다(포트가 그 노드들의 주소로 보낼 수 있게 됨): `kostack fix plan`을 검토한 뒤 "
        "`kostack fix apply`를 실행하거나 Tunnel로 되돌리세요.",
        "event.breaker.open": "kostack guard: 회로 차단기가 열려 아무것도 변경하지 않았습니다: "
        "{why}.",
        "event.breaker.closed": "kostack guard: 회로 차단기가 닫혀 다시 감시합니다.",
        "event.leader": "kostack guard: 리더는 {identity}입니다.",
        "error.extra": "kostack guard에는 선택 의존성 prometheus-client(추가 기능 "
        "kostack[guard])가 필요합니다",
        "hint.extra": "설치하세요: `pip install 'kostack[guard]'`",
        "error.snapshot": "--snapshot은 --mode audit과 함께만 쓸 수 있습니다",
        "hint.snapshot": "guard는 조회한 클라우드를 변경합니다. 강제(enforce)하려면 "
        "--snapshot을 빼세요",
        "error.snapshot.missing": "--snapshot {path}: 파일이 없습니다",
        "hint.snapshot.missing": "스냅샷 파일을 지정하세요 (`kostack collect -o FILE`)",
        "error.lease": "--lease 값 {text!r}: NAMESPACE/NAME 형식이 아닙니다",
        "hint.lease": "예: --lease kostack/kostack-guard, guard를 하나만 실행하면 --no-lease",
        "error.deployment": "--deployment 값 {text!r}: NAMESPACE/NAME 형식이 아닙니다",
        "hint.deployment": "예: --deployment kostack/kostack-guard",
    },
}


def say(lang: str, key: str, **params: Any) -> str:
    """Message ``key`` in ``lang`` (English when ``lang`` is not known)."""
    return say_in(MESSAGES, lang, key, params)
