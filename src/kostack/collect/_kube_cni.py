"""Which CNI a cluster runs and how it is set up: Calico, Flannel, Cilium.

The parsers are pure (JSON dicts in, snapshot records out). Where a field is
absent they apply the CNI's documented default, cited beside the code; where
no default can be known (an MTU the agent detects at run time) they leave None.
`collect_cni` does the reads, a constant number of them whatever the node count.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

from kostack.collect._kube_api import Reader, ReadFailure
from kostack.collect._kube_objects import (
    Notes,
    annotations_of,
    as_dict,
    container_args,
    labels_of,
    name_of,
    namespace_of,
    pod_containers,
)
from kostack.model.snapshot import (
    CNI,
    Calico,
    CalicoBlock,
    CalicoIPPool,
    Cilium,
    EncapMode,
    Flannel,
    IPNetwork,
)

JsonObject = dict[str, Any]
CniName = Literal["calico", "flannel", "cilium"]
CNI_ORDER: Final[tuple[CniName, ...]] = ("calico", "flannel", "cilium")

# The label (k8s-app, or app) of each CNI's per-node agent pods.
AGENT_LABELS: Final[Mapping[str, CniName]] = {
    "calico-node": "calico",
    "flannel": "flannel",
    "cilium": "cilium",
}

CALICO_V1: Final = ("crd.projectcalico.org", "v1")
CALICO_V3: Final = ("projectcalico.org", "v3")
OPERATOR: Final = ("operator.tigera.io", "v1")


# --------------------------------------------------------------------------- evidence


@dataclass
class ClusterFacts:
    """What nodes and pods say about the CNI, gathered while they are read."""

    pods_known: bool = False
    node_cni: set[CniName] = field(default_factory=set)
    pod_cni: dict[CniName, list[str]] = field(default_factory=dict)  # CNI -> agent namespaces
    typha_namespaces: set[str] = field(default_factory=set)
    flannel_ip_masq: bool | None = None
    kube_proxy_pods: int = 0
    apiserver_args: list[str] = field(default_factory=list)
    controller_manager_args: list[str] = field(default_factory=list)
    nodes_os: set[str] = field(default_factory=set)

    def add_node(self, node: Mapping[str, Any]) -> None:
        for key in annotations_of(node):
            if key.startswith("projectcalico.org/"):
                self.node_cni.add("calico")
            elif key.startswith("flannel.alpha.coreos.com/"):
                self.node_cni.add("flannel")
            elif key.startswith(("network.cilium.io/", "io.cilium.network.")):
                self.node_cni.add("cilium")
        self.nodes_os.add(labels_of(node).get("kubernetes.io/os", "unknown"))

    def add_pod(self, pod: Mapping[str, Any]) -> None:
        labels = labels_of(pod)
        namespace = namespace_of(pod)
        app = labels.get("k8s-app") or labels.get("app") or ""
        agent = AGENT_LABELS.get(app)
        if agent is not None:
            spaces = self.pod_cni.setdefault(agent, [])
            if namespace not in spaces:
                spaces.append(namespace)
        if app == "flannel":
            masq = flannel_ip_masq(pod_containers(pod))
            if masq is not None:
                self.flannel_ip_masq = masq
        if labels.get("k8s-app") == "calico-typha":
            self.typha_namespaces.add(namespace)
        if labels.get("k8s-app") == "kube-proxy":
            self.kube_proxy_pods += 1
        component = labels.get("component")
        if namespace == "kube-system" and component == "kube-apiserver":
            self.apiserver_args = [a for c in pod_containers(pod) for a in container_args(c)]
        if namespace == "kube-system" and component == "kube-controller-manager":
            self.controller_manager_args = [
                a for c in pod_containers(pod) for a in container_args(c)
            ]

    def candidates(self) -> list[CniName]:
        """CNIs to look at, most likely first: running agents, then node annotations."""
        seen: list[CniName] = [c for c in CNI_ORDER if c in self.pod_cni]
        seen += [c for c in CNI_ORDER if c in self.node_cni and c not in seen]
        return seen

    @property
    def linux_only(self) -> bool:
        return self.nodes_os == {"linux"}


def flannel_ip_masq(containers: Sequence[Mapping[str, Any]]) -> bool | None:
    """flanneld's --ip-masq from its container command line (flanneld's default is false).

    flannel Documentation/configuration.md: "--ip-masq=false: setup IP
    masquerade for traffic destined for outside the flannel network";
    kube-flannel.yml passes --ip-masq. Any flag is also FLANNELD_<FLAG> in the env.
    """
    for container in containers:
        arguments = container_args(container)
        if not any("flanneld" in a for a in arguments) and container.get("name") != "kube-flannel":
            continue
        for argument in arguments:
            if argument == "--ip-masq":
                return True
            if argument.startswith("--ip-masq="):
                return argument.split("=", 1)[1].strip().lower() in ("true", "1")
        for env in container.get("env") or []:
            if isinstance(env, dict) and env.get("name") == "FLANNELD_IP_MASQ":
                return str(env.get("value", "")).strip().lower() in ("true", "1")
        return False
    return None


# --------------------------------------------------------------------------- Calico parsers


def _mode(value: object) -> EncapMode | None:
    if value is None or value == "":
        return "Never"  # Calico IP pool docs: ipipMode / vxlanMode default "Never"
    text = str(value).strip().lower().replace("-", "")
    modes: dict[str, EncapMode] = {
        "always": "Always",
        "crosssubnet": "CrossSubnet",
        "never": "Never",
    }
    return modes.get(text)


def parse_ip_pool(obj: Mapping[str, Any], source: str, notes: Notes) -> CalicoIPPool | None:
    """An IPPool (crd.projectcalico.org/v1 or projectcalico.org/v3, same spec).

    Defaults (Calico "IP pool" resource reference): ipipMode and vxlanMode
    "Never", natOutgoing false, blockSize 26 for IPv4 and 122 for IPv6,
    disabled false. Pools written before ipipMode existed carry
    ``ipip: {enabled, mode: always|cross-subnet}``.
    """
    spec = as_dict(obj.get("spec"))
    name = name_of(obj)
    try:
        cidr = ipaddress.ip_network(str(spec.get("cidr", "")).strip(), strict=False)
    except ValueError:
        notes.skip("cluster.cni.calico.ip_pools", f"IPPool {name}: cidr {spec.get('cidr')!r}")
        return None
    ipip_raw = spec.get("ipipMode")
    legacy = spec.get("ipip")
    if ipip_raw in (None, "") and isinstance(legacy, dict) and legacy.get("enabled") is True:
        ipip_raw = legacy.get("mode") or "always"
    ipip, vxlan = _mode(ipip_raw), _mode(spec.get("vxlanMode"))
    if ipip is None or vxlan is None:
        notes.skip(
            "cluster.cni.calico.ip_pools",
            f"IPPool {name}: ipipMode {spec.get('ipipMode')!r} / vxlanMode {spec.get('vxlanMode')!r}",
        )
        return None
    block_size = spec.get("blockSize")
    if not isinstance(block_size, int) or block_size <= 0:
        block_size = 26 if cidr.version == 4 else 122
    return CalicoIPPool(
        name=name,
        cidr=cidr,
        ipip_mode=ipip,
        vxlan_mode=vxlan,
        nat_outgoing=spec.get("natOutgoing") is True,
        block_size=block_size,
        disabled=spec.get("disabled") is True,
        source=source,
    )


def parse_block(obj: Mapping[str, Any]) -> CalicoBlock | None:
    """An IPAMBlock: its CIDR and, for ``affinity: host:<node>``, the node it belongs to."""
    spec = as_dict(obj.get("spec"))
    if spec.get("deleted") is True:
        return None
    try:
        cidr = ipaddress.ip_network(str(spec.get("cidr", "")).strip(), strict=False)
    except ValueError:
        return None
    affinity = spec.get("affinity")
    node = None
    if isinstance(affinity, str) and affinity.startswith("host:"):
        node = affinity.removeprefix("host:") or None
    return CalicoBlock(cidr=cidr, node=node)


def _positive(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and value > 0 else None


@dataclass(frozen=True)
class CalicoObjects:
    """Calico's settings objects as read (None: absent, or could not be read)."""

    installation: JsonObject | None = None
    felix: JsonObject | None = None
    bgp_configuration: JsonObject | None = None
    calico_config: JsonObject | None = None


