"""A real Neutron API server for tests and `kostack lab`, and the seed incident's topology.

`NeutronHarness` runs `neutron_server.py` (next to this file) with the Neutron
venv's interpreter: real neutron 29 with ML2, sqlite and no Keystone, on
127.0.0.1. `seed_topology` builds the seed incident's cloud through
openstacksdk, exactly as an operator's script would. Measured numbers and the
Neutron behaviours worth knowing are in docs/dev/neutron-harness.md.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, Self

from kostack.lab.errors import LabEnvironmentError

__all__ = [
    "HarnessError",
    "NeutronHarness",
    "SeedIds",
    "SeedNode",
    "find_neutron_python",
    "node_device_id",
    "node_mac",
    "node_names",
    "openstack_connection",
    "seed_topology",
    "subnet_for",
]

SERVER_SCRIPT = Path(__file__).with_name("neutron_server.py")
PYTHON_ENV = "KOSTACK_NEUTRON_PYTHON"
NEUTRON_VENV = ".venv-neutron"
LOG_FILE = "neutron-server.log"
CONTROL_PREFIX = "__kostack__/"

# Node device ids (the Nova server ids) are uuid5(NAMESPACE_URL, "kostack-seed/"
# + node name): the same rule as k8s_fixtures.seed_device_id, which derives the
# Kubernetes providerID `openstack:///<device_id>` (a test keeps them equal).
NODE_DEVICE_NAMESPACE = uuid.NAMESPACE_URL
NODE_DEVICE_PREFIX = "kostack-seed/"

_SNAPSHOT_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_READY = re.compile(r"^ready (?P<url>http://\S+/) pid=(?P<pid>\d+)$")


class HarnessError(LabEnvironmentError):
    """The Neutron harness could not start, answer or stop (message and hint)."""


def _snapshot_name(name: str) -> str:
    if not _SNAPSHOT_NAME.fullmatch(name):
        raise ValueError(f"snapshot name {name!r}: use lowercase letters, digits and dashes")
    return name


def find_neutron_python() -> Path:
    """Return the interpreter of the Neutron venv.

    $KOSTACK_NEUTRON_PYTHON wins; otherwise `.venv-neutron/bin/python` in the
    repository this file lives in, then in the current directory.
    """
    configured = os.environ.get(PYTHON_ENV)
    if configured:
        path = Path(configured)
        if not path.exists():
            raise HarnessError(
                f"{PYTHON_ENV} names {path}, which does not exist",
                f"point {PYTHON_ENV} at the python of a venv with neutron==29.0.0",
            )
        return path
    repo_root = Path(__file__).resolve().parents[3]
    candidates = [
        repo_root / NEUTRON_VENV / "bin" / "python",
        Path.cwd() / NEUTRON_VENV / "bin" / "python",
    ]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise HarnessError(
        f"no Neutron venv found (looked for {', '.join(str(c) for c in candidates)})",
        f"run `bash scripts/setup.sh --all`, or set {PYTHON_ENV}",
    )


class NeutronHarness:
    """Start, stop, restart and reset one real Neutron API server.

    Usage::

        with NeutronHarness() as harness:   # starts in a temporary state dir
            conn = openstack_connection(harness.endpoint)
            ...
            harness.reset()                  # back to an empty cloud (~20 ms)

    The state dir keeps the sqlite database, the config and the server log
    (`neutron-server.log`); `restart()` keeps all of it and the port.
    """

    def __init__(
        self,
        *,
        python: Path | None = None,
        startup_timeout_s: float = 60.0,
        stop_timeout_s: float = 10.0,
    ) -> None:
        self._python = python
        self._startup_timeout_s = startup_timeout_s
        self._stop_timeout_s = stop_timeout_s
        self._process: subprocess.Popen[bytes] | None = None
        self._state_dir: Path | None = None
        self._owns_state_dir = False
        self._endpoint: str | None = None
        self._port = 0
        self.last_start_seconds: float | None = None
        self.last_returncode: int | None = None

    # -- lifecycle -------------------------------------------------------

    def start(self, state_dir: Path | None = None, port: int = 0) -> str:
        """Start the server and return its endpoint once it answers.

        `state_dir` None reuses the dir of an earlier start, else makes a
        temporary one, removed when the harness is used as a context manager
        and exits. `port` 0 lets the server pick a free port (no race between
        choosing and binding it).
        """
        if self.running:
            raise HarnessError(
                f"Neutron is already running at {self._endpoint}", "call stop() first"
            )
        if state_dir is None:
            state_dir = self._state_dir
        if state_dir is None:
            state_dir = Path(tempfile.mkdtemp(prefix="kostack-neutron-"))
            self._owns_state_dir = True
        state_dir.mkdir(parents=True, exist_ok=True)
        self._state_dir = state_dir.resolve()
        self._port = port
        return self._launch()

    def stop(self) -> None:
        """Stop the server: SIGTERM, wait, then SIGKILL. Leaves nothing running."""
        process = self._process
        if process is None:
            return
        try:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=self._stop_timeout_s)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=self._stop_timeout_s)
        finally:
            self._release(process)

    def kill(self) -> None:
        """Kill the server with SIGKILL, as a crash would (the database stays)."""
        process = self._process
        if process is None:
            return
        try:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=self._stop_timeout_s)
        finally:
            self._release(process)

    def restart(self, *, hard: bool = False) -> str:
        """Stop (or kill, with `hard`) and start again on the same port and database."""
        if self._state_dir is None:
            raise HarnessError("Neutron was never started", "call start() first")
        if hard:
            self.kill()
        else:
            self.stop()
        return self._launch()

    def ensure_running(self) -> str:
        """Start again (same port and database) if the server died; return the endpoint."""
        if self.running:
            return self.endpoint
        return self.restart()

    def reset(self, to: str | None = None) -> float:
        """Put the database back to the state right after the first boot, or to snapshot `to`.

        Returns the seconds the server spent (~0.02). Uses the server's private
        control path: every table is restored from the baseline (or the named
        snapshot) in one sqlite transaction, between two API requests. Ids,
        revision numbers and timestamps come back exactly as they were.
        """
        path = "reset" if to is None else f"reset?to={_snapshot_name(to)}"
        answer = self._control("POST", path)
        seconds = answer.get("seconds")
        return float(seconds) if isinstance(seconds, int | float) else 0.0

    def snapshot(self, name: str) -> None:
        """Save the current database as snapshot `name` (lowercase, digits, dashes).

        The snapshot lives in the state dir, so it survives restart().
        """
        self._control("POST", f"snapshot?name={_snapshot_name(name)}")

    def has_snapshot(self, name: str) -> bool:
        """Whether snapshot `name` exists in the state dir."""
        return (self.state_dir / f"snapshot-{_snapshot_name(name)}.sqlite").exists()

    # -- state -----------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def endpoint(self) -> str:
        """Root URL of the API, e.g. `http://127.0.0.1:PORT/` (not /v2.0/)."""
        if self._endpoint is None or not self.running:
            raise HarnessError("Neutron is not running", "call start() or ensure_running()")
        return self._endpoint

    @property
    def pid(self) -> int:
        """Process id of the server."""
        if self._process is None or not self.running:
            raise HarnessError("Neutron is not running", "call start() or ensure_running()")
        return self._process.pid

    @property
    def state_dir(self) -> Path:
        """The directory holding the database, config and log."""
        if self._state_dir is None:
            raise HarnessError("Neutron was never started", "call start() first")
        return self._state_dir

    @property
    def log_path(self) -> Path:
        """The server's stderr log (Neutron's own log lines)."""
        return self.state_dir / LOG_FILE

    def rss_bytes(self) -> int:
        """Resident memory of the server process (Linux /proc)."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        if match is None:
            raise HarnessError(f"no VmRSS in /proc/{self.pid}/status", "Linux only")
        return int(match.group(1)) * 1024

    # -- context manager ------------------------------------------------------

    def __enter__(self) -> Self:
        if not self.running:
            self.start(self._state_dir)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
        if self._owns_state_dir and self._state_dir is not None:
            shutil.rmtree(self._state_dir, ignore_errors=True)
            self._state_dir = None
            self._owns_state_dir = False

    # -- internals --------------------------------------------------------------

    def _launch(self) -> str:
        python = self._python or find_neutron_python()
        state_dir = self.state_dir
        command = [
            str(python),
            str(SERVER_SCRIPT),
            "--state-dir",
            str(state_dir),
            "--port",
            str(self._port),
            "--parent-pid",
            str(os.getpid()),
        ]
        started = time.monotonic()
        with (state_dir / LOG_FILE).open("ab") as log:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                cwd=state_dir,
            )
        self._process = process
        try:
            url = self._wait_ready(process, deadline=started + self._startup_timeout_s)
        except BaseException:
            self.stop()
            raise
        self._endpoint = url
        # Later restarts reuse the port so clients keep their endpoint.
        self._port = int(url.rsplit(":", 1)[1].rstrip("/"))
        self.last_start_seconds = time.monotonic() - started
        return url

    def _wait_ready(self, process: subprocess.Popen[bytes], deadline: float) -> str:
        """Read the server's stdout until its `ready` line, then check it answers."""
        assert process.stdout is not None  # Popen(stdout=PIPE) always sets it
        buffered = b""
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise HarnessError(
                        f"Neutron did not become ready within {self._startup_timeout_s:.0f}s",
                        f"see {self.log_path}:\n{self._log_tail()}",
                    )
                if not selector.select(timeout=min(remaining, 0.5)):
                    if process.poll() is not None:
                        break
                    continue
                chunk = os.read(process.stdout.fileno(), 4096)
                if not chunk:
                    break
                buffered += chunk
                for line in buffered.decode(errors="replace").splitlines():
                    ready = _READY.match(line.strip())
                    if ready:
                        url = ready.group("url")
                        self._check_answers(url, deadline)
                        return url
        process.wait(timeout=self._stop_timeout_s)
        raise HarnessError(
            f"Neutron exited with status {process.returncode} before it was ready",
            f"see {self.log_path}:\n{self._log_tail()}",
        )

    def _check_answers(self, url: str, deadline: float) -> None:
        """Poll the root URL until it answers 200 (bounded by the start deadline)."""
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError as exc:
                last_error = exc
            time.sleep(0.02)
        raise HarnessError(f"Neutron printed ready but {url} does not answer: {last_error}")

    def _control(self, method: str, path: str) -> dict[str, Any]:
        url = self.endpoint + CONTROL_PREFIX + path
        request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answer = json.loads(response.read() or b"{}")
        except (OSError, ValueError) as exc:
            raise HarnessError(f"{method} {url} failed: {exc}", f"see {self.log_path}") from exc
        if not isinstance(answer, dict):
            raise HarnessError(f"{method} {url} answered {answer!r}, not an object")
        return answer

    def _release(self, process: subprocess.Popen[bytes]) -> None:
        self.last_returncode = process.poll()
        if process.stdout is not None:
            process.stdout.close()
        if self._process is process:
            self._process = None
            self._endpoint = None

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = (self.state_dir / LOG_FILE).read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


