"""The CNI's settings in a snapshot: Calico, Flannel, Cilium, kube-router, Antrea, Kube-OVN and
OVN-Kubernetes (model/ovnk.py; docs/snapshot.md)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Literal

from pydantic import Field, field_validator

from kostack.model.ovnk import OvnKubernetes
from kostack.model.types import CIDR, IP, CIDRSet, IPAddress, Name, Record

EncapMode = Literal["Always", "CrossSubnet", "Never"]


class CalicoIPPool(Record):
    name: Name
    cidr: CIDR
    ipip_mode: EncapMode = "Never"
    vxlan_mode: EncapMode = "Never"
    # None: not collected (the engine then decides both ways)
    nat_outgoing: bool | None = False
    block_size: int | None = Field(default=None, ge=0, le=128)
    disabled: bool = False
    source: Name | None = None
    # spec.nodeSelector (Calico selector syntax); None: every node (unset, "all()") or not
    # collected. kostack.model.calico_selector evaluates it against a node's labels.
    node_selector: str | None = Field(default=None, max_length=1024)

    @property
    def version(self) -> int:
        """4 or 6: the pool's family (Calico allows IPIP on IPv4 pools only)."""
        return self.cidr.version


class CalicoBlock(Record):
    cidr: CIDR
    node: Name | None = None


class CalicoBGPPeer(Record):
    """A BGPPeer (crd.projectcalico.org/v1, cluster-scoped; docs/facts.md "BGPPeers"): the
    nodes it applies to (``node``, else ``node_selector``, else every node) peer with the
    Calico nodes ``peer_selector`` selects, or with ``peer_ip``."""

    name: Name
    node: Name | None = None
    node_selector: str | None = Field(default=None, max_length=1024)
    peer_selector: str | None = Field(default=None, max_length=1024)
    peer_ip: Name | None = None  # as written: an address, maybe with ":port"
    as_number: int | None = Field(default=None, ge=0, le=4294967295)
    # spec.localASNumber as written: the AS the local nodes speak in a `peerIP` peer's
    # sessions (confd sets BIRD's `local as` from it, and leaves it out of a `peerSelector`
    # peer's sessions: docs/facts.md "A BGPPeer's localASNumber"). None: not set.
    local_as_number: int | None = Field(default=None, ge=0, le=4294967295)
    # spec.password.secretKeyRef is set (the secret is never read)
    password: bool = False


class CalicoFelixNode(Record):
    """A node's own Calico eBPF settings where they differ (docs/facts.md "Calico's eBPF data
    plane"): its calico-node pod's FELIX_* variables, else its FelixConfiguration
    `node.<name>`; only the fields whose value on that node differs from the cluster-wide
    one; None: the node has the cluster-wide value."""

    bpf_enabled: bool | None = None
    bpf_external_service_mode: Literal["Tunnel", "DSR"] | None = None
    bpf_dsr_optout_cidrs: CIDRSet | None = None
    bpf_exclude_cidrs_from_nat: CIDRSet | None = None
    vxlan_port: int | None = Field(default=None, ge=1, le=65535)


