"""net-sg-antrea-memberlist: Antrea's agents gossip on clusterPort (TCP and UDP, 10351 by
default) so Egress and Service external IPs have one agreed node each (docs/facts.md
"Antrea's memberlist")."""

from __future__ import annotations

from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose, run_checks
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack_testkit.builders import build
from kostack_testkit.egress import antrea_egress_doc, antrea_service_doc

ID = "net-sg-antrea-memberlist"
Doc = dict[str, Any]


def _drop_memberlist(doc: Doc, port: int = 10351) -> Doc:
    for sg in doc["openstack"]["security_groups"]:
        sg["rules"] = [r for r in sg["rules"] if r["port_range_min"] != port]
    return doc


def _mine(doc: Doc) -> list[Finding]:
    findings, _ = run_checks(build(doc))
    return [f for f in findings if f.check_id == ID]


def test_a_dropped_memberlist_is_its_own_root_cause_with_one_rule_per_protocol() -> None:
    d = diagnose(build(_drop_memberlist(antrea_egress_doc())))
    (rc,) = [rc for rc in d.root_causes if rc.key == "antrea-memberlist"]
    assert rc.severity.value == "medium"
    assert {f.check_id for f in rc.findings} == {ID}
    commands = rc.fix.commands
    assert len(commands) == 2, commands
    for proto in ("tcp", "udp"):
        (cmd,) = [c for c in commands if f"--protocol {proto}" in c]
        assert "--dst-port 10351" in cmd and "--remote-group" in cmd, cmd
    # aggregated: one finding per protocol for the 12 ordered node pairs, never one per pair
    fails = [f for f in rc.findings if f.status == Status.FAIL]
    assert len(fails) == 2 and all("12 node pairs" in f.message for f in fails)
    assert all("claim the same egress" in f.message for f in fails)
    ko = localize(fails[0].message, "ko")
    assert "여러 노드가 같은" in ko and "차단합니다" in ko, ko


def test_the_configured_cluster_port_is_judged() -> None:
    """clusterPort 7946: rules for 10351 admit nothing of it."""
    doc = antrea_egress_doc()
    doc["cluster"]["cni"]["antrea"]["cluster_port"] = 7946
    fails = [f for f in _mine(doc) if f.status == Status.FAIL]
    assert len(fails) == 2 and all("7946" in f.message for f in fails)
    assert {f.status for f in _mine(_drop_memberlist(doc, 10351))} == {Status.FAIL}


def test_service_external_ips_alone_use_the_memberlist() -> None:
    """No Egress, a LoadBalancer Service taking its IP from an ExternalIPPool (the gate on)."""
    assert {f.status for f in _mine(antrea_service_doc())} == {Status.PASS}
    assert Status.FAIL in {f.status for f in _mine(_drop_memberlist(antrea_service_doc()))}
    off = _drop_memberlist(antrea_service_doc(gate=False))
    assert {f.status for f in _mine(off)} == {Status.NOT_APPLICABLE}


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["cluster"]["egress_ips"].update(egresses=[]),  # nothing uses a pool
        lambda d: d["cluster"]["egress_ips"]["egresses"][0].update(pools=[]),  # a static Egress
        lambda d: d["cluster"]["cni"]["antrea"].update(egress=False),  # the gate off
        lambda d: d["cluster"]["cni"]["antrea"].update(traffic_encap_mode="noEncap"),
    ],
)
def test_nothing_that_uses_it_is_not_applicable(edit: Any) -> None:
    doc = _drop_memberlist(antrea_egress_doc())
    edit(doc)
    (f,) = _mine(doc)
    assert f.status == Status.NOT_APPLICABLE


def test_unread_egresses_or_settings_are_unknown() -> None:
    doc = _drop_memberlist(antrea_egress_doc())
    doc["cluster"]["egress_ips"]["egresses"] = None
    (f,) = _mine(doc)
    assert f.status == Status.UNKNOWN and "Egresses were not read" in f.message
    for settings in (
        None,
        {**antrea_egress_doc()["cluster"]["cni"]["antrea"], "cluster_port": None},
    ):
        doc = _drop_memberlist(antrea_egress_doc())
        doc["cluster"]["cni"]["antrea"] = settings  # unread, or a clusterPort that is no port
        (f,) = _mine(doc)
        assert f.status == Status.UNKNOWN and "clusterPort" in f.message
