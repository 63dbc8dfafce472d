"""OVN-Kubernetes read through the official client: OpenShift's ovnkube.conf, ovn-kubernetes'
own ovn-config with the ovnkube-node environment, the nodes' node-subnets, OVN's IPsec."""

from __future__ import annotations

import ipaddress

from k8s_collect_served import ServeFn

from kostack.collect._cni_ovnk import parse_conf, parse_ini
from kostack.collect._cni_ovnk_operator import parse_operator
from kostack.collect._kube_objects import Notes
from kostack.gap_words import gap_hint
from kostack_testkit.k8s_fixture_objects import POD_SUBNET, SERVICE_SUBNET
from kostack_testkit.k8s_fixture_ovnk import UPSTREAM, ovnk_cluster, ovnkube_conf


def test_openshift_ovnkube_conf_is_read(serve: ServeFn) -> None:
    """OpenShift's ovnkube.conf: Geneve on 6081, the pods' MTU, shared gateway; each node's
    pod range from its node-subnets; no kube-proxy, so its mode is "none", not a gap."""
    collection = serve(ovnk_cluster(conf=ovnkube_conf(mtu=1342))).collect()
    assert collection.gaps == ()
    cluster = collection.cluster
    cni = cluster.cni
    o = cni.ovn_kubernetes
    assert cni.type == "ovn-kubernetes" and o is not None
    assert o.config_map == "openshift-ovn-kubernetes/ovnkube-config"
    assert (o.encap_type, o.encap_port, o.mtu, o.gateway_mode) == ("geneve", 6081, 1342, "shared")
    assert (o.disable_snat_multiple_gws, o.ipsec, o.transport) == (False, False, "")
    assert o.cluster_subnets == (ipaddress.ip_network(POD_SUBNET),) and o.host_prefixes == (24,)
    assert o.service_cidrs == (ipaddress.ip_network(SERVICE_SUBNET),)
    nodes = cluster.nodes or ()
    assert o.node_subnets is not None and set(o.node_subnets) == {n.name for n in nodes}
    assert all(o.node_subnets[n.name] == n.pod_cidrs for n in nodes)
    assert cluster.kube_proxy_mode == "none"
    assert cluster.pod_cidrs == (ipaddress.ip_network(POD_SUBNET),)
    assert cni.version == "v1.0.0"


def test_ovn_kubernetes_own_install_reads_ovn_config_and_the_environment(serve: ServeFn) -> None:
    """dist/templates: ConfigMap ovn-config (mtu, net_cidr, svc_cidr) and the ovnkube-node
    container's OVN_ENCAP_PORT and OVN_GATEWAY_MODE; OVN's IPsec pods seen."""
    env = {"OVN_ENCAP_PORT": "6082", "OVN_GATEWAY_MODE": "local"}
    objects = ovnk_cluster(namespace=UPSTREAM, env=env, ipsec=True)
    collection = serve(objects).collect()
    assert collection.gaps == ()
    o = collection.cluster.cni.ovn_kubernetes
    assert o is not None and o.config_map == "ovn-kubernetes/ovn-config"
    assert (o.encap_port, o.gateway_mode, o.mtu, o.ipsec) == (6082, "local", 1400, True)


def test_a_missing_configmap_is_a_gap_with_the_commands(serve: ServeFn) -> None:
    objects = [o for o in ovnk_cluster() if o["metadata"].get("name") != "ovnkube-config"]
    collection = serve(objects).collect()
    cni = collection.cluster.cni
    assert cni.type == "ovn-kubernetes" and cni.ovn_kubernetes is None
    gap = next(g for g in collection.gaps if g.source == "cluster.cni.ovn_kubernetes")
    assert "configmaps/ovn-config" in gap.error  # the last one tried
    assert "`oc -n openshift-ovn-kubernetes get configmap ovnkube-config -o yaml`" in gap.hint
    assert "`oc get network.operator cluster -o yaml`" in gap_hint(gap, "ko")
    assert collection.cluster.kube_proxy_mode == "none"  # OVN serves Services either way


def test_values_and_their_defaults() -> None:
    """Keys left out take config.go's defaults; the gateway mode has none (not known); a
    value kostack does not model is None with a note."""
    notes = Notes()
    bare = parse_conf(parse_ini("[default]\n"), "x/ovnkube-config", notes)
    assert (bare.encap_type, bare.encap_port, bare.mtu, bare.gateway_mode) == (
        "geneve",
        6081,
        1400,
        None,
    )
    assert notes.skipped == {}
    text = '[default]\nencap-type="vxlan"\ntransport="no-overlay"\n[gateway]\nmode=weird\n'
    odd = parse_conf(parse_ini(text), "x/ovnkube-config", notes)
    assert (odd.encap_type, odd.transport, odd.gateway_mode) == (None, "no-overlay", None)
    assert notes.skipped


def test_a_node_subnets_annotation_that_does_not_parse_is_a_note(serve: ServeFn) -> None:
    """A node whose k8s.ovn.org/node-subnets is not {"default": CIDR} (here nested past the
    parser's depth) is left out of node_subnets, with a note; the others are read."""
    deep = "[" * 100_000 + "]" * 100_000
    objects = ovnk_cluster()
    for obj in objects:
        if obj["kind"] == "Node" and obj["metadata"]["name"] == "k8s-w-2":
            obj["metadata"]["annotations"]["k8s.ovn.org/node-subnets"] = deep
    collection = serve(objects).collect()
    o = collection.cluster.cni.ovn_kubernetes
    assert o is not None and o.node_subnets is not None
    assert "k8s-w-2" not in o.node_subnets and len(o.node_subnets) == 3
    assert any("k8s-w-2" in g.error for g in collection.gaps), collection.gaps


