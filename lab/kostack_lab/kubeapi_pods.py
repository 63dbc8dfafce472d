"""What the scheduler, the CNI and the kubelet would do to a new pod, done at once.

Used by `KubeStore.start_pods_on_create` so that code creating probe pods
sees them scheduled, addressed and Running without a cluster.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

JsonObject = dict[str, Any]

_POD_CONDITIONS = (
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
    "PodScheduled",
)


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def internal_ip(node: Mapping[str, Any]) -> str:
    """The node's InternalIP, or "" when it has none."""
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == "InternalIP":
            return str(address.get("address", ""))
    return ""


def schedule(
    pod: Mapping[str, Any], nodes: Sequence[JsonObject], pods: Sequence[JsonObject]
) -> JsonObject | None:
    """The node for a pod: its spec.nodeName, else the least loaded node it fits on.

    A node fits when its labels match spec.nodeSelector, it is not
    unschedulable, and every NoSchedule/NoExecute taint is tolerated.
    """
    spec = pod.get("spec") or {}
    wanted = spec.get("nodeName")
    if wanted:
        return next((n for n in nodes if _name(n) == wanted), None)
    tolerations = spec.get("tolerations") or []
    tolerate_all = any(t.get("operator") == "Exists" and not t.get("key") for t in tolerations)

    def tolerated(taint: Mapping[str, Any]) -> bool:
        return tolerate_all or any(
            t.get("key") == taint.get("key") and t.get("effect") in (None, "", taint.get("effect"))
            for t in tolerations
        )

    selector = spec.get("nodeSelector") or {}
    load: dict[str, int] = {}
    for other in pods:
        node_name = (other.get("spec") or {}).get("nodeName")
        if node_name:
            load[str(node_name)] = load.get(str(node_name), 0) + 1
    candidates: list[tuple[int, str, JsonObject]] = []
    for node in nodes:
        labels = (node.get("metadata") or {}).get("labels") or {}
        node_spec = node.get("spec") or {}
        if any(labels.get(k) != v for k, v in selector.items()) or node_spec.get("unschedulable"):
            continue
        if all(
            tolerated(taint)
            for taint in node_spec.get("taints") or []
            if taint.get("effect") in ("NoSchedule", "NoExecute")
        ):
            candidates.append((load.get(_name(node), 0), _name(node), node))
    return min(candidates, key=lambda c: (c[0], c[1]))[2] if candidates else None


def allocate_pod_ip(
    node: Mapping[str, Any], pods: Sequence[JsonObject], ipam_blocks: Sequence[JsonObject]
) -> str:
    """The lowest free address from the node's Calico IPAM blocks, else its podCIDR(s).

    Offsets 0 and 1 are skipped: Calico's tunnel address / the network, and
    the bridge of host-local IPAM (Flannel's cni0).
    """
    node_name = _name(node)
    ranges = [
        str(block["spec"]["cidr"])
        for block in sorted(ipam_blocks, key=_name)
        if (block.get("spec") or {}).get("affinity") == f"host:{node_name}"
    ]
    node_spec = node.get("spec") or {}
    ranges.extend(str(c) for c in node_spec.get("podCIDRs") or [])
    if node_spec.get("podCIDR"):
        ranges.append(str(node_spec["podCIDR"]))
    used = {str((p.get("status") or {}).get("podIP")) for p in pods}
    for cidr in ranges:
        network = ipaddress.ip_network(cidr, strict=False)
        for offset in range(2, network.num_addresses - 1):
            candidate = str(network.network_address + offset)
            if candidate not in used:
                return candidate
    return ""


def start_pod(
    pod: JsonObject,
    *,
    nodes: Sequence[JsonObject],
    pods: Sequence[JsonObject],
    ipam_blocks: Sequence[JsonObject],
    now: str,
) -> None:
    """Schedule `pod`, give it an IP and mark it Running and Ready (in place).

    A pod that fits no node stays Pending with PodScheduled False, as the
    scheduler leaves it. hostNetwork pods get the node's InternalIP.
    """
    spec = pod.setdefault("spec", {})
    status = pod.setdefault("status", {})
    node = schedule(pod, nodes, pods)
    if node is None:
        status["phase"] = "Pending"
        status["conditions"] = [
            {
                "type": "PodScheduled",
                "status": "False",
                "lastProbeTime": None,
                "lastTransitionTime": now,
                "reason": "Unschedulable",
                "message": f"0/{len(nodes)} nodes are available to schedule this pod.",
            }
        ]
        return
    spec["nodeName"] = _name(node)
    host_ip = internal_ip(node)
    pod_ip = host_ip if spec.get("hostNetwork") else allocate_pod_ip(node, pods, ipam_blocks)
    containers = spec.get("containers") or []
    pod_id = f"{(pod.get('metadata') or {}).get('namespace')}/{_name(pod)}"
    status.update(
        {
            "phase": "Running",
            "conditions": [
                {"type": kind, "status": "True", "lastProbeTime": None, "lastTransitionTime": now}
                for kind in _POD_CONDITIONS
            ],
            "hostIP": host_ip,
            "hostIPs": [{"ip": host_ip}] if host_ip else [],
            "startTime": now,
            "qosClass": "Burstable"
            if any(c.get("resources") for c in containers)
            else "BestEffort",
            "containerStatuses": [
                {
                    "name": c.get("name", ""),
                    "image": c.get("image", ""),
                    "imageID": c.get("image", ""),
                    "containerID": "containerd://"
                    + hashlib.sha256(f"{pod_id}/{c.get('name')}".encode()).hexdigest(),
                    "ready": True,
                    "restartCount": 0,
                    "started": True,
                    "state": {"running": {"startedAt": now}},
                }
                for c in containers
            ],
        }
    )
    if pod_ip:
        status["podIP"] = pod_ip
        status["podIPs"] = [{"ip": pod_ip}]
