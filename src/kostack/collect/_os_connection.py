"""The OpenStack connection kostack reads and writes through, and what it says when one fails.

openstacksdk builds it from the standard sources (clouds.yaml, OS_CLOUD, OS_* variables,
``--os-cloud``) through its public configuration API (``_os_config``). A 401 from Keystone
ends the call at once as an AuthError; unreachable endpoints are CollectErrors (both exit
3); nothing printed carries a credential (``redact``, ``secret_values``).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

from kostack.collect import texts
from kostack.collect._os_config import ENV_CLOUD_NAMES, cloud_region
from kostack.collect.texts import Msg
from kostack.deadline import GRACE_S, DeadlineExceeded, within
from kostack.errors import AuthError, CollectError, ConfigError, KostackError
from kostack.oserror import in_text
from kostack.redact import remember

_SECRET_KEY = re.compile(r"password|secret|token|passcode|key", re.IGNORECASE)
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)


# --------------------------------------------------------------------------- connection

# The User-Agent comment of kostack's OpenStack requests: reads say this; the
# commands that write say what they are (open_connection's ``purpose``).
READ_ONLY: Final = "read-only collector"
_PRODUCT: Final = "kostack"  # the User-Agent's product name: `kostack (fix apply)` ...


def open_connection(
    cloud: str | None,
    *,
    environ: Mapping[str, str],
    timeout_s: float,
    config_files: Sequence[str] | None = None,
    purpose: str = READ_ONLY,
) -> Any:
    """An openstacksdk Connection from the standard configuration sources.

    ``purpose`` goes into the User-Agent of every request (``kostack (fix apply)``
    ...), so that Neutron's logs tell kostack's reads from its writes.

    ``cloud`` (``--os-cloud``) wins, then ``OS_CLOUD``, then the ``OS_*``
    variables, then the only cloud in clouds.yaml. Variables (and HOME,
    XDG_CONFIG_HOME, which say where clouds.yaml is) are read from
    ``environ``, never the process environment, so a caller (and a test)
    decides what is seen; ``config_files`` replaces the clouds.yaml search
    path. The SDK is used through its public configuration API only
    (``_os_config.cloud_region``). For a Neutron without Keystone, a
    clouds.yaml entry with ``auth_type: none`` and
    ``network_endpoint_override: URL`` works. No request is sent yet.
    """
    import openstack.connection

    region = cloud_region(
        cloud,
        environ=environ,
        timeout_s=timeout_s,
        config_files_override=config_files,
        redact=redact,
        app_name=f"{_PRODUCT} ({purpose})",
    )
    try:
        conn = openstack.connection.Connection(config=region)
    except Exception as exc:  # the SDK raises many types for a bad auth section
        raise ConfigError(
            Msg(
                "col.os.build",
                cloud=repr(region.name),
                detail=f"{type(exc).__name__}: {redact(str(exc))}",
            ),
            Msg("col.hint.os.auth-type"),
        ) from exc
    watch_identity(conn)
    return conn


def close_connection(conn: Any) -> None:
    """Close the connection's HTTP sessions (best effort: the data is already read)."""
    try:
        conn.close()
    except Exception:
        return


def current_project(conn: Any) -> str | None:
    """The project id of the connection's token (None with ``auth_type: none``).

    Authenticates if needed, so a wrong password or an unreachable Keystone
    shows up here as AuthError / CollectError, within the connection's timeout
    whatever keystoneauth does (see kostack.deadline).
    """
    seconds = api_timeout(conn)
    try:
        project = within(
            seconds + GRACE_S,
            f"authenticating at {auth_endpoint(conn)}",
            lambda: conn.current_project_id,
        )
    except DeadlineExceeded as exc:
        raise CollectError(
            Msg(
                "col.keystone.deadline",
                where=auth_endpoint(conn, path=True),
                seconds=texts.seconds(seconds),
                credential=describe_credential(conn),
            ),
            Msg("col.hint.keystone.deadline"),
        ) from exc
    except KostackError:
        raise
    except Exception as exc:
        raise connection_error(exc, "Keystone", auth_endpoint(conn)) from exc
    return str(project) if project else None


