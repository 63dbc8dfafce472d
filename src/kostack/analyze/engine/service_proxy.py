"""Who serves the cluster's Services: one verdict for the whole cluster (docs/facts.md "Who
serves ClusterIPs and NodePorts").

kube-proxy's pods; Calico's eBPF data plane; Cilium's or kube-router's replacement (kube-proxy's
mode "none", collect/_kube_networks.py); AntreaProxy, which serves the pods' ClusterIPs unless
``antreaProxy.enable`` is false and NodePorts only with ``proxyAll``; OVN's load balancers on
Kube-OVN (``--enable-lb``), for the pods' ClusterIPs only; kube-proxy inside k3s's own process.
Nobody: kube-proxy's pods are gone (its ConfigMap kept, or kubeadm's cluster without it) and
the CNI does not serve ClusterIPs: every ClusterIP, kubernetes.default and kube-dns with them,
is dead. Not known: no kube-proxy seen on a cluster not known to be kubeadm's (a systemd unit
may run it), or Calico's eBPF data plane on some nodes only.
The names are the engine's (calico_ebpf.py `node_port_proxy`, kube_proxy.py `proxy_name`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kostack.analyze.engine import kubeovn_lb
from kostack.analyze.engine.antrea_proxy import ANTREA_PROXY, antrea_of, proxy_all
from kostack.analyze.engine.calico_ebpf import CALICO_EBPF, mixed, node_port_proxy, serves_services
from kostack.analyze.engine.types import Disposition, Evidence, Hop
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import Topology

NO_SERVICE_PROXY = "no-service-proxy"

Verdict = Literal["served", "none", "unknown"]

register(
    {
        "hop.no-service-proxy": {
            "en": "nothing translates {ip}: {why}; every ClusterIP is dead, DNS with them",
            "ko": "{ip:을/를} 변환하는 것이 없습니다: {why}. 모든 ClusterIP가 동작하지 않으며 DNS도 "
            "마찬가지입니다",
        },
        "sp.k3s": {"en": "kube-proxy (inside k3s)", "ko": "kube-proxy (k3s 내장)"},
        "sp.no-cluster": {
            "en": "the cluster was not read",
            "ko": "클러스터를 읽지 못했습니다",
        },
        "sp.mixed": {
            "en": "Calico's eBPF data plane runs on some nodes only and no kube-proxy pod runs",
            "ko": "Calico eBPF 데이터 플레인이 일부 노드에서만 동작하고 kube-proxy Pod가 없습니다",
        },
        "sp.unseen": {
            "en": "kube-proxy's ConfigMap is absent and no kube-proxy pod is listed, and the "
            "cluster is not known to be kubeadm's: kube-proxy may run outside pods (a systemd "
            "unit)",
            "ko": "kube-proxy ConfigMap이 없고 kube-proxy Pod도 보이지 않으며, kubeadm 클러스터인지 "
            "알 수 없습니다: kube-proxy가 Pod 밖(systemd 유닛)에서 돌 수 있습니다",
        },
        "sp.unlisted": {
            "en": "whether kube-proxy runs is not known: its pods were not listed",
            "ko": "kube-proxy가 실행 중인지 알 수 없습니다: Pod 목록을 읽지 못했습니다",
        },
        "sp.removed": {
            "en": "no kube-proxy pod runs (its ConfigMap is kept) and {cni} does not serve "
            "ClusterIPs in its place",
            "ko": "kube-proxy Pod가 없고(ConfigMap만 남음) {cni:이/가} 대신 ClusterIP를 처리하지 "
            "않습니다",
        },
        "sp.kubeadm": {
            "en": "no kube-proxy pod runs and its ConfigMap is gone on a kubeadm cluster "
            "(kubeadm runs kube-proxy as a DaemonSet), and {cni} does not serve ClusterIPs in "
            "its place",
            "ko": "kubeadm 클러스터(kubeadm은 kube-proxy를 DaemonSet으로 실행)에 kube-proxy Pod도 "
            "ConfigMap도 없고 {cni:이/가} 대신 ClusterIP를 처리하지 않습니다",
        },
    }
)


@dataclass(frozen=True)
class ServiceProxy:
    """The cluster's answer: who serves the pods' ClusterIPs (``cluster_ips``) and the nodes'
    NodePorts (``node_ports``, None: nobody); ``why`` says what is missing (``unknown``) or
    why nobody serves (``none``)."""

    verdict: Verdict
    cluster_ips: str = ""
    node_ports: str | None = None
    why: str = ""
    evidence: tuple[Evidence, ...] = ()


def _cni(topo: Topology) -> str:
    cl = topo.snapshot.cluster
    return (cl.cni.type if cl is not None and cl.cni.type != "unknown" else None) or "the CNI"


def _pod_side(topo: Topology) -> str | None:
    """Who serves the pods' ClusterIPs without kube-proxy: AntreaProxy (unless off), OVN's
    load balancer on Kube-OVN (`--enable-lb` on the default Subnet); None: nobody known."""
    antrea = antrea_of(topo)
    if antrea is not None and antrea.antrea_proxy is not False:
        return ANTREA_PROXY
    lb = kubeovn_lb.for_default_subnet(topo)
    if lb is not None and lb.who == "ovn":
        return Msg("proxy.kube-ovn")
    return None


def service_proxy(topo: Topology) -> ServiceProxy:
    """Who serves ClusterIPs and NodePorts here (module docstring)."""
    cl = topo.snapshot.cluster
    if cl is None:
        return ServiceProxy("unknown", why=Msg("sp.no-cluster"))
    if serves_services(topo):
        return ServiceProxy("served", CALICO_EBPF, CALICO_EBPF)
    pods, mode = cl.kube_proxy_pods, cl.kube_proxy_mode
    if pods:
        name = _pod_side(topo) or "kube-proxy"
        return ServiceProxy("served", name, node_port_proxy(topo))
    if mode == "none":  # a replacement runs and kube-proxy does not (the collector's word)
        name = node_port_proxy(topo)
        return ServiceProxy("served", _pod_side(topo) or name, name)
    if mixed(topo):
        return ServiceProxy("unknown", why=Msg("sp.mixed"))
    if pods is None and mode is not None:
        if cl.cni.flannel is not None and cl.cni.flannel.bundle == "k3s":
            return ServiceProxy("served", Msg("sp.k3s"), Msg("sp.k3s"))
        # older snapshots and unlisted pods: judged from the ConfigMap, as the engine does
        return ServiceProxy("served", _pod_side(topo) or "kube-proxy", "kube-proxy")
    if pods is None:
        return ServiceProxy("unknown", why=Msg("sp.unlisted"))
    # no kube-proxy pod: what serves now is the CNI's alone
    gone = Evidence("cluster", "kube-proxy", "pods", "0")
    node_ports = ANTREA_PROXY if proxy_all(topo) else None
    if mode is not None:
        kept = Evidence("configmap", "kube-system/kube-proxy", "config.conf mode", mode)
        why, evidence = Msg("sp.removed", cni=_cni(topo)), (gone, kept)
    elif cl.kubeadm:
        kubeadm = Evidence("configmap", "kube-system/kubeadm-config", "present", "true")
        why, evidence = Msg("sp.kubeadm", cni=_cni(topo)), (gone, kubeadm)
    else:
        side = _pod_side(topo)
        if side is not None:
            return ServiceProxy("served", side, node_ports)
        return ServiceProxy("unknown", why=Msg("sp.unseen"), evidence=(gone,))
    side = _pod_side(topo)
    if side is not None:
        return ServiceProxy("served", side, node_ports, why, evidence)
    return ServiceProxy("none", why=why, evidence=evidence)


def unserved_hop(topo: Topology, where: str, service: Evidence, ip: object) -> Hop | None:
    """The ClusterIP hop when nobody serves ClusterIPs (`service_proxy` "none"): the connection
    goes nowhere; None otherwise."""
    found = service_proxy(topo)
    if found.verdict != "none":
        return None
    detail = Msg("hop.no-service-proxy", ip=ip, why=found.why)
    evidence = (service, *found.evidence)
    return Hop("kube-proxy", where, Disposition.DENIED, detail, evidence, cause=NO_SERVICE_PROXY)
