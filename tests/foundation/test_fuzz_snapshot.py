"""Thousands of malformed snapshots: never a traceback, always `error: ... (path)` and exit 2."""

from __future__ import annotations

import contextlib
import copy
import io
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack.model import SnapshotFormatError, loads_snapshot
from kostack_testkit.builders import seed_doc

SEED = seed_doc()
SEED_TEXT = json.dumps(SEED)

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=20),
)
json_value = st.recursive(
    json_leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out.extend(_paths(v, (*prefix, i)))
    return out


PATHS = _paths(SEED)[1:]


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    doc = json.loads(SEED_TEXT)  # a fresh copy, faster than deepcopy
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent: Any = doc
        try:
            for part in path[:-1]:
                parent = parent[part]
            action = draw(st.sampled_from(["replace", "delete", "dup"]))
            if action == "replace":
                parent[path[-1]] = draw(json_value)
            elif action == "delete":
                del parent[path[-1]]
            elif isinstance(parent, list):
                parent.append(copy.deepcopy(parent[path[-1]]))
        except (KeyError, IndexError, TypeError):
            continue
    return doc


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutated_snapshots_fail_cleanly_or_load(doc: Any) -> None:
    try:
        text = json.dumps(doc)
    except ValueError:
        return
    try:
        loads_snapshot(text)
    except SnapshotFormatError as err:
        assert err.path.startswith("$") or err.path.startswith("line")
        assert err.what


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200) | json_value.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_bytes_fail_cleanly(raw: bytes) -> None:
    with contextlib.suppress(SnapshotFormatError):
        loads_snapshot(raw)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_cli_never_shows_a_traceback(tmp_path_factory: Any, doc: Any) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "snap.json"
    try:
        path.write_text(json.dumps(doc))
    except ValueError:
        return
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, environ={}, stdin_isatty=False, stdout_isatty=False)
    code = main(["diagnose", "--snapshot", str(path)], env)
    assert "Traceback" not in err.getvalue()
    assert code in (0, 1, 2, 4), err.getvalue()
    if code == 2:
        assert err.getvalue().startswith("error: ") and "\nhint: " in err.getvalue()


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    try:
        loads_snapshot(deep)
    except SnapshotFormatError as err:
        assert err.what
