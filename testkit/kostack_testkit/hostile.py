"""One large, heterogeneous and hostile snapshot for the cost audit (benchmarks/hostile_scale.py,
tests/foundation/test_hostile_cost.py).

TEST SUPPORT, never shipped. ``hostile_doc(nodes, seed)`` is seeded (the same arguments give the
same document) and grows linearly with ``nodes``:

- the nodes round-robin over many subnets, dual stack (kostack_testkit.subnets "mixed" and
  kostack_testkit.dualstack): several security-group sets, pairs on some subnets only, a
  second router without a gateway;
- a security group per node besides, with a remote-group rule (to the shared nodes' group, to
  itself or to the next node's group) and CIDR rules (the next node's /32 and /128, a random
  slice of the pod range);
- Services of every type, about one per node: ClusterIP, headless, ExternalName, NodePort, and
  LoadBalancer through MetalLB, Cilium LB IPAM (a class) and Octavia (its load balancer in
  the cloud, members on a few nodes);
- Helm releases with their claims across many namespaces, about one per ten nodes, a third of
  them failed;
- Antrea-style EgressIPs (pools and egresses on named nodes);
- hostile values: unicode and 253-character names, 63-character label values and many
  labels, a node whose address another node also has, a port holding another's address,
  nodes, pods, ports and Services with fields left out.

The snapshot format holds no NetworkPolicies (docs/snapshot.schema.json): none are made.
"""

from __future__ import annotations

import ipaddress
import random
from typing import Any

from kostack_testkit.builders import (
    SG_NODES,
    SUBNET_ID,
    Doc,
    fake_id,
    new_group_rules,
    ports_of,
    rule,
)
from kostack_testkit.dualstack import make_dual_stack, node_ip_v6
from kostack_testkit.lb_fixtures import load_balancer
from kostack_testkit.subnets import subnets_doc

ODD = ("ノード", "노드-한글", "ñandú", "Ω-node", "x" * 40, "emoji-😀")
METALLB_POOL = "192.0.2.0/24"
CILIUM_POOL = "198.51.100.0/24"
OCTAVIA_CLASS = None
CILIUM_CLASS = "io.cilium/l2-announcer"


def _odd_name(rng: random.Random, i: int) -> str:
    """A DNS-unsafe but schema-valid name: unicode, or as long as a DNS name may be."""
    if i % 97 == 0:
        return ("n" * 240 + f"-{i:08d}")[:253]
    return f"{rng.choice(ODD)}-{i}"


def _long_labels(rng: random.Random, i: int) -> dict[str, str]:
    labels = {f"example.com/l{k}": "v" * 63 for k in range(rng.randint(0, 12))}
    labels["topology.kubernetes.io/zone"] = f"zone-{i % 5}"
    labels[f"라벨.example.com/{i % 7}"] = "값"
    return labels


def _own_groups(doc: Doc, rng: random.Random) -> None:
    """A group per node port: remote-group and CIDR rules, written differently per node."""
    groups = doc["openstack"]["security_groups"]
    ports = ports_of(doc)
    ips = [p["fixed_ips"][0]["ip_address"] for p in ports]
    own = [fake_id("sg", f"own-{i}") for i in range(len(ports))]
    for i, port in enumerate(ports):
        sg = own[i]
        remote = (SG_NODES, sg, own[(i + 1) % len(own)])[i % 3]
        slice_ = rng.randrange(0, 64)
        rules = [
            *new_group_rules(sg),
            rule(sg, "ingress", None, None, None, group=remote),
            rule(sg, "ingress", "tcp", 10250, f"{ips[(i + 1) % len(ips)]}/32", name=sg),
            rule(sg, "ingress", "udp", 4789, f"10.{128 + slice_}.0.0/16", name=sg),
            rule(sg, "ingress", "tcp", (30000, 32767), "0.0.0.0/0", name=sg),
        ]
        v6 = dict(rule(sg, "ingress", "tcp", 179, None, name=sg))
        v6.update(ethertype="IPv6", remote_ip_prefix=f"{node_ip_v6((i + 1) % len(ips))}/128")
        v6["id"] = fake_id("rule", f"{sg}-v6")
        rules.append(v6)
        groups.append({"id": sg, "name": _odd_name(rng, i), "rules": rules})
        port["security_group_ids"] = [*port.get("security_group_ids", []), sg]


