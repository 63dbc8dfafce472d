"""Clusters whose CNI is Kube-OVN, built from the seed's snapshot.

Kube-OVN's defaults (kubeovn/kube-ovn dist/images/install.sh): kube-ovn-cni --network-type
geneve (OVN's Geneve on UDP 6081 between the nodes' addresses), --mtu unset (the interface's
minus 100), no IPsec; the default Subnet ovn-default is overlay, distributed gateway,
natOutgoing true; the join subnet 100.64.0.0/16. Here ovn-default's CIDR is the seed's pod
range, so pods keep their addresses (docs/facts.md "Kube-OVN").
"""

from __future__ import annotations

from typing import Any

from kostack_testkit.builders import (
    NET_ID,
    POD_CIDR,
    PROJECT_ID,
    SUBNET_ID,
    add_pairs,
    fake_id,
    hetero_doc,
    registry_doc,
    rule,
)
from kostack_testkit.kuberouter import geneve_groups, swap_cni

Doc = dict[str, Any]

VERSION = "v1.15.24"
JOIN_CIDR = "100.64.0.0/16"


def subnet(name: str, cidr: str, **spec: Any) -> Doc:
    out = {
        "name": name,
        "cidrs": [cidr],
        "default": False,
        "nat_outgoing": False,
        "gateway_type": "distributed",
        "vlan": None,
        "logical_gateway": False,
        "vpc": "ovn-cluster",
        "provider": "ovn",
    }
    out.update(spec)
    return out


def kube_ovn_settings(default: Doc | None = None, **settings: Any) -> Doc:
    """Kube-OVN's settings as kostack reads install.sh's (ovn-default and join Subnets)."""
    ovn_default = default or subnet("ovn-default", POD_CIDR, default=True, nat_outgoing=True)
    kube_ovn = {
        "tunnel_type": "geneve",
        "network_type": "geneve",
        "mtu": 0,
        "ipsec": False,
        "join_cidrs": [JOIN_CIDR],
        "subnets": [ovn_default, subnet("join", JOIN_CIDR)],
        "join_subnet": "join",
        "enable_lb": True,
    }
    kube_ovn.update(settings)
    return {
        "type": "kube-ovn",
        "version": VERSION,
        "version_source": f"image docker.io/kubeovn/kube-ovn:{VERSION}",
        "kube_ovn": kube_ovn,
    }


def as_kube_ovn(doc: Doc, default: Doc | None = None, **settings: Any) -> None:
    """The seed's cluster with Kube-OVN instead of Calico: pods keep their addresses (inside
    ovn-default), the agent pods are kube-ovn-cni's."""
    swap_cni(doc, kube_ovn_settings(default, **settings), "kube-ovn-cni-", {"app": "kube-ovn-cni"})
    doc["cluster"]["pod_cidrs_source"] = "kubeovn.io/v1 Subnets"


def geneve_blocked(doc: Doc) -> None:
    """Kube-OVN's defaults (Geneve between all nodes), and the nodes only in a group that
    admits no UDP 6081 from one another."""
    as_kube_ovn(doc)
    geneve_groups(doc, admitted=False)


def geneve_fixed(doc: Doc) -> None:
    """Kube-OVN's defaults with UDP 6081 admitted between the nodes."""
    as_kube_ovn(doc)
    geneve_groups(doc, admitted=True)


def underlay_no_pairs(doc: Doc) -> None:
    """install.sh with ENABLE_VLAN (network type vlan): ovn-default is underlay on the node
    NIC's network (VLAN id 0, untagged), its pods send with their own addresses and MACs, and
    the node ports keep port security: the seed's incident under Kube-OVN."""
    underlay = subnet("ovn-default", POD_CIDR, default=True, nat_outgoing=True, vlan="ovn-vlan")
    as_kube_ovn(doc, underlay, network_type="vlan")


def underlay_fixed(doc: Doc) -> None:
    """Underlay after the fix kubeovn/docs asks for on OpenStack: port security off on the
    node ports (allowed pairs carry the port's MAC, not the pods')."""
    underlay_fixed_ports(doc, underlay_no_pairs)


