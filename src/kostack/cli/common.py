"""What every command shares: the environment, error reporting, output choices."""

from __future__ import annotations

import locale
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, TypeVar

import click

from kostack.errors import ExitCode, KostackError
from kostack.report.i18n import LANGS
from kostack.report.safe import terminal_safe

if TYPE_CHECKING:  # the model (pydantic) is imported by the commands that read a snapshot
    from kostack.model import Snapshot

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Environment:
    """Everything the CLI takes from the outside world, injectable for tests (httpie-style)."""

    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    stdin_isatty: bool = field(default_factory=lambda: sys.stdin.isatty())
    stdout_isatty: bool = field(default_factory=lambda: sys.stdout.isatty())
    stderr_isatty: bool = field(default_factory=lambda: sys.stderr.isatty())
    debug: bool = False
    color: str = "auto"  # --color: auto, always, never (kostack.cli.console)
    progress: str = "auto"  # --progress: auto, always, never
    lang: str | None = None  # the running command's --lang (progress and errors follow it)


def detect_lang(explicit: str | None, environ: Mapping[str, str]) -> str:
    """--lang wins; else the locale (LC_ALL, LC_MESSAGES, LANG); else English."""
    if explicit:
        return explicit if explicit in LANGS else "en"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(var, "")
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    loc = locale.getlocale()[0] or ""
    return "ko" if loc.lower().startswith("ko") else "en"


def optional_part(module: str, attr: str, what: str) -> Any:
    """A part of kostack that later work adds (imported lazily, so a missing part is a clear error)."""
    import importlib

    try:
        return getattr(importlib.import_module(module), attr)
    except (ModuleNotFoundError, AttributeError) as exc:
        from kostack.errors import ConfigError

        raise ConfigError(
            f"{what} is not available in this build", "Give a snapshot with --snapshot FILE."
        ) from exc


def fail(env: Environment, err: KostackError) -> int:
    from kostack.cli.console import emit_err

    emit_err(env, terminal_safe(f"error: {err.message}\n"))
    if err.hint:
        emit_err(env, terminal_safe(f"hint: {err.hint}\n"))
    return int(err.exit_code)


def read_snapshot(path: str) -> Snapshot:
    from kostack.model import SnapshotFormatError, load_snapshot

    try:
        return load_snapshot(path)
    except SnapshotFormatError as exc:
        from kostack.errors import ConfigError

        raise ConfigError(f"{exc.what} ({exc.path}) in {path}", exc.hint) from exc


def get_env(ctx: click.Context) -> Environment:
    obj = ctx.find_root().obj
    if isinstance(obj, Environment):
        return obj
    env = Environment()
    ctx.find_root().obj = env
    return env


@contextmanager
def progress(env: Environment, key: str, **params: object) -> Iterator[None]:
    """A spinner with message `key` (kostack.cli.messages) on stderr while the block runs."""
    from kostack.cli.console import activity, language
    from kostack.cli.messages import say

    with activity(env, say(language(env), key, **params)):
        yield


SEVERITIES = ("info", "low", "medium", "high", "critical", "never")


def exit_for(worst: str | None, fail_on: str) -> int:
    if fail_on == "never" or worst is None:
        return int(ExitCode.OK)
    order = SEVERITIES.index
    return int(ExitCode.FINDINGS) if order(worst) >= order(fail_on) else int(ExitCode.OK)
