"""Pod probes per Calico IP pool, for a family with several pools (docs/probes.md, "Several
IP pools").

Each pool has its own wire between nodes (its encapsulation, its pod source on the port),
and a probe pod gets its address from whichever pool Calico picks, so the class-pair probes
alone may never send from, or to, a second pool. Per ordered class pair and per pool in use
on a Ready member of both classes, the pair's pod-to-pod probes run once more between pods
pinned to that pool (`PlannedProbe.pool`; the runner pins them with Calico's
``cni.projectcalico.org/ipv4pools`` / ``ipv6pools`` annotation). A class's members are read
once for every pool: the work is O(nodes x pools per node + class pairs x pools), never
per node pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kostack.analyze.engine.types import Endpoint
from kostack.analyze.matrix import NodeClass
from kostack.analyze.messages import Msg
from kostack.analyze.topology import NodeView
from kostack.probe.plan_model import IPV6_KINDS, Prediction
from kostack.probe.predict import mtu_prediction, path_label

if TYPE_CHECKING:
    from kostack.probe.plan import _Planner

POOL_KINDS = ("pod-http", "icmp-pod", "mtu")
Reps = dict[str, list[tuple[NodeView, Endpoint]]]  # pool name -> up to two (node, its pod)


def _reps(planner: _Planner, cls: NodeClass) -> Reps:
    """The first two Ready members of ``cls`` with a pod (or block) of each pool."""
    topo, matrix = planner.topo, planner.matrix
    out: Reps = {}
    for view in cls.members:
        if view.name in planner.down:
            continue
        for version in sorted(matrix.multi_pool_versions):
            for ep in matrix.pods_on(view, version):
                pool = topo.pool_for(ep.ip) if ep.ip is not None else None
                if pool is not None and len(got := out.setdefault(pool.name, [])) < 2:
                    got.append((view, ep))
    return out


def pool_probes(planner: _Planner, pairs: Sequence[tuple[NodeClass, NodeClass]]) -> None:
    """The pod-to-pod probes of every class pair once more per pool on both sides."""
    if not planner.matrix.multi_pool_versions:
        return
    reps: dict[int, Reps] = {}
    for a, b in pairs:
        for cls in (a, b):
            if id(cls) not in reps:
                reps[id(cls)] = _reps(planner, cls)
        there = reps[id(b)]
        for name, firsts in reps[id(a)].items():
            if a is b:
                if len(firsts) >= 2:
                    _pair(planner, firsts[0], firsts[1], name)
            elif there.get(name):
                _pair(planner, firsts[0], there[name][0], name)


def _pair(
    planner: _Planner,
    src: tuple[NodeView, Endpoint],
    dst: tuple[NodeView, Endpoint],
    pool: str,
) -> None:
    (s, s_ep), (d, d_ep) = src, dst
    assert s_ep.ip is not None and d_ep.ip is not None  # `_reps` keeps pods with an address
    family = d_ep.ip.version
    planner.pools[pool] = family
    planner.pool_sources.setdefault((s.name, pool), None)
    path = path_label(planner.topo, s, d, d_ep.ip)
    target = Msg("probe.pool-pod-on", node=d.name, pool=pool)
    label = planner.class_of[d.name].label()
    pods_class = Msg("probe.pool-pods-on", label=label, pool=pool)
    for kind in POOL_KINDS:
        port: int | None = planner.echo_port if kind == "pod-http" else None
        params: dict[str, Any] = {"path": "/", "answered_ok": True} if port else {}
        if kind == "mtu":
            mtu = mtu_prediction(planner.topo, s, d, d_ep.ip, Prediction("open"), family)
            params = {"sizes": list(mtu.sizes)}
            if mtu.expect is not None:
                params["expect"] = mtu.expect
        planner.add(
            IPV6_KINDS[kind] if family == 6 else kind,
            s.name,
            target,
            pods_class,
            None,
            port,
            d.name,
            params,
            "class-pair",
            path,
            pool=pool,
            source_ip=s_ep.ip,
            predict_ip=d_ep.ip,
        )
