"""Antrea's Service external IPs (ServiceExternalIP; antrea-io/antrea
docs/service-loadbalancer.md): a LoadBalancer Service annotated
`service.antrea.io/external-ip-pool` takes its IP from that ExternalIPPool and a node the
pool's nodeSelector selects answers ARP/NDP for it. neutron-vip-pairs judges those pools like
MetalLB L2 pools; the Octavia lb-* checks leave such Services alone.

On the code before (pools judged only for Egress, the annotation dropped at collection and
ignored by the lb-* checks) these tests fail: no vip-antispoof finding for the pool, and the
lb-* checks judge the Service as Octavia's.
"""

from __future__ import annotations

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack_testkit.builders import Doc, add_pairs, build, ports_of
from kostack_testkit.egress import SERVICE_IP, SERVICE_POOL, SERVICE_POOL_NAME, antrea_service_doc

ID = "neutron-vip-pairs"
HOSTNAME = "kubernetes.io/hostname"


def findings(doc: Doc, check: str = ID) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == check]


def only(doc: Doc, status: Status) -> Finding:
    found = findings(doc)
    assert [f.status for f in found] == [status], [(f.status, str(f.message)) for f in found]
    return found[0]


def test_a_service_pool_without_pairs_fails_with_the_pair_remedy_on_every_node() -> None:
    doc = antrea_service_doc()
    d = diagnose(build(doc))
    (f,) = [f for f in d.findings if f.check_id == ID]
    assert f.status == Status.FAIL and f.cause == "vip-antispoof"
    text = str(f.message)
    assert f"Antrea Service ExternalIPPool {SERVICE_POOL_NAME} ({SERVICE_POOL}; " in text, text
    assert f"1 in use by Services: {SERVICE_IP}" in text and "(4 ports)" in text
    ports = sorted(p["id"] for p in ports_of(doc))
    assert sorted(r.target_id for r in f.remedies) == ports
    assert {r.param("ip_address") for r in f.remedies} == {SERVICE_POOL}
    assert "vip-antispoof" in [rc.key for rc in d.root_causes]
    rc = next(rc for rc in d.root_causes if rc.key == "vip-antispoof")
    assert set(rc.fix.commands) == {
        f"openstack port set --allowed-address ip-address={SERVICE_POOL} {p}" for p in ports
    }
    ko = localize(f.message, "ko")
    assert f"Antrea Service ExternalIPPool {SERVICE_POOL_NAME}({SERVICE_POOL}; Service가" in ko, ko
    add_pairs(doc, [SERVICE_POOL])
    assert only(doc, Status.PASS)


def test_the_pool_selector_decides_the_nodes() -> None:
    selector = {"match_labels": {HOSTNAME: "k8s-w-3"}}
    pool = {"name": SERVICE_POOL_NAME, "cidrs": [SERVICE_POOL], "node_selector": selector}
    doc = antrea_service_doc(pool)
    f = only(doc, Status.FAIL)
    assert f.nodes == ("k8s-w-3",) and len(f.remedies) == 1
    add_pairs(doc, [SERVICE_POOL], only={"k8s-w-3"})
    assert only(doc, Status.PASS)


def test_no_annotation_or_the_gate_off_is_not_judged() -> None:
    for doc in (antrea_service_doc(annotated=False), antrea_service_doc(gate=False)):
        assert only(doc, Status.NOT_APPLICABLE)


def test_what_kostack_cannot_place_is_unknown_never_pass() -> None:
    unevaluable = {"name": SERVICE_POOL_NAME, "cidrs": [SERVICE_POOL], "node_selector": None}
    vlan = {"name": SERVICE_POOL_NAME, "cidrs": [SERVICE_POOL], "vlan": 10}
    unread = antrea_service_doc()
    unread["cluster"]["egress_ips"]["pools"] = None
    cases = {
        "operator a LabelSelector does not have": antrea_service_doc(unevaluable),
        "VLAN": antrea_service_doc(vlan),
        "the pools were not read": unread,
    }
    for said, doc in cases.items():
        f = only(doc, Status.UNKNOWN)
        assert said in str(f.message), str(f.message)
        assert localize(f.message, "ko") != str(f.message)


def test_the_octavia_checks_leave_antrea_services_alone() -> None:
    """The annotated Service is Antrea's: every lb-* check NOT-APPLICABLE saying so; without
    the annotation the same Service is Octavia's and they judge it."""
    ours = diagnose(build(antrea_service_doc()))
    lb = [f for f in ours.findings if f.check_id.startswith("lb-")]
    assert lb and {f.status for f in lb} == {Status.NOT_APPLICABLE}
    assert all("MetalLB or Antrea" in str(f.message) for f in lb)
    theirs = diagnose(build(antrea_service_doc(annotated=False)))
    lb = [f for f in theirs.findings if f.check_id.startswith("lb-")]
    assert {f.status for f in lb} != {Status.NOT_APPLICABLE}


def test_the_pool_in_the_allocation_pool_is_a_warning() -> None:
    doc = antrea_service_doc()
    doc["openstack"]["subnets"][0]["allocation_pools"] = [
        {"start": "10.0.0.2", "end": "10.0.0.254"}
    ]
    add_pairs(doc, [SERVICE_POOL])
    f = only(doc, Status.FAIL)
    assert f.cause == "vip-allocation-pool"
    assert f"{SERVICE_POOL} (Antrea Service ExternalIPPool {SERVICE_POOL_NAME})" in str(f.message)
