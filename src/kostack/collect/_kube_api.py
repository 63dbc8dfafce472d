"""Talking to a Kubernetes API server with the official client, read-only.

Two things live here and nothing else: turning the operator's configuration
(kubeconfig, KUBECONFIG, a context, or the in-cluster service account) into
an official-client ``ApiClient``, and making one request at a time with a
timeout, where every way a request can fail becomes a :class:`ReadFailure`
whose text is exact and carries no credential. :meth:`Reader.pages` is the
one list reader of the collect layer (limit/continue paging, and what to do
when a continue token expires); ``kostack.collect.kubernetes``, its CNI
readers and ``kostack.collect.helm`` all list through it. Client objects
never leave the collect layer.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit, urlunsplit

import kubernetes
import urllib3
import yaml
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from kostack.deadline import GRACE_S, DeadlineExceeded, within
from kostack.errors import AuthError, CollectError, ConfigError
from kostack.redact import remember

# The client's configuration loaders carry no type hints; reached through Any
# so mypy --strict checks everything around them instead of ignoring lines.
_config_loaders: Any = kubernetes.config

JsonObject = dict[str, Any]

# Where a pod finds its service account (the official client's in-cluster
# loader reads the same files); a module constant so tests can point it at a
# temporary directory.
SERVICE_ACCOUNT_DIR: Path = Path("/var/run/secrets/kubernetes.io/serviceaccount")
USER_AGENT: Final = "kostack (read-only collector)"
REDACTED: Final = "<redacted>"

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
        """The exact error, as a gap records it: the request and the server's answer."""
        return f"{self.request}: {self.detail}"


class Redactor:
    """Replaces every credential known to the session with ``<redacted>``.

    Error texts can echo what they were given (an exec plugin's stderr, a
    kubeconfig line); everything kostack raises or records passes through here.
    """

    def __init__(self, secrets: Sequence[str] = ()) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        secret = secret.strip()
        if len(secret) < 6:
            return  # too short to be a credential, and would mangle ordinary words
        remember(secret)  # and at the output boundary, wherever it turns up later
        self._secrets.add(secret)
        lowered = secret.lower()
        for prefix in ("bearer ", "basic "):
            if lowered.startswith(prefix):
                self.add(secret[len(prefix) :])

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text


# Keys of a kubeconfig user entry (and of its auth-provider config) that hold credentials.
CREDENTIAL_KEYS: Final = frozenset(
    {
        "token",
        "password",
        "client-key-data",
        "client-certificate-data",
        "id-token",
        "refresh-token",
        "access-token",
        "client-secret",
    }
)


def _with_decoded(value: str) -> Iterator[str]:
    """The value, and for base64 data (``*-data``) its decoded text and its long lines."""
    yield value
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return
    yield decoded
    yield from (line for line in decoded.splitlines() if len(line) >= 16)


def _credential_strings(user: object) -> Iterator[str]:
    """Credential values of one kubeconfig ``users[].user`` entry.

    Its token, password, client key and certificate, every value of an
    auth-provider's config, and the values of an exec plugin's environment.
    Not the username or the exec command line: they name, they do not prove.
    """
    if not isinstance(user, Mapping):
        return
    for key, value in user.items():
        if key in CREDENTIAL_KEYS and isinstance(value, str):
            yield from _with_decoded(value)
    provider = user.get("auth-provider")
    config = provider.get("config") if isinstance(provider, Mapping) else None
    if isinstance(config, Mapping):
        for value in config.values():
            if isinstance(value, str):
                yield from _with_decoded(value)
    exec_plugin = user.get("exec")
    env = exec_plugin.get("env") if isinstance(exec_plugin, Mapping) else None
    for entry in env if isinstance(env, list) else ():
        if isinstance(entry, Mapping) and isinstance(entry.get("value"), str):
            yield entry["value"]


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
    def of_client(cls, client: Any, source: str = "the given API client") -> Session:
        """A session for an ApiClient built elsewhere (no credential known to redact)."""
        server = str(getattr(getattr(client, "configuration", None), "host", "") or "?")
        return cls(
            client=client,
            server=_public_url(server),
            context=None,
            source=source,
            redact=Redactor(),
        )

    def close(self) -> None:
        client: Any = self.client
        client.close()

    @property
    def where(self) -> str:
        """How error messages name the cluster: server, context and configuration source."""
        context = f", context {self.context}" if self.context else ""
        return f"{self.server}{context}; {self.source}"


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


