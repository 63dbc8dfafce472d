"""Option choices and defaults the commands' --help shows, without importing their layers.

A command's options are built when its module is imported, which happens for
its --help and its TAB completion too; those must not pay for the model, the
analysis or the cloud clients. The values live here as plain constants, and
tests/foundation/test_startup.py checks each equals the one its layer uses.
"""

from __future__ import annotations

from typing import Final

# kostack.plan.model.Method
FIX_METHODS: Final = ("pairs", "disable-port-security")
FIX_DEFAULT_METHOD: Final = "pairs"
# kostack.collect.live.DEFAULT_TIMEOUT_S
COLLECT_TIMEOUT_S: Final = 30.0
# kostack.probe.k8s_runner.DEFAULT_IMAGE
PROBE_IMAGE: Final = "docker.io/library/python:3.12-alpine"
# kostack.probe.plan.DEFAULT_MAX_SOURCES
PROBE_MAX_SOURCES: Final = 16
# kostack.plan.release_model.DEFAULT_TIMEOUT (seconds Helm waits per install)
RELEASE_TIMEOUT_S: Final = 600
# the keys of kostack.plan.preflight.CNI_MODES
PREFLIGHT_CNIS: Final = (
    "antrea",
    "calico",
    "cilium",
    "flannel",
    "kube-ovn",
    "kube-router",
    "ovn-kubernetes",
)
# kostack.plan.preflight_antrea.TUNNELS (Antrea's tunnelType)
PREFLIGHT_TUNNELS: Final = ("geneve", "vxlan", "gre", "stt")
NEUTRON_BACKENDS: Final = ("ml2/ovs", "ml2/ovn")
