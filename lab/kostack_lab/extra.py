"""The packages only the lab needs: kostack-lab's own dependencies (lab/pyproject.toml).

`pip install kostack` runs diagnose, collect, fix and report without them, and
without kostack-lab (kostack.cli.parts says what to install). kostack-lab installed
without its dependencies (`pip install --no-deps`), `kostack lab up` checks for them
first and, when one is missing, says what to install (exit 2) instead of failing
half-way through building a lab.
"""

from __future__ import annotations

import importlib
from typing import Final

from kostack.cli.parts import LAB, LAB_INSTALL
from kostack.errors import ExitCode
from kostack.shell import as_code, render
from kostack_lab.errors import LabError, Msg

__all__ = [
    "LAB_EXTRA_MODULES",
    "LabExtraMissing",
    "missing_lab_modules",
    "require_lab_extra",
]

# module -> what the lab uses it for
LAB_EXTRA_MODULES: Final = {
    "aiohttp": Msg("lab.w.use_kube_api"),
    "dnslib": Msg("lab.w.use_dns"),
}


class LabExtraMissing(LabError):
    """A package kostack-lab depends on is not installed (usage: install them)."""

    exit_code = ExitCode.USAGE


def missing_lab_modules() -> list[str]:
    """The modules kostack-lab depends on that cannot be imported, in a stable order."""
    missing = []
    for module in LAB_EXTRA_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    return missing


def require_lab_extra(command: str = "kostack lab up") -> None:
    """Raise LabExtraMissing naming what is missing and how to install it."""
    missing = missing_lab_modules()
    if missing:
        uses = Msg("lab.w.use", module=missing[0], use=LAB_EXTRA_MODULES[missing[0]])
        for module in missing[1:]:
            uses = Msg("lab.w.and_use", before=uses, module=module, use=LAB_EXTRA_MODULES[module])
        raise LabExtraMissing(
            Msg("lab.x.extra", command=command, package=LAB, what=uses),
            Msg("lab.x.pip_extra", package=LAB, install=as_code(render(LAB_INSTALL))),
        )
