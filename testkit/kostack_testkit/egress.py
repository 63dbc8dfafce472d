"""Egress IPs on the fixed seed: snapshot documents for the neutron-egress-ip-pairs check and
the examples (antrea-io/antrea docs/egress.md's high-availability example: an ExternalIPPool
in the node subnet for every node, one Egress allocating from it; cilium/cilium
Documentation/network/egress-gateway's example policy: one gateway node, an egressIP)."""

from __future__ import annotations

from typing import Any

from kostack_testkit.antrea import geneve_fixed
from kostack_testkit.builders import SG_NODES, Doc, add_pairs, registry_doc, rule
from kostack_testkit.kuberouter import swap_cni
from kostack_testkit.lb_fixtures import service

POOL = "10.0.0.212/30"
POOL_RANGE = ("10.0.0.212", "10.0.0.215")
EGRESS_IP = "10.0.0.213"
CILIUM_IP = "10.0.0.220"
MEMBERLIST_PORT = 10351  # Antrea's agents' memberlist (clusterPort), which Egress needs


def antrea_egress_state(
    pools: list[dict[str, Any]] | None = None, egresses: list[dict[str, Any]] | None = None
) -> Doc:
    return {
        "cni": "antrea",
        "pools": pools
        if pools is not None
        else [{"name": "external-ip-pool", "cidrs": [POOL], "ranges": ["-".join(POOL_RANGE)]}],
        "egresses": egresses
        if egresses is not None
        else [
            {
                "name": "egress-prod-web",
                "ips": [EGRESS_IP],
                "pools": ["external-ip-pool"],
                "egress_node": "k8s-w-2",
            }
        ],
    }


def antrea_egress_doc(**state: Any) -> Doc:
    """The seed with Antrea's defaults (Geneve and the agents' memberlist admitted between the
    nodes: no other cause), an ExternalIPPool ``POOL`` for every node and an Egress using it;
    the node subnet allocates up to 10.0.0.199."""
    doc = registry_doc({"x": ("Antrea", geneve_fixed)}, "x")
    group = next(g for g in doc["openstack"]["security_groups"] if g["id"] == SG_NODES)
    group["rules"] += [
        rule(SG_NODES, "ingress", p, MEMBERLIST_PORT, group=SG_NODES) for p in ("tcp", "udp")
    ]
    doc["openstack"]["subnets"][0]["allocation_pools"] = [
        {"start": "10.0.0.2", "end": "10.0.0.199"}
    ]
    doc["cluster"]["egress_ips"] = antrea_egress_state(**state)
    return doc


def cilium_egress_doc(gateways: list[dict[str, Any]] | None = None) -> Doc:
    """The seed with Cilium (tunnel mode, egress gateway on) and one policy whose gateway is
    node k8s-w-1 with egress IP ``CILIUM_IP``."""
    doc = antrea_egress_doc()
    cni = {
        "type": "cilium",
        "version": "v1.18.2",
        "cilium": {"routing_mode": "tunnel", "tunnel_protocol": "vxlan", "egress_gateway": True},
    }
    swap_cni(doc, cni, "cilium-", {"k8s-app": "cilium"})
    selector = {"match_labels": {"kubernetes.io/hostname": "k8s-w-1"}}
    doc["cluster"]["egress_ips"] = {
        "cni": "cilium",
        "policies": [
            {
                "name": "egress-sample",
                "gateways": gateways
                if gateways is not None
                else [{"node_selector": selector, "egress_ip": CILIUM_IP}],
            }
        ],
    }
    return doc


def antrea_egress_no_pairs(doc: Doc) -> None:
    doc.clear()
    doc.update(antrea_egress_doc())


def antrea_egress_fixed(doc: Doc) -> None:
    antrea_egress_no_pairs(doc)
    add_pairs(doc, [POOL])


EGRESS_EXAMPLES = {
    "antrea-egress-no-pairs": (
        "The fixed seed with Antrea (Geneve admitted) and an Egress allocating from "
        "ExternalIPPool 10.0.0.212-10.0.0.215 for every node, no allowed address pair for the "
        "pool: Neutron drops what the selected pods send out.",
        antrea_egress_no_pairs,
    ),
}
FIXED = {"antrea-egress-no-pairs": antrea_egress_fixed}


def egress_example_doc(name: str) -> Doc:
    return registry_doc(EGRESS_EXAMPLES, name)


SERVICE_POOL = "10.0.0.224/29"
SERVICE_POOL_NAME = "service-external-ip-pool"
SERVICE_IP = "10.0.0.226"


def antrea_service_doc(
    pool: dict[str, Any] | None = None, *, gate: bool | None = True, annotated: bool = True
) -> Doc:
    """The seed with Antrea (no Egress), ExternalIPPool ``SERVICE_POOL`` (10.0.0.224-231) for
    every node and one LoadBalancer Service (lb_fixtures.service, no Octavia load balancer
    annotation) holding ``SERVICE_IP``, annotated with the pool when ``annotated``
    (antrea-io/antrea docs/service-loadbalancer.md); ``gate``: featureGates.ServiceExternalIP
    as written (None: unset)."""
    default = {"name": SERVICE_POOL_NAME, "cidrs": [SERVICE_POOL], "ranges": [SERVICE_POOL]}
    doc = antrea_egress_doc(pools=[pool or default], egresses=[])
    doc["cluster"]["cni"]["antrea"]["service_external_ip"] = gate
    doc["cluster"]["virtual_ips"] = {}
    annotations = {"service.antrea.io/external-ip-pool": SERVICE_POOL_NAME} if annotated else {}
    svc = service(ingress=SERVICE_IP, annotations=annotations, lb_annotation=False)
    doc["cluster"]["services"].append(svc)
    return doc


def antrea_service_no_pairs(doc: Doc) -> None:
    doc.clear()
    doc.update(antrea_service_doc())


def antrea_service_fixed(doc: Doc) -> None:
    antrea_service_no_pairs(doc)
    add_pairs(doc, [SERVICE_POOL])


EGRESS_EXAMPLES["antrea-service-external-ip-no-pairs"] = (
    "The fixed seed with Antrea (Geneve admitted, ServiceExternalIP on) and a LoadBalancer "
    "Service annotated service.antrea.io/external-ip-pool, holding 10.0.0.226 from "
    "ExternalIPPool 10.0.0.224/29 for every node, no allowed address pair for the pool: "
    "Neutron drops the nodes' ARP answers for the Service's IP.",
    antrea_service_no_pairs,
)
FIXED["antrea-service-external-ip-no-pairs"] = antrea_service_fixed