def calico_mtu(
    objects: CalicoObjects, pools: Sequence[CalicoIPPool] | None
) -> tuple[int | None, str | None]:
    """The pod MTU and where it was read.

    Operator installs: Installation status.mtu (the MTU the operator computed
    and applied), else spec.calicoNetwork.mtu. Manifest installs: calico-config
    veth_mtu ("0" means auto-detect, calico.yaml). Then FelixConfiguration's
    per-encapsulation MTU (ipipMTU / vxlanMTU / wireguardMTU; 0 or absent = auto).
    Calico "Configure MTU": with none of these set, Felix detects the host MTU
    at run time, which the API does not show: None.
    """
    installation = objects.installation
    if installation is not None:
        mtu = _positive(as_dict(installation.get("status")).get("mtu"))
        if mtu:
            return mtu, "Installation default status.mtu"
        network = as_dict(_spec(installation).get("calicoNetwork"))
        mtu = _positive(network.get("mtu"))
        if mtu:
            return mtu, "Installation default spec.calicoNetwork.mtu"
    config = objects.calico_config
    if config is not None:
        mtu = _positive(as_dict(config.get("data")).get("veth_mtu"))
        if mtu:
            return mtu, "ConfigMap kube-system/calico-config veth_mtu"
    felix = objects.felix
    if felix is not None:
        spec = _spec(felix)
        fields: list[str] = []
        if spec.get("wireguardEnabled") is True:
            fields.append("wireguardMTU")
        for pool in pools or ():
            if pool.vxlan_mode != "Never" and "vxlanMTU" not in fields:
                fields.append("vxlanMTU")
            if pool.ipip_mode != "Never" and "ipipMTU" not in fields:
                fields.append("ipipMTU")
        for key in fields:
            mtu = _positive(spec.get(key))
            if mtu:
                return mtu, f"FelixConfiguration default {key}"
    return None, None