def api_timeout(conn: Any) -> float:
    """The connection's per-request timeout (``--timeout``), 30 s when it has none."""
    config = getattr(getattr(conn, "config", None), "config", None) or {}
    try:
        return float(config.get("api_timeout") or 30.0)
    except (TypeError, ValueError):
        return 30.0


# --------------------------------------------------------------------------- identity refusals


def describe_credential(conn: Any) -> str:
    """Which credential the cloud uses, named without its secret (for error messages)."""
    config = getattr(getattr(conn, "config", None), "config", None) or {}
    auth = config.get("auth") or {}
    auth_type = str(config.get("auth_type") or "password")
    cloud = config.get("name") or getattr(getattr(conn, "config", None), "name", None)

    def first(*keys: str) -> str:
        return next((str(auth[k]) for k in keys if auth.get(k)), "")

    said: dict[str, object] = {
        "auth": auth_type,
        "where": Msg("col.os.cred.cloud", cloud=repr(cloud))
        if cloud and cloud != "envvars"
        else "",
    }
    if "applicationcredential" in auth_type.replace("_", ""):
        who = first("application_credential_id", "application_credential_name")
        user = first("username", "user_id")
        of_user = Msg("col.os.cred.appcred.user", user=user) if user else ""
        return Msg("col.os.cred.appcred", who=who or Msg("col.os.cred.no-id"), user=of_user, **said)
    if "token" in auth_type:
        project = first("project_name", "project_id")
        of = Msg("col.os.cred.token.project", project=project) if project else ""
        return Msg("col.os.cred.token", project=of, **said)
    name = first("username", "user_id") or Msg("col.os.cred.no-user")
    domain = first("user_domain_name", "user_domain_id")
    in_domain = Msg("col.os.cred.domain", domain=domain) if domain else ""
    return Msg("col.os.cred.password", user=name, domain=in_domain, **said)


def watch_identity(conn: Any) -> None:
    """Make a 401 from the identity endpoint end the call at once, as an AuthError.

    keystoneauth1 (5.x) deadlocks when version discovery of the auth_url
    answers 401: it retries the discovery GET authenticated, which needs a
    token, which re-enters ``get_access`` under the lock it already holds (the
    ``openstack`` CLI hangs the same way). A response hook on the session's
    HTTP client sees the 401 first and raises, which unwinds the client's
    stack and its lock. The deadline in current_project is the backstop.
    """
    try:
        http = conn.config.get_session().session
    except Exception:
        return  # auth_type none, or no session: nothing authenticates
    hooks = getattr(http, "hooks", None)
    auth_url = auth_endpoint(conn, path=True)
    if not isinstance(hooks, dict) or "://" not in auth_url:
        return
    base = auth_url.rstrip("/")
    root = re.sub(r"/v[0-9][0-9.]*$", "", base)

    def refused(response: Any, *_args: Any, **_kwargs: Any) -> Any:
        if getattr(response, "status_code", None) != 401:
            return response
        url = _public_url(str(getattr(response, "url", "") or ""))
        if url.rstrip("/") not in (base, root) and not url.startswith(base + "/"):
            return response
        request = getattr(response, "request", None)
        method = str(getattr(request, "method", "") or "GET")
        raise AuthError(
            Msg(
                "col.os.401",
                url=url,
                method=method,
                path=urllib.parse.urlsplit(url).path or "/",
                credential=describe_credential(conn),
            ),
            Msg("col.hint.os.401"),
        )

    hooks.setdefault("response", []).append(refused)


def secret_values(conn: Any) -> frozenset[str]:
    """Every credential value in the connection's configuration, for redaction."""
    values: set[str] = set()
    config = getattr(getattr(conn, "config", None), "config", None) or {}
    auth = config.get("auth") or {}
    for key, value in auth.items():
        if _SECRET_KEY.search(str(key)) and isinstance(value, str) and len(value) >= 4:
            values.add(value)
    for key in ("password", "token", "application_credential_secret"):
        value = config.get(key)
        if isinstance(value, str) and len(value) >= 4:
            values.add(value)
    remember(*values)
    return frozenset(values)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove credentials embedded in URLs (``https://user:pw@host``) and any known secret."""
    text = _URL_CREDENTIALS.sub(lambda m: m.group("scheme") + "<redacted>@", text)
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, "<redacted>")
    return text


