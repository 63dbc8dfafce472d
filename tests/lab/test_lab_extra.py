"""`kostack lab up` without kostack-lab's dependencies says what to install (exit 2), and builds
nothing.

The packages are hidden from a fresh interpreter (an import of a name set to
None in sys.modules fails), so this runs the real CLI as it would run after
`pip install --no-deps ./lab`. tests/packaging runs `kostack lab up` from the built
kostack wheel in an environment without kostack-lab at all.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lab_testing import lab_name

from kostack_lab.extra import LAB_EXTRA_MODULES, missing_lab_modules
from kostack_lab.netns import list_namespaces


def run_without(hidden: tuple[str, ...], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `kostack ARGS` in a new interpreter where the `hidden` modules cannot be imported."""
    script = (
        "import sys\n"
        f"for name in {hidden!r}:\n"
        "    sys.modules[name] = None\n"
        "from kostack.cli.main import main\n"
        f"sys.exit(main({list(args)!r}))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )


def test_the_dev_environment_has_the_extra() -> None:
    assert missing_lab_modules() == []
    assert set(LAB_EXTRA_MODULES) == {"aiohttp", "dnslib"}


def test_lab_up_without_the_extra_names_it_and_exits_2(tmp_path: Path) -> None:
    name = lab_name()
    state = tmp_path / "state"
    result = run_without(
        ("aiohttp", "dnslib"),
        "lab",
        "up",
        "--scenario",
        "seed",
        "--name",
        name,
        "--state-dir",
        str(state),
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines == [
        "error: `kostack lab up` needs packages kostack-lab depends on, which are not installed "
        "(missing aiohttp for the lab's Kubernetes API server; dnslib for the lab's cluster DNS "
        "server)",
        "hint: install kostack-lab with its dependencies, from a checkout of kostack: "
        "`pip install ./lab`",
    ]
    # Nothing was built or written.
    assert not state.exists()
    assert [n for n in list_namespaces() if n.startswith(f"ks-{name}-")] == []


def test_one_missing_package_is_named_alone(tmp_path: Path) -> None:
    result = run_without(
        ("dnslib",), "lab", "up", "--scenario", "seed", "--state-dir", str(tmp_path)
    )
    assert result.returncode == 2
    assert "(missing dnslib for the lab's cluster DNS server)" in result.stderr
    assert "aiohttp" not in result.stderr


def test_the_rest_of_kostack_runs_without_the_extra() -> None:
    """Help of every command group, and `lab --help` itself, need no lab package."""
    for args in (["--help"], ["lab", "--help"], ["diagnose", "--help"], ["collect", "--help"]):
        result = run_without(("aiohttp", "dnslib"), *args)
        assert result.returncode == 0, (args, result.stderr)
        assert "Usage:" in result.stdout