def _spec(obj: Mapping[str, Any] | None) -> dict[str, Any]:
    return as_dict(obj.get("spec")) if obj is not None else {}


def _installation_network(installation: JsonObject) -> tuple[dict[str, Any], dict[str, Any]]:
    """(status.computed.calicoNetwork, spec.calicoNetwork) of an Installation."""
    computed = as_dict(as_dict(installation.get("status")).get("computed"))
    return as_dict(computed.get("calicoNetwork")), as_dict(_spec(installation).get("calicoNetwork"))


def calico_bgp(objects: CalicoObjects) -> bool | None:
    """Whether calico-node runs BGP (BIRD).

    Operator: Installation calicoNetwork.bgp, "Enabled" unless set
    (operator.tigera.io API: "BGP ... Default: Enabled"); the computed status
    wins over the spec when the operator reports it. Manifest: calico-config
    calico_backend "bird" runs BGP, "vxlan" and "none" do not.
    """
    if objects.installation is not None:
        computed, spec = _installation_network(objects.installation)
        value = computed.get("bgp") or spec.get("bgp") or "Enabled"
        return str(value) == "Enabled"
    if objects.calico_config is not None:
        backend = as_dict(objects.calico_config.get("data")).get("calico_backend")
        if isinstance(backend, str) and backend:
            return backend.strip().lower() == "bird"
    return None


def installation_pools_text(installation: JsonObject | None) -> str:
    """What the operator's Installation asks for, for a hint when the pools cannot be read."""
    if installation is None:
        return ""
    computed, spec = _installation_network(installation)
    pools = spec.get("ipPools") or computed.get("ipPools") or []
    parts = []
    for pool in pools if isinstance(pools, list) else []:
        if isinstance(pool, dict):
            # operator.tigera.io API: encapsulation defaults to IPIP, natOutgoing to Enabled.
            parts.append(
                f"{pool.get('cidr')} {pool.get('encapsulation') or 'IPIP'} "
                f"natOutgoing {pool.get('natOutgoing') or 'Enabled'}"
            )
    return "; ".join(parts)


