"""The lab agent: Neutron ports and security groups -> nftables in the lab's hypervisor.

It plays the part of Neutron's L2 agent firewall driver: read the ports and
groups (from a Neutron endpoint with openstacksdk, or from the lab's own JSON
description when there is no Neutron), bind ports to lab VMs by fixed IP,
and re-render port security when anything changed, so that `kostack fix
apply` against that Neutron changes what the lab's packets meet.

`LabAgent.sync()` is synchronous (tests call it for determinism);
`LabAgent.watch()` polls with a short bounded interval. Run as a daemon by
`kostack lab up --neutron-endpoint URL`:

    python -m kostack_lab.agent --state-dir /run/kostack/lab --interval 0.5 --lab-tag ks-
"""

from __future__ import annotations

import argparse
import hashlib
import json
import signal
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from kostack_lab import netns
from kostack_lab.errors import LabEnvironmentError, LabError, LabInputError, Msg
from kostack_lab.neutron import openstack_connection
from kostack_lab.portsec import (
    NeutronBackend,
    Port,
    PortBinding,
    Ruleset,
    SecurityGroup,
    group_from_api,
    load_ruleset,
    port_from_api,
    render_ruleset,
)
from kostack_lab.scenario_neutron import apply_scenario
from kostack_lab.state import (
    CounterOwnerRecord,
    LabState,
    PortsecState,
    StatePaths,
    read_json,
    read_model,
    write_json_atomic,
)
from kostack_lab.texts_status import to_wire
from kostack_lab.topology_layout import NODE_NIC, ROUTER_TAP, Topology

__all__ = [
    "FileSource",
    "LabAgent",
    "NeutronSource",
    "PortSource",
    "SyncResult",
    "apply_scenario",
    "bind_ports",
]

MIN_INTERVAL = 0.1
MAX_INTERVAL = 10.0


