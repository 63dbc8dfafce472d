"""Snapshots with many node subnets: hundreds of node classes on each side of a flow family.

The engine groups the ends of a flow family into classes by everything on their side
that decides a hop, the node's subnet included (docs/engine.md, "Scale by construction").
A cluster spread over hundreds of small subnets therefore has hundreds of source and
target classes even when every node has the same security groups; ``subnets_doc`` builds
one (the benchmark's ``--subnets`` line, the output diff, the engine tests).

``mixed`` adds what else the engine keys classes on: several security-group sets that
admit genuinely different things (within every subnet), allowed pairs on two subnets in
three only (anti-spoofing), and a second router with no external gateway that joins a
quarter of the subnets (so some cross-subnet pairs have no router, and their egress no
gateway). Zones are not modelled: the engine does not key classes on them.
"""

from __future__ import annotations

import ipaddress

from kostack_testkit.builders import (
    NET_ID,
    Doc,
    add_pairs,
    fake_id,
    new_group_rules,
    ports_of,
    rule,
    synthetic_doc,
)

POD_CIDR = "10.128.0.0/10"  # synthetic_doc's pool


def _prefix_for(per_subnet: int) -> int:
    """The longest prefix whose subnet holds ``per_subnet`` nodes (network, gateway, broadcast
    and one spare address aside); /28 at most (the small subnets the case is about)."""
    prefix = 28
    while 2 ** (32 - prefix) < per_subnet + 4:
        prefix -= 1
    return prefix


def _extra_rules(j: int, sg: str) -> list[Doc]:
    """The rules of security-group set ``j``: genuinely different admitted sets."""
    variants: list[list[Doc]] = [
        [],  # only what `default` and `k8s-nodes` admit
        [rule(sg, "ingress", None, None, POD_CIDR, name=sg)],  # every pod
        [rule(sg, "ingress", "udp", 4789, "10.0.0.0/16", name=sg)],  # VXLAN from the nodes
        [
            rule(sg, "ingress", "tcp", (1, 65535), "10.128.0.0/11", name=sg),  # half the pods
            rule(sg, "ingress", "udp", 4789, "10.0.0.0/17", name=sg),  # half the nodes
        ],
    ]
    return [*new_group_rules(sg), *variants[j % len(variants)]]


def subnets_doc(
    nodes: int, subnets: int, *, mixed: bool = False, sg_sets: int = 4, pods_per_node: int = 30
) -> Doc:
    """``nodes`` nodes spread round-robin over ``subnets`` subnets of 10.0.0.0/16 (each a /28
    when they fit, else the smallest prefix that holds its share), all on the seed's router.

    The pool is the seed's VXLAN CrossSubnet one, so whether two nodes share a subnet
    decides their tunnel. ``mixed``: see the module docstring (``sg_sets`` sets).
    """
    if subnets < 1 or nodes < subnets:
        raise ValueError("subnets_doc needs 1 <= subnets <= nodes")
    doc = synthetic_doc(nodes, groups=3, rules=11, pods_per_node=pods_per_node)
    per_subnet = -(-nodes // subnets)
    prefix = _prefix_for(per_subnet)
    size = 2 ** (32 - prefix)
    if subnets * size > 2**16:
        raise ValueError("subnets_doc: the subnets do not fit in 10.0.0.0/16")
    base = int(ipaddress.ip_address("10.0.0.0"))
    os_ = doc["openstack"]
    subnet_docs = []
    for j in range(subnets):
        net = ipaddress.ip_network((base + j * size, prefix))
        subnet_docs.append(
            {
                "id": fake_id("subnet", f"k8s-subnet-{j}"),
                "name": f"k8s-subnet-{j:03d}",
                "network_id": NET_ID,
                "cidr": str(net),
                "gateway_ip": str(net.network_address + 1),
            }
        )
    os_["subnets"] = [*subnet_docs, *os_["subnets"][1:]]  # the public subnet stays
    router = os_["routers"][0]
    router["interface_subnet_ids"] = [s["id"] for s in subnet_docs]
    ip_of: dict[str, str] = {}
    for i, (node, port) in enumerate(zip(doc["cluster"]["nodes"], ports_of(doc), strict=True)):
        j = i % subnets
        ip = str(ipaddress.ip_address(base + j * size + 2 + i // subnets))
        ip_of[node["internal_ip"]] = ip
        node["internal_ip"] = ip
        port["fixed_ips"] = [{"subnet_id": subnet_docs[j]["id"], "ip_address": ip}]
    for svc in doc["cluster"]["services"]:
        for ep in svc["endpoints"]:
            ep["ip"] = ip_of.get(ep["ip"], ep["ip"])
    if mixed:
        _mix(doc, subnet_docs, sg_sets, subnets)
    return doc


def _mix(doc: Doc, subnet_docs: list[Doc], sg_sets: int, subnets: int) -> None:
    os_ = doc["openstack"]
    names = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    paired = {n["name"] for i, n in enumerate(doc["cluster"]["nodes"]) if (i % subnets) % 3 != 0}
    add_pairs(doc, [POD_CIDR], only=paired)
    sets = [fake_id("sg", f"set-{j}") for j in range(sg_sets)]
    os_["security_groups"].extend(
        {"id": sg, "name": f"set-{j}", "rules": _extra_rules(j, sg)} for j, sg in enumerate(sets)
    )
    for i, port in enumerate(ports_of(doc)):
        assert names[port["id"]]
        port["security_group_ids"] = [
            *port["security_group_ids"][:2],
            sets[(i // subnets) % sg_sets],
        ]
    # a second router, without an external gateway, that takes every fourth subnet
    second = [s["id"] for j, s in enumerate(subnet_docs) if j % 4 == 3]
    first = os_["routers"][0]
    first["interface_subnet_ids"] = [s for s in first["interface_subnet_ids"] if s not in second]
    os_["routers"].append(
        {
            "id": fake_id("router", "k8s-router-2"),
            "name": "k8s-router-2",
            "external_network_id": None,
            "enable_snat": None,
            "interface_subnet_ids": second,
            "routes": [],
            "revision_number": 1,
        }
    )
