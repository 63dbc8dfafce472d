"""Under --lang ko, `kostack lab ...` prints no English sentence: results and errors alike.

The last test builds a real lab (network namespaces, as root: it fails, never
skips, when it cannot) and runs every lab subcommand in Korean through
kostack's own entry point: scenarios, up (twice: the second is an error),
status, sync, probe (the seed fails every probe: exit 1), probe from an
unknown pod, way-in and its removal, down, status with no lab, and bad
input; every line goes through the detector of test_korean_complete.py
(tests/foundation/english.py). The other tests render every key the lab
words its errors and hints, probe details, port-security warnings and status
problems with (kostack_lab.texts, texts_status) in Korean, drive the lab's
errors from their real raise sites through `kostack lab ... --lang ko`, pin
their English, and prove the detector flags the lab's English lines.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from english import english_lines, english_runs

from kostack.analyze.messages import CATALOG, Msg, placeholders
from kostack.cli.common import Environment
from kostack.report.probe_words import observed, verdict_word
from kostack_lab.cli.lab_errors import detail, lab_error, problem, warning
from kostack_lab.cli.lab_text import SCENARIOS_KO, up_lines
from kostack_lab.lab_records import LabStatus
from kostack_lab.podprobe import DETAILS_EN, run_probes
from kostack_lab.scenarios import SCENARIOS
from kostack_lab.texts_status import keyed, to_wire
from kostack_testkit.cli import run_cli

run = run_cli


def hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


# --------------------------------------------------------------------------- the detector

# What the lab printed in English under --lang ko before it spoke Korean.
ENGLISH_LAB_LINES = (
    "lab up: scenario seed (4 nodes) in 2.18 s",
    "  to run kostack collect, diagnose, fix and probe against the cluster, paste:",
    "  dns              FAILED   10.96.0.10:53          no answer within 0.5s",
    "  kubernetes_tcp   FAILED   10.96.0.1:443          timed out after 0.5s",
    "  port k8s-w-1      anti-spoofing drops     0  egress drops     0  tap rx dropped     0",
    "lab down: removed 15 namespaces, stopped 11 processes in 0.26 s",
    "no lab is up (ks-kol1-*, state dir /tmp/kolab/state)",
    "error: no pod 'nope' in this lab",
    "hint: see `kostack lab status` for the pods",
    "seed   The incident: Calico VXLANCrossSubnet in one subnet (all pod traffic native).",
)


@pytest.mark.parametrize("line", ENGLISH_LAB_LINES)
def test_the_detector_flags_the_labs_english(line: str) -> None:
    assert english_lines(f"랩 구성 완료\n{line}\n") == [line]


# --------------------------------------------------------------------------- the words


def test_every_scenario_has_a_korean_description() -> None:
    assert {s.name for s in SCENARIOS} == set(SCENARIOS_KO)
    for name, text in SCENARIOS_KO.items():
        assert hangul(text) and english_runs(text) == [], (name, english_runs(text))


# Keys whose Korean is the English by design: a pass's own words (a name and its
# addresses, a TLS version and status line), names; an OS error's Korean is its reason's
# (a message of its own, lab.os.*) and its exception's name.
SAME_WORDS = {
    "lab.d.resolved", "lab.d.tls", "lab.d.status_line", "lab.d.os_error", "lab.w.use",
    "lab.w.and_use",
}  # fmt: skip


def lab_keys() -> list[str]:
    return sorted(k for k in CATALOG if k.split(".")[1] in {"x", "w", "p", "r", "d", "os"}
                  and k.startswith("lab."))  # fmt: skip


def test_every_lab_text_is_korean() -> None:
    """Each of the lab's errors, hints, problems, warnings and probe details (kostack_lab.texts,
    texts_status), rendered in Korean with neutral parameters, has no English sentence."""
    keys = lab_keys()
    assert len(keys) > 120
    for key in keys:
        params = {name: "k8s-w-1" for name in placeholders(CATALOG[key]["en"])}
        said = Msg(key, **params).render("ko")
        assert english_runs(said) == [], (key, said)
        if key not in SAME_WORDS and not key.startswith("lab.w."):
            assert hangul(said), (key, said)


def test_an_unkeyed_lab_text_is_quoted_after_a_korean_lead_in() -> None:
    said, hint = lab_error("ko", "something new went wrong in the lab", "try this and that")
    assert said == "랩 작업이 실패했습니다 (원문: “something new went wrong in the lab”)"
    assert hint == "원문 힌트: “try this and that”"
    assert english_lines(f"{said}\n{hint}") == []
    assert lab_error("en", "something new", "try") == ("something new", "try")
    assert problem("ko", "a problem the lab never reported before").startswith("문제 (원문: “")
    assert warning("ko", "a warning the lab never gave before").startswith("경고 (원문: “")
    assert detail("ko", "a detail the lab never wrote before") == (
        "원문: “a detail the lab never wrote before”"
    )


def test_the_pod_probes_details_are_keyed_and_korean() -> None:
    """Every detail the pod probe can report has its Korean; English is the probe's own text."""
    for key, english in DETAILS_EN.items():
        assert CATALOG[key]["en"] == english
        params = {name: "1" for name in placeholders(english)}
        said = detail("ko", Msg(key, **params))
        assert english_lines(said) == [], said
        assert hangul(said) or key in SAME_WORDS, said


