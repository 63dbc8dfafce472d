"""Who serves the cluster's Services: one verdict for the whole cluster (docs/facts.md "Who
serves ClusterIPs and NodePorts").

kube-proxy's pods; Calico's eBPF data plane; Cilium's or kube-router's replacement (kube-proxy's
mode "none", collect/_kube_networks.py); AntreaProxy, which serves the pods' ClusterIPs unless
``antreaProxy.enable`` is false and NodePorts only with ``proxyAll``; OVN's load balancers on
Kube-OVN (``--enable-lb``), for the pods' ClusterIPs only; kube-proxy inside k3s's own process.
Nobody: kube-proxy's pods are gone (its ConfigMap kept, or kubeadm's cluster without it) and
the CNI does not serve ClusterIPs: every ClusterIP, kubernetes.default and kube-dns with them,
is dead. Not known: no kube-proxy seen on a cluster not known to be kubeadm's (a systemd unit
may run it), Calico's eBPF data plane on some nodes only, or kube-proxy's pods not listed (a
kept ConfigMap is what a removed kube-proxy leaves too). MicroK8s runs kube-proxy inside
kubelite, recognised by the label its kubelet gives every node (``microk8s.io/cluster``).
The names are the engine's (calico_ebpf.py `node_port_proxy`, clusterip_ping.py `proxy_name`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kostack.analyze.engine import kubeovn_lb, ovnk
from kostack.analyze.engine.antrea_proxy import ANTREA_PROXY, antrea_of, proxy_all
from kostack.analyze.engine.calico_ebpf import CALICO_EBPF, mixed, node_port_proxy, serves_services
from kostack.analyze.engine.kubeovn import subnet_of
from kostack.analyze.engine.types import Disposition, Endpoint, Evidence, Hop
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import Topology
from kostack.shell import render

NO_SERVICE_PROXY = "no-service-proxy"
# AntreaProxy serves the pods' ClusterIPs, kube-proxy is gone and proxyAll is off: the nodes'
# own connections to a ClusterIP are served by nobody (a warning: the pods' traffic works)
HOSTS_UNSERVED = "antrea-hosts-no-cluster-ip"
# OVN's load balancers serve the pods' ClusterIPs and kube-proxy is gone: Kube-OVN puts no
# NodePort in them (nor any load balancer on the nodes' own switch), so nothing serves NodePorts
# nor the nodes' own connections to ClusterIPs (a warning: the pods' traffic works)
KUBE_OVN_UNSERVED = "kube-ovn-no-node-ports"
# ... and a Subnet with pods has OVN's load balancer off (enableLb false, or --enable-lb off):
# kube-proxy would translate its pods' ClusterIPs, and it is gone (a root cause: their DNS dies)
KUBE_OVN_SUBNET_UNSERVED = "kube-ovn-subnet-no-service-proxy"

Verdict = Literal["served", "none", "unknown"]

register(
    {
        "hop.no-service-proxy": {
            "en": "nothing translates {ip}: {why}; every ClusterIP is dead, DNS with them",
            "ko": "{ip:을/를} 변환하는 것이 없습니다: {why}. 모든 ClusterIP가 동작하지 않으며 DNS도 "
            "마찬가지입니다",
        },
        "sp.k3s": {"en": "kube-proxy (inside k3s)", "ko": "kube-proxy (k3s 내장)"},
        "sp.microk8s": {"en": "kube-proxy (inside MicroK8s)", "ko": "kube-proxy (MicroK8s 내장)"},
        "sp.microk8s-basis": {
            "en": "every node carries MicroK8s' label {label}=true, and MicroK8s runs kube-proxy "
            "inside kubelite, not as a pod",
            "ko": "모든 노드에 MicroK8s 레이블 {label}=true가 있고, MicroK8s는 kube-proxy를 Pod가 "
            "아니라 kubelite 안에서 실행합니다",
        },
        "sp.configmap-basis": {
            "en": "read from kube-proxy's ConfigMap alone (mode {mode}): this snapshot does not "
            "count kube-proxy's pods",
            "ko": "kube-proxy ConfigMap(모드 {mode})만으로 판단: 이 스냅숏은 kube-proxy Pod 수를 "
            "세지 않았습니다",
        },
        "sp.unlisted-kept": {
            "en": "kube-proxy's ConfigMap is read (mode {mode}) but its pods were not listed, and "
            "a kept ConfigMap is also what a removed kube-proxy leaves behind: whether anything "
            "serves ClusterIPs is not known (`kubectl -n kube-system get daemonset kube-proxy`)",
            "ko": "kube-proxy ConfigMap(모드 {mode})은 읽었지만 Pod 목록을 읽지 못했습니다. "
            "kube-proxy를 제거해도 ConfigMap은 남으므로 ClusterIP를 처리하는 것이 있는지 알 수 "
            "없습니다(`kubectl -n kube-system get daemonset kube-proxy`)",
        },
        "sp.cni-unknown": {
            "en": "no kube-proxy pod runs and the CNI is not known: whether it serves ClusterIPs "
            "in kube-proxy's place is not known",
            "ko": "kube-proxy Pod가 없고 CNI를 알 수 없어, CNI가 대신 ClusterIP를 처리하는지 알 수 "
            "없습니다",
        },
        "sp.antrea-unread": {
            "en": "no kube-proxy pod runs and Antrea's settings were not read: whether AntreaProxy "
            "serves ClusterIPs (antreaProxy.enable) is not known "
            "(`kubectl -n kube-system get configmap antrea-config -o yaml`)",
            "ko": "kube-proxy Pod가 없고 Antrea 설정을 읽지 못해, AntreaProxy가 ClusterIP를 "
            "처리하는지(antreaProxy.enable) 알 수 없습니다"
            "(`kubectl -n kube-system get configmap antrea-config -o yaml`)",
        },
        "sp.kube-ovn-unknown": {
            "en": "no kube-proxy pod runs and whether Kube-OVN's OVN load balancer serves the "
            "pods' ClusterIPs is not known: {why}",
            "ko": "kube-proxy Pod가 없고 Kube-OVN의 OVN 로드 밸런서가 Pod의 ClusterIP를 처리하는지 "
            "알 수 없습니다: {why}",
        },
        "sp.np-unlisted": {
            "en": "not known (kube-proxy's pods were not listed)",
            "ko": "알 수 없음 (kube-proxy Pod 목록을 읽지 못함)",
        },
        "where.no-proxy": {
            "en": "no Service proxy on {node}",
            "ko": "{node}에 서비스 프록시 없음",
        },
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
            "unit or a static binary); where it runs its health port answers (`{command}`)",
            "ko": "kube-proxy ConfigMap이 없고 kube-proxy Pod도 보이지 않으며, kubeadm 클러스터인지 "
            "알 수 없습니다: kube-proxy가 Pod 밖(systemd 유닛이나 정적 바이너리)에서 돌 수 "
            "있습니다. 돌고 있다면 헬스 포트가 응답합니다(`{command}`)",
        },
        "sp.np-unseen": {
            "en": "no kube-proxy pod is listed and its ConfigMap is absent on a cluster not known "
            "to be kubeadm's nor a known distribution's: kube-proxy may run outside pods (a "
            "systemd unit or a static binary) and serve NodePorts and the nodes' own "
            "connections, or nothing does; where it runs its health port answers (`{command}`)",
            "ko": "kube-proxy Pod가 보이지 않고 ConfigMap도 없는데, kubeadm 클러스터인지도 알려진 "
            "배포판인지도 알 수 없습니다: kube-proxy가 Pod 밖(systemd 유닛이나 정적 바이너리)에서 "
            "돌며 NodePort와 노드 자신의 연결을 처리할 수도, 아무것도 처리하지 않을 수도 "
            "있습니다. 돌고 있다면 헬스 포트가 응답합니다(`{command}`)",
        },
        "sp.unlisted": {
            "en": "whether kube-proxy runs is not known: its pods were not listed "
            "(`kubectl -n kube-system get daemonset kube-proxy`)",
            "ko": "kube-proxy가 실행 중인지 알 수 없습니다: Pod 목록을 읽지 못했습니다"
            "(`kubectl -n kube-system get daemonset kube-proxy`)",
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
    # what a PASS rests on when it is not kube-proxy's pods seen or the CNI's own settings
    basis: str = ""
    # kube-proxy's pods listed and none runs (its ConfigMap kept, or a kubeadm cluster)
    kube_proxy_gone: bool = False
    # the pods' ClusterIPs are the CNI's, and whether anything serves NodePorts and the nodes'
    # own connections is not known: kube-proxy not seen off kubeadm (why, with the command)
    node_ports_unknown: str = ""


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


MICROK8S_LABEL = "microk8s.io/cluster"


def microk8s(topo: Topology) -> bool:
    """Every node carries the label MicroK8s' kubelet gives it (canonical/microk8s
    `microk8s-resources/default-args/kubelet` --node-labels; docs/facts.md)."""
    cl = topo.snapshot.cluster
    nodes = cl.nodes if cl is not None else None
    return bool(nodes) and all(n.labels.get(MICROK8S_LABEL) == "true" for n in nodes or ())


def _inside(topo: Topology) -> ServiceProxy | None:
    """kube-proxy inside the distribution's own process (no pod of it to count): k3s, MicroK8s."""
    cl = topo.snapshot.cluster
    assert cl is not None
    k3s = cl.cni.flannel is not None and cl.cni.flannel.bundle == "k3s"
    if k3s and cl.kube_proxy_mode is not None:
        return ServiceProxy("served", Msg("sp.k3s"), Msg("sp.k3s"))
    if microk8s(topo):
        name = Msg("sp.microk8s")
        label = Evidence("node", "*", f"labels[{MICROK8S_LABEL}]", "true")
        basis = Msg("sp.microk8s-basis", label=MICROK8S_LABEL)
        return ServiceProxy("served", _pod_side(topo) or name, name, evidence=(label,), basis=basis)
    return None


