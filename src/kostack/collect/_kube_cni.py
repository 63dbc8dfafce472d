"""Which CNI a cluster runs and how it is set up: Calico, Flannel, Cilium.

The evidence (agent pods, node annotations) is gathered in ``ClusterFacts``
while nodes and pods are read; ``CniCollector`` then reads the settings of the
CNI it points at, with one module per CNI (``_cni_calico``, ``_cni_flannel``,
``_cni_cilium``), a constant number of requests whatever the node count.
Their parsers are pure (JSON dicts in, snapshot records out): where a field is
absent they apply the CNI's documented default, cited beside the code.
"""

from __future__ import annotations

from collections.abc import Callable

from kostack.collect._cni_calico import read_calico
from kostack.collect._cni_calico_parse import parse_block, parse_ip_pool
from kostack.collect._cni_cilium import parse_cilium, parse_cilium_node, read_cilium
from kostack.collect._cni_common import (
    CNI_ORDER,
    ClusterFacts,
    CniContext,
    CniName,
    CniResult,
    FatalCheck,
    GapSink,
)
from kostack.collect._cni_flannel import parse_flannel, read_flannel
from kostack.collect._kube_api import Reader, ReadFailure
from kostack.collect._kube_objects import Notes

__all__ = [
    "ClusterFacts",
    "CniCollector",
    "CniResult",
    "parse_block",
    "parse_cilium",
    "parse_cilium_node",
    "parse_flannel",
    "parse_ip_pool",
]

ReadCni = Callable[[CniContext, bool], CniResult | None]
READERS: dict[CniName, ReadCni] = {
    "calico": read_calico,
    "flannel": read_flannel,
    "cilium": read_cilium,
}


class CniCollector:
    """Reads the settings of the CNI that nodes and pods point at.

    With evidence (agent pods, node annotations) only that CNI is read, and
    whatever cannot be read becomes a gap. Without any, each CNI's settings
    are probed in turn; the first one present wins, and if none is, the
    probes' answers go into one ``cluster.cni`` gap.
    """

    def __init__(
        self,
        reader: Reader,
        facts: ClusterFacts,
        gap: GapSink,
        notes: Notes,
        check: FatalCheck,
    ) -> None:
        self.context = CniContext(reader, facts, gap, notes, check)

    @property
    def probe_failures(self) -> list[ReadFailure]:
        return self.context.probe_failures

    def collect(self) -> CniResult | None:
        """The CNI's settings, or None when no CNI was found (see ``probe_failures``)."""
        candidates = self.context.facts.candidates()
        if candidates:
            return READERS[candidates[0]](self.context, True)
        for name in CNI_ORDER:
            result = READERS[name](self.context, False)
            if result is not None:
                return result
        return None
