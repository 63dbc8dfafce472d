"""Situations the examples do not cover: stale members, members of nodes that left, monitors
that cannot see a drop, objects switched off. Each asserts the root cause (or its absence)."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import pytest

from kostack.analyze.diagnose import Diagnosis, diagnose
from kostack.analyze.findings import Status
from kostack.plan.build import build_plan
from kostack.report import lb_text
from kostack.report.lb_text import lb_breaks, lb_breaks_marked
from kostack_testkit.builders import build
from kostack_testkit.dualstack import (
    SUBNET_V6_ID,
    dual_stack_fixed,
    make_dual_stack,
    node_ip_v6,
)
from kostack_testkit.lb_fixtures import (
    amphora_healthy,
    amphora_nodeport_blocked,
    etp_local_by_design,
    lb_doc,
    load_balancer,
    nodeport_rule,
)

Doc = dict[str, Any]


def _lb(doc: Doc) -> Doc:
    lb: Doc = doc["openstack"]["load_balancers"][0]
    return lb


def _svc(doc: Doc) -> Doc:
    svc: Doc = doc["cluster"]["services"][-1]
    return svc


def _statuses(doc: Doc, status: str) -> None:
    pool = _lb(doc)["pools"][0]
    for member in pool["members"]:
        member["operating_status"] = status
    pool["operating_status"] = "ONLINE" if status == "ONLINE" else "ERROR"


def _lb_findings(d: Diagnosis, check_id: str) -> list[Any]:
    return [f for f in d.findings if f.check_id == check_id]


def _roots(doc: Doc) -> list[str]:
    return [rc.key for rc in diagnose(build(doc)).root_causes]


def _node_port_moved(status: str) -> Doc:
    """The Service's nodePort changed 31080 -> 31090; the members still send to 31080."""
    doc = amphora_healthy()
    _svc(doc)["ports"][0]["node_port"] = 31090
    _statuses(doc, status)
    return doc


def test_members_on_an_old_node_port_are_the_root_cause_not_an_unexplained_outage() -> None:
    d = diagnose(build(_node_port_moved("OFFLINE")))
    assert [rc.key for rc in d.root_causes] == ["lb-member-port"]
    (finding,) = _lb_findings(d, "lb-members-down")
    assert finding.status == Status.FAIL
    assert "31080" in finding.message and "31090" in finding.message


def test_members_on_an_old_node_port_are_wrong_even_when_online() -> None:
    """ONLINE stale members send clients to a port this Service no longer holds: no PASS."""
    assert _roots(_node_port_moved("ONLINE")) == ["lb-member-port"]


def test_a_stale_port_another_service_holds_is_still_a_stale_member() -> None:
    doc = _node_port_moved("ONLINE")
    other = copy.deepcopy(_svc(doc))
    other.update(name="other", uid=None, annotations={}, load_balancer_ingress=[])
    other["type"] = "NodePort"
    other["cluster_ip"] = "10.96.41.18"
    other["ports"][0]["node_port"] = 31080
    doc["cluster"]["services"].append(other)
    assert _roots(doc) == ["lb-member-port"]


def test_a_down_member_of_a_node_that_left_is_a_stale_member() -> None:
    doc = amphora_healthy()
    pool = _lb(doc)["pools"][0]
    gone = {**pool["members"][-1], "id": "m-gone", "name": "k8s-w-9", "address": "10.0.0.99"}
    gone["operating_status"] = "OFFLINE"
    pool["members"].append(gone)
    pool["member_ids"].append("m-gone")
    pool["operating_status"] = "DEGRADED"
    d = diagnose(build(doc))
    assert [rc.key for rc in d.root_causes] == ["lb-stale-members"]
    (finding,) = _lb_findings(d, "lb-members-down")
    assert "k8s-w-9" in finding.message and "not a node" in finding.message


def test_a_load_balancer_switched_off_is_no_healthy_service() -> None:
    doc = amphora_healthy()
    _lb(doc)["admin_state_up"] = False
    _statuses(doc, "OFFLINE")
    d = diagnose(build(doc))
    assert [rc.key for rc in d.root_causes] == ["lb-admin-down"]
    (finding,) = _lb_findings(d, "lb-provisioning")
    (remedy,) = finding.remedies
    assert dict(remedy.params)["command"] == f"openstack loadbalancer set --enable {_lb(doc)['id']}"
    # its members' statuses are no second, unexplained cause
    assert {f.status for f in _lb_findings(d, "lb-members-down")} == {Status.NOT_APPLICABLE}


def test_a_listener_switched_off_is_no_healthy_service() -> None:
    doc = amphora_healthy()
    listener = _lb(doc)["listeners"][0]
    listener["admin_state_up"] = False
    (finding,) = _lb_findings(diagnose(build(doc)), "lb-provisioning")
    assert finding.status == Status.FAIL and finding.cause == "lb-admin-down"
    (remedy,) = finding.remedies
    want = f"openstack loadbalancer listener set --enable {listener['id']}"
    assert dict(remedy.params)["command"] == want


