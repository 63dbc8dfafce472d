"""Stateless security groups: a reply is filtered like any packet (docs/facts.md "Stateless
security groups", engine/stateless.py).

kostack said "reply of an allowed connection: security groups are stateful" for every flow,
so a cloud whose stateless groups admit the services but not the replies (every TCP
connection hangs after its SYN) was diagnosed healthy: a false PASS.
"""

from __future__ import annotations

import io
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.endpoints import parse_endpoint
from kostack.analyze.engine.family_records import End, hop_id
from kostack.analyze.engine.path import trace
from kostack.analyze.engine.types import PASSING, Disposition, FlowResult, Hop
from kostack.analyze.findings import Status
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.topology import Topology
from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack.plan.build import build_plan
from kostack_testkit.builders import (
    POD_CIDR,
    SG_NODES,
    build,
    fake_id,
    group,
    hetero_doc,
    new_group_rules,
    rule,
    seed_doc,
    set_calico_mode,
    use_only_group,
)

Doc = dict[str, Any]
EPHEMERAL = (32768, 60999)
# a stateless reply's hops: at the server's (target's) egress, the client's (source's) ingress
REPLY_STEPS = frozenset({"reply-sg-target-egress", "reply-sg-source-ingress"})
# the services the seed cluster's flows use, from pods and from the nodes
SERVICES = [
    rule(SG_NODES, "ingress", proto, port, POD_CIDR)
    for proto, port in (("tcp", 8080), ("udp", 53), ("tcp", 53), ("tcp", 6443))
] + [rule(SG_NODES, "ingress", None, None, group=SG_NODES)]


def stateless_doc(*extra: Doc, backend: str = "ml2/ovn", stateful: bool = False) -> Doc:
    """The seed, fixed (pairs for the pod CIDR), node ports only in `k8s-nodes`: egress any,
    the services' ingress rules and ``extra``, stateless unless ``stateful``."""
    doc = seed_doc()
    for port in doc["openstack"]["ports"]:
        port["allowed_address_pairs"] = [{"ip_address": POD_CIDR}]
    sg = group(doc, "k8s-nodes")
    sg["rules"] = [*new_group_rules(SG_NODES), *SERVICES, *extra]
    sg["stateful"] = stateful
    use_only_group(doc, "k8s-nodes")
    doc["openstack"]["backend"] = backend
    return doc


def replies(
    *protos: str, lo: int = EPHEMERAL[0], hi: int = EPHEMERAL[1], remote: str = "0.0.0.0/0"
) -> list[Doc]:
    """Ingress rules for replies to ports lo-hi (from anywhere: pods and the outside)."""
    return [rule(SG_NODES, "ingress", p, (lo, hi), remote) for p in protos]


def pod_trace(doc: Doc, dst: str, proto: str, port: int | None) -> FlowResult:
    topo = Topology(build(doc))
    src, _, _ = parse_endpoint(topo, "pod:demo/netshoot")
    end, _, _ = parse_endpoint(topo, dst)
    (result,) = trace(topo, src, end, proto, port)
    return result


def reply_hop(result: FlowResult) -> Hop:
    (hop,) = [h for h in result.hops if h.step == "reply-sg-source-ingress"]
    assert hop.direction == "reply"
    return hop


COREDNS = "pod:kube-system/coredns-674b8bbfcf-7xk2q"  # on k8s-cp-1, netshoot on k8s-w-1


