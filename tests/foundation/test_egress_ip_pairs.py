"""neutron-egress-ip-pairs: Antrea Egress / Cilium egress gateway IPs vs Neutron anti-spoofing.

On the code before it (no `egress_ips`, no check) the example's egress state does not parse:
these tests fail there. The last one pins neutron-allowed-pairs-scope no longer reading an
egress pair on an encap cluster as a sign the pods need pairs (it said `antispoof` then).
"""

from __future__ import annotations

import time

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack_testkit.builders import Doc, add_pairs, build, ports_of
from kostack_testkit.egress import (
    CILIUM_IP,
    FIXED,
    POOL,
    antrea_egress_doc,
    antrea_egress_state,
    cilium_egress_doc,
    egress_example_doc,
)

ID = "neutron-egress-ip-pairs"
HOSTNAME = "kubernetes.io/hostname"


def findings(doc: Doc) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == ID]


def only(doc: Doc, status: Status) -> Finding:
    found = findings(doc)
    assert [f.status for f in found] == [status], [(f.status, str(f.message)) for f in found]
    return found[0]


def _port_of(doc: Doc, node: str) -> Doc:
    link = next(x for x in doc["node_ports"] if x["node"] == node)
    return next(p for p in ports_of(doc) if p["id"] == link["port_id"])


def test_a_pool_without_pairs_fails_once_naming_every_port_and_command() -> None:
    doc = egress_example_doc("antrea-egress-no-pairs")
    d = diagnose(build(doc))
    (f,) = [f for f in d.findings if f.check_id == ID]
    assert f.status == Status.FAIL and f.cause == "egress-antispoof"
    text = str(f.message)
    assert "Antrea ExternalIPPool external-ip-pool (Egress egress-prod-web)" in text
    assert "10.0.0.212/30" in text and "(4 ports)" in text
    ports = sorted(p["id"] for p in ports_of(doc))
    assert sorted(r.target_id for r in f.remedies) == ports
    assert {r.param("ip_address") for r in f.remedies} == {POOL}
    assert [rc.key for rc in d.root_causes] == ["egress-antispoof"]
    rc = d.root_causes[0]
    assert set(rc.fix.commands) == {
        f"openstack port set --allowed-address ip-address={POOL} {p}" for p in ports
    }
    ko = localize(f.message, "ko")
    assert "Antrea ExternalIPPool external-ip-pool(Egress egress-prod-web)은" in ko
    assert "Allowed Address Pair가 없습니다" in ko


def test_the_pool_pair_a_fixed_ip_or_port_security_off_passes() -> None:
    doc = egress_example_doc("antrea-egress-no-pairs")
    FIXED["antrea-egress-no-pairs"](doc)
    assert only(doc, Status.PASS)
    assert not diagnose(build(doc)).root_causes
    off = antrea_egress_doc()
    for port in ports_of(off):
        port["port_security_enabled"] = False
    assert only(off, Status.PASS)
    # a static Egress on the node's own address (docs/egress.md "static Egress")
    static = antrea_egress_doc(
        pools=[], egresses=[{"name": "egress-prod", "ips": ["10.0.0.12"], "egress_node": "k8s-w-1"}]
    )
    assert _port_of(static, "k8s-w-1")["fixed_ips"][0]["ip_address"] == "10.0.0.12"
    assert only(static, Status.PASS)


def test_a_pair_with_another_mac_or_only_some_nodes_is_not_enough() -> None:
    doc = antrea_egress_doc()
    add_pairs(doc, [POOL], only={"k8s-w-1", "k8s-w-2"})
    _port_of(doc, "k8s-w-1")["allowed_address_pairs"][-1]["mac_address"] = "fa:16:3e:99:99:99"
    f = only(doc, Status.FAIL)
    assert set(f.nodes) == {"k8s-cp-1", "k8s-w-1", "k8s-w-3"}
    assert dict(f.counts) == {"nodes": 3}


