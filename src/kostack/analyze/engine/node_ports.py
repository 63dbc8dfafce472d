"""Whether anything answers NodePorts on a node address (docs/facts.md "kube-proxy
nodePortAddresses", "AntreaProxy and proxyAll").

Three ways a load balancer member is down with every rule open:
- nothing serves any Service (engine/service_proxy.py "none"): the member down is a symptom of
  net-service-proxy's cause no-service-proxy, never a root cause of its own;
- nothing serves NodePorts: kube-proxy was removed (its pods gone, its ConfigMap kept) and the
  CNI does not replace it; Antrea without ``antreaProxy.proxyAll`` serves only the pods' own
  Service traffic (docs/antrea-proxy.md), flannel none at all;
- the member's address is outside the serving proxy's ``nodePortAddresses``
  (model/node_ports.py).
Settings not read: UNKNOWN where kube-proxy's pods run (some values of nodePortAddresses leave
the member out); snapshots without the pod count (older ones, k3s, MicroK8s) are judged as
before.
"""

from __future__ import annotations

from dataclasses import dataclass

from kostack.analyze.engine.antrea_proxy import ANTREA_PROXY, antrea_of
from kostack.analyze.engine.calico_ebpf import node_port_proxy
from kostack.analyze.engine.service_proxy import NO_SERVICE_PROXY, service_proxy
from kostack.analyze.engine.types import Disposition, Evidence
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import Topology
from kostack.model.node_ports import antrea_answers, kube_proxy_answers
from kostack.model.snapshot import IPAddress, Node

NO_PROXY = "lb-no-node-port-proxy"
OUTSIDE = "lb-node-port-addresses"

register(
    {
        "np.no-proxy-antrea": {
            "en": "nothing serves NodePort {port} on {node}: no kube-proxy pod runs (its "
            "ConfigMap is kept) and Antrea's antreaProxy.proxyAll is off, so AntreaProxy serves "
            "only the pods' own Service traffic",
            "ko": "{node}에서 NodePort {port:을/를} 처리하는 것이 없습니다: kube-proxy Pod가 없고"
            "(ConfigMap만 남음) Antrea의 antreaProxy.proxyAll이 꺼져 있어 AntreaProxy는 Pod의 "
            "Service 트래픽만 처리합니다",
        },
        "np.no-proxy-antrea-off": {
            "en": "nothing serves NodePort {port} on {node}: no kube-proxy pod runs (its "
            "ConfigMap is kept) and Antrea's antreaProxy.enable is false",
            "ko": "{node}에서 NodePort {port:을/를} 처리하는 것이 없습니다: kube-proxy Pod가 없고"
            "(ConfigMap만 남음) Antrea의 antreaProxy.enable이 false입니다",
        },
        "np.no-proxy-kube-ovn": {
            "en": "nothing serves NodePort {port} on {node}: no kube-proxy pod runs (its "
            "ConfigMap is kept) and Kube-OVN's OVN load balancers hold the ClusterIPs on the "
            "service's ports only, never a NodePort",
            "ko": "{node}에서 NodePort {port:을/를} 처리하는 것이 없습니다: kube-proxy Pod가 없고"
            "(ConfigMap만 남음) Kube-OVN의 OVN 로드 밸런서에는 서비스 포트의 ClusterIP만 있고 "
            "NodePort는 없습니다",
        },
        "np.nobody": {
            "en": "nothing serves NodePort {port} on {node}: {why}",
            "ko": "{node}에서 NodePort {port:을/를} 처리하는 것이 없습니다: {why}",
        },
        "where.no-node-port-proxy": {
            "en": "no NodePort proxy on {node}",
            "ko": "{node}에 NodePort 프록시 없음",
        },
        "np.no-proxy-unknown": {
            "en": "no kube-proxy pod runs (its ConfigMap is kept): whether {cni} serves NodePort "
            "{port} on {node} in its place is not known",
            "ko": "kube-proxy Pod가 없습니다(ConfigMap만 남음): {node}에서 {cni:이/가} 대신 "
            "NodePort {port:을/를} 처리하는지 알 수 없습니다",
        },
        "np.outside": {
            "en": "{proxy} does not answer NodePort {port} on {address} ({node}): the address is "
            "outside its nodePortAddresses ({allowed})",
            "ko": "{proxy:은/는} {address}({node})에서 NodePort {port}에 응답하지 않습니다: 그 "
            "주소가 nodePortAddresses({allowed}) 밖에 있습니다",
        },
        "np.outside-unknown": {
            "en": "whether AntreaProxy answers NodePort {port} on {address} ({node}) is not known: "
            "its nodePortAddresses ({allowed}) list no CIDR of that address's family",
            "ko": "AntreaProxy가 {address}({node})에서 NodePort {port}에 응답하는지 알 수 "
            "없습니다: nodePortAddresses({allowed})에 그 주소 계열의 CIDR가 없습니다",
        },
        "np.unread": {
            "en": "whether kube-proxy answers NodePort {port} on {address} ({node}) is not "
            "known: its nodePortAddresses were not read (`kubectl -n kube-system get configmap "
            "kube-proxy -o yaml`)",
            "ko": "kube-proxy가 {address}({node})에서 NodePort {port}에 응답하는지 알 수 "
            "없습니다: nodePortAddresses를 읽지 못했습니다(`kubectl -n kube-system get configmap "
            "kube-proxy -o yaml`)",
        },
        # the health monitor's sentence (loadbalancer/monitor.py health_text)
        "lb.health-no-proxy": {
            "en": "nothing serves NodePorts on {member} (no kube-proxy, and the CNI does not "
            "replace it): the check on port {port} gets no answer ({status})",
            "ko": "{member}에서 NodePort를 처리하는 것이 없어(kube-proxy가 없고 CNI가 이를 "
            "대신하지 않음) 포트 {port} 체크가 응답을 받지 못합니다 ({status})",
        },
        "lb.health-node-port-addresses": {
            "en": "{proxy} does not answer NodePorts on the member address of {member} (outside "
            "its nodePortAddresses): the check on port {port} gets no answer ({status})",
            "ko": "{member}의 멤버 주소가 nodePortAddresses 밖에 있어 {proxy:이/가} NodePort에 "
            "응답하지 않으므로 포트 {port} 체크가 응답을 받지 못합니다 ({status})",
        },
    }
)