class Calico(Record):
    install_method: Literal["operator", "manifest", "unknown"] = "unknown"
    ip_pools: tuple[CalicoIPPool, ...] | None = None
    blocks: tuple[CalicoBlock, ...] | None = None
    # The pod MTU configured or reported (Installation status.mtu, veth_mtu, Felix's); None: detected
    mtu: int | None = Field(default=None, ge=68, le=65535)
    mtu_source: Name | None = None
    # True: derived from the host interface (veth_mtu "0" or unset); False: set; None: not read
    mtu_auto: bool | None = None
    typha: bool | None = None
    # The nodes calico-typha's pods run on (spec.nodeName of the pods labelled
    # k8s-app=calico-typha that are not finished or being deleted): every calico-node
    # connects to one of them on TCP 5473. None: the pods were not read (or an older snapshot).
    typha_nodes: tuple[Name, ...] | None = None
    bgp: bool | None = None
    node_to_node_mesh: bool | None = None
    # WireGuard on in either family (wireguardEnabled or wireguardEnabledV6); None: not read
    wireguard: bool | None = None
    # Each family's own switch; None in older snapshots, where `wireguard` stands for IPv4's
    wireguard_v4: bool | None = None
    wireguard_v6: bool | None = None
    # FelixConfiguration vxlanPort (Calico's default 4789); None when not collected.
    vxlan_port: int | None = Field(default=None, ge=1, le=65535)
    # natOutgoingExclusions (Calico 3.31+; "IPPoolsOnly" unset, as before it); None: not read
    nat_outgoing_exclusions: Literal["IPPoolsOnly", "IPPoolsAndHostIPs"] | None = None
    # programClusterRoutes (Calico 3.31+): Felix, not BIRD, programs IPIP routes; false: unset
    program_cluster_routes: bool | None = None
    # FelixConfiguration featureDetectOverride as written ("" when unset; None: Felix's
    # settings were not read). "MASQFullyRandom=false" in it turns off natOutgoing's
    # MASQUERADE --random-fully (engine/stateless.py `masquerade_ports`).
    feature_detect_override: Name | None = None
    # Calico's eBPF data plane (docs/facts.md "Calico's eBPF data plane"): FelixConfiguration
    # bpfEnabled, or the operator's Installation calicoNetwork.linuxDataplane "BPF"; Felix then
    # serves Services in place of kube-proxy. None: not read (or a snapshot from before it).
    bpf_enabled: bool | None = None
    # FelixConfiguration bpfExternalServiceMode ("Tunnel" when unset): how a NodePort or
    # LoadBalancer connection from outside reaches a backend on another node. Both tunnel the
    # request in VXLAN on `vxlan_port`; "DSR" answers straight from the backend's node with
    # the ingress address as source. None: Felix's settings were not read.
    bpf_external_service_mode: Literal["Tunnel", "DSR"] | None = None
    # FelixConfiguration bpfDSROptoutCIDRs: clients in them get Tunnel treatment under DSR
    # (felix/bpf-gpl/tc.c `CALI_CT_FLAG_NP_NO_DSR`). None: not read; () when unset.
    bpf_dsr_optout_cidrs: CIDRSet | None = None
    # FelixConfiguration bpfExcludeCIDRsFromNAT: Service frontends whose address is in them
    # (a node's own for its NodePorts) are left to the host (bpf/proxy syncer.go
    # NATFlgExclude). None: not read; () when unset.
    bpf_exclude_cidrs_from_nat: CIDRSet | None = None
    # The fields above (and vxlan_port) are the cluster-wide values Felix takes: calico-node's
    # FELIX_BPFENABLED, FELIX_BPFEXTERNALSERVICEMODE, FELIX_BPFDSROPTOUTCIDRS,
    # FELIX_BPFEXCLUDECIDRSFROMNAT, FELIX_VXLANPORT first, then FelixConfiguration `default` (None where some node's value is not known).
    # Nodes whose calico-node pod's environment or `node.<name>` changes one, by name:
    felix_nodes: dict[str, CalicoFelixNode] = Field(default_factory=dict)
    # Those FELIX_* variables set from a valueFrom kostack did not read (their field is None)
    felix_env_unread: tuple[Name, ...] = ()
    # Where calico-node mounts a volume over Felix's config file /etc/calico/felix.cfg, which
    # Felix reads after its environment and before any FelixConfiguration (the fields the
    # environment leaves unset are None): node names, or "calico-node" (the DaemonSet's
    # template, the pods not listed)
    felix_config_file: tuple[Name, ...] = ()
    # Installation linuxDataplane BPF, FelixConfiguration `default` not on yet: the operator
    # writes bpfEnabled once calico-node's rollout is complete (tigera/operator bpf.go), so
    # `bpf_enabled` is not known where no node's own setting decides it. `bpf_rollout`: (pods
    # on the newest template, pods): the DaemonSet's updatedNumberScheduled and
    # desiredNumberScheduled, else the pods' pod-template-generation labels. `bpf_unobserved`:
    # (metadata.generation, status.observedGeneration) of calico-node's DaemonSet while its
    # controller has not observed the newest: the rollout has not started.
    bpf_transition: bool = False
    bpf_rollout: tuple[int, int] | None = None
    bpf_unobserved: tuple[int, int] | None = None
    # TigeraStatus `calico` during the transition: ("Degraded" or "Progressing", "reason:
    # message", redacted) of the first such condition True; ("", "") none; None: not read
    operator_status: tuple[str, str] | None = None
    # Nodes running two live calico-node pods (a rolling update) whose FELIX_* eBPF settings
    # differ: node -> (the pod kostack judges the node by, the newest running and ready; the
    # other)
    felix_pods_differ: dict[Name, tuple[Name, Name]] = Field(default_factory=dict)
    # BGPPeers (None: not read) and each route reflector's cluster ID by node name (the
    # Node annotation projectcalico.org/RouteReflectorClusterID, when an IPv4 address)
    bgp_peers: tuple[CalicoBGPPeer, ...] | None = None
    route_reflectors: dict[str, str] = Field(default_factory=dict)
    # BGPConfiguration `default` spec.asNumber: every node's AS unless its own says otherwise
    # (64512 when unset; None: not read, or a snapshot from before it was read)
    as_number: int | None = Field(default=None, ge=0, le=4294967295)
    # Calico's own settings of a node in KDD, by node name (docs/facts.md "A Calico node in
    # KDD"): its labels (annotation projectcalico.org/labels; `calico_labels` merges them with
    # the Node's) and its AS number (annotation projectcalico.org/ASNumber)
    node_labels: dict[str, dict[str, str]] = Field(default_factory=dict)
    node_as_numbers: dict[str, int] = Field(default_factory=dict)
    # The address calico-node detected on each node (annotations projectcalico.org/IPv4Address
    # and IPv6Address, IPv4 first; docs/facts.md "Calico's node address"): its BGP sessions'
    # and its tunnels' endpoint. A node without one is absent; None: not read (a snapshot
    # from before kostack read them).
    node_addresses: dict[str, tuple[IP, ...]] | None = None

    def calico_labels(self, name: str, labels: Mapping[str, str]) -> dict[str, str]:
        """The labels Calico selects node ``name`` by: its own, under the Node's ``labels``
        (a Kubernetes label wins: libcalico-go `mergeCalicoAndK8sLabels`)."""
        own = self.node_labels.get(name)
        return {**own, **labels} if own else dict(labels)

    def as_of(self, name: str) -> int | None:
        """Node ``name``'s AS number: its own, else the BGPConfiguration's (None: not known)."""
        return self.node_as_numbers.get(name, self.as_number)


