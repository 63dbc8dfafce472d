"""Documented defaults and odd values, straight through the parsers (no server needed)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from k8s_collect_served import ServeFn

from kostack.collect._cni_calico_parse import parse_block, parse_ip_pool
from kostack.collect._cni_cilium import parse_cilium
from kostack.collect._cni_flannel import flannel_flag, parse_flannel
from kostack.collect._kube_config import parse_kube_proxy
from kostack.collect._kube_objects import Notes, node_roles
from kostack_testkit import k8s_fixtures as fx
from kostack_testkit.k8s_fixture_objects import Backend, endpoints_objects, service_object


def pool(spec: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"name": "p"}, "spec": spec}


def test_ip_pool_defaults() -> None:
    notes = Notes()
    v4 = parse_ip_pool(pool({"cidr": "10.244.0.0/16"}), "test", notes)
    assert v4 is not None
    assert (v4.ipip_mode, v4.vxlan_mode, v4.nat_outgoing, v4.block_size, v4.disabled) == (
        "Never",
        "Never",
        False,
        26,
        False,
    )
    v6 = parse_ip_pool(pool({"cidr": "fd00:10:244::/56"}), "test", notes)
    assert v6 is not None and v6.block_size == 122
    legacy = parse_ip_pool(
        pool({"cidr": "192.168.0.0/16", "ipip": {"enabled": True, "mode": "cross-subnet"}}),
        "test",
        notes,
    )
    assert legacy is not None and legacy.ipip_mode == "CrossSubnet"
    assert parse_ip_pool(pool({"cidr": "x"}), "test", notes) is None
    assert parse_ip_pool(pool({"cidr": "10.0.0.0/8", "vxlanMode": "Sometimes"}), "t", notes) is None
    assert len(notes.skipped["cluster.cni.calico.ip_pools"]) == 2


def test_blocks_without_host_affinity() -> None:
    block = parse_block({"spec": {"cidr": "10.244.9.0/26", "affinity": "virtual:lb"}})
    assert block is not None and block.node is None
    assert parse_block({"spec": {"cidr": "10.244.9.0/26", "deleted": True}}) is None


def net_conf(conf: dict[str, Any]) -> dict[str, Any]:
    return {"data": {"net-conf.json": json.dumps(conf)}}


def test_flannel_defaults() -> None:
    notes = Notes()
    udp = parse_flannel(
        net_conf({"Network": "10.244.0.0/16"}), ip_masq=None, linux_only=True, notes=notes
    )
    assert udp is not None and (udp.backend_type, udp.port) == ("udp", 8285)
    windows = parse_flannel(
        net_conf({"Network": "10.244.0.0/16", "Backend": {"Type": "VXLAN"}}),
        ip_masq=False,
        linux_only=False,
        notes=notes,
    )
    assert windows is not None and (windows.backend_type, windows.port) == ("vxlan", None)
    assert windows.ip_masq is False
    wireguard = parse_flannel(
        net_conf({"Network": "10.244.0.0/16", "Backend": {"Type": "wireguard"}}),
        ip_masq=True,
        linux_only=True,
        notes=notes,
    )
    assert wireguard is not None and wireguard.port == 51820
    odd = parse_flannel(
        net_conf({"Network": "10.244.0.0/16", "Backend": {"Type": "alloc"}}),
        ip_masq=True,
        linux_only=True,
        notes=notes,
    )
    assert odd is not None and odd.backend_type is None
    assert (
        parse_flannel({"data": {"net-conf.json": "{"}}, ip_masq=True, linux_only=True, notes=notes)
        is None
    )
    assert len(notes.skipped["cluster.cni.flannel"]) == 2


@pytest.mark.parametrize(
    ("arguments", "env", "expected"),
    [
        (["--ip-masq", "--kube-subnet-mgr"], [], True),
        (["--ip-masq=false"], [], False),
        (["--kube-subnet-mgr"], [{"name": "FLANNELD_IP_MASQ", "value": "true"}], True),
        (["--kube-subnet-mgr"], [], False),
    ],
)
def test_flannel_ip_masq(arguments: list[str], env: list[dict[str, str]], expected: bool) -> None:
    container = {
        "name": "kube-flannel",
        "command": ["/opt/bin/flanneld"],
        "args": arguments,
        "env": env,
    }
    assert flannel_flag([container], "ip-masq") is expected
    assert flannel_flag([{"name": "other", "command": ["sleep"]}], "ip-masq") is None


def test_cilium_defaults() -> None:
    notes = Notes()
    empty = parse_cilium({"data": {}}, notes)
    assert (empty.cilium.routing_mode, empty.cilium.tunnel_protocol, empty.cilium.tunnel_port) == (
        "tunnel",
        "vxlan",
        8472,
    )
    assert empty.cilium.masquerade is True and empty.cilium.wireguard is False
    assert empty.kube_proxy_replacement is False
    configured = parse_cilium(
        {
            "data": {
                "tunnel": "geneve",
                "tunnel-port": "7000",
                "mtu": "1400",
                "enable-wireguard": "true",
                "enable-ipv4-masquerade": "false",
                "kube-proxy-replacement": "strict",
                "cluster-pool-ipv4-cidr": "10.0.0.0/8",
            }
        },
        notes,
        version="v1.13.4",
    )
    cilium = configured.cilium
    assert (cilium.routing_mode, cilium.tunnel_protocol, cilium.tunnel_port) == (
        "tunnel",
        "geneve",
        7000,
    )
    assert (cilium.mtu, cilium.wireguard, cilium.masquerade) == (1400, True, False)
    assert configured.kube_proxy_replacement is True
    assert [str(c) for c in configured.pool_cidrs] == ["10.0.0.0/8"]
    assert not notes.skipped
    odd = parse_cilium({"data": {"routing-mode": "bgp"}}, notes)
    assert (odd.cilium.routing_mode, odd.cilium.tunnel_protocol) == (None, None)
    assert notes.skipped["cluster.cni.cilium"] == ["routing-mode 'bgp' is not modelled"]


@pytest.mark.parametrize(
    ("tunnel", "version", "expected"),
    [
        # Before 1.15 the legacy key decides.
        ("disabled", "v1.13.4", ("native", "tunnel", None)),
        ("geneve", "v1.14.0", ("tunnel", "tunnel", "geneve")),
        # 1.15 removed it (cilium#29053): the agent's defaults apply, tunnel vxlan.
        ("disabled", "v1.15.0", ("tunnel", None, "vxlan")),
        ("geneve", "v1.18.2", ("tunnel", None, "vxlan")),
        # Unknown version: "vxlan" means the same either way; anything else depends on it.
        ("vxlan", None, ("tunnel", "tunnel", "vxlan")),
        ("disabled", None, (None, None, None)),
    ],
)
def test_cilium_legacy_tunnel_key_is_version_gated(
    tunnel: str, version: str | None, expected: tuple[Any, ...]
) -> None:
    notes = Notes()
    cilium = parse_cilium({"data": {"tunnel": tunnel}}, notes, version=version).cilium
    assert (cilium.routing_mode, cilium.routing_key, cilium.tunnel_protocol) == expected
    assert bool(notes.skipped) is (expected[0] is None)


def test_kube_proxy_modes() -> None:
    def mode(text: str) -> tuple[Any, str, Any]:
        return parse_kube_proxy({"data": {"config.conf": text}})

    assert mode('mode: ""\nclusterCIDR: 10.244.0.0/16\n')[:1] == ("iptables",)
    assert mode("mode: nftables\n")[0] == "nftables"
    assert mode("mode: kernelspace\n")[:2] == (None, "kernelspace")
    assert mode("[not: a mapping")[0] is None


def test_roles_from_labels() -> None:
    labels = {
        "node-role.kubernetes.io/control-plane": "",
        "node-role.kubernetes.io/etcd": "true",
        "kubernetes.io/role": "master",
        "node-role.kubernetes.io/": "",
    }
    assert node_roles(labels) == ("control-plane", "etcd", "master")


def test_dns_service_is_the_one_holding_cluster_dns(serve: ServeFn) -> None:
    """kubelet clusterDNS pointing at another service (here NodeLocal DNS's upstream)."""
    objects = fx.seed_cluster()
    node = fx.make_nodes()[0]
    custom = service_object(
        "dns",
        "cluster-dns",
        "10.96.0.53",
        [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53}],
        selector={"app": "cluster-dns"},
    )
    objects += [
        custom,
        *endpoints_objects(
            custom, [Backend("10.0.0.11", node)], [{"name": "dns", "port": 53, "protocol": "UDP"}]
        ),
    ]
    for obj in objects:
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == "kubelet-config":
            obj["data"]["kubelet"] = obj["data"]["kubelet"].replace("10.96.0.10", "10.96.0.53")
    served = serve(objects)
    cluster = served.collect().cluster
    assert str(cluster.cluster_dns_ip) == "10.96.0.53"
    services = {(s.namespace, s.name): s for s in cluster.services or ()}
    assert set(services) == {
        ("default", "kubernetes"),
        ("kube-system", "kube-dns"),
        ("dns", "cluster-dns"),
    }
    assert [(str(e.ip), e.node) for e in services[("dns", "cluster-dns")].endpoints or ()] == [
        ("10.0.0.11", "k8s-cp-1")
    ]
    # kubernetes, kube-dns, the clusterDNS owner, and the Services of type LoadBalancer
    assert served.api.request_count(resource="services") == 4


