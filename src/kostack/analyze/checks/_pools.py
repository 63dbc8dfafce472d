"""Allowed pairs for a node's pod ranges with several Calico pools: only the pools that can be
on the node (their ``nodeSelector``), each pair's reason naming every range of the port."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kostack.analyze.checks._facts import cidrs_label
from kostack.analyze.findings import Remedy
from kostack.analyze.prefixes import net_within
from kostack.analyze.remedy import pair_remedy
from kostack.analyze.topology import NodeView, Topology
from kostack.model.calico_selector import matches
from kostack.model.snapshot import IPNetwork


def on_node(topo: Topology, view: NodeView, cidr: IPNetwork) -> bool:
    """Whether pods on ``view`` can have addresses in ``cidr``: False only for a Calico pool
    whose nodeSelector does not select the node (and no block of it sits there); a selector
    kostack cannot evaluate counts as selecting it (docs/engine.md, "Several IP pools")."""
    pool = topo.calico_pool_of(cidr)
    if pool is None:
        return True
    cl = topo.snapshot.cluster
    calico = cl.cni.calico if cl is not None else None
    labels = view.node.labels
    if calico is not None:  # Calico's own labels of the node too (KDD: its annotation)
        labels = calico.calico_labels(view.name, labels)
    if matches(pool.node_selector, labels) is not False:
        return True
    return any(net_within(b, cidr) for b in view.blocks)


def node_pairs(
    topo: Topology,
    views: Sequence[NodeView],
    cidrs_of: Callable[[NodeView], Sequence[IPNetwork]],
    reason: Callable[[NodeView, str], str],
    cause: str,
) -> tuple[Remedy, ...]:
    """A pair per range ``cidrs_of`` gives a node and its pools can use, for each node with a
    port; every pair of a port gives the same reason, naming all its ranges (bounded)."""
    out: list[Remedy] = []
    for v in views:
        if v.port is None:
            continue
        wanted = [c for c in cidrs_of(v) if on_node(topo, v, c)]
        why = reason(v, cidrs_label([str(c) for c in wanted])) if wanted else ""
        # another port of the node's server (Calico's second NIC) is named as itself
        name = v.name if topo.node_views.get(v.name) is v else v.port.name or v.name
        out.extend(pair_remedy(v.port, name, c, why, cause) for c in wanted)
    return tuple(out)
