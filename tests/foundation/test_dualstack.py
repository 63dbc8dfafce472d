"""Dual stack in the engine: each family's anti-spoofing, security groups and flows on their own
(docs/engine.md "Dual stack", docs/facts.md "IPv6")."""

from __future__ import annotations

import copy
import ipaddress
from collections import Counter
from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.antispoof import antispoof, passes
from kostack.analyze.engine.family_records import FamilyResult
from kostack.analyze.engine.ipv6 import link_local
from kostack.analyze.engine.path import trace
from kostack.analyze.engine.types import Disposition
from kostack.analyze.findings import Status
from kostack.analyze.flows import POD_PORT, ClusterFlows
from kostack.analyze.messages import Msg, localize
from kostack.analyze.topology import Topology
from kostack.model.snapshot import Port, Snapshot
from kostack.plan.build import build_plan
from kostack_testkit.builders import POD_CIDR, add_pairs, build, group, rule
from kostack_testkit.dualstack import (
    POD_CIDR_V6,
    SERVICE_CIDR_V6,
    dual_stack_doc,
    dualstack_example_doc,
)

Doc = dict[str, Any]
ID = "net-pod-src-antispoof"


def _port(**kw: Any) -> Port:
    base: dict[str, Any] = {
        "id": "p1",
        "network_id": "n1",
        "mac_address": "fa:16:3e:11:22:33",
        "fixed_ips": [{"ip_address": "10.0.0.5"}, {"ip_address": "fd00:0:0:1::5"}],
        "port_security_enabled": True,
    }
    return Port.model_validate({**base, **kw})


def test_link_local_from_the_mac_is_eui64() -> None:
    # RFC 4291 appendix A: flip the universal/local bit, put ff:fe in the middle
    assert link_local("fa:16:3e:11:22:33") == ipaddress.ip_address("fe80::f816:3eff:fe11:2233")
    assert link_local("00:00:5e:00:53:01") == ipaddress.ip_address("fe80::200:5eff:fe00:5301")


def test_a_port_always_sends_from_its_own_link_local_address_only() -> None:
    port = _port()
    own = link_local(port.mac_address)
    assert passes(port, own)
    topo = Topology(Snapshot())
    hop = antispoof(topo, port, own, "p1", "forward")
    assert hop.disposition == Disposition.ACCEPTED and "link-local" in str(hop.detail)
    other = ipaddress.ip_address("fe80::f816:3eff:fe11:2234")  # another MAC's
    assert not passes(port, other)
    assert antispoof(topo, port, other, "p1", "forward").disposition == Disposition.DENIED


def test_pairs_are_per_family() -> None:
    port = _port(allowed_address_pairs=[{"ip_address": POD_CIDR}])
    assert passes(port, ipaddress.ip_address("10.244.3.9"))
    assert not passes(port, ipaddress.ip_address("fd00:10:244::9"))
    port6 = _port(allowed_address_pairs=[{"ip_address": POD_CIDR_V6}])
    assert passes(port6, ipaddress.ip_address("fd00:10:244:0:1::9"))
    assert not passes(port6, ipaddress.ip_address("10.244.3.9"))


def _broken() -> Doc:
    return dualstack_example_doc("dualstack-ipv6-broken")


def test_only_ipv6_breaks_and_the_message_says_so_in_both_languages() -> None:
    d = diagnose(build(_broken()))
    (rc,) = d.root_causes
    assert rc.key == "antispoof"
    lead = rc.findings[0]
    assert isinstance(lead.message, Msg) and lead.message.key == f"{ID}.fail-family"
    en = localize(lead.message, "en")
    assert en.startswith("IPv4 works, IPv6 pod traffic is dropped: no IPv6 allowed address pair")
    assert "fd00:10:244::/56" in en and "k8s-w-3" in en
    ko = localize(lead.message, "ko")
    assert ko.startswith("IPv4는 정상이지만 IPv6 Pod 트래픽은 차단됩니다")
    # the fix is the IPv6 pair on each port, nothing for IPv4 (already there)
    pairs = Counter(dict(r.params)["ip_address"] for r in rc.fix.remedies)
    assert pairs == Counter({POD_CIDR_V6: 4})
    # the IPv4 family is judged and passes
    v4_pass = [f for f in d.findings if f.check_id == ID and f.status == Status.PASS]
    assert v4_pass and not any(localize(f.message, "en").startswith("IPv6") for f in v4_pass)


