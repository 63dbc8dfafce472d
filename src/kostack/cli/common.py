"""What every command shares: the environment, error reporting, output choices."""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, TypeVar

import click

from kostack.cli.defaults import COLLECT_TIMEOUT_S
from kostack.errors import ConfigError, ExitCode, KostackError, NoCredentials
from kostack.redact import CREDENTIAL_KEY, redact, remember
from kostack.report.i18n import detect_lang as detect_lang  # one definition, for every command
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
    # The running command writes a format for programs (-o json/junit/sarif): no progress
    # unless --progress always (kostack.cli.console.progress_enabled).
    for_programs: bool = False
    # What the command is doing now, for the message after Ctrl-C ("while collecting").
    activity: str = ""
    # The time now (`release`: the age of a pending-* revision read live).
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


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


TIMEOUT_VAR: Final = "KOSTACK_TIMEOUT"


def long_running_timeout(given: float | None, environ: Mapping[str, str], default: float) -> float:
    """A continuous mode's per-request timeout: --timeout, else $KOSTACK_TIMEOUT (as the other
    commands), else the mode's own ``default``."""
    if given is None and not environ.get(TIMEOUT_VAR):
        return default
    return request_timeout(given, environ)


def request_timeout(given: float | None, environ: Mapping[str, str]) -> float:
    """The per-request timeout: --timeout, else KOSTACK_TIMEOUT, else 30 s."""
    if given is not None:
        return given
    raw = environ.get(TIMEOUT_VAR, "")
    from kostack.analyze.messages import Msg
    from kostack.cli import errors_text  # noqa: F401  (registers the messages)

    try:
        value = float(raw) if raw else COLLECT_TIMEOUT_S
    except ValueError:
        raise ConfigError(
            Msg("cli.err.timeout-nan", var=TIMEOUT_VAR, value=repr(raw)),
            Msg("cli.hint.timeout-nan", var=TIMEOUT_VAR),
        ) from None
    if not 0.1 <= value <= 3600:
        raise ConfigError(
            Msg("cli.err.timeout-range", var=TIMEOUT_VAR, value=raw),
            Msg("cli.hint.timeout-range"),
        )
    return value


# (PWD and OLDPWD are the shell's working directories, which "pwd" in CREDENTIAL_KEY would hide
# from every path and pasteable command printed; DB_PWD stays a password)
_NOT_A_SECRET_VAR = re.compile(r"_(FILE|PATH|DIR|URL|TYPE|NAME|ID|ENDPOINT)$|^(OLD)?PWD$")


def remember_environ(environ: Mapping[str, str]) -> None:
    """Hand the credentials in the environment (OS_PASSWORD, OS_TOKEN...) to the redactor."""
    remember(
        *(
            value
            for name, value in environ.items()
            if CREDENTIAL_KEY.search(name) and not _NOT_A_SECRET_VAR.search(name.upper())
        )
    )


@contextmanager
def library_logs(stream: IO[str], level: int | None) -> Iterator[None]:
    """Where the client libraries' log records go while a command runs.

    Without --debug or -v nowhere: keystoneauth, urllib3 and the kubernetes
    client would otherwise print their own warnings before kostack's error.
    With them, to ``stream`` (the redacting stderr), named by logger. Python
    warnings go the same way (logger ``py.warnings``): urllib3 warns on every
    request to a kubeconfig's ``insecure-skip-tls-verify`` cluster or a cloud
    with ``insecure: true``, and openstacksdk of deprecations.
    """
    root = logging.getLogger()
    handler: logging.Handler
    if level is None:
        handler = logging.NullHandler()
    else:
        handler = logging.StreamHandler(stream)
        handler.setLevel(level)
        handler.setFormatter(logging.Formatter("%(name)s: %(levelname)s: %(message)s"))
        # plugin discovery lists every entry point it finds: noise even with --debug
        handler.addFilter(lambda record: not record.name.startswith("stevedore"))
    old_level = root.level
    root.addHandler(handler)
    if level is not None:
        root.setLevel(min(level, old_level) if old_level else level)
    logging.captureWarnings(True)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        root.removeHandler(handler)
        root.setLevel(old_level)


@contextmanager
def openstack_needed(env: Environment, way: str, **params: object) -> Iterator[None]:
    """No OpenStack credentials at all: say so in the command's language, with how the
    running command can do without them (`way`: a key of kostack.cli.messages)."""
    try:
        yield
    except NoCredentials as err:
        from kostack.catalog import localize
        from kostack.cli.console import language
        from kostack.cli.messages import say

        lang = language(env)
        # the collector's own words (kostack.collect.texts), and how *this* command does without
        err.message = localize(err.message, lang)
        err.hint = f"{localize(err.hint, lang)} {say(lang, way, **params)}"
        raise