def _with_udp_port(doc: Doc) -> Doc:
    """shop/web gains 53/UDP (NodePort 31053): a UDP listener and pool with OCCM's UDP-CONNECT
    monitor, members ONLINE; the node group admits TCP NodePorts only."""
    svc, lb = _svc(doc), _lb(doc)
    svc["ports"].append(
        {"name": "dns", "port": 53, "protocol": "UDP", "target_port": 5353, "node_port": 31053}
    )
    for endpoint in svc["endpoints"]:
        endpoint["ports"]["dns"] = 5353
    listener, pool = copy.deepcopy(lb["listeners"][0]), copy.deepcopy(lb["pools"][0])
    listener.update(id="li-udp", name="listener_1_udp", protocol="UDP", protocol_port=53)
    listener["default_pool_id"] = "pool-udp"
    pool.update(id="pool-udp", name="pool_1_udp", protocol="UDP", listener_ids=["li-udp"])
    pool["healthmonitor"].update(id="hm-udp", name="monitor_1_udp", type="UDP-CONNECT")
    for member in pool["members"]:
        member.update(id=f"udp-{member['name']}", protocol_port=31053)
    pool["member_ids"] = [m["id"] for m in pool["members"]]
    lb["listeners"].append(listener)
    lb["pools"].append(pool)
    return doc


def test_a_udp_connect_monitor_cannot_see_a_security_group_drop() -> None:
    """The groups drop UDP 31053 silently: UDP-CONNECT (`nc -uz`) keeps the members ONLINE, which
    is what Octavia reports, no contradiction; the clients' loss is the root cause."""
    d = diagnose(build(_with_udp_port(amphora_healthy())))
    assert [rc.key for rc in d.root_causes] == ["lb-nodeport-blocked"]
    assert {f.status for f in _lb_findings(d, "lb-members-down")} == {Status.PASS}
    blocked = [f for f in _lb_findings(d, "lb-nodeport-source") if f.status == Status.FAIL]
    (finding,) = blocked
    (remedy,) = finding.remedies
    params = dict(remedy.params)
    assert (params["protocol"], params["port_range_min"], params["remote_ip_prefix"]) == (
        "udp",
        "31053",
        "10.0.0.0/24",
    )


def _ipv6_ovn(rule: Doc) -> Doc:
    """shop/web as an IPv6 Service on the OVN provider: OCCM builds its load balancer in the
    primary family (an IPv6 VIP, members on the nodes' IPv6 addresses); ``rule`` is the node
    group's one NodePort rule."""
    doc = lb_doc(provider="ovn", lb=load_balancer(provider="ovn"), rules=[rule])
    make_dual_stack(doc)
    dual_stack_fixed(doc)
    lb, svc = _lb(doc), _svc(doc)
    lb.update(vip_address="fd00:0:0:1::250", vip_subnet_id=SUBNET_V6_ID)
    for i, member in enumerate(lb["pools"][0]["members"]):
        member.update(address=node_ip_v6(i), subnet_id=SUBNET_V6_ID)
    vip = next(p for p in doc["openstack"]["ports"] if p["id"] == lb["vip_port_id"])
    vip["fixed_ips"] = [{"subnet_id": SUBNET_V6_ID, "ip_address": "fd00:0:0:1::250"}]
    svc.update(ip_families=["IPv6"], ip_family_policy="SingleStack", cluster_ip="fd00:10:96::4117")
    svc.update(cluster_ips=[], load_balancer_ingress=[{"ip": "fd00:0:0:1::250", "ip_mode": "VIP"}])
    doc["openstack"]["floating_ips"] = []
    return doc


def _v6_rule(ethertype: str, prefix: str) -> Doc:
    made = nodeport_rule(prefix, (31080, 31080))
    made["ethertype"] = ethertype
    return made


def test_an_ipv6_ovn_service_open_to_every_ipv6_client_is_healthy() -> None:
    """Its clients are IPv6: ::/0 on the NodePort admits them (0.0.0.0/0 would not be asked)."""
    d = diagnose(build(_ipv6_ovn(_v6_rule("IPv6", "::/0"))))
    assert [rc.key for rc in d.root_causes] == []
    assert {f.status for f in _lb_findings(d, "lb-nodeport-source")} == {Status.PASS}


def test_an_ipv6_ovn_service_behind_an_ipv4_only_rule_is_blocked_and_the_plan_opens_ipv6() -> None:
    doc = _ipv6_ovn(_v6_rule("IPv4", "0.0.0.0/0"))
    assert _roots(doc) == ["lb-nodeport-blocked"]
    plan = build_plan(build(doc))
    opened = {(a.rule.ethertype, a.rule.remote_ip_prefix) for a in plan.actions if a.rule}
    assert ("IPv6", "::/0") in opened and ("IPv4", "0.0.0.0/0") not in opened
    assert [r.key for r in plan.verification.after] == []


