"""Clusters as the published installs leave them: Calico's manifests and operator quickstart
(Flannel and kube-proxy: k8s_fixture_published_flannel; Cilium: k8s_fixture_published_cilium).

Each builder carries the objects kostack reads with exactly the fields and
values the published install sets (or that its agents write on start-up),
on a kubeadm v1.33 cluster. The source of every value is cited beside it as
repo@tag:path. Written for kostack; nothing here is copied from those files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Final, Literal

from kostack_lab.kube_objects import JsonObject, calico_crds, crd_object, object_meta
from kostack_testkit.k8s_fixture_calico import (
    CALICO_NODE_VOLUMES,
    NODENAME_ENV,
    calico_ipam,
    calico_node_annotations,
    calico_node_container,
    calico_pod_annotations,
    calico_pool,
    calico_settings,
    kube_controllers_objects,
    second_worker,
    standard_pod_ips,
)
from kostack_testkit.k8s_fixture_kubeadm import fix_kubernetes_slice, kubeadm_cluster
from kostack_testkit.k8s_fixture_objects import (
    POD_SUBNET,
    NodeSpec,
    configmap_object,
    container_spec,
    daemonset_objects,
    env_var,
    make_nodes,
)
from kostack_testkit.k8s_fixtures import seed_cluster

CalicoVersion = Literal["v3.30.7", "v3.31.7"]
# projectcalico/calico@v3.30.7:manifests/calico.yaml pulls docker.io/calico/*;
# projectcalico/calico@v3.31.7:manifests/calico.yaml pulls quay.io/calico/*.
CALICO_REGISTRY: Final[Mapping[str, str]] = {
    "v3.30.7": "docker.io/calico",
    "v3.31.7": "quay.io/calico",
}


def with_init_containers(
    objects: list[JsonObject], kind: str, name: str, init: Sequence[JsonObject]
) -> list[JsonObject]:
    """Give a DaemonSet (or Deployment) and its pods the init containers of the published spec."""
    for obj in objects:
        metadata = obj["metadata"]
        owners = metadata.get("ownerReferences") or []
        owned = obj["kind"] == "Pod" and any(o.get("name") == name for o in owners)
        if (obj["kind"] == kind and metadata["name"] == name) or owned:
            spec = obj["spec"]["template"]["spec"] if obj["kind"] == kind else obj["spec"]
            spec["initContainers"] = [dict(c) for c in init]
    return objects


def _config_ref(env_name: str, key: str) -> JsonObject:
    return {
        "name": env_name,
        "valueFrom": {"configMapKeyRef": {"key": key, "name": "calico-config"}},
    }


def calico_cni_network_config(version: CalicoVersion) -> str:
    """calico-config cni_network_config: the CNI config install-cni writes on each node.

    projectcalico/calico@v3.30.7:manifests/calico.yaml says cniVersion 0.3.1,
    projectcalico/calico@v3.31.7:manifests/calico.yaml 1.0.0; both list the
    calico plugin (calico-ipam, k8s policy) and portmap with snat.
    """
    plugins: list[JsonObject] = [
        {
            "type": "calico",
            "log_level": "info",
            "log_file_path": "/var/log/calico/cni/cni.log",
            "datastore_type": "kubernetes",
            "nodename": "__KUBERNETES_NODE_NAME__",
            "mtu": "__CNI_MTU__",
            "ipam": {"type": "calico-ipam"},
            "policy": {"type": "k8s"},
            "kubernetes": {"kubeconfig": "__KUBECONFIG_FILEPATH__"},
        },
        {"type": "portmap", "snat": True, "capabilities": {"portMappings": True}},
    ]
    document = {
        "name": "k8s-pod-network",
        "cniVersion": "0.3.1" if version == "v3.30.7" else "1.0.0",
        "plugins": plugins,
    }
    # The template's mtu placeholder is a bare token, not a JSON string.
    return json.dumps(document, indent=2).replace('"__CNI_MTU__"', "__CNI_MTU__")


def calico_manifest_published(
    version: CalicoVersion = "v3.30.7",
    variant: Literal["ipip", "vxlan"] = "ipip",
    *,
    nodes: Sequence[NodeSpec] | None = None,
    proxy_mode: str = "",
) -> list[JsonObject]:
    """kubeadm (--pod-network-cidr 10.244.0.0/16) + projectcalico/calico@VERSION:
    manifests/calico.yaml (``ipip``) or manifests/calico-vxlan.yaml (``vxlan``).

    Both manifests put everything in kube-system. calico-config: typha_service_name
    "none", calico_backend "bird" (calico.yaml) or "vxlan" (calico-vxlan.yaml),
    veth_mtu "0". calico-node env: CALICO_IPV4POOL_IPIP Always / VXLAN Never
    (calico.yaml), IPIP Never / VXLAN CrossSubnet (calico-vxlan.yaml);
    CALICO_IPV4POOL_CIDR is commented out, so calico-node takes kubeadm's
    podSubnet (node/pkg/lifecycle/startup/startup.go configureIPPools) and
    creates IPPool default-ipv4-ippool with natOutgoing true and blockSize 26.
    On start it writes ClusterInformation default (calicoVersion, clusterType
    CLUSTER_TYPE + ",kubeadm" + ",kdd") and FelixConfiguration default
    (reportingInterval 0s, logSeverityScreen Info: startup.go ensureDefaultConfig).
    No BGPConfiguration object: Calico's defaults apply.
    """
    registry = CALICO_REGISTRY[version]
    nodes = list(nodes) if nodes is not None else make_nodes()
    ipip_mode, vxlan_mode = ("Always", "Never") if variant == "ipip" else ("Never", "CrossSubnet")
    controllers_node = second_worker(nodes)
    controller_ip = controllers_node.pod_ip(3)
    pod_annotations = calico_pod_annotations(
        [*standard_pod_ips(nodes), controller_ip], "calico-published"
    )
    core = kubeadm_cluster(
        nodes,
        proxy_mode=proxy_mode,
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
                "typha_service_name": "none",
                "calico_backend": "bird" if variant == "ipip" else "vxlan",
                "veth_mtu": "0",
                "cni_network_config": calico_cni_network_config(version),
            },
            created=5.0,
        )
    )
    objects.append(
        calico_pool(
            cidr=POD_SUBNET,
            ipip_mode=ipip_mode,
            vxlan_mode=vxlan_mode,
            nat_outgoing=True,
            block_size=26,
        )
    )
    objects.extend(
        calico_settings(
            calico_version=version,
            cluster_type="k8s,bgp,kubeadm,kdd",
            felix_spec={"logSeverityScreen": "Info", "reportingInterval": "0s"},
            bgp=False,
        )
    )
    env: list[JsonObject] = [
        env_var("DATASTORE_TYPE", "kubernetes"),
        env_var("WAIT_FOR_DATASTORE", "true"),
        NODENAME_ENV,
        _config_ref("CALICO_NETWORKING_BACKEND", "calico_backend"),
        env_var("CLUSTER_TYPE", "k8s,bgp"),
        env_var("IP", "autodetect"),
        env_var("CALICO_IPV4POOL_IPIP", ipip_mode),
        env_var("CALICO_IPV4POOL_VXLAN", vxlan_mode),
        env_var("CALICO_IPV6POOL_VXLAN", vxlan_mode),
        _config_ref("FELIX_IPINIPMTU", "veth_mtu"),
        _config_ref("FELIX_VXLANMTU", "veth_mtu"),
        _config_ref("FELIX_WIREGUARDMTU", "veth_mtu"),
        env_var("CALICO_DISABLE_FILE_LOGGING", "true"),
        env_var("FELIX_DEFAULTENDPOINTTOHOSTACTION", "ACCEPT"),
        env_var("FELIX_IPV6SUPPORT", "false"),
        env_var("FELIX_HEALTHENABLED", "true"),
    ]
    node_objects = daemonset_objects(
        "kube-system",
        "calico-node",
        {"k8s-app": "calico-node"},
        [calico_node_container(f"{registry}/node:{version}", env)],
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
    bpf_init = "mount-bpffs" if version == "v3.30.7" else "ebpf-bootstrap"
    init = [
        container_spec(
            "upgrade-ipam",
            f"{registry}/cni:{version}",
            command=["/opt/cni/bin/calico-ipam", "-upgrade"],
            privileged=True,
        ),
        container_spec(
            "install-cni",
            f"{registry}/cni:{version}",
            command=["/opt/cni/bin/install"],
            env=[env_var("CNI_CONF_NAME", "10-calico.conflist"), env_var("SLEEP", "false")],
            privileged=True,
        ),
        container_spec(
            bpf_init,
            f"{registry}/node:{version}",
            command=["calico-node", "-init", "-best-effort"],
            privileged=True,
        ),
    ]
    objects.extend(with_init_containers(node_objects, "DaemonSet", "calico-node", init))
    objects.extend(
        kube_controllers_objects(
            registry, version, controllers_node, controller_ip, pod_annotations[controller_ip]
        )
    )
    pods = [o for o in objects if o["kind"] == "Pod"]
    tunnel = "ipipTunnelAddress" if variant == "ipip" else "vxlanTunnelAddress"
    objects.extend(calico_ipam(nodes, pods, block_size=26, tunnel_type=tunnel))
    return objects


# The operator each Calico release installs with (projectcalico/calico@TAG:
# manifests/tigera-operator.yaml), and the registry it pulls Calico from
# (charts/tigera-operator/values.yaml calicoctl image: docker.io in 3.30, quay.io in 3.31).
TIGERA_OPERATOR: Final[Mapping[str, str]] = {"v3.30.7": "v1.38.13", "v3.31.7": "v1.40.15"}


def calico_operator_published(version: CalicoVersion = "v3.30.7") -> list[JsonObject]:
    """kubeadm (--pod-network-cidr 192.168.0.0/16, as Calico's quickstart runs it) + the
    Tigera operator + projectcalico/calico@VERSION:manifests/custom-resources.yaml.

    custom-resources.yaml: Installation default with calicoNetwork.ipPools
    [{name default-ipv4-ippool, blockSize 26, cidr 192.168.0.0/16, encapsulation
    VXLANCrossSubnet, natOutgoing Enabled, nodeSelector all()}], and APIServer,
    Goldmane and Whisker `default`. What the operator then writes: the IPPool
    (vxlanMode CrossSubnet, natOutgoing true), calico-node and Typha in
    calico-system, Installation status.calicoVersion, and status.mtu, the MTU
    calico-node detected: 1400 on a 1450 tenant network with VXLAN enabled.
    """
    subnet = "192.168.0.0/16"
    objects = seed_cluster(
        nodes=make_nodes(pod_subnet=subnet),
        encapsulation="VXLANCrossSubnet",
        nat_outgoing=True,
        pod_subnet=subnet,
        calico_version=version,
        network_mtu=1450,
        typha=True,
        calico_api_server=True,
    )
    registry = CALICO_REGISTRY[version]
    for obj in objects:
        if obj["kind"] in ("Pod", "DaemonSet", "Deployment", "ReplicaSet"):
            spec = obj["spec"] if obj["kind"] == "Pod" else obj["spec"]["template"]["spec"]
            for container in spec["containers"]:
                image = str(container["image"])
                if image.startswith("quay.io/calico/"):
                    container["image"] = registry + image.removeprefix("quay.io/calico")
                elif image.startswith("quay.io/tigera/operator:"):
                    container["image"] = f"quay.io/tigera/operator:{TIGERA_OPERATOR[version]}"
            for status in (obj.get("status") or {}).get("containerStatuses") or []:
                status["image"] = next(
                    c["image"] for c in spec["containers"] if c["name"] == status["name"]
                )
    for kind, plural in (("Goldmane", "goldmanes"), ("Whisker", "whiskers")):
        objects.append(crd_object("operator.tigera.io", kind, plural, status_subresource=True))
        objects.append(
            {
                "apiVersion": "operator.tigera.io/v1",
                "kind": kind,
                "metadata": object_meta(kind, "default", created=5.0, generation=True),
            }
        )
    return objects
