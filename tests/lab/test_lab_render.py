"""The lab's pure parts: topology plans, port-security rendering, scenarios (no root needed)."""

from __future__ import annotations

import ipaddress
import random
import re
from typing import Any

import pytest

from kostack.analyze.engine.stateless import fully_random_off
from kostack_lab.portsec import (
    NeutronBackend,
    PortBinding,
    antispoof_elements,
    group_from_api,
    port_from_api,
    remote_group_addresses,
    render_ruleset,
)
from kostack_lab.portsec_ipv6 import link_local
from kostack_lab.scenarios import (
    SCENARIOS,
    get_scenario,
    kubernetes_objects,
    neutron_description,
)
from kostack_lab.topology import (
    masq_fully_random,
    plan_hv,
    plan_kube_proxy,
    plan_node,
    plan_pod,
    plan_router,
)
from kostack_lab.topology_layout import (
    BRIDGE,
    FLANNEL_DEVICE,
    NODE_NIC,
    POD_NIC,
    ROUTER_TAP,
    ROUTER_UPLINK,
    VXLAN_DEVICE,
    Encapsulation,
    Topology,
    build_topology,
)

MAC = "fa:16:3e:00:00:12"


def interface_names(topo: Topology) -> list[str]:
    """Every interface name the lab creates (all carry the ks- prefix)."""
    names = {BRIDGE, NODE_NIC, POD_NIC, VXLAN_DEVICE, FLANNEL_DEVICE, ROUTER_TAP, ROUTER_UPLINK}
    names |= {n.tap for n in topo.nodes} | {p.host_veth for p in topo.pods}
    return sorted(names)


def rest_port(**overrides: Any) -> dict[str, Any]:
    port: dict[str, Any] = {
        "id": "p-w1",
        "name": "k8s-w-1",
        "mac_address": MAC,
        "fixed_ips": [{"subnet_id": "s", "ip_address": "10.0.0.12"}],
        "allowed_address_pairs": [],
        "port_security_enabled": True,
        "security_groups": ["sg-default"],
        "device_owner": "compute:nova",
        "revision_number": 3,
    }
    port.update(overrides)
    return port


def rule(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "r", "direction": "ingress", "ethertype": "IPv4"}
    base.update(fields)
    return base


# -- topology -----------------------------------------------------------------------


def test_topology_names_addresses_and_mtus() -> None:
    topo = build_topology(
        prefix="ks-", nodes=8, encapsulation=Encapsulation.VXLAN_CROSS_SUBNET, nat_outgoing=False
    )
    assert [n.name for n in topo.nodes][:3] == ["k8s-cp-1", "k8s-w-1", "k8s-w-2"]
    assert [n.ip for n in topo.nodes] == [f"10.0.0.{h}" for h in range(11, 19)]
    assert topo.nodes[1].mac == "fa:16:3e:00:00:12"
    assert topo.nodes[7].pod_cidr == "10.244.7.0/24"
    assert topo.dns_pod.node == "k8s-cp-1" and topo.dns_pod.ip == "10.244.0.11"
    assert (topo.network_mtu, topo.vm_nic_mtu, topo.pod_mtu) == (1450, 1450, 1400)
    assert len(topo.pods) == 16
    assert all(n.startswith("ks-") for n in topo.namespaces())
    assert all(name.startswith("ks-") and len(name) <= 15 for name in interface_names(topo))


def test_mtu_bad_topology_keeps_calico_autodetection() -> None:
    topo = get_scenario("mtu-bad").topology(prefix="ks-", nodes=4)
    assert (topo.network_mtu, topo.vm_nic_mtu, topo.pod_mtu) == (1450, 1500, 1450)


def test_native_routing_in_one_subnet_for_cross_subnet_mode() -> None:
    topo = get_scenario("seed").topology(prefix="ks-", nodes=3)
    setup = plan_node(topo, topo.nodes[1])
    assert "route add 10.244.0.0/24 via 10.0.0.11 dev ks-eth0" in setup.ip_lines
    assert not any("vxlan" in line for line in setup.ip_lines)
    assert setup.fdb_lines == ()


