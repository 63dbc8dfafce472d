"""Egress IPs read through the official client (collect/_kube_egress.py): Antrea's Egresses
and ExternalIPPools, Cilium's CiliumEgressGatewayPolicies.

Before they were modelled the snapshot had no `egress_ips`: these tests fail on that code.
"""

from __future__ import annotations

import ipaddress

from k8s_collect_served import ServeFn

from kostack.collect._kube_egress import parse_external_ip_pool, parse_policy
from kostack.gap_words import gap_hint
from kostack_testkit import k8s_fixtures as fx
from kostack_testkit.k8s_fixture_antrea import DEFAULT_CONF, IMAGE, antrea_cluster
from kostack_testkit.k8s_fixture_egress import (
    antrea_crds,
    cilium_crd,
    egress,
    egress_gateway_policy,
    external_ip_pool,
    with_cilium_egress_gateway,
)
from kostack_testkit.k8s_fixture_objects import service_object

NET = ipaddress.ip_network
IP = ipaddress.ip_address
HOSTNAME = "kubernetes.io/hostname"


def _antrea_objects(version: str = "v1beta1") -> list[dict[str, object]]:
    pools = [
        external_ip_pool(
            "external-ip-pool",
            [{"start": "10.0.0.212", "end": "10.0.0.215"}, {"cidr": "2001:db8:e::/126"}],
            {"matchLabels": {"network-role": "egress-gateway"}},
            version,
        )
    ]
    egresses = [
        egress("egress-prod-web", pool="external-ip-pool", version=version),
        egress("egress-static", ip="10.0.0.104", node="k8s-w-1", version=version),
    ]
    return [*antrea_crds(version), *pools, *egresses]


def test_antrea_egresses_and_pools_are_read_with_two_lists(serve: ServeFn) -> None:
    collection = serve(antrea_cluster(extra=_antrea_objects())).collect()
    assert collection.gaps == ()
    egress_ips = collection.cluster.egress_ips
    assert egress_ips is not None and egress_ips.cni == "antrea"
    (pool,) = egress_ips.pools or ()
    assert pool.cidrs == (NET("10.0.0.212/30"), NET("2001:db8:e::/126"))
    assert pool.ranges == ("10.0.0.212-10.0.0.215", "2001:db8:e::/126")
    assert pool.node_selector is not None
    assert pool.node_selector.match_labels == {"network-role": "egress-gateway"}
    by_name = {e.name: e for e in egress_ips.egresses or ()}
    assert by_name["egress-prod-web"].pools == ("external-ip-pool",)
    static = by_name["egress-static"]
    assert (static.ips, static.pools, static.egress_node) == ((IP("10.0.0.104"),), (), "k8s-w-1")
    # the ConfigMap, then one list per kind
    assert collection.api_requests == 10 + 1 + 2


def test_antrea_before_v1_13_is_read_from_v1alpha2(serve: ServeFn) -> None:
    """v1beta1 not served (404): the same list at v1alpha2, one request more per kind."""
    served = serve(antrea_cluster(extra=_antrea_objects("v1alpha2")))
    collection = served.collect()
    assert collection.gaps == ()
    egress_ips = collection.cluster.egress_ips
    assert egress_ips is not None and len(egress_ips.egresses or ()) == 2
    assert len(egress_ips.pools or ()) == 1
    assert collection.api_requests == 10 + 1 + 4
    asked = served.requests()
    assert any("/apis/crd.antrea.io/v1alpha2/egresses" in r for r in asked)


def test_the_egress_and_service_external_ip_gates_off_ask_nothing_more(serve: ServeFn) -> None:
    gates = "featureGates:\n  Egress: false\n  ServiceExternalIP: false\n"
    conf = DEFAULT_CONF.replace("featureGates:\n", gates)
    collection = serve(antrea_cluster(conf=conf, extra=_antrea_objects())).collect()
    assert collection.cluster.egress_ips is None
    assert collection.api_requests == 10 + 1
    # unset, ServiceExternalIP is off by default before v2.3
    conf = DEFAULT_CONF.replace("featureGates:\n", "featureGates:\n  Egress: false\n")
    old = antrea_cluster(conf=conf, image=IMAGE.replace("v2.6.3", "v2.2.0"))
    collection = serve(old + _antrea_objects()).collect()
    assert collection.cluster.egress_ips is None
    assert collection.api_requests == 10 + 1


