"""Read what announces virtual IPs: MetalLB's pools and advertisements, kube-vip's pods
(docs/facts.md "Virtual IPs").

MetalLB is recognised by its pods (metallb-native.yaml labels them app=metallb, its Helm
chart app.kubernetes.io/name=metallb); only then are its IPAddressPools, L2Advertisements and
BGPAdvertisements (metallb.io/v1beta1, namespaced) and BGPPeers (metallb.io/v1beta2, served
since v0.13, MetalLB's first CRD release) listed: one list request per kind, paged by the
shared reader. kube-vip is recognised by its image (ghcr.io/kube-vip/kube-vip, or
plndr/kube-vip before) and read from the pods already listed (pkg/kubevip/config_envvar.go:
``address``/``vip_address``, ``vip_arp``, ``bgp_enable``, ``cp_enable``, ``svc_enable``,
``vip_interface``): no request.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from kostack.collect._kube_objects import (
    as_dict,
    as_list,
    labels_of,
    name_of,
    namespace_of,
    parse_cidrs,
    pod_containers,
)
from kostack.collect._kube_reader import Reader
from kostack.collect._kube_types import ReadFailure
from kostack.collect._lb_controllers import kube_vip_cloud_provider, servicelb_service
from kostack.collect._metallb_speaker import parse_controller, parse_speaker
from kostack.collect._occm import occm_container, parse_occm
from kostack.collect._occm_config import (
    CloudConfigRef,
    cloud_config_ref,
    read_load_balancer_enabled,
)
from kostack.gap_words import Msg
from kostack.model.snapshot import (
    CloudController,
    IPNetwork,
    KubeVip,
    LabelSelector,
    LBController,
    MetalLB,
    MetalLBAdvertisement,
    MetalLBController,
    MetalLBPeer,
    MetalLBPool,
    MetalLBSpeaker,
    VirtualIPs,
)
from kostack.shell import as_code, render

SOURCE: Final = "cluster.virtual_ips.metallb"
GROUP: Final = ("metallb.io", "v1beta1")
# plural -> what it is read into
KINDS: Final = ("ipaddresspools", "l2advertisements", "bgpadvertisements", "bgppeers")
VERSIONS: Final = {"bgppeers": "v1beta2"}  # the others: GROUP's v1beta1
_TRUE: Final = frozenset({"1", "t", "true", "yes", "y", "on"})  # Go ParseBool, lower-cased

GapSink = Callable[[str, ReadFailure, str], None]
# a k3s server's ServiceLB (collect/_k3s.py): True on, False off, None not known; "" not k3s
_SERVICELB: Final[dict[bool | str | None, Literal["on", "off", "unknown"]]] = {
    True: "on",
    False: "off",
    None: "unknown",
}


def _is_metallb(labels: Mapping[str, str]) -> bool:
    return labels.get("app") == "metallb" or labels.get("app.kubernetes.io/name") == "metallb"


def _is_kube_vip(image: str) -> bool:
    """ghcr.io/kube-vip/kube-vip:v0.8.0, plndr/kube-vip:0.3.1 (not kube-vip-cloud-provider)."""
    last = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return last.split(":", 1)[0] == "kube-vip"


def _env(container: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(e.get("name")): str(e.get("value"))
        for e in as_list(container.get("env"))
        if isinstance(e, dict) and isinstance(e.get("value"), str)
    }


def parse_kube_vip(pod: Mapping[str, Any]) -> KubeVip | None:
    """kube-vip's settings from the pod's kube-vip container; None when it has none."""
    for container in pod_containers(pod):
        image = str(container.get("image") or "")
        if not _is_kube_vip(image):
            continue
        env = _env(container)

        def on(name: str, env: dict[str, str] = env) -> bool:
            return env.get(name, "").strip().lower() in _TRUE

        return KubeVip(
            namespace=namespace_of(pod),
            pod=name_of(pod),
            node=str(as_dict(pod.get("spec")).get("nodeName") or "") or None,
            image=image,
            address=(env.get("address") or env.get("vip_address") or "").strip() or None,
            arp=on("vip_arp"),
            bgp=on("bgp_enable"),
            control_plane=on("cp_enable"),
            services=on("svc_enable"),
            interface=env.get("vip_interface") or None,
        )
    return None


@dataclass
class VipPods:
    """What the pod list says about MetalLB and kube-vip, gathered while it is read."""

    metallb_namespaces: list[str] = field(default_factory=list)
    metallb_image: str | None = None
    # the Helm release its pods name (the chart's app.kubernetes.io/instance)
    metallb_release: str | None = None
    # the first speaker pod's settings (a DaemonSet's pods share them)
    metallb_speaker: MetalLBSpeaker | None = None
    # the first controller pod's settings
    metallb_controller: MetalLBController | None = None
    # the first OpenStack cloud controller pod's (collect/_occm.py)
    occm: CloudController | None = None
    # the Secret its cloud.conf comes from (collect/_occm_config.py)
    occm_config: CloudConfigRef | None = None
    kube_vip: list[KubeVip] = field(default_factory=list)
    # ServiceLB's first pod and the Services its pods serve; kube-vip-cloud-provider's pod
    servicelb: tuple[str, str] | None = None
    servicelb_services: dict[str, None] = field(default_factory=dict)
    kube_vip_cloud_provider: LBController | None = None

    def lb_controllers(self) -> tuple[LBController, ...]:
        out = [self.kube_vip_cloud_provider] if self.kube_vip_cloud_provider else []
        if self.servicelb is not None:
            namespace, pod = self.servicelb
            services = tuple(self.servicelb_services)
            out.append(
                LBController(kind="servicelb", namespace=namespace, pod=pod, services=services)
            )
        return tuple(out)

    def add_pod(self, pod: Mapping[str, Any]) -> None:
        labels = labels_of(pod)
        if _is_metallb(labels):
            namespace = namespace_of(pod)
            if namespace not in self.metallb_namespaces:
                self.metallb_namespaces.append(namespace)
            if labels.get("app.kubernetes.io/name") == "metallb":
                self.metallb_release = labels.get("app.kubernetes.io/instance") or None
            component = labels.get("component") or labels.get("app.kubernetes.io/component")
            if component == "speaker" and self.metallb_speaker is None:
                self.metallb_speaker = parse_speaker(pod)
            if component == "controller" and self.metallb_controller is None:
                self.metallb_controller = parse_controller(pod)
            if component == "speaker" and self.metallb_image is None:
                self.metallb_image = next(
                    (
                        str(c.get("image"))
                        for c in pod_containers(pod)
                        if c.get("name") == "speaker"
                    ),
                    None,
                )
            return
        served = servicelb_service(pod)
        if served is not None:
            self.servicelb = self.servicelb or (namespace_of(pod), name_of(pod))
            self.servicelb_services[served] = None
            return
        if self.kube_vip_cloud_provider is None:
            self.kube_vip_cloud_provider = kube_vip_cloud_provider(pod)
        if self.occm is None:
            self.occm = parse_occm(pod)
            container = occm_container(pod) if self.occm is not None else None
            if container is not None:
                self.occm_config = cloud_config_ref(pod, container)
        vip = parse_kube_vip(pod)
        if vip is not None:
            self.kube_vip.append(vip)


def _range_cidrs(text: str) -> tuple[IPNetwork, ...] | None:
    """``a-b`` as the CIDRs that cover exactly it (MetalLB internal/config: a range is
    "start-end", both included); None when it does not parse."""
    start, _, end = text.partition("-")
    try:
        first = ipaddress.ip_address(start.strip())
        last = ipaddress.ip_address(end.strip())
        return tuple(ipaddress.summarize_address_range(first, last))
    except (ValueError, TypeError):
        return None


def parse_pool(obj: Mapping[str, Any]) -> MetalLBPool | None:
    """An IPAddressPool; None when an address does not parse (a note of the reader's)."""
    spec = as_dict(obj.get("spec"))
    written = [str(a).strip() for a in as_list(spec.get("addresses"))]
    cidrs: list[IPNetwork] = []
    for text in written:
        found = _range_cidrs(text) if "-" in text else parse_cidrs(text)
        if not found:
            return None
        cidrs.extend(c for c in found if c not in cidrs)
    return MetalLBPool(
        name=name_of(obj),
        namespace=namespace_of(obj),
        cidrs=tuple(cidrs),
        addresses=tuple(written),
        auto_assign=spec.get("autoAssign") is not False,
        labels=labels_of(obj),
    )


OPERATORS: Final = ("In", "NotIn", "Exists", "DoesNotExist")  # metav1.LabelSelectorOperator


def parse_selector(raw: object) -> LabelSelector | None:
    """None when an operator is none of a LabelSelector's (the CRD's schema lets it in;
    Kubernetes' LabelSelectorAsSelector, and so MetalLB, refuses it)."""
    body = as_dict(raw)
    expressions = [as_dict(x) for x in as_list(body.get("matchExpressions"))]
    if any(e.get("operator") not in OPERATORS for e in expressions):
        return None
    return LabelSelector(
        match_labels={str(k): str(v) for k, v in as_dict(body.get("matchLabels")).items()},
        match_expressions=tuple(
            {
                "key": str(e.get("key")),
                "operator": str(e.get("operator")),
                "values": tuple(str(v) for v in as_list(e.get("values"))),
            }
            for e in expressions
        ),
    )


def parse_advertisement(obj: Mapping[str, Any], kind: str) -> MetalLBAdvertisement | None:
    """An L2Advertisement or BGPAdvertisement; None when a selector does not parse."""
    spec = as_dict(obj.get("spec"))
    pool_selectors = [parse_selector(s) for s in as_list(spec.get("ipAddressPoolSelectors"))]
    node_selectors = [parse_selector(s) for s in as_list(spec.get("nodeSelectors"))]
    if None in pool_selectors or None in node_selectors:
        return None
    return MetalLBAdvertisement(
        name=name_of(obj),
        kind="l2" if kind == "l2advertisements" else "bgp",
        namespace=namespace_of(obj),
        pools=tuple(str(p) for p in as_list(spec.get("ipAddressPools"))),
        pool_selectors=tuple(s for s in pool_selectors if s is not None),
        node_selectors=tuple(s for s in node_selectors if s is not None),
        interfaces=tuple(str(i) for i in as_list(spec.get("interfaces"))),
        peers=tuple(str(p) for p in as_list(spec.get("peers")))
        if kind != "l2advertisements"
        else (),
    )


def _asn(raw: object) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0 else None


def _ip(raw: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(str(raw or "").strip())
    except ValueError:
        return None


def parse_peer(obj: Mapping[str, Any]) -> MetalLBPeer | None:
    """A BGPPeer (api/v1beta2 bgppeer_types.go); None when a node selector does not parse.
    Its password is never read."""
    spec = as_dict(obj.get("spec"))
    selectors = [parse_selector(s) for s in as_list(spec.get("nodeSelectors"))]
    if None in selectors:
        return None
    return MetalLBPeer(
        name=name_of(obj),
        namespace=namespace_of(obj),
        address=_ip(spec.get("peerAddress")),
        interface=str(spec.get("interface") or "") or None,
        my_asn=_asn(spec.get("myASN")) or 0,
        peer_asn=_asn(spec.get("peerASN")) or None,
        node_selectors=tuple(s for s in selectors if s is not None),
        port=_asn(spec.get("peerPort")) or 179,  # the CRD's default
        source_address=_ip(spec.get("sourceAddress")),
    )


def _version(image: str | None) -> str | None:
    if not image or ":" not in image.rsplit("/", 1)[-1]:
        return None
    return image.rsplit(":", 1)[1].split("@", 1)[0] or None


def read_metallb(reader: Reader, pods: VipPods, gap: GapSink) -> MetalLB | None:
    """MetalLB's pools, advertisements and BGP peers when its pods run (four list
    requests)."""
    if not pods.metallb_namespaces:
        return None
    lists: dict[str, list[dict[str, Any]]] = {}
    for plural in KINDS:
        version = VERSIONS.get(plural, GROUP[1])
        try:
            lists[plural] = reader.all(
                f"GET /apis/metallb.io/{version}/{plural}",
                reader.custom.list_cluster_custom_object,
                GROUP[0],
                version,
                plural,
            )
        except ReadFailure as failure:
            argv = ["kubectl", "get", f"{plural}.metallb.io", "-A", "-o", "yaml"]
            gap(
                SOURCE,
                failure,
                Msg("gap.hint.metallb", plural=plural, command=as_code(render(argv))),
            )
    pools: tuple[MetalLBPool, ...] | None = None
    if "ipaddresspools" in lists:
        parsed = [parse_pool(o) for o in lists["ipaddresspools"]]
        pools = tuple(p for p in parsed if p is not None)
        if len(pools) != len(parsed):
            pools = None  # an address kostack cannot read: which IPs are announced is unknown
    ads: tuple[MetalLBAdvertisement, ...] | None = None
    if "l2advertisements" in lists and "bgpadvertisements" in lists:
        said = [
            parse_advertisement(o, plural)
            for plural in ("l2advertisements", "bgpadvertisements")
            for o in lists[plural]
        ]
        # a selector kostack cannot read: which pools go out from which nodes is unknown
        ads = None if None in said else tuple(a for a in said if a is not None)
    peers: tuple[MetalLBPeer, ...] | None = None
    if "bgppeers" in lists:
        found = [parse_peer(o) for o in lists["bgppeers"]]
        # a selector kostack cannot read: which nodes hold sessions is unknown
        peers = None if None in found else tuple(p for p in found if p is not None)
    return MetalLB(
        namespace=pods.metallb_namespaces[0],
        version=_version(pods.metallb_image),
        helm_release=pods.metallb_release,
        speaker=pods.metallb_speaker,
        controller=pods.metallb_controller,
        pools=pools,
        advertisements=ads,
        peers=peers,
    )


def read_virtual_ips(
    reader: Reader,
    pods: VipPods,
    pods_known: bool,
    control_plane_endpoint: str | None,
    gap: GapSink,
    servicelb: bool | str | None = "",
) -> VirtualIPs | None:
    """None when the pods could not be listed (whether MetalLB or kube-vip runs is unknown)."""
    if not pods_known:
        return None
    return VirtualIPs(
        metallb=read_metallb(reader, pods, gap),
        occm=(
            read_load_balancer_enabled(reader, pods.occm, pods.occm_config, gap)
            if pods.occm is not None
            else CloudController(found=False)
        ),
        kube_vip=tuple(pods.kube_vip),
        lb_controllers=pods.lb_controllers(),
        servicelb=_SERVICELB.get(servicelb),
        control_plane_endpoint=control_plane_endpoint,
    )
