"""Load balancer members down with every rule open: nothing serves NodePorts, or the member
addresses are outside nodePortAddresses (analyze/engine/node_ports.py).

Both start from lb-amphora-healthy (shop/web on the amphora provider, NodePorts open to the
VIP subnet) and break it in the cluster only; Octavia reports the members ERROR, as its
health monitor does when the check gets no answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kostack_testkit.antrea import as_antrea
from kostack_testkit.builders import (
    SG_NODES,
    example_flannel_no_8472,
    group,
    registry_doc,
    rule,
)
from kostack_testkit.lb_fixtures import amphora_healthy, load_balancer, nodeport_rule

Doc = dict[str, Any]


def _members(doc: Doc, status: Callable[[str], str]) -> None:
    """The load balancer as Octavia reports it with ``status`` per member node."""
    doc["openstack"]["load_balancers"] = [load_balancer(member_status=status)]


def antrea_no_proxy(doc: Doc) -> None:
    """Antrea with its defaults (proxyAll false) after `kubectl -n kube-system delete
    daemonset kube-proxy`: no kube-proxy pod, its ConfigMap (mode iptables) kept; UDP 6081
    open between the nodes, so only the NodePorts go unanswered."""
    as_antrea(doc)
    group(doc, "k8s-nodes")["rules"].append(rule(SG_NODES, "ingress", "udp", 6081, group=SG_NODES))
    doc["cluster"]["kube_proxy_pods"] = 0
    _members(doc, lambda _n: "ERROR")


def flannel_no_proxy(doc: Doc) -> None:
    """flannel (VXLAN, UDP 8472 open between the nodes) after `kubectl -n kube-system delete
    daemonset kube-proxy`, its ConfigMap (mode iptables) kept: flannel serves no Service, so
    nothing serves ClusterIPs nor NodePorts, and every member is ERROR."""
    example_flannel_no_8472(doc)
    nodes = group(doc, "k8s-nodes")["rules"]
    nodes.append(rule(SG_NODES, "ingress", "udp", 8472, group=SG_NODES))
    nodes.append(nodeport_rule("10.0.0.0/24"))
    doc["cluster"]["kube_proxy_pods"] = 0
    _members(doc, lambda _n: "ERROR")


def flannel_proxy_back(doc: Doc) -> None:
    """The fix: kube-proxy's pods run again, one per node; the members come back ONLINE."""
    flannel_no_proxy(doc)
    doc["cluster"]["kube_proxy_pods"] = len(doc["cluster"]["nodes"])
    _members(doc, lambda _n: "ONLINE")


def antrea_proxy_all(doc: Doc) -> None:
    """The fix: proxyAll on, AntreaProxy serves the NodePorts (mode none, kube-proxy gone)."""
    antrea_no_proxy(doc)
    doc["cluster"]["cni"]["antrea"]["proxy_all"] = True
    doc["cluster"]["kube_proxy_mode"] = "none"
    _members(doc, lambda _n: "ONLINE")


def outside_addresses(doc: Doc) -> None:
    """kube-proxy answers NodePorts only on a second network's addresses
    (nodePortAddresses [192.168.100.0/24]), and the members are the nodes' 10.0.0.0/24 ones."""
    doc["cluster"]["kube_proxy_pods"] = len(doc["cluster"]["nodes"])
    doc["cluster"]["kube_proxy_node_port_addresses"] = ["192.168.100.0/24"]
    _members(doc, lambda _n: "ERROR")


def outside_fixed(doc: Doc) -> None:
    """The fix: the node subnet added to nodePortAddresses."""
    outside_addresses(doc)
    doc["cluster"]["kube_proxy_node_port_addresses"] = ["192.168.100.0/24", "10.0.0.0/24"]
    _members(doc, lambda _n: "ONLINE")


NODE_PORT_EXAMPLES = {
    "antrea-no-node-port-proxy": (
        "shop/web on the amphora provider, NodePorts open to the VIP subnet, Antrea with "
        "proxyAll false and kube-proxy's DaemonSet deleted (its ConfigMap kept): nothing "
        "serves NodePorts, every member ERROR.",
        antrea_no_proxy,
    ),
    "flannel-no-service-proxy-lb": (
        "shop/web on the amphora provider, NodePorts open to the VIP subnet, flannel (VXLAN, "
        "UDP 8472 open) and kube-proxy's DaemonSet deleted (its ConfigMap kept): nothing serves "
        "ClusterIPs nor NodePorts; every member ERROR is a symptom of that one root cause.",
        flannel_no_proxy,
    ),
    "lb-node-port-addresses": (
        "shop/web on the amphora provider, NodePorts open to the VIP subnet, kube-proxy's "
        "nodePortAddresses [192.168.100.0/24] leave out the members' 10.0.0.0/24 addresses: "
        "every member ERROR.",
        outside_addresses,
    ),
}
# Their fixed states, for the tests (not examples).
FIXED = {
    "antrea-no-node-port-proxy": antrea_proxy_all,
    "flannel-no-service-proxy-lb": flannel_proxy_back,
    "lb-node-port-addresses": outside_fixed,
}


def node_port_example_doc(name: str) -> Doc:
    return registry_doc(NODE_PORT_EXAMPLES, name, amphora_healthy)


def node_port_doc(edit: Callable[[Doc], None]) -> Doc:
    """lb-amphora-healthy edited by ``edit`` (one of this module's builders)."""
    return registry_doc({"node-ports": ("a NodePort case", edit)}, "node-ports", amphora_healthy)
