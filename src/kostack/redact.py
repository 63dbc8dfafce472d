"""The one redactor: no credential reaches anything kostack writes.

Two kinds of knowledge, applied together by :func:`redact`:

- the secrets of this run: every credential value kostack loaded (clouds.yaml
  and secure.yaml auth sections, ``OS_*`` variables, kubeconfig tokens,
  passwords, client keys and certificates, exec-plugin output, Helm values
  and Secret data). Collectors and loaders hand them to :func:`remember` the
  moment they read them; each is matched as written and in the forms it takes
  when quoted by an error (JSON- and repr-escaped, URL-encoded, base64, each
  long line of a multi-line key);
- the shapes secrets have anywhere (redact_shapes.py): ``Authorization``/
  ``X-Auth-Token``/``X-Subject-Token`` headers, ``Bearer …``, ``password=…`` (and
  ``"token": "…"``), PEM blocks, JWTs, Keystone Fernet tokens and
  ``user:password@`` in URLs.

The CLI installs it at the output boundary (its stdout and stderr streams,
``--debug`` tracebacks, library log records) and every file writer passes its
text through :func:`redact`, so no code path can print or store a secret it
forgot to scrub. The collectors' own redaction stays: a gap in a snapshot is
clean before it is ever written.
"""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import urllib.parse
from collections import deque
from collections.abc import Iterable, Mapping
from typing import IO, Final

from kostack.redact_shapes import REDACTED, mask_shapes

__all__ = [
    "REDACTED",
    "RedactingStream",
    "redact",
    "remember",
    "remember_credentials",
    "remember_rotating",
]


# Shorter values are ordinary words; values of 6-7 characters are only replaced
# as a whole token (a password "hunter2x" inside "hunter2xyz" is not that password).
_MIN_LENGTH: Final = 6
# How many values of one rotating credential stay known (remember_rotating).
ROTATIONS_KEPT: Final = 4
_MIN_SUBSTRING_LENGTH: Final = 8

# Keys whose values are credentials, in configuration files, logs and echoed requests.
CREDENTIAL_KEY: Final = re.compile(
    r"pass(?:word|wd|phrase|code)|secret|token|credential|api[_-]?key|access[_-]?key|"
    r"private[_-]?key|key[_-]?data|certificate[_-]?data|auth[_-]?key|client[_-]?key|bearer|"
    r"pwd|xsrf[_-]?key|dockerconfigjson|dockercfg|^auth$",
    re.IGNORECASE,
)