def test_real_probe_results_come_back_keyed(tmp_path: Path) -> None:
    """The pod probe against loopback (a closed TCP port, a DNS server that never answers):
    its JSON carries the key, the lab turns it into a message, English stays the probe's."""
    import json
    import socket

    from kostack_lab.lab_probing import _result

    with socket.socket() as closed, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as mute:
        closed.bind(("127.0.0.1", 0))
        mute.bind(("127.0.0.1", 0))
        specs = [
            {"id": "tcp", "kind": "tcp", "host": "127.0.0.1", "port": closed.getsockname()[1]},
            {"id": "dns", "kind": "dns", "host": "127.0.0.1", "port": mute.getsockname()[1],
             "name": "kubernetes.default.svc.cluster.local"},
        ]  # fmt: skip
        wire = json.loads(json.dumps(run_probes(specs, 0.2)))
    assert [w["detail"] for w in wire] == [
        "ConnectionRefusedError: Connection refused",
        "no answer within 0.2s",
    ]
    results = [_result(w) for w in wire]
    assert [str(r.detail) for r in results] == [w["detail"] for w in wire]
    assert [detail("ko", r.detail) for r in results] == [
        "연결 거부 (ConnectionRefusedError)",
        "0.2초 안에 응답 없음",
    ]
    # a probe of another version (no key, or a key with other placeholders) keeps its English
    assert _result({**wire[1], "detail_key": "lab.d.no_answer", "detail_params": {}}).detail == (
        "no answer within 0.2s"
    )


# What the probe agent (kostack.probe.agent*) says, as `kostack probe` shows it.
AGENT_DETAILS = (
    "timed out after 2s (UDP, 2 queries)",
    "timed out after 2s",
    "no echo reply within 2s (2 requests)",
    "no echo reply within 2s",
    "no answer within 2s",
    "connected",
    "connected, but the answer is not HTTP",
    "connected, no HTTP answer within 2s",
    "TCP answer that is not a DNS reply",
    "kubernetes.default.svc.cluster.local -> no address over TCP",
    "answered NXDOMAIN for kubernetes.default.svc.cluster.local over UDP",
    "answered rcode 9 for kubernetes.default over TCP",
    "answered 10.96.0.9 over UDP, expected 10.96.0.1",
    "closed after 65536 of 4194304 bytes",
    "stalled after 65536 of 4194304 bytes",
    "connection reset by the target",
    "destination unreachable (code 3)",
    "echo reply (raw socket)",
    "every DF size passed up to 1422 bytes",
    "1422-byte DF packets pass (largest tested that passed: 1472)",
    "largest DF packet that passed: 1400 bytes; larger ones are lost",
    "largest DF packet that passed: 1422 bytes; 1450 bytes lost, too big from 10.0.0.1: pods "
    "send up to 1450 bytes (their MTU)",
    "packet too big (MTU 1450)",
    "port unreachable: nothing answers DNS on 10.96.0.10:53",
    "reachable: HTTP 403 proves connectivity (TLSv1.3 handshake completed)",
    "skipped: no Ready probe agent on node k8s-w-1",
    "skipped: no Ready probe agent on the target node",
    "skipped: no raw socket (ping needs NET_RAW or ping_group_range)",
    "skipped: no raw socket (no NET_RAW and ping_group_range excludes us)",
    "skipped: no DF echo of any size came back, so the path is blocked or drops ICMP; MTU not "
    "measurable (see the pod-to-pod probes)",
    "skipped: the echo pod on the target node did not start",
    "skipped: the lab has no listening pod on the target node",
    "skipped: the lab has no pod on node k8s-w-2",
    "unreachable: No route to host",
    "ECONNREFUSED: Connection refused",
    "EHOSTUNREACH: some errno kostack has no Korean for",
    "ValueError: the agent could not parse this",
    "a detail no agent has written yet",
)


