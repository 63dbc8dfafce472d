"""OVN-Kubernetes' hops: how pod traffic crosses nodes, whether it is SNATed, who serves
Services (docs/facts.md "OVN-Kubernetes").

Every node's pods sit on its OVN logical switch (its range: annotation
``k8s.ovn.org/node-subnets``); traffic to a pod on another node is OVN's Geneve tunnel between
the nodes' encap addresses (ovn-encap-ip, the node's primary address: K8S_NODE_IP, annotation
``k8s.ovn.org/node-primary-ifaddr``) on UDP ``[default] encap-port`` (6081): outer source and
destination are node addresses, so Neutron's anti-spoofing lets it through, and the security
groups must admit UDP 6081 between the nodes both ways. Pod traffic to anything outside the
cluster subnets leaves SNATed to the node IP: by the node's gateway router (shared gateway
mode: go-controller/pkg/ovn/gateway.go, the cluster subnets' SNAT to the node's external IP),
or by the host's ``-s <cluster subnet> -j MASQUERADE`` (local mode: pkg/node/gateway_iptables.go
``getLocalGatewayPodSubnetNATRules``). With ``disable-snat-multiple-gws`` the SNATs are per
pod and left out for pods routed through external gateways, which kostack does not read.
ClusterIPs, NodePorts and the nodes' own connections to Services are OVN's load balancers
(one VIP per Service port, with its protocol): OVN-Kubernetes runs no kube-proxy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kostack.analyze.engine.kubeovn import wire_overhead
from kostack.analyze.engine.types import Disposition, Evidence, Hop
from kostack.analyze.messages import Msg, register
from kostack.model.ovnk import OvnKubernetes

if TYPE_CHECKING:
    from collections.abc import Callable

    from kostack.analyze.engine.encap import EncapDecision, _Route
    from kostack.analyze.topology import Topology
    from kostack.model.snapshot import IPAddress

# Where OpenShift keeps the settings (cluster-network-operator bindata/network/ovn-kubernetes/
# self-hosted/004-config.yaml); ovn-kubernetes' own install keeps ovn-kubernetes/ovn-config
CONFIG = "openshift-ovn-kubernetes/ovnkube-config"
# The name the engine gives OVN-Kubernetes' Service translation (ClusterIPs and NodePorts)
OVN_LB = "OVN-Kubernetes (OVN load balancers)"

register(
    {
        "hop.no-ovnk": {
            "en": "OVN-Kubernetes' settings were not collected (ConfigMap ovnkube-config, "
            "ovnkube.conf; or ovn-config and the ovnkube-node DaemonSet)",
            "ko": "OVN-Kubernetes 설정(ConfigMap ovnkube-config의 ovnkube.conf, 또는 ovn-config와 "
            "ovnkube-node DaemonSet)을 수집하지 못했습니다",
        },
        "hop.ovnk-value": {
            "en": "OVN-Kubernetes {field} has a value kostack does not model (or was not read)",
            "ko": "OVN-Kubernetes {field}에 kostack이 모델링하지 않는 값이 있습니다(또는 읽지 "
            "못했습니다)",
        },
        "hop.ovnk-transport": {
            "en": "OVN-Kubernetes [default] transport is {transport}: pods' traffic between "
            "nodes is not OVN's Geneve tunnel, and kostack does not model that transport",
            "ko": "OVN-Kubernetes [default] transport가 {transport}입니다. 노드 사이의 Pod "
            "트래픽이 OVN Geneve 터널이 아니며, kostack은 이 전송 방식을 모델링하지 않습니다",
        },
        "hop.ovnk-ipsec": {
            "en": "OVN-Kubernetes runs OVN's IPsec (ovn-ipsec pods): the Geneve tunnels run "
            "inside IPsec ESP (IP protocol 50) keyed over IKE (UDP 500 and 4500), which kostack "
            "does not model",
            "ko": "OVN-Kubernetes가 OVN IPsec(ovn-ipsec Pod)을 실행하여 Geneve 터널이 IKE(UDP 500, "
            "4500)로 키를 맺는 IPsec ESP(IP 프로토콜 50) 안에서 전달되며, kostack은 이를 "
            "모델링하지 않습니다",
        },
        "hop.ovnk-ipsec-full": {
            "en": "OpenShift's Network operator has ipsecConfig.mode Full (encapsulation "
            "{encapsulation}): OVN's Geneve between the nodes runs inside IPsec ESP (IP protocol "
            "50; with a NAT or encapsulation Always ESP in UDP 4500), keyed over IKE on UDP 500: "
            "the security groups must admit ESP, UDP 500 and UDP 4500 between the nodes both "
            "ways, and kostack judges one protocol per tunnel, so it does not decide this",
            "ko": "OpenShift Network 오퍼레이터의 ipsecConfig.mode가 Full(encapsulation "
            "{encapsulation})입니다. 노드 사이의 OVN Geneve는 IKE(UDP 500)로 키를 맺는 IPsec "
            "ESP(IP 프로토콜 50, NAT가 있거나 encapsulation Always이면 UDP 4500 안의 ESP) 안에서 "
            "전달됩니다. 보안 그룹은 노드 사이 양방향으로 ESP, UDP 500, UDP 4500을 허용해야 "
            "하며, kostack은 터널마다 프로토콜 하나만 판단하므로 이를 판단하지 않습니다",
        },
        "hop.ovnk-ipsec-leaving": {
            "en": "OpenShift's Network operator has ipsecConfig.mode {mode}, yet ovn-ipsec pods "
            "run: the operator keeps them until OVN's IPsec is off, so the Geneve tunnels may "
            "still run inside ESP",
            "ko": "OpenShift Network 오퍼레이터의 ipsecConfig.mode가 {mode}인데도 ovn-ipsec Pod가 "
            "실행 중입니다. 오퍼레이터는 OVN IPsec이 꺼질 때까지 이 Pod를 유지하므로 Geneve "
            "터널이 아직 ESP 안에서 전달될 수 있습니다",
        },
        "why.ovnk-geneve": {
            "en": "OVN-Kubernetes: OVN's Geneve tunnel between the nodes' addresses "
            "([default] encap-port {port})",
            "ko": "OVN-Kubernetes: 노드 주소 사이의 OVN Geneve 터널 ([default] encap-port {port})",
        },
        "hop.ovnk-masq-shared": {
            "en": "OVN-Kubernetes (gateway mode shared): {ip} is SNATed to the node IP by the "
            "node's OVN gateway router",
            "ko": "OVN-Kubernetes (gateway mode shared): 노드의 OVN 게이트웨이 라우터가 {ip:을/를} "
            "노드 IP로 SNAT합니다",
        },
        "hop.ovnk-masq-local": {
            "en": "OVN-Kubernetes (gateway mode local): {ip} leaves through the host, which "
            "masquerades it to the node IP",
            "ko": "OVN-Kubernetes (gateway mode local): {ip:이/가} 호스트를 거쳐 나가며 호스트가 "
            "노드 IP로 마스커레이드합니다",
        },
        "hop.ovnk-no-snat-gws": {
            "en": "OVN-Kubernetes [gateway] disable-snat-multiple-gws is true: each pod gets its "
            "own SNAT, except pods routed through external gateways (namespace annotation "
            "k8s.ovn.org/routing-external-gws, AdminPolicyBasedExternalRoutes), which kostack "
            "does not read",
            "ko": "OVN-Kubernetes [gateway] disable-snat-multiple-gws가 true입니다. Pod마다 SNAT가 "
            "따로 걸리지만 외부 게이트웨이로 라우팅되는 Pod(네임스페이스 어노테이션 "
            "k8s.ovn.org/routing-external-gws, AdminPolicyBasedExternalRoutes)는 제외되며, "
            "kostack은 이를 읽지 않습니다",
        },
        "proxy.ovnk": {
            "en": "OVN-Kubernetes' OVN load balancer",
            "ko": "OVN-Kubernetes의 OVN 로드 밸런서",
        },
        "icmp.ovnk": {
            "en": "whatever comes after them: OVN-Kubernetes gives each Service port its own "
            "TCP/UDP/SCTP VIP, so none matches ICMP; OVN routes the ping on, and what answers "
            "(OVN, the node or nothing) is not decided here",
            "ko": "그다음 처리에 달려 있음: OVN-Kubernetes는 서비스 포트마다 TCP/UDP/SCTP VIP를 "
            "두므로 ICMP와 일치하는 VIP가 없고, OVN은 ping을 그대로 라우팅하며, 무엇이 "
            "응답할지(OVN, 노드, 무응답)는 여기서 판단하지 않음",
        },
    }
)


def settings_of(topo: Topology) -> OvnKubernetes | None:
    """OVN-Kubernetes' settings when it is the CNI and they were read."""
    cl = topo.snapshot.cluster
    if cl is None or cl.cni.type != "ovn-kubernetes":
        return None
    return cl.cni.ovn_kubernetes


