"""Gaps in Korean, end to end: the real Neutron and the API double with several reads failing.

`kostack collect --lang ko` against a cloud whose security groups answer 403 (with a
token-shaped string in Neutron's message), without Octavia while the cluster has a
Service of type LoadBalancer, a cluster whose Calico IPAMBlock CRD is missing, whose
EndpointSlices are forbidden and whose Helm release Secrets cannot be read. Then
`diagnose --lang ko -v` and `report --lang ko` on that snapshot: no English sentence
(tests/foundation/english.py), every gap's line names its source and says kostack's
words in Korean, and no credential is printed or kept.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from collect_live_support import LiveSeed
from foundation.english import english_lines

from kostack.gap_words import gap_error, gap_hint
from kostack.model import load_snapshot
from kostack_testkit.faultproxy import FaultKind

pytestmark = pytest.mark.neutron

TOKEN = "gAAAAABnZkZ3c2VjcmV0LXRva2VuLXRoYXQtbXVzdC1uZXZlci1iZS1wcmludGVk"

_LB_SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {
        "name": "web",
        "namespace": "default",
        "uid": "7d1c2a1e-0000-4000-8000-00000000a001",
    },
    "spec": {
        "type": "LoadBalancer",
        "clusterIP": "10.96.0.50",
        "clusterIPs": ["10.96.0.50"],
        "selector": {"app": "web"},
        "ports": [
            {"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": 30080}
        ],
    },
    "status": {"loadBalancer": {}},
}


def _hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


@pytest.fixture
def failing(live_seed: LiveSeed) -> LiveSeed:
    live_seed.proxy.inject(
        FaultKind.HTTP_STATUS,
        "GET",
        r"^/v2\.0/security-groups$",
        status=403,
        message=f"rule:get_security_groups is disallowed by policy (X-Auth-Token: {TOKEN})",
    )
    live_seed.api.add(_LB_SERVICE)
    for group in ("crd.projectcalico.org", "projectcalico.org"):
        live_seed.api.inject_fault(group, "ipamblocks", status=404)
    live_seed.api.inject_fault("discovery.k8s.io", "endpointslices", status=403)
    live_seed.api.inject_fault("", "secrets", status=403)
    return live_seed


def test_a_partial_snapshot_is_korean_from_collect_to_report(
    failing: LiveSeed, tmp_path: Path
) -> None:
    target = tmp_path / "partial.json"
    collected = failing.run("collect", "--lang", "ko", "-o", str(target))
    assert collected.code == 4, collected.stderr
    assert collected.stderr.startswith("경고: 일부만 수집한 스냅샷"), collected.stderr
    assert english_lines(collected.stderr) == [], collected.stderr

    snapshot = load_snapshot(target)
    sources = {g.source for g in snapshot.gaps}
    assert {
        "openstack.security_groups",
        "openstack.load_balancers",
        "cluster.cni.calico.blocks",
        "cluster.services.endpoints",
        "helm.releases",
    } <= sources, sources
    # the file keeps English text and the keys that say it again
    assert all(g.key is not None for g in snapshot.gaps), [g for g in snapshot.gaps if not g.key]
    assert all(g.hint_key is not None for g in snapshot.gaps if g.hint)
    raw = target.read_text(encoding="utf-8")
    assert not _hangul(raw)
    assert TOKEN not in raw and TOKEN not in collected.stdout + collected.stderr

    diagnosed = failing.run("diagnose", "--snapshot", str(target), "--lang", "ko", "-v")
    reported = failing.run(
        "report", "--snapshot", str(target), "--lang", "ko", "-o", "-", "--format", "md"
    )
    for result in (diagnosed, reported):
        assert result.code in (0, 1, 4), result.stderr
        text = result.stdout
        assert english_lines(text) == [], "\n".join(english_lines(text))
        assert TOKEN not in text + result.stderr
    for gap in snapshot.gaps:
        said = gap_error(gap, "ko")
        assert _hangul(said) or said.startswith("“") or "“" in said, said
        for result in (diagnosed, reported):
            line = next((x for x in result.stdout.splitlines() if f"{gap.source}: " in x), None)
            assert line is not None, (gap.source, result.stdout)
            assert said.split("\n")[0][:40] in line, (said, line)
    by_source = {g.source: g for g in snapshot.gaps}
    sg = by_source["openstack.security_groups"]
    assert "보안 그룹 점검" in gap_hint(sg, "ko") and "정책" in gap_hint(sg, "ko")
    assert "“" in gap_error(sg, "ko") and "disallowed by policy" in gap_error(sg, "ko")
    assert "엔드포인트가 없습니다" in gap_error(by_source["openstack.load_balancers"], "ko")
    assert "CRD가 설치되어 있지 않습니다" in gap_hint(by_source["cluster.cni.calico.blocks"], "ko")


def test_english_stays_english_and_json_keeps_the_keys(failing: LiveSeed) -> None:
    collected = failing.run("collect", "--lang", "en")
    assert collected.code == 4
    assert collected.stderr.startswith("warning: partial snapshot"), collected.stderr
    assert not _hangul(collected.stderr)
    doc = json.loads(collected.stdout)
    sg = next(g for g in doc["gaps"] if g["source"] == "openstack.security_groups")
    assert sg["error"].startswith("HTTP 403 Forbidden on GET /v2.0/security-groups: ")
    assert sg["key"] == "gap.api.http" and sg["params"]["status"] == 403
    assert sg["hint_key"] == "gap.hint.os.policy"
    assert sg["hint_params"]["dependents"] == {"key": "gap.os.dep.security_groups", "params": {}}
    assert TOKEN not in collected.stdout
