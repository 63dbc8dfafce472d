"""click's own words under a Korean language: TAB completion's descriptions, the metavars and
ranges of every command's Korean help, and the usage errors click raises.

English stays click's, word for word (tests/data/help_en.txt pins the help; the completion
and error cases below pin the English next to the Korean).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.shell_completion import ZshComplete
from english import english_runs
from test_korean_help import PATHS, TREE, help_of, option_rows

from kostack.cli import help_ko
from kostack.cli.common import Environment
from kostack.cli.main import cli
from kostack_testkit.cli import run_cli

BIN = Path(sys.executable).parent
HANGUL = re.compile("[가-힣]")
KO = {"LANG": "ko_KR.UTF-8"}
EN = {"LANG": "C.UTF-8"}
# what click prints for an option that names no metavar of its own, and the Korean for it
# (a range's bounds are said in the option's [...], so an integer in a range is an integer)
METAVARS = {
    "INTEGER RANGE": "정수",
    "FLOAT RANGE": "실수",
    "INTEGER": "정수",
    "FLOAT": "실수",
    "TEXT": "문자열",
    "DIRECTORY": "디렉터리",
}
CLICK_WORDS = re.compile(
    r"\b(?:INTEGER|FLOAT|RANGE|TEXT|BOOLEAN|FILENAME|DIRECTORY|PATH|DATETIME)\b|x[<>]=?|<=?x"
)


# --------------------------------------------------------------------------- completion


def outside() -> dict[str, str]:
    """This process's environment without what chooses a language."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("LANG", "LC_", "KOSTACK_"))}


def zsh(words: str, environ: dict[str, str]) -> list[tuple[str, str]]:
    """(value, description) of what `kostack` itself prints for zsh at ``words`` (the last
    one being completed), in a fresh process as the shell runs it."""
    args = words.split(" ")
    done = subprocess.run(
        [str(BIN / "kostack")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={
            **outside(),
            **environ,
            "_KOSTACK_COMPLETE": "zsh_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(args) - 1),
        },
    )
    lines = done.stdout.splitlines()
    return [(lines[i + 1], lines[i + 2]) for i in range(0, len(lines) - 2, 3)]


def summary(path: str) -> str:
    return help_ko.korean(path, "").split("\n\n")[0]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("words", "value", "english", "korean"),
    [
        ("kostack ", "diagnose", "Find the root cause of pod networking...", summary("diagnose")),
        ("kostack ", "collect", "Read OpenStack and Kubernetes (read-only)...",
         "OpenStack과 Kubernetes를 읽기만 하고..."),
        ("kostack fix ", "apply", "Apply the plan: conditional on the...",
         "계획을 적용합니다: 계획할 때 읽은 리비전을..."),
        ("kostack release ", "check", "Check Helm releases and their volumes;...",
         "Helm 릴리스와 그 볼륨을 점검하고, 실패하는..."),
        ("kostack lab ", "up", "Build the lab for a scenario and start its...",
         "시나리오의 랩을 만들고 그 서버(DNS, API..."),
        ("kostack diagnose --", "--snapshot", "Read a snapshot instead of collecting live.",
         help_ko.korean("diagnose", "snapshot_path")),
        ("kostack fix plan --", "--no-service-cidr",
         "Also add the service CIDR as an allowed pair. Not needed for traffic (service IPs "
         "never leave a node as a source); off by default, as diagnose advises.",
         help_ko.korean("fix plan", "service_cidr")),
        ("kostack lab up --sc", "--scenario", "Which state to build; see `kostack lab scenarios`.",
         "만들 상태. `kostack lab scenarios`를 보세요."),
        ("kostack --", "--help", "Show this message and exit.", "이 도움말을 보여 주고 끝냅니다."),
    ],
)  # fmt: skip
def test_completion_describes_commands_and_options_in_the_language(
    words: str, value: str, english: str, korean: str
) -> None:
    """zsh shows a description beside each command and option: it was English in Korean."""
    assert dict(zsh(words, EN))[value] == english
    assert dict(zsh(words, KO))[value] == korean
    assert dict(zsh(words, {"KOSTACK_LANG": "ko"}))[value] == korean