def where(ovnk: OvnKubernetes | None) -> str:
    return (ovnk.config_map if ovnk is not None else None) or CONFIG


def route(route: _Route, ovnk: OvnKubernetes | None) -> EncapDecision:
    """How OVN-Kubernetes carries traffic from ``route``'s node to a pod on another."""
    if ovnk is None:
        return route.unknown(Msg("hop.no-ovnk"))
    if ovnk.transport not in (None, "", "geneve"):
        return route.unknown(Msg("hop.ovnk-transport", transport=ovnk.transport))
    if ovnk.encap_type is None:
        return route.unknown(Msg("hop.ovnk-value", field="[default] encap-type"))
    ipsec = _ipsec(ovnk)
    if ipsec is not None:
        return route.unknown(ipsec)
    port = ovnk.encap_port
    if port is None:
        return route.unknown(Msg("hop.ovnk-value", field="[default] encap-port"))
    ev: tuple[Evidence, ...] = (
        Evidence("configmap", where(ovnk), "[default] encap-type", ovnk.encap_type),
        Evidence("configmap", where(ovnk), "[default] encap-port", str(port)),
    )
    mode = ovnk.operator.ipsec_mode if ovnk.operator is not None else None
    if mode is not None:  # External: IPsec to hosts outside the cluster only
        ev += (Evidence("network.operator", "cluster", "ipsecConfig.mode", mode),)
    # ovn-encap-ip is one address per node: its primary one (K8S_NODE_IP)
    family = route.src.ip.version if route.src.ip is not None else route.dst_ip.version
    why = Msg("why.ovnk-geneve", port=port)
    return route.encap("Geneve", 17, port, wire_overhead("geneve", family), ev, why, family)