class PortSource(Protocol):
    """Where the ports and security groups come from."""

    @property
    def description(self) -> str:
        """One line naming the source (for status and logs)."""
        ...

    def fetch(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Ports and security groups as Neutron API dicts."""
        ...


class NeutronSource:
    """A real Neutron API (noauth, as the harness serves it) read with openstacksdk."""

    def __init__(self, endpoint: str, timeout: float = 10.0) -> None:
        self.endpoint = endpoint
        self._timeout = timeout
        self._connection: Any = None

    @property
    def description(self) -> str:
        return f"neutron {self.endpoint}"

    def _conn(self) -> Any:
        if self._connection is None:
            self._connection = openstack_connection(self.endpoint, timeout_s=self._timeout)
        return self._connection

    def fetch(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        try:
            network = self._conn().network
            ports = [p.to_dict(original_names=True) for p in network.ports()]
            groups = [g.to_dict(original_names=True) for g in network.security_groups()]
        except Exception as exc:
            # openstacksdk and keystoneauth raise many types; all mean "cannot read"
            self._connection = None
            what = Msg("lab.w.ports_and_groups")
            raise LabEnvironmentError(
                Msg("lab.x.read_neutron", what=what, url=self.endpoint, why=str(exc)),
                Msg("lab.x.check_endpoint_eg", example="http://127.0.0.1:9696/"),
            ) from exc
        return ports, groups


class FileSource:
    """The lab's own port description (JSON files in the state dir)."""

    def __init__(self, paths: StatePaths) -> None:
        self._paths = paths

    @property
    def description(self) -> str:
        return f"file {self._paths.ports}"

    def fetch(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        try:
            ports = read_json(self._paths.ports)
            groups = read_json(self._paths.groups)
        except (OSError, ValueError) as exc:
            raise LabInputError(
                Msg("lab.x.read_description", why=str(exc)),
                Msg("lab.x.lives_in", a=str(self._paths.ports), b=str(self._paths.groups)),
            ) from exc
        return _unwrap(ports, "ports"), _unwrap(groups, "security_groups")


def _unwrap(document: Any, key: str) -> list[dict[str, Any]]:
    """Accept a bare list or the REST list shape `{"ports": [...]}`."""
    if isinstance(document, dict) and key in document:
        document = document[key]
    if not isinstance(document, list) or not all(isinstance(d, dict) for d in document):
        raise LabInputError(
            Msg("lab.x.list_of_objects", kind=key),
            Msg("lab.x.or_wrapped", form=f'{{"{key}": [...]}}'),
        )
    return document


@dataclass(frozen=True)
class SyncResult:
    """What one sync did."""

    changed: bool
    fingerprint: str
    bound: dict[str, str]
    unbound: tuple[str, ...]
    warnings: tuple[str, ...]
    seconds: float


def bind_ports(
    topo: Topology, ports: Sequence[Port]
) -> tuple[list[PortBinding], list[tuple[str, str]]]:
    """Match Neutron ports to lab VMs by fixed IP; return bindings and (key, tap) of VMs without one.

    When several ports carry a node's IP (other networks), a `compute:*` port
    with the node's MAC wins, then any `compute:*` port, then the first.
    """
    by_ip: dict[str, list[Port]] = {}
    for port in ports:
        for address in port.fixed_ips:
            by_ip.setdefault(address, []).append(port)
    bindings: list[PortBinding] = []
    unbound: list[tuple[str, str]] = []
    for node in topo.nodes:
        key = node.name
        candidates = by_ip.get(node.ip, [])
        if not candidates:
            unbound.append((key, node.tap))
            continue
        candidates = sorted(
            candidates,
            key=lambda p: (not p.device_owner.startswith("compute:"), p.mac_address != node.mac),
        )
        bindings.append(PortBinding(key=key, tap=node.tap, port=candidates[0]))
    router = by_ip.get(topo.gateway_ip, [])
    if router:
        bindings.append(PortBinding(key="router", tap=ROUTER_TAP, port=router[0]))
    return bindings, unbound


def _fingerprint(
    ports: Sequence[Port], groups: Sequence[SecurityGroup], backend: NeutronBackend
) -> str:
    document = {
        "backend": str(backend),
        "ports": sorted((asdict(p) for p in ports), key=lambda p: str(p["id"])),
        "groups": sorted((asdict(g) for g in groups), key=lambda g: str(g["id"])),
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()[
        :16
    ]


def _last_fingerprint(paths: StatePaths) -> str | None:
    """What was rendered last (by any agent of this lab), so an unchanged source is not re-rendered."""
    last = read_model(PortsecState, paths.portsec)
    return last.fingerprint if last is not None else None


class LabAgent:
    """Keeps the hypervisor's port-security tables equal to what the source says."""

    def __init__(self, state: LabState, paths: StatePaths, source: PortSource) -> None:
        self._state = state
        self._paths = paths
        self._source = source
        self._lock = threading.Lock()
        self._fingerprint = _last_fingerprint(paths)

    def sync(self, *, force: bool = False) -> SyncResult:
        """Read the source once; re-render and load the rules if anything changed (or `force`)."""
        with self._lock:
            started = time.monotonic()
            raw_ports, raw_groups = self._source.fetch()
            ports = [port_from_api(p) for p in raw_ports]
            groups = [group_from_api(g) for g in raw_groups]
            topo = self._state.topology
            bindings, unbound = bind_ports(topo, ports)
            fingerprint = _fingerprint(ports, groups, self._state.backend)
            bound = {b.key: b.port.id for b in bindings}
            if not force and fingerprint == self._fingerprint:
                return SyncResult(
                    False,
                    fingerprint,
                    bound,
                    tuple(t for _, t in unbound),
                    (),
                    time.monotonic() - started,
                )
            self._align_macs(bindings)
            ruleset = render_ruleset(bindings, ports, groups, self._state.backend, unbound)
            load_ruleset(topo.hv_netns, ruleset)
            self._record(ruleset, fingerprint, bound, bindings)
            self._fingerprint = fingerprint
            return SyncResult(
                True,
                fingerprint,
                bound,
                ruleset.unbound_taps,
                ruleset.warnings,
                time.monotonic() - started,
            )

    def _align_macs(self, bindings: Sequence[PortBinding]) -> None:
        """A VM's NIC carries its port's MAC, as Nova plugs it; follow Neutron if they differ."""
        topo = self._state.topology
        for binding in bindings:
            if binding.key == "router" or not binding.port.mac_address:
                continue
            node = topo.node(binding.key)
            if binding.port.mac_address != node.mac:
                netns.ip_batch(
                    node.netns, [f"link set {NODE_NIC} address {binding.port.mac_address}"]
                )

    def _record(
        self,
        ruleset: Ruleset,
        fingerprint: str,
        bound: Mapping[str, str],
        bindings: Sequence[PortBinding],
    ) -> None:
        self._paths.portsec_nft.write_text(ruleset.text)
        state = PortsecState(
            fingerprint=fingerprint,
            rendered_at=time.time(),
            source=self._source.description,
            owners=tuple(CounterOwnerRecord(**asdict(owner)) for owner in ruleset.owners),
            bound=dict(bound),
            unbound=ruleset.unbound_taps,
            warnings=ruleset.warnings,
            warning_keys=tuple(to_wire(w) for w in ruleset.warnings),
            revisions={b.port.label: b.port.revision_number for b in bindings},
        )
        write_json_atomic(self._paths.portsec, state.model_dump(mode="json"))

    def watch(self, interval: float, stop: threading.Event, log: Any = None) -> None:
        """Sync every `interval` seconds (clamped to 0.1-10 s) until `stop` is set."""
        interval = min(max(interval, MIN_INTERVAL), MAX_INTERVAL)
        while not stop.is_set():
            try:
                result = self.sync()
                if result.changed and log is not None:
                    print(
                        f"rendered {result.fingerprint} bound={result.bound}", file=log, flush=True
                    )
            except LabError as exc:
                if log is not None:
                    print(f"sync failed: {exc}", file=log, flush=True)
            stop.wait(interval)


# -- daemon -------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the agent in the background for a lab that is up (`kostack lab up` starts it)."""
    parser = argparse.ArgumentParser(
        description="kostack lab agent: Neutron -> nftables in the lab"
    )
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--lab-tag", required=True, help="marks the process as the lab's")
    args = parser.parse_args(argv)
    paths = StatePaths(args.state_dir)
    state = LabState.model_validate(read_json(paths.state))
    if state.neutron_endpoint is None:
        print("this lab has no Neutron endpoint: nothing to watch", file=sys.stderr)
        return 2
    agent = LabAgent(state, paths, NeutronSource(state.neutron_endpoint))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    agent.watch(args.interval, stop, log=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
