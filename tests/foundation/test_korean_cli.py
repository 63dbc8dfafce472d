"""The CLI's own words under Korean: `--version` and the usage errors' hints (which
subcommand's help to read).

Each case pins the English beside the Korean: English scripts parse `kostack, version X`.
"""

from __future__ import annotations

import pytest
from test_korean_click import EN, KO, completions, options_of

from kostack.cli.main import version
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
