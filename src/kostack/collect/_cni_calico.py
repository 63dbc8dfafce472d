"""Read Calico's settings: IP pools, IPAM blocks, the operator's Installation or the
manifest's calico-config, Felix and BGP settings, ClusterInformation, Typha.

A constant number of requests whatever the node count (IPAM blocks are one
paged list). Everything that cannot be read becomes a gap with a hint.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from kostack.catalog import Msg, register
from kostack.collect._cni_calico_bgp import as_number, parse_bgp_peer
from kostack.collect._cni_calico_felix import (
    FelixEbpf,
    ebpf_settings,
    fc_values,
    felix_default,
    felix_env,
)
from kostack.collect._cni_calico_parse import (
    CalicoObjects,
    bpf_dsr_optout_cidrs,
    bpf_enabled,
    bpf_exclude_cidrs_from_nat,
    bpf_external_service_mode,
    calico_bgp,
    calico_mtu,
    calico_version,
    feature_detect_override,
    installation_bpf,
    installation_pools_text,
    nat_outgoing_exclusions,
    parse_block,
    parse_ip_pool,
    policy_only,
    program_cluster_routes,
)
from kostack.collect._cni_calico_rollout import rollout_fields
from kostack.collect._cni_common import (
    CniContext,
    CniResult,
    JsonObject,
    agent_version,
    combined,
    positive,
    spec_of,
)
from kostack.collect._kube_types import ReadFailure
from kostack.model.snapshot import CNI, Calico, CalicoBGPPeer, CalicoBlock, CalicoIPPool
from kostack.shell import render

CALICO_V1: Final = ("crd.projectcalico.org", "v1")
CALICO_V3: Final = ("projectcalico.org", "v3")
OPERATOR: Final = ("operator.tigera.io", "v1")
VERSIONS: Final = (CALICO_V1, CALICO_V3)


def _custom_list(ctx: CniContext, plural: str) -> tuple[list[JsonObject], str]:
    """List a Calico resource through the first API version that serves it (once per
    collection: Canal's flannel reading lists the IP pools Calico's has).

    crd.projectcalico.org/v1 is where Calico stores everything; the
    projectcalico.org/v3 API (calico-apiserver) serves the same objects and
    may be readable when the CRDs are not, or be all there is.
    """
    return ctx.once(f"list {plural}", lambda: _list_first_version(ctx, plural))


def _list_first_version(ctx: CniContext, plural: str) -> tuple[list[JsonObject], str]:
    failures: list[ReadFailure] = []
    reader = ctx.reader
    for group, version in VERSIONS:
        request = f"GET /apis/{group}/{version}/{plural}"
        try:
            items = reader.all(
                request, reader.custom.list_cluster_custom_object, group, version, plural
            )
            return items, f"{group}/{version}"
        except ReadFailure as failure:
            failures.append(failure)
            if failure.kind not in ("not_found", "forbidden"):
                break  # a timeout or server error: do not spend another timeout
    raise combined(failures)


def _custom_get(ctx: CniContext, plural: str, name: str) -> JsonObject | None:
    """Get a Calico object through the first version that has it; None if none has (once per
    collection, as `_custom_list`)."""
    return ctx.once(f"get {plural}/{name}", lambda: _get_first_version(ctx, plural, name))


def _get_first_version(ctx: CniContext, plural: str, name: str) -> JsonObject | None:
    failures: list[ReadFailure] = []
    reader = ctx.reader
    for group, version in VERSIONS:
        request = f"GET /apis/{group}/{version}/{plural}/{name}"
        try:
            return reader.call(
                request, reader.custom.get_cluster_custom_object, group, version, plural, name
            )
        except ReadFailure as failure:
            failures.append(failure)
            if failure.kind not in ("not_found", "forbidden"):
                break
    if all(f.kind == "not_found" for f in failures):
        return None
    raise combined(failures)


register(
    {
        "col.calico.forbidden": {
            "en": "Grant get/list on {resource} (and {plural}.projectcalico.org) to the "
            "kubeconfig's user; until then the checks that need Calico's settings say UNKNOWN.",
            "ko": "kubeconfig 사용자에게 {resource}(와 {plural}.projectcalico.org)의 get/list 권한을 "
            "주세요. 그 전까지 Calico 설정이 필요한 점검은 판단 불가(UNKNOWN)입니다.",
        },
        "col.calico.no-crd": {
            "en": "The {resource} CRD is not installed although Calico runs: check the install "
            "(`{command}`).",
            "ko": "Calico가 실행 중인데 {resource} CRD가 설치되어 있지 않습니다: 설치를 확인하세요 "
            "(`{command}`).",
        },
        "col.calico.timeout": {
            "en": "The API server did not answer in time; retry with a longer timeout.",
            "ko": "API 서버가 제시간에 응답하지 않았습니다. 제한 시간을 늘려 다시 시도하세요.",
        },
        "col.calico.error": {
            "en": "The API server answered with an error; retry, and check the API server's logs.",
            "ko": "API 서버가 오류로 응답했습니다. 다시 시도하고 API 서버의 로그를 확인하세요.",
        },
        "col.calico.asks": {
            "en": "{hint} The operator's Installation asks for {intent}.",
            "ko": "{hint} 오퍼레이터의 Installation이 요청하는 것: “{intent}”.",
        },
    }
)


def calico_hint(failure: ReadFailure, plural: str) -> str:
    resource = f"{plural}.crd.projectcalico.org"
    if failure.kind == "forbidden":
        return Msg("col.calico.forbidden", resource=resource, plural=plural)
    if failure.kind == "not_found":
        command = render(["kubectl", "get", "crd", resource])
        return Msg("col.calico.no-crd", resource=resource, command=command)
    if failure.kind == "timeout":
        return Msg("col.calico.timeout")
    return Msg("col.calico.error")


def _settings(ctx: CniContext, plural: str, source: str) -> tuple[JsonObject | None, bool]:
    """The `default` object of a Calico settings kind, and whether reading it failed."""
    try:
        return _custom_get(ctx, plural, "default"), False
    except ReadFailure as failure:
        ctx.gap(source, failure, calico_hint(failure, plural))
        return None, True


def _installation(ctx: CniContext) -> tuple[JsonObject | None, bool]:
    reader = ctx.reader
    try:
        found = reader.get(
            "GET /apis/operator.tigera.io/v1/installations/default",
            reader.custom.get_cluster_custom_object,
            *OPERATOR,
            "installations",
            "default",
        )
        return found, False
    except ReadFailure as failure:
        ctx.gap(
            "cluster.cni.calico.install_method",
            failure,
            Msg("gap.hint.calico.installation"),
        )
        return None, True


def _calico_config(ctx: CniContext) -> JsonObject | None:
    reader = ctx.reader
    try:
        return reader.get(
            "GET /api/v1/namespaces/kube-system/configmaps/calico-config",
            reader.core.read_namespaced_config_map,
            "calico-config",
            "kube-system",
        )
    except ReadFailure as failure:
        ctx.gap(
            "cluster.cni.calico.calico_config",
            failure,
            Msg("gap.hint.calico.config"),
        )
        return None


def _cluster_information(ctx: CniContext) -> JsonObject | None:
    """ClusterInformation `default` (the running version); a failure only costs the version."""
    try:
        return _custom_get(ctx, "clusterinformations", "default")
    except ReadFailure as failure:
        ctx.check(failure)
        return None


def _install_method(
    ctx: CniContext, objects: CalicoObjects
) -> Literal["operator", "manifest", "unknown"]:
    """Operator when its Installation `default` exists; manifest when calico-config does.

    When neither can be read, where calico-node runs decides: the operator
    deploys it in calico-system, calico.yaml in kube-system.
    """
    if objects.installation is not None:
        return "operator"
    if objects.calico_config is not None:
        return "manifest"
    spaces = ctx.facts.pod_cni.get("calico", [])
    if "calico-system" in spaces:
        return "operator"
    if "kube-system" in spaces:
        return "manifest"
    return "unknown"


def _typha(ctx: CniContext, method: str) -> bool | None:
    """Whether calico-typha runs: its Deployment, with replicas above 0."""
    namespace = {"operator": "calico-system", "manifest": "kube-system"}.get(method)
    reader = ctx.reader
    for space in [namespace] if namespace else ["calico-system", "kube-system"]:
        try:
            deployment = reader.get(
                f"GET /apis/apps/v1/namespaces/{space}/deployments/calico-typha",
                reader.apps.read_namespaced_deployment,
                "calico-typha",
                space,
            )
        except ReadFailure as failure:
            ctx.check(failure)
            if ctx.facts.pods_known:
                return bool(ctx.facts.typha_namespaces)  # its pods say as much
            ctx.gap(
                "cluster.cni.calico.typha",
                failure,
                Msg("gap.hint.calico.typha"),
            )
            return None
        if deployment is not None:
            return spec_of(deployment).get("replicas") != 0
    return False


def _pools(
    ctx: CniContext, detected: bool
) -> tuple[tuple[CalicoIPPool, ...] | None, ReadFailure | None, bool]:
    """(pools, the failure, whether Calico is there at all)."""
    try:
        items, api = _custom_list(ctx, "ippools")
    except ReadFailure as failure:
        if not detected:
            ctx.probe_failed(failure)
            return None, failure, False
        return None, failure, True
    parsed = (parse_ip_pool(item, f"{api} IPPool", ctx.notes) for item in items)
    pools = tuple(p for p in parsed if p is not None)
    # CRDs without pools and no running agent: left over from an uninstall.
    return pools, None, detected or bool(pools)


def _blocks(ctx: CniContext) -> tuple[CalicoBlock, ...] | None:
    try:
        block_items, _ = _custom_list(ctx, "ipamblocks")
    except ReadFailure as failure:
        ctx.gap("cluster.cni.calico.blocks", failure, calico_hint(failure, "ipamblocks"))
        return None
    return tuple(b for b in (parse_block(i) for i in block_items) if b is not None)


def _bgp_peers(ctx: CniContext) -> tuple[CalicoBGPPeer, ...] | None:
    """Every BGPPeer (one paged list); None, and a gap, when they cannot be read."""
    try:
        items, _ = _custom_list(ctx, "bgppeers")
    except ReadFailure as failure:
        ctx.gap("cluster.cni.calico.bgp_peers", failure, calico_hint(failure, "bgppeers"))
        return None
    return tuple(p for p in (parse_bgp_peer(i, ctx.notes) for i in items) if p is not None)


def _calico_node(ctx: CniContext, method: str) -> list[JsonObject]:
    """calico-node's containers (the first pod's, or its DaemonSet's: read once)."""
    namespace = "calico-system" if method == "operator" else "kube-system"
    return ctx.once(
        "calico-node containers", lambda: ctx.agent_containers("calico", namespace, "calico-node")
    )


