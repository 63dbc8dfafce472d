"""Colour and progress on the terminal (issue #13 item 2): when they are shown, that they only
add escape sequences (never change the text), that progress stays on stderr, and that the
output programs read is byte-identical with and without a terminal."""

from __future__ import annotations

import ast
import io
import os
import pty
import re
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

import pytest

from kostack.cli.common import Environment
from kostack.cli.console import Highlighting, ansi, color_enabled, progress_enabled, steps
from kostack.cli.main import main
from kostack.cli.messages import COLLECT_STEPS

ROOT = Path(__file__).resolve().parents[2]
SEED = str(ROOT / "examples" / "seed-incident.json")
KOSTACK = str(Path(sys.executable).parent / "kostack")
ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def strip(text: str) -> str:
    return ESCAPE.sub("", text)


def run(
    args: list[str],
    *,
    tty: bool = False,
    environ: Mapping[str, str] | None = None,
) -> tuple[int, str, str]:
    """kostack in-process; `tty` says stdout and stderr are terminals."""
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=out,
        stderr=err,
        environ={"LANG": "C.UTF-8", **(environ or {})},
        stdin_isatty=False,
        stdout_isatty=tty,
        stderr_isatty=tty,
    )
    return main(args, env), out.getvalue(), err.getvalue()


def on_a_terminal(args: list[str], environ: Mapping[str, str] | None = None) -> tuple[int, bytes]:
    """kostack with stdout and stderr on a real pseudo-terminal; everything the terminal got."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [KOSTACK, *args],
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
        env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "TERM": "xterm", **(environ or {})},
        cwd=ROOT,
    )
    os.close(secondary)
    received = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        received += chunk
    os.close(primary)
    return process.wait(timeout=60), received


# -- when ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("color", "tty", "environ", "expected"),
    [
        ("auto", True, {}, True),
        ("auto", False, {}, False),  # piped
        ("auto", True, {"NO_COLOR": "1"}, False),
        ("auto", True, {"NO_COLOR": ""}, True),  # no-color.org: set and not empty
        ("auto", True, {"TERM": "dumb"}, False),
        ("never", True, {}, False),
        ("always", False, {}, True),
        ("always", False, {"NO_COLOR": "1"}, True),  # the explicit option wins
    ],
)
def test_colour_decision(color: str, tty: bool, environ: dict[str, str], expected: bool) -> None:
    env = Environment(environ=environ, stdout_isatty=tty, stderr_isatty=tty, color=color)
    assert color_enabled(env) is expected
    assert color_enabled(env, machine=True) is False  # json, junit, sarif, scripts: never


@pytest.mark.parametrize(
    ("progress", "tty", "expected"),
    [("auto", True, True), ("auto", False, False), ("never", True, False), ("always", False, True)],
)
def test_progress_decision(progress: str, tty: bool, expected: bool) -> None:
    env = Environment(environ={}, stdout_isatty=False, stderr_isatty=tty, progress=progress)
    assert progress_enabled(env) is expected


# -- colour only adds escapes -------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["diagnose", "--snapshot", SEED, "-v"],
        ["diagnose", "--snapshot", SEED, "--lang", "ko", "-v"],
        ["trace", "--snapshot", SEED, "pod:demo/netshoot", "svc:kube-system/kube-dns:53/udp"],
        ["fix", "plan", "--snapshot", SEED],
        ["probe", "--snapshot", SEED],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_colour_adds_escapes_and_changes_no_character(args: list[str]) -> None:
    code, plain, _ = run(args)
    code_colored, colored, _ = run(["--color", "always", *args])
    assert code == code_colored
    assert ESCAPE.search(plain) is None
    assert ESCAPE.search(colored) is not None
    assert strip(colored) == plain


def test_severity_and_verdicts_get_their_colours() -> None:
    _, colored, _ = run(["diagnose", "--snapshot", SEED, "--color", "always"])
    assert "\x1b[1;31m[critical]\x1b[0m" in colored
    _, colored_ko, _ = run(["diagnose", "--snapshot", SEED, "--lang", "ko", "--color", "always"])
    assert "\x1b[1;31m[심각]\x1b[0m" in colored_ko
    _, traced, _ = run(
        ["--color", "always", "trace", "--snapshot", SEED, "pod:demo/netshoot", "node:k8s-w-2"]
    )
    assert "\x1b[1;31mDENIED\x1b[0m" in traced


@pytest.mark.parametrize(
    "args",
    [
        ["diagnose", "--snapshot", SEED, "-o", "json"],
        ["diagnose", "--snapshot", SEED, "-o", "sarif"],
        ["diagnose", "--snapshot", SEED, "-o", "junit"],
        ["fix", "plan", "--snapshot", SEED, "-o", "json"],
        ["fix", "plan", "--snapshot", SEED, "-o", "script"],
        ["report", "--snapshot", SEED, "-o", "-", "--format", "md"],
    ],
    ids=lambda args: " ".join(args[:2] + args[3:]),
)
def test_machine_output_is_byte_identical_with_and_without_a_terminal(args: list[str]) -> None:
    _, piped, _ = run(args)
    _, forced, _ = run(["--color", "always", "--progress", "always", *args], tty=True)
    _, on_tty, _ = run(args, tty=True)
    assert piped == forced == on_tty
    assert ESCAPE.search(piped) is None


def test_no_color_and_a_pipe_give_plain_text_on_a_real_terminal() -> None:
    code, received = on_a_terminal(["diagnose", "--snapshot", SEED])
    assert code == 1 and b"\x1b[1;31m[critical]" in received
    code, received = on_a_terminal(["diagnose", "--snapshot", SEED], {"NO_COLOR": "1"})
    text = received.decode()
    assert code == 1 and "[critical]" in text
    assert "\x1b[1;31m" not in text  # no colour on the result (progress may still draw)


def test_json_on_a_real_terminal_is_the_same_bytes_as_piped() -> None:
    piped = subprocess.run(
        [KOSTACK, "diagnose", "--snapshot", SEED, "-o", "json"],
        capture_output=True,
        cwd=ROOT,
        check=False,
    ).stdout
    code, received = on_a_terminal(
        ["--progress", "never", "diagnose", "--snapshot", SEED, "-o", "json"]
    )
    assert code == 1
    # the terminal turns each \n into \r\n (its line discipline); nothing else may differ
    assert received.replace(b"\r\n", b"\n") == piped


# -- progress ------------------------------------------------------------------------------


def test_progress_is_drawn_on_stderr_only_and_is_transient() -> None:
    args = ["diagnose", "--snapshot", SEED]
    _, plain, plain_err = run(args)
    _, out, err = run(["--progress", "always", *args])
    assert out == plain and plain_err == ""
    assert "diagnosing 4 nodes, 4 ports" in err
    assert err.rstrip().endswith("\x1b[2K") or "\x1b[?25h" in err  # cleared at the end


def test_progress_follows_the_commands_language() -> None:
    _, _, err = run(["--progress", "always", "diagnose", "--snapshot", SEED, "--lang", "ko"])
    assert "진단 중: 노드 4대, 포트 4개" in err


def test_progress_is_silent_when_stderr_is_piped() -> None:
    _, _, err = run(["diagnose", "--snapshot", SEED])
    assert err == ""


def _drawn(progress: str) -> tuple[Environment, io.StringIO]:
    err = io.StringIO()
    return Environment(stdout=io.StringIO(), stderr=err, progress=progress, environ={}), err


def test_a_notice_under_the_progress_line_gets_a_line_of_its_own() -> None:
    """The first Ctrl-C's notice during a helm step (cli/release_run.py): written straight to
    stderr it landed after the spinner's text ("... 0:00:00Ctrl-C: step 1 ...")."""
    env, err = _drawn("always")
    with steps(env, "reinstalling harbor") as progress:
        progress.describe("Ctrl-C: held")
        progress.say("Ctrl-C: step 1 is left to finish", env.stderr)
        progress.describe("step 2")
    lines = [
        re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", ln).split("\r")[-1]
        for ln in err.getvalue().split("\n")
    ]
    assert "Ctrl-C: step 1 is left to finish" in lines, lines
    env, err = _drawn("never")
    with steps(env, "reinstalling harbor") as progress:
        progress.say("Ctrl-C: step 1 is left to finish", env.stderr)
    assert err.getvalue() == "Ctrl-C: step 1 is left to finish\n"


