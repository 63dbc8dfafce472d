"""The canary world: credentials planted everywhere kostack reads them, and servers that misbehave.

`Canaries` are random per test: the clouds.yaml password (kept in
secure.yaml, as operators do), the application-credential secret, the token
of a token-auth cloud, an OS_PASSWORD from the environment, the token
Keystone issues, the kubeconfig's bearer token, basic-auth password, client
key and certificate, an exec plugin's token (only ever in the plugin's
output), a Helm release's values and the data of a Secret its manifest
declares (quoted back by the release's crash-looping pod log and events).

`World` serves them: the seed cloud (the real Neutron harness behind the
fault proxy, authenticated through a Keystone double), the seed cluster
(the Kubernetes API double, with the extra release), and for every error
path a cloud or kubeconfig entry pointing at a server that fails that way.
"""

from __future__ import annotations

import base64
import copy
import io
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from safety_servers import Credentials, Echo, EmptyNeutron, Keystone, Silent, Slow, closed_url

from kostack import redact
from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack_testkit import helm_fixtures as hf
from kostack_testkit.helm_fixture_cluster import HelmScenario, Placement, PodState, install_objects
from kostack_testkit.helm_fixture_postgresql import POSTGRESQL_DEFAULT_VALUES, postgresql_objects
from kostack_testkit.helm_fixture_storage import (
    POSTGRESQL_CHART,
    at,
    manifest_text,
    release_record,
    release_secret,
)
from kostack_testkit.k8s_fixture_objects import make_nodes
from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble

# The slow server answers after this; every deadline in these tests is far shorter.
SLOW_S = 60.0
# KOSTACK_TIMEOUT: paths that wait for a silent or slow server end quickly; others are generous
SHORT_TIMEOUT = "0.5"
TIMEOUT = "30"


def forget_secrets() -> None:
    """Make this process's redactor forget every secret it learned (each run starts clean)."""
    redact._KNOWN.clear()


def _canary(kind: str) -> str:
    return f"cnry-{kind}-{secrets.token_hex(12)}"


def _pem(label: str, body: str) -> str:
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@dataclass(frozen=True)
class Canaries:
    os_password: str = field(default_factory=lambda: _canary("ospw"))
    os_app_secret: str = field(default_factory=lambda: _canary("appsec"))
    os_token: str = field(default_factory=lambda: _canary("ostok"))
    os_env_password: str = field(default_factory=lambda: _canary("envpw"))
    issued_token: str = field(default_factory=lambda: "gAAAAA" + secrets.token_hex(40))
    kube_token: str = field(default_factory=lambda: _canary("ktok"))
    kube_password: str = field(default_factory=lambda: _canary("kpw"))
    kube_key_body: str = field(default_factory=lambda: secrets.token_hex(32))
    kube_cert_body: str = field(default_factory=lambda: secrets.token_hex(32))
    exec_token: str = field(default_factory=lambda: _canary("exec"))
    helm_values: str = field(default_factory=lambda: _canary("hvals"))
    secret_data: str = field(default_factory=lambda: _canary("sdata"))

    @property
    def kube_key(self) -> str:
        return _pem("PRIVATE KEY", self.kube_key_body)

    @property
    def kube_cert(self) -> str:
        return _pem("CERTIFICATE", self.kube_cert_body)

    def values(self) -> dict[str, str]:
        """Every planted secret by name (the seed's own Helm value canaries included)."""
        planted = {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if name not in ("kube_key_body", "kube_cert_body")
        }
        planted["kube_key"] = self.kube_key_body
        planted["kube_cert"] = self.kube_cert_body
        for number, value in enumerate(hf.CANARIES):
            planted[f"harbor_values_{number}"] = value
        return planted

    def leaks(self, text: str) -> list[str]:
        """The canaries found in ``text``: whole, in part (16 characters), or base64-encoded."""
        found = []
        for name, value in self.values().items():
            pieces = {value[i : i + 16] for i in range(0, max(1, len(value) - 15))}
            if any(p in text for p in pieces) or b64(value) in text:
                found.append(name)
        return found


def vault_release(c: Canaries) -> HelmScenario:
    """A crash-looping PostgreSQL release `vault`: a values password, a Secret only in the manifest.

    Its pod log and a Warning event quote both (what careless software does),
    so kostack's log and event reading meets them.
    """
    name, namespace, installed = "vault", "vault", hf.DAY / 2
    values = {"auth": {"username": "app", "password": c.helm_values}}
    rendered = postgresql_objects(name, namespace, values)
    for _, obj in rendered:
        if obj["kind"] == "Secret":
            obj["data"] = {"postgres-password": b64(c.secret_data)}
    record = release_record(
        name=name,
        namespace=namespace,
        revision=1,
        status="deployed",
        chart=POSTGRESQL_CHART,
        default_values=copy.deepcopy(dict(POSTGRESQL_DEFAULT_VALUES)),
        values=values,
        manifest=manifest_text(rendered),
        first_deployed=at(installed),
        last_deployed=at(installed),
        description="Install complete",
    )
    node = next(n for n in make_nodes() if n.name == "k8s-w-1")
    crash = PodState(
        phase="crashloop",
        restarts=4,
        log=(
            f"FATAL: password authentication failed: tried {c.secret_data}\n"
            f"ERROR: cannot connect as app with password={c.helm_values}\n"
        ),
        events=(("BackOff", f"Back-off restarting failed container (secret {c.secret_data})", 7),),
    )
    scenario = HelmScenario(objects=[release_secret(record, created=at(installed))])
    return scenario.extend(
        install_objects(
            rendered,
            release=name,
            namespace=namespace,
            created=installed,
            now=hf.NOW,
            placements={"primary": Placement(node, node.pod_ip(70))},
            states={"primary": crash},
        )
    )


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str


