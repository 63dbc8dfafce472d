"""scripts/line_kinds.py: its kinds add up to the physical lines, and each kind is what it says."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("line_kinds", ROOT / "scripts" / "line_kinds.py")
assert _spec is not None and _spec.loader is not None
line_kinds = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(line_kinds)

SAMPLE = '''"""A docstring
on two lines."""

# a comment
TEXTS = {
    "key": (
        "an English sentence",
        f"a Korean one {1}",
    ),
}
x = f"{TEXTS}"  # code with a comment
'''


def test_each_kind() -> None:
    assert line_kinds.kinds(SAMPLE) == {
        "string": 5,  # the docstring's two lines, the key line and the two message lines
        "blank": 1,
        "comment": 1,
        "code": 2,  # TEXTS = {, x = ...
        "brackets": 2,  # ), and },
    }


def test_kinds_add_up_to_the_physical_lines() -> None:
    for path in sorted((ROOT / "src" / "kostack" / "analyze").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert sum(line_kinds.kinds(text).values()) == len(text.splitlines()), path
