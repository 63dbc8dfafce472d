"""Words that stayed English under --lang ko: the preflight's overhead and mode names, the
Ctrl-C texts, the collection gaps' hints, the active diagnosis' probe gaps, the probe headings.

Each case names the English words the old code printed, so a regression shows which one.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from english import english_lines
from test_korean_messages import run

from kostack.catalog import Msg, localize
from kostack.cli import interrupt_text  # noqa: F401  (registers the Ctrl-C texts)
from kostack.cli.common import Environment
from kostack_testkit.cli import flat

PREFLIGHT = (
    "preflight", "--pod-cidr", "10.244.0.0/16", "--service-cidr", "10.96.0.0/12",
    "--subnet-cidr", "10.0.0.0/24", "--network-mtu", "1500", "--node", "10.0.0.11",
    "--node", "10.0.0.12", "--lang", "ko",
)  # fmt: skip


def collected_line(out: str) -> str:
    """The "Collected ..." paragraph after the verdict, its wrapped lines joined again."""
    lines = out.split("\n\n", 1)[0].splitlines()[1:]
    return " ".join(line for line in lines if not line.startswith("  "))


@pytest.mark.parametrize(
    ("cni", "mode", "korean", "english"),
    [
        ("calico", "none", "캡슐화 없음 (BGP)", "no encapsulation"),
        ("calico", "ipip-crosssubnet", "IPIP (서브넷 간) 20)", "across subnets"),
        ("calico", "vxlan-crosssubnet", "VXLAN (서브넷 간) 50)", "across subnets"),
        ("cilium", "native", "Cilium 네이티브 라우팅", "native routing"),
        ("cilium", "geneve", "Cilium Geneve 터널", "Geneve tunnel"),
        ("flannel", "host-gw", "MTU 1500 - 캡슐화 없음 0)", "no encapsulation"),
    ],
)
def test_preflight_names_the_overhead_and_the_mode_in_korean(
    cni: str, mode: str, korean: str, english: str
) -> None:
    code, out = run(*PREFLIGHT, "--cni", cni, "--mode", mode)
    assert code == 0, out
    text = out.split("openstack security group create")[0]
    assert korean in text
    assert english not in text, [line for line in text.splitlines() if english in line]


def test_preflight_keeps_the_english_names_in_english_and_json() -> None:
    code, out = run(*PREFLIGHT[:-2], "--cni", "calico", "--mode", "none")
    assert code == 0 and "Calico no encapsulation (BGP)" in out
    assert "(network MTU 1500 - 0 for no encapsulation)" in out


def test_probe_is_one_korean_term_the_glossarys() -> None:
    import kostack.plan.release_gate
    import kostack.probe.plan_model  # noqa: F401  (both register probe messages)
    from kostack.catalog import CATALOG
    from kostack.report.i18n import MESSAGES as REPORT
    from kostack.watch.messages import MESSAGES as WATCH

    korean = [m["ko"] for m in CATALOG.values()] + [*REPORT["ko"].values(), *WATCH["ko"].values()]
    assert [text for text in korean if "프로브" in text] == []
    assert REPORT["ko"]["probe.round"].startswith("점검 라운드:")
    assert [m["ko"] for m in CATALOG.values() if m["ko"].startswith("DNS 점검 없음")]


def _fix_stop(tmp_path: Path, landed: bool | None) -> tuple[Any, Any]:
    from kostack.apply.interrupt import InFlight, RunInterrupted
    from kostack.plan.build import build_plan
    from kostack_testkit.builders import build, example_doc

    plan = build_plan(build(example_doc("seed-incident")))
    action = plan.actions[0]
    seen = Msg("int.seen.port", id=action.target.id, rev=7)
    return plan, RunInterrupted(tmp_path / "j.jsonl", InFlight(action.id, landed, seen), 1, 3)


@pytest.mark.parametrize("undo", [False, True])
@pytest.mark.parametrize("landed", [True, False, None])
def test_ctrl_c_during_a_fix_says_what_was_in_flight_in_korean(
    tmp_path: Path, undo: bool, landed: bool | None
) -> None:
    from kostack.cli.fix_support import _interrupted

    plan, stop = _fix_stop(tmp_path, landed)
    err = _interrupted(stop, plan, undo=undo)
    error, hint = localize(err.message, "ko"), localize(err.hint, "ko")
    assert ("롤백 중 중단됨 (Ctrl-C)" if undo else "해결 적용 중 중단됨 (Ctrl-C)") in error
    assert "의 리비전은 7" in error and "변경 3개 중 1개" in error
    assert {True: "반영됨", False: "반영되지 않음", None: "나중에 반영될 수"}[landed] in error
    for english in ("was in flight", "it landed", "is at revision", "changes in place"):
        assert english not in error
    assert hint.startswith(f"저널 {stop.journal}에 기록되어 있습니다: ")
    assert f"`kostack fix rollback {stop.journal} --yes`" in hint
    assert "resume with" not in hint and "continue the rollback" not in hint
    assert english_lines(error + "\n" + hint) == []
    # English stays as it was (the safety tests match it word for word)
    assert str(err.message).startswith("interrupted (Ctrl-C) while ")
    assert str(err.hint).startswith(f"The journal {stop.journal} records it: ")


@pytest.mark.parametrize(
    ("activity", "korean"),
    [
        (Msg("act.collecting"), "수집 중 (아무것도 바꾸지 않았습니다)"),
        (Msg("act.probing"), "점검 중 (kostack은 끝내기 전에 점검 Pod와"),
        (Msg("act.probing-lab"), "랩 점검 중 (트래픽만 보냈고"),
        (Msg("act.applying", next=Msg("act.next.fix", resume="R", rollback="B")), "재개: `R`"),
        (Msg("act.rolling-back", next=Msg("act.next.rollback", rollback="B")), "롤백 계속: `B`"),
    ],
)
def test_the_ctrl_c_activity_is_said_in_korean_not_quoted(activity: str, korean: str) -> None:
    from kostack.cli.common import interrupted

    env = Environment(
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        environ={},
        stdin_isatty=False,
        stdout_isatty=False,
        stderr_isatty=False,
    )
    env.lang = "ko"
    env.activity = activity
    assert interrupted(env, KeyboardInterrupt()) == 130
    said = env.stderr.getvalue()
    assert korean in said and "“" not in said, said
    assert english_lines(said) == [], said


def test_the_commands_name_their_activity_as_a_message() -> None:
    """collect, diagnose, probe, fix and release set a Msg, so Ctrl-C is said in Korean."""
    src = Path(__file__).parents[2] / "src" / "kostack" / "cli"
    for name in ("collect", "diagnose", "probe", "fix_run", "release_run"):
        text = (src / f"{name}.py").read_text()
        assert re.search(r"(env\.activity = |doing\(env, )Msg\(", text), name
        assert not re.search(r"(env\.activity = |doing\(env, )f?\"", text), name


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    ("example", "korean", "english"),
    [
        ("seed-incident", "IPPool 10.244.0.0/16 VXLANCrossSubnet, natOutgoing 꺼짐)",
         "IPPool 10.244.0.0/16 VXLANCrossSubnet, natOutgoing off)"),
        ("bgp-blocked", "IPPool 10.244.0.0/16 캡슐화 없음 (BGP), natOutgoing 켜짐)",
         "IPPool 10.244.0.0/16 no encapsulation (BGP), natOutgoing on)"),
        ("cilium-geneve-no-6081", "(노드 4대, Cilium geneve 터널, IPAM kubernetes)",
         "(4 nodes, Cilium tunnel geneve, ipam kubernetes)"),
        ("flannel-vxlan-no-8472", "(노드 4대, Flannel vxlan, 네트워크 10.244.0.0/16)",
         "(4 nodes, Flannel vxlan, network 10.244.0.0/16)"),
    ],
)  # fmt: skip
def test_the_collected_line_says_the_cni_mode_in_korean(
    example: str, korean: str, english: str
) -> None:
    """The "collected" line named the pod traffic's mode in English ("no encapsulation (BGP)",
    "natOutgoing off", "tunnel geneve", "network ..."); English stays as it was."""
    snapshot = str(EXAMPLES / f"{example}.json")
    code, ko = run("diagnose", "--snapshot", snapshot, "--lang", "ko")
    assert code in (0, 1), ko
    assert korean in collected_line(ko), ko
    code, en = run("diagnose", "--snapshot", snapshot, "--lang", "en")
    assert english in collected_line(en), en


def test_the_report_and_the_root_cause_say_the_cni_mode_in_korean() -> None:
    seed = str(EXAMPLES / "seed-incident.json")
    code, text = run("diagnose", "--snapshot", seed, "--lang", "ko")
    assert "Calico operator v3.30.3 (VXLANCrossSubnet, natOutgoing 꺼짐)은 " in text, text
    code, md = run("report", "--snapshot", seed, "--lang", "ko", "-o", "-", "--format", "md")
    said = re.sub("“[^”]*”", "", md)  # the snapshot's own note is quoted as written
    assert code in (0, 1) and "natOutgoing 꺼짐" in said and "natOutgoing off" not in said, md
    bgp = str(EXAMPLES / "bgp-blocked.json")
    code, md = run("report", "--snapshot", bgp, "--lang", "ko", "-o", "-", "--format", "md")
    assert "캡슐화 없음 (BGP)" in md and "no encapsulation" not in md, md


def test_release_check_of_a_snapshot_without_helm_state_is_korean(tmp_path: Path) -> None:
    """The error and its hint were English only (a Korean user's first `release check`)."""
    seed = str(EXAMPLES / "seed-incident.json")
    code, ko = run(
        "release", "check", "--snapshot", seed, "--lang", "ko", environ={"HOME": str(tmp_path)}
    )
    assert code == 2, ko
    assert (
        f"오류: 스냅샷 {seed}에는 Helm 상태가 없고, 릴리스를 읽어 올 kubeconfig도 없습니다(" in ko
    )
    assert "힌트: 클러스터에 접근할 수 있는 곳에서 스냅샷을 수집하거나" in ko
    assert english_lines(ko) == [], ko
    code, en = run(
        "release", "check", "--snapshot", seed, "--lang", "en", environ={"HOME": str(tmp_path)}
    )
    assert code == 2 and f"error: {seed} has no Helm state, and there is no kubeconfig" in en, en


def test_release_check_says_how_to_see_all_evidence_in_korean() -> None:
    harbor = str(EXAMPLES / "harbor-wrong-namespace.json")
    code, ko = run("release", "check", "--snapshot", harbor, "--lang", "ko")
    assert "  ... (+2, 모두 보려면 -v)" in ko.splitlines(), ko
    code_en, en = run("release", "check", "--snapshot", harbor, "--lang", "en")
    assert code_en == code and "  ... (+2, -v for all)" in en.splitlines(), en


def test_release_check_says_severity_and_the_traced_verdict_in_korean() -> None:
    """`[critical] rel-pods-ready` and "... TCP 추적: Neutron 포트 ...에서 dropped" stood in the
    Korean check; the English stays as it was."""
    harbor = str(EXAMPLES / "harbor-wrong-namespace.json")
    code, ko = run("release", "check", "--snapshot", harbor, "--lang", "ko")
    assert code == 1, ko
    assert "[심각] rel-pods-ready: " in ko and "[높음] rel-stale-volume: " in ko, ko
    assert not re.search(r"\[(critical|high|medium|low|info)\]", ko), ko
    assert "(k8s-w-3)에서 차단됨: 출발지 주소" in flat(ko) and "dropped" not in ko, ko
    code, en = run("release", "check", "--snapshot", harbor, "--lang", "en")
    assert code == 1 and "[critical] rel-pods-ready: " in en, en
    assert "dropped at Neutron port" in flat(en), en


def test_preflight_says_on_and_off_in_korean() -> None:
    code, ko = run(*PREFLIGHT)
    assert code == 0 and "(natOutgoing 켜짐, BGP 켜짐, Typha 켜짐)" in flat(ko), ko
    code, en = run(*PREFLIGHT[:-1], "en")
    assert code == 0 and "(natOutgoing on, BGP on, Typha on)" in flat(en), en


@pytest.mark.parametrize(
    ("args", "korean", "english"),
    [
        (("diagnose", "--egress-target", "nope"), "오류: --egress-target 값 'nope': IP 주소가 아닙니다",
         "error: --egress-target 'nope' is not an IP address"),
        (("report", "--egress-target", "nope", "-o", "-", "--format", "md"),
         "오류: --egress-target 값 'nope': IP 주소가 아닙니다",
         "error: --egress-target 'nope' is not an IP address"),
        (("fix", "plan", "--egress-target", "nope"), "오류: --egress-target 값 'nope': IP 주소가 아닙니다",
         "error: --egress-target 'nope' is not an IP address"),
        (("trace", "client", "pod:demo/netshoot"),
         "오류: 'client'(임의의 클라이언트)에는 DST로 LoadBalancer 타입 Service나 그 주소가 필요합니다",
         "error: 'client' (any client) needs a Service of type LoadBalancer or its address as DST"),
    ],
)  # fmt: skip
def test_usage_errors_of_diagnose_report_fix_and_trace_are_korean(
    args: tuple[str, ...], korean: str, english: str
) -> None:
    """--egress-target's error (three copies, English only) and trace's 'any client' error."""
    seed = str(EXAMPLES / "seed-incident.json")
    code, ko = run(*args, "--snapshot", seed, "--lang", "ko")
    assert code == 2 and korean in ko.splitlines(), ko
    assert english_lines(ko) == [], ko
    code, en = run(*args, "--snapshot", seed, "--lang", "en")
    assert code == 2 and english in en.splitlines(), en


def test_guard_once_without_credentials_gives_its_hint_in_korean(tmp_path: Path) -> None:
    """`kostack guard --once` said the collection error in Korean and its hint in English."""
    code, ko = run("guard", "--once", "--lang", "ko", environ={"HOME": str(tmp_path)})
    assert "클라우드나 클러스터를 읽지 못했습니다: OpenStack 자격 증명이 없습니다" in ko, ko
    assert "openrc 파일을 source하거나" in ko and english_lines(ko) == [], ko
    code_en, en = run("guard", "--once", "--lang", "en", environ={"HOME": str(tmp_path)})
    assert code_en == code and "Source your openrc file" in en, en


def test_release_check_quotes_the_command_to_run_again() -> None:
    """Every printed command is quoted: the re-check after the network fix was bare."""
    harbor = str(EXAMPLES / "harbor-wrong-namespace.json")
    for lang, lead in (("en", "then check again: "), ("ko", "다시 점검하세요: ")):
        _code, text = run("release", "check", "--snapshot", harbor, "--lang", lang)
        assert f"{lead}`kostack release check harbor --namespace harbor`" in flat(text), text
        # the command itself is never split
        assert "`kostack release check harbor --namespace harbor`" in text, text


@pytest.mark.parametrize(
    ("source", "korean"),
    [
        ("agents list: Open vSwitch agent", "agent 목록: Open vSwitch agent"),
        ("network k8s-net is geneve (provider:network_type)",
         "네트워크 k8s-net의 유형이 geneve (provider:network_type)"),
        ("--neutron-backend (the API suggests ml2/ovs: agents list: Open vSwitch agent)",
         "--neutron-backend (API로는 ml2/ovs: agent 목록: Open vSwitch agent)"),
        ("--neutron-backend", "--neutron-backend"),
        ("lab scenario", "랩 시나리오"),
        ("written by hand", "written by hand"),  # not kostack's words: shown as recorded
    ],
)  # fmt: skip
def test_the_reports_backend_row_says_how_it_was_decided_in_korean(
    source: str, korean: str
) -> None:
    from kostack.report.incident_summary import _backend_source

    assert _backend_source(source, "ko") == korean
    assert _backend_source(source, "en") == source


def test_the_korean_report_names_the_agents_list_in_korean() -> None:
    bgp = str(EXAMPLES / "bgp-blocked.json")
    _code, md = run("report", "--snapshot", bgp, "--lang", "ko", "-o", "-", "--format", "md")
    assert "| Neutron 백엔드 | ml2/ovs (agent 목록: Open vSwitch agent) |" in md.splitlines(), md


def test_the_check_pages_korean_uses_the_glossarys_terms() -> None:
    """docs/ko-glossary.md: masquerade is 마스커레이드 and native routing 네이티브 라우팅 in
    Korean text (the pages said 'masquerade하거나' and 'Cilium native routing'); names in
    backticks stay as they are."""
    pages = sorted((Path(__file__).resolve().parents[2] / "src" / "kostack").rglob("*.md"))
    assert len(pages) > 20
    bad = [
        f"{page.name}: {line[:80]}"
        for page in pages
        for line in page.read_text(encoding="utf-8").splitlines()
        if re.search("[가-힣]", line)
        and re.search(r"masquerade|native routing", re.sub(r"`[^`]*`", "", line))
    ]
    assert bad == []


@pytest.mark.parametrize("example", ["lb-amphora-nodeport-blocked", "lb-ovn-node-subnet-only"])
def test_the_nodeport_rules_reason_is_korean(example: str) -> None:
    """The rule's reason said 'client traffic' in a Korean sentence (the message was turned
    into its English text before it reached the plan)."""
    snapshot = str(EXAMPLES / f"{example}.json")
    _code, ko = run("fix", "plan", "--snapshot", snapshot, "--lang", "ko", "-v")
    reasons = [line for line in ko.splitlines() if "이유:" in line and "NodePort" in line]
    assert reasons and all("클라이언트 트래픽 허용" in r for r in reasons), ko
    assert "client traffic" not in ko, ko


# --------------------------------------------------------------------------- guard and watch


def _guard_once(example: str, lang: str, *more: str) -> tuple[int, str]:
    return run("guard", "--once", "--snapshot", str(EXAMPLES / f"{example}.json"), *more,
               "--lang", lang)  # fmt: skip


@pytest.mark.parametrize("example", ["seed-incident", "mtu-1500", "lb-pending-create"])
def test_guard_once_is_korean_within_100_cells(example: str) -> None:
    """`guard --once` wrote "Allowed Address Pair이" and "Neutron anti-spoofing", named the plan's
    steps it leaves alone in English ("(manual CNI MTU)"), and ran its breaker line to 226 cells
    (English: 243 characters)."""
    from kostack.report.cells import cells

    _code, ko = _guard_once(example, "ko")
    assert english_lines(ko) == [], ko
    assert "(manual " not in ko and "Pair이" not in ko and "Neutron anti-spoofing" not in ko
    _code, en = _guard_once(example, "en")
    for text in (ko, en):
        assert [line for line in text.splitlines() if cells(line) > 100] == [], text
    flat = re.sub(r"\n +", " ", ko)
    if example == "seed-incident":
        assert "Allowed Address Pair가 없으면 Neutron의 스푸핑 방지(anti-spoofing)가" in flat
        assert "\n  한도 안으로 돌아올 때까지" in ko  # the breaker's line, wrapped under itself
    if example == "mtu-1500":
        assert "guard가 하지 않습니다(수동 단계 CNI MTU)" in flat
        assert "(manual CNI MTU): see `kostack fix plan`" in en


def test_guard_json_keeps_the_plans_steps_in_english() -> None:
    import json

    _code, out = _guard_once("mtu-1500", "ko", "-o", "json")
    assert json.loads(out)["drift"]["outside"] == ["manual CNI MTU"]


def test_guard_says_audit_with_the_particle_its_sound_takes() -> None:
    code, ko = run("guard", "--once", "--mode", "enforce", "--snapshot", "x.json", "--lang", "ko")
    assert code == 2 and "--snapshot은 --mode audit과 함께만" in ko, ko


def test_guards_start_line_names_the_mode_in_korean(tmp_path: Path) -> None:
    """The continuous guard's first log line said "audit 모드" where its report says
    "감사(audit) 모드"."""
    seed = str(EXAMPLES / "seed-incident.json")
    args = ("guard", "--snapshot", seed, "--listen", "127.0.0.1:0", "--passes", "1")
    code, ko = run(*args, "--interval", "1", "--lang", "ko")
    assert code == 0 and ": 감사(audit) 모드; 스냅샷 " in ko.splitlines()[0], ko
    code, en = run(*args, "--interval", "1", "--lang", "en")
    assert code == 0 and ": mode audit; snapshot " in en.splitlines()[0], en


def test_watch_says_undecided_in_the_glossarys_term() -> None:
    from kostack.watch.messages import say, verdict_name

    assert verdict_name("ko", "undecided") == "판단 불가"
    assert say("ko", "verdict.detail.undecided", checks="net-x").startswith("판단 불가: ")
    assert verdict_name("en", "undecided") == "undecided"


def test_the_endpoints_404_is_korean() -> None:
    """guard's and watch's HTTP endpoints answered an unknown path with "not found: ..." under
    --lang ko."""
    import urllib.error
    import urllib.request

    from kostack.serve.http import TEXT, ExporterServer, text_body

    for lang, said in (
        ("ko", "없는 경로입니다. 있는 경로: /healthz"),
        ("en", "not found: /healthz"),
    ):
        routes = {"/healthz": lambda: (200, TEXT, text_body("ok"))}
        server = ExporterServer(("127.0.0.1", 0), routes, name="kostack test", lang=lang).start()
        try:
            with pytest.raises(urllib.error.HTTPError) as answer:
                urllib.request.urlopen(f"http://127.0.0.1:{server.port}/nope", timeout=5)
            assert answer.value.code == 404
            assert answer.value.read().decode().strip() == said
        finally:
            server.stop()


def test_guards_journal_directory_is_bad_input_said_in_korean(tmp_path: Path) -> None:
    """An unwritable --journal-dir was an internal error (exit 70) in English: "내부 오류:
    JournalError: cannot open guard's journal ...: No such file or directory"."""
    from types import SimpleNamespace

    from kostack.errors import ConfigError
    from kostack.guard.run import _journal

    config = SimpleNamespace(
        settings=SimpleNamespace(mode="enforce"), journal_dir=tmp_path / "file" / "dir",
        instance="guard-a",
    )  # fmt: skip
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(ConfigError) as error:
        _journal(config, "0.1.0")  # type: ignore[arg-type]
    message, hint = error.value.message, error.value.hint
    assert localize(message, "ko") == (
        f"guard의 저널 {tmp_path}/file/dir/guard-guard-a.journal.jsonl을 열 수 없습니다: "
        "디렉터리가 아닙니다(ENOTDIR)"
    )
    assert localize(hint, "ko") == "--journal-dir로 쓸 수 있는 디렉터리를 지정하세요"
    assert str(message).startswith("cannot open guard's journal ") and str(message).endswith(
        ": Not a directory"
    )


def test_pod_takes_the_particles_of_its_reading() -> None:
    """Pod reads 파드: "Pod를", "Pod가", "Pod나", as every other message writes it; three
    collection hints wrote "Pod을", "Pod이" and "Pod이나"."""
    import kostack.gap_words_kube  # noqa: F401  (registers the collection hints)
    from kostack.catalog import CATALOG

    wrong = re.compile(r"Pod(?:을|이|은|과|으로)")
    assert [key for key, langs in CATALOG.items() if wrong.search(langs.get("ko", ""))] == []


def test_collect_into_a_directory_it_cannot_write_is_bad_input() -> None:
    """`collect -o /proc/x.json` was "내부 오류: FileNotFoundError: [Errno 2] ..." (exit 70): the
    temporary file's creation was outside the error handling."""
    from kostack.cli.common import write_atomically
    from kostack.errors import ConfigError

    with pytest.raises(ConfigError) as error:
        write_atomically(Path("/proc/kostack-x.json"), "{}\n")
    assert localize(error.value.message, "ko") == (
        "/proc/kostack-x.json을 쓸 수 없습니다: 파일이나 디렉터리가 없습니다(ENOENT)"
    )
    assert (
        str(error.value.message) == "cannot write /proc/kostack-x.json: No such file or directory"
    )


@pytest.mark.parametrize(
    "command",
    [("guard", "--once"), ("watch", "--cycles", "1", "--listen", "127.0.0.1:0")],
)
def test_guard_and_watch_say_a_broken_snapshot_in_korean(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    """guard and watch said the loader's English (`line 1 column 2: not valid JSON`, its hint)
    under --lang ko, where diagnose said it in Korean: one module says it for every command."""
    bad = tmp_path / "bad.json"
    bad.write_text("{bad", encoding="utf-8")
    _code, ko = run(*command, "--snapshot", str(bad), "--lang", "ko")
    assert "1행 2열: 올바른 JSON이 아닙니다" in flat(ko), ko
    assert "line 1 column" not in ko and english_lines(ko) == [], ko
    _code, en = run(*command, "--snapshot", str(bad), "--lang", "en")
    assert "line 1 column 2: not valid JSON" in flat(en), en


def test_metavars_in_capitals_take_the_particles_of_their_reading() -> None:
    """NAME reads 네임 and FILE 파일 (the usage error said "인자 NAME가 필요합니다"); acronyms
    stay letter by letter (URL 유알엘, IP 아이피)."""
    from kostack.korean import particle

    assert [particle(w, "이/가") for w in ("NAME", "FILE", "NODE", "URL", "IP", "NS")] == [
        "이",
        "이",
        "가",
        "이",
        "가",
        "가",
    ]
    code, out = run("release", "reinstall", environ={"KOSTACK_LANG": "ko"})
    assert code == 2
    assert out.splitlines()[0] == "오류: 인자 NAME이 필요합니다", out
