"""`kostack fix plan` fixes `native-cross-subnet`: the CNI sends pod traffic unencapsulated
between nodes of different subnets (example `calico-bgp-two-subnets-no-routes`: Calico without
encapsulation, k8s-w-2 and k8s-w-3 on 10.0.1.0/24, one router joining the subnets, no extra
route). The root cause carries a route per destination node and pod block, via that node's
address, on the router that joins the subnets; the plan adds them and its re-diagnosis finds
nothing left. Before, the cause had no remedy and the plan listed it as "not planned". Where
the router cannot be named (none joins the subnets, the source subnet reaches several) or a
node has no pod range to route, nothing is planned for it and the finding says why (en+ko)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fix_cloud import run_cli

from kostack.analyze.diagnose import RootCause, diagnose
from kostack.analyze.messages import localize
from kostack.analyze.remedy import apply_remedies
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_testkit.builders import NET_ID, POD_CIDR, add_pairs, build, example_doc, fake_id
from kostack_testkit.dualstack import POD_CIDR_V6, dual_stack_doc
from kostack_testkit.subnets import POD_CIDR as SUBNETS_POD_CIDR
from kostack_testkit.subnets import subnets_doc

NAME = "calico-bgp-two-subnets-no-routes"
ROUTER = "325550d5-0f8b-5c0d-8f3c-11bda9ba2173"  # k8s-router
# each node's Calico block via the node's address: k8s-w-2 and k8s-w-3 on 10.0.1.0/24
ROUTES = [
    ("10.244.0.0/26", "10.0.0.11"),
    ("10.244.1.0/26", "10.0.0.12"),
    ("10.244.2.0/26", "10.0.1.13"),
    ("10.244.3.0/26", "10.0.1.14"),
]


def _cause(doc: dict[str, Any]) -> RootCause:
    (rc,) = [rc for rc in diagnose(build(doc)).root_causes if rc.key == "native-cross-subnet"]
    return rc


def _routes(remedies: Any) -> list[tuple[str, str]]:
    return sorted((r.param("destination"), r.param("nexthop")) for r in remedies)


def test_the_root_cause_routes_each_destination_nodes_pods_via_that_node() -> None:
    d = diagnose(build(example_doc(NAME)))
    assert [rc.key for rc in d.root_causes] == ["native-cross-subnet"]
    (rc,) = d.root_causes
    # one route per node and block, however many findings (DNS, pod-to-pod) ask for it
    assert _routes(rc.fix.remedies) == ROUTES
    assert {(r.op, r.target_id, r.target_name) for r in rc.fix.remedies} == {
        ("add-router-route", ROUTER, "k8s-router")
    }
    assert sorted(rc.fix.commands) == [
        f"openstack router add route --route destination={d},gateway={n} {ROUTER}"
        for d, n in ROUTES
    ]
    reason = rc.fix.remedies[0].reason
    assert localize(reason, "en").startswith("route k8s-cp-1's pods (10.244.0.0/26) to k8s-cp-1")
    assert localize(reason, "ko").startswith(
        "k8s-cp-1의 Pod 블록 10.244.0.0/26을 k8s-cp-1의 주소 10.0.0.11로 라우팅"
    )


def test_the_plan_adds_the_routes_and_its_rediagnosis_finds_nothing_left() -> None:
    plan = build_plan(build(example_doc(NAME)))
    (action,) = plan.actions
    assert action.operation == Operation.ADD_ROUTER_ROUTES and action.target.id == ROUTER
    assert [(r.destination, r.nexthop) for r in action.routes] == ROUTES
    assert action.fixes == ("native-cross-subnet",)
    assert [rc.key for rc in plan.verification.before] == ["native-cross-subnet"]
    assert plan.verification.after == () and plan.not_planned == ()


def test_without_pairs_the_plan_has_both_and_routes_alone_leave_anti_spoofing() -> None:
    """Pods' own addresses need pairs too: the plan adds both; the routes alone fix the route
    and uncover anti-spoofing on every port (the re-diagnosis says so)."""
    doc = example_doc(NAME)
    for port in doc["openstack"]["ports"]:
        port["allowed_address_pairs"] = []
    snapshot = build(doc)
    d = diagnose(snapshot)
    assert {rc.key for rc in d.root_causes} == {"antispoof", "native-cross-subnet"}
    (rc,) = [rc for rc in d.root_causes if rc.key == "native-cross-subnet"]
    after_routes = diagnose(apply_remedies(snapshot, rc.fix.remedies))
    assert [rc.key for rc in after_routes.root_causes] == ["antispoof"]
    plan = build_plan(snapshot, diagnosis=d)
    ops = sorted(str(a.operation) for a in plan.actions)
    assert ops == ["add-allowed-pairs"] * 4 + ["add-router-routes"], ops
    (routes,) = [a for a in plan.actions if a.operation == Operation.ADD_ROUTER_ROUTES]
    assert [(r.destination, r.nexthop) for r in routes.routes] == ROUTES
    assert plan.verification.after == ()


def _second_router_on_subnet_2(doc: dict[str, Any]) -> None:
    router = copy.deepcopy(doc["openstack"]["routers"][0])
    router.update(id=fake_id("router", "k8s-router-b"), name="k8s-router-b")
    router["interface_subnet_ids"] = router["interface_subnet_ids"][1:]
    doc["openstack"]["routers"].append(router)


def _subnet_2_off_the_router(doc: dict[str, Any]) -> None:
    router = doc["openstack"]["routers"][0]
    router["interface_subnet_ids"] = router["interface_subnet_ids"][:1]


def _w3_without_pod_range(doc: dict[str, Any]) -> None:
    calico = doc["cluster"]["cni"]["calico"]
    calico["blocks"] = [b for b in calico["blocks"] if b["node"] != "k8s-w-3"]
    for node in doc["cluster"]["nodes"]:
        if node["name"] == "k8s-w-3":
            node["pod_cidrs"] = []


UNDECIDED = [
    (
        _second_router_on_subnet_2,
        "the nodes of 10.0.1.0/24 reach several routers (k8s-router, k8s-router-b), and which "
        "one carries their pod traffic is not known",
        "10.0.1.0/24의 노드가 여러 라우터(k8s-router, k8s-router-b)에 닿아 어느 라우터가 Pod "
        "트래픽을 전달하는지 알 수 없습니다",
        [],
    ),
    (
        _subnet_2_off_the_router,
        "no router has an interface on both 10.0.1.0/24 and 10.0.0.0/24, and Neutron takes a "
        "route's next hop only on a subnet of the router",
        "10.0.1.0/24와 10.0.0.0/24 양쪽에 인터페이스가 있는 라우터가 없고, Neutron은 라우터의 "
        "서브넷에 있는 주소만 경로의 다음 홉으로 받습니다",
        [],
    ),
    (
        _w3_without_pod_range,
        "node k8s-w-3: no IPv4 pod range (block or podCIDR) to route",
        "노드 k8s-w-3: 라우팅할 IPv4 Pod 대역(블록 또는 podCIDR)이 없습니다",
        ROUTES[:3],
    ),
]


@pytest.mark.parametrize(
    ("edit", "en", "ko", "planned"), UNDECIDED, ids=["several-routers", "no-router", "no-pod-range"]
)
def test_what_cannot_be_decided_is_not_planned_and_the_finding_says_why(
    edit: Any, en: str, ko: str, planned: list[tuple[str, str]]
) -> None:
    doc = example_doc(NAME)
    edit(doc)
    snapshot = build(doc)
    d = diagnose(snapshot)
    texts = [f.message for rc in d.root_causes for f in (*rc.findings, *rc.symptoms)]
    assert any(localize(t, "en").endswith(f"kostack plans no route for it: {en}.") for t in texts)
    assert any(
        f"kostack은 이에 대한 경로를 계획하지 않습니다: {ko}." in localize(t, "ko") for t in texts
    )
    plan = build_plan(snapshot, diagnosis=d)
    routes = [a for a in plan.actions if a.operation == Operation.ADD_ROUTER_ROUTES]
    assert [(r.destination, r.nexthop) for a in routes for r in a.routes] == planned
    # the re-diagnosis keeps the cause, and says why nothing fixes it
    (left,) = [rc for rc in plan.verification.after if rc.key == "native-cross-subnet"]
    assert f"kostack plans no route for it: {en}." in localize(left.message, "en")


def test_routes_are_per_node_not_per_pair() -> None:
    """Sixteen pods on every node: still one route per node block (linear in nodes)."""
    doc = example_doc(NAME)
    pods = doc["cluster"]["pods"]
    extra = []
    for pod in [
        p for p in pods if not p.get("host_network") and p.get("ip", "").startswith("10.244.")
    ]:
        for k in range(16):
            clone = copy.deepcopy(pod)
            clone["name"] = f"{pod['name']}-{k}"
            base = pod["ip"].rsplit(".", 1)[0]
            clone["ip"] = f"{base}.{20 + k}"
            extra.append(clone)
    pods.extend(extra)
    rc = _cause(doc)
    assert _routes(rc.fix.remedies) == ROUTES


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_diagnose_prints_the_route_commands(lang: str) -> None:
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / f"{NAME}.json"
    run = run_cli("diagnose", "--snapshot", str(path), "--lang", lang, environ={})
    assert run.code == 1, run.stderr
    fix = {"en": "  Fix:\n", "ko": "  해결:\n"}[lang]
    assert fix in run.stdout
    after = run.stdout[run.stdout.index(fix) :]
    for dest, via in ROUTES:
        line = f"    openstack router add route --route destination={dest},gateway={via} {ROUTER}\n"
        assert line in after, after


def test_dual_stack_routes_only_the_family_that_crosses_subnets_via_its_addresses() -> None:
    """Both pools unencapsulated, every node on one IPv4 subnet, k8s-w-2 and k8s-w-3 on a
    second IPv6 subnet of the router: only IPv6 crosses subnets, so the routes are the nodes'
    IPv6 blocks via their IPv6 addresses (none for IPv4)."""
    doc = dual_stack_doc()
    for pool in doc["cluster"]["cni"]["calico"]["ip_pools"]:
        pool.update(ipip_mode="Never", vxlan_mode="Never", nat_outgoing=True)
    subnet = fake_id("subnet", "k8s-subnet-v6-2")
    doc["openstack"]["subnets"].append(
        {
            "id": subnet,
            "name": "k8s-subnet-v6-2",
            "network_id": NET_ID,
            "cidr": "fd00:0:0:2::/64",
            "gateway_ip": "fd00:0:0:2::1",
            "ip_version": 6,
            "ipv6_ra_mode": "dhcpv6-stateful",
            "ipv6_address_mode": "dhcpv6-stateful",
        }
    )
    router = doc["openstack"]["routers"][0]
    router["interface_subnet_ids"].append(subnet)
    router["routes"] = []
    moved = {"k8s-w-2": "fd00:0:0:2::13", "k8s-w-3": "fd00:0:0:2::14"}
    names = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    for port in doc["openstack"]["ports"]:
        port["allowed_address_pairs"] = [{"ip_address": POD_CIDR}, {"ip_address": POD_CIDR_V6}]
        if names.get(port["id"]) in moved:
            v4 = [f for f in port["fixed_ips"] if ":" not in f["ip_address"]]
            v6 = {"subnet_id": subnet, "ip_address": moved[names[port["id"]]]}
            port["fixed_ips"] = [*v4, v6]
    for node in doc["cluster"]["nodes"]:
        for address in node["addresses"] if node["name"] in moved else ():
            if ":" in address["address"]:
                address["address"] = moved[node["name"]]
    snapshot = build(doc)
    rc = _cause(doc)
    assert _routes(rc.fix.remedies) == [
        ("fd00:10:244:1::/122", "fd00:0:0:1::12"),
        ("fd00:10:244:2::/122", "fd00:0:0:2::13"),
        ("fd00:10:244:3::/122", "fd00:0:0:2::14"),
        ("fd00:10:244::/122", "fd00:0:0:1::11"),
    ]
    plan = build_plan(snapshot)
    assert [a.operation for a in plan.actions] == [Operation.ADD_ROUTER_ROUTES]
    assert plan.verification.after == ()


def test_many_subnets_give_one_route_per_node_and_findings_linear_in_nodes() -> None:
    """400 nodes over 40 subnets of one router, Calico unencapsulated: 400 routes (one per node
    block), and the findings carry them about once (not once per node pair)."""
    doc = subnets_doc(400, 40, pods_per_node=2)
    for pool in doc["cluster"]["cni"]["calico"]["ip_pools"]:
        pool.update(ipip_mode="Never", vxlan_mode="Never", nat_outgoing=True)
    doc["openstack"]["routers"][0]["routes"] = []
    add_pairs(doc, [SUBNETS_POD_CIDR])
    snapshot = build(doc)
    d = diagnose(snapshot)
    assert [rc.key for rc in d.root_causes] == ["native-cross-subnet"]
    carried = sum(len(f.remedies) for f in d.findings if f.cause == "native-cross-subnet")
    assert 400 <= carried <= 2 * 400, carried
    plan = build_plan(snapshot, diagnosis=d)
    (action,) = plan.actions
    assert len(action.routes) == len({r.destination for r in action.routes}) == 400
    assert plan.verification.after == ()


def test_the_root_cause_says_which_nodes_get_no_route_whatever_finding_leads() -> None:
    """Nine of 40 nodes (over 4 subnets) without a pod range: routes for the others; the root
    cause (its lead a DNS finding, whose flows need none of the nine) says why the nine get
    none, a few names and a count, in text and JSON (it said so only in pod-to-pod's)."""
    from kostack.report.jsonout import diagnosis_dict
    from kostack.report.text import render_diagnosis

    doc = subnets_doc(40, 4, pods_per_node=2)
    for pool in doc["cluster"]["cni"]["calico"]["ip_pools"]:
        pool.update(ipip_mode="Never", vxlan_mode="Never", nat_outgoing=True)
    doc["openstack"]["routers"][0]["routes"] = []
    add_pairs(doc, [SUBNETS_POD_CIDR])
    bare = sorted(n["name"] for n in doc["cluster"]["nodes"])[-9:]
    calico = doc["cluster"]["cni"]["calico"]
    calico["blocks"] = [b for b in calico["blocks"] if b["node"] not in bare]
    for node in doc["cluster"]["nodes"]:
        if node["name"] in bare:
            node["pod_cidrs"] = []
    d = diagnose(build(doc))
    (rc,) = [rc for rc in d.root_causes if rc.key == "native-cross-subnet"]
    assert len(rc.fix.remedies) == 31
    names = ", ".join(bare[:4])
    en = f"kostack plans no route for it: nodes {names} and 5 more: no IPv4 pod range"
    ko = f"kostack은 이에 대한 경로를 계획하지 않습니다: 노드 {names} 외 5대"
    assert en in localize(rc.message, "en") and ko in localize(rc.message, "ko")
    assert en in " ".join(render_diagnosis(d).split())
    (cause,) = [c for c in diagnosis_dict(d, "0")["root_causes"] if c["key"] == rc.key]
    assert en in cause["message"]
