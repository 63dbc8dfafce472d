"""Bounded resources for any snapshot: time, memory and output within stated multiples of the input.

The property (docs/limits.md states the multiples): for any snapshot, loading
it either fails with `error: ... ($.json.path)` (a SnapshotFormatError) or
diagnose (text, json, junit, sarif), fix plan (text, json, script), the
incident report (Markdown, HTML) and the release check (text, json) all
finish, without a traceback, within

    CPU seconds      <= CPU_FIXED_S + CPU_PER_BYTE_S * input bytes
    output bytes     <= OUTPUT_FIXED + OUTPUT_PER_BYTE * input bytes   (all outputs together)
    findings         <= FINDINGS_FIXED + FINDINGS_PER_RECORD * records  (objects and array items)
    peak memory      <= MEMORY_FIXED + MEMORY_PER_BYTE * input bytes   (peak RSS growth; tracemalloc
                                                                        peak for the explicit cases)

Cases: 3,000 snapshots (hypothesis, derandomized, a fixed number) made by
growing one to three arrays of the seed incident, with and without Helm state,
on Calico, Cilium or Antrea, by exact duplicates, varied copies (unique ids,
shifted addresses) or both; every array kind of the snapshot is a candidate,
and the maps by node name (Calico's per-node Felix settings). Then one large
array of each kind, and the file with 10,001 copies of the pod CIDR that once exhausted
24 GB. CPU time (time.process_time) is the time measure, so a busy machine
does not fail the test; the bound is generous and the measured worst is
printed by the explicit tests (pytest -s).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bounds_support import (
    Measured,
    antrea_base,
    array_patterns,
    cilium_base,
    count_records,
    grow,
    helm_base,
    network_base,
    run_everything,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack.model import SnapshotFormatError, loads_snapshot
from kostack.model.load import UNIQUE

CPU_FIXED_S = 2.0
CPU_PER_BYTE_S = 50e-6  # 50 ms per KB of snapshot: linear, with room for a busy machine
OUTPUT_FIXED = 2_000_000
OUTPUT_PER_BYTE = 48
FINDINGS_FIXED = 100
FINDINGS_PER_RECORD = 1
MEMORY_FIXED = 96 * 2**20
MEMORY_PER_BYTE = 100

CASES = int(os.environ.get("KOSTACK_FUZZ_CASES", "3000"))  # CI runs the 3,000
SIZES = (0, 1, 2, 3, 5, 8, 13, 21, 34, 55)  # larger arrays: test_a_large_array_of_each_kind
MODES = ("dup", "vary", "mixed")


# --------------------------------------------------------------------------- measuring


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def peak_rss_growth(run: Any) -> tuple[Any, int]:
    """``run()`` and how far this process's peak RSS rose above its RSS before it (bytes).

    Linux resets the peak (VmHWM) when "5" is written to /proc/self/clear_refs.
    """
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kb("VmRSS")
    result = run()
    return result, max(0, _status_kb("VmHWM") - before) * 1024


def within_bounds(m: Measured, rss_growth: int | None = None) -> list[str]:
    """The bounds ``m`` breaks (empty when it keeps them all)."""
    broken = []
    cpu_limit = CPU_FIXED_S + CPU_PER_BYTE_S * m.input_bytes
    if m.cpu_s > cpu_limit:
        broken.append(f"cpu {m.cpu_s:.2f} s > {cpu_limit:.2f} s")
    out_limit = OUTPUT_FIXED + OUTPUT_PER_BYTE * m.input_bytes
    if m.output_bytes > out_limit:
        broken.append(f"output {m.output_bytes} B > {out_limit} B ({m.outputs})")
    findings_limit = FINDINGS_FIXED + FINDINGS_PER_RECORD * m.records
    if m.findings > findings_limit:
        broken.append(f"findings {m.findings} > {findings_limit}")
    memory_limit = MEMORY_FIXED + MEMORY_PER_BYTE * m.input_bytes
    for what, used in (("peak RSS growth", rss_growth), ("tracemalloc peak", m.peak_bytes)):
        if used is not None and used > memory_limit:
            broken.append(f"{what} {used} B > {memory_limit} B")
    return broken


def check(doc: dict[str, Any], *, trace_memory: bool = False, lang: str = "en") -> Measured:
    text = json.dumps(doc)
    m, rss = peak_rss_growth(
        lambda: run_everything(
            text, trace_memory=trace_memory, records=count_records(doc), lang=lang
        )
    )
    broken = within_bounds(m, rss)
    assert not broken, f"{len(text)} bytes: " + "; ".join(broken)
    return m


# --------------------------------------------------------------------------- the property


# The module fixture below is cheap (three JSON texts): let xdist spread the 80 cases.
pytestmark = pytest.mark.xdist_spread

BASES: dict[str, str] = {}
PATTERNS: dict[str, list[tuple[str, ...]]] = {}


@pytest.fixture(scope="module")
def bases() -> dict[str, str]:
    """The starting snapshots as JSON text: the seed incident (Calico), the same with the Helm
    state read from the API double, and that one on Cilium, or Antrea, instead of Calico."""
    if not BASES:
        BASES["network"] = json.dumps(network_base())
        BASES["helm"] = json.dumps(helm_base())
        BASES["cilium"] = json.dumps(cilium_base(json.loads(BASES["helm"])))
        BASES["antrea"] = json.dumps(antrea_base(json.loads(BASES["helm"])))
        for name, text in BASES.items():
            PATTERNS[name] = array_patterns(json.loads(text))
    return BASES


growth = st.tuples(
    st.integers(0, 10_000),  # which array (modulo the base's count of arrays)
    st.sampled_from(SIZES),
    st.sampled_from(MODES),
    st.integers(0, 2**31),  # the random choices of the copies
)


BASE_NAMES = ("network", "helm", "cilium", "antrea")


@pytest.mark.parametrize("base", BASE_NAMES)
def test_any_snapshot_stays_within_the_bounds(bases: dict[str, str], base: str) -> None:
    """CASES fixed cases in all, a share on each base (one test each, so xdist spreads them)."""
    patterns = PATTERNS[base]

    @settings(
        max_examples=CASES // len(BASE_NAMES),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(growths=st.lists(growth, min_size=1, max_size=3), lang=st.sampled_from(("en", "ko")))
    def grown(growths: list[tuple[int, int, str, int]], lang: str) -> None:
        doc = json.loads(bases[base])
        for which, n, mode, seed in growths:
            grow(doc, patterns[which % len(patterns)], n, mode, random.Random(seed))
        check(doc, lang=lang)

    grown()


# --------------------------------------------------------------------------- explicit cases


def _large_cases() -> Iterator[Any]:
    """Every array of the Helm base, then those only the Cilium or the Antrea base has (with
    that base)."""
    doc = helm_base()
    calico = array_patterns(doc)
    for pattern in calico:
        yield pytest.param("helm", pattern, id=".".join(pattern))
    for name, make in (("cilium", cilium_base), ("antrea", antrea_base)):
        for pattern in array_patterns(make(json.loads(json.dumps(doc)))):
            if pattern not in calico:
                yield pytest.param(name, pattern, id=".".join(pattern))


LARGE = 1500
# the arrays whose records are large (a release is ~5 KB) or that the analysis
# traces per record (an endpoint is traced from every node class): fewer records
SMALLER = {("helm", "releases"): 400, ("cluster", "services", "*", "endpoints"): 600}


@pytest.mark.parametrize(("base", "pattern"), list(_large_cases()))
def test_a_large_array_of_each_kind(
    bases: dict[str, str], base: str, pattern: tuple[str, ...]
) -> None:
    """Each array 1,500 long, varied copies (valid records) and, separately, duplicates."""
    for mode in ("vary", "dup"):
        doc = json.loads(bases[base])
        grew = grow(doc, pattern, SMALLER.get(pattern, LARGE), mode, random.Random(7))
        assert grew, f"{'.'.join(pattern)} is not in the base snapshot"
        m = check(doc, lang="ko" if mode == "dup" else "en")
        print(
            f"{'.'.join(pattern)} {mode}: {m.input_bytes} B in, {m.output_bytes} B out, "
            f"{m.cpu_s:.2f} s, {m.findings} findings {m.rejected[:60]}"
        )


def test_ten_thousand_and_one_copies_of_the_pod_cidr(tmp_path: Path) -> None:
    """The file that once went to the OOM killer: one pod CIDR listed 10,001 times."""
    doc = network_base()
    doc["cluster"]["pod_cidrs"] = ["10.244.0.0/16"] * 10_001
    doc["cluster"]["service_cidrs"] = ["10.96.0.0/12"] * 10_001
    m = check(doc, trace_memory=True)
    assert not m.rejected
    assert m.peak_bytes is not None
    # a CIDR listed twice is one CIDR: no finding says it overlaps itself
    path = tmp_path / "dups.json"
    path.write_text(json.dumps(doc))
    out = _cli("diagnose", "--snapshot", str(path), "-o", "json")
    overlap = [f for f in json.loads(out)["findings"] if f["check_id"] == "net-cidr-overlap"]
    assert [f["status"] for f in overlap] == ["pass"]


def test_large_snapshots_keep_the_memory_bound_by_tracemalloc(bases: dict[str, str]) -> None:
    """tracemalloc's peak (deterministic) for a few large, valid snapshots."""
    for pattern, n in (
        (("cluster", "nodes"), 500),
        (("helm", "releases"), 200),
        (("openstack", "ports"), 1000),
    ):
        doc = json.loads(bases["helm"])
        assert grow(doc, pattern, n, "vary", random.Random(3))
        m = check(doc, trace_memory=True)
        assert not m.rejected, m.rejected
        print(f"{'.'.join(pattern)}: {m.input_bytes} B in, tracemalloc peak {m.peak_bytes} B")


