"""Each bundled example's expected root causes (and nothing else)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Severity, Status
from kostack.model import load_snapshot

ROOT = Path(__file__).resolve().parents[2]

EXPECTED: dict[str, list[str]] = {
    "seed-incident": ["antispoof"],
    "seed-fixed": [],
    "seed-port-security-off": [],
    "ipip-always-no-proto4": ["sg-encap"],
    "vxlan-always-no-4789": ["sg-encap"],
    "flannel-vxlan-no-8472": ["sg-encap"],
    "two-subnets-crosssubnet": ["antispoof"],
    # Calico unencapsulated across two subnets, pairs, no router route: the router drops it
    "calico-bgp-two-subnets-no-routes": ["native-cross-subnet"],
    "pairs-some-ports": ["antispoof"],
    "mtu-1500": ["mtu"],
    # FelixConfiguration not readable: too large whether WireGuard is off or on (one cause, cases)
    "mtu-wireguard-unknown": ["mtu"],
    "ovn-seed-fix-not-enough": ["sg-pod-source"],
    "cilium-geneve-no-6081": ["sg-encap"],
    "unmatched-node": ["no-port"],
    "harbor-wrong-namespace": ["antispoof"],  # the seed with its Helm state
    "hetero-groups": ["sg-node"],
    "backend-unknown-healthy": [],
    "reply-drop-backend-unknown": ["antispoof"],
    # item 5 correction: BGP blocked where pod routes come from BGP is an outage, not sg-node
    "bgp-blocked": ["bgp-blocked"],
    # TCP 179 one way: the mesh's greater address (each worker) connects to the master, dropped
    "calico-bgp-one-way": ["bgp-blocked"],
    # the mesh off: every worker's session with the one route reflector is dropped
    "calico-rr-blocked": ["bgp-blocked"],
    # the same, the reflector labelled with calicoctl (Calico's own label): not bgp-no-peer
    "calico-rr-calicoctl-labels": ["bgp-blocked"],
    # item 5 correction: anti-spoofing follows from the overlap and is listed under it
    "pod-cidr-overlaps-nodes": ["cidr-overlap"],
    "lb-amphora-healthy": [],
    "lb-amphora-nodeport-blocked": ["lb-nodeport-blocked"],
    "lb-ovn-node-subnet-only": ["lb-nodeport-blocked"],
    "lb-pending-create": ["lb-stuck"],
    "lb-etp-local-by-design": [],
    # members ERROR with every rule open: nothing serves NodePorts (Antrea without proxyAll,
    # kube-proxy's pods gone), or their addresses are outside kube-proxy's nodePortAddresses
    "antrea-no-node-port-proxy": ["lb-no-node-port-proxy"],
    "calico-no-service-proxy": ["no-service-proxy"],
    # flannel without kube-proxy: one root cause, the members down listed under it
    "flannel-no-service-proxy-lb": ["no-service-proxy"],
    "lb-node-port-addresses": ["lb-node-port-addresses"],
    # Calico's eBPF data plane: Felix forwards NodePorts in VXLAN (udp 4789) between nodes
    "calico-ebpf-healthy": [],
    "calico-ebpf-nodeport-no-4789": ["calico-ebpf-tunnel"],
    # the same turned on by FELIX_BPFENABLED in calico-node's environment (a manifest install)
    "calico-ebpf-env-no-4789": ["calico-ebpf-tunnel"],
    # dual stack: pairs for the IPv4 ranges only, so only IPv6 breaks; and its fixed twin
    "dualstack-ipv6-broken": ["antispoof"],
    "dualstack-fixed": [],
    # only the IPv6 VXLAN rule missing: Calico's IPv6 pool tunnels over the nodes' IPv6 addresses
    "dualstack-ipv6-tunnel-broken": ["sg-encap"],
    # TCP 179 admitted for IPv4 only: BIRD6 peers over the nodes' IPv6 addresses
    "dualstack-ipv6-bgp-blocked": ["bgp-blocked"],
    # two Calico pools: the second pool's IPIP has no rule; the second pool has no pairs
    "calico-two-pools-ipip-no-proto4": ["sg-encap"],
    "calico-two-pools-native-no-pairs": ["antispoof"],
    "kube-router-no-pairs-no-bgp": ["bgp-blocked", "antispoof", "sg-pod-source"],
    "kube-router-fixed": [],
    # TCP 179 one way only between k8s-w-3 and the others: the other end opens the session
    "kube-router-bgp-one-way": [],
    # Antrea's defaults (Geneve, UDP 6081) with no rule for it; noEncap without pairs
    "antrea-geneve-blocked": ["sg-encap"],
    # OVN-Kubernetes (OpenShift's defaults): Geneve UDP 6081 between the nodes dropped
    "ovnk-geneve-blocked": ["sg-encap"],
    "ovnk-healthy": [],
    "antrea-noencap-no-pairs": ["antispoof"],
    # Kube-OVN's defaults (overlay, Geneve UDP 6081) with no rule for it; an underlay Subnet's
    # pods (their own MACs) on ports with port security on
    "kube-ovn-geneve-blocked": ["sg-encap"],
    "kube-ovn-underlay-no-pairs": ["antispoof"],
    # an underlay Subnet's excludeIps leave a VM's and an Octavia VIP's addresses to the pods
    # (the pool overlap is a warning, no root cause)
    "kube-ovn-underlay-pool-overlap": ["kube-ovn-address"],
    # every namespace of the underlay Subnet draws from its IPPool alone, below the held
    # addresses: only the pool's overlap with Neutron's allocation pool (a warning) is left
    "kube-ovn-underlay-ippool": [],
    # MetalLB in L2 mode: the pool has no pair on the node ports
    "metallb-l2-no-pairs": ["vip-antispoof"],
    # MetalLB in BGP mode: the pool (outside every subnet) has no pair on the peering nodes
    "metallb-bgp-no-pairs": ["vip-antispoof"],
    # MetalLB on kubeadm: the control plane carries the exclude label, only workers need pairs
    "metallb-kubeadm-excluded": ["vip-antispoof"],
    # MetalLB in BGP mode: the nodes' narrowed egress drops the sessions to the router
    "metallb-bgp-egress-blocked": ["metallb-bgp-blocked"],
    # OCCM's annotation on a Service MetalLB serves: only the two-controllers warning
    "metallb-occm-annotation": [],
    "metallb-lb-class-no-controller": ["lb-no-controller"],
    "lb-cilium-lb-ipam": [],
    # Cilium LB IPAM announced in L2 from every node, no pair for the pool: the MetalLB L2 judge
    "lb-cilium-l2-no-pairs": ["vip-antispoof"],
    # Cilium LB IPAM advertised over BGP from the workers (a cluster config, a peer config's
    # family selecting the advertisement), no pair for the pool: the MetalLB BGP judge
    "lb-cilium-bgp-no-pairs": ["vip-antispoof"],
    # the speaker announces another class than its controller assigns addresses to
    "metallb-speaker-class-mismatch": ["metallb-class-mismatch"],
    # Antrea Egress: the ExternalIPPool has no pair on the node ports
    "antrea-egress-no-pairs": ["egress-antispoof"],
    # Antrea's Service external IPs: the ExternalIPPool a LoadBalancer Service takes its IP from
    # has no pair on the node ports (judged by the virtual-IP check), and with the pair: healthy
    "antrea-service-external-ip-no-pairs": ["vip-antispoof"],
    # stateless groups admit every request but no reply (the fix plan's rules leave the replies
    # from outside, which it never opens to 0.0.0.0/0)
    "stateless-replies-dropped": ["sg-stateless"],
    # the same with BGP routes: the sessions' replies are dropped too, so no route
    "bgp-stateless-replies": ["sg-stateless"],
    # an admin's snapshot: an unfiltered SR-IOV port needs no pairs; a failed binding is a cause
    "admin-binding-failed": ["port-unbound"],
    # every calico-node autodetected one bridge's address (first-found), not its InternalIP
    "calico-first-found-bridge": ["calico-address"],
    # every calico-node took its second NIC's address: judged on those ports, healthy
    "calico-second-nic": [],
    # the same, the second NICs without the pod range as a pair: their ports drop pod sources
    "calico-second-nic-no-pairs": ["antispoof"],
}

# causes that hold only in some cases of what the snapshot leaves open
CONDITIONAL: dict[str, list[str]] = {
    "backend-unknown-healthy": ["sg-pod-source"],
    "reply-drop-backend-unknown": ["sg-pod-source"],
}


def _diag(name: str):  # type: ignore[no-untyped-def]
    return diagnose(load_snapshot(ROOT / "examples" / f"{name}.json"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expected_root_causes(name: str) -> None:
    d = _diag(name)
    assert [rc.key for rc in d.root_causes] == EXPECTED[name]
    assert [rc.key for rc in d.conditional] == CONDITIONAL.get(name, [])


def test_every_example_is_covered() -> None:
    assert {p.stem for p in (ROOT / "examples").glob("*.json")} == set(EXPECTED)


def test_seed_root_cause_names_all_four_ports_and_the_fix() -> None:
    d = _diag("seed-incident")
    (rc,) = d.root_causes
    ports = [r for r in rc.resources if r.kind == "port"]
    assert sorted(r.name for r in ports) == ["k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"]
    assert sorted(c.split()[-1][:4] for c in rc.fix.commands) == ["5f1c", "9b3d", "a07e", "c4e2"]
    assert all("--allowed-address ip-address=10.244.0.0/16" in c for c in rc.fix.commands)
    alt = [r for r in rc.fix.alternative]
    assert len(alt) == 4 and all(r.op == "disable-port-security" for r in alt)
    checks = {f.check_id for f in rc.symptoms}
    assert checks == {"net-dns", "net-api-service", "net-pod-to-pod", "net-pod-egress"}
    p2p = sum(dict(f.counts)["node_pairs"] for f in rc.symptoms if f.check_id == "net-pod-to-pod")
    assert p2p == 12 == d.node_pairs


def test_two_subnets_only_same_subnet_pairs_break() -> None:
    d = _diag("two-subnets-crosssubnet")
    p2p = [f for f in d.findings if f.check_id == "net-pod-to-pod" and f.status == Status.FAIL]
    # cp-1 <-> w-1 in 10.0.0.0/24 and w-2 <-> w-3 in 10.0.1.0/24: 4 ordered pairs of 12
    assert sum(dict(f.counts)["node_pairs"] for f in p2p) == 4
    encap = [f for f in d.findings if f.check_id == "net-sg-cni-encap"]
    assert [f.status for f in encap] == [Status.PASS]


def test_pairs_on_some_ports_blames_only_the_others() -> None:
    (rc,) = _diag("pairs-some-ports").root_causes
    assert sorted(r.name for r in rc.resources if r.kind == "port") == ["k8s-w-2", "k8s-w-3"]


def test_encapsulation_fixes_are_scoped_by_remote_group() -> None:
    for name, proto in (
        ("ipip-always-no-proto4", "--protocol ipip"),
        ("vxlan-always-no-4789", "--dst-port 4789"),
        ("flannel-vxlan-no-8472", "--dst-port 8472"),
        ("cilium-geneve-no-6081", "--dst-port 6081"),
    ):
        (rc,) = _diag(name).root_causes
        (cmd,) = rc.fix.commands
        assert proto in cmd and "--remote-group" in cmd and "0.0.0.0/0" not in cmd, cmd


def test_ovn_needs_a_pod_cidr_remote_prefix_rule() -> None:
    (rc,) = _diag("ovn-seed-fix-not-enough").root_causes
    (cmd,) = rc.fix.commands
    assert "--remote-ip 10.244.0.0/16" in cmd and "--ingress" in cmd
    assert "ML2/OVN" in rc.message


def test_port_security_off_is_clean_but_warns() -> None:
    d = _diag("seed-port-security-off")
    assert not d.root_causes
    # one warning for the group of ports (aggregated), naming all four
    (warning,) = d.warnings
    assert warning.check_id == "neutron-port-security-disabled"
    assert sorted(warning.nodes) == ["k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"]
    assert d.verdict.kind == "healthy"


def _exit(name: str) -> int:
    from kostack.cli.diagnose import diagnosis_exit

    return diagnosis_exit(_diag(name), "high")


def test_healthy_cluster_with_the_backend_not_visible_is_one_conditional_finding() -> None:
    d = _diag("backend-unknown-healthy")
    assert d.verdict.kind == "undecided" and _exit("backend-unknown-healthy") == 4
    assert len(d.worlds) == 2 and d.worlds[0].open == ("backend",)
    # ONE finding that is not a pass: the pod-source rule that only ML2/OVN needs
    (f,) = [f for f in d.findings if f.status not in (Status.PASS, Status.NOT_APPLICABLE)]
    assert f.status == Status.CONDITIONAL and f.check_id == "net-sg-pod-source-ingress"
    assert f.condition == "on ML2/OVN"
    assert {c.check_id for c in f.consequences} == {"net-dns", "net-pod-to-pod"}
    tell = " ".join(f.tell)
    assert "--neutron-backend" in tell and "openstack network agent list" in tell
    assert "l3-agent-scheduler-ha-chassis-priority" in tell and "MTU 1450" in tell
    (cmd,) = [r for r in f.remedies]
    assert cmd.param("remote_ip_prefix") == "10.244.0.0/16"
    # never "every check passed" while a critical path is undecided
    assert set(d.verdict.critical_undecided) == {"dns", "pod-to-pod"}


def test_a_reply_drop_that_holds_on_both_backends_is_a_failure_with_full_scope() -> None:
    d = _diag("reply-drop-backend-unknown")
    (rc,) = d.root_causes
    assert rc.key == "antispoof" and sorted(r.name for r in rc.resources) == ["k8s-w-2", "k8s-w-3"]
    p2p = sum(dict(f.counts)["node_pairs"] for f in rc.symptoms if f.check_id == "net-pod-to-pod")
    # every pair with w-2 or w-3 at either end: 12 - (cp-1 <-> w-1) = 10, on both backends
    assert p2p == 10
    assert any("checked for ML2/OVS and ML2/OVN" in e for f in rc.findings for e in f.evidence)
    assert _exit("reply-drop-backend-unknown") == 1
    (cond,) = d.conditional
    assert cond.key == "sg-pod-source" and cond.condition == "on ML2/OVN"


def test_bgp_blocked_where_routes_come_from_bgp_is_an_outage() -> None:
    d = _diag("bgp-blocked")
    (rc,) = d.root_causes
    assert rc.severity == Severity.CRITICAL and rc.check_id == "net-sg-bgp"
    p2p = [f for f in rc.symptoms if f.check_id == "net-pod-to-pod"]
    assert p2p and sum(dict(f.counts)["node_pairs"] for f in p2p) == 12
    assert all("no route" in f.message for f in p2p)
    assert not any(f.check_id == "net-pod-to-pod" and f.status == Status.PASS for f in d.findings)
    (cmd,) = rc.fix.commands
    assert "--dst-port 179" in cmd and "--remote-group" in cmd


def test_bgp_sessions_whose_replies_a_stateless_group_drops_give_no_route() -> None:
    d = _diag("bgp-stateless-replies")
    (rc,) = d.root_causes
    assert rc.severity == Severity.CRITICAL and rc.check_id == "net-sg-bgp"
    assert "replies of Calico BGP sessions" in rc.message
    p2p = [f for f in rc.symptoms if f.check_id == "net-pod-to-pod"]
    assert p2p and sum(dict(f.counts)["node_pairs"] for f in p2p) == 12
    assert all("its replies are dropped: no route" in f.message for f in p2p)
    assert not any(f.status == Status.PASS for f in d.findings if "pod-to-pod" in f.check_id)
    assert any("tcp --dst-port 32768:60999 --remote-group" in c for c in rc.fix.commands)
    # stateless-replies-dropped (VXLAN: BGP carries no pod route) claims no BGP pass either
    assert not any(f.check_id == "net-sg-bgp" for f in _diag("stateless-replies-dropped").findings)


def test_overlap_lists_its_consequences_under_it_and_no_contradicting_ok() -> None:
    from kostack.report.text import render_diagnosis

    d = _diag("pod-cidr-overlaps-nodes")
    (rc,) = d.root_causes
    assert rc.key == "cidr-overlap" and [c.key for c in rc.consequences] == ["antispoof"]
    text = " ".join(render_diagnosis(d).split())
    ok_line = text[text.index("Also checked, ok:") :]
    for word in ("anti-spoofing", "pod-to-pod", "DNS", "egress"):
        assert word not in ok_line, word
    assert "Follows: Neutron anti-spoofing drops pod traffic" in text


def test_heterogeneous_groups_are_judged_by_what_they_admit() -> None:
    d = _diag("hetero-groups")
    (rc,) = d.root_causes
    (finding,) = rc.findings
    assert finding.check_id == "net-sg-control-plane" and finding.nodes == ("k8s-w-3",)
    assert dict(finding.counts)["node_pairs"] == 1
    # four groups, rules written differently: w-1's and w-2's admit the same, so one class
    from kostack.analyze.flows import ClusterFlows

    family = ClusterFlows(load_snapshot(ROOT / "examples" / "hetero-groups.json")).pod_to_pod
    (cls,) = [c for c in family.targets if "k8s-w-1" in {m.name for m in c.members}]
    assert {m.name for m in cls.members} == {"k8s-w-1", "k8s-w-2"}


def test_each_node_of_a_group_shows_its_own_block_address_and_next_hop() -> None:
    from kostack_testkit.builders import build, example_doc

    d = _diag("seed-incident")
    (rc,) = d.root_causes
    lines = [e for e in rc.evidence if "pods in" in e]
    assert "k8s-w-2 (10.0.0.13): pods in 10.244.2.0/26" in lines[2]
    assert "k8s-w-3 (10.0.0.14): pods in 10.244.3.0/26" in lines[3]
    # the group's reasons name no single member's block or address
    reasons = [f for f in rc.findings[0].flows if "pod -> pod to" in f]
    assert reasons and not any(" via " in r for r in reasons)
    doc = example_doc("seed-fixed")
    doc["openstack"]["routers"][0]["routes"] = []
    fixed = diagnose(build(doc))
    (egress,) = fixed.root_causes
    routes = {(r.param("destination"), r.param("nexthop")) for r in egress.fix.remedies}
    assert routes == {
        ("10.244.0.0/26", "10.0.0.11"),
        ("10.244.1.0/26", "10.0.0.12"),
        ("10.244.2.0/26", "10.0.0.13"),
        ("10.244.3.0/26", "10.0.0.14"),
    }


def test_antrea_service_external_ips_pass_with_the_pools_pair() -> None:
    """The example's pool as a pair on every node port: no root cause, the Service's IP judged
    (and passed) by the virtual-IP check, its pool and address named before."""
    from kostack.model import parse_snapshot
    from kostack_testkit.egress import FIXED

    (before,) = _diag("antrea-service-external-ip-no-pairs").root_causes
    text = " ".join(str(f.message) for f in before.findings)
    assert "service-external-ip-pool" in text and "10.0.0.224/29" in text, text
    doc: dict[str, object] = {}
    FIXED["antrea-service-external-ip-no-pairs"](doc)
    after = diagnose(parse_snapshot(doc))
    assert not after.root_causes and not after.conditional
    (vip,) = [f for f in after.findings if f.check_id == "neutron-vip-pairs"]
    assert vip.status is Status.PASS