def test_the_pool_selector_decides_the_nodes() -> None:
    selector = {"match_labels": {HOSTNAME: "k8s-w-3"}}
    pool = {"name": "external-ip-pool", "cidrs": [POOL], "node_selector": selector}
    doc = antrea_egress_doc(pools=[pool])
    f = only(doc, Status.FAIL)
    assert f.nodes == ("k8s-w-3",) and [r.target_id for r in f.remedies] == [
        _port_of(doc, "k8s-w-3")["id"]
    ]
    # one port: said in the singular (the Korean has no plural to get wrong)
    assert "(1 port) may hold, but its port keeps anti-spoofing on" in str(f.message)
    assert "해당 포트에는 anti-spoofing이 켜져 있고" in localize(f.message, "ko")
    add_pairs(doc, [POOL], only={"k8s-w-3"})
    assert only(doc, Status.PASS)


def test_a_pool_no_node_may_hold_is_not_applicable_never_a_pass() -> None:
    nobody = {"match_labels": {HOSTNAME: "no-such-node"}}
    pool = {"name": "external-ip-pool", "cidrs": [POOL], "node_selector": nobody}
    f = only(antrea_egress_doc(pools=[pool]), Status.NOT_APPLICABLE)
    assert str(f.message).startswith("No node may hold the 1 egress IP range in use")
    assert "노드 셀렉터가 고르는 노드가 없음" in localize(f.message, "ko")


def test_what_kostack_cannot_place_is_unknown_never_pass() -> None:
    unevaluable = {"name": "external-ip-pool", "cidrs": [POOL], "node_selector": None}
    vlan = {"name": "external-ip-pool", "cidrs": [POOL], "vlan": 10}
    outside = {"name": "external-ip-pool", "cidrs": ["192.0.2.0/28"], "other_subnet": True}
    cases = {
        "its node selector is missing": antrea_egress_doc(pools=[unevaluable]),
        "VLAN 10": antrea_egress_doc(pools=[vlan]),
        "outside the subnets": antrea_egress_doc(pools=[outside]),
        "status.egressNode is empty": antrea_egress_doc(
            pools=[], egresses=[{"name": "static", "ips": ["10.0.0.230"]}]
        ),
        "interface ens4": cilium_egress_doc([{"node_selector": {}, "interface": "ens4"}]),
    }
    for said, doc in cases.items():
        f = only(doc, Status.UNKNOWN)
        assert said in str(f.message), str(f.message)
        assert localize(f.message, "ko") != str(f.message)


def test_cilium_gateway_node_needs_the_egress_ip_and_its_own_address_needs_nothing() -> None:
    doc = cilium_egress_doc()
    f = only(doc, Status.FAIL)
    assert f.nodes == ("k8s-w-1",)
    assert {r.param("ip_address") for r in f.remedies} == {f"{CILIUM_IP}/32"}
    add_pairs(doc, [f"{CILIUM_IP}/32"], only={"k8s-w-1"})
    assert only(doc, Status.PASS)
    own = cilium_egress_doc([{"node_selector": {}}])
    assert only(own, Status.NOT_APPLICABLE)


def test_an_ipv6_egress_ip_needs_an_ipv6_pair() -> None:
    doc = cilium_egress_doc([{"node_selector": {}, "egress_ip": "2001:db8:0:1::e"}])
    doc["openstack"]["subnets"].append(
        {
            "id": "v6-subnet",
            "name": "k8s-subnet-v6",
            "network_id": doc["openstack"]["subnets"][0]["network_id"],
            "cidr": "2001:db8:0:1::/64",
            "ip_version": 6,
        }
    )
    for i, port in enumerate(ports_of(doc)):
        port["fixed_ips"].append(
            {"subnet_id": "v6-subnet", "ip_address": f"2001:db8:0:1::{i + 10}"}
        )
    for i, node in enumerate(doc["cluster"]["nodes"]):
        node["addresses"] = [
            *node.get("addresses", []),
            {"type": "InternalIP", "address": f"2001:db8:0:1::{i + 10}"},
        ]
    f = only(doc, Status.FAIL)
    assert {r.param("ip_address") for r in f.remedies} == {"2001:db8:0:1::e/128"}
    assert len(f.remedies) == 4
    add_pairs(doc, ["2001:db8:0:1::e/128"])
    assert only(doc, Status.PASS)