class Flannel(Record):
    network: CIDR | None = None
    backend_type: Literal["vxlan", "host-gw", "wireguard", "udp", "ipip", "ipsec"] | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    direct_routing: bool = False
    # None: not collected (flanneld's --ip-masq is a DaemonSet argument)
    ip_masq: bool | None = True
    # flanneld --ip-masq-fully-random-disable (v0.27.4 and later; an older flanneld ignores
    # it, read as false): ip-masq keeps the pod's source port. None: not known.
    ip_masq_fully_random_disable: bool | None = None
    # net-conf.json Backend.MTU: the MTU flanneld uses instead of the external
    # interface's (the pod MTU is this minus the backend's overhead). None: not set.
    mtu: int | None = Field(default=None, ge=68, le=65535)
    # True when Backend.MTU is unset (flanneld takes the interface MTU); None: not read.
    mtu_auto: bool | None = None
    # flanneld --kube-subnet-mgr: each node's lease is its Node spec.podCIDR.
    # False: leases live in etcd, which kostack cannot read. None: not known.
    kube_subnet_mgr: bool | None = None
    # flannel inside another install, not kube-flannel.yml's DaemonSet: "canal" (Calico with
    # CALICO_NETWORKING_BACKEND "none" enforces policy, its IP pools route nothing) or "k3s"
    # (k3s runs flannel in its own process); docs/facts.md.
    bundle: Literal["canal", "k3s"] | None = None
    # Canal: Calico's IP pools. Felix masquerades pod egress from a natOutgoing pool too,
    # whatever flannel's --ip-masq (docs/facts.md). None: not Canal, or not read.
    canal_pools: tuple[CalicoIPPool, ...] | None = None
    # Canal: FelixConfiguration natOutgoingExclusions ("IPPoolsAndHostIPs": natOutgoing
    # leaves traffic to hosts alone); None: not read (or no pool has natOutgoing).
    canal_nat_exclusions: Literal["IPPoolsOnly", "IPPoolsAndHostIPs"] | None = None
    # Canal: the ConfigMap with net-conf.json (canal-config, rke2-canal-config) and its
    # veth_mtu, the pods' MTU (Calico's CNI plugin); 0: Felix's, the host interface's MTU,
    # not flannel's (docs/facts.md). None: not Canal, or not read.
    canal_config: str | None = None
    canal_veth_mtu: int | None = Field(default=None, ge=0, le=65535)
    subnet_len: int | None = Field(default=None, ge=1, le=128)
    # net-conf.json EnableIPv4 / EnableIPv6 (flannel's defaults: true / false), IPv6Network
    # and IPv6SubnetLen (default 64): dual stack in flannel is these keys.
    enable_ipv4: bool = True
    enable_ipv6: bool = False
    ipv6_network: CIDR | None = None
    ipv6_subnet_len: int | None = Field(default=None, ge=1, le=128)

    @property
    def networks(self) -> tuple[CIDR, ...]:
        """The pod ranges flannel allocates from, IPv4 first (only the enabled families)."""
        out = [self.network] if self.enable_ipv4 and self.network is not None else []
        if self.enable_ipv6 and self.ipv6_network is not None:
            out.append(self.ipv6_network)
        return tuple(out)


