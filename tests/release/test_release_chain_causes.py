"""A release's chain of failing components ends at the cluster network when the diagnosis
finds a root cause that breaks pod traffic: a cause whose Kind holds Kind.POD_TRAFFIC (what the
checks declare, not a list kept beside the chain), or one whose symptoms are the critical paths
inside the cluster (DNS, pod to pod, the API service)."""

from __future__ import annotations

import pytest
from release_testing import with_helm

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.release_checks import chain_network as chain_module
from kostack.analyze.release_checks import check_releases
from kostack.collect.helm import HelmCollection

# each cause that breaks pod traffic, and an example where it is the only root cause
BREAKS_PODS = {
    "antispoof": "seed-incident.json",
    "bgp-blocked": "bgp-blocked.json",
    "calico-address": "calico-first-found-bridge.json",
    "cidr-overlap": "pod-cidr-overlaps-nodes.json",
    "mtu": "mtu-1500.json",
    "native-cross-subnet": "calico-bgp-two-subnets-no-routes.json",
    "port-unbound": "admin-binding-failed.json",
    "sg-encap": "vxlan-always-no-4789.json",
    "sg-node": "hetero-groups.json",
    "sg-pod-source": "ovn-seed-fix-not-enough.json",
    "sg-stateless": "stateless-replies-dropped.json",
}
# causes that leave pod traffic alone: egress IPs, NodePorts through eBPF, virtual IPs
SPARES_PODS = {
    "egress-antispoof": "antrea-egress-no-pairs.json",
    "calico-ebpf-tunnel": "calico-ebpf-env-no-4789.json",
    "vip-antispoof": "metallb-l2-no-pairs.json",
    "lb-no-node-port-proxy": "antrea-no-node-port-proxy.json",
}
# the hand-kept keys the chain had, beside its symptom checks
OLD_KEYS = frozenset({"antispoof", "sg-encap", "sg-pod-source", "sg-node", "sg-outside", "mtu"})


def harbor_chain(example: str, collected: HelmCollection, cause: str) -> Finding:
    snapshot = with_helm(example, collected)
    d = diagnose(snapshot)
    assert [rc.key for rc in d.root_causes] == [cause]
    (found,) = [
        f
        for f in check_releases(snapshot, d).findings
        if f.check_id == "rel-pods-ready"
        and f.status == Status.FAIL
        and f.resource.id == "harbor/harbor"
    ]
    return found


def test_the_declared_causes_are_the_old_keys_and_those_added_since() -> None:
    """sg-outside (the nodes' traffic to the outside) is egress, which the chain's own checks
    leave out too; the causes added since that break pods' traffic join."""
    added = {
        "antrea-gre-ipv6",
        "bgp-blocked",
        "bgp-no-peer",
        "calico-address",
        "cidr-overlap",
        "kube-ovn-address",
        "native-cross-subnet",
        "port-down",
        "port-inactive",
        "port-unbound",
        "sg-stateless",
    }
    assert OLD_KEYS - {"sg-outside"} | added == chain_module.POD_TRAFFIC_CAUSES
    assert {"net-dns", "net-pod-to-pod", "net-api-service"} == chain_module.POD_TRAFFIC_CHECKS
    # kube-ovn-address breaks only the pods at the addresses Neutron holds, which Harbor's
    # are not in its example: test_release_chain_scope.py
    assert set(BREAKS_PODS) | {"kube-ovn-address"} <= chain_module.POD_TRAFFIC_CAUSES
    assert not set(SPARES_PODS) & chain_module.POD_TRAFFIC_CAUSES


@pytest.mark.parametrize(("cause", "example"), sorted(BREAKS_PODS.items()))
def test_a_cause_that_breaks_pod_traffic_ends_the_chain(
    cause: str, example: str, collected: HelmCollection
) -> None:
    found = harbor_chain(example, collected, cause)
    assert found.extra["end"] == "network"
    assert found.cause == cause
    assert "ROOT CAUSE: " in " ".join(str(e) for e in found.evidence)


@pytest.mark.parametrize(("cause", "example"), sorted(SPARES_PODS.items()))
def test_a_cause_that_spares_pod_traffic_does_not(
    cause: str, example: str, collected: HelmCollection
) -> None:
    found = harbor_chain(example, collected, cause)
    assert found.extra["end"] == "unknown"
    assert found.cause == ""


@pytest.mark.parametrize("cause", ["mtu", "sg-node", "calico-address", "cidr-overlap"])
def test_a_cause_without_its_kind_no_longer_ends_the_chain(
    cause: str, collected: HelmCollection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """These break pods' traffic with no symptom check to say so (a packet too large, the API
    server's port, a tunnel from the wrong address, overlapping ranges): only the Kind does."""
    monkeypatch.setattr(
        chain_module, "POD_TRAFFIC_CAUSES", chain_module.POD_TRAFFIC_CAUSES - {cause}
    )
    found = harbor_chain(BREAKS_PODS[cause], collected, cause)
    assert found.extra["end"] == "unknown"