def test_vxlan_always_uses_static_neighbours_and_fdb() -> None:
    topo = get_scenario("vxlan-ok").topology(prefix="ks-", nodes=3)
    setup = plan_node(topo, topo.nodes[1])
    assert any("type vxlan id 4096 dstport 4789 local 10.0.0.12" in line for line in setup.ip_lines)
    assert "route add 10.244.2.0/24 via 10.244.2.0 dev ks-vxlan onlink" in setup.ip_lines
    assert any(line.startswith("neigh add 10.244.0.0 lladdr") for line in setup.ip_lines)
    assert any(line.endswith("dst 10.0.0.13 self permanent") for line in setup.fdb_lines)


def test_pods_are_wired_like_calico() -> None:
    topo = get_scenario("seed").topology(prefix="ks-", nodes=2)
    pod = topo.pods_on("k8s-w-1")[0]
    assert "route add default via 169.254.1.1 dev ks-eth0" in plan_pod(topo, pod)
    assert f"addr add {pod.ip}/32 dev ks-eth0" in plan_pod(topo, pod)
    setup = plan_node(topo, topo.nodes[1])
    assert setup.sysctls_after[f"net.ipv4.conf.{pod.host_veth}.proxy_arp"] == 1
    assert setup.sysctls_after[f"net.ipv4.neigh.{pod.host_veth}.proxy_delay"] == 0
    assert f"route add {pod.ip}/32 dev {pod.host_veth} scope link" in setup.ip_lines


def test_kube_proxy_dnats_tcp_and_udp_only_and_nat_outgoing_is_optional() -> None:
    seed = get_scenario("seed").topology(prefix="ks-", nodes=2)
    rules = plan_node(seed, seed.nodes[0]).nft
    assert "ip daddr 10.96.0.1 tcp dport 443 dnat to 10.0.0.11:6443" in rules
    assert "ip daddr 10.96.0.10 udp dport 53 dnat to 10.244.0.11:53" in rules
    assert "ip daddr 10.96.0.10 tcp dport 53 dnat to 10.244.0.11:53" in rules
    assert "icmp" not in rules and "masquerade" not in rules
    natted = get_scenario("seed-natoutgoing").topology(prefix="ks-", nodes=2)
    assert (
        "ip saddr 10.244.0.0/16 ip daddr != 10.244.0.0/16 masquerade fully-random"
        in plan_node(natted, natted.nodes[0]).nft
    )


def test_router_snat_blackhole_and_routes_back() -> None:
    topo = get_scenario("seed").topology(prefix="ks-", nodes=2)
    router = plan_router(topo)
    assert "route add blackhole default" in router.router_lines
    assert "route add 10.244.1.0/24 via 10.0.0.12 dev ks-eth0" in router.router_lines
    assert "ip saddr 10.244.0.0/16 snat to 203.0.113.1" in router.router_nft


def test_no_plan_touches_the_root_namespace() -> None:
    """Veths are created with their peer moved straight into a lab namespace."""
    topo = get_scenario("vxlan-ok").topology(prefix="ks-", nodes=3)
    lines = plan_hv(topo) + [line for n in topo.nodes for line in plan_node(topo, n).ip_lines]
    lines += list(plan_router(topo).router_lines)
    for line in lines:
        if " type veth " in line:
            assert re.search(r"peer name ks-\S+ netns ks-\S+$", line), line


def test_topology_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError):
        build_topology(prefix="ks-", nodes=1, encapsulation=Encapsulation.NONE, nat_outgoing=False)
    with pytest.raises(ValueError):
        build_topology(
            prefix="root-", nodes=2, encapsulation=Encapsulation.NONE, nat_outgoing=False
        )


# -- port security ------------------------------------------------------------------


