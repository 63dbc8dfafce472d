"""The lab's state directory: what is up, which processes it started, what was rendered.

Layout (all written atomically, readable after a crash):

    state.json                   LabState: scenario, topology, servers, Neutron endpoint
    portsec.json                 PortsecState: last render (fingerprint, counter owners)
    portsec.nft                  the last nft script loaded into the hypervisor
    neutron-ports.json           port description used without a Neutron
    neutron-security-groups.json
    pids/<name>.pid              one per process the lab started
    ready/<name>.ready           written by a server once it listens
    logs/<name>.log
    tls/apiserver.crt, .key      the API server stand-in's self-signed certificate
    kubeconfig                   the lab's cluster (Kubernetes API double), 0600
    clouds.yaml                  cloud `lab` for the lab's Neutron (when it has one), 0600
    kubelet/                     probe agents handed to the lab's stand-in kubelet
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from kostack_lab import netns
from kostack_lab.portsec import NeutronBackend
from kostack_lab.scenarios import Scenario
from kostack_lab.topology_layout import Topology

__all__ = [
    "LabState",
    "PortsecState",
    "ServerRecord",
    "StatePaths",
    "default_state_dir",
    "read_json",
    "read_model",
    "write_json_atomic",
    "write_private",
]

STATE_ENV = "KOSTACK_LAB_STATE_DIR"
DEFAULT_ROOT = Path("/run/kostack")
M = TypeVar("M", bound=BaseModel)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ServerRecord(_Frozen):
    """A process the lab started: where it runs and how to find it again."""

    name: str
    netns: str | None
    pid: int
    argv: tuple[str, ...]


class LabState(_Frozen):
    """What `up` built; enough for status, sync, counters and down."""

    version: int = 1
    prefix: str
    status: str
    scenario: Scenario
    topology: Topology
    neutron_endpoint: str | None = None
    backend: NeutronBackend = NeutronBackend.ML2_OVS
    servers: tuple[ServerRecord, ...] = ()
    watch_interval: float | None = None
    created_at: float
    up_seconds: float | None = None


class CounterOwnerRecord(_Frozen):
    """portsec.CounterOwner, serialisable."""

    key: str
    tap: str
    port_id: str
    port_name: str


class PortsecState(_Frozen):
    """The last port-security render."""

    fingerprint: str
    rendered_at: float
    source: str
    owners: tuple[CounterOwnerRecord, ...]
    bound: dict[str, str]
    unbound: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    # the same warnings as message keys and parameters (kostack_lab.texts_status.to_wire)
    warning_keys: tuple[Any, ...] = ()
    revisions: dict[str, int | None] = {}


class StatePaths:
    """Paths inside one lab's state directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.state = root / "state.json"
        self.portsec = root / "portsec.json"
        self.portsec_nft = root / "portsec.nft"
        self.ports = root / "neutron-ports.json"
        self.groups = root / "neutron-security-groups.json"
        self.pids = root / "pids"
        self.ready = root / "ready"
        self.logs = root / "logs"
        self.tls = root / "tls"
        self.kubeconfig = root / "kubeconfig"
        self.clouds = root / "clouds.yaml"
        self.kubelet = root / "kubelet"
        self.neutron = root / "neutron"  # the lab's own Neutron: config and sqlite database

    def create(self) -> None:
        """Make the directories (root-only: the TLS key lives here)."""
        for directory in (self.root, self.pids, self.ready, self.logs, self.tls):
            directory.mkdir(parents=True, exist_ok=True)
            directory.chmod(0o700)

    def pid_file(self, name: str) -> Path:
        return self.pids / f"{name}.pid"

    def ready_file(self, name: str) -> Path:
        return self.ready / f"{name}.ready"

    def log_file(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def spawn(self, name: str, ns: str | None, argv: list[str]) -> ServerRecord:
        """Start lab process `name` (in namespace `ns`; None: here) with its log and pid file."""
        pid = netns.spawn(ns, argv, self.log_file(name))
        self.pid_file(name).write_text(f"{pid}\n")
        return ServerRecord(name=name, netns=ns, pid=pid, argv=tuple(argv))

    def remove(self) -> None:
        """Delete exactly what the lab writes here, then the directory if it is empty."""
        files = (self.state, self.portsec, self.portsec_nft, self.ports, self.groups)
        for path in (*files, self.kubeconfig, self.clouds):
            path.unlink(missing_ok=True)
        for directory in (self.pids, self.ready, self.logs, self.tls, self.kubelet, self.neutron):
            shutil.rmtree(directory, ignore_errors=True)
        # Not empty (someone else's files) or already gone: leave it.
        with contextlib.suppress(OSError):
            self.root.rmdir()


def default_state_dir(prefix: str) -> Path:
    """$KOSTACK_LAB_STATE_DIR, else /run/kostack/lab (named labs: /run/kostack/lab-NAME)."""
    configured = os.environ.get(STATE_ENV)
    if configured:
        return Path(configured)
    name = prefix.removeprefix("ks-").rstrip("-")
    return DEFAULT_ROOT / (f"lab-{name}" if name else "lab")


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically with mode 0600 (readers never see half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON through a temporary file and rename, so readers never see half a file."""
    write_private(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def read_json(path: Path) -> Any:
    """Parsed JSON of `path` (raises OSError / ValueError)."""
    return json.loads(path.read_text())


def read_model(model: type[M], path: Path) -> M | None:
    """`path` read as a `model` record, or None when it is missing or not one."""
    try:
        return model.model_validate(read_json(path))
    except (OSError, ValueError):
        return None
