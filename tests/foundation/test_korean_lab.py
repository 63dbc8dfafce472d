"""Under --lang ko, `kostack lab ...` prints no English sentence: results and errors alike.

The last test builds a real lab (network namespaces, as root: it fails, never
skips, when it cannot) and runs every lab subcommand in Korean through
kostack's own entry point: scenarios, up (twice: the second is an error),
status, sync, probe (the seed fails every probe: exit 1), probe from an
unknown pod, way-in and its removal, down, status with no lab, and bad
input; every line goes through the detector of test_korean_complete.py
(tests/foundation/english.py). The other tests feed the lab's own English
words (its errors and hints, probe details, port-security warnings, status
problems) to the shapes in kostack.cli.lab_errors / lab_shapes, and prove the
detector flags the lab's English lines.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from english import english_lines, english_runs

from kostack.analyze.messages import CATALOG
from kostack.cli.common import Environment
from kostack.cli.lab_errors import ERRORS, lab_error
from kostack.cli.lab_shapes import detail, problem, said_as, warning
from kostack.cli.lab_text import SCENARIOS_KO, up_lines
from kostack.lab.lab_records import LabStatus
from kostack.lab.scenarios import SCENARIOS
from kostack.report.probe_words import observed, verdict_word
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


# The lab's errors and hints as kostack.lab words them (one of each shape).
LAB_ERRORS = (
    ("unknown scenario 'nope'", "choose one of: seed, fixed"),
    ("could not seed the lab's Neutron at http://127.0.0.1:9/: ConnectError: refused", "see /l"),
    (
        "could not seed the Neutron at http://h:9696/: HttpException: 409",
        "check that it runs and is empty (seeding twice makes duplicate ports)",
    ),
    ("the lab's Neutron exited before it was ready", "see /s/neutron.log: Traceback (most ..."),
    ("the lab's Neutron not ready within 120s", "see /s/neutron.log"),
    ("the lab's Kubernetes API exited before it was ready", "see /s/kubeapi.log: boom"),
    ("the lab's Kubernetes API not ready within 10s", "see /s/kubeapi.log"),
    ("lab server dns-k8s-cp-1 exited before it was ready", "see /s/dns.log: address in use"),
    ("lab servers not ready within 10s: dns, web", "see the logs in /s/logs"),
    (
        "cannot make the API server's certificate: neither `cryptography` nor `openssl` is "
        "available",
        "pip install cryptography (openstacksdk already depends on it)",
    ),
    ("seed needs --endpoint URL, not 'x'", "e.g. http://127.0.0.1:9696/"),
    ("too many nodes", "give between 1 and 9000 nodes"),
    ("node k8s-w-1 runs no pod to serve the NodePort", ""),
    ("no member node", "name lab nodes in members="),
    ("--nodes must be between 2 and 40, not 1", "the default is 4"),
    (
        "the lab's own Neutron and --neutron-endpoint exclude each other",
        "give --neutron-endpoint to use your Neutron, or leave it out for the lab's own",
    ),
    ("bad Neutron endpoint 'localhost:9696'", "give the root URL, e.g. http://127.0.0.1:9696/"),
    ("a lab is already up (15 namespaces such as ks-t1-n2)", "run `kostack lab down` first"),
    (
        "Neutron has no port for the lab VMs behind ks-t1-hv-t1, ks-t1-hv-t2",
        "seed it first: kostack-lab-neutron seed --endpoint http://h:9696/ --nodes 4",
    ),
    (
        "Neutron has no port for the lab VMs behind t1",
        "give every lab VM a port in the port description",
    ),
    (
        "down left namespaces ['ks-t1-n1'] and processes [123]",
        "check `ip netns list` and `ps`, then run down again",
    ),
    ("no port-security render recorded", "run `kostack lab sync`"),
    ("ks-x is not a namespace of this lab", "see `kostack lab status`"),
    ("this lab reads port security from Neutron", "change it in Neutron at http://h:9696/"),
    ("missing command(s): nft", "apt-get update && apt-get install -y nftables"),
    (
        "the kernel has no br_netfilter (no /proc/sys/net/bridge)",
        "load it once as root: `modprobe br_netfilter` (the lab does not load modules itself)",
    ),
    ("command not found: ip", "install iproute2 and nftables"),
    ("`ip netns add ks-t1-n1` did not finish within 10s", ""),
    (
        "`nft -f -` failed with status 1: Error: syntax error",
        "run `kostack lab down` to clean up, then try again",
    ),
    ("`nft -j list ruleset` in ks-t1-hv did not return an object", ""),
    (
        "port description is not shaped like a Neutron port: KeyError('id')",
        "give dicts as the Neutron API returns them (id, mac_address, fixed_ips[].ip_address, ...)",
    ),
    (
        "security group description is not shaped like a Neutron group: KeyError('id')",
        "give dicts as the Neutron API returns them (id, name, security_group_rules[])",
    ),
    ("no pod 'nope' in this lab", "see `kostack lab status` for the pods"),
    ("bad lab name 'Bad_Name'", "use 1-8 lowercase letters or digits, e.g. t1"),
    ("no lab is up (no state in /run/kostack/lab)", "run `kostack lab up --scenario seed`"),
    (
        "cannot read ports and security groups from Neutron at http://h:9696/: refused",
        "check the endpoint (the root URL, e.g. http://127.0.0.1:9696/) and that Neutron runs",
    ),
    (
        "cannot read ports from Neutron at http://h:9696/: refused",
        "check the endpoint and that Neutron runs",
    ),
    (
        "cannot read the lab's port description: Expecting value: line 1 column 1 (char 0)",
        "it lives in /s/ports.json and /s/groups.json (Neutron list JSON)",
    ),
    ("the ports description must be a JSON list of objects", 'or {"ports": [...]}'),
    (
        "Neutron at http://h:9696/ has no port for k8s-w-1",
        "seed it first: kostack-lab-neutron seed",
    ),
    (
        "scenario seed names undefined security groups: ghost",
        "define every group a port or rule refers to in security_groups",
    ),
    (
        "the network lab needs root (it creates network namespaces)",
        "run it as root, e.g. `sudo .venv/bin/kostack lab up --scenario seed`",
    ),
    (
        "kostack lab up needs the `lab` extra, which is not installed (missing aiohttp for the "
        "API double)",
        "pip install 'kostack[lab]' (in a checkout: pip install -e '.[lab]')",
    ),
    ("--seed-neutron needs --neutron-endpoint", "give the Neutron root URL"),
    ("--no-neutron and --neutron-endpoint exclude each other", "give one of them"),
)


@pytest.mark.parametrize(("message", "hint"), LAB_ERRORS)
def test_the_labs_errors_are_korean(message: str, hint: str) -> None:
    said, said_hint = lab_error("ko", message, hint)
    assert hangul(said) and english_runs(said) == [], said
    assert english_runs(said_hint) == [], said_hint
    assert lab_error("en", message, hint) == (message, hint)


def test_every_error_message_is_reached_and_an_unknown_one_is_quoted() -> None:
    reached = {said_as(text, ERRORS, "lab.x.other").key for pair in LAB_ERRORS for text in pair}
    catalogue = {key for key in CATALOG if key.startswith("lab.x.")}
    assert catalogue - reached == {"lab.x.other_hint"}  # every hint above has its shape
    said, hint = lab_error("ko", "something new went wrong in the lab", "try this and that")
    assert said == "랩 작업이 실패했습니다 (원문: “something new went wrong in the lab”)"
    assert hint == "원문 힌트: “try this and that”"
    assert english_lines(f"{said}\n{hint}") == []


@pytest.mark.parametrize(
    "text",
    [
        "no answer within 2s",
        "answered rcode 3",
        "answered ['10.96.0.9'], expected 10.96.0.1",
        "kubernetes.default.svc.cluster.local -> no address",
        "connected",
        "TLS TLSv1.3, no HTTP answer",
        "TLS handshake error (proves connectivity): TLSV1_ALERT_INTERNAL_ERROR",
        "connection closed without an answer",
        "no echo reply within 2s",
        "echo reply from 10.96.0.1",
        "destination unreachable from 10.0.0.1",
        "stalled after 65536 of 4194304 bytes (nothing for 2s)",
        "closed after 65536 of 4194304 bytes",
        "4194304 bytes in 0.12s",
        "timed out after 0.5s",
        "answered",
        "ConnectionRefusedError: Connection refused",
        "OSError: Network is unreachable",
        "TimeoutError: timed out",
        "OSError: some new failure of the kernel",
        "a detail the lab never wrote before",
    ],
)
def test_probe_details_are_korean(text: str) -> None:
    said = detail("ko", text)
    assert hangul(said) and english_lines(said) == [], said
    assert detail("en", text) == text


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


@pytest.mark.parametrize(
    "text",
    [
        "3 lab namespaces without a state file: run down",
        "namespace ks-t1-n2 is missing",
        "process dns-k8s-cp-1 (pid 4242) is not running",
        "cannot read counters: `nft -j list ruleset` in ks-t1-hv did not return an object",
        "port security: rule r1 of group k8s-nodes: protocol 'ipip' is not modelled, rule ignored",
        "port security: rule r2 of group default: unknown protocol 'bogus', rule ignored",
        "port security: rule r3 of group default: remote address groups are not modelled, "
        "rule ignored",
        "port security: remote group 7f3a is not among the security groups: it matches nothing",
        "port security: port k8s-w-1: security group ghost not found, ignored",
        "no Neutron port for ks-t1-t3",
        "a problem the lab never reported before",
    ],
)
def test_status_problems_and_warnings_are_korean(text: str) -> None:
    said = problem("ko", text)
    assert hangul(said) and english_lines(said) == [], said
    if text.startswith("port security: "):
        bare = warning("ko", text.removeprefix("port security: "))
        assert hangul(bare) and english_lines(bare) == [], bare


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