def test_pods_unreadable_ovn_kubernetes_is_found_by_its_node_annotation(serve: ServeFn) -> None:
    """With the pods forbidden, the Nodes' k8s.ovn.org/node-subnets say OVN-Kubernetes (in
    ovn-kubernetes' own namespace, where its install keeps ovn-config); whether OVN's IPsec
    runs is then not known (None), never assumed off."""
    served = serve(ovnk_cluster(namespace=UPSTREAM, env={"OVN_GATEWAY_MODE": "shared"}))
    served.api.inject_fault("", "pods", status=403)
    collection = served.collect()
    cni = collection.cluster.cni
    o = cni.ovn_kubernetes
    assert cni.type == "ovn-kubernetes" and o is not None
    assert o.config_map == "ovn-kubernetes/ovn-config" and o.ipsec is None
    assert o.node_subnets is not None and len(o.node_subnets) == 4
    assert "cluster.pods" in {g.source for g in collection.gaps}


def test_openshift_network_operator_config_is_read(serve: ServeFn) -> None:
    """network.operator.openshift.io cluster: ipsecConfig.mode Full with its encapsulation,
    the MTU, Geneve port, routingViaHost and v4InternalSubnet; agreeing with ovnkube.conf,
    no note."""
    config = {
        "mtu": 1400,
        "genevePort": 6081,
        "gatewayConfig": {"routingViaHost": False},
        "ipsecConfig": {"mode": "Full", "full": {"encapsulation": "Always"}},
        "v4InternalSubnet": "100.66.0.0/16",
    }
    collection = serve(ovnk_cluster(operator=config)).collect()
    assert collection.gaps == ()
    o = collection.cluster.cni.ovn_kubernetes
    assert o is not None and o.operator is not None
    op = o.operator
    assert (op.ipsec_mode, op.ipsec_encapsulation) == ("Full", "Always")
    assert (op.mtu, op.geneve_port, op.routing_via_host) == (1400, 6081, False)
    assert op.v4_internal_subnet == (ipaddress.ip_network("100.66.0.0/16"),)


def test_ipsec_mode_defaults_follow_get_ipsec_mode() -> None:
    """GetIPsecMode: no ipsecConfig is Disabled; one without a mode is Full (the API before
    4.15), its encapsulation Auto; External carries no encapsulation."""
    assert parse_operator({}).ipsec_mode == "Disabled"
    legacy = parse_operator({"defaultNetwork": {"ovnKubernetesConfig": {"ipsecConfig": {}}}})
    assert (legacy.ipsec_mode, legacy.ipsec_encapsulation) == ("Full", "Auto")
    external = {"defaultNetwork": {"ovnKubernetesConfig": {"ipsecConfig": {"mode": "External"}}}}
    assert (parse_operator(external).ipsec_mode, parse_operator(external).ipsec_encapsulation) == (
        "External",
        None,
    )


def test_where_the_operator_and_the_configmap_disagree_the_configmap_runs(serve: ServeFn) -> None:
    """The operator asks for MTU 1300 and local gateway mode; ovnkube.conf still says 1400 and
    shared: the ConfigMap's values are kept (what runs), with a note naming both."""
    config = {"mtu": 1300, "gatewayConfig": {"routingViaHost": True}}
    collection = serve(ovnk_cluster(operator=config)).collect()
    o = collection.cluster.cni.ovn_kubernetes
    assert o is not None and (o.mtu, o.gateway_mode) == (1400, "shared")
    (gap,) = [g for g in collection.gaps if g.source == "cluster.cni.ovn_kubernetes.operator"]
    assert "mtu 1300" in gap.error and "says 1400" in gap.error
    assert "routingViaHost local" in gap.error and "the ConfigMap is what runs" in gap.error


def test_a_refused_network_operator_config_is_a_gap_with_the_oc_command(serve: ServeFn) -> None:
    """Forbidden (a role without networks.operator.openshift.io), or missing: a gap whose
    hint gives `oc get network.operator cluster -o yaml`; ovnkube.conf is still read."""
    served = serve(ovnk_cluster(operator={"ipsecConfig": {"mode": "Full"}}))
    served.api.inject_fault("operator.openshift.io", "networks", status=403)
    collection = served.collect()
    o = collection.cluster.cni.ovn_kubernetes
    assert o is not None and o.operator is None and o.encap_port == 6081
    gap = next(g for g in collection.gaps if g.source == "cluster.cni.ovn_kubernetes.operator")
    assert "`oc get network.operator cluster -o yaml`" in gap.hint
    assert "`oc get network.operator cluster -o yaml`" in gap_hint(gap, "ko")
    missing = serve(ovnk_cluster(operator=None)).collect()
    assert "cluster.cni.ovn_kubernetes.operator" in {g.source for g in missing.gaps}
    upstream = serve(ovnk_cluster(namespace=UPSTREAM, env={})).collect()
    assert upstream.gaps == ()  # not OpenShift: nothing to read
