"""openstacksdk's configuration built from an injected environment, through its public API only.

openstacksdk reads clouds.yaml, secure.yaml, OS_CLOUD and the OS_* variables
from the process environment. kostack takes its environment as an argument
(the CLI passes its own, a test passes a dict), so the configuration is built
explicitly here, with the same rules as the SDK (openstacksdk 4.x,
openstack/config/loader.py) and nothing read from os.environ:

- the files: $OS_CLIENT_CONFIG_FILE first, then clouds.yaml (.yml, .json) in
  the current directory, $XDG_CONFIG_HOME/openstack (default
  $HOME/.config/openstack), $HOME/.config/openstack, each of $XDG_CONFIG_DIRS
  (default /etc/xdg) + /openstack, and /etc/openstack; secure.yaml (with
  $OS_CLIENT_SECURE_FILE first) and clouds-public.yaml the same way;
- which cloud: `--os-cloud`, then OS_CLOUD, then the OS_* variables (OS_FOO
  becomes option `foo`; OS_CLOUD, OS_REGION_NAME, OS_CLIENT_CONFIG_FILE,
  OS_CLIENT_SECURE_FILE and OS_CLOUD_NAME alone make no cloud), then the only
  cloud in clouds.yaml; OS_REGION_NAME picks the region, as the `openstack`
  CLI does;
- `OpenStackConfig(config_files=..., secure_files=..., vendor_files=...,
  load_envvars=False)` and `get_one(cloud, **options)` do the rest, so
  profiles, secure.yaml merging, auth plugins and their validation stay the
  SDK's own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from kostack.collect.texts import Msg
from kostack.errors import AuthError, ConfigError, NoCredentials
from kostack.oserror import in_text
from kostack.redact import remember_credentials

__all__ = ["ENV_CLOUD_NAMES", "ConfigFiles", "cloud_region", "config_files", "environment_cloud"]

# The name a cloud made of OS_* variables has: the SDK's own ("envvars"), or ours
# ("defaults", what OpenStackConfig calls a cloud given only as options).
ENV_CLOUD_NAMES: Final = frozenset({"envvars", "defaults"})
SELECTORS: Final = frozenset(
    {
        "OS_CLOUD",
        "OS_REGION_NAME",
        "OS_CLIENT_CONFIG_FILE",
        "OS_CLIENT_SECURE_FILE",
        "OS_CLOUD_NAME",
    }
)
# Variables of test runners that the SDK ignores too.
_IGNORED_PREFIXES: Final = ("OS_TEST", "OS_STD", "OS_LOG")
_EXTENSIONS: Final = ("yaml", "yml", "json")

CLOUDS_HINT: Final = Msg("col.hint.clouds")


@dataclass(frozen=True)
class ConfigFiles:
    """Where the SDK's three kinds of configuration file are looked for, first match wins."""

    clouds: tuple[str, ...]
    secure: tuple[str, ...]
    vendor: tuple[str, ...]


def _search_dirs(environ: Mapping[str, str], cwd: str) -> list[str]:
    home = environ.get("HOME")
    user_config = environ.get("XDG_CONFIG_HOME") or (f"{home}/.config" if home else None)
    site_configs = (environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":")
    dirs = [
        cwd,
        f"{user_config}/openstack" if user_config else None,
        f"{home}/.config/openstack" if home else None,
        *(f"{d}/openstack" for d in site_configs if d),
        "/etc/openstack",
    ]
    return list(dict.fromkeys(d for d in dirs if d))


def config_files(
    environ: Mapping[str, str], clouds: Sequence[str] | None = None, *, cwd: str | None = None
) -> ConfigFiles:
    """The configuration files for `environ` (`clouds` replaces the clouds.yaml search)."""
    dirs = _search_dirs(environ, os.getcwd() if cwd is None else cwd)

    def search(stem: str) -> list[str]:
        return [str(Path(d) / f"{stem}.{ext}") for d in dirs for ext in _EXTENSIONS]

    found_clouds = list(clouds) if clouds is not None else search("clouds")
    secure = search("secure")
    if environ.get("OS_CLIENT_CONFIG_FILE"):
        found_clouds.insert(0, environ["OS_CLIENT_CONFIG_FILE"])
    if environ.get("OS_CLIENT_SECURE_FILE"):
        secure.insert(0, environ["OS_CLIENT_SECURE_FILE"])
    return ConfigFiles(tuple(found_clouds), tuple(secure), tuple(search("clouds-public")))


