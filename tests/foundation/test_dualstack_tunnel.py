"""Dual stack, the tunnel's family: a CNI's encapsulation runs between the nodes' addresses of
its underlay family, and the security-group rule that admits it is of that ethertype
(docs/facts.md, "Encapsulation over IPv6"); every node, pod and service address per family."""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.encap import encapsulation
from kostack.analyze.engine.endpoints import classify_ip
from kostack.analyze.engine.path import trace
from kostack.analyze.engine.types import Disposition
from kostack.analyze.findings import Status
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.messages import localize
from kostack.analyze.topology import Topology
from kostack_testkit.builders import SG_NODES, build, group, rule
from kostack_testkit.dualstack import dualstack_example_doc

Doc = dict[str, Any]
ip = ipaddress.ip_address


def _broken() -> Doc:
    return dualstack_example_doc("dualstack-ipv6-tunnel-broken")


def test_only_the_ipv6_vxlan_rule_missing_is_one_family_specific_root_cause() -> None:
    d = diagnose(build(_broken()))
    assert [rc.key for rc in d.root_causes] == ["sg-encap"]
    (rc,) = d.root_causes
    en = localize(rc.message, "en")
    assert en.startswith(
        "IPv4 works, IPv6 pod traffic is dropped: IPv6 pods' VXLAN runs between "
        "the nodes' IPv6 addresses"
    ), en
    assert "udp 4789" in en and "12 node pairs" in en
    ko = localize(rc.message, "ko")
    assert ko.startswith("IPv4는 정상이지만 IPv6 Pod 트래픽은 차단됩니다"), ko
    # aggregated: every node pair of the IPv6 tunnel is one finding, one root cause
    assert len(rc.findings) == 1
    # the fix: one ingress rule, ethertype IPv6, UDP 4789, from the nodes' shared group
    (remedy,) = rc.fix.remedies
    params = dict(remedy.params)
    nodes_group = group(_broken(), "k8s-nodes")["id"]
    assert remedy.op == "add-sg-rule" and remedy.target_id == nodes_group
    assert params["ethertype"] == "IPv6" and params["protocol"] == "udp"
    assert (params["port_range_min"], params["port_range_max"]) == ("4789", "4789")
    assert params["remote_group_id"] == nodes_group
    # the IPv4 tunnel is judged too, and passes
    passing = [
        f for f in d.findings if f.check_id == "net-sg-cni-encap" and f.status == Status.PASS
    ]
    assert [localize(f.message, "en").split(" (")[0] for f in passing] == [
        "Security groups admit VXLAN encapsulation"
    ]


def test_with_the_ipv6_rule_it_is_clean_and_without_the_ipv4_one_both_break() -> None:
    fixed = _broken()
    group(fixed, "k8s-nodes")["rules"].append(
        rule(SG_NODES, "ingress", "udp", 4789, group=SG_NODES, ethertype="IPv6")
    )
    d = diagnose(build(fixed))
    assert d.root_causes == (), [rc.key for rc in d.root_causes]
    encap = [f for f in d.findings if f.check_id == "net-sg-cni-encap"]
    assert {f.status for f in encap} == {Status.PASS} and len(encap) == 2
    neither = _broken()
    sg = group(neither, "k8s-nodes")
    sg["rules"] = [r for r in sg["rules"] if r["port_range_min"] != 4789]
    (rc,) = diagnose(build(neither)).root_causes
    assert rc.key == "sg-encap" and len(rc.findings) == 2
    # both broken: no "IPv4 works" claim
    assert not any("works" in localize(f.message, "en") for f in rc.findings)
    assert {dict(r.params)["ethertype"] for r in rc.fix.remedies} == {"IPv4", "IPv6"}


def test_the_ipv6_pod_trace_tunnels_between_the_nodes_ipv6_addresses() -> None:
    snap = build(_broken())
    topo = Topology(snap)
    flows = ClusterFlows(snap)
    v6 = flows.pods_of(6)
    s, t = v6[1], v6[2]
    (result,) = trace(topo, s.endpoint, t.endpoint, "tcp", 8080)
    assert result.wire is not None and result.wire.encap == "VXLAN"
    assert (result.wire.src, result.wire.dst) == (ip("fd00:0:0:1::12"), ip("fd00:0:0:1::13"))
    assert result.wire.inner_dst == t.ip
    assert result.blocking is not None and result.blocking.step == "sg-ingress"
    assert result.blocking.disposition == Disposition.DENIED
    v4 = flows.pods
    (ok,) = trace(topo, v4[1].endpoint, v4[2].endpoint, "tcp", 8080)
    assert ok.ok and ok.wire is not None and ok.wire.src == ip("10.0.0.12")


def test_classify_ip_knows_every_address_per_family() -> None:
    topo = Topology(build(_broken()))
    node = classify_ip(topo, ip("fd00:0:0:1::12"))
    assert (node.kind, node.node) == ("node", "k8s-w-1")
    assert classify_ip(topo, ip("10.0.0.12")).node == "k8s-w-1"
    pod_v6 = next(p for p in topo.pods if len(p.addresses) == 2)
    found = classify_ip(topo, pod_v6.addresses[1])
    assert (found.kind, found.node) == ("pod", pod_v6.node)
    dns = classify_ip(topo, ip("fd00:10:96::2"))
    assert dns.kind == "service" and "kube-dns" in dns.label
    assert classify_ip(topo, ip("2001:db8::1")).kind == "external"


def _flannel_dual(doc: Doc, backend_port: int | None = None) -> Doc:
    doc["cluster"]["cni"] = {
        "type": "flannel",
        "flannel": {
            "network": "10.244.0.0/16",
            "enable_ipv6": True,
            "ipv6_network": "fd00:10:244::/56",
            "backend_type": "vxlan",
            "port": backend_port,
            "direct_routing": False,
            "mtu_auto": True,
            "kube_subnet_mgr": True,
        },
    }
    return doc


