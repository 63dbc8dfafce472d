"""Calico IPAM as the lab's API serves it: one IPAMBlock and BlockAffinity per node and block.

Calico IPAM (calico-ipam) gives pods addresses from blocks it hands to nodes, not from the
node's podCIDR (docs/facts.md, Calico). A real cluster's API server therefore holds an
IPAMBlock (`crd.projectcalico.org/v1`, spec.affinity `host:<node>`, spec.allocations per
address) and a BlockAffinity for every block a node has, and kostack reads the blocks to
know each node's pod addresses. The lab's blocks are its nodes' pod ranges (/24 per node for
each IPv4 pool, /122 for IPv6), with the lab's pods allocated in them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from kostack_lab.topology_layout import NodePlan, Topology

__all__ = ["calico_ipam_objects"]

CALICO_API = "crd.projectcalico.org/v1"


def _name(cidr: str) -> str:
    return cidr.replace(".", "-").replace(":", "-").replace("/", "-")


def _blocks(node: NodePlan) -> Iterator[str]:
    yield node.pod_cidr
    yield from (c for c in (node.pod_cidr2, node.pod_cidr6) if c)


def _block(node: str, cidr: str, pods: list[tuple[str, str, str]]) -> dict[str, Any]:
    """One IPAMBlock; ``pods``: (namespace, name, address) of the node's pods."""
    block = ipaddress.ip_network(cidr)
    allocations: list[int | None] = [None] * block.num_addresses
    attributes: list[dict[str, Any]] = []
    for namespace, pod, address in pods:
        ip = ipaddress.ip_address(address)
        if ip.version == block.version and ip in block:
            allocations[int(ip) - int(block.network_address)] = len(attributes)
            attributes.append(
                {
                    "handle_id": f"k8s-pod-network.{namespace}.{pod}",
                    "secondary": {"namespace": namespace, "node": node, "pod": pod},
                }
            )
    return {
        "apiVersion": CALICO_API,
        "kind": "IPAMBlock",
        "metadata": {"name": _name(cidr)},
        "spec": {
            "affinity": f"host:{node}",
            "allocations": allocations,
            "attributes": attributes,
            "cidr": cidr,
            "deleted": False,
            "strictAffinity": False,
            "unallocated": [n for n, a in enumerate(allocations) if a is None],
        },
    }


def calico_ipam_objects(topo: Topology) -> list[dict[str, Any]]:
    """Every node's IPAMBlocks and BlockAffinities, the lab's pods allocated in them."""
    objects: list[dict[str, Any]] = []
    for node in topo.nodes:
        pods = [
            (pod.namespace, pod.name, address)
            for pod in topo.pods
            if pod.node == node.name
            for address in (pod.ip, pod.ip6)
            if address
        ]
        for cidr in _blocks(node):
            objects.append(_block(node.name, cidr, pods))
            objects.append(
                {
                    "apiVersion": CALICO_API,
                    "kind": "BlockAffinity",
                    "metadata": {"name": f"{node.name}-{_name(cidr)}"},
                    "spec": {
                        "cidr": cidr,
                        "deleted": "false",
                        "node": node.name,
                        "state": "confirmed",
                    },
                }
            )
    return objects
