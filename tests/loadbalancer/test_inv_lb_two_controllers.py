"""inv-lb-two-controllers: a Service of type LoadBalancer without loadBalancerClass that both
MetalLB and OCCM have acted on (k8s.io/cloud-provider ``wantsLoadBalancer`` skips only a
Service with a class; MetalLB's ``filterByLoadBalancerClass`` takes the Services without one
unless it runs with --lb-class). Before the check no finding named the two controllers: these
tests fail there.
"""

from __future__ import annotations

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack_testkit.builders import Doc, build
from kostack_testkit.metallb import POOL, SERVICE_IP, SPEAKER, metallb_doc

ID = "inv-lb-two-controllers"
LB_ID = "loadbalancer.openstack.org/load-balancer-id"
OCCM_LB = "8b9d3d0e-0000-4000-8000-0000000000aa"


def findings(doc: Doc) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == ID]


def web(doc: Doc) -> Doc:
    svc: Doc = next(s for s in doc["cluster"]["services"] if s["name"] == "web")
    return svc


def test_a_service_with_occms_annotation_and_metallbs_address_is_a_warning() -> None:
    doc = metallb_doc(speaker=dict(SPEAKER))
    web(doc)["annotations"][LB_ID] = OCCM_LB
    (f,) = findings(doc)
    assert f.status == Status.FAIL and f.cause == "lb-two-controllers"
    assert "shop/web" in str(f.message) and f"MetalLB's address {SERVICE_IP}" in str(f.message)
    assert any(LB_ID in e and OCCM_LB in e for e in f.evidence)
    assert any(SERVICE_IP in e and "pool web" in e for e in f.evidence)
    assert "--lb-class" in str(f.message) and "enabled = false" in str(f.message)
    assert "두 컨트롤러" in localize(f.message, "ko")
    d = diagnose(build(doc))
    assert "lb-two-controllers" not in [rc.key for rc in d.root_causes]
    assert any(w.check_id == ID for w in d.warnings)


def test_a_load_balancer_named_for_the_service_and_metallbs_pool_annotation() -> None:
    doc = metallb_doc(speaker=dict(SPEAKER))
    svc = web(doc)
    svc["load_balancer_ingress"] = [{"ip": "203.0.113.77"}]  # OCCM's floating IP, not a pool's
    svc["annotations"]["metallb.io/ip-allocated-from-pool"] = "web"
    doc["openstack"]["load_balancers"] = [
        {"id": OCCM_LB, "name": "kube_service_kubernetes_shop_web", "vip_address": "10.0.0.60"}
    ]
    (f,) = findings(doc)
    assert f.status == Status.FAIL and "OCCM's address 203.0.113.77" in str(f.message)
    assert any("kube_service_kubernetes_shop_web" in e and "10.0.0.60" in e for e in f.evidence)
    assert any("ip-allocated-from-pool=web" in e for e in f.evidence)


def test_one_controller_a_class_or_no_metallb_is_no_warning() -> None:
    doc = metallb_doc(speaker=dict(SPEAKER))
    assert [f.status for f in findings(doc)] == [Status.PASS]  # MetalLB's alone
    web(doc)["annotations"][LB_ID] = OCCM_LB
    web(doc)["load_balancer_class"] = "metallb.io/metallb"  # OCCM skips a Service with a class
    assert [f.status for f in findings(doc)] == [Status.PASS]
    # MetalLB's pool in another namespace: the address is not MetalLB's
    other = {"name": "web", "namespace": "default", "cidrs": [POOL], "addresses": [POOL]}
    doc = metallb_doc(speaker=dict(SPEAKER), pools=[other])
    web(doc)["annotations"][LB_ID] = OCCM_LB
    assert [f.status for f in findings(doc)] == [Status.PASS]
    doc["cluster"]["virtual_ips"]["metallb"] = None
    assert [f.status for f in findings(doc)] == [Status.NOT_APPLICABLE]
