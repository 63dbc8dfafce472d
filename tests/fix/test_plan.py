"""The plan layer: pure, verified before apply, scoped, nothing planned twice."""

from __future__ import annotations

import copy
import ipaddress
import json
from dataclasses import replace

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.catalog import localize
from kostack.plan.build import build_plan, simulate
from kostack.plan.codec import PlanFormatError, plan_from_dict, plan_to_dict
from kostack.plan.model import Method, Operation, PlanOptions, PortFields
from kostack_testkit.builders import EXAMPLES, build, example_doc, seed_doc

POD = "10.244.0.0/16"
SVC = "10.96.0.0/12"
METHODS = (
    PlanOptions(),
    PlanOptions(Method.DISABLE_PORT_SECURITY),
    PlanOptions(tight=True),
    PlanOptions(service_cidr=True),
)


def test_plan_recommends_what_diagnose_recommends_pod_pairs_only() -> None:
    from kostack.analyze.diagnose import diagnose

    snapshot = build(seed_doc())
    plan = build_plan(snapshot)
    (rc,) = diagnose(snapshot).root_causes
    advised = {(r.target_id, r.param("ip_address")) for r in rc.fix.remedies}
    planned = {(a.target.id, p.ip_address) for a in plan.actions for p in a.pairs}
    assert planned == advised and {p for _, p in planned} == {POD}
    assert not any("not needed for traffic" in n for n in plan.notes)


def test_seed_plan_adds_pod_and_service_pairs_to_every_node_port() -> None:
    snapshot = build(seed_doc())
    plan = build_plan(snapshot, PlanOptions(service_cidr=True))
    assert [a.operation for a in plan.actions] == [Operation.ADD_ALLOWED_PAIRS] * 4
    links = {link.port_id: link.node for link in snapshot.node_ports or ()}
    for action in plan.actions:
        assert links[action.target.id] == action.target.name
        assert [p.ip_address for p in action.pairs] == [POD, SVC]
        assert action.not_for_traffic == (SVC,)
        assert action.fixes == ("antispoof",)
        assert "Neutron anti-spoofing drops pod traffic" in action.reason
        assert action.precondition.revision_number == 3
        assert action.before == PortFields.of(True, action.before.security_groups, ())  # type: ignore[union-attr]
        assert action.inverse.port_fields == action.before
        assert action.after is not None and action.after.port_security_enabled
    assert [r.key for r in plan.verification.before] == ["antispoof"]
    assert plan.verification.after == ()
    assert any("not needed for traffic" in n for n in plan.notes)


def test_no_service_cidr_and_tight() -> None:
    snapshot = build(seed_doc())
    plain = build_plan(snapshot, PlanOptions(service_cidr=False))
    assert all([p.ip_address for p in a.pairs] == [POD] for a in plain.actions)
    tight = build_plan(snapshot, PlanOptions(tight=True, service_cidr=False))
    blocks = {a.target.name: [p.ip_address for p in a.pairs] for a in tight.actions}
    assert blocks == {
        "k8s-cp-1": ["10.244.0.0/26"],
        "k8s-w-1": ["10.244.1.0/26"],
        "k8s-w-2": ["10.244.2.0/26"],
        "k8s-w-3": ["10.244.3.0/26"],
    }
    assert tight.verification.after == ()
    assert all(any("--tight" in n for n in a.notes) for a in tight.actions)


