"""Snapshot documents with a Service of type LoadBalancer, built the way OCCM builds its objects.

TEST SUPPORT, never shipped. The examples examples/lb-*.json are written from
here by scripts/make_examples.py; the live tests (tests/loadbalancer) build
the same situations in the real Octavia + Neutron + the Kubernetes API double
and assert the same root causes. OCCM's names, tags, description and
defaults: cloud-provider-openstack pkg/openstack/loadbalancer.go.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from kostack_testkit.builders import (
    PROJECT_ID,
    PUBLIC_NET_ID,
    ROUTER_ID,
    SEED_NODES,
    SG_DEFAULT,
    SG_NODES,
    SUBNET_ID,
    add_pairs,
    fake_id,
    group,
    rule,
    seed_doc,
)

Doc = dict[str, Any]

CLUSTER = "kubernetes"
NAMESPACE, NAME = "shop", "web"
LB_NAME = f"kube_service_{CLUSTER}_{NAMESPACE}_{NAME}"
LB_ID = fake_id("loadbalancer", LB_NAME)
VIP = "10.0.0.250"
VIP_PORT_ID = fake_id("port", "vip")
FIP = "203.0.113.50"
FIP_ID = fake_id("floatingip", FIP)
HM_PORT_IP = "10.0.0.5"
NODE_PORT = 31080
HEALTH_CHECK_NODE_PORT = 32001
SERVICE_UID = "9d2b6f3e-54c1-4f0a-8a7e-2c1b9e6d4f10"
WORKERS = [n for n, *_ in SEED_NODES]
SNAPSHOT_AT = "2026-11-20T09:14:00Z"


def _member(pool: str, node: str, ip: str, port: int, status: str, monitor_port: int | None) -> Doc:
    return {
        "id": fake_id("member", f"{pool}/{node}"),
        "name": node,
        "address": ip,
        "protocol_port": port,
        "subnet_id": SUBNET_ID,
        "monitor_port": monitor_port,
        "admin_state_up": True,
        "provisioning_status": "ACTIVE",
        "operating_status": status,
    }


def load_balancer(
    *,
    provider: str = "amphora",
    provisioning: str = "ACTIVE",
    member_status: Callable[[str], str] = lambda _n: "ONLINE",
    monitor: str | None = "TCP",
    local: bool = False,
    algorithm: str | None = None,
    read_members: bool = True,
    created_at: str = "2026-11-20T09:10:00",
) -> Doc:
    """One OCCM load balancer for shop/web: listener 80/TCP -> pool -> a member per node.

    Long because it spells out the whole tree as Octavia answers it.
    """
    pool_id = fake_id("pool", LB_NAME)
    statuses = {n: member_status(n) for n in WORKERS}
    down = [s for s in statuses.values() if s in ("OFFLINE", "ERROR")]
    pool_status = "ONLINE" if not down else ("ERROR" if len(down) == len(statuses) else "DEGRADED")
    if provisioning != "ACTIVE":
        pool_status = lb_status = "OFFLINE"
        statuses = dict.fromkeys(statuses, "OFFLINE" if monitor else "NO_MONITOR")
    else:
        lb_status = pool_status
    child = "ACTIVE" if provisioning == "ACTIVE" else provisioning
    hm = None
    monitor_port = HEALTH_CHECK_NODE_PORT if monitor == "HTTP" and local else None
    if monitor is not None:
        hm = {
            "id": fake_id("healthmonitor", LB_NAME),
            "name": f"monitor_0_{LB_NAME}",
            "type": monitor,
            "delay": 5,
            "timeout": 3,
            "max_retries": 1,
            "max_retries_down": 3,
            "url_path": "/healthz" if monitor == "HTTP" else None,
            "http_method": "GET" if monitor == "HTTP" else None,
            "expected_codes": "200" if monitor == "HTTP" else None,
            "provisioning_status": child,
            "operating_status": "ONLINE" if child == "ACTIVE" else "OFFLINE",
        }
    members = [
        {
            **_member(pool_id, n, ip, NODE_PORT, statuses[n], monitor_port),
            "provisioning_status": child,
        }
        for n, ip, *_ in SEED_NODES
    ]
    method = algorithm or ("SOURCE_IP_PORT" if provider == "ovn" else "ROUND_ROBIN")
    return {
        "id": LB_ID,
        "name": LB_NAME,
        "description": f"Kubernetes external service {NAMESPACE}/{NAME} from cluster {CLUSTER}",
        "tags": [LB_NAME],
        "provider": provider,
        "project_id": PROJECT_ID,
        "vip_address": VIP,
        "vip_port_id": VIP_PORT_ID,
        "vip_subnet_id": SUBNET_ID,
        "vip_network_id": group_net(),
        "provisioning_status": provisioning,
        "operating_status": lb_status,
        "created_at": created_at,
        "updated_at": created_at,
        "listeners": [
            {
                "id": fake_id("listener", LB_NAME),
                "name": f"listener_0_{LB_NAME}",
                "protocol": "TCP",
                "protocol_port": 80,
                "default_pool_id": pool_id,
                "connection_limit": -1,
                "provisioning_status": child,
                "operating_status": "ONLINE" if child == "ACTIVE" else "OFFLINE",
                "tags": [LB_NAME],
            }
        ],
        "pools": [
            {
                "id": pool_id,
                "name": f"pool_0_{LB_NAME}",
                "protocol": "TCP",
                "lb_algorithm": method,
                "listener_ids": [fake_id("listener", LB_NAME)],
                "provisioning_status": child,
                "operating_status": pool_status,
                "healthmonitor": hm,
                "member_ids": [m["id"] for m in members],
                "members": members if read_members else None,
            }
        ],
    }


def group_net() -> str:
    return fake_id("network", "k8s-net")


def service(
    *,
    local: bool = False,
    ingress: str | None = FIP,
    endpoints_on: Iterable[str] = ("k8s-w-1", "k8s-w-2"),
    annotations: dict[str, str] | None = None,
    ranges: Iterable[str] = (),
    lb_annotation: bool = True,
) -> Doc:
    ann = {"loadbalancer.openstack.org/load-balancer-id": LB_ID} if lb_annotation else {}
    ann.update(annotations or {})
    node_ip = {n: ip for n, ip, *_ in SEED_NODES}
    endpoints = [
        {
            "ip": f"10.244.{WORKERS.index(n)}.{40 + i}",
            "node": n,
            "pod": f"{NAMESPACE}/web-5d8f7c9b6-{i}",
            "ready": True,
            "ports": {"http": 8080},
        }
        for i, n in enumerate(endpoints_on)
    ]
    del node_ip
    return {
        "namespace": NAMESPACE,
        "name": NAME,
        "type": "LoadBalancer",
        "cluster_ip": "10.96.41.17",
        "ports": [
            {
                "name": "http",
                "port": 80,
                "protocol": "TCP",
                "target_port": 8080,
                "node_port": NODE_PORT,
            }
        ],
        "endpoints": endpoints,
        "uid": SERVICE_UID,
        "created": "2026-11-20T09:09:50Z",
        "external_traffic_policy": "Local" if local else "Cluster",
        "health_check_node_port": HEALTH_CHECK_NODE_PORT if local else None,
        "load_balancer_source_ranges": list(ranges),
        "allocate_load_balancer_node_ports": True,
        "annotations": ann,
        "load_balancer_ingress": [{"ip": ingress, "ip_mode": "VIP"}] if ingress else [],
    }


def _pods(doc: Doc, svc: Doc) -> None:
    for ep in svc["endpoints"]:
        doc["cluster"]["pods"].append(
            {
                "namespace": NAMESPACE,
                "name": ep["pod"].split("/")[1],
                "node": ep["node"],
                "ip": ep["ip"],
                "phase": "Running",
                "host_network": False,
                "labels": {"app": "web"},
            }
        )


def vip_port(provider: str) -> Doc:
    ovn = provider == "ovn"
    return {
        "id": VIP_PORT_ID,
        "name": (f"ovn-lb-vip-{LB_ID}" if ovn else f"octavia-lb-{LB_ID}"),
        "network_id": group_net(),
        "mac_address": "fa:16:3e:00:02:50",
        "fixed_ips": [{"subnet_id": SUBNET_ID, "ip_address": VIP}],
        "port_security_enabled": True,
        "security_group_ids": [SG_DEFAULT],
        "device_id": f"lb-{LB_ID}",
        "device_owner": "ovn-lb:vip" if ovn else "Octavia",
        "revision_number": 2,
        "status": "DOWN",
        "project_id": PROJECT_ID,
    }


def hm_port() -> Doc:
    return {
        "id": fake_id("port", "ovn-lb-hm"),
        "name": f"ovn-lb-hm-{SUBNET_ID}",
        "network_id": group_net(),
        "mac_address": "fa:16:3e:00:00:05",
        "fixed_ips": [{"subnet_id": SUBNET_ID, "ip_address": HM_PORT_IP}],
        "port_security_enabled": False,
        "security_group_ids": [],
        "device_id": f"ovn-lb-hm-{SUBNET_ID}",
        "device_owner": "ovn-lb-hm:distributed",
        "revision_number": 1,
        "status": "DOWN",
        "project_id": PROJECT_ID,
    }


def floating_ip(port_id: str | None = VIP_PORT_ID) -> Doc:
    return {
        "id": FIP_ID,
        "floating_ip_address": FIP,
        "floating_network_id": PUBLIC_NET_ID,
        "port_id": port_id,
        "fixed_ip_address": VIP if port_id else None,
        "router_id": ROUTER_ID if port_id else None,
        "status": "ACTIVE" if port_id else "DOWN",
        "description": f"Floating IP for Kubernetes external service {NAMESPACE}/{NAME} from cluster {CLUSTER}",
        "project_id": PROJECT_ID,
    }


def nodeport_rule(prefix: str, ports: tuple[int, int] = (30000, 32767)) -> Doc:
    return rule(SG_NODES, "ingress", "tcp", ports, prefix)


def lb_doc(
    *,
    provider: str = "amphora",
    lb: Doc | None = None,
    svc: Doc | None = None,
    rules: Iterable[Doc] = (),
    fips: Iterable[Doc] | None = None,
    events: Iterable[Doc] = (),
    quota: int | None = None,
) -> Doc:
    """The fixed seed cluster plus the shop/web LoadBalancer Service and its load balancer."""
    doc = seed_doc()
    add_pairs(doc, ["10.244.0.0/16", "10.96.0.0/12"])
    svc = svc if svc is not None else service()
    doc["cluster"]["services"].append(svc)
    _pods(doc, svc)
    doc["cluster"]["service_events"] = list(events)
    os_ = doc["openstack"]
    lbs = [lb] if lb is not None else []
    os_["load_balancers"] = lbs
    os_["load_balancer_quota"] = {"load_balancer": quota} if quota is not None else None
    if lbs:
        os_["ports"].append(vip_port(provider))
        if provider == "ovn" and lbs[0]["pools"][0]["healthmonitor"] is not None:
            os_["ports"].append(hm_port())
    os_["floating_ips"] = list(fips) if fips is not None else ([floating_ip()] if lbs else [])
    group(doc, "k8s-nodes")["rules"].extend(rules)
    doc["created_at"] = SNAPSHOT_AT
    return doc


# --------------------------------------------------------------------------- the done-when cases


def amphora_healthy() -> Doc:
    return lb_doc(rules=[nodeport_rule("10.0.0.0/24")], lb=load_balancer())


def amphora_nodeport_blocked() -> Doc:
    return lb_doc(lb=load_balancer(member_status=lambda _n: "OFFLINE"))


def ovn_node_subnet_only() -> Doc:
    return lb_doc(
        provider="ovn",
        rules=[nodeport_rule("10.0.0.0/24", (NODE_PORT, NODE_PORT))],
        lb=load_balancer(provider="ovn", read_members=False),
    )


def pending_create() -> Doc:
    events = [
        {
            "namespace": NAMESPACE,
            "kind": "Service",
            "name": NAME,
            "type": "Normal",
            "reason": "EnsuringLoadBalancer",
            "message": "Ensuring load balancer",
            "count": 4,
            "last_seen": "2026-11-20T09:12:00Z",
        }
    ]
    return lb_doc(
        lb=load_balancer(provisioning="PENDING_CREATE", created_at="2026-11-20T08:10:00"),
        svc=service(ingress=None),
        rules=[nodeport_rule("10.0.0.0/24")],
        fips=[],
        events=events,
    )


def etp_local_by_design() -> Doc:
    return lb_doc(
        rules=[nodeport_rule("10.0.0.0/24")],
        svc=service(local=True, endpoints_on=("k8s-w-1",)),
        lb=load_balancer(
            monitor="HTTP",
            local=True,
            member_status=lambda n: "ONLINE" if n == "k8s-w-1" else "OFFLINE",
        ),
    )


LB_EXAMPLES: dict[str, tuple[str, Callable[[], Doc]]] = {
    "lb-amphora-healthy": (
        "shop/web on the amphora provider; the node group admits NodePorts from the VIP subnet.",
        amphora_healthy,
    ),
    "lb-amphora-nodeport-blocked": (
        "shop/web on the amphora provider; no rule admits the NodePort: every member OFFLINE.",
        amphora_nodeport_blocked,
    ),
    "lb-ovn-node-subnet-only": (
        "shop/web on the OVN provider; NodePort open to the node subnet only: members ONLINE, "
        "clients cut off.",
        ovn_node_subnet_only,
    ),
    "lb-pending-create": (
        "shop/web's load balancer stuck in PENDING_CREATE for an hour; EXTERNAL-IP <pending>.",
        pending_create,
    ),
    "lb-etp-local-by-design": (
        "shop/web with externalTrafficPolicy Local, one endpoint: two members OFFLINE by design.",
        etp_local_by_design,
    ),
}


def lb_example_doc(name: str) -> Doc:
    description, make = LB_EXAMPLES[name]
    doc = copy.deepcopy(make())
    doc["source"] = f"example {name}: {description}"
    return doc


# --------------------------------------------------------------------------- check cases


def _edit(make: Callable[[], Doc], *edits: Callable[[Doc], None]) -> Callable[[], Doc]:
    def build_doc() -> Doc:
        doc = make()
        for edit in edits:
            edit(doc)
        return doc

    return build_doc


def _no_links(doc: Doc) -> None:
    doc["node_ports"] = None


def _no_octavia(doc: Doc) -> None:
    doc["openstack"]["load_balancers"] = None


def _no_fips(doc: Doc) -> None:
    doc["openstack"]["floating_ips"] = None


def _no_time(doc: Doc) -> None:
    doc["created_at"] = None


def _fip_unbound(doc: Doc) -> None:
    doc["openstack"]["floating_ips"] = [floating_ip(port_id=None)]


def _no_endpoints(doc: Doc) -> None:
    for svc in doc["cluster"]["services"]:
        if svc["name"] == NAME:
            svc["endpoints"] = None


def _pending_unexplained(doc: Doc) -> None:
    doc["openstack"]["load_balancers"] = []
    doc["openstack"]["ports"] = [p for p in doc["openstack"]["ports"] if p["id"] != VIP_PORT_ID]
    doc["openstack"]["floating_ips"] = []
    doc["cluster"]["service_events"] = None
    for svc in doc["cluster"]["services"]:
        if svc["name"] == NAME:
            svc["load_balancer_ingress"] = []
            svc["annotations"] = {}


def etp_local_no_monitor() -> Doc:
    return lb_doc(
        rules=[nodeport_rule("10.0.0.0/24")],
        svc=service(local=True, endpoints_on=("k8s-w-1",)),
        lb=load_balancer(monitor=None, local=True),
    )


def ovn_round_robin() -> Doc:
    return lb_doc(
        provider="ovn",
        rules=[nodeport_rule("0.0.0.0/0", (NODE_PORT, NODE_PORT))],
        svc=service(annotations={"loadbalancer.openstack.org/lb-method": "ROUND_ROBIN"}),
        lb=load_balancer(provider="ovn", read_members=False),
    )


def amphora_ranges_open() -> Doc:
    """shop/web admits 198.51.100.0/24 only, but its amphora listener has no allowed_cidrs."""
    return lb_doc(
        rules=[nodeport_rule("10.0.0.0/24")],
        svc=service(ranges=["198.51.100.0/24"]),
        lb=load_balancer(),
    )


def _listener_allows(*cidrs: str) -> Callable[[Doc], None]:
    def edit(doc: Doc) -> None:
        for lb in doc["openstack"]["load_balancers"]:
            for li in lb["listeners"]:
                li["allowed_cidrs"] = list(cidrs)

    return edit


# check id: (passing, failing, unknown) documents (tests/foundation/test_checks.py)
LB_CHECK_CASES: dict[str, tuple[Callable[[], Doc], Callable[[], Doc], Callable[[], Doc]]] = {
    "lb-nodeport-source": (
        amphora_healthy,
        amphora_nodeport_blocked,
        _edit(amphora_healthy, _no_links),
    ),
    "lb-members-down": (
        amphora_healthy,
        amphora_nodeport_blocked,
        _edit(amphora_healthy, _no_octavia),
    ),
    "lb-provisioning": (amphora_healthy, pending_create, _edit(pending_create, _no_time)),
    "lb-etp-local": (
        etp_local_by_design,
        etp_local_no_monitor,
        _edit(etp_local_by_design, _no_endpoints),
    ),
    "lb-ovn-limits": (
        ovn_node_subnet_only,
        ovn_round_robin,
        _edit(amphora_healthy, _pending_unexplained),
    ),
    "lb-source-ranges": (
        _edit(amphora_ranges_open, _listener_allows("198.51.100.0/24")),
        amphora_ranges_open,
        _edit(amphora_ranges_open, _no_octavia),
    ),
    "lb-floating-ip": (
        amphora_healthy,
        _edit(amphora_healthy, _fip_unbound),
        _edit(amphora_healthy, _no_fips),
    ),
    "lb-pending-service": (
        amphora_healthy,
        pending_create,
        _edit(amphora_healthy, _pending_unexplained),
    ),
}
