"""How kostack builds openstacksdk's configuration: public SDK API only, the injected environment only.

No request is sent here: `cloud_region` returns the SDK's CloudRegion (its
auth plugin built and validated), whose public `name`, `region_name` and
`config` show what was chosen. tests/collect/test_collect_openstack.py
connects with these configurations to the real Neutron (and a Keystone double).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from kostack.collect._os_config import cloud_region, config_files, environment_cloud
from kostack.errors import AuthError, ConfigError

AUTH_URL = "https://keystone.example.test:5000/v3"
PASSWORD_AUTH = {
    "auth_url": AUTH_URL,
    "username": "ops",
    "project_name": "k8s",
    "user_domain_name": "Default",
    "project_domain_name": "Default",
}


def write(path: Path, document: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def region_of(cloud: str | None, environ: dict[str, str], **kwargs: Any) -> Any:
    return cloud_region(cloud, environ=environ, timeout_s=7, **kwargs)


@pytest.fixture
def leaky_process_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A process environment full of OpenStack settings that must never be used.

    Its HOME has a clouds.yaml, and OS_* variables name a cloud and carry a
    password; every test here passes its own environment instead.
    """
    home = tmp_path / "process-home"
    write(
        home / ".config" / "openstack" / "clouds.yaml",
        {
            "clouds": {
                "leaked": {
                    "auth_type": "password",
                    "auth": {**PASSWORD_AUTH, "password": "LEAK-home"},
                }
            }
        },
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("OS_CLOUD", "leaked")
    monkeypatch.setenv("OS_AUTH_URL", "https://leak.example.test/v3")
    monkeypatch.setenv("OS_USERNAME", "leak")
    monkeypatch.setenv("OS_PASSWORD", "LEAK-env")
    monkeypatch.setenv("OS_REGION_NAME", "LeakRegion")
    monkeypatch.chdir(tmp_path)  # no clouds.yaml in the current directory
    return home


def no_leak(region: Any) -> None:
    text = repr(region.config)
    assert "LEAK" not in text and "leak.example" not in text and region.name != "leaked"


def test_clouds_yaml_and_secure_yaml_are_merged(
    leaky_process_environment: Path, tmp_path: Path
) -> None:
    """The password lives in secure.yaml, the rest in clouds.yaml, both under the injected HOME."""
    home = tmp_path / "home"
    write(
        home / ".config" / "openstack" / "clouds.yaml",
        {
            "clouds": {
                "prod": {"auth_type": "password", "auth": PASSWORD_AUTH, "region_name": "RegionOne"}
            }
        },
    )
    write(
        home / ".config" / "openstack" / "secure.yaml",
        {"clouds": {"prod": {"auth": {"password": "from-secure-yaml"}}}},
    )
    region = region_of(None, {"HOME": str(home)})
    assert (region.name, region.region_name) == ("prod", "RegionOne")
    assert region.config["auth"]["password"] == "from-secure-yaml"
    assert region.config["auth"]["username"] == "ops"
    assert region.config["api_timeout"] == 7
    no_leak(region)


def test_xdg_config_home_and_the_override_file_are_honoured(
    leaky_process_environment: Path, tmp_path: Path
) -> None:
    xdg = tmp_path / "xdg"
    write(xdg / "openstack" / "clouds.yaml", {"clouds": {"xdg": {"auth_type": "none"}}})
    assert region_of(None, {"XDG_CONFIG_HOME": str(xdg)}).name == "xdg"
    override = write(tmp_path / "mine.yaml", {"clouds": {"mine": {"auth_type": "none"}}})
    region = region_of(None, {"XDG_CONFIG_HOME": str(xdg), "OS_CLIENT_CONFIG_FILE": str(override)})
    assert region.name == "mine"  # OS_CLIENT_CONFIG_FILE is read first, as by the SDK


def test_os_variables_make_a_cloud_of_their_own(
    leaky_process_environment: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    write(
        home / ".config" / "openstack" / "clouds.yaml", {"clouds": {"only": {"auth_type": "none"}}}
    )
    environ = {
        "HOME": str(home),
        "OS_AUTH_URL": AUTH_URL,
        "OS_USERNAME": "ops",
        "OS_PASSWORD": "from-openrc",
        "OS_PROJECT_NAME": "k8s",
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_REGION_NAME": "RegionTwo",
        "OS_INTERFACE": "internal",
    }
    region = region_of(None, environ)
    # the variables win over the only cloud in clouds.yaml, as in the SDK
    assert region.name in {"envvars", "defaults"} and region.region_name == "RegionTwo"
    assert region.config["auth"]["password"] == "from-openrc"
    assert region.config["auth"]["auth_url"] == AUTH_URL
    assert region.config["interface"] == "internal"
    no_leak(region)
    assert environment_cloud({"OS_CLOUD": "x", "OS_REGION_NAME": "y"}) is None  # selectors only
    assert environment_cloud({"OS_TEST_TIMEOUT": "5"}) is None


def test_os_cloud_and_the_flag_choose_a_cloud_and_os_region_name_its_region(
    leaky_process_environment: Path, tmp_path: Path
) -> None:
    clouds = write(
        tmp_path / "clouds.yaml",
        {
            "clouds": {
                "a": {"auth_type": "none", "regions": ["RegionOne", "RegionTwo"]},
                "b": {"auth_type": "none"},
            }
        },
    )
    base = {"OS_CLIENT_CONFIG_FILE": str(clouds)}
    assert region_of(None, {**base, "OS_CLOUD": "b"}).name == "b"
    assert region_of("a", {**base, "OS_CLOUD": "b"}).name == "a"  # --os-cloud wins
    regional = region_of(None, {**base, "OS_CLOUD": "a", "OS_REGION_NAME": "RegionTwo"})
    assert regional.region_name == "RegionTwo"
    with pytest.raises(ConfigError) as several:
        region_of(None, base)
    assert several.value.message == "clouds.yaml has 2 clouds (a, b) and none is chosen"
    with pytest.raises(ConfigError) as unknown:
        region_of("c", base)
    assert unknown.value.message == "cloud 'c' is not in clouds.yaml (clouds there: a, b)"
    assert "--os-cloud" in unknown.value.hint
    with pytest.raises(ConfigError, match=r"cloud 'c' \(from OS_CLOUD\) is not in any clouds.yaml"):
        region_of(None, {**base, "OS_CLOUD": "c"})


def test_application_credentials_from_clouds_yaml_and_from_variables(
    leaky_process_environment: Path, tmp_path: Path
) -> None:
    clouds = write(
        tmp_path / "clouds.yaml",
        {
            "clouds": {
                "app": {
                    "auth_type": "v3applicationcredential",
                    "auth": {
                        "auth_url": AUTH_URL,
                        "application_credential_id": "4d7c0f1e",
                        "application_credential_secret": "app-secret-yaml",
                    },
                }
            }
        },
    )
    from_yaml = region_of(None, {"OS_CLIENT_CONFIG_FILE": str(clouds)})
    assert from_yaml.config["auth_type"] == "v3applicationcredential"
    assert from_yaml.config["auth"]["application_credential_secret"] == "app-secret-yaml"
    from_env = region_of(
        None,
        {
            "OS_AUTH_TYPE": "v3applicationcredential",
            "OS_AUTH_URL": AUTH_URL,
            "OS_APPLICATION_CREDENTIAL_ID": "4d7c0f1e",
            "OS_APPLICATION_CREDENTIAL_SECRET": "app-secret-env",
        },
    )
    assert from_env.config["auth_type"] == "v3applicationcredential"
    assert from_env.config["auth"]["application_credential_secret"] == "app-secret-env"
    no_leak(from_env)


def test_nothing_in_the_injected_environment_means_no_credentials(
    leaky_process_environment: Path, tmp_path: Path
) -> None:
    """The process has a cloud, OS_CLOUD and OS_PASSWORD; the injected environment has none."""
    with pytest.raises(AuthError) as caught:
        region_of(None, {"HOME": str(tmp_path / "empty-home")})
    assert "no OpenStack credentials found" in caught.value.message
    assert os.environ["OS_PASSWORD"] == "LEAK-env"  # it was there all along


def test_incomplete_credentials_are_an_auth_error(
    leaky_process_environment: Path, tmp_path: Path
) -> None:
    clouds = write(
        tmp_path / "clouds.yaml",
        {"clouds": {"half": {"auth_type": "password", "auth": {"username": "ops"}}}},
    )
    with pytest.raises(AuthError) as caught:
        region_of(None, {"OS_CLIENT_CONFIG_FILE": str(clouds)})
    assert caught.value.message.startswith("incomplete OpenStack credentials in")
    assert "auth-url" in caught.value.message or "auth_url" in caught.value.message


def test_the_search_path_comes_from_the_injected_environment() -> None:
    files = config_files(
        {"HOME": "/home/ops", "XDG_CONFIG_DIRS": "/opt/site:/etc/xdg"}, cwd="/work"
    )
    assert files.clouds[:4] == (
        "/work/clouds.yaml",
        "/work/clouds.yml",
        "/work/clouds.json",
        "/home/ops/.config/openstack/clouds.yaml",
    )
    dirs = list(dict.fromkeys(str(Path(f).parent) for f in files.clouds))
    assert dirs == [
        "/work",
        "/home/ops/.config/openstack",
        "/opt/site/openstack",
        "/etc/xdg/openstack",
        "/etc/openstack",
    ]
    assert files.secure[3] == "/home/ops/.config/openstack/secure.yaml"
    assert files.vendor[0] == "/work/clouds-public.yaml"
    bare = config_files({}, cwd="/work")
    assert not any("/home" in f or "~" in f for f in bare.clouds)  # no HOME: no user directory
    first = config_files(
        {"OS_CLIENT_CONFIG_FILE": "/x.yaml", "OS_CLIENT_SECURE_FILE": "/s.yaml"}, cwd="/w"
    )
    assert (first.clouds[0], first.secure[0]) == ("/x.yaml", "/s.yaml")
