"""`kostack watch` and `kostack guard` run on the C allocator (PYTHONMALLOC=malloc).

Measured (benchmarks/watch_cycles.py, 5,000 nodes, 100 cycles): on CPython's
small-object allocator the watch's RSS crept 98 -> 199 MB while the live
Python objects stayed the same (no object retained: arenas pinned by a few
long-lived objects); on the C allocator it stays flat. The entry point
re-executes itself once for those commands, unless PYTHONMALLOC is set.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from watch_testing import EXAMPLES, WatchProcess

from kostack.cli.main import long_running_reexec

ORIG = ["/usr/bin/python3", "/venv/bin/kostack"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["kostack", "watch", "--snapshot", "s.json"], True),
        (["kostack", "guard", "--once"], True),
        (["kostack", "--context", "prod", "--color", "never", "watch"], True),
        (["kostack", "--debug", "guard"], True),
        (["kostack", "diagnose", "--snapshot", "watch"], False),
        (["kostack", "--context", "watch", "diagnose"], False),
        (["kostack"], False),
        (["kostack", "--help"], False),
    ],
)
def test_which_commands_re_execute(argv: list[str], expected: bool) -> None:
    again = long_running_reexec(argv, {}, [*ORIG, *argv[1:]])
    assert (again is not None) is expected
    if again is not None:
        assert again[1:] == [ORIG[1], *argv[1:]]  # the same script and words, `-c CODE` kept


def test_a_chosen_allocator_is_kept() -> None:
    argv = ["kostack", "watch"]
    assert long_running_reexec(argv, {"PYTHONMALLOC": "pymalloc"}, [*ORIG, "watch"]) is None


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().partition("=")[::2] for item in raw if item)


@pytest.mark.parametrize("chosen", [None, "pymalloc"])
def test_the_running_watch_uses_the_c_allocator(chosen: str | None) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONMALLOC"}
    if chosen:
        env["PYTHONMALLOC"] = chosen
    watch = WatchProcess(
        ["--snapshot", str(EXAMPLES / "seed-incident.json"), "--listen", "127.0.0.1:0"],
        env=env,
    ).start()
    try:
        assert watch.get("/healthz")[0] == 200  # the re-executed process serves
        assert _environ(watch.pid).get("PYTHONMALLOC") == (chosen or "malloc")
    finally:
        watch.stop()