def _version(ctx: CniContext, objects: CalicoObjects, method: str) -> tuple[str | None, str | None]:
    version, source = calico_version(objects)
    if version:
        return version, source
    return agent_version(_calico_node(ctx, method), "calico")


def _felix_configurations(ctx: CniContext) -> tuple[list[JsonObject], JsonObject | None, bool]:
    """Every FelixConfiguration (one list: `default` and the nodes' `node.<name>`), `default`
    among them, and whether listing them failed (a gap)."""
    try:
        items, _ = _custom_list(ctx, "felixconfigurations")
    except ReadFailure as failure:
        hint = calico_hint(failure, "felixconfigurations")
        ctx.gap("cluster.cni.calico.felix", failure, hint)
        return [], None, True
    return items, felix_default(items), False


def _ebpf(
    ctx: CniContext, objects: CalicoObjects, items: list[JsonObject], method: str, port: int | None
) -> tuple[FelixEbpf, bool]:
    """Calico's eBPF settings: calico-node's FELIX_* variables (each node's own pod's) over
    its config file over `node.<name>` over the selector-scoped FelixConfigurations over
    `default` (collect/_cni_calico_felix.py); and whether the data plane is in transition:
    the Installation asks for BPF, `default` does not turn it on yet (the operator writes it
    once calico-node's rollout is complete: tigera/operator bpf.go), so it is not known."""
    stored: dict[str, object] = {
        "bpfenabled": bpf_enabled(objects),
        "bpfexternalservicemode": bpf_external_service_mode(objects),
        "bpfdsroptoutcidrs": bpf_dsr_optout_cidrs(objects),
        "bpfexcludecidrsfromnat": bpf_exclude_cidrs_from_nat(objects),
        "vxlanport": port,
    }
    stored.update(fc_values(objects.felix))  # its config.projectcalico.org/ annotations
    transition = installation_bpf(objects) and stored["bpfenabled"] is False
    if transition:
        stored["bpfenabled"] = None
    env = felix_env(_calico_node(ctx, method), objects.calico_config)
    pods = {
        node: felix_env(pod.containers, objects.calico_config)
        for node, pod in ctx.facts.calico_node_best.items()
    }
    labels = ctx.facts.calico_nodes.selectable
    return ebpf_settings(stored, items, env, pods, labels), transition


