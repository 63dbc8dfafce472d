"""scripts/setup.sh stops early, with what to do, on a Python older than 3.11 (issue #13 item 7)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Answers the two questions setup.sh asks an interpreter as Ubuntu 22.04's python3 (3.10) would.
FAKE_PYTHON_310 = """#!/bin/sh
case "$*" in
  *version_info*) exec /bin/sh -c 'exit 1' ;;
  *python_version*) echo 3.10.12 ;;
  *) echo "unexpected: $*" >&2; exit 99 ;;
esac
"""


def _run_setup(tmp_path: Path, python: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "setup.sh", tmp_path / "scripts" / "setup.sh")
    return subprocess.run(
        ["bash", str(tmp_path / "scripts" / "setup.sh")],
        env={"PATH": "/usr/bin:/bin", "PYTHON": python},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_setup_refuses_python_310_before_doing_anything(tmp_path: Path) -> None:
    fake = tmp_path / "python3.10"
    fake.write_text(FAKE_PYTHON_310)
    fake.chmod(0o755)
    done = _run_setup(tmp_path, str(fake))
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == (
        f"error: kostack needs Python 3.11 or later; {fake} is 3.10.12"
    )
    assert "PYTHON=python3.12 bash scripts/setup.sh" in done.stderr
    assert "uv venv --seed --python 3.12 .venv" in done.stderr
    assert not (tmp_path / ".venv").exists()  # nothing was made


def test_setup_names_a_missing_interpreter(tmp_path: Path) -> None:
    done = _run_setup(tmp_path, "python3.99-nowhere")
    assert done.returncode == 2
    assert "error: python3.99-nowhere not found; kostack needs Python 3.11 or later" in done.stderr


def test_readme_states_the_python_version_next_to_the_first_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_command = readme.index("bash scripts/setup.sh")
    before = readme[max(0, first_command - 600) : first_command]
    assert "Python 3.11" in before
    assert "uv" in readme and "pipx" in readme
