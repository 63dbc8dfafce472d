"""The lab agent: Neutron ports and security groups -> nftables in the lab's hypervisor.

It plays the part of Neutron's L2 agent firewall driver: read the ports and
groups (from a Neutron endpoint with openstacksdk, or from the lab's own JSON
description when there is no Neutron), bind ports to lab VMs by fixed IP,
and re-render port security when anything changed, so that `kostack fix
apply` against that Neutron changes what the lab's packets meet.

`LabAgent.sync()` is synchronous (tests call it for determinism);
`LabAgent.watch()` polls with a short bounded interval. Run as a daemon by
`kostack lab up --neutron-endpoint URL`:

    python -m kostack.lab.agent --state-dir /run/kostack/lab --interval 0.5 --lab-tag ks-
"""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import signal
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from kostack.lab import netns
from kostack.lab.errors import LabEnvironmentError, LabError, LabInputError
from kostack.lab.neutron import openstack_connection, seed_command
from kostack.lab.portsec import (
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
from kostack.lab.scenarios import RuleSpec, Scenario
from kostack.lab.state import (
    CounterOwnerRecord,
    LabState,
    PortsecState,
    StatePaths,
    read_json,
    write_json_atomic,
)
from kostack.lab.topology import NODE_NIC, ROUTER_TAP, Topology

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
        except (
            Exception
        ) as exc:  # openstacksdk and keystoneauth raise many types; all mean "cannot read"
            self._connection = None
            raise LabEnvironmentError(
                f"cannot read ports and security groups from Neutron at {self.endpoint}: {exc}",
                "check the endpoint (the root URL, e.g. http://127.0.0.1:9696/) and that Neutron runs",
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
                f"cannot read the lab's port description: {exc}",
                f"it lives in {self._paths.ports} and {self._paths.groups} (Neutron list JSON)",
            ) from exc
        return _unwrap(ports, "ports"), _unwrap(groups, "security_groups")


def _unwrap(document: Any, key: str) -> list[dict[str, Any]]:
    """Accept a bare list or the REST list shape `{"ports": [...]}`."""
    if isinstance(document, dict) and key in document:
        document = document[key]
    if not isinstance(document, list) or not all(isinstance(d, dict) for d in document):
        raise LabInputError(
            f"the {key} description must be a JSON list of objects", f'or {{"{key}": [...]}}'
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
    try:
        return PortsecState.model_validate(read_json(paths.portsec)).fingerprint
    except (OSError, ValueError):
        return None


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


# -- writing a scenario into a Neutron ------------------------------------------------


def _rule_key(
    direction: str,
    ethertype: str,
    protocol: str | None,
    port_min: int | None,
    port_max: int | None,
    prefix: str | None,
    remote_group_id: str | None,
) -> tuple[Any, ...]:
    normal_prefix = str(ipaddress.ip_network(prefix, strict=False)) if prefix else None
    normal_protocol = None if protocol in (None, "", "any") else str(protocol).lower()
    return (
        direction,
        ethertype,
        normal_protocol,
        port_min,
        port_max,
        normal_prefix,
        remote_group_id,
    )


def apply_scenario(endpoint: str, scenario: Scenario, topo: Topology) -> list[str]:
    """Make a seeded Neutron match the scenario's port security; return what was changed.

    Expects the ports `seed_topology` creates (named like the nodes). Groups
    are created when missing and their rules made equal to the scenario's;
    each node port gets the scenario's port security, groups and pairs, in
    the order Neutron accepts (one PUT to disable port security, groups and
    pairs only once it is enabled).
    """
    try:
        conn = openstack_connection(endpoint)
        network = conn.network
        ports = {p.name: p for p in network.ports()}
    except Exception as exc:  # any SDK/transport error means Neutron is unreachable
        raise LabEnvironmentError(
            f"cannot read ports from Neutron at {endpoint}: {exc}",
            "check the endpoint and that Neutron runs",
        ) from exc
    missing = [node.name for node in topo.nodes if node.name not in ports]
    if missing:
        raise LabInputError(
            f"Neutron at {endpoint} has no port for {', '.join(missing)}",
            f"seed it first: {seed_command(endpoint, len(topo.nodes))}",
        )
    project_id = ports[topo.nodes[0].name].project_id
    changes: list[str] = []
    existing = {g.name: g for g in network.security_groups(project_id=project_id)}
    group_ids: dict[str, str] = {}
    for spec in scenario.security_groups:
        group = existing.get(spec.name)
        if group is None:
            group = network.create_security_group(name=spec.name, description=spec.description)
            changes.append(f"created security group {spec.name}")
        group_ids[spec.name] = str(group.id)
    for spec in scenario.security_groups:
        group = network.get_security_group(group_ids[spec.name])
        have = {
            _rule_key(
                r["direction"],
                r.get("ethertype", "IPv4"),
                r.get("protocol"),
                r.get("port_range_min"),
                r.get("port_range_max"),
                r.get("remote_ip_prefix"),
                r.get("remote_group_id"),
            ): r["id"]
            for r in group.security_group_rules or []
        }
        want: dict[tuple[Any, ...], RuleSpec] = {}
        for rule in spec.rules:
            remote = group_ids[rule.remote_group] if rule.remote_group else None
            key = _rule_key(
                rule.direction,
                rule.ethertype,
                rule.protocol,
                rule.port_range_min,
                rule.port_range_max,
                rule.remote_ip_prefix,
                remote,
            )
            want[key] = rule
        for key, rule_id in have.items():
            if key not in want:
                network.delete_security_group_rule(rule_id)
                changes.append(f"deleted rule {rule_id} from {spec.name}")
        for key, rule in want.items():
            if key in have:
                continue
            network.create_security_group_rule(
                security_group_id=group_ids[spec.name],
                direction=rule.direction,
                ether_type=rule.ethertype,
                protocol=rule.protocol,
                port_range_min=rule.port_range_min,
                port_range_max=rule.port_range_max,
                remote_ip_prefix=rule.remote_ip_prefix,
                remote_group_id=group_ids[rule.remote_group] if rule.remote_group else None,
            )
            changes.append(f"added rule {key} to {spec.name}")
    for node in topo.nodes:
        port = ports[node.name]
        if not scenario.port_security:
            if port.is_port_security_enabled:
                network.update_port(
                    port.id,
                    is_port_security_enabled=False,
                    security_group_ids=[],
                    allowed_address_pairs=[],
                )
                changes.append(f"disabled port security on {node.name}")
            continue
        if not port.is_port_security_enabled:
            network.update_port(port.id, is_port_security_enabled=True)
        groups = [group_ids[name] for name in scenario.node_groups]
        pairs = [{"ip_address": pair} for pair in scenario.allowed_pairs]
        current_pairs = sorted(p["ip_address"] for p in port.allowed_address_pairs or [])
        if sorted(port.security_group_ids or []) != sorted(groups) or current_pairs != sorted(
            scenario.allowed_pairs
        ):
            network.update_port(port.id, security_group_ids=groups, allowed_address_pairs=pairs)
            changes.append(
                f"set groups {scenario.node_groups} and pairs {scenario.allowed_pairs} on {node.name}"
            )
    return changes


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
