"""Kube-OVN read through the official client: install.sh's pods and the Subnets.

Before Kube-OVN was modelled its cluster got the `cluster.cni` gap naming it unmodelled and
`cni.type` "unknown"; these tests fail on that code (no `kube_ovn` record).
"""

from __future__ import annotations

import ipaddress

from k8s_collect_served import ServeFn

from kostack.collect._cni_kubeovn import (
    last_flag,
    parse_cni_server,
    parse_controller,
    parse_ip_pool,
)
from kostack.collect._kube_objects import Notes
from kostack.gap_words import gap_hint
from kostack_testkit.k8s_fixture_kubeovn import (
    JOIN_CIDR,
    POD_CIDR,
    default_subnets,
    ip_pool_object,
    kube_ovn_cluster,
    subnet_object,
)

NET = ipaddress.ip_network


def test_kube_ovn_is_read_from_its_pods_and_subnets(serve: ServeFn) -> None:
    """install.sh's defaults: Geneve, --mtu unset, no IPsec; ovn-default natOutgoing and
    distributed, the join subnet; the pods' ranges are the Subnets' (join excluded)."""
    collection = serve(kube_ovn_cluster()).collect()
    assert collection.gaps == ()
    cni = collection.cluster.cni
    ko = cni.kube_ovn
    assert cni.type == "kube-ovn" and ko is not None
    assert (cni.version, cni.version_source) == (
        "v1.15.24",
        "image docker.io/kubeovn/kube-ovn:v1.15.24",
    )
    assert (ko.tunnel_type, ko.network_type, ko.mtu, ko.ipsec) == ("geneve", "geneve", 0, False)
    assert ko.join_cidrs == (NET(JOIN_CIDR),) and ko.join_subnet == "join"
    subnets = {s.name: s for s in ko.subnets or ()}
    assert set(subnets) == {"ovn-default", "join"}
    default = subnets["ovn-default"]
    assert default.default and default.nat_outgoing is True
    assert (default.gateway_type, default.vlan, default.cidrs) == (
        "distributed",
        None,
        (NET(POD_CIDR),),
    )
    assert collection.cluster.pod_cidrs == (NET(POD_CIDR),)
    assert collection.cluster.pod_cidrs_source == "kubeovn.io/v1 Subnets"
    assert ko.ip_pools == ()  # the IPPool kind is there, with no pool
    # two requests more than the 10 reads every cluster gets: the Subnet and IPPool lists (the
    # arguments come from the pods already listed)
    assert collection.api_requests == 10 + 2


def test_underlay_and_custom_subnets(serve: ServeFn) -> None:
    subnets = [
        subnet_object("ovn-default", POD_CIDR, default=True, natOutgoing=True, vlan="ovn-vlan"),
        subnet_object("join", JOIN_CIDR),
        subnet_object("apps", "10.17.0.0/16", natOutgoing=False, gatewayType="centralized"),
        subnet_object("attach", "172.30.0.0/24", provider="net1.default.ovn"),
    ]
    objects = kube_ovn_cluster(network_type="vlan", tunnel_type="vxlan", subnets=subnets)
    collection = serve(objects).collect()
    ko = collection.cluster.cni.kube_ovn
    assert ko is not None and (ko.network_type, ko.tunnel_type) == ("vlan", "vxlan")
    by_name = {s.name: s for s in ko.subnets or ()}
    assert by_name["ovn-default"].vlan == "ovn-vlan"
    assert (by_name["apps"].nat_outgoing, by_name["apps"].gateway_type) == (False, "centralized")
    # an attachment network's subnet is not a range of the pods' primary interface
    assert collection.cluster.pod_cidrs == (NET(POD_CIDR), NET("10.17.0.0/16"))


def test_unreadable_subnets_are_a_gap_that_names_what_to_run(serve: ServeFn) -> None:
    objects = [o for o in kube_ovn_cluster() if "kubeovn.io" not in str(o.get("apiVersion", ""))]
    objects = [o for o in objects if "subnets.kubeovn.io" not in str(o["metadata"].get("name"))]
    collection = serve(objects).collect()
    ko = collection.cluster.cni.kube_ovn
    assert ko is not None and ko.subnets is None
    gap = next(g for g in collection.gaps if g.source == "cluster.cni.kube_ovn.subnets")
    assert "/apis/kubeovn.io/v1/subnets" in gap.error
    assert "`kubectl get subnets.kubeovn.io -o wide`" in gap.hint
    assert "`kubectl get subnets.kubeovn.io -o wide`" in gap_hint(gap, "ko")
    # the controller's --default-cidr still names the pods' range
    assert collection.cluster.pod_cidrs == (NET(POD_CIDR),)
    assert collection.cluster.pod_cidrs_source == "kube-ovn-controller --default-cidr"