@pytest.mark.parametrize(
    ("backend", "mtu", "auto"),
    [
        ({"Type": "vxlan", "MTU": 1400}, 1400, False),
        ({"type": "vxlan", "mtu": 1400}, 1400, False),  # Go's JSON decoding ignores case
        ({"Type": "wireguard", "MTU": 1420}, 1420, False),
        ({"Type": "vxlan"}, None, True),  # the external interface's MTU
        ({"Type": "vxlan", "MTU": 0}, None, True),
        ({"Type": "host-gw", "MTU": 1400}, None, True),  # host-gw has no MTU option
    ],
)
def test_flannel_backend_mtu(backend: dict[str, Any], mtu: int | None, auto: bool) -> None:
    flannel = parse_flannel(
        net_conf({"Network": "10.244.0.0/16", "Backend": backend}),
        ip_masq=True,
        linux_only=True,
        notes=Notes(),
        kube_subnet_mgr=False,
    )
    assert flannel is not None
    assert (flannel.mtu, flannel.mtu_auto) == (mtu, auto)
    # With etcd leases (no --kube-subnet-mgr), SubnetLen defaults to /24 for a /16 Network.
    assert flannel.kube_subnet_mgr is False and flannel.subnet_len == 24


def calico_objects(**kw: Any) -> Any:
    from kostack.collect._cni_calico_parse import CalicoObjects

    return CalicoObjects(**kw)


