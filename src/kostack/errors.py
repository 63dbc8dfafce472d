"""kostack's error hierarchy and exit codes (one enum; README.md lists the codes)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1
    USAGE = 2
    UNREACHABLE = 3
    PARTIAL = 4
    APPLY_FAILED = 5
    INTERNAL = 70
    INTERRUPTED = 130


class Hinted(Exception):
    """An error with a message saying what failed (and where) and a hint saying what to try."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class KostackError(Hinted):
    """Base of the errors a command ends with: a message, a hint and an exit code."""

    exit_code: ExitCode = ExitCode.USAGE


class ConfigError(KostackError):
    """Bad input: a flag, a file, a snapshot, an endpoint spec."""

    exit_code = ExitCode.USAGE


class AuthError(KostackError):
    """Credentials rejected or missing."""

    exit_code = ExitCode.UNREACHABLE


class NoCredentials(AuthError):
    """No OpenStack credentials anywhere (no --os-cloud, OS_CLOUD, OS_* variables or clouds.yaml).

    The hint names only what every command that reads OpenStack accepts; the
    CLI adds how the running command can do without OpenStack (its options).
    """


class CollectError(KostackError):
    """A source could not be reached or read at all."""

    exit_code = ExitCode.UNREACHABLE


class ProbeError(KostackError):
    exit_code = ExitCode.UNREACHABLE


class ApplyError(KostackError):
    exit_code = ExitCode.APPLY_FAILED


class Interrupted(KostackError):
    """Ctrl-C: what was in flight, whether it landed, and how to resume or undo (exit 130)."""

    exit_code = ExitCode.INTERRUPTED