def test_values_and_their_defaults() -> None:
    """Absent flags take Kube-OVN's defaults; pflag's last value wins; an unknown value is a
    note and unset, never a guess."""
    notes = Notes()
    defaults = {"tunnel_type": "geneve", "mtu": 0, "ipsec": False, "arp_detect_ip_conflict": True}
    assert parse_cni_server([], notes) == defaults
    got = parse_cni_server(["--network-type=vxlan", "--network-type", "stt", "--mtu=1400"], notes)
    assert got == {**defaults, "tunnel_type": "stt", "mtu": 1400}
    assert notes.skipped == {}
    odd = parse_cni_server(["--network-type=gre", "--mtu=40", "--enable-ovn-ipsec=maybe"], notes)
    assert odd == {"tunnel_type": None, "mtu": None, "ipsec": None, "arp_detect_ip_conflict": True}
    assert len(notes.skipped["cluster.cni.kube_ovn"]) == 3
    off = parse_cni_server(["--enable-arp-detect-ip-conflict=false"], notes)
    assert off["arp_detect_ip_conflict"] is False
    controller = parse_controller([], Notes())
    assert controller["network_type"] == "geneve"
    assert controller["join_cidrs"] == (NET("100.64.0.0/16"),)
    assert last_flag(["--iface=", "--iface=eth1"], "--iface") == "eth1"


def test_no_controller_pod_is_a_gap_and_the_rest_is_read(serve: ServeFn) -> None:
    objects = [o for o in kube_ovn_cluster() if "kube-ovn-controller" not in str(o["metadata"])]
    collection = serve(objects).collect()
    ko = collection.cluster.cni.kube_ovn
    assert ko is not None and ko.network_type is None and ko.join_cidrs is None
    assert ko.tunnel_type == "geneve" and ko.subnets is not None
    gap = next(g for g in collection.gaps if g.source == "cluster.cni.kube_ovn")
    assert "app=kube-ovn-controller" in gap.error
    assert "`kubectl -n kube-system get deployment kube-ovn-controller -o yaml`" in gap.hint


def test_enable_lb_is_read_from_the_controller_default_true() -> None:
    assert parse_controller([], Notes())["enable_lb"] is True
    assert parse_controller(["--enable-lb=false"], Notes())["enable_lb"] is False
    notes = Notes()
    assert parse_controller(["--enable-lb=maybe"], notes)["enable_lb"] is None
    assert len(notes.skipped["cluster.cni.kube_ovn"]) == 1


def test_pods_unreadable_kube_ovn_is_found_by_its_node_annotation(serve: ServeFn) -> None:
    """kube-ovn-controller annotates every Node (ovn.kubernetes.io/allocated): with the pods
    forbidden, that says Kube-OVN (it was an unknown CNI); kube-ovn-cni's arguments come from
    its DaemonSet and the Subnets are read, the controller's arguments are a gap."""
    served = serve(kube_ovn_cluster())
    served.api.inject_fault("", "pods", status=403)
    collection = served.collect()
    cni = collection.cluster.cni
    assert cni.type == "kube-ovn" and cni.kube_ovn is not None
    assert cni.kube_ovn.tunnel_type == "geneve" and cni.kube_ovn.network_type is None
    assert sorted(s.name for s in cni.kube_ovn.subnets or ()) == ["join", "ovn-default"]
    assert collection.cluster.pod_cidrs == (NET(POD_CIDR),)
    gaps = {g.source: g for g in collection.gaps}
    assert {"cluster.pods", "cluster.cni.kube_ovn"} <= set(gaps)
    assert "app=kube-ovn-controller" in gaps["cluster.cni.kube_ovn"].error


def test_a_subnets_enable_lb_is_read_from_the_listed_subnets(serve: ServeFn) -> None:
    """spec.enableLb per Subnet (kube-ovn-controller fills an unset one with --enable-lb, the
    join subnet's stays unset): read from the Subnet list already made, no request more."""
    subnets = [
        subnet_object("ovn-default", POD_CIDR, default=True, natOutgoing=True, enableLb=True),
        subnet_object("join", JOIN_CIDR),
        subnet_object("apps", "10.17.0.0/16", enableLb=False),
        subnet_object("odd", "10.18.0.0/16", enableLb="no"),
    ]
    collection = serve(kube_ovn_cluster(subnets=subnets)).collect()
    ko = collection.cluster.cni.kube_ovn
    assert ko is not None
    by_name = {s.name: s.enable_lb for s in ko.subnets or ()}
    assert by_name == {"ovn-default": True, "join": None, "apps": False, "odd": None}
    assert collection.api_requests == 10 + 2  # the Subnets and the IPPools


