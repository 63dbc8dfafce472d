"""OVN-Kubernetes in the engine and the checks: Geneve on encap-port between the nodes'
addresses, pod egress SNATed to the node IP by the gateway (shared and local mode), OVN's load
balancers serving Services, the pod MTU; what kostack does not model is UNKNOWN.

Before OVN-Kubernetes was modelled its cluster got `gap.kube.cni-unmodelled` and every pod flow
was UNKNOWN; these snapshots (cni.type "ovn-kubernetes") did not even load.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.clusterip_ping import icmp_expectation, ping_story
from kostack.analyze.engine.cni import masquerade
from kostack.analyze.engine.service_proxy import service_proxy
from kostack.analyze.engine.types import Disposition
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
from kostack.analyze.reach import encapsulation
from kostack.analyze.summary import cni_headline
from kostack.analyze.topology import Topology
from kostack_testkit.builders import build, seed_doc
from kostack_testkit.cli import flat, run_cli
from kostack_testkit.ovnk import FIXED, as_ovnk, ovnk_example_doc

Doc = dict[str, Any]
IP = ipaddress.ip_address
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _ovnk(**settings: Any) -> Doc:
    doc = seed_doc()
    as_ovnk(doc, **settings)
    return doc


def _route(doc: Doc, src: str, dst: str, pod_ip: str):  # type: ignore[no-untyped-def]
    topo = Topology(build(doc))
    views = topo.node_views
    return encapsulation(topo, views[src], views[dst], IP(pod_ip))


def _findings(doc: Doc, check: str) -> list[Any]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == check]


@pytest.mark.parametrize(
    ("settings", "port"),
    [({}, 6081), ({"encap_port": 6082}, 6082)],
)
def test_geneve_runs_between_the_nodes_on_encap_port(settings: Doc, port: int) -> None:
    d = _route(_ovnk(**settings), "k8s-cp-1", "k8s-w-1", "10.244.1.7")
    assert d.hop.disposition == Disposition.ACCEPTED
    assert (d.encap, d.proto, d.port, d.overhead) == ("Geneve", 17, port, 58)
    assert f"[default] encap-port {port}" in localize(d.hop.detail, "en")


def test_the_pods_ranges_are_the_nodes_node_subnets() -> None:
    """k8s.ovn.org/node-subnets, not spec.podCIDR: a node whose annotation says another range
    owns the pods in it."""
    doc = _ovnk(node_subnets={"k8s-w-1": ["10.244.9.0/24"]})
    topo = Topology(build(doc))
    owner = topo.node_of_pod_ip(IP("10.244.9.5"))
    assert owner is not None and owner.name == "k8s-w-1"
    assert topo.node_of_pod_ip(IP("10.244.1.5")) is None  # its podCIDR is not OVN's


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"ipsec": True}, "IPsec ESP"),
        ({"ipsec": None}, "IPsec (ovn-ipsec pods)"),
        ({"transport": "no-overlay"}, "transport is no-overlay"),
        ({"encap_type": None}, "[default] encap-type"),
        ({"encap_port": None}, "[default] encap-port"),
    ],
)
def test_what_kostack_does_not_model_is_unknown_never_passed(settings: Doc, said: str) -> None:
    doc = _ovnk(**settings)
    hop = _route(doc, "k8s-cp-1", "k8s-w-1", "10.244.1.7").hop
    assert hop.disposition == Disposition.UNKNOWN
    assert said in localize(hop.detail, "en")
    assert localize(hop.detail, "ko") != localize(hop.detail, "en")
    (encap,) = _findings(doc, "net-sg-cni-encap")
    assert encap.status == Status.UNKNOWN


@pytest.mark.parametrize(
    ("ipsec", "operator", "said"),
    [
        (True, {"ipsec_mode": "Full"}, "ipsecConfig.mode Full (encapsulation Auto)"),
        (False, {"ipsec_mode": "Full", "ipsec_encapsulation": "Always"}, "encapsulation Always"),
        (None, {"ipsec_mode": "Full"}, "ESP, UDP 500 and UDP 4500"),
        (True, {"ipsec_mode": "External"}, "ipsecConfig.mode External, yet ovn-ipsec pods"),
        (True, {"ipsec_mode": "Disabled"}, "until OVN's IPsec is off"),
        (True, {}, "IPsec ESP"),
        (None, {"ipsec_mode": "External"}, "IPsec (ovn-ipsec pods)"),
    ],
)
def test_ipsec_full_or_still_running_is_unknown(ipsec: Any, operator: Doc, said: str) -> None:
    """The Network operator's ipsecConfig.mode Full puts every Geneve tunnel inside ESP (with
    IKE on UDP 500/4500): UNKNOWN naming what Neutron must pass, whatever the pods say; with
    External or Disabled, ovn-ipsec pods still running mean OVN's IPsec is being turned off."""
    doc = _ovnk(ipsec=ipsec, operator=operator)
    hop = _route(doc, "k8s-cp-1", "k8s-w-1", "10.244.1.7").hop
    assert hop.disposition == Disposition.UNKNOWN
    assert said in localize(hop.detail, "en"), localize(hop.detail, "en")
    assert localize(hop.detail, "ko") != localize(hop.detail, "en")
    (encap,) = _findings(doc, "net-sg-cni-encap")
    assert encap.status == Status.UNKNOWN