def test_only_ipv4_breaks_says_ipv6_works() -> None:
    doc = dual_stack_doc()
    add_pairs(doc, [POD_CIDR_V6, SERVICE_CIDR_V6])
    # IPv6 egress needs the node's masquerade (a Neutron router does not NAT IPv6)
    doc["cluster"]["cni"]["calico"]["ip_pools"][1]["nat_outgoing"] = True
    (rc,) = diagnose(build(doc)).root_causes
    en = localize(rc.findings[0].message, "en")
    assert en.startswith("IPv6 works, IPv4 pod traffic is dropped"), en
    assert localize(rc.findings[0].message, "ko").startswith("IPv6는 정상이지만")
    assert {dict(r.params)["ip_address"] for r in rc.fix.remedies} == {POD_CIDR}


def test_both_families_broken_is_one_root_cause_with_both_pairs() -> None:
    d = diagnose(build(dual_stack_doc()))
    (rc,) = d.root_causes
    assert rc.key == "antispoof" and len(rc.findings) == 2
    pairs = Counter(dict(r.params)["ip_address"] for r in rc.fix.remedies)
    assert pairs == Counter({POD_CIDR: 4, POD_CIDR_V6: 4})
    assert localize(rc.findings[1].message, "en").startswith("IPv6: ")


def test_fixed_twin_is_clean_and_every_family_is_judged() -> None:
    d = diagnose(build(dualstack_example_doc("dualstack-fixed")))
    assert d.root_causes == () and d.conditional == ()
    passing = [f for f in d.findings if f.check_id == ID and f.status == Status.PASS]
    assert len(passing) == 2  # IPv4 and IPv6


def test_ipv6_pod_to_pod_that_fails_is_not_reported_ok() -> None:
    """The check judges each family's pod-to-pod: IPv6 pods dropped by anti-spoofing make the
    critical path fail (the lab's `pod_to_pod_ipv6` probe fails in this state), not "ok"."""
    d = diagnose(build(_broken()))
    assert d.verdict.paths["pod-to-pod"] == "fail"
    p2p = [f for f in d.findings if f.check_id == "net-pod-to-pod"]
    assert p2p and all(f.status == Status.FAIL for f in p2p)
    assert sum(dict(f.counts)["node_pairs"] for f in p2p) == 12
    assert localize(p2p[0].message, "en").startswith("IPv6: Pod-to-pod traffic from")
    assert localize(p2p[0].message, "ko").startswith("IPv6: ")
    (rc,) = d.root_causes
    assert "net-pod-to-pod" in {f.check_id for f in rc.symptoms}
    # the fixed twin passes in both families
    fixed = diagnose(build(dualstack_example_doc("dualstack-fixed")))
    assert fixed.verdict.paths["pod-to-pod"] == "ok"


def test_the_breaks_line_counts_node_pairs_per_family_and_names_the_one_that_fails() -> None:
    """Both families failing is still 12 of 12 node pairs (it said 24 of 12); only IPv6 failing
    says so, in both languages."""
    from kostack.report.text import render_diagnosis

    both = _broken()
    for port in both["openstack"]["ports"]:
        port["allowed_address_pairs"] = []
    text = render_diagnosis(diagnose(build(both)), "en", False)
    assert "pod -> pod across nodes (12 of 12 node pairs)" in " ".join(text.split())
    only_v6 = diagnose(build(_broken()))
    en = " ".join(render_diagnosis(only_v6, "en", False).split())
    assert "IPv6 pod -> pod across nodes (12 of 12 node pairs)" in en
    ko = " ".join(render_diagnosis(only_v6, "ko", False).split())
    assert "노드 간 IPv6 Pod -> Pod 통신 (노드 쌍 12개 중 12개)" in ko


def test_ipv6_pod_source_rule_missing_is_found_and_fixed_with_an_ipv6_rule() -> None:
    """`default` without its IPv6 ingress-from-members rule: IPv6 pod traffic is dropped at
    ingress. net-sg-pod-source-ingress judges each family, so the cause has its fix (an IPv6
    rule from the IPv6 pod CIDR), and nothing for IPv4, which works."""
    doc = dualstack_example_doc("dualstack-fixed")
    sg = group(doc, "default")
    sg["rules"] = [
        r for r in sg["rules"] if not (r["direction"] == "ingress" and r["ethertype"] == "IPv6")
    ]
    d = diagnose(build(doc))
    (rc,) = d.root_causes
    assert rc.key == "sg-pod-source"
    src = [f for f in d.findings if f.check_id == "net-sg-pod-source-ingress"]
    assert [f.status for f in src] == [Status.FAIL]
    assert localize(src[0].message, "en").startswith("IPv6: Even with allowed pairs")
    assert localize(src[0].message, "ko").startswith("IPv6: ")
    (fix,) = rc.fix.remedies
    assert (fix.param("ethertype"), fix.param("remote_ip_prefix")) == ("IPv6", POD_CIDR_V6)
    plan = build_plan(build(doc))
    assert plan.verification.after == ()


