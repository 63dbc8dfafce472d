"""Run the kostack CLI in this process, as a user at a pipe would (no terminal anywhere)."""

from __future__ import annotations

import io

from kostack.cli.common import Environment
from kostack.cli.main import main


def run_cli(*args: str, environ: dict[str, str] | None = None) -> tuple[int, str]:
    """The exit code and everything printed (stdout, then stderr) of ``kostack ARGS``."""
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=out,
        stderr=err,
        environ=environ or {},
        stdin_isatty=False,
        stdout_isatty=False,
        stderr_isatty=False,
    )
    code = main(list(args), env)
    return code, out.getvalue() + err.getvalue()


def flat(text: str) -> str:
    """``text`` with every run of white space one space: wrapped lines read as one, for a test
    that looks for a sentence wherever the terminal layout broke it."""
    return " ".join(text.split())
