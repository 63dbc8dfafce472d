"""Where the lab's real Neutron lives: its own venv in the user's cache, and how it gets there.

Neutron 29.0.0 pins many packages of its own (oslo.*, SQLAlchemy, eventlet,
...), so it never shares kostack's environment: it gets a venv of its own at

    $KOSTACK_NEUTRON_VENV, else $XDG_CACHE_HOME/kostack/neutron-29.0.0
    (XDG_CACHE_HOME defaults to ~/.cache)

`provision_neutron_venv()` makes it: `python -m venv`, then `pip install` of
the pinned `neutron`, `openstacksdk` and `python-openstackclient` (measured:
about 340 MB and 1-2 minutes from a PyPI mirror; see docs/dev/neutron-harness.md).
It holds a lock while it works, so two setups at once do not collide, and
writes a marker naming the pins last, so a half-made venv is never used
(`kostack_lab.pinned_venv`).
`python -m kostack_lab.neutron provision` runs it; `scripts/setup.sh --all`
does too.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

from kostack_lab.errors import LabEnvironmentError, Msg
from kostack_lab.pinned_venv import PinnedVenv

__all__ = [
    "MARKER",
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
PROVISION_COMMAND: Final = "python -m kostack_lab.neutron provision"


class NeutronError(LabEnvironmentError):
    """The lab's Neutron could not be provisioned, start, answer or stop (message and hint)."""


class NeutronUnavailable(NeutronError):
    """The Neutron venv is missing or incomplete (message and hint say how to make it)."""


NEUTRON_VENV: Final = PinnedVenv(
    what=Msg("lab.w.neutron_venv"),
    slug=f"neutron-{NEUTRON_VERSION}",
    packages=NEUTRON_PACKAGES,
    env_var=VENV_ENV,
    marker=MARKER,
    provision_command=PROVISION_COMMAND,
    size_note=Msg("lab.w.neutron_size"),
    fail=NeutronUnavailable,
)


def neutron_venv_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The Neutron venv's directory: $KOSTACK_NEUTRON_VENV, else the user cache."""
    return NEUTRON_VENV.directory(environ)


def provisioned(venv: Path) -> bool:
    """Whether `venv` was made completely by `provision_neutron_venv` with today's pins."""
    return NEUTRON_VENV.provisioned(venv)


def find_neutron_python(environ: Mapping[str, str] | None = None) -> Path:
    """The interpreter of the provisioned Neutron venv (NeutronUnavailable if there is none)."""
    return NEUTRON_VENV.find_python(environ)


def provision_neutron_venv(
    venv: Path | None = None,
    *,
    python: str = sys.executable,
    log: Callable[[str], None] = lambda _line: None,
) -> Path:
    """Make the Neutron venv (a no-op when it is already complete); returns its directory."""
    return NEUTRON_VENV.provision(venv, python=python, log=log)
