"""No third-party line on stderr unless asked (-v, --debug), for every command that talks to a cloud.

Two clouds that make the client libraries speak up: a Keystone without a
version document (keystoneauth logs "Failed to discover available identity
versions") and a Kubernetes API over TLS with `insecure-skip-tls-verify`
(urllib3 warns "InsecureRequestWarning: Unverified HTTPS request" on every
request, through Python's warnings, not logging). Each command's stderr must
hold only kostack's own lines.
"""

from __future__ import annotations

import io
import json
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from safety_servers import Echo

from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack_testkit.tls import self_signed

ROOT = Path(__file__).resolve().parents[2]
SEED = str(ROOT / "examples" / "seed-incident.json")
OWN = ("error: ", "hint: ", "warning: ", "note: ", "  ", "    ")
NOISE = ("keystoneauth", "InsecureRequestWarning", "urllib3", "warnings.warn", "WARNING")


def certificate(directory: Path) -> tuple[str, str]:
    cert, key = self_signed(directory, "localhost")
    return str(cert), str(key)


def _environ(home: Path, keystone: str, kube: str) -> dict[str, str]:
    clouds = home / "clouds.yaml"
    auth = {"auth_url": f"{keystone}/v3", "username": "u", "password": "p4ssw0rd-x"}
    cloud = {"auth_type": "password", "auth": {**auth, "project_name": "k"}}
    clouds.write_text(json.dumps({"clouds": {"c": cloud}}), encoding="utf-8")
    kubeconfig = home / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {"name": "c", "cluster": {"server": kube, "insecure-skip-tls-verify": True}}
                ],
                "users": [{"name": "u", "user": {"token": "tok-0123456789"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        ),
        encoding="utf-8",
    )
    return {
        "HOME": str(home),
        "OS_CLIENT_CONFIG_FILE": str(clouds),
        "OS_CLOUD": "c",
        "KUBECONFIG": str(kubeconfig),
        "KOSTACK_TIMEOUT": "5",
    }


@pytest.fixture(scope="module")
def tls_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("noise-tls")
    keystone, kube = Echo(404, "text"), Echo(404, "kube")
    kube.tls = certificate(home)
    with keystone, kube:
        yield _environ(home, keystone.url, kube.url)


def _to_stderr(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """What Python does with a warning outside pytest: print it on sys.stderr."""
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def run(environ: dict[str, str], *args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(out, err, environ, stdin_isatty=False, stdout_isatty=False)
    with warnings.catch_warnings():  # pytest records warnings: put Python's own way back
        warnings.resetwarnings()  # Python's own filters (outside __main__)
        for hidden in (
            DeprecationWarning,
            PendingDeprecationWarning,
            ImportWarning,
            ResourceWarning,
        ):
            warnings.simplefilter("ignore", hidden)
        warnings.showwarning = _to_stderr
        code = main(list(args), env)
    return code, err.getvalue()


def assert_only_own(err: str) -> None:
    for line in err.splitlines():
        assert line.startswith(OWN) or not line.strip(), f"not kostack's own line: {line!r}"
    for word in NOISE:
        assert word not in err, err


# Every command that reads OpenStack or Kubernetes (the others read files only).
COMMANDS = [
    ("collect",),
    ("collect", "--no-openstack"),
    ("diagnose",),
    ("trace", "pod:demo/netshoot", "svc:kube-system/kube-dns:53/udp"),
    ("report", "-o", "-"),
    ("fix", "plan"),
    ("fix", "apply", "--yes"),
    (
        "preflight",
        "--network",
        "n",
        "--pod-cidr",
        "10.244.0.0/16",
        "--service-cidr",
        "10.96.0.0/12",
    ),
    ("probe",),
    ("release", "check"),
    ("release", "check", "--snapshot", SEED),
    ("release", "reinstall", "harbor", "-n", "harbor", "--chart", "harbor/harbor"),
    ("guard", "--once"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_stderr_holds_only_kostacks_own_lines(
    tls_world: dict[str, str], args: tuple[str, ...]
) -> None:
    code, err = run(tls_world, *args)
    assert code != 0  # neither source answers usefully
    assert_only_own(err)


def test_with_debug_the_libraries_speak(tls_world: dict[str, str]) -> None:
    _code, err = run(tls_world, "--debug", "collect", "--no-openstack")
    assert "py.warnings: WARNING:" in err and "InsecureRequestWarning" in err
    _code, err = run(tls_world, "--debug", "diagnose")
    assert "keystoneauth" in err
    _code, err = run(tls_world, "diagnose", "-v")
    assert "keystoneauth.identity.generic.base: WARNING: Failed to discover" in err


def test_the_check_sees_noise() -> None:
    with pytest.raises(AssertionError):
        assert_only_own(
            "/x/urllib3/connectionpool.py:1129: InsecureRequestWarning: Unverified HTTPS\n"
        )
