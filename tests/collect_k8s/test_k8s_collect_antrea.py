"""Antrea read through the official client: antrea.yml's ConfigMap, older hashed names."""

from __future__ import annotations

from typing import Any

from k8s_collect_served import ServeFn

from kostack.collect._cni_antrea import parse_antrea
from kostack.collect._kube_objects import Notes
from kostack.gap_words import gap_hint
from kostack.model.cni import Antrea
from kostack_testkit.k8s_fixture_antrea import DEFAULT_CONF, antrea_cluster


def test_antrea_is_read_from_its_configmap(serve: ServeFn) -> None:
    """antrea.yml's defaults: encap over Geneve UDP 6081 (tunnelPort 0), no encryption, pod
    egress masqueraded, AntreaProxy on; the pods' ranges are the nodes' podCIDRs."""
    collection = serve(antrea_cluster()).collect()
    assert collection.gaps == ()
    cni = collection.cluster.cni
    antrea = cni.antrea
    assert cni.type == "antrea" and antrea is not None
    assert (cni.version, cni.version_source) == (
        "v2.6.3",
        "image antrea/antrea-agent-ubuntu:v2.6.3",
    )
    assert (antrea.traffic_encap_mode, antrea.tunnel_type, antrea.tunnel_port) == (
        "encap",
        "geneve",
        6081,
    )
    assert (antrea.traffic_encryption_mode, antrea.wireguard_port) == ("none", 51820)
    assert (antrea.no_snat, antrea.snat_fully_random_ports, antrea.default_mtu) == (False, False, 0)
    assert (antrea.antrea_proxy, antrea.proxy_all) == (True, False)
    assert antrea.config_map == "antrea-config"
    nodes = collection.cluster.nodes or ()
    assert nodes and all(n.pod_cidrs for n in nodes)
    # more than the 10 reads every cluster gets: the ConfigMap, the Egresses and the
    # ExternalIPPools (collect/_kube_egress.py)
    assert collection.api_requests == 10 + 1 + 2


def test_a_hashed_configmap_is_the_one_the_agent_mounts(serve: ServeFn) -> None:
    """Up to v1.6 the ConfigMap is antrea-config-<hash>: the agent pod's volume names it."""
    conf = DEFAULT_CONF.replace('"encap"', '"noEncap"').replace("noSNAT: false", "noSNAT: true")
    objects = antrea_cluster(conf=conf, config_name="antrea-config-hkhbh5gf99")
    collection = serve(objects).collect()
    assert collection.gaps == ()
    antrea = collection.cluster.cni.antrea
    assert antrea is not None and antrea.config_map == "antrea-config-hkhbh5gf99"
    assert (antrea.traffic_encap_mode, antrea.no_snat) == ("noEncap", True)


def test_a_missing_configmap_is_a_gap_that_names_what_to_run(serve: ServeFn) -> None:
    objects = [o for o in antrea_cluster() if o["kind"] != "ConfigMap" or "antrea" not in str(o)]
    collection = serve(objects).collect()
    cni = collection.cluster.cni
    assert cni.type == "antrea" and cni.antrea is None
    gap = next(g for g in collection.gaps if g.source == "cluster.cni.antrea")
    assert "configmaps/antrea-config" in gap.error
    assert "`kubectl -n kube-system get configmaps -l app=antrea`" in gap.hint
    assert "`kubectl -n kube-system get configmaps -l app=antrea`" in gap_hint(gap, "ko")


