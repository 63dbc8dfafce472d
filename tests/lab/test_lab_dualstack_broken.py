"""dualstack-ipv6-broken in the lab: IPv4 passes, every IPv6 pod-sourced probe dies at anti-spoofing.

The pairs hold the IPv4 pod CIDR only, so the probing pod's IPv6 source
(fd00:10:244:1::11) is not in k8s-w-1's anti-spoofing set: DNS, TCP/TLS to
the `kubernetes` service, egress through the router and pod-to-pod over
IPv6 all time out, and the drop counter of that one port (Neutron's
anti-spoofing rule) is what grows. One lab for the module.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lab_testing import lab_name, module_lab
from test_lab_cli import invoke

from kostack_lab.lab import Lab

pytestmark = pytest.mark.lab

TIMEOUT = 1.0
IPV4 = ("dns", "kubernetes_tcp", "kubernetes_tls", "egress_http", "pod_to_pod", "bulk_transfer")
IPV6 = (
    "dns_ipv6",
    "kubernetes_tcp_ipv6",
    "kubernetes_tls_ipv6",
    "egress_http_ipv6",
    "pod_to_pod_ipv6",
)
PINGS = ("ping_cluster_ip", "ping_cluster_ip_ipv6")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    yield from module_lab("dualstack-ipv6-broken", tmp_path_factory.mktemp("ds-broken") / "state")


def antispoof(lab: Lab) -> dict[str, int]:
    return {port: c.antispoof_drops for port, c in lab.counters().items()}


def test_ipv4_passes_and_ipv6_pod_sources_drop_at_antispoofing(lab: Lab) -> None:
    specs = {s.id: s for s in lab.standard_probes()}
    assert set(specs) == {*IPV4, *IPV6, *PINGS}
    source = lab.default_probe_pods()[0].name

    before = antispoof(lab)
    ipv4 = {r.id: r for r in lab.probe(source, [specs[k] for k in IPV4], timeout=TIMEOUT)}
    assert all(r.ok for r in ipv4.values()), {k: r.detail for k, r in ipv4.items()}
    assert antispoof(lab) == before  # IPv4 meets no anti-spoofing drop

    ipv6 = {r.id: r for r in lab.probe(source, [specs[k] for k in IPV6], timeout=TIMEOUT)}
    assert not any(r.ok for r in ipv6.values()), {k: r.detail for k, r in ipv6.items()}
    # Silently dropped (a timeout), not refused or unreachable: nothing answered at all.
    assert all("refused" not in r.detail and "unreachable" not in r.detail for r in ipv6.values())
    after = antispoof(lab)
    grown = {port for port in after if after[port] > before[port]}
    assert grown == {"k8s-w-1"}, (before, after)  # the probing pod's node port, nothing else
    assert after["k8s-w-1"] - before["k8s-w-1"] >= len(IPV6)
    counters = lab.counters()
    assert all(c.ingress_drops == 0 and c.egress_drops == 0 for c in counters.values()), counters


def test_cluster_ip_pings_are_never_counted_as_an_outage(lab: Lab) -> None:
    state = ["--name", lab_name(), "--state-dir", str(lab.paths.root)]
    code, out, _ = invoke("probe", "--timeout", str(TIMEOUT), *state)
    assert code == 1
    lines = {line.split()[0]: line.split()[1] for line in out.splitlines()[:-1]}
    assert {k: v for k, v in lines.items() if v == "FAILED"} == dict.fromkeys(IPV6, "FAILED")
    assert lines["ping_cluster_ip"] == lines["ping_cluster_ip_ipv6"] == "expected"
    assert all(lines[k] == "ok" for k in IPV4)
    # 13 probes, the two pings not counted: only the five IPv6 pod probes failed.
    assert out.rstrip().endswith(f"{len(IPV6)} of {len(IPV4) + len(IPV6)} probes failed")
