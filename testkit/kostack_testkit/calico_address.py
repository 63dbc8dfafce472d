"""calico-node's own address (the Node annotation projectcalico.org/IPv4Address) that is not the
node's InternalIP: first-found picking a bridge every node has, or a second NIC's address.

`with_calico_addresses` sets Calico's address of each node (``cluster.cni.calico.node_addresses``,
what the collector reads from the annotations); `second_nic` gives a node's server a second
port on a network of its own (a storage network), as a VM with two NICs has.
"""

from __future__ import annotations

from typing import Any

from kostack_testkit.builders import example_doc, fake_id, ports_of, registry_doc

Doc = dict[str, Any]
BRIDGE = "172.18.0.1"  # a Docker Compose network's bridge (br-<id>), which first-found takes
STORAGE_CIDR = "192.168.100.0/24"


def internal_ip(doc: Doc, node: str) -> str:
    found: str = next(n["internal_ip"] for n in doc["cluster"]["nodes"] if n["name"] == node)
    return found


def with_calico_addresses(doc: Doc, addresses: dict[str, list[str]] | None = None) -> Doc:
    """Each node's Calico address: ``addresses`` by node name, every other node its InternalIP."""
    given = addresses or {}
    doc["cluster"]["cni"]["calico"]["node_addresses"] = {
        n["name"]: given.get(n["name"], [n["internal_ip"]]) for n in doc["cluster"]["nodes"]
    }
    return doc


def _storage_network(doc: Doc) -> tuple[str, str]:
    """(network id, subnet id) of the storage network, added once."""
    os_ = doc["openstack"]
    net_id = fake_id("network", "storage-net")
    subnet_id = fake_id("subnet", "storage-subnet")
    if not any(n["id"] == net_id for n in os_["networks"]):
        network = {**os_["networks"][0], "id": net_id, "name": "storage-net"}
        os_["networks"].append(network)
        subnet = {**os_["subnets"][0], "id": subnet_id, "name": "storage-subnet"}
        subnet.update(network_id=net_id, cidr=STORAGE_CIDR, gateway_ip=None)
        os_["subnets"].append(subnet)
    return net_id, subnet_id


def second_nic(doc: Doc, node: str, ip: str, pairs: tuple[str, ...] = ()) -> Doc:
    """A second port of ``node``'s server, on the storage network, with fixed IP ``ip``, no
    security group but the project's default (whose members admit each other), and ``pairs``
    as its allowed address pairs."""
    link = next(link for link in doc["node_ports"] if link["node"] == node)
    first = next(p for p in ports_of(doc) if p["id"] == link["port_id"])
    net_id, subnet_id = _storage_network(doc)
    port = {
        **first,
        "id": fake_id("port", f"{node}-storage"),
        "name": f"{node}-storage",
        "network_id": net_id,
        "mac_address": "fa:16:3e:00:01:" + ip.rsplit(".", 1)[1][-2:].zfill(2),
        "fixed_ips": [{"subnet_id": subnet_id, "ip_address": ip}],
        "allowed_address_pairs": [{"ip_address": cidr} for cidr in pairs],
        "security_group_ids": first["security_group_ids"][:1],
    }
    ports_of(doc).append(port)
    return doc


def storage_ip(doc: Doc, node: str) -> str:
    """The node's address on the storage network: its InternalIP's last byte there."""
    return "192.168.100." + internal_ip(doc, node).rsplit(".", 1)[1]


def on_second_nics(doc: Doc, nodes: list[str], pairs: tuple[str, ...] = ()) -> Doc:
    """Each of ``nodes`` with a second NIC on the storage network (`second_nic`) whose address
    calico-node took; every other node's Calico address is its InternalIP."""
    with_calico_addresses(doc, {n: [storage_ip(doc, n)] for n in nodes})
    for n in nodes:
        second_nic(doc, n, storage_ip(doc, n), pairs)
    return doc


def example_first_found_bridge(doc: Doc) -> None:
    """The fixed seed, each calico-node on 172.18.0.1 (a bridge on every node)."""
    with_calico_addresses(doc, {n["name"]: [BRIDGE] for n in doc["cluster"]["nodes"]})


def _all_nodes(doc: Doc) -> list[str]:
    return [n["name"] for n in doc["cluster"]["nodes"]]


def example_second_nic(doc: Doc) -> None:
    """The fixed seed, every server with a second NIC on a storage network (the default group,
    the pod range as an allowed pair), whose address calico-node took on every node."""
    pods = doc["cluster"]["cni"]["calico"]["ip_pools"][0]["cidr"]
    on_second_nics(doc, _all_nodes(doc), (pods,))


def example_second_nic_no_pairs(doc: Doc) -> None:
    """The same, the second NICs without the pod range as an allowed pair."""
    on_second_nics(doc, _all_nodes(doc))


CALICO_ADDRESS_EXAMPLES = {
    "calico-first-found-bridge": (
        "The fixed seed, but every calico-node autodetected (first-found) 172.18.0.1, the "
        "address of a Docker Compose bridge each node has, instead of its InternalIP.",
        example_first_found_bridge,
    ),
    "calico-second-nic": (
        "The fixed seed, but every server has a second NIC on a storage network "
        "(192.168.100.0/24, the default group, 10.244.0.0/16 as an allowed pair) and "
        "calico-node took its address on every node.",
        example_second_nic,
    ),
    "calico-second-nic-no-pairs": (
        "The same, but the second NICs lack the pod range as an allowed address pair.",
        example_second_nic_no_pairs,
    ),
}


def calico_address_example_doc(name: str) -> Doc:
    return registry_doc(CALICO_ADDRESS_EXAMPLES, name, lambda: example_doc("seed-fixed"))
