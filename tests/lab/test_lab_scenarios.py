"""Every scenario reproduces its row of the table in docs/lab.md, with counters as ground truth.

Probes run from a pod on the first worker (k8s-w-1): DNS over UDP to
10.96.0.10, TCP and TLS to 10.96.0.1:443, HTTP to the internet host, ICMP
echo to 10.96.0.1 (raw socket), HTTP to a pod on another worker, and a
4 MiB transfer from that pod.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from lab_testing import apply_port_description

from kostack.probe.results import AGENT_PATH
from kostack_lab.lab import Lab, ProbeSpec
from kostack_lab.scenarios import SCENARIOS, Scenario

pytestmark = pytest.mark.lab

TIMEOUT = 1.5


def probe_table(lab: Lab) -> dict[str, bool]:
    return {key: result.ok for key, result in lab.probe_round(timeout=TIMEOUT).items()}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario_reproduces_its_row(lab: Lab, scenario: Scenario) -> None:
    status = lab.up(scenario.name)
    assert status.up and status.problems == (), status.problems
    results = lab.probe_round(timeout=TIMEOUT)
    seen = {key: r.ok for key, r in results.items()}
    details = {key: r.detail for key, r in results.items()}
    assert seen == scenario.expected.model_dump(exclude_none=True), details
    assert "no echo reply" in results["ping_cluster_ip"].detail  # silence, not an error
    if results["kubernetes_tls"].ok:
        assert "403 Forbidden" in results["kubernetes_tls"].detail
    check_counters(scenario.name, lab.counters())


def check_counters(name: str, counters: dict[str, Any]) -> None:
    """Which rule dropped what, per scenario (the probing pod is on k8s-w-1)."""
    antispoof = {port: c.antispoof_drops for port, c in counters.items() if c.antispoof_drops}
    ingress = {port: c.ingress_drops for port, c in counters.items() if c.ingress_drops}
    egress = {port: c.egress_drops for port, c in counters.items() if c.egress_drops}
    tap = {port: c.tap_rx_dropped for port, c in counters.items() if c.tap_rx_dropped}
    assert egress == {}
    if name in {"seed", "seed-natoutgoing", "dualstack-ipv6-broken"}:
        # Neutron's anti-spoofing on the probing node's port, nothing else (for the dual-stack
        # twin: the IPv6 pod source, fd00:10:244:1::11, has no pair).
        assert set(antispoof) == {"k8s-w-1"} and ingress == {} and tap == {}
    elif name in {"vxlan-no-4789", "fixed-ovn", "canal-no-8472"}:
        # Passed anti-spoofing, then met no ingress rule at the receiving ports:
        # CoreDNS on k8s-cp-1, the echo pod on k8s-w-2 (Canal: flannel's UDP 8472).
        assert antispoof == {} and set(ingress) == {"k8s-cp-1", "k8s-w-2"} and tap == {}
    elif name == "mtu-bad":
        # Nothing in nft: the tap refused the 1500-byte VXLAN frames of the sender (k8s-w-2).
        assert antispoof == {} and ingress == {} and set(tap) == {"k8s-w-2"}
    else:
        assert antispoof == {} and ingress == {} and tap == {}


def test_seed_drops_name_the_antispoofing_rule_and_pairs_fix_dns(lab: Lab) -> None:
    lab.up("seed")
    dns = [p for p in lab.standard_probes() if p.id == "dns"]
    assert not lab.probe("echo-w-1-1", dns, timeout=TIMEOUT)[0].ok
    counters = lab.counters()["k8s-w-1"]
    assert counters.antispoof_drops >= 1 and counters.ingress_drops == 0

    ruleset = lab.paths.portsec_nft.read_text()
    assert 'counter name "portsec_drop_k8s_w_1" drop' in ruleset
    assert "fa:16:3e:00:00:12 . 10.0.0.12" in ruleset and "10.244." not in ruleset

    ports, groups = lab.port_description()
    for port in ports:
        if port["device_owner"].startswith("compute:"):
            port["allowed_address_pairs"] = [{"ip_address": "10.244.0.0/16"}]
            port["revision_number"] += 1
    result = apply_port_description(lab, ports, groups)
    assert result.changed and result.unbound == ()
    assert "fa:16:3e:00:00:12 . 10.244.0.0/16" in lab.paths.portsec_nft.read_text()

    after = {key: r.ok for key, r in lab.probe_round(timeout=TIMEOUT).items()}
    assert after["dns"] and after["pod_to_pod"] and after["egress_http"]
    assert not after["ping_cluster_ip"]
    assert lab.counters()["k8s-w-1"].antispoof_drops == 0  # counters restart with each render
    assert not lab.sync().changed  # nothing changed since: no re-render


def test_dns_answers_both_names_over_udp_and_tcp(lab: Lab) -> None:
    lab.up("fixed")
    topo = lab.topology
    specs = [
        ProbeSpec(
            "k8s",
            "dns",
            "10.96.0.10",
            port=53,
            name="kubernetes.default.svc.cluster.local",
            expect="10.96.0.1",
        ),
        ProbeSpec(
            "dns",
            "dns",
            "10.96.0.10",
            port=53,
            name="kube-dns.kube-system.svc.cluster.local",
            expect="10.96.0.10",
        ),
        ProbeSpec("dns_tcp", "tcp", "10.96.0.10", port=53),
        ProbeSpec("nx", "dns", "10.96.0.10", port=53, name="nope.default.svc.cluster.local"),
        ProbeSpec("cp_pod", "http", topo.pods_on("k8s-cp-1")[1].ip, port=8080),
    ]
    results = {r.id: r for r in lab.probe("echo-w-2-1", specs, timeout=TIMEOUT)}
    assert (
        results["k8s"].ok and results["dns"].ok and results["dns_tcp"].ok and results["cp_pod"].ok
    )
    assert not results["nx"].ok and "rcode 3" in results["nx"].detail  # NXDOMAIN


def test_eight_nodes_come_up(lab: Lab) -> None:
    status = lab.up("vxlan-ok", nodes=8)
    assert len(status.nodes) == 8 and len(status.servers) == 18
    last_worker_pod = lab.topology.pods_on("k8s-w-7")[0]
    specs = [ProbeSpec("far", "http", last_worker_pod.ip, port=8080)]
    assert lab.probe("echo-w-1-1", specs, timeout=TIMEOUT)[0].ok


def test_every_rule_form_loads_into_nft(lab: Lab) -> None:
    """Protocols by name and number, ranges, ICMP type/code, prefixes, groups, egress, IPv6."""
    lab.up("fixed", nodes=2)
    ports, groups = lab.port_description()
    nodes_group = next(g for g in groups if g["name"] == "k8s-nodes")
    extra = [
        {"direction": "ingress", "protocol": "ipip", "remote_group_id": nodes_group["id"]},
        {"direction": "ingress", "protocol": "4", "remote_ip_prefix": "10.0.0.0/24"},
        {"direction": "ingress", "protocol": "gre"},
        {"direction": "ingress", "protocol": "112"},
        {
            "direction": "ingress",
            "protocol": "tcp",
            "port_range_min": 30000,
            "port_range_max": 32767,
        },
        {"direction": "ingress", "protocol": "sctp", "port_range_min": 9, "port_range_max": 9},
        {"direction": "ingress", "protocol": "icmp", "port_range_min": 8, "port_range_max": 0},
        {"direction": "ingress", "protocol": "udp", "remote_ip_prefix": "10.244.1.0/24"},
        {"direction": "egress", "protocol": "tcp", "remote_group_id": nodes_group["id"]},
        {"direction": "ingress", "ethertype": "IPv6", "protocol": "tcp"},
    ]
    nodes_group["security_group_rules"] += [
        {"id": f"extra-{i}", "ethertype": "IPv4", **rule} for i, rule in enumerate(extra)
    ]
    result = apply_port_description(lab, ports, groups)
    assert result.changed and result.warnings == ()
    listed = lab.exec_in("hv", ["nft", "list", "table", "bridge", "ks-portsec"], check=True).stdout
    assert "tcp dport 30000-32767" in listed and "icmp type echo-request icmp code" in listed
    pod = lab.topology.pods_on("k8s-cp-1")[1]
    specs = [ProbeSpec("cp_pod", "http", pod.ip, port=8080)]
    assert lab.probe("echo-w-1-1", specs, timeout=TIMEOUT)[0].ok  # 2 nodes: the target is on cp


def test_dual_stack_service_answers_on_both_cluster_ips(lab: Lab) -> None:
    """kube-proxy's DNAT for both ClusterIPs of demo/echo, and its A and AAAA records."""
    lab.up("dualstack-fixed", nodes=3)
    topo = lab.topology
    echo = next(s for s in topo.services if s.name == "echo")
    assert (echo.cluster_ip, echo.cluster_ip6) == ("10.96.0.20", "fd00:10:96::20")
    source = topo.pods_on("k8s-w-1")[0]
    assert source.ip6 == "fd00:10:244:1::11"
    specs = [
        ProbeSpec("v4", "http", echo.cluster_ip, port=80, path="/"),
        ProbeSpec("v6", "http", echo.cluster_ip6, port=80, path="/"),
        ProbeSpec("pod6", "http", echo.ports[0].target_ip6 or "", port=8080, path="/"),
    ]
    results = {r.id: r for r in lab.probe(source.name, specs, timeout=TIMEOUT)}
    assert all(r.ok for r in results.values()), {k: r.detail for k, r in results.items()}
    # The lab DNS (CoreDNS's stand-in) answers AAAA for the dual-stack service.
    plan = {
        "probes": [
            {"id": "aaaa", "kind": "dns", "host": topo.dns_service_ip, "record": "AAAA",
             "name": "echo.demo.svc.cluster.local", "expect": "fd00:10:96::20"},
            # DNS over IPv6: kube-dns's IPv6 ClusterIP, DNATed to CoreDNS's IPv6 address.
            {"id": "dns6", "kind": "dns", "host": "fd00:10:96::a", "record": "AAAA",
             "name": "kube-dns.kube-system.svc.cluster.local", "expect": "fd00:10:96::a"},
            {"id": "dns6-tcp", "kind": "dns", "host": "fd00:10:96::a", "transport": "tcp",
             "name": "kubernetes.default.svc.cluster.local", "expect": "10.96.0.1"},
            {"id": "ping6", "kind": "icmp", "host": echo.ports[0].target_ip6},
        ]
    }  # fmt: skip
    done = lab.exec_in(
        source.netns, [sys.executable, "-I", "-S", "-B", str(AGENT_PATH), json.dumps(plan)]
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    verdicts = {r["id"]: (r["verdict"], r["detail"]) for r in lines if "id" in r}
    assert verdicts["aaaa"][0] == "pass", verdicts
    assert verdicts["dns6"][0] == verdicts["dns6-tcp"][0] == "pass", verdicts
    assert verdicts["ping6"][0] == "pass", verdicts  # ICMPv6 echo pod to pod, across nodes