def test_nothing_that_already_holds_is_planned_again() -> None:
    assert build_plan(build(example_doc("seed-fixed"))).actions == ()
    some = build_plan(build(example_doc("pairs-some-ports")))
    assert sorted(a.target.name for a in some.actions) == ["k8s-w-2", "k8s-w-3"]
    doc = seed_doc()
    doc["openstack"]["ports"][0]["allowed_address_pairs"] = [{"ip_address": SVC}]
    plan = build_plan(build(doc))
    first = next(a for a in plan.actions if a.target.name == "k8s-cp-1")
    assert [p.ip_address for p in first.pairs] == [POD]  # the service pair is kept, not re-added
    assert sorted(p.ip_address for p in first.after.allowed_address_pairs) == [POD, SVC]  # type: ignore[union-attr]
    # applying a plan and planning again gives nothing
    for name in EXAMPLES:
        snapshot = build(example_doc(name))
        for options in METHODS:
            plan = build_plan(snapshot, options)
            again = build_plan(simulate(snapshot, plan.actions), options)
            assert again.automatic == (), (name, options, again.automatic)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_rules_are_scoped_to_the_cluster(name: str) -> None:
    snapshot = build(example_doc(name))
    pods = {str(c) for c in (snapshot.cluster.pod_cidrs or ())} if snapshot.cluster else set()
    for options in METHODS:
        plan = build_plan(snapshot, options)
        for action in plan.automatic:
            if action.rule is None:
                continue
            rule = action.rule
            assert rule.remote_group_id or rule.remote_ip_prefix in pods, rule
            if rule.remote_ip_prefix:
                assert ipaddress.ip_network(rule.remote_ip_prefix).prefixlen > 0


def test_ovn_plan_adds_the_pod_cidr_rule_pairs_alone_would_not_do() -> None:
    doc = seed_doc()
    doc["openstack"]["backend"] = "ml2/ovn"
    snapshot = build(doc)
    plan = build_plan(snapshot)
    rules = [a.rule for a in plan.automatic if a.rule is not None]
    assert [(r.remote_ip_prefix, r.protocol, r.remote_group_id) for r in rules] == [
        (POD, None, None)
    ]
    assert plan.verification.after == ()
    pairs_only = [a for a in plan.actions if a.operation == Operation.ADD_ALLOWED_PAIRS]
    left = [rc.key for rc in diagnose(simulate(snapshot, pairs_only)).root_causes]
    assert left == ["sg-pod-source"]


def test_unknown_backend_includes_the_ovn_rule_and_says_why() -> None:
    doc = seed_doc()
    doc["openstack"]["backend"] = None
    plan = build_plan(build(doc))
    (rule,) = [a for a in plan.automatic if a.rule is not None]
    assert rule.rule is not None and rule.rule.remote_ip_prefix == POD
    assert "needed only under ML2/OVN" in rule.notes[0]


def test_a_rule_for_a_group_other_vms_share_is_planned_with_a_warning_naming_them() -> None:
    doc = seed_doc()
    doc["openstack"]["backend"] = "ml2/ovn"  # the plan adds "any protocol from the pod CIDR"
    assert not any("of no node" in w for w in build_plan(build(doc)).warnings)
    vm = copy.deepcopy(doc["openstack"]["ports"][0])  # another team's VM, in the nodes' groups
    vm.update(
        id="b0000000-0000-4000-8000-000000000001",
        name="team-b-postgres",
        mac_address="fa:16:3e:00:0b:01",
        fixed_ips=[{"subnet_id": vm["fixed_ips"][0]["subnet_id"], "ip_address": "10.0.0.51"}],
        device_id="b0000000-0000-4000-8000-0000000000d1",
    )
    doc["openstack"]["ports"].append(vm)
    plan = build_plan(build(doc))
    (rule,) = [a for a in plan.automatic if a.rule is not None]
    (warning,) = [w for w in plan.warnings if "of no node" in w]
    assert f"security group {rule.target.name} is also on 1 port" in warning
    assert "(team-b-postgres)" in warning
    assert "team-b-postgres" in localize(warning, "ko") and "노드가 아닌 포트 1개" in localize(
        warning, "ko"
    )
    # a group another project owns (shared with this one): its ports are not even seen
    (group,) = [g for g in doc["openstack"]["security_groups"] if g["id"] == rule.target.id]
    group["project_id"] = "0ther0000000000000000000000000aa"
    (foreign,) = [w for w in build_plan(build(doc)).warnings if "belongs to project" in w]
    assert "0ther0000000000000000000000000aa" in foreign and "보이지 않으며" in localize(
        foreign, "ko"
    )


def test_a_pair_for_every_address_is_never_planned() -> None:
    """A pod range of 0.0.0.0/0 (misread or misconfigured) would have every node port accept
    any source: anti-spoofing off without --i-understand-this-disables-filtering."""
    doc = seed_doc()
    doc["cluster"]["cni"]["calico"]["ip_pools"][0]["cidr"] = "0.0.0.0/0"
    doc["cluster"]["pod_cidrs"] = ["0.0.0.0/0"]
    plan = build_plan(build(doc))
    assert not [p for a in plan.actions for p in a.pairs]
    (note,) = [n for n in plan.not_planned if "switches anti-spoofing off" in n]
    assert "0.0.0.0/0" in note and "스푸핑 방지를 끄는" in localize(note, "ko")


