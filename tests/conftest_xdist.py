"""Test distribution over pytest-xdist workers (a plugin module, loaded by tests/conftest.py).

scripts/test.sh runs ``pytest -n 2 --dist loadgroup``: each test goes to
whichever worker is free, except tests of one group, which run on one worker
in file order. A test's group is its own ``xdist_group`` mark or, for a test
that uses a module-, class- or package-scoped fixture, its file
(``module:tests/x/test_y.py``) or package, so such a fixture (a built wheel,
a fresh venv, a rendered chart) is made once per run, not once per worker.
Session fixtures (the Neutron and Octavia harnesses) are made once per
worker: each worker is its own pytest session.

Why not xdist's own ``loadgroup`` alone: it carries the group to the
scheduler by appending ``@group`` to the test's node id, which pytest 9.2's
structured node ids no longer allow, so the marks are silently ignored
(pytest-dev/pytest-xdist#1386, open for xdist 3.8). Here each worker writes the
groups it collected to a file in a directory the controller made, and the
controller's scheduler (xdist's ``LoadScopeScheduling``, one work unit per
group or per ungrouped test) reads them once every worker has collected,
which happens before any test is scheduled.

Without xdist (a plain ``pytest``) nothing here does anything.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_configure_node",
    "pytest_unconfigure",
    "pytest_xdist_make_scheduler",
]

# Fixture scopes whose value one worker would make again if the tests were split.
SHARED_SCOPES = frozenset({"module", "class", "package"})
# workerinput key: the directory where each worker writes {node id: group}
GROUPS_DIR = "kostack_xdist_groups"
_DIR_KEY = pytest.StashKey[Path]()


def shared_scope_group(item: pytest.Item) -> str | None:
    """The group of a test that uses a fixture of a scope wider than the test, else None."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    for name in getattr(item, "fixturenames", ()):
        definitions = info.name2fixturedefs.get(name, ())
        # the last definition is the one in force for this test (the closest override)
        if definitions and definitions[-1].scope in SHARED_SCOPES:
            if definitions[-1].scope == "package":
                return f"package:{Path(str(item.path)).parent}"
            return f"module:{item.nodeid.split('::', 1)[0]}"
    return None


def group_of(item: pytest.Item) -> str | None:
    """The test's own ``xdist_group`` mark, else its shared-fixture group, else None.

    ``xdist_spread`` (on a module whose shared fixture is cheap) keeps its tests ungrouped.
    """
    mark = item.get_closest_marker("xdist_group")
    if mark is not None:
        return str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
    if item.get_closest_marker("xdist_spread") is not None:
        return None
    return shared_scope_group(item)


def pytest_configure(config: pytest.Config) -> None:
    """Register ``xdist_spread``; on the controller of an xdist run, make the groups directory."""
    config.addinivalue_line(
        "markers",
        "xdist_spread: split a module's tests over the xdist workers although they share a "
        "module-scoped fixture (a cheap one: each worker makes its own); docs/dev/testing.md",
    )
    if _is_controller(config):
        config.stash[_DIR_KEY] = Path(tempfile.mkdtemp(prefix="kostack-xdist-groups-"))


def pytest_unconfigure(config: pytest.Config) -> None:
    where = config.stash.get(_DIR_KEY, None)
    if where is not None:
        shutil.rmtree(where, ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Tell each worker (xdist's WorkerController) where to write its groups."""
    where = node.config.stash.get(_DIR_KEY, None)
    if where is not None:
        node.workerinput[GROUPS_DIR] = str(where)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a worker: write {node id: group} for the grouped tests, before xdist reports them."""
    workerinput = getattr(config, "workerinput", None)
    if not workerinput or GROUPS_DIR not in workerinput:
        return
    groups = {item.nodeid: group for item in items if (group := group_of(item)) is not None}
    target = Path(workerinput[GROUPS_DIR]) / f"{workerinput['workerid']}.json"
    partial = target.with_suffix(".partial")
    partial.write_text(json.dumps(groups), encoding="utf-8")
    os.replace(partial, target)  # the controller never reads half a file


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup``: xdist's load-scope scheduling with the groups the workers wrote."""
    where = config.stash.get(_DIR_KEY, None)
    if where is None or config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):  # type: ignore[misc]
        """One work unit per group; every ungrouped test is a unit of its own."""

        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:  # every worker has collected: schedule() runs after that
                self.groups = {}
                for written in sorted(where.glob("*.json")):
                    self.groups.update(json.loads(written.read_text(encoding="utf-8")))
            group = self.groups.get(nodeid)
            return f"group:{group}" if group is not None else nodeid

    return GroupScheduling(config, log)


def _is_controller(config: pytest.Config) -> bool:
    return (
        config.pluginmanager.hasplugin("xdist")
        and not hasattr(config, "workerinput")
        and bool(config.getoption("numprocesses", None))
        and config.getoption("dist", "no") != "no"
    )