def _pod_to_pod_of(flows: ClusterFlows, version: int) -> FamilyResult:
    """Pod to pod in one address family, judged by the class engine as `pod_to_pod` is."""
    pods = flows.pods_of(version)
    return flows.families_of(version).evaluate(pods, pods, lambda s, t: ("tcp", POD_PORT))


def test_pod_flows_per_family_agree_with_tracing_each_pair() -> None:
    """The class engine's IPv6 pod-to-pod verdicts equal tracing every pair one by one."""
    for doc in (_broken(), dualstack_example_doc("dualstack-fixed")):
        flows = ClusterFlows(build(doc))
        assert flows.versions == (4, 6)
        ends = flows.pods_of(6)
        assert len(ends) == 4 and all(e.ip.version == 6 for e in ends)
        result = _pod_to_pod_of(flows, 6)
        ok = 0
        for s in ends:
            for t in ends:
                if s.name != t.name:
                    r = trace(flows.topo, s.endpoint, t.endpoint, "tcp", 8080)[0]
                    ok += r.ok
        assert result.total == 12 and result.ok[0] == ok
    assert _pod_to_pod_of(ClusterFlows(build(_broken())), 6).ok[0] == 0
    assert _pod_to_pod_of(ClusterFlows(build(_broken())), 4).ok[0] == 12


def _ping6(doc: Doc) -> Disposition:
    snap = build(doc)
    flows = ClusterFlows(snap)
    s, t = flows.pods_of(6)[0], flows.pods_of(6)[1]
    (r,) = trace(flows.topo, s.endpoint, t.endpoint, "icmp", None)
    return next(h.disposition for h in r.hops if h.step == "sg-ingress")


@pytest.mark.parametrize(
    ("ethertype", "protocol", "admitted"),
    [
        ("IPv6", "icmp", True),
        ("IPv6", "ipv6-icmp", True),
        ("IPv6", "58", True),
        ("IPv4", "icmp", False),
    ],
)
def test_a_ping_between_ipv6_pods_needs_an_ipv6_rule(
    ethertype: str, protocol: str, admitted: bool
) -> None:
    doc = dualstack_example_doc("dualstack-fixed")
    default = group(doc, "default")
    # only the new rule admits ingress: drop default's ingress-from-members rules
    default["rules"] = [r for r in default["rules"] if r["direction"] == "egress"]
    default["rules"].append(
        rule(
            default["id"],
            "ingress",
            protocol,
            prefix=POD_CIDR_V6 if ethertype == "IPv6" else POD_CIDR,
            ethertype=ethertype,
            name=f"{ethertype}-{protocol}",
        )
    )
    got = _ping6(doc)
    assert (got == Disposition.ACCEPTED) is admitted, got


def test_a_v2_snapshot_reads_as_single_stack_and_diagnoses_the_same() -> None:
    from kostack_testkit.builders import seed_doc

    doc = copy.deepcopy(seed_doc())
    assert ClusterFlows(build(doc)).versions == (4,)


def _vxlan_always(doc: Doc, mtu: int) -> Doc:
    calico = doc["cluster"]["cni"]["calico"]
    for pool in calico["ip_pools"]:
        pool["vxlan_mode"] = "Always"
    calico["mtu"], calico["mtu_auto"] = mtu, False
    return doc


def test_mtu_per_family_ipv6_vxlan_costs_70() -> None:
    """Pod MTU 1400 on a 1450 network: fits VXLAN over IPv4 (50), not over IPv6 (70)."""
    v4_only = copy.deepcopy(dualstack_example_doc("dualstack-fixed"))
    pools = v4_only["cluster"]["cni"]["calico"]["ip_pools"]
    _vxlan_always(v4_only, 1400)
    pools[1]["vxlan_mode"] = "Never"
    assert not [
        f
        for f in diagnose(build(v4_only)).findings
        if f.check_id == "net-mtu" and f.status == Status.FAIL
    ]
    both = _vxlan_always(copy.deepcopy(dualstack_example_doc("dualstack-fixed")), 1400)
    failing = [
        f
        for f in diagnose(build(both)).findings
        if f.check_id == "net-mtu" and f.status == Status.FAIL
    ]
    assert failing and "70" in " ".join(map(str, failing[0].evidence)) + str(failing[0].message)
    fits = _vxlan_always(copy.deepcopy(dualstack_example_doc("dualstack-fixed")), 1380)
    assert not [
        f
        for f in diagnose(build(fits)).findings
        if f.check_id == "net-mtu" and f.status == Status.FAIL
    ]