@pytest.mark.parametrize("mode", ["External", "Disabled"])
def test_external_ipsec_leaves_the_nodes_geneve_plain(mode: str) -> None:
    """ipsecConfig.mode External is IPsec to hosts outside the cluster only: the operator
    renders no ovn-ipsec DaemonSet, and east-west Geneve is judged as plain UDP 6081, with the
    mode as evidence."""
    d = _route(_ovnk(operator={"ipsec_mode": mode}), "k8s-cp-1", "k8s-w-1", "10.244.1.7")
    assert d.hop.disposition == Disposition.ACCEPTED
    assert (d.encap, d.proto, d.port) == ("Geneve", 17, 6081)
    assert f"ipsecConfig.mode={mode}" in {e.text().split(" ", 2)[2] for e in d.hop.evidence}


def test_a_blocked_geneve_with_external_ipsec_still_fails() -> None:
    """External does not hide the seed's missing UDP 6081 rule: the tunnel is judged and
    fails as without IPsec."""
    doc = ovnk_example_doc("ovnk-geneve-blocked")
    doc["cluster"]["cni"]["ovn_kubernetes"]["operator"] = {"ipsec_mode": "External"}
    (encap,) = _findings(doc, "net-sg-cni-encap")
    assert encap.status == Status.FAIL


def test_no_settings_read_is_unknown() -> None:
    doc = seed_doc()
    as_ovnk(doc)
    doc["cluster"]["cni"]["ovn_kubernetes"] = None
    hop = _route(doc, "k8s-cp-1", "k8s-w-1", "10.244.1.7").hop
    assert hop.disposition == Disposition.UNKNOWN and "ovnkube-config" in localize(hop.detail, "en")
    assert {f.status for f in _findings(doc, "net-mtu")} == {Status.UNKNOWN}


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        ("shared", "SNATed to the node IP by the node's OVN gateway router"),
        ("local", "masquerades"),
    ],
)
def test_pod_egress_is_snated_to_the_node_ip_other_nodes_included(mode: str, said: str) -> None:
    topo = Topology(build(_ovnk(gateway_mode=mode)))
    pod = IP("10.244.1.7")
    for dst in ("1.1.1.1", "10.0.0.12"):
        found = masquerade(topo, pod, IP(dst))
        assert found is not None and found[1] is True
        assert said in localize(found[0].detail, "en")
    assert masquerade(topo, pod, IP("10.244.2.5")) is None  # another node's pod


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"disable_snat_multiple_gws": True}, "routing-external-gws"),
        ({"gateway_mode": None}, "[gateway] mode"),
    ],
)
def test_an_undecided_snat_is_unknown(settings: Doc, said: str) -> None:
    topo = Topology(build(_ovnk(**settings)))
    found = masquerade(topo, IP("10.244.1.7"), IP("1.1.1.1"))
    assert found is not None and found[0].disposition == Disposition.UNKNOWN
    assert said in localize(found[0].detail, "en")