def _ebpf_fields(
    ctx: CniContext, objects: CalicoObjects, items: list[JsonObject], method: str, port: int | None
) -> dict[str, Any]:
    """The model's Calico fields of Felix's eBPF settings and where they come from."""
    ebpf, transition = _ebpf(ctx, objects, items, method, port)
    return {
        "vxlan_port": ebpf.get("vxlanport"),
        "bpf_enabled": ebpf.get("bpfenabled"),
        "bpf_external_service_mode": ebpf.get("bpfexternalservicemode"),
        "bpf_dsr_optout_cidrs": ebpf.get("bpfdsroptoutcidrs"),
        "bpf_exclude_cidrs_from_nat": ebpf.get("bpfexcludecidrsfromnat"),
        "felix_nodes": ebpf.nodes,
        "felix_env_unread": ebpf.unread,
        "felix_config_file": ebpf.config_file,
        "bpf_transition": transition,
        **(rollout_fields(ctx) if transition else {}),
        "felix_pods_differ": _pods_differ(ctx, objects.calico_config),
    }


def _pods_differ(ctx: CniContext, config: JsonObject | None) -> dict[str, tuple[str, str]]:
    """Nodes with another live calico-node pod whose FELIX_* eBPF settings differ from those
    of the one kostack judges the node by: node -> (that pod, the other)."""
    out: dict[str, tuple[str, str]] = {}
    best = ctx.facts.calico_node_best
    for node, rivals in ctx.facts.calico_node_rivals.items():
        own = felix_env(best[node].containers, config)
        for rival in rivals:
            if felix_env(rival.containers, config) != own:
                out[node] = (best[node].name, rival.name)
                break
    return out


