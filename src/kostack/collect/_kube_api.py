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
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import kubernetes
import urllib3
import yaml
from kubernetes.config.config_exception import ConfigException

from kostack.collect._kube_types import (
    IN_CLUSTER,
    JsonObject,
    Redactor,
    Session,
    _public_url,
)
from kostack.collect.texts import Msg, kubeconfig_yaml_error
from kostack.errors import ConfigError
from kostack.redact import CREDENTIAL_KEY, remember
from kostack.shell import quote

__all__ = [
    "CREDENTIAL_KEYS",
    "SERVICE_ACCOUNT_DIR",
    "USER_AGENT",
    "kubeconfig_credentials",
    "open_session",
    "remember_kubeconfig",
]

# The client's configuration loaders carry no type hints; reached through Any
# so mypy --strict checks everything around them instead of ignoring lines.
_config_loaders: Any = kubernetes.config


# Where a pod finds its service account (the official client's in-cluster
# loader reads the same files); a module constant so tests can point it at a
# temporary directory.
SERVICE_ACCOUNT_DIR: Path = Path("/var/run/secrets/kubernetes.io/serviceaccount")
USER_AGENT: Final = "kostack (read-only collector)"
# Where distributions write the cluster's admin kubeconfig on a server (k3s's and RKE2's
# docs, "Cluster Access"; k0s's `k0s kubeconfig admin`; MicroK8s' `microk8s config`): named
# in the hint when no kubeconfig is found and one of them is there.
DISTRIBUTION_KUBECONFIGS: tuple[tuple[str, Path], ...] = (
    ("k3s", Path("/etc/rancher/k3s/k3s.yaml")),
    ("RKE2", Path("/etc/rancher/rke2/rke2.yaml")),
    ("k0s", Path("/var/lib/k0s/pki/admin.conf")),
    ("MicroK8s", Path("/var/snap/microk8s/current/credentials/client.config")),
)

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
                Msg("col.kc.cannot-read", path=path, error=exc.__class__.__name__),
                Msg("col.hint.kc.cannot-read"),
            ) from None
        try:
            document = yaml.safe_load(text)
        except (yaml.YAMLError, RecursionError) as exc:
            # yaml's message quotes the offending line, which may hold a token: give the place only.
            raise ConfigError(*kubeconfig_yaml_error(path, exc)) from None
        if isinstance(document, dict):
            documents.append(document)
    return documents


def remember_kubeconfig(kubeconfig: str | None, environ: Mapping[str, str]) -> None:
    """Hand the credentials of the kubeconfig files that will be read to the redactor.

    For callers that give the files to the official loader before open_session
    (whose errors may quote them); unreadable files give nothing.
    """
    remember(*kubeconfig_credentials(kubeconfig, environ))


def kubeconfig_credentials(kubeconfig: str | None, environ: Mapping[str, str]) -> set[str]:
    """Every credential string of the kubeconfig files the collector reads (found as it finds
    them): the known credential keys (with base64 data decoded), and any value under a key
    that names a credential or in an exec plugin's secret-looking environment."""
    paths, _asked = _kubeconfig_paths(kubeconfig, environ)
    found: set[str] = set()
    for path in _existing(paths):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
            continue
        users = document.get("users") if isinstance(document, dict) else None
        for user in users if isinstance(users, list) else ():
            if isinstance(user, dict):
                found.update(_credential_strings(user.get("user")))
                found.update(s.strip() for s in _named_credentials(user.get("user")))
    return found


def _named_credentials(node: object, key: str = "") -> Iterator[str]:
    """Values under a key that names a credential, and exec env entries by name."""
    if isinstance(node, str):
        if CREDENTIAL_KEY.search(key):
            yield node
    elif isinstance(node, dict):
        # exec plugins: env: [{name: AWS_SECRET_ACCESS_KEY, value: ...}]
        name = node.get("name")
        is_env_entry = isinstance(name, str) and isinstance(node.get("value"), str)
        if is_env_entry and (CREDENTIAL_KEY.search(str(name)) or "KEY" in str(name).upper()):
            yield str(node["value"])
        for child_key, value in node.items():
            yield from _named_credentials(value, str(child_key))
    elif isinstance(node, list):
        for value in node:
            yield from _named_credentials(value, key)


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
                Msg("col.kc.context-in-cluster"), Msg("col.hint.kc.context-in-cluster")
            )
        _load_in_cluster(configuration, environ, redact)
        source = f"{IN_CLUSTER}{SERVICE_ACCOUNT_DIR})"
        chosen_context: str | None = None
    else:
        chosen_context, source = _load_kubeconfig(
            configuration, files, paths, kubeconfig, context, asked, redact, loader_messages
        )
    for value in (configuration.api_key or {}).values():
        if isinstance(value, str):  # a service-account or exec-plugin token: new each rotation
            redact.add(value, rotating="kubernetes api key")
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


def _load_kubeconfig(
    configuration: kubernetes.client.Configuration,
    files: list[Path],
    paths: str,
    kubeconfig: str | None,
    context: str | None,
    asked: bool,
    redact: Redactor,
    loader_messages: list[str],
) -> tuple[str | None, str]:
    """Load the kubeconfig files into ``configuration``: the context chosen and the source.

    Every credential in them is taught to ``redact`` first; what the loader logs
    goes to ``loader_messages``.
    """
    if not files:
        where = "KUBECONFIG" if not kubeconfig and asked else "kubeconfig"
        found = [(name, p) for name, p in DISTRIBUTION_KUBECONFIGS if p.is_file()]
        hint = (
            Msg("col.hint.kc.distribution", distribution=found[0][0], file=quote(str(found[0][1])))
            if found
            else Msg("col.hint.kc.no-file")
        )
        raise ConfigError(Msg("col.kc.no-file", what=where, paths=paths), hint)
    documents = _read_documents(files)
    for document in documents:
        for user in document.get("users") or []:
            if isinstance(user, dict):
                for secret in _credential_strings(user.get("user")):
                    redact.add(secret)
    names = _context_names(documents)
    if context is not None and context not in names:
        known: str = ", ".join(names) or Msg("col.none")
        raise ConfigError(
            Msg("col.kc.no-context", context=repr(context), paths=paths),
            Msg("col.hint.kc.no-context", known=known),
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
            Msg("col.kc.cannot-use", paths=paths, detail=redact(str(exc))),
            Msg("col.hint.kc.cannot-use"),
        ) from None
    chosen_context = context or _current_context(documents)
    source = f"kubeconfig {os.pathsep.join(str(f) for f in files)}"
    return chosen_context, source


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
    redact.add(token, rotating="kubernetes service-account token")
    loader = _config_loaders.incluster_config.InClusterConfigLoader(
        token_filename=str(token_file),
        cert_filename=str(SERVICE_ACCOUNT_DIR / "ca.crt"),
        environ=dict(environ),
    )
    try:
        loader.load_and_set(configuration)
    except (ConfigException, OSError) as exc:
        raise ConfigError(
            Msg("col.kc.in-cluster", detail=redact(str(exc))), Msg("col.hint.kc.in-cluster")
        ) from None