class CiliumNodeIPAM(Record):
    """What Cilium's operator handed one node (CiliumNode spec.ipam)."""

    name: Name
    pod_cidrs: CIDRSet = ()  # spec.ipam.podCIDRs (cluster-pool)
    pool_cidrs: CIDRSet = ()  # spec.ipam.pools.allocated[].cidrs (multi-pool)


class Cilium(Record):
    routing_mode: Literal["tunnel", "native"] | None = None
    # Which key decided routing_mode: "routing-mode" (Cilium 1.14+) or the legacy
    # "tunnel" key (vxlan | geneve | disabled), which agents from 1.15 on ignore.
    routing_key: Literal["routing-mode", "tunnel"] | None = None
    tunnel_protocol: Literal["vxlan", "geneve"] | None = None
    tunnel_port: int | None = Field(default=None, ge=1, le=65535)
    native_routing_cidr: CIDR | None = None
    # cilium-config ipv6-native-routing-cidr (native_routing_cidr is the IPv4 one).
    native_routing_cidr_v6: CIDR | None = None
    # cilium-config enable-ipv4 / enable-ipv6 (Cilium's defaults: true / false).
    enable_ipv4: bool | None = True
    enable_ipv6: bool | None = False
    # cilium-config underlay-protocol (Cilium 1.17+): the family the tunnel runs over
    # (ipv4 | ipv6 | auto); None when the key is absent (IPv4, as before 1.17).
    underlay_protocol: Literal["ipv4", "ipv6", "auto"] | None = None
    masquerade: bool | None = True
    # cilium-config enable-ipv6-masquerade (on unless set false): IPv6 pod traffic leaving
    # the cluster leaves with the node's IPv6 address (a Neutron router does not NAT IPv6).
    masquerade_v6: bool | None = True
    # cilium-config "mtu": the MTU of the underlying network, overriding what the
    # agent detects; pods get it minus the tunnel/encryption overhead. None: unset.
    mtu: int | None = Field(default=None, ge=68, le=65535)
    mtu_auto: bool | None = None
    wireguard: bool | None = None
    ipsec: bool = False
    # cilium-config enable-health-checking (Cilium's default: true): every agent probes every
    # other node with ICMP echo and HTTP on cluster-health-port (default 4240).
    health_checking: bool | None = True
    health_port: int = Field(default=4240, ge=1, le=65535)
    kube_proxy_replacement: bool | None = None
    # enable-egress-gateway (Cilium 1.18+; enable-ipv4-egress-gateway before): default off
    egress_gateway: bool | None = None
    # cilium-config enable-host-firewall (default off): in tunnel mode each node address then
    # has a tunnel endpoint, so a pod's traffic to another node crosses the tunnel
    # (analyze/engine/pod_to_node.py; docs/facts.md "Cilium")
    host_firewall: bool | None = False
    # cilium-config "ipam" (cluster-pool, multi-pool, kubernetes, crd, eni, ...).
    ipam_mode: Name | None = None
    # cluster-pool-ipv4-cidr / -ipv6-cidr, or the multi-pool pools' CIDRs.
    cluster_pool_cidrs: CIDRSet = ()
    cluster_pool_mask_size: int | None = Field(default=None, ge=1, le=128)
    # CiliumNode objects; None when not read (or the IPAM mode does not use them).
    nodes: tuple[CiliumNodeIPAM, ...] | None = None