@pytest.mark.parametrize("text", AGENT_DETAILS)
def test_the_probe_agents_details_are_korean(text: str) -> None:
    said = observed("ko", text)
    assert hangul(said) and english_lines(said) == [], said
    assert observed("en", text) == text


def test_probe_verdicts_are_korean() -> None:
    words = [
        verdict_word("ko", v) for v in ("pass", "fail", "error", "skipped", "expected-no-reply")
    ]
    assert all(hangul(w) for w in words) and len(set(words)) == 5
    assert verdict_word("en", "fail") == "fail"


@pytest.mark.parametrize(
    "text",
    [
        "kubernetes.default.svc.cluster.local -> 10.96.0.1",
        "TLS TLSv1.3, HTTP/1.1 200 OK",
    ],
)
def test_a_pass_keeps_its_own_words(text: str) -> None:
    assert detail("ko", text) == text


RULE = Msg("lab.r.rule_of", rule="r1", group="k8s-nodes")
WARNINGS = (
    Msg("lab.r.not_modelled", where=RULE, protocol="'ipip'"),
    Msg("lab.r.unknown_protocol", where=RULE, protocol="'bogus'"),
    Msg("lab.r.address_groups", where=RULE),
    Msg("lab.r.remote_missing", group="7f3a"),
    Msg("lab.r.group_missing", port="k8s-w-1", group="ghost"),
)


@pytest.mark.parametrize(
    "said",
    [
        Msg("lab.p.no_state", n=3),
        Msg("lab.p.ns_missing", ns="ks-t1-n2"),
        Msg("lab.p.process_down", name="dns-k8s-cp-1", pid=4242),
        Msg(
            "lab.p.counters",
            why=Msg("lab.x.not_object", command="`nft -j list ruleset`", ns="ks-t1-hv"),
        ),
        *(Msg("lab.p.portsec", what=w) for w in WARNINGS),
        Msg("lab.p.unbound", tap="ks-t1-t3"),
    ],
)
def test_status_problems_and_warnings_are_korean(said: Msg) -> None:
    text = problem("ko", said)
    assert hangul(text) and english_lines(text) == [], text
    assert problem("en", said) == str(said)
    if said.key == "lab.p.portsec":
        bare = warning("ko", said.params["what"])
        assert hangul(bare) and english_lines(bare) == [], bare


def test_warnings_keep_their_keys_through_the_state_file() -> None:
    import json

    wire = json.loads(json.dumps([to_wire(w) for w in WARNINGS]))
    english = [str(w) for w in WARNINGS]
    assert english[0] == "rule r1 of group k8s-nodes: protocol 'ipip' is not modelled, rule ignored"
    back = keyed(english, wire)
    assert [str(w) for w in back] == english
    assert [w.render("ko") for w in back] == [w.render("ko") for w in WARNINGS]
    # a state file of another version: the English, quoted after a Korean lead-in
    old = keyed(english, [])
    assert [str(w) for w in old] == english
    assert old[0].render("ko").startswith("경고 (원문: “rule r1 of group")


def test_up_with_a_neutron_prints_both_exports_as_they_are() -> None:
    exports = (
        "export KUBECONFIG=/run/kostack/lab/kubeconfig",
        "export OS_CLIENT_CONFIG_FILE=/run/kostack/lab/clouds.yaml OS_CLOUD=kostack-lab",
    )
    status = LabStatus(
        up=True,
        prefix="ks-",
        state_dir="/run/kostack/lab",
        scenario="seed",
        summary="The incident.",
        nodes=("k8s-cp-1", "k8s-w-1"),
        neutron_endpoint="http://127.0.0.1:9696/",
        up_seconds=12.5,
        exports=exports,
    )
    for own in (True, False):
        lines = up_lines("ko", status, own_neutron=own, same_lab=["--name", "t1"])
        text = "\n".join(lines)
        assert english_lines(text) == [], text
        assert lines[-2:] == list(exports)  # pasted as they are
        assert ("랩 자체 Neutron" in text) is own
        assert "`kostack lab down --name t1`" in text
    english = "\n".join(up_lines("en", status, own_neutron=True, same_lab=[]))
    assert "port security from the lab's own Neutron at http://127.0.0.1:9696/" in english
    assert "(2 nodes)" in english


