"""The test run is split over xdist workers without making a module's shared fixture twice.

scripts/test.sh runs ``pytest -n 2 --dist loadgroup``; tests/conftest_xdist.py
puts every test that uses a module-scoped fixture into its file's group and
schedules by group (xdist 3.8's own loadgroup ignores the marks on pytest 9.2).
Here a small suite of its own runs on two real workers: the module fixture
must be made once per group and every test of a group must run on one worker,
a test with its own ``xdist_group`` keeps it, and the other tests are spread.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

CONFTEST = """
import json, os
from pathlib import Path
import conftest_xdist

pytest_plugins = ["conftest_xdist"]

def pytest_collection_modifyitems(items):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "controller")
    groups = {item.nodeid: conftest_xdist.group_of(item) for item in items}
    Path(__file__).with_name(f"groups-{worker}.json").write_text(json.dumps(groups))
"""

SUITE = """
import json, os
from pathlib import Path
import pytest

LOG = Path(__file__).with_name("log.jsonl")

def note(**what):
    with LOG.open("a") as log:
        log.write(json.dumps({"worker": os.environ.get("PYTEST_XDIST_WORKER"), **what}) + "\\n")

@pytest.fixture(scope="module")
def expensive():
    note(made="expensive")
    return 42

@pytest.mark.parametrize("n", range(8))
def test_shared(expensive, n):
    note(test=f"shared-{n}")
    assert expensive == 42

@pytest.mark.parametrize("n", range(8))
def test_free(n):
    note(test=f"free-{n}")

@pytest.mark.xdist_group("mine")
@pytest.mark.parametrize("n", range(2))
def test_own_group(expensive, n):
    note(test=f"own-{n}")
"""

SPREAD = """
import json, os
from pathlib import Path
import pytest

pytestmark = pytest.mark.xdist_spread
LOG = Path(__file__).with_name("log.jsonl")

@pytest.fixture(scope="module")
def cheap():
    return 1

@pytest.mark.parametrize("n", range(8))
def test_spread(cheap, n):
    with LOG.open("a") as log:
        log.write(json.dumps({"worker": os.environ.get("PYTEST_XDIST_WORKER"), "test": f"spread-{n}"}) + "\\n")
"""


def test_a_module_fixture_is_made_once_on_two_workers(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (tmp_path / "test_suite.py").write_text(SUITE, encoding="utf-8")
    (tmp_path / "test_spread.py").write_text(SPREAD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-q",
         "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "26 passed" in done.stdout
    log = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    workers = {entry["worker"] for entry in log}
    assert workers == {"gw0", "gw1"}  # the ungrouped tests were spread
    made = [e["worker"] for e in log if e.get("made")]
    shared = {e["worker"] for e in log if e.get("test", "").startswith("shared-")}
    own = {e["worker"] for e in log if e.get("test", "").startswith("own-")}
    assert len(shared) == 1 and len(own) == 1  # each group stayed on one worker
    # the groups the workers reported: xdist_spread leaves a module-fixture test ungrouped
    groups = json.loads((tmp_path / "groups-gw0.json").read_text())
    assert groups["test_suite.py::test_shared[0]"] == "module:test_suite.py"
    assert groups["test_suite.py::test_own_group[0]"] == "mine"
    assert groups["test_suite.py::test_free[0]"] is None
    assert groups["test_spread.py::test_spread[0]"] is None
    # made once on each worker that ran a group (the file's, and the tests' own "mine")
    assert sorted(made) == sorted(shared | own)