# -- the seed incident's topology ------------------------------------------


def openstack_connection(endpoint: str, *, timeout_s: float | None = None) -> Any:
    """An openstacksdk Connection to a noauth Neutron at `endpoint` (the root URL).

    No clouds.yaml and no OS_* variables are read. Every call is admin in
    project "fake_project_id" (noauth), so policy is not exercised.
    """
    import openstack  # imported here: it is slow to import and only the lab needs it

    return openstack.connection.Connection(
        auth_type="none", network_endpoint_override=endpoint, api_timeout=timeout_s
    )


def node_device_id(node_name: str) -> str:
    """The deterministic server (device) id of a node: uuid5 of its name."""
    return str(uuid.uuid5(NODE_DEVICE_NAMESPACE, NODE_DEVICE_PREFIX + node_name))


def node_names(nodes: int) -> tuple[str, ...]:
    """`k8s-cp-1` then workers `k8s-w-1` ... `k8s-w-(nodes-1)`."""
    if nodes < 1:
        raise ValueError(f"a cluster needs at least one node, not {nodes}")
    return ("k8s-cp-1", *(f"k8s-w-{n}" for n in range(1, nodes)))


def node_mac(host_number: int, *, subnet_index: int = 0) -> str:
    """MAC whose last digits read like the node's host number.

    Host 11 -> fa:16:3e:00:00:11, 210 -> fa:16:3e:00:02:10, 1234 ->
    fa:16:3e:00:12:34 (decimal digits are valid hex). The fourth octet holds
    the subnet index so MACs stay unique across the second subnet.
    """
    if not 0 <= host_number <= 9999 or not 0 <= subnet_index <= 99:
        raise ValueError(f"host number {host_number} / subnet {subnet_index} out of range")
    digits = f"{subnet_index:02d}{host_number:04d}"
    return "fa:16:3e:" + ":".join(digits[i : i + 2] for i in range(0, 6, 2))


