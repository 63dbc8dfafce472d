"""Node ports whose egress rules were removed: the causes found at the senders' egress rules
come with the egress rule that fixes them (not only with disabling port security), and the
plan says where an egress rule goes ("to"), in English and Korean."""

from __future__ import annotations

from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.plan.build import build_plan
from kostack.report.fixplan import render_plan
from kostack_testkit.builders import (
    POD_CIDR,
    SG_NODES,
    add_pairs,
    build,
    calico_pool,
    group,
    rule,
    seed_doc,
    set_calico_mode,
    use_only_group,
)


def _no_egress(vxlan: bool) -> dict[str, Any]:
    """Node ports only in `k8s-nodes`, which admits the cluster's traffic in but has no egress
    rule at all."""
    doc = seed_doc()
    add_pairs(doc, [POD_CIDR])
    calico_pool(doc)["nat_outgoing"] = True
    if vxlan:
        set_calico_mode(doc, vxlan="Always")
        doc["cluster"]["cni"]["calico"]["bgp"] = False
    sg = group(doc, "k8s-nodes")
    sg["rules"] = [
        rule(SG_NODES, "ingress", None, None, group=SG_NODES),
        rule(SG_NODES, "ingress", None, None, POD_CIDR),
    ]
    use_only_group(doc, "k8s-nodes")
    return doc


def test_encapsulation_dropped_at_egress_is_fixed_by_an_egress_rule_to_the_nodes() -> None:
    snap = build(_no_egress(vxlan=True))
    rc = next(r for r in diagnose(snap).root_causes if r.key == "sg-encap")
    (fix,) = rc.fix.remedies
    params = dict(fix.params)
    assert params["direction"] == "egress" and params["protocol"] == "udp"
    assert params["port_range_min"] == "4789" and params["remote_group_id"] == SG_NODES
    plan = build_plan(snap)
    assert "sg-encap" not in {r.key for r in plan.verification.after}
    en = render_plan(plan, lang="en")
    assert "add rule egress IPv4 udp 4789 to remote group" in en and "from remote group" not in en
    assert "목적지: 원격 그룹" in render_plan(plan, lang="ko")


def test_pod_sources_dropped_at_egress_are_fixed_by_an_egress_rule_to_the_pod_cidr() -> None:
    snap = build(_no_egress(vxlan=False))  # VXLANCrossSubnet in one subnet: pod sources
    rc = next(r for r in diagnose(snap).root_causes if r.key == "sg-pod-source")
    (fix,) = rc.fix.remedies
    params = dict(fix.params)
    assert (params["direction"], params["remote_ip_prefix"]) == ("egress", POD_CIDR)
    plan = build_plan(snap)
    assert "sg-pod-source" not in {r.key for r in plan.verification.after}


def test_drops_to_the_outside_are_their_own_cause_with_no_rule_planned() -> None:
    """Pods' (masqueraded) traffic to the outside dropped at the nodes' egress rules: its own
    root cause, sg-outside (it was filed under "node-to-node cluster traffic" with the Typha
    rule as its fix, which does not fix it); kostack plans no rule to the outside and says so."""
    from kostack.report.text import render_diagnosis

    d = diagnose(build(_no_egress(vxlan=True)))
    causes = {rc.key: rc for rc in d.root_causes}
    outside = causes["sg-outside"]
    assert {f.check_id for f in outside.symptoms} == {"net-pod-egress"}
    assert not outside.fix.remedies and outside.fix.alternative  # only disabling, as ever
    node = causes["sg-node"]
    assert "net-pod-egress" not in {f.check_id for f in node.symptoms}
    en = " ".join(render_diagnosis(d, "en", False).split())
    assert "Security groups drop the nodes' traffic to the outside" in en
    assert "kostack plans no egress rule to the outside (it never opens 0.0.0.0/0)" in en
    ko = " ".join(render_diagnosis(d, "ko", False).split())
    assert "보안 그룹이 노드에서 클러스터 외부로 나가는 트래픽을 차단함" in ko
    plan = build_plan(d.snapshot)
    prefixes = {a.rule.remote_ip_prefix for a in plan.actions if a.rule is not None}
    assert prefixes and not prefixes & {"0.0.0.0/0", "::/0"}


def test_the_ovn_note_comes_only_with_a_drop_at_the_receivers_rules_outside_ml2_ovs() -> None:
    """The note on OVN's remote-group rules explains a drop at the receivers' ingress rules;
    under a drop at the senders' egress rules, or on ML2/OVS, it was said all the same."""
    from kostack.analyze.messages import localize
    from kostack_testkit.builders import example_doc

    def messages(doc: dict[str, Any]) -> list[str]:
        d = diagnose(build(doc))
        found = [f for f in d.findings if f.check_id == "net-sg-pod-source-ingress"]
        return [localize(f.message, "en") for f in found if f.status != "pass"]

    at_senders = messages(_no_egress(vxlan=False))
    assert at_senders and not any("Under ML2/OVN" in m for m in at_senders)
    ovn = messages(example_doc("ovn-seed-fix-not-enough"))
    assert ovn and all("Under ML2/OVN a remote-group rule matches only" in m for m in ovn)
