"""Read OpenShift's Network operator config (docs/facts.md "OVN-Kubernetes").

network.operator.openshift.io ``cluster`` (group operator.openshift.io, v1, cluster-scoped;
``oc get network.operator cluster -o yaml``) holds ``spec.defaultNetwork.ovnKubernetesConfig``:
``mtu``, ``genevePort``, ``gatewayConfig.routingViaHost``, ``ipsecConfig`` (``mode`` Disabled /
External / Full, ``full.encapsulation`` Always / Auto) and ``v4InternalSubnet``
(openshift/api operator/v1 types_network.go). cluster-network-operator renders ovnkube.conf from
it (pkg/network/ovn_kubernetes.go), so where the two disagree the rendered ConfigMap is what
runs, and the difference is noted. Read only on OpenShift (namespace openshift-ovn-kubernetes).
"""

from __future__ import annotations

import ipaddress
from typing import Any, Final

from kostack.collect._cni_common import CniContext, positive
from kostack.collect._kube_objects import as_dict
from kostack.collect._kube_types import ReadFailure
from kostack.gap_words import Msg
from kostack.model.ovnk import OvnkOperator, OvnKubernetes

SOURCE: Final = "cluster.cni.ovn_kubernetes.operator"
OPENSHIFT: Final = "openshift-ovn-kubernetes"
REQUEST: Final = "GET /apis/operator.openshift.io/v1/networks/cluster"
_MODES: Final = ("Disabled", "External", "Full")


def _ipsec(config: dict[str, Any]) -> tuple[str | None, str | None]:
    """GetIPsecMode: no ipsecConfig is Disabled, one without a mode Full (the API before
    4.15); the encapsulation (Auto when unset) only matters with Full."""
    if "ipsecConfig" not in config or config.get("ipsecConfig") is None:
        return "Disabled", None
    ipsec = as_dict(config.get("ipsecConfig"))
    mode = str(ipsec.get("mode") or "Full")
    encap = str(as_dict(ipsec.get("full")).get("encapsulation") or "Auto")
    return (mode if mode in _MODES else None), (encap if mode == "Full" else None)


def parse_operator(spec: dict[str, Any]) -> OvnkOperator:
    """The Network operator's OVN-Kubernetes settings from the object's ``spec``."""
    config = as_dict(as_dict(spec.get("defaultNetwork")).get("ovnKubernetesConfig"))
    mode, encap = _ipsec(config)
    subnet = config.get("v4InternalSubnet")
    try:
        internal = (ipaddress.ip_network(str(subnet), strict=False),) if subnet else None
    except ValueError:
        internal = None
    via_host = as_dict(config.get("gatewayConfig")).get("routingViaHost")
    return OvnkOperator(
        mtu=positive(config.get("mtu"), least=68),
        geneve_port=positive(config.get("genevePort")),
        routing_via_host=via_host if isinstance(via_host, bool) else None,
        ipsec_mode=mode,
        ipsec_encapsulation=encap,
        v4_internal_subnet=internal,
    )


def differences(conf: OvnKubernetes, op: OvnkOperator) -> list[tuple[str, str, str]]:
    """(field, operator's value, the ConfigMap's) where the operator asks for something the
    rendered ovnkube.conf does not say yet: the ConfigMap is what runs."""
    mode = None if op.routing_via_host is None else ("local" if op.routing_via_host else "shared")
    pairs = (
        ("mtu", op.mtu, conf.mtu),
        ("genevePort", op.geneve_port, conf.encap_port),
        ("gatewayConfig.routingViaHost", mode, conf.gateway_mode),
    )
    return [(f, str(a), str(b)) for f, a, b in pairs if a is not None and a != b]


def read_operator(ctx: CniContext, namespace: str, conf: OvnKubernetes) -> OvnkOperator | None:
    """The Network operator config on OpenShift; None elsewhere or when it cannot be read
    (then a gap says so, with the command that shows it; a 404 too: OpenShift has it)."""
    if namespace != OPENSHIFT:
        return None
    reader = ctx.reader
    try:
        found = reader.call(
            REQUEST,
            reader.custom.get_cluster_custom_object,
            "operator.openshift.io",
            "v1",
            "networks",
            "cluster",
        )
    except ReadFailure as failure:
        ctx.check(failure)
        ctx.gap(SOURCE, failure, Msg("gap.hint.ovnk.operator"))
        return None
    op = parse_operator(as_dict(as_dict(found).get("spec")))
    for field, wanted, running in differences(conf, op):
        ctx.notes.skip(
            SOURCE,
            Msg("skip.ovnk-operator-differs", field=field, wanted=wanted, running=running),
        )
    return op