class KubeRouter(Record):
    """kube-router's flags (its DaemonSet's container arguments; kube-router
    pkg/options/options.go for the defaults, docs/facts.md "kube-router"). Every field is
    None when it was not read: the analysis then says UNKNOWN rather than assume a default.
    Each node's pod range is its Node spec.podCIDR(s)."""

    # --run-router (default true): routes pods between nodes, learning routes over iBGP.
    run_router: bool | None = None
    # --enable-overlay (default true) and --overlay-type (subnet | full; default subnet:
    # tunnel only to nodes in another subnet; full: to every node).
    enable_overlay: bool | None = None
    overlay_type: Literal["subnet", "full"] | None = None
    # --overlay-encap (ipip | fou; default ipip) and --overlay-encap-port (FOU's UDP port,
    # default 5555): FOU is IPIP inside GUE inside UDP.
    overlay_encap: Literal["ipip", "fou"] | None = None
    overlay_encap_port: int | None = Field(default=None, ge=1, le=65535)
    # --enable-pod-egress (default true): MASQUERADE pod traffic to anything but pod ranges
    # and node addresses.
    enable_pod_egress: bool | None = None
    # --bgp-port (default 179), --nodes-full-mesh and --enable-ibgp (both default true).
    bgp_port: int | None = Field(default=None, ge=1, le=65535)
    nodes_full_mesh: bool | None = None
    enable_ibgp: bool | None = None
    # --peer-router-ips (external BGP peers; kostack does not read their sessions) and
    # --cluster-asn (default 64512 when unset).
    peer_router_ips: tuple[IP, ...] | None = None
    cluster_asn: int | None = Field(default=None, ge=1, le=4294967295)
    # --run-service-proxy (IPVS for Services; default true, k0s passes false).
    run_service_proxy: bool | None = None
    # --auto-mtu (default true): the pod MTU is the MTU of the node's primary interface.
    auto_mtu: bool | None = None
    # --enable-ipv4 / --enable-ipv6 (defaults true / false).
    enable_ipv4: bool | None = None
    enable_ipv6: bool | None = None
    # "k0s": k0s renders the DaemonSet from its ClusterConfig spec.network.kuberouter.
    bundle: Literal["k0s"] | None = None