def _unlisted(topo: Topology, mode: str) -> ServiceProxy:
    """kube-proxy's pods not counted while its ConfigMap was read: the pods not listed (a gap)
    cannot tell a running kube-proxy from a removed one; a snapshot from before the count is
    judged from the ConfigMap, and says so."""
    cl = topo.snapshot.cluster
    assert cl is not None
    kept = Evidence("configmap", "kube-system/kube-proxy", "config.conf mode", mode)
    side = _pod_side(topo)
    if cl.pods is None:
        if side is not None:
            return ServiceProxy("served", side, Msg("sp.np-unlisted"), evidence=(kept,))
        unlisted = Evidence("cluster", "pods", "listed", "false")
        why = Msg("sp.unlisted-kept", mode=mode)
        return ServiceProxy("unknown", why=why, evidence=(kept, unlisted))
    basis = Msg("sp.configmap-basis", mode=mode)
    return ServiceProxy("served", side or "kube-proxy", "kube-proxy", evidence=(kept,), basis=basis)


def service_proxy(topo: Topology) -> ServiceProxy:
    """Who serves ClusterIPs and NodePorts here (module docstring); once per topology, as every
    ClusterIP hop and load balancer member asks."""
    found = topo.derived.get(NO_SERVICE_PROXY)
    if not isinstance(found, ServiceProxy):
        found = topo.derived[NO_SERVICE_PROXY] = _decide(topo)
    return found