def test_completion_follows_the_lang_on_the_command_line() -> None:
    """`--lang` among the words completed counts, a command's own before the top-level one."""
    assert (
        dict(zsh("kostack --lang ko fix ", EN))["plan"]
        == "진단을 고치는 변경을 보여 주고, 무엇이든..."
    )
    assert dict(zsh("kostack fix plan --lang ko --sn", EN))["--snapshot"] == help_ko.korean(
        "fix plan", "snapshot_path"
    )
    got = dict(zsh("kostack --lang ko diagnose --lang en --fa", KO))
    assert got["--fail-on"] == "Exit 1 when a finding at or above this severity fails."


def test_kubectl_completion_is_korean_too() -> None:
    env = {**outside(), **KO}
    done = subprocess.run(
        [str(BIN / "kubectl_complete-kostack"), "fix", ""],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=120,
    )
    assert done.stdout.splitlines()[0] == "apply\t계획을 적용합니다: 계획할 때 읽은 리비전을..."


def completions(args: list[str], environ: dict[str, str]) -> list[tuple[str, str | None]]:
    """click's zsh completion of the options and subcommands after ``args``, in this process."""
    env = Environment(environ=environ, stdin_isatty=False, stdout_isatty=False)
    completer = ZshComplete(cli, {"obj": env}, "kostack", "_KOSTACK_COMPLETE")
    items = completer.get_completions(args, "-") + completer.get_completions(args, "")
    return [(item.value, item.help) for item in items]


@pytest.mark.parametrize("path", PATHS)
def test_every_completion_of_every_command_is_korean(path: str) -> None:
    """Every option and subcommand TAB offers, in every command, has a Korean description
    (or none, as in English), a command's within 45 cells as click shortens the English."""
    english = completions(path.split(), EN)
    korean = completions(path.split(), {"KOSTACK_LANG": "ko"})
    assert [value for value, _ in korean] == [value for value, _ in english]
    assert len(korean) > 1
    for (value, said), (_, before) in zip(korean, english, strict=True):
        assert (said is None) == (before is None), value
        if said is not None:
            assert HANGUL.search(said) and english_runs(said) == [], (value, said)
            assert value.startswith("-") or help_ko.cells(said) <= 45, said


# --------------------------------------------------------------------------- metavars, ranges


def options_of(path: str, **environ: str) -> str:
    text = help_of(path, "--help", environ=environ)
    return re.split(r"\n(?:Options|옵션):\n", text)[1].split("\n\n")[0]


@pytest.mark.parametrize("path", PATHS)
def test_korean_help_says_clicks_metavars_and_ranges_in_korean(path: str) -> None:
    english = option_rows(options_of(path))
    text = options_of(path, KOSTACK_LANG="ko")
    assert CLICK_WORDS.findall(text) == [], text
    said = [re.sub("|".join(METAVARS), lambda m: METAVARS[m[0]], row) for row in english]
    assert option_rows(text) == said
    # a bound stays with its number ("1 이상", never "1" at the end of a line and "이상]" after)
    assert re.findall(r"^\s+(?:이상|이하|초과|미만)", text, re.M) == []