def _kubeconfig_paths(kubeconfig: str | None, environ: Mapping[str, str]) -> tuple[str, bool]:
    """The kubeconfig path list (os.pathsep-separated, as KUBECONFIG) and whether it was asked for."""
    if kubeconfig:
        return kubeconfig, True
    if environ.get("KUBECONFIG"):
        return environ["KUBECONFIG"], True
    home = environ.get("HOME") or str(Path.home())
    return str(Path(home) / ".kube" / "config"), False


def _existing(paths: str) -> list[Path]:
    return [
        Path(p).expanduser()
        for p in paths.split(os.pathsep)
        if p and Path(p).expanduser().is_file()
    ]


def _read_documents(files: Sequence[Path]) -> list[JsonObject]:
    documents: list[JsonObject] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"cannot read kubeconfig {path}: {exc.__class__.__name__}",
                "Check the file's permissions, or pass another one with --kubeconfig.",
            ) from None
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            # yaml's message quotes the offending line, which may hold a token: give the place only.
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
            raise ConfigError(
                f"kubeconfig {path} is not valid YAML{where}",
                "Fix the file, or check it with `kubectl config view --kubeconfig FILE`.",
            ) from None
        if isinstance(document, dict):
            documents.append(document)
    return documents


def remember_kubeconfig(kubeconfig: str | None, environ: Mapping[str, str]) -> None:
    """Hand the credentials of the kubeconfig files that will be read to the redactor.

    For callers that give the files to the official loader before open_session
    (whose errors may quote them); unreadable files give nothing.
    """
    paths, _asked = _kubeconfig_paths(kubeconfig, environ)
    for path in _existing(paths):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        users = document.get("users") if isinstance(document, dict) else None
        for user in users if isinstance(users, list) else ():
            if isinstance(user, dict):
                remember(*_credential_strings(user.get("user")))


def _context_names(documents: Sequence[JsonObject]) -> list[str]:
    names: list[str] = []
    for document in documents:
        for entry in document.get("contexts") or []:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                names.append(entry["name"])
    return names


def _retries() -> urllib3.Retry:
    # No retries: a failed connect is reported at once (and urllib3 logs no
    # "Retrying" warnings to the terminal), a read that timed out is reported,
    # not repeated, so a slow list costs one timeout.
    return urllib3.Retry(total=0, redirect=0, raise_on_status=False)


