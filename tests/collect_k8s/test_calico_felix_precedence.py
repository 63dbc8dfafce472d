"""Where Felix takes a setting from, first wins (projectcalico/calico felix/config/
config_params.go `SourcesInDescendingOrder` at 87c15906f20c4ca1fda55af92295e7678b0cc0b2:
InternalOverride, EnvironmentVariable, ConfigFile, DatastorePerHost, DatastorePerSelector,
DatastoreGlobal; docs/facts.md "Calico's eBPF data plane"): calico-node's environment, then
/etc/calico/felix.cfg (not readable through the API: not known), then `node.<name>`, then
`default`. Pure functions, no API."""

from __future__ import annotations

from typing import Any

import pytest

from kostack.collect._cni_calico_felix import (
    FelixEnv,
    ebpf_settings,
    fc_values,
    mounts_config_file,
    resolve,
)

STORED = {
    "bpfenabled": False,
    "bpfexternalservicemode": "Tunnel",
    "bpfdsroptoutcidrs": (),
    "bpfexcludecidrsfromnat": (),
    "vxlanport": 4789,
}
NODE_SPEC = fc_values({"spec": {"bpfEnabled": True, "bpfExternalServiceMode": "DSR"}})


def test_the_environment_beats_the_config_file_and_every_felix_configuration() -> None:
    env = FelixEnv({"bpfenabled": "false"}, (), config_file=True)
    assert resolve("bpfenabled", env, NODE_SPEC, STORED) is False


def test_a_mounted_config_file_beats_node_and_default_so_is_unknown() -> None:
    env = FelixEnv({}, (), config_file=True)
    assert resolve("bpfenabled", env, NODE_SPEC, STORED) is None
    assert resolve("vxlanport", env, None, STORED) is None


def test_node_beats_default_and_default_is_last() -> None:
    env = FelixEnv()
    assert resolve("bpfenabled", env, NODE_SPEC, STORED) is True
    assert resolve("bpfexternalservicemode", env, NODE_SPEC, STORED) == "DSR"
    assert resolve("bpfenabled", env, None, STORED) is False
    assert resolve("vxlanport", env, NODE_SPEC, STORED) == 4789


@pytest.mark.parametrize(
    ("path", "over"),
    [
        ("/etc/calico/felix.cfg", True),
        ("/etc/calico/", True),
        ("/etc/calico", True),
        ("/etc", True),
        ("/", True),
        ("/etc/calico/confd/templates/bird.cfg.template", False),
        ("/etc/calico-extra", False),
        ("/var/lib/calico", False),
    ],
)
def test_which_mounts_cover_felix_cfg(path: str, over: bool) -> None:
    container = {"name": "calico-node", "volumeMounts": [{"name": "v", "mountPath": path}]}
    assert mounts_config_file(container) is over


def test_each_pod_is_its_nodes_and_an_unknown_node_makes_the_field_unknown() -> None:
    """k8s-w-1's pod turns eBPF on (kept for that node), k8s-w-2's mounts felix.cfg: the
    cluster's bpfEnabled is not known, each node with a known value keeps it, k8s-w-2 is
    named."""
    base = FelixEnv()
    pods = {
        "k8s-cp-1": FelixEnv(),
        "k8s-w-1": FelixEnv({"bpfenabled": "true"}),
        "k8s-w-2": FelixEnv({"vxlanport": "4799"}, (), config_file=True),
    }
    found = ebpf_settings(STORED, [], base, pods)
    assert found.get("bpfenabled") is None
    # the file may set the mode and the CIDRs too: the nodes that are known keep theirs
    tunnel = {
        "bpf_external_service_mode": "Tunnel",
        "bpf_dsr_optout_cidrs": (),
        "bpf_exclude_cidrs_from_nat": (),
    }
    assert found.get("vxlanport") == 4789  # known on every node: k8s-w-2's own is kept
    assert {n: o.model_dump(exclude_none=True) for n, o in found.nodes.items()} == {
        "k8s-cp-1": {"bpf_enabled": False, **tunnel},
        "k8s-w-1": {"bpf_enabled": True, **tunnel},
        "k8s-w-2": {"vxlan_port": 4799},
    }
    assert found.config_file == ("k8s-w-2",)


def _fc(
    name: str, created: str = "", annotations: dict[str, str] | None = None, **spec: Any
) -> Any:
    meta: dict[str, Any] = {"name": name, "creationTimestamp": created}
    if annotations:
        meta["annotations"] = annotations
    return {"metadata": meta, "spec": spec}