def _cli(*args: str) -> str:
    import io

    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, environ={}, stdin_isatty=False, stdout_isatty=False)
    code = main(list(args), env)
    assert "Traceback" not in err.getvalue()
    assert code in (0, 1, 4), err.getvalue()
    return out.getvalue()


def test_a_repeated_record_is_refused_with_both_paths(tmp_path: Path) -> None:
    doc = network_base()
    rules = doc["openstack"]["security_groups"][0]["rules"]
    rules.append(dict(rules[1]))
    path = tmp_path / "dup-rule.json"
    path.write_text(json.dumps(doc))
    import io

    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, environ={}, stdin_isatty=False, stdout_isatty=False)
    start = time.process_time()
    code = main(["diagnose", "--snapshot", str(path)], env)
    assert time.process_time() - start < 5
    assert code == 2
    n = len(rules) - 1
    assert err.getvalue().startswith(
        f"error: snapshot {path}, $.openstack.security_groups[0].rules[{n}].id: "
        f"duplicate security group rule id {rules[1]['id']!r} "
        f"(first at $.openstack.security_groups[0].rules[1])"
    ), err.getvalue()
    assert "\nhint: " in err.getvalue()


def _first_list(doc: Any, parts: list[str], path: str) -> tuple[str, list[Any]] | None:
    if not parts:
        return (path, doc) if isinstance(doc, list) and doc else None
    head, rest = parts[0], parts[1:]
    if head == "*":
        for i, item in enumerate(doc if isinstance(doc, list) else ()):
            found = _first_list(item, rest, f"{path}[{i}]")
            if found is not None:
                return found
        return None
    if isinstance(doc, dict) and head in doc:
        return _first_list(doc[head], rest, f"{path}.{head}")
    return None


@pytest.mark.parametrize(("pattern", "scope", "what", "fields"), UNIQUE, ids=[u[0] for u in UNIQUE])
def test_every_unique_key_refuses_a_repeat_with_both_paths(
    bases: dict[str, str], pattern: str, scope: str, what: str, fields: tuple[str, ...]
) -> None:
    doc = json.loads(bases["cilium" if ".cilium." in pattern else "helm"])
    found = _first_list(doc, pattern.split("."), "$")
    assert found is not None, f"{pattern} is empty in the base snapshot"
    path, items = found
    repeat = json.loads(json.dumps(items[0]))
    if pattern == "cluster.services.*.ports":
        repeat["name"] = "other"  # an exact repeat of a service port is one port (a set)
    items.append(repeat)
    with pytest.raises(SnapshotFormatError) as info:
        loads_snapshot(json.dumps(doc))
    assert info.value.what.startswith(f"duplicate {what} ")
    assert info.value.what.endswith(f"(first at {path}[0])")
    assert info.value.path == f"{path}[{len(items) - 1}].{fields[-1]}"