def open_session(
    kubeconfig: str | None,
    context: str | None,
    *,
    in_cluster: bool | None,
    environ: Mapping[str, str],
) -> Session:
    """Build an official-client ApiClient from the operator's configuration.

    ``in_cluster`` True forces the pod's service account, False forbids it,
    None uses it only when no kubeconfig is given or found and the process runs
    in a pod (KUBERNETES_SERVICE_HOST is set), as kubectl does. Raises
    ConfigError for configuration that cannot be used.
    """
    paths, asked = _kubeconfig_paths(kubeconfig, environ)
    files = _existing(paths)
    use_in_cluster = bool(in_cluster) or (
        in_cluster is None
        and not asked
        and not files
        and bool(environ.get("KUBERNETES_SERVICE_HOST"))
    )
    configuration = kubernetes.client.Configuration()
    redact = Redactor()
    loader_messages: list[str] = []
    if use_in_cluster:
        if context:
            raise ConfigError(
                "--context cannot be used with the in-cluster service account",
                "Drop --context, or pass a kubeconfig that has that context.",
            )
        _load_in_cluster(configuration, environ, redact)
        source = f"in-cluster service account ({SERVICE_ACCOUNT_DIR})"
        chosen_context: str | None = None
    else:
        if not files:
            where = "KUBECONFIG" if not kubeconfig and asked else "kubeconfig"
            raise ConfigError(
                f"no {where} file found at {paths}",
                "Pass --kubeconfig FILE, set KUBECONFIG, or run kostack in a pod with a service account.",
            )
        documents = _read_documents(files)
        for document in documents:
            for user in document.get("users") or []:
                if isinstance(user, dict):
                    for secret in _credential_strings(user.get("user")):
                        redact.add(secret)
        names = _context_names(documents)
        if context is not None and context not in names:
            known = ", ".join(names) or "none"
            raise ConfigError(
                f"context {context!r} is not in kubeconfig {paths}",
                f"Contexts there: {known}. Pick one with --context.",
            )
        try:
            with _loader_logs(loader_messages):
                _config_loaders.load_kube_config(
                    config_file=os.pathsep.join(str(f) for f in files),
                    context=context,
                    client_configuration=configuration,
                    # Never write the kubeconfig back (token refreshes): collection is read-only.
                    persist_config=False,
                )
        except (ConfigException, OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                redact(f"cannot use kubeconfig {paths}: {exc}"),
                "Check it with `kubectl config view --minify`; kostack reads the same fields.",
            ) from None
        chosen_context = context or _current_context(documents)
        source = f"kubeconfig {os.pathsep.join(str(f) for f in files)}"
    for value in (configuration.api_key or {}).values():
        if isinstance(value, str):
            redact.add(value)
    if isinstance(configuration.password, str):
        redact.add(configuration.password)
    configuration.retries = _retries()
    client = kubernetes.client.ApiClient(configuration)
    client.user_agent = USER_AGENT
    return Session(
        client=client,
        server=_public_url(str(configuration.host)),
        context=chosen_context,
        source=source,
        redact=redact,
        loader_messages=tuple(redact(m) for m in loader_messages),
    )


@contextmanager
def _loader_logs(messages: list[str]) -> Iterator[None]:
    """Keep what the client's config loader logs off the terminal, into ``messages``.

    The loader reports a failed exec credential plugin with ``logging.error``
    on the root logger, quoting the plugin's stderr, which may hold a secret;
    kostack shows it (redacted) in the hint of the error that follows instead.
    """
    marker = f"{os.sep}kubernetes{os.sep}config{os.sep}"

    def capture(record: logging.LogRecord) -> bool:
        if marker in record.pathname:
            messages.append(record.getMessage())
            return False
        return True

    root = logging.getLogger()
    root.addFilter(capture)
    try:
        yield
    finally:
        root.removeFilter(capture)


def _current_context(documents: Sequence[JsonObject]) -> str | None:
    current: str | None = None
    for document in documents:
        value = document.get("current-context")
        if isinstance(value, str) and value:
            current = value
    return current


def _load_in_cluster(
    configuration: kubernetes.client.Configuration, environ: Mapping[str, str], redact: Redactor
) -> None:
    token_file = SERVICE_ACCOUNT_DIR / "token"
    try:
        token = token_file.read_text(encoding="utf-8")
    except OSError:
        token = ""
    redact.add(token)
    loader = _config_loaders.incluster_config.InClusterConfigLoader(
        token_filename=str(token_file),
        cert_filename=str(SERVICE_ACCOUNT_DIR / "ca.crt"),
        environ=dict(environ),
    )
    try:
        loader.load_and_set(configuration)
    except (ConfigException, OSError) as exc:
        raise ConfigError(
            redact(f"cannot use the in-cluster service account: {exc}"),
            "Run kostack inside a pod with a mounted service account token, or pass --kubeconfig.",
        ) from None


# --------------------------------------------------------------------------- requests


_OBJECT_ADDRESS: Final = re.compile(
    r"<[^<>]*? object at 0x[0-9a-f]+>:?\s*|HTTPS?Connection(?:Pool)?\([^()]*\):\s*"
)


