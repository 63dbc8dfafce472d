"""Shared helpers of the `kostack fix` tests (a module of its own: `from conftest import`
resolves to whichever directory's conftest came first when several test folders run together): seed snapshots built from the real Neutron.

The seed cloud comes from the Neutron harness (`seeded_neutron`), read with
the collect layer's `collect_openstack`; the cluster is the seed cluster of
`kostack_testkit.builders` (same node names, IPs, MACs and device ids as the
harness), matched to the harness's ports by providerID. `cloud_state` reads
every port, security group (with rules) and router back through the API so
tests compare Neutron's real state field by field.
"""

from __future__ import annotations

import io
import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest_neutron import SeededNeutron

from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack.collect.match import match_nodes
from kostack.collect.openstack import collect_openstack
from kostack.model import Snapshot
from kostack.plan.preflight import planned_cluster
from kostack_lab.neutron import openstack_connection
from kostack_testkit.builders import build, seed_doc

# Fields Neutron changes on every update: not part of "the state" a rollback restores.
VOLATILE = frozenset({"revision_number", "updated_at"})


def harness_snapshot(endpoint: str, *, backend: str | None = "ml2/ovs") -> Snapshot:
    """The seed snapshot with its OpenStack part read from the harness at ``endpoint``."""
    conn = openstack_connection(endpoint)
    record, gaps = collect_openstack(conn, project_scope=None, backend_hint=backend)  # type: ignore[arg-type]
    assert gaps == ()
    if backend is None:
        record = record.model_copy(update={"backend": None, "backend_source": None})
    seed = build(seed_doc())
    assert seed.cluster is not None and seed.cluster.nodes is not None
    assert record.ports is not None
    links = match_nodes(seed.cluster.nodes, record.ports)
    assert all(link.port_id for link in links), links
    return seed.model_copy(
        update={
            "openstack": record,
            "node_ports": links,
            "source": f"harness {endpoint}",
        }
    )


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in item.items():
        if key in VOLATILE:
            continue
        if isinstance(value, list):
            value = sorted(
                (_clean(v) if isinstance(v, dict) else v for v in value),
                key=lambda v: json.dumps(v, sort_keys=True),
            )
        out[key] = value
    return out


def cloud_state(endpoint: str, conn: Any = None) -> dict[str, dict[str, dict[str, Any]]]:
    """Every port, security group (rules inside) and router, by id, without volatile fields."""
    conn = conn or openstack_connection(endpoint)
    state: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, path in (
        ("ports", "/ports"),
        ("security_groups", "/security-groups"),
        ("routers", "/routers"),
    ):
        body = conn.network.get(path).json()
        state[kind] = {item["id"]: _clean(item) for item in body[kind]}
    return state


