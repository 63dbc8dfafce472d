"""OVN-Kubernetes in preflight: what a cluster about to install it needs from Neutron.

docs/facts.md "OVN-Kubernetes": pods on another node are reached through OVN's Geneve tunnel
between the nodes' encap addresses (ovn-encap-ip: one per node, its primary address) on UDP
6081 (config.go ``DefaultEncapPort``, the Network operator's ``genevePort``); outer source and
destination are node addresses, so anti-spoofing passes them without allowed address pairs.
Pod traffic to anything outside the cluster subnets, other nodes' addresses included, leaves
SNATed to the node IP (the gateway router in shared mode, the host's MASQUERADE in local
mode): pods' own addresses never reach Neutron, and no setting of a plain install turns that
off. The pods' MTU: OpenShift reserves 100 for Geneve (``getOVNEncapOverhead``
``geneveOverhead = 100``); on the wire it costs 58 over IPv4. The planned snapshot carries the
``OvnKubernetes`` record built here (OpenShift's defaults: shared gateway, no IPsec), so the
engine (kostack.analyze.engine.ovnk) decides what the planned cluster needs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kostack.model.ovnk import OVNK_GENEVE_PORT, OvnKubernetes
from kostack.model.snapshot import IPNetwork
from kostack.plan.preflight_errors import Msg

MODES = ("geneve",)  # [default] encap-type: Geneve is OVN-Kubernetes' only tunnel
CONFIG = "openshift-ovn-kubernetes/ovnkube-config"
OVERHEAD = 100  # cluster-network-operator getOVNEncapOverhead: geneveOverhead


def record(
    pod_cidrs: tuple[IPNetwork, ...],
    service_cidrs: tuple[IPNetwork, ...],
    node_subnets: dict[str, tuple[IPNetwork, ...]],
    mtu: int,
) -> OvnKubernetes:
    """OVN-Kubernetes as OpenShift's Network operator renders ovnkube.conf by default, with
    the planned pod MTU, each node's range its share of the pod CIDRs."""
    prefixes = {c.prefixlen for cidrs in node_subnets.values() for c in cidrs[:1]}
    return OvnKubernetes(
        config_map=CONFIG,
        encap_type="geneve",
        encap_port=OVNK_GENEVE_PORT,
        transport="",
        mtu=mtu,
        gateway_mode="shared",
        disable_snat_multiple_gws=False,
        cluster_subnets=pod_cidrs,
        host_prefixes=tuple(sorted(prefixes)) or None,
        service_cidrs=service_cidrs,
        ipsec=False,
        node_subnets=node_subnets,
    )


def overhead() -> tuple[int, str]:
    """What the pods' MTU leaves for the tunnel: OpenShift's 100 (58 on the wire)."""
    return OVERHEAD, "OVN-Kubernetes Geneve"


def describe() -> str:
    return f"Geneve (ovnkube.conf [default] encap-port {OVNK_GENEVE_PORT})"


def problem(*, wireguard: bool, masquerade: bool) -> tuple[Msg, Msg] | None:
    """What OVN-Kubernetes has no setting for, as (message, hint), or None."""
    if wireguard:
        return Msg("pf.err.ovnk-wireguard"), Msg("pf.hint.ovnk-wireguard")
    if not masquerade:
        return Msg("pf.err.ovnk-nat-off"), Msg("pf.hint.ovnk-nat-off")
    return None


def rules(*, primary: int, add: Callable[..., None]) -> None:
    """OVN's Geneve between the nodes, over the primary family (one encap address each)."""
    why = f"OVN-Kubernetes Geneve (udp {OVNK_GENEVE_PORT})"
    add("ovnk_geneve", why, "udp", OVNK_GENEVE_PORT, version=primary)


def node_ranges(
    names: Sequence[str], per_family: Sequence[Sequence[IPNetwork]]
) -> dict[str, tuple[IPNetwork, ...]]:
    """Each node's k8s.ovn.org/node-subnets as planned: its share of each pod CIDR."""
    return {name: tuple(cidrs[i] for cidrs in per_family) for i, name in enumerate(names)}


__all__ = ["MODES", "describe", "node_ranges", "overhead", "problem", "record", "rules"]
