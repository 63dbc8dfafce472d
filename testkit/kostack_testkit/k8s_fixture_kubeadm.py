"""A kubeadm cluster without a CNI: nodes, kubeadm ConfigMaps, kube-proxy, CoreDNS.

The CNI builders in `k8s_fixtures` add their own objects on top.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

import yaml

from kostack_lab.kube_objects import (
    JsonObject,
    namespace_object,
    object_meta,
    object_uid,
    timestamp,
)
from kostack_testkit.k8s_fixture_objects import (
    DEFAULT_TOLERATIONS,
    KUBERNETES_VERSION,
    POD_SUBNET,
    SERVICE_SUBNET,
    TOLERATE_EVERYTHING,
    Backend,
    NodeSpec,
    configmap_object,
    container_spec,
    daemonset_objects,
    deployment_objects,
    endpoints_objects,
    hex_id,
    pod_object,
    service_ip,
    service_object,
    split_roles,
)


def _go_yaml(document: Mapping[str, Any]) -> str:
    """YAML as kubeadm writes it (sigs.k8s.io/yaml): sorted keys, empty strings as ""."""
    text = yaml.safe_dump(dict(document), sort_keys=True, default_flow_style=False)
    return re.sub(r"(: |- )''$", r'\1""', text, flags=re.MULTILINE)


COREDNS_IMAGE: Final = "registry.k8s.io/coredns/coredns:v1.12.0"
OS_IMAGE: Final = "Ubuntu 22.04.5 LTS"


KERNEL_VERSION: Final = "5.15.0-156-generic"
CONTAINER_RUNTIME: Final = "containerd://1.7.27"


def node_object(
    node: NodeSpec,
    *,
    kubernetes_version: str,
    annotations: Mapping[str, str],
    network_reason: tuple[str, str] | None,
) -> JsonObject:
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": node.flavor,
        "beta.kubernetes.io/os": "linux",
        "failure-domain.beta.kubernetes.io/region": "RegionOne",
        "failure-domain.beta.kubernetes.io/zone": node.zone,
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": node.name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": node.flavor,
        "topology.kubernetes.io/region": "RegionOne",
        "topology.kubernetes.io/zone": node.zone,
    }
    if node.control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    node_annotations = {
        "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
        **annotations,
    }
    created = 0.0 if node.control_plane else 3.0
    spec: JsonObject = {
        "podCIDR": node.pod_cidr,
        "podCIDRs": [node.pod_cidr],
        "providerID": node.provider_id,
    }
    if node.control_plane:
        spec["taints"] = [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]
    heartbeat = timestamp(600.0)
    conditions: list[JsonObject] = []
    if network_reason is not None:
        conditions.append(
            {
                "lastHeartbeatTime": timestamp(9.0),
                "lastTransitionTime": timestamp(9.0),
                "message": network_reason[1],
                "reason": network_reason[0],
                "status": "False",
                "type": "NetworkUnavailable",
            }
        )
    for kind, reason, message in (
        ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ):
        conditions.append(
            {
                "lastHeartbeatTime": heartbeat,
                "lastTransitionTime": timestamp(created),
                "message": message,
                "reason": reason,
                "status": "False",
                "type": kind,
            }
        )
    conditions.append(
        {
            "lastHeartbeatTime": heartbeat,
            "lastTransitionTime": timestamp(created + 7.0),
            "message": "kubelet is posting ready status",
            "reason": "KubeletReady",
            "status": "True",
            "type": "Ready",
        }
    )
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": object_meta(
            "Node", node.name, labels=labels, annotations=node_annotations, created=created
        ),
        "spec": spec,
        "status": {
            "addresses": [
                {"address": node.internal_ip, "type": "InternalIP"},
                {"address": node.name, "type": "Hostname"},
            ],
            "allocatable": {
                "cpu": "4",
                "ephemeral-storage": "37569620724",
                "hugepages-1Gi": "0",
                "hugepages-2Mi": "0",
                "memory": "7902580Ki",
                "pods": "110",
            },
            "capacity": {
                "cpu": "4",
                "ephemeral-storage": "40764888Ki",
                "hugepages-1Gi": "0",
                "hugepages-2Mi": "0",
                "memory": "8004980Ki",
                "pods": "110",
            },
            "conditions": conditions,
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": str(uuid.uuid5(uuid.NAMESPACE_URL, "kostack-boot/" + node.name)),
                "containerRuntimeVersion": CONTAINER_RUNTIME,
                "kernelVersion": KERNEL_VERSION,
                "kubeProxyVersion": "",
                "kubeletVersion": kubernetes_version,
                "machineID": hex_id(32, "machine-id", node.name),
                "operatingSystem": "linux",
                "osImage": OS_IMAGE,
                # On KVM, Nova sets the SMBIOS system UUID to the server id.
                "systemUUID": node.server_id,
            },
        },
    }


def _kubeadm_configmaps(
    *,
    kubernetes_version: str,
    pod_subnet: str,
    service_subnet: str,
    dns_domain: str,
    proxy_mode: str,
    control_plane_ip: str,
) -> list[JsonObject]:
    cluster_configuration = {
        "apiServer": {},
        "apiVersion": "kubeadm.k8s.io/v1beta4",
        "caCertificateValidityPeriod": "87600h0m0s",
        "certificateValidityPeriod": "8760h0m0s",
        "certificatesDir": "/etc/kubernetes/pki",
        "clusterName": "kubernetes",
        "controllerManager": {},
        "dns": {},
        "encryptionAlgorithm": "RSA-2048",
        "etcd": {"local": {"dataDir": "/var/lib/etcd"}},
        "imageRepository": "registry.k8s.io",
        "kind": "ClusterConfiguration",
        "kubernetesVersion": kubernetes_version,
        "networking": {
            "dnsDomain": dns_domain,
            "podSubnet": pod_subnet,
            "serviceSubnet": service_subnet,
        },
        "proxy": {},
        "scheduler": {},
    }
    kubelet_configuration = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"cacheTTL": "0s", "enabled": True},
            "x509": {"clientCAFile": "/etc/kubernetes/pki/ca.crt"},
        },
        "authorization": {
            "mode": "Webhook",
            "webhook": {"cacheAuthorizedTTL": "0s", "cacheUnauthorizedTTL": "0s"},
        },
        "cgroupDriver": "systemd",
        "clusterDNS": [service_ip(service_subnet, 10)],
        "clusterDomain": dns_domain,
        "containerRuntimeEndpoint": "",
        "cpuManagerReconcilePeriod": "0s",
        "crashLoopBackOff": {},
        "evictionPressureTransitionPeriod": "0s",
        "fileCheckFrequency": "0s",
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": 10248,
        "httpCheckFrequency": "0s",
        "imageMaximumGCAge": "0s",
        "imageMinimumGCAge": "0s",
        "kind": "KubeletConfiguration",
        "logging": {
            "flushFrequency": 0,
            "options": {"json": {"infoBufferSize": "0"}, "text": {"infoBufferSize": "0"}},
            "verbosity": 0,
        },
        "memorySwap": {},
        "nodeStatusReportFrequency": "0s",
        "nodeStatusUpdateFrequency": "0s",
        "rotateCertificates": True,
        "runtimeRequestTimeout": "0s",
        "shutdownGracePeriod": "0s",
        "shutdownGracePeriodCriticalPods": "0s",
        "staticPodPath": "/etc/kubernetes/manifests",
        "streamingConnectionIdleTimeout": "0s",
        "syncFrequency": "0s",
        "volumeStatsAggPeriod": "0s",
    }
    proxy_configuration = {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "bindAddress": "0.0.0.0",
        "bindAddressHardFail": False,
        "clientConnection": {
            "acceptContentTypes": "",
            "burst": 0,
            "contentType": "",
            "kubeconfig": "/var/lib/kube-proxy/kubeconfig.conf",
            "qps": 0,
        },
        "clusterCIDR": pod_subnet,
        "configSyncPeriod": "0s",
        "conntrack": {
            "maxPerCore": None,
            "min": None,
            "tcpBeLiberal": False,
            "tcpCloseWaitTimeout": None,
            "tcpEstablishedTimeout": None,
            "udpStreamTimeout": "0s",
            "udpTimeout": "0s",
        },
        "detectLocal": {"bridgeInterface": "", "interfaceNamePrefix": ""},
        "detectLocalMode": "",
        "enableProfiling": False,
        "healthzBindAddress": "",
        "hostnameOverride": "",
        "iptables": {
            "localhostNodePorts": None,
            "masqueradeAll": False,
            "masqueradeBit": None,
            "minSyncPeriod": "0s",
            "syncPeriod": "0s",
        },
        "ipvs": {
            "excludeCIDRs": None,
            "minSyncPeriod": "0s",
            "scheduler": "",
            "strictARP": False,
            "syncPeriod": "0s",
            "tcpFinTimeout": "0s",
            "tcpTimeout": "0s",
            "udpTimeout": "0s",
        },
        "kind": "KubeProxyConfiguration",
        "logging": {
            "flushFrequency": 0,
            "options": {"json": {"infoBufferSize": "0"}, "text": {"infoBufferSize": "0"}},
            "verbosity": 0,
        },
        "metricsBindAddress": "",
        "mode": proxy_mode,
        "nftables": {
            "masqueradeAll": False,
            "masqueradeBit": None,
            "minSyncPeriod": "0s",
            "syncPeriod": "0s",
        },
        "nodePortAddresses": None,
        "oomScoreAdj": None,
        "portRange": "",
        "showHiddenMetricsForVersion": "",
        "winkernel": {
            "enableDSR": False,
            "forwardHealthCheckVip": False,
            "networkName": "",
            "rootHnsEndpointName": "",
            "sourceVip": "",
        },
    }
    proxy_kubeconfig = (
        "apiVersion: v1\n"
        "kind: Config\n"
        "clusters:\n"
        "- cluster:\n"
        "    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt\n"
        f"    server: https://{control_plane_ip}:6443\n"
        "  name: default\n"
        "contexts:\n"
        "- context:\n"
        "    cluster: default\n"
        "    namespace: default\n"
        "    user: default\n"
        "  name: default\n"
        "current-context: default\n"
        "users:\n"
        "- name: default\n"
        "  user:\n"
        "    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token\n"
    )
    corefile = (
        ".:53 {\n"
        "    errors\n"
        "    health {\n"
        "       lameduck 5s\n"
        "    }\n"
        "    ready\n"
        f"    kubernetes {dns_domain} in-addr.arpa ip6.arpa {{\n"
        "       pods insecure\n"
        "       fallthrough in-addr.arpa ip6.arpa\n"
        "       ttl 30\n"
        "    }\n"
        "    prometheus :9153\n"
        "    forward . /etc/resolv.conf {\n"
        "       max_concurrent 1000\n"
        "    }\n"
        "    cache 30 {\n"
        f"       disable success {dns_domain}\n"
        f"       disable denial {dns_domain}\n"
        "    }\n"
        "    loop\n"
        "    reload\n"
        "    loadbalance\n"
        "}\n"
    )
    return [
        configmap_object(
            "kube-system",
            "kubeadm-config",
            {"ClusterConfiguration": _go_yaml(cluster_configuration)},
        ),
        configmap_object(
            "kube-system",
            "kubelet-config",
            {"kubelet": _go_yaml(kubelet_configuration)},
            annotations={
                "kubeadm.kubernetes.io/component-config.hash": "sha256:"
                + hex_id(64, "kubelet-config")
            },
        ),
        configmap_object(
            "kube-system",
            "kube-proxy",
            {
                "config.conf": _go_yaml(proxy_configuration),
                "kubeconfig.conf": proxy_kubeconfig,
            },
            labels={"app": "kube-proxy"},
            annotations={
                "kubeadm.kubernetes.io/component-config.hash": "sha256:" + hex_id(64, "kube-proxy")
            },
        ),
        configmap_object("kube-system", "coredns", {"Corefile": corefile}),
    ]


def _static_pods(control_plane: NodeSpec, kubernetes_version: str) -> list[JsonObject]:
    """etcd and the control-plane components kubeadm runs as static pods (hostNetwork)."""
    pods = []
    for component, image in (
        ("etcd", "registry.k8s.io/etcd:3.5.21-0"),
        ("kube-apiserver", f"registry.k8s.io/kube-apiserver:{kubernetes_version}"),
        (
            "kube-controller-manager",
            f"registry.k8s.io/kube-controller-manager:{kubernetes_version}",
        ),
        ("kube-scheduler", f"registry.k8s.io/kube-scheduler:{kubernetes_version}"),
    ):
        name = f"{component}-{control_plane.name}"
        annotations = {
            "kubernetes.io/config.hash": hex_id(32, name),
            "kubernetes.io/config.mirror": hex_id(32, name),
            "kubernetes.io/config.seen": timestamp(0.5).replace("Z", ".000000000Z"),
            "kubernetes.io/config.source": "file",
        }
        if component == "kube-apiserver":
            annotations["kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"] = (
                f"{control_plane.internal_ip}:6443"
            )
        elif component == "etcd":
            annotations["kubeadm.kubernetes.io/etcd.advertise-client-urls"] = (
                f"https://{control_plane.internal_ip}:2379"
            )
        pod = pod_object(
            "kube-system",
            name,
            control_plane,
            control_plane.internal_ip,
            [
                container_spec(
                    component, image, command=[component], resources={"requests": {"cpu": "100m"}}
                )
            ],
            labels={"component": component, "tier": "control-plane"},
            annotations=annotations,
            owner={
                "apiVersion": "v1",
                "kind": "Node",
                "name": control_plane.name,
                "uid": object_uid("Node", "", control_plane.name),
                "controller": True,
            },
            host_network=True,
            priority_class="system-node-critical",
            tolerations=[{"effect": "NoExecute", "operator": "Exists"}],
            created=1.0,
        )
        pods.append(pod)
    return pods


@dataclass(frozen=True)
class CorePods:
    objects: list[JsonObject]
    coredns: list[JsonObject]
    workload_pods: list[JsonObject]


NONE: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType({})


def kubeadm_cluster(
    nodes: Sequence[NodeSpec],
    *,
    kubernetes_version: str = KUBERNETES_VERSION,
    pod_subnet: str = POD_SUBNET,
    service_subnet: str = SERVICE_SUBNET,
    dns_domain: str = "cluster.local",
    proxy_mode: str = "",
    node_annotations: Mapping[str, Mapping[str, str]] = NONE,
    network_reason: tuple[str, str] | None = None,
    pod_annotations: Mapping[str, Mapping[str, str]] = NONE,
) -> CorePods:
    """Namespaces, nodes, kubeadm ConfigMaps, kube-proxy, CoreDNS, services and netshoot
    (each keyword at its default: kubeadm's as the fixtures use it, no annotations)."""
    control_planes, workers = split_roles(nodes)
    first_cp, first_worker = control_planes[0], workers[0]
    objects: list[JsonObject] = [
        namespace_object("default"),
        namespace_object("kube-node-lease"),
        namespace_object("kube-public"),
        namespace_object("kube-system"),
        namespace_object("demo", created=120.0),
    ]
    objects.extend(
        node_object(
            node,
            kubernetes_version=kubernetes_version,
            annotations=node_annotations.get(node.name, {}),
            network_reason=network_reason,
        )
        for node in nodes
    )
    objects.extend(
        _kubeadm_configmaps(
            kubernetes_version=kubernetes_version,
            pod_subnet=pod_subnet,
            service_subnet=service_subnet,
            dns_domain=dns_domain,
            proxy_mode=proxy_mode,
            control_plane_ip=first_cp.internal_ip,
        )
    )
    objects.extend(_static_pods(first_cp, kubernetes_version))
    objects.extend(
        daemonset_objects(
            "kube-system",
            "kube-proxy",
            {"k8s-app": "kube-proxy"},
            [
                container_spec(
                    "kube-proxy",
                    f"registry.k8s.io/kube-proxy:{kubernetes_version}",
                    command=[
                        "/usr/local/bin/kube-proxy",
                        "--config=/var/lib/kube-proxy/config.conf",
                        "--hostname-override=$(NODE_NAME)",
                    ],
                    env=[
                        {
                            "name": "NODE_NAME",
                            "valueFrom": {
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}
                            },
                        }
                    ],
                    privileged=True,
                    volume_mounts=[{"mountPath": "/var/lib/kube-proxy", "name": "kube-proxy"}],
                )
            ],
            nodes,
            host_network=True,
            service_account="kube-proxy",
            priority_class="system-node-critical",
            tolerations=TOLERATE_EVERYTHING,
            node_selector={"kubernetes.io/os": "linux"},
            volumes=[
                {"configMap": {"defaultMode": 420, "name": "kube-proxy"}, "name": "kube-proxy"}
            ],
            created=2.0,
        )
    )
    coredns_nodes = [(first_cp, first_cp.pod_ip(2)), (first_worker, first_worker.pod_ip(2))]
    coredns_objects = deployment_objects(
        "kube-system",
        "coredns",
        {"k8s-app": "kube-dns"},
        [
            container_spec(
                "coredns",
                COREDNS_IMAGE,
                args=["-conf", "/etc/coredns/Corefile"],
                ports=[
                    {"containerPort": 53, "name": "dns", "protocol": "UDP"},
                    {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                    {"containerPort": 9153, "name": "metrics", "protocol": "TCP"},
                ],
                resources={
                    "limits": {"memory": "170Mi"},
                    "requests": {"cpu": "100m", "memory": "70Mi"},
                },
                volume_mounts=[
                    {"mountPath": "/etc/coredns", "name": "config-volume", "readOnly": True}
                ],
            )
        ],
        coredns_nodes,
        pod_annotations=[pod_annotations.get(ip) for _, ip in coredns_nodes],
        service_account="coredns",
        priority_class="system-cluster-critical",
        dns_policy="Default",
        node_selector={"kubernetes.io/os": "linux"},
        tolerations=[
            {"key": "CriticalAddonsOnly", "operator": "Exists"},
            {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"},
            *DEFAULT_TOLERATIONS,
        ],
        volumes=[
            {
                "configMap": {
                    "defaultMode": 420,
                    "items": [{"key": "Corefile", "path": "Corefile"}],
                    "name": "coredns",
                },
                "name": "config-volume",
            }
        ],
        created=2.0,
    )
    objects.extend(coredns_objects)
    coredns_pods = [o for o in coredns_objects if o["kind"] == "Pod"]
    netshoot_ip = first_worker.pod_ip(7)
    netshoot = pod_object(
        "demo",
        "netshoot",
        first_worker,
        netshoot_ip,
        [container_spec("netshoot", "nicolaka/netshoot:v0.13", command=["sleep", "infinity"])],
        labels={"run": "netshoot"},
        annotations=pod_annotations.get(netshoot_ip),
        created=121.0,
    )
    objects.append(netshoot)
    kubernetes_service = service_object(
        "default",
        "kubernetes",
        service_ip(service_subnet, 1),
        [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
        labels={"component": "apiserver", "provider": "kubernetes"},
        created=0.0,
    )
    objects.append(kubernetes_service)
    objects.extend(
        endpoints_objects(
            kubernetes_service,
            [Backend(cp.internal_ip, cp) for cp in control_planes],
            [{"name": "https", "port": 6443, "protocol": "TCP"}],
            managed_by="",
            slice_name="kubernetes",
        )
    )
    dns_ports = [
        {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
        {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
        {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153},
    ]
    dns_service = service_object(
        "kube-system",
        "kube-dns",
        service_ip(service_subnet, 10),
        dns_ports,
        selector={"k8s-app": "kube-dns"},
        labels={
            "k8s-app": "kube-dns",
            "kubernetes.io/cluster-service": "true",
            "kubernetes.io/name": "CoreDNS",
        },
        annotations={"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
    )
    objects.append(dns_service)
    objects.extend(
        endpoints_objects(
            dns_service,
            [
                Backend(str(pod["status"]["podIP"]), node, pod)
                for pod, (node, _) in zip(coredns_pods, coredns_nodes, strict=True)
            ],
            [
                {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                {"name": "dns", "port": 53, "protocol": "UDP"},
                {"name": "metrics", "port": 9153, "protocol": "TCP"},
            ],
        )
    )
    return CorePods(objects=objects, coredns=coredns_pods, workload_pods=[*coredns_pods, netshoot])


def fix_kubernetes_slice(objects: list[JsonObject]) -> list[JsonObject]:
    """The `kubernetes` service's endpoints are kept by the apiserver itself."""
    for obj in objects:
        metadata = obj["metadata"]
        if metadata.get("name") != "kubernetes" or metadata.get("namespace") != "default":
            continue
        if obj["kind"] == "EndpointSlice":
            metadata["labels"] = {
                "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io",
                "kubernetes.io/service-name": "kubernetes",
            }
        if obj["kind"] == "Endpoints":
            metadata["labels"] = {"endpointslice.kubernetes.io/skip-mirror": "true"}
    return objects