def _cilium_dual(doc: Doc, underlay: str | None) -> Doc:
    doc["cluster"]["cni"] = {
        "type": "cilium",
        "cilium": {
            "routing_mode": "tunnel",
            "tunnel_protocol": "vxlan",
            "tunnel_port": 8472,
            "enable_ipv6": True,
            "underlay_protocol": underlay,
            "wireguard": False,
            "ipam_mode": "kubernetes",
        },
    }
    return doc


def _decision(doc: Doc, version: int):  # type: ignore[no-untyped-def]
    snap = build(doc)
    topo = Topology(snap)
    a, b = list(topo.node_views.values())[1:3]
    block = next(x for x in b.blocks if x.version == version)
    return encapsulation(topo, a, b, next(iter(block.hosts())))


def test_flannel_ipv6_vxlan_runs_over_ipv6_and_costs_70() -> None:
    doc = _flannel_dual(copy.deepcopy(_broken()))
    v4, v6 = _decision(doc, 4), _decision(doc, 6)
    assert (v4.encap, v4.port, v4.underlay, v4.overhead) == ("VXLAN", 8472, 4, 50)
    assert (v6.encap, v6.port, v6.underlay, v6.overhead) == ("VXLAN", 8472, 6, 70)
    # flannel's auto MTU subtracts 50 for both devices: IPv6 pod traffic needs 70
    mtu = [f for f in diagnose(build(doc)).findings if f.check_id == "net-mtu"]
    assert any(f.status == Status.FAIL and "70" in str(f.message) for f in mtu), mtu


def test_cilium_tunnels_over_the_underlay_protocol() -> None:
    default = _cilium_dual(copy.deepcopy(_broken()), None)
    d6 = _decision(default, 6)
    assert (d6.underlay, d6.overhead) == (4, 50)  # both families over IPv4 (the default)
    over_v6 = _cilium_dual(copy.deepcopy(_broken()), "ipv6")
    d4 = _decision(over_v6, 4)
    assert (d4.underlay, d4.overhead) == (6, 70)  # both families over IPv6
    assert any(e.field == "underlay-protocol" and e.value == "ipv6" for e in d4.hop.evidence)


def test_dns_is_judged_per_family_over_each_cluster_ip() -> None:
    """kube-dns PreferDualStack: IPv6 pods ask its IPv6 ClusterIP, which kube-proxy DNATs to
    the IPv6 endpoints only; here that crosses the IPv6 tunnel and fails, IPv4 DNS works."""
    snap = build(_broken())
    d = diagnose(snap)
    dns = [f for f in d.findings if f.check_id == "net-dns"]
    failing = [f for f in dns if f.status == Status.FAIL]
    assert failing and all("[fd00:10:96::2]" in localize(f.message, "en") for f in failing)
    assert {f.cause for f in failing} == {"sg-encap"}
    (rc,) = d.root_causes
    # IPv6 pod-to-pod crosses the same tunnel and fails too (judged per family)
    assert {s.check_id for s in rc.symptoms} == {"net-dns", "net-pod-to-pod"}
    topo = Topology(snap)
    flows = ClusterFlows(snap)
    src = flows.pods_of(6)[2].endpoint
    vip = classify_ip(topo, ip("fd00:10:96::2"))
    results = trace(topo, src, vip, "udp", 53)
    assert results and all(r.dst.ip is not None and r.dst.ip.version == 6 for r in results)
    # the fixed twin: DNS passes over both ClusterIPs, every endpoint counted
    fixed = _broken()
    group(fixed, "k8s-nodes")["rules"].append(
        rule(SG_NODES, "ingress", "udp", 4789, group=SG_NODES, ethertype="IPv6")
    )
    ok = [f for f in diagnose(build(fixed)).findings if f.check_id == "net-dns"]
    assert [f.status for f in ok] == [Status.PASS]


def test_the_report_names_the_failing_dns_cluster_ip() -> None:
    """Only IPv6 DNS fails: the "breaks" line names the IPv6 ClusterIP, not the IPv4 one."""
    from kostack.analyze.summary import dns_cluster_ips

    snap = build(_broken())
    d = diagnose(snap)
    (rc,) = d.root_causes
    dns = [s for s in rc.symptoms if s.check_id == "net-dns"]
    assert dns_cluster_ips(Topology(snap), dns) == "[fd00:10:96::2]"
    seed = diagnose(build(dualstack_example_doc("dualstack-ipv6-broken")))
    assert seed.root_causes[0].key == "antispoof"


def test_fix_plan_proposes_the_ipv6_tunnel_rule_and_verifies_it() -> None:
    """`kostack fix plan -o json` on the example: one rule, ethertype IPv6, UDP 4789, and the
    re-run diagnosis on the snapshot with it has no root cause left."""
    import io
    import json
    from pathlib import Path

    from kostack.cli.common import Environment
    from kostack.cli.main import main as kostack_main

    example = Path(__file__).resolve().parents[2] / "examples" / "dualstack-ipv6-tunnel-broken.json"
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=out, stderr=err, environ={"LANG": "C"}, stdin_isatty=False, stdout_isatty=False
    )
    code = kostack_main(["fix", "plan", "--snapshot", str(example), "-o", "json"], env)
    text = out.getvalue()
    assert code in (0, 1), err.getvalue()
    plan = json.loads(text)
    rules = [json.dumps(a) for a in plan["actions"]]
    assert len(rules) == 1, rules
    assert '"ethertype": "IPv6"' in rules[0] and '"port_range_min": 4789' in rules[0]
    assert "sg-encap" in text
