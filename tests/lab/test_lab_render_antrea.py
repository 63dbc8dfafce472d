"""Antrea's lab, its pure parts: hybrid mode in one subnet routed natively, the agent's
masquerade, and the objects antrea.yml leaves (no root needed; the packets are
tests/lab/test_lab_egress.py's and test_lab_scenarios.py's)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import kubernetes_validate
import pytest

from kostack.collect._cni_antrea import parse_antrea
from kostack.collect._kube_objects import Notes
from kostack.model.snapshot import CNI
from kostack_lab import lab_snapshot
from kostack_lab.cluster import lab_cluster_objects
from kostack_lab.lab import Lab
from kostack_lab.scenarios import get_scenario, kubernetes_objects
from kostack_lab.topology import plan_node
from kostack_lab.topology_layout import Encapsulation, build_topology


def test_pods_routed_natively_and_masqueraded_without_random_ports() -> None:
    topo = get_scenario("antrea-hybrid").topology(prefix="ks-", nodes=3)
    assert (topo.cni, topo.encapsulation) == ("antrea", Encapsulation.NONE)
    setup = plan_node(topo, topo.nodes[1])
    assert "route add 10.244.2.0/24 via 10.0.0.13 dev ks-eth0" in setup.ip_lines
    assert not any("vxlan" in line or "blackhole" in line for line in setup.ip_lines)
    assert topo.pod_mtu == 1400  # the agent deducts Geneve's 50 in hybrid mode too
    # the agent's rule: pod CIDR to anything outside the pod CIDRs, MASQUERADE without
    # --random-fully (snatFullyRandomPorts false); Calico's table is not there
    assert "ip saddr 10.244.0.0/16 ip daddr != 10.244.0.0/16 masquerade\n" in setup.nft
    assert "table ip ks-antrea {" in setup.nft and "ks-calico" not in setup.nft


def test_antrea_needs_native_ipv4_one_pool() -> None:
    for wrong in (
        {"encapsulation": Encapsulation.VXLAN},
        {"encapsulation": Encapsulation.NONE, "dual_stack": True},
        {"encapsulation": Encapsulation.NONE, "second_pool": True},
    ):
        with pytest.raises(ValueError, match="Antrea"):
            build_topology(prefix="ks-", nodes=2, nat_outgoing=True, cni="antrea", **wrong)  # type: ignore[arg-type]  # the keywords vary


def test_the_api_serves_antrea_not_calico() -> None:
    """antrea-config (hybrid, Egress on), the antrea-agent DaemonSet and a pod of it per node,
    the Egress and ExternalIPPool CRDs and none of Calico's; built-in objects valid for 1.33;
    the lab's own snapshot says what collection reads from antrea-agent.conf."""
    scenario = get_scenario("antrea-hybrid")
    topo = scenario.topology(prefix="ks-", nodes=4)
    objects = kubernetes_objects(scenario, topo)
    kinds = [o["kind"] for o in objects]
    assert (
        kinds.count("DaemonSet") == 1 and kinds.count("Pod") == 8 + 4 + 4
    )  # the lab pods, antrea-agent and kube-proxy per node
    assert not {"IPPool", "IPAMBlock", "BlockAffinity", "Installation"} & set(kinds)
    agents = [o for o in objects if o["metadata"].get("labels", {}).get("component") == "antrea-agent"]  # fmt: skip
    assert {o["spec"]["nodeName"] for o in agents if o["kind"] == "Pod"} == {n.name for n in topo.nodes}  # fmt: skip
    node = next(o for o in objects if o["kind"] == "Node")
    assert not any(k.startswith("projectcalico.org/") for k in node["metadata"]["annotations"])
    config = next(o for o in objects if o["metadata"]["name"] == "antrea-config")
    notes = Notes()
    settings = parse_antrea(config["data"]["antrea-agent.conf"], notes)
    assert settings is not None and not notes.skipped
    assert (settings.traffic_encap_mode, settings.egress, settings.no_snat) == ("hybrid", True, False)  # fmt: skip
    assert settings.snat_fully_random_ports is False
    said = CNI.model_validate(lab_snapshot._antrea(topo))
    assert said.type == "antrea" and said.antrea == settings
    for obj in objects:
        if "." in obj["apiVersion"].split("/")[0] and not obj["apiVersion"].startswith(
            "discovery.k8s.io"
        ):
            continue  # custom resources have no built-in schema
        assert kubernetes_validate.validate(obj, "1.33", strict=True)
    lab = SimpleNamespace(scenario=scenario, topology=topo)
    crds = [
        o["metadata"]["name"]
        for o in lab_cluster_objects(cast("Lab", lab))
        if o["kind"] == "CustomResourceDefinition"
    ]
    assert sorted(crds) == ["egresses.crd.antrea.io", "externalippools.crd.antrea.io"]