def test_the_pod_mtu_is_default_mtu_against_genevess_58_bytes() -> None:
    """OpenShift's MTU (the network's 1450 minus 100) fits; ovnkube's default 1400 does not
    (1400 + 58 > 1450)."""
    (fits,) = _findings(_ovnk(), "net-mtu")
    assert fits.status == Status.PASS and "pod MTU 1350" in localize(fits.message, "en")
    too_big = [f for f in _findings(_ovnk(mtu=1400), "net-mtu") if f.status == Status.FAIL]
    assert too_big and "1400" in localize(too_big[0].message, "en")


def test_ovn_load_balancers_serve_every_service_address() -> None:
    topo = Topology(build(_ovnk()))
    found = service_proxy(topo)
    assert found.verdict == "served"
    assert localize(found.cluster_ips, "en") == "OVN-Kubernetes' OVN load balancer"
    assert found.node_ports == found.cluster_ips
    reply, what, mode = icmp_expectation(topo)
    assert (reply, mode) == ("depends", "OVN-Kubernetes")
    assert "none matches ICMP" in localize(what, "en")
    assert "OVN-Kubernetes의 OVN 로드 밸런서가" in localize(ping_story(topo, "10.96.0.1"), "ko")


def test_the_summary_names_ovn_kubernetes_and_its_mode() -> None:
    headline = cni_headline(build(_ovnk(encap_port=6082, gateway_mode="local")))
    assert localize(headline, "en") == "OVN-Kubernetes Geneve UDP 6082, gateway mode local"
    assert localize(headline, "ko") == "OVN-Kubernetes Geneve UDP 6082, 게이트웨이 모드 local"


def test_the_blocked_example_is_one_root_cause_that_the_rule_fixes() -> None:
    """ovnk-geneve-blocked: sg-encap names UDP 6081 and the openstack command; after the rule
    (FIXED) nothing fails and nothing is UNKNOWN."""
    result = diagnose(build(ovnk_example_doc("ovnk-geneve-blocked")))
    assert [rc.key for rc in result.root_causes] == ["sg-encap"]
    fixed_doc = ovnk_example_doc("ovnk-geneve-blocked")
    FIXED["ovnk-geneve-blocked"](fixed_doc)
    fixed = diagnose(build(fixed_doc))
    assert not fixed.root_causes
    assert {f.status for f in fixed.findings} <= {Status.PASS, Status.NOT_APPLICABLE}


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "drop Geneve encapsulation (udp 6081)"),
        ("ko", "Geneve 캡슐화(udp 6081) 트래픽을 차단합니다"),
    ],
)
def test_the_examples_say_it_in_english_and_korean(lang: str, said: str) -> None:
    path = str(EXAMPLES / "ovnk-geneve-blocked.json")
    code, out = run_cli("--lang", lang, "diagnose", "--snapshot", path)
    text = flat(out)
    assert code == 1 and said in text, text
    assert (
        "openstack security group rule create --ingress --ethertype IPv4 --protocol udp "
        "--dst-port 6081 --remote-group 07cf102a-e375-5404-93ae-0a476a53aeb8"
    ) in text
    code, out = run_cli(
        "--lang", lang, "diagnose", "--snapshot", str(EXAMPLES / "ovnk-healthy.json")
    )
    assert code == 0 and "UNKNOWN" not in out and "FAIL" not in out, out
