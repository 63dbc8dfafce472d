"""Where the test Octavia lives: its own venv in the user's cache, and how it gets there.

TEST SUPPORT. The LoadBalancer tests run the real Octavia v2 API (octavia
19.0.0 from PyPI, `octavia_server.py`). Octavia pins its own oslo.*,
SQLAlchemy, pecan and WSME, so it never shares kostack's environment, and it
does not go into the lab's Neutron venv either (that one belongs to the
product's `kostack lab`); it gets a venv of its own at

    $KOSTACK_OCTAVIA_VENV, else $XDG_CACHE_HOME/kostack/octavia-19.0.0
    (XDG_CACHE_HOME defaults to ~/.cache)

Octavia reaches Neutron over HTTP only, so nothing of Neutron's is needed
there. `provision()` makes the venv under a lock and writes a marker naming
the pins last, so a half-made venv is never used:

    python -m kostack_testkit.octavia_venv provision   # scripts/setup.sh --all runs it
    python -m kostack_testkit.octavia_venv where       # the venv's python, or exit 3
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final

__all__ = [
    "OCTAVIA_PACKAGES",
    "OCTAVIA_VERSION",
    "VENV_ENV",
    "OctaviaUnavailable",
    "find_octavia_python",
    "octavia_venv_dir",
    "provision",
    "provisioned",
]

OCTAVIA_VERSION: Final = "19.0.0"
OCTAVIA_PACKAGES: Final = (f"octavia=={OCTAVIA_VERSION}",)
VENV_ENV: Final = "KOSTACK_OCTAVIA_VENV"
MARKER: Final = "kostack-octavia.json"
PROVISION_COMMAND: Final = "python -m kostack_testkit.octavia_venv provision"
PIP_TIMEOUT_S: Final = 1800.0


class OctaviaUnavailable(RuntimeError):
    """The Octavia venv is missing or could not be made (the message says how to make it)."""


def octavia_venv_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The Octavia venv's directory: $KOSTACK_OCTAVIA_VENV, else the user cache."""
    env = os.environ if environ is None else environ
    configured = env.get(VENV_ENV)
    if configured:
        return Path(configured).expanduser()
    cache = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    return Path(cache).expanduser() / "kostack" / f"octavia-{OCTAVIA_VERSION}"


def provisioned(venv: Path) -> bool:
    """Whether `venv` was made completely by `provision` with today's pins."""
    try:
        marker = json.loads((venv / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(marker, dict)
        and marker.get("packages") == list(OCTAVIA_PACKAGES)
        and (venv / "bin" / "python").exists()
    )


def find_octavia_python(environ: Mapping[str, str] | None = None) -> Path:
    """The interpreter of the provisioned Octavia venv (OctaviaUnavailable if there is none)."""
    venv = octavia_venv_dir(environ)
    if provisioned(venv):
        return venv / "bin" / "python"
    state = "is incomplete or has other versions" if venv.exists() else "does not exist"
    raise OctaviaUnavailable(
        f"the test Octavia venv {venv} {state}: make it with `{PROVISION_COMMAND}` "
        f"(`bash scripts/setup.sh --all` does it too), or point {VENV_ENV} at one"
    )


@contextlib.contextmanager
def _locked(venv: Path) -> Iterator[None]:
    venv.parent.mkdir(parents=True, exist_ok=True)
    with (venv.parent / f".{venv.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def provision(venv: Path | None = None, *, python: str = sys.executable) -> Path:
    """Make the Octavia venv (a no-op when it is complete); returns its directory."""
    target = octavia_venv_dir() if venv is None else venv
    with _locked(target):
        if provisioned(target):
            return target
        if target.exists():
            shutil.rmtree(target)  # half-made by an interrupted run
        _run([python, "-m", "venv", str(target)], "create the venv")
        pip = [str(target / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
        _run([*pip, "install", "--quiet", *OCTAVIA_PACKAGES], "install Octavia")
        marker = {"packages": list(OCTAVIA_PACKAGES), "python": sys.version.split()[0]}
        partial = target / f".{MARKER}.tmp"
        partial.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        partial.replace(target / MARKER)
        return target


def _run(command: list[str], what: str) -> None:
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OctaviaUnavailable(f"could not {what}: {exc}") from exc
    if completed.returncode != 0:
        tail = "\n".join((completed.stderr or completed.stdout).strip().splitlines()[-8:])
        raise OctaviaUnavailable(f"could not {what} (exit status {completed.returncode}): {tail}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kostack_testkit.octavia_venv")
    parser.add_argument("action", choices=("provision", "where"))
    args = parser.parse_args(argv)
    try:
        if args.action == "provision":
            print(provision())
        else:
            print(find_octavia_python())
    except OctaviaUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
