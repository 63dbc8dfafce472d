"""The CLI's own words under Korean: `--version` and the usage errors' hints (which
subcommand's help to read).

Each case pins the English beside the Korean: English scripts parse `kostack, version X`.
"""

from __future__ import annotations

import io

import pytest
from test_korean_click import EN, KO, completions, options_of

from kostack.cli.common import Environment
from kostack.cli.main import main, version
from kostack_testkit.cli import run_cli


@pytest.mark.parametrize(
    ("args", "environ", "said"),
    [
        (("--version",), EN, "kostack, version {}"),
        (("--version",), {"KOSTACK_LANG": "en", **KO}, "kostack, version {}"),
        (("--version",), KO, "kostack 버전 {}"),
        (("--version",), {"KOSTACK_LANG": "ko"}, "kostack 버전 {}"),
        (("--lang", "ko", "--version"), EN, "kostack 버전 {}"),
        (("--version", "--lang", "ko"), EN, "kostack 버전 {}"),
        (("--version", "--lang", "en"), KO, "kostack, version {}"),
    ],
)
def test_version_is_said_in_the_language(
    args: tuple[str, ...], environ: dict[str, str], said: str
) -> None:
    """It was click's "kostack, version X" in every language."""
    assert run_cli(*args, environ=environ) == (0, said.format(version()) + "\n")


def test_the_version_options_help_and_completion_are_korean() -> None:
    assert "--version                       버전을 보여 주고 끝냅니다." in options_of("", **KO)
    assert ("--version", "버전을 보여 주고 끝냅니다.") in completions([], KO)


@pytest.mark.parametrize(
    ("args", "english", "korean", "command"),
    [
        (("probe", "--timeout"), "Option '--timeout' requires an argument.",
         "옵션 --timeout에는 값이 필요합니다", "kostack probe --help"),
        (("fix", "plan", "--snapshot"), "Option '--snapshot' requires an argument.",
         "옵션 --snapshot에는 값이 필요합니다", "kostack fix plan --help"),
        (("release", "check", "--fail-on", "nope"),
         "Invalid value for '--fail-on': 'nope' is not one of 'info', 'low', 'medium', 'high', "
         "'critical', 'never'.",
         "--fail-on: 'nope'는 허용되지 않는 값입니다. 가능한 값: 'info', 'low', 'medium', "
         "'high', 'critical', 'never'", "kostack release check --help"),
        (("fix", "apply", "--bogus"), "No such option '--bogus'.",
         "없는 옵션입니다: --bogus", "kostack fix apply --help"),
        (("fix", "apply", "--retries", "50"),
         "Invalid value for '--retries': 50 is not in the range 0<=x<=10.",
         "--retries: 50은 허용 범위(0 이상 10 이하)를 벗어납니다", "kostack fix apply --help"),
        (("fix", "apply", "--retries", "many"),
         "Invalid value for '--retries': 'many' is not a valid integer range.",
         "--retries: 'many'는 올바른 정수가 아닙니다", "kostack fix apply --help"),
        (("trace",), "Missing argument 'SRC'.", "인자 SRC가 필요합니다", "kostack trace --help"),
        (("release", "reinstall"), "Missing argument 'NAME'.", "인자 NAME이 필요합니다",
         "kostack release reinstall --help"),
        (("lab", "up", "--nodes"), "Option '--nodes' requires an argument.",
         "옵션 --nodes에는 값이 필요합니다", "kostack lab up --help"),
        (("diagnose", "--verbose=1"), "Option '--verbose' does not take a value.",
         "옵션 --verbose에는 값을 줄 수 없습니다", "kostack diagnose --help"),
        (("fix", "nope"), "No such command 'nope'.", "없는 명령입니다: 'nope'",
         "kostack fix --help"),
    ],
)  # fmt: skip
def test_a_usage_error_hints_at_its_own_commands_help(
    args: tuple[str, ...], english: str, korean: str, command: str
) -> None:
    """An option with no value (an error click raises with no context) hinted at
    `kostack --help` whatever the command was."""
    assert run_cli(*args, environ=EN) == (2, f"error: {english}\nhint: see `{command}`\n")
    assert run_cli(*args, environ=KO) == (2, f"오류: {korean}\n힌트: `{command}`를 보세요\n")


def test_the_hint_names_the_command_as_it_was_run() -> None:
    """Under kubectl the help to read is `kubectl kostack ... --help`, and a top-level
    error still points at both levels."""
    err = io.StringIO()
    env = Environment(environ=EN, stdout=io.StringIO(), stderr=err, stdin_isatty=False)
    assert main(["probe", "--timeout"], env, prog_name="kubectl kostack") == 2
    assert err.getvalue().endswith("hint: see `kubectl kostack probe --help`\n")
    code, text = run_cli("--color", environ=KO)
    assert code == 2 and text.endswith(
        "힌트: `kostack --help` 또는 `kostack COMMAND --help`를 보세요\n"
    )
