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

CONFTEST = 'pytest_plugins = ["conftest_xdist"]\n'

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


def test_a_module_fixture_is_made_once_on_two_workers(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (tmp_path / "test_suite.py").write_text(SUITE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-q",
         "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "18 passed" in done.stdout
    log = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    workers = {entry["worker"] for entry in log}
    assert workers == {"gw0", "gw1"}  # the ungrouped tests were spread
    made = [e["worker"] for e in log if e.get("made")]
    shared = {e["worker"] for e in log if e.get("test", "").startswith("shared-")}
    own = {e["worker"] for e in log if e.get("test", "").startswith("own-")}
    assert len(shared) == 1 and len(own) == 1  # each group stayed on one worker
    # made once on each worker that ran a group (the file's, and the tests' own "mine")
    assert sorted(made) == sorted(shared | own)