def underlay_pairs_only(doc: Doc) -> None:
    """Underlay with the pod range as an allowed pair (the port's MAC): still dropped."""
    underlay_no_pairs(doc)
    add_pairs(doc, [POD_CIDR])


def neutron_port(name: str, ip: str, owner: str, subnet_id: str = SUBNET_ID) -> Doc:
    """A Neutron port on the nodes' network that is no node's (a VM, a load balancer's VIP)."""
    return {
        "id": fake_id("port", name),
        "name": name,
        "network_id": NET_ID,
        "mac_address": "fa:16:3e:7a:00:" + format(sum(map(ord, name)) % 256, "02x"),
        "fixed_ips": [{"subnet_id": subnet_id, "ip_address": ip}],
        "port_security_enabled": True,
        "admin_state_up": True,
        "device_owner": owner,
        "status": "ACTIVE",
        "project_id": PROJECT_ID,
    }


def underlay_pool_overlap(doc: Doc) -> None:
    """Kube-OVN with its overlay ovn-default and an underlay Subnet vlan-apps on the nodes'
    own subnet (10.0.0.0/24, node ports without port security as kubeovn/docs asks),
    excludeIps 10.0.0.1..10.0.0.99 (the operator meant Neutron's share); Neutron's pool is
    its default, 10.0.0.2-10.0.0.254, and a VM and an Octavia VIP hold addresses above .99."""
    underlay_fixed_ports(doc, as_kube_ovn)
    vlan = subnet("vlan-apps", "10.0.0.0/24", vlan="ovn-vlan", exclude_ips=["10.0.0.1..10.0.0.99"])
    doc["cluster"]["cni"]["kube_ovn"]["subnets"].append(vlan)
    doc["cluster"]["cni"]["kube_ovn"]["arp_detect_ip_conflict"] = True
    doc["openstack"]["subnets"][0]["allocation_pools"] = [
        {"start": "10.0.0.2", "end": "10.0.0.254"}
    ]
    doc["openstack"]["ports"] += [
        neutron_port("dhcp-port", "10.0.0.2", "network:dhcp"),
        neutron_port("db-vm-port", "10.0.0.150", "compute:nova"),
        neutron_port("octavia-lb-vip", "10.0.0.201", "Octavia"),
    ]


def underlay_ip_pool(doc: Doc) -> None:
    """The pool-overlap example, with vlan-apps bound to namespace harbor and an IPPool
    harbor-pool (10.0.0.100..10.0.0.140 of vlan-apps) bound to it: Harbor's pods draw only
    from the pool, below the held addresses (kubeovn/docs docs/guide/ippool.en.md)."""
    underlay_pool_overlap(doc)
    _vlan_apps(doc)["namespaces"] = ["harbor"]
    pool = {
        "name": "harbor-pool",
        "subnet": "vlan-apps",
        "ips": ["10.0.0.100..10.0.0.140"],
        "namespaces": ["harbor"],
    }
    doc["cluster"]["cni"]["kube_ovn"]["ip_pools"] = [pool]


def _vlan_apps(doc: Doc) -> Doc:
    return next(s for s in doc["cluster"]["cni"]["kube_ovn"]["subnets"] if s["name"] == "vlan-apps")


def fix_as_advised(doc: Doc) -> None:
    """The pool-overlap example fixed as diagnose advises: the two held addresses excluded in
    Kube-OVN, and Neutron's pool shrunk to 10.0.0.2-10.0.0.99 (excluding the pool in Kube-OVN
    would leave vlan-apps no address to hand out)."""
    _vlan_apps(doc)["exclude_ips"] += ["10.0.0.150", "10.0.0.201"]
    doc["openstack"]["subnets"][0]["allocation_pools"] = [{"start": "10.0.0.2", "end": "10.0.0.99"}]


def underlay_pool_excluded(doc: Doc) -> None:
    """The pool-overlap example fixed (`fix_as_advised`)."""
    underlay_pool_overlap(doc)
    fix_as_advised(doc)