def test_values_and_their_defaults() -> None:
    """Absent keys take the agent's defaults; tunnelPort 0 is the type's port (STT is TCP
    7471, GRE has none); the modes compare case-insensitively, the tunnel type does not."""
    notes = Notes()
    antrea = parse_antrea("trafficEncapMode: Hybrid\ntunnelType: stt\n", notes)
    assert antrea is not None and notes.skipped == {}
    assert (antrea.traffic_encap_mode, antrea.tunnel_type, antrea.tunnel_port) == (
        "hybrid",
        "stt",
        7471,
    )
    gre = parse_antrea("tunnelType: gre\ntunnelPort: 1234\ntrafficEncryptionMode: IPsec\n", notes)
    assert gre is not None and (gre.tunnel_port, gre.traffic_encryption_mode) == (None, "ipsec")
    policy = parse_antrea("trafficEncapMode: networkPolicyOnly\n", notes)
    assert policy is not None and policy.no_snat is True  # antrea-agent never masquerades
    odd = parse_antrea("tunnelType: Geneve\ntunnelPort: 4790\n", notes)
    assert odd is not None and (odd.tunnel_type, odd.tunnel_port) == (None, 4790)
    assert notes.skipped == {"cluster.cni.antrea": ["tunnelType 'Geneve' is not modelled"]}
    assert parse_antrea("- not a mapping", Notes()) is None


def test_an_unreadable_default_mtu_is_a_note_not_a_silent_unset() -> None:
    notes = Notes()
    antrea = parse_antrea("defaultMTU: 40\n", notes)
    assert antrea is not None and antrea.default_mtu is None
    assert notes.skipped == {"cluster.cni.antrea": ["defaultMTU 40 is not modelled"]}
    fine = parse_antrea("defaultMTU: 1400\n", Notes())
    assert fine is not None and fine.default_mtu == 1400


def _without_kube_proxy(objects: list[Any]) -> list[Any]:
    """kubeadm init --skip-phases=addon/kube-proxy: no kube-proxy pods, DaemonSet or
    ConfigMap (Antrea's docs/antrea-proxy.md "Removing kube-proxy")."""
    return [o for o in objects if not o["metadata"]["name"].startswith("kube-proxy")]


def test_proxy_all_without_kube_proxy_is_a_replacement_not_a_gap(serve: ServeFn) -> None:
    """antreaProxy.proxyAll with kube-proxy removed: AntreaProxy serves every Service address,
    so kube-proxy's absence is the mode "none", not a gap (as for Cilium's replacement)."""
    conf = DEFAULT_CONF.replace("proxyAll: false", "proxyAll: true")
    collection = serve(_without_kube_proxy(antrea_cluster(conf=conf))).collect()
    assert collection.gaps == ()
    assert collection.cluster.kube_proxy_mode == "none"
    antrea = collection.cluster.cni.antrea
    assert antrea is not None and antrea.proxy_all is True


def test_kube_proxy_gone_without_proxy_all_stays_a_gap(serve: ServeFn) -> None:
    """Without proxyAll AntreaProxy serves the pods only: nothing is known to serve NodePorts."""
    collection = serve(_without_kube_proxy(antrea_cluster())).collect()
    assert collection.cluster.kube_proxy_mode is None
    assert any(g.source == "cluster.kube_proxy_mode" for g in collection.gaps)


def test_proxy_all_beside_kube_proxy_keeps_its_mode(serve: ServeFn) -> None:
    conf = DEFAULT_CONF.replace("proxyAll: false", "proxyAll: true")
    collection = serve(antrea_cluster(conf=conf)).collect()
    assert collection.cluster.kube_proxy_mode == "iptables"


def test_cluster_port_is_read_with_its_default() -> None:
    """clusterPort (the agents' memberlist): 10351 when absent or 0 (options.go)."""
    notes = Notes()
    assert (parse_antrea(DEFAULT_CONF, notes) or Antrea()).cluster_port == 10351
    assert (parse_antrea("clusterPort: 0\n", notes) or Antrea()).cluster_port == 10351
    assert (parse_antrea("trafficEncapMode: encap\n", notes) or Antrea()).cluster_port == 10351
    assert (parse_antrea("clusterPort: 7946\n", notes) or Antrea()).cluster_port == 7946
    assert notes.skipped == {}
    odd = parse_antrea("clusterPort: 70000\n", notes)
    assert odd is not None and odd.cluster_port is None
    assert notes.skipped == {"cluster.cni.antrea": ["clusterPort 70000 is not modelled"]}
