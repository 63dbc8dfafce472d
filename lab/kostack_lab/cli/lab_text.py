"""What `kostack lab ...` prints, in English and Korean: the catalogue of kostack_lab.cli.lab's lines.

Registered in the one catalogue (kostack.analyze.messages' `Msg`), with
particles from kostack.korean and terms from docs/ko-glossary.md. What the
lab itself words (its errors, probe details, warnings: keyed in
kostack_lab.texts and texts_status) kostack_lab.cli.lab_errors renders. The scenarios' one-line descriptions live with the
scenarios (kostack_lab.scenarios, English); their Korean is here,
`SCENARIOS_KO`, and tests/foundation/test_korean_lab.py proves every
scenario has one. Commands printed to paste stay commands (in backticks,
or whole `export ...` lines).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from kostack.analyze.messages import Msg, register
from kostack.report.cells import pad, wrap
from kostack.shell import as_code, render
from kostack_lab.cli.lab_errors import detail, problem

if TYPE_CHECKING:
    from kostack_lab.lab_records import LabStatus, ProbeResult

register(
    {
        # progress lines (they were kostack.cli.messages' until the lab shipped on its own)
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
        "lab.up.done": {
            "en": "lab up: scenario {scenario} ({nodes} {nodes:node/nodes}) in {seconds} s",
            "ko": "랩 구성 완료: 시나리오 {scenario}, 노드 {nodes}대, {seconds}초",
        },
        "lab.up.where": {
            "en": "namespaces {prefix}*, state in {dir}",
            "ko": "네임스페이스 {prefix}*, 상태 디렉터리 {dir}",
        },
        "lab.up.own_neutron": {
            "en": "port security from the lab's own Neutron at {url}",
            "ko": "포트 보안: 랩 자체 Neutron({url})에서 읽음",
        },
        "lab.up.your_neutron": {
            "en": "port security from your Neutron at {url}",
            "ko": "포트 보안: 사용자의 Neutron({url})에서 읽음",
        },
        "lab.up.next": {"en": "next: {commands}", "ko": "다음 명령: {commands}"},
        "lab.up.paste_both": {
            "en": "to run kostack collect, diagnose, fix and probe against the cluster and its "
            "Neutron, paste:",
            "ko": "kostack collect, diagnose, fix, probe를 이 클러스터와 Neutron에 실행하려면 "
            "다음 줄을 붙여 넣으세요:",
        },
        "lab.up.paste_cluster": {
            "en": "to run kostack collect, diagnose, fix and probe against the cluster, paste:",
            "ko": "kostack collect, diagnose, fix, probe를 이 클러스터에 실행하려면 "
            "다음 줄을 붙여 넣으세요:",
        },
        "lab.up.activity": {
            "en": "building the lab (what was built was torn down again; `kostack lab status` "
            "shows anything left)",
            "ko": "랩 구성 (만든 것은 다시 정리했고, 남은 것은 `kostack lab status`로 "
            "확인할 수 있습니다)",
        },
        "lab.down.done": {
            "en": "lab down: removed {namespaces} {namespaces:namespace/namespaces}, stopped "
            "{processes} {processes:process/processes} in {seconds} s",
            "ko": "랩 정리 완료: 네임스페이스 {namespaces}개 삭제, 프로세스 {processes}개 중지, "
            "{seconds}초",
        },
        "lab.status.none": {
            "en": "no lab is up ({prefix}*, state dir {dir})",
            "ko": "실행 중인 랩이 없습니다 ({prefix}*, 상태 디렉터리 {dir})",
        },
        "lab.status.up": {
            "en": "lab up: scenario {scenario}, prefix {prefix}",
            "ko": "랩 실행 중: 시나리오 {scenario}, 접두사 {prefix}",
        },
        "lab.status.degraded": {
            "en": "lab DEGRADED: scenario {scenario}, prefix {prefix}",
            "ko": "랩 일부 손상(DEGRADED): 시나리오 {scenario}, 접두사 {prefix}",
        },
        "lab.status.node": {"en": "node {node}", "ko": "노드 {node}"},
        "lab.status.processes": {
            "en": "processes: {alive} of {total} running",
            "ko": "프로세스: {total}개 중 {alive}개 실행 중",
        },
        "lab.status.portsec": {
            "en": "port security from {source}",
            "ko": "포트 보안 출처: {source}",
        },
        "lab.status.source_file": {"en": "file {path}", "ko": "파일 {path}"},
        "lab.status.source_neutron": {"en": "neutron {url}", "ko": "Neutron {url}"},
        "lab.status.not_rendered": {"en": "not rendered", "ko": "아직 적용되지 않음"},
        "lab.status.counters": {
            "en": "port {port} anti-spoofing drops {antispoof}  ingress drops {ingress}  "
            "egress drops {egress}  tap rx dropped {tap}",
            "ko": "포트 {port} 스푸핑 방지 차단 {antispoof}  ingress 차단 {ingress}  "
            "egress 차단 {egress}  tap 수신 폐기 {tap}",
        },
        "lab.status.problem": {"en": "problem: {problem}", "ko": "문제: {problem}"},
        "lab.sync.changed": {
            "en": "port security re-rendered ({fingerprint}) in {seconds} s",
            "ko": "포트 보안을 다시 적용했습니다 ({fingerprint}), {seconds}초",
        },
        "lab.sync.unchanged": {
            "en": "port security unchanged ({fingerprint}) in {seconds} s",
            "ko": "포트 보안 변경 없음 ({fingerprint}), {seconds}초",
        },
        "lab.sync.warning": {"en": "warning: {warning}", "ko": "경고: {warning}"},
        "lab.probe.ok": {"en": "ok", "ko": "통과"},
        "lab.probe.expected": {"en": "expected", "ko": "예상대로"},
        "lab.probe.failed": {"en": "FAILED", "ko": "실패"},
        "lab.probe.silent_ping": {
            "en": "a ClusterIP never answers ping, on a healthy cluster too",
            "ko": "ClusterIP는 정상 클러스터에서도 ping에 응답하지 않습니다",
        },
        "lab.probe.some_failed": {
            "en": "{failed} of {total} probes failed",
            "ko": "점검 {total}개 중 {failed}개 실패",
        },
        "lab.probe.all_passed": {
            "en": "all {total} probes passed",
            "ko": "점검 {total}개 모두 통과",
        },
        "lab.way.removed": {"en": "way in removed", "ko": "로드밸런서(way in)를 제거했습니다"},
        "lab.way.answered": {"en": "answered by {pod}", "ko": "{pod:이/가} 응답"},
        "lab.way.failed": {"en": "FAILED: {detail}", "ko": "실패: {detail}"},
    }
)

# The Korean of each scenario's one-line description (kostack_lab.scenarios' `summary`).
SCENARIOS_KO: Final = {
    "seed": "사고 그대로: 한 서브넷 안의 Calico VXLANCrossSubnet(Pod 트래픽 전부 캡슐화 없이), "
    "포트 보안 켜짐, Allowed Address Pair 없음, natOutgoing 꺼짐. Pod에서 나가는 모든 것이 "
    "시간 초과됩니다.",
    "seed-natoutgoing": "seed와 같되 Calico natOutgoing 켜짐(Calico 기본값): 노드 IP와 인터넷으로 "
    "가는 트래픽은 마스커레이드되어 통과하고, Pod 간 통신(다른 노드의 CoreDNS로 가는 DNS)은 "
    "실패합니다.",
    "fixed": "해결 B: 모든 노드 포트에 Allowed Address Pair 10.244.0.0/16, 포트 보안은 켜 둔 채.",
    "fixed-no-router-routes": "fixed처럼 Allowed Address Pair를 추가하고 natOutgoing 꺼짐, 그러나 "
    "Neutron 라우터에 Pod 블록으로 돌아가는 경로가 없음: Pod 패킷은 라우터의 SNAT로 나가고 "
    "응답은 사라집니다.",
    "fixed-ovn": "fixed처럼 Allowed Address Pair를 추가했지만 ML2/OVN: 원격 그룹 규칙은 고정 IP만 "
    "일치하므로 Pod 출발지 패킷은 여전히 맞는 ingress 규칙이 없습니다(어디서나 허용하는 "
    "tcp/6443만 예외).",
    "port-security-off": "해결 A: 모든 노드 포트에서 포트 보안을 끔(보안 그룹도, Allowed Address "
    "Pair도 없음).",
    "vxlan-no-4789": "Calico VXLAN Always, natOutgoing 켜짐. 노드 포트에는 UDP 4789가 빠진 "
    "k8s-nodes 그룹만 있음: Pod 간 통신(과 DNS)은 실패하고, 나머지는 마스커레이드되어 "
    "통과합니다.",
    "vxlan-ok": "Calico VXLAN Always, natOutgoing 켜짐. k8s-nodes가 그룹 멤버의 UDP 4789를 "
    "허용합니다.",
    "mtu-bad": "vxlan-ok와 같되 VM이 네트워크 MTU를 전달받지 못함: 1450 네트워크에서 NIC 1500, "
    "그래서 Calico가 Pod MTU 1450을 고르고 꽉 찬 VXLAN 프레임(1500)이 tap에서 버려집니다. "
    "작은 요청은 되고 4 MiB 전송은 멈춥니다.",
    "dualstack-ipv6-broken": "듀얼 스택(Pod에 10.244.x와 fd00:10:244:x 주소, 노드에도 IPv6 "
    "고정 IP), seed를 IPv4만 해결한 상태: 모든 노드 포트에 Allowed Address Pair 10.244.0.0/16은 "
    "있지만 fd00:10:244::/56은 없어, IPv4는 되고 IPv6 Pod 트래픽은 스푸핑 방지에 차단됩니다.",
    "dualstack-fixed": "dualstack-ipv6-broken을 해결한 쌍둥이: 두 Pod CIDR(10.244.0.0/16과 "
    "fd00:10:244::/56)의 Allowed Address Pair가 모든 노드 포트에 있어 두 주소 체계 모두 "
    "통과합니다.",
    "two-pools": "Calico IPv4 풀 두 개, 둘 다 캡슐화 없이 라우팅: 기본 10.244.0.0/16과 노드마다 에코 "
    "Pod가 하나씩 있는 10.245.0.0/16. 모든 노드 포트에 Allowed Address Pair 10.244.0.0/16만 "
    "있어 기본 풀의 Pod는 통과하고 두 번째 풀의 Pod는 스푸핑 방지에 차단됩니다.",
    "canal-vxlan-ok": "Canal(정책은 Calico, 네트워크는 flannel VXLAN: flannel.1, VNI 1, UDP 8472, "
    "flannel의 --ip-masq와 calico-node 기본 풀의 natOutgoing). 모든 노드 포트에 Allowed Address "
    "Pair 10.244.0.0/16이 있고, k8s-nodes가 그룹 멤버의 tcp 10250과 UDP 8472를 허용합니다.",
    "canal-no-8472": "canal-vxlan-ok와 같되 k8s-nodes에 UDP 8472가 없음: 노드 사이의 flannel "
    "VXLAN이 버려져 Pod 간 통신(과 DNS)은 실패하고, 나머지는 마스커레이드되어 통과합니다.",
    "antrea-hybrid": "hybrid 모드의 Antrea, 모든 노드가 한 서브넷에 있음: 노드 사이의 Pod 트래픽은 "
    "네이티브로 라우팅되고, Pod의 외부 트래픽은 에이전트가 마스커레이드하며, Egress 기능이 켜져 "
    "있습니다(CRD는 제공되고 Egress는 아직 없음). 모든 노드 포트에 Allowed Address Pair "
    "10.244.0.0/16이 있습니다.",
}


def say(lang: str, key: str, **params: object) -> str:
    """The lab line `key` in ``lang``."""
    return Msg(key, **params).render(lang)


def scenario_summary(lang: str, name: str, summary: str) -> str:
    """A scenario's description in ``lang``; a scenario without Korean keeps its English, quoted."""
    if lang == "en":
        return summary
    return SCENARIOS_KO.get(name, f"(설명 원문) “{summary}”")