def _transport_detail(exc: BaseException, timeout_s: float) -> tuple[FailureKind, str]:
    """Classify a urllib3 failure and describe it without object reprs."""
    reason: BaseException = exc
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        reason = exc.reason
    text = _OBJECT_ADDRESS.sub("", str(reason)).strip() or reason.__class__.__name__
    # urllib3's NewConnectionError (refused, no route, DNS) subclasses ConnectTimeoutError.
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return "unreachable", text
    if isinstance(reason, urllib3.exceptions.ConnectTimeoutError):
        return "timeout", f"no connection within {timeout_s:g} s"
    if isinstance(reason, urllib3.exceptions.ReadTimeoutError | TimeoutError) or (
        isinstance(reason, urllib3.exceptions.ProtocolError) and "timed out" in text
    ):
        return "timeout", f"no answer within {timeout_s:g} s"
    return "unreachable", text


def _status(exc: ApiException) -> tuple[str, str | None]:
    """The message of the Kubernetes Status the server answered with, and its continue token."""
    body = exc.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str) and body.strip():
        try:
            status = json.loads(body)
        except ValueError:
            return body.strip()[:500], None
        if isinstance(status, dict):
            message = status.get("message")
            metadata = status.get("metadata")
            token = metadata.get("continue") if isinstance(metadata, dict) else None
            return (
                str(message) if isinstance(message, str) else "",
                token if isinstance(token, str) and token else None,
            )
    return "", None


_KINDS: Final[Mapping[int, FailureKind]] = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    410: "expired",
    504: "timeout",
}


# How many expired continue tokens one list may follow before it counts as failed.
MAX_INCONSISTENT_CONTINUES: Final = 3


