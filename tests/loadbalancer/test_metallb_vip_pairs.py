"""neutron-vip-pairs: MetalLB pools and kube-vip addresses vs Neutron anti-spoofing, and the
Octavia checks leaving MetalLB's Services alone.

On the code before it (no `virtual_ips`, no check) the example's MetalLB state does not
parse and the Octavia checks answer UNKNOWN for MetalLB's Service: these tests fail there.
"""

from __future__ import annotations

import time
from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack.plan.build import build_plan
from kostack_testkit.builders import Doc, add_pairs, build, ports_of, seed_doc
from kostack_testkit.metallb import FIXED, POOL, metallb_doc, metallb_example_doc

ID = "neutron-vip-pairs"


def vip_findings(doc: Doc) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == ID]


def only(doc: Doc, status: Status) -> Finding:
    found = [f for f in vip_findings(doc) if f.status == status]
    assert len(found) == 1, [(str(f.status), str(f.message)) for f in vip_findings(doc)]
    return found[0]


def test_a_pool_without_pairs_fails_naming_pool_services_ports_and_commands() -> None:
    doc = metallb_example_doc("metallb-l2-no-pairs")
    d = diagnose(build(doc))
    f = next(f for f in d.findings if f.check_id == ID)
    assert f.status == Status.FAIL and f.cause == "vip-antispoof"
    text = str(f.message)
    assert "MetalLB pool web (10.0.0.200/29; 1 in use by Services: 10.0.0.201)" in text
    assert "(4 ports)" in text and dict(f.counts) == {"nodes": 4, "services": 1}
    ports = sorted(p["id"] for p in ports_of(doc))
    assert sorted(r.target_id for r in f.remedies) == ports
    assert {r.param("ip_address") for r in f.remedies} == {POOL}
    rc = next(rc for rc in d.root_causes if rc.key == "vip-antispoof")
    assert set(rc.fix.commands) == {
        f"openstack port set --allowed-address ip-address={POOL} {p}" for p in ports
    }
    ko = localize(f.message, "ko")
    assert "MetalLB 풀 web" in ko and "Allowed Address Pair가 없습니다" in ko


def test_the_pool_pair_or_port_security_off_passes() -> None:
    doc = metallb_example_doc("metallb-l2-no-pairs")
    FIXED["metallb-l2-no-pairs"](doc)
    assert only(doc, Status.PASS)
    assert not diagnose(build(doc)).root_causes
    off = metallb_doc()
    for port in ports_of(off):
        port["port_security_enabled"] = False
    assert only(off, Status.PASS)


def test_a_pair_with_another_mac_does_not_cover_the_answers() -> None:
    doc = metallb_doc()
    for port in ports_of(doc):
        port["allowed_address_pairs"].append(
            {"ip_address": POOL, "mac_address": "fa:16:3e:99:99:99"}
        )
    assert only(doc, Status.FAIL).cause == "vip-antispoof"


def test_a_port_neutron_may_not_filter_is_unknown_not_pass() -> None:
    doc = metallb_doc()
    add_pairs(doc, [POOL])
    port = next(p for p in ports_of(doc) if p["name"] == "k8s-w-1-port")
    port["allowed_address_pairs"] = []
    port["vnic_type"], port["vif_type"] = "direct", "hw_veb"  # an SR-IOV VF
    f = only(doc, Status.UNKNOWN)
    assert f.nodes == ("k8s-w-1",) and "may not be filtered" in str(f.message)
    assert not [x for x in vip_findings(doc) if x.status == Status.PASS]


def test_node_selectors_narrow_the_announcing_nodes() -> None:
    ads = [
        {
            "name": "l2",
            "kind": "l2",
            "node_selectors": [
                {
                    "match_expressions": [
                        {"key": "kubernetes.io/hostname", "operator": "In", "values": ["k8s-w-1"]}
                    ]
                }
            ],
        }
    ]
    doc = metallb_doc(ads=ads)
    for node in doc["cluster"]["nodes"]:
        node["labels"] = {**node.get("labels", {}), "kubernetes.io/hostname": node["name"]}
    f = only(doc, Status.FAIL)
    assert f.nodes == ("k8s-w-1",) and len(f.remedies) == 1
    # a pool no advertisement covers is not announced: nothing to judge
    unadvertised = metallb_doc(ads=[{"name": "l2", "kind": "l2", "pools": ["other"]}])
    assert only(unadvertised, Status.NOT_APPLICABLE)


