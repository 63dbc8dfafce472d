"""The virtual IPs nodes announce, and from which nodes (docs/facts.md "Virtual IPs").

MetalLB (api/v1beta1): an advertisement covers the pools it names or selects, every pool when
it does neither; it is announced from the nodes its nodeSelectors select, every node when it
has none. A BGPAdvertisement goes out only from those of its nodes that hold a session with
one of its BGPPeers (``peers``, every peer when empty): a peer's session runs on the nodes its
nodeSelectors select, every node when it has none (speaker/bgp_controller.go ``syncPeers``,
``publishAds``). A speaker announces nothing from a node whose NetworkUnavailable condition
is True, nor from one labelled node.kubernetes.io/exclude-from-external-load-balancers unless
it runs with ``--ignore-exclude-lb`` (``ShouldAnnounce``, ``speakersForAds``), and it uses only
the pools, advertisements and peers of its own namespace
(internal/k8s/controllers/config_controller.go ``client.InNamespace``). kube-vip with ``vip_arp`` answers ARP for its ``address`` from the node whose pod
holds the lease: every node running such a pod may. Cost: each distinct selector's node set is
computed once, on the nodes its labels narrow to (analyze/node_sets.py), and each pool joins
each distinct node set of its advertisements once; which advertisements cover which pools is
found by name and label once, advertisements alike as one (_vip_covers.py), not pool by
advertisement.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kostack.analyze.checks._vip_covers import covered
from kostack.analyze.node_sets import SelectorNodes, selector_key, union_once
from kostack.analyze.topology import PrefixIndex
from kostack.model.cluster import EXCLUDE_LABEL
from kostack.model.egress import ANTREA_POOL_ANNOTATION, service_external_ip
from kostack.model.snapshot import (
    IPAddress,
    IPNetwork,
    MetalLB,
    MetalLBAdvertisement,
    Node,
    Snapshot,
)


@dataclass
class Announced:
    """One pool (or kube-vip address): its ranges and the nodes that may announce it."""

    kind: str  # "metallb" | "antrea" | "kube-vip" | "endpoint"
    name: str
    cidrs: tuple[IPNetwork, ...]
    l2_nodes: set[str] = field(default_factory=set)
    bgp: bool = False
    # the nodes that announce it to a BGP peer; None: not known (BGPPeers not read)
    bgp_nodes: set[str] | None = field(default_factory=set)
    # the interfaces its L2Advertisements (kube-vip: vip_interface) name; empty: any
    interfaces: tuple[str, ...] = ()


def _bgp_sessions(metallb: MetalLB, sets: SelectorNodes[Node]) -> dict[str, frozenset[str]] | None:
    """Each BGPPeer's name -> the nodes that hold a session with it; None: not read."""
    if metallb.peers is None:
        return None
    return {p.name: sets.of_any(p.node_selectors) for p in metallb.peers}


def _ad_nodes(
    ad: MetalLBAdvertisement, sets: SelectorNodes[Node], sessions: dict[str, frozenset[str]] | None
) -> frozenset[str] | None:
    """The nodes an advertisement is announced from (None: not known)."""
    picked = sets.of_any(ad.node_selectors)
    if ad.kind == "l2":
        return picked
    if sessions is None:
        return None
    peering = union_once(sessions.get(name, frozenset()) for name in ad.peers or sessions)
    return picked & peering


def metallb_silent(metallb: MetalLB, nodes: Sequence[Node]) -> dict[str, str]:
    """The nodes whose speaker announces nothing -> why: "network" (NetworkUnavailable True)
    or "exclude" (the label, and the speaker known not to ignore it; not known: it may
    announce)."""
    speaker = metallb.speaker
    honours = speaker is not None and speaker.ignore_exclude_lb is False
    out: dict[str, str] = {}
    for n in nodes:
        if n.network_unavailable:
            out[n.name] = "network"
        elif honours and EXCLUDE_LABEL in n.labels:
            out[n.name] = "exclude"
    return out


def metallb_announced(metallb: MetalLB, nodes: Sequence[Node]) -> list[Announced]:
    """Every pool of the speaker's namespace, with the nodes its L2Advertisements announce it
    from, whether a BGPAdvertisement announces it and from which nodes (``pools``/
    ``advertisements`` read: the caller checks); a node whose speaker announces nothing
    (`metallb_silent`) is in no set."""
    silent = metallb_silent(metallb, nodes)
    sets = SelectorNodes([n for n in nodes if n.name not in silent])
    metallb = metallb.scoped()
    ads = metallb.advertisements or ()
    sessions = _bgp_sessions(metallb, sets)
    # (peers, node selectors) -> the nodes: a BGPAdvertisement's set is computed once per
    # distinct pair, so identical advertisements share it
    by_ad: dict[tuple[object, ...], frozenset[str] | None] = {}
    node_sets = []
    for ad in ads:
        key = (ad.kind, tuple(sorted(ad.peers)), tuple(selector_key(s) for s in ad.node_selectors))
        if key not in by_ad:
            by_ad[key] = _ad_nodes(ad, sets, sessions)
        node_sets.append(by_ad[key])
    pools = metallb.pools or ()
    out = []
    for pool, summed in zip(pools, covered(pools, ads, node_sets), strict=True):
        a = Announced("metallb", pool.name, pool.cidrs, bgp=summed.bgp)
        a.l2_nodes, a.interfaces = set(summed.l2_nodes), summed.interfaces
        a.bgp_nodes = None if summed.bgp_nodes is None else set(summed.bgp_nodes)
        out.append(a)
    return out