def test_unread_lists_say_unknown_and_older_snapshots_not_applicable() -> None:
    doc = antrea_egress_doc()
    doc["cluster"]["egress_ips"]["pools"] = None
    f = only(doc, Status.UNKNOWN)
    assert "ExternalIPPools were not read" in str(f.message)
    old = antrea_egress_doc()
    del old["cluster"]["egress_ips"]
    snapshot = build(old)
    assert snapshot.cluster is not None and snapshot.cluster.egress_ips is None
    assert only(old, Status.NOT_APPLICABLE)


def test_an_egress_pair_on_an_encap_cluster_is_no_sign_pods_need_pairs() -> None:
    """Antrea encap tunnels pod traffic: the pool's pair alone on the ports is not a pod
    range that leaves the pod blocks uncovered (neutron-allowed-pairs-scope said so)."""
    doc = antrea_egress_doc()
    add_pairs(doc, [POOL])
    d = diagnose(build(doc))
    scope = [f for f in d.findings if f.check_id == "neutron-allowed-pairs-scope"]
    assert [f.status for f in scope] == [Status.PASS]
    assert not d.root_causes


def test_one_finding_per_pool_at_scale() -> None:
    """400 nodes, 40 pools each for a zone of nodes: 40 findings, time linear in input."""
    doc = antrea_egress_doc(pools=[], egresses=[])
    base = doc["cluster"]["nodes"][1]
    link = next(x for x in doc["node_ports"] if x["node"] == base["name"])
    port = next(p for p in ports_of(doc) if p["id"] == link["port_id"])
    doc["openstack"]["subnets"][0]["cidr"] = "10.0.0.0/16"
    for i in range(400):
        name, ip = f"n{i}", f"10.0.{1 + i // 250}.{i % 250 + 1}"
        labels = {**base["labels"], "zone": f"z{i % 40}"}
        doc["cluster"]["nodes"].append({**base, "name": name, "internal_ip": ip, "labels": labels})
        pid = f"{port['id'][:-6]}{i:06d}"
        doc["openstack"]["ports"].append(
            {
                **port,
                "id": pid,
                "name": f"{name}-port",
                "mac_address": f"fa:16:3e:00:{i // 256:02x}:{i % 256:02x}",
                "fixed_ips": [{**port["fixed_ips"][0], "ip_address": ip}],
            }
        )
        doc["node_ports"].append({**link, "node": name, "port_id": pid})
    pools = [
        {
            "name": f"p{z}",
            "cidrs": [f"10.0.200.{z * 4}/30"],
            "node_selector": {"match_labels": {"zone": f"z{z}"}},
        }
        for z in range(40)
    ]
    egresses = [{"name": f"e{z}", "pools": [f"p{z}"]} for z in range(40)]
    doc["cluster"]["egress_ips"] = {"cni": "antrea", "pools": pools, "egresses": egresses}
    started = time.perf_counter()
    found = findings(doc)
    elapsed = time.perf_counter() - started
    failed = [f for f in found if f.status == Status.FAIL]
    assert len(failed) == 40 and all(len(f.remedies) == 10 for f in failed)
    assert elapsed < 60


def test_a_pool_many_egresses_use_is_named_with_a_count() -> None:
    egresses = [{"name": f"e{i}", "pools": ["external-ip-pool"]} for i in range(6)]
    f = only(antrea_egress_doc(egresses=egresses), Status.FAIL)
    assert "(Egress e0, e1, e2, e3 and 2 more)" in str(f.message)
    assert "(Egress e0, e1, e2, e3 외 2개)" in localize(f.message, "ko")


def test_an_egress_ip_on_a_second_port_of_the_gateway_is_its_own() -> None:
    """Cilium's docs give the gateway an interface of its own for the egress IP: a fixed IP
    of another port of the same server lets it out; of another server's port, it does not."""
    doc = cilium_egress_doc()
    gateway = _port_of(doc, "k8s-w-1")
    second = {
        **gateway,
        "id": gateway["id"][:-4] + "e9e9",
        "name": "k8s-w-1-egress",
        "mac_address": "fa:16:3e:77:77:77",
        "fixed_ips": [{**gateway["fixed_ips"][0], "ip_address": CILIUM_IP}],
        "allowed_address_pairs": [],
    }
    doc["openstack"]["ports"].append(second)
    assert only(doc, Status.PASS)
    other = cilium_egress_doc()
    elsewhere = {**second, "device_id": _port_of(other, "k8s-w-2")["device_id"]}
    other["openstack"]["ports"].append(elsewhere)
    assert only(other, Status.FAIL).nodes == ("k8s-w-1",)