def test_calico_mtu_sources() -> None:
    from kostack.collect._cni_calico_parse import calico_mtu

    notes = Notes()
    ipip = parse_ip_pool(pool({"cidr": "10.244.0.0/16", "ipipMode": "Always"}), "t", notes)
    vxlan6 = parse_ip_pool(pool({"cidr": "fd00:10::/64", "vxlanMode": "Always"}), "t", notes)
    assert ipip is not None and vxlan6 is not None
    spec_only = {"spec": {"calicoNetwork": {"mtu": 1410}}}
    got = calico_mtu(calico_objects(installation=spec_only), [ipip])
    assert (got.mtu, got.source, got.auto) == (
        1410,
        "Installation default spec.calicoNetwork.mtu",
        False,
    )
    # An operator Installation with no MTU anywhere: Felix detects it.
    got = calico_mtu(calico_objects(installation={"spec": {}}, felix={"spec": {}}), [ipip])
    assert (got.mtu, got.auto) == (None, True)
    # Felix's own value for one enabled encapsulation, the other detected: both count.
    felix = {"spec": {"ipipMTU": 1380}}
    got = calico_mtu(calico_objects(felix=felix), [ipip, vxlan6])
    assert (got.mtu, got.source, got.auto) == (1380, "FelixConfiguration default ipipMTU", True)
    # A value for an encapsulation no pool uses does not count.
    got = calico_mtu(calico_objects(felix={"spec": {"vxlanMTU": 1300}}), [ipip])
    assert (got.mtu, got.auto) == (None, True)
    # veth_mtu pins Felix's variables: its "0" wins over FelixConfiguration.
    config = {"data": {"veth_mtu": "0"}}
    got = calico_mtu(calico_objects(calico_config=config, felix=felix), [ipip])
    assert (got.mtu, got.auto) == (None, True)
    # What cannot be read stays unknown.
    assert calico_mtu(calico_objects(felix_failed=True), [ipip]).auto is None
    assert calico_mtu(calico_objects(installation_failed=True), [ipip]).auto is None
    assert calico_mtu(calico_objects(), None).auto is None


