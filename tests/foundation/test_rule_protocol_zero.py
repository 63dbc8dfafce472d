"""A rule of protocol "0" admits every protocol under the iptables firewall driver and none
under the Open vSwitch firewall or OVN (docs/facts.md section 2): without the driver it is
undecided, never a decided drop (nor a decided pass)."""

from __future__ import annotations

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack_testkit.builders import (
    SG_NODES,
    build,
    calico_pool,
    group,
    new_group_rules,
    rule,
    seed_doc,
    set_calico_mode,
    use_only_group,
)


def test_vxlan_admitted_only_by_a_protocol_zero_rule_is_undecided() -> None:
    doc = seed_doc()
    set_calico_mode(doc, vxlan="Always")
    calico_pool(doc)["nat_outgoing"] = True
    doc["cluster"]["cni"]["calico"]["bgp"] = False
    group(doc, "k8s-nodes")["rules"] = [
        *new_group_rules(SG_NODES),
        rule(SG_NODES, "ingress", "tcp", (1, 65535), group=SG_NODES),
        rule(SG_NODES, "ingress", "0", None, "10.0.0.0/24"),
    ]
    use_only_group(doc, "k8s-nodes")
    d = diagnose(build(doc))
    assert d.root_causes == ()
    encap = [f for f in d.findings if f.check_id == "net-sg-cni-encap"]
    assert encap and all(f.status == Status.UNKNOWN for f in encap)
    assert d.verdict.paths["pod-to-pod"] == "undecided"
