"""What a new user's first hour showed still wrong: counts in the header, particles fixed in the text.

"1 security groups" in diagnose's second line; a Korean particle written into a
template right after a placeholder (or after the placeholder's parenthesis), which
reads wrong for half the values ("k8s-w-3와", "80(...)는").
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from pathlib import Path

import pytest

import kostack
import kostack_lab
from kostack_testkit.cli import flat, run_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# A placeholder, optionally its closing bracket or backtick or its parenthesis, then one fixed
# form of a particle pair ("[{pairs}]로" after "/16", "`{again}`을" after "--yes").
FIXED_PARTICLE = re.compile(
    r"\{[A-Za-z_.]+\}(?:[\]`]| ?\([^(){}]*(?:\{[^}]*\}[^(){}]*)*\))?"
    r"(이|가|은|는|을|를|과|와|으로|로)(?![가-힣])"
)
# Templates allowed a fixed particle after a placeholder: none.
KNOWN: set[str] = set()


def collected_line(out: str) -> str:
    """The "Collected ..." paragraph after the verdict, its wrapped lines joined again."""
    lines = out.split("\n\n", 1)[0].splitlines()[1:]
    return " ".join(line for line in lines if not line.startswith("  "))


def _korean_templates() -> dict[str, str]:
    for info in [
        *pkgutil.walk_packages(kostack.__path__, "kostack."),
        *pkgutil.walk_packages(kostack_lab.__path__, "kostack_lab."),  # kostack-lab's too
    ]:
        importlib.import_module(info.name)
    from kostack.catalog import CATALOG
    from kostack.guard.messages import MESSAGES as GUARD
    from kostack.report.i18n import MESSAGES as REPORT
    from kostack.watch.messages import MESSAGES as WATCH

    texts = {key: langs["ko"] for key, langs in CATALOG.items()}
    for name, table in (("report", REPORT), ("watch", WATCH), ("guard", GUARD)):
        texts.update({f"{name}:{key}": text for key, text in table["ko"].items()})
    return texts


def test_no_template_fixes_a_particle_after_a_placeholder() -> None:
    texts = _korean_templates()
    assert len(texts) > 1500  # the walk registered every catalogue
    wrong = [
        f"{key}: ...{text[max(0, m.start() - 10) : m.end() + 2]}..."
        for key, text in texts.items()
        if key not in KNOWN
        for m in FIXED_PARTICLE.finditer(text)
    ]
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize(
    "text",
    [
        "노드 {node}와 매칭",
        "{node}({ip})와 매칭",
        "프로젝트 {project} ({ports}개)와 클러스터",
        "{n}을",
        "allowed_address_pairs를 [{pairs}]로 되돌림",
        "`{again}`을 다시 실행하세요",
    ],
)
def test_the_scan_catches_a_fixed_particle(text: str) -> None:
    assert FIXED_PARTICLE.search(text)


@pytest.mark.parametrize(
    "text", ["{node:과/와} 매칭", "노드 {n}대가", "Pod IP({pods})를", "{again:`을/를} 다시"]
)
def test_the_scan_passes_a_spec_or_a_korean_word(text: str) -> None:
    assert FIXED_PARTICLE.search(text) is None


def test_the_header_counts_one_security_group_in_the_singular() -> None:
    code, out = run_cli("diagnose", "--snapshot", str(EXAMPLES / "ipip-always-no-proto4.json"))
    assert code == 1, out
    header = collected_line(out)
    assert "4 node ports, 1 security group)" in header, header
    assert "(4 nodes," in header


def test_the_korean_header_puts_no_particle_after_the_project() -> None:
    """ "프로젝트 lab (...)와" read wrong for a project named lab (랩과): no particle at all."""
    code, out = run_cli(
        "diagnose", "--snapshot", str(EXAMPLES / "seed-incident.json"), "--lang", "ko"
    )
    assert code == 1, out
    header = collected_line(out)
    assert "보안 그룹 2개), 클러스터 v1.33.5 (노드 4대," in header, header


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "1 change to 1 security group for a finding that depends on what the snapshot"),
        ("ko", "스냅샷이 정하지 않은 조건에 달린 문제를 위한 변경 1건"),
    ],
)
def test_a_plan_for_a_conditional_finding_does_not_say_0_root_causes(
    lang: str, expected: str
) -> None:
    code, out = run_cli(
        "fix", "plan", "--snapshot", str(EXAMPLES / "backend-unknown-healthy.json"), "--lang", lang
    )
    head = flat(out.split("\n\n")[0])  # the header, however it wraps
    assert expected in head, head
    assert "0 root causes" not in head and "근본 원인 0개" not in head, head
    assert code in (0, 1, 4), out


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "pods in a block the snapshot does not name;"), ("ko", "Pod 대역 스냅샷에 없는 블록;")],
)
def test_anti_spoofing_evidence_says_the_block_is_unknown_not_a_question_mark(
    tmp_path: Path, lang: str, expected: str
) -> None:
    """The lab's cluster has no Calico blocks: the evidence line read "pods in ?"."""
    snap = json.loads((EXAMPLES / "seed-incident.json").read_text())
    snap["cluster"]["cni"]["calico"]["blocks"] = None
    for node in snap["cluster"]["nodes"]:
        node["pod_cidrs"] = []
    path = tmp_path / "no-blocks.json"
    path.write_text(json.dumps(snap))
    code, out = run_cli("diagnose", "--snapshot", str(path), "--lang", lang)
    assert code == 1, out
    evidence = [line for line in out.splitlines() if "10.0.0.11)" in line or "(10.0.0.11" in line]
    assert any(expected in line for line in evidence), evidence
    assert " ?;" not in out