def _hostile_nodes(doc: Doc, rng: random.Random) -> None:
    """Odd names and labels, a duplicated address, fields left out."""
    nodes = doc["cluster"]["nodes"]
    ports = ports_of(doc)
    for i, node in enumerate(nodes):
        node["labels"] = _long_labels(rng, i)
        if i % 53 == 7:
            node["labels"]["kubernetes.io/hostname"] = _odd_name(rng, i)
        if i % 211 == 5 and i > 0:  # two nodes claim one address
            node["internal_ip"] = nodes[i - 1]["internal_ip"]
        if i % 307 == 11:  # no provider id, no addresses: matched by address or not at all
            node.pop("provider_id", None)
            node.pop("addresses", None)
    for i, port in enumerate(ports):
        if i % 199 == 3 and i > 0:  # a port holding its neighbour's address as a second one
            port["fixed_ips"].append(dict(ports[i - 1]["fixed_ips"][0]))
        if i % 401 == 9:
            port.pop("security_group_ids", None)
            port.pop("port_security_enabled", None)
    pods = doc["cluster"]["pods"]
    for i, pod in enumerate(pods):
        if i % 113 == 1:
            pod.pop("ip", None)
            pod.pop("ips", None)
        elif i % 127 == 2:
            pod.pop("node", None)
        if i % 89 == 0:
            pod["labels"] = _long_labels(rng, i)
    # stray ports of nobody's node, one per fifty nodes, one with a node's address
    for i in range(len(nodes) // 50):
        owner = ports[rng.randrange(len(ports))]
        stray = {
            **owner,
            "id": fake_id("port", f"stray-{i}"),
            "name": _odd_name(rng, i),
            "device_id": fake_id("server", f"stray-{i}"),
            "mac_address": f"fa:16:3f:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}",
        }
        doc["openstack"]["ports"].append(stray)


def _endpoints(rng: random.Random, pods: list[Doc], k: int) -> list[Doc]:
    out = []
    for pod in rng.sample(pods, k):
        out.append(
            {
                "ip": pod["ip"],
                "node": pod.get("node"),
                "pod": f"{pod['namespace']}/{pod['name']}",
                "ready": rng.random() > 0.1,
                "ports": {"http": 8080},
            }
        )
    return out


def _services(doc: Doc, rng: random.Random, count: int) -> None:
    """``count`` Services of every type; Octavia's load balancers in the cloud."""
    cluster, os_ = doc["cluster"], doc["openstack"]
    pods = [p for p in cluster["pods"] if p.get("ip") and p.get("node") and ":" not in p["ip"]]
    nodes = [(p["node_id"], p["ip"]) for p in _members_of(doc)]
    template = load_balancer()
    metallb = list(ipaddress.ip_network(METALLB_POOL).hosts())
    cilium = list(ipaddress.ip_network(CILIUM_POOL).hosts())
    lbs = []
    for i in range(count):
        kind = i % 7
        ns = f"ns-{i % 41}" if i % 13 else _odd_name(rng, i)[:63]
        svc: Doc = {
            "namespace": ns,
            "name": f"svc-{i}",
            "type": "ClusterIP",
            "cluster_ip": str(ipaddress.ip_address("10.96.16.0") + i),
            "ports": [{"name": "http", "port": 80, "protocol": "TCP", "target_port": 8080}],
            "endpoints": _endpoints(rng, pods, rng.randint(0, 4)),
            "labels": _long_labels(rng, i) if i % 31 == 0 else {"app": f"a{i % 9}"},
        }
        if kind == 1:  # headless
            svc["cluster_ip"] = None
        elif kind == 2:
            svc.update(type="ExternalName", cluster_ip=None, endpoints=[], ports=[])
        elif kind == 3:
            svc.update(type="NodePort")
            svc["ports"][0]["node_port"] = 30000 + i % 2700
        elif kind >= 4:
            svc.update(type="LoadBalancer", allocate_load_balancer_node_ports=True)
            svc["ports"][0]["node_port"] = 30000 + i % 2700
            svc["external_traffic_policy"] = "Local" if i % 2 else "Cluster"
            if kind == 4:
                ip = metallb[i % len(metallb)]  # pools shared: addresses repeat
                svc["load_balancer_ingress"] = [{"ip": str(ip)}] if i % 5 else []
            elif kind == 5:
                svc["load_balancer_class"] = CILIUM_CLASS
                svc["load_balancer_ingress"] = [{"ip": str(cilium[i % len(cilium)])}]
            else:
                lb = _octavia(template, i, ns, rng, nodes)
                lbs.append(lb)
                svc["annotations"] = {"loadbalancer.openstack.org/load-balancer-id": lb["id"]}
                svc["load_balancer_ingress"] = [{"ip": lb["vip_address"]}]
        if i % 61 == 17:  # fields left out
            svc.pop("ports", None)
            svc.pop("endpoints", None)
        cluster["services"].append(svc)
    os_["load_balancers"] = lbs
    os_["floating_ips"] = []


def _members_of(doc: Doc) -> list[Doc]:
    out = []
    for port in ports_of(doc):
        fixed = port.get("fixed_ips") or []
        if fixed:
            out.append(
                {"node_id": port["name"].removesuffix("-port"), "ip": fixed[0]["ip_address"]}
            )
    return out


def _octavia(template: Doc, i: int, ns: str, rng: random.Random, nodes: list[Any]) -> Doc:
    """A copy of the fixtures' load balancer for Service ``i``, members on three nodes."""
    name = f"kube_service_kubernetes_{ns}_svc-{i}"
    lb = {**template, "id": fake_id("lb", name), "name": name, "tags": [name]}
    lb["vip_address"] = str(ipaddress.ip_address("10.0.250.0") + i % 250)
    lb["vip_port_id"] = fake_id("port", f"vip-{i}")
    lb["vip_subnet_id"] = SUBNET_ID
    pool = dict(template["pools"][0]) if template.get("pools") else None
    if pool is not None:
        members = []
        for node, ip in rng.sample(nodes, min(3, len(nodes))):
            members.append(
                {
                    **pool["members"][0],
                    "id": fake_id("member", f"{name}-{node}"),
                    "name": node,
                    "address": ip,
                    "operating_status": rng.choice(("ONLINE", "OFFLINE", "NO_MONITOR")),
                }
            )
        pool.update(
            id=fake_id("pool", name), members=members, member_ids=[m["id"] for m in members]
        )
        lb["pools"] = [pool]
        lb["listeners"] = [{**x, "default_pool_id": pool["id"]} for x in template["listeners"]]
        lb["listeners"] = [
            {**x, "id": fake_id("listener", f"{name}-{k}")} for k, x in enumerate(lb["listeners"])
        ]
    return lb


def _virtual_ips(doc: Doc, nodes: int) -> None:
    zone = "topology.kubernetes.io/zone"
    doc["cluster"]["virtual_ips"] = {
        "occm": {"found": True},
        "metallb": {
            "namespace": "metallb-system",
            "version": "v0.14.9",
            "pools": [
                {
                    "name": f"p{k}",
                    "namespace": "metallb-system",
                    "cidrs": [METALLB_POOL],
                    "addresses": [METALLB_POOL],
                }
                for k in range(4)  # a fixed few: each node port needs each (docs/facts.md)
            ],
            "advertisements": [
                {
                    "name": f"l2-zone-{z}",
                    "kind": "l2",
                    "namespace": "metallb-system",
                    "node_selectors": [{"match_labels": {zone: f"zone-{z}"}}],
                }
                for z in range(5)
            ],
        },
        "cilium_pools": [{"name": "public", "cidrs": [CILIUM_POOL]}],
        "cilium_lb": {"l2_announcements": True},
    }


def _helm(doc: Doc, rng: random.Random, releases: int) -> None:
    """``releases`` Helm releases (a third failed), their claims in many namespaces."""
    out, pvcs = [], []
    for r in range(releases):
        ns = f"team-{r % 23}" if r % 11 else _odd_name(rng, r)[:63]
        name = f"rel-{r}"
        declared = []
        for part in ("registry", "db"):
            labels = {"app.kubernetes.io/instance": name, "component": part}
            declared.append({"name": f"{name}-{part}", "labels": labels, "keep": part == "db"})
            pvcs.append(
                {
                    "namespace": ns if r % 17 else "default",  # some claims in the wrong place
                    "name": f"{name}-{part}",
                    "volume_name": f"pv-{r}-{part}",
                    "labels": labels,
                    "created": "2026-11-20T08:30:00Z",
                }
            )
        out.append(
            {
                "name": name,
                "namespace": ns,
                "revision": 1 + r % 4,
                "status": "failed" if r % 3 == 0 else "deployed",
                "chart": rng.choice(("harbor", "postgresql", "redis", "ingress-nginx")),
                "chart_version": "1.18.0",
                "first_deployed": "2026-11-20T08:30:00Z",
                "manifest_pvcs": declared,
                "values_keys": ["harborAdminPassword"],
            }
        )
    doc["helm"] = {
        "releases": out,
        "pvcs": pvcs,
        "namespaces": sorted({r["namespace"] for r in out}),
    }


def _egress(doc: Doc, rng: random.Random, nodes: int) -> None:
    names = [n["name"] for n in doc["cluster"]["nodes"]]
    doc["cluster"]["egress_ips"] = {
        "cni": "antrea",
        "pools": [{"name": f"pool-{k}", "cidrs": [f"203.0.113.{16 * k}/28"]} for k in range(4)],
        "egresses": [
            {
                "name": f"egress-{k}",
                "ips": [f"203.0.113.{16 * (k % 4) + 1 + k % 14}"],
                "pools": [f"pool-{k % 4}"],
                "egress_node": rng.choice(names) if k % 9 else None,
            }
            for k in range(max(1, nodes // 20))
        ],
    }


def hostile_doc(nodes: int, seed: int = 0, pods_per_node: int = 6) -> Doc:
    """The hostile snapshot at ``nodes`` nodes (at least 64), seeded by ``seed``."""
    if nodes < 64:
        raise ValueError("hostile_doc needs at least 64 nodes")
    rng = random.Random(seed)
    doc = subnets_doc(nodes, max(2, nodes // 64), mixed=True, pods_per_node=pods_per_node)
    make_dual_stack(doc)
    _own_groups(doc, rng)
    _services(doc, rng, nodes)
    _hostile_nodes(doc, rng)
    _virtual_ips(doc, nodes)
    _helm(doc, rng, max(10, nodes // 10))
    _egress(doc, rng, nodes)
    return doc


def interleaved_doc(nodes: int, pods_per_node: int = 2) -> Doc:
    """Per-node groups that each admit a shared group whose members interleave with the nodes
    that are not in it (every other node): the members' address set has a range per member,
    and every node's own group reads it (the cost tests' remote-group case)."""
    from kostack_testkit.builders import synthetic_doc

    doc = synthetic_doc(nodes, groups=3, rules=11, pods_per_node=pods_per_node)
    ips = [n["internal_ip"] for n in doc["cluster"]["nodes"]]
    workers = fake_id("sg", "workers")
    groups = [{"id": workers, "name": "workers", "rules": new_group_rules(workers)}]
    for i, port in enumerate(ports_of(doc)):
        sg = fake_id("sg", f"own-{i}")
        rules = [
            *new_group_rules(sg),
            rule(sg, "ingress", "tcp", 10250, None, group=workers),
            rule(sg, "ingress", "tcp", 10250, f"{ips[(i + 1) % len(ips)]}/32", name=sg),
            rule(sg, "ingress", "udp", 4789, "10.0.0.0/16", name=sg),
        ]
        groups.append({"id": sg, "name": f"own-{i}", "rules": rules})
        port["security_group_ids"] = [sg, workers] if i % 2 == 0 else [sg]
    doc["openstack"]["security_groups"] = groups
    return doc