AntreaEncapMode = Literal["encap", "noEncap", "hybrid", "networkPolicyOnly"]
AntreaTunnelType = Literal["geneve", "vxlan", "gre", "stt"]
ANTREA_TUNNELS: tuple[AntreaTunnelType, ...] = ("geneve", "vxlan", "gre", "stt")  # default first
# tunnelPort 0 is the type's IANA port (pkg/config/agent/config.go; STT is TCP, Geneve and
# VXLAN UDP); GRE is IP protocol 47 and has none. WireGuard's: pkg/apis/ports.go.
ANTREA_TUNNEL_PORTS: Mapping[str, int] = {"geneve": 6081, "vxlan": 4789, "stt": 7471}
ANTREA_WIREGUARD_PORT = 51820
# clusterPort's default: the agents' memberlist, TCP and UDP (pkg/apis/ports.go
# AntreaAgentClusterMembershipPort)
ANTREA_CLUSTER_PORT = 10351


class Antrea(Record):
    """Antrea's agent settings: ConfigMap antrea-config (kube-system; up to v1.6 with a hashed
    suffix), key antrea-agent.conf (antrea-io/antrea pkg/config/agent/config.go, the defaults
    of cmd/antrea-agent/options.go; docs/facts.md "Antrea"). Every field is None when it was
    not read: the analysis then says UNKNOWN rather than assume a default. Each node's pod
    range is its Node spec.podCIDR(s)."""

    # trafficEncapMode (default encap): encap tunnels every pod packet between nodes; noEncap
    # routes natively (pod source on the wire); hybrid natively within a subnet, tunnelled
    # across; networkPolicyOnly leaves the network to another CNI (chained).
    traffic_encap_mode: AntreaEncapMode | None = None
    # tunnelType (default geneve) and tunnelPort (0: the type's IANA port, which is stored
    # here: geneve UDP 6081, vxlan UDP 4789, stt TCP 7471; gre is IP protocol 47, no port).
    tunnel_type: AntreaTunnelType | None = None
    tunnel_port: int | None = Field(default=None, ge=1, le=65535)
    # trafficEncryptionMode (none | ipsec | wireguard; default none; encap mode only) and
    # wireGuard.port (default 51820).
    traffic_encryption_mode: Literal["none", "ipsec", "wireguard"] | None = None
    wireguard_port: int | None = Field(default=None, ge=1, le=65535)
    # noSNAT (default false; noEncap only): pod traffic to anything outside the pod CIDRs is
    # masqueraded to the node IP unless true.
    no_snat: bool | None = None
    # snatFullyRandomPorts (default false): the masquerade rule adds --random-fully.
    snat_fully_random_ports: bool | None = None
    # defaultMTU (0: the transport interface's MTU minus the tunnel's overhead).
    default_mtu: int | None = Field(default=None, ge=0, le=65535)
    # antreaProxy.enable (default true) and antreaProxy.proxyAll (default false: kube-proxy
    # still runs for the nodes' own traffic).
    antrea_proxy: bool | None = None
    proxy_all: bool | None = None
    # antreaProxy.nodePortAddresses: the CIDRs whose node addresses answer NodePorts with
    # proxyAll; () unset (every address but Antrea's own devices); None: not read
    node_port_addresses: CIDRSet | None = None
    # The ConfigMap read ("antrea-config", or a v1.6-and-older "antrea-config-<hash>").
    config_map: Name | None = None
    # featureGates.Egress (beta and on by default since v1.6; read as on when unset)
    egress: bool | None = None
    # featureGates.ServiceExternalIP as written (None: unset, or not a boolean): alpha and off
    # by default from v1.5, beta and on by default since v2.3 (model/egress.py decides)
    service_external_ip: bool | None = None
    # clusterPort (default 10351): the agents' memberlist (TCP and UDP), which Egress and
    # ServiceExternalIP agree on each IP's node through
    cluster_port: int | None = Field(default=None, ge=1, le=65535)


