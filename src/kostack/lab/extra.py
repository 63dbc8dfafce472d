"""The packages only the lab needs: the `lab` extra (`pip install 'kostack[lab]'`).

`pip install kostack` runs diagnose, collect, fix and report without them;
`kostack lab up` checks for them first and, when one is missing, says which
extra to install (exit 2) instead of failing half-way through building a lab.
"""

from __future__ import annotations

import importlib
from typing import Final

from kostack.errors import ExitCode
from kostack.lab.errors import LabError

__all__ = [
    "LAB_EXTRA",
    "LAB_EXTRA_MODULES",
    "LabExtraMissing",
    "missing_lab_modules",
    "require_lab_extra",
]

LAB_EXTRA: Final = "lab"
# module -> what the lab uses it for
LAB_EXTRA_MODULES: Final = {
    "aiohttp": "the lab's Kubernetes API server",
    "dnslib": "the lab's cluster DNS server",
}


class LabExtraMissing(LabError):
    """A package of the `lab` extra is not installed (usage: install the extra)."""

    exit_code = ExitCode.USAGE


def missing_lab_modules() -> list[str]:
    """The modules of the lab extra that cannot be imported, in a stable order."""
    missing = []
    for module in LAB_EXTRA_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    return missing


def require_lab_extra(command: str = "kostack lab up") -> None:
    """Raise LabExtraMissing naming the extra when a package of it is missing."""
    missing = missing_lab_modules()
    if missing:
        uses = "; ".join(f"{m} for {LAB_EXTRA_MODULES[m]}" for m in missing)
        raise LabExtraMissing(
            f"{command} needs the `{LAB_EXTRA}` extra, which is not installed (missing {uses})",
            f"pip install 'kostack[{LAB_EXTRA}]' (in a checkout: pip install -e '.[{LAB_EXTRA}]')",
        )
