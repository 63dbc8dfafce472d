"""lb-members-down under a PING health monitor: the words name the ping, not a port. Before, a
blocked ping read "cannot reach ... on port 31080" and an unexplained one sent the user to "the
application on NodePort 31080"; a PING (ICMP echo) reaches neither."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.messages import localize
from kostack.model import loads_snapshot

EXAMPLE = Path(__file__).parents[2] / "examples" / "lb-amphora-nodeport-blocked.json"


def _ping_doc(*, icmp: bool) -> dict[str, Any]:
    doc = json.loads(EXAMPLE.read_text())
    for lb in doc["openstack"]["load_balancers"]:
        for pool in lb["pools"]:
            if pool.get("healthmonitor"):
                pool["healthmonitor"]["type"] = "PING"
    if not icmp:  # the nodes' group admitted ICMP from anywhere: the only rule the ping matches
        for group in doc["openstack"]["security_groups"]:
            group["rules"] = [r for r in group["rules"] if r.get("protocol") != "icmp"]
    return doc


def _members_down(doc: dict[str, Any], lang: str) -> str:
    diagnosis = diagnose(loads_snapshot(json.dumps(doc)))
    found = [f for f in diagnosis.findings if f.check_id == "lb-members-down"]
    assert found and found[0].status.value == "fail", found
    return localize(found[0].message, lang)


@pytest.mark.parametrize(
    ("icmp", "lang", "said"),
    [
        (True, "en", "blocks the health monitor's ping to"),
        (True, "ko", "헬스 모니터의 ping을 막는 요인을 찾지 못했습니다"),
        (False, "en", "the health monitor's ping from"),
        (False, "ko", "헬스 모니터의 ping이"),
    ],
)
def test_a_ping_monitor_is_said_as_a_ping(icmp: bool, lang: str, said: str) -> None:
    text = _members_down(_ping_doc(icmp=icmp), lang)
    assert said in text, text
    assert "on port" not in text and "application on NodePort" not in text, text
    assert "NodePort 31080의 애플리케이션" not in text and "포트 31080으로" not in text, text