def underlay_exclude_unread(doc: Doc) -> None:
    """The pool-overlap example with vlan-apps' excludeIps not read (an older snapshot)."""
    underlay_pool_overlap(doc)
    _vlan_apps(doc)["exclude_ips"] = None


def underlay_fixed_ports(doc: Doc, edit: Any) -> None:
    """``edit`` applied, then port security off on the node ports (Kube-OVN's underlay)."""
    edit(doc)
    for port in doc["openstack"]["ports"]:
        if port["id"] in {link["port_id"] for link in doc["node_ports"]}:
            port["port_security_enabled"] = False
            port["security_group_ids"] = []


KUBE_OVN_EXAMPLES = {
    "kube-ovn-geneve-blocked": (
        "Kube-OVN with its defaults (overlay Subnet ovn-default, Geneve on UDP 6081 between "
        "the nodes): the nodes' only group admits no UDP 6081 from one another.",
        geneve_blocked,
    ),
    "kube-ovn-underlay-no-pairs": (
        "Kube-OVN with network type vlan (Subnet ovn-default underlay on the nodes' network): "
        "pods send with their own addresses and MACs, and the node ports keep port security, "
        "so Neutron drops the pods' packets.",
        underlay_no_pairs,
    ),
    "kube-ovn-underlay-pool-overlap": (
        "Kube-OVN with an underlay Subnet on the nodes' own subnet whose excludeIps leave out "
        "only 10.0.0.1-10.0.0.99: a VM and an Octavia VIP already hold addresses Kube-OVN may "
        "give a pod, and Neutron's allocation pool overlaps the rest.",
        underlay_pool_overlap,
    ),
    "kube-ovn-underlay-ippool": (
        "The underlay pool overlap, with namespace harbor bound to an IPPool of the underlay "
        "Subnet (10.0.0.100-10.0.0.140): its pods draw only from the pool, below the addresses "
        "Neutron holds.",
        underlay_ip_pool,
    ),
}
# Their fixed states, for the tests (not examples).
FIXED = {
    "kube-ovn-geneve-blocked": geneve_fixed,
    "kube-ovn-underlay-no-pairs": underlay_fixed,
    "kube-ovn-underlay-pool-overlap": fix_as_advised,
    "kube-ovn-underlay-ippool": fix_as_advised,
}


def kube_ovn_example_doc(name: str) -> Doc:
    return registry_doc(KUBE_OVN_EXAMPLES, name)


def kube_ovn_doc(edit: Any) -> Doc:
    """The seed edited by ``edit`` (one of this module's builders)."""
    return registry_doc({"kube-ovn": ("a Kube-OVN cluster", edit)}, "kube-ovn")


def kube_ovn_hetero_doc(nodes: int, *, heterogeneous: bool = True, pods_per_node: int = 4) -> Doc:
    """`hetero_doc` (every node port in a group of its own, rules written differently, every
    50th without Typha) under Kube-OVN: two overlay Subnets (ovn-default, natOutgoing, and
    10.160.0.0/11 without it, so egress differs by Subnet), Geneve admitted from the node
    /16 except on every 40th node (a genuine drop)."""
    doc = hetero_doc(nodes, heterogeneous=heterogeneous, pods_per_node=pods_per_node)
    apps = subnet("apps", "10.160.0.0/11", nat_outgoing=False)
    default = subnet("ovn-default", "10.128.0.0/10", default=True, nat_outgoing=True)
    settings = kube_ovn_settings(default)
    settings["kube_ovn"]["subnets"].append(apps)
    doc["cluster"]["cni"] = settings
    doc["cluster"]["pod_cidrs_source"] = "kubeovn.io/v1 Subnets"
    for i, grp in enumerate(doc["openstack"]["security_groups"]):
        if i % 40 != 39:
            grp["rules"].append(rule(grp["id"], "ingress", "udp", 6081, "10.0.0.0/16"))
    return doc