def test_replies_dropped_are_a_root_cause_with_the_rule_that_admits_them() -> None:
    result = pod_trace(stateless_doc(), COREDNS, "tcp", 8080)
    hop = reply_hop(result)
    assert hop.disposition == Disposition.DENIED and hop.cause == "sg-stateless"
    assert "ephemeral ports 32768-60999" in hop.detail and "k8s-nodes" in hop.detail
    assert result.verdict == Disposition.DENIED  # was ACCEPTED: "security groups are stateful"

    d = diagnose(build(stateless_doc()))
    assert d.verdict.kind == "root-causes"
    (rc,) = d.root_causes
    assert (rc.key, rc.check_id) == ("sg-stateless", "net-sg-stateless")
    assert "dropped at" not in rc.message and "32768-60999" in rc.message
    commands = "\n".join(rc.fix.commands)
    for proto in ("tcp", "udp"):
        assert (
            f"openstack security group rule create --ingress --ethertype IPv4 --protocol {proto} "
            f"--dst-port 32768:60999 --remote-ip 10.244.0.0/16" in commands
        ), commands
    assert {s.check_id for s in rc.symptoms} >= {"net-pod-to-pod", "net-dns"}


def test_fix_plan_adds_the_reply_rules_from_the_pods_and_leaves_the_outside_to_the_user() -> None:
    """Replies from the outside need a rule open to 0.0.0.0/0, which kostack never plans
    (plan/assemble.py): diagnose prints it, the plan says it left it."""
    plan = build_plan(build(stateless_doc()))
    assert [r.key for r in plan.verification.before] == ["sg-stateless"]
    assert any("not planned: a rule open to 0.0.0.0/0" in n for n in plan.not_planned)
    assert {a.rule.remote_ip_prefix for a in plan.actions} == {POD_CIDR}  # type: ignore[union-attr]
    # with the outside's replies admitted, the plan fixes the rest, verified
    outside = replies("tcp", "udp", remote="1.1.1.1/32")
    plan = build_plan(build(stateless_doc(*outside)))
    assert [r.key for r in plan.verification.before] == ["sg-stateless"]
    assert plan.verification.after == ()
    ranges = {(a.rule.protocol, a.rule.port_range_min, a.rule.port_range_max) for a in plan.actions}  # type: ignore[union-attr]
    assert ranges == {("tcp", 32768, 60999), ("udp", 32768, 60999)}


def test_the_ephemeral_range_open_passes() -> None:
    doc = stateless_doc(*replies("tcp", "udp"))
    hop = reply_hop(pod_trace(doc, COREDNS, "tcp", 8080))
    assert hop.disposition == Disposition.ACCEPTED
    assert "stateless group k8s-nodes" in hop.detail and "32768-60999" in hop.detail
    d = diagnose(build(doc))
    assert d.verdict.kind == "healthy", [rc.message for rc in d.root_causes]
    (found,) = [f for f in d.findings if f.check_id == "net-sg-stateless"]
    assert found.status == Status.PASS and "k8s-nodes" in found.message


def test_part_of_the_range_is_undecided_and_says_which_part() -> None:
    doc = stateless_doc(*replies("tcp", "udp", hi=40000))
    hop = reply_hop(pod_trace(doc, COREDNS, "tcp", 8080))
    assert hop.disposition == Disposition.UNKNOWN
    assert "to ports 32768-40000 only" in hop.detail
    d = diagnose(build(doc))
    assert d.verdict.kind == "undecided" and not d.root_causes
    assert any(f.check_id == "net-sg-stateless" and f.status == Status.UNKNOWN for f in d.findings)


def test_two_rules_that_cover_the_range_together_pass() -> None:
    doc = stateless_doc(*replies("tcp", hi=45000), *replies("tcp", lo=45001))
    assert reply_hop(pod_trace(doc, COREDNS, "tcp", 8080)).disposition == Disposition.ACCEPTED


def test_a_reply_rule_for_other_addresses_does_not_count() -> None:
    doc = stateless_doc(rule(SG_NODES, "ingress", "tcp", EPHEMERAL, "192.168.0.0/16"))
    assert reply_hop(pod_trace(doc, COREDNS, "tcp", 8080)).disposition == Disposition.DENIED