class Reader:
    """Requests through the official client's typed APIs, answers as plain JSON dicts.

    Every call asks for the raw response (``_preload_content=False``): the
    collector needs a few fields of each object, and skipping the client's
    model deserialisation keeps a 10,000-pod list fast. ``inconsistent``
    names the lists read across an expired continue token (see ``pages``).
    """

    def __init__(self, session: Session, *, timeout_s: float, page_size: int) -> None:
        if timeout_s <= 0:
            raise ConfigError(
                f"timeout must be positive, not {timeout_s}", "Pass a timeout in seconds."
            )
        if page_size < 1:
            raise ConfigError(f"page size must be at least 1, not {page_size}", "")
        self.session = session
        self.timeout_s = timeout_s
        self.page_size = page_size
        self.requests = 0
        self.inconsistent: list[str] = []
        client = session.client
        self.core = kubernetes.client.CoreV1Api(client)
        self.apps = kubernetes.client.AppsV1Api(client)
        self.discovery = kubernetes.client.DiscoveryV1Api(client)
        self.custom = kubernetes.client.CustomObjectsApi(client)
        self.version_api = kubernetes.client.VersionApi(client)

    def call(
        self, request: str, method: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> JsonObject:
        """One request; the decoded JSON object, or ReadFailure."""
        redact = self.session.redact
        self.requests += 1

        def fetch() -> Any:
            response = method(
                *args, _preload_content=False, _request_timeout=self.timeout_s, **kwargs
            )
            return response.data

        try:
            # the socket timeout bounds each read; the watchdog bounds the whole request
            data = within(self.timeout_s + GRACE_S, request, fetch)
        except DeadlineExceeded:
            raise ReadFailure(
                "timeout", request, f"no complete answer within {self.timeout_s:g} s"
            ) from None
        except ApiException as exc:
            status = int(exc.status) if exc.status else 0
            reason = str(exc.reason or "").strip()
            message, token = _status(exc)
            head = f"{status} {reason}".strip()
            detail = f"{head}: {message}" if message else head
            kind = _KINDS.get(status, "error")
            raise ReadFailure(kind, request, redact(detail), status, list_continue=token) from None
        except urllib3.exceptions.HTTPError as exc:
            kind, text = _transport_detail(exc, self.timeout_s)
            raise ReadFailure(kind, request, redact(text)) from None
        except OSError as exc:
            raise ReadFailure(
                "unreachable", request, redact(f"{exc.__class__.__name__}: {exc}")
            ) from None
        try:
            document = json.loads(data)
        except ValueError:
            raise ReadFailure("error", request, "the answer is not JSON") from None
        if not isinstance(document, dict):
            raise ReadFailure("error", request, "the answer is not a JSON object")
        return document

    def get(self, request: str, method: Callable[..., Any], *args: Any) -> JsonObject | None:
        """One object, or None when the server says it does not exist (404)."""
        try:
            return self.call(request, method, *args)
        except ReadFailure as failure:
            if failure.kind == "not_found":
                return None
            raise

    def pages(
        self, request: str, method: Callable[..., Any], *args: Any, **selectors: str
    ) -> Iterator[list[JsonObject]]:
        """The items of a list, a page (``limit``) at a time, following ``continue``.

        When a continue token has expired (410 Gone: etcd compacted the
        revision the list started at), the API server answers with a new token
        that reads the rest of the list at the latest revision (kubernetes
        staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go,
        handleCompactedErrorForPaging). Restarting instead would hand the
        caller the first pages twice; so the rest is read with that token, and
        the request is recorded in ``inconsistent`` (objects changed meanwhile
        may be missing or newer). A 410 with no token, or more than
        MAX_INCONSISTENT_CONTINUES in one list, raises ReadFailure ("expired").
        """
        token: str | None = None
        page = 0
        expired = 0
        while True:
            page += 1
            kwargs: dict[str, Any] = {"limit": self.page_size, **selectors}
            if token:
                kwargs["_continue"] = token
            described = request if page == 1 else f"{request} (page {page})"
            try:
                document = self.call(described, method, *args, **kwargs)
            except ReadFailure as failure:
                if not (token and failure.kind == "expired" and failure.list_continue):
                    raise
                expired += 1
                if expired > MAX_INCONSISTENT_CONTINUES:
                    raise
                if request not in self.inconsistent:
                    self.inconsistent.append(request)
                token = failure.list_continue
                page -= 1
                continue
            items = document.get("items")
            if not isinstance(items, list):
                raise ReadFailure("error", described, "the list answer has no items")
            yield [item for item in items if isinstance(item, dict)]
            metadata = document.get("metadata")
            token = metadata.get("continue") if isinstance(metadata, dict) else None
            if not token:
                return

    def all(
        self, request: str, method: Callable[..., Any], *args: Any, **selectors: str
    ) -> list[JsonObject]:
        return [item for page in self.pages(request, method, *args, **selectors) for item in page]


def fatal(
    failure: ReadFailure, session: Session, *, forbidden: bool = False, timeout: bool = False
) -> AuthError | CollectError | None:
    """The error that ends collection for this failure, or None when it is only a gap.

    Rejected credentials end it wherever they show up; so does an API server
    that stops accepting connections. ``forbidden`` and ``timeout`` say whether
    a 403 or a timeout ends it too (the basic reads: the first request, nodes).
    """
    where = session.where
    if failure.kind == "unauthorized":
        plugin = (
            f" The kubeconfig's credential plugin said: {'; '.join(session.loader_messages)}"
            if session.loader_messages
            else ""
        )
        return AuthError(
            f"the Kubernetes API server rejected the credentials ({failure.error}) [{where}]",
            "The token or client certificate is wrong or expired: refresh it "
            "(`kubectl auth whoami` shows who you are), or pick another --context." + plugin,
        )
    if failure.kind == "unreachable":
        return CollectError(
            f"cannot reach the Kubernetes API server ({failure.error}) [{where}]",
            "Check the server address in the kubeconfig, the VPN or bastion, and that the "
            "API server is up (`kubectl get --raw /version`).",
        )
    if forbidden and failure.kind == "forbidden":
        return AuthError(
            f"the Kubernetes API server refused a basic read ({failure.error}) [{where}]",
            "kostack needs get/list on nodes, pods, services, endpointslices and configmaps "
            "(a read-only ClusterRole such as `view` plus nodes); ask your cluster admin.",
        )
    if timeout and failure.kind == "timeout":
        return CollectError(
            f"the Kubernetes API server did not answer ({failure.error}) [{where}]",
            "Check the network path to the API server, or retry with a longer timeout.",
        )
    return None