def interrupted(env: Environment, exc: BaseException) -> int:
    """Ctrl-C (or click's Abort) that no command turned into a fuller message: exit 130."""
    from kostack.cli.console import language

    lang = language(env)
    source = exc.__cause__ or exc  # click turns KeyboardInterrupt into Abort (from it)
    notes = getattr(source, "__notes__", ())  # e.g. what a cleanup could not remove
    if lang != "en":
        env.stderr.write(terminal_safe(_interrupted_in(lang, env.activity, notes)))
        return int(ExitCode.INTERRUPTED)
    where = f" while {env.activity}" if env.activity else ""
    env.stderr.write(terminal_safe(f"error: interrupted (Ctrl-C){where}\n"))
    for note in notes:
        env.stderr.write(terminal_safe(f"note: {note}\n"))
    return int(ExitCode.INTERRUPTED)


def _interrupted_in(lang: str, activity: str, notes: Iterable[str]) -> str:
    """The Ctrl-C lines in ``lang``: an activity said as a `Msg` is translated, one in
    English words only is quoted (“...”), as are the notes of a cleanup."""
    from kostack.analyze.messages import Msg
    from kostack.cli.errors_text import said
    from kostack.cli.messages import say

    what = activity if isinstance(activity, Msg) else f"“{activity}”"
    where = Msg("cli.err.while", what=what) if activity else ""
    lines = [said(Msg(_ERROR), lang) + Msg("cli.err.interrupted", where=where).render(lang)]
    lines += [say(lang, "cli.note.prefix") + f"“{note}”" for note in notes]
    return "".join(f"{line}\n" for line in lines)


def fail(env: Environment, err: KostackError) -> int:
    """The error and its hint on stderr, in the command's language (a `Msg` is translated)."""
    from kostack.cli.console import emit_err, language

    lang = language(env)
    error, hint = err.message, err.hint
    error_prefix, hint_prefix = "error: ", "hint: "
    if lang != "en":
        from kostack.analyze.messages import Msg, localize
        from kostack.cli.errors_text import said

        error, hint = localize(error, lang), localize(hint, lang) if hint else hint
        error_prefix, hint_prefix = said(Msg(_ERROR), lang), said(Msg(_HINT), lang)
    emit_err(env, terminal_safe(f"{error_prefix}{error}\n"))
    if hint:
        emit_err(env, terminal_safe(f"{hint_prefix}{hint}\n"))
    return int(err.exit_code)


_ERROR, _HINT = "cli.err.prefix", "cli.hint.prefix"


def read_snapshot(path: str) -> Snapshot:
    """The snapshot at `path`, read and validated (a spinner on stderr meanwhile: seconds at
    thousands of nodes)."""
    from kostack.model import SnapshotFormatError, load_snapshot

    current = click.get_current_context(silent=True)
    try:
        if current is None:
            return load_snapshot(path)
        with progress(get_env(current), "cli.phase.reading"):
            return load_snapshot(path)
    except SnapshotFormatError as exc:
        from kostack.cli.console import language
        from kostack.cli.messages import snapshot_error

        lang = language(get_env(current)) if current is not None else "en"
        raise ConfigError(*snapshot_error(lang, exc, path)) from exc


def write_atomically(path: str | Path, text: str, hint: str = "io.hint.check-path") -> None:
    """Write ``text`` (redacted) via a temporary file and rename, so a failed run never leaves
    half a file; an OS error is bad input (``hint``'s key), said in the run's language."""
    from kostack.analyze.messages import Msg
    from kostack.cli.errors_text import said  # noqa: F401  (registers the texts)
    from kostack.oserror import reason

    target = Path(path)
    temp = None
    try:  # the temporary file too: a directory it cannot create files in (/proc) is bad input
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(redact(text))
        os.replace(temp, target)
    except OSError as exc:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
        raise ConfigError(Msg("io.cannot-write", path=path, why=reason(exc)), Msg(hint)) from exc


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


READ_ONLY: Final = "nothing was changed"


@contextmanager
def doing(env: Environment, activity: str) -> Iterator[None]:
    """Name what the command is doing, for the message if Ctrl-C interrupts it."""
    previous = env.activity
    env.activity = activity
    yield
    env.activity = previous  # not on an exception: the error message still needs it


SEVERITIES = ("info", "low", "medium", "high", "critical", "never")


def exit_for(worst: str | None, fail_on: str) -> int:
    if fail_on == "never" or worst is None:
        return int(ExitCode.OK)
    order = SEVERITIES.index
    return int(ExitCode.FINDINGS) if order(worst) >= order(fail_on) else int(ExitCode.OK)