def test_exclude_ips_and_the_arp_probe_are_read(serve: ServeFn) -> None:
    """spec.excludeIps ("IP" or "IP1..IP2", the gateway among them as kube-ovn-controller
    writes it) per Subnet, from the list already made; an entry Kube-OVN would refuse makes
    that Subnet's excludeIps unknown (None) with a note, never a shorter list; kube-ovn-cni's
    --enable-arp-detect-ip-conflict from install.sh's arguments (true)."""
    subnets = [
        *default_subnets(),
        subnet_object(
            "vlan-apps",
            "10.0.0.0/24,fd00:10::/64",
            vlan="ovn-vlan",
            excludeIps=["10.0.0.1", "10.0.0.2..10.0.0.99", "fd00:10::1"],
        ),
        subnet_object("odd", "10.18.0.0/16", excludeIps=["10.18.0.9..10.18.0.1"]),
        subnet_object("upper", "fd00:20::/64", excludeIps=["FD00:20::1"]),
    ]
    collection = serve(kube_ovn_cluster(subnets=subnets)).collect()
    ko = collection.cluster.cni.kube_ovn
    assert ko is not None and ko.arp_detect_ip_conflict is True
    by_name = {s.name: s.exclude_ips for s in ko.subnets or ()}
    assert by_name == {
        "ovn-default": ("10.16.0.1",),
        "join": ("100.64.0.1",),
        "vlan-apps": ("10.0.0.1", "10.0.0.2..10.0.0.99", "fd00:10::1"),
        "odd": None,
        "upper": None,
    }
    skipped = " ".join(g.error for g in collection.gaps if g.source == "cluster.cni.kube_ovn")
    assert "odd excludeIps" in skipped and "upper excludeIps" in skipped
    assert collection.api_requests == 10 + 2  # the Subnets and the IPPools


def _pooled() -> list[dict[str, object]]:
    """install.sh's cluster with Subnet apps bound to namespaces harbor and web, and an IPPool
    of apps bound to harbor."""
    subnets = [
        *default_subnets(),
        subnet_object("apps", "10.17.0.0/16", namespaces=["harbor", "web"]),
    ]
    ips = ["10.17.0.10", "10.17.1.0/24", "10.17.2.5..10.17.2.9"]
    pools = [ip_pool_object("harbor-pool", "apps", ips, ["harbor"])]
    return kube_ovn_cluster(subnets=subnets, ip_pools=pools)


def test_ip_pools_and_the_subnets_namespaces_are_read(serve: ServeFn) -> None:
    collection = serve(_pooled()).collect()
    assert collection.gaps == ()
    ko = collection.cluster.cni.kube_ovn
    assert ko is not None and ko.ip_pools is not None
    (pool,) = ko.ip_pools
    assert (pool.name, pool.subnet, pool.namespaces) == ("harbor-pool", "apps", ("harbor",))
    assert pool.ips == ("10.17.0.10", "10.17.1.0/24", "10.17.2.5..10.17.2.9")
    by_name = {s.name: s for s in ko.subnets or ()}
    assert by_name["apps"].namespaces == ("harbor", "web")
    assert by_name["ovn-default"].namespaces == ()


def test_forbidden_ip_pools_are_a_gap_and_not_known(serve: ServeFn) -> None:
    served = serve(_pooled())
    served.api.inject_fault("kubeovn.io", "ippools", status=403)
    collection = served.collect()
    assert [g.source for g in collection.gaps] == ["cluster.cni.kube_ovn.ip_pools"]
    assert "kubectl get ippools.kubeovn.io -o yaml" in gap_hint(collection.gaps[0], "en")
    ko = collection.cluster.cni.kube_ovn
    assert ko is not None and ko.ip_pools is None and ko.subnets is not None


def test_no_ip_pool_kind_is_no_pool(serve: ServeFn) -> None:
    """A Kube-OVN without the IPPool kind (404): no namespace is bound to a pool, no gap."""
    objects = [o for o in _pooled() if "ippools.kubeovn.io" not in str(o["metadata"].get("name"))]
    objects = [o for o in objects if o.get("kind") != "IPPool"]
    collection = serve(objects).collect()
    assert collection.gaps == ()
    ko = collection.cluster.cni.kube_ovn
    assert ko is not None and ko.ip_pools == ()


def test_a_pool_entry_kube_ovn_would_refuse_leaves_the_pools_unread() -> None:
    notes = Notes()
    body = {"metadata": {"name": "p"}, "spec": {"subnet": "apps", "ips": ["10.17.0.0/33"]}}
    assert parse_ip_pool(body, notes) is None
    good = {"metadata": {"name": "p"}, "spec": {"subnet": "apps", "ips": ["fd00::1..fd00::9"]}}
    parsed = parse_ip_pool(good, notes)
    assert parsed is not None and parsed.ips == ("fd00::1..fd00::9",)