def auth_endpoint(conn: Any, *, path: bool = False) -> str:
    config = getattr(getattr(conn, "config", None), "config", None) or {}
    url = (config.get("auth") or {}).get("auth_url")
    if not url:
        return "the identity endpoint"
    return _public_url(str(url)) if path else endpoint_name(str(url))


def _public_url(url: str) -> str:
    """scheme://host:port/path of a URL: never its user info or query."""
    parts = urllib.parse.urlsplit(url)
    return f"{endpoint_name(url)}{parts.path}" if parts.scheme else url


def endpoint_name(url: str) -> str:
    """scheme://host:port of a URL, never its user info, path or query."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}" if parts.scheme else host


def connection_error(exc: Exception, service: str, where: str) -> Exception:
    """Map a keystoneauth / SDK failure to AuthError or CollectError (both exit 3)."""
    from keystoneauth1 import exceptions as ksa

    said = {
        "service": service,
        "where": where,
        "detail": in_text(redact(f"{type(exc).__name__}: {exc}")),
    }
    if isinstance(exc, ksa.http.Unauthorized | ksa.AuthorizationFailure):
        return AuthError(Msg("col.os.rejected", **said), Msg("col.hint.os.rejected"))
    if isinstance(exc, ksa.MissingRequiredOptions | ksa.MissingAuthPlugin):
        return AuthError(Msg("col.os.incomplete", **said), Msg("col.hint.os.incomplete"))
    if isinstance(exc, ksa.http.Forbidden):
        return AuthError(Msg("col.os.forbidden", **said), Msg("col.hint.os.forbidden"))
    if isinstance(exc, ksa.ConnectTimeout):
        return CollectError(Msg("col.os.slow", **said), Msg("col.hint.os.slow"))
    if isinstance(exc, ksa.ConnectionError | ksa.DiscoveryFailure | ksa.EndpointNotFound):
        return CollectError(Msg("col.os.unreachable", **said), Msg("col.hint.os.unreachable"))
    return CollectError(Msg("col.os.failed", **said), Msg("col.hint.os.failed"))


def identity(
    conn: Any, project_scope: str | None
) -> tuple[str | None, str | None, str | None, str | None]:
    """Cloud name, region, project id and name: never an auth URL or a credential."""
    region_config = getattr(conn, "config", None)
    config = getattr(region_config, "config", None) or {}
    auth = config.get("auth") or {}
    cloud = getattr(region_config, "name", None)
    region = getattr(region_config, "region_name", None) or config.get("region_name")
    project_id = project_scope or auth.get("project_id") or None
    project_name = token_project_name(conn) or auth.get("project_name") or None
    return (
        str(cloud) if cloud and cloud not in ENV_CLOUD_NAMES else ("env" if cloud else None),
        str(region) if region else None,
        str(project_id) if project_id else None,
        str(project_name) if project_name else None,
    )


def token_project_name(conn: Any) -> str | None:
    """The project name in the token already obtained (no request); None without Keystone."""
    try:
        session = conn.session
        auth = session.auth
        if auth is None or not hasattr(auth, "get_access"):
            return None
        access = auth.get_access(session)
        name = getattr(access, "project_name", None)
    except Exception:  # noauth plugins have no token; the name is only a label
        return None
    return str(name) if name else None


def count_requests(conn: Any) -> Callable[[], int]:
    """Count every HTTP request the connection sends from now on (Keystone and Neutron alike).

    Returns a function giving the count so far: `kostack watch` publishes it
    per cycle. Installed as a response hook on the connection's HTTP session;
    a connection without one counts nothing (0).
    """
    sent = [0]

    def hook(response: Any, *args: Any, **kwargs: Any) -> Any:
        sent[0] += 1
        return response

    http = getattr(getattr(conn, "session", None), "session", None)
    hooks = getattr(http, "hooks", None)
    if isinstance(hooks, dict):
        hooks.setdefault("response", []).append(hook)
    return lambda: sent[0]
