"""net-calico-node-address: calico-node's own address (the Node annotation
projectcalico.org/IPv4Address; docs/facts.md "Calico's node address") against the node's
InternalIP and the Neutron ports. Before, kostack took the InternalIP's port to carry Calico's
BGP and tunnels whatever calico-node had detected, and passed a cluster whose calico-nodes all
sat on one bridge address."""

from __future__ import annotations

import time
from typing import Any

from kostack.analyze.checks.base import CheckContext
from kostack.analyze.checks.net_calico_node_address import run
from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status, command_for
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.messages import localize
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_testkit.builders import build, example_doc, hetero_doc
from kostack_testkit.calico_address import (
    BRIDGE,
    calico_address_example_doc,
    internal_ip,
    second_nic,
    with_calico_addresses,
)

Doc = dict[str, Any]
ID = "net-calico-node-address"
W3 = "k8s-w-3"


def _fixed() -> Doc:
    return example_doc("seed-fixed")


def _run(doc: Doc) -> list[Finding]:
    snapshot = build(doc)
    flows = ClusterFlows(snapshot)
    return run(CheckContext(snapshot, flows.topo, flows))


def _diag(doc: Doc) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == ID]


def test_every_node_on_its_internal_ip_passes() -> None:
    (f,) = _run(with_calico_addresses(_fixed()))
    assert f.status == Status.PASS
    assert localize(f.message, "en").startswith("On all 4 nodes calico-node uses")
    assert "노드 4대 모두" in localize(f.message, "ko")


def test_one_bridge_address_on_every_node_is_the_root_cause_with_its_remedy() -> None:
    assert not diagnose(build(_fixed())).root_causes  # the fixed seed: healthy
    doc = with_calico_addresses(_fixed(), {n: [BRIDGE] for n in ("k8s-w-1", "k8s-w-2")})
    (f,) = _run(doc)
    assert f.status == Status.FAIL and f.cause == "calico-address"
    assert f.nodes == ("k8s-w-1", "k8s-w-2")  # one finding listing the nodes, not a pair each
    en, ko = localize(f.message, "en"), localize(f.message, "ko")
    assert "picked the same address as another node (172.18.0.1)" in en
    assert "다른 노드와 같은 주소(172.18.0.1)를 골랐습니다" in ko
    evidence = [localize(e, "en") for e in f.evidence]
    assert evidence[0] == "node k8s-w-1: Calico address 172.18.0.1, InternalIP 10.0.0.12"
    (remedy,) = f.remedies
    assert command_for(remedy) == (
        "kubectl patch installation default --type merge -p "
        '\'{"spec":{"calicoNetwork":{"nodeAddressAutodetectionV4":{"firstFound":null,'
        '"interface":null,"skipInterface":null,"canReach":null,"cidrs":null,'
        '"kubernetes":"NodeInternalIP"}}}}\''
    )
    roots = diagnose(build(doc)).root_causes
    assert [rc.key for rc in roots] == ["calico-address"]
    assert {r.name for r in roots[0].resources} == {"k8s-w-1", "k8s-w-2"}


def test_the_manifest_install_gets_set_env_and_ipv6_its_own_variable() -> None:
    doc = with_calico_addresses(_fixed(), {W3: ["192.168.77.14", "fd00:77::14"]})
    doc["cluster"]["cni"]["calico"]["install_method"] = "manifest"
    (f,) = _run(doc)
    assert f.status == Status.FAIL
    assert command_for(f.remedies[0]) == (
        "kubectl set env daemonset/calico-node -n kube-system "
        "IP_AUTODETECTION_METHOD=kubernetes-internal-ip "
        "IP6_AUTODETECTION_METHOD=kubernetes-internal-ip"
    )
    doc["cluster"]["cni"]["calico"]["install_method"] = "unknown"
    (f,) = _run(doc)
    text = command_for(f.remedies[0])
    assert text.startswith("# operator install: kubectl patch installation default")
    assert '"nodeAddressAutodetectionV6":{' in text and "IP6_AUTODETECTION_METHOD" in text


