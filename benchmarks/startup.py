"""How long kostack takes to start: `--help`, `--version` and TAB completion, against
`python -c "import click"` in the same venv (the floor any click program pays).

    .venv/bin/python benchmarks/startup.py [--runs 9]

Prints one line:

    startup: click_s=0.061 help_s=0.120 version_s=0.110 complete_s=0.130 ratio=2.13

Each figure is the median wall time of --runs fresh processes. complete_s is the
slowest of three completions a user's shell asks for: the command names
(`kostack <TAB>`), a command's options (`kostack diagnose --<TAB>`) and a
subcommand's names (`kostack fix <TAB>`). ratio = the slowest of help, version and
completion over click_s; the target is ratio <= 4 (issue #13). The test
tests/foundation/test_startup.py asserts what is imported, never how long it takes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


def _kostack() -> str:
    """The `kostack` console script of this interpreter's venv."""
    script = Path(sys.executable).parent / "kostack"
    if not script.exists():
        raise SystemExit(f"no {script}: run `bash scripts/setup.sh` first")
    return str(script)


def _median_seconds(argv: Sequence[str], runs: int, extra_env: Mapping[str, str]) -> float:
    env = {**os.environ, **extra_env}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()}")
    return statistics.median(times)


def _completion_env(words: str, cword: int) -> dict[str, str]:
    """What bash's completion function sets before calling kostack (click's bash protocol)."""
    return {"_KOSTACK_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=9, help="processes per measurement")
    args = parser.parse_args(argv)
    kostack = _kostack()
    runs = args.runs
    click_s = _median_seconds([sys.executable, "-c", "import click"], runs, {})
    help_s = _median_seconds([kostack, "--help"], runs, {})
    version_s = _median_seconds([kostack, "--version"], runs, {})
    completions = [
        _completion_env("kostack ", 1),
        _completion_env("kostack diagnose --", 2),
        _completion_env("kostack fix ", 2),
    ]
    complete_s = max(_median_seconds([kostack], runs, c) for c in completions)
    ratio = max(help_s, version_s, complete_s) / click_s
    print(
        f"startup: click_s={click_s:.3f} help_s={help_s:.3f} version_s={version_s:.3f} "
        f"complete_s={complete_s:.3f} ratio={ratio:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
