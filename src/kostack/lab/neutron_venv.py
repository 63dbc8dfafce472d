"""Where the lab's real Neutron lives: its own venv in the user's cache, and how it gets there.

Neutron 29.0.0 pins many packages of its own (oslo.*, SQLAlchemy, eventlet,
...), so it never shares kostack's environment: it gets a venv of its own at

    $KOSTACK_NEUTRON_VENV, else $XDG_CACHE_HOME/kostack/neutron-29.0.0
    (XDG_CACHE_HOME defaults to ~/.cache)

`provision_neutron_venv()` makes it: `python -m venv`, then `pip install` of
the pinned `neutron`, `openstacksdk` and `python-openstackclient` (measured:
about 340 MB and 1-2 minutes from a PyPI mirror; see docs/dev/neutron-harness.md).
It holds a lock while it works, so two setups at once do not collide, and
writes a marker naming the pins last, so a half-made venv is never used.
`python -m kostack.lab.neutron provision` runs it; `scripts/setup.sh --all`
does too.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Final

from kostack.lab.errors import LabEnvironmentError

__all__ = [
    "NEUTRON_PACKAGES",
    "NEUTRON_VERSION",
    "VENV_ENV",
    "NeutronError",
    "NeutronUnavailable",
    "find_neutron_python",
    "neutron_venv_dir",
    "provision_neutron_venv",
    "provisioned",
]

NEUTRON_VERSION: Final = "29.0.0"
# What the venv holds; openstacksdk and the `openstack` CLI come along so a
# generated fix script can be run for real against the lab's Neutron.
NEUTRON_PACKAGES: Final = (
    f"neutron=={NEUTRON_VERSION}",
    "openstacksdk==4.22.0",
    "python-openstackclient==10.5.0",
)
VENV_ENV: Final = "KOSTACK_NEUTRON_VENV"
MARKER: Final = "kostack-neutron.json"
PROVISION_COMMAND: Final = "python -m kostack.lab.neutron provision"
PIP_TIMEOUT_S: Final = 1800.0


class NeutronError(LabEnvironmentError):
    """The lab's Neutron could not be provisioned, start, answer or stop (message and hint)."""


class NeutronUnavailable(NeutronError):
    """The Neutron venv is missing or incomplete (message and hint say how to make it)."""


def neutron_venv_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The Neutron venv's directory: $KOSTACK_NEUTRON_VENV, else the user cache."""
    env = os.environ if environ is None else environ
    configured = env.get(VENV_ENV)
    if configured:
        return Path(configured).expanduser()
    cache = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    return Path(cache).expanduser() / "kostack" / f"neutron-{NEUTRON_VERSION}"


def provisioned(venv: Path) -> bool:
    """Whether `venv` was made completely by `provision_neutron_venv` with today's pins."""
    try:
        marker = json.loads((venv / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(marker, dict)
        and marker.get("packages") == list(NEUTRON_PACKAGES)
        and (venv / "bin" / "python").exists()
    )


def find_neutron_python(environ: Mapping[str, str] | None = None) -> Path:
    """The interpreter of the provisioned Neutron venv (NeutronUnavailable if there is none)."""
    venv = neutron_venv_dir(environ)
    if provisioned(venv):
        return venv / "bin" / "python"
    state = "is incomplete or has other versions" if venv.exists() else "does not exist"
    raise NeutronUnavailable(
        f"the lab's Neutron venv {venv} {state}",
        f"make it with `{PROVISION_COMMAND}` (about 340 MB, 1-2 minutes; "
        f"`bash scripts/setup.sh --all` does it too), or point {VENV_ENV} at one",
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


def provision_neutron_venv(
    venv: Path | None = None,
    *,
    python: str = sys.executable,
    log: Callable[[str], None] = lambda _line: None,
) -> Path:
    """Make the Neutron venv (a no-op when it is already complete); returns its directory.

    Creates the venv with `python -m venv` and pip-installs NEUTRON_PACKAGES into
    it. A venv left half-made by an earlier, interrupted run is removed first.
    Raises NeutronUnavailable when venv creation or pip fails (pip's last
    lines in the message).
    """
    target = neutron_venv_dir() if venv is None else venv
    with _locked(target):
        if provisioned(target):
            log(f"the Neutron venv {target} is ready")
            return target
        if target.exists():
            log(f"removing the incomplete Neutron venv {target}")
            shutil.rmtree(target)
        log(f"creating the Neutron venv {target}")
        _run([python, "-m", "venv", str(target)], "create the venv")
        pip = [str(target / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
        log(f"installing {' '.join(NEUTRON_PACKAGES)} (about 340 MB)")
        _run([*pip, "install", "--quiet", *NEUTRON_PACKAGES], "install Neutron")
        marker = {"packages": list(NEUTRON_PACKAGES), "python": sys.version.split()[0]}
        partial = target / f".{MARKER}.tmp"
        partial.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        partial.replace(target / MARKER)
        log(f"the Neutron venv {target} is ready")
        return target


def _run(command: list[str], what: str) -> None:
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NeutronUnavailable(
            f"could not {what}: {exc}", "retry; check the disk and network"
        ) from exc
    if completed.returncode != 0:
        tail = "\n".join((completed.stderr or completed.stdout).strip().splitlines()[-8:])
        raise NeutronUnavailable(
            f"could not {what} (exit status {completed.returncode}): {tail}",
            "check that PyPI (or your mirror) is reachable and the disk has ~400 MB free",
        )
