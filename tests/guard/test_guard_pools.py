"""Guard with two Calico pools against the real Neutron and the API double: it adds exactly the
second pool's range (the person's pairs and a keepalived VIP stay untouched), a second pass on
the unchanged cloud writes nothing, and when the pool goes it removes its own pairs only."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest_neutron import Seeder
from guard_testing import FIXED, world

from kostack.guard.breaker import BreakerSettings
from kostack.guard.drift import compute
from kostack.guard.ownership import MARKER_TAG, pair_tag
from kostack.guard.render import write_line
from kostack_lab.kube_objects import namespace_object
from kostack_testkit.builders import build, ports_of
from kostack_testkit.dualstack import POD_CIDR_V6, dual_stack_doc
from kostack_testkit.faultproxy import FaultProxy
from kostack_testkit.k8s_fixture_calico import calico_ipam, calico_pool
from kostack_testkit.k8s_fixture_objects import make_nodes
from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble
from kostack_testkit.multipool import two_pools
from kostack_testkit.neutron_harness import NeutronHarness

pytestmark = pytest.mark.neutron

POOL_B = "10.245.0.0/16"  # kostack_testkit.multipool.POOL_B
VIP = "10.0.0.200/32"


def _two_pools(nodes: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The seed cluster's objects with a second pool (a block on every node); and the blocks."""
    pool = calico_pool(
        cidr=POOL_B, ipip_mode="Never", vxlan_mode="CrossSubnet", nat_outgoing=False, block_size=26
    )
    pool["metadata"] = {**pool["metadata"], "name": "pool-b", "uid": "uid-pool-b"}
    specs = make_nodes(workers=nodes - 1)
    in_b = [replace(s, pod_cidr=f"10.245.{i}.0/24") for i, s in enumerate(specs)]
    blocks = calico_ipam(in_b, [], block_size=26, tunnel_type=None)
    return [*seed_cluster(nodes=specs), namespace_object("kostack"), pool, *blocks], blocks


def test_a_second_pool_is_added_once_and_removed_alone(
    tmp_path: Path, neutron_harness: NeutronHarness, neutron_seeder: Seeder
) -> None:
    ids = neutron_seeder()
    objects, blocks = _two_pools(len(ids.nodes))
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


def test_a_port_at_neutrons_pair_limit_is_not_written_again_until_it_changes(
    tmp_path: Path, neutron_harness: NeutronHarness, neutron_seeder: Seeder
) -> None:
    """Neutron refuses an eleventh pair (400 AllowedAddressPairExhausted): sending the same
    change to the same port every pass only fails again (and backs the whole loop off)."""
    ids = neutron_seeder()
    objects, _blocks = _two_pools(len(ids.nodes))
    vips = [f"10.0.0.{200 + i}/32" for i in range(8)]
    with KubeApiDouble(objects) as api, FaultProxy(neutron_harness.endpoint) as proxy:
        w = world(tmp_path, proxy.endpoint, neutron_harness.endpoint, ids, api)
        w.fix_by_hand()
        w.set_pairs("k8s-w-1", [*FIXED, *vips])  # ten pairs: Neutron's default limit
        full = w.port_ids["k8s-w-1"]
        loop = w.loop("enforce", breaker=BreakerSettings(max_share=1.0))
        first = loop.run_pass()
        (refused,) = [d for d in first.done if d.target == full]
        assert refused.outcome == "failed" and "AllowedAddressPairExhausted" in refused.error
        assert first.failed == 1 and loop.failures == 1
        proxy.reset_counts()
        second = loop.run_pass()
        assert proxy.count("PUT", rf"^/v2\.0/ports/{full}$") == 0  # not sent again
        assert [(d.target, d.outcome) for d in second.done] == [(full, "refused")]
        assert second.failed == 0 and loop.failures == 0  # no backoff for the others
        line = write_line(second.done[0], "en")
        assert "not sent again: Neutron refused the same change" in line
        assert "AllowedAddressPairExhausted" in line
        assert "다시 보내지 않음" in write_line(second.done[0], "ko")
        assert w.pairs("k8s-w-1") == sorted([*FIXED, *vips])

        w.set_pairs("k8s-w-1", [*FIXED, *vips[1:]])  # a person frees one
        third = loop.run_pass()
        assert [(d.target, d.outcome) for d in third.done] == [(full, "applied")]
        assert w.pairs("k8s-w-1") == sorted([*FIXED, *vips[1:], POOL_B])


def test_dual_stack_with_two_pools_is_added_in_one_pass_and_then_clean() -> None:
    """Every pool of both families and both service ranges on each port at once; once they
    are there (tagged as guard's), the next pass finds nothing to write."""
    doc = dual_stack_doc()
    doc["cluster"]["cni"]["calico"]["ip_pools"][1]["nat_outgoing"] = True
    two_pools(doc, ipip="Never")
    drift = compute(build(doc))
    wanted = ("10.244.0.0/16", POOL_B, "10.96.0.0/12", POD_CIDR_V6, "fd00:10:96::/112")
    assert [(p.add, p.remove) for p in drift.ports] == [(wanted, ())] * 4 and not drift.rules
    for port in ports_of(doc):
        port["allowed_address_pairs"] = [{"ip_address": c} for c in wanted]
        port["tags"] = [MARKER_TAG, *(pair_tag(c) for c in wanted)]
    assert compute(build(doc)).clean
