"""A trace from inside to one of the project's floating IPs (pod -> a node's FIP, the hairpin)
is UNKNOWN at the router, naming the fixed address to trace: it used to go "out through the
gateway" and end "reachable" without ever meeting the target port's ingress rules
(docs/facts.md, "Floating IPs from inside")."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack_testkit.builders import POD_CIDR, PUBLIC_NET_ID, ROUTER_ID, Doc, add_pairs, seed_doc

FIP = "203.0.113.12"


def _doc(fips: bool) -> Doc:
    doc = seed_doc()
    add_pairs(doc, [POD_CIDR])
    port = doc["openstack"]["ports"][2]
    assert port["fixed_ips"][0]["ip_address"] == "10.0.0.13"  # k8s-w-2's port
    doc["openstack"]["floating_ips"] = None
    if fips:
        doc["openstack"]["floating_ips"] = [
            {
                "id": "11111111-1111-4111-8111-111111111111",
                "floating_ip_address": FIP,
                "floating_network_id": PUBLIC_NET_ID,
                "port_id": port["id"],
                "fixed_ip_address": "10.0.0.13",
                "router_id": ROUTER_ID,
                "status": "ACTIVE",
            }
        ]
    return doc


def trace(tmp_path: Path, doc: Doc, *args: str) -> tuple[int, str]:
    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps(doc), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, environ={}, stdin_isatty=False, stdout_isatty=False)
    rc = main(["trace", "--snapshot", str(snap), *args], env)
    return rc, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("src", ["pod:demo/netshoot", "node:k8s-w-1"])
def test_a_floating_ip_of_the_project_is_undecided_not_reachable(tmp_path: Path, src: str) -> None:
    rc, text = trace(tmp_path, _doc(True), src, f"ip:{FIP}:443/tcp")
    assert rc == 4, text
    assert "reachable" not in text and "SNAT" not in text
    assert f"{FIP} is floating IP 1111.. of port " in text
    assert "trace ip:10.0.0.13 instead" in text
    rc, ko = trace(tmp_path, _doc(True), "--lang", "ko", src, f"ip:{FIP}:443/tcp")
    assert rc == 4 and "의 플로팅 IP 1111..입니다" in ko and "대신 ip:10.0.0.13을 추적하세요" in ko


def test_an_external_network_address_is_undecided_when_floating_ips_were_not_collected(
    tmp_path: Path,
) -> None:
    rc, text = trace(tmp_path, _doc(False), "pod:demo/netshoot", f"ip:{FIP}:443/tcp")
    assert rc == 4, text
    assert "is on external network public, and floating IPs were not collected" in text
    # an address on no external network still leaves through the gateway
    rc, text = trace(tmp_path, _doc(False), "pod:demo/netshoot", "ip:8.8.8.8:443/tcp")
    assert rc == 0 and "=> reachable" in text, text