def test_a_notice_from_a_signal_handler_does_not_wait_for_the_display() -> None:
    """A Ctrl-C handler runs in the main thread, maybe while it is inside an update of the
    same display: the display's lock must let it through (it was not reentrant)."""
    env, err = _drawn("always")
    with steps(env, "reinstalling harbor") as progress:

        def inside_an_update() -> None:
            with progress._lock:  # the main thread mid-update when the handler runs
                progress.say("Ctrl-C: held", env.stderr)

        worker = threading.Thread(target=inside_an_update, daemon=True)
        worker.start()
        worker.join(30)
        assert not worker.is_alive(), "the notice waited for a lock its own thread holds"
    assert "Ctrl-C: held" in err.getvalue()


# -- pieces ---------------------------------------------------------------------------------


def test_highlighting_stream_colours_whole_lines_written_in_pieces() -> None:
    target = io.StringIO()
    stream = Highlighting(target)
    for piece in ("ROOT CAUSE 1 of 1  [crit", "ical]  x\n  4 Neutron port: DEN", "IED\nrest"):
        stream.write(piece)
    assert target.getvalue() == ansi("ROOT CAUSE 1 of 1  [critical]  x\n  4 Neutron port: DENIED\n")
    stream.flush()
    assert (
        strip(target.getvalue())
        == "ROOT CAUSE 1 of 1  [critical]  x\n  4 Neutron port: DENIED\nrest"
    )


