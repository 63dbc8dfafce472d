"""Antrea with tunnelType gre on nodes that have an IPv6 address: antrea-agent refuses to start
there ("GRE tunnel type is not supported for IPv6 overlay", pkg/agent/agent.go
setupDefaultTunnelInterface; encap and hybrid, whatever the encryption), so `kostack diagnose`
fails the flows between such nodes at the route hop and names the reason, as
`kostack preflight --cni antrea` already refuses the combination. Before, the GRE tunnel was
ACCEPTED for IPv6 pods and the cluster passed."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.types import Disposition
from kostack.analyze.messages import localize
from kostack.analyze.reach import encapsulation
from kostack.analyze.topology import Topology
from kostack.plan.preflight_antrea import problem
from kostack_testkit.antrea import as_antrea, geneve_fixed
from kostack_testkit.builders import build, seed_doc
from kostack_testkit.dualstack import make_dual_stack

Doc = dict[str, Any]
IP = ipaddress.ip_address
V6_POD = "fd00:10:244:1::7"  # a pod of k8s-w-1's IPv6 range


def _doc(dual: bool = True, **settings: Any) -> Doc:
    doc = seed_doc()
    if dual:
        make_dual_stack(doc)
    geneve_fixed(doc)
    as_antrea(doc, **{"tunnel_type": "gre", "tunnel_port": None, **settings})
    return doc


def _route(doc: Doc, pod_ip: str):  # type: ignore[no-untyped-def]
    topo = Topology(build(doc))
    views = topo.node_views
    return encapsulation(topo, views["k8s-cp-1"], views["k8s-w-1"], IP(pod_ip))


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"traffic_encap_mode": "hybrid"},  # within a subnet too: the agent does not start
        {"traffic_encryption_mode": "wireguard"},  # the check ignores the encryption
    ],
)
@pytest.mark.parametrize("pod", [V6_POD, "10.244.1.7"])
def test_gre_on_a_node_with_an_ipv6_address_is_no_route_naming_why(
    settings: dict[str, Any], pod: str
) -> None:
    d = _route(_doc(**settings), pod)
    assert d.hop.disposition == Disposition.NO_ROUTE and d.hop.cause == "antrea-gre-ipv6"
    en = localize(d.hop.detail, "en")
    assert "antrea-agent refuses to start on a node with an IPv6 address" in en
    assert '"GRE tunnel type is not supported for IPv6 overlay"' in en
    assert "node k8s-cp-1 has fd00:0:0:1::11" in en
    assert "set tunnelType geneve (the default), vxlan or stt" in en
    ko = localize(d.hop.detail, "ko")
    assert "antrea-agent는 IPv6 주소가 있는 노드에서 시작을 거부하는데" in ko
    assert "노드 k8s-cp-1에 fd00:0:0:1::11이 있으므로" in ko


def test_the_diagnosis_has_it_as_the_root_cause_not_a_pass() -> None:
    d = diagnose(build(_doc()))
    assert d.verdict.kind == "root-causes"
    (rc,) = d.root_causes
    assert rc.key == "antrea-gre-ipv6"
    assert rc.title == "Antrea's agent refuses tunnelType gre on nodes with an IPv6 address"
    checks = {f.check_id for f in rc.symptoms}
    assert {"net-pod-to-pod", "net-dns"} <= checks


@pytest.mark.parametrize(
    ("dual", "settings"),
    [
        (False, {}),  # no IPv6 address on the nodes: GRE runs
        (True, {"traffic_encap_mode": "noEncap"}),  # no tunnel: the setting is not used
    ],
)
def test_gre_without_ipv6_or_without_a_tunnel_is_not_refused(
    dual: bool, settings: dict[str, Any]
) -> None:
    d = _route(_doc(dual, **settings), "10.244.1.7")
    assert d.hop.cause != "antrea-gre-ipv6"
    assert d.hop.disposition == Disposition.ACCEPTED


def test_preflight_refuses_gre_on_ipv6_with_wireguard_too() -> None:
    """The agent checks the tunnel type whatever the encryption: preflight says so as diagnose
    does (before, --wireguard let --tunnel-type gre through on a dual-stack plan)."""
    refused = problem("encap", "gre", wireguard=True, masquerade=True, families=(4, 6))
    assert refused is not None
    assert "has no support for IPv6 clusters" in localize(refused[0], "en")