KubeOvnTunnelType = Literal["geneve", "vxlan", "stt"]
KUBE_OVN_TUNNELS: tuple[KubeOvnTunnelType, ...] = ("geneve", "vxlan", "stt")  # default first
# OVS's ports for OVN's tunnels (kubeovn/docs docs/start/prepare.en.md "Ports Need Open":
# Geneve 6081/udp, STT 7471/tcp, Vxlan 4789/udp); Kube-OVN sets no other port.
KUBE_OVN_TUNNEL_PORTS: Mapping[str, int] = {"geneve": 6081, "vxlan": 4789, "stt": 7471}


def exclude_range(text: str) -> tuple[IPAddress, IPAddress] | None:
    """One ``spec.excludeIps`` entry, "IP" or "IP1..IP2" (kubeovn/kube-ovn
    pkg/util/validator.go: no upper case, at most one "..", IP1 <= IP2), as its first and last
    address; None when Kube-OVN would refuse it (or the two ends are of different families)."""
    if text != text.lower():
        return None
    ends = text.split("..")
    if len(ends) > 2:
        return None
    try:
        first, last = ipaddress.ip_address(ends[0]), ipaddress.ip_address(ends[-1])
    except ValueError:
        return None
    if first.version != last.version or int(first) > int(last):
        return None
    return first, last


def pool_range(text: str) -> tuple[IPAddress, IPAddress] | None:
    """One IPPool ``spec.ips`` entry, "IP", "CIDR" or "IP1..IP2" (kubeovn/docs
    docs/guide/ippool.en.md), as its first and last address; None when it is none of them."""
    if "/" not in text:
        return exclude_range(text)
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    return net.network_address, net.broadcast_address