def test_an_address_on_no_port_of_the_server_fails_naming_node_address_and_internal_ip() -> None:
    (f,) = _run(with_calico_addresses(_fixed(), {W3: ["192.168.77.14"]}))
    assert f.status == Status.FAIL and f.nodes == (W3,)
    assert "picked an address that is not on the node's network (192.168.77.14)" in localize(
        f.message, "en"
    )
    assert [localize(e, "en") for e in f.evidence] == [
        "node k8s-w-3: Calico address 192.168.77.14, InternalIP 10.0.0.14"
    ]
    # another server's fixed IP (a database VM's) is not this node's network either
    doc = with_calico_addresses(_fixed(), {W3: ["192.168.100.50"]})
    other = second_nic(doc, "k8s-w-1", "192.168.100.50")["openstack"]["ports"][-1]
    other["device_id"] = "db-vm"
    (f,) = _run(doc)
    assert f.status == Status.FAIL and f.cause == "calico-address"
    assert localize(f.evidence[0], "en").endswith(f"port {other['id']} (k8s-w-1-storage)")
    # another node's InternalIP: two nodes claim it
    (f,) = _run(with_calico_addresses(_fixed(), {W3: [internal_ip(_fixed(), "k8s-w-1")]}))
    assert f.status == Status.FAIL and f.nodes == (W3,)
    assert "the same address as another node (10.0.0.12)" in localize(f.message, "en")


def test_a_second_nic_passes_naming_its_port_and_network() -> None:
    """Another port of the node's own server: the engine judges Calico's traffic there
    (test_calico_second_nic.py), so the address itself is no problem."""
    doc = second_nic(
        with_calico_addresses(_fixed(), {W3: ["192.168.100.14"]}), W3, "192.168.100.14"
    )
    (f,) = _run(doc)
    assert f.status == Status.PASS and f.nodes == (W3,) and not f.cause
    port = next(p for p in doc["openstack"]["ports"] if p["name"] == f"{W3}-storage")
    en = localize(f.message, "en")
    assert "uses another address of the node's own server (192.168.100.14), not its" in en
    assert f"through the port that holds it (port {port['id']} ({W3}-storage) on network " in en
    assert f"port {port['id']} ({W3}-storage)" in localize(f.evidence[0], "en")
    assert "kubectl patch installation default" in en  # the way back, if it was not meant
    assert "InternalIP가 아닌 노드 자신의 서버의 다른 주소(192.168.100.14)를 씁니다" in localize(
        f.message, "ko"
    )
    assert not f.remedies


def test_without_the_ports_or_the_annotation_it_is_undecided() -> None:
    doc = with_calico_addresses(_fixed(), {W3: ["192.168.100.14"]})
    del doc["cluster"]["cni"]["calico"]["node_addresses"]["k8s-w-1"]
    doc["openstack"]["ports"] = None
    statuses = {f.cause: f for f in _run(doc)}
    assert statuses["calico-address-ports-unknown"].status == Status.UNKNOWN
    missing = statuses["calico-address-none"]
    assert missing.status == Status.UNKNOWN and missing.nodes == ("k8s-w-1",)
    assert "carries no Calico address" in localize(missing.message, "en")


def test_an_old_snapshot_and_another_cni_are_not_applicable() -> None:
    (f,) = _diag(_fixed())  # no node_addresses: collected before kostack read them
    assert f.status == Status.NOT_APPLICABLE
    assert "collect again" in localize(f.message, "en")
    assert "다시 수집하세요" in localize(f.message, "ko")
    assert "calico-address" not in {rc.key for rc in diagnose(build(_fixed())).root_causes}
    (f,) = _diag(example_doc("flannel-vxlan-no-8472"))
    assert f.status == Status.NOT_APPLICABLE


def test_a_thousand_nodes_of_mixed_addresses_are_judged_in_linear_time() -> None:
    """1,200 nodes: a third on their InternalIP, a third on one bridge, a third each on an
    address of its own outside every port: two findings listing their nodes, fast."""

    def doc_of(n: int) -> Doc:
        doc = hetero_doc(n)
        names = [node["name"] for node in doc["cluster"]["nodes"]]
        given = {}
        for i, name in enumerate(names):
            if i % 3 == 1:
                given[name] = [BRIDGE]
            elif i % 3 == 2:
                given[name] = [f"198.18.{i // 250}.{i % 250}"]
        return with_calico_addresses(doc, given)

    def timed(n: int) -> tuple[float, list[Finding]]:
        doc = doc_of(n)
        start = time.perf_counter()
        found = _run(doc)
        return time.perf_counter() - start, found

    small, _ = timed(300)
    large, found = timed(1200)
    assert sorted(len(f.nodes) for f in found) == [400, 400]
    assert all(f.status == Status.FAIL and f.cause == "calico-address" for f in found)
    assert large < max(small, 0.05) * 12  # 4x the nodes: nowhere near 16x


def _by_check(doc: Doc) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in diagnose(build(doc)).findings:
        out.setdefault(f.check_id, []).append(f)
    return out