def test_service_external_ip_on_lists_the_pools_alone(serve: ServeFn) -> None:
    """Egress off, ServiceExternalIP on (written, or unset on v2.3+ where it is on by default):
    the ExternalIPPools are listed (one request), no Egress (none takes effect)."""
    egress_off = DEFAULT_CONF.replace("featureGates:\n", "featureGates:\n  Egress: false\n")
    written = DEFAULT_CONF.replace(
        "featureGates:\n", "featureGates:\n  Egress: false\n  ServiceExternalIP: true\n"
    )
    for conf, image in ((egress_off, IMAGE), (written, IMAGE.replace("v2.6.3", "v2.2.0"))):
        collection = serve(
            antrea_cluster(conf=conf, image=image, extra=_antrea_objects())
        ).collect()
        assert collection.gaps == ()
        egress_ips = collection.cluster.egress_ips
        assert egress_ips is not None and egress_ips.egresses == ()
        assert [p.name for p in egress_ips.pools or ()] == ["external-ip-pool"]
        assert collection.api_requests == 10 + 1 + 1


def test_unreadable_egresses_are_a_gap_that_names_what_to_run(serve: ServeFn) -> None:
    """403 on the Egresses: the list is unknown, the hint quotes the kubectl command in both
    languages; the pools are still read."""
    served = serve(antrea_cluster(extra=_antrea_objects()))
    served.api.inject_fault("crd.antrea.io", "egresses", status=403)
    collection = served.collect()
    egress_ips = collection.cluster.egress_ips
    assert egress_ips is not None and egress_ips.egresses is None and egress_ips.pools
    gap = next(g for g in collection.gaps if g.source == "cluster.egress_ips")
    assert "/apis/crd.antrea.io/v1beta1/egresses" in gap.error and "403" in gap.error
    command = "`kubectl get egresses.crd.antrea.io -o yaml`"
    assert command in gap.hint and command in gap_hint(gap, "ko")


def test_no_egress_crd_at_all_is_no_egress(serve: ServeFn) -> None:
    """Neither version served (an Antrea without the CRDs): none can exist, no gap."""
    objects = [o for o in antrea_cluster() if o["kind"] != "CustomResourceDefinition"]
    collection = serve(objects).collect()
    assert collection.gaps == ()
    egress_ips = collection.cluster.egress_ips
    assert egress_ips is not None and (egress_ips.egresses, egress_ips.pools) == ((), ())
    assert collection.api_requests == 10 + 1 + 4


def test_cilium_policies_are_read_only_when_its_egress_gateway_is_on(serve: ServeFn) -> None:
    policies = [
        egress_gateway_policy(
            "egress-sample",
            nodeSelector={"matchLabels": {HOSTNAME: "k8s-w-2"}},
            egressIP="10.0.0.220",
        ),
        egress_gateway_policy("by-interface", nodeSelector={}, interface="ens4"),
    ]
    off = fx.cilium_cluster(extra=[cilium_crd(), *policies])
    baseline = serve(off).collect()
    assert baseline.cluster.egress_ips is None
    assert baseline.cluster.cni.cilium is not None
    assert baseline.cluster.cni.cilium.egress_gateway is False
    for key in ("enable-egress-gateway", "enable-ipv4-egress-gateway"):
        on = fx.cilium_cluster(extra=[cilium_crd(), *policies])
        with_cilium_egress_gateway(on, key)
        collection = serve(on).collect()
        assert collection.gaps == ()
        egress_ips = collection.cluster.egress_ips
        assert egress_ips is not None and egress_ips.cni == "cilium"
        by_name = {p.name: p for p in egress_ips.policies or ()}
        sample, by_interface = by_name["egress-sample"], by_name["by-interface"]
        (gw,) = sample.gateways
        assert gw.egress_ip == IP("10.0.0.220") and gw.interface is None
        assert gw.node_selector is not None and gw.node_selector.match_labels == {
            HOSTNAME: "k8s-w-2"
        }
        assert by_interface.gateways[0].interface == "ens4"
        # one list more than the same cluster with the gateway off
        assert collection.api_requests == baseline.api_requests + 1