def test_disable_port_security_is_one_action_per_port_with_the_three_fields() -> None:
    plan = build_plan(build(seed_doc()), PlanOptions(Method.DISABLE_PORT_SECURITY))
    assert [a.operation for a in plan.actions] == [Operation.DISABLE_PORT_SECURITY] * 4
    for action in plan.actions:
        assert action.after == PortFields.of(False, (), ())
        assert action.parameters() == {
            "port_security_enabled": False,
            "security_groups": [],
            "allowed_address_pairs": [],
        }
        assert action.before is not None
        body = action.before.changes_to(action.after)
        assert set(body) == {"port_security_enabled", "security_groups", "allowed_address_pairs"}
    (warning,) = plan.warnings
    assert "Lost: (1) anti-spoofing" in warning and "k8s-nodes (3 ingress rules)" in warning


def test_verification_iterates_and_reveals_hidden_root_causes() -> None:
    doc = seed_doc()
    doc["openstack"]["routers"][0]["routes"] = []
    plan = build_plan(build(doc))
    assert [r.key for r in plan.verification.before] == ["antispoof"]
    assert [r.key for r in plan.verification.revealed] == ["router-no-route-back"]
    assert plan.verification.after == () and plan.verification.iterations == 2
    (routes,) = [a for a in plan.actions if a.operation == Operation.ADD_ROUTER_ROUTES]
    assert len(routes.routes) == 4 and routes.fixes == ("router-no-route-back",)


def test_manual_steps_and_unfixable_root_causes_are_listed_not_applied() -> None:
    mtu = build_plan(build(example_doc("mtu-1500")))
    (step,) = mtu.actions
    assert step.operation == Operation.MANUAL and not step.automatic
    assert "kubectl patch installation default" in step.command
    assert [r.key for r in mtu.verification.after] == ["mtu"]
    unmatched = build_plan(build(example_doc("unmatched-node")))
    assert unmatched.actions == ()
    assert any("no-port" in n for n in unmatched.not_planned)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_plans_round_trip_through_json_and_are_deterministic(name: str) -> None:
    snapshot = build(example_doc(name))
    for options in METHODS:
        plan = build_plan(snapshot, options)
        doc = json.loads(json.dumps(plan_to_dict(plan, "test")))
        assert plan_from_dict(doc) == plan
        assert plan_to_dict(build_plan(snapshot, options)) == plan_to_dict(plan)


def test_a_damaged_plan_document_names_the_field() -> None:
    doc = plan_to_dict(build_plan(build(seed_doc())))
    with pytest.raises(PlanFormatError, match="digest"):
        plan_from_dict({**doc, "actions": doc["actions"][:2]})
    with pytest.raises(PlanFormatError, match="not a kostack fix plan"):
        plan_from_dict({**doc, "kind": "something"})
    bad = json.loads(json.dumps(doc))
    bad["actions"][0]["operation"] = "reboot"
    with pytest.raises(PlanFormatError, match="unknown operation") as exc:
        plan_from_dict(bad)
    assert exc.value.where == "plan.actions[0]"
    bad = json.loads(json.dumps(doc))
    del bad["actions"][1]["precondition"]
    with pytest.raises(PlanFormatError, match="missing field 'precondition'"):
        plan_from_dict(bad)


def test_port_fields_compare_pair_spellings_alike() -> None:
    from kostack.plan.model import Pair

    a = PortFields.of(True, ("g",), (Pair("10.0.0.5", "FA:16:3E:00:00:01"),))
    b = PortFields.of(True, ("g",), (Pair("10.0.0.5/32", "fa:16:3e:00:00:01"),))
    assert a != b and a.same(b)
    assert replace(a, port_security_enabled=False).changes_to(a).keys() == {
        "port_security_enabled",
        "security_groups",
        "allowed_address_pairs",
    }
