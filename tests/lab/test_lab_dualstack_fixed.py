"""dualstack-fixed in the lab: every per-family probe passes, through a router that has IPv6.

The router's tenant-side IPv6 address is the router interface port on the
IPv6 subnet (fd00:10::1, its own MAC), the nodes route IPv6 through that
port's link-local address (what its router advertisements install), the
router forwards IPv6 unchanged (no NAT) to the IPv6 "outside"
2001:db8:113::10 in a lab namespace, and kube-proxy DNATs both ClusterIPs
of `kubernetes` and kube-dns. One lab for the module.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import pytest
from lab_testing import lab_name, module_lab
from test_lab_cli import invoke

from kostack.probe.results import AGENT_PATH
from kostack_lab.lab import Lab
from kostack_lab.portsec_ipv6 import link_local
from kostack_lab.router6 import find_router6
from kostack_lab.seed import ROUTER6_MAC

pytestmark = pytest.mark.lab

TIMEOUT = 1.0
PINGS = {"ping_cluster_ip", "ping_cluster_ip_ipv6"}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    yield from module_lab("dualstack-fixed", tmp_path_factory.mktemp("ds-fixed") / "state")


def test_every_per_family_probe_passes_and_nothing_is_dropped(lab: Lab) -> None:
    results = lab.probe_round(timeout=TIMEOUT)
    assert {k for k in results if k.endswith("_ipv6")} == {
        "dns_ipv6",
        "kubernetes_tcp_ipv6",
        "kubernetes_tls_ipv6",
        "egress_http_ipv6",
        "ping_cluster_ip_ipv6",
        "pod_to_pod_ipv6",
    }
    failed = {k: r.detail for k, r in results.items() if not r.ok and k not in PINGS}
    assert failed == {}
    for ping in PINGS:  # silence, as on every cluster: no ICMP rule for a ClusterIP
        assert not results[ping].ok and "no echo reply" in results[ping].detail
    assert results["kubernetes_tls_ipv6"].target == "[fd00:10:96::1]:443"
    assert "403 Forbidden" in results["kubernetes_tls_ipv6"].detail  # the API server stand-in
    assert results["egress_http_ipv6"].target == "[2001:db8:113::10]:80"
    counters = lab.counters()
    drops = {p: (c.antispoof_drops, c.ingress_drops, c.egress_drops) for p, c in counters.items()}
    assert all(d == (0, 0, 0) for d in drops.values()), drops
    code, out, _ = invoke(
        "probe", "--timeout", str(TIMEOUT), "--name", lab_name(), "--state-dir", str(lab.paths.root)
    )
    assert code == 0 and out.rstrip().endswith("all 11 probes passed"), out


def test_router_ipv6_side_comes_from_its_port_on_the_ipv6_subnet(lab: Lab) -> None:
    topo = lab.topology
    ports, _groups = lab.port_description()
    router6 = find_router6(topo, ports)
    assert router6 is not None and (router6.address, router6.mac) == ("fd00:10::1", ROUTER6_MAC)
    addresses = lab.exec_in(
        "rt", ["ip", "-6", "-brief", "address", "show", "dev", "ks-eth0"]
    ).stdout
    assert "fd00:10::1/64" in addresses and f"{link_local(ROUTER6_MAC)}/64" in addresses
    assert lab.exec_in("rt", ["sysctl", "-n", "net.ipv6.conf.all.forwarding"]).stdout.strip() == "1"
    routes = lab.exec_in("rt", ["ip", "-6", "route"]).stdout
    assert "fd00:10:244:1::/64 via fd00:10::12 dev ks-eth0" in routes  # back to the pod blocks
    assert "blackhole default" in routes or "blackhole ::/0" in routes
    # Neutron routes IPv6 as it is: the router translates IPv4 only.
    assert "table ip6" not in lab.exec_in("rt", ["nft", "list", "tables"]).stdout
    # Each node took its IPv6 default route from the router's RAs (via the port's link-local).
    for node in topo.nodes:
        default = lab.exec_in(node.netns, ["ip", "-6", "route", "show", "default"])
        assert f"default via {router6.link_local} dev ks-eth0 proto ra" in default.stdout
    source = topo.pods_on("k8s-w-1")[0]
    path = lab.exec_in(
        "n2",
        [
            "ip",
            "-6",
            "route",
            "get",
            "2001:db8:113::10",
            "from",
            source.ip6 or "",
            "iif",
            source.host_veth,
        ],
    ).stdout
    assert f"via {router6.link_local} dev ks-eth0" in path


def test_kubernetes_and_kube_dns_are_dual_stack_per_family(lab: Lab) -> None:
    topo = lab.topology
    services = {s.name: s for s in topo.services}
    assert (services["kubernetes"].cluster_ip, services["kubernetes"].cluster_ip6) == (
        "10.96.0.1",
        "fd00:10:96::1",
    )
    rules = lab.exec_in("n2", ["nft", "list", "table", "ip6", "ks-kube-proxy"]).stdout
    assert "ip6 daddr fd00:10:96::1 tcp dport 443 dnat to [fd00:10::11]:6443" in rules
    assert "ip6 daddr fd00:10:96::a udp dport 53 dnat to [fd00:10:244::11]:53" in rules
    rules4 = lab.exec_in("n2", ["nft", "list", "table", "ip", "ks-kube-proxy"]).stdout
    assert "ip daddr 10.96.0.1 tcp dport 443 dnat to 10.0.0.11:6443" in rules4
    # The lab's DNS answers both families for the service, over IPv6 to kube-dns's IPv6 ClusterIP.
    plan = {
        "probes": [
            {"id": "aaaa", "kind": "dns", "host": "fd00:10:96::a", "record": "AAAA",
             "name": "kubernetes.default.svc.cluster.local", "expect": "fd00:10:96::1"},
            {"id": "a", "kind": "dns", "host": "fd00:10:96::a",
             "name": "kubernetes.default.svc.cluster.local", "expect": "10.96.0.1"},
        ]
    }  # fmt: skip
    source = topo.pods_on("k8s-w-1")[0]
    done = lab.exec_in(
        source.netns,
        [sys.executable, "-I", "-S", "-B", str(AGENT_PATH), json.dumps(plan)],
    )
    verdicts = {
        r["id"]: r["verdict"] for r in map(json.loads, done.stdout.splitlines()) if "id" in r
    }
    assert verdicts == {"aaaa": "pass", "a": "pass"}, done.stdout