def test_an_egress_pool_in_the_allocation_pool_is_one_warning_per_subnet() -> None:
    """Antrea's pool and a static Egress inside the node subnet's allocation pool: one warning
    (cause vip-allocation-pool) naming both, the command keeping the rest of the pool; a
    Cilium egressIP too; an egress IP that is a port's fixed IP is no warning."""
    static = {"name": "static", "ips": ["10.0.0.150"], "egress_node": "k8s-w-1"}
    egresses = antrea_egress_state()["egresses"] + [static]
    doc = antrea_egress_doc(egresses=egresses)
    doc["openstack"]["subnets"][0]["allocation_pools"] = [
        {"start": "10.0.0.2", "end": "10.0.0.254"}
    ]
    add_pairs(doc, [POOL, "10.0.0.150/32"])
    d = diagnose(build(doc))
    (warning,) = [w for w in d.warnings if w.check_id == ID]
    assert warning.cause == "vip-allocation-pool" and not d.root_causes
    text = str(warning.message)
    assert (
        "10.0.0.212/30, 10.0.0.150/32 (Antrea ExternalIPPool external-ip-pool (Egress "
        "egress-prod-web), Antrea Egress static) lie in the allocation pools of subnet k8s-subnet"
    ) in text, text
    # one command that sets the pool without either
    assert (
        "`openstack subnet set --no-allocation-pool --allocation-pool start=10.0.0.2,end=10.0.0.149"
        " --allocation-pool start=10.0.0.151,end=10.0.0.211 --allocation-pool "
        "start=10.0.0.216,end=10.0.0.254 "
    ) in text, text
    ko = localize(warning.message, "ko")
    assert "할당 풀에서 빼세요" in ko and "egress IP와 주소가 겹칩니다" in ko
    # the node's own fixed IP as a static Egress: Neutron already gave it out, no warning
    own = antrea_egress_doc(
        pools=[], egresses=[{"name": "egress-prod", "ips": ["10.0.0.12"], "egress_node": "k8s-w-1"}]
    )
    own["openstack"]["subnets"][0]["allocation_pools"] = [
        {"start": "10.0.0.2", "end": "10.0.0.254"}
    ]
    assert only(own, Status.PASS)
    cilium = cilium_egress_doc()
    cilium["openstack"]["subnets"][0]["allocation_pools"] = [
        {"start": "10.0.0.2", "end": "10.0.0.254"}
    ]
    add_pairs(cilium, [f"{CILIUM_IP}/32"], only={"k8s-w-1"})
    f = only(cilium, Status.FAIL)
    assert f.cause == "vip-allocation-pool" and f.severity == "low"
    assert "10.0.0.220/32 (CiliumEgressGatewayPolicy egress-sample)" in str(f.message)


def test_a_port_neutron_may_not_filter_or_no_port_is_unknown_never_pass() -> None:
    doc = egress_example_doc("antrea-egress-no-pairs")
    FIXED["antrea-egress-no-pairs"](doc)
    port = _port_of(doc, "k8s-w-1")
    port["allowed_address_pairs"] = []
    port["vnic_type"], port["vif_type"] = "direct", "hw_veb"  # an SR-IOV VF
    f = only(doc, Status.UNKNOWN)
    assert f.nodes == ("k8s-w-1",) and "may not be filtered" in str(f.message)
    assert "Neutron 방화벽이 거르지 않을 수 있는" in localize(f.message, "ko")
    doc["node_ports"] = [x for x in doc["node_ports"] if x["node"] != "k8s-w-1"]
    doc["openstack"]["ports"] = [p for p in ports_of(doc) if p is not port]
    found = findings(doc)
    assert [(f.status, f.cause) for f in found] == [(Status.UNKNOWN, "no-port")], found
