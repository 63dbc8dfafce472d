"""Stateless security groups in the lab's data plane, driven by the real Neutron: the reply
of a connection meets the rules like any packet (docs/facts.md "Stateless security groups")."""

from __future__ import annotations

from typing import Any

import pytest

from kostack_lab.lab import Lab
from kostack_lab.neutron import openstack_connection

pytestmark = [pytest.mark.lab, pytest.mark.neutron]

TIMEOUT = 1.5
CLUSTER = ("10.244.0.0/16", "10.0.0.0/24")  # the seed's pods and nodes


def test_a_stateless_group_drops_replies_until_the_ephemeral_ports_are_admitted(
    lab: Lab, seeded_neutron: Any
) -> None:
    endpoint, ids = seeded_neutron.endpoint, seeded_neutron.ids
    lab.up("seed", neutron_endpoint=endpoint)
    network = openstack_connection(endpoint).network
    for node in ids.nodes:  # the seed's own fix: pairs for the pod CIDR
        network.update_port(node.port_id, allowed_address_pairs=[{"ip_address": CLUSTER[0]}])
    assert lab.sync().changed
    assert lab.probe_round(timeout=TIMEOUT)["egress_http"].ok  # stateful: the reply passes

    # the same cluster on a stateless group admitting everything from inside the cluster:
    # the web server outside answers, and its reply is dropped at the client's port
    sg = network.create_security_group(name="nodes-stateless", stateful=False)
    for prefix in CLUSTER:
        network.create_security_group_rule(
            security_group_id=sg.id, direction="ingress", remote_ip_prefix=prefix
        )
    for node in ids.nodes:
        network.update_port(node.port_id, security_group_ids=[sg.id])
    assert lab.sync().changed
    probes = lab.probe_round(timeout=TIMEOUT)
    assert not probes["egress_http"].ok
    assert "meta mark 0x1 jump sg_in_" in lab.paths.portsec_nft.read_text()
    assert probes["pod_to_pod"].ok and probes["dns"].ok  # inside the cluster: admitted
    assert lab.counters()["k8s-w-1"].ingress_drops > 0

    for proto in ("tcp", "udp"):  # what net-sg-stateless proposes for replies from outside
        network.create_security_group_rule(
            security_group_id=sg.id,
            direction="ingress",
            protocol=proto,
            port_range_min=32768,
            port_range_max=60999,
            remote_ip_prefix="0.0.0.0/0",
        )
    assert lab.sync().changed
    assert lab.probe_round(timeout=TIMEOUT)["egress_http"].ok