def _ipsec(ovnk: OvnKubernetes) -> str | None:
    """Why OVN's IPsec leaves the tunnel undecided, None when the nodes' Geneve is plain.
    The Network operator's ipsecConfig.mode decides (cluster-network-operator
    pkg/network/ovn_kubernetes.go): Full sets OVN's nb_global ipsec=true, so every Geneve
    tunnel runs inside ESP in transport mode (ovs-monitor-ipsec's libreswan conns), keyed over
    IKE on UDP 500 and, with a NAT or encapsulation Always, carried in UDP 4500: more than the
    one protocol a tunnel is judged on. External and Disabled render no ovn-ipsec DaemonSet;
    its pods then mean OVN's IPsec is still being turned off."""
    mode = ovnk.operator.ipsec_mode if ovnk.operator is not None else None
    if mode == "Full":
        encap = (ovnk.operator.ipsec_encapsulation if ovnk.operator else None) or "Auto"
        return Msg("hop.ovnk-ipsec-full", encapsulation=encap)
    if ovnk.ipsec is None:
        return Msg("hop.ovnk-value", field="IPsec (ovn-ipsec pods)")
    if ovnk.ipsec and mode in ("External", "Disabled"):
        return Msg("hop.ovnk-ipsec-leaving", mode=mode)
    return Msg("hop.ovnk-ipsec") if ovnk.ipsec else None


def _unknown(detail: str) -> tuple[Hop, bool]:
    return Hop("nat-outgoing", "", Disposition.UNKNOWN, detail, cause="gap"), False


def masquerade(
    topo: Topology,
    src_ip: IPAddress,
    dst_ip: IPAddress,
    ovnk: OvnKubernetes | None,
    nat_hop: Callable[[str, bool, Topology, tuple[Evidence, ...]], Hop],
) -> tuple[Hop, bool] | None:
    """The gateway's SNAT (module docstring) of pod traffic to anything outside the cluster's
    pod ranges, other nodes included. None for a pod destination."""
    subnets = ovnk.cluster_subnets if ovnk is not None else None
    if topo.node_of_pod_ip(dst_ip) is not None or any(dst_ip in c for c in subnets or ()):
        return None
    if ovnk is None:
        return _unknown(Msg("hop.no-ovnk"))
    if ovnk.gateway_mode is None:
        return _unknown(Msg("hop.ovnk-value", field="[gateway] mode"))
    if ovnk.disable_snat_multiple_gws is None:
        return _unknown(Msg("hop.ovnk-value", field="[gateway] disable-snat-multiple-gws"))
    if ovnk.disable_snat_multiple_gws:
        return _unknown(Msg("hop.ovnk-no-snat-gws"))
    mode = ovnk.gateway_mode
    ev = (Evidence("configmap", where(ovnk), "[gateway] mode", mode),)
    return nat_hop(Msg(f"hop.ovnk-masq-{mode}", ip=src_ip), False, topo, ev), True


def serves_services(topo: Topology) -> bool:
    """OVN-Kubernetes is the CNI: its OVN load balancers serve ClusterIPs, NodePorts and the
    nodes' own connections (go-controller/pkg/ovn/controller/services), no kube-proxy needed."""
    cl = topo.snapshot.cluster
    return cl is not None and cl.cni.type == "ovn-kubernetes"
