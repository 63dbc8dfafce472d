"""Calico's objects: CRDs, IP pools, IPAM blocks, Felix/BGP settings, calico-node.

Shared by the operator install (`seed_cluster`) and the manifest install
(`calico_manifest_cluster`) in `k8s_fixtures`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal

from kostack_lab.kube_objects import JsonObject, object_meta
from kostack_testkit.k8s_fixture_objects import (
    TOLERATE_EVERYTHING,
    Backend,
    NodeSpec,
    container_spec,
    deployment_objects,
    endpoints_objects,
    env_var,
    hex_id,
    service_ip,
    service_object,
    split_roles,
)

CalicoEncapsulation = Literal["IPIP", "IPIPCrossSubnet", "VXLAN", "VXLANCrossSubnet", "None"]
CALICO_VERSION: Final = "v3.30.3"


# Encapsulation overhead (Calico docs, "Configure MTU").
ENCAPSULATION_OVERHEAD: Final[Mapping[str, int]] = {
    "IPIP": 20,
    "IPIPCrossSubnet": 20,
    "VXLAN": 50,
    "VXLANCrossSubnet": 50,
    "None": 0,
}


def standard_pod_ips(nodes: Sequence[NodeSpec]) -> list[str]:
    """The pod IPs `kubeadm_cluster` uses: CoreDNS on the first control plane and worker, netshoot."""
    control_planes, workers = split_roles(nodes)
    return [control_planes[0].pod_ip(2), workers[0].pod_ip(2), workers[0].pod_ip(7)]


def second_worker(nodes: Sequence[NodeSpec]) -> NodeSpec:
    """Where calico-kube-controllers runs (k8s-w-2 in the seed)."""
    _, workers = split_roles(nodes)
    return workers[1] if len(workers) > 1 else workers[0]


def calico_pod_annotations(
    pods_ips: Iterable[str], namespace_seed: str
) -> dict[str, dict[str, str]]:
    return {
        ip: {
            "cni.projectcalico.org/containerID": hex_id(64, namespace_seed, ip),
            "cni.projectcalico.org/podIP": f"{ip}/32",
            "cni.projectcalico.org/podIPs": f"{ip}/32",
        }
        for ip in pods_ips
    }


def _block_name(cidr: str) -> str:
    return cidr.replace(".", "-").replace("/", "-")


def calico_ipam(
    nodes: Sequence[NodeSpec],
    pods: Sequence[JsonObject],
    *,
    block_size: int,
    tunnel_type: str | None,
) -> list[JsonObject]:
    """IPAMBlocks (one per node, the first of its pod range) and BlockAffinities."""
    objects: list[JsonObject] = []
    for node in nodes:
        block = next(ipaddress.IPv4Network(node.pod_cidr).subnets(new_prefix=block_size))
        size = block.num_addresses
        allocations: list[int | None] = [None] * size
        attributes: list[JsonObject] = []
        if tunnel_type is not None:
            allocations[0] = 0
            handle = (
                "vxlan-tunnel-addr" if tunnel_type == "vxlanTunnelAddress" else "ipip-tunnel-addr"
            )
            attributes.append(
                {
                    "handle_id": f"{handle}-{node.name}",
                    "secondary": {"node": node.name, "type": tunnel_type},
                }
            )
        for pod in pods:
            if pod["spec"].get("nodeName") != node.name or pod["spec"].get("hostNetwork"):
                continue
            ip = ipaddress.ip_address(pod["status"]["podIP"])
            if ip not in block:
                continue
            allocations[int(ip) - int(block.network_address)] = len(attributes)
            metadata = pod["metadata"]
            attributes.append(
                {
                    "handle_id": "k8s-pod-network."
                    + metadata["annotations"]["cni.projectcalico.org/containerID"],
                    "secondary": {
                        "namespace": metadata["namespace"],
                        "node": node.name,
                        "pod": metadata["name"],
                        "timestamp": pod["status"]["startTime"]
                        .replace("T", " ")
                        .replace("Z", ".000000000 +0000 UTC"),
                    },
                }
            )
        cidr = str(block)
        objects.append(
            {
                "apiVersion": "crd.projectcalico.org/v1",
                "kind": "IPAMBlock",
                "metadata": object_meta(
                    "IPAMBlock",
                    _block_name(cidr),
                    annotations={"projectcalico.org/metadata": '{"creationTimestamp":null}'},
                    created=9.0,
                    generation=True,
                ),
                "spec": {
                    "affinity": f"host:{node.name}",
                    "allocations": allocations,
                    "attributes": attributes,
                    "cidr": cidr,
                    "deleted": False,
                    "sequenceNumber": 1760922000000000000 + len(attributes),
                    "sequenceNumberForAllocation": {
                        str(n): 1760922000000000000 + int(a)
                        for n, a in enumerate(allocations)
                        if a is not None
                    },
                    "strictAffinity": False,
                    "unallocated": [n for n, a in enumerate(allocations) if a is None],
                },
            }
        )
        objects.append(
            {
                "apiVersion": "crd.projectcalico.org/v1",
                "kind": "BlockAffinity",
                "metadata": object_meta(
                    "BlockAffinity",
                    f"{node.name}-{_block_name(cidr)}",
                    annotations={"projectcalico.org/metadata": '{"creationTimestamp":null}'},
                    created=9.0,
                    generation=True,
                ),
                "spec": {
                    "cidr": cidr,
                    "deleted": "false",
                    "node": node.name,
                    "state": "confirmed",
                    "type": "host",
                },
            }
        )
    return objects


def calico_pool(
    *,
    cidr: str,
    ipip_mode: str,
    vxlan_mode: str,
    nat_outgoing: bool,
    block_size: int,
) -> JsonObject:
    spec: JsonObject = {
        "allowedUses": ["Workload", "Tunnel"],
        "blockSize": block_size,
        "cidr": cidr,
        "ipipMode": ipip_mode,
    }
    # Calico's API types mark natOutgoing `omitempty`: false is absent, not false.
    if nat_outgoing:
        spec["natOutgoing"] = True
    spec["nodeSelector"] = "all()"
    spec["vxlanMode"] = vxlan_mode
    return {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "IPPool",
        "metadata": object_meta(
            "IPPool",
            "default-ipv4-ippool",
            annotations={"projectcalico.org/metadata": '{"creationTimestamp":null}'},
            created=8.0,
            generation=True,
        ),
        "spec": spec,
    }


def pool_modes(encapsulation: str) -> tuple[str, str]:
    """(ipipMode, vxlanMode) of an operator `encapsulation`."""
    return {
        "IPIP": ("Always", "Never"),
        "IPIPCrossSubnet": ("CrossSubnet", "Never"),
        "VXLAN": ("Never", "Always"),
        "VXLANCrossSubnet": ("Never", "CrossSubnet"),
        "None": ("Never", "Never"),
    }[encapsulation]


def calico_node_annotations(
    nodes: Sequence[NodeSpec], ipip_mode: str, vxlan_mode: str
) -> dict[str, dict[str, str]]:
    annotations: dict[str, dict[str, str]] = {}
    for node in nodes:
        values = {"projectcalico.org/IPv4Address": f"{node.internal_ip}/{node.subnet_prefix}"}
        if ipip_mode != "Never":
            values["projectcalico.org/IPv4IPIPTunnelAddr"] = node.pod_ip(0)
        if vxlan_mode != "Never":
            values["projectcalico.org/IPv4VXLANTunnelAddr"] = node.pod_ip(0)
        annotations[node.name] = values
    return annotations


def calico_settings(
    *,
    calico_version: str,
    cluster_type: str,
    felix_spec: Mapping[str, Any],
    bgp: bool,
) -> list[JsonObject]:
    objects: list[JsonObject] = [
        {
            "apiVersion": "crd.projectcalico.org/v1",
            "kind": "ClusterInformation",
            "metadata": object_meta(
                "ClusterInformation",
                "default",
                annotations={"projectcalico.org/metadata": '{"creationTimestamp":null}'},
                created=8.0,
                generation=True,
            ),
            "spec": {
                "calicoVersion": calico_version,
                "clusterGUID": hex_id(32, "cluster-guid"),
                "clusterType": cluster_type,
                "datastoreReady": True,
            },
        },
        {
            "apiVersion": "crd.projectcalico.org/v1",
            "kind": "FelixConfiguration",
            "metadata": object_meta(
                "FelixConfiguration",
                "default",
                annotations={"projectcalico.org/metadata": '{"creationTimestamp":null}'},
                created=8.0,
                generation=True,
            ),
            "spec": dict(felix_spec),
        },
    ]
    if bgp:
        objects.append(
            {
                "apiVersion": "crd.projectcalico.org/v1",
                "kind": "BGPConfiguration",
                "metadata": object_meta(
                    "BGPConfiguration",
                    "default",
                    annotations={"projectcalico.org/metadata": '{"creationTimestamp":null}'},
                    created=8.0,
                    generation=True,
                ),
                "spec": {
                    "asNumber": 64512,
                    "logSeverityScreen": "Info",
                    "nodeToNodeMeshEnabled": True,
                },
            }
        )
    return objects


def calico_node_container(image: str, env: Sequence[Mapping[str, Any]]) -> JsonObject:
    return container_spec(
        "calico-node",
        image,
        env=env,
        privileged=True,
        resources={"requests": {"cpu": "250m"}},
        volume_mounts=[
            {"mountPath": "/lib/modules", "name": "lib-modules", "readOnly": True},
            {"mountPath": "/run/xtables.lock", "name": "xtables-lock"},
            {"mountPath": "/var/run/calico", "name": "var-run-calico"},
            {"mountPath": "/var/lib/calico", "name": "var-lib-calico"},
        ],
    )


CALICO_NODE_VOLUMES: Final = (
    {"hostPath": {"path": "/lib/modules", "type": ""}, "name": "lib-modules"},
    {"hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"}, "name": "xtables-lock"},
    {
        "hostPath": {"path": "/var/run/calico", "type": "DirectoryOrCreate"},
        "name": "var-run-calico",
    },
    {
        "hostPath": {"path": "/var/lib/calico", "type": "DirectoryOrCreate"},
        "name": "var-lib-calico",
    },
)


NODENAME_ENV: Final = {
    "name": "NODENAME",
    "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}},
}


def kube_controllers_objects(
    registry: str, version: str, node: NodeSpec, ip: str, annotations: Mapping[str, str]
) -> list[JsonObject]:
    """calico-kube-controllers as the manifest installs deploy it (one pod on ``node``)."""
    return deployment_objects(
        "kube-system",
        "calico-kube-controllers",
        {"k8s-app": "calico-kube-controllers"},
        [
            container_spec(
                "calico-kube-controllers",
                f"{registry}/kube-controllers:{version}",
                env=[
                    env_var("ENABLED_CONTROLLERS", "node,loadbalancer"),
                    env_var("DATASTORE_TYPE", "kubernetes"),
                ],
            )
        ],
        [(node, ip)],
        pod_annotations=[annotations],
        service_account="calico-kube-controllers",
        priority_class="system-cluster-critical",
        tolerations=[
            {"key": "CriticalAddonsOnly", "operator": "Exists"},
            {"effect": "NoSchedule", "key": "node-role.kubernetes.io/master"},
            {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"},
        ],
        node_selector={"kubernetes.io/os": "linux"},
        created=5.0,
    )


def typha_objects(
    namespace: str,
    image_registry: str,
    calico_version: str,
    nodes: Sequence[NodeSpec],
    service_subnet: str,
) -> list[JsonObject]:
    workers = [n for n in nodes if not n.control_plane] or list(nodes)
    typha_nodes = workers[-1:]
    objects = deployment_objects(
        namespace,
        "calico-typha",
        {"k8s-app": "calico-typha"},
        [
            container_spec(
                "calico-typha",
                f"{image_registry}/typha:{calico_version}",
                ports=[{"containerPort": 5473, "name": "calico-typha", "protocol": "TCP"}],
                env=[
                    env_var("TYPHA_DATASTORETYPE", "kubernetes"),
                    env_var("TYPHA_HEALTHENABLED", "true"),
                ],
            )
        ],
        [(node, node.internal_ip) for node in typha_nodes],
        host_network=True,
        service_account="calico-typha",
        priority_class="system-cluster-critical",
        tolerations=TOLERATE_EVERYTHING,
        node_selector={"kubernetes.io/os": "linux"},
        created=6.0,
    )
    service = service_object(
        namespace,
        "calico-typha",
        service_ip(service_subnet, 0x6A_0C),
        [{"name": "calico-typha", "port": 5473, "protocol": "TCP", "targetPort": "calico-typha"}],
        selector={"k8s-app": "calico-typha"},
        labels={"k8s-app": "calico-typha"},
        created=6.0,
    )
    pods = [o for o in objects if o["kind"] == "Pod"]
    objects.append(service)
    objects.extend(
        endpoints_objects(
            service,
            [
                Backend(str(p["status"]["podIP"]), n, p)
                for p, n in zip(pods, typha_nodes, strict=True)
            ],
            [{"name": "calico-typha", "port": 5473, "protocol": "TCP"}],
        )
    )
    return objects


CALICO_CNI_CONFIG: Final = """{
  "name": "k8s-pod-network",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "calico",
      "log_level": "info",
      "log_file_path": "/var/log/calico/cni/cni.log",
      "datastore_type": "kubernetes",
      "nodename": "__KUBERNETES_NODE_NAME__",
      "mtu": __CNI_MTU__,
      "ipam": {
          "type": "calico-ipam"
      },
      "policy": {
          "type": "k8s"
      },
      "kubernetes": {
          "kubeconfig": "__KUBECONFIG_FILEPATH__"
      }
    },
    {
      "type": "portmap",
      "snat": true,
      "capabilities": {"portMappings": true}
    },
    {
      "type": "bandwidth",
      "capabilities": {"bandwidth": true}
    }
  ]
}"""
