"""The helm binary as the reinstall runs it: global flags, the exact command, its first line.

helm runs in a session of its own (``start_new_session``): the Ctrl-C a
terminal sends to its whole foreground process group reaches kostack alone,
which lets helm finish the step (kostack.interrupts.child_step) rather than
leave a release half uninstalled or half installed. Its output goes to
unnamed files, not pipes: a helm that kostack stops waiting for still has
somewhere to write when kostack has gone.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Protocol

from kostack.plan.release import ReleaseAction
from kostack.shell import Cmd, chain

_SECRETISH = re.compile(
    r"(?i)\b(password|passwd|secret|token|key)(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|\S+)"
)


@dataclass(frozen=True)
class HelmResult:
    code: int
    stdout: str
    stderr: str


class HelmLeftRunning(KeyboardInterrupt):
    """Ctrl-C while kostack waited for helm: kostack stops waiting, helm goes on by itself."""

    def __init__(self, pid: int) -> None:
        super().__init__("helm left running")
        self.pid = pid


class HelmRunner(Protocol):
    """Runs `helm ARGS` against the same cluster kostack reads."""

    def run(self, args: Sequence[str], timeout: int) -> HelmResult: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class SubprocessHelm:
    """The real helm binary; kubeconfig and context are passed as helm's global flags."""

    path: str
    kubeconfig: str | None = None
    context: str | None = None
    environ: Mapping[str, str] = field(default_factory=dict)

    def run(self, args: Sequence[str], timeout: int) -> HelmResult:
        command = [self.path, *with_globals(args, self.kubeconfig, self.context)]
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            try:
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    env=dict(self.environ) or None,
                    start_new_session=True,  # the terminal's Ctrl-C is not helm's
                )
            except OSError as exc:
                return HelmResult(127, "", f"cannot run {self.path}: {exc}")
            try:
                code = process.wait(timeout + 60)
            except subprocess.TimeoutExpired as exc:
                process.kill()
                process.wait()
                return HelmResult(124, "", f"helm did not finish in {exc.timeout:.0f} s")
            except KeyboardInterrupt:
                raise HelmLeftRunning(process.pid) from None
            return HelmResult(code, _read(out), _read(err))

    def describe(self) -> str:
        return self.path


def with_globals(
    argv: Sequence[str], kubeconfig: str | None, context: str | None
) -> tuple[str, ...]:
    """helm's global flags added to a command, before a ``--`` that ends its options."""
    flags: list[str] = []
    if kubeconfig:
        flags += ["--kubeconfig", kubeconfig]
    if context:
        flags += ["--kube-context", context]
    if "--" in argv:
        at = list(argv).index("--")
        return (*argv[:at], *flags, *argv[at:])
    return (*argv, *flags)


def find_helm(environ: Mapping[str, str]) -> str | None:
    """The helm binary on PATH (KOSTACK_HELM overrides), or None."""
    explicit = environ.get("KOSTACK_HELM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    return shutil.which("helm", path=environ.get("PATH"))


def helm_command_line(action: ReleaseAction, kubeconfig: str | None, context: str | None) -> str:
    """The exact command to run by hand for a helm step."""
    if not action.commands:
        return ""
    head = with_globals(action.commands[0].argv, kubeconfig, context)
    return chain(Cmd(head), *action.commands[1:])


def _first_line(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "no output")
    return _SECRETISH.sub(r"\1\2[redacted]", line)[:300]


def _read(stream: IO[bytes]) -> str:
    stream.seek(0)
    return stream.read().decode("utf-8", "replace")
