"""MicroK8s runs kube-proxy inside its snap (kubelite since 1.21) with the flags of
/var/snap/microk8s/current/args/kube-proxy: no ConfigMap, no pod, nothing an API shows
(canonical/microk8s microk8s-resources/default-args). kostack's gap told a MicroK8s user
"kube-proxy is not configured the kubeadm way"; it now names MicroK8s's file and the command
that prints the mode kube-proxy runs, in English and Korean."""

from __future__ import annotations

from k8s_collect_served import ServeFn

from kostack.gap_words import gap_hint
from kostack_testkit.k8s_fixture_objects import JsonObject
from kostack_testkit.k8s_fixtures import calico_manifest_cluster

COMMAND = "`curl -s http://127.0.0.1:10249/proxyMode`"


def _microk8s(labelled: bool = True) -> list[JsonObject]:
    """Calico from a manifest (MicroK8s's default CNI) and no kube-proxy ConfigMap or pods;
    its kubelet labels every node microk8s.io/cluster=true."""
    objects = []
    for obj in calico_manifest_cluster():
        meta = obj["metadata"]
        if obj["kind"] == "ConfigMap" and meta["name"] == "kube-proxy":
            continue
        if (meta.get("labels") or {}).get("k8s-app") == "kube-proxy":
            continue
        if obj["kind"] == "Node" and labelled:
            meta["labels"]["microk8s.io/cluster"] = "true"
        objects.append(obj)
    return objects


def test_microk8s_proxy_mode_gap_names_the_command(serve: ServeFn) -> None:
    collection = serve(_microk8s()).collect()
    assert collection.cluster.kube_proxy_mode is None  # not guessed: the file may set one
    gap = next(g for g in collection.gaps if g.source == "cluster.kube_proxy_mode")
    english, korean = gap_hint(gap, "en"), gap_hint(gap, "ko")
    assert COMMAND in english and "/var/snap/microk8s/current/args/kube-proxy" in english
    assert COMMAND in korean and "kube-proxy가 실제로 쓰는 모드" in korean


def test_other_clusters_keep_the_general_hint(serve: ServeFn) -> None:
    collection = serve(_microk8s(labelled=False)).collect()
    gap = next(g for g in collection.gaps if g.source == "cluster.kube_proxy_mode")
    assert "MicroK8s" not in gap_hint(gap, "en")


def test_kube_proxy_absent_only_where_it_would_run_in_pods(serve: ServeFn) -> None:
    """No kube-proxy ConfigMap (404) and no kube-proxy pod, on a cluster that is neither
    MicroK8s nor k3s and whose CNI replaces nothing: `kube_proxy_absent`, which makes every
    ClusterIP's translation UNKNOWN (tests/foundation/test_kube_proxy_absent.py). Not on
    MicroK8s (its snap runs kube-proxy), not when the ConfigMap's read is denied (kube-proxy
    may run: the 403 says nothing), not when kube-proxy's pods run."""
    assert serve(_microk8s(labelled=False)).collect().cluster.kube_proxy_absent is True
    assert serve(_microk8s()).collect().cluster.kube_proxy_absent is False
    denied = serve(_microk8s(labelled=False))
    denied.api.inject_fault("", "configmaps", status=403, name="kube-proxy")
    assert denied.collect().cluster.kube_proxy_absent is False
    running = serve(calico_manifest_cluster()).collect().cluster
    assert (running.kube_proxy_mode, running.kube_proxy_absent) == ("iptables", False)


def test_microk8s_is_named_as_serving_services_not_unknown(serve: ServeFn) -> None:
    """From the API to the verdict: no kube-proxy pod nor ConfigMap on MicroK8s is kube-proxy
    inside kubelite, named with what it rests on (the nodes' label); the same cluster without
    the label (a kubeadm cluster: kubeadm-config is served) is one nothing serves."""
    from kostack.analyze.engine.service_proxy import service_proxy
    from kostack.analyze.messages import localize
    from kostack.analyze.topology import Topology
    from kostack.model import Snapshot

    def verdict(objects: list[JsonObject]) -> tuple[str, str]:
        snapshot = Snapshot(cluster=serve(objects).collect().cluster)
        found = service_proxy(Topology(snapshot))
        return found.verdict, localize(found.cluster_ips, "en")

    assert verdict(_microk8s()) == ("served", "kube-proxy (inside MicroK8s)")
    assert verdict(_microk8s(labelled=False))[0] == "none"


def test_pods_denied_beside_a_kept_configmap_is_undecided_not_a_pass(serve: ServeFn) -> None:
    """The pods' list denied (a gap) while kube-proxy's ConfigMap is read: a kept ConfigMap is
    also what a removed kube-proxy leaves, so nothing says kube-proxy runs (it said PASS)."""
    from kostack.analyze.engine.service_proxy import service_proxy
    from kostack.analyze.topology import Topology
    from kostack.model import Snapshot

    denied = serve(calico_manifest_cluster())
    denied.api.inject_fault("", "pods", status=403)
    cluster = denied.collect().cluster
    assert (cluster.pods, cluster.kube_proxy_pods, cluster.kube_proxy_mode) == (
        None,
        None,
        "iptables",
    )
    assert service_proxy(Topology(Snapshot(cluster=cluster))).verdict == "unknown"


def test_pods_unreadable_microk8s_is_still_named(serve: ServeFn) -> None:
    """With the pods forbidden, the Nodes' microk8s.io/cluster label still says MicroK8s: the
    kube-proxy gap names its file, not the kubeadm way (the facts the nodes gave are kept when
    the pod listing fails)."""
    served = serve(_microk8s())
    served.api.inject_fault("", "pods", status=403)
    collection = served.collect()
    gap = next(g for g in collection.gaps if g.source == "cluster.kube_proxy_mode")
    assert "/var/snap/microk8s/current/args/kube-proxy" in gap_hint(gap, "en")