def test_a_pool_outside_the_node_subnet_is_unknown_never_pass() -> None:
    pools = [{"name": "bgp", "cidrs": ["192.0.2.0/28"], "addresses": ["192.0.2.0/28"]}]
    doc = metallb_doc(pools=pools, ads=[{"name": "bgp", "kind": "bgp"}])
    # a snapshot from before BGPPeers were read: from which nodes is not known
    f = only(doc, Status.UNKNOWN)
    assert "MetalLB's BGPPeers were not read" in str(f.message)
    assert not [x for x in vip_findings(doc) if x.status == Status.PASS]
    # announced in L2 from nodes whose subnet does not hold it: no ARP request reaches them
    l2 = metallb_doc(pools=pools)
    f = only(l2, Status.UNKNOWN)
    assert "outside the subnets of the nodes that announce it" in str(f.message)
    assert "(announced over BGP)" not in str(f.message)
    assert "BGPPeer를 읽지 못해" in localize(only(doc, Status.UNKNOWN).message, "ko")


def test_unread_pools_are_unknown() -> None:
    doc = metallb_doc()
    doc["cluster"]["virtual_ips"]["metallb"]["pools"] = None
    assert "IPAddressPools" in str(only(doc, Status.UNKNOWN).message)


def test_pods_not_listed_leave_the_virtual_ips_unknown() -> None:
    doc = metallb_doc()
    doc["cluster"]["virtual_ips"] = None
    doc["gaps"] = [{"source": "cluster.pods", "error": "GET /api/v1/pods: 403 Forbidden"}]
    f = only(doc, Status.UNKNOWN)
    assert "cluster.virtual_ips" in str(f.message) and "403" in str(f.message)


def test_a_pool_in_the_allocation_pool_is_a_warning() -> None:
    doc = metallb_doc(allocation_end="10.0.0.254")
    add_pairs(doc, [POOL])
    d = diagnose(build(doc))
    warning = next(w for w in d.warnings if w.check_id == ID)
    assert warning.cause == "vip-allocation-pool"
    text = str(warning.message)
    assert (
        "10.0.0.200/29 (MetalLB pool web) lie in the allocation pools of subnet k8s-subnet" in text
    )
    # one command that sets the pools without the MetalLB range
    assert (
        "`openstack subnet set --no-allocation-pool --allocation-pool start=10.0.0.2,end=10.0.0.199 --allocation-pool start=10.0.0.208,end=10.0.0.254 "
        in text
    )
    assert not d.root_causes  # no outage: never a root cause


def test_a_pool_the_metallb_range_fills_gets_no_command_that_empties_it() -> None:
    """Neutron's pool is exactly the MetalLB range: `--no-allocation-pool` with nothing after
    it would leave the subnet no pool, and every new port without an address. The warning
    stays and says to give them separate ranges, in both languages, with no command."""
    doc = metallb_doc()
    doc["openstack"]["subnets"][0]["allocation_pools"] = [
        {"start": "10.0.0.200", "end": "10.0.0.207"}
    ]
    add_pairs(doc, [POOL])
    warning = next(w for w in diagnose(build(doc)).warnings if w.check_id == ID)
    assert warning.cause == "vip-allocation-pool"
    english, korean = localize(warning.message, "en"), localize(warning.message, "ko")
    assert "openstack subnet set" not in english
    assert "give the pool and these addresses separate ranges" in english
    assert "서로 다른 범위를 주세요" in korean and "{" not in korean


def test_no_metallb_is_not_applicable() -> None:
    doc = seed_doc()
    add_pairs(doc, ["10.244.0.0/16"])
    assert only(doc, Status.NOT_APPLICABLE)