class _Known:
    """The secrets of this run and every form they may take in text (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._forms: tuple[str, ...] = ()
        self._tokens: re.Pattern[str] | None = None
        self._plain: set[str] = set()  # remembered for the whole run
        self._rotating: dict[str, deque[frozenset[str]]] = {}  # the last values of each slot

    def add(self, values: Iterable[str]) -> None:
        with self._lock:
            new = {v for v in (_clean(v) for v in values) if v}
            self._plain |= new
            self._learn(new)

    def rotate(self, slot: str, values: Iterable[str]) -> None:
        """The values a rotating credential ``slot`` takes now; of its earlier values only the
        last ROTATIONS_KEPT stay known (unless remembered otherwise), so a watch that reads a
        new service-account token every rotation keeps a bounded set, not one per rotation."""
        with self._lock:
            new = frozenset(v for v in (_clean(v) for v in values) if v)
            kept = self._rotating.setdefault(slot, deque(maxlen=ROTATIONS_KEPT))
            if new in kept:
                return
            gone = kept[0] if len(kept) == kept.maxlen else frozenset()
            kept.append(new)
            held = self._plain.union(*(v for d in self._rotating.values() for v in d))
            if gone - held:  # forget: learn the rest again (once per rotation)
                again = self._values - (gone - held)
                self._values, self._forms, self._tokens = set(), (), None
                self._learn(again)
            self._learn(new)

    def _learn(self, values: Iterable[str]) -> None:
        """Add ``values`` and the forms they take (the caller holds the lock)."""
        new = {v for v in values if v not in self._values}
        if not new:
            return
        self._values |= new
        forms: set[str] = set(self._forms)
        short: set[str] = set()
        for value in new:
            for form in _forms(value):
                if len(form) >= _MIN_SUBSTRING_LENGTH:
                    forms.add(form)
                elif len(form) >= _MIN_LENGTH:
                    short.add(form)
        # Longest first: a secret that contains another is replaced whole.
        self._forms = tuple(sorted(forms, key=lambda f: (-len(f), f)))
        if short:
            old = self._tokens.pattern if self._tokens is not None else ""
            alternatives = "|".join(re.escape(s) for s in sorted(short, key=len, reverse=True))
            joined = f"{old}|(?:{alternatives})" if old else f"(?:{alternatives})"
            self._tokens = re.compile(joined)

    def clear(self) -> None:
        with self._lock:
            self._values = set()
            self._forms = ()
            self._tokens = None
            self._plain = set()
            self._rotating = {}

    def __len__(self) -> int:
        return len(self._values)

    def apply(self, text: str) -> str:
        forms, tokens = self._forms, self._tokens
        for form in forms:
            if form in text:
                text = text.replace(form, REDACTED)
        if tokens is not None:
            text = _whole_tokens(tokens, text)
        return text


def _whole_tokens(pattern: re.Pattern[str], text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        start, end = match.span()
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        return REDACTED if not (before.isalnum() or after.isalnum()) else match.group()

    return pattern.sub(replace, text)


def _clean(value: object) -> str:
    if not isinstance(value, str):
        return ""
    value = value.strip()
    return value if len(value) >= _MIN_LENGTH else ""


def _forms(value: str) -> set[str]:
    """The texts a secret becomes when an error, a log or a server quotes it."""
    forms = {value}
    forms.add(json.dumps(value)[1:-1])
    forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
    forms.add(repr(value)[1:-1])
    forms.add(repr(value.encode("utf-8", "replace"))[2:-1])
    forms.add(urllib.parse.quote(value, safe=""))
    forms.add(urllib.parse.quote_plus(value))
    raw = value.encode("utf-8", "replace")
    for encoded in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
        forms.add(encoded)
        forms.add(encoded.rstrip("="))
    if "\n" in value:
        forms.update(line.strip() for line in value.splitlines())
    for prefix in ("bearer ", "basic "):
        if value.lower().startswith(prefix):
            forms.update(_forms(value[len(prefix) :]))
    decoded = _base64_text(value)
    if decoded:
        forms.add(decoded)
        forms.update(line.strip() for line in decoded.splitlines())
    return {f for f in forms if len(f.strip()) >= _MIN_LENGTH}


def _base64_text(value: str) -> str:
    """The text a base64 value (kubeconfig ``*-data``) decodes to, else ''."""
    if len(value) < 16 or len(value) % 4 or not re.fullmatch(r"[A-Za-z0-9+/=\s]+", value):
        return ""
    try:
        return base64.b64decode(value, validate=False).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return ""


_KNOWN = _Known()


def remember(*values: str | None) -> None:
    """Add credential values of this run: from now on they never reach any output."""
    _KNOWN.add(v for v in values if isinstance(v, str))


def remember_rotating(slot: str, *values: str | None) -> None:
    """Remember the values a credential that rotates over a long run takes now (``slot``
    names it: a service-account token, an exec plugin's token). Its last ROTATIONS_KEPT
    values stay known; older ones are no longer sent, and their shapes (Bearer, JWT) are
    still caught by :func:`redact` whatever it knows."""
    _KNOWN.rotate(slot, (v for v in values if isinstance(v, str)))


def remember_credentials(node: object, key: str = "") -> None:
    """Remember every string under a credential-looking key of a configuration tree.

    For clouds.yaml/secure.yaml sections, kubeconfig users, Helm values and the
    like: ``{"auth": {"password": "…"}}`` remembers the password; a list of
    ``{"name": "AWS_SECRET_ACCESS_KEY", "value": "…"}`` (exec env) remembers the value.
    """
    found: list[str] = []
    _collect(node, key, found, 0)
    _KNOWN.add(found)


def _collect(node: object, key: str, found: list[str], depth: int) -> None:
    if depth > 64:
        return
    if isinstance(node, str):
        if CREDENTIAL_KEY.search(key):
            found.append(node)
    elif isinstance(node, Mapping):
        name, value = node.get("name"), node.get("value")
        if isinstance(name, str) and isinstance(value, str) and CREDENTIAL_KEY.search(name):
            found.append(value)
        for child_key, child in node.items():
            _collect(child, str(child_key), found, depth + 1)
    elif isinstance(node, list | tuple):
        for child in node:
            _collect(child, key, found, depth + 1)


def redact(text: str) -> str:
    """``text`` without any known secret of this run or anything shaped like a secret."""
    if not text:
        return text
    return mask_shapes(_KNOWN.apply(text))


# --------------------------------------------------------------------------- streams


class RedactingStream(io.TextIOBase):
    """A text stream that redacts whole lines before they reach ``target``.

    Text is held until a line ends (``\\n`` or ``\\r``), so a secret written in
    pieces is still seen whole; a PEM block is held until its END line (at
    most ``hold_limit`` characters). ``flush`` passes on what is held.
    """

    def __init__(self, target: IO[str], hold_limit: int = 1 << 20) -> None:
        super().__init__()
        self.target = target
        self._held = ""
        self._hold_limit = hold_limit
        self._lock = threading.RLock()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        isatty = getattr(self.target, "isatty", None)
        return bool(isatty and isatty())

    @property
    def encoding(self) -> str:  # type: ignore[override]  # TextIOBase declares it read-only
        return str(getattr(self.target, "encoding", None) or "utf-8")

    def fileno(self) -> int:
        return int(self.target.fileno())

    def write(self, text: str) -> int:
        if isinstance(text, bytes | bytearray):  # some writers hand bytes to a text stream
            text = bytes(text).decode("utf-8", "replace")
        with self._lock:
            self._held += text
            cut = max(self._held.rfind("\n"), self._held.rfind("\r")) + 1
            if cut and not self._in_pem(self._held[:cut]):
                ready, self._held = self._held[:cut], self._held[cut:]
                self.target.write(redact(ready))
            elif len(self._held) > self._hold_limit:
                self._pass_on()
        return len(text)

    @staticmethod
    def _in_pem(text: str) -> bool:
        begin = text.rfind("-----BEGIN ")
        return begin >= 0 and "-----END " not in text[begin:]

    def _pass_on(self) -> None:
        if self._held:
            held, self._held = self._held, ""
            self.target.write(redact(held))

    def flush(self) -> None:
        with self._lock:
            self._pass_on()
            flush = getattr(self.target, "flush", None)
            if flush is not None:
                flush()

    def close(self) -> None:
        self.flush()
        super().close()