LABELS = {
    "edge-1": {"role": "edge", "zone": "a"},
    "edge-2": {"role": "edge", "zone": "b"},
    "core-1": {"role": "core"},
}


def test_a_selector_scoped_configuration_sits_between_node_and_default() -> None:
    """Calico 3.32+: `edge` selects role == 'edge' and turns eBPF on there; edge-2's own
    `node.edge-2` beats it; core-1 keeps `default`'s (felix/calc/config_batcher.go, the
    order in config_params.go: DatastorePerHost, DatastorePerSelector, DatastoreGlobal)."""
    items = [
        _fc("edge", nodeSelector="role == 'edge'", bpfEnabled=True),
        _fc("node.edge-2", bpfEnabled=False),
    ]
    found = ebpf_settings(STORED, items, FelixEnv(), {}, LABELS)
    assert found.get("bpfenabled") is False
    assert {n: o.model_dump(exclude_none=True) for n, o in found.nodes.items()} == {
        "edge-1": {"bpf_enabled": True}
    }


def test_the_oldest_matching_selector_wins_and_one_not_evaluated_is_unknown() -> None:
    """Two match edge-1: the older (creationTimestamp, then the name) wins, as
    `MergeSelectorConfigs` picks; a selector outside the grammar kostack evaluates, older
    than any match, makes the node's value not known; one without a selector applies
    nowhere."""
    items = [
        _fc("b-late", "2026-12-02T00:00:00Z", nodeSelector="zone == 'a'", bpfEnabled=False),
        _fc("a-early", "2026-12-01T00:00:00Z", nodeSelector="has(role)", bpfEnabled=True),
        _fc("no-selector", "2026-11-01T00:00:00Z", bpfExternalServiceMode="DSR"),
    ]
    found = ebpf_settings(STORED, items, FelixEnv(), {}, LABELS)
    assert {n: o.model_dump(exclude_none=True) for n, o in found.nodes.items()} == {
        n: {"bpf_enabled": True} for n in LABELS
    }
    odd = _fc("odd", "2026-11-01T00:00:00Z", nodeSelector="zone == 'b' ||| x", bpfEnabled=False)
    found = ebpf_settings(STORED, [*items, odd], FelixEnv(), {}, LABELS)
    assert found.values == dict.fromkeys(STORED)  # which one applies is not known anywhere


def test_an_annotation_beats_the_spec_of_its_configuration() -> None:
    """config.projectcalico.org/<Name> on a FelixConfiguration (any case) beats its spec's
    field (libcalico-go configurationprocessor.go `extractAnnotations`), parsed as Felix
    parses its environment; an empty one is ignored."""
    item = _fc(
        "node.x",
        annotations={
            "config.projectcalico.org/BPFEnabled": "yes",
            "config.projectcalico.org/bpfexternalservicemode": "dsr",
            "config.projectcalico.org/VXLANPort": "",
        },
        bpfEnabled=False,
        vxlanPort=4799,
    )
    assert fc_values(item) == {
        "bpfenabled": True,
        "bpfexternalservicemode": "DSR",
        "vxlanport": 4799,
    }


def test_bpf_exclude_cidrs_from_nat_is_read_from_spec_annotation_and_environment() -> None:
    """bpfExcludeCIDRsFromNAT (config_params.go `cidr-list`), like bpfDSROptoutCIDRs: the
    spec's entries as networks (one that is no CIDR left out), an annotation or
    FELIX_BPFEXCLUDECIDRSFROMNAT parsed as Felix parses its environment."""
    spec = fc_values({"spec": {"bpfExcludeCIDRsFromNAT": ["169.254.20.10", "bad", "10.0.0.0/8"]}})
    assert spec == {"bpfexcludecidrsfromnat": ("169.254.20.10/32", "10.0.0.0/8")}
    item = _fc(
        "default", annotations={"config.projectcalico.org/BPFExcludeCIDRsFromNAT": "10.1.0.0/16"}
    )
    assert fc_values(item) == {"bpfexcludecidrsfromnat": ("10.1.0.0/16",)}
    env = FelixEnv({"bpfexcludecidrsfromnat": "10.0.0.11, 10.0.0.12"})
    assert resolve("bpfexcludecidrsfromnat", env, spec, STORED) == ("10.0.0.11/32", "10.0.0.12/32")
    assert (
        resolve("bpfexcludecidrsfromnat", FelixEnv(), spec, STORED)
        == spec["bpfexcludecidrsfromnat"]
    )
