"""report/jsonenc.py writes what ``json.dumps(data, indent=2, ensure_ascii=False)`` writes,
byte for byte: the `-o json` answers' text did not change when the writer did."""

from __future__ import annotations

import json
import math
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kostack.analyze.diagnose import diagnose
from kostack.catalog import Msg
from kostack.model import loads_snapshot
from kostack.report.jsonenc import dumps_indented
from kostack.report.jsonout import diagnosis_dict

ROOT = Path(__file__).resolve().parents[2]


def stdlib(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


class Color(StrEnum):
    RED = "red"


class Rank(IntEnum):
    HIGH = 3


def test_every_kind_of_value_is_written_as_the_standard_library_writes_it() -> None:
    data = {
        "text": 'quote " backslash \\ newline \n tab \t nul \0 del \x7f bidi \u202e 한국어 😀',
        "msg": Msg("json.alternative-warning"),
        "enum": Color.RED,
        "int_enum": Rank.HIGH,
        "ints": [0, -1, 10**30, True, False, None],
        "floats": [0.1, -2.5, 1e300, math.inf, -math.inf, 1.0],
        "empty": [{}, [], (), {"a": {}}],
        "tuple": (1, ("a", "b")),
        7: "int key",
        2.5: "float key",
        True: "bool key",
        None: "null key",
        "nested": {"a": [{"b": [[], [{}], {"c": None}]}]},
    }
    assert dumps_indented(data) == stdlib(data)
    nan = dumps_indented({"nan": math.nan})
    assert nan == stdlib({"nan": math.nan}) and "NaN" in nan


def test_what_the_standard_library_refuses_is_refused() -> None:
    with pytest.raises(TypeError):
        dumps_indented({"set": {1}})
    with pytest.raises(TypeError):
        dumps_indented({(1, 2): "tuple key"})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_value_is_written_the_same(value: Any) -> None:
    assert dumps_indented(value) == stdlib(value)


@pytest.mark.parametrize("name", ["seed-incident", "cilium-geneve-no-6081"])
def test_a_diagnosis_is_written_the_same(name: str) -> None:
    snapshot = loads_snapshot((ROOT / "examples" / f"{name}.json").read_text())
    for lang in ("en", "ko"):
        doc = diagnosis_dict(diagnose(snapshot), "test", lang)
        assert dumps_indented(doc) == stdlib(doc)


def test_a_dict_in_several_places_is_written_in_each_as_the_standard_library_writes_it() -> None:
    one = {"op": "add-sg-rule", "params": {"a": "1", "b": ["x", {"c": None}]}}
    data = {"top": one, "deep": [{"deeper": [one, {"x": one}]}], "again": [one]}
    assert dumps_indented(data) == stdlib(data)


def test_a_remedy_of_a_finding_and_its_root_cause_is_written_once() -> None:
    """report/jsonout.py writes each remedy once, in the `remedies` table: its finding and
    its root cause name it by id, and its command is in the document twice (the table and
    the root cause's `fix.commands` to paste), not three times (schema_version 3)."""
    snapshot = loads_snapshot((ROOT / "examples" / "seed-incident.json").read_text())
    doc = diagnosis_dict(diagnose(snapshot), "test")
    assert doc["schema_version"] == 3
    in_findings = [r for f in doc["findings"] for r in f["remedies"]]
    (rc,) = doc["root_causes"]
    assert rc["fix"]["remedies"] == in_findings == ["r1", "r2", "r3", "r4"]
    assert list(doc["remedies"]) == in_findings
    commands = [doc["remedies"][r]["command"] for r in rc["fix"]["remedies"]]
    assert commands == rc["fix"]["commands"]
    text = dumps_indented(doc)
    assert text == stdlib(doc)
    assert all(text.count(json.dumps(c)) == 2 for c in commands)