def test_an_unmatched_node_takes_its_particle_once_named() -> None:
    code, out = run_cli(
        "diagnose", "--snapshot", str(EXAMPLES / "unmatched-node.json"), "--lang", "ko"
    )
    assert code == 4, out
    assert "  노드 k8s-w-3과 매칭되는 Neutron 포트가 없습니다 (노드 IP 10.0.0.14)" in out, out
    assert "노드 노드" not in out


@pytest.mark.parametrize(
    ("example", "lang", "expected"),
    [
        ("mtu-1500", "en", " a1  manual (CNI MTU): `kubectl patch installation default"),
        ("mtu-1500", "ko", " a1  수동 단계 (CNI MTU): `kubectl patch installation default"),
        ("lb-pending-create", "en", " a1  manual (load balancer kube_service_kubernetes_shop_web)"),
        (
            "lb-pending-create",
            "ko",
            " a1  수동 단계 (로드밸런서 kube_service_kubernetes_shop_web)",
        ),
    ],
)
def test_a_manual_step_names_its_target_in_words(example: str, lang: str, expected: str) -> None:
    """It read "manual (cni CNI MTU)" and "manual (loadbalancer ...)": internal kinds."""
    code, out = run_cli(
        "fix", "plan", "--snapshot", str(EXAMPLES / f"{example}.json"), "--lang", lang
    )
    assert code in (0, 1), out
    assert flat(expected) in flat(out), out  # a long command stands on its own line
    assert "(cni " not in out and "(loadbalancer " not in out


# Counts that are often 1: "1 security groups", "1 root causes", "(1 local endpoints)".
COUNTED = (
    "fixrun.question", "report:rep.cli.wrote", "lb.pool-down", "lb.pool-ok", "lb.cluster-dnat",
    "lb.healthz-200", "pw.no_echo_n", "pw.timed_out_udp", "plan.warn.discard",
    "report:lane.flows", "report:lane.ports", "probe.progress.running", "lb.note-count",
    "report:collected",
)  # fmt: skip
PLURAL_AFTER_ONE = re.compile(
    r"\b1 (?:[a-z-]+ )?(?:ports|groups|routers|causes|actions|members|endpoints|requests"
    r"|queries|volumes|flows|probes|pods|nodes)\b"
)


def _english_templates() -> dict[str, str]:
    _korean_templates()  # imports every catalogue
    from kostack.catalog import CATALOG
    from kostack.report.i18n import MESSAGES as REPORT

    texts = {key: langs["en"] for key, langs in CATALOG.items()}
    texts.update({f"report:{key}": text for key, text in REPORT["en"].items()})
    return texts


@pytest.mark.parametrize("key", COUNTED)
def test_a_count_of_one_takes_the_singular(key: str) -> None:
    from kostack.catalog import placeholders
    from kostack.korean import fill

    template = _english_templates()[key]
    text = fill(template, dict.fromkeys(placeholders(template), "1"))
    assert PLURAL_AFTER_ONE.search(text) is None, text
    assert PLURAL_AFTER_ONE.search("1 security groups") and not PLURAL_AFTER_ONE.search("1 on this")


def test_the_report_command_counts_one_root_cause(tmp_path: Path) -> None:
    target = tmp_path / "r.md"
    code, out = run_cli(
        "report", "--snapshot", str(EXAMPLES / "harbor-wrong-namespace.json"), "-o", str(target)
    )
    assert code == 0, out
    assert f"Wrote {target} (Markdown): 1 root cause, 0 journaled actions." in out, out


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (("preflight", "--network", "n"), "hint: see `kostack preflight --help`"),
        (("lab", "up"), "hint: see `kostack lab up --help`"),
        (("diagnose", "--bogus"), "hint: see `kostack diagnose --help`"),
        (
            ("preflight", "--network", "n", "--lang", "ko"),
            "힌트: `kostack preflight --help`를 보세요",
        ),
        (("bogus",), "hint: see `kostack --help` or `kostack COMMAND --help`"),
    ],
)
def test_a_usage_error_points_at_that_commands_help(args: tuple[str, ...], hint: str) -> None:
    code, out = run_cli(*args)
    assert code == 2, out
    assert out.rstrip().splitlines()[-1] == hint, out


