"""Latent versus actual overlap of a pod range with another network (service CIDR, subnet).

Pure. A pod pool that overlaps, say, the service CIDR only breaks something
once the CNI hands a node a block inside the overlap. Whether it already has
is in the per-node ranges (Calico IPAM blocks, CiliumNode podCIDRs, Node
podCIDRs); when it will depends on the allocator:

- sequential: Cilium's cluster-pool operator and kube-controller-manager's
  node IPAM (which Flannel and Cilium's kubernetes IPAM use) hand out the
  pool's blocks in order (Kubernetes' cidrset: the next free block after the
  last one given), so the overlap bites when allocation reaches its first
  block: a stock Cilium (10.0.0.0/8, /24 per node) on kubeadm (services
  10.96.0.0/12) bites at 10.96.0.0/24, the 24,577th node range.
- random: Calico picks a free block at a random place in the pool
  (libcalico-go ipam randomBlockGenerator, seeded by the host name), so any
  new block can land in the overlap.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Literal

from kostack.analyze.topology import (
    CILIUM_NODE_CIDR_MODES,
    CILIUM_POOL_MODES,
    Topology,
    net_within,
)
from kostack.model.snapshot import IPNetwork

Allocator = Literal["sequential", "random", "unknown"]


@dataclass(frozen=True)
class PodOverlap:
    """How a pod pool's overlap with ``other`` stands.

    ``in_use``: the per-node ranges already inside the overlap (with their
    nodes); None when the per-node ranges are not known. ``bites_at`` is the
    first block of the overlap a sequential allocator will hand out, and
    ``blocks_left`` how many blocks it hands out before that one.
    """

    pool: IPNetwork
    other: IPNetwork
    in_use: tuple[tuple[str, IPNetwork], ...] | None
    allocator: Allocator
    allocated: int = 0
    bites_at: IPNetwork | None = None
    blocks_left: int | None = None

    @property
    def actual(self) -> bool | None:
        """True: addresses in the overlap are handed out now; None: cannot tell."""
        return None if self.in_use is None else bool(self.in_use)


def _allocator(topo: Topology, pool: IPNetwork) -> tuple[Allocator, int | None]:
    """Which allocator hands out ``pool``'s blocks, and the block prefix length."""
    cluster = topo.snapshot.cluster
    cni = cluster.cni if cluster is not None else None
    if cni is None:
        return "unknown", None
    if cni.type == "calico":
        for p in topo.calico_pools:
            if p.cidr == pool:
                return "random", p.block_size
        return "unknown", None
    if cni.type == "cilium" and cni.cilium is not None:
        if cni.cilium.ipam_mode == "cluster-pool":
            default = 24 if pool.version == 4 else 120  # values.yaml clusterPoolIPv*MaskSize
            return "sequential", cni.cilium.cluster_pool_mask_size or default
        if cni.cilium.ipam_mode not in CILIUM_NODE_CIDR_MODES:
            return "unknown", None
    if topo.node_cidrs_used:
        # kube-controller-manager --node-cidr-mask-size: what the Nodes show, else its default.
        sizes = {
            c.prefixlen
            for n in topo.nodes.values()
            for c in n.pod_cidrs
            if c.version == pool.version
        }
        return "sequential", min(sizes) if sizes else (24 if pool.version == 4 else 64)
    return "unknown", None


def _per_node(topo: Topology, pool: IPNetwork) -> list[tuple[str, IPNetwork]] | None:
    """Every node's ranges inside ``pool``; None when the CNI's per-node ranges are unknown."""
    cluster = topo.snapshot.cluster
    cni = cluster.cni if cluster is not None else None
    if (
        cni is not None
        and cni.type == "calico"
        and (cni.calico is None or cni.calico.blocks is None)
    ):
        return None
    cilium = cni.cilium if cni is not None and cni.type == "cilium" else None
    if cilium is not None and cilium.ipam_mode in CILIUM_POOL_MODES and cilium.nodes is None:
        return None
    if cluster is None or cluster.nodes is None:
        return None
    out = [
        (view.name, block)
        for view in topo.node_views.values()
        for block in view.blocks
        if net_within(block, pool)
    ]
    # Calico blocks with no node affinity count as handed out too.
    if cni is not None and cni.calico is not None:
        out += [
            ("", b.cidr) for b in cni.calico.blocks or () if not b.node and net_within(b.cidr, pool)
        ]
    return out


class PodOverlaps:
    """Judges pod-range overlaps over one topology: each pool's per-node ranges are indexed
    once (sorted, non-overlapping), and each question is a binary search, so many subnets
    against many nodes costs O((nodes + questions) log nodes), not nodes x subnets."""

    def __init__(self, topo: Topology) -> None:
        self.topo = topo
        self._index: dict[IPNetwork, _PoolIndex] = {}

    def _pool(self, pool: IPNetwork) -> _PoolIndex:
        index = self._index.get(pool)
        if index is None:
            allocator, prefix = _allocator(self.topo, pool)
            per_node = _per_node(self.topo, pool)
            index = _PoolIndex(allocator, prefix, per_node)
            self._index[pool] = index
        return index

    def judge(self, pool: IPNetwork, other: IPNetwork) -> PodOverlap:
        """The overlap of pod range ``pool`` with ``other`` (both of one IP version)."""
        index = self._pool(pool)
        if index.ranges is None:
            return PodOverlap(pool, other, None, index.allocator)
        in_use = index.overlapping(other)
        overlap = PodOverlap(pool, other, in_use, index.allocator, allocated=index.allocated)
        prefix = index.prefix
        if in_use or index.allocator != "sequential" or prefix is None or prefix < pool.prefixlen:
            return overlap
        shift = pool.max_prefixlen - prefix
        base = int(pool.network_address)
        start = max(int(other.network_address), base)
        position = (start - base) >> shift
        first = type(pool)((base + (position << shift), prefix))
        highest = (index.highest_end - base) >> shift if index.ranges else -1
        return PodOverlap(
            pool,
            other,
            in_use,
            index.allocator,
            allocated=index.allocated,
            bites_at=first,
            blocks_left=max(0, position - highest - 1),
        )


class _PoolIndex:
    def __init__(
        self,
        allocator: Allocator,
        prefix: int | None,
        per_node: list[tuple[str, IPNetwork]] | None,
    ) -> None:
        self.allocator = allocator
        self.prefix = prefix
        self.ranges = (
            sorted(
                {
                    (int(b.network_address), int(b.broadcast_address), node, b)
                    for node, b in per_node
                }
            )
            if per_node is not None
            else None
        )
        self.ends = [end for _, end, _, _ in self.ranges or ()]
        self.allocated = len({b for _, _, _, b in self.ranges or ()})
        self.highest_end = max(self.ends, default=0)

    def overlapping(self, other: IPNetwork) -> tuple[tuple[str, IPNetwork], ...]:
        """Ranges overlapping ``other``: blocks do not overlap each other, so sorted by start
        their ends are sorted too, and the first candidate is a binary search away."""
        lo, hi = int(other.network_address), int(other.broadcast_address)
        out: list[tuple[str, IPNetwork]] = []
        for start, _end, node, block in (self.ranges or [])[bisect_left(self.ends, lo) :]:
            if start > hi:
                break
            out.append((node, block))
        return tuple(out)


def pod_overlap(topo: Topology, pool: IPNetwork, other: IPNetwork) -> PodOverlap:
    """One-off form of ``PodOverlaps(topo).judge(pool, other)``."""
    return PodOverlaps(topo).judge(pool, other)
