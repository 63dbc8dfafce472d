"""Each bundled example's expected root causes (and nothing else)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.model import load_snapshot

ROOT = Path(__file__).resolve().parents[2]

EXPECTED: dict[str, list[str]] = {
    "seed-incident": ["antispoof"],
    "seed-fixed": [],
    "seed-port-security-off": [],
    "ipip-always-no-proto4": ["sg-encap"],
    "vxlan-always-no-4789": ["sg-encap"],
    "flannel-vxlan-no-8472": ["sg-encap"],
    "two-subnets-crosssubnet": ["antispoof"],
    "pairs-some-ports": ["antispoof"],
    "mtu-1500": ["mtu"],
    "ovn-seed-fix-not-enough": ["sg-pod-source"],
    "cilium-geneve-no-6081": ["sg-encap"],
    "unmatched-node": ["no-port"],
    "harbor-wrong-namespace": ["antispoof"],  # the seed with its Helm state
    "lb-amphora-healthy": [],
    "lb-amphora-nodeport-blocked": ["lb-nodeport-blocked"],
    "lb-ovn-node-subnet-only": ["lb-nodeport-blocked"],
    "lb-pending-create": ["lb-stuck"],
    "lb-etp-local-by-design": [],
}


def _diag(name: str):  # type: ignore[no-untyped-def]
    return diagnose(load_snapshot(ROOT / "examples" / f"{name}.json"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expected_root_causes(name: str) -> None:
    assert [rc.key for rc in _diag(name).root_causes] == EXPECTED[name]


def test_every_example_is_covered() -> None:
    assert {p.stem for p in (ROOT / "examples").glob("*.json")} == set(EXPECTED)


def test_seed_root_cause_names_all_four_ports_and_the_fix() -> None:
    d = _diag("seed-incident")
    (rc,) = d.root_causes
    ports = [r for r in rc.resources if r.kind == "port"]
    assert sorted(r.name for r in ports) == ["k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"]
    assert sorted(c.split()[-1][:4] for c in rc.fix.commands) == ["5f1c", "9b3d", "a07e", "c4e2"]
    assert all("--allowed-address ip-address=10.244.0.0/16" in c for c in rc.fix.commands)
    alt = [r for r in rc.fix.alternative]
    assert len(alt) == 4 and all(r.op == "disable-port-security" for r in alt)
    checks = {f.check_id for f in rc.symptoms}
    assert checks == {"net-dns", "net-api-service", "net-pod-to-pod", "net-pod-egress"}
    p2p = sum(dict(f.counts)["node_pairs"] for f in rc.symptoms if f.check_id == "net-pod-to-pod")
    assert p2p == 12 == d.node_pairs


def test_two_subnets_only_same_subnet_pairs_break() -> None:
    d = _diag("two-subnets-crosssubnet")
    p2p = [f for f in d.findings if f.check_id == "net-pod-to-pod" and f.status == Status.FAIL]
    # cp-1 <-> w-1 in 10.0.0.0/24 and w-2 <-> w-3 in 10.0.1.0/24: 4 ordered pairs of 12
    assert sum(dict(f.counts)["node_pairs"] for f in p2p) == 4
    encap = [f for f in d.findings if f.check_id == "net-sg-cni-encap"]
    assert [f.status for f in encap] == [Status.PASS]


def test_pairs_on_some_ports_blames_only_the_others() -> None:
    (rc,) = _diag("pairs-some-ports").root_causes
    assert sorted(r.name for r in rc.resources if r.kind == "port") == ["k8s-w-2", "k8s-w-3"]


def test_encapsulation_fixes_are_scoped_by_remote_group() -> None:
    for name, proto in (
        ("ipip-always-no-proto4", "--protocol ipip"),
        ("vxlan-always-no-4789", "--dst-port 4789"),
        ("flannel-vxlan-no-8472", "--dst-port 8472"),
        ("cilium-geneve-no-6081", "--dst-port 6081"),
    ):
        (rc,) = _diag(name).root_causes
        (cmd,) = rc.fix.commands
        assert proto in cmd and "--remote-group" in cmd and "0.0.0.0/0" not in cmd, cmd


def test_ovn_needs_a_pod_cidr_remote_prefix_rule() -> None:
    (rc,) = _diag("ovn-seed-fix-not-enough").root_causes
    (cmd,) = rc.fix.commands
    assert "--remote-ip 10.244.0.0/16" in cmd and "--ingress" in cmd
    assert "ML2/OVN" in rc.message


def test_port_security_off_is_clean_but_warns() -> None:
    d = _diag("seed-port-security-off")
    assert not d.root_causes
    assert [f.check_id for f in d.warnings] == ["neutron-port-security-disabled"] * 4
