"""Why one MetalLB-style neighbour advertisement once raised the lab's drop counter by 2, not 1
(tests/lab/test_lab_vip.py, docs/lab.md "Virtual IPs"), on the real kernel and nft.

`kostack lab up --scenario dualstack-fixed` with fd00:10::240/128 on the control plane's NIC
(no pair for it), frames read on the control plane's tap in the hypervisor namespace (an
AF_PACKET socket, `nd_advert.py capture`): one NA sent as MetalLB sends it is one frame and
one drop. The second drop the VIP test saw comes after its ping: the worker's neighbour entry
for the VIP is still INCOMPLETE when the ping gives up, and the worker's kernel keeps
soliciting (`mcast_solicit` multicast NSs, `retrans_time_ms` apart, then FAILED); the control
plane's kernel answers each from the VIP (target the VIP), and anti-spoofing drops each
answer. So the count is the MetalLB NA plus one kernel NA per solicitation that falls in the
window, not one advertisement counted twice.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from lab_testing import assert_nothing_left, lab_name, root_namespace_state

from kostack_lab import netns, podprobe
from kostack_lab.lab import Lab
from kostack_lab.lab_records import ProbeSpec

pytestmark = [pytest.mark.lab]

VIP6, CLIENT6, LINK_LOCAL = "fd00:10::240", "fd00:10::12", "fe80::f816:3eff:fe00:11"
ANNOUNCER, ANNOUNCER_NS, CLIENT_NS, NIC = "k8s-cp-1", "n1", "n2", "ks-eth0"
ND_ADVERT = Path(__file__).with_name("nd_advert.py")


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """dualstack-fixed (no Neutron: port security from the scenario), the VIP on the control
    plane's NIC without a pair. Without root this FAILS."""
    if os.geteuid() != 0:
        pytest.fail("the network lab needs root to create namespaces (CI runs as root)")
    before = root_namespace_state()
    lab = Lab(name=lab_name(), state_dir=tmp_path / "state")
    try:
        lab.up("dualstack-fixed")
        add = ["ip", "-6", "address", "add", f"{VIP6}/128", "dev", NIC, "nodad"]
        lab.exec_in(ANNOUNCER_NS, add, check=True)
        yield lab
    finally:
        lab.down()
    assert_nothing_left(lab_name())
    assert root_namespace_state() == before


def start_capture(lab: Lab, seconds: float) -> subprocess.Popen[str]:
    """`nd_advert.py capture` on the control plane's tap for ``seconds``, once it listens."""
    tap = lab.topology.node(ANNOUNCER).tap
    argv = [sys.executable, "-I", str(ND_ADVERT), "capture", tap, str(seconds)]
    proc = subprocess.Popen(netns.exec_argv(lab.prefix + "hv", argv), stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def frames(proc: subprocess.Popen[str]) -> list[tuple[str, ...]]:
    """Every NS/NA the capture saw, once its window closed: (in|out, NS|NA, source, target);
    `in` is what the control plane sent."""
    out, _ = proc.communicate(timeout=30)
    return [tuple(line.split()) for line in out.splitlines()]


def drops(lab: Lab) -> int:
    return lab.counters()[ANNOUNCER].antispoof_drops


def sysctl(lab: Lab, key: str) -> int:
    argv = ["sysctl", "-n", f"net.ipv6.neigh.{NIC}.{key}"]
    return int(lab.exec_in(CLIENT_NS, argv, check=True).stdout)


def test_one_advert_is_one_drop_and_the_other_is_the_kernels_answer(lab: Lab) -> None:
    # MetalLB's NA alone (nothing resolving the VIP): one frame for the VIP, one drop
    before, capture = drops(lab), start_capture(lab, 1.0)
    send = [sys.executable, "-I", str(ND_ADVERT), "send", NIC, VIP6, CLIENT6]
    assert lab.exec_in(ANNOUNCER_NS, send, check=True).stdout.strip() == "sent"
    seen = frames(capture)
    assert [f for f in seen if f[3] == VIP6] == [("in", "NA", LINK_LOCAL, VIP6)], seen
    assert drops(lab) == before + 1

    # a ping of the VIP from the worker, as the VIP test runs before its advert: every NS the
    # worker's kernel sends for the VIP (the ping's and the retries after the ping gave up) is
    # answered by the control plane's kernel from the VIP, and each answer is one drop
    solicits, apart = sysctl(lab, "mcast_solicit"), sysctl(lab, "retrans_time_ms") / 1000
    before, capture = drops(lab), start_capture(lab, solicits * apart + 1.5)
    wire = json.dumps([ProbeSpec("vip6_ping", "icmp", VIP6).to_json()])
    probe = [sys.executable, "-I", podprobe.__file__, "--timeout", "1.5", wire]
    assert not json.loads(lab.exec_in(CLIENT_NS, probe, check=True).stdout)[0]["ok"]
    seen = frames(capture)
    asked = [f for f in seen if f[:2] == ("out", "NS") and f[3] == VIP6]
    answered = [f for f in seen if f[:2] == ("in", "NA") and f[3] == VIP6]
    assert len(asked) == solicits, seen  # the ping's NS and its retries, past the ping's 1.5 s
    assert answered == [("in", "NA", VIP6, VIP6)] * solicits, seen
    assert drops(lab) == before + solicits
    entry = ["ip", "-6", "neigh", "show", "to", VIP6, "dev", NIC]
    assert "FAILED" in lab.exec_in(CLIENT_NS, entry, check=True).stdout
