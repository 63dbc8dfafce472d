"""`kostack watch` and `kostack guard` run on the C allocator (PYTHONMALLOC=malloc).

Measured (benchmarks/watch_cycles.py, 5,000 nodes, 100 cycles): on CPython's
small-object allocator the watch's RSS crept 98 -> 199 MB while the live
Python objects stayed the same (no object retained: arenas pinned by a few
long-lived objects); on the C allocator it stays flat. The entry point
re-executes itself once for those commands, unless PYTHONMALLOC is set.
"""

from __future__ import annotations

import sys
import tracemalloc
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


# What the C allocator alone did not fix (measured at 1,000 nodes, docs/watch.md): a few
# dozen small strings per cycle kept by CPython's type attribute cache, which holds each
# attribute name it looked up (slot chosen by the string's address, so a name made afresh
# every cycle lands in a new slot and stays until evicted, up to 4,096 of them). Each
# pinned a heap page: RSS crept ~100 KB a cycle with nothing else retained.


def test_a_cycle_leaves_no_attribute_name_in_the_type_cache() -> None:
    from kostack.watch.loop import _release_memory

    class Holder:
        pass

    name = "".join(["kostack_", "fresh_name"])  # a new string, as a parser makes them
    before = sys.getrefcount(name)
    assert getattr(Holder(), name, None) is None
    assert sys.getrefcount(name) == before + 1  # the type cache keeps it (CPython 3.11)
    _release_memory()
    assert sys.getrefcount(name) == before


def test_watch_cycles_keep_no_memory_at_the_python_level() -> None:
    """Ten cycles on the same snapshot: the traced Python memory after the tenth is the
    same as after the third (was ~1.5 KB more a cycle: check_unique's split names)."""
    from kostack.probe.plan import ProbePlan
    from kostack.probe.results import ProbeResult, ProbeRound
    from kostack.watch.loop import LoopSettings, WatchLoop
    from kostack.watch.metrics import WatchMetrics
    from kostack.watch.probing import ProbeSettings
    from kostack.watch.sources import SnapshotSource
    from kostack.watch.state import WatchState

    def simulated(plan: ProbePlan) -> ProbeRound:
        results = tuple(ProbeResult(p.id, "pass", "simulated", elapsed_ms=3.0) for p in plan.probes)
        return ProbeRound(plan, results, "simulated", 0.0, "1970-01-01T00:00:00Z")

    state = WatchState(interval=60.0)
    log: list[str] = []
    loop = WatchLoop(
        SnapshotSource(EXAMPLES / "seed-incident.json"),
        state,
        WatchMetrics(state, "test"),
        LoopSettings(interval=60.0),
        "test",
        log.append,
        probe_runner=simulated,
        probe_settings=ProbeSettings(),
    )
    tracemalloc.start()
    try:
        traced = []
        for _ in range(10):
            assert loop.run_cycle().result == "ok", log
            log.clear()
            traced.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    assert traced[9] - traced[2] < 1024, traced
