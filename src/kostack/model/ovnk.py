"""OVN-Kubernetes' settings in a snapshot (docs/facts.md "OVN-Kubernetes").

Where they live: OpenShift's cluster-network-operator renders ConfigMap ``ovnkube-config``
(namespace openshift-ovn-kubernetes), key ``ovnkube.conf``, an INI file that ovnkube reads
(ovn-org/ovn-kubernetes go-controller/pkg/config/config.go: ``[default] mtu``, ``encap-type``,
``encap-port``, ``cluster-subnets``; ``[kubernetes] service-cidrs``; ``[gateway] mode``).
ovn-kubernetes' own install (dist/templates) keeps a few of them in ConfigMap ``ovn-config``
(namespace ovn-kubernetes: ``mtu``, ``net_cidr``, ``svc_cidr``) and the rest in the ovnkube-node
DaemonSet's environment (``OVN_ENCAP_PORT``, ``OVN_GATEWAY_MODE``), which dist/images/ovnkube.sh
turns into flags. Each node's pod range is its annotation ``k8s.ovn.org/node-subnets``
(``{"default": "10.128.0.0/23"}``), not its spec.podCIDR.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kostack.model.types import CIDRSet, Name, Record

# config.go DefaultEncapPort; OVN's only tunnel here is Geneve (config.go EncapType "geneve")
OVNK_GENEVE_PORT = 6081
# Each node's pod range (go-controller/pkg/util/subnet_annotations.go), and the label of OVN's
# IPsec pods (dist/templates/ovn-ipsec.yaml.j2; OpenShift's ovn-ipsec-host DaemonSet)
OVNK_NODE_SUBNETS = "k8s.ovn.org/node-subnets"
OVN_IPSEC_APP = "ovn-ipsec"
# config.go's default [default] mtu when nothing sets it (dist/images/ovnkube.sh OVN_MTU too)
OVNK_DEFAULT_MTU = 1400


class OvnkOperator(Record):
    """OpenShift's Network operator config (network.operator.openshift.io ``cluster``,
    ``spec.defaultNetwork.ovnKubernetesConfig``), which cluster-network-operator renders
    ovnkube.conf from (pkg/network/ovn_kubernetes.go). What runs is the rendered ConfigMap:
    where the two disagree the ConfigMap wins (the operator has not rolled it out yet).
    Every field is None when it is not set (the operator's default applies)."""

    mtu: int | None = Field(default=None, ge=68, le=65535)
    geneve_port: int | None = Field(default=None, ge=1, le=65535)
    # gatewayConfig.routingViaHost: true renders [gateway] mode=local, else shared
    routing_via_host: bool | None = None
    # GetIPsecMode: no ipsecConfig -> Disabled; ipsecConfig without a mode -> Full (the API
    # before 4.15); External: IPsec to external hosts only, the nodes' Geneve stays plain
    ipsec_mode: Literal["Disabled", "External", "Full"] | None = None
    # ipsecConfig.full.encapsulation (Auto when unset): "Always" forces NAT-T (ESP in UDP
    # 4500); Auto: ESP (IP protocol 50) unless IKE finds a NAT
    ipsec_encapsulation: Name | None = None
    # v4InternalSubnet: OVN's join subnet (cluster-network-operator's V4JoinSubnet), between
    # the gateway routers and the cluster router; read, not yet judged
    v4_internal_subnet: CIDRSet | None = None


class OvnKubernetes(Record):
    """What OVN-Kubernetes was read with. Every field is None when it was not read: the
    analysis then says UNKNOWN rather than assume a default."""

    # Where the settings were read: "openshift-ovn-kubernetes/ovnkube-config" (ovnkube.conf)
    # or "ovn-kubernetes/ovn-config" with the ovnkube-node DaemonSet's environment
    config_map: Name | None = None
    # [default] encap-type (default "geneve"); a value kostack does not model is None
    encap_type: Literal["geneve"] | None = None
    # [default] encap-port (6081): Geneve's UDP port between the nodes' addresses
    encap_port: int | None = Field(default=None, ge=1, le=65535)
    # [default] transport (OpenShift's newer "no-overlay" leaves Geneve out): as written, ""
    # when unset (Geneve)
    transport: Name | None = None
    # [default] mtu: the pods' MTU (ovnkube's default 1400)
    mtu: int | None = Field(default=None, ge=68, le=65535)
    # [gateway] mode: "shared" (the node's NIC in br-ex, OVN's gateway router SNATs pod
    # egress to the node IP) or "local" (egress leaves through the host, which masquerades it)
    gateway_mode: Literal["shared", "local"] | None = None
    # [gateway] disable-snat-multiple-gws (default false): per-pod SNATs, none for pods whose
    # namespace routes through external gateways
    disable_snat_multiple_gws: bool | None = None
    # [default] cluster-subnets ("cidr/hostPrefix", comma-separated): the pods' ranges
    cluster_subnets: CIDRSet | None = None
    host_prefixes: tuple[int, ...] | None = None
    # [kubernetes] service-cidrs
    service_cidrs: CIDRSet | None = None
    # OVN's IPsec (pods labelled app=ovn-ipsec run, the ovn-ipsec / ovn-ipsec-host DaemonSet):
    # the tunnels run inside ESP. None: the pods were not listed.
    ipsec: bool | None = None
    # Each node's k8s.ovn.org/node-subnets "default" range(s), by node name (a node without the
    # annotation is absent); None: the nodes were not read
    node_subnets: dict[Name, CIDRSet] | None = None
    # OpenShift's Network operator config (None: not OpenShift, or it could not be read)
    operator: OvnkOperator | None = None
