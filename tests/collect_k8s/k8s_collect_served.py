"""Helpers for the Kubernetes collector tests: a served cluster and collection against it.

(A module of its own, not conftest: `from conftest import ...` picks up whichever
tests directory's conftest was imported first when the whole suite runs.)
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kostack.collect.kubernetes import KubeCollection, collect_kubernetes
from kostack.collect.match import match_identities
from kostack.model import Snapshot
from kostack.model.snapshot import OpenStack
from kostack_testkit.builders import seed_doc
from kostack_testkit.kubeapi import KubeApiDouble


@dataclass
class Served:
    """A running double and a kubeconfig (mode 0600, bearer token) pointing at it."""

    api: KubeApiDouble
    kubeconfig: Path

    def collect(self, **options: Any) -> KubeCollection:
        options.setdefault("environ", {})
        return collect_kubernetes(str(self.kubeconfig), options.pop("context", None), **options)

    def requests(self, **match: str) -> list[str]:
        """Answered requests as "METHOD path?query status", optionally filtered by fields."""
        return [
            f"{r.method} {r.path}{'?' + r.query if r.query else ''} {r.status}"
            for r in self.api.requests
            if all(getattr(r, k) == v for k, v in match.items())
        ]


ServeFn = Callable[..., Served]


def openstack_on(subnet: str) -> dict[str, Any]:
    """The seed project's Neutron objects with every address moved onto ``subnet``."""
    doc = copy.deepcopy(seed_doc()["openstack"])
    network = ipaddress.ip_network(subnet)
    moved = {f"10.0.0.{n}": str(network.network_address + n) for n in range(1, 255)}
    doc["subnets"][0]["cidr"] = subnet
    doc["subnets"][0]["gateway_ip"] = moved[doc["subnets"][0]["gateway_ip"]]
    for port in doc["ports"]:
        for fixed in port["fixed_ips"]:
            fixed["ip_address"] = moved.get(fixed["ip_address"], fixed["ip_address"])
    for router in doc["routers"]:
        router["routes"] = []  # the seed's routes point at its 10.0.0.x nodes
    return doc


def joined_snapshot(collection: KubeCollection, subnet: str = "10.0.0.0/24") -> Snapshot:
    """A collected cluster on the seed's Neutron project (node subnet ``subnet``), with the
    nodes matched to their ports by the collector's own matching."""
    openstack = OpenStack.model_validate(openstack_on(subnet))
    links = match_identities(collection.nodes_raw, openstack.ports or ())
    assert all(link.port_id for link in links), links
    return Snapshot(openstack=openstack, cluster=collection.cluster, node_ports=links)