def test_up_and_scenarios_wrap_at_100_cells() -> None:
    """`lab up` ran the scenario's summary and the next commands to 150-220 cells in Korean,
    `lab scenarios` its rows to 207-262; now prose wraps under its column, every command
    stays whole between backticks, and the lines to paste stand as they are."""
    from kostack.report.cells import cells

    same_lab = ["--name", "ka1", "--state-dir", "/tmp/a-rather-long/state-directory"]
    for scenario in SCENARIOS:
        status = LabStatus(
            up=True, prefix="ks-ka1-", state_dir=same_lab[-1], scenario=scenario.name,
            summary=scenario.summary, nodes=("k8s-cp-1", "k8s-w-1"),
            neutron_endpoint="http://127.0.0.1:9696/", up_seconds=1.0,
            exports=("export KUBECONFIG=/tmp/a-rather-long/state-directory/kubeconfig",),
        )  # fmt: skip
        for lang in ("en", "ko"):
            lines = up_lines(lang, status, own_neutron=True, same_lab=same_lab)
            assert [line for line in lines if cells(line) > 100] == [], lines
            assert all(line.startswith(("  ", "export ")) for line in lines[1:]), lines
            down = "`kostack lab down --name ka1 --state-dir /tmp/a-rather-long/state-directory`"
            assert down in "\n".join(lines)
    for lang in ("en", "ko"):
        code, text = run("lab", "scenarios", "--lang", lang)
        rows = text.splitlines()
        assert code == 0 and [row for row in rows if cells(row) > 100] == [], text
        names = [row.split()[0] for row in rows if not row.startswith(" ")]
        assert names == [s.name for s in SCENARIOS]
        assert all(row.startswith(" " * 23) or row.split()[0] in names for row in rows), text


def test_ctrl_c_during_lab_up_is_korean() -> None:
    from kostack.analyze.messages import Msg
    from kostack.cli.common import interrupted

    for activity, lang in ((Msg("lab.up.activity"), "ko"), ("collecting (a)", "ko"), ("", "en")):
        env = Environment(stdout=io.StringIO(), stderr=io.StringIO(), environ={}, lang=lang)
        env.activity = activity
        stop = KeyboardInterrupt()
        stop.add_note("ks-t1-n1 was not removed")
        assert interrupted(env, stop) == 130
        text = env.stderr.getvalue()
        assert english_lines(text) == [] if lang == "ko" else text.startswith("error: "), text
    assert text == "error: interrupted (Ctrl-C)\nnote: ks-t1-n1 was not removed\n"


SEED = str(Path(__file__).resolve().parents[2] / "examples" / "seed-incident.json")


@pytest.mark.parametrize(
    "args",
    [
        ("probe", "--lab-name", "x"),
        ("probe", "--snapshot", SEED, "--egress-target", "bogus"),
        ("probe", "--lab", "--lab-name", "nosuch", "--lab-state-dir", "STATE"),
        ("lab", "probe", "--name", "Bad_Name"),
        ("lab", "status", "--state-dir", "STATE"),
        ("lab", "up", "--scenario", "nope", "--state-dir", "STATE"),
    ],
)
def test_probe_and_lab_errors_are_korean(args: tuple[str, ...], tmp_path: Path) -> None:
    real = [str(tmp_path / "state") if a == "STATE" else a for a in args]
    code, text = run(*real, "--lang", "ko")
    assert code in (0, 2), text
    assert hangul(text) and english_lines(text) == [], text
    if code == 2:
        assert text.startswith("오류: "), text
    code, english = run(*real, "--lang", "en")
    assert code in (0, 2) and not hangul(english), english


def _not_ready(lab: object, *args: object, **kwargs: object) -> None:
    """`Lab.up` stopped where the lab's Neutron never says it is ready (its real wait)."""
    from kostack_lab.own_neutron import _wait_ready

    log = Path(os.environ["KS_TEST_LOG"])
    log.write_text("starting\n")
    _wait_ready(os.getpid(), log, 0.0)


def _seed_fails(lab: object, *args: object, **kwargs: object) -> None:
    """`Lab.up` stopped where seeding the lab's Neutron fails (nothing listens on port 9)."""
    from types import SimpleNamespace

    from kostack_lab.own_neutron import seed_own_neutron

    topo = SimpleNamespace(nodes=[None] * 4, router_routes_to_pods=False)
    seed_own_neutron("http://127.0.0.1:9/", topo, Path(os.environ["KS_TEST_LOG"]))  # type: ignore[arg-type]


