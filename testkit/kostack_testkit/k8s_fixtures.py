"""Kubernetes objects for lab and test clusters, shaped exactly like a real cluster's.

Every builder returns a list of plain dicts (the JSON the API server would
return, less resourceVersion, which the API double assigns). Built-in objects
validate against the Kubernetes 1.33 schemas (tests check this).

- `seed_cluster()`: the seed incident. kubeadm v1.33.5, 1 control plane and
  3 workers on one OpenStack subnet, Calico installed by the Tigera operator
  with VXLANCrossSubnet and natOutgoing off.
- `calico_manifest_cluster()`: Calico from `calico.yaml` (IPIP Always).
- `flannel_cluster()`, `cilium_cluster()`: the other CNIs' settings.

All take `nodes` (see `make_nodes`) and `extra` objects, which replace
built-in objects of the same identity (apiVersion, kind, namespace, name):
Helm releases, PVCs and the like are added that way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from kostack_lab.kube_objects import (
    JsonObject,
    calico_crds,
    namespace_object,
    object_meta,
    object_uid,
    timestamp,
)
from kostack_testkit.k8s_fixture_calico import (
    CALICO_CNI_CONFIG,
    CALICO_NODE_VOLUMES,
    CALICO_VERSION,
    ENCAPSULATION_OVERHEAD,
    NODENAME_ENV,
    CalicoEncapsulation,
    calico_ipam,
    calico_node_annotations,
    calico_node_container,
    calico_pod_annotations,
    calico_pool,
    calico_settings,
    kube_controllers_objects,
    pool_modes,
    second_worker,
    standard_pod_ips,
    typha_objects,
)
from kostack_testkit.k8s_fixture_kubeadm import fix_kubernetes_slice, kubeadm_cluster
from kostack_testkit.k8s_fixture_objects import (
    KUBERNETES_VERSION,
    POD_SUBNET,
    SERVICE_SUBNET,
    TOLERATE_EVERYTHING,
    NodeSpec,
    configmap_object,
    container_spec,
    daemonset_objects,
    deployment_objects,
    env_var,
    hex_id,
    identity,
    make_nodes,
    merge_objects,
    seed_device_id,
    service_ip,
)

__all__ = [
    "CALICO_VERSION",
    "KUBERNETES_VERSION",
    "POD_SUBNET",
    "SERVICE_SUBNET",
    "CalicoEncapsulation",
    "JsonObject",
    "NodeSpec",
    "calico_crds",
    "calico_manifest_cluster",
    "cilium_cluster",
    "flannel_cluster",
    "identity",
    "make_nodes",
    "merge_objects",
    "object_uid",
    "seed_cluster",
    "seed_device_id",
]


def seed_cluster(
    *,
    nodes: Sequence[NodeSpec] | None = None,
    encapsulation: CalicoEncapsulation = "VXLANCrossSubnet",
    nat_outgoing: bool = False,
    pod_subnet: str = POD_SUBNET,
    service_subnet: str = SERVICE_SUBNET,
    dns_domain: str = "cluster.local",
    kubernetes_version: str = KUBERNETES_VERSION,
    calico_version: str = CALICO_VERSION,
    block_size: int = 26,
    network_mtu: int = 1450,
    installation_mtu: int | None = None,
    proxy_mode: str = "",
    typha: bool = True,  # the Tigera operator always deploys calico-typha
    calico_api_server: bool = True,
    extra: Iterable[Mapping[str, Any]] = (),
) -> list[JsonObject]:
    """The seed incident's cluster: kubeadm + Calico (Tigera operator) on OpenStack.

    Defaults: 1 control plane `k8s-cp-1` (10.0.0.11) and workers `k8s-w-1..3`
    (10.0.0.12-14) in one /24, IP pool 10.244.0.0/16 VXLANCrossSubnet with
    natOutgoing off, Installation status.mtu = `network_mtu` minus the
    encapsulation overhead (1400 for VXLAN on 1450) with spec mtu unset.
    `typha` adds calico-typha (the operator deploys it on most clusters; the
    seed's does not use it). `calico_api_server` adds the projectcalico.org/v3
    APIService (calico-apiserver).
    """
    nodes = list(nodes) if nodes is not None else make_nodes(pod_subnet=pod_subnet)
    ipip_mode, vxlan_mode = pool_modes(encapsulation)
    kube_controllers_placement = second_worker(nodes)
    kube_controllers_ip = kube_controllers_placement.pod_ip(3)
    pod_annotations = calico_pod_annotations(
        [*standard_pod_ips(nodes), kube_controllers_ip], "calico"
    )
    core = kubeadm_cluster(
        nodes,
        kubernetes_version=kubernetes_version,
        pod_subnet=pod_subnet,
        service_subnet=service_subnet,
        dns_domain=dns_domain,
        proxy_mode=proxy_mode,
        node_annotations=calico_node_annotations(nodes, ipip_mode, vxlan_mode),
        network_reason=("CalicoIsUp", "Calico is running on this node"),
        pod_annotations=pod_annotations,
    )
    objects = fix_kubernetes_slice(core.objects)
    objects.extend(
        [
            namespace_object("tigera-operator", {"name": "tigera-operator"}, created=4.0),
            namespace_object(
                "calico-system",
                {
                    "name": "calico-system",
                    "pod-security.kubernetes.io/enforce": "privileged",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                },
                created=6.0,
            ),
        ]
    )
    if calico_api_server:
        objects.append(
            namespace_object("calico-apiserver", {"name": "calico-apiserver"}, created=12.0)
        )
    objects.extend(calico_crds(operator=True, api_server=calico_api_server))
    image_registry = "quay.io/calico"
    objects.extend(
        deployment_objects(
            "tigera-operator",
            "tigera-operator",
            {"name": "tigera-operator", "k8s-app": "tigera-operator"},
            [
                container_spec(
                    "tigera-operator",
                    "quay.io/tigera/operator:v1.38.6",
                    command=["operator"],
                    env=[
                        env_var("WATCH_NAMESPACE", ""),
                        env_var("OPERATOR_NAME", "tigera-operator"),
                    ],
                )
            ],
            [(nodes[0], nodes[0].internal_ip)],
            host_network=True,
            service_account="tigera-operator",
            dns_policy="ClusterFirstWithHostNet",
            tolerations=TOLERATE_EVERYTHING,
            node_selector={"kubernetes.io/os": "linux"},
            created=4.0,
        )
    )
    pool_cidr = pod_subnet
    overhead = ENCAPSULATION_OVERHEAD[encapsulation]
    computed_mtu = (installation_mtu or network_mtu) - overhead
    calico_network: JsonObject = {
        "ipPools": [
            {
                "blockSize": block_size,
                "cidr": pool_cidr,
                "encapsulation": encapsulation,
                "name": "default-ipv4-ippool",
                "natOutgoing": "Enabled" if nat_outgoing else "Disabled",
                "nodeSelector": "all()",
            }
        ]
    }
    if installation_mtu is not None:
        calico_network["mtu"] = installation_mtu
    computed_network = {
        "bgp": "Enabled",
        "hostPorts": "Enabled",
        "ipPools": [
            {
                **calico_network["ipPools"][0],
                "allowedUses": ["Workload", "Tunnel"],
                "disableBGPExport": False,
                "assignmentMode": "Automatic",
            }
        ],
        "linuxDataplane": "Iptables",
        "linuxPolicySetupTimeoutSeconds": 0,
        "multiInterfaceMode": "None",
        "nodeAddressAutodetectionV4": {"firstFound": True},
        "windowsDataplane": "Disabled",
    }
    if installation_mtu is not None:
        computed_network["mtu"] = installation_mtu
    objects.append(
        {
            "apiVersion": "operator.tigera.io/v1",
            "kind": "Installation",
            "metadata": object_meta(
                "Installation",
                "default",
                created=5.0,
                generation=True,
            ),
            "spec": {"calicoNetwork": calico_network},
            "status": {
                "calicoVersion": calico_version,
                "computed": {
                    "calicoNetwork": computed_network,
                    "cni": {"ipam": {"type": "Calico"}, "type": "Calico"},
                    "controlPlaneReplicas": 2,
                    "flexVolumePath": "/usr/libexec/kubernetes/kubelet-plugins/volume/exec/",
                    "kubeletVolumePluginPath": "/var/lib/kubelet",
                    "kubernetesProvider": "",
                    "nodeUpdateStrategy": {
                        "rollingUpdate": {"maxUnavailable": 1},
                        "type": "RollingUpdate",
                    },
                    "nonPrivileged": "Disabled",
                    "variant": "Calico",
                },
                "conditions": [
                    {
                        "lastTransitionTime": timestamp(10.0),
                        "message": "All Objects Available",
                        "observedGeneration": 1,
                        "reason": "AllObjectsAvailable",
                        "status": "True",
                        "type": "Ready",
                    },
                    {
                        "lastTransitionTime": timestamp(10.0),
                        "message": "All Objects Available",
                        "observedGeneration": 1,
                        "reason": "AllObjectsAvailable",
                        "status": "False",
                        "type": "Degraded",
                    },
                ],
                "imageSet": "",
                "mtu": computed_mtu,
                "variant": "Calico",
            },
        }
    )
    if calico_api_server:
        objects.append(
            {
                "apiVersion": "operator.tigera.io/v1",
                "kind": "APIServer",
                "metadata": object_meta("APIServer", "default", created=5.0, generation=True),
                "spec": {},
                "status": {"state": "Ready"},
            }
        )
    objects.append(
        calico_pool(
            cidr=pool_cidr,
            ipip_mode=ipip_mode,
            vxlan_mode=vxlan_mode,
            nat_outgoing=nat_outgoing,
            block_size=block_size,
        )
    )
    cluster_type = "typha,kdd,k8s,operator,bgp,kubeadm" if typha else "kdd,k8s,operator,bgp,kubeadm"
    objects.extend(
        calico_settings(
            calico_version=calico_version,
            cluster_type=cluster_type,
            felix_spec={
                "bpfConnectTimeLoadBalancing": "TCP",
                "bpfHostNetworkedNATWithoutCTLB": "Enabled",
                "bpfLogLevel": "",
                "floatingIPs": "Disabled",
                "healthPort": 9099,
                "logSeverityScreen": "Info",
                "reportingInterval": "0s",
            },
            bgp=True,
        )
    )
    calico_env = [
        env_var("DATASTORE_TYPE", "kubernetes"),
        env_var("WAIT_FOR_DATASTORE", "true"),
        env_var("CLUSTER_TYPE", cluster_type),
        env_var("CALICO_DISABLE_FILE_LOGGING", "false"),
        env_var("FELIX_DEFAULTENDPOINTTOHOSTACTION", "ACCEPT"),
        env_var("FELIX_HEALTHENABLED", "true"),
        env_var("FELIX_HEALTHPORT", "9099"),
        NODENAME_ENV,
        env_var("CALICO_NETWORKING_BACKEND", "bird"),
        env_var("IP", "autodetect"),
        env_var("IP_AUTODETECTION_METHOD", "first-found"),
        env_var("IP6", "none"),
        env_var("FELIX_IPV6SUPPORT", "false"),
        env_var("KUBERNETES_SERVICE_HOST", service_ip(service_subnet, 1)),
        env_var("KUBERNETES_SERVICE_PORT", "443"),
    ]
    if typha:
        calico_env.append(env_var("FELIX_TYPHAK8SSERVICENAME", "calico-typha"))
        calico_env.append(env_var("FELIX_TYPHAK8SNAMESPACE", "calico-system"))
    objects.extend(
        daemonset_objects(
            "calico-system",
            "calico-node",
            {"k8s-app": "calico-node"},
            [calico_node_container(f"{image_registry}/node:{calico_version}", calico_env)],
            nodes,
            host_network=True,
            service_account="calico-node",
            priority_class="system-node-critical",
            tolerations=[
                {"key": "CriticalAddonsOnly", "operator": "Exists"},
                {"effect": "NoSchedule", "operator": "Exists"},
                {"effect": "NoExecute", "operator": "Exists"},
            ],
            node_selector={"kubernetes.io/os": "linux"},
            volumes=CALICO_NODE_VOLUMES,
            created=6.0,
        )
    )
    kube_controllers = deployment_objects(
        "calico-system",
        "calico-kube-controllers",
        {"k8s-app": "calico-kube-controllers"},
        [
            container_spec(
                "calico-kube-controllers",
                f"{image_registry}/kube-controllers:{calico_version}",
                env=[
                    env_var("KUBE_CONTROLLERS_CONFIG_NAME", "default"),
                    env_var("DATASTORE_TYPE", "kubernetes"),
                    env_var("ENABLED_CONTROLLERS", "node,loadbalancer"),
                ],
            )
        ],
        [(kube_controllers_placement, kube_controllers_ip)],
        pod_annotations=[pod_annotations[kube_controllers_ip]],
        service_account="calico-kube-controllers",
        priority_class="system-cluster-critical",
        tolerations=[
            {"key": "CriticalAddonsOnly", "operator": "Exists"},
            {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"},
        ],
        node_selector={"kubernetes.io/os": "linux"},
        created=6.0,
    )
    objects.extend(kube_controllers)
    if typha:
        objects.extend(
            typha_objects("calico-system", image_registry, calico_version, nodes, service_subnet)
        )
    all_pods = [o for o in objects if o["kind"] == "Pod"]
    tunnel = (
        "vxlanTunnelAddress"
        if vxlan_mode != "Never"
        else "ipipTunnelAddress"
        if ipip_mode != "Never"
        else None
    )
    objects.extend(calico_ipam(nodes, all_pods, block_size=block_size, tunnel_type=tunnel))
    return merge_objects(objects, extra)


def calico_manifest_cluster(
    *,
    nodes: Sequence[NodeSpec] | None = None,
    ipip_mode: str = "Always",
    vxlan_mode: str = "Never",
    nat_outgoing: bool = True,
    veth_mtu: int = 0,
    typha: bool = False,
    bgp_configuration: bool = False,
    pod_subnet: str = POD_SUBNET,
    service_subnet: str = SERVICE_SUBNET,
    kubernetes_version: str = KUBERNETES_VERSION,
    calico_version: str = CALICO_VERSION,
    block_size: int = 26,
    extra: Iterable[Mapping[str, Any]] = (),
) -> list[JsonObject]:
    """kubeadm + Calico installed from `calico.yaml` (everything in kube-system).

    The manifest's defaults: IP pool IPIP Always with natOutgoing on, BIRD
    (BGP) networking, `calico-config` ConfigMap with `veth_mtu` "0" (auto).
    No operator Installation, no projectcalico.org/v3 API. `typha` is the
    `calico-typha.yaml` variant. Without `bgp_configuration` there is no
    BGPConfiguration object (the built-in defaults apply: mesh on, AS 64512).
    """
    nodes = list(nodes) if nodes is not None else make_nodes(pod_subnet=pod_subnet)
    kube_controllers_node = second_worker(nodes)
    controller_ip = kube_controllers_node.pod_ip(3)
    pod_annotations = calico_pod_annotations(
        [*standard_pod_ips(nodes), controller_ip], "calico-manifest"
    )
    core = kubeadm_cluster(
        nodes,
        kubernetes_version=kubernetes_version,
        pod_subnet=pod_subnet,
        service_subnet=service_subnet,
        node_annotations=calico_node_annotations(nodes, ipip_mode, vxlan_mode),
        network_reason=("CalicoIsUp", "Calico is running on this node"),
        pod_annotations=pod_annotations,
    )
    objects = fix_kubernetes_slice(core.objects)
    objects.extend(calico_crds(operator=False))
    objects.append(
        configmap_object(
            "kube-system",
            "calico-config",
            {
                "typha_service_name": "calico-typha" if typha else "none",
                "calico_backend": "bird",
                "veth_mtu": str(veth_mtu),
                "cni_network_config": CALICO_CNI_CONFIG,
            },
            created=5.0,
        )
    )
    objects.append(
        calico_pool(
            cidr=pod_subnet,
            ipip_mode=ipip_mode,
            vxlan_mode=vxlan_mode,
            nat_outgoing=nat_outgoing,
            block_size=block_size,
        )
    )
    cluster_type = "k8s,bgp,kubeadm,kdd,typha" if typha else "k8s,bgp,kubeadm,kdd"
    objects.extend(
        calico_settings(
            calico_version=calico_version,
            cluster_type=cluster_type,
            felix_spec={
                "bpfLogLevel": "",
                "floatingIPs": "Disabled",
                "logSeverityScreen": "Info",
                "reportingInterval": "0s",
            },
            bgp=bgp_configuration,
        )
    )

    def from_config(env_name: str, key: str) -> JsonObject:
        return {
            "name": env_name,
            "valueFrom": {"configMapKeyRef": {"key": key, "name": "calico-config"}},
        }

    calico_env: list[JsonObject] = [
        env_var("DATASTORE_TYPE", "kubernetes"),
        env_var("WAIT_FOR_DATASTORE", "true"),
        NODENAME_ENV,
        from_config("CALICO_NETWORKING_BACKEND", "calico_backend"),
        env_var("CLUSTER_TYPE", "k8s,bgp"),
        env_var("IP", "autodetect"),
        env_var("CALICO_IPV4POOL_IPIP", ipip_mode),
        env_var("CALICO_IPV4POOL_VXLAN", vxlan_mode),
        env_var("CALICO_IPV6POOL_VXLAN", "Never"),
        from_config("FELIX_IPINIPMTU", "veth_mtu"),
        from_config("FELIX_VXLANMTU", "veth_mtu"),
        from_config("FELIX_WIREGUARDMTU", "veth_mtu"),
        env_var("CALICO_DISABLE_FILE_LOGGING", "true"),
        env_var("FELIX_DEFAULTENDPOINTTOHOSTACTION", "ACCEPT"),
        env_var("FELIX_IPV6SUPPORT", "false"),
        env_var("FELIX_HEALTHENABLED", "true"),
    ]
    if typha:
        calico_env.insert(2, from_config("FELIX_TYPHAK8SSERVICENAME", "typha_service_name"))
    objects.extend(
        daemonset_objects(
            "kube-system",
            "calico-node",
            {"k8s-app": "calico-node"},
            [calico_node_container(f"docker.io/calico/node:{calico_version}", calico_env)],
            nodes,
            host_network=True,
            service_account="calico-node",
            priority_class="system-node-critical",
            tolerations=[
                {"effect": "NoSchedule", "operator": "Exists"},
                {"key": "CriticalAddonsOnly", "operator": "Exists"},
                {"effect": "NoExecute", "operator": "Exists"},
            ],
            node_selector={"kubernetes.io/os": "linux"},
            volumes=CALICO_NODE_VOLUMES,
            created=5.0,
        )
    )
    objects.extend(
        kube_controllers_objects(
            "docker.io/calico",
            calico_version,
            kube_controllers_node,
            controller_ip,
            pod_annotations[controller_ip],
        )
    )
    if typha:
        objects.extend(
            typha_objects("kube-system", "docker.io/calico", calico_version, nodes, service_subnet)
        )
    all_pods = [o for o in objects if o["kind"] == "Pod"]
    tunnel = (
        "ipipTunnelAddress"
        if ipip_mode != "Never"
        else "vxlanTunnelAddress"
        if vxlan_mode != "Never"
        else None
    )
    objects.extend(calico_ipam(nodes, all_pods, block_size=block_size, tunnel_type=tunnel))
    return merge_objects(objects, extra)


def flannel_cluster(
    *,
    nodes: Sequence[NodeSpec] | None = None,
    backend: Literal["vxlan", "host-gw"] = "vxlan",
    direct_routing: bool = False,
    port: int | None = None,
    pod_subnet: str = POD_SUBNET,
    service_subnet: str = SERVICE_SUBNET,
    kubernetes_version: str = KUBERNETES_VERSION,
    flannel_version: str = "v0.27.3",
    extra: Iterable[Mapping[str, Any]] = (),
) -> list[JsonObject]:
    """kubeadm + Flannel from kube-flannel.yml: ConfigMap kube-flannel/kube-flannel-cfg.

    net-conf.json holds Network and Backend (Type vxlan | host-gw; for vxlan
    optionally Port and DirectRouting). Pod IPs come from each node's podCIDR.
    """
    nodes = list(nodes) if nodes is not None else make_nodes(pod_subnet=pod_subnet)
    node_annotations = {}
    for node in nodes:
        backend_data = (
            json.dumps(
                {
                    "VNI": 1,
                    "VtepMAC": "0a:"
                    + ":".join(hex_id(10, "vtep", node.name)[i : i + 2] for i in range(0, 10, 2)),
                },
                separators=(",", ":"),
            )
            if backend == "vxlan"
            else "null"
        )
        node_annotations[node.name] = {
            "flannel.alpha.coreos.com/backend-data": backend_data,
            "flannel.alpha.coreos.com/backend-type": backend,
            "flannel.alpha.coreos.com/kube-subnet-manager": "true",
            "flannel.alpha.coreos.com/public-ip": node.internal_ip,
        }
    core = kubeadm_cluster(
        nodes,
        kubernetes_version=kubernetes_version,
        pod_subnet=pod_subnet,
        service_subnet=service_subnet,
        node_annotations=node_annotations,
        network_reason=("FlannelIsUp", "Flannel is running on this node"),
    )
    objects = fix_kubernetes_slice(core.objects)
    backend_conf: JsonObject = {"Type": backend}
    if backend == "vxlan":
        if port is not None:
            backend_conf["Port"] = port
        if direct_routing:
            backend_conf["DirectRouting"] = True
    net_conf = {"Network": pod_subnet, "EnableNFTables": False, "Backend": backend_conf}
    cni_conf = {
        "name": "cbr0",
        "cniVersion": "0.3.1",
        "plugins": [
            {"type": "flannel", "delegate": {"hairpinMode": True, "isDefaultGateway": True}},
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    labels = {"app": "flannel", "k8s-app": "flannel", "tier": "node"}
    objects.append(
        namespace_object(
            "kube-flannel",
            {"k8s-app": "flannel", "pod-security.kubernetes.io/enforce": "privileged"},
            created=5.0,
        )
    )
    objects.append(
        configmap_object(
            "kube-flannel",
            "kube-flannel-cfg",
            {
                "cni-conf.json": json.dumps(cni_conf, indent=2),
                "net-conf.json": json.dumps(net_conf, indent=2),
            },
            labels=labels,
            created=5.0,
        )
    )
    objects.extend(
        daemonset_objects(
            "kube-flannel",
            "kube-flannel-ds",
            {"app": "flannel", "k8s-app": "flannel"},
            [
                container_spec(
                    "kube-flannel",
                    f"ghcr.io/flannel-io/flannel:{flannel_version}",
                    command=["/opt/bin/flanneld"],
                    args=["--ip-masq", "--kube-subnet-mgr"],
                    env=[
                        {
                            "name": "POD_NAME",
                            "valueFrom": {
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}
                            },
                        },
                        {
                            "name": "POD_NAMESPACE",
                            "valueFrom": {
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}
                            },
                        },
                        env_var("EVENT_QUEUE_DEPTH", "5000"),
                    ],
                    resources={"requests": {"cpu": "100m", "memory": "50Mi"}},
                    volume_mounts=[
                        {"mountPath": "/run/flannel", "name": "run"},
                        {"mountPath": "/etc/kube-flannel/", "name": "flannel-cfg"},
                        {"mountPath": "/run/xtables.lock", "name": "xtables-lock"},
                    ],
                )
            ],
            nodes,
            host_network=True,
            service_account="flannel",
            priority_class="system-node-critical",
            tolerations=[{"effect": "NoSchedule", "operator": "Exists"}],
            volumes=[
                {"hostPath": {"path": "/run/flannel", "type": ""}, "name": "run"},
                {
                    "configMap": {"defaultMode": 420, "name": "kube-flannel-cfg"},
                    "name": "flannel-cfg",
                },
                {
                    "hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"},
                    "name": "xtables-lock",
                },
            ],
            created=5.0,
        )
    )
    return merge_objects(objects, extra)


def cilium_cluster(
    *,
    nodes: Sequence[NodeSpec] | None = None,
    routing_mode: Literal["tunnel", "native"] = "tunnel",
    tunnel_protocol: Literal["vxlan", "geneve"] = "vxlan",
    native_routing_cidr: str | None = None,
    kube_proxy_replacement: bool = False,
    pod_subnet: str = POD_SUBNET,
    service_subnet: str = SERVICE_SUBNET,
    kubernetes_version: str = KUBERNETES_VERSION,
    cilium_version: str = "v1.18.2",
    extra: Iterable[Mapping[str, Any]] = (),
) -> list[JsonObject]:
    """kubeadm + Cilium (Helm defaults, IPAM `kubernetes`): ConfigMap kube-system/cilium-config.

    `routing-mode` tunnel (with `tunnel-protocol` vxlan or geneve) or native
    (with `ipv4-native-routing-cidr`, the pod subnet unless given).
    """
    nodes = list(nodes) if nodes is not None else make_nodes(pod_subnet=pod_subnet)
    core = kubeadm_cluster(
        nodes,
        kubernetes_version=kubernetes_version,
        pod_subnet=pod_subnet,
        service_subnet=service_subnet,
        network_reason=("CiliumIsUp", "Cilium is running on this node"),
    )
    objects = fix_kubernetes_slice(core.objects)
    if kube_proxy_replacement:
        objects = [
            o
            for o in objects
            if not (
                o["metadata"].get("namespace") == "kube-system"
                and (o["metadata"].get("labels") or {}).get("k8s-app") == "kube-proxy"
            )
        ]
    config = {
        "agent-not-ready-taint-key": "node.cilium.io/agent-not-ready",
        "auto-direct-node-routes": "false",
        "bpf-map-dynamic-size-ratio": "0.0025",
        "cluster-id": "0",
        "cluster-name": "default",
        "cni-exclusive": "true",
        "enable-bpf-masquerade": "false",
        "enable-endpoint-health-checking": "true",
        "enable-health-checking": "true",
        "enable-ipv4": "true",
        "enable-ipv4-masquerade": "true",
        "enable-ipv6": "false",
        "enable-l7-proxy": "true",
        "identity-allocation-mode": "crd",
        "ipam": "kubernetes",
        "kube-proxy-replacement": "true" if kube_proxy_replacement else "false",
        "routing-mode": routing_mode,
    }
    if routing_mode == "tunnel":
        config["tunnel-protocol"] = tunnel_protocol
    else:
        config["ipv4-native-routing-cidr"] = native_routing_cidr or pod_subnet
    objects.append(
        configmap_object(
            "kube-system",
            "cilium-config",
            dict(sorted(config.items())),
            labels={"app.kubernetes.io/managed-by": "Helm"},
            annotations={
                "meta.helm.sh/release-name": "cilium",
                "meta.helm.sh/release-namespace": "kube-system",
            },
            created=5.0,
        )
    )
    objects.extend(
        daemonset_objects(
            "kube-system",
            "cilium",
            {
                "k8s-app": "cilium",
                "app.kubernetes.io/name": "cilium-agent",
                "app.kubernetes.io/part-of": "cilium",
            },
            [
                container_spec(
                    "cilium-agent",
                    f"quay.io/cilium/cilium:{cilium_version}",
                    command=["cilium-agent"],
                    args=["--config-dir=/tmp/cilium/config-map"],
                    env=[
                        {
                            "name": "K8S_NODE_NAME",
                            "valueFrom": {
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}
                            },
                        },
                        env_var("KUBERNETES_SERVICE_HOST", nodes[0].internal_ip),
                        env_var("KUBERNETES_SERVICE_PORT", "6443"),
                    ],
                    privileged=True,
                )
            ],
            nodes,
            host_network=True,
            service_account="cilium",
            priority_class="system-node-critical",
            tolerations=TOLERATE_EVERYTHING,
            node_selector={"kubernetes.io/os": "linux"},
            created=5.0,
        )
    )
    workers = [n for n in nodes if not n.control_plane] or list(nodes)
    objects.extend(
        deployment_objects(
            "kube-system",
            "cilium-operator",
            {"io.cilium/app": "operator", "name": "cilium-operator"},
            [
                container_spec(
                    "cilium-operator",
                    f"quay.io/cilium/operator-generic:{cilium_version}",
                    command=["cilium-operator-generic"],
                    args=["--config-dir=/tmp/cilium/config-map"],
                )
            ],
            [(workers[0], workers[0].internal_ip)],
            host_network=True,
            service_account="cilium-operator",
            priority_class="system-cluster-critical",
            tolerations=TOLERATE_EVERYTHING,
            node_selector={"kubernetes.io/os": "linux"},
            created=5.0,
        )
    )
    return merge_objects(objects, extra)