def portsec_source(lang: str, source: str | None) -> str:
    """Where the lab reads port security from ("file PATH", "neutron URL"), in ``lang``."""
    if source is None:
        return say(lang, "lab.status.not_rendered")
    kind, _, where = source.partition(" ")
    if kind == "file":
        return say(lang, "lab.status.source_file", path=where)
    if kind == "neutron":
        return say(lang, "lab.status.source_neutron", url=where)
    return source


def up_lines(lang: str, status: LabStatus, *, own_neutron: bool, same_lab: list[str]) -> list[str]:
    """What `lab up` built, where its Neutron is, what to run next and the lines to paste."""
    seconds = f"{status.up_seconds or 0:.2f}"
    lines = [
        say(
            lang, "lab.up.done", scenario=status.scenario, nodes=len(status.nodes), seconds=seconds
        ),
        *_prose(scenario_summary(lang, status.scenario or "", status.summary or "")),
        *_prose(say(lang, "lab.up.where", prefix=status.prefix, dir=status.state_dir)),
    ]
    if status.neutron_endpoint:
        whose = "lab.up.own_neutron" if own_neutron else "lab.up.your_neutron"
        lines += _prose(say(lang, whose, url=status.neutron_endpoint))
    commands = (render(["kostack", "lab", verb, *same_lab]) for verb in ("probe", "status", "down"))
    lines += _prose(say(lang, "lab.up.next", commands=", ".join(as_code(c) for c in commands)))
    if status.exports:
        paste = "lab.up.paste_both" if status.neutron_endpoint else "lab.up.paste_cluster"
        lines += _prose(say(lang, paste))
        lines += status.exports  # pasted as they are: never wrapped
    return lines


