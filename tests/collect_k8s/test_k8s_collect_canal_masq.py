"""Canal masquerades pod egress in two places: flanneld's --ip-masq and Felix's natOutgoing
on Calico's IP pools (calico-node creates its default pool with natOutgoing on, and Felix
programs it whatever the networking backend). kostack read flannel's flag only, so a Canal
cluster with --ip-masq off but a natOutgoing pool holding the pods was told its pods'
egress leaves unmasqueraded (and needs allowed address pairs and router routes)."""

from __future__ import annotations

import ipaddress

import pytest
from k8s_collect_served import ServeFn, joined_snapshot

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.cases import masquerade_unknown
from kostack.analyze.engine.cni import masquerade
from kostack.analyze.topology import Topology
from kostack.report.text import render_diagnosis
from kostack_testkit.k8s_fixture_canal import canal_cluster

OUTSIDE = ipaddress.ip_address("1.1.1.1")


def _masq_of(serve: ServeFn, to_node: bool = False, **kwargs: object) -> tuple[bool, str, bool]:
    """(masqueraded?, the hop's English text, undecided?) for a pod's packet to 1.1.1.1 (or
    to a node's address)."""
    collection = serve(canal_cluster(masquerade="false", ip_masq_flag=False, **kwargs)).collect()  # type: ignore[arg-type]  # the fixture's keywords
    flannel = collection.cluster.cni.flannel
    assert flannel is not None and flannel.bundle == "canal" and flannel.ip_masq is False
    snapshot = joined_snapshot(collection)
    topo = Topology(snapshot)
    pod = next(p for p in snapshot.cluster.pods or () if not p.host_network)  # type: ignore[union-attr]  # a cluster was collected
    assert pod.ip is not None
    target = next(iter(topo.node_by_ip)) if to_node else OUTSIDE
    found = masquerade(topo, pod.ip, target)
    assert found is not None
    hop, on = found
    return on, str(hop.detail), masquerade_unknown(snapshot)


def test_felix_natoutgoing_masquerades_with_ip_masq_off(serve: ServeFn) -> None:
    on, text, unknown = _masq_of(serve)
    assert on is True and not unknown
    assert "Felix masquerades" in text and "natOutgoing" in text


@pytest.mark.parametrize(
    "kwargs",
    [
        {"pool_nat_outgoing": False},
        # calico-node's own default when kubeadm's podSubnet is not found: it holds no pod
        {"pool_cidr": "192.168.0.0/16"},
    ],
)
def test_no_natoutgoing_pool_holding_the_pods_is_unmasqueraded(
    serve: ServeFn, kwargs: dict[str, object]
) -> None:
    on, text, unknown = _masq_of(serve, **kwargs)
    assert on is False and not unknown
    assert "--ip-masq is off" in text


def test_the_pools_are_read_and_named(serve: ServeFn) -> None:
    served = serve(canal_cluster(masquerade="false", ip_masq_flag=False))
    collection = served.collect()
    assert collection.gaps == ()
    flannel = collection.cluster.cni.flannel
    assert flannel is not None and flannel.canal_pools is not None
    assert [(str(p.cidr), p.nat_outgoing) for p in flannel.canal_pools] == [("10.244.0.0/16", True)]
    assert any("/ippools" in r and r.endswith(" 200") for r in served.requests())


def test_diagnosis_asks_for_no_pairs_when_felix_masquerades(serve: ServeFn) -> None:
    """The end result: no 'leaves with the pod source' reason under Felix's natOutgoing,
    in English and Korean; the same cluster without it still gets one."""
    reason = "pod -> outside the cluster leaves with the pod source"
    for nat, expected in ((True, False), (False, True)):
        objects = canal_cluster(masquerade="false", ip_masq_flag=False, pool_nat_outgoing=nat)
        diagnosis = diagnose(joined_snapshot(serve(objects).collect()))
        assert [rc.key for rc in diagnosis.root_causes] == (["antispoof"] if expected else [])
        assert (reason in render_diagnosis(diagnosis, verbose=True)) is expected
        korean = render_diagnosis(diagnosis, lang="ko", verbose=True)
        assert ("클러스터 외부로 가는 Pod 트래픽이 Pod IP를 출발지로 나감" in korean) is expected


def test_unread_pools_leave_it_undecided(serve: ServeFn) -> None:
    """IP pools that cannot be read: Felix may masquerade, so it is not called off."""
    served = serve(canal_cluster(masquerade="false", ip_masq_flag=False))
    for group in ("crd.projectcalico.org", "projectcalico.org"):
        served.api.inject_fault(group, "ippools", status=403)
    collection = served.collect()
    flannel = collection.cluster.cni.flannel
    assert flannel is not None and flannel.canal_pools is None
    assert [g.source for g in collection.gaps] == ["cluster.cni.flannel.canal_pools"]
    assert masquerade_unknown(joined_snapshot(collection))


@pytest.mark.parametrize(("exclusions", "on"), [(None, True), ("IPPoolsAndHostIPs", False)])
def test_felix_spares_hosts_with_ippools_and_host_ips(
    serve: ServeFn, exclusions: str | None, on: bool
) -> None:
    """natOutgoingExclusions IPPoolsAndHostIPs (Calico 3.31): pod -> node keeps the pod source."""
    masqueraded, text, _ = _masq_of(serve, to_node=True, nat_exclusions=exclusions)
    assert masqueraded is on
    assert ("natOutgoingExclusions" in text) is not on
