"""Canal in the lab: flannel's VXLAN between the nodes, Calico's CNI plugin for the pods, and
the objects canal.yaml leaves, so `kostack collect` against the lab reads Canal and its
diagnosis can be checked against real packets.

The row of each Canal scenario (probes and counters) is checked with every other scenario's
in test_lab_scenarios.py; here the wiring itself, and collect + diagnose against the lab's
Kubernetes API and a real Neutron.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from lab_testing import assert_nothing_left, lab_name
from test_lab_scenarios import TIMEOUT

from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack.model import parse_snapshot
from kostack_lab.lab import Lab, cluster_environment
from kostack_lab.lab_snapshot import lab_snapshot

pytestmark = pytest.mark.lab


def run(argv: Sequence[str], environ: Mapping[str, str]) -> tuple[int, str, str]:
    """`kostack ARGV` in-process with exactly `environ` as its environment."""
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=out, stderr=err, environ=dict(environ), stdin_isatty=False, stdout_isatty=False
    )
    return main(list(argv), env), out.getvalue(), err.getvalue()


def _flannel_tx(lab: Lab, node: str) -> int:
    done = lab.exec_in(node, ["ip", "-s", "-j", "link", "show", "ks-flannel.1"], check=True)
    return int(json.loads(done.stdout)[0]["stats64"]["tx"]["packets"])


def test_pods_reach_each_other_through_flannel_1(lab: Lab) -> None:
    """flannel.1 as flanneld makes it (VNI 1, the kernel's port 8472, no learning, a /32 of
    the node's subnet, MTU 50 below the NIC's), a static neighbour, FDB entry and onlink
    route per remote node, and a pod wired by Calico's CNI plugin at the NIC's MTU."""
    lab.up("canal-vxlan-ok", nodes=3)
    topo = lab.topology
    w1, w2 = topo.node("k8s-w-1"), topo.node("k8s-w-2")
    shown = lab.exec_in(w1.netns, ["ip", "-d", "-j", "link", "show", "ks-flannel.1"], check=True)
    link = json.loads(shown.stdout)[0]
    data = link["linkinfo"]["info_data"]
    assert (data["id"], data["port"], data.get("learning")) == (1, 8472, False)
    assert link["mtu"] == 1400 and link["address"] == w1.vtep_mac
    addresses = lab.exec_in(w1.netns, ["ip", "-4", "-o", "addr", "show", "ks-flannel.1"]).stdout
    assert f"inet {w1.vtep_ip}/32" in addresses
    fdb = lab.exec_in(w1.netns, ["bridge", "fdb", "show", "dev", "ks-flannel.1"]).stdout
    assert f"{w2.vtep_mac} dst {w2.ip} self permanent" in fdb
    routes = lab.exec_in(w1.netns, ["ip", "-4", "route", "show", w2.pod_cidr]).stdout
    assert f"via {w2.vtep_ip} dev ks-flannel.1 onlink" in routes
    pod = topo.pods_on("k8s-w-1")[0]
    pod_link = lab.exec_in(pod.netns, ["ip", "-j", "link", "show", "ks-eth0"], check=True)
    assert json.loads(pod_link.stdout)[0]["mtu"] == 1450  # Felix: no Calico encapsulation

    before = _flannel_tx(lab, w1.netns)
    probes = lab.probe_round(timeout=TIMEOUT)
    assert probes["pod_to_pod"].ok and probes["dns"].ok and probes["bulk_transfer"].ok
    assert _flannel_tx(lab, w1.netns) > before


def _up_with_neutron(lab: Lab, scenario: str, endpoint: str) -> dict[str, str]:
    lab.up(scenario, neutron_endpoint=endpoint, seed_neutron=True, kube_api=True)
    clouds = lab.paths.clouds if lab.paths.clouds.exists() else None
    assert clouds is not None
    return {"LANG": "C.UTF-8", **cluster_environment(lab.paths.kubeconfig, clouds)}


@pytest.mark.neutron
def test_collect_and_diagnose_against_the_lab_find_udp_8472(
    root_only: None, seeded_neutron: Any, tmp_path: Path
) -> None:
    """collect reads the lab's cluster as Canal (flannel vxlan 8472, Calico's pools); diagnose
    names the missing UDP 8472 rule as the root cause and the fix plan adds exactly it; with
    the rule (canal-vxlan-ok) the diagnosis is clean, and the probes agree both times."""
    lab = Lab(name=lab_name(), state_dir=tmp_path / "state")
    try:
        environ = _up_with_neutron(lab, "canal-no-8472", seeded_neutron.endpoint)
        code, out, err = run(["collect"], environ)
        assert code == 0, err
        snapshot = json.loads(out)
        cni = snapshot["cluster"]["cni"]
        flannel = cni["flannel"]
        assert (cni["type"], cni["calico"]) == ("flannel", None)
        assert (flannel["bundle"], flannel["backend_type"], flannel["port"]) == (
            "canal",
            "vxlan",
            8472,
        )
        assert flannel["ip_masq"] is True and flannel["network"] == "10.244.0.0/16"
        assert [(p["cidr"], p["nat_outgoing"]) for p in flannel["canal_pools"]] == [
            ("10.244.0.0/16", True)
        ]
        assert snapshot["gaps"] == [], snapshot["gaps"]
        # what `kostack probe --lab` plans from says the same of the CNI
        built = lab_snapshot(lab).cluster.cni
        collected = parse_snapshot(snapshot).cluster.cni.flannel
        assert collected is not None and built.flannel is not None
        assert collected.model_dump() == built.flannel.model_dump()

        code, out, err = run(["diagnose", "-o", "json"], environ)
        assert code == 1, err
        assert [rc["key"] for rc in json.loads(out)["root_causes"]] == ["sg-encap"]
        code, out, err = run(["fix", "plan", "-o", "json"], environ)
        assert code == 0, err
        actions = json.loads(out)["actions"]
        assert [(a["operation"], a["target"]["name"], a["fixes"]) for a in actions] == [
            ("add-sg-rule", "k8s-nodes", ["sg-encap"])
        ]
        rule = actions[0]["parameters"]
        assert (rule["direction"], rule["protocol"], rule["port_range_min"]) == (
            "ingress",
            "udp",
            8472,
        )
        assert (
            rule["port_range_max"] == 8472 and rule["remote_group_id"] == actions[0]["target"]["id"]
        )
        assert not lab.probe_round(timeout=TIMEOUT)["pod_to_pod"].ok
        lab.down()

        environ = _up_with_neutron(lab, "canal-vxlan-ok", seeded_neutron.endpoint)
        code, out, err = run(["diagnose", "-o", "json"], environ)
        assert code == 0, err
        assert json.loads(out)["root_causes"] == []
        # canal.yaml's veth_mtu "0": pods at the NIC's 1450 over flannel.1's 1400, a warning
        # only: the probes' 4 MiB transfer passes through the node's path MTU discovery
        warned = [(w["check_id"], w["cause"]) for w in json.loads(out)["warnings"]]
        assert warned == [("net-mtu", "mtu-pmtud")]
        assert lab.probe_round(timeout=TIMEOUT)["pod_to_pod"].ok
    finally:
        lab.down()
    assert_nothing_left(lab_name())
