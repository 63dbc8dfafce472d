"""What pasting kostack's printed commands into bash would do: real bash, stub commands, a canary.

`paste(chunks, tmp)` evaluates each chunk (a command line, or a few lines
with a here-document) with `eval` in one bash process whose PATH holds only
stubs. A stub of a command kostack prints (helm, kubectl, openstack...)
records its argv; a stub of anything an injection would run (touch, id, rm,
sh...) writes the canary; any other word is "command not found". So a
quoting mistake shows as a split argument, a recorded injection, or an error.

Helpers that pull the printed commands out of each kind of output are here
too (Markdown bash blocks, HTML <pre>, `$ ` lines of text, JSON fields,
the fix script's body).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PRINTED = (
    "helm",
    "kubectl",
    "openstack",
    "kostack",
    "nc",
    "nslookup",
    "wget",
    "ping",
    "terraform",
)
INJECTED = ("touch", "id", "rm", "sh", "bash", "curl", "cat", "ls", "whoami", "reboot")
SCRIPT_FUNCTIONS = (
    "kostack_add_pairs",
    "kostack_disable_port_security",
    "kostack_add_rule",
    "kostack_add_routes",
)
# separators in the log: no hostile name in the tests holds them
CALL, CHUNK, STATUS = "\x1e", "\x1d", "\x1c"

_DRIVER = r"""
_log() { { printf '%s\0' "$@"; printf '\036'; } >> "$ARGV_LOG"; }
for f in $SCRIPT_FUNCTIONS; do eval "$f() { _log $f \"\$@\"; }"; done
while IFS= read -r -d '' chunk; do
  printf '\035' >> "$ARGV_LOG"
  eval "$chunk" </dev/null >/dev/null 2>>"$ERR_LOG"
  printf '\034%s' "$?" >> "$ARGV_LOG"
done < "$CHUNKS"
"""


@dataclass
class Pasted:
    """What one chunk did in bash."""

    chunk: str
    calls: list[tuple[str, ...]] = field(default_factory=list)
    status: int = 0


@dataclass
class Paste:
    results: list[Pasted]
    canary: bool
    errors: str

    def calls(self) -> Iterator[tuple[str, ...]]:
        for r in self.results:
            yield from r.calls


def _stubs(bindir: Path, canary: Path) -> None:
    bindir.mkdir(parents=True, exist_ok=True)
    for name in PRINTED:
        stub = bindir / name
        stub.write_text(
            f"#!/bin/bash\n{{ printf '%s\\0' {name} \"$@\"; printf '\\036'; }} >> \"$ARGV_LOG\"\n",
            encoding="utf-8",
        )
        stub.chmod(0o755)
    for name in INJECTED:
        stub = bindir / name
        stub.write_text(f'#!/bin/bash\necho "{name} $*" >> {canary}\n', encoding="utf-8")
        stub.chmod(0o755)


def paste(chunks: Iterable[str], tmp: Path) -> Paste:
    """Evaluate every chunk as typed into bash (in an empty directory with a glob bait)."""
    chunks = list(chunks)
    work = tmp / f"paste-{len(list(tmp.glob('paste-*')))}"
    bindir = work / "bin"
    cwd = work / "cwd"
    cwd.mkdir(parents=True)
    (cwd / "glob-bait").write_text("", encoding="utf-8")  # an unquoted * would expand to it
    canary = work / "CANARY"
    _stubs(bindir, canary)
    log, err, source = work / "argv.log", work / "err.log", work / "chunks"
    log.write_bytes(b"")
    source.write_bytes(b"".join(c.encode("utf-8", "surrogatepass") + b"\0" for c in chunks))
    env = {
        "PATH": str(bindir),
        "ARGV_LOG": str(log),
        "ERR_LOG": str(err),
        "CHUNKS": str(source),
        "SCRIPT_FUNCTIONS": " ".join(SCRIPT_FUNCTIONS),
        "LANG": "C.UTF-8",
        "HOME": str(work),
    }
    subprocess.run(
        ["/bin/bash", "--noprofile", "--norc", "-c", _DRIVER],
        cwd=cwd,
        env=env,
        check=True,
        timeout=300,
    )
    raw = log.read_bytes().decode("utf-8", "surrogateescape")
    results = []
    pieces = raw.split(CHUNK)[1:]
    assert len(pieces) == len(chunks), "every chunk was evaluated"
    for chunk, piece in zip(chunks, pieces, strict=True):
        body, _, status = piece.rpartition(STATUS)
        calls = [tuple(c.split("\0")[:-1]) for c in body.split(CALL) if c]
        results.append(Pasted(chunk, calls, int(status)))
    errors = err.read_text(encoding="utf-8", errors="replace") if err.exists() else ""
    return Paste(results, canary.exists(), errors)


# --------------------------------------------------------------------------- extractors


def _join_heredocs(lines: list[str]) -> list[str]:
    """One chunk per command; a here-document travels with its command."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        match = re.search(r"<<'?(\w+)'?\s*$", line)
        if match:
            end = match.group(1)
            j = i + 1
            while j < len(lines) and lines[j] != end:
                j += 1
            out.append("\n".join(lines[i : j + 1]))
            i = j + 1
            continue
        out.append(line)
        i += 1
    return [c for c in out if c.strip() and not c.lstrip().startswith("#")]


