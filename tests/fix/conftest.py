"""Shared setup of the `kostack fix` tests: seed snapshots built from the real Neutron.

The seed cloud comes from the Neutron harness (`seeded_neutron`), read with
the collect layer's `collect_openstack`; the cluster is the seed cluster of
`kostack_testkit.builders` (same node names, IPs, MACs and device ids as the
harness), matched to the harness's ports by providerID. `cloud_state` reads
every port, security group (with rules) and router back through the API so
tests compare Neutron's real state field by field.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest_neutron import SeededNeutron

from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack.collect.match import match_nodes
from kostack.collect.openstack import collect_openstack
from kostack.lab.kubeapi import KubeApiDouble
from kostack.lab.neutron import openstack_connection
from kostack.model import Snapshot, dump_snapshot
from kostack_testkit.builders import build, seed_doc
from kostack_testkit.k8s_fixtures import seed_cluster

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


def write_noauth_clouds(path: Path, endpoint: str, name: str = "seed") -> Path:
    clouds = {
        "clouds": {
            name: {
                "auth_type": "none",
                "network_endpoint_override": endpoint,
                "region_name": "RegionOne",
            }
        }
    }
    path.write_text(json.dumps(clouds))
    return path


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


@pytest.fixture
def seed_cloud(seeded_neutron: SeededNeutron, tmp_path: Path) -> SeedCloud:
    snapshot = harness_snapshot(seeded_neutron.endpoint)
    path = tmp_path / "snap.json"
    path.write_text(dump_snapshot(snapshot))
    home = tmp_path / "home"
    home.mkdir()
    return SeedCloud(
        seeded_neutron,
        snapshot,
        path,
        write_noauth_clouds(tmp_path / "clouds.yaml", seeded_neutron.endpoint),
        home,
    )


@pytest.fixture
def seed_api() -> Iterator[KubeApiDouble]:
    """The seed cluster served by the Kubernetes API double (for live `fix plan`/`apply`)."""
    with KubeApiDouble(seed_cluster()) as api:
        yield api