def _felix_tunnels(
    felix: JsonObject | None, failed: bool
) -> tuple[bool | None, bool | None, int | None]:
    """(wireguardEnabled, wireguardEnabledV6, vxlanPort) of FelixConfiguration `default`.

    FelixConfiguration reference: wireguardEnabled defaults to false and vxlanPort to 4789;
    no `default` object at all means every default applies; None when it was not read."""
    if failed:
        return None, None, None
    spec = spec_of(felix)
    return (
        spec.get("wireguardEnabled") is True,
        spec.get("wireguardEnabledV6") is True,
        positive(spec.get("vxlanPort")) or 4789,
    )


def read_calico(ctx: CniContext, detected: bool) -> CniResult | None:
    """Calico's settings; None when Calico is not installed (and was not detected)."""
    pools, pools_failure, present = _pools(ctx, detected)
    if not present:
        return None
    installation, installation_failed = _installation(ctx)
    if pools_failure is not None:
        intent = installation_pools_text(installation)
        hint = calico_hint(pools_failure, "ippools")
        if intent:
            hint = Msg("col.calico.asks", hint=hint, intent=intent)
        ctx.gap("cluster.cni.calico.ip_pools", pools_failure, hint)
    blocks = _blocks(ctx)
    felix_items, felix, felix_failed = _felix_configurations(ctx)
    bgp_conf, bgp_failed = _settings(ctx, "bgpconfigurations", "cluster.cni.calico.bgp")
    calico_config = _calico_config(ctx) if installation is None else None
    objects = CalicoObjects(
        installation=installation,
        felix=felix,
        calico_config=calico_config,
        cluster_information=_cluster_information(ctx),
        installation_failed=installation_failed,
        felix_failed=felix_failed,
    )
    method = _install_method(ctx, objects)
    mtu = calico_mtu(objects, pools)
    wireguard_v4, wireguard_v6, vxlan_port = _felix_tunnels(felix, felix_failed)
    wireguard = None if wireguard_v4 is None else bool(wireguard_v4 or wireguard_v6)
    # BGPConfiguration reference: nodeToNodeMeshEnabled defaults to true.
    mesh = None if bgp_failed else spec_of(bgp_conf).get("nodeToNodeMeshEnabled") is not False
    bgp = None if installation_failed and calico_config is None else calico_bgp(objects)
    # BGPConfiguration reference: asNumber defaults to 64512
    asn = spec_of(bgp_conf).get("asNumber", 64512)
    nodes = ctx.facts.calico_nodes
    for name, key in nodes.skipped:
        ctx.notes.skip("cluster.nodes", Msg("skip.calico-annotation", name=name, note=key))
    version, version_source = _version(ctx, objects, method)
    ebpf = _ebpf_fields(ctx, objects, felix_items, method, vxlan_port)
    bpf = ebpf["bpf_enabled"]
    calico = Calico(
        install_method=method,
        ip_pools=pools,
        blocks=blocks,
        mtu=mtu.mtu,
        mtu_source=mtu.source,
        mtu_auto=mtu.auto,
        typha=_typha(ctx, method),
        typha_nodes=tuple(sorted(ctx.facts.typha_nodes)) if ctx.facts.pods_known else None,
        bgp=bgp,
        node_to_node_mesh=mesh,
        wireguard=wireguard,
        wireguard_v4=wireguard_v4,
        wireguard_v6=wireguard_v6,
        nat_outgoing_exclusions=nat_outgoing_exclusions(objects),
        program_cluster_routes=program_cluster_routes(objects),
        feature_detect_override=feature_detect_override(objects),
        **ebpf,
        # the peers matter where the node-to-node mesh is off (engine/peering.py)
        bgp_peers=_bgp_peers(ctx) if bgp is not False and mesh is False else None,
        route_reflectors=dict(nodes.route_reflectors),
        as_number=None if bgp_failed else as_number(str(asn)),
        node_labels=dict(nodes.labels),
        node_as_numbers=dict(nodes.as_numbers),
        node_addresses=dict(nodes.addresses),
    )
    network = tuple(p.cidr for p in pools or () if not p.disabled)
    return CniResult(
        cni=CNI(type="calico", version=version, version_source=version_source, calico=calico),
        pod_network=network,
        pod_network_source="Calico IPPools (enabled)" if network else None,
        policy_only=policy_only(objects),
        # in eBPF mode Felix serves Services (kube-proxy's mode "none" once no pod of it runs)
        kube_proxy_replacement=bpf is True,
    )
