"""The lab driven by a real Neutron: changes made through the API change what packets meet."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from lab_testing import lab_name

from kostack_lab.errors import LabInputError
from kostack_lab.lab import Lab
from kostack_lab.neutron import openstack_connection
from kostack_lab.portsec_ipv6 import link_local
from kostack_lab.seed import ROUTER6_MAC

pytestmark = [pytest.mark.lab, pytest.mark.neutron]

TIMEOUT = 1.5


def table(lab: Lab) -> dict[str, bool]:
    return {key: r.ok for key, r in lab.probe_round(timeout=TIMEOUT).items()}


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll `condition` (bounded); the agent re-renders asynchronously."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_fix_applied_to_neutron_reaches_the_packets(lab: Lab, seeded_neutron: Any) -> None:
    endpoint, ids = seeded_neutron.endpoint, seeded_neutron.ids
    status = lab.up("seed", neutron_endpoint=endpoint)
    assert status.portsec is not None and status.portsec["source"] == f"neutron {endpoint}"
    assert set(status.portsec["bound"]) == {"k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3", "router"}
    assert not any(table(lab).values())
    assert lab.counters()["k8s-w-1"].antispoof_drops > 0

    network = openstack_connection(endpoint).network
    for node in ids.nodes:  # what `kostack fix apply` does: Fix B
        network.update_port(node.port_id, allowed_address_pairs=[{"ip_address": "10.244.0.0/16"}])
    result = lab.sync()
    assert result.changed
    after = table(lab)
    assert after == {
        "dns": True,
        "kubernetes_tcp": True,
        "kubernetes_tls": True,
        "egress_http": True,
        "ping_cluster_ip": False,
        "pod_to_pod": True,
        "bulk_transfer": True,
    }
    revisions = json.loads(lab.paths.portsec.read_text())["revisions"]
    assert revisions["k8s-w-1"] is not None and revisions["k8s-w-1"] > 1

    # Fix A, in the one PUT Neutron accepts: still everything flows.
    network.update_port(
        ids.port_ids["k8s-w-1"],
        is_port_security_enabled=False,
        security_group_ids=[],
        allowed_address_pairs=[],
    )
    assert lab.sync().changed
    assert "portsec_k8s_w_1" not in lab.paths.portsec_nft.read_text()
    assert table(lab)["dns"]


def test_agent_watches_neutron(lab: Lab, seeded_neutron: Any) -> None:
    endpoint, ids = seeded_neutron.endpoint, seeded_neutron.ids
    status = lab.up(
        "vxlan-no-4789", neutron_endpoint=endpoint, seed_neutron=True, watch_interval=0.1
    )
    assert any(s.name == "agent" and s.alive for s in status.servers)
    network = openstack_connection(endpoint).network
    port = network.get_port(ids.port_ids["k8s-w-1"])
    assert port.security_group_ids == [ids.nodes_sg_id]  # the scenario was written into Neutron
    assert not table(lab)["dns"]

    before = json.loads(lab.paths.portsec.read_text())["fingerprint"]
    network.create_security_group_rule(
        security_group_id=ids.nodes_sg_id,
        direction="ingress",
        ether_type="IPv4",
        protocol="udp",
        port_range_min=4789,
        port_range_max=4789,
        remote_group_id=ids.nodes_sg_id,
    )
    wait_for(lambda: json.loads(lab.paths.portsec.read_text())["fingerprint"] != before)
    assert table(lab)["dns"] and table(lab)["pod_to_pod"]


def test_eight_nodes_from_neutron(lab: Lab, neutron_seeder: Any, neutron: str) -> None:
    neutron_seeder(nodes=8)
    lab.up("vxlan-ok", nodes=8, neutron_endpoint=neutron, seed_neutron=True)
    # No time bound (how long `lab up` takes is for benchmarks): the outcome is eight nodes,
    # each with its namespace, and pods that reach each other across them.
    status = lab.status()
    assert status.up and len(status.nodes) == 8 and status.missing_namespaces == ()
    assert table(lab)["pod_to_pod"]


def test_probe_plans_from_a_lab_with_its_neutron(lab: Lab, seeded_neutron: Any) -> None:
    """`kostack probe --lab` failed with an internal error on a lab with a Neutron: the
    router's gateway port sat on a public network the lab's snapshot named "lab-public"."""
    from kostack_lab.lab_snapshot import lab_snapshot
    from kostack_testkit.cli import run_cli

    lab.up("seed", neutron_endpoint=seeded_neutron.endpoint)
    snapshot = lab_snapshot(lab)
    assert snapshot.openstack is not None
    gateway = [p for p in snapshot.openstack.ports if p.device_owner == "network:router_gateway"]
    public = [n.id for n in snapshot.openstack.networks if n.router_external]
    assert gateway and [p.network_id for p in gateway] == public
    which = ["--lab", "--lab-name", lab_name(), "--lab-state-dir", str(lab.paths.root)]
    code, text = run_cli("probe", *which, "--lang", "ko")
    assert code == 0 and text.startswith("점검 계획: 노드 4대 중 4대에서"), text


def test_lab_vm_without_a_port_is_refused(lab: Lab, seeded_neutron: Any) -> None:
    with pytest.raises(LabInputError, match="no port"):
        lab.up("seed", nodes=5, neutron_endpoint=seeded_neutron.endpoint)
    assert lab.status().namespaces == ()


def test_dual_stack_from_neutron_only_ipv6_breaks_until_its_pair(
    lab: Lab, seeded_neutron: Any
) -> None:
    """The real Neutron gets an IPv6 subnet and IPv6 fixed IPs; pairs for IPv4 only.

    IPv4 pod-to-pod passes, IPv6 pod-to-pod is dropped by anti-spoofing on the
    sender's port; adding the IPv6 pod CIDR as a pair through the API (what
    `fix apply` does) makes IPv6 pass too.
    """
    endpoint, ids = seeded_neutron.endpoint, seeded_neutron.ids
    lab.up("dualstack-ipv6-broken", neutron_endpoint=endpoint, seed_neutron=True)
    network = openstack_connection(endpoint).network
    port = network.get_port(ids.port_ids["k8s-w-1"])
    assert {e["ip_address"] for e in port.fixed_ips} == {"10.0.0.12", "fd00:10::12"}
    subnet6 = network.get_subnet(
        next(e["subnet_id"] for e in port.fixed_ips if ":" in e["ip_address"])
    )
    assert subnet6.ip_version == 6 and subnet6.cidr == "fd00:10::/64"
    assert subnet6.ipv6_address_mode == subnet6.ipv6_ra_mode == "dhcpv6-stateful"
    # Neutron made the router a port of its own on the IPv6 subnet (its own MAC); the lab's
    # router took that address, and the nodes route IPv6 via that port's link-local address.
    (router6,) = network.ports(device_id=ids.router_id, device_owner="network:router_interface",
                               fixed_ips=f"subnet_id={subnet6.id}")  # fmt: skip
    assert [e["ip_address"] for e in router6.fixed_ips] == ["fd00:10::1"]
    assert router6.mac_address not in {"fa:16:3e:00:00:01", ROUTER6_MAC}
    rt = lab.exec_in("rt", ["ip", "-6", "-brief", "address", "show", "dev", "ks-eth0"]).stdout
    assert "fd00:10::1/64" in rt and f"{link_local(router6.mac_address)}/64" in rt
    w1 = lab.exec_in("n2", ["ip", "-6", "route", "show", "default"]).stdout
    assert f"via {link_local(router6.mac_address)} dev ks-eth0 proto ra" in w1
    ruleset = lab.paths.portsec_nft.read_text()
    assert "fa:16:3e:00:00:12 . fd00:10::12" in ruleset  # from Neutron's fixed IPs
    assert "fa:16:3e:00:00:12 . fe80::f816:3eff:fe00:12" in ruleset  # its link-local
    assert "fd00:10:244::/56" not in ruleset

    before = table(lab)
    assert before["pod_to_pod"] and before["dns"] and before["egress_http"]
    ipv6 = ("dns_ipv6", "kubernetes_tls_ipv6", "egress_http_ipv6", "pod_to_pod_ipv6")
    assert not any(before[k] for k in ipv6), before
    assert lab.counters()["k8s-w-1"].antispoof_drops > 0

    for node in ids.nodes:
        network.update_port(
            node.port_id,
            allowed_address_pairs=[
                {"ip_address": "10.244.0.0/16"},
                {"ip_address": "fd00:10:244::/56"},
            ],
        )
    assert lab.sync().changed
    assert "fa:16:3e:00:00:12 . fd00:10:244::/56" in lab.paths.portsec_nft.read_text()
    after = table(lab)
    assert after["pod_to_pod"] and after["pod_to_pod_ipv6"] and after["bulk_transfer"]
    assert all(after[k] for k in ipv6), after  # egress over IPv6 through Neutron's router too
    assert not after["ping_cluster_ip_ipv6"]
    assert lab.counters()["k8s-w-1"].antispoof_drops == 0


def test_an_admin_down_node_port_cuts_its_node_off_and_diagnose_names_it(
    lab: Lab, seeded_neutron: Any
) -> None:
    """admin_state_up false on one node port, set through the real Neutron: the lab's probes
    from that node all fail, and diagnose on the lab's snapshot names that port (the static
    answer agrees with the data plane). Turned back on, both are healthy again."""
    from kostack.analyze.diagnose import diagnose
    from kostack_lab.lab_snapshot import lab_snapshot

    endpoint, ids = seeded_neutron.endpoint, seeded_neutron.ids
    lab.up("seed", neutron_endpoint=endpoint)
    network = openstack_connection(endpoint).network
    for node in ids.nodes:  # the seed's fix (pairs for the pod range): a healthy cluster
        network.update_port(node.port_id, allowed_address_pairs=[{"ip_address": "10.244.0.0/16"}])
    lab.sync()
    healthy = table(lab)
    assert healthy["dns"] and healthy["pod_to_pod"] and healthy["egress_http"]

    def port_causes() -> tuple[list[str], list[Any]]:
        snapshot = lab_snapshot(lab)
        d = diagnose(snapshot)
        mine = [f for f in d.findings if f.check_id == "neutron-port-admin-down"]
        return [rc.key for rc in d.root_causes], mine

    # the local Neutron (no agents) leaves every port DOWN; the nodes are Ready: nothing
    assert {p.status for p in lab_snapshot(lab).openstack.ports or ()} == {"DOWN"}  # type: ignore[union-attr]
    keys, mine = port_causes()
    assert keys == [] and [str(f.status) for f in mine] == ["pass"]

    w1 = ids.port_ids["k8s-w-1"]
    network.update_port(w1, is_admin_state_up=False)
    assert lab.sync().changed
    cut = table(lab)  # the probes run from a pod on k8s-w-1
    assert not any(cut.values()), cut
    assert lab.counters()["k8s-w-1"].antispoof_drops > 0
    keys, mine = port_causes()
    assert keys == ["port-down"]
    (down,) = [f for f in mine if str(f.status) == "fail"]
    assert [r.id for r in down.affected] == [w1]
    assert [r.param("command") for r in down.remedies] == [f"openstack port set --enable {w1}"]

    network.update_port(w1, is_admin_state_up=True)
    assert lab.sync().changed
    assert table(lab) == healthy
    assert port_causes()[0] == []


def test_seeding_a_scenario_adds_the_routers_routes_back_to_the_pods(
    lab: Lab, seeded_neutron: Any
) -> None:
    """`--seed-neutron` writes the lab router's routes back to each pod block into the
    Neutron router (as the lab's own Neutron gets them), so a diagnosis of that Neutron sees
    the router the packets meet; routes already there stay; a scenario without them adds none.
    Before, only port security was written: `fixed` then diagnosed router-no-route-back."""
    from kostack_lab.scenario_neutron import apply_scenario
    from kostack_lab.scenarios import get_scenario

    endpoint, router_id = seeded_neutron.endpoint, seeded_neutron.ids.router_id
    network = openstack_connection(endpoint).network
    other = {"destination": "192.0.2.0/24", "nexthop": "10.0.0.11"}
    network.update_router(router_id, routes=[other])
    fixed = get_scenario("fixed")
    topo = fixed.topology(prefix=lab.prefix, nodes=4)

    def routes() -> set[tuple[str, str]]:
        return {(r["destination"], r["nexthop"]) for r in network.get_router(router_id).routes}

    changes = apply_scenario(endpoint, fixed, topo)
    back = {(n.pod_cidr, n.ip) for n in topo.nodes}
    assert len(back) == 4 and routes() == {("192.0.2.0/24", "10.0.0.11"), *back}
    assert sum(c.startswith("add route") for c in changes) == 4
    again = apply_scenario(endpoint, fixed, topo)
    assert not any(c.startswith("add route") for c in again) and len(routes()) == 5

    network.update_router(router_id, routes=[other])
    none = get_scenario("fixed-no-router-routes")
    apply_scenario(endpoint, none, none.topology(prefix=lab.prefix, nodes=4))
    assert routes() == {("192.0.2.0/24", "10.0.0.11")}
