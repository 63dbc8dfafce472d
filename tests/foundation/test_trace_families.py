"""A trace goes from an address to one of the same family.

`kostack trace pod:demo/netshoot ip:fd00::1` on a dual-stack cluster traced the pod's IPv4
address to the IPv6 one, and said "reachable" where the pod's IPv6 traffic is dropped by
anti-spoofing (examples/dualstack-ipv6-broken.json). A dual-stack end is now taken by its
address of the other end's family; two ends with no family in common are a usage error.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kostack.cli.common import Environment
from kostack.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DUAL = str(EXAMPLES / "dualstack-ipv6-broken.json")
SEED = str(EXAMPLES / "seed-incident.json")


def trace(snapshot: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, environ={}, stdin_isatty=False, stdout_isatty=False)
    code = main(["trace", "--snapshot", snapshot, *args], env)
    return code, out.getvalue(), err.getvalue()


def test_a_dual_stack_pod_to_an_ipv6_address_is_traced_from_its_ipv6_address() -> None:
    code, out, _ = trace(DUAL, "pod:demo/netshoot", "ip:fd00::1")
    assert out.splitlines()[0] == "Trace pod demo/netshoot fd00:10:244:1::7 -> fd00::1 tcp"
    assert "10.244.1.7" not in out
    assert code == 1 and "DENIED" in out  # its IPv6 pods' traffic is dropped there
    code, out, _ = trace(DUAL, "pod:demo/netshoot", "ip:10.0.0.200")
    assert "10.244.1.7 -> 10.0.0.200" in out.splitlines()[0]


def test_a_dual_stack_node_to_an_ipv6_address_says_its_ipv6_address() -> None:
    _, out, _ = trace(DUAL, "node:k8s-w-1", "ip:fd00::1")
    assert out.splitlines()[0] == "Trace node k8s-w-1 fd00:0:0:1::12 -> fd00::1 tcp"


def test_the_destination_adapts_to_an_ipv6_source() -> None:
    _, out, _ = trace(DUAL, "-o", "json", "ip:fd00::99", "pod:demo/dns-test")
    doc = json.loads(out)
    text = json.dumps(doc)
    assert "fd00:10:244:2::5" in text and "10.244.2.5" not in text, text[:400]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_no_family_in_common_is_a_usage_error(lang: str) -> None:
    code, out, err = trace(SEED, "--lang", lang, "pod:demo/netshoot", "ip:fd00::1")
    assert code == 2 and out == ""
    assert ("no IPv6 address" if lang == "en" else "IPv6 주소가 없고") in err


def test_an_ipv6_address_with_a_port_needs_brackets() -> None:
    code, _, err = trace(DUAL, "ip:fd00::1:53/udp", "svc:kube-system/kube-dns:53/udp")
    assert code == 2 and "ip:[fd00::1]:53/udp" in err


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_service_is_no_source(lang: str) -> None:
    """A ClusterIP never sends: tracing from one was an UNKNOWN "the node ... is not known"."""
    code, out, err = trace(
        SEED, "--lang", lang, "svc:default/kubernetes:443/tcp", "pod:demo/netshoot"
    )
    assert code == 2 and out == ""
    assert (
        "is a Service" if lang == "en" else "Service입니다"
    ) in err and "pod:NAMESPACE/NAME" in err


def test_an_externalname_service_is_said_to_be_one(tmp_path: Path) -> None:
    doc = json.loads(Path(SEED).read_text())
    doc["cluster"]["services"].append(
        {"namespace": "shop", "name": "ext", "type": "ExternalName", "cluster_ip": None}
    )
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc))
    code, _, err = trace(str(path), "pod:demo/netshoot", "svc:shop/ext:443/tcp")
    assert code == 2 and "ExternalName" in err and "headless" not in err


def test_an_ipv6_address_in_brackets_without_a_port_is_an_address() -> None:
    """`ip:[IPV6]` is a form the help lists: it was "bad port '7]'" (exit 2)."""
    code, out, err = trace(DUAL, "ip:[fd00:10:244:1::7]", "svc:kube-system/kube-dns:53/udp")
    assert err == "" and code != 2
    assert out.splitlines()[0].startswith("Trace pod demo/netshoot fd00:10:244:1::7 -> ")


def test_a_host_network_pod_takes_its_node_s_address_of_the_other_family() -> None:
    """A hostNetwork pod whose podIPs list only the node's IPv4 address was "no IPv6 address"
    (exit 2), though its node has one: it sends from the node's addresses."""
    code, out, err = trace(DUAL, "pod:calico-system/calico-node-w1", "ip:[fd00:10:244:2::5]:80/tcp")
    assert err == "" and code != 2
    assert "source fd00:0:0:1::12 is the port's fixed IP" in out
