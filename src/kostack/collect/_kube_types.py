"""What a Kubernetes API session is and how its reads fail: Session, Redactor, ReadFailure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import urlsplit, urlunsplit

import kubernetes

from kostack.catalog import Msg
from kostack.gap_words import Msg as _GapMsg  # noqa: F401  (registers the read-failure texts)
from kostack.redact import remember, remember_rotating

JsonObject = dict[str, Any]

REDACTED: Final = "<redacted>"
# how `Session.where` names a session not read from a kubeconfig file
GIVEN_CLIENT: Final = "the given API client"
IN_CLUSTER: Final = "in-cluster service account ("

FailureKind = Literal[
    "unauthorized", "forbidden", "not_found", "timeout", "unreachable", "expired", "error"
]


class ReadFailure(Exception):
    """One request that did not give an answer: what was asked and exactly why not.

    ``status`` is the HTTP status (None when no answer came at all);
    ``list_continue`` is the continue token a 410 answer to a list page
    carries, to read the rest of the list inconsistently.
    """

    def __init__(
        self,
        kind: FailureKind,
        request: str,
        detail: str,
        status: int | None = None,
        *,
        list_continue: str | None = None,
    ) -> None:
        super().__init__(f"{request}: {detail}")
        self.kind: FailureKind = kind
        self.request = request
        self.detail = detail
        self.status = status
        self.list_continue = list_continue

    @property
    def error(self) -> str:
        """The exact error, as a gap records it: the request and the server's answer (a `Msg`
        when kostack said why, so a Korean reader reads it in Korean)."""
        if isinstance(self.detail, Msg):
            return Msg("col.kube.read.failed", request=self.request, detail=self.detail)
        return f"{self.request}: {self.detail}"


def joined(texts: Sequence[str]) -> str:
    """``texts`` joined by "; ", still a `Msg` when one of them is (so it can be said again)."""
    if not any(isinstance(text, Msg) for text in texts):
        return "; ".join(texts)
    said = texts[0]
    for text in texts[1:]:
        said = Msg("col.kube.read.then", first=said, then=text)
    return said


class Redactor:
    """Replaces every credential known to the session with ``<redacted>``.

    Error texts can echo what they were given (an exec plugin's stderr, a
    kubeconfig line); everything kostack raises or records passes through here.
    """

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, secret: str, *, rotating: str = "") -> None:
        """Redact ``secret`` (and it without a Bearer/Basic prefix) here and at the output
        boundary. ``rotating`` names a credential a long run reads anew (the service-account
        token, a token the kubeconfig's exec plugin prints): the output redactor keeps its
        last few values, not every one (`kostack.redact.remember_rotating`)."""
        secret = secret.strip()
        if len(secret) < 6:
            return  # too short to be a credential, and would mangle ordinary words
        forms = [secret]
        lowered = secret.lower()
        for prefix in ("bearer ", "basic "):
            if lowered.startswith(prefix) and len(secret.strip()) - len(prefix) >= 6:
                forms.append(secret[len(prefix) :].strip())
        self._secrets.update(forms)
        # and at the output boundary, wherever it turns up later
        if rotating:
            remember_rotating(rotating, *forms)
        else:
            remember(*forms)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text


@dataclass
class Session:
    """An official-client ApiClient plus what errors may say about it."""

    client: kubernetes.client.ApiClient
    server: str
    context: str | None
    source: str
    redact: Redactor
    # What the client's kubeconfig loader logged (a failed exec plugin), redacted.
    loader_messages: tuple[str, ...] = ()

    @classmethod
    def of_client(cls, client: Any, source: str = "") -> Session:
        """A session for an ApiClient built elsewhere (no credential known to redact)."""
        server = str(getattr(getattr(client, "configuration", None), "host", "") or "?")
        return cls(
            client=client,
            server=_public_url(server),
            context=None,
            source=source or GIVEN_CLIENT,
            redact=Redactor(),
        )

    def close(self) -> None:
        client: Any = self.client
        client.close()

    @property
    def where(self) -> str:
        """How error messages name the cluster: server, context and configuration source."""
        from kostack.collect.texts import Msg

        context: str = Msg("col.kube.where.context", context=self.context) if self.context else ""
        source: str = self.source
        if source == GIVEN_CLIENT:
            source = Msg("col.kube.given-client")
        elif source.startswith(IN_CLUSTER):
            source = Msg("col.kube.in-cluster", dir=source[len(IN_CLUSTER) : -1])
        return Msg("col.kube.where", server=self.server, context=context, source=source)


def _public_url(url: str) -> str:
    """The server URL without any user:password part."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable server URL>"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