FIRST_NODE_HOST = 11  # k8s-cp-1 is 10.0.0.11


def subnet_for(nodes: int, base: str = "10.0.0.0/24") -> ipaddress.IPv4Network:
    """The smallest subnet (from /24 widening to /16) holding `nodes` node IPs from .11."""
    network = ipaddress.IPv4Network(base)
    last = network.network_address + FIRST_NODE_HOST + nodes - 1
    prefix = network.prefixlen
    while last >= ipaddress.IPv4Network((network.network_address, prefix)).broadcast_address:
        prefix -= 1
        if prefix < 16:
            raise ValueError(f"{nodes} nodes do not fit in a /16 from {network.network_address}")
    return ipaddress.IPv4Network((network.network_address, prefix))


@dataclass(frozen=True)
class SeedNode:
    """One node of the seeded cluster: its Neutron port and server identity."""

    name: str
    port_id: str
    device_id: str
    ip_address: str
    mac_address: str
    subnet_id: str

    @property
    def provider_id(self) -> str:
        """The Kubernetes providerID the OpenStack cloud provider would set."""
        return f"openstack:///{self.device_id}"


@dataclass(frozen=True)
class SeedIds:
    """Every id `seed_topology` created, for tests and the lab to refer to."""

    project_id: str
    public_network_id: str
    public_subnet_id: str
    network_id: str
    subnet_id: str
    second_subnet_id: str | None
    router_id: str
    router_gateway_port_id: str
    router_interface_port_ids: tuple[str, ...]
    default_sg_id: str
    nodes_sg_id: str
    nodes_sg_rule_ids: Mapping[str, str]
    nodes: tuple[SeedNode, ...]
    port_ids: Mapping[str, str] = field(init=False)
    device_ids: Mapping[str, str] = field(init=False)

    def __post_init__(self) -> None:
        # Derived lookups by node name; read-only so the record stays frozen in spirit.
        object.__setattr__(
            self, "port_ids", MappingProxyType({n.name: n.port_id for n in self.nodes})
        )
        object.__setattr__(
            self, "device_ids", MappingProxyType({n.name: n.device_id for n in self.nodes})
        )

    def node(self, name: str) -> SeedNode:
        """The node called `name`."""
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)


