"""A node subnet with no Neutron router whose gateway may be one kostack cannot see is an
undecided router hop, never "no router" with `openstack router add subnet` as the fix:

- on a flat or VLAN provider network the gateway is normally a physical router outside
  OpenStack (pod egress works through it on many clouds that have no Neutron router at all);
- on a network another project owns and shares with this one, that project's router ports
  are not listed to this account (docs/facts.md "Routers of another project").

On this project's own tenant network, or with no gateway, "no router" stays a failure.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from test_trace_floating_ip import trace

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack_testkit.builders import POD_CIDR, SUBNET_ID, Doc, add_pairs, build, seed_doc

EGRESS = "net-pod-egress"
OWNER = "9a1b2c3d4e5f40718293a4b5c6d7e8f9"


def _doc(*, network_type: str = "vxlan", owner: str | None = None, gateway: bool = True) -> Doc:
    """The seed with pod pairs (pod egress reaches the router hop) and no router at all."""
    doc = seed_doc()
    add_pairs(doc, [POD_CIDR])
    doc["openstack"]["routers"] = []
    (subnet,) = [s for s in doc["openstack"]["subnets"] if s["id"] == SUBNET_ID]
    if not gateway:
        subnet["gateway_ip"] = None
    (net,) = [n for n in doc["openstack"]["networks"] if n["id"] == subnet["network_id"]]
    net["network_type"] = network_type
    if owner is not None:
        net["project_id"] = owner
    return doc


def _egress(doc: Doc) -> Finding:
    (f,) = [f for f in diagnose(build(doc)).findings if f.check_id == EGRESS]
    return f


def test_a_vlan_provider_network_without_a_neutron_router_is_undecided() -> None:
    f = _egress(_doc(network_type="vlan"))
    assert f.status == Status.UNKNOWN and f.cause == "gap", localize(f.message, "en")
    en = localize(f.message, "en")
    assert "no Neutron router serves subnet 10.0.0.0/24: it is on a vlan provider network" in en
    assert "gateway 10.0.0.1 is normally a physical router outside OpenStack" in en, en
    assert "router add subnet" not in en
    ko = localize(f.message, "ko")
    assert "vlan 프로바이더 네트워크이고, 게이트웨이 10.0.0.1은 보통 OpenStack 밖의" in ko, ko
    assert any("provider:network_type" in e for e in f.evidence), f.evidence


def test_another_projects_shared_network_is_undecided_and_says_what_to_ask() -> None:
    f = _egress(_doc(owner=OWNER))
    assert f.status == Status.UNKNOWN and f.cause == "gap"
    en = localize(f.message, "en")
    assert "belongs to another project (shared with this one)" in en, en
    assert "`openstack port list --network e74d7a36-5959-58a4-b942-6335d34f67eb" in en, en
    assert "--device-owner network:router_interface`" in en, en
    ko = localize(f.message, "ko")
    assert (
        "다른 프로젝트의 것(이 프로젝트와 공유)" in ko
        and "network:router_interface`를 요청하세요" in ko
    ), ko


def test_own_tenant_network_or_no_gateway_stays_no_router() -> None:
    for doc in (_doc(), _doc(network_type="vlan", gateway=False), _doc(network_type="")):
        f = _egress(doc)
        assert (f.status, f.cause) == (Status.FAIL, "no-router"), localize(f.message, "en")


def test_trace_to_the_outside_on_a_provider_network(tmp_path: Path) -> None:
    rc, text = trace(tmp_path, _doc(network_type="flat"), "pod:demo/netshoot", "ip:8.8.8.8:443/tcp")
    assert rc == 4, text
    assert "flat provider network" in text and "no router with an external gateway" not in text


# --------------------------------------------------------------- the kind of network unknown


def _unseen(mtu: int) -> Doc:
    """The seed, no router, its network's type not visible (a project member's view)."""
    doc = _doc()
    (net,) = [n for n in doc["openstack"]["networks"] if n.get("network_type") == "vxlan"]
    net["network_type"], net["mtu"] = None, mtu
    return doc


def test_an_unseen_network_type_is_two_cases_said_once() -> None:
    """provider:network_type is admin-only: a non-admin's own network with no router may be a
    provider network (egress through a physical router) or a tenant one ("no router")."""
    d = diagnose(build(_unseen(1500)))
    assert [w.provider for w in d.worlds] == [False, True]
    assert d.root_causes == () and d.verdict.kind == "undecided"
    (rc,) = d.conditional
    assert localize(rc.condition, "en") == "if the node network is a tenant network"
    (tell,) = (localize(m, "en") for m in rc.tell)
    assert (
        "`openstack network show e74d7a36-5959-58a4-b942-6335d34f67eb -c provider:network_type`"
        in tell
    )
    (unknown,) = [f for f in d.findings if f.check_id == EGRESS and f.status == Status.UNKNOWN]
    en = localize(unknown.message, "en")
    assert "it is on a flat or VLAN provider network" in en, en
    assert "? (not visible to this account)" in " ".join(unknown.evidence)


def test_the_text_says_the_other_case_is_undecided_not_healthy(tmp_path: Path) -> None:
    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps(_unseen(1500)), encoding="utf-8")
    for lang, words in (
        ("en", "in the other cases it cannot be decided"),
        ("ko", "그 밖의 경우에는 판단할 수 없습니다"),
    ):
        out = io.StringIO()
        env = Environment(
            stdout=out, stderr=out, environ={}, stdin_isatty=False, stdout_isatty=False
        )
        rc = main(["diagnose", "--snapshot", str(snap), "--lang", lang], env)
        text = " ".join(out.getvalue().split())
        assert rc == 4 and words in text, text
        assert "healthy" not in text and "정상입니다" not in text.split("함께 점검")[0]


def test_an_overlay_mtu_or_a_router_keeps_one_case() -> None:
    for mtu in (1450, 1442, 8950):
        d = diagnose(build(_unseen(mtu)))
        assert len(d.worlds) == 1, mtu
        assert [(rc.check_id, rc.key) for rc in d.root_causes] == [(EGRESS, "no-router")]
    served = seed_doc()  # the seed's router serves the subnet
    (net,) = [n for n in served["openstack"]["networks"] if n.get("network_type") == "vxlan"]
    net["network_type"], net["mtu"] = None, 1500
    assert len(diagnose(build(served)).worlds) == 1


def test_trace_to_the_outside_shows_both_cases(tmp_path: Path) -> None:
    rc, text = trace(tmp_path, _unseen(1500), "pod:demo/netshoot", "ip:8.8.8.8:443/tcp")
    assert rc == 4, text
    tenant, provider = text.split("if the node network is a ")[1:]
    assert tenant.startswith("tenant network:") and "=> NO ROUTE at hop 5" in tenant
    assert (
        provider.startswith("flat or VLAN provider network:") and "=> UNKNOWN at hop 5" in provider
    )