def _prose(text: str) -> list[str]:
    """``text`` under the lab's two-space indent, wrapped at 100 terminal cells (Korean in cells,
    as English), its later lines two cells further in; a `command` is never split."""
    return wrap(text, "    ", first="  ")


def status_lines(lang: str, current: LabStatus) -> list[str]:
    """What `lab status` prints (without --json)."""
    lines: list[str] = []
    if current.scenario is None:
        lines.append(say(lang, "lab.status.none", prefix=current.prefix, dir=current.state_dir))
    else:
        head = "lab.status.up" if current.up else "lab.status.degraded"
        lines.append(say(lang, head, scenario=current.scenario, prefix=current.prefix))
        lines += ["  " + say(lang, "lab.status.node", node=node) for node in current.nodes]
        alive = sum(1 for s in current.servers if s.alive)
        lines.append(
            "  " + say(lang, "lab.status.processes", alive=alive, total=len(current.servers))
        )
        source = portsec_source(lang, (current.portsec or {}).get("source"))
        lines.append("  " + say(lang, "lab.status.portsec", source=source))
        lines += [f"  {line}" for line in current.exports]
        for port, counts in sorted(current.counters.items()):
            numbers = {
                key: f"{counts[field]:5}"
                for key, field in (
                    ("antispoof", "antispoof_drops"),
                    ("ingress", "ingress_drops"),
                    ("egress", "egress_drops"),
                    ("tap", "tap_rx_dropped"),
                )
            }
            lines.append("  " + say(lang, "lab.status.counters", port=f"{port:12}", **numbers))
    for text in current.problems:
        lines += _prose(say(lang, "lab.status.problem", problem=problem(lang, text)))
    return lines


