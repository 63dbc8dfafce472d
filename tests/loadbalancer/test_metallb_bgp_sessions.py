"""net-sg-metallb-bgp: the MetalLB speakers' BGP sessions through the security groups (the
speaker dials peerAddress:peerPort: metallb/metallb internal/bgp/native/native.go dialMD5).

Before the check existed no finding named a dropped MetalLB session: these tests fail there.
"""

from __future__ import annotations

from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack.plan.build import build_plan
from kostack_testkit.builders import Doc, build
from kostack_testkit.metallb import (
    EXCLUDE,
    FIXED,
    ROUTER,
    SPEAKER,
    metallb_bgp_doc,
    metallb_doc,
    metallb_example_doc,
)

ID = "net-sg-metallb-bgp"
EXAMPLE = "metallb-bgp-egress-blocked"


def findings(doc: Doc) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == ID]


def one(doc: Doc) -> Finding:
    found = findings(doc)
    assert len(found) == 1, [(str(f.status), str(f.message)) for f in found]
    return found[0]


def test_narrowed_egress_drops_the_sessions_and_names_the_rule_to_add() -> None:
    doc = metallb_example_doc(EXAMPLE)
    f = one(doc)
    assert f.status == Status.FAIL and f.cause == "metallb-bgp-blocked"
    assert set(f.nodes) == {"k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"}
    text = str(f.message)
    assert "BGPPeer router (10.0.0.250, tcp 179)" in text and "egress rules" in text
    assert "k8s-nodes" in text
    (remedy,) = f.remedies
    assert (
        remedy.param("direction") == "egress" and remedy.param("remote_ip_prefix") == f"{ROUTER}/32"
    )
    assert (remedy.param("protocol"), remedy.param("port_range_min")) == ("tcp", "179")
    assert "BGP 세션을 차단합니다" in localize(f.message, "ko")
    d = diagnose(build(doc))
    assert [rc.key for rc in d.root_causes] == ["metallb-bgp-blocked"]
    (command,) = next(rc for rc in d.root_causes).fix.commands
    assert command.startswith("openstack security group rule create --egress")
    assert "--remote-ip 10.0.0.250/32" in command and "--dst-port 179" in command


def test_the_plan_adds_the_egress_rule_and_verifies_clean() -> None:
    plan = build_plan(build(metallb_example_doc(EXAMPLE)))
    rules = [a.rule for a in plan.actions if a.rule is not None]
    assert [(r.direction, r.remote_ip_prefix) for r in rules] == [("egress", f"{ROUTER}/32")]
    assert not plan.verification.after


def test_the_fixed_state_passes() -> None:
    doc = metallb_example_doc(EXAMPLE)
    FIXED[EXAMPLE](doc)
    f = one(doc)
    assert f.status == Status.PASS and "4 sessions" in str(f.message)


def test_a_router_vm_of_the_project_must_admit_the_nodes() -> None:
    doc = metallb_bgp_doc()
    doc["cluster"]["virtual_ips"]["metallb"]["speaker"] = dict(SPEAKER)
    ports = doc["openstack"]["ports"]
    node_port = ports[0]
    group = {"id": "router-sg", "name": "router", "rules": [], "stateful": True}
    doc["openstack"]["security_groups"].append({**doc["openstack"]["security_groups"][0], **group})
    router: dict[str, Any] = {
        **node_port,
        "id": "router-port",
        "name": "router-vm",
        "device_id": "router-vm",
        "mac_address": "fa:16:3e:00:02:50",
        "fixed_ips": [{**node_port["fixed_ips"][0], "ip_address": ROUTER}],
        "security_group_ids": ["router-sg"],
        "allowed_address_pairs": [],
    }
    ports.append(router)
    found = [f for f in findings(doc) if f.status == Status.FAIL]
    assert len(found) == 1, [str(f.message) for f in findings(doc)]
    f = found[0]
    assert "router-vm" in str(f.message) and "ingress rules" in str(f.message)
    assert {(r.target_id, r.param("direction")) for r in f.remedies} == {("router-sg", "ingress")}
    assert {r.param("remote_ip_prefix") for r in f.remedies} == {"10.0.0.0/24"}
    assert any(a.id == "router-port" for a in f.affected)


def test_ingress_admitting_the_router_does_not_help_a_speaker_never_listens() -> None:
    doc = metallb_example_doc(EXAMPLE)
    nodes = next(g for g in doc["openstack"]["security_groups"] if g["name"] == "k8s-nodes")
    nodes["rules"].append(
        {
            "id": "bgp-in",
            "direction": "ingress",
            "ethertype": "IPv4",
            "protocol": "tcp",
            "port_range_min": 179,
            "port_range_max": 179,
            "remote_ip_prefix": f"{ROUTER}/32",
            "remote_group_id": None,
        }
    )
    assert one(doc).status == Status.FAIL


def test_excluded_nodes_hold_no_judged_session_and_l2_only_is_not_applicable() -> None:
    doc = metallb_example_doc(EXAMPLE)
    plane = next(n for n in doc["cluster"]["nodes"] if n["name"] == "k8s-cp-1")
    plane["labels"][EXCLUDE] = ""
    assert "k8s-cp-1" not in one(doc).nodes
    assert one(metallb_doc()).status == Status.NOT_APPLICABLE


def test_peers_unread_or_unnumbered_are_unknown() -> None:
    doc = metallb_example_doc(EXAMPLE)
    del doc["cluster"]["virtual_ips"]["metallb"]["peers"]
    assert one(doc).status == Status.UNKNOWN
    doc = metallb_example_doc(EXAMPLE)
    peer = doc["cluster"]["virtual_ips"]["metallb"]["peers"][0]
    peer["address"], peer["interface"] = None, "ens4"
    f = one(doc)
    assert f.status == Status.UNKNOWN and "unnumbered" in str(f.message)
