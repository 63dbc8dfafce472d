"""Helpers shared by the lab tests (imported by name: tests/lab is on sys.path)."""

from __future__ import annotations

import os
from pathlib import Path

from kostack.lab.netns import find_tagged_processes, list_namespaces


def lab_name() -> str:
    """A lab name unique to this test process (1-8 lowercase letters/digits)."""
    return f"t{os.getpid() % 10_000_000}"


def assert_nothing_left(name: str) -> None:
    """No namespace, interface or process of lab `name` remains."""
    prefix = f"ks-{name}-"
    namespaces = [n for n in list_namespaces() if n.startswith(prefix)]
    assert namespaces == [], f"namespaces left behind: {namespaces}"
    processes = find_tagged_processes(prefix)
    assert processes == [], f"lab processes left behind: {processes}"
    # Lab interfaces only ever live inside lab namespaces; none may show up in the root one.
    leaked = [p.name for p in Path("/sys/class/net").iterdir() if p.name.startswith("ks-")]
    assert leaked == [], f"ks- interfaces in the root namespace: {leaked}"