@pytest.mark.parametrize("value", ["99999", "70000", "0", "-5", "1e9", "x"])
def test_out_of_range_numbers_in_cni_config_are_read_as_unset(value: str) -> None:
    """A port above 65535, an MTU below 68 or above 65535, a prefix length above 32: the
    model refuses them, so the parser reads them as unset instead of failing the collect."""
    cilium = parse_cilium(
        {
            "data": {
                "tunnel-port": value,
                "mtu": value,
                "cluster-health-port": value,
                "ipam": "cluster-pool",
                "cluster-pool-ipv4-mask-size": value,
            }
        },
        Notes(),
    ).cilium
    assert (cilium.tunnel_port, cilium.mtu, cilium.health_port) == (8472, None, 4240)
    assert cilium.cluster_pool_mask_size is None
    backend = {"Type": "vxlan", "Port": value, "MTU": value}
    flannel = parse_flannel(
        net_conf({"Network": "10.244.0.0/16", "SubnetLen": value, "Backend": backend}),
        ip_masq=True,
        linux_only=True,
        notes=Notes(),
        kube_subnet_mgr=False,
    )
    assert flannel is not None
    assert (flannel.port, flannel.mtu, flannel.subnet_len) == (8472, None, 24)
    from kostack.collect._cni_calico_parse import calico_mtu

    ipip = parse_ip_pool(pool({"cidr": "10.244.0.0/16", "ipipMode": "Always"}), "t", Notes())
    assert ipip is not None
    spec = {"spec": {"calicoNetwork": {"mtu": value}}, "status": {"mtu": value}}
    felix = {"spec": {"ipipMTU": value}}
    assert calico_mtu(calico_objects(installation=spec, felix=felix), [ipip]).mtu is None
    manifest = calico_mtu(calico_objects(calico_config={"data": {"veth_mtu": value}}), [ipip])
    assert (manifest.mtu, manifest.auto) == (None, True)
    # an MTU below IPv4's minimum of 68
    assert parse_cilium({"data": {"mtu": "10"}}, Notes()).cilium.mtu is None


def test_cilium_health_checking() -> None:
    """enable-health-checking and cluster-health-port (pkg/option; defaults true and 4240)."""
    default = parse_cilium({"data": {}}, Notes()).cilium
    assert (default.health_checking, default.health_port) == (True, 4240)
    off = parse_cilium(
        {"data": {"enable-health-checking": "false", "cluster-health-port": "9940"}}, Notes()
    ).cilium
    assert (off.health_checking, off.health_port) == (False, 9940)


@pytest.mark.parametrize(
    ("spec_ranges", "annotation", "expected", "skipped"),
    [
        ([], " 198.51.100.0/24, 203.0.113.7/32 ", ["198.51.100.0/24", "203.0.113.7/32"], 0),
        (["192.0.2.0/24"], "198.51.100.0/24", ["192.0.2.0/24"], 0),  # the field wins
        ([], "198.51.100.0/24,not-a-cidr,", ["198.51.100.0/24"], 1),
        ([], "", [], 0),  # empty: everyone, as without either
    ],
)
def test_legacy_source_ranges_annotation_counts_when_the_field_is_empty(
    spec_ranges: list[str], annotation: str, expected: list[str], skipped: int
) -> None:
    """The cloud provider reads spec.loadBalancerSourceRanges, else the legacy annotation
    (k8s.io/cloud-provider GetLoadBalancerSourceRanges); a Service restricted only by the
    annotation is not open to everyone."""
    from kostack.collect._kube_objects import load_balancer_fields

    notes = Notes()
    service = {
        "metadata": {
            "namespace": "shop",
            "name": "web",
            "annotations": {"service.beta.kubernetes.io/load-balancer-source-ranges": annotation},
        },
        "spec": {"type": "LoadBalancer", "loadBalancerSourceRanges": spec_ranges},
    }
    fields = load_balancer_fields(service, notes)
    assert [str(r) for r in fields["load_balancer_source_ranges"]] == expected
    assert len(notes.skipped.get("cluster.services", [])) == skipped
