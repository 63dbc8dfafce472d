"""Errors of the network lab: each carries a one-line message and a hint, both keyed.

The message and the hint are `Msg`s of kostack_lab.texts (a key and its
parameters): `str()` is the English text (logs, the English CLI), and the
CLI says the same key in the command's language. The CLI maps the classes
to exit codes: `LabInputError` is bad input (2), `LabEnvironmentError` (not
root, a tool or kernel feature missing, Neutron unreachable) is 3, anything
else that failed while building or changing the lab is 5 ("apply failed").
"""

from __future__ import annotations

from kostack.catalog import Msg
from kostack.errors import ExitCode, KostackError
from kostack_lab import texts  # noqa: F401  (registers the keys every raise site uses)

__all__ = ["LabEnvironmentError", "LabError", "LabInputError", "Msg", "NotRootError"]


class LabError(KostackError):
    """The lab could not do what was asked; `hint` says what to try."""

    exit_code = ExitCode.APPLY_FAILED
    message: Msg
    hint: Msg | str

    def __init__(self, message: Msg, hint: Msg | None = None) -> None:
        super().__init__(message, hint if hint is not None else "")

    def __str__(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else str(self.message)


class LabInputError(LabError):
    """The request itself is wrong: unknown scenario, bad node count, lab already up."""

    exit_code = ExitCode.USAGE


class LabEnvironmentError(LabError):
    """This machine cannot run the lab: not root, `ip`/`nft` missing, Neutron unreachable."""

    exit_code = ExitCode.UNREACHABLE


class NotRootError(LabEnvironmentError):
    """Network namespaces need root (CAP_SYS_ADMIN and CAP_NET_ADMIN)."""
