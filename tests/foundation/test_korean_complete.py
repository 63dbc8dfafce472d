"""Under --lang ko, no command family prints an English sentence: results and errors alike.

Every family runs in Korean over the examples (diagnose text and -v, trace,
fix plan / apply (dry run) / rollback (dry run, on a journal), report md,
release check, preflight) and through its errors (missing file, bad JSON,
bad option values, unknown option, KOSTACK_TIMEOUT=abc); `english_lines`
(tests/foundation/english.py) flags a line with three or more lowercase
English words in a row outside backticks, quotes and commands. The first
tests prove the detector itself fails on English and passes Korean.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from english import ALLOWED_WORDS, english_lines, english_runs

from kostack_testkit.cli import run_cli
from kostack_testkit.subnets import subnets_doc

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
ALL = sorted(p.stem for p in EXAMPLES.glob("*.json"))
SEED = str(EXAMPLES / "seed-incident.json")
HARBOR = str(EXAMPLES / "harbor-wrong-namespace.json")
# A cross-section of what a fix plan can hold: pairs, rules, routes, manual steps, notes,
# warnings and root causes kostack cannot fix.
PLANS = (
    "seed-incident",
    "hetero-groups",
    "ovn-seed-fix-not-enough",
    "lb-ovn-node-subnet-only",
    "mtu-1500",
    "pod-cidr-overlaps-nodes",
    "seed-port-security-off",
    "unmatched-node",
    "lb-pending-create",
)


run = run_cli


def korean(*args: str, environ: dict[str, str] | None = None) -> str:
    code, text = run(*args, environ=environ)
    assert code != 70, text  # an internal error is not a translation
    assert any("\uac00" <= ch <= "\ud7a3" for ch in text), text
    bad = english_lines(text)
    assert bad == [], "\n".join(bad)
    return text


# --------------------------------------------------------------------------- the detector


@pytest.mark.parametrize(
    "line",
    [
        "error: no pod demo/ghost in the snapshot",
        "  근거:      no ingress rule in groups [k8s-nodes] admits 10.0.0.11 -> 10.0.0.12 tcp:179",
        "     why:     pods on k8s-cp-1 send from addresses in 10.244.0.0/16",
        "hint: see `kostack --help` or the docs",
        "Dry run: nothing was changed.",
    ],
)
def test_the_detector_flags_an_english_sentence(line: str) -> None:
    assert english_runs(line), line
    assert english_lines(f"판정: 정상\n{line}\n") == [line]


@pytest.mark.parametrize(
    "line",
    [
        "근본 원인 1/1  [심각]  Neutron 포트 보안(anti-spoofing)이 Pod 트래픽을 차단함",
        "    openstack port set --allowed-address ip-address=10.244.0.0/16 5f1c7974",
        "힌트: `kostack collect -o FILE`로 만든 스냅샷의 경로를 주세요.",
        "  net-mtu: Pod MTU(1400)가 네트워크 k8s-net(MTU 1450, VXLAN: 오버헤드 50바이트)에 맞습니다.",
        "로그/이벤트: “failed to connect to the database at harbor-database:5432”",
        "  kube-system/kube-dns 10.96.0.10 udp:53 natOutgoing off, calico vxlan crosssubnet",
    ],
)
def test_the_detector_passes_korean_commands_names_and_quotes(line: str) -> None:
    assert english_runs(line) == [], english_runs(line)


def test_a_quote_wrapped_over_two_lines_stays_a_quote() -> None:
    text = "참고: 수집 기록: “no port with device_id of x and\n  no port with fixed IP 10.0.0.14”."
    assert english_lines(text) == []
    assert english_lines(text.replace("“", "").replace("”", "")) != []


def test_the_allowlist_stays_short_and_names_only() -> None:
    # names of protocols, tools, config values and chart parts: never an English sentence word
    assert len(ALLOWED_WORDS) < 80
    assert not ALLOWED_WORDS & {"the", "is", "not", "no", "in", "of", "to", "from", "and", "with"}


# --------------------------------------------------------------------------- the families


@pytest.mark.parametrize("name", ALL)
def test_diagnose_is_korean(name: str) -> None:
    korean("diagnose", "--snapshot", str(EXAMPLES / f"{name}.json"), "--lang", "ko")
    korean("diagnose", "--snapshot", str(EXAMPLES / f"{name}.json"), "--lang", "ko", "-v")


@pytest.mark.parametrize("mixed", [False, True], ids=["plain", "mixed"])
def test_diagnose_of_many_subnets_is_korean(mixed: bool, tmp_path: Path) -> None:
    """Synthetic clusters say what no example does: the decisive hop of a lost reply
    ("reply: the reply is un-SNATed to ..." was English), node-to-node flows."""
    path = tmp_path / "subnets.json"
    path.write_text(json.dumps(subnets_doc(24, 6, mixed=mixed, pods_per_node=2)))
    text = korean("diagnose", "--snapshot", str(path), "--lang", "ko", "-v")
    # a flow's ends in Korean words
    if mixed:  # and the lost reply, said in Korean after the engine's step name
        assert "Pod apps/app-1-0 10.128.0.65 -> Pod apps/app-3-0 10.128.0.193:8080/tcp -> " in text
        assert "reply: 응답이 Pod 주소 10.128.0.65로 역SNAT되지만 " in text
    else:
        assert "Pod apps/app-1-0 10.128.0.65 -> 노드 node-00000 10.0.0.2:6443/tcp -> " in text


@pytest.mark.parametrize(
    ("snapshot", "src", "dst", "extra"),
    [
        (SEED, "pod:demo/netshoot", "svc:kube-system/kube-dns:53/udp", ()),
        (SEED, "pod:demo/netshoot", "svc:default/kubernetes", ("-p", "icmp")),
        (SEED, "pod:demo/netshoot", "ip:1.1.1.1:443/tcp", ()),
        (
            str(EXAMPLES / "lb-ovn-node-subnet-only.json"),
            "ip:198.51.100.7",
            "svc:shop/web:80/tcp",
            (),
        ),
        (str(EXAMPLES / "lb-amphora-healthy.json"), "client", "ip:203.0.113.50:80/tcp", ()),
        (
            str(EXAMPLES / "reply-drop-backend-unknown.json"),
            "pod:demo/netshoot",
            "pod:demo/dns-test:8080/tcp",
            (),
        ),
    ],
)
def test_trace_is_korean(snapshot: str, src: str, dst: str, extra: tuple[str, ...]) -> None:
    korean("trace", "--snapshot", snapshot, "--lang", "ko", *extra, src, dst)


@pytest.mark.parametrize(
    ("src", "dst", "words"),
    [
        # the ends' labels were English ("pod address 10.244.3.99가"), and so was where each
        # endpoint of a service runs ("coredns-... 10.244.0.2 on k8s-cp-1")
        ("pod:demo/dns-test", "ip:10.244.3.99:80/tcp",
         ("경로 추적 Pod demo/dns-test 10.244.2.5 -> Pod 주소 10.244.3.99 80/tcp",)),
        ("node:k8s-w-1", "svc:kube-system/kube-dns:53/udp",
         ("경로 추적 노드 k8s-w-1 10.0.0.12 -> 서비스 kube-system/kube-dns 10.96.0.10 53/udp",
          "엔드포인트 1/2: k8s-cp-1의 coredns-674b8bbfcf-7xk2q 10.244.0.2")),
    ],
)  # fmt: skip
def test_trace_names_its_ends_in_korean(src: str, dst: str, words: tuple[str, ...]) -> None:
    text = korean("trace", "--snapshot", SEED, "--lang", "ko", src, dst)
    for line in words:
        assert line in text.splitlines(), text
    assert [w for w in ("pod address", " on k8s-", "node k8s-", "svc kube-") if w in text] == []


@pytest.mark.parametrize("name", PLANS)
def test_fix_plan_and_apply_dry_run_are_korean(name: str) -> None:
    snapshot = str(EXAMPLES / f"{name}.json")
    text = korean("fix", "plan", "--snapshot", snapshot, "--lang", "ko", "-v")
    assert "계획" in text or "변경할 것이 없습니다" in text
    korean("fix", "apply", "--snapshot", snapshot, "--lang", "ko")


def test_fix_rollback_dry_run_is_korean(tmp_path: Path) -> None:
    from kostack.apply.journal import Journal
    from kostack.model import load_snapshot
    from kostack.plan.build import build_plan
    from kostack.plan.model import PlanOptions

    plan = build_plan(load_snapshot(SEED), PlanOptions())
    path = tmp_path / "fix.journal.jsonl"
    with Journal.create(path, plan, version="test", cloud=None):
        pass
    text = korean("fix", "rollback", str(path), "--lang", "ko")
    assert "롤백" in text


def test_every_fix_command_follows_kostack_lang() -> None:
    text = korean("fix", "plan", "--snapshot", SEED, environ={"KOSTACK_LANG": "ko"})
    assert text.startswith("계획 sha256:")
    code, english = run(
        "fix", "plan", "--snapshot", SEED, "--lang", "en", environ={"KOSTACK_LANG": "ko"}
    )
    assert code == 0 and english.startswith("Plan sha256:")  # --lang wins


@pytest.mark.parametrize(
    "name", ["seed-incident", "harbor-wrong-namespace", "unmatched-node", "lb-ovn-node-subnet-only"]
)
def test_report_markdown_is_korean(name: str) -> None:
    korean(
        "report",
        "--snapshot",
        str(EXAMPLES / f"{name}.json"),
        "--lang",
        "ko",
        "-o",
        "-",
        "--format",
        "md",
    )


def test_release_check_is_korean() -> None:
    korean("release", "check", "--snapshot", HARBOR, "--lang", "ko")
    korean("release", "check", "-v", "--snapshot", HARBOR, "--lang", "ko")
    korean(
        "release", "check", "harbor", "--namespace", "default", "--snapshot", HARBOR, "--lang", "ko"
    )


@pytest.mark.parametrize(
    "args",
    [
        (
            "--pod-cidr",
            "10.244.0.0/16",
            "--service-cidr",
            "10.96.0.0/12",
            "--node",
            "10.0.0.11=k8s-cp-1",
            "--node",
            "10.0.0.12=k8s-w-1",
            "--subnet-cidr",
            "10.0.0.0/24",
            "--network-mtu",
            "1450",
        ),
        (
            "--pod-cidr",
            "10.0.0.0/16",
            "--service-cidr",
            "10.96.0.0/12",
            "--node",
            "10.0.0.11",
            "--subnet-cidr",
            "10.0.0.0/24",
            "--network-mtu",
            "1450",
            "--pod-mtu",
            "1450",
        ),
        (
            "--snapshot",
            SEED,
            "--network",
            "k8s-net",
            "--pod-cidr",
            "10.244.0.0/16",
            "--service-cidr",
            "10.96.0.0/12",
            "--cni",
            "cilium",
            "--mode",
            "native",
        ),
    ],
)
def test_preflight_is_korean(args: tuple[str, ...]) -> None:
    korean("preflight", "--lang", "ko", *args)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "args",
    [
        ("diagnose", "--snapshot", "/nonexistent/snap.json"),
        ("diagnose", "--snapshot", "BAD_JSON"),
        ("diagnose", "--snapshot", "A_DIRECTORY"),
        ("diagnose", "--snapshot", "NOT_AN_OBJECT"),
        ("diagnose", "--snapshot", SEED, "--fail-on", "bogus"),
        ("diagnose", "--snapshot", SEED, "--bogus-option"),
        ("diagnose", "--snapshot", SEED, "--egres-target", "1.1.1.1"),
        ("diagnose", "--snapshot", SEED, "--timeout", "abc"),
        ("diagnose", "--snapshot", SEED, "--timeout", "99999"),
        ("trace", "--snapshot", SEED, "pod:nope/x", "ip:1.2.3.4"),
        ("trace", "--snapshot", SEED, "bogus", "ip:1.2.3.4"),
        ("trace", "--snapshot", SEED, "pod:demo/netshoot", "svc:kube-system/kube-dns"),
        ("trace", "--snapshot", SEED, "pod:demo/netshoot", "ip:not-an-ip"),
        ("trace", "--snapshot", SEED, "pod:demo/netshoot"),
        ("fix", "plan", "--snapshot", SEED, "--method", "nope"),
        ("report", "--snapshot", SEED),
        ("nosuchcommand",),
    ],
)
def test_errors_are_korean(args: tuple[str, ...], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    array = tmp_path / "array.json"
    array.write_text("[]")
    real = [
        {"BAD_JSON": str(bad), "A_DIRECTORY": str(tmp_path), "NOT_AN_OBJECT": str(array)}.get(a, a)
        for a in args
    ]
    code, text = run(*real, "--lang", "ko")
    assert code == 2, text
    assert text.startswith("오류: "), text
    assert english_lines(text) == [], text


def test_kostack_timeout_error_is_korean() -> None:
    code, text = run("diagnose", "--lang", "ko", environ={"KOSTACK_TIMEOUT": "abc"})
    assert code == 2
    assert (
        text
        == "오류: KOSTACK_TIMEOUT='abc'는 초 단위 숫자가 아닙니다\n힌트: 예: KOSTACK_TIMEOUT=30\n"
    )


def test_english_errors_keep_their_words() -> None:
    code, text = run("diagnose", "--snapshot", SEED, "--fail-on", "bogus")
    assert code == 2 and text.startswith("error: Invalid value for '--fail-on'")
    code, text = run("diagnose", "--snapshot", "/nonexistent/snap.json")
    assert text.startswith("error: cannot read snapshot /nonexistent/snap.json: no such file")


def test_a_trace_from_any_client_names_it_in_korean() -> None:
    lb = str(EXAMPLES / "lb-amphora-healthy.json")
    text = korean("trace", "--snapshot", lb, "--lang", "ko", "client", "ip:203.0.113.50:80/tcp")
    assert text.startswith(
        "경로 추적 임의의 클라이언트 -> 서비스 shop/web 203.0.113.50 80/tcp\n"
    ), text