# The lab's errors from their real raise sites through `kostack lab ... --lang ko`, and the
# English each printed before its messages had keys (byte for byte; LOG and STATE stand for
# the test's paths, "..." for what the OS or openstacksdk words).
REPRESENTATIVE = {
    "scenario unknown": (
        ("up", "--scenario", "nope"),
        None,
        "error: unknown scenario 'nope'\nhint: choose one of: seed, seed-natoutgoing, fixed, "
        "fixed-no-router-routes, fixed-ovn, port-security-off, vxlan-no-4789, vxlan-ok, mtu-bad, "
        "dualstack-ipv6-broken, dualstack-fixed, two-pools, canal-vxlan-ok, canal-no-8472, "
        "antrea-hybrid\n",
    ),
    "neutron not ready": (
        ("up", "--scenario", "seed"),
        _not_ready,
        "error: the lab's Neutron not ready within 0s\nhint: see LOG\n",
    ),
    "seed failure": (
        ("up", "--scenario", "seed"),
        _seed_fails,
        "error: could not seed the lab's Neutron at http://127.0.0.1:9/: DiscoveryFailure: ...",
    ),
    "missing tool": (
        ("up", "--scenario", "seed", "--no-neutron"),
        "no tools",
        "error: missing command(s): `ip`, `bridge`, `nft`, `sysctl`\nhint: install them: "
        "`apt-get update && apt-get install -y ...",
    ),
    "no lab up": (
        ("probe",),
        None,
        # the hint names this lab: the bare `kostack lab up --scenario seed` built another one
        "error: no lab is up (no state in STATE)\n"
        "hint: run `kostack lab up --scenario seed --name kt1 --state-dir STATE`\n",
    ),
    "name clash": (
        ("up", "--scenario", "seed", "--no-neutron"),
        "clash",
        "error: a lab is already up (2 namespaces such as ks-kt1-n1)\n"
        "hint: run `kostack lab down --name kt1` first\n",
    ),
    "bad name": (
        ("status", "--name", "Bad_Name"),
        None,
        "error: bad lab name 'Bad_Name'\nhint: use 1-8 lowercase letters or digits, e.g. t1\n",
    ),
}