def test_kube_vip_control_plane_address() -> None:
    doc = seed_doc()
    add_pairs(doc, ["10.244.0.0/16", "10.96.0.0/12"])
    doc["cluster"]["virtual_ips"] = {
        "kube_vip": [
            {
                "namespace": "kube-system",
                "pod": "kube-vip-k8s-cp-1",
                "node": "k8s-cp-1",
                "address": "10.0.0.100",
                "arp": True,
                "control_plane": True,
            }
        ]
    }
    f = only(doc, Status.FAIL)
    assert "kube-vip address 10.0.0.100" in str(f.message) and f.nodes == ("k8s-cp-1",)
    assert [r.param("ip_address") for r in f.remedies] == ["10.0.0.100/32"]


def test_a_control_plane_endpoint_no_port_holds_needs_the_control_planes_pairs() -> None:
    doc = seed_doc()
    add_pairs(doc, ["10.244.0.0/16", "10.96.0.0/12"])
    doc["cluster"]["virtual_ips"] = {"control_plane_endpoint": "10.0.0.100:6443"}
    f = only(doc, Status.FAIL)
    assert "controlPlaneEndpoint 10.0.0.100" in str(f.message) and f.nodes == ("k8s-cp-1",)
    assert [r.param("ip_address") for r in f.remedies] == ["10.0.0.100/32"]
    # a node's own address, a DNS name, an address outside the nodes' subnet (a floating IP
    # on a load balancer): nothing a node announces
    for endpoint in ("10.0.0.11:6443", "k8s-api.example.com:6443", "203.0.113.10:6443"):
        doc["cluster"]["virtual_ips"] = {"control_plane_endpoint": endpoint}
        assert only(doc, Status.NOT_APPLICABLE)
    # a Neutron port holds it (an Octavia VIP, a keepalived port reserved in Neutron)
    doc["cluster"]["virtual_ips"] = {"control_plane_endpoint": "10.0.0.100:6443"}
    holder = dict(ports_of(doc)[0])
    holder.update(id="reserved-vip", name="api-vip", device_id="", device_owner="")
    holder["fixed_ips"] = [{**holder["fixed_ips"][0], "ip_address": "10.0.0.100"}]
    holder["mac_address"] = "fa:16:3e:aa:bb:cc"
    doc["openstack"]["ports"].append(holder)
    assert only(doc, Status.NOT_APPLICABLE)
    # an Octavia load balancer's VIP whose port is not listed (another project's)
    doc["openstack"]["ports"].remove(holder)
    assert only(doc, Status.FAIL)
    doc["openstack"]["load_balancers"] = [
        {"id": "api-lb", "name": "kube-api", "vip_address": "10.0.0.100"}
    ]
    assert only(doc, Status.NOT_APPLICABLE)


def test_metallbs_service_is_no_missing_octavia_load_balancer() -> None:
    d = diagnose(build(metallb_doc()))
    lb = [f for f in d.findings if f.check_id.startswith("lb-")]
    assert lb and all(f.status == Status.NOT_APPLICABLE for f in lb)
    assert "from MetalLB" in str(lb[0].message)
    # OCCM's annotation on a Service whose status shows MetalLB's address does not make it
    # Octavia's (the status says who serves it)
    doc = metallb_doc()
    web = doc["cluster"]["services"][-1]
    web["annotations"] = {
        "loadbalancer.openstack.org/load-balancer-id": "8b9d3d0e-0000-4000-8000-000000000001"
    }
    lb = [f for f in diagnose(build(doc)).findings if f.check_id.startswith("lb-")]
    assert lb and all(f.status == Status.NOT_APPLICABLE for f in lb)
    # an OCCM Service next to MetalLB (its annotation, no address of MetalLB's) is Octavia's
    web["load_balancer_ingress"] = []
    assert any(
        f.check_id.startswith("lb-") and f.status != Status.NOT_APPLICABLE
        for f in diagnose(build(doc)).findings
    )