def diff_states(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Field-by-field differences between two cloud_state() results (empty when equal)."""
    out: list[str] = []
    for kind in sorted(set(a) | set(b)):
        ka, kb = a.get(kind, {}), b.get(kind, {})
        for oid in sorted(set(ka) | set(kb)):
            if oid not in ka or oid not in kb:
                out.append(f"{kind} {oid}: only in {'second' if oid not in ka else 'first'}")
                continue
            for field in sorted(set(ka[oid]) | set(kb[oid])):
                if ka[oid].get(field) != kb[oid].get(field):
                    out.append(
                        f"{kind} {oid} {field}: {ka[oid].get(field)!r} != {kb[oid].get(field)!r}"
                    )
    return out


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def run_cli(
    *args: str, environ: dict[str, str], stdin_isatty: bool = False, stdout_isatty: bool = False
) -> Run:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=out,
        stderr=err,
        environ=environ,
        stdin_isatty=stdin_isatty,
        stdout_isatty=stdout_isatty,
    )
    code = main(list(args), env)
    return Run(code, out.getvalue(), err.getvalue())


@dataclass(frozen=True)
class SeedCloud:
    """The seed cloud in the harness, a snapshot of it, and a clouds.yaml for the CLI."""

    neutron: SeededNeutron
    snapshot: Snapshot
    snapshot_path: Path
    clouds: Path
    home: Path

    @property
    def endpoint(self) -> str:
        return self.neutron.endpoint

    @property
    def environ(self) -> dict[str, str]:
        return {
            "OS_CLIENT_CONFIG_FILE": str(self.clouds),
            "OS_CLOUD": "seed",
            "HOME": str(self.home),
        }

    def state(self) -> dict[str, dict[str, dict[str, Any]]]:
        return cloud_state(self.endpoint)

    def plan_file(self, directory: Path) -> Path:
        """`kostack fix plan -o json` of this cloud's snapshot, written to DIRECTORY/plan.json."""
        planned = run_cli(
            "fix", "plan", "--snapshot", str(self.snapshot_path), "-o", "json", environ=self.environ
        )
        assert planned.code == 0, planned.stderr
        path = directory / "plan.json"
        path.write_text(planned.stdout)
        return path

    def apply(self, *args: str, journal: Path, snapshot: Path | None = None) -> Run:
        """`kostack fix apply --snapshot S --journal J ARGS` against this cloud (S: its snapshot)."""
        given = ("--snapshot", str(snapshot or self.snapshot_path), "--journal", str(journal))
        return run_cli("fix", "apply", *given, *args, environ=self.environ)


def create_rule(conn: Any, group_id: str, rule: Any, remote_group_id: str | None) -> None:
    """Create a planned rule (kostack's SecurityGroupRule) in Neutron, in group `group_id`."""
    conn.network.create_security_group_rule(
        security_group_id=group_id,
        direction=rule.direction,
        ether_type=rule.ethertype,
        protocol=rule.protocol,
        port_range_min=rule.port_range_min,
        port_range_max=rule.port_range_max,
        remote_ip_prefix=rule.remote_ip_prefix,
        remote_group_id=remote_group_id,
        description=rule.description,
    )


def create_recommended(endpoint: str, result: Any, *, ipv6_pairs: bool = True) -> Snapshot:
    """Create what `kostack fix preflight` recommends (`result`) in Neutron, collect it back,
    and add the planned cluster: the network, an IPv4 subnet (and an IPv6 one, DHCPv6-stateful,
    when a port has an IPv6 address), the group with its rules and the ports."""
    conn = openstack_connection(endpoint)
    net = conn.network.create_network(name="k8s-net")
    subnet_of = {
        4: conn.network.create_subnet(
            network_id=net.id, ip_version=4, cidr="10.0.0.0/24", gateway_ip="10.0.0.1"
        ).id
    }
    if any(":" in ip for port in result.ports for ip, _, _ in port.fixed_ips):
        subnet_of[6] = conn.network.create_subnet(
            network_id=net.id,
            ip_version=6,
            cidr="fd00:0:0:1::/64",
            ipv6_ra_mode="dhcpv6-stateful",
            ipv6_address_mode="dhcpv6-stateful",
        ).id
    group = conn.network.create_security_group(name=result.spec.group_name)
    for needed in result.rules:
        create_rule(conn, group.id, needed.rule, group.id if needed.rule.remote_group_id else None)
    for port in result.ports:
        pairs = [p for p in port.pairs if ipv6_pairs or ":" not in p]
        conn.network.create_port(
            name=port.node,
            network_id=net.id,
            fixed_ips=[
                {"subnet_id": subnet_of[ipaddress.ip_address(ip).version], "ip_address": ip}
                for ip, _, _ in port.fixed_ips
            ],
            security_groups=[group.id],
            allowed_address_pairs=[{"ip_address": p} for p in pairs],
            device_owner="compute:nova",
        )
    record, gaps = collect_openstack(conn, project_scope=None, backend_hint="ml2/ovn")
    assert gaps == ()
    cluster = planned_cluster(result.spec, result.recommended_mtu)
    assert cluster.nodes is not None and record.ports is not None
    links = match_nodes(cluster.nodes, record.ports)
    assert all(link.port_id for link in links)
    return Snapshot(openstack=record, cluster=cluster, node_ports=links)
