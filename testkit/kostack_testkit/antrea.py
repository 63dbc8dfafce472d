"""Clusters whose CNI is Antrea, built from the seed's snapshot.

Antrea's defaults (build/yamls/antrea.yml antrea-agent.conf): trafficEncapMode encap,
tunnelType geneve on UDP 6081 between the nodes' addresses, no encryption, pod egress
masqueraded to the node IP (noSNAT false). Each node's pods take addresses from its Node
spec.podCIDR (docs/facts.md "Antrea").
"""

from __future__ import annotations

from typing import Any

from kostack_testkit.builders import (
    POD_CIDR,
    add_pairs,
    registry_doc,
)
from kostack_testkit.kuberouter import geneve_groups, swap_cni

Doc = dict[str, Any]

VERSION = "v2.6.3"


def antrea_settings(**settings: Any) -> Doc:
    """Antrea's settings as kostack reads antrea.yml's antrea-agent.conf."""
    antrea = {
        "traffic_encap_mode": "encap",
        "tunnel_type": "geneve",
        "tunnel_port": 6081,
        "traffic_encryption_mode": "none",
        "wireguard_port": 51820,
        "no_snat": False,
        "snat_fully_random_ports": False,
        "default_mtu": 0,
        "antrea_proxy": True,
        "proxy_all": False,
        "config_map": "antrea-config",
        "cluster_port": 10351,
    }
    antrea.update(settings)
    return {
        "type": "antrea",
        "version": VERSION,
        "version_source": f"image antrea/antrea-agent-ubuntu:{VERSION}",
        "antrea": antrea,
    }


def as_antrea(doc: Doc, **settings: Any) -> None:
    """The seed's cluster with Antrea instead of Calico: pods keep their addresses (each
    inside its node's podCIDR), the agent pods are Antrea's."""
    labels = {"app": "antrea", "component": "antrea-agent"}
    swap_cni(doc, antrea_settings(**settings), "antrea-agent-", labels)


def geneve_blocked(doc: Doc) -> None:
    """Antrea's defaults (Geneve between all nodes), and the nodes only in a group that
    admits no UDP 6081 from one another."""
    as_antrea(doc)
    geneve_groups(doc, admitted=False)


def geneve_fixed(doc: Doc) -> None:
    """Antrea's defaults with UDP 6081 admitted between the nodes."""
    as_antrea(doc)
    geneve_groups(doc, admitted=True)


def noencap_no_pairs(doc: Doc) -> None:
    """trafficEncapMode noEncap (pod addresses on the wire between nodes) on the seed's
    groups, and no allowed address pairs: the seed's incident under Antrea."""
    as_antrea(doc, traffic_encap_mode="noEncap")


def noencap_fixed(doc: Doc) -> None:
    """noEncap after the fix: the pod CIDR as an allowed pair on every node port."""
    noencap_no_pairs(doc)
    add_pairs(doc, [POD_CIDR])


ANTREA_EXAMPLES = {
    "antrea-geneve-blocked": (
        "Antrea with its defaults (trafficEncapMode encap, Geneve on UDP 6081 between the "
        "nodes): the nodes' only group admits no UDP 6081 from one another.",
        geneve_blocked,
    ),
    "antrea-noencap-no-pairs": (
        "Antrea with trafficEncapMode noEncap (pod addresses on the wire between nodes) and "
        "no allowed address pairs on the node ports: Neutron drops the pods' packets.",
        noencap_no_pairs,
    ),
}
# Their fixed states, for the tests (not examples).
FIXED = {"antrea-geneve-blocked": geneve_fixed, "antrea-noencap-no-pairs": noencap_fixed}


def antrea_example_doc(name: str) -> Doc:
    return registry_doc(ANTREA_EXAMPLES, name)


def antrea_doc(edit: Any) -> Doc:
    """The seed edited by ``edit`` (one of this module's builders)."""
    return registry_doc({"antrea": ("an Antrea cluster", edit)}, "antrea")