@dataclass(frozen=True)
class Unanswered:
    """Why a NodePort on a node address gets no answer (or may not)."""

    disposition: Disposition  # DENIED, or UNKNOWN when it depends on what is not read
    cause: str  # NO_SERVICE_PROXY | NO_PROXY | OUTSIDE, or "gap"
    why: str
    evidence: tuple[Evidence, ...]


def removed_proxy(topo: Topology, node: str, port: object) -> Unanswered | None:
    """Nothing serves NodePorts: nobody serves Services at all (engine/service_proxy.py "none",
    cause no-service-proxy, of which a member down is a symptom), or kube-proxy's pods are gone
    while its ConfigMap (its mode) is kept and the CNI's settings say it does not serve them
    instead (Antrea without proxyAll). None when kube-proxy runs, something replaces it, or what
    runs is not known (model/cluster.py kube_proxy_pods)."""
    cl = topo.snapshot.cluster
    if cl is None:
        return None
    found = service_proxy(topo)
    nobody = found.verdict == "none"
    if not nobody and (cl.kube_proxy_pods != 0 or cl.kube_proxy_mode in (None, "none")):
        return None
    if node_port_proxy(topo) != "kube-proxy":
        return None
    cause = NO_SERVICE_PROXY if nobody else NO_PROXY
    evidence = found.evidence
    if not nobody:
        pods = Evidence("cluster", "kube-proxy", "pods", "0")
        mode = str(cl.kube_proxy_mode)
        evidence = (pods, Evidence("configmap", "kube-system/kube-proxy", "config.conf mode", mode))
    antrea = antrea_of(topo)
    if antrea is not None:
        where = f"kube-system/{antrea.config_map or 'antrea-config'}"
        field, value, key = "antreaProxy.proxyAll", antrea.proxy_all, "np.no-proxy-antrea"
        if antrea.antrea_proxy is False:
            field, value, key = "antreaProxy.enable", False, "np.no-proxy-antrea-off"
        setting = Evidence("configmap", where, field, str(value).lower())
        why = Msg(key, port=port, node=node)
        if nobody and cl.kube_proxy_mode is None:  # kubeadm's, its ConfigMap gone too
            why = Msg("np.nobody", port=port, node=node, why=found.why)
        return Unanswered(Disposition.DENIED, cause, why, (*evidence, setting))
    if nobody:
        why = Msg("np.nobody", port=port, node=node, why=found.why)
        return Unanswered(Disposition.DENIED, cause, why, evidence)
    if cl.cni.type == "kube-ovn":  # its VIPs are ClusterIPs only (docs/facts.md "Kube-OVN")
        why = Msg("np.no-proxy-kube-ovn", port=port, node=node)
        return Unanswered(Disposition.DENIED, cause, why, evidence)
    why = Msg("np.no-proxy-unknown", port=port, node=node, cni=cl.cni.type or "the CNI")
    return Unanswered(Disposition.UNKNOWN, "gap", why, evidence)


def outside_addresses(
    topo: Topology, node: Node, address: IPAddress | None, port: object
) -> Unanswered | None:
    """The member address is outside the serving proxy's nodePortAddresses. None when it is
    inside, the setting was not read, or another proxy (Calico eBPF, Cilium) serves."""
    cl = topo.snapshot.cluster
    if cl is None or address is None:
        return None
    proxy = node_port_proxy(topo)
    antrea = antrea_of(topo)
    if proxy == ANTREA_PROXY and antrea is not None and antrea.node_port_addresses is not None:
        cidrs = antrea.node_port_addresses
        answers = antrea_answers(cidrs, address)
        allowed = ", ".join(map(str, cidrs))
        where = f"kube-system/{antrea.config_map or 'antrea-config'}"
        ev = Evidence("configmap", where, "antreaProxy.nodePortAddresses", allowed)
    elif proxy == "kube-proxy" and cl.kube_proxy_node_port_addresses is not None:
        written = cl.kube_proxy_node_port_addresses
        answers = kube_proxy_answers(written, address, node.internal_ips)
        allowed = ", ".join(written)
        ev = Evidence("configmap", "kube-system/kube-proxy", "nodePortAddresses", allowed)
    elif proxy == "kube-proxy" and cl.kube_proxy_pods:
        # kube-proxy's pods run but its setting was not read (its ConfigMap denied, a --config
        # file kostack cannot see): some values leave this address out, others do not
        why = Msg("np.unread", port=port, address=address, node=node.name)
        ev = Evidence("configmap", "kube-system/kube-proxy", "nodePortAddresses", "?")
        return Unanswered(Disposition.UNKNOWN, "gap", why, (ev,))
    else:
        return None
    params = {"port": port, "address": address, "node": node.name, "allowed": allowed}
    if answers is None:
        why = Msg("np.outside-unknown", **params)
        return Unanswered(Disposition.UNKNOWN, "gap", why, (ev,))
    if answers:
        return None
    why = Msg("np.outside", proxy=proxy, **params)
    return Unanswered(Disposition.DENIED, OUTSIDE, why, (ev,))
