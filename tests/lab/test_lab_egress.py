"""An Antrea egress IP on a node, on real packets (check `neutron-egress-ip-pairs`).

`kostack lab up --scenario antrea-hybrid` (own Neutron, Kubernetes API): the lab's API serves
Antrea (antrea-config with `trafficEncapMode: hybrid`, the antrea-agent DaemonSet and pods,
the Egress and ExternalIPPool CRDs; lab/kostack_lab/antrea_objects.py). Egress works in
"encap" and "hybrid" mode only (antrea-io/antrea docs/egress.md, Limitations); with every node
in one subnet hybrid routes pod traffic natively, which is what the lab's packets do. The
test adds what antrea-controller and antrea-agent would: an ExternalIPPool
10.0.0.240/28 whose nodeSelector selects k8s-w-1, an Egress applied to the echo pod on
k8s-w-1 with its status (egressIP 10.0.0.240, egressNode k8s-w-1) as the controller writes it;
on k8s-w-1 the IP on an interface other than the NIC (the agent's dummy `antrea-egress0`;
here the namespace's loopback, as the kernel has no dummy module; either way the kernel
answers ARP for it on the NIC, arp_ignore 0) and, before the agent's masquerade,
an nft SNAT of that pod's traffic leaving the pod range to the IP (the agent's iptables rule
matches a mark OVS sets for the Egress's pods; the lab, which has no OVS, matches the pod's
address). What is not emulated: OVS, antrea-gw0, and the tunnel that carries selected pods'
traffic from other nodes to the egress node (the selected pod runs on it).

While k8s-w-1's Neutron port has no pair covering the pool, the pod's HTTP to the lab's
outside host times out and anti-spoofing on that port counts the drops: k8s-w-1's ARP request
for the router, which the kernel sends from the egress IP (the packet's source), and, with
the router's MAC pinned on the node, the SNATed packets themselves; a pod on another node
(masqueraded to its node's address) still reaches it. `kostack diagnose` names
`egress-antispoof` and no other root cause; `kostack fix apply` adds the pair to the lab's
Neutron, and the pod reaches (docs/lab.md "Egress IPs"; docs/facts.md 4c).
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from lab_testing import assert_nothing_left, lab_name, root_namespace_state
from test_lab_canal import run
from test_lab_vip import root_causes

from kostack_lab.lab import Lab, cluster_environment
from kostack_lab.lab_records import ProbeSpec
from kostack_lab.neutron import openstack_connection

pytestmark = [pytest.mark.lab]

EGRESS_IP, POOL = "10.0.0.240", "10.0.0.240/28"
HOLDER, HOLDER_NS, HOLDER_MAC = "k8s-w-1", "n2", "fa:16:3e:00:00:12"
OTHER = "k8s-w-2"
# antrea-agent's antrea-egress0 is a dummy interface; the test's kernel has no dummy module (and
# a test loads none), so the IP goes on the namespace's loopback: to the kernel the same, a local
# address on an interface other than the NIC, which it answers ARP for on the NIC (arp_ignore 0)
HELD_ON = "lo"
NIC = "ks-eth0"  # the nodes' and the router's interface on the Neutron network
LABEL = {"egress.kostack.example/lab": "web"}
TIMEOUT = 3.0  # two ARP resolutions, then TCP and HTTP, on a busy CI machine
API = "/apis/crd.antrea.io/v1beta1"


@dataclass(frozen=True)
class EgressLab:
    lab: Lab
    environ: dict[str, str]  # KUBECONFIG, OS_CLIENT_CONFIG_FILE, OS_CLOUD: the lab's
    network: Any  # the lab's own Neutron (openstacksdk's network proxy)
    port_id: str  # the egress node's port
    pod: str  # the Egress's pod, on the egress node
    outside: ProbeSpec  # HTTP to the lab's outside host, through the router


@pytest.fixture
def egress_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EgressLab]:
    """`kostack lab up --scenario antrea-hybrid` with its own Neutron and API, the Egress's
    objects in the API and its IP and SNAT on k8s-w-1. Without root this FAILS."""
    if os.geteuid() != 0:
        pytest.fail("the network lab needs root to create namespaces (CI runs as root)")
    monkeypatch.chdir(tmp_path)  # `fix apply` writes its journal into the working directory
    before = root_namespace_state()
    lab = Lab(name=lab_name(), state_dir=tmp_path / "state")
    try:
        status = lab.up("antrea-hybrid", own_neutron=True, kube_api=True)
        assert status.neutron_endpoint is not None and status.problems == (), status
        network = openstack_connection(status.neutron_endpoint).network
        (port,) = network.ports(name=HOLDER)
        pod = lab.topology.pods_on(HOLDER)[0]
        create_egress(lab.paths.kubeconfig, pod.namespace, pod.name)
        hold_egress_ip(lab, pod.ip)
        topo = lab.topology
        outside = ProbeSpec("outside_http", "http", topo.internet_ip, port=topo.http_port, path="/")
        environ = {"LANG": "C.UTF-8", **cluster_environment(lab.paths.kubeconfig, lab.paths.clouds)}
        yield EgressLab(lab, environ, network, str(port.id), pod.name, outside)
    finally:
        lab.down()
    assert_nothing_left(lab_name())
    assert root_namespace_state() == before


def kube(kubeconfig: Path, method: str, path: str, body: dict[str, Any], kind: str) -> None:
    """One request to the lab's API with the kubeconfig's token (``kind``: the content type)."""
    config = yaml.safe_load(kubeconfig.read_text())
    server = config["clusters"][0]["cluster"]["server"]
    token = config["users"][0]["user"]["token"]
    request = urllib.request.Request(
        f"{server}{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": kind},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 201), response.status


def create_egress(kubeconfig: Path, namespace: str, pod: str) -> None:
    """What a user and antrea-controller leave: the pod labelled for the Egress, the pool
    (docs/egress.md's shape, selecting the egress node by its hostname label), the Egress
    and its status (the controller allocates the IP and picks the node)."""
    json_kind, merge = "application/json", "application/merge-patch+json"
    labels = {"metadata": {"labels": LABEL}}
    kube(kubeconfig, "PATCH", f"/api/v1/namespaces/{namespace}/pods/{pod}", labels, merge)
    pool = {
        "apiVersion": "crd.antrea.io/v1beta1",
        "kind": "ExternalIPPool",
        "metadata": {"name": "lab-egress-pool"},
        "spec": {
            "ipRanges": [{"cidr": POOL}],
            "nodeSelector": {"matchLabels": {"kubernetes.io/hostname": HOLDER}},
        },
    }
    kube(kubeconfig, "POST", f"{API}/externalippools", pool, json_kind)
    egress = {
        "apiVersion": "crd.antrea.io/v1beta1",
        "kind": "Egress",
        "metadata": {"name": "lab-egress"},
        "spec": {
            "appliedTo": {"podSelector": {"matchLabels": LABEL}},
            "externalIPPool": "lab-egress-pool",
        },
    }
    kube(kubeconfig, "POST", f"{API}/egresses", egress, json_kind)
    status = {"status": {"egressIP": EGRESS_IP, "egressNode": HOLDER}}
    kube(kubeconfig, "PATCH", f"{API}/egresses/lab-egress/status", status, merge)


def hold_egress_ip(lab: Lab, pod_ip: str) -> None:
    """On the egress node, as antrea-agent: the IP beside the NIC (HELD_ON), and the pod's traffic
    leaving the pod range SNATed to it before the agent's masquerade (a lower priority)."""
    add = ["ip", "address", "add", f"{EGRESS_IP}/32", "dev", HELD_ON]
    lab.exec_in(HOLDER_NS, add, check=True)
    ruleset = (
        "table ip ks-antrea-egress {\n chain egress {\n"
        "  type nat hook postrouting priority srcnat - 1; policy accept;\n"
        f"  ip saddr {pod_ip} ip daddr != {lab.topology.pod_cidr} counter snat to {EGRESS_IP}\n"
        " }\n}\n"
    )
    lab.exec_in(HOLDER_NS, ["nft", "-f", "-"], check=True, input_text=ruleset)


def snatted(lab: Lab) -> int:
    """Packets the Egress's SNAT rule has translated (the rule's counter)."""
    argv = ["nft", "list", "chain", "ip", "ks-antrea-egress", "egress"]
    found = re.search(r"counter packets (\d+)", lab.exec_in(HOLDER_NS, argv, check=True).stdout)
    assert found, "the SNAT rule's counter"
    return int(found[1])


def reaches(el: EgressLab, pod: str, *, forget_router: bool = True) -> bool:
    """HTTP from ``pod`` to the outside host. The router forgets the egress IP's MAC first and,
    with ``forget_router``, the egress node the router's, so both ask ARP afresh."""
    lab = el.lab
    router = lab.topology.router_netns.removeprefix(lab.prefix)
    flushes = [(router, EGRESS_IP)] + ([(HOLDER_NS, lab.topology.gateway_ip)] * forget_router)
    for ns, peer in flushes:
        lab.exec_in(ns, ["ip", "-4", "neigh", "flush", "to", peer, "dev", NIC], check=True)
    (result,) = lab.probe(pod, [el.outside], timeout=TIMEOUT)
    if not result.ok:  # said with the test's failure when a reach it expects fails
        tables = {ns: lab.exec_in(ns, ["ip", "-4", "neigh"]).stdout for ns in (HOLDER_NS, router)}
        print(f"{pod}: {result.detail}; neighbours: {tables}; {lab.counters()}")
    return result.ok


def knows_router(lab: Lab) -> bool:
    """Whether the egress node's neighbour entry for the router has its MAC."""
    argv = ["ip", "-4", "neigh", "show", "to", lab.topology.gateway_ip, "dev", NIC]
    return "lladdr" in lab.exec_in(HOLDER_NS, argv, check=True).stdout


def test_an_egress_ip_is_dropped_until_its_pair_then_passes(egress_lab: EgressLab) -> None:
    el = egress_lab
    lab, environ = el.lab, el.environ
    other = lab.topology.pods_on(OTHER)[0].name
    before, translated = lab.counters(), snatted(lab)
    assert not reaches(el, el.pod)
    # the node asked ARP for the router from the egress IP (the packet's source): dropped, so
    # its entry for the router never got a MAC
    assert not knows_router(lab)
    after = lab.counters()
    assert snatted(lab) > translated  # the pod's packets left SNATed to the egress IP
    assert after[HOLDER].antispoof_drops > before[HOLDER].antispoof_drops
    assert after[HOLDER].ingress_drops == after[HOLDER].egress_drops == 0
    others = {n: c.total_drops for n, c in after.items() if n != HOLDER}
    assert others == {n: before[n].total_drops for n in others}, after
    assert reaches(el, other)  # not selected: masqueraded to its node's address, as before
    # what collect reads (Antrea's settings, the Egress, the pool, the ports) names it alone
    causes = root_causes(environ)
    assert list(causes) == ["egress-antispoof"], causes
    assert POOL in causes["egress-antispoof"] and el.port_id in causes["egress-antispoof"]

    code, out, err = run(["fix", "apply", "--yes"], environ)
    assert code == 0 and "gone:    egress-antispoof" in out, out + err
    lab.sync()  # the lab's agent would, within half a second
    ruleset = lab.paths.portsec_nft.read_text()
    assert re.search(rf"{HOLDER_MAC} \. {re.escape(POOL)}[,\s}}]", ruleset), "the pool's pair"
    translated = snatted(lab)
    assert reaches(el, el.pod) and knows_router(lab)
    assert reaches(el, other)
    assert snatted(lab) > translated
    assert all(c.total_drops == 0 for c in lab.counters().values())
    assert root_causes(environ) == {}

    # the pair gone again (through Neutron's API): dropped again
    el.network.update_port(el.port_id, allowed_address_pairs=[{"ip_address": "10.244.0.0/16"}])
    lab.sync()
    drops = lab.counters()[HOLDER].antispoof_drops
    # the router's MAC pinned on the node (no ARP at all): what anti-spoofing drops is the
    # SNATed packets themselves, the IP source check
    topo = lab.topology
    pin = ["ip", "neigh", "replace", topo.gateway_ip, "lladdr", topo.router_mac, "dev", NIC]
    lab.exec_in(HOLDER_NS, [*pin, "nud", "permanent"], check=True)
    assert not reaches(el, el.pod, forget_router=False)
    assert lab.counters()[HOLDER].antispoof_drops > drops
