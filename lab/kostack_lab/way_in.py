"""The way in, in the network lab: a load balancer in front of the nodes' NodePorts.

Added to a running lab (`Lab.up`), without new namespaces or ports:

- every node gets kube-proxy's NodePort rule (nft DNAT of ``node_port`` to
  the echo server of a pod on that node: an externalTrafficPolicy Local
  Service with an endpoint on every node);
- the router namespace becomes the load balancer behind a floating IP:
  ``fip:80`` is DNATed round-robin to the member nodes' NodePort.
  ``amphora`` mode then SNATs to the amphora's address in the member subnet
  (a second address on the router's subnet interface): the node sees that
  address, as it sees an amphora's. ``ovn`` mode does not: the node sees the
  client, as with OVN's load balancer, which DNATs in the datapath. The
  router's port is a ``network:*`` port, which Neutron's firewall (and the
  lab's rendering) does not filter, so the nodes' own security groups decide,
  exactly where kostack's model says they do;
- ``probe`` connects from the lab's internet host (203.0.113.10) to the
  floating IP and reads which pod answered.

Everything lives in tables ``ks-way-in`` of the lab's namespaces (and one
address on the router), so ``remove`` or ``Lab.down`` undoes it.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Literal

from kostack_lab import netns
from kostack_lab.errors import LabInputError, Msg
from kostack_lab.lab import Lab
from kostack_lab.texts_status import detail_msg
from kostack_lab.topology import _prefixlen
from kostack_lab.topology_layout import NODE_NIC, ROUTER_UPLINK, Topology

__all__ = ["WayIn", "WayInProbe", "install", "probe", "remove"]

TABLE = "ks-way-in"
Mode = Literal["amphora", "ovn"]


@dataclass(frozen=True)
class WayIn:
    """One Service of type LoadBalancer as the lab serves it."""

    mode: Mode
    node_port: int = 31080
    floating_ip: str = "203.0.113.50"
    listener_port: int = 80
    amphora_ip: str = "10.0.0.240"
    members: tuple[str, ...] = ()  # node names; empty: every node


@dataclass(frozen=True)
class WayInProbe:
    ok: bool
    pod: str
    detail: str


def _members(topo: Topology, way: WayIn) -> list[tuple[str, str, str]]:
    """(node netns, node IP, the local pod IP the NodePort DNATs to)."""
    out = []
    for node in topo.nodes:
        if way.members and node.name not in way.members:
            continue
        pods = topo.pods_on(node.name)
        if not pods:
            raise LabInputError(Msg("lab.x.no_pod_for_nodeport", node=node.name))
        out.append((node.netns, node.ip, pods[0].ip))
    if not out:
        raise LabInputError(Msg("lab.x.no_member"), Msg("lab.x.name_members"))
    return out


def node_nft(way: WayIn, pod_ip: str, echo_port: int) -> str:
    """kube-proxy's NodePort rule on one node (a local endpoint)."""
    return (
        "\n".join(
            [
                *netns.nft_table_anew("ip", TABLE),
                "chain prerouting {",
                "type nat hook prerouting priority dstnat; policy accept;",
                f"tcp dport {way.node_port} dnat to {pod_ip}:{echo_port}",
                "}",
                "}",
            ]
        )
        + "\n"
    )


def router_nft(way: WayIn, node_ips: list[str]) -> str:
    """The load balancer on the router: floating IP -> members' NodePort (+ SNAT for amphora)."""
    targets = ", ".join(f"{i} : {ip}" for i, ip in enumerate(node_ips))
    lines = [
        *netns.nft_table_anew("ip", TABLE),
        "chain prerouting {",
        "type nat hook prerouting priority dstnat; policy accept;",
        f"ip daddr {way.floating_ip} tcp dport {way.listener_port} "
        f"dnat to numgen inc mod {len(node_ips)} map {{ {targets} }}:{way.node_port}",
        "}",
    ]
    if way.mode == "amphora":
        lines += [
            "chain postrouting {",
            "type nat hook postrouting priority srcnat; policy accept;",
            f'oifname "{NODE_NIC}" ct status dnat tcp dport {way.node_port} '
            f"snat to {way.amphora_ip}",
            "}",
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"


def install(lab: Lab, way: WayIn) -> None:
    """Put the load balancer and the NodePort rules into the running lab."""
    topo = lab.topology
    members = _members(topo, way)
    for ns, _ip, pod_ip in members:
        netns.load_nft(ns, node_nft(way, pod_ip, topo.echo_port))
    netns.load_nft(topo.router_netns, router_nft(way, [ip for _, ip, _ in members]))
    # The floating IP is an address of the router's gateway side (Neutron's qg- device),
    # so the internet host's ARP for it is answered.
    _ensure_address(topo.router_netns, ROUTER_UPLINK, f"{way.floating_ip}/32")
    if way.mode == "amphora":
        length = _prefixlen(topo.network_cidr)
        _ensure_address(topo.router_netns, NODE_NIC, f"{way.amphora_ip}/{length}")


def _ensure_address(ns: str, device: str, address: str) -> None:
    shown = netns.exec_in(ns, ["ip", "-4", "-o", "addr", "show", "dev", device], check=True).stdout
    if f" {address} " not in shown and f" {address.split('/')[0]}/" not in shown:
        netns.ip_batch(ns, [f"addr add {address} dev {device}"])


def remove(lab: Lab, way: WayIn) -> None:
    """Take it out again (idempotent)."""
    topo = lab.topology
    for ns in [n.netns for n in topo.nodes] + [topo.router_netns]:
        netns.exec_in(ns, ["nft", "delete", "table", "ip", TABLE], check=False)
    for address, device in (
        (f"{way.amphora_ip}/{_prefixlen(topo.network_cidr)}", NODE_NIC),
        (f"{way.floating_ip}/32", ROUTER_UPLINK),
    ):
        netns.exec_in(topo.router_netns, ["ip", "addr", "del", address, "dev", device], check=False)


_CLIENT = """
import json, socket, sys
host, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
try:
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(b"GET /way-in HTTP/1.0\\r\\nHost: lab\\r\\n\\r\\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    body = data.split(b"\\r\\n\\r\\n", 1)[-1]
    print(json.dumps({"ok": True, "pod": json.loads(body).get("pod", ""), "detail": "answered"}))
except Exception as exc:
    kind, why = type(exc).__name__, str(exc)
    print(json.dumps({"ok": False, "pod": "", "detail": kind + ": " + why, "kind": kind, "why": why}))
"""


def probe(lab: Lab, way: WayIn, *, timeout: float = 2.0) -> WayInProbe:
    """Connect from the lab's internet host to the floating IP; who answered (or why not)."""
    topo = lab.topology
    result = netns.exec_in(
        topo.internet_netns,
        [
            sys.executable,
            "-I",
            "-c",
            _CLIENT,
            way.floating_ip,
            str(way.listener_port),
            str(timeout),
        ],
        timeout=timeout + 10,
        check=True,
    )
    doc = json.loads(result.stdout.strip().splitlines()[-1])
    if doc["ok"]:
        return WayInProbe(True, str(doc["pod"]), Msg("lab.d.answered"))
    params = {"kind": doc.get("kind"), "why": doc.get("why")}
    return WayInProbe(False, "", detail_msg("lab.d.os_error", params, str(doc["detail"])))
