"""Many LoadBalancer Services at once, each with its own load balancer and NodePort.

TEST SUPPORT, never shipped. ``many_blocked(n)`` is ``amphora_nodeport_blocked`` with ``n``
Services (NodePorts 30000, 30001, ...): no rule admits the amphora, every member OFFLINE.
"""

from __future__ import annotations

import json
from typing import Any

from kostack_testkit.lb_fixtures import amphora_nodeport_blocked, lb_doc, load_balancer, service

Doc = dict[str, Any]
FIRST_NODE_PORT = 30000


def many_blocked(n: int, provider: str = "amphora", ranges: tuple[str, ...] = ()) -> Doc:
    """``n`` blocked Services on ``provider``, each with its load balancer and NodePort (OVN:
    open to nothing, its members ONLINE through the health-check port nonetheless)."""
    if provider == "ovn":
        ovn = load_balancer(provider="ovn")
        doc = lb_doc(provider="ovn", lb=ovn, svc=service(ranges=ranges))
    else:
        doc = amphora_nodeport_blocked()
        doc["cluster"]["services"][-1]["load_balancer_source_ranges"] = list(ranges)
    lbs, services = copies(doc, n, own_node_ports=True)
    doc["openstack"]["load_balancers"] = lbs
    doc["openstack"]["floating_ips"] = []
    doc["cluster"]["services"] = doc["cluster"]["services"][:-1] + services
    return doc


def copies(doc: Doc, n: int, *, own_node_ports: bool) -> tuple[list[Doc], list[Doc]]:
    """``n`` copies of ``doc``'s first load balancer and last Service, each pair named for
    itself (``svc{i}`` in ``ns{i % 7}``); with ``own_node_ports`` each on NodePort 30000 + i."""
    template_lb = doc["openstack"]["load_balancers"][0]
    template_svc = doc["cluster"]["services"][-1]
    lbs: list[Doc] = []
    services: list[Doc] = []
    for i in range(n):
        name, port = f"svc{i}", FIRST_NODE_PORT + i
        lb_name = f"kube_service_kubernetes_ns{i % 7}_{name}"
        lb = json.loads(json.dumps(template_lb))
        lb.update(id=f"lb-{i}", name=lb_name, tags=[lb_name], vip_port_id=None)
        for pool in lb["pools"]:
            pool["id"] = f"pool-{i}"
            for member in pool["members"]:
                member["id"] = f"m-{i}-{member['name']}"
                if own_node_ports:
                    member["protocol_port"] = port
            pool["member_ids"] = [m["id"] for m in pool["members"]]
            if pool["healthmonitor"]:
                pool["healthmonitor"]["id"] = f"hm-{i}"
        for listener in lb["listeners"]:
            listener["id"] = f"li-{i}"
            listener["default_pool_id"] = f"pool-{i}"
        lbs.append(lb)
        svc = json.loads(json.dumps(template_svc))
        svc.update(namespace=f"ns{i % 7}", name=name, annotations={}, load_balancer_ingress=[])
        svc["uid"] = f"00000000-0000-0000-0000-{i:012d}"
        if own_node_ports:
            svc["ports"][0]["node_port"] = port
        services.append(svc)
    return lbs, services
