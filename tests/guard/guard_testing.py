"""A cloud and a cluster for guard's tests: the real Neutron harness and the Kubernetes API double.

`GuardWorld` seeds Neutron with the seed incident's topology (N node ports,
their Nova device ids), serves the matching kubeadm + Calico cluster from the
API double, and offers what a test does to them: a person fixing ports, a
node joining (a Neutron port and a Node object) or leaving, reading a
port's pairs and tags. `loop()` builds a guard loop reading them live.
(A module of its own, not conftest, so tests import it by name.)
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kostack.collect.live import CollectOptions
from kostack.guard.breaker import BreakerSettings
from kostack.guard.drift import DriftOptions
from kostack.guard.enforce import WriteHook
from kostack.guard.journal import GuardJournal, journal_path
from kostack.guard.lease import LeaderElector
from kostack.guard.loop import GuardLoop, GuardSettings
from kostack.guard.source import LiveReader
from kostack.guard.state import GuardState
from kostack_lab.kube_objects import namespace_object
from kostack_lab.neutron import openstack_connection
from kostack_lab.neutron_seed import SeedIds
from kostack_lab.seed import FIRST_NODE_HOST, node_device_id, node_mac
from kostack_testkit.k8s_fixture_calico import calico_ipam, calico_node_annotations
from kostack_testkit.k8s_fixture_kubeadm import node_object
from kostack_testkit.k8s_fixture_objects import NodeSpec, make_nodes
from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble

POD_CIDR = "10.244.0.0/16"
SERVICE_CIDR = "10.96.0.0/12"
FIXED = [POD_CIDR, SERVICE_CIDR]


@dataclass
class GuardWorld:
    """Neutron (seeded) + the API double (the same nodes) + what a guard needs to read them."""

    endpoint: str  # where guard talks to Neutron (the harness, or a fault proxy in front of it)
    neutron_endpoint: str  # the harness itself (a person's edits go there)
    ids: SeedIds
    api: KubeApiDouble
    tmp: Path
    nodes: list[NodeSpec]
    logs: list[str] = field(default_factory=list)
    backend: Any = "ml2/ovs"

    def __post_init__(self) -> None:
        self.conn = openstack_connection(self.neutron_endpoint)
        clouds = self.tmp / "clouds.yaml"
        clouds.write_text(
            json.dumps(
                {
                    "clouds": {
                        "seed": {"auth_type": "none", "network_endpoint_override": self.endpoint}
                    }
                }
            )
        )
        self.kubeconfig = self.api.write_kubeconfig(self.tmp / "kubeconfig")
        self.environ = {
            "HOME": str(self.tmp),
            "OS_CLIENT_CONFIG_FILE": str(clouds),
            "OS_CLOUD": "seed",
            "KUBECONFIG": str(self.kubeconfig),
        }
        self.port_ids: dict[str, str] = dict(self.ids.port_ids)

    # ------------------------------------------------------------------ guard

    def options(self, timeout_s: float = 10.0) -> CollectOptions:
        # the harness has no agents to reveal its backend: say it, as operators can
        return CollectOptions(
            kubeconfig=str(self.kubeconfig),
            neutron_backend=self.backend,
            helm=False,
            timeout_s=timeout_s,
            environ=self.environ,
        )

    def loop(
        self,
        mode: str = "enforce",
        *,
        name: str = "guard",
        elector: LeaderElector | None = None,
        before_write: WriteHook | None = None,
        breaker: BreakerSettings | None = None,
        drift: DriftOptions | None = None,
        writes_per_minute: int = 600,
        timeout_s: float = 10.0,
        clock: Callable[[], float] | None = None,
        lang: str = "en",
    ) -> GuardLoop:
        settings = GuardSettings(
            mode=mode,
            interval=30.0,
            writes_per_minute=writes_per_minute,
            breaker=breaker or BreakerSettings(),
            drift=drift or DriftOptions(),
        )
        journal = (
            GuardJournal(journal_path(self.tmp / "journal", name), instance=name, version="test")
            if mode == "enforce"
            else None
        )
        extra: dict[str, Any] = {"clock": clock} if clock is not None else {}
        return GuardLoop(
            LiveReader(self.options(timeout_s)),
            settings,
            GuardState(mode=mode, interval=30.0, lang=lang),
            log=self.logs.append,
            journal=journal,
            elector=elector,
            before_write=before_write,
            **extra,
        )

    # ------------------------------------------------------------------ what people and clouds do

    def port(self, node: str) -> Any:
        return self.conn.network.get_port(self.port_ids[node])

    def pairs(self, node: str) -> list[str]:
        return sorted(str(p["ip_address"]) for p in self.port(node).allowed_address_pairs or ())

    def tags(self, node: str) -> list[str]:
        return sorted(self.port(node).tags or ())

    def set_pairs(self, node: str, cidrs: list[str]) -> None:
        """A person (or `kostack fix apply`) sets the port's pairs: no ownership tags."""
        self.conn.network.update_port(
            self.port_ids[node], allowed_address_pairs=[{"ip_address": c} for c in cidrs]
        )

    def fix_by_hand(self, nodes: list[str] | None = None) -> None:
        for node in nodes or list(self.port_ids):
            self.set_pairs(node, FIXED)

    def join(
        self, name: str, *, port: bool = True, node: bool = True, block: bool = True
    ) -> NodeSpec:
        """A node joins: its VM's port (no pairs), its Node object, and the IPAM block that
        calico-node takes for the node's VXLAN tunnel address when it starts (before any pod)."""
        index = FIRST_NODE_HOST + len(self.nodes)
        spec = NodeSpec(
            name=name,
            internal_ip=f"10.0.0.{index}",
            pod_cidr=str(
                list(ipaddress.ip_network(POD_CIDR).subnets(new_prefix=24))[len(self.nodes)]
            ),
        )
        self.nodes.append(spec)
        if port:
            created = self.conn.network.create_port(
                name=name,
                network_id=self.ids.network_id,
                fixed_ips=[{"subnet_id": self.ids.subnet_id, "ip_address": spec.internal_ip}],
                mac_address=node_mac(index),
                security_groups=[self.ids.default_sg_id, self.ids.nodes_sg_id],
                port_security_enabled=True,
                device_owner="compute:nova",
                device_id=node_device_id(name),
            )
            self.port_ids[name] = str(created.id)
        if node:
            self.api.add(node_manifest(spec))
        if block:
            for obj in calico_ipam([spec], [], block_size=26, tunnel_type="vxlanTunnelAddress"):
                self.api.add(obj)
        return spec

    def leave(self, name: str) -> None:
        """The Node object goes (the VM and its port may stay: a reused VM)."""
        assert self.api.remove("v1", "Node", name)


def node_manifest(spec: NodeSpec) -> dict[str, Any]:
    annotations = calico_node_annotations([spec], "Never", "CrossSubnet")[spec.name]
    return node_object(
        spec,
        kubernetes_version="v1.33.5",
        annotations=annotations,
        network_reason=("CalicoIsUp", "Calico is running on this node"),
    )


def seed_api(nodes: int) -> KubeApiDouble:
    specs = make_nodes(workers=nodes - 1)
    return KubeApiDouble([*seed_cluster(nodes=specs), namespace_object("kostack")])


def world(
    tmp: Path, endpoint: str, neutron_endpoint: str, ids: SeedIds, api: KubeApiDouble
) -> GuardWorld:
    return GuardWorld(
        endpoint=endpoint,
        neutron_endpoint=neutron_endpoint,
        ids=ids,
        api=api,
        tmp=tmp,
        nodes=list(make_nodes(workers=len(ids.nodes) - 1)),
    )


def journal_records(loop: GuardLoop) -> Iterator[dict[str, Any]]:
    assert loop.journal is not None
    yield from loop.journal.records()
