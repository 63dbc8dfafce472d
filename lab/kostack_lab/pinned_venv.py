"""A venv of pinned packages in the user's cache, made once under a lock.

Servers that pin their own oslo.*, SQLAlchemy and friends (the lab's
Neutron; the tests' Octavia) never share kostack's environment: each gets a
venv of its own at

    $<env_var>, else $XDG_CACHE_HOME/kostack/<slug>  (XDG_CACHE_HOME defaults to ~/.cache)

`PinnedVenv.provision` makes it with `python -m venv` and `pip install` of
the pins, holding a lock so two setups at once do not collide, and writes a
marker naming the pins last, so a half-made venv is never used.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from kostack.catalog import Msg
from kostack_lab import texts  # noqa: F401  (registers the keys of the messages below)

__all__ = ["PIP_TIMEOUT_S", "PinnedVenv"]

PIP_TIMEOUT_S: Final = 1800.0


@dataclass(frozen=True)
class PinnedVenv:
    """Where a pinned venv lives and how to make it.

    ``fail(message, hint)`` builds the exception raised when the venv is
    missing or cannot be made (each user has its own error type); both are
    `Msg`s of kostack_lab.texts, as are ``what`` and ``size_note`` when the
    venv is the product's (its messages are said in Korean too).
    """

    what: str  # "lab's Neutron": in messages
    slug: str  # "neutron-29.0.0": the directory under the cache
    packages: tuple[str, ...]
    env_var: str
    marker: str
    provision_command: str
    size_note: str  # "about 340 MB, 1-2 minutes"
    fail: Callable[[Msg, Msg], Exception]

    def directory(self, environ: Mapping[str, str] | None = None) -> Path:
        """The venv's directory: $env_var, else the user cache."""
        env = os.environ if environ is None else environ
        configured = env.get(self.env_var)
        if configured:
            return Path(configured).expanduser()
        cache = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
        return Path(cache).expanduser() / "kostack" / self.slug

    def provisioned(self, venv: Path) -> bool:
        """Whether ``venv`` was made completely by `provision` with today's pins."""
        try:
            marker = json.loads((venv / self.marker).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return (
            isinstance(marker, dict)
            and marker.get("packages") == list(self.packages)
            and (venv / "bin" / "python").exists()
        )

    def find_python(self, environ: Mapping[str, str] | None = None) -> Path:
        """The interpreter of the provisioned venv (``fail`` if there is none)."""
        venv = self.directory(environ)
        if self.provisioned(venv):
            return venv / "bin" / "python"
        raise self.fail(
            Msg("lab.x.venv_incomplete", what=self.what, venv=str(venv))
            if venv.exists()
            else Msg("lab.x.venv_missing", what=self.what, venv=str(venv)),
            Msg(
                "lab.x.venv_make",
                command=f"`{self.provision_command}`",
                size=self.size_note,
                env_var=self.env_var,
            ),
        )

    def provision(
        self,
        venv: Path | None = None,
        *,
        python: str = sys.executable,
        log: Callable[[str], None] = lambda _line: None,
    ) -> Path:
        """Make the venv (a no-op when it is already complete); returns its directory.

        A venv left half-made by an earlier, interrupted run is removed first.
        Raises ``fail(...)`` when venv creation or pip fails (pip's last lines
        in the message).
        """
        target = self.directory() if venv is None else venv
        with _locked(target):
            if self.provisioned(target):
                log(f"the {self.what} venv {target} is ready")
                return target
            if target.exists():
                log(f"removing the incomplete {self.what} venv {target}")
                shutil.rmtree(target)
            log(f"creating the {self.what} venv {target}")
            self._run([python, "-m", "venv", str(target)], Msg("lab.w.create_venv"))
            pip = [str(target / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
            log(f"installing {' '.join(self.packages)} ({self.size_note})")
            install = Msg("lab.w.install", what=self.what)
            self._run([*pip, "install", "--quiet", *self.packages], install)
            marker = {"packages": list(self.packages), "python": sys.version.split()[0]}
            partial = target / f".{self.marker}.tmp"
            partial.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
            partial.replace(target / self.marker)
            log(f"the {self.what} venv {target} is ready")
            return target

    def _run(self, command: list[str], step: Msg) -> None:
        try:
            completed = subprocess.run(
                command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise self.fail(
                Msg("lab.x.venv_step", step=step, why=str(exc)), Msg("lab.x.venv_retry")
            ) from exc
        if completed.returncode != 0:
            tail = "\n".join((completed.stderr or completed.stdout).strip().splitlines()[-8:])
            raise self.fail(
                Msg("lab.x.venv_step_status", step=step, status=completed.returncode, tail=tail),
                Msg("lab.x.venv_pypi", size=self.size_note),
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