def test_port_from_rest_and_sdk_shapes_agree() -> None:
    rest = port_from_api(rest_port(allowed_address_pairs=[{"ip_address": "10.244.0.0/16"}]))
    sdk = port_from_api(
        {
            "id": "p-w1",
            "name": "k8s-w-1",
            "mac_address": MAC.upper(),
            "fixed_ips": [{"ip_address": "10.0.0.12"}],
            "allowed_address_pairs": [{"ip_address": "10.244.0.0/16"}],
            "is_port_security_enabled": True,
            "security_group_ids": ["sg-default"],
            "device_owner": "compute:nova",
            "revision_number": 3,
        }
    )
    assert rest == sdk
    group = group_from_api(
        {
            "id": "g",
            "name": "n",
            "security_group_rules": [{"id": "r", "direction": "ingress", "ether_type": "IPv4"}],
        }
    )
    assert group.rules[0].ethertype == "IPv4"


def test_antispoof_set_holds_fixed_ips_and_pairs_collapsed() -> None:
    port = port_from_api(
        rest_port(
            fixed_ips=[{"ip_address": "10.0.0.12"}, {"ip_address": "fd00::12"}],
            allowed_address_pairs=[
                {"ip_address": "10.244.0.0/16"},
                {"ip_address": "10.244.1.0/24"},  # inside the /16: collapsed
                {"ip_address": "192.0.2.7", "mac_address": "fa:16:3e:aa:bb:cc"},
            ],
        )
    )
    assert antispoof_elements(port) == [
        f"{MAC} . 10.0.0.12",
        f"{MAC} . 10.244.0.0/16",
        "fa:16:3e:aa:bb:cc . 192.0.2.7",
    ]


def test_remote_group_members_depend_on_the_backend() -> None:
    ports = [
        port_from_api(rest_port(allowed_address_pairs=[{"ip_address": "10.244.0.0/16"}])),
        port_from_api(
            rest_port(id="p-x", fixed_ips=[{"ip_address": "10.0.0.13"}], security_groups=["other"])
        ),
    ]
    assert remote_group_addresses("sg-default", ports, NeutronBackend.ML2_OVS) == [
        "10.0.0.12",
        "10.244.0.0/16",
    ]
    assert remote_group_addresses("sg-default", ports, NeutronBackend.ML2_OVN) == ["10.0.0.12"]


def _render(ports: list[dict[str, Any]], groups: list[dict[str, Any]], **kwargs: Any) -> str:
    parsed = [port_from_api(p) for p in ports]
    bindings = [
        PortBinding(key=p.name or p.id, tap=f"ks-tap-{i}", port=p) for i, p in enumerate(parsed)
    ]
    return render_ruleset(bindings, parsed, [group_from_api(g) for g in groups], **kwargs).text


def test_rules_render_protocols_ports_prefixes_and_groups() -> None:
    group = {
        "id": "sg-default",
        "name": "default",
        "security_group_rules": [
            rule(
                id="r1",
                protocol="udp",
                port_range_min=4789,
                port_range_max=4789,
                remote_group_id="sg-default",
            ),
            rule(id="r2", protocol="ipip"),
            rule(id="r3", protocol="4", remote_ip_prefix="10.0.0.0/24"),
            rule(
                id="r4",
                protocol="tcp",
                port_range_min=30000,
                port_range_max=32767,
                remote_ip_prefix="0.0.0.0/0",
            ),
            rule(id="r5", protocol="icmp", port_range_min=8, port_range_max=0),
            rule(id="r6", ethertype="IPv6", protocol="tcp"),
            rule(id="r7", direction="egress"),
            rule(id="r8", protocol="vrrp", remote_address_group_id="ag"),
        ],
    }
    text = _render([rest_port()], [group])
    assert "ip protocol 17 udp dport 4789 ip saddr @remote_group_0 accept" in text
    assert text.count("ether type ip ip protocol 4 accept") == 1
    assert "ip protocol 4 ip saddr 10.0.0.0/24 accept" in text
    assert "ip protocol 6 tcp dport 30000-32767 accept" in text
    assert "ip protocol 1 icmp type 8 icmp code 0 accept" in text
    assert 'ether type ip6 meta l4proto 6 accept comment "default rule r6"' in text
    assert "rule r8" not in text  # address groups are not modelled
    assert "ether type ip return" in text  # egress any
    assert 'iifname "ks-tap-0" jump portsec_k8s_w_1' in text
    assert f"elements = {{ {MAC} . 10.0.0.12 }}" in text
    assert 'counter name "portsec_drop_k8s_w_1" drop' in text
    assert 'counter name "sg_in_drop_k8s_w_1" drop' in text
    assert text.index("delete table bridge ks-portsec") < text.index("table bridge ks-portsec {")