# --------------------------------------------------------------------------- Flannel and Cilium parsers


FlannelBackend = Literal["vxlan", "host-gw", "wireguard", "udp", "ipip", "ipsec"]
_FLANNEL_TYPES: Final[Mapping[str, FlannelBackend]] = {t: t for t in get_args(FlannelBackend)}


def parse_flannel(
    configmap: Mapping[str, Any], *, ip_masq: bool | None, linux_only: bool, notes: Notes
) -> Flannel | None:
    """net-conf.json of kube-flannel-cfg.

    flannel Documentation/configuration.md and backends.md: Backend "Defaults
    to udp"; vxlan Port "On Linux, defaults to kernel default, currently
    8472, but on Windows, must be 4789"; udp Port defaults to 8285; wireguard
    ListenPort to 51820; DirectRouting defaults to false. The MTU is computed
    by flanneld at run time (subnet.env), so it stays None.
    """
    data = as_dict(configmap.get("data"))
    try:
        conf = json.loads(str(data.get("net-conf.json", "")))
    except ValueError:
        notes.skip("cluster.cni.flannel", "net-conf.json is not JSON")
        return None
    if not isinstance(conf, dict):
        notes.skip("cluster.cni.flannel", "net-conf.json is not a JSON object")
        return None
    network = None
    try:
        if conf.get("Network"):
            network = ipaddress.ip_network(str(conf["Network"]).strip(), strict=False)
    except ValueError:
        notes.skip("cluster.cni.flannel", f"Network {conf.get('Network')!r} is not a CIDR")
    backend = as_dict(conf.get("Backend"))
    type_text = str(backend.get("Type") or "udp").strip().lower()
    backend_type = _FLANNEL_TYPES.get(type_text)
    if backend_type is None:
        notes.skip("cluster.cni.flannel", f"Backend.Type {type_text!r} is not modelled")
    port = _positive(backend.get("Port"))
    if port is None:
        if backend_type == "vxlan":
            port = 8472 if linux_only else None
        elif backend_type == "udp":
            port = 8285
        elif backend_type == "wireguard":
            port = _positive(backend.get("ListenPort")) or 51820
    return Flannel(
        network=network,
        backend_type=backend_type,
        port=port,
        direct_routing=backend.get("DirectRouting") is True,
        # flanneld's own default is off; kube-flannel.yml turns it on. When the DaemonSet
        # is not visible it is not known (None): the analysis tries both (engine/cases.py).
        ip_masq=ip_masq,
        mtu=None,
    )


def _truthy(value: object, default: bool) -> bool:
    if value is None or value == "":
        return default
    return str(value).strip().lower() in ("true", "1", "yes", "strict")


@dataclass(frozen=True)
class CiliumSettings:
    cilium: Cilium
    kube_proxy_replacement: bool
    pool_cidrs: tuple[IPNetwork, ...]