def _note(lang: str, note: str) -> str:
    """Why a silent probe is expected (kostack_lab.cli.lab.EXPECTED_SILENT's English), in ``lang``."""
    if lang == "en":
        return note
    silent_ping = Msg("lab.probe.silent_ping")
    return silent_ping.render(lang) if note == str(silent_ping) else f"“{note}”"


def probe_lines(
    lang: str, results: Mapping[str, ProbeResult], expected_silent: Mapping[str, str]
) -> list[str]:
    """The probe table of `lab probe` and its summary line."""
    lines = []
    name_w = max([16, *(len(k) for k in results)])
    target_w = max([22, *(len(r.target) for r in results.values())])
    for key, result in results.items():
        silent = key in expected_silent and not result.ok
        verdict = say(
            lang,
            "lab.probe.ok" if result.ok else "lab.probe.expected" if silent else "lab.probe.failed",
        )
        text = detail(lang, result.detail)
        if silent:
            text += f" ({_note(lang, expected_silent[key])})"
        lines.append(f"  {key:{name_w}} {pad(verdict, 8)} {result.target:{target_w}} {text}")
    failed = sum(1 for k, r in results.items() if not r.ok and k not in expected_silent)
    counted = len(results) - sum(1 for k in results if k in expected_silent)
    if failed:
        lines.append(say(lang, "lab.probe.some_failed", failed=failed, total=counted))
    else:
        lines.append(say(lang, "lab.probe.all_passed", total=counted))
    return lines


# The stages kostack_lab.lab.Lab.up reports (its exact English words) and their Korean.
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


def lab_stage(lang: str, stage: str) -> str:
    """A `lab up` stage as the progress line shows it."""
    shown = LAB_STAGES.get(stage, stage) if lang == "ko" else stage
    return say(lang, "cli.progress.lab_stage", stage=shown)
