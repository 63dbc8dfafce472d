"""The shapes secrets have anywhere, masked whatever this run knows (redact.py applies them
after the run's own secrets): ``Authorization``/``X-Auth-Token``/``X-Subject-Token`` headers,
``Bearer …``, ``password=…`` (and ``"token": "…"``), PEM blocks, JWTs, Keystone Fernet
tokens, registry logins and ``user:password@`` (or a token as the user) in URLs.
"""

from __future__ import annotations

import re
from typing import Final

REDACTED: Final = "<redacted>"

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


def mask_shapes(text: str) -> str:
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