def parse_cilium(configmap: Mapping[str, Any], notes: Notes) -> CiliumSettings:
    """kube-system/cilium-config.

    cilium-agent defaults (pkg/defaults, pkg/datapath/tunnel): routing-mode
    "tunnel", tunnel-protocol "vxlan", tunnel-port 0 = 8472 for vxlan and 6081
    for geneve; enable-ipv4-masquerade true; enable-wireguard false; mtu 0 =
    detected at run time (None here). Before 1.14 the key was ``tunnel``
    (vxlan | geneve | disabled, disabled meaning native routing) and
    ``native-routing-cidr``.
    """
    data = as_dict(configmap.get("data"))
    mode_text = str(data.get("routing-mode") or "").strip().lower()
    legacy_tunnel = str(data.get("tunnel") or "").strip().lower()
    protocol_text = str(data.get("tunnel-protocol") or "").strip().lower()
    routing_mode: Literal["tunnel", "native"] | None
    if mode_text in ("tunnel", "native"):
        routing_mode = "native" if mode_text == "native" else "tunnel"
    elif mode_text:
        # cilium-agent refuses to start with it; how pods' traffic moves is not known.
        notes.skip("cluster.cni.cilium", f"routing-mode {mode_text!r} is not modelled")
        routing_mode = None
    else:
        routing_mode = "native" if legacy_tunnel == "disabled" else "tunnel"
    protocol: Literal["vxlan", "geneve"] | None = None
    port = None
    if routing_mode == "tunnel":
        chosen = protocol_text or (
            legacy_tunnel if legacy_tunnel in ("vxlan", "geneve") else "vxlan"
        )
        protocol = "geneve" if chosen == "geneve" else "vxlan"
        port = _positive(data.get("tunnel-port")) or (6081 if protocol == "geneve" else 8472)
    cidr_text = data.get("ipv4-native-routing-cidr") or data.get("native-routing-cidr")
    native_cidr = None
    if cidr_text:
        try:
            native_cidr = ipaddress.ip_network(str(cidr_text).strip(), strict=False)
        except ValueError:
            notes.skip("cluster.cni.cilium", f"ipv4-native-routing-cidr {cidr_text!r}")
    masquerade_key = "enable-ipv4-masquerade" if "enable-ipv4-masquerade" in data else "masquerade"
    pools: list[IPNetwork] = []
    for text in str(data.get("cluster-pool-ipv4-cidr") or "").replace(",", " ").split():
        try:
            pools.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            notes.skip("cluster.cni.cilium", f"cluster-pool-ipv4-cidr {text!r}")
    cilium = Cilium(
        routing_mode=routing_mode,
        tunnel_protocol=protocol,
        tunnel_port=port,
        native_routing_cidr=native_cidr,
        masquerade=_truthy(data.get(masquerade_key), True),
        mtu=_positive(data.get("mtu")),
        wireguard=_truthy(data.get("enable-wireguard"), False),
    )
    return CiliumSettings(
        cilium=cilium,
        kube_proxy_replacement=_truthy(data.get("kube-proxy-replacement"), False),
        pool_cidrs=tuple(pools),
    )


# --------------------------------------------------------------------------- reads


GapSink = Callable[[str, ReadFailure, str], None]
# Raises when a failure ends collection (rejected credentials, server gone).
FatalCheck = Callable[[ReadFailure], object]


@dataclass
class CniResult:
    cni: CNI
    kube_proxy_replacement: bool = False
    pod_network: tuple[IPNetwork, ...] = ()


