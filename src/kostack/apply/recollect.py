"""Read OpenStack again after apply or rollback, to verify with a fresh diagnosis.

`kostack fix` only changes Neutron objects, so verification re-reads the
OpenStack part with the collect layer's `collect_openstack` (the same reader
`kostack collect` uses) and keeps the cluster part of the snapshot the plan
was built from. Nodes are matched to ports again, since node ports are found
by device id and fixed IP, which a fix never changes: the snapshot's node-port
links are kept (they were made with more facts than a port listing gives).
"""

from __future__ import annotations

from typing import Any

from kostack.collect.match import match_nodes
from kostack.collect.octavia import collect_octavia
from kostack.collect.openstack import collect_openstack, current_project
from kostack.model.snapshot import Gap, OpenStack, Snapshot

_CARRIED = ("cloud", "region", "project_id", "project_name", "release")


def recollect_openstack(conn: Any, previous: OpenStack | None) -> tuple[OpenStack, tuple[Gap, ...]]:
    """The OpenStack part as it is now; the Neutron backend (and identity) carried over.

    It reads the token's project (or everything, without Keystone).
    """
    scope = current_project(conn)
    hint = previous.backend if previous is not None else None
    record, gaps = collect_openstack(conn, project_scope=scope, backend_hint=hint)
    if previous is not None and previous.load_balancers is not None:
        # A fix changes Neutron only, but Octavia's statuses move after it: read them again.
        octavia = collect_octavia(conn, project_scope=scope)
        record = record.model_copy(
            update={
                "load_balancers": octavia.load_balancers,
                "load_balancer_quota": octavia.quota or previous.load_balancer_quota,
            }
        )
        gaps = (*gaps, *octavia.gaps)
    if previous is not None:
        update: dict[str, Any] = {}
        if previous.backend is not None:
            update["backend_source"] = previous.backend_source or record.backend_source
        for key in _CARRIED:
            if getattr(record, key) is None and getattr(previous, key) is not None:
                update[key] = getattr(previous, key)
        if update:
            record = record.model_copy(update=update)
    return record, tuple(gaps)


def recollected_snapshot(snapshot: Snapshot, conn: Any) -> Snapshot:
    """``snapshot`` with its OpenStack part read again through ``conn``."""
    record, gaps = recollect_openstack(conn, snapshot.openstack)
    kept = tuple(g for g in snapshot.gaps if not g.source.startswith("openstack"))
    node_ports = snapshot.node_ports
    cluster = snapshot.cluster
    if (
        node_ports is None
        and cluster is not None
        and cluster.nodes is not None
        and record.ports is not None
    ):
        node_ports = match_nodes(cluster.nodes, record.ports)
    return snapshot.model_copy(
        update={"openstack": record, "gaps": (*kept, *gaps), "node_ports": node_ports}
    )
