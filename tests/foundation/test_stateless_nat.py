"""Masquerade's source ports under stateless security groups (docs/facts.md "Stateless
security groups"; engine/stateless.py `masquerade_ports`).

Calico's natOutgoing and flannel's ip-masq masquerade with --random-fully, which picks the
node's source port anywhere in 1024-65535 (tests/lab/test_lab_masquerade_ports.py asks the
kernel). kostack judged the reply of a masqueraded connection against the ephemeral range
32768-60999 only, so the rule it recommended (32768:60999 from 0.0.0.0/0) was called enough
while about half the pods' connections to the outside still hung.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from test_stateless import (
    COREDNS,
    REPLY_STEPS,
    _brute,
    pod_trace,
    replies,
    reply_hop,
    run_cli,
    stateless_doc,
)

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.stateless import NAT_PORTS, fully_random_off
from kostack.analyze.engine.types import Disposition
from kostack.analyze.findings import Status
from kostack.analyze.flows import ClusterFlows
from kostack_testkit.builders import (
    SG_NODES,
    build,
    calico_pool,
    example_cilium_geneve_no_6081,
    example_flannel_no_8472,
    hetero_doc,
    rule,
    set_calico_mode,
)

Doc = dict[str, Any]
OUTSIDE = "ip:1.1.1.1"
POD = "10.244.0.0/16"  # the reply of a natively routed pod comes from its own address


def nat_doc(*extra: Doc, override: str | None = None) -> Doc:
    """`stateless_doc` with natOutgoing on (and Felix's featureDetectOverride)."""
    doc = stateless_doc(*extra)
    calico_pool(doc)["nat_outgoing"] = True
    doc["cluster"]["cni"]["calico"]["feature_detect_override"] = override
    return doc


def test_a_masqueraded_reply_needs_the_ports_random_fully_picks() -> None:
    result = pod_trace(nat_doc(*replies("tcp", "udp")), OUTSIDE, "tcp", 443)
    hop = reply_hop(result)
    # the old rule admits 32768-60999 of 1024-65535: part, a drop (the kernel picks any port
    # of it, so some connections hang), said with the masquerade's ports
    assert hop.disposition == Disposition.DENIED, hop.detail
    assert "1.1.1.1 -> 10.0.0.12" in hop.detail  # to the node's address: masqueraded
    assert "32768-60999 only, of the ports 1024-65535" in hop.detail
    assert "--random-fully" in hop.detail
    wide = pod_trace(nat_doc(*replies("tcp", lo=1024, hi=65535)), OUTSIDE, "tcp", 443)
    assert reply_hop(wide).disposition == Disposition.ACCEPTED
    none = reply_hop(pod_trace(nat_doc(), OUTSIDE, "tcp", 443))
    assert none.disposition == Disposition.DENIED
    assert "to the ports 1024-65535 a masquerade with --random-fully picks" in none.detail


def test_felix_without_random_fully_keeps_the_ephemeral_range() -> None:
    off = "SNATFullyRandom=true, MASQFullyRandom=false"
    result = pod_trace(nat_doc(*replies("tcp"), override=off), OUTSIDE, "tcp", 443)
    assert reply_hop(result).disposition == Disposition.ACCEPTED
    assert fully_random_off(off) and not fully_random_off("MASQFullyRandom=true")
    assert not fully_random_off("") and not fully_random_off("SNATFullyRandom=false")


@pytest.mark.parametrize(
    ("override", "off"),
    [
        ("MASQFullyRandom=False", True),  # Felix's Go ParseBool: False, FALSE, f, 0 too
        ("SNATFullyRandom=true,MASQFullyRandom=0", True),
        ("MASQFullyRandom=false,MASQFullyRandom=true", False),  # the last of a key wins
        ("MASQFullyRandom = false", False),  # no `\w+=`: Felix ignores the item
    ],
)
def test_the_override_is_read_as_felix_reads_it(override: str, off: bool) -> None:
    """kostack took only the exact value "false" (so an override Felix honours still read as
    --random-fully: a FAIL proposing the switch already made) and any MASQFullyRandom=false
    item (so one Felix ignores or overrides read as off: a false PASS)."""
    assert fully_random_off(override) is off
    d = diagnose(build(nat_doc(*replies("tcp", "udp"), override=override)))
    assert [rc.key for rc in d.root_causes] == ([] if off else ["sg-stateless"])


def test_pods_not_masqueraded_keep_the_ephemeral_range() -> None:
    # pod to pod: no masquerade, the reply goes to the pod's own port
    hop = reply_hop(pod_trace(nat_doc(*replies("tcp")), COREDNS, "tcp", 8080))
    assert hop.disposition == Disposition.ACCEPTED


@pytest.mark.parametrize(
    ("build_cni", "expected"),
    [(example_flannel_no_8472, Disposition.DENIED), (example_cilium_geneve_no_6081, None)],
)
def test_flannel_picks_fully_random_ports_and_cilium_keeps_them(
    build_cni: Any, expected: Disposition | None
) -> None:
    doc, other = stateless_doc(*replies("tcp")), stateless_doc()
    build_cni(other)  # its CNI only (the example also writes groups of its own)
    doc["cluster"]["cni"] = other["cluster"]["cni"]
    hops = [h for h in pod_trace(doc, OUTSIDE, "tcp", 443).hops if h.direction == "reply"]
    sg = [h for h in hops if h.step == "reply-sg-source-ingress"]
    if expected is None:  # Cilium: the ephemeral rule is enough
        assert all(h.disposition == Disposition.ACCEPTED for h in sg), sg
    else:
        assert [h.disposition for h in sg] == [expected]
        assert "1024-65535" in sg[0].detail


def test_the_finding_names_the_masquerade_and_the_felix_switch() -> None:
    kept = "SNATFullyRandom=true"
    d = diagnose(build(nat_doc(*replies("tcp", "udp", remote="10.0.0.0/8"), override=kept)))
    (rc,) = d.root_causes
    assert rc.key == "sg-stateless"
    commands = "\n".join(rc.fix.commands)
    patch = (
        "kubectl patch felixconfiguration default --type merge -p "
        """'{"spec":{"featureDetectOverride":"SNATFullyRandom=true,MASQFullyRandom=false"}}'"""
    )
    assert patch in commands, commands
    assert "--dst-port 32768:60999 --remote-ip 0.0.0.0/0" in commands  # then enough
    assert "--dst-port 1024:65535" not in commands  # never open every port to the world
    assert "with --random-fully" in rc.message and "1024-65535" in rc.message


def test_with_the_ephemeral_ports_open_only_felixs_switch_is_proposed() -> None:
    """The rule kostack used to recommend (32768:60999 from anywhere) is in place."""
    d = diagnose(build(nat_doc(*replies("tcp", "udp"))))
    (rc,) = d.root_causes
    assert rc.key == "sg-stateless" and "32768-60999 only, of the ports 1024-65535" in rc.message
    (command,) = [c for c in rc.fix.commands if "security group rule" in c or "kubectl" in c]
    assert "MASQFullyRandom=false" in command


def test_it_says_so_in_korean(tmp_path: Any) -> None:
    import json

    snap = tmp_path / "nat.json"
    snap.write_text(json.dumps(nat_doc(*replies("tcp", "udp", remote="10.0.0.0/8"))))
    code, out = run_cli("diagnose", "--snapshot", str(snap), "--lang", "ko")
    assert code == 1
    assert "--random-fully로 마스커레이드하므로" in out, out
    assert "MASQFullyRandom=false" in out


def test_the_check_passes_once_every_masqueraded_port_is_admitted() -> None:
    wide = [rule(SG_NODES, "ingress", p, NAT_PORTS, "0.0.0.0/0") for p in ("tcp", "udp")]
    d = diagnose(build(nat_doc(*replies("tcp", "udp", remote="10.0.0.0/8"), *wide)))
    assert d.verdict.kind != "root-causes", [r.key for r in d.root_causes]
    (f,) = [f for f in d.findings if f.check_id == "net-sg-stateless"]
    assert f.status == Status.PASS


def _random_nat(seed: int) -> Doc:
    """10 nodes in groups of their own, some stateless, natOutgoing on or off, reply rules of
    ranges that cut the ephemeral and the masquerade's ports differently."""
    rng = random.Random(seed)
    doc = hetero_doc(10, pods_per_node=1)
    set_calico_mode(doc, **rng.choice([{}, {"vxlan": "Always"}]))
    calico_pool(doc)["nat_outgoing"] = rng.random() < 0.8
    override = rng.choice([None, "", "MASQFullyRandom=false"])
    doc["cluster"]["cni"]["calico"]["feature_detect_override"] = override
    doc["openstack"]["backend"] = rng.choice(["ml2/ovn", "ml2/ovs"])
    for grp in doc["openstack"]["security_groups"]:
        grp["stateful"] = rng.random() < 0.3
        for _ in range(rng.randint(0, 3)):
            lo = rng.choice([1, 1024, 20000, 32768])
            hi = rng.choice([30000, 60999, 65535])
            proto = rng.choice(["tcp", None])
            remote = rng.choice(["10.0.0.0/16", "10.0.1.0/26", "0.0.0.0/0"])
            ports = (min(lo, hi), max(lo, hi)) if proto else None
            grp["rules"].append(
                rule(grp["id"], "ingress", proto, ports, remote, name=str(rng.random()))
            )
    return doc


@pytest.mark.parametrize("seed", range(8))
def test_families_count_masqueraded_replies_as_tracing_every_pair_does(seed: int) -> None:
    """Pods to nodes (masqueraded under natOutgoing) and pods to pods, stateless replies."""
    flows = ClusterFlows(build(_random_nat(seed)))
    for targets in (flows.nodes, flows.pods):
        for steps in (None, REPLY_STEPS):
            result = flows.families.evaluate(
                flows.pods, targets, lambda s, t: ("tcp", 10250), steps=steps
            )
            got = [Counter({f.hop: f.pairs for f in facts}) for facts in result.facts]
            assert got == _brute(flows.topos, flows.pods, ("tcp", 10250), steps, targets), seed


def test_a_hostile_override_stays_one_quoted_argument() -> None:
    """What Felix's override holds comes from the cluster: the printed command must give
    kubectl exactly the merged value, whatever quotes, newlines or escapes it holds."""
    import json
    import shlex

    hostile = "a=1'; rm -rf / #\n\x1b[31mX=y,MASQFullyRandom=true"
    d = diagnose(build(nat_doc(*replies("tcp", "udp"), override=hostile)))
    (command,) = [c for c in d.root_causes[0].fix.commands if c.startswith("kubectl")]
    assert "\n" not in command and "\x1b" not in command
    argv = shlex.split(command)
    assert argv[:7] == [
        "kubectl",
        "patch",
        "felixconfiguration",
        "default",
        "--type",
        "merge",
        "-p",
    ]
    (patch,) = argv[7:]
    value = json.loads(patch)["spec"]["featureDetectOverride"]
    assert value == "a=1'; rm -rf / #\n\x1b[31mX=y,MASQFullyRandom=false"


def _lb_stateless(*extra: Doc) -> Any:
    """The healthy amphora Service, its node groups stateless (ML2/OVN), with ``extra``."""
    from kostack_testkit.builders import group
    from kostack_testkit.lb_fixtures import amphora_healthy

    doc = amphora_healthy()
    for grp in doc["openstack"]["security_groups"]:
        grp["stateful"] = False
    group(doc, "k8s-nodes")["rules"].extend(extra)
    doc["openstack"]["backend"] = "ml2/ovn"
    return build(doc)


def _inner_reply(snapshot: Any) -> Any:
    """The reply hop at the member node of the path kube-proxy forwards to another node."""
    from kostack.analyze.loadbalancer.analysis import lb_analysis
    from kostack.analyze.loadbalancer.entry import trace_way_in
    from kostack.analyze.topology import Topology

    topo = Topology(snapshot)
    target = lb_analysis(topo).index.get("shop", "web")
    assert target is not None
    paths = trace_way_in(topo, None, target, "tcp", 80)
    forwarded = [p for p in paths if any("SNAT to" in str(h.detail) for h in p.hops)]
    assert forwarded
    (hop,) = [h for h in forwarded[0].hops if h.step == "reply-sg-source-ingress"]
    return hop


def test_kube_proxys_masquerade_to_another_nodes_pod_needs_its_ports_too() -> None:
    """externalTrafficPolicy Cluster: the member node SNATs to its own address with
    --random-fully (kube-proxy's KUBE-POSTROUTING) and the pod's reply comes back to it."""
    ephemeral = rule(SG_NODES, "ingress", "tcp", (32768, 60999), POD, name="eph")
    hop = _inner_reply(_lb_stateless(ephemeral))
    assert hop.disposition == Disposition.DENIED
    assert "of the ports 1024-65535 a masquerade with --random-fully picks" in hop.detail
    wide = rule(SG_NODES, "ingress", "tcp", NAT_PORTS, POD, name="nat")
    assert _inner_reply(_lb_stateless(wide)).disposition == Disposition.ACCEPTED


def test_a_probe_that_passes_through_a_part_open_masquerade_range_is_no_mismatch() -> None:
    """The kernel picks the port: a probe through a range admitted in part may pass (a
    port inside) or fail, so it neither confirms nor contradicts the drop."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "probe"))
    from test_probe_correlate import probed

    from kostack.probe.correlate import correlate
    from kostack.report.probes import prediction_text

    snapshot = probed(build(nat_doc(*replies("tcp", "udp"))), lambda p: ("pass", "answered"))
    corr = correlate(snapshot)
    egress = [c for c in corr.comparisons if c.prediction.outcome == "intermittent"]
    assert egress and all(c.agreement == "undecided" for c in egress)
    assert not [c for c in corr.mismatches if c in egress]
    words = prediction_text(egress[0].prediction, "en")
    assert (
        words
        == "some connections blocked, by their source port (sg-stateless): a probe may pass or fail"
    )
    assert "출발지 포트에 따라 일부 연결 차단" in prediction_text(egress[0].prediction, "ko")


def test_the_plan_says_the_cause_remains_until_the_manual_step_runs() -> None:
    """The verification cannot run Felix's switch: the cause it fixes shows as remaining,
    with the manual step named beside it (it read as if the plan fell short)."""
    from kostack.plan.build import build_plan
    from kostack.report.fixplan import render_plan

    plan = build_plan(build(nat_doc(*replies("tcp", "udp"))))
    (step,) = plan.manual
    assert "MASQFullyRandom=false" in step.command
    text = render_plan(plan)
    remains = text.index("remains: sg-stateless")
    assert f"until you run manual step {step.id} (kostack runs no manual step)" in text[remains:]
    assert f"수동 단계 {step.id}을 실행하기 전까지" in render_plan(plan, lang="ko")


def test_the_plan_verifies_what_remains_after_felixs_switch_too() -> None:
    """The verification re-diagnoses the would-be state with the manual step's effect (the
    snapshot's featureDetectOverride with MASQFullyRandom=false): the cause then clears, and
    the plan says so beside 'until you run manual step a1' (it said only that it remained)."""
    from kostack.plan.build import build_plan
    from kostack.plan.codec import plan_from_dict, plan_to_dict
    from kostack.report.fixplan import render_plan

    plan = build_plan(build(nat_doc(*replies("tcp", "udp"), override="SNATFullyRandom=true")))
    (step,) = plan.manual
    v = plan.verification
    assert [r.key for r in v.remain] == ["sg-stateless"]
    assert v.manual_steps == (step.id,) and v.after_manual == ()
    text = render_plan(plan)
    until = text.index(f"until you run manual step {step.id}")
    assert f"after manual step {step.id} too (simulated): nothing remains" in text[until:]
    assert f"수동 단계 {step.id}까지 실행하면 (시뮬레이션): 남는 원인 없음" in render_plan(
        plan, lang="ko"
    )
    doc = plan_to_dict(plan)
    assert doc["verification"]["after_manual"] == {"steps": [step.id], "after": []}
    assert plan_from_dict(doc).verification == v


def test_what_still_remains_after_the_manual_step_is_named() -> None:
    from dataclasses import replace

    from kostack.plan.model import (
        Action,
        Inverse,
        Operation,
        Precondition,
        RootCauseRef,
        Target,
        Verification,
    )
    from kostack.report.fixplan import render_verification
    from kostack.report.fixplan_words import t

    cause = RootCauseRef("sg-stateless", "t", "high", "m")
    other = RootCauseRef("mtu", "t", "high", "m")
    v = Verification((cause, other), (cause, other), manual_steps=("a1",), after_manual=(other,))
    manual = [
        Action(
            "a1",
            Operation.MANUAL,
            Target("felixconfiguration", "default"),
            "r",
            ("sg-stateless",),
            Precondition(None, "none"),
            Inverse("none", "by hand"),
        )
    ]
    en = render_verification(v, heading="h", manual=manual)
    assert "after manual step a1 too (simulated): mtu still remains" in en
    ko = render_verification(v, heading="h", manual=manual, lang="ko")
    assert "수동 단계 a1까지 실행하면 (시뮬레이션): 원인 1개 남음: mtu" in ko
    assert en.count("after manual step") == 1 and t("en", "v.after-manual.none") not in en
    # a plan without such a step keeps today's text
    plain = render_verification(
        replace(v, manual_steps=(), after_manual=()), heading="h", manual=manual
    )
    assert "after manual step" not in plain and "until you run manual step a1" in plain


def test_under_flannel_the_switch_is_printed_with_its_version() -> None:
    """flanneld v0.27.4 added --ip-masq-fully-random-disable (docs/facts.md): kostack named
    no command under flannel; now the paste-able one, and the version it needs. Its effect is
    no field kostack models, so the plan keeps 'until you run manual step' alone."""
    from kostack.plan.build import build_plan
    from kostack.report.fixplan import render_plan

    doc, other = stateless_doc(*replies("tcp", "udp")), stateless_doc()
    example_flannel_no_8472(other)
    doc["cluster"]["cni"] = other["cluster"]["cni"]
    snap = build(doc)
    (rc,) = [rc for rc in diagnose(snap).root_causes if rc.key == "sg-stateless"]
    command = (
        "kubectl -n kube-flannel set env daemonset/kube-flannel-ds "
        "FLANNELD_IP_MASQ_FULLY_RANDOM_DISABLE=true"
    )
    assert command in rc.fix.commands, rc.fix.commands
    plan = build_plan(snap)
    (step,) = [a for a in plan.manual if a.command == command]
    assert plan.verification.manual_steps == ()
    text = render_plan(plan)
    assert f"until you run manual step {step.id}" in text and "after manual step" not in text
    assert "flannel v0.27.4 and later: an older flanneld ignores it" in step.reason
    korean = " ".join(render_plan(plan, verbose=True, lang="ko").split())
    assert "flannel v0.27.4 이상: 그 이전 flanneld는 무시하므로" in korean


@pytest.mark.parametrize("bundle", ["canal", "k3s"])
def test_flannel_inside_canal_or_k3s_gets_no_daemonset_command(bundle: str) -> None:
    """Canal's flanneld runs in the canal DaemonSet (kube-system) and k3s's in k3s itself:
    a command for kube-flannel.yml's DaemonSet would name one that is not there."""
    doc, other = stateless_doc(*replies("tcp", "udp")), stateless_doc()
    example_flannel_no_8472(other)
    doc["cluster"]["cni"] = other["cluster"]["cni"]
    doc["cluster"]["cni"]["flannel"]["bundle"] = bundle
    (rc,) = [rc for rc in diagnose(build(doc)).root_causes if rc.key == "sg-stateless"]
    assert not any("kube-flannel" in c for c in rc.fix.commands), rc.fix.commands


@pytest.mark.parametrize(
    ("bundle", "switched", "passes"),
    [(None, True, True), (None, False, False), ("canal", True, False)],
)
def test_flannels_switch_once_made_is_not_proposed_again(
    bundle: str | None, switched: bool, passes: bool
) -> None:
    """flanneld --ip-masq-fully-random-disable keeps the pod's port, so the ephemeral reply
    rule is enough: kostack proposed the switch again after it was made. Inside Canal,
    Felix's natOutgoing still masquerades with --random-fully."""
    doc, other = stateless_doc(*replies("tcp", "udp")), stateless_doc()
    example_flannel_no_8472(other)
    doc["cluster"]["cni"] = other["cluster"]["cni"]
    doc["cluster"]["cni"]["flannel"].update(ip_masq_fully_random_disable=switched, bundle=bundle)
    causes = [rc.key for rc in diagnose(build(doc)).root_causes]
    assert ("sg-stateless" not in causes) is passes, causes