def test_port_security_off_and_trusted_ports_get_no_chains() -> None:
    text = _render(
        [
            rest_port(port_security_enabled=False, security_groups=[]),
            rest_port(
                id="rt",
                name="",
                device_owner="network:router_interface",
                fixed_ips=[{"ip_address": "10.0.0.1"}],
            ),
        ],
        [],
    )
    assert "jump" not in text
    assert "meta mark 0x1 accept" in text


def test_unbound_vm_drops_everything() -> None:
    ruleset = render_ruleset([], [], [], unbound_taps=[("k8s-w-9", "ks-tap-n9")])
    assert 'iifname "ks-tap-n9" counter name "portsec_drop_k8s_w_9" drop' in ruleset.text
    assert ruleset.unbound_taps == ("ks-tap-n9",)


def test_admin_down_port_drops_everything_whatever_its_port_security() -> None:
    for security in (True, False):
        raw = rest_port(admin_state_up=False, port_security_enabled=security)
        port = port_from_api(raw)
        assert port.admin_state_up is False
        text = render_ruleset([PortBinding("k8s-w-1", "ks-tap-n2", port)], [port], []).text
        why = '"port p-w1 admin_state_up false"'
        assert f'iifname "ks-tap-n2" counter name "portsec_drop_k8s_w_1" drop comment {why}' in text
        assert f'oifname "ks-tap-n2" counter name "sg_in_drop_k8s_w_1" drop comment {why}' in text
        assert "jump" not in text  # no anti-spoofing or group chain lets anything through
    # openstacksdk's `to_dict()` spelling, and an absent field (Neutron always sends it)
    assert port_from_api({**rest_port(), "is_admin_state_up": False}).admin_state_up is False
    assert port_from_api(rest_port()).admin_state_up is True


def test_missing_group_is_a_warning_not_a_crash() -> None:
    parsed = [port_from_api(rest_port(security_groups=["gone"]))]
    ruleset = render_ruleset([PortBinding("k8s-w-1", "ks-tap-n2", parsed[0])], parsed, [])
    assert any("gone" in w for w in ruleset.warnings)


# -- scenarios ----------------------------------------------------------------------


