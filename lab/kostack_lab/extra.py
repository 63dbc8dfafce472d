"""The packages only the lab needs: the `lab` extra (`pip install 'kostack[lab]'`).

`pip install kostack` runs diagnose, collect, fix and report without them;
`kostack lab up` checks for them first and, when one is missing, says which
extra to install (exit 2) instead of failing half-way through building a lab.
"""

from __future__ import annotations

import importlib
from typing import Final

from kostack.errors import ExitCode
from kostack_lab.errors import LabError, Msg

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
    "aiohttp": Msg("lab.w.use_kube_api"),
    "dnslib": Msg("lab.w.use_dns"),
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
        uses = Msg("lab.w.use", module=missing[0], use=LAB_EXTRA_MODULES[missing[0]])
        for module in missing[1:]:
            uses = Msg("lab.w.and_use", before=uses, module=module, use=LAB_EXTRA_MODULES[module])
        raise LabExtraMissing(
            Msg("lab.x.extra", command=command, extra=f"`{LAB_EXTRA}`", what=uses),
            Msg(
                "lab.x.pip_extra",
                package=f"'kostack[{LAB_EXTRA}]'",
                local=f"'.[{LAB_EXTRA}]'",
            ),
        )
