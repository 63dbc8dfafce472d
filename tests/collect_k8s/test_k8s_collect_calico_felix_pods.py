"""Felix's eBPF settings per node, read over HTTP (docs/facts.md "Calico's eBPF data plane"):
each node's Felix reads its own calico-node pod's environment (a rolling update half done
leaves pods that differ from each other and from the DaemonSet's template), and its config
file /etc/calico/felix.cfg, which the API cannot show, between that environment and the
FelixConfigurations. All of it from the one pods list: no request per node."""

from __future__ import annotations

import copy
from typing import Any

from k8s_collect_served import ServeFn, joined_snapshot

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
from kostack_testkit import k8s_fixture_published as calico_fx
from kostack_testkit.k8s_fixture_objects import JsonObject

ON = {"name": "FELIX_BPFENABLED", "value": "true"}


def _edit(
    objects: list[JsonObject],
    where: tuple[str, ...],
    *,
    env: tuple[JsonObject, ...] = (),
    mount: str | None = None,
) -> list[JsonObject]:
    """Add ``env`` (and a volume mounted at ``mount``) to calico-node's container in the pods
    on the nodes ``where`` ("template": the DaemonSet's)."""
    for obj in objects:
        if obj["kind"] not in ("Pod", "DaemonSet") or "calico-node" not in obj["metadata"]["name"]:
            continue
        node = obj["spec"].get("nodeName") if obj["kind"] == "Pod" else "template"
        if node not in where:
            continue
        spec = obj["spec"] if obj["kind"] == "Pod" else obj["spec"]["template"]["spec"]
        spec["containers"] = copy.deepcopy(spec["containers"])  # the fixture shares them
        for c in spec["containers"]:
            if c["name"] == "calico-node":
                c.setdefault("env", []).extend(copy.deepcopy(env))
                if mount is not None:
                    c.setdefault("volumeMounts", []).append(
                        {"name": "felix-cfg", "mountPath": mount, "subPath": "felix.cfg"}
                    )
    return objects


def _felix(objects: list[JsonObject], **spec: Any) -> list[JsonObject]:
    for obj in objects:
        if obj["kind"] == "FelixConfiguration" and obj["metadata"]["name"] == "default":
            obj["spec"].update(spec)
    return objects


def _published() -> list[JsonObject]:
    return calico_fx.calico_manifest_published("v3.31.7", "ipip")


def _own(calico: Any) -> dict[str, dict[str, object]]:
    return {n: o.model_dump(exclude_none=True) for n, o in calico.felix_nodes.items()}


def test_a_pod_whose_env_differs_is_judged_by_itself(serve: ServeFn) -> None:
    """Only k8s-w-1's calico-node sets FELIX_BPFENABLED: eBPF is on there, off elsewhere,
    read from the pods list alone (no DaemonSet read, nothing per node)."""
    served = serve(_edit(_published(), ("k8s-w-1",), env=(ON,)))
    calico = served.collect().cluster.cni.calico
    assert calico is not None and calico.bpf_enabled is False
    assert _own(calico) == {"k8s-w-1": {"bpf_enabled": True}}
    assert not [r for r in served.requests() if "/daemonsets/calico-node" in r]
    assert len([r for r in served.requests() if r.startswith("GET /api/v1/pods")]) == 1


def test_a_rolling_update_half_done_is_mixed_and_unknown(serve: ServeFn) -> None:
    """The DaemonSet's template turns eBPF on, the pods on two nodes are already new and the
    two others still old: the pods win over the template, so eBPF is on for k8s-w-1 and
    k8s-w-2 only, and the diagnosis says UNKNOWN naming both sides, not kube-proxy's PASS."""
    objects = _edit(_published(), ("template", "k8s-w-1", "k8s-w-2"), env=(ON,))
    collection = serve(objects).collect()
    calico = collection.cluster.cni.calico
    assert calico is not None and calico.bpf_enabled is False  # the first pod's (k8s-cp-1)
    assert _own(calico) == {n: {"bpf_enabled": True} for n in ("k8s-w-1", "k8s-w-2")}
    d = diagnose(joined_snapshot(collection))
    (f,) = [f for f in d.findings if f.check_id == "net-calico-ebpf-kube-proxy"]
    assert f.status == Status.UNKNOWN
    assert "on for nodes k8s-w-1, k8s-w-2 and off for nodes k8s-cp-1, k8s-w-3" in f.message
    assert "k8s-w-1, k8s-w-2에서는 켜져" in localize(f.message, "ko")


