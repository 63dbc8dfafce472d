"""Which controller gives a Service of type LoadBalancer its address (docs/facts.md "MetalLB
and OCCM", docs/loadbalancer.md "Who owns a Service").

Decided by construction, never by one stray mark. A Service with ``spec.loadBalancerClass``
belongs to the controller of that class (not judged here). One without a class is taken by
OCCM's service controller (k8s.io/cloud-provider ``wantsLoadBalancer``) when OCCM runs it, and
by MetalLB's controller when it runs without ``--lb-class`` (``filterByLoadBalancerClass``).
Who takes it (each True, False or not known) and whose address its status holds (an address
in a pool MetalLB uses, or its Octavia load balancer's VIP or floating IP) decide:

- an address of one controller that may take the Service: that controller's (OCCM's
  annotation on a Service showing MetalLB's address does not make it Octavia's); addresses of
  both: ``unknown`` (inv-lb-two-controllers names them);
- no such address: the only controller that takes it; none: ``none`` (it stays Pending);
  OCCM's annotation while OCCM may run: OCCM's; MetalLB's class not known and OCCM possible,
  with no address to tell: ``unknown``; both: an address no MetalLB pool allows makes it
  Octavia's, else MetalLB's (as before).

Antrea's ExternalIPPool annotation comes first (model/egress.py), then k3s's ServiceLB (its
svclb pods name the Service) and kube-vip-cloud-provider (it takes Services without a class:
theirs when neither MetalLB nor OCCM does), then k3s's ServiceLB before its pods exist (a k3s
server's flags do not disable it: the same; not readable: ``unknown``), then Cilium (lbipam.py:
an enabled CiliumLoadBalancerIPPool selects the Service, or holds its address, or
default-lb-service-ipam gives it to node IPAM: Cilium's when neither MetalLB nor OCCM takes it;
a Cilium cluster's pools not read, or only a pool that did not parse could serve it:
``unknown``; default-lb-service-ipam ``none``: not Cilium's). OCCM with ``[LoadBalancer] enabled = false`` takes
none; no OCCM pod but nodes a cloud node controller initialised: OCCM may run outside, so a
Service only it could take is ``unknown``. Without MetalLB every Service without a class is
OCCM's, as before (lb-pending-service says when no cloud controller acts), but ``none`` when
OCCM's pod takes no Service. Linear: one pass over the Services for OCCM's marks, then one decision per
Service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, Literal

from kostack.analyze.loadbalancer.lbipam import CiliumIndex
from kostack.analyze.prefixes import PrefixIndex
from kostack.model.snapshot import Cluster, IPAddress, Service

Owner = Literal["metallb", "occm", "none", "unknown", "other"]
LB_ID_ANNOTATION: Final = "loadbalancer.openstack.org/load-balancer-id"


@dataclass(frozen=True)
class Takers:
    """Who may take a Service without a class: True, False, None (not known)."""

    metallb: bool | None
    occm: bool | None
    # MetalLB runs, and the index of the pools it uses (None: not read)
    metallb_runs: bool
    pools: PrefixIndex[str] | None
    # an OCCM pod runs whose service controller is off or whose [LoadBalancer] enabled = false
    occm_off: bool = False
    # no OCCM pod, but the nodes were initialised by a cloud node controller (``outside``)
    occm_outside: bool = False
    # the Services (namespace/name) ServiceLB's pods serve
    servicelb: frozenset[str] = frozenset()
    # kube-vip-cloud-provider runs and takes the Services without a class
    kube_vip_classless: bool = False
    # k3s's ServiceLB runs (a k3s server's flags): True, False (not k3s, or disabled), None
    # (k3s, flags not all readable)
    servicelb_on: bool | None = False
    # Cilium's LB IPAM pools and cilium-config's LoadBalancer keys (lbipam.py); None: not Cilium
    cilium: CiliumIndex | None = None


OPENSTACK_PROVIDER: Final = "openstack://"
# what a cloud node controller labels a node with when it initialises it, from the cloud's
# instance metadata (k8s.io/cloud-provider controllers/node ``getNodeModifiersFromCloudProvider``;
# OCCM's InstanceMetadata always gives the server's flavor as InstanceType)
INITIALISED_LABELS: Final = (
    "node.kubernetes.io/instance-type",
    "beta.kubernetes.io/instance-type",
    "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
)


def _openstack_untainted(cluster: Cluster | None) -> tuple[list[str], list[str]]:
    """(nodes a cloud node controller initialised, nodes whose providerID kubelet gave): both
    carry an ``openstack://`` providerID and no uninitialized taint; only the first carry a label
    the cloud node controller sets from the instance's metadata."""
    nodes = cluster.nodes if cluster is not None else None
    done: list[str] = []
    kubelet: list[str] = []
    for n in nodes or ():
        if not (n.provider_id or "").startswith(OPENSTACK_PROVIDER) or n.uninitialized is not False:
            continue
        (done if any(k in n.labels for k in INITIALISED_LABELS) else kubelet).append(n.name)
    return done, kubelet


def _shown(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" (+{len(names) - 3})" if len(names) > 3 else "")


def outside(cluster: Cluster | None) -> tuple[str, ...]:
    """Evidence that a cloud controller runs somewhere, maybe outside the cluster: nodes with an
    ``openstack://`` providerID that no longer carry the uninitialized taint kubelet's
    ``--cloud-provider=external`` sets until a cloud node controller initialises them
    (k8s.io/cloud-provider TaintExternalCloudProvider), and that carry a label that controller
    sets from the instance's metadata (``INITIALISED_LABELS``). A providerID alone is no
    evidence: kubelet's ``--provider-id`` gives one, and without ``--cloud-provider=external``
    no taint is ever set. Empty: no such node, or not read."""
    done, _ = _openstack_untainted(cluster)
    if not done:
        return ()
    return (
        f"nodes {_shown(done)}: spec.providerID {OPENSTACK_PROVIDER}..., no taint "
        "node.cloudprovider.kubernetes.io/uninitialized, label "
        "node.kubernetes.io/instance-type or topology.kubernetes.io/region|zone (a cloud node "
        "controller initialised them)",
    )


