"""MetalLB on the fixed seed: snapshot documents for the neutron-vip-pairs check and the
examples (metallb/metallb config/manifests/metallb-native.yaml; an IPAddressPool in the node
subnet and an L2Advertisement of every pool from every node)."""

from __future__ import annotations

from typing import Any

from kostack_testkit.builders import Doc, add_pairs, registry_doc
from kostack_testkit.lb_fixtures import lb_doc, service

POOL = "10.0.0.200/29"
SERVICE_IP = "10.0.0.201"


def metallb_state(
    pools: list[dict[str, Any]] | None = None, ads: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "metallb": {
            "namespace": "metallb-system",
            "version": "v0.14.9",
            "pools": pools
            if pools is not None
            else [
                {"name": "web", "namespace": "metallb-system", "cidrs": [POOL], "addresses": [POOL]}
            ],
            "advertisements": ads
            if ads is not None
            else [{"name": "l2", "kind": "l2", "namespace": "metallb-system"}],
        }
    }


def metallb_doc(*, allocation_end: str = "10.0.0.199", **state: Any) -> Doc:
    """The fixed seed with MetalLB (no OCCM, no Octavia load balancer) and the shop/web
    Service on ``SERVICE_IP``; the node subnet allocates up to ``allocation_end``."""
    doc = lb_doc(svc=service(ingress=SERVICE_IP, lb_annotation=False), fips=[])
    doc["openstack"]["subnets"][0]["allocation_pools"] = [
        {"start": "10.0.0.2", "end": allocation_end}
    ]
    doc["cluster"]["virtual_ips"] = metallb_state(**state)
    return doc


def metallb_l2_no_pairs(doc: Doc) -> None:
    doc.clear()
    doc.update(metallb_doc())


def metallb_l2_fixed(doc: Doc) -> None:
    metallb_l2_no_pairs(doc)
    add_pairs(doc, [POOL])


METALLB_EXAMPLES = {
    "metallb-l2-no-pairs": (
        "The fixed seed with MetalLB in L2 mode: pool 10.0.0.200/29 in the node subnet, "
        "shop/web on 10.0.0.201, no allowed address pair for the pool: Neutron drops the "
        "speakers' ARP answers.",
        metallb_l2_no_pairs,
    ),
}
FIXED = {"metallb-l2-no-pairs": metallb_l2_fixed}


def metallb_example_doc(name: str) -> Doc:
    return registry_doc(METALLB_EXAMPLES, name)