def test_calicos_traffic_of_moved_nodes_is_undecided_under_the_root_cause_not_passed() -> None:
    """The engine judged pod-to-pod, DNS, BGP and pod sources on the InternalIPs' ports and
    passed them; with every calico-node on a bridge address none of it runs there."""
    doc = with_calico_addresses(_fixed(), {n: [BRIDGE] for n in ("k8s-w-2", "k8s-w-3")})
    d = diagnose(build(doc))
    (rc,) = d.root_causes
    assert rc.key == "calico-address"
    explained = {f.check_id for f in rc.explains}
    assert {"net-pod-to-pod", "net-dns"} <= explained
    p2p = [f for f in d.findings if f.check_id == "net-pod-to-pod"]
    assert Status.UNKNOWN in {f.status for f in p2p}
    undecided = next(f for f in p2p if f.status == Status.UNKNOWN)
    assert undecided.cause == "calico-address"
    assert "calico-node on k8s-w-2 uses 172.18.0.1, not its InternalIP 10.0.0.13" in localize(
        undecided.message, "en"
    )
    # k8s-cp-1 <-> k8s-w-1 are still judged (and pass): their Calico address is their InternalIP
    assert sum(dict(f.counts)["node_pairs"] for f in p2p if f.status == Status.UNKNOWN) == 10
    assert "172.18.0.1" in localize(undecided.message, "ko")


def test_one_second_nic_on_another_subnet_leaves_its_calico_flows_undecided_not_passed() -> None:
    """k8s-w-3 alone on the storage network: its Calico address and the others' are on
    different subnets, and which port its packets leave by is its routing (not collected)."""
    doc = second_nic(
        with_calico_addresses(_fixed(), {W3: ["192.168.100.14"]}), W3, "192.168.100.14"
    )
    found = _by_check(doc)
    # (between subnets the pods' packets are VXLAN under CrossSubnet: net-sg-cni-encap's)
    for check_id in ("net-pod-to-pod", "net-dns", "net-sg-cni-encap", "net-sg-bgp"):
        statuses = {f.status for f in found[check_id]}
        assert Status.PASS not in statuses and Status.UNKNOWN in statuses, check_id
        texts = " ".join(localize(f.message, "en") for f in found[check_id])
        assert "(192.168.100.14, subnet 192.168.100.0/24)" in texts, check_id
        assert "are on different subnets" in texts, check_id
    # what runs on the InternalIP's port stays judged: kubelet, the API server, egress
    for check_id in ("net-sg-control-plane", "net-api-service", "net-pod-egress"):
        assert {f.status for f in found[check_id]} == {Status.PASS}, check_id
    assert not diagnose(build(doc)).root_causes  # undecided, not a false cause either


def test_bgp_sessions_of_a_moved_node_are_not_passed() -> None:
    doc = example_doc("bgp-blocked")
    sg = next(g for g in doc["openstack"]["security_groups"] if g["name"] == "k8s-nodes")
    sg["rules"].append(
        {**sg["rules"][0], "id": "bgp-open", "protocol": "tcp"}
        | {
            "port_range_min": 179,
            "port_range_max": 179,
            "remote_ip_prefix": "10.0.0.0/24",
            "remote_group_id": None,
            "direction": "ingress",
            "ethertype": "IPv4",
        }
    )
    assert {f.status for f in _by_check(doc)["net-sg-bgp"]} == {Status.PASS}
    with_calico_addresses(doc, {W3: ["192.168.77.14"]})
    bgp = _by_check(doc)["net-sg-bgp"]
    assert Status.PASS not in {f.status for f in bgp}
    assert any(f.cause == "calico-address" for f in bgp)


def test_moved_nodes_share_classes_so_the_traces_do_not_grow_with_them() -> None:
    """Every third node on the bridge: the moved nodes are one kind of end (not one class each,
    which made the representative traces grow with the square of the nodes)."""

    def traces(n: int) -> int:
        doc = hetero_doc(n, pods_per_node=2)
        names = [node["name"] for node in doc["cluster"]["nodes"]]
        with_calico_addresses(doc, {x: [BRIDGE] for i, x in enumerate(names) if i % 3 == 0})
        d = diagnose(build(doc))
        assert "calico-address" in {rc.key for rc in d.root_causes}
        return d.classes[2]

    small, large = traces(90), traces(360)
    assert large <= small + 10, (small, large)


def test_the_fix_plan_shows_the_remedy_as_a_manual_step_and_applies_nothing() -> None:
    plan = build_plan(build(calico_address_example_doc("calico-first-found-bridge")))
    (step,) = plan.actions
    assert step.operation == Operation.MANUAL and not step.automatic
    assert step.command.startswith("kubectl patch installation default --type merge -p ")
    assert '"kubernetes":"NodeInternalIP"' in step.command
    assert [r.key for r in plan.verification.after] == ["calico-address"]
