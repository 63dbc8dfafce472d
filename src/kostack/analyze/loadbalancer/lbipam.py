"""Whether Cilium takes a Service of type LoadBalancer without a class (docs/facts.md "Cilium LB
IPAM"): its operator's ``default-lb-service-ipam`` gives such Services to LB IPAM (``lbipam``,
the default), to node IPAM (``nodeipam``: the nodes' addresses, when ``enable-node-ipam``) or
to nobody (``none``); LB IPAM (unless ``enable-lb-ipam`` is false) allocates from an enabled
CiliumLoadBalancerIPPool whose ``serviceSelector`` selects the Service.

Linear in Services and pools: the pools' addresses are a prefix index, and the pools are
indexed by one label pair their selector requires (a matchLabels pair, or each value of an
``In`` expression), so a Service meets only the pools its own labels name, those without a
selector, and those whose selector requires no pair (NotIn, Exists, DoesNotExist only).
A pool that did not all parse (``unread``) serves nobody for certain: a Service only such a
pool could serve is undecided, naming it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

from kostack.analyze.prefixes import PrefixIndex
from kostack.model.snapshot import CiliumLBConfig, CiliumLBPool, LabelSelector, Service

How = Literal["address", "pool", "node", False] | None
Why = Literal["", "unread", "pool", "default"]


def service_labels(svc: Service) -> dict[str, str]:
    """A Service's labels as LB IPAM matches them: its own, and its namespace and name
    (operator/pkg/lbipam ``serviceNamespaceLabel``, ``serviceNameLabel``)."""
    return {
        **svc.labels,
        "io.kubernetes.service.namespace": svc.namespace,
        "io.kubernetes.service.name": svc.name,
    }


@dataclass(frozen=True)
class CiliumTake:
    """``how``: "address" (its address is in a pool), "pool" (an enabled pool selects it),
    "node" (node IPAM takes Services without a class), False (Cilium does not take it), None
    (cannot tell: ``why`` "unread", the pools were not read; "pool", only ``pool``, which did
    not parse, could serve it; "default", default-lb-service-ipam has a value kostack does
    not know)."""

    how: How
    why: Why = ""
    pool: CiliumLBPool | None = None


class _HasSelector(Protocol):
    @property
    def service_selector(self) -> LabelSelector | None: ...


T = TypeVar("T", bound=_HasSelector)


class Selecting(Generic[T]):
    """Pools (or announcers) by what their Service selector requires (see the module
    docstring): ``selecting(labels)`` yields those that select a Service with ``labels``."""

    def __init__(self, pools: Iterable[T]) -> None:
        self.every: list[T] = []
        self.scan: list[T] = []
        self.keyed: dict[tuple[str, str], list[T]] = {}
        for pool in pools:
            selector = pool.service_selector
            if selector is None or (not selector.match_labels and not selector.match_expressions):
                self.every.append(pool)
                continue
            keys = list(selector.match_labels.items())[:1]
            if not keys:
                keys = next(
                    ([(e.key, v) for v in e.values] for e in selector.match_expressions
                     if e.operator == "In"),
                    [],
                )  # fmt: skip
            if not keys:
                self.scan.append(pool)
            for key in keys:
                self.keyed.setdefault(key, []).append(pool)

    def selecting(self, labels: dict[str, str]) -> Iterator[T]:
        yield from self.every
        for pair in labels.items():
            for pool in self.keyed.get(pair, ()):
                if pool.service_selector is not None and pool.service_selector.selects(labels):
                    yield pool
        for pool in self.scan:
            if pool.service_selector is not None and pool.service_selector.selects(labels):
                yield pool


class CiliumIndex:
    """Cilium's pools and cilium-config's keys, built once for every Service."""

    def __init__(
        self, pools: tuple[CiliumLBPool, ...] | None, config: CiliumLBConfig | None
    ) -> None:
        self.pools = pools
        self.config = config if config is not None else CiliumLBConfig()
        read = pools or ()
        self.addresses = PrefixIndex((c, p.name) for p in read for c in p.cidrs)
        serving = [p for p in read if not p.disabled]
        self._good = Selecting(p for p in serving if p.unread is None and p.cidrs)
        self._unread = Selecting(p for p in serving if p.unread is not None)

    def takes(self, svc: Service) -> CiliumTake:
        ips = [i.ip for i in svc.load_balancer_ingress if i.ip is not None]
        if any(self.addresses.first_listed(ip) is not None for ip in ips):
            return CiliumTake("address")
        default = self.config.default_ipam
        if default is None:
            return CiliumTake(None, "default")
        if default == "nodeipam":
            return CiliumTake("node" if self.config.node_ipam else False)
        if default == "none" or not self.config.lb_ipam:
            return CiliumTake(False)
        if self.pools is None:
            return CiliumTake(None, "unread")
        labels = service_labels(svc)
        if next(self._good.selecting(labels), None) is not None:
            return CiliumTake("pool")
        unread = next(self._unread.selecting(labels), None)
        if unread is not None:
            return CiliumTake(None, "pool", unread)
        return CiliumTake(False)
