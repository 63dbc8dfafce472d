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

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Literal

from kostack.analyze.topology import (
    CILIUM_NODE_CIDR_MODES,
    CILIUM_POOL_MODES,
    Topology,
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


def _node_prefixes(topo: Topology) -> dict[int, int]:
    """The longest Node podCIDR mask per IP version (kube-controller-manager's
    --node-cidr-mask-size as the Nodes show it), read once for every pool."""
    out: dict[int, int] = {}
    for node in topo.nodes.values():
        for c in node.pod_cidrs:
            out[c.version] = min(out.get(c.version, c.prefixlen), c.prefixlen)
    return out


def _allocator(
    topo: Topology, pool: IPNetwork, node_prefixes: dict[int, int]
) -> tuple[Allocator, int | None]:
    """Which allocator hands out ``pool``'s blocks, and the block prefix length."""
    cluster = topo.snapshot.cluster
    cni = cluster.cni if cluster is not None else None
    if cni is None:
        return "unknown", None
    if cni.type == "calico":
        pool_entry = topo.calico_pool_of(pool)
        if pool_entry is not None:
            return "random", pool_entry.block_size
        return "unknown", None
    if cni.type == "cilium" and cni.cilium is not None:
        if cni.cilium.ipam_mode == "cluster-pool":
            default = 24 if pool.version == 4 else 120  # values.yaml clusterPoolIPv*MaskSize
            return "sequential", cni.cilium.cluster_pool_mask_size or default
        if cni.cilium.ipam_mode not in CILIUM_NODE_CIDR_MODES:
            return "unknown", None
    if topo.node_cidrs_used:
        # kube-controller-manager --node-cidr-mask-size: what the Nodes show, else its default.
        default = 24 if pool.version == 4 else 64
        return "sequential", node_prefixes.get(pool.version, default)
    return "unknown", None


Handed = tuple[int, int, str, IPNetwork]  # (first address, last address, node, range)


def _handed_out(topo: Topology) -> dict[int, list[Handed]] | None:
    """Every range the CNI handed a node (Calico blocks without a node count too), sorted by
    first address, per IP version; None when the CNI's per-node ranges are unknown."""
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
    named = [(view.name, block) for view in topo.node_views.values() for block in view.blocks]
    if cni is not None and cni.calico is not None:
        named += [("", b.cidr) for b in cni.calico.blocks or () if not b.node]
    out: dict[int, list[Handed]] = {4: [], 6: []}
    for node, block in named:
        first = int(block.network_address)
        out[block.version].append((first, first + block.num_addresses - 1, node, block))
    for ranges in out.values():
        ranges.sort(key=lambda r: (r[0], r[1], r[2]))
    return out


class PodOverlaps:
    """Judges pod-range overlaps over one topology: the handed-out ranges are sorted once,
    each pool's share is a binary search away, and each question is a binary search, so
    many pools and subnets against many nodes cost O((nodes + pools + questions) log nodes),
    not nodes x subnets."""

    def __init__(self, topo: Topology) -> None:
        self.topo = topo
        self._index: dict[IPNetwork, _PoolIndex] = {}
        self._handed: dict[int, list[Handed]] | None = None
        self._starts: dict[int, list[int]] = {}
        self._prefixes: dict[int, int] | None = None

    def _in_pool(self, pool: IPNetwork) -> list[Handed] | None:
        if self._prefixes is None:  # first question: read the nodes once
            self._prefixes = _node_prefixes(self.topo)
            self._handed = _handed_out(self.topo)
            self._starts = {v: [r[0] for r in rs] for v, rs in (self._handed or {}).items()}
        if self._handed is None:
            return None
        ranges, starts = self._handed[pool.version], self._starts[pool.version]
        lo = int(pool.network_address)
        hi = lo + pool.num_addresses - 1
        return [r for r in ranges[bisect_left(starts, lo) : bisect_right(starts, hi)] if r[1] <= hi]

    def _pool(self, pool: IPNetwork) -> _PoolIndex:
        index = self._index.get(pool)
        if index is None:
            per_node = self._in_pool(pool)
            allocator, prefix = _allocator(self.topo, pool, self._prefixes or {})
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
        per_node: list[Handed] | None,
    ) -> None:
        self.allocator = allocator
        self.prefix = prefix
        self.ranges = sorted(set(per_node)) if per_node is not None else None
        # The highest last address so far, at each position: a binary search over it finds
        # the first range that can reach an address even when (hostile) ranges nest.
        self.reach: list[int] = []
        for _, end, _, _ in self.ranges or ():
            self.reach.append(max(end, self.reach[-1]) if self.reach else end)
        self.allocated = len({b for _, _, _, b in self.ranges or ()})
        self.highest_end = self.reach[-1] if self.reach else 0

    def overlapping(self, other: IPNetwork) -> tuple[tuple[str, IPNetwork], ...]:
        """Ranges overlapping ``other``, in address order."""
        lo, hi = int(other.network_address), int(other.broadcast_address)
        out: list[tuple[str, IPNetwork]] = []
        for start, end, node, block in (self.ranges or [])[bisect_left(self.reach, lo) :]:
            if start > hi:
                break
            if end >= lo:
                out.append((node, block))
        return tuple(out)
