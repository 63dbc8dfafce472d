"""Calico IPAM as the lab's API serves it: one IPAMBlock and BlockAffinity per node and block.

Calico IPAM (calico-ipam) gives pods addresses from blocks it hands to nodes, not from the
node's podCIDR (docs/facts.md, Calico). A real cluster's API server therefore holds an
IPAMBlock (`crd.projectcalico.org/v1`, spec.affinity `host:<node>`, spec.allocations per
address) and a BlockAffinity for every block a node has, and kostack reads the blocks to
know each node's pod addresses. The lab's blocks are its nodes' pod ranges (/24 per node for
each IPv4 pool, the /122 blocks of IPv6 holding its pods), with the lab's pods allocated in
them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any, Final

from kostack_lab.topology_layout import NodePlan, Topology

__all__ = ["calico_ipam_objects"]

CALICO_API = "crd.projectcalico.org/v1"


def _name(cidr: str) -> str:
    return cidr.replace(".", "-").replace(":", "-").replace("/", "-")


# the lab's IPPools' blockSize (scenario_objects._ippool): Calico hands out blocks of this size
BLOCK_PREFIX: Final = {4: 24, 6: 122}


def _blocks(node: NodePlan, addresses: list[str]) -> Iterator[str]:
    """The node's blocks: those holding its pods' addresses (Calico makes a block when it
    needs one), else the first block of each of the node's pod ranges."""
    for cidr in (node.pod_cidr, node.pod_cidr2, node.pod_cidr6):
        if not cidr:
            continue
        net = ipaddress.ip_network(cidr)
        size = max(BLOCK_PREFIX[net.version], net.prefixlen)
        held = {
            str(ipaddress.ip_network(f"{a}/{size}", strict=False))
            for a in addresses
            if ipaddress.ip_address(a) in net
        }
        yield from sorted(held) or [str(next(net.subnets(new_prefix=size)))]


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
        for cidr in _blocks(node, [address for _, _, address in pods]):
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
