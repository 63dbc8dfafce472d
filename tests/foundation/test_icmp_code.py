"""An ICMP rule's code counts: Neutron keeps an ICMP rule's type in port_range_min and its
code in port_range_max, and both firewall drivers match both (docs/facts.md section 2). A ping
is echo request, type 8 (ICMPv6: 128) with code 0, so a rule for type 8 code 5 admits no
ping. Before, the engine read only the type and called such a rule open for ping; and an IPv6
rule for type 8 counted as echo, though ICMPv6's echo request is 128."""

from __future__ import annotations

from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.secgroups import Query, rule_applies
from kostack.collect._neutron_records import group_record
from kostack.model.snapshot import SecurityGroupRule
from kostack_testkit.builders import SG_NODES, build, example_doc, rule

ECHO_V4 = Query("ingress", 4, 1, None)
ECHO_V6 = Query("ingress", 6, 58, None)


def _icmp(ethertype: str, lo: int | None, hi: int | None) -> SecurityGroupRule:
    protocol = "icmp" if ethertype == "IPv4" else "ipv6-icmp"
    return SecurityGroupRule(
        id="r", direction="ingress", ethertype=ethertype, protocol=protocol,  # type: ignore[arg-type]
        port_range_min=lo, port_range_max=hi,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("ethertype", "lo", "hi", "admits"),
    [
        ("IPv4", None, None, True),
        ("IPv4", 8, None, True),
        ("IPv4", 8, 0, True),
        ("IPv4", 8, 5, False),
        ("IPv4", 0, 0, False),
        ("IPv4", 128, None, False),
        ("IPv6", 128, None, True),
        ("IPv6", 128, 0, True),
        ("IPv6", 128, 1, False),
        ("IPv6", 8, None, False),
    ],
)
def test_only_echo_request_code_0_admits_a_ping(
    ethertype: str, lo: int | None, hi: int | None, admits: bool
) -> None:
    query = ECHO_V4 if ethertype == "IPv4" else ECHO_V6
    assert rule_applies(_icmp(ethertype, lo, hi), query) is admits


def _cilium_icmp(ports: tuple[int, int]) -> list[Any]:
    """The bundled Cilium example, working, with one ICMP rule between nodes."""
    doc = example_doc("cilium-geneve-no-6081")
    doc["cluster"]["cni"]["cilium"]["wireguard"] = False
    sg = next(g for g in doc["openstack"]["security_groups"] if g["name"] == "k8s-nodes")
    sg["rules"] = [r for r in sg["rules"] if r["protocol"] != "icmp"] + [
        rule(SG_NODES, "ingress", "icmp", ports, group=SG_NODES),
        rule(SG_NODES, "ingress", "udp", 6081, group=SG_NODES),
        rule(SG_NODES, "ingress", "tcp", 4240, group=SG_NODES),
    ]
    found = diagnose(build(doc)).findings  # type: ignore[arg-type]
    return [f for f in found if f.check_id == "net-sg-cilium-health"]


def test_cilium_health_pings_need_echo_request_code_0() -> None:
    assert {f.status for f in _cilium_icmp((8, 0))} == {"pass"}
    failing = [f for f in _cilium_icmp((8, 5)) if f.status == "fail"]
    assert len(failing) == 1 and "(icmp)" in failing[0].message


@pytest.mark.neutron
def test_neutron_stores_the_code_and_kostack_reads_it(openstack_conn: Any) -> None:
    """Ask the real server: the code lands in port_range_max and kostack reads it so."""
    group = openstack_conn.network.create_security_group(name="icmp-codes")
    for code in (None, 0, 5):
        openstack_conn.network.create_security_group_rule(
            security_group_id=group.id, direction="ingress", ethertype="IPv4",
            protocol="icmp", port_range_min=8, port_range_max=code,
        )  # fmt: skip
    raw = openstack_conn.network.get_security_group(group.id).to_dict()
    rules = [r for r in group_record(raw).rules if r.protocol == "icmp"]
    verdicts = {r.port_range_max: rule_applies(r, ECHO_V4) for r in rules}
    assert verdicts == {None: True, 0: True, 5: False}
