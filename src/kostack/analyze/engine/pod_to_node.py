"""Which way a pod's traffic to another node's address takes: the CNI's tunnel, or the
node's own stack (masqueraded or not: engine/cni.py `masquerade`).

Most CNIs hand a pod's packet to another node's address to the node's routing table, which
sends it from the node (masqueraded to the node's address, or with the pod's own). Two carry
it in their tunnel, its pod source kept inside (docs/facts.md "Kube-OVN", "Cilium"):

- Kube-OVN: OVN's router reroutes a node's address to that node's ovn0
  (`engine/kubeovn.py` `node_tunnel`);
- Cilium in tunnel mode with the host firewall on: every node address has its node as tunnel
  endpoint (cilium pkg/node/manager/manager.go ``nodeAddressHasTunnelIP``), so the packet
  leaves through the tunnel. With WireGuard on as well, whether that tunnel packet is then
  encrypted is not modelled: UNKNOWN.

The answer depends on the CNI's settings, whether the source is a pod and whether the target
is a node address only, so one answer holds for every class pair of those kinds.
"""

from __future__ import annotations

from kostack.analyze.engine.kubeovn import node_tunnel
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import Topology
from kostack.model.snapshot import IPAddress

TUNNEL = "tunnel"

register(
    {
        "hop.cilium-host-firewall-wireguard": {
            "en": "Cilium's host firewall sends a pod's traffic to another node through its "
            "tunnel, and with WireGuard on whether cilium_wg0 then encrypts it (UDP 51871) is "
            "not modelled",
            "ko": "Cilium 호스트 방화벽이 켜져 있어 다른 노드로 가는 Pod 트래픽은 터널로 나가며, "
            "WireGuard도 켜져 있을 때 cilium_wg0이 이를 다시 암호화하는지(UDP 51871)는 "
            "모델링하지 않습니다",
        },
    }
)


def pod_to_node(topo: Topology, src_ip: IPAddress, dst_ip: IPAddress) -> str | Msg | None:
    """``TUNNEL`` when the CNI carries the pod at ``src_ip``'s traffic to the other node
    address ``dst_ip`` in its tunnel (`encapsulation` decides it, as to a pod), a message
    when that is not decided, None for the node's own way."""
    cl = topo.snapshot.cluster
    cni = cl.cni if cl is not None else None
    if cni is None or src_ip in topo.node_by_ip or dst_ip not in topo.node_by_ip:
        return None
    if cni.type == "kube-ovn":
        return TUNNEL if node_tunnel(topo, src_ip, dst_ip) is not None else None
    cil = cni.cilium if cni.type == "cilium" else None
    if cil is None or cil.routing_mode != "tunnel" or not cil.host_firewall:
        return None
    return Msg("hop.cilium-host-firewall-wireguard") if cil.wireguard else TUNNEL
