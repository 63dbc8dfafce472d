"""Helpers shared by the lab tests (imported by name: tests/lab is on sys.path)."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from kostack_lab.agent import SyncResult
from kostack_lab.lab import Lab
from kostack_lab.netns import find_tagged_processes, list_namespaces
from kostack_lab.state import write_json_atomic


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


def root_namespace_state() -> tuple[str, ...]:
    """The root namespace's routes (both families), addresses and nft ruleset: the lab never changes them."""
    commands = (
        ["ip", "-4", "route", "show", "table", "all"],
        ["ip", "-6", "route", "show", "table", "all"],
        ["ip", "-brief", "address"],
        ["nft", "-s", "list", "ruleset"],  # -s: without counters
    )
    outputs = (
        subprocess.run(c, capture_output=True, text=True, check=True).stdout for c in commands
    )
    return tuple(re.sub(r"expires \d+sec", "", out) for out in outputs)  # RA-learnt routes age


def module_lab(scenario: str, state_dir: Path, nodes: int = 3) -> Iterator[Lab]:
    """One lab for a whole test module (up once, down once), as root; without root it FAILS.

    Afterwards nothing of the lab is left and the root namespace is as before.
    """
    if os.geteuid() != 0:
        pytest.fail("the network lab needs root to create namespaces (CI runs as root)")
    before = root_namespace_state()
    lab = Lab(name=lab_name(), state_dir=state_dir)
    try:
        lab.up(scenario, nodes=nodes)
        yield lab
    finally:
        lab.down()
    assert_nothing_left(lab_name())
    assert root_namespace_state() == before


def apply_port_description(
    lab: Lab, ports: Sequence[Mapping[str, Any]], security_groups: Sequence[Mapping[str, Any]]
) -> SyncResult:
    """Replace a lab's built-in port description (a lab without a Neutron) and re-render."""
    assert lab.status().neutron_endpoint is None, "this lab reads port security from Neutron"
    write_json_atomic(lab.paths.ports, [dict(p) for p in ports])
    write_json_atomic(lab.paths.groups, [dict(g) for g in security_groups])
    return lab.sync()