@dataclass
class AntreaPools:
    """The ExternalIPPools LoadBalancer Services take their IPs from (Antrea's
    ServiceExternalIP): each with the nodes its nodeSelector selects (the agent on one of them
    answers ARP/NDP for each IP, and another takes over); ``undecided``: pools whose nodes
    kostack cannot tell (name, reason); ``unread``: Services name pools but the pools were not
    read."""

    announced: list[Announced] = field(default_factory=list)
    undecided: list[tuple[str, str]] = field(default_factory=list)
    unread: bool = False


def antrea_announced(snapshot: Snapshot) -> AntreaPools:
    """Antrea's Service external IP pools in use (docs/facts.md 4c, "Antrea's Service external IPs"): the pools the
    ``service.antrea.io/external-ip-pool`` annotation of a LoadBalancer Service names, when
    the ServiceExternalIP gate may be on; a named pool that does not exist gives no IP."""
    cl = snapshot.cluster
    out = AntreaPools()
    if cl is None or service_external_ip(cl.cni) is False:
        return out
    named = {
        s.annotations[ANTREA_POOL_ANNOTATION]
        for s in cl.services or ()
        if s.type == "LoadBalancer" and s.annotations.get(ANTREA_POOL_ANNOTATION)
    }
    if not named:
        return out
    egress = cl.egress_ips
    if egress is None or egress.pools is None:
        out.unread = True
        return out
    sets = SelectorNodes(cl.nodes or ())
    for pool in egress.pools:
        if pool.name not in named:
            continue
        if pool.node_selector is None:
            out.undecided.append((pool.name, "selector"))
        elif pool.vlan is not None:
            out.undecided.append((pool.name, "vlan"))
        else:
            picked = set(sets.of(pool.node_selector))
            out.announced.append(Announced("antrea", pool.name, pool.cidrs, picked))
    return out


def kube_vip_announced(snapshot: Snapshot) -> list[Announced]:
    """Each kube-vip ARP address that is an IP, with the nodes of its pods."""
    cl = snapshot.cluster
    vips = cl.virtual_ips if cl is not None else None
    by_address: dict[IPAddress, Announced] = {}
    for kv in vips.kube_vip if vips is not None else ():
        try:
            ip = ipaddress.ip_address(kv.address or "")
        except ValueError:
            continue  # a DNS name: which address it names is not known
        a = by_address.setdefault(ip, Announced("kube-vip", str(ip), (ipaddress.ip_network(ip),)))
        if kv.node and kv.arp:
            a.l2_nodes.add(kv.node)
            if kv.interface and kv.interface not in a.interfaces:
                a.interfaces += (kv.interface,)
        a.bgp = a.bgp or kv.bgp
    return list(by_address.values())


def endpoint_host(endpoint: str | None) -> IPAddress | None:
    """The IP of kubeadm's controlPlaneEndpoint (``host[:port]``, ``[v6]:port``); None for a
    DNS name or nothing."""
    if not endpoint:
        return None
    host = endpoint.strip()
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def endpoint_announced(snapshot: Snapshot, kube_vip: Sequence[Announced]) -> list[Announced]:
    """kubeadm's controlPlaneEndpoint when it is an IP in a control plane's subnet that no
    kube-vip pod, no node, no Neutron port and no Octavia VIP of the snapshot holds: then a control plane
    node must answer for it (keepalived, a kube-vip kostack did not see), and every control
    plane in that subnet may."""
    cl, os_ = snapshot.cluster, snapshot.openstack
    vips = cl.virtual_ips if cl is not None else None
    ip = endpoint_host(vips.control_plane_endpoint if vips is not None else None)
    if ip is None or cl is None or cl.nodes is None or os_ is None or os_.ports is None:
        return []
    if any(ip in a.cidrs[0] for a in kube_vip):
        return []
    if any(ip in n.internal_ips for n in cl.nodes):
        return []
    if any(f.ip_address == ip for p in os_.ports for f in p.fixed_ips):
        return []
    if any(lb.vip_address == ip for lb in os_.load_balancers or ()):
        return []  # an Octavia load balancer's VIP (its port may be in another project)
    # only in a control plane's own subnet can a node answer ARP/NDP for it (a floating IP,
    # an outside load balancer: another path, not judged)
    subnets = [sn.cidr for sn in os_.subnets or () if ip in sn.cidr]
    planes = {
        n.name
        for n in cl.nodes
        if n.is_control_plane and any(a in c for a in n.internal_ips for c in subnets)
    }
    if not planes:
        return []
    return [Announced("endpoint", str(ip), (ipaddress.ip_network(ip),), planes)]


def in_use(announced: Iterable[Announced], snapshot: Snapshot) -> dict[str, list[IPAddress]]:
    """Service ingress IPs within each announced range (one pass over the Services, each
    address looked up by prefix: no per-pair loop)."""
    index: PrefixIndex[str] = PrefixIndex(
        (c, f"{a.kind}/{a.name}") for a in announced for c in a.cidrs
    )
    out: dict[str, list[IPAddress]] = {}
    cl = snapshot.cluster
    for s in (cl.services if cl is not None else None) or ():
        for ingress in s.load_balancer_ingress:
            if ingress.ip is None:
                continue
            key = index.first_listed(ingress.ip)
            if key is not None:
                out.setdefault(key, []).append(ingress.ip)
    return out