def test_stateful_groups_are_unchanged() -> None:
    result = pod_trace(stateless_doc(stateful=True), COREDNS, "tcp", 8080)
    assert result.ok and result.hops[-1].step == "reply"
    assert "security groups are stateful" in result.hops[-1].detail
    assert not any(h.step in REPLY_STEPS for h in result.hops)
    d = diagnose(build(stateless_doc(stateful=True)))
    assert d.verdict.kind == "healthy"
    assert not any(f.check_id == "net-sg-stateless" for f in d.findings)  # silent


@pytest.mark.parametrize(
    ("icmp", "expected"),
    [
        ((8, 0), Disposition.DENIED),  # echo request only: the reply (type 0) is dropped
        ((0, 0), Disposition.ACCEPTED),
        ((0, None), Disposition.ACCEPTED),
        ((0, 3), Disposition.DENIED),  # type 0 with code 3 is no echo reply
        (None, Disposition.ACCEPTED),  # any ICMP
    ],
)
def test_an_echo_reply_needs_icmp_type_0(
    icmp: tuple[int, int | None] | None, expected: str
) -> None:
    ping = rule(SG_NODES, "ingress", "icmp", (8, 0), POD_CIDR, name="ping")
    reply = rule(SG_NODES, "ingress", "icmp", None, POD_CIDR, name="reply")
    if icmp is not None:
        reply["port_range_min"], reply["port_range_max"] = icmp
    result = pod_trace(stateless_doc(ping, reply), COREDNS, "icmp", None)
    hop = reply_hop(result)
    assert hop.disposition == expected, hop.detail
    assert "icmp type 0" in hop.detail


@pytest.mark.parametrize("backend", ["ml2/ovs", None])
def test_under_ovs_or_an_unknown_backend_a_drop_is_undecided(backend: str | None) -> None:
    """ML2/OVS's openvswitch firewall driver ignores stateful=false, iptables_hybrid does not:
    the API does not say which runs."""
    doc = stateless_doc(backend=backend)  # type: ignore[arg-type]
    # not the remote-group rule: under ML2/OVS it admits the members' pairs (the pod CIDR)
    sg = group(doc, "k8s-nodes")
    sg["rules"] = [r for r in sg["rules"] if r["remote_group_id"] is None]
    hop = reply_hop(pod_trace(doc, COREDNS, "tcp", 8080))
    assert hop.disposition == Disposition.UNKNOWN
    assert "iptables_hybrid" in hop.detail and "openvswitch firewall driver" in hop.detail
    d = diagnose(build(doc))
    assert d.verdict.kind != "healthy"
    # the rules that admit the replies pass under every firewall
    ok = stateless_doc(*replies("tcp", "udp"), backend=backend)  # type: ignore[arg-type]
    assert reply_hop(pod_trace(ok, COREDNS, "tcp", 8080)).disposition == Disposition.ACCEPTED


def test_a_tunnels_reply_is_a_tunnel_packet_to_its_port_not_to_an_ephemeral_one() -> None:
    vxlan = rule(SG_NODES, "ingress", "udp", 4789, group=SG_NODES, name="vxlan")
    doc = stateless_doc(vxlan)
    set_calico_mode(doc, vxlan="Always")
    result = pod_trace(doc, COREDNS, "tcp", 8080)
    hop = reply_hop(result)
    assert hop.disposition == Disposition.ACCEPTED, hop.detail
    assert "port 4789" in hop.detail and "ephemeral" not in hop.detail
    assert result.ok


def test_replies_from_outside_need_the_clients_ingress_rule() -> None:
    result = pod_trace(stateless_doc(), "ip:1.1.1.1", "tcp", 443)
    hop = reply_hop(result)
    assert hop.disposition == Disposition.DENIED and "1.1.1.1 -> 10.244.1.7" in hop.detail
    any_reply = rule(SG_NODES, "ingress", "tcp", EPHEMERAL, "0.0.0.0/0")
    ok = pod_trace(stateless_doc(any_reply), "ip:1.1.1.1", "tcp", 443)
    assert reply_hop(ok).disposition == Disposition.ACCEPTED