def test_empty_nodes_online_under_the_health_check_monitor_are_not_said_to_skip_it() -> None:
    """externalTrafficPolicy Local, OCCM's HTTP /healthz monitor on the healthCheckNodePort, yet
    the members without an endpoint are ONLINE: the traffic they get is dropped (a failure), and
    the monitor does ask kube-proxy's health check, so the text must not say it does not."""
    doc = etp_local_by_design()
    _statuses(doc, "ONLINE")
    (finding,) = _lb_findings(diagnose(build(doc)), "lb-etp-local")
    assert finding.status == Status.FAIL and finding.cause == "lb-etp-local"
    assert "does not ask" not in finding.message
    assert "expected codes (200)" in finding.message


def _empty_pool(doc: Doc) -> Doc:
    pool = _lb(doc)["pools"][0]
    pool.update(members=[], member_ids=[], operating_status="ONLINE")
    return doc


def test_an_empty_pool_of_a_service_without_node_ports_says_why_and_how() -> None:
    doc = _empty_pool(amphora_healthy())
    svc = _svc(doc)
    svc["allocate_load_balancer_node_ports"] = False
    svc["ports"][0]["node_port"] = None
    d = diagnose(build(doc))
    assert [rc.key for rc in d.root_causes] == ["lb-no-members"]
    (finding,) = _lb_findings(d, "lb-members-down")
    assert "allocateLoadBalancerNodePorts false" in finding.message
    (remedy,) = finding.remedies
    assert dict(remedy.params)["command"] == (
        "kubectl -n shop patch service web --type merge"
        ' -p \'{"spec":{"allocateLoadBalancerNodePorts":true}}\''
    )


def test_an_empty_pool_when_every_node_is_excluded_says_so() -> None:
    doc = _empty_pool(amphora_healthy())
    for node in doc["cluster"]["nodes"]:
        node.setdefault("labels", {})["node.kubernetes.io/exclude-from-external-load-balancers"] = (
            ""
        )
    (finding,) = _lb_findings(diagnose(build(doc)), "lb-members-down")
    assert finding.cause == "lb-no-members" and "every node is excluded" in finding.message


def test_a_service_port_without_a_listener_is_no_healthy_service() -> None:
    """shop/web gains 53/UDP, its ACTIVE load balancer has the TCP:80 listener only: clients of
    53/UDP get nothing (trace says NO ROUTE); no check may pass that port."""
    doc = amphora_healthy()
    _svc(doc)["ports"].append(
        {"name": "dns", "port": 53, "protocol": "UDP", "target_port": 5353, "node_port": 31053}
    )
    d = diagnose(build(doc))
    assert [rc.key for rc in d.root_causes] == ["lb-listener"]
    (finding,) = _lb_findings(d, "lb-provisioning")
    assert "53/UDP" in finding.message and "TCP:80" in finding.message
    assert all("31053" not in f.message for f in _lb_findings(d, "lb-nodeport-source"))


def test_a_thousand_services_behind_one_missing_rule_break_in_a_few_lines() -> None:
    """One root cause's "Breaks:" shows the first load balancer symptoms and counts the rest,
    in the text output and the incident report, in both languages."""
    (down,) = _lb_findings(diagnose(build(amphora_nodeport_blocked())), "lb-members-down")
    by_check = {"lb-members-down": [down] * 1000}
    for lang, more in (("en", "996 more"), ("ko", "996개 더")):
        lines = lb_breaks(by_check, lang)
        assert len(lines) == 5 and more in lines[-1]
        report = lb_breaks_marked(by_check, lang)
        assert len(report) == 5 and more in str(report[-1])
        assert "로드밸런서" in lines[-1] if lang == "ko" else "load balancer" in lines[-1]


def test_symptoms_of_another_family_are_not_counted_as_load_balancer_symptoms(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A symptom check without a critical path that is not a load balancer check (a future
    one) is counted as a symptom, not as a load balancer symptom."""
    (down,) = _lb_findings(diagnose(build(amphora_nodeport_blocked())), "lb-members-down")
    other = replace(down, check_id="net-future-symptom")
    monkeypatch.setattr(lb_text, "_SYMPTOMS", ("lb-members-down", "net-future-symptom"))
    by_check = {"lb-members-down": [down] * 4, "net-future-symptom": [other] * 3}
    for lang, more in (("en", "(3 more symptoms)"), ("ko", "(증상 3개 더)")):
        assert more in lb_breaks(by_check, lang)[-1]
        assert more in str(lb_breaks_marked(by_check, lang)[-1])