def test_scenario_registry() -> None:
    names = [s.name for s in SCENARIOS]
    for required in (
        "seed",
        "seed-natoutgoing",
        "fixed",
        "port-security-off",
        "vxlan-no-4789",
        "vxlan-ok",
        "mtu-bad",
    ):
        assert required in names
    assert len(names) == len(set(names))
    assert all(not s.expected.ping_cluster_ip for s in SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_neutron_description_is_consistent(scenario: Any) -> None:
    topo = scenario.topology(prefix="ks-", nodes=4)
    ports, groups = neutron_description(scenario, topo)
    parsed = [port_from_api(p) for p in ports]
    group_ids = {g["id"] for g in groups}
    nodes = [p for p in parsed if p.device_owner == "compute:nova"]
    assert [p.name for p in nodes] == [n.name for n in topo.nodes]
    assert [p.mac_address for p in nodes] == [n.mac for n in topo.nodes]
    for port in nodes:
        assert port.port_security_enabled is scenario.port_security
        assert set(port.security_group_ids) <= group_ids
        assert [a.ip_address for a in port.allowed_address_pairs] == list(scenario.allowed_pairs)


def test_vxlan_scenarios_keep_nodes_out_of_the_default_group() -> None:
    """The default group's remote-group rule would allow UDP 4789 by itself."""
    for name in ("vxlan-no-4789", "vxlan-ok", "mtu-bad"):
        assert get_scenario(name).node_groups == ("k8s-nodes",)
    rules = {g.name: g.rules for g in get_scenario("vxlan-no-4789").security_groups}
    assert not any(r.port_range_min == 4789 for r in rules["k8s-nodes"])


def test_kubernetes_objects_validate_against_1_33() -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    scenario = get_scenario("seed")
    objects = kubernetes_objects(scenario, scenario.topology(prefix="ks-", nodes=4))
    kinds = [o["kind"] for o in objects]
    assert kinds.count("Node") == 4 and kinds.count("Pod") == 8 + 4 and "IPPool" in kinds
    pool = next(o for o in objects if o["kind"] == "IPPool")
    assert pool["spec"]["vxlanMode"] == "CrossSubnet" and pool["spec"]["natOutgoing"] is False
    # Calico IPAM: a block per node, its pods allocated in it (lab/calico_ipam.py)
    blocks = {o["spec"]["affinity"]: o["spec"] for o in objects if o["kind"] == "IPAMBlock"}
    assert kinds.count("BlockAffinity") == 4 and len(blocks) == 4
    pods = {o["metadata"]["name"]: o["status"]["podIP"] for o in objects if o["kind"] == "Pod"}
    w1 = blocks["host:k8s-w-1"]
    assert w1["cidr"] == "10.244.1.0/24" and len(w1["unallocated"]) == 254
    for n, attribute in enumerate(w1["attributes"]):
        offset = w1["allocations"].index(n)
        assert pods[attribute["secondary"]["pod"]] == f"10.244.1.{offset}"
    for obj in objects:
        if "." in obj["apiVersion"].split("/")[0] and not obj["apiVersion"].startswith(
            "discovery.k8s.io"
        ):
            continue  # custom resources have no built-in schema
        assert kubernetes_validate.validate(obj, "1.33", strict=True)


def test_unknown_scenario_names_the_choices() -> None:
    from kostack_lab.errors import LabInputError

    with pytest.raises(LabInputError) as caught:
        get_scenario("nope")
    assert "seed" in caught.value.hint


# ---------------------------------------------------------------------------- IPv6


def test_link_local_is_neutrons_eui64() -> None:
    # netaddr.EUI("fa:16:3e:00:00:12").ipv6_link_local(), as Neutron computes it.
    assert link_local(MAC) == "fe80::f816:3eff:fe00:12"
    assert link_local("00:00:5e:00:53:01") == "fe80::200:5eff:fe00:5301"


def test_ipv6_antispoof_holds_fixed_pairs_and_the_link_local_per_mac() -> None:
    port = port_from_api(
        rest_port(
            fixed_ips=[{"ip_address": "10.0.0.12"}, {"ip_address": "fd00:10::12"}],
            allowed_address_pairs=[
                {"ip_address": "10.244.0.0/16"},
                {"ip_address": "fd00:10:244::/56"},
                {"ip_address": "fd00:10:244:1::/64"},  # inside the /56: collapsed
                {"ip_address": "192.0.2.7", "mac_address": "fa:16:3e:aa:bb:cc"},
            ],
        )
    )
    assert antispoof_elements(port, 6) == [
        f"{MAC} . fd00:10::12",
        f"{MAC} . fd00:10:244::/56",
        f"{MAC} . fe80::f816:3eff:fe00:12",
    ]
    # The other MAC has only an IPv4 pair: no IPv6 at all (not even its link-local).
    assert antispoof_elements(port) == [
        f"{MAC} . 10.0.0.12",
        f"{MAC} . 10.244.0.0/16",
        "fa:16:3e:aa:bb:cc . 192.0.2.7",
    ]
    v4_only = port_from_api(rest_port())
    assert antispoof_elements(v4_only, 6) == []


def test_ipv6_rules_groups_and_what_neutron_always_allows() -> None:
    group = {
        "id": "sg-default",
        "name": "default",
        "security_group_rules": [
            rule(id="v6a", ethertype="IPv6", remote_group_id="sg-default"),
            rule(id="v6b", ethertype="IPv6", protocol="icmp", port_range_min=128),
            rule(id="v6c", ethertype="IPv6", protocol="ipv6-icmp", remote_ip_prefix="::/0"),
            rule(id="v6d", ethertype="IPv6", protocol="tcp", port_range_min=8080,
                 port_range_max=8080, remote_ip_prefix="fd00:10:244::/56"),
            rule(id="v6e", ethertype="IPv6", direction="egress"),
            rule(id="v6f", ethertype="IPv6", protocol="tcp", remote_ip_prefix="10.0.0.0/8"),
        ],
    }  # fmt: skip
    port = rest_port(
        fixed_ips=[{"ip_address": "10.0.0.12"}, {"ip_address": "fd00:10::12"}],
        allowed_address_pairs=[{"ip_address": "fd00:10:244::/56"}],
    )
    text = _render([port], [group])
    assert "set remote_group_0_6 {\ntype ipv6_addr" in text
    assert "elements = { fd00:10::12, fd00:10:244::/56 }" in text  # OVS: pairs are members
    assert 'ether type ip6 ip6 saddr @remote_group_0_6 accept comment "default rule v6a"' in text
    assert "ether type ip6 meta l4proto 58 icmpv6 type 128 accept" in text
    assert 'ether type ip6 meta l4proto 58 accept comment "default rule v6c"' in text
    assert "meta l4proto 6 tcp dport 8080 ip6 saddr fd00:10:244::/56 accept" in text
    assert 'ether type ip6 return comment "default rule v6e"' in text
    assert "rule v6f" not in text  # an IPv4 prefix on an IPv6 rule matches nothing
    assert "type ether_addr . ipv6_addr" in text
    assert "ether saddr . ip6 saddr @portsec6_k8s_w_1 accept" in text
    # Duplicate address detection from ::, before the address check.
    dad = "ip6 saddr :: ip6 daddr ff02::/16 icmpv6 type { 131, 135, 143 } accept"
    assert text.index(dad) < text.index("@portsec6_k8s_w_1 accept")
    # A port never sends RAs or DHCPv6 replies; ND, RS and MLD queries always pass.
    assert 'ether type ip6 icmpv6 type 134 counter name "sg_out_drop_k8s_w_1" drop' in text
    assert "ether type ip6 icmpv6 type { 130, 133, 135, 136 } return" in text
    assert "udp sport 547 udp dport 546 counter name" in text
    assert "ether type ip6 udp sport 546 udp dport 547 return" in text
    # Into the port: ND, MLD queries and RAs; DHCPv6 replies to its address or link-local.
    assert "ether type ip6 icmpv6 type { 130, 135, 136, 134 } accept" in text
    assert "udp sport 547 udp dport 546 ip6 daddr { fd00:10::12, fe80::/64 } accept" in text
    assert "table ip6 ks-portsec {" in text


def test_ovn_remote_groups_hold_no_ipv6_pairs() -> None:
    group = {
        "id": "sg-default",
        "name": "default",
        "security_group_rules": [rule(id="v6a", ethertype="IPv6", remote_group_id="sg-default")],
    }
    port = rest_port(
        fixed_ips=[{"ip_address": "fd00:10::12"}],
        allowed_address_pairs=[{"ip_address": "fd00:10:244::/56"}],
    )
    text = _render([port], [group], backend=NeutronBackend.ML2_OVN)
    assert "set remote_group_0_6 {\ntype ipv6_addr\nflags interval" in text
    members = text.split("set remote_group_0_6 {", 1)[1].split("}", 1)[0]
    assert "fd00:10::12" in members and "fd00:10:244::" not in members


def test_the_served_kube_proxy_mode_is_what_the_labs_dnat_behaves_like() -> None:
    """No reject chain, so a ClusterIP ping goes unanswered (`lab probe`): iptables, not
    nftables, whose cluster-ips-check would reject it at once (diagnose's note said so)."""
    import json

    scenario = get_scenario("seed")
    topo = scenario.topology(prefix="ks-", nodes=2)
    proxy = next(
        o for o in kubernetes_objects(scenario, topo) if o["metadata"]["name"] == "kube-proxy"
    )
    assert json.loads(proxy["data"]["config.conf"])["mode"] == "iptables"
    rules = plan_node(topo, topo.nodes[0]).nft
    assert "reject" not in rules and "icmp" not in rules


@pytest.mark.parametrize(
    ("override", "fully_random"),
    [
        ("", True),
        ("MASQFullyRandom=false", False),
        ("SNATFullyRandom=true,MASQFullyRandom=False", False),  # Go's ParseBool: False, 0, f
        ("MASQFullyRandom=0", False),
        ("MASQFullyRandom=", True),  # empty: auto-detected
        ("MASQFullyRandom=false ", True),  # "false " does not parse: ignored
        ("MASQFullyRandom=false,MASQFullyRandom=true", True),  # the last of a key wins
        ("SNATFullyRandom=false", True),
    ],
)
def test_natoutgoing_follows_felixs_featuredetectoverride(
    override: str, fully_random: bool
) -> None:
    """Felix's MasqAction: `masquerade fully-random` unless the override turns MASQFullyRandom off."""
    topo = build_topology(
        prefix="ks-", nodes=2, encapsulation=Encapsulation.VXLAN, nat_outgoing=True
    ).model_copy(update={"felix_override": override})
    nft = plan_kube_proxy(topo)
    assert "delete table ip ks-calico" in nft  # replaced whole when re-rendered
    rule = next(line for line in nft.splitlines() if line.endswith(("masquerade", "fully-random")))
    assert rule.endswith("masquerade fully-random") is fully_random
    assert fully_random_off(override) is not fully_random  # kostack reads it as the lab does


@pytest.mark.parametrize("seed", range(200))
def test_kostack_reads_the_override_as_the_lab_following_felix_does(seed: int) -> None:
    rng = random.Random(seed)
    words = ["MASQFullyRandom", "SNATFullyRandom", " MASQFullyRandom", "MASQFullyRandom ", "x y"]
    values = ["false", "true", "False", "0", "f", "", "false ", "no", "FALSE", "1"]
    items = [f"{rng.choice(words)}={rng.choice(values)}" for _ in range(rng.randint(0, 3))]
    override = ",".join(items + [""] * rng.randint(0, 1))
    topo = build_topology(
        prefix="ks-", nodes=2, encapsulation=Encapsulation.VXLAN, nat_outgoing=True
    )
    lab_on = masq_fully_random(topo.model_copy(update={"felix_override": override}))
    assert fully_random_off(override) is not lab_on, override


def test_neighbour_advertisements_are_matched_on_their_target() -> None:
    """Neutron's NA spoofing protection (ovs agent `install_icmpv6_na_spoofing_protection`,
    the OVS firewall's `nd_target` flows): an NA leaves a port only for a target among its
    fixed IPs and pairs (a pair's CIDR as a range), whatever its source; before the pairs'
    check of the source, so an NA from the port's own link-local address (MetalLB's NDP
    responder) for a virtual IP is dropped and counted as anti-spoofing."""
    port = rest_port(
        fixed_ips=[{"ip_address": "10.0.0.12"}, {"ip_address": "fd00:10::12"}],
        allowed_address_pairs=[{"ip_address": "fd00:10::240/124"}],
    )
    text = _render([port], [])
    chain = text.split("chain portsec_k8s_w_1 {\n", 1)[1].split("\n}\n", 1)[0].splitlines()
    na = 'ether type ip6 icmpv6 type 136 ether saddr . @th,64,128 != @portna_k8s_w_1 counter name "portsec_drop_k8s_w_1" drop'
    assert na in chain
    assert chain.index(na) < chain.index(
        "ether type ip6 ether saddr . ip6 saddr @portsec6_k8s_w_1 accept"
    )
    targets = text.split("set portna_k8s_w_1 {", 1)[1].split("}", 1)[0]
    assert "typeof ether saddr . @th,64,128" in targets and "flags interval" in targets
    assert f"{MAC} . 0xfd000010000000000000000000000012," in targets  # the fixed IP
    assert (  # the pair's /124 as one range
        f"{MAC} . 0xfd000010000000000000000000000240-0xfd00001000000000000000000000024f" in targets
    )
    assert f"{MAC} . 0x{int(ipaddress.IPv6Address(link_local(MAC))):032x}" in targets
    # an IPv4-only port advertises no target at all: every NA it sends is dropped
    v4 = _render([rest_port()], [])
    assert "elements" not in v4.split("set portna_k8s_w_1 {", 1)[1].split("}", 1)[0]