def run_cli(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, environ={}, stdin_isatty=False, stdout_isatty=False)
    return main(list(args), env), out.getvalue()


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("Stateless security groups drop the replies", "--dst-port 32768:60999")),
        (
            "ko",
            (
                "상태 비저장(stateless) 보안 그룹이 클러스터 연결의 응답을 차단함",
                "임시 포트 32768-60999로 가는",
            ),
        ),
    ],
)
def test_diagnose_says_it_in_english_and_korean(
    tmp_path: Path, lang: str, words: tuple[str, ...]
) -> None:
    snap = tmp_path / "stateless.json"
    snap.write_text(json.dumps(stateless_doc()))
    code, out = run_cli("diagnose", "--snapshot", str(snap), "--lang", lang)
    assert code == 1
    for w in words:
        assert w in out, out


# --------------------------------------------------------------------------- aggregation


def _brute(
    topos: list[Topology],
    ends: list[End],
    flow: tuple[str, int | None],
    steps: Any,
    targets: list[End] | None = None,
) -> Any:
    """Every pair ends -> ``targets`` (default: ends) traced, counted by its first failing hop
    (the one every world fails at, when there is one)."""
    per = [Counter[Any]() for _ in topos]
    for s in ends:
        for t in ends if targets is None else targets:
            if s.name == t.name:
                continue
            for w, hop in enumerate(first_failing(topos, s, t, flow, steps)):
                if hop is not None:
                    per[w][hop] += 1
    return per


def first_failing(
    topos: list[Topology], s: End, t: End, flow: tuple[str, int | None], steps: Any
) -> list[Any]:
    """Per world, the id of the pair s -> t's first failing hop (among ``steps``), the one
    every world fails at when there is one; None where it passes."""
    results = [trace(tp, s.endpoint, t.endpoint, *flow, full=True)[0] for tp in topos]
    failing = [
        [h for h in r.hops if h.disposition not in PASSING and (not steps or h.step in steps)]
        for r in results
    ]
    common: set[Any] = set()
    if all(failing):
        common = set.intersection(*({hop_id(h) for h in f} for f in failing))
    return [
        hop_id(next((h for h in hops if hop_id(h) in common), hops[0])) if hops else None
        for hops in failing
    ]


def _random_stateless(seed: int) -> Doc:
    """12 nodes, each in its own group; some groups stateless, with reply rules of random
    ranges, remotes and ICMP types (and a cut at 45000 shared by two rules)."""
    rng = random.Random(seed)
    doc = hetero_doc(12, pods_per_node=1)
    set_calico_mode(doc, **rng.choice([{}, {"vxlan": "Always"}, {"vxlan": "CrossSubnet"}]))
    doc["openstack"]["backend"] = rng.choice(["ml2/ovn", "ml2/ovn", "ml2/ovs"])
    for grp in doc["openstack"]["security_groups"]:
        grp["stateful"] = rng.random() < 0.3
        sg = grp["id"]
        for _ in range(rng.randint(0, 3)):
            lo = rng.choice([1, 32768, 40000, 45001])
            hi = rng.choice([45000, 60999, 65535])
            proto = rng.choice(["tcp", "udp", None])
            remote = rng.choice(["10.0.0.0/16", "10.128.0.0/10", "10.0.1.0/26", "0.0.0.0/0"])
            ports = (min(lo, hi), max(lo, hi)) if proto else None
            grp["rules"].append(rule(sg, "ingress", proto, ports, remote, name=str(rng.random())))
        if rng.random() < 0.5:
            icmp = rule(sg, "ingress", "icmp", rng.choice([None, (0, 0), (8, 0)]), "10.0.0.0/8")
            grp["rules"].append(icmp)
        if rng.random() < 0.2:  # no egress rules at all: the server's egress drops the reply
            grp["rules"] = [r for r in grp["rules"] if r["direction"] == "ingress"]
    for port in doc["openstack"]["ports"]:
        if rng.random() < 0.2:  # a group not in the snapshot: undecided
            port["security_group_ids"] = [*port["security_group_ids"], fake_id("sg", "missing")]
    return doc


