"""What openstack-cloud-controller-manager (OCCM) does for a Service of type LoadBalancer.

TEST SUPPORT, never shipped. The live tests need the objects OCCM leaves
behind, in the real Octavia and Neutron and in the Kubernetes API double,
made the way OCCM makes them (cloud-provider-openstack
pkg/openstack/loadbalancer.go, ensureOctaviaLoadBalancer):

- one Octavia load balancer per Service, created with its whole tree in one
  POST: name ``kube_service_<cluster>_<ns>_<name>``, description
  ``Kubernetes external service <ns>/<name> from cluster <cluster>``, tags
  ``[<name>]``; per Service port a listener ``listener_<i>_<name>`` (TCP,
  connection_limit -1), its pool ``pool_<i>_<name>`` (the lb-method
  annotation, else OCCM's default ROUND_ROBIN), a member per node (name = node
  name, address = InternalIP, port = the NodePort; nodes labelled
  node.kubernetes.io/exclude-from-external-load-balancers are left out) and,
  with create-monitor, ``monitor_<i>_<name>``: TCP, delay 5, timeout 3,
  max_retries 1, max_retries_down 3; for externalTrafficPolicy Local an HTTP
  GET /healthz monitor with the members' monitor_port = healthCheckNodePort,
  except on the OVN provider, which has no HTTP monitor (OCCM keeps TCP);
- once ACTIVE, a floating IP on the VIP port (description ``Floating IP for
  Kubernetes external service <ns>/<name> from cluster <cluster>``), then the
  Service's annotation loadbalancer.openstack.org/load-balancer-id and its
  status.loadBalancer.ingress;
- events on the Service from the service controller: EnsuringLoadBalancer,
  EnsuredLoadBalancer, or SyncLoadBalancerFailed "Error syncing load
  balancer: failed to ensure load balancer: <error>".

The simulated provider (octavia_server.py) finishes the work; what its
health monitor would report is set by the test (``OctaviaHarness.report``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import kubernetes

from kostack_testkit.kubeapi import KubeApiDouble
from kostack_testkit.octavia_harness import OctaviaHarness

LB_ID_ANNOTATION = "loadbalancer.openstack.org/load-balancer-id"
EXCLUDE_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers"


def kube_client(api: KubeApiDouble) -> Any:
    config: Any = kubernetes.config  # untyped in the client library
    return config.new_client_from_config_dict(api.kubeconfig())


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Occm:
    """One OCCM instance: its config ([LoadBalancer] section) and its clients."""

    conn: Any  # openstacksdk Connection with network and load_balancer endpoints
    api: KubeApiDouble
    octavia: OctaviaHarness
    subnet_id: str
    floating_network_id: str
    provider: str = "amphora"
    cluster: str = "kubernetes"
    lb_method: str = "ROUND_ROBIN"
    create_monitor: bool = True
    monitor_type: str | None = None  # instead of OCCM's TCP/HTTP choice (PING, UDP-CONNECT)
    created: dict[str, str] = field(default_factory=dict)  # "ns/name" -> load balancer id

    def __post_init__(self) -> None:
        client = kube_client(self.api)
        # Plain dicts as bodies, as the client accepts them (its hints ask for models).
        self.core: Any = kubernetes.client.CoreV1Api(client)
        self.discovery: Any = kubernetes.client.DiscoveryV1Api(client)

    # ------------------------------------------------------------------ the Service side

    def create_service(
        self,
        namespace: str,
        name: str,
        *,
        port: int = 80,
        target_port: int = 8080,
        local: bool = False,
        annotations: dict[str, str] | None = None,
        source_ranges: list[str] | None = None,
    ) -> dict[str, Any]:
        """A Service of type LoadBalancer (the API double allocates its NodePorts)."""
        try:
            self.core.create_namespace({"metadata": {"name": namespace}})
        except kubernetes.client.ApiException as exc:
            if exc.status != 409:
                raise
        spec: dict[str, Any] = {
            "type": "LoadBalancer",
            "selector": {"app": name},
            "ports": [{"name": "http", "port": port, "protocol": "TCP", "targetPort": target_port}],
            "externalTrafficPolicy": "Local" if local else "Cluster",
        }
        if source_ranges:
            spec["loadBalancerSourceRanges"] = source_ranges
        body = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": namespace, "annotations": annotations or {}},
            "spec": spec,
        }
        created: dict[str, Any] = self.core.create_namespaced_service(namespace, body).to_dict()
        return created

    def add_endpoints(self, namespace: str, name: str, nodes: list[str], port: int = 8080) -> None:
        """Pods on ``nodes`` and the EndpointSlice the EndpointSlice controller would write."""
        node_objects = {n["metadata"]["name"]: n for n in self.api.list_objects("v1", "Node")}
        endpoints = []
        for i, node in enumerate(nodes):
            cidr = node_objects[node]["spec"]["podCIDR"]
            ip = cidr.rsplit(".", 1)[0] + f".{40 + i}"
            pod = f"{name}-5d8f7c9b6-{i}"
            self.api.add(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": pod, "namespace": namespace, "labels": {"app": name}},
                    "spec": {"nodeName": node, "containers": [{"name": "web", "image": "nginx"}]},
                    "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]},
                }
            )
            endpoints.append(
                {
                    "addresses": [ip],
                    "conditions": {"ready": True},
                    "nodeName": node,
                    "targetRef": {"kind": "Pod", "namespace": namespace, "name": pod},
                }
            )
        self.discovery.create_namespaced_endpoint_slice(
            namespace,
            {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "name": f"{name}-abcde",
                    "namespace": namespace,
                    "labels": {"kubernetes.io/service-name": name},
                },
                "addressType": "IPv4",
                "endpoints": endpoints,
                "ports": [{"name": "http", "port": port, "protocol": "TCP"}],
            },
        )

    def event(self, namespace: str, name: str, kind: str, reason: str, message: str) -> None:
        now = _now()
        self.core.create_namespaced_event(
            namespace,
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": f"{name}.{uuid.uuid4().hex[:16]}", "namespace": namespace},
                "involvedObject": {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "name": name,
                    "namespace": namespace,
                },
                "type": kind,
                "reason": reason,
                "message": message,
                "count": 1,
                "firstTimestamp": now,
                "lastTimestamp": now,
                "source": {"component": "service-controller"},
            },
        )

    # ------------------------------------------------------------------ ensure

    def lb_name(self, namespace: str, name: str) -> str:
        return f"kube_service_{self.cluster}_{namespace}_{name}"[:255]

    def ensure(self, namespace: str, name: str, *, wait: bool = True) -> str | None:
        """EnsureLoadBalancer for one Service; the load balancer id, or None when it failed."""
        svc = self.core.read_namespaced_service(name, namespace).to_dict()
        self.event(namespace, name, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer")
        try:
            lb = self._create(namespace, name, svc)
        except Exception as exc:  # OCCM reports whatever Octavia answered
            self.event(
                namespace,
                name,
                "Warning",
                "SyncLoadBalancerFailed",
                "Error syncing load balancer: failed to ensure load balancer: "
                f"error creating loadbalancer {self.lb_name(namespace, name)}: {exc}",
            )
            return None
        self.created[f"{namespace}/{name}"] = lb.id
        if not wait:
            return str(lb.id)
        self.octavia.settle()
        lb = self.conn.load_balancer.get_load_balancer(lb.id)
        if lb.provisioning_status != "ACTIVE":
            self.event(
                namespace,
                name,
                "Warning",
                "SyncLoadBalancerFailed",
                "Error syncing load balancer: failed to ensure load balancer: timed out waiting "
                f"for the condition: loadbalancer {lb.id} is {lb.provisioning_status}",
            )
            return str(lb.id)
        self.publish(namespace, name, lb)
        return str(lb.id)

    def publish(self, namespace: str, name: str, lb: Any) -> None:
        """The floating IP on the VIP, then the Service's annotation and status."""
        internal = (
            self.core.read_namespaced_service(name, namespace).metadata.annotations or {}
        ).get("service.beta.kubernetes.io/openstack-internal-load-balancer") == "true"
        address = lb.vip_address
        if not internal:
            fip = self.conn.network.create_ip(
                floating_network_id=self.floating_network_id,
                port_id=lb.vip_port_id,
                description=(
                    f"Floating IP for Kubernetes external service {namespace}/{name} from cluster "
                    f"{self.cluster}"
                ),
            )
            address = fip.floating_ip_address
        self.core.patch_namespaced_service(
            name, namespace, {"metadata": {"annotations": {LB_ID_ANNOTATION: lb.id}}}
        )
        self.core.patch_namespaced_service_status(
            name,
            namespace,
            {"status": {"loadBalancer": {"ingress": [{"ip": address, "ipMode": "VIP"}]}}},
        )
        self.event(namespace, name, "Normal", "EnsuredLoadBalancer", "Ensured load balancer")

    def _create(self, namespace: str, name: str, svc: dict[str, Any]) -> Any:
        spec = svc["spec"]
        annotations = svc["metadata"].get("annotations") or {}
        lb_name = self.lb_name(namespace, name)
        local = spec.get("external_traffic_policy") == "Local"
        hc_port = spec.get("health_check_node_port") if local else None
        http_monitor = bool(hc_port) and self.provider != "ovn"
        method = annotations.get("loadbalancer.openstack.org/lb-method", self.lb_method)
        nodes = [
            n
            for n in self.api.list_objects("v1", "Node")
            if EXCLUDE_LABEL not in (n["metadata"].get("labels") or {})
        ]
        listeners = []
        for i, port in enumerate(spec["ports"]):
            members = []
            for node in nodes:
                ip = next(
                    a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP"
                )
                member = {
                    "name": node["metadata"]["name"],
                    "address": ip,
                    "protocol_port": port["node_port"],
                    "subnet_id": self.subnet_id,
                }
                if http_monitor:
                    member["monitor_port"] = hc_port
                members.append(member)
            pool: dict[str, Any] = {
                "name": f"pool_{i}_{lb_name}",
                "protocol": port["protocol"],
                "lb_algorithm": method,
                "members": members,
            }
            enabled = annotations.get(
                "loadbalancer.openstack.org/enable-health-monitor", str(self.create_monitor)
            ).lower()
            if enabled == "true":
                monitor: dict[str, Any] = {
                    "name": f"monitor_{i}_{lb_name}",
                    "type": self.monitor_type or ("HTTP" if http_monitor else "TCP"),
                    "delay": 5,
                    "timeout": 3,
                    "max_retries": 1,
                    "max_retries_down": 3,
                }
                if http_monitor:
                    monitor.update(url_path="/healthz", http_method="GET", expected_codes="200")
                pool["healthmonitor"] = monitor
            listeners.append(
                {
                    "name": f"listener_{i}_{lb_name}",
                    "protocol": port["protocol"],
                    "protocol_port": port["port"],
                    "connection_limit": -1,
                    "tags": [lb_name],
                    "default_pool": pool,
                }
            )
        return self.conn.load_balancer.create_load_balancer(
            name=lb_name,
            description=f"Kubernetes external service {namespace}/{name} from cluster {self.cluster}",
            tags=[lb_name],
            vip_subnet_id=annotations.get("loadbalancer.openstack.org/subnet-id", self.subnet_id),
            provider=self.provider,
            listeners=listeners,
        )

    # ------------------------------------------------------------------ the provider's monitor

    def report_members(self, lb_id: str, status_of: dict[str, str]) -> None:
        """Report member statuses as the provider's health monitor would (by node name)."""
        members, pools = [], []
        down_total = 0
        for pool in self.conn.load_balancer.pools():
            if not any(lb.get("id") == lb_id for lb in pool.loadbalancers or ()):
                continue
            listed = list(self.conn.load_balancer.members(pool.id))
            down = 0
            for m in listed:
                status = status_of.get(m.name, "ONLINE")
                down += status in ("OFFLINE", "ERROR")
                members.append({"id": m.id, "operating_status": status})
            pool_status = "ONLINE" if not down else ("ERROR" if down == len(listed) else "DEGRADED")
            pools.append({"id": pool.id, "operating_status": pool_status})
            down_total += down
        lb_status = "ONLINE" if not down_total else "DEGRADED"
        if pools and all(p["operating_status"] == "ERROR" for p in pools):
            lb_status = "ERROR"
        self.octavia.report(
            {
                "members": members,
                "pools": pools,
                "loadbalancers": [{"id": lb_id, "operating_status": lb_status}],
            }
        )
