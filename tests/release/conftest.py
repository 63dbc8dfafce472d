"""Fixtures for `kostack release` (helpers in release_testing.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from release_testing import Served, seed_state, serve

from kostack.collect.helm import HelmCollection


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`release reinstall --yes` writes its journal to the working directory by default: never
    into the checkout."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with serve(seed_state(), tmp_path) as s:
        yield s


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> HelmCollection:
    with serve(seed_state(), tmp_path_factory.mktemp("collect")) as s:
        return s.collect()


@pytest.fixture
def fake_helm_bin(tmp_path: Path) -> Path:
    """A directory with a `helm` executable that is kostack's fake helm (testkit/kostack_testkit/helm_fake.py)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    helm = bindir / "helm"
    helm.write_text(
        f"#!{sys.executable}\nimport sys\nfrom kostack_testkit.helm_fake import main\nsys.exit(main())\n",
        encoding="utf-8",
    )
    os.chmod(helm, 0o755)
    return bindir