def test_the_plan_adds_the_pool_pair_and_verifies_clean() -> None:
    snapshot = build(metallb_doc())
    plan = build_plan(snapshot)
    pairs = {a.target.id: [p.ip_address for p in a.pairs] for a in plan.actions if a.pairs}
    assert pairs and all(POOL in v for v in pairs.values())
    assert len(pairs) == 4
    assert not plan.verification.after


def test_one_finding_for_a_24_pool_on_200_nodes_in_linear_time() -> None:
    def doc_of(n: int) -> dict[str, Any]:
        doc = metallb_doc(
            pools=[{"name": "big", "cidrs": ["10.0.200.0/24"], "addresses": ["10.0.200.0/24"]}]
        )
        doc["openstack"]["subnets"][0]["cidr"] = "10.0.0.0/16"
        nodes, ports, links = _more_nodes(doc, n)
        doc["cluster"]["nodes"] += nodes
        doc["openstack"]["ports"] += ports
        doc["node_ports"] += links
        return doc

    start = time.perf_counter()
    small = [f for f in vip_findings(doc_of(20)) if f.status == Status.FAIL]
    t_small = time.perf_counter() - start
    start = time.perf_counter()
    large = [f for f in vip_findings(doc_of(200)) if f.status == Status.FAIL]
    t_large = time.perf_counter() - start
    assert len(small) == len(large) == 1
    assert dict(large[0].counts)["nodes"] == 204 and len(large[0].remedies) == 204
    assert "all 204 nodes" in str(large[0].message)
    assert t_large < 30 * max(t_small, 0.05)


def _more_nodes(doc: Doc, n: int) -> tuple[list[Doc], list[Doc], list[Doc]]:
    """``n`` copies of the first worker (node, port, link) at 10.0.1.i."""
    worker = next(x for x in doc["cluster"]["nodes"] if x["name"] == "k8s-w-1")
    link = next(x for x in doc["node_ports"] if x["node"] == "k8s-w-1")
    port = next(x for x in doc["openstack"]["ports"] if x["id"] == link["port_id"])
    nodes, ports, links = [], [], []
    for i in range(n):
        name, ip = f"w{i}", f"10.0.1.{i}"
        pid = f"{port['id'][:-4]}{i:04d}"
        nodes.append(
            {**worker, "name": name, "internal_ip": ip, "addresses": [], "provider_id": None}
        )
        ports.append(
            {
                **port,
                "id": pid,
                "name": f"{name}-port",
                "mac_address": f"fa:16:3e:00:{i // 256:02x}:{i % 256:02x}",
                "fixed_ips": [{**port["fixed_ips"][0], "ip_address": ip}],
            }
        )
        links.append({**link, "node": name, "port_id": pid})
    return nodes, ports, links


def test_unlike_nodes_in_zones_one_finding_per_pool_and_exactly_the_missing_pairs() -> None:
    """Nodes in three zones, each zone's pools announced from it alone, p0 from every node,
    each node's port holding a different share of the pools: one finding per pool (the
    BGP-only one on zone a's nodes, which peer with tor-a), a remedy for exactly each (pool,
    port) that announces and lacks it."""
    from kostack_testkit.metallb import metallb_scale_doc

    n, pools = 90, 12
    found = vip_findings(metallb_scale_doc(n, pools))
    assert len(found) == pools + 1
    assert [f.status for f in found].count(Status.UNKNOWN) == 0
    bgp = next(f for f in found if "MetalLB pool bgp " in str(f.message))
    assert bgp.nodes == tuple(sorted(f"w{i}" for i in range(0, n, 3)))
    expected = 4 + n // 3  # the seed's four nodes: no zone, p0 only; zone a: the BGP pool
    for i in range(n):
        announced = {0} | {p for p in range(pools) if p % 3 == i % 3}
        expected += sum(1 for p in announced if p >= i % pools)
    assert sum(len(f.remedies) for f in found) == expected
    assert all(len(f.remedies) <= n + 4 for f in found)
