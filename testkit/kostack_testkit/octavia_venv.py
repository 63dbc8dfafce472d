"""Where the test Octavia lives: its own venv in the user's cache, and how it gets there.

TEST SUPPORT. The LoadBalancer tests run the real Octavia v2 API (octavia
19.0.0 from PyPI, `octavia_server.py`). Octavia pins its own oslo.*,
SQLAlchemy, pecan and WSME, so it never shares kostack's environment, and it
does not go into the lab's Neutron venv either (that one belongs to the
product's `kostack lab`); it gets a venv of its own at

    $KOSTACK_OCTAVIA_VENV, else $XDG_CACHE_HOME/kostack/octavia-19.0.0
    (XDG_CACHE_HOME defaults to ~/.cache)

Octavia reaches Neutron over HTTP only, so nothing of Neutron's is needed
there. `provision()` makes the venv the way the lab's Neutron venv is made
(`kostack_lab.pinned_venv`: under a lock, a marker naming the pins last):

    python -m kostack_testkit.octavia_venv provision   # scripts/setup.sh --all runs it
    python -m kostack_testkit.octavia_venv where       # the venv's python, or exit 3
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from kostack_lab.pinned_venv import PinnedVenv

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


class OctaviaUnavailable(RuntimeError):
    """The Octavia venv is missing or could not be made (the message says how to make it)."""


OCTAVIA_VENV: Final = PinnedVenv(
    what="test Octavia",
    slug=f"octavia-{OCTAVIA_VERSION}",
    packages=OCTAVIA_PACKAGES,
    env_var=VENV_ENV,
    marker=MARKER,
    provision_command=PROVISION_COMMAND,
    size_note="about 280 MB",
    fail=lambda message, hint: OctaviaUnavailable(f"{message}: {hint}"),
)


def octavia_venv_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The Octavia venv's directory: $KOSTACK_OCTAVIA_VENV, else the user cache."""
    return OCTAVIA_VENV.directory(environ)


def provisioned(venv: Path) -> bool:
    """Whether `venv` was made completely by `provision` with today's pins."""
    return OCTAVIA_VENV.provisioned(venv)


def find_octavia_python(environ: Mapping[str, str] | None = None) -> Path:
    """The interpreter of the provisioned Octavia venv (OctaviaUnavailable if there is none)."""
    return OCTAVIA_VENV.find_python(environ)


def provision(venv: Path | None = None, *, python: str = sys.executable) -> Path:
    """Make the Octavia venv (a no-op when it is complete); returns its directory."""
    return OCTAVIA_VENV.provision(venv, python=python)


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