def seed_topology(
    endpoint: str,
    nodes: int = 4,
    *,
    subnet_cidr: str | None = None,
    second_subnet_nodes: int = 0,
    second_subnet_cidr: str = "10.1.0.0/24",
) -> SeedIds:
    """Create the seed incident's cloud through openstacksdk and return its ids.

    - `public`: external flat network, subnet 203.0.113.0/24 (no DHCP);
    - `k8s-net`: VXLAN tenant network (MTU 1450 from Neutron), port security
      on, subnet `k8s-subnet` 10.0.0.0/24 gateway 10.0.0.1 (widened towards
      /16 when the node IPs do not fit, or `subnet_cidr`);
    - `k8s-router`: gateway on `public`, an interface on each k8s subnet (at
      its gateway IP, MAC fa:16:3e:00:00:01 as in the network lab);
    - the project's `default` group as Neutron creates it, and `k8s-nodes`
      with ingress tcp/22, tcp/6443 and icmp from 0.0.0.0/0;
    - one port per node: `k8s-cp-1` 10.0.0.11 fa:16:3e:00:00:11, `k8s-w-1`
      10.0.0.12 ..., groups default + k8s-nodes, no allowed pairs,
      device_owner compute:nova, device_id `node_device_id(name)`.

    `second_subnet_nodes` puts the last that many workers on a second subnet
    `k8s-subnet-2` (`second_subnet_cidr`, on the same network and router) for
    cross-subnet scenarios; their IPs start at .11 of that subnet.
    """
    if not 0 <= second_subnet_nodes < nodes:
        raise ValueError("second_subnet_nodes must leave the control-plane node on k8s-subnet")
    conn = openstack_connection(endpoint)
    net_api = conn.network
    first_nodes = nodes - second_subnet_nodes
    cidr = ipaddress.IPv4Network(subnet_cidr) if subnet_cidr else subnet_for(first_nodes)

    public = net_api.create_network(
        name="public",
        is_router_external=True,
        provider_network_type="flat",
        provider_physical_network="public",
    )
    public_subnet = net_api.create_subnet(
        name="public-subnet",
        network_id=public.id,
        ip_version=4,
        cidr="203.0.113.0/24",
        gateway_ip="203.0.113.1",
        is_dhcp_enabled=False,
    )
    network = net_api.create_network(name="k8s-net", is_port_security_enabled=True)
    subnet = net_api.create_subnet(
        name="k8s-subnet",
        network_id=network.id,
        ip_version=4,
        cidr=str(cidr),
        gateway_ip=str(cidr.network_address + 1),
    )
    second_subnet = None
    if second_subnet_nodes:
        second_cidr = subnet_for(second_subnet_nodes, second_subnet_cidr)
        second_subnet = net_api.create_subnet(
            name="k8s-subnet-2",
            network_id=network.id,
            ip_version=4,
            cidr=str(second_cidr),
            gateway_ip=str(second_cidr.network_address + 1),
        )
    router = net_api.create_router(
        name="k8s-router", external_gateway_info={"network_id": public.id}
    )
    # The router's inside ports get the MACs the network lab gives its router
    # (fa:16:3e:00:00:01, then fa:16:3e:01:00:01 on the second subnet).
    interface_port_ids = []
    for subnet_index, on_subnet in enumerate(s for s in (subnet, second_subnet) if s):
        interface = net_api.create_port(
            network_id=network.id,
            fixed_ips=[{"subnet_id": on_subnet.id, "ip_address": on_subnet.gateway_ip}],
            mac_address=node_mac(1, subnet_index=subnet_index),
        )
        net_api.add_interface_to_router(router, port=interface.id)
        interface_port_ids.append(str(interface.id))
    gateway_ports = list(net_api.ports(device_id=router.id, device_owner="network:router_gateway"))

    project_id = str(network.project_id)
    # Listing groups makes Neutron create the project's `default` group if needed.
    default_sg = next(iter(net_api.security_groups(name="default", project_id=project_id)))
    nodes_sg = net_api.create_security_group(
        name="k8s-nodes", description="Kubernetes nodes: SSH, API server, ping"
    )
    rule_specs: dict[str, dict[str, Any]] = {
        "ssh": {"protocol": "tcp", "port_range_min": 22, "port_range_max": 22},
        "kube-apiserver": {"protocol": "tcp", "port_range_min": 6443, "port_range_max": 6443},
        "icmp": {"protocol": "icmp"},
    }
    rule_ids = {
        label: net_api.create_security_group_rule(
            security_group_id=nodes_sg.id,
            direction="ingress",
            ether_type="IPv4",
            remote_ip_prefix="0.0.0.0/0",
            **spec,
        ).id
        for label, spec in rule_specs.items()
    }

    names = node_names(nodes)
    placements: list[tuple[str, Any, ipaddress.IPv4Network, int, int]] = []
    for index, name in enumerate(names):
        if index < first_nodes:
            placements.append((name, subnet, cidr, FIRST_NODE_HOST + index, 0))
        else:
            assert second_subnet is not None
            placements.append(
                (name, second_subnet, second_cidr, FIRST_NODE_HOST + index - first_nodes, 1)
            )
    port_specs = [
        {
            "name": name,
            "network_id": network.id,
            "fixed_ips": [
                {"subnet_id": on_subnet.id, "ip_address": str(on_cidr.network_address + host)}
            ],
            "mac_address": node_mac(host, subnet_index=subnet_index),
            "security_groups": [default_sg.id, nodes_sg.id],
            "port_security_enabled": True,
            "allowed_address_pairs": [],
            "device_owner": "compute:nova",
            "device_id": node_device_id(name),
        }
        for name, on_subnet, on_cidr, host, subnet_index in placements
    ]
    # One bulk POST: Neutron creates them in one request, several times faster.
    created = list(net_api.create_ports(port_specs))
    by_name = {port.name: port for port in created}
    seeded_nodes = tuple(
        SeedNode(
            name=name,
            port_id=str(by_name[name].id),
            device_id=node_device_id(name),
            ip_address=str(by_name[name].fixed_ips[0]["ip_address"]),
            mac_address=str(by_name[name].mac_address),
            subnet_id=str(by_name[name].fixed_ips[0]["subnet_id"]),
        )
        for name in names
    )
    return SeedIds(
        project_id=project_id,
        public_network_id=str(public.id),
        public_subnet_id=str(public_subnet.id),
        network_id=str(network.id),
        subnet_id=str(subnet.id),
        second_subnet_id=str(second_subnet.id) if second_subnet is not None else None,
        router_id=str(router.id),
        router_gateway_port_id=str(gateway_ports[0].id) if gateway_ports else "",
        router_interface_port_ids=tuple(interface_port_ids),
        default_sg_id=str(default_sg.id),
        nodes_sg_id=str(nodes_sg.id),
        nodes_sg_rule_ids=MappingProxyType({k: str(v) for k, v in rule_ids.items()}),
        nodes=seeded_nodes,
    )
