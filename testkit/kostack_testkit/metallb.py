"""MetalLB on the fixed seed: snapshot documents for the neutron-vip-pairs check and the
examples (metallb/metallb config/manifests/metallb-native.yaml; an IPAddressPool in the node
subnet and an L2Advertisement of every pool from every node)."""

from __future__ import annotations

from typing import Any

from kostack_testkit.builders import Doc, add_pairs, registry_doc
from kostack_testkit.lb_fixtures import lb_doc, service

POOL = "10.0.0.200/29"
SERVICE_IP = "10.0.0.201"


EXCLUDE = "node.kubernetes.io/exclude-from-external-load-balancers"
# metallb-native.yaml's speaker: no --namespace, no --ignore-exclude-lb
SPEAKER = {"namespace": "metallb-system", "ignore_exclude_lb": False}


def metallb_state(
    pools: list[dict[str, Any]] | None = None,
    ads: list[dict[str, Any]] | None = None,
    peers: list[dict[str, Any]] | None = None,
    speaker: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``peers`` None: not read (left out, as in a snapshot from before BGPPeers were
    read); ``speaker`` None: its settings not read (likewise)."""
    return {
        "metallb": {
            **({"peers": peers} if peers is not None else {}),
            **({"speaker": speaker} if speaker is not None else {}),
            "namespace": "metallb-system",
            "version": "v0.14.9",
            "pools": pools
            if pools is not None
            else [
                {"name": "web", "namespace": "metallb-system", "cidrs": [POOL], "addresses": [POOL]}
            ],
            "advertisements": ads
            if ads is not None
            else [{"name": "l2", "kind": "l2", "namespace": "metallb-system"}],
        }
    }


def metallb_doc(*, allocation_end: str = "10.0.0.199", **state: Any) -> Doc:
    """The fixed seed with MetalLB (no OCCM, no Octavia load balancer) and the shop/web
    Service on ``SERVICE_IP``; the node subnet allocates up to ``allocation_end``."""
    doc = lb_doc(svc=service(ingress=SERVICE_IP, lb_annotation=False), fips=[])
    doc["openstack"]["subnets"][0]["allocation_pools"] = [
        {"start": "10.0.0.2", "end": allocation_end}
    ]
    doc["cluster"]["virtual_ips"] = metallb_state(**state)
    return doc


def metallb_l2_no_pairs(doc: Doc) -> None:
    doc.clear()
    doc.update(metallb_doc())


def metallb_l2_fixed(doc: Doc) -> None:
    metallb_l2_no_pairs(doc)
    add_pairs(doc, [POOL])


BGP_POOL = "198.51.100.0/28"
BGP_SERVICE_IP = "198.51.100.5"
ROUTER = "10.0.0.250"  # the router VM the nodes peer with, on the node subnet


def metallb_bgp_doc(**state: Any) -> Doc:
    """`metallb_doc` in BGP mode: pool ``BGP_POOL`` (outside every subnet) announced by a
    BGPAdvertisement of every pool to the BGPPeer ``ROUTER`` (every node holds a session),
    shop/web on ``BGP_SERVICE_IP``; ``state`` overrides pools, ads or peers."""
    doc = metallb_doc(
        pools=state.get(
            "pools",
            [
                {
                    "name": "bgp",
                    "namespace": "metallb-system",
                    "cidrs": [BGP_POOL],
                    "addresses": [BGP_POOL],
                }
            ],
        ),
        ads=state.get("ads", [{"name": "bgp", "kind": "bgp", "namespace": "metallb-system"}]),
        peers=state.get(
            "peers",
            [
                {
                    "name": "router",
                    "namespace": "metallb-system",
                    "address": ROUTER,
                    "my_asn": 64500,
                    "peer_asn": 64501,
                }
            ],
        ),
    )
    svc = next(s for s in doc["cluster"]["services"] if s["name"] == "web")
    svc["load_balancer_ingress"] = [{"ip": BGP_SERVICE_IP}]
    return doc


def metallb_bgp_no_pairs(doc: Doc) -> None:
    doc.clear()
    doc.update(metallb_bgp_doc())


def metallb_bgp_fixed(doc: Doc) -> None:
    metallb_bgp_no_pairs(doc)
    add_pairs(doc, [BGP_POOL])


def metallb_kubeadm_excluded(doc: Doc) -> None:
    """`metallb_l2_no_pairs` as kubeadm labels it: the control plane carries the
    exclude-from-external-load-balancers label and the speaker (metallb-native.yaml) does not
    ignore it, so only the workers announce."""
    doc.clear()
    doc.update(metallb_doc(speaker=dict(SPEAKER)))
    plane = next(n for n in doc["cluster"]["nodes"] if n["name"] == "k8s-cp-1")
    plane["labels"][EXCLUDE] = ""


def metallb_kubeadm_excluded_fixed(doc: Doc) -> None:
    """The workers' ports get the pool's pair; the control plane's stays as it was."""
    metallb_kubeadm_excluded(doc)
    add_pairs(doc, [POOL], only={"k8s-w-1", "k8s-w-2", "k8s-w-3"})


def _egress_rule(name: str, protocol: str | None, port: int | None, prefix: str) -> dict[str, Any]:
    return {
        "id": f"metallb-egress-{name}",
        "direction": "egress",
        "ethertype": "IPv4",
        "protocol": protocol,
        "port_range_min": port,
        "port_range_max": port,
        "remote_ip_prefix": prefix,
        "remote_group_id": None,
    }


def metallb_bgp_egress_blocked(doc: Doc) -> None:
    """`metallb_bgp_doc` with the pool's pairs in place and the nodes' egress narrowed: the
    allow-all egress rules removed, the k8s-nodes group admitting only the nodes' half of the
    subnet (10.0.0.0/25), the pod network, HTTPS and DNS, so the speakers cannot reach the
    router at ``ROUTER`` (10.0.0.250) on tcp 179."""
    doc.clear()
    doc.update(metallb_bgp_doc())
    doc["cluster"]["virtual_ips"]["metallb"]["speaker"] = dict(SPEAKER)
    add_pairs(doc, [BGP_POOL])
    groups = doc["openstack"]["security_groups"]
    for group in groups:
        group["rules"] = [r for r in group["rules"] if r["direction"] != "egress"]
    nodes = next(g for g in groups if g["name"] == "k8s-nodes")
    nodes["rules"] += [
        _egress_rule("nodes", None, None, "10.0.0.0/25"),
        _egress_rule("pods", None, None, "10.244.0.0/16"),
        _egress_rule("https", "tcp", 443, "0.0.0.0/0"),
        _egress_rule("dns-udp", "udp", 53, "0.0.0.0/0"),
        _egress_rule("dns-tcp", "tcp", 53, "0.0.0.0/0"),
    ]


def metallb_bgp_egress_fixed(doc: Doc) -> None:
    """The rule the finding plans: egress tcp 179 to the router from the nodes' group."""
    metallb_bgp_egress_blocked(doc)
    nodes = next(g for g in doc["openstack"]["security_groups"] if g["name"] == "k8s-nodes")
    nodes["rules"].append(_egress_rule("bgp", "tcp", 179, f"{ROUTER}/32"))


# openstack-cloud-controller-manager's pod as the collector records it, with its service
# controller (cloud-provider-openstack manifests/controller-manager, --controllers "*")
OCCM_RUNS = {
    "found": True,
    "namespace": "kube-system",
    "pod": "openstack-cloud-controller-manager-x7k2p",
    "service_controller": True,
}
OCCM_ID = "loadbalancer.openstack.org/load-balancer-id"
METALLB_CLASS = "metallb.io/metallb"


def metallb_occm_annotation(doc: Doc) -> None:
    """`metallb_l2_fixed` (the pool's pairs in place) beside OCCM: MetalLB's controller runs
    without --lb-class and OCCM with its service controller, so both take shop/web (no
    loadBalancerClass). Its status shows MetalLB's 10.0.0.201 and it carries OCCM's
    load-balancer-id annotation, naming a load balancer no longer in the project."""
    metallb_l2_fixed(doc)
    doc["cluster"]["virtual_ips"]["metallb"]["speaker"] = dict(SPEAKER)
    doc["cluster"]["virtual_ips"]["metallb"]["controller"] = {"lb_class": ""}
    doc["cluster"]["virtual_ips"]["occm"] = dict(OCCM_RUNS)
    svc = next(s for s in doc["cluster"]["services"] if s["name"] == "web")
    svc["annotations"] = {OCCM_ID: "5d1c7a90-3f4e-4b8a-9c61-2e0f8d7b4a13"}


def metallb_lb_class_no_controller(doc: Doc) -> None:
    """`metallb_l2_fixed` with MetalLB's controller run with --lb-class=metallb.io/metallb,
    no OCCM pod in the cluster, and shop/web created without a loadBalancerClass: no
    controller takes it, and it stays <pending>."""
    metallb_l2_fixed(doc)
    doc["cluster"]["virtual_ips"]["metallb"]["speaker"] = dict(SPEAKER)
    doc["cluster"]["virtual_ips"]["metallb"]["controller"] = {"lb_class": METALLB_CLASS}
    doc["cluster"]["virtual_ips"]["occm"] = {"found": False}
    svc = next(s for s in doc["cluster"]["services"] if s["name"] == "web")
    svc["load_balancer_ingress"] = []


def metallb_speaker_class_mismatch(doc: Doc) -> None:
    """`metallb_l2_fixed` (the pool's pairs in place) with MetalLB's speaker run with
    --lb-class=metallb.io/metallb while its controller runs without: the controller gives
    shop/web (no loadBalancerClass) 10.0.0.201 and no speaker announces it."""
    metallb_l2_fixed(doc)
    doc["cluster"]["virtual_ips"]["metallb"]["speaker"] = dict(SPEAKER, lb_class=METALLB_CLASS)
    doc["cluster"]["virtual_ips"]["metallb"]["controller"] = {"lb_class": ""}
    doc["cluster"]["virtual_ips"]["occm"] = {"found": False}


CILIUM_POOL = "10.0.0.224/28"


def cilium_lb_ipam_doc(pools: list[Doc] | None = None, *, read: bool = True) -> Doc:
    """The fixed seed with Cilium (tunnel, VXLAN) as its CNI, no OCCM, no MetalLB, and shop/web
    without an address yet; Cilium's LB IPAM with ``pools`` (default: one pool ``CILIUM_POOL``
    selecting every Service); ``read`` False: its pools not read."""
    from kostack_testkit.kuberouter import swap_cni

    doc = lb_doc(svc=service(ingress=None, lb_annotation=False), fips=[])
    cni = {
        "type": "cilium",
        "version": "v1.18.2",
        "cilium": {"routing_mode": "tunnel", "tunnel_protocol": "vxlan"},
    }
    swap_cni(doc, cni, "cilium-", {"k8s-app": "cilium"})
    default = [{"name": "public", "cidrs": [CILIUM_POOL]}]
    doc["cluster"]["virtual_ips"] = {
        "occm": {"found": False},
        "cilium_pools": (default if pools is None else pools) if read else None,
    }
    return doc


def cilium_lb_ipam(doc: Doc) -> None:
    doc.clear()
    doc.update(cilium_lb_ipam_doc())


def cilium_l2_no_pairs(doc: Doc) -> None:
    """Cilium LB IPAM with L2 announcements: shop/web holds 10.0.0.226 from the pool, a
    CiliumL2AnnouncementPolicy announces every Service's LB IP from every node, and no node
    port carries the pool as an allowed address pair."""
    cilium_lb_ipam(doc)
    web = next(s for s in doc["cluster"]["services"] if s["name"] == "web")
    web["load_balancer_ingress"] = [{"ip": "10.0.0.226"}]
    vips = doc["cluster"]["virtual_ips"]
    vips["cilium_lb"] = {"l2_announcements": True}
    vips["cilium_announcers"] = [{"kind": "l2", "name": "announce-all"}]


def cilium_bgp_no_pairs(doc: Doc) -> None:
    """Cilium LB IPAM over BGP (control plane v2): shop/web holds 10.0.0.226 from the pool, a
    CiliumBGPAdvertisement labelled advertise=bgp advertises Services' LoadBalancerIPs, a
    CiliumBGPClusterConfig runs on the workers with a peer whose CiliumBGPPeerConfig's ipv4
    family selects that advertisement, and no worker port carries the pool as a pair."""
    cilium_lb_ipam(doc)
    web = next(s for s in doc["cluster"]["services"] if s["name"] == "web")
    web["load_balancer_ingress"] = [{"ip": "10.0.0.226"}]
    for node in doc["cluster"]["nodes"]:
        if not node["name"].startswith("k8s-cp"):
            node.setdefault("labels", {})["node-role.kubernetes.io/worker"] = ""
    vips = doc["cluster"]["virtual_ips"]
    vips["cilium_lb"] = {"bgp_control_plane": True}
    vips["cilium_announcers"] = [{"kind": "bgp", "name": "lb", "labels": {"advertise": "bgp"}}]
    workers = {"match_labels": {"node-role.kubernetes.io/worker": ""}}
    family = {"afi": "ipv4", "advertisements": {"match_labels": {"advertise": "bgp"}}}
    vips["cilium_bgp"] = {
        "cluster_configs": [{"name": "workers", "node_selector": workers, "peer_configs": ["tor"]}],
        "peer_configs": [{"name": "tor", "families": [family]}],
    }


METALLB_EXAMPLES = {
    "metallb-l2-no-pairs": (
        "The fixed seed with MetalLB in L2 mode: pool 10.0.0.200/29 in the node subnet, "
        "shop/web on 10.0.0.201, no allowed address pair for the pool: Neutron drops the "
        "speakers' ARP answers.",
        metallb_l2_no_pairs,
    ),
    "metallb-bgp-no-pairs": (
        "The fixed seed with MetalLB in BGP mode: pool 198.51.100.0/28 (outside every subnet) "
        "announced to a router VM at 10.0.0.250 from every node, shop/web on 198.51.100.5, no "
        "allowed address pair for the pool: Neutron drops the nodes' replies from it.",
        metallb_bgp_no_pairs,
    ),
    "metallb-kubeadm-excluded": (
        "The fixed seed with MetalLB in L2 mode on a kubeadm cluster: the control plane "
        "carries node.kubernetes.io/exclude-from-external-load-balancers and the speaker runs "
        "without --ignore-exclude-lb, so only the workers' ports need the pool's pair; the "
        "control plane's port is left as it is.",
        metallb_kubeadm_excluded,
    ),
    "metallb-bgp-egress-blocked": (
        "The fixed seed with MetalLB in BGP mode, the pool's pairs in place, and the nodes' "
        "egress narrowed to their own half of the subnet, the pod network, HTTPS and DNS: "
        "the speakers cannot open their BGP sessions to the router at 10.0.0.250 (tcp 179), "
        "so no router learns the pool.",
        metallb_bgp_egress_blocked,
    ),
    "metallb-occm-annotation": (
        "The fixed seed with MetalLB in L2 mode (the pool's pairs in place) beside OCCM: MetalLB "
        "runs without --lb-class and OCCM with its service controller, so both take shop/web. "
        "Its status shows MetalLB's 10.0.0.201 and it carries OCCM's load-balancer-id "
        "annotation: the Service is MetalLB's, not judged as Octavia's; a warning that two "
        "controllers take it.",
        metallb_occm_annotation,
    ),
    "metallb-lb-class-no-controller": (
        "The fixed seed with MetalLB in L2 mode run with --lb-class=metallb.io/metallb, no "
        "OCCM in the cluster, and shop/web created without a loadBalancerClass: no controller "
        "takes it, so it stays <pending>.",
        metallb_lb_class_no_controller,
    ),
    "metallb-speaker-class-mismatch": (
        "The fixed seed with MetalLB in L2 mode (the pool's pairs in place) whose speaker runs "
        "with --lb-class=metallb.io/metallb while its controller runs without: shop/web gets "
        "10.0.0.201 from the controller and no speaker announces it.",
        metallb_speaker_class_mismatch,
    ),
    "lb-cilium-lb-ipam": (
        "The fixed seed with Cilium as its CNI and its LB IPAM: a CiliumLoadBalancerIPPool "
        "10.0.0.224/28 selects every Service, no OCCM and no MetalLB run, and shop/web has no "
        "address yet: Cilium gives it one, so no 'no controller' is said.",
        cilium_lb_ipam,
    ),
    "lb-cilium-l2-no-pairs": (
        "The fixed seed with Cilium LB IPAM and L2 announcements: shop/web holds 10.0.0.226 from "
        "the CiliumLoadBalancerIPPool 10.0.0.224/28, a CiliumL2AnnouncementPolicy announces it "
        "from every node, and no node port carries the pool as an allowed address pair: Neutron "
        "drops the nodes' ARP answers, as for MetalLB in L2 mode.",
        cilium_l2_no_pairs,
    ),
    "lb-cilium-bgp-no-pairs": (
        "The fixed seed with Cilium LB IPAM over its BGP control plane: shop/web holds 10.0.0.226 "
        "from the CiliumLoadBalancerIPPool 10.0.0.224/28, a CiliumBGPClusterConfig on the "
        "workers has a peer whose CiliumBGPPeerConfig advertises the Services' LoadBalancerIPs "
        "(a CiliumBGPAdvertisement it selects by label), and no worker port carries the pool as "
        "an allowed address pair: Neutron drops the workers' replies from it, as for MetalLB in "
        "BGP mode.",
        cilium_bgp_no_pairs,
    ),
}
FIXED = {
    "metallb-l2-no-pairs": metallb_l2_fixed,
    "metallb-bgp-no-pairs": metallb_bgp_fixed,
    "metallb-kubeadm-excluded": metallb_kubeadm_excluded_fixed,
    "metallb-bgp-egress-blocked": metallb_bgp_egress_fixed,
}


def metallb_example_doc(name: str) -> Doc:
    return registry_doc(METALLB_EXAMPLES, name)


def metallb_scale_doc(nodes: int, pools: int = 12) -> Doc:
    """`metallb_doc` at ``nodes`` nodes on a /16 in three zones, unlike one another:
    ``pools`` /28 pools, an L2Advertisement per zone (a node selector) and one for every
    pool from every node, one BGP-only pool outside the subnet sent to the BGPPeer of zone a
    (zones a and b have one each); each node's port already has the pairs of a different share of the pools (node i: the first i % pools)."""
    doc = metallb_doc()
    doc["openstack"]["subnets"][0]["cidr"] = "10.0.0.0/16"
    doc["openstack"]["subnets"][0]["allocation_pools"] = [
        {"start": "10.0.0.2", "end": "10.0.99.254"}
    ]
    worker = next(x for x in doc["cluster"]["nodes"] if x["name"] == "k8s-w-1")
    link = next(x for x in doc["node_ports"] if x["node"] == "k8s-w-1")
    port = next(x for x in doc["openstack"]["ports"] if x["id"] == link["port_id"])
    cidrs = [f"10.0.{200 + i // 16}.{(i % 16) * 16}/28" for i in range(pools)]
    for i in range(nodes):
        name, ip, zone = f"w{i}", f"10.0.{1 + i // 250}.{i % 250 + 1}", "abc"[i % 3]
        pid = f"{port['id'][:-6]}{i:06d}"
        labels = {**worker.get("labels", {}), "topology.kubernetes.io/zone": f"zone-{zone}"}
        doc["cluster"]["nodes"].append(
            {**worker, "name": name, "internal_ip": ip, "addresses": [], "labels": labels}
            | {"provider_id": None}
        )
        pairs = [*port["allowed_address_pairs"], *({"ip_address": c} for c in cidrs[: i % pools])]
        doc["openstack"]["ports"].append(
            {
                **port,
                "id": pid,
                "name": f"{name}-port",
                "mac_address": f"fa:16:3e:{i // 65536:02x}:{i // 256 % 256:02x}:{i % 256:02x}",
                "fixed_ips": [{**port["fixed_ips"][0], "ip_address": ip}],
                "allowed_address_pairs": pairs,
            }
        )
        doc["node_ports"].append({**link, "node": name, "port_id": pid})
    ns = "metallb-system"
    state = [
        {"name": f"p{i}", "namespace": ns, "cidrs": [c], "addresses": [c]}
        for i, c in enumerate(cidrs)
    ]
    state.append({"name": "bgp", "namespace": ns, "cidrs": ["192.0.2.0/28"], "addresses": []})
    zone = "topology.kubernetes.io/zone"
    ads = [
        {
            "name": f"l2-zone-{z}",
            "kind": "l2",
            "namespace": ns,
            "pools": [f"p{i}" for i in range(pools) if i % 3 == n],
            "node_selectors": [{"match_labels": {zone: f"zone-{z}"}}],
        }
        for n, z in enumerate("abc")
    ]
    ads.append({"name": "l2-all", "kind": "l2", "namespace": ns, "pools": ["p0"]})
    ads.append(
        {"name": "bgp", "kind": "bgp", "namespace": ns, "pools": ["bgp"], "peers": ["tor-a"]}
    )
    peers = [
        {"name": f"tor-{z}", "namespace": ns, "address": f"10.0.0.{250 + n}", "my_asn": 64500}
        | {"node_selectors": [{"match_labels": {zone: f"zone-{z}"}}]}
        for n, z in enumerate("ab")
    ]
    doc["cluster"]["virtual_ips"] = metallb_state(state, ads, peers)
    return doc
