"""A virtual IP on a node (kube-vip's control-plane VIP, a MetalLB L2 address), on real packets.

`kostack lab up --scenario fixed` (own Neutron, Kubernetes API): the control plane node's
namespace holds 10.0.0.240/32 on its NIC, as kube-vip (`vip_arp`) and MetalLB's speaker put a
VIP on the announcing node, and its kernel answers ARP for it (arp_ignore 0); kube-vip's
mirror pod is in the lab's API, as its kubelet would mirror the static pod. The lab's API
server stand-in listens on 6443 there, so TLS to 10.0.0.240:6443 is the control-plane
endpoint behind the VIP. A worker (its node namespace, and a pod on it) asks for it: while
the control plane's Neutron port has no allowed address pair covering the address,
anti-spoofing drops the ARP answers (the worker's neighbour entry never resolves) and, with
ARP bypassed, the replies sent from the address too; `kostack diagnose` names
`vip-antispoof` and nothing else. `kostack fix apply` adds the pair to the lab's Neutron and
both reach; so does the whole pool CIDR as one pair (docs/facts.md section 4b; docs/lab.md
"Virtual IPs").
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from lab_testing import assert_nothing_left, lab_name, root_namespace_state
from test_lab_canal import run

from kostack_lab import netns, podprobe
from kostack_lab.lab import Lab, cluster_environment
from kostack_lab.lab_records import ProbeSpec
from kostack_lab.neutron import openstack_connection

pytestmark = [pytest.mark.lab]

VIP = "10.0.0.240"
POOL = "10.0.0.240/28"  # the VIP's whole pool, as one pair
POD_PAIR = {"ip_address": "10.244.0.0/16"}  # scenario `fixed`: the cluster is healthy otherwise
ANNOUNCER, ANNOUNCER_NS, ANNOUNCER_MAC = "k8s-cp-1", "n1", "fa:16:3e:00:00:11"
CLIENT, CLIENT_NS, CLIENT_IP, CLIENT_MAC = "k8s-w-1", "n2", "10.0.0.12", "fa:16:3e:00:00:12"
NIC = "ks-eth0"
TIMEOUT = 1.5
PROBES = [
    ProbeSpec("vip_tls", "tls", VIP, port=6443),
    ProbeSpec("vip_ping", "icmp", VIP),
]


@dataclass(frozen=True)
class VipLab:
    lab: Lab
    environ: dict[str, str]  # KUBECONFIG, OS_CLIENT_CONFIG_FILE, OS_CLOUD: the lab's
    network: Any  # the lab's own Neutron (openstacksdk's network proxy)
    port_id: str  # the announcer's port


@pytest.fixture
def vip_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[VipLab]:
    """`kostack lab up --scenario fixed` (the seed with the pair for the pod range on every
    node port: a healthy cluster, and routes back on the router) with its own Neutron and its
    Kubernetes API, kube-vip's mirror pod on the control plane and the VIP on its NIC.
    Without root this FAILS."""
    if os.geteuid() != 0:
        pytest.fail("the network lab needs root to create namespaces (CI runs as root)")
    monkeypatch.chdir(tmp_path)  # `fix apply` writes its journal into the working directory
    before = root_namespace_state()
    lab = Lab(name=lab_name(), state_dir=tmp_path / "state")
    try:
        status = lab.up("fixed", own_neutron=True, kube_api=True)
        assert status.neutron_endpoint is not None
        network = openstack_connection(status.neutron_endpoint).network
        (port,) = network.ports(name=ANNOUNCER)
        environ = cluster_environment(lab.paths.kubeconfig, lab.paths.clouds)
        create_kube_vip_pod(lab.paths.kubeconfig)
        lab.exec_in(ANNOUNCER_NS, ["ip", "address", "add", f"{VIP}/32", "dev", NIC], check=True)
        yield VipLab(lab, {"LANG": "C.UTF-8", **environ}, network, str(port.id))
    finally:
        lab.down()
    assert_nothing_left(lab_name())
    assert root_namespace_state() == before


def create_kube_vip_pod(kubeconfig: Path, address: str = VIP, cidr: str = "32") -> None:
    """kube-vip as `kube-vip manifest pod --controlplane --arp` writes it into the control
    plane's static pod manifests, mirrored into the API by its kubelet (what collect reads;
    docs/facts.md section 4b). The lab's kubelet runs nothing for it: the test holds the VIP."""
    config = yaml.safe_load(kubeconfig.read_text())
    server = config["clusters"][0]["cluster"]["server"]
    token = config["users"][0]["user"]["token"]
    env = {"vip_arp": "true", "port": "6443", "vip_interface": NIC, "vip_cidr": cidr,
           "cp_enable": "true", "cp_namespace": "kube-system", "address": address}  # fmt: skip
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"kube-vip-{ANNOUNCER}", "namespace": "kube-system"},
        "spec": {
            "nodeName": ANNOUNCER,
            "hostNetwork": True,
            "containers": [
                {
                    "name": "kube-vip",
                    "image": "ghcr.io/kube-vip/kube-vip:v1.0.0",
                    "args": ["manager"],
                    "env": [{"name": k, "value": v} for k, v in env.items()],
                }
            ],
        },
    }
    request = urllib.request.Request(
        f"{server}/api/v1/namespaces/kube-system/pods",
        data=json.dumps(pod).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


def root_causes(environ: dict[str, str]) -> dict[str, str]:
    """`kostack diagnose -o json` against the lab's API and Neutron: root cause key -> its JSON."""
    code, out, err = run(["diagnose", "-o", "json"], environ)
    # 4: undecided (dualstack-fixed's IPv6 pods have ULA addresses: whether the networks
    # beyond the router route replies back is not known); 1: a root cause
    assert code in (0, 1, 4), err
    return {rc["key"]: json.dumps(rc) for rc in json.loads(out)["root_causes"]}


def set_announcer_pairs(vl: VipLab, *extra: str) -> None:
    """The announcer's pairs through Neutron's API, then re-render (the agent would too)."""
    pairs = [POD_PAIR, *({"ip_address": a} for a in extra)]
    vl.network.update_port(vl.port_id, allowed_address_pairs=pairs)
    vl.lab.sync()
    assert_announcer_may_send(vl.lab, *extra)


def assert_announcer_may_send(lab: Lab, *addresses: str) -> None:
    """The rendered anti-spoofing set of the announcer holds exactly these beside its own."""
    ruleset = lab.paths.portsec_nft.read_text()
    held = {
        a for a in (VIP, POOL) if re.search(rf"{ANNOUNCER_MAC} \. {re.escape(a)}[,\s}}]", ruleset)
    }
    assert held == set(addresses), held  # a pair without a MAC takes the port's


def reach(lab: Lab) -> dict[str, bool]:
    """TLS to VIP:6443 and a ping, from the worker's node namespace and from a pod on it.

    Both neighbour tables forget the VIP first, so every round asks ARP afresh."""
    for ns, peer in ((CLIENT_NS, VIP), (ANNOUNCER_NS, CLIENT_IP)):
        lab.exec_in(ns, ["ip", "-4", "neigh", "flush", "to", peer, "dev", NIC], check=True)
    node = probe_from_node(lab)
    pod = lab.topology.pods_on(CLIENT)[0]
    from_pod = lab.probe(pod.name, PROBES, timeout=TIMEOUT)
    return {
        **{f"node_{r['id']}": bool(r["ok"]) for r in node},
        **{f"pod_{r.id}": r.ok for r in from_pod},
    }


def probe_from_node(lab: Lab) -> list[dict[str, Any]]:
    """PROBES from the worker's node namespace (the lab's pod probe, run there)."""
    argv = [sys.executable, "-I", podprobe.__file__, "--timeout", str(TIMEOUT)]
    wire = json.dumps([s.to_json() for s in PROBES])
    results: list[dict[str, Any]] = json.loads(
        lab.exec_in(CLIENT_NS, [*argv, wire], check=True).stdout
    )
    return results


def neighbour(lab: Lab, ns: str, address: str) -> str:
    """`ip neigh` for `address` on the node's NIC (empty when the kernel has no entry)."""
    argv = ["ip", "-4", "neigh", "show", "to", address, "dev", NIC]
    return lab.exec_in(ns, argv, check=True).stdout.strip()


def test_arp_for_a_vip_is_dropped_until_its_pair_then_passes(vip_lab: VipLab) -> None:
    lab, environ = vip_lab.lab, vip_lab.environ
    for conf in ("all", NIC):  # the kernel's default: answer ARP for any local address
        sysctl = ["sysctl", "-n", f"net.ipv4.conf.{conf}.arp_ignore"]
        assert lab.exec_in(ANNOUNCER_NS, sysctl, check=True).stdout.strip() == "0"

    assert_vip_unreachable(lab)
    assert_replies_dropped_too(lab)
    # what collect reads (kube-vip's pod, the ports) names it, and only it
    causes = root_causes(environ)
    assert list(causes) == ["vip-antispoof"], causes
    assert VIP in causes["vip-antispoof"] and vip_lab.port_id in causes["vip-antispoof"]

    code, out, err = run(["fix", "apply", "--yes"], environ)
    assert code == 0, out + err
    lab.sync()  # the lab's agent would, within half a second
    assert_announcer_may_send(lab, VIP)
    assert_vip_reachable(lab)
    assert root_causes(environ) == {}

    set_announcer_pairs(vip_lab)  # the pair gone again: dropped again
    assert_vip_unreachable(lab)

    set_announcer_pairs(vip_lab, POOL)  # the whole pool as one pair
    assert_vip_reachable(lab)
    assert root_causes(environ) == {}


def assert_vip_unreachable(lab: Lab) -> None:
    """Every reach fails, and it is the ARP answer anti-spoofing drops: the announcer heard the
    question (it learnt the worker's MAC from it) and its port counted drops, the worker's
    neighbour entry for the VIP never got a MAC, and no other counter moved. Counted from
    before the reaches: once a pair is taken away, the announcer's kernel may already have
    sent something from the VIP (an ARP refresh of a neighbour it learnt while the pair
    was there), which anti-spoofing dropped before this looked."""
    before = lab.counters()
    outcome = reach(lab)
    assert not any(outcome.values()), outcome
    entry = neighbour(lab, CLIENT_NS, VIP)
    assert entry.startswith(VIP) and "lladdr" not in entry, entry  # INCOMPLETE or FAILED
    assert f"lladdr {CLIENT_MAC}" in neighbour(lab, ANNOUNCER_NS, CLIENT_IP)
    after = lab.counters()
    assert after[ANNOUNCER].antispoof_drops > before[ANNOUNCER].antispoof_drops
    assert after[ANNOUNCER].ingress_drops == before[ANNOUNCER].ingress_drops
    assert after[ANNOUNCER].egress_drops == before[ANNOUNCER].egress_drops
    others = {n: c.total_drops for n, c in after.items() if n != ANNOUNCER}
    assert others == {n: before[n].total_drops for n in others}, after


def assert_replies_dropped_too(lab: Lab) -> None:
    """With ARP out of the way (the worker pins the VIP to the announcer's MAC), the requests
    get in, admitted by the group, the announcer answers, and its replies, sent from the VIP,
    are what anti-spoofing drops: the IP source check, not only the ARP one."""
    pin = ["ip", "neigh", "replace", VIP, "lladdr", ANNOUNCER_MAC, "dev", NIC, "nud", "permanent"]
    lab.exec_in(CLIENT_NS, pin, check=True)
    try:
        before, icmp_before = lab.counters()[ANNOUNCER].antispoof_drops, icmp(lab)
        node = probe_from_node(lab)
        assert [r["ok"] for r in node] == [False, False], node
        after, icmp_after = lab.counters(), icmp(lab)
        # the echo request got in and the announcer's kernel answered it (and the SYN alike)
        assert icmp_after["InEchos"] > icmp_before["InEchos"]
        assert icmp_after["OutEchoReps"] > icmp_before["OutEchoReps"]
        assert after[ANNOUNCER].antispoof_drops > before
        assert after[ANNOUNCER].ingress_drops == 0
        assert after[CLIENT].total_drops == 0
    finally:
        lab.exec_in(CLIENT_NS, ["ip", "neigh", "del", VIP, "dev", NIC], check=True)


def icmp(lab: Lab) -> dict[str, int]:
    """The announcer's ICMP counters (`Icmp:` of /proc/net/snmp, read inside its namespace)."""
    snmp = lab.exec_in(ANNOUNCER_NS, ["cat", "/proc/net/snmp"], check=True).stdout
    names, values = [line.split()[1:] for line in snmp.splitlines() if line.startswith("Icmp:")]
    return dict(zip(names, map(int, values), strict=True))


def assert_vip_reachable(lab: Lab) -> None:
    """Every reach passes; the worker resolved the VIP to the announcer's MAC; nothing dropped."""
    outcome = reach(lab)
    assert all(outcome.values()) and len(outcome) == 4, outcome
    assert f"lladdr {ANNOUNCER_MAC}" in neighbour(lab, CLIENT_NS, VIP)
    assert all(c.total_drops == 0 for c in lab.counters().values())


# --- IPv6: the same VIP answered by NDP (docs/lab.md "Virtual IPs", docs/facts.md 4b) ------

VIP6 = "fd00:10::240"  # in the lab's IPv6 node subnet fd00:10::/64
POOL6 = "fd00:10::240/124"
CLIENT_IP6 = "fd00:10::12"
ND_ADVERT = Path(__file__).with_name("nd_advert.py")
PING6 = [ProbeSpec("vip6_ping", "icmp", VIP6)]


@pytest.fixture
def vip6_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[VipLab]:
    """`kostack lab up --scenario dualstack-fixed` (pairs for both pod ranges: healthy) with
    its own Neutron and API, kube-vip's mirror pod for the IPv6 VIP and the VIP (/128, no
    duplicate address detection) on the control plane's NIC. Without root this FAILS."""
    if os.geteuid() != 0:
        pytest.fail("the network lab needs root to create namespaces (CI runs as root)")
    monkeypatch.chdir(tmp_path)
    before = root_namespace_state()
    lab = Lab(name=lab_name(), state_dir=tmp_path / "state")
    try:
        status = lab.up("dualstack-fixed", own_neutron=True, kube_api=True)
        assert status.neutron_endpoint is not None
        network = openstack_connection(status.neutron_endpoint).network
        (port,) = network.ports(name=ANNOUNCER)
        environ = cluster_environment(lab.paths.kubeconfig, lab.paths.clouds)
        create_kube_vip_pod(lab.paths.kubeconfig, VIP6, "128")
        add = ["ip", "-6", "address", "add", f"{VIP6}/128", "dev", NIC, "nodad"]
        lab.exec_in(ANNOUNCER_NS, add, check=True)
        yield VipLab(lab, {"LANG": "C.UTF-8", **environ}, network, str(port.id))
    finally:
        lab.down()
    assert_nothing_left(lab_name())
    assert root_namespace_state() == before


def ping6(lab: Lab) -> bool:
    """A ping of the IPv6 VIP from the worker's node namespace, its neighbour entry forgotten."""
    lab.exec_in(CLIENT_NS, ["ip", "-6", "neigh", "flush", "to", VIP6, "dev", NIC], check=True)
    argv = [sys.executable, "-I", podprobe.__file__, "--timeout", str(TIMEOUT)]
    wire = json.dumps([s.to_json() for s in PING6])
    (result,) = json.loads(lab.exec_in(CLIENT_NS, [*argv, wire], check=True).stdout)
    return bool(result["ok"])


def metallb_advert_seen(lab: Lab) -> bool:
    """The announcer sends one NA for the VIP from its link-local address, as MetalLB's NDP
    responder does (`nd_advert.py`); whether it reaches the worker's namespace."""
    listener = subprocess.Popen(
        netns.exec_argv(
            lab.prefix + CLIENT_NS,
            [sys.executable, "-I", str(ND_ADVERT), "listen", VIP6, str(TIMEOUT)],
        ),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert listener.stdout is not None and listener.stdout.readline().strip() == "ready"
        send = [sys.executable, "-I", str(ND_ADVERT), "send", NIC, VIP6, CLIENT_IP6]
        assert lab.exec_in(ANNOUNCER_NS, send, check=True).stdout.strip() == "sent"
        said = listener.stdout.readline().split()
    finally:
        listener.wait(timeout=TIMEOUT + 10)
    return said[0] == "seen"


def test_ndp_for_an_ipv6_vip_is_dropped_until_its_pair_then_passes(vip6_lab: VipLab) -> None:
    lab, environ = vip6_lab.lab, vip6_lab.environ
    # the kernel's own answer (kube-vip's case: the VIP on the NIC), sent from the VIP
    before = lab.counters()
    assert not ping6(lab)
    entry = lab.exec_in(CLIENT_NS, ["ip", "-6", "neigh", "show", "to", VIP6, "dev", NIC]).stdout
    assert "lladdr" not in entry, entry  # the NS got no answer through
    learnt = ["ip", "-6", "neigh", "show", "to", CLIENT_IP6, "dev", NIC]
    assert f"lladdr {CLIENT_MAC}" in lab.exec_in(ANNOUNCER_NS, learnt, check=True).stdout
    after = lab.counters()
    assert after[ANNOUNCER].antispoof_drops > before[ANNOUNCER].antispoof_drops
    assert after[ANNOUNCER].ingress_drops == after[ANNOUNCER].egress_drops == 0
    # MetalLB's answer: from the port's own link-local address, which anti-spoofing lets out,
    # for a target the port does not own: dropped on its target, as Neutron does
    drops = lab.counters()[ANNOUNCER].antispoof_drops
    assert not metallb_advert_seen(lab)
    assert lab.counters()[ANNOUNCER].antispoof_drops > drops
    causes = root_causes(environ)  # the router routes back to the IPv6 pods: egress is fine
    assert sorted(causes) == ["vip-antispoof"], causes
    assert VIP6 in causes["vip-antispoof"] and vip6_lab.port_id in causes["vip-antispoof"]

    code, out, err = run(["fix", "apply", "--yes"], environ)
    assert code == 0 and "gone:    vip-antispoof" in out, out + err
    lab.sync()
    ruleset = lab.paths.portsec_nft.read_text()
    assert re.search(rf"{ANNOUNCER_MAC} \. {VIP6}[,\s}}]", ruleset), "the /128 pair"
    assert ping6(lab) and metallb_advert_seen(lab)
    assert list(root_causes(environ)) == []
    assert all(c.total_drops == 0 for c in lab.counters().values())

    set_announcer_pairs6(vip6_lab)  # the pair gone again: dropped again
    assert not ping6(lab) and not metallb_advert_seen(lab)
    set_announcer_pairs6(vip6_lab, POOL6)  # the pool's CIDR as one pair
    assert ping6(lab) and metallb_advert_seen(lab)
    assert list(root_causes(environ)) == []


def set_announcer_pairs6(vl: VipLab, *extra: str) -> None:
    """The announcer's pairs (both pod ranges, ``extra``) through Neutron, then re-render."""
    pairs = [POD_PAIR, {"ip_address": "fd00:10:244::/56"}, *({"ip_address": a} for a in extra)]
    vl.network.update_port(vl.port_id, allowed_address_pairs=pairs)
    vl.lab.sync()