class CniCollector:
    """Reads the settings of the CNI that nodes and pods point at.

    With evidence (agent pods, node annotations) only that CNI is read, and
    whatever cannot be read becomes a gap. Without any, each CNI's settings
    are probed in turn; the first one present wins, and if none is, the
    probes' answers go into one ``cluster.cni`` gap.
    """

    def __init__(
        self,
        reader: Reader,
        facts: ClusterFacts,
        gap: GapSink,
        notes: Notes,
        check: FatalCheck,
    ) -> None:
        self.reader = reader
        self.facts = facts
        self.gap = gap
        self.notes = notes
        self.check = check
        self.probe_failures: list[ReadFailure] = []

    def collect(self) -> CniResult | None:
        """The CNI's settings, or None when no CNI was found (see ``probe_failures``)."""
        readers = {"calico": self.calico, "flannel": self.flannel, "cilium": self.cilium}
        candidates = self.facts.candidates()
        if candidates:
            return readers[candidates[0]](True)
        for name in CNI_ORDER:
            result = readers[name](False)
            if result is not None:
                return result
        return None

    def _probe_failed(self, failure: ReadFailure) -> None:
        self.check(failure)
        if failure.kind != "not_found":
            self.probe_failures.append(failure)

    # ------------------------------------------------------------------ Calico

    def _custom_list(
        self, plural: str, versions: Sequence[tuple[str, str]]
    ) -> tuple[list[JsonObject], str]:
        """List a Calico resource through the first API version that serves it.

        crd.projectcalico.org/v1 is where Calico stores everything; the
        projectcalico.org/v3 API (calico-apiserver) serves the same objects and
        may be readable when the CRDs are not, or be all there is.
        """
        failures: list[ReadFailure] = []
        for group, version in versions:
            request = f"GET /apis/{group}/{version}/{plural}"
            try:
                items = self.reader.all(
                    request, self.reader.custom.list_cluster_custom_object, group, version, plural
                )
                return items, f"{group}/{version}"
            except ReadFailure as failure:
                failures.append(failure)
                if failure.kind not in ("not_found", "forbidden"):
                    break  # a timeout or server error: do not spend another timeout
        raise _combined(failures)

    def _custom_get(
        self, plural: str, name: str, versions: Sequence[tuple[str, str]]
    ) -> JsonObject | None:
        """Get a Calico object through the first version that has it; None if none has."""
        failures: list[ReadFailure] = []
        for group, version in versions:
            request = f"GET /apis/{group}/{version}/{plural}/{name}"
            try:
                return self.reader.call(
                    request,
                    self.reader.custom.get_cluster_custom_object,
                    group,
                    version,
                    plural,
                    name,
                )
            except ReadFailure as failure:
                failures.append(failure)
                if failure.kind not in ("not_found", "forbidden"):
                    break
        if all(f.kind == "not_found" for f in failures):
            return None
        raise _combined(failures)

    def calico(self, detected: bool) -> CniResult | None:
        pools: tuple[CalicoIPPool, ...] | None = None
        pools_failure: ReadFailure | None = None
        try:
            items, api = self._custom_list("ippools", (CALICO_V1, CALICO_V3))
        except ReadFailure as failure:
            if not detected:
                self._probe_failed(failure)
                return None
            pools_failure = failure
        else:
            parsed = (parse_ip_pool(item, f"{api} IPPool", self.notes) for item in items)
            pools = tuple(p for p in parsed if p is not None)
            if not detected and not pools:
                return None  # CRDs without pools: left over from an uninstall, not running
        installation: JsonObject | None = None
        installation_failed = False
        try:
            installation = self.reader.get(
                "GET /apis/operator.tigera.io/v1/installations/default",
                self.reader.custom.get_cluster_custom_object,
                *OPERATOR,
                "installations",
                "default",
            )
        except ReadFailure as failure:
            installation_failed = True
            self.gap(
                "cluster.cni.calico.install_method",
                failure,
                "kostack reads the Tigera operator's Installation `default` for the install "
                "method, MTU and BGP; grant get on installations.operator.tigera.io.",
            )
        if pools_failure is not None:
            intent = installation_pools_text(installation)
            said = f" The operator's Installation asks for {intent}." if intent else ""
            self.gap(
                "cluster.cni.calico.ip_pools",
                pools_failure,
                _calico_hint(pools_failure, "ippools") + said,
            )
        blocks: tuple[CalicoBlock, ...] | None = None
        try:
            block_items, _ = self._custom_list("ipamblocks", (CALICO_V1, CALICO_V3))
            blocks = tuple(b for b in (parse_block(i) for i in block_items) if b is not None)
        except ReadFailure as failure:
            self.gap("cluster.cni.calico.blocks", failure, _calico_hint(failure, "ipamblocks"))
        felix, felix_failed = self._calico_settings(
            "felixconfigurations", "cluster.cni.calico.felix"
        )
        bgp_conf, bgp_failed = self._calico_settings("bgpconfigurations", "cluster.cni.calico.bgp")
        calico_config: JsonObject | None = None
        if installation is None:
            try:
                calico_config = self.reader.get(
                    "GET /api/v1/namespaces/kube-system/configmaps/calico-config",
                    self.reader.core.read_namespaced_config_map,
                    "calico-config",
                    "kube-system",
                )
            except ReadFailure as failure:
                self.gap(
                    "cluster.cni.calico.calico_config",
                    failure,
                    "calico.yaml installs keep veth_mtu and calico_backend in ConfigMap "
                    "kube-system/calico-config; grant get on configmaps in kube-system.",
                )
        objects = CalicoObjects(
            installation=installation,
            felix=felix,
            bgp_configuration=bgp_conf,
            calico_config=calico_config,
        )
        method = self._calico_install_method(objects)
        mtu, mtu_source = calico_mtu(objects, pools)
        felix_spec = _spec(felix)
        # FelixConfiguration reference: wireguardEnabled defaults to false and
        # vxlanPort to 4789; no `default` object at all means every default applies.
        wireguard = None
        vxlan_port = None
        # Calico 3.31 natOutgoingExclusions (default IPPoolsOnly); None when not readable
        exclusions = None
        if not felix_failed:
            found = felix_spec.get("natOutgoingExclusions")
            exclusions = found if found in ("IPPoolsOnly", "IPPoolsAndHostIPs") else "IPPoolsOnly"
            wireguard = (
                felix_spec.get("wireguardEnabled") is True
                or felix_spec.get("wireguardEnabledV6") is True
            )
            vxlan_port = _positive(felix_spec.get("vxlanPort")) or 4789
        # BGPConfiguration reference: nodeToNodeMeshEnabled defaults to true.
        mesh = None if bgp_failed else _spec(bgp_conf).get("nodeToNodeMeshEnabled") is not False
        bgp = None if installation_failed and calico_config is None else calico_bgp(objects)
        calico = Calico(
            install_method=method,
            ip_pools=pools,
            blocks=blocks,
            mtu=mtu,
            mtu_source=mtu_source,
            typha=self._typha(method),
            bgp=bgp,
            node_to_node_mesh=mesh,
            wireguard=wireguard,
            vxlan_port=vxlan_port,
            nat_outgoing_exclusions=exclusions,
        )
        network = tuple(p.cidr for p in pools or () if not p.disabled)
        return CniResult(cni=CNI(type="calico", calico=calico), pod_network=network)

    def _calico_settings(self, plural: str, source: str) -> tuple[JsonObject | None, bool]:
        try:
            return self._custom_get(plural, "default", (CALICO_V1, CALICO_V3)), False
        except ReadFailure as failure:
            self.gap(source, failure, _calico_hint(failure, plural))
            return None, True

    def _calico_install_method(
        self, objects: CalicoObjects
    ) -> Literal["operator", "manifest", "unknown"]:
        """Operator when its Installation `default` exists; manifest when calico-config does.

        When neither can be read, where calico-node runs decides: the operator
        deploys it in calico-system, calico.yaml in kube-system.
        """
        if objects.installation is not None:
            return "operator"
        if objects.calico_config is not None:
            return "manifest"
        spaces = self.facts.pod_cni.get("calico", [])
        if "calico-system" in spaces:
            return "operator"
        if "kube-system" in spaces:
            return "manifest"
        return "unknown"

    def _typha(self, method: str) -> bool | None:
        """Whether calico-typha runs: its Deployment, with replicas above 0."""
        namespace = {"operator": "calico-system", "manifest": "kube-system"}.get(method)
        for space in [namespace] if namespace else ["calico-system", "kube-system"]:
            try:
                deployment = self.reader.get(
                    f"GET /apis/apps/v1/namespaces/{space}/deployments/calico-typha",
                    self.reader.apps.read_namespaced_deployment,
                    "calico-typha",
                    space,
                )
            except ReadFailure as failure:
                self.check(failure)
                if self.facts.pods_known:
                    return bool(self.facts.typha_namespaces)  # its pods say as much
                self.gap(
                    "cluster.cni.calico.typha",
                    failure,
                    "kostack reads Deployment calico-typha; grant get on deployments.",
                )
                return None
            if deployment is not None:
                return _spec(deployment).get("replicas") != 0
        return False

    # ------------------------------------------------------------------ Flannel

    def flannel(self, detected: bool) -> CniResult | None:
        """kube-flannel.yml puts kube-flannel-cfg in kube-flannel (older ones: kube-system)."""
        namespaces = list(
            dict.fromkeys([*self.facts.pod_cni.get("flannel", []), "kube-flannel", "kube-system"])
        )
        configmap: JsonObject | None = None
        failures: list[ReadFailure] = []
        for space in namespaces:
            request = f"GET /api/v1/namespaces/{space}/configmaps/kube-flannel-cfg"
            try:
                configmap = self.reader.call(
                    request, self.reader.core.read_namespaced_config_map, "kube-flannel-cfg", space
                )
                break
            except ReadFailure as failure:
                failures.append(failure)
                if failure.kind not in ("not_found", "forbidden"):
                    break
        if configmap is None:
            combined = _combined(failures)
            if not detected:
                self._probe_failed(combined)
                return None
            self.gap(
                "cluster.cni.flannel",
                combined,
                "flannel keeps its settings in ConfigMap kube-flannel-cfg (net-conf.json); "
                "grant get on it, or check where flannel was installed.",
            )
            return CniResult(cni=CNI(type="flannel", flannel=None))
        ip_masq = self.facts.flannel_ip_masq
        if ip_masq is None and not self.facts.pods_known:
            ip_masq = self._flannel_daemonset_masq(namespace_of(configmap))
        flannel = parse_flannel(
            configmap, ip_masq=ip_masq, linux_only=self.facts.linux_only, notes=self.notes
        )
        network = (flannel.network,) if flannel is not None and flannel.network else ()
        return CniResult(cni=CNI(type="flannel", flannel=flannel), pod_network=network)

    def _flannel_daemonset_masq(self, namespace: str) -> bool | None:
        """--ip-masq from the DaemonSet, when its pods could not be listed."""
        try:
            daemonset = self.reader.get(
                f"GET /apis/apps/v1/namespaces/{namespace}/daemonsets/kube-flannel-ds",
                self.reader.apps.read_namespaced_daemon_set,
                "kube-flannel-ds",
                namespace,
            )
        except ReadFailure as failure:
            self.check(failure)
            return None  # the pods gap already says the agents could not be seen
        template = as_dict(_spec(daemonset).get("template"))
        return flannel_ip_masq(pod_containers(template)) if template else None

    # ------------------------------------------------------------------ Cilium

    def cilium(self, detected: bool) -> CniResult | None:
        """The Helm chart puts cilium-config beside the agents (kube-system by default)."""
        namespace = next(iter(self.facts.pod_cni.get("cilium", [])), "kube-system")
        request = f"GET /api/v1/namespaces/{namespace}/configmaps/cilium-config"
        try:
            configmap = self.reader.call(
                request, self.reader.core.read_namespaced_config_map, "cilium-config", namespace
            )
        except ReadFailure as failure:
            if not detected:
                self._probe_failed(failure)
                return None
            self.gap(
                "cluster.cni.cilium",
                failure,
                f"Cilium keeps its settings in ConfigMap {namespace}/cilium-config; grant get on "
                "it, or check where Cilium was installed.",
            )
            return CniResult(cni=CNI(type="cilium", cilium=None))
        settings = parse_cilium(configmap, self.notes)
        return CniResult(
            cni=CNI(type="cilium", cilium=settings.cilium),
            kube_proxy_replacement=settings.kube_proxy_replacement,
            pod_network=settings.pool_cidrs,
        )


def _combined(failures: Sequence[ReadFailure]) -> ReadFailure:
    """One failure for several attempts: the first one's kind, every request's error."""
    first = failures[0]
    if len(failures) == 1:
        return first
    detail = "; ".join([first.detail, *(f.error for f in failures[1:])])
    return ReadFailure(first.kind, first.request, detail, first.status)


def _calico_hint(failure: ReadFailure, plural: str) -> str:
    resource = f"{plural}.crd.projectcalico.org"
    if failure.kind == "forbidden":
        return (
            f"Grant get/list on {resource} (and {plural}.projectcalico.org) to the kubeconfig's user; "
            "until then the checks that need Calico's settings say UNKNOWN."
        )
    if failure.kind == "not_found":
        return (
            f"The {resource} CRD is not installed although Calico runs: check the install "
            f"(`kubectl get crd {resource}`)."
        )
    if failure.kind == "timeout":
        return "The API server did not answer in time; retry with a longer timeout."
    return "The API server answered with an error; retry, and check the API server's logs."