def test_what_kostack_cannot_read_leaves_the_lists_unknown() -> None:
    """A range that does not parse (two families, end before start), an egress IP that is
    not one: None, so the check says UNKNOWN rather than judge part of them."""
    assert (
        parse_external_ip_pool(external_ip_pool("odd", [{"start": "10.0.0.9", "end": "fe80::1"}]))
        is None
    )
    assert (
        parse_external_ip_pool(external_ip_pool("odd", [{"start": "10.0.0.9", "end": "10.0.0.1"}]))
        is None
    )
    assert parse_external_ip_pool(external_ip_pool("odd", [{"cidr": "10.0.0.1/24"}])) is None
    odd = external_ip_pool(
        "odd", [{"cidr": "10.0.0.0/28"}], {"matchExpressions": [{"key": "a", "operator": "Gt"}]}
    )
    parsed = parse_external_ip_pool(odd)
    assert parsed is not None and parsed.node_selector is None
    assert parse_policy(egress_gateway_policy("odd", egressIP="not-an-ip")) is None
    vlan = external_ip_pool(
        "vlan",
        [{"cidr": "192.0.2.0/28"}],
        subnetInfo={"gateway": "192.0.2.1", "prefixLength": 24, "vlan": 10},
    )
    parsed = parse_external_ip_pool(vlan)
    assert parsed is not None and (parsed.other_subnet, parsed.vlan) == (True, 10)


def test_a_gateway_listed_twice_is_one_gateway() -> None:
    """egressGateways (Cilium's multi-gateway policies) starts with egressGateway again."""
    first = {"nodeSelector": {"matchLabels": {HOSTNAME: "k8s-w-1"}}, "egressIP": "10.0.0.220"}
    second = {"nodeSelector": {"matchLabels": {HOSTNAME: "k8s-w-2"}}, "egressIP": "10.0.0.221"}
    policy = egress_gateway_policy("multi", **first)
    policy["spec"]["egressGateways"] = [first, second]
    parsed = parse_policy(policy)
    assert parsed is not None
    assert [str(g.egress_ip) for g in parsed.gateways] == ["10.0.0.220", "10.0.0.221"]


def test_the_service_external_ip_gate_and_the_pool_annotation_are_kept(serve: ServeFn) -> None:
    """featureGates.ServiceExternalIP as written, and a LoadBalancer Service's
    service.antrea.io/external-ip-pool annotation (other annotations are still dropped)."""
    svc = service_object(
        "default",
        "my-service",
        "10.96.0.11",
        [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 9376}],
        annotations={
            "service.antrea.io/external-ip-pool": "service-external-ip-pool",
            "example.com/other": "dropped",
        },
    )
    svc["spec"]["type"] = "LoadBalancer"
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": "10.0.0.226"}]}}
    conf = DEFAULT_CONF.replace("featureGates:\n", "featureGates:\n  ServiceExternalIP: true\n")
    collection = serve(antrea_cluster(conf=conf, extra=[*_antrea_objects(), svc])).collect()
    antrea = collection.cluster.cni.antrea
    assert antrea is not None and antrea.service_external_ip is True
    (read,) = [s for s in collection.cluster.services or () if s.name == "my-service"]
    assert read.annotations == {"service.antrea.io/external-ip-pool": "service-external-ip-pool"}
    unset = serve(antrea_cluster(extra=_antrea_objects())).collect().cluster.cni.antrea
    assert unset is not None and unset.service_external_ip is None
