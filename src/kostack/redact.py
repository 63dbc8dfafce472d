"""The one redactor: no credential reaches anything kostack writes.

Two kinds of knowledge, applied together by :func:`redact`:

- the secrets of this run: every credential value kostack loaded (clouds.yaml
  and secure.yaml auth sections, ``OS_*`` variables, kubeconfig tokens,
  passwords, client keys and certificates, exec-plugin output, Helm values
  and Secret data). Collectors and loaders hand them to :func:`remember` the
  moment they read them; each is matched as written and in the forms it takes
  when quoted by an error (JSON- and repr-escaped, URL-encoded, base64, each
  long line of a multi-line key);
- the shapes secrets have anywhere: ``Authorization``/``X-Auth-Token``/
  ``X-Subject-Token`` headers, ``Bearer …``, ``password=…`` (and
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

__all__ = [
    "REDACTED",
    "RedactingStream",
    "redact",
    "remember",
    "remember_credentials",
    "remember_rotating",
]

REDACTED: Final = "<redacted>"

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


# --------------------------------------------------------------------------- generic shapes

# Patterns are written in lower case and matched against the lowered text (fast:
# no case-folding in the regex engine); the replacement is spliced into the
# original text by position.

# A quoted value ("...", '...', or \"...\" inside a JSON string), or a bare one.
_VALUE: Final = (
    r"(?:\\\"(?:[^\"\\]|\\[^\"])*\\\""  # \"...\" (a JSON string inside a JSON string)
    r"|\"(?:[^\"\\\n]|\\.)*\""
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|[^\s\"'\\,;&{}\[\])<>]+)"
)
_OPEN_QUOTE: Final = r"(?:\\?[\"'])?"
_HEADER_NAMES: Final = (
    r"proxy-authorization|authorization|x-auth-token|x-subject-token|x-service-token|"
    r"x-storage-token|x-vault-token|x-registry-auth|set-cookie|cookie"
)
_SCHEMES: Final = r"bearer|basic|digest|negotiate|token|apikey"
# The last word of a credential key (any prefix: client_secret, OS_PASSWORD, id-token).
_KEY_NAMES: Final = (
    r"password|passwd|passphrase|passcode|secret[_-]?key|secret|token|api[_-]?key|access[_-]?key|"
    r"private[_-]?key|key[_-]?data|certificate[_-]?data|auth[_-]?key|client[_-]?key|"
    r"pwd|xsrf[_-]?key|dockerconfigjson|dockercfg"
)
_HEADER: Final = (
    rf"(?P<key>{_HEADER_NAMES})(?P<sep>{_OPEN_QUOTE}\s*[:=]\s*{_OPEN_QUOTE}\s*)"
    rf"(?P<scheme>(?:{_SCHEMES})\s+)?(?P<value>[^\s\"'\\,;}}\])]+)"
)
_KEY_VALUE: Final = (
    rf"(?P<key>(?:{_KEY_NAMES})(?:[_-]?(?:data|value))?)"
    rf"(?P<sep>{_OPEN_QUOTE}\s*(?:[:=]|=>)\s*)(?P<value>{_VALUE})"
)
_OPTION: Final = (
    r"(?P<key>--(?:os-)?(?:password|token|auth-token|application-credential-secret|"
    r"client-secret|client-key|secret))(?P<sep>[ =])(?P<value>[^\s\"']+)"
)
# A token after "Bearer"/"Basic": with a digit or punctuation, or long (not "basic connectivity").
_BEARER: Final = (
    r"(?P<key>bearer|basic)(?P<sep>\s+)"
    r"(?P<value>(?=[a-z]*[0-9._~+/=-])[a-z0-9._~+/=-]{8,}|[a-z]{16,})"
)
_PEM_BODY: Final = r"(?:[A-Za-z0-9+/=:,.\s-]|\\[nr])"
_PEM: Final = re.compile(
    r"-----BEGIN (?P<label>[A-Z0-9 ]{1,40})-----"
    rf"(?:{_PEM_BODY}*?-----END (?P=label)-----|{_PEM_BODY}*)"
)
_JWT: Final = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
_FERNET: Final = re.compile(r"gAAAAA[A-Za-z0-9_-]{40,}=*")
# A container registry login (`"auth": "<base64 of user:password>"` in a Docker config): a
# base64 word with both cases and a digit or +/, unlike `auth: password` or `auth: v3oidc...`.
_DOCKER_AUTH: Final = re.compile(
    r"(?P<head>\bauth\\?[\"']?\s*:\s*\\?[\"']?)"
    r"(?=[A-Za-z0-9+/]*[A-Z])(?=[A-Za-z0-9+/]*[a-z])(?=[A-Za-z0-9+/]*[0-9+/])[A-Za-z0-9+/]{12,}={0,2}"
)
_URL_USERINFO: Final = re.compile(r"://(?P<user>[^/@\s:\"']*):(?P<value>[^/@\s\"']+)@")
# A token given as the user alone (`https://<token>@host`, as GitHub, GitLab and chart
# repositories take it): long, with letters and digits, unlike a user name (git@, admin@).
_URL_TOKEN_USER: Final = re.compile(
    r"://(?=[^/@\s:\"']*[0-9])(?=[^/@\s:\"']*[A-Za-z])[^/@\s:\"']{20,}@"
)


class _Shape:
    """One key-and-value shape: a lower-case pattern, and its case-insensitive twin."""

    def __init__(self, source: str, *, keep_json: bool = False) -> None:
        self.lower = re.compile(source)
        self.any_case = re.compile(source, re.IGNORECASE)
        self.keep_json = keep_json

    def sub(self, text: str) -> str:
        lowered = text.lower()
        # str.lower() keeps positions for almost all text; where not (rare letters), fold in re
        same = len(lowered) == len(text)
        matches = list((self.lower if same else self.any_case).finditer(lowered if same else text))
        if not matches:
            return text
        out: list[str] = []
        pos = 0
        for match in matches:
            out.append(text[pos : match.start()])
            out.append(self._masked(match, text))
            pos = match.end()
        out.append(text[pos:])
        return "".join(out)

    def _masked(self, match: re.Match[str], text: str) -> str:
        """The match with its value replaced (quotes kept); values already redacted stay."""
        whole = text[match.start() : match.end()]
        value = text[match.start("value") : match.end("value")]
        key = text[match.start("key") : match.end("key")]
        before = text[match.start() - 1] if match.start() else " "
        if key == "Secret" and not (before.isalnum() or before in "_-."):
            return whole  # the Kubernetes kind ("Secret: harbor-core"), not a credential
        if value.strip("\"'\\") in ("", REDACTED, "[redacted]", "***", "None", "null"):
            return whole
        quote = ""
        for q in ('\\"', '"', "'"):
            if value.startswith(q) and value.endswith(q) and len(value) >= 2 * len(q):
                quote = q
                break
        head = text[match.start() : match.start("value")]
        if self.keep_json and not quote:
            # `"token": 123` in a JSON document: the replacement must stay a JSON value
            after_key = head[len(key) :]
            if after_key.startswith('\\"'):
                quote = '\\"'
            elif after_key[:1] in ('"', "'"):
                quote = after_key[:1]
        return f"{head}{quote}{REDACTED}{quote}"


_SHAPES: Final = (
    _Shape(_HEADER),
    _Shape(_KEY_VALUE, keep_json=True),
    _Shape(_OPTION),
    _Shape(_BEARER),
)
# How far around a trigger word a shape is looked for (a key prefix before it, a value after).
_WINDOW_BEFORE: Final = 256
_WINDOW_AFTER: Final = 8192
# Any of these (lowercased) in a text means a generic shape may be there.
_TRIGGERS: Final = (
    "auth",
    "token",
    "cookie",
    "bearer",
    "basic",
    "pass",
    "secret",
    "key",
    "-----begin",
    "eyj",
    "gaaaaa",
    "://",
    "pwd",
    "xsrf",
    "docker",
)


def _shapes(text: str) -> str:
    """Mask the generic shapes, looking only near the words that can start one."""
    lowered = text.lower()
    if not any(t in lowered for t in _TRIGGERS):
        return text
    if "-----begin" in lowered:  # PEM blocks span lines: the whole text at once (cheap)
        text = _PEM.sub(lambda m: f"-----BEGIN {m.group('label')}----- {REDACTED}", text)
        lowered = text.lower()
        if len(lowered) != len(text):
            return _shapes_window(text)
    out: list[str] = []
    pos = 0
    for start, end in _windows(lowered):
        out.append(text[pos:start])
        out.append(_shapes_window(text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _windows(lowered: str) -> list[tuple[int, int]]:
    """Merged spans around every trigger word, each within its line (plus some context)."""
    if len(lowered) <= _WINDOW_AFTER:
        return [(0, len(lowered))]
    spans: list[tuple[int, int]] = []
    for trigger in _TRIGGERS:
        hit = lowered.find(trigger)
        while hit >= 0:
            line_start = lowered.rfind("\n", 0, hit) + 1
            line_end = lowered.find("\n", hit)
            line_end = len(lowered) if line_end < 0 else line_end
            start = max(line_start, hit - _WINDOW_BEFORE)
            end = min(line_end, hit + _WINDOW_AFTER)
            spans.append((start, end))
            hit = lowered.find(trigger, max(end, hit + 1))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _shapes_window(text: str) -> str:
    if "eyJ" in text:
        text = _JWT.sub(REDACTED, text)
    if "gAAAAA" in text:
        text = _FERNET.sub(REDACTED, text)
    if "://" in text:
        text = _URL_USERINFO.sub(lambda m: f"://{m.group('user')}:{REDACTED}@", text)
        text = _URL_TOKEN_USER.sub(f"://{REDACTED}@", text)
    if "auth" in text:
        text = _DOCKER_AUTH.sub(lambda m: f"{m.group('head')}{REDACTED}", text)
    for shape in _SHAPES:
        text = shape.sub(text)
    return text


def redact(text: str) -> str:
    """``text`` without any known secret of this run or anything shaped like a secret."""
    if not text:
        return text
    return _shapes(_KNOWN.apply(text))


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