def markdown_commands(markdown: str) -> list[str]:
    """Every line of every ```bash block (the fence may be longer than three backticks)."""
    out: list[str] = []
    lines = markdown.split("\n")
    i = 0
    while i < len(lines):
        match = re.fullmatch(r"(`{3,})bash", lines[i])
        if match:
            fence = match.group(1)
            j = i + 1
            while lines[j] != fence:
                j += 1
            out.extend(_join_heredocs(lines[i + 1 : j]))
            i = j
        i += 1
    return out


_WORDS = re.compile(r"(helm|kubectl|openstack|kostack|nslookup|nc|wget|ping|terraform) ")


def markdown_code_commands(markdown: str) -> list[str]:
    """Commands in inline code spans (the probes table), as CommonMark reads each span."""
    out = []
    for line in markdown.split("\n"):
        cell = line.startswith("|")
        for match in re.finditer(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", line):
            body = match.group(2)
            if body.startswith(" ") and body.endswith(" ") and body.strip():
                body = body[1:-1]
            if cell:
                body = body.replace("\\|", "|")
            if _WORDS.match(body):
                out.append(body)
    return out


def html_code_commands(page: str) -> list[str]:
    """Commands in <code> elements, as a browser shows them."""
    out = []
    for body in re.findall(r"<code>(.*?)</code>", page, flags=re.S):
        text = html.unescape(body)
        if _WORDS.match(text):
            out.append(text)
    return out


def html_commands(page: str) -> list[str]:
    """Every line of every <pre> block of the solution and verification sections, as displayed."""
    out: list[str] = []
    for block in re.findall(r"<pre>(.*?)</pre>", page, flags=re.S):
        text = html.unescape(re.sub(r"<[^>]+>", "", block))
        lines = text.split("\n")
        if not any(
            re.match(r"\s*(helm|kubectl|openstack|kostack|nslookup|nc|wget) ", x) for x in lines
        ):
            continue  # evidence, not commands
        out.extend(_join_heredocs(lines))
    return out


def text_commands(text: str) -> list[str]:
    """Command lines of text output: `$ `, `run:` and `undo:` lines, and indented fix commands."""
    out: list[str] = []
    words = re.compile(r"(helm|kubectl|openstack|kostack|nslookup|nc|wget|ping|terraform) ")
    for line in text.split("\n"):
        stripped = line.strip()
        for prefix in ("$ ", "run: ", "undo: ", "되돌리기: "):
            if stripped.startswith(prefix) and words.match(stripped[len(prefix) :]):
                out.append(stripped[len(prefix) :])
                break
        else:
            if re.match(r"(openstack|kubectl|helm) ", stripped):
                out.append(stripped)
    return out


COMMAND_KEYS = frozenset(
    {"command", "commands", "conditional_commands", "save_values", "inverse", "recovery"}
)


def json_commands(document: Any) -> list[str]:
    """Every command string in a JSON document (a recovery recipe is one chunk)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in COMMAND_KEYS and value:
                    if key == "recovery" and isinstance(value, list):
                        out.append("\n".join(value))
                    elif isinstance(value, list):
                        out.extend(v for v in value if isinstance(v, str))
                    elif isinstance(value, str):
                        out.append(value)
                    else:
                        walk(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return [c for c in out if c and not c.startswith("#")]


def json_strings(text: str) -> list[str]:
    return json_commands(json.loads(text))


def script_commands(script: str, helpers: str) -> list[str]:
    """The body of a fix script: every line after its helper functions."""
    _, _, body = script.partition(helpers)
    assert body, "the script holds its helpers"
    return _join_heredocs(body.split("\n"))