@pytest.mark.parametrize(
    ("path", "rows"),
    [
        ("fix apply", ["  --retries 정수                  답이 없거나 5xx를 받은 요청을 다시",
                       "[기본값: 2; 0 이상 10 이하]"]),
        ("preflight", ["  --control-planes 정수           노드 중 몇 개(앞의 것부터)가 컨트롤",
                       "  --network-mtu 정수              계획한 네트워크 MTU. [68 이상 65535 이하]",
                       "  --security-group 문자열         만들 그룹의 이름. [기본값: k8s-nodes]"]),
        ("diagnose", ["[0.1 이상 3600 이하]"]),
        ("guard", ["[기본값: 2; 0 이상]", "  --passes N                      N 회차 뒤 멈춥니다"]),
        ("lab up", ["  --nodes 정수                    노드 VM: 컨트롤 플레인 1 + 워커(2-40). [기본값: 4]"]),
        ("lab probe", ["  --timeout 실수", "  --state-dir 디렉터리"]),
        # the unit was English and wrapped alone: "최소 60" at a line's end, "s 뒤에" on the next
        ("collect", ["60초 뒤에 포기합니다. [0.1 이상 3600 이하]"]),
    ],
)  # fmt: skip
def test_the_words_a_korean_engineer_reads(path: str, rows: list[str]) -> None:
    """INTEGER RANGE, FLOAT, TEXT and `[x>=1]` / `[1<=x<=40]` were click's English."""
    text = options_of(path, KOSTACK_LANG="ko")
    assert [row for row in rows if row not in text] == [], text


# --------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    ("args", "english", "korean"),
    [
        (("fix", "apply", "--retries", "50"),
         "Invalid value for '--retries': 50 is not in the range 0<=x<=10.",
         "--retries: 50은 허용 범위(0 이상 10 이하)를 벗어납니다"),
        (("guard", "--breaker-floor", "-1"),
         "Invalid value for '--breaker-floor': -1 is not in the range x>=0.",
         "--breaker-floor: -1은 허용 범위(0 이상)를 벗어납니다"),
        (("lab", "way-in", "--node-port", "5"),
         "Invalid value for '--node-port': 5 is not in the range 30000<=x<=32767.",
         "--node-port: 5는 허용 범위(30000 이상 32767 이하)를 벗어납니다"),
        (("diagnose", "--verbose=1"), "Option '--verbose' does not take a value.",
         "옵션 --verbose에는 값을 줄 수 없습니다"),
        (("release", "reinstall", "x", "--chart", "c", "--namespace", "n", "--values", "/etc"),
         "Invalid value for '-f' / '--values': File '/etc' is a directory.",
         "--values: 파일 '/etc'는 디렉터리입니다"),
        (("lab", "down", "--state-dir", "/etc/passwd"),
         "Invalid value for '--state-dir': Directory '/etc/passwd' is a file.",
         "--state-dir: 디렉터리 '/etc/passwd'는 파일입니다"),
        (("diagnose", "--lang", "xx"),
         "Invalid value for '--lang': 'xx' is not one of 'en', 'ko'.",
         "--lang: 'xx'는 허용되지 않는 값입니다. 가능한 값: 'en', 'ko'"),
    ],
)  # fmt: skip
def test_clicks_usage_errors_in_korean(args: tuple[str, ...], english: str, korean: str) -> None:
    """Under a Korean locale: a range in words, no English quoted, and an unknown --lang
    (`--lang xx`) no longer turns the error English."""
    code, text = run_cli(*args, environ=EN)
    assert code == 2 and text.splitlines()[0] == f"error: {english}", text
    code, text = run_cli(*args, environ=KO)
    assert code == 2 and text.splitlines()[0] == f"오류: {korean}", text


def out_of_range() -> list[tuple[str, ...]]:
    """Every option of every command that takes a number in a range, given one beyond it."""
    cases = []
    for path, command in TREE:
        for param in command.params:  # (get_params would fix a --help without -h)
            kind = param.type
            if isinstance(param, click.Option) and isinstance(kind, click.types._NumberRangeBase):
                beyond = kind.max + 1 if kind.max is not None else kind.min - 1  # type: ignore[operator]
                cases.append((*path.split(), max(param.opts, key=len), str(beyond)))
    return cases


@pytest.mark.parametrize("args", out_of_range(), ids=" ".join)
def test_every_range_error_says_its_range_in_words(args: tuple[str, ...]) -> None:
    code, text = run_cli(*args, environ=KO)
    first = text.splitlines()[0]
    assert code == 2 and "허용 범위(" in first and CLICK_WORDS.findall(first) == [], text
