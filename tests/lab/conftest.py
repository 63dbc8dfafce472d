"""Fixtures for the network lab tests.

Tests marked `lab` need root (network namespaces); they skip only when not
root, since CI runs as root. Every lab a test builds is named after the test
process (namespaces `ks-t<pid>-*`), so a developer's own `ks-*` lab is never
touched, and is torn down even when the test fails.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from lab_testing import assert_nothing_left, lab_name

from kostack_lab.lab import Lab

LabFactory = Callable[[], Lab]


@pytest.fixture
def root_only() -> None:
    """Skip unless running as root (the only reason a lab test may skip)."""
    if os.geteuid() != 0:
        pytest.skip("network lab tests need root (CI runs them as root)")


@pytest.fixture
def lab_factory(root_only: None, tmp_path: Path) -> Iterator[LabFactory]:
    """Make Lab objects for this test; everything they built is gone afterwards."""
    made: list[Lab] = []

    def make() -> Lab:
        lab = Lab(name=lab_name(), state_dir=tmp_path / f"lab-{len(made)}")
        made.append(lab)
        return lab

    yield make
    for lab in made:
        lab.down()
    assert_nothing_left(lab_name())


@pytest.fixture
def lab(lab_factory: LabFactory) -> Lab:
    """One Lab (not up yet)."""
    return lab_factory()