def test_every_new_pod_is_the_clusters_value(serve: ServeFn) -> None:
    """The rollout done: every pod sets it, so eBPF is the cluster's, whatever `default`."""
    nodes = ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3")
    objects = _felix(_edit(_published(), nodes, env=(ON,)), bpfEnabled=False)
    calico = serve(objects).collect().cluster.cni.calico
    assert calico is not None
    assert (calico.bpf_enabled, calico.felix_nodes) == (True, {})


def test_a_pod_being_deleted_gives_way_to_the_live_one(serve: ServeFn) -> None:
    """A leaving old pod (deletionTimestamp) listed before the new one on k8s-w-3: the new
    pod's environment is that node's; the old one alone would have been taken."""
    objects = _published()
    (old,) = [
        o
        for o in objects
        if o["kind"] == "Pod"
        and o["spec"].get("nodeName") == "k8s-w-3"
        and o["metadata"]["name"].startswith("calico-node")
    ]
    new = copy.deepcopy(old)
    new["metadata"]["name"] = "calico-node-zz999"
    new["metadata"].pop("uid", None)
    old["metadata"]["deletionTimestamp"] = "2026-12-07T14:00:00Z"
    objects.insert(objects.index(old) + 1, new)
    _edit(objects, ("k8s-w-3",), env=(ON,))
    for c in old["spec"]["containers"]:
        c["env"] = [e for e in c.get("env", []) if e != ON]
    calico = serve(objects).collect().cluster.cni.calico
    assert calico is not None
    assert _own(calico) == {"k8s-w-3": {"bpf_enabled": True}}


def test_a_mounted_felix_cfg_leaves_unset_fields_unknown(serve: ServeFn) -> None:
    """calico-node on k8s-w-2 mounts a file over /etc/calico/felix.cfg, which Felix reads after
    its environment and before every FelixConfiguration: the fields its environment leaves
    unset are not known there, so not for the cluster; one the environment sets is."""
    port = {"name": "FELIX_VXLANPORT", "value": "4799"}
    objects = _edit(_published(), ("k8s-w-2",), env=(port,), mount="/etc/calico/felix.cfg")
    objects = _felix(_edit(objects, ("k8s-cp-1", "k8s-w-1", "k8s-w-3"), env=(port,)))
    collection = serve(objects).collect()
    calico = collection.cluster.cni.calico
    assert calico is not None
    assert (calico.bpf_enabled, calico.bpf_external_service_mode) == (None, None)
    assert calico.vxlan_port == 4799
    assert calico.felix_config_file == ("k8s-w-2",)
    d = diagnose(joined_snapshot(collection))
    (f,) = [f for f in d.findings if f.check_id == "net-calico-ebpf-kube-proxy"]
    assert f.status == Status.UNKNOWN
    assert "/etc/calico/felix.cfg" in f.message and "node k8s-w-2" in f.message, f.message
    assert "노드 k8s-w-2" in localize(f.message, "ko")


def test_mounts_beside_felix_cfg_and_felix_configfile_change_nothing(serve: ServeFn) -> None:
    """A volume under /etc/calico (the operator's BGP layout) leaves felix.cfg alone, and
    calico-node runs Felix on /etc/calico/felix.cfg whatever FELIX_CONFIGFILE says (no such
    Felix parameter): both are decided from the FelixConfigurations."""
    configfile = {"name": "FELIX_CONFIGFILE", "value": "/etc/felix/other.cfg"}
    objects = _edit(
        _published(), ("k8s-w-1",), env=(configfile,), mount="/etc/calico/confd/templates/x"
    )
    calico = serve(_felix(objects, bpfEnabled=True)).collect().cluster.cni.calico
    assert calico is not None
    assert (calico.bpf_enabled, calico.felix_config_file, calico.felix_nodes) == (True, (), {})