def _decide(topo: Topology) -> ServiceProxy:
    cl = topo.snapshot.cluster
    if cl is None:
        return ServiceProxy("unknown", why=Msg("sp.no-cluster"))
    if serves_services(topo):
        return ServiceProxy("served", CALICO_EBPF, CALICO_EBPF)
    if ovnk.serves_services(topo):  # OVN's load balancers, kube-proxy or not
        return ServiceProxy("served", Msg("proxy.ovnk"), Msg("proxy.ovnk"))
    pods, mode = cl.kube_proxy_pods, cl.kube_proxy_mode
    if pods:
        name = _pod_side(topo) or "kube-proxy"
        return ServiceProxy("served", name, node_port_proxy(topo))
    if mode == "none":  # a replacement runs and kube-proxy does not (the collector's word)
        name = node_port_proxy(topo)
        return ServiceProxy("served", _pod_side(topo) or name, name)
    if mixed(topo):
        return ServiceProxy("unknown", why=Msg("sp.mixed"))
    inside = _inside(topo) if pods is None else None
    if inside is not None:
        return inside
    if pods is None and mode is not None:
        return _unlisted(topo, mode)
    if pods is None:
        return ServiceProxy("unknown", why=Msg("sp.unlisted"))
    return _removed(topo, mode)


def _removed(topo: Topology, mode: str | None) -> ServiceProxy:
    """No kube-proxy pod runs: what serves now is the CNI's alone."""
    cl = topo.snapshot.cluster
    assert cl is not None
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
        if side is not None and node_ports is None:  # kube-proxy may run outside pods
            hedge = Msg("sp.np-unseen", command=health_command(topo))
            return ServiceProxy("served", side, None, evidence=(gone,), node_ports_unknown=hedge)
        if side is not None:
            return ServiceProxy("served", side, node_ports)
        why = Msg("sp.unseen", command=health_command(topo))
        return ServiceProxy("unknown", why=why, evidence=(gone,))
    side = _pod_side(topo)
    if side is not None:
        return ServiceProxy("served", side, node_ports, why, evidence, kube_proxy_gone=True)
    undecided = _undecided(topo)
    if undecided is not None:
        return ServiceProxy("unknown", why=undecided, evidence=evidence)
    return ServiceProxy("none", why=why, evidence=evidence)


KUBE_PROXY_HEALTHZ = 10256  # kube-proxy --healthz-bind-address, default 0.0.0.0:10256


