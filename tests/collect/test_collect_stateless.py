"""Stateless security groups against the real Neutron harness (docs/facts.md "Stateless
security groups"): the attribute is collected, and Neutron refuses a port with both kinds."""

from __future__ import annotations

import openstack.exceptions
import pytest
from conftest_neutron import SeededNeutron

from kostack.collect.openstack import collect_openstack
from kostack_lab.neutron import openstack_connection

pytestmark = pytest.mark.neutron


def test_stateful_false_is_collected_and_a_port_cannot_mix_both_kinds(
    seeded_neutron: SeededNeutron,
) -> None:
    ids = seeded_neutron.ids
    admin = openstack_connection(seeded_neutron.endpoint)
    stateless = admin.network.create_security_group(name="nfv-stateless", stateful=False)
    assert stateless.stateful is False
    w1 = ids.port_ids["k8s-w-1"]
    # the seed's node ports carry stateful groups: adding a stateless one is refused (409)
    with pytest.raises(openstack.exceptions.ConflictException, match="stateful and stateless"):
        admin.network.update_port(w1, security_groups=[ids.nodes_sg_id, stateless.id])
    # a group with ports cannot change kind either
    with pytest.raises(openstack.exceptions.ConflictException):
        admin.network.update_security_group(ids.nodes_sg_id, stateful=False)
    admin.network.update_port(w1, security_groups=[stateless.id])

    record, gaps = collect_openstack(
        openstack_connection(seeded_neutron.endpoint), project_scope=None
    )
    assert gaps == ()
    assert record.extensions is not None and "stateful-security-group" in record.extensions
    groups = {g.id: g for g in record.security_groups or ()}
    assert groups[stateless.id].stateful is False
    assert groups[ids.nodes_sg_id].stateful is True
    ports = {p.id: p for p in record.ports or ()}
    assert ports[w1].security_group_ids == (stateless.id,)