def environment_cloud(environ: Mapping[str, str]) -> dict[str, str] | None:
    """The cloud the OS_* variables make (option names as the SDK gives them), or None."""
    keys = [k for k in environ if k.startswith("OS_") and not k.startswith(_IGNORED_PREFIXES)]
    if not set(keys) - SELECTORS:
        return None
    return {k[3:].lower(): environ[k] for k in keys if k not in SELECTORS or k == "OS_REGION_NAME"}


def cloud_region(
    cloud: str | None,
    *,
    environ: Mapping[str, str],
    timeout_s: float,
    config_files_override: Sequence[str] | None = None,
    redact: Any = str,
    app_name: str = "kostack",
) -> Any:
    """The SDK's CloudRegion for `cloud` (or what OS_CLOUD / OS_* / clouds.yaml choose).

    `app_name` leads the User-Agent of every request the region's connection sends.

    Raises ConfigError for configuration that cannot be used and AuthError
    when there are no credentials at all or they are incomplete. `redact`
    cleans SDK messages (they can quote a configuration line).
    """
    from keystoneauth1 import exceptions as ksa
    from openstack import exceptions as sdk_exceptions
    from openstack.config import OpenStackConfig

    files = config_files(environ, config_files_override)
    selected = cloud or environ.get("OS_CLOUD") or None
    from_env = environment_cloud(environ) if selected is None else None
    where = (
        Msg("col.os.where.cloud", cloud=repr(selected)) if selected else Msg("col.os.where.config")
    )
    try:
        # A cloud of OS_* variables stands alone, as in the SDK: clouds.yaml is not merged in.
        config = OpenStackConfig(
            config_files=[] if from_env else list(files.clouds),
            secure_files=[] if from_env else list(files.secure),
            vendor_files=list(files.vendor),
            load_envvars=False,
            app_name=app_name,
        )
    except sdk_exceptions.ConfigException as exc:
        raise ConfigError(
            Msg("col.os.cannot-read", where=where, detail=redact(str(exc))), CLOUDS_HINT
        ) from exc
    # Every credential of clouds.yaml, secure.yaml and OS_* goes to the redactor before
    # any request can echo one (kostack.redact).
    remember_credentials(config.cloud_config)
    remember_credentials(from_env or {})
    known = sorted(set(config.cloud_config.get("clouds") or {}) - {"defaults"})
    selected, options = _choose(cloud, selected, from_env, known, environ)
    options["api_timeout"] = timeout_s
    try:
        return config.get_one(cloud=selected, **options)
    except sdk_exceptions.ConfigException as exc:
        raise ConfigError(
            Msg("col.os.cannot-use", where=where, detail=redact(str(exc))), CLOUDS_HINT
        ) from exc
    except (ksa.MissingRequiredOptions, ksa.MissingAuthPlugin, ksa.NoMatchingPlugin) as exc:
        raise AuthError(
            Msg("col.os.incomplete.in", where=where, detail=in_text(redact(str(exc)))),
            Msg("col.hint.os.incomplete"),
        ) from exc
    except (TypeError, ValueError) as exc:  # an auth section the chosen auth_type cannot take
        raise ConfigError(
            Msg(
                "col.os.cannot-use",
                where=where,
                detail=f"{type(exc).__name__}: {redact(str(exc))}",
            ),
            Msg("col.hint.os.auth-type"),
        ) from exc


def _choose(
    cloud: str | None,
    selected: str | None,
    from_env: dict[str, str] | None,
    known: list[str],
    environ: Mapping[str, str],
) -> tuple[str | None, dict[str, Any]]:
    """Which cloud `get_one` builds, and the options it is given (the SDK's precedence)."""
    options: dict[str, Any] = {}
    if selected is not None:
        if selected not in known:
            if not cloud:
                raise ConfigError(
                    Msg("col.os.env-cloud-missing", cloud=repr(selected)),
                    Msg("col.hint.os.env-cloud-missing"),
                )
            there: str = Msg("col.os.clouds-there", names=", ".join(known)) if known else ""
            raise ConfigError(
                Msg("col.os.cloud-missing", cloud=repr(selected), there=there), CLOUDS_HINT
            )
        if environ.get("OS_REGION_NAME"):
            options["region_name"] = environ["OS_REGION_NAME"]
    elif from_env is not None:
        options.update(from_env)
    elif not known:
        raise NoCredentials(Msg("col.os.no-credentials"), Msg("col.hint.os.no-credentials"))
    elif len(known) > 1:
        raise ConfigError(
            Msg("col.os.many-clouds", n=len(known), names=", ".join(known)),
            Msg("col.hint.os.many-clouds"),
        )
    else:
        selected = known[0]
        if environ.get("OS_REGION_NAME"):
            options["region_name"] = environ["OS_REGION_NAME"]
    return selected, options
