"""Address-block arithmetic the engine and the checks share.

Pure: which indexed CIDRs hold an address (``PrefixIndex``, in O(prefix lengths)),
whether one block lies inside another, a block's first host, a remembered CIDR parse.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Generic, TypeVar

from kostack.model.snapshot import IPAddress, IPNetwork


def net_within(inner: IPNetwork, outer: IPNetwork) -> bool:
    """``inner`` lies inside ``outer`` (False across IP versions)."""
    if inner.version != outer.version:
        return False
    return inner.subnet_of(outer)  # type: ignore[arg-type]  # same version checked above


def first_host(block: IPNetwork) -> IPAddress:
    """The first usable address of a block (the network address for /32 and /128)."""
    host = next(iter(block.hosts()), block.network_address)
    return (
        ipaddress.ip_address(int(host)) if block.version == 4 else ipaddress.IPv6Address(int(host))
    )


T = TypeVar("T")


class PrefixIndex(Generic[T]):
    """CIDR -> value, answering "which CIDRs contain this address" in O(prefix lengths).

    A linear scan over every block, pool or subnet for every address would make
    the analysis quadratic in the nodes (a /26 block per node); this looks the
    address up once per prefix length present (at most 33 for IPv4, 129 for
    IPv6). For one CIDR listed twice the first value is kept.
    """

    def __init__(self, items: Iterable[tuple[IPNetwork, T]] = ()) -> None:
        self._by_len: dict[tuple[int, int], dict[int, tuple[int, T]]] = {}
        self._lengths: dict[int, list[int]] = {4: [], 6: []}
        self._count = 0
        for net, value in items:
            self.add(net, value)

    def add(self, net: IPNetwork, value: T) -> None:
        """Index ``net`` (a CIDR already indexed keeps its first value)."""
        bucket = self._by_len.get((net.version, net.prefixlen))
        if bucket is None:
            bucket = self._by_len[(net.version, net.prefixlen)] = {}
            self._lengths[net.version].append(net.prefixlen)
            self._lengths[net.version].sort(reverse=True)
        if int(net.network_address) not in bucket:
            bucket[int(net.network_address)] = (self._count, value)
            self._count += 1

    def __bool__(self) -> bool:
        return bool(self._by_len)

    def covers(self, net: IPNetwork) -> bool:
        """Whether an indexed CIDR contains all of ``net`` (same IP version)."""
        bits = 32 if net.version == 4 else 128
        value = int(net.network_address)
        for length in self._lengths[net.version]:
            if length > net.prefixlen:
                continue
            mask = ((1 << length) - 1) << (bits - length)
            if (value & mask) in self._by_len[(net.version, length)]:
                return True
        return False

    def matches(self, ip: IPAddress) -> Iterator[tuple[int, T]]:
        """(insertion order, value) of every CIDR containing ``ip``, most specific first."""
        bits = 32 if ip.version == 4 else 128
        value = int(ip)
        for length in self._lengths[ip.version]:
            mask = ((1 << length) - 1) << (bits - length)
            hit = self._by_len[(ip.version, length)].get(value & mask)
            if hit is not None:
                yield hit

    def most_specific(self, ip: IPAddress) -> T | None:
        """The value of the longest CIDR containing ``ip`` (the first listed on a tie)."""
        return next((value for _, value in self.matches(ip)), None)

    def first_listed(self, ip: IPAddress) -> T | None:
        """The value of the first-listed CIDR containing ``ip``, however specific."""
        best = min(self.matches(ip), key=lambda hit: hit[0], default=None)
        return best[1] if best is not None else None


@lru_cache(maxsize=4096)
def parse_net(text: str) -> IPNetwork:
    """``ipaddress.ip_network(text)``, remembered: plans repeat one pod CIDR per node port."""
    return ipaddress.ip_network(text)