@dataclass
class World:
    """Everything a canary run needs; `run` executes kostack in-process and keeps every byte."""

    canaries: Canaries
    tmp: Path
    clouds: Path
    kubeconfigs: dict[str, Path]
    keystone: Keystone
    servers: dict[str, Any]
    api: KubeApiDouble
    exec_api: KubeApiDouble
    runs: list[Run] = field(default_factory=list)

    @property
    def out(self) -> Path:
        return self.tmp / "out"

    def openrc(self) -> dict[str, str]:
        """The OS_* variables of an openrc file (no clouds.yaml entry chosen)."""
        return {
            "OS_AUTH_URL": f"{self.keystone.url}/v3",
            "OS_USERNAME": "kostack-user",
            "OS_PASSWORD": self.canaries.os_env_password,
            "OS_PROJECT_NAME": "k8s",
            "OS_USER_DOMAIN_NAME": "Default",
            "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_NETWORK_ENDPOINT_OVERRIDE": self.servers["neutron-empty"].url,
            "OS_CLIENT_CONFIG_FILE": str(self.tmp / "inputs" / "none.yaml"),
        }

    def environ(self, **extra: str) -> dict[str, str]:
        base = {
            "OS_CLIENT_CONFIG_FILE": str(self.clouds),
            "OS_CLIENT_SECURE_FILE": str(self.clouds.with_name("secure.yaml")),
            "HOME": str(self.tmp / "home"),
            "LANG": "C",
            "KOSTACK_TIMEOUT": TIMEOUT,
            "PATH": os.environ.get("PATH", ""),
        }
        base.update(extra)
        return base

    def run(self, *args: str, environ: dict[str, str] | None = None) -> Run:
        """One kostack command, in-process, with a redactor that knows nothing yet."""
        forget_secrets()  # each run must learn its own secrets (no help from earlier runs)
        out, err = io.StringIO(), io.StringIO()
        env = Environment(
            stdout=out,
            stderr=err,
            environ=environ or self.environ(),
            stdin_isatty=False,
            stdout_isatty=False,
        )
        code = main(list(args), env)
        result = Run(tuple(args), code, out.getvalue(), err.getvalue())
        self.runs.append(result)
        return result

    def written(self) -> dict[str, str]:
        """Every file under the test's directory except the planted inputs."""
        inputs = {self.clouds, self.clouds.with_name("secure.yaml"), *self.kubeconfigs.values()}
        inputs |= {self.tmp / "inputs" / n for n in ("exec-credential.json", "values.yaml")}
        files = {}
        for path in sorted(self.tmp.rglob("*")):
            if path.is_file() and path not in inputs and "bin" not in path.parts:
                files[str(path)] = path.read_text(encoding="utf-8", errors="replace")
        return files

    def leaks(self) -> list[str]:
        """(where, canary) for every canary found in any output or file."""
        found = []
        for number, run in enumerate(self.runs):
            for stream, text in (("stdout", run.stdout), ("stderr", run.stderr)):
                found += [
                    f"run {number} {' '.join(run.args)} {stream}: {c}"
                    for c in self.canaries.leaks(text)
                ]
        for path, text in self.written().items():
            found += [f"file {path}: {c}" for c in self.canaries.leaks(text)]
        return found


