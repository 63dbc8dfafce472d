"""loadBalancerSourceRanges on the amphora provider: OCCM puts them into every listener's
allowed_cidrs; a listener without them (or with wider ones) lets in the clients the Service shuts
out, one with narrower ones refuses clients it admits."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
from kostack.model import dump_snapshot
from kostack_testkit.builders import build
from kostack_testkit.cli import run_cli
from kostack_testkit.lb_fixtures import (
    amphora_healthy,
    amphora_ranges_open,
    lb_doc,
    load_balancer,
    nodeport_rule,
    service,
)

Doc = dict[str, Any]
LISTENER = "listener_0_kube_service_kubernetes_shop_web"


def _allow(doc: Doc, *cidrs: str) -> Doc:
    for li in doc["openstack"]["load_balancers"][0]["listeners"]:
        li["allowed_cidrs"] = list(cidrs)
    return doc


def _ranges(doc: Doc, *ranges: str) -> Doc:
    doc["cluster"]["services"][-1]["load_balancer_source_ranges"] = list(ranges)
    return doc


def _mine(doc: Doc) -> list[Any]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == "lb-source-ranges"]


def test_no_allowed_cidrs_is_a_root_cause_with_a_pasteable_fix() -> None:
    d = diagnose(build(amphora_ranges_open()))
    assert [rc.key for rc in d.root_causes] == ["lb-source-ranges"]
    (f,) = [f for f in d.findings if f.check_id == "lb-source-ranges"]
    assert f.status is Status.FAIL and f.message.key == "lb-source-ranges.open"
    text = localize(f.message, "en")
    assert "has no allowed_cidrs" in text and "enforced nowhere" in text
    assert "198.51.100.0/24" in text
    ko = localize(f.message, "ko")
    assert "listener_0_kube_service_kubernetes_shop_web은 allowed_cidrs가 없습니다" in ko
    (remedy,) = f.remedies
    argv = shlex.split(dict(remedy.params)["command"])
    assert argv[:4] == ["openstack", "loadbalancer", "listener", "set"]
    assert argv[4:6] == ["--allowed-cidr", "198.51.100.0/24"]


def test_every_range_of_the_family_goes_into_the_command() -> None:
    doc = _ranges(amphora_ranges_open(), "198.51.100.0/24", "192.0.2.7/32", "2001:db8::/64")
    (f,) = _mine(doc)
    argv = shlex.split(dict(f.remedies[0].params)["command"])
    cidrs = [argv[i + 1] for i, a in enumerate(argv) if a == "--allowed-cidr"]
    # OCCM keeps the ranges of the load balancer's family (its VIP is IPv4)
    assert cidrs == ["198.51.100.0/24", "192.0.2.7/32"]


def test_allowed_cidrs_wider_than_the_ranges_leak_too() -> None:
    for wide in (("0.0.0.0/0",), ("198.51.0.0/16",), ("198.51.100.0/24", "203.0.113.0/24")):
        (f,) = _mine(_allow(amphora_ranges_open(), *wide))
        assert f.status is Status.FAIL and f.message.key == "lb-source-ranges.open", wide
        assert "allows" in localize(f.message, "en")


def test_allowed_cidrs_narrower_than_the_ranges_refuse_admitted_clients() -> None:
    (f,) = _mine(_allow(amphora_ranges_open(), "198.51.100.0/25"))
    assert f.status is Status.FAIL and f.message.key == "lb-source-ranges.narrow"
    assert "198.51.100.128/25" in localize(f.message, "en")
    # and a listener restricted while the Service admits everyone
    (g,) = _mine(_allow(amphora_healthy(), "198.51.100.0/24"))
    assert g.message.key == "lb-source-ranges.narrow"
    assert "--allowed-cidr 0.0.0.0/0" in dict(g.remedies[0].params)["command"]


def test_matching_or_equivalent_allowed_cidrs_pass() -> None:
    for cidrs in (("198.51.100.0/24",), ("198.51.100.0/25", "198.51.100.128/25")):
        (f,) = _mine(_allow(amphora_ranges_open(), *cidrs))
        assert f.status is Status.PASS, cidrs
    (f,) = _mine(amphora_healthy())  # no ranges, no allowed_cidrs
    assert f.status is Status.PASS
    (f,) = _mine(_allow(amphora_healthy(), "0.0.0.0/0"))  # what OCCM writes without ranges
    assert f.status is Status.PASS


def test_ovn_is_left_to_lb_ovn_limits() -> None:
    doc = lb_doc(
        provider="ovn",
        rules=[nodeport_rule("10.0.0.0/24", (31080, 31080))],
        svc=service(ranges=["198.51.100.0/24"]),
        lb=load_balancer(provider="ovn", read_members=False),
    )
    (f,) = _mine(doc)
    assert f.status is Status.NOT_APPLICABLE
    assert "lb-source-ranges" not in [rc.key for rc in diagnose(build(doc)).root_causes]


def _trace(tmp_path: Path, doc: Doc, client: str, *lang: str) -> tuple[int, str]:
    path = tmp_path / "snap.json"
    path.write_text(dump_snapshot(build(doc)))
    return run_cli("trace", "--snapshot", str(path), *lang, f"ip:{client}", "svc:shop/web:80/tcp")


def test_trace_from_outside_the_ranges_says_the_listener_lets_it_in(tmp_path: Path) -> None:
    # The packet does go through (no allowed_cidrs): the listener hop says so and why it should
    # not, never a DENIED that a probe from that client would contradict.
    code, out = _trace(tmp_path, amphora_ranges_open(), "203.0.113.9")
    hops = [line for line in out.splitlines() if f"listener {LISTENER}" in line]
    assert hops  # one per group of members that read the same
    for hop in hops:
        assert "outside the Service's loadBalancerSourceRanges 198.51.100.0/24" in hop
        assert "enforced nowhere" in hop and hop.rstrip().endswith("accepted")
    _, ko = _trace(tmp_path, amphora_ranges_open(), "203.0.113.9", "--lang", "ko")
    assert "203.0.113.9는 Service의 loadBalancerSourceRanges" in ko
    # a client inside the ranges: the plain listener hop
    _, inside = _trace(tmp_path, amphora_ranges_open(), "198.51.100.7")
    assert "loadBalancerSourceRanges" not in inside
    # after the fix: DENIED at the listener for the outsider
    code, fixed = _trace(tmp_path, _allow(amphora_ranges_open(), "198.51.100.0/24"), "203.0.113.9")
    assert code == 1 and "DENIED at hop 4" in fixed