@pytest.mark.parametrize("seed", range(10))
def test_families_count_stateless_replies_as_tracing_every_pair_does(seed: int) -> None:
    flows = ClusterFlows(build(_random_stateless(seed)))
    checked = 0
    for kind, flow in (
        ("pod", ("tcp", 8080)),
        ("pod", ("icmp", None)),
        ("node", ("udp", 53)),
        ("node", ("tcp", 10250)),
    ):
        ends = flows.pods if kind == "pod" else flows.nodes
        for steps in (None, REPLY_STEPS):
            result = flows.families.evaluate(ends, ends, lambda s, t, f=flow: f, steps=steps)
            got = [Counter({f.hop: f.pairs for f in facts}) for facts in result.facts]
            assert got == _brute(flows.topos, ends, flow, steps), (seed, kind, flow, steps)
            checked += result.total
    assert checked > 0


@pytest.mark.parametrize("edit", ["protocol-0", "missing-group"])
def test_a_rule_or_group_that_cannot_be_read_leaves_the_reply_undecided(edit: str) -> None:
    """Protocol 0 means every protocol or protocol 0 by firewall driver (docs/facts.md); a
    group not in the snapshot may hold the rule: never a decided drop."""
    doc = stateless_doc(rule(SG_NODES, "ingress", "0", None, POD_CIDR))
    if edit == "missing-group":
        doc = stateless_doc()
        for port in doc["openstack"]["ports"]:
            port["security_group_ids"].append(fake_id("sg", "gone"))
    hop = reply_hop(pod_trace(doc, COREDNS, "tcp", 8080))
    assert hop.disposition == Disposition.UNKNOWN and "cannot be decided" in hop.detail


def test_reply_ranges_that_differ_by_node_do_not_split_the_classes() -> None:
    """Each node's group admits replies on its own part of the range: the classes are by
    "all, part or none of it" (two sets a port), not by the rules' bounds, so 40 nodes stay
    a few classes (one query per segment of the range cut by every rule made 40, and 300
    nodes took minutes)."""
    doc = hetero_doc(40, pods_per_node=1)
    for i, grp in enumerate(doc["openstack"]["security_groups"]):
        grp["stateful"] = False
        span = (EPHEMERAL[0] + 7 * i, EPHEMERAL[1] - 3 * i)
        grp["rules"].append(rule(grp["id"], "ingress", "tcp", span, "10.0.0.0/8"))
    doc["openstack"]["backend"] = "ml2/ovn"
    d = diagnose(build(doc))
    assert d.verdict.kind != "healthy"
    sources, _targets, traces = d.classes
    assert sources <= 4 and traces < 200, d.classes


@pytest.mark.parametrize(("icmp_type", "expected"), [(128, "denied"), (129, "accepted")])
def test_an_icmpv6_echo_reply_needs_type_129(icmp_type: int, expected: str) -> None:
    """An IPv6 rule with protocol icmp is ICMPv6 (neutron `_get_ip_proto_name_and_num`)."""
    doc = json.loads(
        (Path(__file__).resolve().parents[2] / "examples/dualstack-fixed.json").read_text()
    )
    for sg in doc["openstack"]["security_groups"]:
        sg["stateful"] = False
    sg = group(doc, "k8s-nodes")
    sg["rules"].append(
        rule(sg["id"], "ingress", "icmp", (icmp_type, 0), "fd00:10:244::/56", ethertype="IPv6")
    )
    doc["openstack"]["backend"] = "ml2/ovn"
    topo = Topology(build(doc))
    src, _, _ = parse_endpoint(topo, "pod:demo/netshoot", 6)
    dst, _, _ = parse_endpoint(topo, "pod:demo/dns-test", 6)
    (result,) = trace(topo, src, dst, "icmp", None, full=True)
    hop = reply_hop(result)
    assert hop.disposition == expected and "type 129" in hop.detail, hop.detail
