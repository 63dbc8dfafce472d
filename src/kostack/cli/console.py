"""The terminal: colour by severity on results, progress on stderr (rich).

Renderers stay pure: they return plain text. The commands write it to a
stdout that `colored_stdout` passes on unchanged, or, when colour is on,
with ANSI styles laid over it by a highlighter (the characters are the
same; only escape sequences are added). Colour is on when:

- the output is text (never for json, junit, sarif, scripts or files),
- `--color always`, or `--color auto` (the default) and the stream is a
  terminal, NO_COLOR is unset or empty (https://no-color.org) and TERM is
  not `dumb`.

Progress (`activity`, `steps`, the diagnosis's `PhaseLines`) goes to stderr
only, never stdout, and only when stderr is a terminal and the output is not
for programs (-o json, junit, sarif) (`--progress auto`), or when forced with
`--progress always`; `--progress never` silences it. Its colour follows
`--color` and NO_COLOR as the result's does. It is transient: the
line is cleared when the step ends, so what stays on the screen is the
result. rich is imported only when colour or progress is actually shown.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from itertools import pairwise
from typing import IO, TYPE_CHECKING, Any, Final

from kostack.report.i18n import t

if TYPE_CHECKING:
    from kostack.cli.common import Environment

CHOICES: Final = ("auto", "always", "never")

# Style per highlighted group. Severity follows the tags the renderers print in both
# languages ("[critical]", "[심각]"); verdict words are the renderers' own.
STYLES: Final = {
    "critical": "bold red",
    "high": "red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
    "heading": "bold",
    "bad": "bold red",
    "good": "green",
    "unsure": "yellow",
    "error": "bold red",
    "warning": "yellow",
    "hint": "cyan",
    "note": "dim",
    "command": "bold",
}

# each severity as the report says it, in English and Korean
_SEVERITY_WORDS: Final = {
    s: (t("en", f"sev.{s}"), t("ko", f"sev.{s}"))
    for s in ("critical", "high", "medium", "low", "info")
}


# One regex per style group; matches never change text, they only mark spans.
PATTERNS: Final = (
    *(
        (name, re.compile(r"\[(?:" + "|".join(map(re.escape, words)) + r")\]"))
        for name, words in _SEVERITY_WORDS.items()
    ),
    (
        "heading",
        re.compile(
            r"^(?:ROOT CAUSE \d+ of \d+|근본 원인 \d+/\d+|CONDITIONAL\b.*$|Plan sha256:\w+)"
            r"|^ {0,3}[a-z]\d+(?= )",  # a fix plan's action ids: " a1  port k8s-cp-1 ..."
            re.M,
        ),
    ),
    (
        "bad",
        re.compile(
            r"\b(?:DENIED|FAILED|BLOCKED|ROLLBACK FAILED|MODEL MISMATCH|DEGRADED|blocked|dropped)\b"
            r"|차단(?:됨|합니다)?|실패"
        ),
    ),
    (
        "good",
        re.compile(r"\b(?:accepted|reachable|ok|OK|passed|applied|restored|gone:)|정상"),
    ),
    ("unsure", re.compile(r"\b(?:UNKNOWN|unknown|undecided|CONDITIONAL)\b|판단 불가")),
    ("error", re.compile(r"^error:", re.M)),
    ("warning", re.compile(r"^\s*warning:|^\s*WARNING\b", re.M)),
    ("hint", re.compile(r"^hint:", re.M)),
    ("note", re.compile(r"^note:", re.M)),
    ("command", re.compile(r"^\s+(?:openstack|kubectl|helm|kostack) .*$", re.M)),
)


# -- decisions ------------------------------------------------------------------------


def color_enabled(env: Environment, *, stream: str = "stdout", machine: bool = False) -> bool:
    """Whether what is written to `stream` ("stdout" or "stderr") is coloured."""
    if machine or env.color == "never":
        return False
    if env.color == "always":
        return True
    if env.environ.get("NO_COLOR", "") != "" or env.environ.get("TERM") == "dumb":
        return False
    return env.stdout_isatty if stream == "stdout" else env.stderr_isatty


def progress_enabled(env: Environment) -> bool:
    """Whether progress is drawn on stderr."""
    if env.progress == "never":
        return False
    if env.progress == "always":
        return True
    if env.for_programs:  # -o json/junit/sarif: read by programs, quiet unless asked
        return False
    return env.stderr_isatty and env.environ.get("TERM") != "dumb"


# -- colour -----------------------------------------------------------------------------


def _spans(text: str) -> list[tuple[int, int, str]]:
    """Where each style applies: (start, end, style name), from PATTERNS."""
    return [
        (match.start(), match.end(), name)
        for name, pattern in PATTERNS
        for match in pattern.finditer(text)
        if match.end() > match.start()
    ]


def ansi(text: str) -> str:
    """`text` with ANSI colour escapes (16 colours, rich's styles) around the highlighted spans.

    Every character of `text` is kept as it is (rich's own Text would drop
    control characters such as \\r); only escape sequences are added.
    """
    spans = _spans(text)
    if not spans:
        return text
    from rich.color import ColorSystem
    from rich.style import Style

    parsed = {name: Style.parse(style) for name, style in STYLES.items()}
    # Cut the text where a span starts or ends; each piece gets the styles over it,
    # the later pattern winning (as in PATTERNS' order).
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    starts: dict[int, list[int]] = {}
    for index, (start, _end, _name) in enumerate(spans):
        starts.setdefault(start, []).append(index)
    active: set[int] = set()
    pieces: list[str] = []
    for left, right in pairwise(cuts):
        active = {i for i in active if spans[i][1] > left}
        active.update(starts.get(left, ()))
        piece = text[left:right]
        if not active:
            pieces.append(piece)
            continue
        style = Style.combine(parsed[spans[i][2]] for i in sorted(active))
        pieces.append(style.render(piece, color_system=ColorSystem.STANDARD))
    return "".join(pieces)


class Highlighting(io.TextIOBase):
    """A text stream that writes whole lines to `target` with `ansi()` colour added.

    Lines are held until they end, so a line written in pieces is highlighted
    whole; `flush` passes on what is held.
    """

    def __init__(self, target: IO[str]) -> None:
        super().__init__()
        self.target = target
        self._held = ""

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        isatty = getattr(self.target, "isatty", None)
        return bool(isatty and isatty())

    def write(self, text: str) -> int:
        self._held += text
        cut = self._held.rfind("\n") + 1
        if cut:
            ready, self._held = self._held[:cut], self._held[cut:]
            self.target.write(ansi(ready))
        return len(text)

    def flush(self) -> None:
        if self._held:
            held, self._held = self._held, ""
            self.target.write(ansi(held))
        flush = getattr(self.target, "flush", None)
        if flush is not None:
            flush()


# Output formats that are read by programs: never coloured.
MACHINE_FORMATS: Final = frozenset({"json", "junit", "sarif", "script", "commands", "terraform"})


# Commands whose stdout is always for programs or files: a snapshot (collect), Markdown or
# HTML (report), a shell script (completion), a log of a long run (watch, guard).
PLAIN_COMMANDS: Final = frozenset({"collect", "report", "completion", "watch", "guard"})


# Formats whose run draws no progress unless --progress always (a program reads them).
QUIET_FORMATS: Final = frozenset({"json", "junit", "sarif"})


def for_programs(params: Mapping[str, Any]) -> bool:
    """Whether a command run with `params` writes a format read by programs (-o json, --json)."""
    return str(params.get("output")) in QUIET_FORMATS or bool(params.get("as_json"))


def is_machine_output(command: str, params: Mapping[str, Any]) -> bool:
    """Whether top-level `command` run with `params` writes a format for programs."""
    return (
        command in PLAIN_COMMANDS
        or str(params.get("output")) in MACHINE_FORMATS
        or bool(params.get("as_json"))
    )


@contextmanager
def colored_stdout(env: Environment, *, machine: bool) -> Iterator[None]:
    """While a command runs, its stdout coloured when `color_enabled` (else untouched).

    The colour is added below an output redactor when there is one (a stream
    with a `target`), so the redactor sees the text exactly as rendered.
    """
    if not color_enabled(env, machine=machine):
        yield
        return
    holder: Any = env.stdout if hasattr(env.stdout, "target") else env
    attribute = "target" if holder is not env else "stdout"
    plain = getattr(holder, attribute)
    colored = Highlighting(plain)
    setattr(holder, attribute, colored)
    try:
        yield
    finally:
        if holder is not env:
            env.stdout.flush()  # the redactor passes what it holds to the highlighter
        colored.flush()
        setattr(holder, attribute, plain)


def emit_err(env: Environment, text: str) -> None:
    """Write `error:`/`hint:`/`warning:` lines to stderr, coloured on a colour terminal."""
    if text and color_enabled(env, stream="stderr"):
        text = ansi(text)
    env.stderr.write(text)


# -- progress ----------------------------------------------------------------------------


class Steps:
    """A progress line on stderr: what is being done, how many of how many, elapsed time.

    `advance()` counts one done; `describe()` changes the text. Thread-safe
    (rich refreshes from its own thread). Does nothing when progress is off.
    """

    def __init__(self, progress: Any, task: Any) -> None:
        self._progress = progress
        self._task = task
        # reentrant: a Ctrl-C handler may write while the main thread is inside an update
        self._lock = threading.RLock()

    def advance(self) -> None:
        self._update(advance=1)

    def describe(self, what: str) -> None:
        # drawn now: a stage may be over before rich's next refresh
        self._update(description=what, refresh=True)

    def total(self, total: int | None) -> None:
        self._update(total=total)

    def say(self, line: str, stream: IO[str]) -> None:
        """A line of its own: above the progress display while it is drawn (rich clears the
        display, writes the line, draws it again below), else on ``stream``. A line written
        straight to the stream would land after the spinner's text on its line."""
        if self._progress is None:
            stream.write(line + "\n")
            return
        with self._lock:
            self._progress.console.print(line, soft_wrap=True)

    def _update(self, **change: Any) -> None:
        if self._progress is not None:
            with self._lock:
                self._progress.update(self._task, **change)


# The progress display each environment shows now: a step inside another step adds a line
# to it (rich allows one live display at a time).
_SHOWN: dict[int, Any] = {}


@contextmanager
def steps(env: Environment, what: str, total: int | None = None) -> Iterator[Steps]:
    """Show `what` with a count (`total` known) or a spinner (None) on stderr while the block runs."""
    if not progress_enabled(env):
        yield Steps(None, None)
        return
    shown = _SHOWN.get(id(env))
    if shown is not None:  # nested: one more line in the display already shown
        task = shown.add_task(what, total=total)
        try:
            yield Steps(shown, task)
        finally:
            shown.remove_task(task)
        return
    progress = _progress_display(env)
    task = progress.add_task(what, total=total)
    _SHOWN[id(env)] = progress
    try:
        with progress:
            yield Steps(progress, task)
    finally:
        _SHOWN.pop(id(env), None)


def _counted(task: Any) -> bool:
    """Whether a task shows a bar and a count: it has a total, and is not a phase without one."""
    return task.total is not None and task.fields.get("counted", True) is not False


def _progress_display(env: Environment, finished: str = " ") -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    console = Console(
        file=env.stderr,
        force_terminal=True,
        color_system="standard" if color_enabled(env, stream="stderr") else None,
        highlight=False,
        markup=False,
        emoji=False,
    )

    class CountedBar(BarColumn):
        """The bar only for steps with a known total (a spinner alone says "working")."""

        def render(self, task: Task) -> Any:
            return super().render(task) if _counted(task) else Text("")

    class Count(MofNCompleteColumn):
        def render(self, task: Task) -> Text:
            return super().render(task) if _counted(task) else Text("")

    return Progress(
        SpinnerColumn(finished_text=finished),
        TextColumn("{task.description}"),
        CountedBar(bar_width=20),
        Count(),
        TimeElapsedColumn(),
        console=console,
        transient=True,  # cleared when done: what stays on the screen is the result
        redirect_stdout=False,  # stdout carries the result: progress never touches it
        redirect_stderr=False,
        refresh_per_second=8,
    )


def language(env: Environment) -> str:
    """The language of what the command says: its --lang, else the locale."""
    from kostack.cli.common import detect_lang

    return detect_lang(env.lang, env.environ)


@contextmanager
def activity(env: Environment, what: str) -> Iterator[Callable[[str], None]]:
    """A spinner with `what` on stderr; yields a function that changes the text (e.g. per source)."""
    with steps(env, what) as progress:
        yield progress.describe


class PhaseLines:
    """The phases of a diagnosis as lines on stderr, one per phase (kostack.analyze.diagnose.Phases).

    A phase that ends keeps its line, ticked, with its time; the one running
    has the spinner (and a count for the checks). Does nothing when progress
    is off.
    """

    def __init__(self, env: Environment, progress: Any) -> None:
        self._env = env
        self._progress = progress
        self._task: Any = None
        self._total: int | None = None
        self._label = ""
        self._lock = threading.Lock()

    def done(self, label: str) -> None:
        """A line for a phase already over (the snapshot read before the display began)."""
        if self._progress is None:
            return
        with self._lock:
            task = self._progress.add_task(label, total=1, counted=False)
            self._progress.update(task, completed=1)  # finished: ticked

    def start(self, phase: str, total: int | None = None, detail: str = "") -> None:
        if self._progress is None:
            return
        from kostack.cli.messages import say

        label = say(language(self._env), f"cli.phase.{phase}")
        with self._lock:
            self._finish()
            self._label, self._total = label, total
            self._task = self._progress.add_task(label, total=total, counted=total is not None)

    def advance(self, detail: str = "") -> None:
        if self._progress is None or self._task is None:
            return
        with self._lock:
            text = f"{self._label}: {detail}" if detail else self._label
            self._progress.update(self._task, advance=1, description=text)

    def _finish(self) -> None:
        if self._task is not None:
            # a spinner-only phase gets a total of 1 so that it shows as finished
            total = self._total if self._total is not None else 1
            self._progress.update(self._task, total=total, completed=total, description=self._label)

    def close(self) -> None:
        if self._progress is None:
            return
        with self._lock:
            self._finish()
            self._task = None


@contextmanager
def diagnosing(env: Environment, snapshot: Any) -> Iterator[PhaseLines]:
    """One line per phase of the diagnosis on stderr (it takes seconds at thousands of nodes).

    The first line says what was read (nodes, ports); the block then calls
    `start` for each phase (`kostack.analyze.diagnose.Phases`), the command
    `start("report")` while it renders.
    """
    from kostack.cli.messages import say

    cluster, cloud = snapshot.cluster, snapshot.openstack
    nodes = len(cluster.nodes or ()) if cluster is not None else 0
    ports = len(cloud.ports or ()) if cloud is not None else 0
    if not progress_enabled(env):
        yield PhaseLines(env, None)
        return
    progress = _progress_display(env, finished="✓")
    lines = PhaseLines(env, progress)
    lines.done(say(language(env), "cli.phase.load", nodes=f"{nodes:,}", ports=f"{ports:,}"))
    _SHOWN[id(env)] = progress
    try:
        with progress:
            yield lines
            lines.close()
    finally:
        _SHOWN.pop(id(env), None)