def write_inputs(c: Canaries, tmp: Path, urls: dict[str, str]) -> tuple[Path, dict[str, Path]]:
    """clouds.yaml + secure.yaml (one cloud per OpenStack path) and one kubeconfig per API path."""
    inputs = tmp / "inputs"
    inputs.mkdir()
    (tmp / "home").mkdir()
    (tmp / "out").mkdir()
    domains = {"user_domain_name": "Default", "project_domain_name": "Default"}

    def password_cloud(auth_url: str, network: str | None = None, password: str = "") -> Any:
        cloud: dict[str, Any] = {
            "auth_type": "password",
            "auth": {
                "auth_url": f"{auth_url}/v3",
                "username": "kostack-user",
                "project_name": "k8s",
                **domains,
            },
            "region_name": "RegionOne",
        }
        if password:
            cloud["auth"]["password"] = password
        if network:
            cloud["network_endpoint_override"] = network
        return cloud

    keystone, neutron = urls["keystone"], urls["neutron"]
    clouds = {
        # the password of `pw` is only in secure.yaml
        "pw": password_cloud(keystone, neutron),
        "app": {
            "auth_type": "v3applicationcredential",
            "auth": {
                "auth_url": f"{keystone}/v3",
                "application_credential_id": "app-cred-id",
                "application_credential_secret": c.os_app_secret,
            },
            "network_endpoint_override": neutron,
        },
        "tok": {
            "auth_type": "token",
            "auth": {"auth_url": f"{keystone}/v3", "token": c.os_token, "project_id": "k8s"},
            "network_endpoint_override": neutron,
        },
        # authenticates for real, and Neutron answers at once (runs about the cluster side)
        "quick": password_cloud(keystone, urls["neutron-empty"], c.os_password),
        "wrong": password_cloud(keystone, neutron, c.os_password[::-1] + "-wrong"),
        "refused": password_cloud(urls["keystone-refuse-all"], neutron, c.os_password),
        "neutron403": password_cloud(keystone, urls["neutron-403"], c.os_password),
        "neutron500": password_cloud(keystone, urls["neutron-500"], c.os_password),
        "down": password_cloud(urls["closed"], neutron, c.os_password),
        "silent": password_cloud(urls["silent"], neutron, c.os_password),
        "slow": password_cloud(urls["slow"], neutron, c.os_password),
        "garbage": password_cloud(urls["garbage"], neutron, c.os_password),
    }
    clouds_path = inputs / "clouds.yaml"
    clouds_path.write_text(yaml.safe_dump({"clouds": clouds}), encoding="utf-8")
    secure = {"clouds": {"pw": {"auth": {"password": c.os_password}}}}
    (inputs / "secure.yaml").write_text(yaml.safe_dump(secure), encoding="utf-8")

    user = {
        "token": c.kube_token,
        "client-certificate-data": b64(c.kube_cert),
        "client-key-data": b64(c.kube_key),
        "username": "admin",
        "password": c.kube_password,
    }
    credential = inputs / "exec-credential.json"
    credential.write_text(
        '{"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential", '
        f'"status": {{"token": "{c.exec_token}"}}}}',
        encoding="utf-8",
    )
    exec_user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": sys.executable,
            "args": ["-c", f"print(open({str(credential)!r}).read())"],
            "interactiveMode": "Never",
        }
    }
    kubeconfigs = {}
    for name, server in urls.items():
        if not name.startswith("kube"):
            continue
        path = inputs / f"{name}.kubeconfig"
        document = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "c", "cluster": {"server": server}}],
            "users": [{"name": "u", "user": exec_user if name == "kube-exec" else user}],
            "contexts": [{"name": "seed", "context": {"cluster": "c", "user": "u"}}],
            "current-context": "seed",
        }
        path.write_text(yaml.safe_dump(document), encoding="utf-8")
        kubeconfigs[name] = path
    return clouds_path, kubeconfigs


def credentials(c: Canaries) -> Credentials:
    return Credentials(
        username="kostack-user",
        password=c.os_password,
        application_credential_id="app-cred-id",
        application_credential_secret=c.os_app_secret,
        token=c.os_token,
        issued_token=c.issued_token,
        env_password=c.os_env_password,
    )


def start_world(tmp: Path, neutron_endpoint: str) -> Iterator[World]:
    """Start every server, write the inputs, yield the world; stop everything afterwards."""
    c = Canaries()
    scenario = hf.harbor_seed().extend(hf.lookalikes()).extend(vault_release(c))
    with ExitStack() as stack:
        keystone = stack.enter_context(Keystone(credentials(c), neutron_endpoint))
        servers: dict[str, Any] = {
            "keystone-refuse-all": Keystone(credentials(c), neutron_endpoint, refuse_all=True),
            "neutron-empty": EmptyNeutron(),
            "neutron-403": Echo(403, "neutron"),
            "neutron-500": Echo(500, "neutron"),
            "silent": Silent(),
            "slow": Slow(SLOW_S),
            "garbage": Echo(200, "text", malformed=True),
            "kube-401": Echo(401, "kube"),
            "kube-403": Echo(403, "kube"),
            "kube-500": Echo(500, "kube"),
            "kube-garbage": Echo(200, "kube", malformed=True),
            "kube-silent": Silent(),
        }
        for server in servers.values():
            stack.enter_context(server)
        api = stack.enter_context(
            KubeApiDouble(seed_cluster(extra=scenario.objects), token=c.kube_token)
        )
        scenario.set_logs(api)
        exec_api = stack.enter_context(
            KubeApiDouble(seed_cluster(extra=scenario.objects), token=c.exec_token)
        )
        scenario.set_logs(exec_api)
        urls = {name: s.url for name, s in servers.items()}
        urls.update(
            keystone=keystone.url,
            neutron=neutron_endpoint,
            closed=stack.enter_context(closed_url()),
            kube=api.url,
            **{"kube-exec": exec_api.url, "kube-closed": stack.enter_context(closed_url())},
        )
        clouds, kubeconfigs = write_inputs(c, tmp, urls)
        yield World(c, tmp, clouds, kubeconfigs, keystone, servers, api, exec_api)
