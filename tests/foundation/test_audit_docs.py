"""What the README and docs say, held to what the repository and the commands do."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORDS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9,
}  # fmt: skip


def _number(words: str) -> int:
    return sum(WORDS[w] for w in words.split("-"))


def test_the_readme_counts_the_bundled_examples() -> None:
    """It said "twenty-five more situations" when examples/ held 27 besides the seed."""
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    match = re.search(r"`examples/` has ([a-z-]+) more situations, ([a-z]+) of them about", readme)
    assert match, "the README no longer counts the examples"
    examples = sorted(p.name for p in (ROOT / "examples").glob("*.json"))
    assert _number(match[1]) == len(examples) - 1, examples  # the seed is the one before
    assert _number(match[2]) == len([n for n in examples if n.startswith("lb-")])


def test_the_reports_pod_to_pod_check_names_a_port_the_target_serves() -> None:
    """It printed `nc -zv -w 3 10.244.0.2 '<PORT>'`: a command that fails as pasted."""
    from kostack_testkit.cli import run_cli

    snapshot = str(ROOT / "examples" / "seed-incident.json")
    code, out = run_cli("report", "--snapshot", snapshot, "-o", "-", "--format", "md")
    assert code == 0, out
    wanted = (
        "kubectl exec -n demo netshoot -- nc -zv -w 3 10.244.0.2 53   # pod to pod across nodes"
    )
    assert wanted in out, out
    assert "<PORT>" not in out


def test_diagnose_on_a_snapshot_points_to_commands_that_read_the_same_snapshot(
    tmp_path: Path,
) -> None:
    """After `diagnose --snapshot F`, the hints said `kostack fix plan` and `kostack diagnose -v`:
    run as printed they collect live, and without a cloud they exit 3 (no credentials). The
    pointer under the fast, insecure fix names the method that plans it: the default plan has
    the recommended pairs instead."""
    from kostack_testkit.cli import flat, run_cli

    snap = tmp_path / "my snap.json"  # a path the shell would split
    snap.write_text((ROOT / "examples" / "seed-incident.json").read_text())
    method = "--method disable-port-security"
    for lang, plan in (
        ("en", f"-> `kostack fix plan --snapshot '{snap}' {method}` for the full, reviewable plan"),
        ("ko", f"-> 전체 계획은 `kostack fix plan --snapshot '{snap}' {method}`로 검토하세요"),
    ):
        code, out = run_cli("diagnose", "--snapshot", str(snap), "--lang", lang)
        assert code == 1, out
        assert plan in out, out
        assert f"`kostack diagnose --snapshot '{snap}' -v`" in flat(out), out
    code, out = run_cli("fix", "plan", "--snapshot", str(snap), *method.split())  # as printed
    assert code == 0, out
    assert "disable port security" in out, out
    assert "4 changes to 4 ports for 1 root cause" in out


def test_the_guard_pages_korean_example_is_what_guard_prints() -> None:
    """docs/guard.md showed "허용 주소 쌍 추가", a term the glossary forbids and guard never printed."""
    from kostack_testkit.cli import flat, run_cli

    page = (ROOT / "docs" / "guard.md").read_text(encoding="utf-8")
    block = page.split("## Language", 1)[1].split("```", 2)[1]
    code, out = run_cli(
        "guard", "--once", "--snapshot", str(ROOT / "examples" / "pairs-some-ports.json"),
        "--lang", "ko",
    )  # fmt: skip
    assert code == 1, out
    assert flat(block) in flat(out), out


def test_trace_says_its_exit_1_covers_a_flow_blocked_to_some_endpoints() -> None:
    """The help's first example exits 1 while one of its two CoreDNS endpoints is reachable;
    "1 blocked in every case" read as every endpoint blocked."""
    from kostack_testkit.cli import flat, run_cli

    seed = str(ROOT / "examples" / "seed-incident.json")
    code, out = run_cli("trace", "--snapshot", seed, "pod:demo/netshoot", "svc:kube-system/kube-dns:53/udp")  # fmt: skip
    assert code == 1, out
    assert "=> DENIED at hop 4" in out and "=> reachable" in out, out
    _, helped = run_cli("trace", "--help")
    assert "1 blocked in every case (to one service endpoint or more" in flat(helped), helped
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "blocked in every case, to one service endpoint or more (`trace`)" in readme


def test_a_plan_quotes_the_snapshots_own_words() -> None:
    """ "natOutgoing off., collected": the snapshot's description ends a sentence of its own."""
    from kostack_testkit.cli import flat, run_cli

    code, out = run_cli("fix", "plan", "--snapshot", str(ROOT / "examples" / "seed-incident.json"))
    assert code == 0, out
    head = flat(out.split("\n\n")[0])
    assert "natOutgoing off.”, collected 2026-11-20T09:14:00Z; project k8s." in head, head
    assert "off., " not in head
    page = " ".join((ROOT / "docs" / "fix.md").read_text(encoding="utf-8").split())
    assert head in page  # the page shows the plan's head as printed
