"""Where Felix takes a setting from, first wins (projectcalico/calico felix/config/
config_params.go `SourcesInDescendingOrder` at 87c15906f20c4ca1fda55af92295e7678b0cc0b2:
InternalOverride, EnvironmentVariable, ConfigFile, DatastorePerHost, DatastorePerSelector,
DatastoreGlobal; docs/facts.md "Calico's eBPF data plane"): calico-node's environment, then
/etc/calico/felix.cfg (not readable through the API: not known), then `node.<name>`, then
`default`. Pure functions, no API."""

from __future__ import annotations

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
    tunnel = {"bpf_external_service_mode": "Tunnel", "bpf_dsr_optout_cidrs": ()}
    assert found.get("vxlanport") == 4789  # known on every node: k8s-w-2's own is kept
    assert {n: o.model_dump(exclude_none=True) for n, o in found.nodes.items()} == {
        "k8s-cp-1": {"bpf_enabled": False, **tunnel},
        "k8s-w-1": {"bpf_enabled": True, **tunnel},
        "k8s-w-2": {"vxlan_port": 4799},
    }
    assert found.config_file == ("k8s-w-2",)
