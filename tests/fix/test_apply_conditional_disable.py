"""`kostack fix plan --method disable-port-security` on a cloud whose only cause is conditional
(the pod-CIDR rule only on ML2/OVN, the backend not known): the plan has the cause's fast
alternative, each port marked for its case, and applying it against the real Neutron does what
it says and rolls back exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from fix_cloud import SeedCloud, diff_states, harness_snapshot

from kostack.analyze.diagnose import diagnose
from kostack.analyze.messages import localize
from kostack.apply.engine import apply_plan, rollback_journal
from kostack.apply.journal import Journal
from kostack.apply.neutron import Neutron
from kostack.apply.recollect import recollected_snapshot
from kostack.plan.build import build_plan
from kostack.plan.model import Method, Operation, PlanOptions
from kostack_lab.neutron import openstack_connection

pytestmark = pytest.mark.neutron

POD_CIDR = "10.244.0.0/16"
CASE = {
    "en": "needed only on ML2/OVN, which the snapshot does not say: do not apply this change "
    "otherwise. Fast and insecure",
    "ko": "ML2/OVN 조건에서만 필요하며, 스냅샷으로는 그 조건인지 알 수 없습니다. 그 밖의 경우에는 "
    "이 변경을 적용하지 마세요",
}


def test_a_conditional_causes_fast_alternative_is_planned_marked_applied_and_rolled_back(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    conn = openstack_connection(seed_cloud.endpoint)
    node_ports = [link.port_id for link in seed_cloud.snapshot.node_ports or ()]
    for port_id in node_ports:  # the fixed seed: pairs for the pod CIDR on every node port
        assert port_id is not None
        conn.network.update_port(port_id, allowed_address_pairs=[{"ip_address": POD_CIDR}])
    original = seed_cloud.state()
    snapshot = harness_snapshot(seed_cloud.endpoint, backend=None)
    d = diagnose(snapshot)
    # the harness's router has no routes back to the pods (natOutgoing off): decided, and apart
    assert [rc.key for rc in d.root_causes] == ["router-no-route-back"]
    assert [rc.key for rc in d.conditional] == ["sg-pod-source"]

    plan = build_plan(snapshot, PlanOptions(Method.DISABLE_PORT_SECURITY))
    disabled = [a for a in plan.automatic if a.operation == Operation.DISABLE_PORT_SECURITY]
    assert sorted(a.target.id for a in disabled) == sorted(p for p in node_ports if p)
    assert all(a.fixes == ("sg-pod-source",) for a in disabled)
    assert plan.verification.after == ()
    for lang in ("en", "ko"):
        for a in disabled:
            notes = [localize(n, lang) for n in a.notes]
            assert any(n.startswith(CASE[lang]) for n in notes), notes
            assert {"en": "(on ML2/OVN)", "ko": "(ML2/OVN 조건)"}[lang] in localize(a.reason, lang)
    # no rule instead: the method's change is the ports'
    assert not [a for a in plan.automatic if a.operation == Operation.ADD_SG_RULE]

    neutron = Neutron(conn)
    with Journal.create(tmp_path / "j.jsonl", plan) as journal:
        report = apply_plan(journal, neutron)
    assert report.ok, report.problems
    state = seed_cloud.state()
    for port_id in node_ports:
        port = state["ports"][port_id]
        assert port["port_security_enabled"] is False
        assert port["security_groups"] == [] and port["allowed_address_pairs"] == []
    # under ML2/OVN too, nothing is left: no group filters these ports any more
    after = recollected_snapshot(snapshot, conn)
    assert after.openstack is not None
    ovn = after.model_copy(
        update={"openstack": after.openstack.model_copy(update={"backend": "ml2/ovn"})}
    )
    assert diagnose(ovn).root_causes == () and diagnose(after).conditional == ()

    with Journal.open(tmp_path / "j.jsonl") as journal:
        assert rollback_journal(journal, Neutron(conn)).ok
    assert diff_states(original, seed_cloud.state()) == []