def kubelet_ids(cluster: Cluster | None) -> tuple[str, ...]:
    """Nodes with an ``openstack://`` providerID but no sign of a cloud node controller (no
    taint, none of its labels): said as evidence that the providerID proves no controller."""
    _, kubelet = _openstack_untainted(cluster)
    if not kubelet:
        return ()
    return (
        f"nodes {_shown(kubelet)}: spec.providerID {OPENSTACK_PROVIDER}... but none of the labels "
        "a cloud node controller sets (node.kubernetes.io/instance-type, topology.kubernetes.io/"
        "region|zone): kubelet's --provider-id gave it, no cloud controller is shown",
    )


def takers(cluster: Cluster | None, services: Iterable[Service]) -> Takers:
    vips = cluster.virtual_ips if cluster is not None else None
    metallb = vips.metallb if vips is not None else None
    m: bool | None = False
    pools: PrefixIndex[str] | None = None
    if metallb is not None:
        lb_class = metallb.controller.lb_class if metallb.controller is not None else None
        m = None if lb_class is None else lb_class == ""
        read = metallb.scoped().pools
        if read is not None:
            pools = PrefixIndex((c, p.name) for p in read for c in p.cidrs)
    occm = vips.occm if vips is not None else None
    o: bool | None = None
    away = False
    if occm is not None and occm.found:
        o = False if occm.load_balancer_enabled is False else occm.service_controller
    elif occm is not None:
        # no OCCM pod: one outside the cluster still marks the Services it serves
        marked = any(s.annotations.get(LB_ID_ANNOTATION) for s in services)
        away = not marked and bool(outside(cluster))
        o = None if marked or away else False
    off = occm is not None and occm.found and o is False
    others = vips.lb_controllers if vips is not None else ()
    servicelb = frozenset(k for c in others if c.kind == "servicelb" for k in c.services)
    kube_vip = any(c.kind == "kube-vip-cloud-provider" and c.lb_class == "" for c in others)
    k3s = vips.servicelb if vips is not None else None
    on = {"on": True, "unknown": None}.get(k3s or "", False)
    cilium = None
    if cluster is not None and cluster.cni.type == "cilium":
        cilium = CiliumIndex(
            vips.cilium_pools if vips is not None else None,
            vips.cilium_lb if vips is not None else None,
        )
    return Takers(m, o, metallb is not None, pools, off, away, servicelb, kube_vip, on, cilium)


def owner_of(
    svc: Service,
    who: Takers,
    octavia: Callable[[Service], frozenset[IPAddress]],
    antrea: Callable[[Service], bool],
) -> Owner:
    """The controller that serves ``svc`` (see the module docstring)."""
    if svc.load_balancer_class:
        return "other"
    if antrea(svc):
        return "other"
    if f"{svc.namespace}/{svc.name}" in who.servicelb:
        return "other"  # k3s's ServiceLB serves it (its svclb pods)
    if who.kube_vip_classless and who.metallb is not True and who.occm is not True:
        return "other"  # kube-vip-cloud-provider takes it, nobody else does
    if who.servicelb_on is not False and who.metallb is not True and who.occm is not True:
        # k3s's ServiceLB takes it before any svclb pod exists; its flags unread: unknown
        return "other" if who.servicelb_on else "unknown"
    lbipam = who.cilium.takes(svc).how if who.cilium is not None else False
    if lbipam == "address":
        return "other"  # its address is in a Cilium pool
    neither = who.metallb is not True and who.occm is not True
    if lbipam is not False and neither and (lbipam or not svc.load_balancer_ingress):
        # Cilium's LB IPAM has a pool for it, or its node IPAM takes it; its pools unread, a
        # pool that did not parse, or its default not known: unknown while it is pending
        return "other" if lbipam else "unknown"
    if not who.metallb_runs:
        # as before: lb-pending-service says when no cloud controller acts; an OCCM pod that
        # takes no Service serves none
        return "none" if who.occm_off and not svc.load_balancer_ingress else "occm"
    m, o = who.metallb, who.occm
    ips = [i.ip for i in svc.load_balancer_ingress if i.ip is not None]
    pools = who.pools
    in_pool = pools is not None and any(pools.first_listed(ip) is not None for ip in ips)
    octavia_ips = octavia(svc) if ips and o is not False else frozenset()
    is_octavia = any(ip in octavia_ips for ip in ips)
    if in_pool and is_octavia:
        return "unknown"
    if in_pool and m is not False:
        return "metallb"
    if is_octavia:
        return "occm"
    if m is False and who.occm_outside and not ips:
        return "unknown"  # OCCM may run outside the cluster: nothing here tells
    if m is False:
        return "occm" if o is not False else ("other" if ips else "none")
    if o is not False and svc.annotations.get(LB_ID_ANNOTATION):
        return "occm"  # OCCM has acted on it, and no address of MetalLB's is shown
    if m is None and o is not False and not ips:
        return "unknown"
    if o is False:
        return "metallb" if not ips or pools is None else "other"
    return _old_rule(ips, who)


def _old_rule(ips: list[IPAddress], who: Takers) -> Owner:
    """Both may take it and no address or annotation tells: an address no pool MetalLB uses
    allows makes it Octavia's."""
    if who.pools is None or not ips:
        return "metallb"
    return "occm"