@pytest.mark.parametrize("case", sorted(REPRESENTATIVE))
def test_the_labs_errors_through_the_cli(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kostack_lab import netns
    from kostack_lab.lab import Lab

    args, setup, english = REPRESENTATIVE[case]
    log, state = tmp_path / "neutron.log", tmp_path / "state"
    monkeypatch.setenv("KS_TEST_LOG", str(log))
    if callable(setup):
        monkeypatch.setattr(Lab, "up", setup)
    elif setup is not None:
        monkeypatch.setattr(netns, "is_root", lambda: True)
        if setup == "no tools":
            monkeypatch.setenv("PATH", str(tmp_path))
        else:
            monkeypatch.setattr(netns, "require_tools", lambda *a: None)
            monkeypatch.setattr(netns, "require_kernel_features", lambda: None)
            monkeypatch.setattr(Lab, "_owned_namespaces", lambda self: ["ks-kt1-n1", "ks-kt1-hv"])
    which = [] if "--name" in args else ["--name", "kt1"]
    full = ["lab", *args, *which, "--state-dir", str(state)]
    code, korean = run(*full, "--lang", "ko")
    assert code in (2, 3, 5), korean
    assert korean.startswith("오류: ") and "\n힌트: " in korean, korean
    assert english_lines(korean) == [], korean
    code_en, text = run(*full, "--lang", "en")
    assert code_en == code
    text = text.replace(str(log), "LOG").replace(str(state), "STATE")
    if english.endswith("..."):
        assert text.startswith(english.removesuffix("...")), text
    else:
        assert text == english


def test_a_state_dir_it_cannot_make_and_a_save_path_it_cannot_write_are_bad_input(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`lab up --state-dir /proc/...` and `probe --save /proc/...` were internal errors
    (FileNotFoundError, exit 70), the second after every probe had run."""
    from kostack_lab import netns

    monkeypatch.setattr(netns, "is_root", lambda: True)
    monkeypatch.setattr(netns, "require_tools", lambda *a: None)
    monkeypatch.setattr(netns, "require_kernel_features", lambda: None)
    up = ("lab", "up", "--scenario", "seed", "--no-neutron", "--name", "kt2")
    code, ko = run(*up, "--state-dir", "/proc/kostack-state", "--lang", "ko")
    assert code == 2 and ko.startswith(
        "오류: 상태 디렉터리 /proc/kostack-state를 만들 수 없습니다: 파일이나 디렉터리가 없습니다(ENOENT)\n"
        "힌트: --state-dir로 root가 쓸 수 있는 디렉터리를 지정하세요"
    ), ko
    code, en = run(*up, "--state-dir", "/proc/kostack-state", "--lang", "en")
    assert code == 2 and en.startswith(
        "error: cannot make the state directory /proc/kostack-state: No such file or directory"
    ), en
    probe = ("probe", "--snapshot", SEED, "--yes", "--save", "/proc/kostack-probed.json")
    code, ko = run(*probe, "--lang", "ko")  # refused before any probe is sent
    assert code == 2 and ko.startswith(
        "오류: /proc/kostack-probed.json을 쓸 수 없습니다: 파일이나 디렉터리가 없습니다(ENOENT)"
    ), ko


# --------------------------------------------------------------------------- a real lab


@pytest.mark.lab
def test_every_lab_command_is_korean(tmp_path: Path) -> None:
    """One real lab (seed, no Neutron: the cheapest), every subcommand under --lang ko."""
    if os.geteuid() != 0:
        pytest.fail("the lab's Korean needs a real lab: run as root (CI does)")
    name = f"k{os.getpid() % 10_000_000}"
    lab = ["--name", name, "--state-dir", str(tmp_path / "state")]
    seen: list[str] = []

    def korean(expect: int, *args: str, environ: dict[str, str] | None = None) -> str:
        code, text = run("lab", *args, environ=environ)
        assert code == expect, (args, text)
        assert hangul(text), (args, text)
        bad = english_lines(text)
        assert bad == [], "\n".join([" ".join(args), *bad])
        seen.extend(text.splitlines())
        return text

    korean(0, "scenarios", "--lang", "ko")
    try:
        up = korean(
            0,
            "up",
            "--scenario",
            "seed",
            "--no-neutron",
            *lab,
            "--lang",
            "ko",
            "--progress",
            "always",
        )
        assert "랩 구성 중" in up  # the progress line (stderr) is Korean too
        assert "랩 구성 완료: 시나리오 seed, 노드 4대" in up
        assert f"export KUBECONFIG={tmp_path / 'state'}/kubeconfig" in up.splitlines()
        again = korean(2, "up", "--scenario", "seed", "--no-neutron", *lab, "--lang", "ko")
        assert again.startswith("오류: 랩이 이미 실행 중입니다")
        korean(0, "status", *lab, environ={"KOSTACK_LANG": "ko"})
        korean(0, "sync", *lab, "--lang", "ko")
        probed = korean(
            1, "probe", "--timeout", "0.3", *lab, "--lang", "ko", "--progress", "always"
        )
        # stdout (the table, then its count), then the progress lines on stderr
        assert "\n점검 6개 중 6개 실패\n" in probed
        assert "랩 점검 중: 표준 점검을 한꺼번에 실행 중 (각각 최대 0.3초 대기)" in probed
        assert "예상대로" in probed and "ping에 응답하지 않습니다" in probed
        korean(2, "probe", "--from", "nope", *lab, "--lang", "ko")
        way = korean(1, "way-in", "--mode", "ovn", "--timeout", "0.3", *lab, "--lang", "ko")
        assert "실패: " in way
        korean(0, "way-in", "--mode", "ovn", "--remove", *lab, "--lang", "ko")
        probe = ["--lab", "--lab-name", name, "--lab-state-dir", str(tmp_path / "state")]
        code, text = run("probe", *probe, "--yes", "-v", "--timeout", "0.3", "--lang", "ko")
        assert code == 1 and hangul(text) and english_lines(text) == [], text
        assert "시간 초과" in text
        seen.extend(text.splitlines())
        code, english = run("lab", "status", *lab, "--lang", "en", environ={"KOSTACK_LANG": "ko"})
        assert code == 0 and english.startswith("lab up: scenario seed")  # --lang wins
    finally:
        down = korean(0, "down", *lab, "--lang", "ko")
    assert down.startswith("랩 정리 완료: 네임스페이스 15개 삭제")
    assert korean(0, "status", *lab, "--lang", "ko").startswith("실행 중인 랩이 없습니다")
    korean(2, "up", "--scenario", "nope", *lab, "--lang", "ko")
    korean(2, "up", "--scenario", "seed", "--nodes", "1", *lab, "--lang", "ko")
    korean(2, "up", "--scenario", "seed", "--seed-neutron", *lab, "--lang", "ko")
    assert len(seen) > 40