@pytest.mark.parametrize("args", [(), ("fix",), ("lab",)])
def test_a_bare_command_prints_its_help_not_an_error(args: tuple[str, ...]) -> None:
    """`kostack` alone printed "error: Usage: kostack ..." and a hint to see --help."""
    code, out = run_cli(*args)
    assert code == 2, out
    assert out.startswith(f"Usage: kostack {' '.join(args)}".rstrip() + " [OPTIONS] COMMAND"), out
    assert "error:" not in out and "hint:" not in out


@pytest.mark.parametrize(
    ("src", "dst", "hint"),
    [
        ("pod:demo/nope", "svc:kube-system/kube-dns:53/udp",
         "hint: In namespace demo the snapshot has: dns-test, netshoot."),
        ("pod:dmo/x", "svc:kube-system/kube-dns:53/udp",
         "hint: The snapshot has none in namespace dmo; its namespaces: calico-system, demo, "
         "harbor, kube-system."),
        ("pod:demo/netshoot", "svc:kube-system/dns:53/udp",
         "hint: In namespace kube-system the snapshot has: kube-dns."),
        ("node:w1", "svc:kube-system/kube-dns:53/udp",
         "hint: The snapshot's nodes: k8s-cp-1, k8s-w-1, k8s-w-2, k8s-w-3."),
    ],
)  # fmt: skip
def test_trace_names_what_the_snapshot_has_when_an_endpoint_is_not_there(
    src: str, dst: str, hint: str
) -> None:
    """The hint said "List pods with `kostack diagnose -o json`", whose JSON lists no pods."""
    code, out = run_cli("trace", "--snapshot", str(EXAMPLES / "seed-incident.json"), src, dst)
    assert code == 2, out
    assert out.rstrip().splitlines()[-1] == hint, out


@pytest.mark.parametrize(
    ("nodes", "cps", "head"),
    [
        (1, 1, "Preflight: 1 node (1 control plane) on a planned network"),
        (3, 3, "Preflight: 3 nodes (3 control planes) on a planned network"),
    ],
)
def test_preflight_counts_its_nodes_in_the_singular_and_plural(
    nodes: int, cps: int, head: str
) -> None:
    """The header said "1 nodes" for a one-node plan and "3 control plane" for three."""
    planned = [f"--node=10.0.0.{11 + i}" for i in range(nodes)]
    code, out = run_cli(
        "preflight", "--pod-cidr", "10.244.0.0/16", "--service-cidr", "10.96.0.0/12",
        "--network-mtu", "1450", "--control-planes", str(cps), *planned,
    )  # fmt: skip
    assert code == 0, out
    assert out.startswith(head), out


SEED = str(EXAMPLES / "seed-incident.json")


@pytest.mark.parametrize(
    ("args", "environ", "expected"),
    [
        # `kostack --lang ko diagnose` was refused ("없는 옵션입니다: --lang")
        (("--lang", "ko", "diagnose", "--snapshot", SEED), {}, "판정: 근본 원인 1개를 찾았습니다."),
        # it wins over KOSTACK_LANG, as a command's own --lang does
        (("--lang=ko", "fix", "plan", "--snapshot", SEED), {"KOSTACK_LANG": "en"}, "계획 sha256:"),
        (("--lang", "ko", "lab", "scenarios"), {}, "seed                   사고 그대로"),
        (("--lang", "en", "diagnose", "--snapshot", SEED), {"KOSTACK_LANG": "ko"}, "VERDICT: 1 "),
        # a command's own --lang wins over the one before it
        (("--lang", "ko", "diagnose", "--lang", "en", "--snapshot", SEED), {}, "VERDICT: 1 "),
    ],
)  # fmt: skip
def test_lang_before_the_command_is_every_commands_language(
    args: tuple[str, ...], environ: dict[str, str], expected: str
) -> None:
    code, out = run_cli(*args, environ=environ)
    assert code in (0, 1), out
    assert out.startswith(expected), out


def test_lang_before_the_command_leaves_the_callers_environment_alone() -> None:
    environ = {"LANG": "C"}
    code, out = run_cli("--lang", "ko", "diagnose", "--snapshot", "/nonexistent.json",
                        environ=environ)  # fmt: skip
    assert code == 2
    assert out.startswith("오류: 스냅샷 /nonexistent.json을 읽을 수 없습니다"), out
    assert environ == {"LANG": "C"}
