"""Felix's switch end to end: under a stateless node group that admits only the ephemeral
reply ports, natOutgoing's `masquerade fully-random` loses the replies of the pods'
connections given a node port outside 32768-60999; the `kubectl patch felixconfiguration`
net-sg-stateless prints, applied to the lab's Kubernetes API as kubectl would send it (a
JSON merge patch), makes the lab render plain `masquerade` as Felix does, and the same
connections pass (docs/facts.md "Stateless security groups").
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from kostack.analyze.diagnose import Diagnosis, diagnose
from kostack.analyze.findings import Status
from kostack_lab.cluster import serve_lab_cluster
from kostack_lab.lab import Lab
from kostack_lab.lab_snapshot import lab_snapshot
from kostack_lab.neutron import openstack_connection

pytestmark = [pytest.mark.lab, pytest.mark.neutron]

COUNT = 40  # connections per round, each from its own source port
CLUSTER = ("10.244.0.0/16", "10.0.0.0/24")  # the seed's pods and nodes
PATCH = ["kubectl", "patch", "felixconfiguration", "default", "--type", "merge", "-p"]
# COUNT non-blocking connects from source ports first..first+COUNT-1, then the ports whose
# connection completed within the deadline (a dropped SYN-ACK never completes)
CONNECT = """
import select, socket, sys, time
host, port, first, count, wait = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:5]), float(sys.argv[5])
pending = {}
for p in range(first, first + count):
    s = socket.socket()
    s.bind(("", p))
    s.setblocking(False)
    s.connect_ex((host, port))
    pending[s] = p
ok, deadline = [], time.monotonic() + wait
while pending and time.monotonic() < deadline:
    _, done, _ = select.select([], list(pending), [], deadline - time.monotonic())
    for s in done:
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
            ok.append(pending[s])
        del pending[s]
print(" ".join(map(str, ok)))
"""


@pytest.fixture
def root_only() -> None:
    """This test fails without root rather than skipping (CI runs as root)."""
    if os.geteuid() != 0:
        pytest.fail("the network lab needs root to create namespaces (CI runs as root)")


def _connected(lab: Lab, pod: Any, first: int) -> list[int]:
    topo = lab.topology
    argv = [sys.executable, "-I", "-c", CONNECT, topo.internet_ip, str(topo.http_port)]
    out = lab.exec_in(pod.netns, [*argv, str(first), str(COUNT), "2.0"], check=True).stdout
    return [int(p) for p in out.split()]


def _nat_outgoing(lab: Lab, netns: str) -> str:
    argv = ["nft", "list", "table", "ip", "ks-calico"]
    return lab.exec_in(netns, argv, check=True).stdout


def _diagnosed(lab: Lab) -> Diagnosis:
    """The lab's snapshot read as ML2/OVN: the lab enforces stateless groups as the iptables
    driver does; the seed's ML2/OVS would leave the drop UNKNOWN, naming the driver."""
    snap = lab_snapshot(lab)
    assert snap.openstack is not None
    ovn = snap.openstack.model_copy(update={"backend": "ml2/ovn"})
    return diagnose(snap.model_copy(update={"openstack": ovn}))


def _stateless(d: Diagnosis) -> set[Status]:
    return {f.status for f in d.findings if f.check_id == "net-sg-stateless"}


def test_felixs_switch_applied_as_printed_lets_the_masqueraded_replies_through(
    lab: Lab, seeded_neutron: Any, tmp_path: Path
) -> None:
    endpoint, ids = seeded_neutron.endpoint, seeded_neutron.ids
    lab.up("seed-natoutgoing", neutron_endpoint=endpoint)
    network = openstack_connection(endpoint).network
    sg = network.create_security_group(name="nodes-stateless-felix", stateful=False)
    for prefix in CLUSTER:
        network.create_security_group_rule(
            security_group_id=sg.id, direction="ingress", remote_ip_prefix=prefix
        )
    for proto in ("tcp", "udp"):  # the ephemeral reply rule only
        network.create_security_group_rule(
            security_group_id=sg.id,
            direction="ingress",
            protocol=proto,
            port_range_min=32768,
            port_range_max=60999,
            remote_ip_prefix="0.0.0.0/0",
        )
    for node in ids.nodes:
        network.update_port(node.port_id, security_group_ids=[sg.id])
    assert lab.sync().changed
    first_node, other_node = lab.topology.nodes[1], lab.topology.nodes[2]
    before_pod = next(p for p in lab.topology.pods if p.node == first_node.name)
    after_pod = next(p for p in lab.topology.pods if p.node == other_node.name)

    assert "masquerade fully-random" in _nat_outgoing(lab, first_node.netns)
    # fully-random: a node port anywhere in 1024-65535, about 56% of them outside the rule
    ok = _connected(lab, before_pod, 40000)
    # fewer than 5 of 40 lost has a probability below 1e-9
    assert len(ok) <= COUNT - 5, ok
    d = _diagnosed(lab)
    assert Status.FAIL in _stateless(d)
    (rc,) = [rc for rc in d.root_causes if rc.key == "sg-stateless"]
    (command,) = [c for c in rc.fix.commands if c.startswith("kubectl patch")]
    argv = shlex.split(command)
    assert argv[: len(PATCH)] == PATCH and len(argv) == len(PATCH) + 1

    cluster = serve_lab_cluster(lab, tmp_path / "cluster", endpoint)
    try:
        request = urllib.request.Request(  # what `kubectl patch --type merge` sends
            f"{cluster.api.url}/apis/crd.projectcalico.org/v1/felixconfigurations/default",
            data=argv[-1].encode(),
            method="PATCH",
            headers={
                "Authorization": f"Bearer {cluster.api.token}",
                "Content-Type": "application/merge-patch+json",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            felix = json.load(response)
    finally:
        cluster.stop(wait_for_pods=False)
    assert felix["spec"]["featureDetectOverride"] == "MASQFullyRandom=false"
    assert lab.follow_felix(felix)
    assert lab.topology.felix_override == "MASQFullyRandom=false"
    for node in lab.topology.nodes:  # re-rendered in place: one rule, without fully-random
        rules = _nat_outgoing(lab, node.netns)
        assert rules.count("masquerade") == 1 and "fully-random" not in rules

    # plain masquerade keeps the pod's source port; another node's pod, since conntrack keeps
    # the mappings fully-random made on the first (Felix flushes none either)
    assert _connected(lab, after_pod, 40000) == list(range(40000, 40000 + COUNT))
    assert _stateless(_diagnosed(lab)) == {Status.PASS}
