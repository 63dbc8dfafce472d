"""Canal's Calico IP pools: Felix applies their natOutgoing to the pods' egress too.

Calico's canal.yaml runs calico-node with CALICO_NETWORKING_BACKEND "none", and calico-node
still creates its default IPv4 pool, natOutgoing on (node pkg/lifecycle/startup/startup.go
`configureIPPools`: CALICO_IPV4POOL_NAT_OUTGOING defaults to true; the CIDR from
CALICO_IPV4POOL_CIDR, else kubeadm's podSubnet, else 192.168.0.0/16). Felix programs
natOutgoing from the pools whatever the networking backend (felix/dataplane/linux/masq_mgr.go:
MASQUERADE from a natOutgoing pool to anything outside every pool), so a pod in such a pool
leaves masqueraded even with flannel's --ip-masq off. Sources in docs/facts.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from kostack.collect._cni_calico import _custom_list, calico_hint
from kostack.collect._cni_calico_felix import felix_default
from kostack.collect._cni_calico_parse import CalicoObjects, nat_outgoing_exclusions, parse_ip_pool
from kostack.collect._cni_common import CniContext, positive
from kostack.collect._kube_types import ReadFailure
from kostack.model.snapshot import CalicoIPPool

SOURCE = "cluster.cni.flannel.canal_pools"
EXCLUSIONS = "cluster.cni.flannel.canal_nat_exclusions"


def canal_pools(ctx: CniContext) -> tuple[CalicoIPPool, ...] | None:
    """Canal's IP pools; None, with a gap, when they cannot be read (masquerade then rests on
    flannel's --ip-masq alone, and is undecided where that is off)."""
    try:
        items, api = _custom_list(ctx, "ippools")
    except ReadFailure as failure:
        ctx.gap(SOURCE, failure, calico_hint(failure, "ippools"))
        return None
    parsed = (parse_ip_pool(item, f"{api} IPPool", ctx.notes) for item in items)
    return tuple(p for p in parsed if p is not None)


def canal_nat_exclusions(
    ctx: CniContext,
) -> Literal["IPPoolsOnly", "IPPoolsAndHostIPs"] | None:
    """FelixConfiguration natOutgoingExclusions: with IPPoolsAndHostIPs (Calico 3.31) Felix's
    natOutgoing leaves traffic to the cluster's hosts alone too. None, with a gap: not read."""
    try:
        felix = felix_default(_custom_list(ctx, "felixconfigurations")[0])
    except ReadFailure as failure:
        ctx.gap(EXCLUSIONS, failure, calico_hint(failure, "felixconfigurations"))
        return None
    return nat_outgoing_exclusions(CalicoObjects(felix=felix))


def canal_veth_mtu(configmap: Mapping[str, Any]) -> int | None:
    """canal-config's veth_mtu: the pods' MTU, which Calico's CNI plugin sets (canal.yaml
    passes it as CNI_MTU); "0" (canal.yaml's default): Felix's detection, the host
    interface's MTU, since Felix enables no encapsulation of its own under Canal
    (felix/dataplane/linux/int_dataplane.go `determinePodMTU`). None: absent or not a number."""
    data = configmap.get("data")
    raw = data.get("veth_mtu") if isinstance(data, Mapping) else None
    if isinstance(raw, str) and raw.strip() == "0":
        return 0
    return positive(raw, least=68)