def test_pods_not_listed_read_the_daemonsets_template(serve: ServeFn) -> None:
    """The pods list refused: the DaemonSet's template is every node's, and its mount over
    /etc/calico is named as calico-node's."""
    objects = _edit(_published(), ("template",), mount="/etc/calico")
    served = serve(_felix(objects, bpfEnabled=True))
    served.api.inject_fault("", "pods", status=403)
    calico = served.collect().cluster.cni.calico
    assert calico is not None
    assert (calico.bpf_enabled, calico.felix_config_file) == (None, ("calico-node",))


def _second_pod(
    objects: list[JsonObject], node: str, **status: Any
) -> tuple[JsonObject, JsonObject]:
    """A second calico-node pod on ``node``, created an hour after the first, listed before
    it, with FELIX_BPFENABLED=true; ``status`` replaces its status (phase, conditions)."""
    (old,) = [
        o
        for o in objects
        if o["kind"] == "Pod"
        and o["spec"].get("nodeName") == node
        and o["metadata"]["name"].startswith("calico-node")
    ]
    old.setdefault("status", {}).update(
        phase="Running", conditions=[{"type": "Ready", "status": "True"}]
    )
    old["metadata"]["creationTimestamp"] = "2026-12-07T13:00:00Z"
    new = copy.deepcopy(old)
    new["metadata"].update(name="calico-node-new01", creationTimestamp="2026-12-07T14:00:00Z")
    new["metadata"].pop("uid", None)
    new["status"].update(status)
    new["spec"]["containers"] = copy.deepcopy(new["spec"]["containers"])
    for c in new["spec"]["containers"]:
        if c["name"] == "calico-node":
            c.setdefault("env", []).append(ON)
    objects.insert(objects.index(old), new)
    return old, new


def test_two_live_pods_the_newest_ready_one_decides_and_the_difference_is_said(
    serve: ServeFn,
) -> None:
    """A DaemonSet with maxSurge: the new pod on k8s-w-3 runs and is ready beside the old one,
    which is listed after it; the new pod's environment is the node's (the first listed used
    to be taken whatever it was), and the two pods' difference is recorded and said."""
    objects = _published()
    old, _ = _second_pod(objects, "k8s-w-3")
    collection = serve(objects).collect()
    calico = collection.cluster.cni.calico
    assert calico is not None
    assert _own(calico) == {"k8s-w-3": {"bpf_enabled": True}}
    assert calico.felix_pods_differ == {"k8s-w-3": ("calico-node-new01", old["metadata"]["name"])}
    d = diagnose(joined_snapshot(collection))
    (f,) = [f for f in d.findings if f.check_id == "net-sg-calico-ebpf"]
    assert "two live calico-node pods" in f.message and "calico-node-new01" in f.message
    assert "calico-node Pod 두 개가" in localize(f.message, "ko")


def test_a_newer_pod_not_ready_gives_way_to_the_ready_one(serve: ServeFn) -> None:
    """The new pod runs but is not ready yet: the old, ready one is the node's; both run, so
    the difference is still said."""
    objects = _published()
    old, _ = _second_pod(
        objects, "k8s-w-3", phase="Running", conditions=[{"type": "Ready", "status": "False"}]
    )
    calico = serve(objects).collect().cluster.cni.calico
    assert calico is not None
    assert (calico.bpf_enabled, _own(calico)) == (False, {})
    assert calico.felix_pods_differ == {"k8s-w-3": (old["metadata"]["name"], "calico-node-new01")}


def test_a_pending_pod_is_no_rival(serve: ServeFn) -> None:
    """A new pod still Pending runs no Felix: the old one decides and nothing differs."""
    objects = _published()
    _second_pod(objects, "k8s-w-3", phase="Pending", conditions=[])
    calico = serve(objects).collect().cluster.cni.calico
    assert calico is not None
    assert (calico.bpf_enabled, _own(calico), calico.felix_pods_differ) == (False, {}, {})