@pytest.mark.parametrize(
    "text",
    [
        "tab\there",
        "trailing   \n",
        "\r\n",
        "한국어 [심각] 차단됨",
        "\\x1b[31m escaped",
        "",
        "a" * 5000,
    ],
)
def test_ansi_keeps_every_character(text: str) -> None:
    assert strip(ansi(text)) == text


def test_every_collection_step_has_korean() -> None:
    """The steps kostack.collect reports (literal progress("...") calls) are all translated."""
    steps: set[str] = set()
    for path in (ROOT / "src" / "kostack" / "collect").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and (
                    (isinstance(node.func, ast.Name) and node.func.id == "progress")
                    or (isinstance(node.func, ast.Attribute) and node.func.attr == "progress")
                )
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                steps.add(str(node.args[0].value))
    assert len(steps) >= 8
    assert steps <= set(COLLECT_STEPS), steps - set(COLLECT_STEPS)


def test_every_lab_up_stage_has_korean() -> None:
    """The stages Lab.up and the lab's own Neutron report (say("...")/step("...")) are translated."""
    from kostack_lab.cli.lab_text import LAB_STAGES, lab_stage

    stages: set[str] = set()
    for name in ("lab.py", "own_neutron.py"):
        tree = ast.parse((ROOT / "lab" / "kostack_lab" / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("say", "step")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                stages.add(str(node.args[0].value))
    assert len(stages) >= 7
    assert stages <= set(LAB_STAGES), stages - set(LAB_STAGES)
    assert lab_stage("ko", "seeding Neutron") == "랩 구성 중: Neutron에 네트워크와 포트 생성"
    assert lab_stage("en", "seeding Neutron") == "lab up: seeding Neutron"


def test_diagnosing_progress_survives_a_snapshot_without_nodes_or_ports() -> None:
    """A collection gap leaves `nodes`/`ports` unset (None): the progress line says 0."""
    from types import SimpleNamespace

    from kostack.cli.console import diagnosing

    err = io.StringIO()
    env = Environment(stderr=err, environ={}, stderr_isatty=True, progress="always")
    gap = SimpleNamespace(
        cluster=SimpleNamespace(nodes=None), openstack=SimpleNamespace(ports=None)
    )
    with diagnosing(env, gap):
        pass
    assert "diagnosing 0 nodes, 0 ports" in err.getvalue()


# -- one line per phase of the diagnosis ------------------------------------------------------

PHASES_EN = (
    "diagnosing 4 nodes, 4 ports: snapshot read and validated",
    "indexing nodes, ports and security groups",
    "flow classes: pod to pod across nodes",
    "checks",
    "root causes and the paths they explain",
    "writing the report",
)


def _final_frame(received: bytes, first: str = "✓ diagnosing") -> list[str]:
    """The lines of the last progress frame drawn (from its first line, `first`) before the
    display was cleared."""
    text = strip(received.decode()).replace("\r\n", "\n")
    start = text.rfind(first)
    assert start >= 0, text
    lines = []
    for line in text[start:].split("\n"):
        line = line.split("\r")[0].strip()  # what a refresh wrote over the line comes later
        if not line.startswith(("✓", *"⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")):
            break
        lines.append(line)
    return lines


def test_every_phase_of_the_diagnosis_has_its_line_on_a_real_terminal() -> None:
    code, received = on_a_terminal(["diagnose", "--snapshot", SEED])
    assert code == 1
    text = strip(received.decode())
    assert "reading the snapshot" in text
    drawn = "\n".join(_final_frame(received))
    for phase in PHASES_EN:
        assert f"✓ {phase}" in drawn, (phase, drawn)
    # the checks count up to every check, by name while they run
    from kostack.analyze.checks import CHECKS

    assert f"{len(CHECKS)}/{len(CHECKS)}" in drawn
    # the result follows the cleared display, whole
    assert "ROOT CAUSE 1 of 1" in text


def test_report_and_fix_plan_show_the_diagnosis_phases(tmp_path: Path) -> None:
    """`kostack report` and `kostack fix plan` run the same engine: the same lines, and the
    plan's own phase (it re-diagnoses the changed snapshot) after them."""
    code, received = on_a_terminal(
        ["report", "--snapshot", SEED, "-o", str(tmp_path / "report.md")]
    )
    assert code == 0, strip(received.decode())
    drawn = "\n".join(_final_frame(received))
    for phase in PHASES_EN[:-1]:
        assert f"✓ {phase}" in drawn, (phase, drawn)
    code, received = on_a_terminal(["fix", "plan", "--snapshot", SEED])
    assert code == 0, strip(received.decode())
    drawn = "\n".join(_final_frame(received))
    for phase in (*PHASES_EN[:-1], "planning the fix and checking it by diagnosing"):
        assert f"✓ {phase}" in drawn, (phase, drawn)


def test_the_phases_in_korean() -> None:
    _, received = on_a_terminal(["diagnose", "--snapshot", SEED, "--lang", "ko"])
    drawn = "\n".join(_final_frame(received, "✓ 진단 중"))
    for phase in ("진단 중: 노드 4대, 포트 4개: 스냅샷 읽기와 검증 완료", "점검", "보고서 작성"):
        assert f"✓ {phase}" in drawn, (phase, drawn)


@pytest.mark.parametrize("output", ["json", "junit", "sarif"])
def test_no_phase_lines_for_programs_even_on_a_terminal(output: str) -> None:
    code, received = on_a_terminal(["diagnose", "--snapshot", SEED, "-o", output])
    assert code == 1
    text = received.decode()
    assert "indexing nodes" not in text and "reading the snapshot" not in text
    assert "\x1b[?25l" not in text  # no live display hid the cursor
    _, _, err = run(["--progress", "always", "diagnose", "--snapshot", SEED, "-o", output])
    assert "writing the report" in err  # asked for: drawn


def test_no_phase_lines_when_stderr_is_piped() -> None:
    process = subprocess.run(
        [KOSTACK, "diagnose", "--snapshot", SEED],
        capture_output=True,
        cwd=ROOT,
        check=False,
        env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "TERM": "xterm"},
    )
    assert process.returncode == 1 and process.stderr == b""
    assert b"ROOT CAUSE 1 of 1" in process.stdout and b"\x1b[" not in process.stdout


def test_phase_lines_follow_no_color() -> None:
    _, received = on_a_terminal(["diagnose", "--snapshot", SEED], {"NO_COLOR": "1"})
    text = received.decode()
    assert "indexing nodes" in strip(text)
    # no colour anywhere: the only escapes are cursor moves and line clears
    assert not re.search(r"\x1b\[[0-9;]*m", text.replace("\x1b[0m", "")), "colour with NO_COLOR"


def test_phase_lines_tick_each_phase_and_name_the_running_check() -> None:
    """What the engine tells the display, recorded (rich draws frames on its own clock)."""
    from kostack.analyze.checks import CHECKS
    from kostack.analyze.diagnose import diagnose
    from kostack.cli.console import PhaseLines
    from kostack.model import load_snapshot

    class Recorder:
        def __init__(self) -> None:
            self.tasks: dict[int, dict[str, object]] = {}

        def add_task(self, description: str, total: int | None = None, **fields: object) -> int:
            self.tasks[len(self.tasks)] = {"description": description, "total": total, "done": 0}
            return len(self.tasks) - 1

        def update(self, task: int, **changes: object) -> None:
            entry = self.tasks[task]
            entry["done"] = changes.get(
                "completed", int(str(entry["done"])) + int(str(changes.get("advance", 0)))
            )
            entry.update({k: v for k, v in changes.items() if k in ("description", "total")})
            entry.setdefault("seen", []).append(changes.get("description"))  # type: ignore[union-attr]

    recorder = Recorder()
    lines = PhaseLines(Environment(environ={}), recorder)
    diagnose(load_snapshot(SEED), phases=lines)
    lines.start("report")
    lines.close()
    described = [str(e["description"]) for e in recorder.tasks.values()]
    assert described == list(PHASES_EN[1:])
    checks = recorder.tasks[2]
    assert checks["total"] == checks["done"] == len(CHECKS)
    assert f"checks: {CHECKS[0].id}" in checks["seen"]  # type: ignore[operator]
    assert all(e["done"] == (e["total"] or 1) for e in recorder.tasks.values())