class KubeOvnIPPool(Record):
    """A Kube-OVN IPPool (kubeovn.io/v1, cluster-scoped; docs/facts.md "Kube-OVN"): pods in
    its ``namespaces`` take addresses only from its ``ips`` (those inside its Subnet's CIDRs),
    never from the rest of the Subnet."""

    name: Name
    subnet: Name = ""  # spec.subnet
    ips: tuple[Name, ...] = ()  # spec.ips: "IP", "CIDR" or "IP1..IP2"
    namespaces: tuple[Name, ...] = ()  # spec.namespaces: the namespaces bound to it

    @field_validator("ips")
    @classmethod
    def _entries(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            if pool_range(entry) is None:
                raise ValueError(f"IPPool ips entry {entry!r} is not an IP, CIDR or IP1..IP2")
        return value


class KubeOvnSubnet(Record):
    """A Kube-OVN Subnet (kubeovn.io/v1, cluster-scoped; docs/facts.md "Kube-OVN"): pods in
    its namespaces (or the default one's) take addresses from ``cidrs``."""

    name: Name
    cidrs: CIDRSet = ()  # spec.cidrBlock (comma-separated: dual stack)
    default: bool = False  # spec.default: the subnet of pods without their own (ovn-default)
    # spec.natOutgoing: pod traffic leaving the subnets is masqueraded to the node's address
    nat_outgoing: bool | None = None
    # spec.gatewayType (distributed, the default: each node's ovn0; centralized: chosen nodes)
    gateway_type: Literal["distributed", "centralized"] | None = None
    # spec.vlan ("" : overlay; a Vlan's name: underlay, the pods on the node NIC's network)
    vlan: Name | None = None
    # spec.logicalGateway (underlay: OVN's router is the gateway, natOutgoing applies)
    logical_gateway: bool = False
    # spec.u2oInterconnection (underlay: the pods' gateway is OVN's router, joined to overlay)
    u2o_interconnection: bool = False
    # spec.vpc ("ovn-cluster", the default VPC, when empty) and spec.provider ("ovn" when
    # empty; another: an attachment network's subnet, not the pods' primary interface)
    vpc: Name | None = None
    provider: Name | None = None
    # spec.enableLb: OVN's load balancers on this Subnet's logical switch (None: unset, which
    # kube-ovn-controller fills with its --enable-lb; with that flag off, none anywhere)
    enable_lb: bool | None = None
    # spec.excludeIps ("IP" or "IP1..IP2"; kube-ovn-controller adds the gateway): addresses
    # its IPAM never gives a pod (None: not read, as in older snapshots)
    exclude_ips: tuple[Name, ...] | None = None
    namespaces: tuple[Name, ...] | None = None  # spec.namespaces (None: not read, as before)

    @field_validator("exclude_ips")
    @classmethod
    def _ranges(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for entry in value or ():
            if exclude_range(entry) is None:
                raise ValueError(f"excludeIps entry {entry!r} is not an IP or IP1..IP2 range")
        return value


class KubeOvn(Record):
    """Kube-OVN's settings: kube-ovn-cni's and kube-ovn-controller's container arguments and
    the Subnets (kubeovn/kube-ovn pkg/daemon/config.go, pkg/controller/config.go,
    dist/images/install.sh; docs/facts.md "Kube-OVN"). Every field is None when it was not
    read: the analysis then says UNKNOWN rather than assume a default. Pods take addresses
    from the Subnets, not from the Nodes' podCIDRs."""

    # kube-ovn-cni --network-type (install.sh passes TUNNEL_TYPE; default geneve): OVN's tunnel
    tunnel_type: KubeOvnTunnelType | None = None
    # kube-ovn-controller --network-type (install.sh NETWORK_TYPE: geneve, or vlan when the
    # default subnet is underlay)
    network_type: Literal["geneve", "vxlan", "stt", "vlan"] | None = None
    # kube-ovn-cni --mtu (0: the tunnel interface's MTU minus Kube-OVN's deduction)
    mtu: int | None = Field(default=None, ge=0, le=65535)
    # kube-ovn-cni --enable-ovn-ipsec (default false): the tunnels run inside IPsec
    ipsec: bool | None = None
    # kube-ovn-cni --enable-arp-detect-ip-conflict (default true): an IPv4 address is
    # ARP-probed before a pod gets it, and the pod fails to start when a host answers
    arp_detect_ip_conflict: bool | None = None
    # kube-ovn-controller --node-switch-cidr (the join subnet, 100.64.0.0/16 by default):
    # the nodes' ovn0 addresses
    join_cidrs: CIDRSet | None = None
    # kube-ovn-controller --enable-lb (default true): OVN's load balancers on the pods'
    # logical switches serve Services (ClusterIP VIPs of ip:port)
    enable_lb: bool | None = None
    # The Subnets (None: not read); the join subnet among them
    subnets: tuple[KubeOvnSubnet, ...] | None = None
    join_subnet: Name = "join"
    # The IPPools (None: not read; () : none, or no IPPool kind in this Kube-OVN)
    ip_pools: tuple[KubeOvnIPPool, ...] | None = None


CNIType = Literal[
    "calico", "flannel", "cilium", "kube-router", "antrea", "kube-ovn", "ovn-kubernetes", "unknown"
]


class CNI(Record):
    type: CNIType = "unknown"
    # The CNI's version ("v3.30.7") and where it was read (an object field or an image).
    version: Name | None = None
    version_source: Name | None = None
    calico: Calico | None = None
    flannel: Flannel | None = None
    cilium: Cilium | None = None
    kube_router: KubeRouter | None = None
    antrea: Antrea | None = None
    kube_ovn: KubeOvn | None = None
    ovn_kubernetes: OvnKubernetes | None = None