def health_command(topo: Topology) -> str:
    """A command that tells whether kube-proxy runs on a node, in a pod or not: its health
    server answers on every address of the node (docs/facts.md "kube-proxy's health port")."""
    view = next((v for v in topo.node_views.values() if v.ip is not None), None)
    if view is None or view.ip is None:
        return render(("systemctl", "status", "kube-proxy"))
    host = f"[{view.ip}]" if view.ip.version == 6 else str(view.ip)
    return render(("curl", "-s", f"http://{host}:{KUBE_PROXY_HEALTHZ}/healthz"))


def _undecided(topo: Topology) -> str | None:
    """Why the CNI's own Service proxy is not known, where it may serve ClusterIPs: a CNI
    kostack does not model, Antrea's settings not read, Kube-OVN's load balancer undecided."""
    cl = topo.snapshot.cluster
    assert cl is not None
    if cl.cni.type == "unknown":
        return Msg("sp.cni-unknown")
    if cl.cni.type == "antrea" and antrea_of(topo) is None:
        return Msg("sp.antrea-unread")
    lb = kubeovn_lb.for_default_subnet(topo)
    if lb is not None and lb.who == "unknown":
        return Msg("sp.kube-ovn-unknown", why=lb.why)
    return None


def proxy_where(name: str, node: str) -> str:
    """The hop's place: ``name`` (the engine's proxy_name or node_port_proxy) on ``node``."""
    if name == "kube-proxy":
        return Msg("where.kube-proxy", node=node)
    return Msg("where.proxy", proxy=name, node=node)


def unserved_hop(topo: Topology, node: str, service: Evidence, ip: object) -> Hop | None:
    """The ClusterIP hop on ``node`` when nobody serves ClusterIPs (`service_proxy` "none"):
    the connection goes nowhere, and no proxy is named where none runs; None otherwise."""
    found = service_proxy(topo)
    if found.verdict != "none":
        return None
    detail = Msg("hop.no-service-proxy", ip=ip, why=found.why)
    evidence = (service, *found.evidence)
    where = Msg("where.no-proxy", node=node)
    return Hop("kube-proxy", where, Disposition.DENIED, detail, evidence, cause=NO_SERVICE_PROXY)


def hosts_unserved(topo: Topology) -> tuple[Evidence, ...] | None:
    """The evidence that the nodes' own connections to ClusterIPs (hostNetwork pods, agents on
    the node) are served by nobody: AntreaProxy serves the pods' only (docs/antrea-proxy.md:
    without proxyAll it "will only handle Service traffic originating from Pods"), kube-proxy's
    pods are listed and none runs, and proxyAll is read and off; None otherwise."""
    found = service_proxy(topo)
    antrea = antrea_of(topo)
    if found.verdict != "served" or not found.kube_proxy_gone or antrea is None:
        return None
    if found.cluster_ips != ANTREA_PROXY or antrea.proxy_all is not False:
        return None
    where = f"kube-system/{antrea.config_map or 'antrea-config'}"
    return (*found.evidence, Evidence("configmap", where, "antreaProxy.proxyAll", "false"))


def kube_ovn_unserved(topo: Topology) -> tuple[Evidence, ...] | None:
    """The evidence that nothing serves NodePorts nor the nodes' own connections to ClusterIPs on
    Kube-OVN: OVN's load balancer serves the pods' ClusterIPs, kube-proxy's pods are listed and
    none runs; Kube-OVN's VIPs are ClusterIPs on the service's port, never a NodePort
    (docs/facts.md "Kube-OVN"); None otherwise."""
    found = service_proxy(topo)
    cl = topo.snapshot.cluster
    if found.verdict != "served" or not found.kube_proxy_gone or cl is None:
        return None
    lb = kubeovn_lb.for_default_subnet(topo)
    if cl.cni.type != "kube-ovn" or lb is None or lb.who != "ovn":
        return None
    return (*found.evidence, *lb.evidence)


def kube_ovn_unserved_subnets(topo: Topology) -> dict[str, list[str]]:
    """The Subnets whose pods nothing translates ClusterIPs for (`kube_ovn_unserved`, and the
    Subnet leaves them to kube-proxy: engine/kubeovn_lb.py), each with the nodes of its pods
    (in order); one pass over the pods."""
    if kube_ovn_unserved(topo) is None:
        return {}
    out: dict[str, dict[str, None]] = {}
    for pod in topo.pods:
        if pod.host_network or pod.ip is None or not pod.node:
            continue
        src = Endpoint("pod", pod.name, pod.ip, pod.node)
        lb = kubeovn_lb.for_source(topo, src)
        subnet = subnet_of(topo, pod.ip) if lb is not None else None
        if lb is not None and lb.who == "kube-proxy" and subnet is not None:
            out.setdefault(subnet.name, {}).setdefault(pod.node, None)
    return {name: list(nodes) for name, nodes in out.items()}
