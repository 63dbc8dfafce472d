"""Guard with two Calico pools against the real Neutron and the API double: it adds exactly the
second pool's range (the person's pairs and a keepalived VIP stay untouched), a second pass on
the unchanged cloud writes nothing, and when the pool goes it removes its own pairs only."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest_neutron import Seeder
from guard_testing import FIXED, world

from kostack.guard.breaker import BreakerSettings
from kostack.guard.ownership import MARKER_TAG, pair_tag
from kostack.lab.kube_objects import namespace_object
from kostack_testkit.k8s_fixture_calico import calico_ipam, calico_pool
from kostack_testkit.k8s_fixture_objects import make_nodes
from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble
from kostack_testkit.neutron_harness import NeutronHarness

pytestmark = pytest.mark.neutron

POOL_B = "10.245.0.0/16"
VIP = "10.0.0.200/32"


def test_a_second_pool_is_added_once_and_removed_alone(
    tmp_path: Path, neutron_harness: NeutronHarness, neutron_seeder: Seeder
) -> None:
    ids = neutron_seeder()
    pool = calico_pool(
        cidr=POOL_B, ipip_mode="Never", vxlan_mode="CrossSubnet", nat_outgoing=False, block_size=26
    )
    pool["metadata"] = {**pool["metadata"], "name": "pool-b", "uid": "uid-pool-b"}
    specs = make_nodes(workers=len(ids.nodes) - 1)
    in_b = [replace(s, pod_cidr=f"10.245.{i}.0/24") for i, s in enumerate(specs)]
    blocks = calico_ipam(in_b, [], block_size=26, tunnel_type=None)
    objects = [*seed_cluster(nodes=specs), namespace_object("kostack"), pool, *blocks]
    with KubeApiDouble(objects) as api:
        w = world(tmp_path, neutron_harness.endpoint, neutron_harness.endpoint, ids, api)
        w.fix_by_hand()  # the first pool and the service range, by a person
        w.set_pairs("k8s-w-1", [*FIXED, VIP])  # and a keepalived VIP
        loop = w.loop("enforce", breaker=BreakerSettings(max_share=1.0))
        added = loop.run_pass()
        assert added.result == "fixed", added.as_dict()
        assert sorted((d.action, d.outcome, d.added) for d in added.done) == [
            ("add-pairs", "applied", (POOL_B,))
        ] * len(w.port_ids)
        for node in w.port_ids:
            extra = [VIP] if node == "k8s-w-1" else []
            assert w.pairs(node) == sorted([*FIXED, POOL_B, *extra])
            assert w.tags(node) == sorted([MARKER_TAG, pair_tag(POOL_B)])
        revisions = {n: w.port(n).revision_number for n in w.port_ids}
        again = loop.run_pass()
        assert again.result == "clean" and again.done == ()  # no flapping
        assert {n: w.port(n).revision_number for n in w.port_ids} == revisions

        assert api.remove("crd.projectcalico.org/v1", "IPPool", "pool-b")
        for block in blocks:
            assert api.remove(block["apiVersion"], block["kind"], block["metadata"]["name"])
        removed = loop.run_pass()
        assert sorted((d.action, d.outcome, d.removed) for d in removed.done) == [
            ("remove-pairs", "applied", (POOL_B,))
        ] * len(w.port_ids)
        for node in w.port_ids:
            extra = [VIP] if node == "k8s-w-1" else []
            assert w.pairs(node) == sorted([*FIXED, *extra]) and w.tags(node) == []
        assert loop.run_pass().done == ()
