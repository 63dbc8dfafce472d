"""net-service-proxy: something serves the cluster's ClusterIPs and NodePorts.

One finding per cluster (engine/service_proxy.py): PASS names who serves them (kube-proxy,
Calico's eBPF data plane, Cilium's or kube-router's replacement, AntreaProxy, OVN's load
balancers); FAIL when nobody serves ClusterIPs (kube-proxy removed and the CNI does not replace
it), a root cause whose symptoms are net-dns and net-api-service: every ClusterIP is dead;
a warning (cause antrea-hosts-no-cluster-ip) when AntreaProxy serves the pods' ClusterIPs with
kube-proxy gone and proxyAll off, so the nodes' own connections to ClusterIPs reach nothing;
UNKNOWN when it cannot be told (no kube-proxy seen on a cluster not known to be kubeadm's, or
its pods not listed beside a kept ConfigMap); UNKNOWN too where the CNI serves the pods'
ClusterIPs and no kube-proxy is seen off kubeadm: NodePorts may be a systemd unit's, or nobody's. A PASS that rests on less than kube-proxy's pods
or the CNI's settings (kube-proxy's ConfigMap alone, MicroK8s' node label) says so.
"""

from __future__ import annotations

from kostack.analyze.checks._service_proxy_fix import kube_proxy_back, no_service_proxy_fix
from kostack.analyze.checks.base import CheckContext, Kind, Says, when_collected
from kostack.analyze.engine.node_names import nodes_label
from kostack.analyze.engine.service_proxy import (
    HOSTS_UNSERVED,
    KUBE_OVN_SUBNET_UNSERVED,
    KUBE_OVN_UNSERVED,
    NO_SERVICE_PROXY,
    hosts_unserved,
    kube_ovn_unserved,
    kube_ovn_unserved_subnets,
    service_proxy,
)
from kostack.analyze.findings import MANUAL_OP, Finding, Remedy, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.shell import render

ID = "net-service-proxy"
TITLE = "Something serves the cluster's ClusterIPs and NodePorts"
SEVERITY = Severity.CRITICAL
SAY = Says(ID, SEVERITY)
NEEDS = ("cluster.cni",)
REMEDIES: frozenset[str] = frozenset({MANUAL_OP})
CAUSE_KINDS: dict[str, Kind] = {
    NO_SERVICE_PROXY: Kind.ROOT,
    HOSTS_UNSERVED: Kind.WARNING,
    KUBE_OVN_UNSERVED: Kind.WARNING,
    KUBE_OVN_SUBNET_UNSERVED: Kind.ROOT,
}
# the nodes' own connections to ClusterIPs unserved (Antrea without proxyAll): the pods' work
SAY_HOSTS = Says(ID, Severity.MEDIUM)
SEVERITY_NOTE = (
    "critical: without a Service proxy every ClusterIP is dead, the cluster's DNS and the "
    "pods' way to the API server with them."
)

register(
    {
        f"{ID}.pass": {
            "en": "Services are served: the pods' ClusterIPs by {cluster_ips}, NodePorts by "
            "{node_ports}.",
            "ko": "Service가 처리됩니다: Pod의 ClusterIP는 {cluster_ips}, NodePort는 {node_ports}.",
        },
        f"{ID}.pass-on": {
            "en": "Services are served: the pods' ClusterIPs by {cluster_ips}, NodePorts by "
            "{node_ports} ({basis}).",
            "ko": "Service가 처리됩니다: Pod의 ClusterIP는 {cluster_ips}, NodePort는 {node_ports} "
            "({basis}).",
        },
        f"{ID}.hosts": {
            "en": "The pods' ClusterIPs are served by AntreaProxy, but kube-proxy is gone and "
            "antreaProxy.proxyAll is off: AntreaProxy then serves only Service traffic from "
            "pods, so the nodes' own connections to a ClusterIP (hostNetwork pods, agents on the "
            "node) reach no Service, and nothing serves NodePorts. antreaProxy.proxyAll on (with "
            "kubeAPIServerOverride), or kube-proxy again, serves them.",
            "ko": "Pod의 ClusterIP는 AntreaProxy가 처리하지만 kube-proxy가 없고 "
            "antreaProxy.proxyAll이 꺼져 있습니다: 이때 AntreaProxy는 Pod에서 나가는 Service "
            "트래픽만 처리하므로 노드 자신의 ClusterIP 연결(hostNetwork Pod, 노드의 에이전트)은 "
            "어떤 Service에도 닿지 않고, NodePort를 처리하는 것도 없습니다. antreaProxy.proxyAll을 "
            "켜거나(kubeAPIServerOverride와 함께) kube-proxy를 다시 실행하면 처리됩니다.",
        },
        f"{ID}.kube-ovn": {
            "en": "The pods' ClusterIPs are served by Kube-OVN's OVN load balancer, but kube-proxy "
            "is gone: Kube-OVN puts only ClusterIPs on the service's ports in OVN's load "
            "balancers, none on the nodes' own switch and never a NodePort, so nothing serves "
            "NodePorts and the nodes' own connections to a ClusterIP (hostNetwork pods, agents on "
            "the node) reach no Service. Running kube-proxy again serves them.",
            "ko": "Pod의 ClusterIP는 Kube-OVN의 OVN 로드 밸런서가 처리하지만 kube-proxy가 "
            "없습니다: Kube-OVN은 OVN 로드 밸런서에 서비스 포트의 ClusterIP만 넣고, 노드 자신의 "
            "스위치에는 넣지 않으며 NodePort는 넣지 않으므로, NodePort를 처리하는 것이 없고 노드 "
            "자신의 ClusterIP 연결(hostNetwork Pod, 노드의 에이전트)은 어떤 Service에도 닿지 "
            "않습니다. kube-proxy를 다시 실행하면 처리됩니다.",
        },
        f"{ID}.kube-ovn-subnets": {
            "en": "Nothing serves the ClusterIPs of the pods of Kube-OVN Subnet {subnets} (on "
            "{nodes}): OVN's load balancer is off there (enableLb false, or kube-ovn-controller "
            "--enable-lb=false), so kube-proxy would translate them, and kube-proxy is gone. "
            "Their DNS and the kubernetes Service fail. Running kube-proxy again, or enableLb "
            "true on the Subnet, serves them.",
            "ko": "Kube-OVN Subnet {subnets}의 Pod({nodes})에서는 ClusterIP를 처리하는 것이 "
            "없습니다: 그곳은 OVN 로드 밸런서가 꺼져 있어(enableLb false, 또는 kube-ovn-controller "
            "--enable-lb=false) kube-proxy가 변환해야 하는데 kube-proxy가 없습니다. 그 Pod의 DNS와 "
            "kubernetes Service가 실패합니다. kube-proxy를 다시 실행하거나 Subnet의 enableLb를 "
            "true로 하면 처리됩니다.",
        },
        f"{ID}.hosts-edit": {
            "en": "in antrea-agent.conf set antreaProxy.proxyAll: true and kubeAPIServerOverride "
            "to the API server's address; or run kube-proxy again (its DaemonSet)",
            "ko": "antrea-agent.conf에서 antreaProxy.proxyAll: true로 설정하고 "
            "kubeAPIServerOverride를 API 서버 주소로 지정하세요. 또는 kube-proxy를 다시 "
            "실행하세요(DaemonSet)",
        },
        f"{ID}.hosts-restart": {
            "en": "restart antrea-agent so that it reads the change",
            "ko": "antrea-agent가 바뀐 설정을 읽도록 재시작합니다",
        },
        f"{ID}.no-node-ports": {
            "en": "nobody (lb-members-down names it where a load balancer's members are down)",
            "ko": "처리하는 것이 없음 (로드 밸런서 멤버가 다운되면 lb-members-down이 알려 줌)",
        },
        f"{ID}.fail": {
            "en": "Nothing serves Services: {why}. Every ClusterIP is dead, the cluster DNS and "
            "the kubernetes Service with them.",
            "ko": "Service를 처리하는 것이 없습니다: {why}. 모든 ClusterIP가 동작하지 않으며 "
            "클러스터 DNS와 kubernetes Service도 마찬가지입니다.",
        },
        f"{ID}.unknown-node-ports": {
            "en": "The pods' ClusterIPs are served by {cluster_ips}, but who serves NodePorts and "
            "the nodes' own connections to ClusterIPs cannot be decided: {why}.",
            "ko": "Pod의 ClusterIP는 {cluster_ips:이/가} 처리하지만, NodePort와 노드 자신의 "
            "ClusterIP 연결을 누가 처리하는지는 판단할 수 없음: {why}.",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide who serves Services: {why}.",
            "ko": "Service를 누가 처리하는지 판단할 수 없음: {why}.",
        },
    }
)


def _hosts_remedies(config: str) -> tuple[Remedy, ...]:
    """proxyAll on in Antrea's ConfigMap ``config`` (namespace/name), then the agents restarted
    (docs/facts.md "AntreaProxy and proxyAll")."""
    namespace, _, name = config.partition("/")
    edit = render(("kubectl", "-n", namespace, "edit", "configmap", name))
    restart = render(("kubectl", "-n", namespace, "rollout", "restart", "daemonset/antrea-agent"))
    return (
        Remedy(
            MANUAL_OP,
            "configmap",
            config,
            name,
            (("command", edit),),
            Msg(f"{ID}.hosts-edit"),
            HOSTS_UNSERVED,
        ),
        Remedy(
            MANUAL_OP,
            "daemonset",
            f"{namespace}/antrea-agent",
            "antrea-agent",
            (("command", restart),),
            Msg(f"{ID}.hosts-restart"),
            HOSTS_UNSERVED,
        ),
    )


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    found = service_proxy(ctx.topo)
    evidence = tuple(e.text() for e in found.evidence)
    if found.verdict == "unknown":
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.unknown", why=found.why), evidence)]
    if found.verdict == "none":
        message = Msg(f"{ID}.fail", why=found.why)
        return [
            SAY.cluster(
                ctx,
                Status.FAIL,
                message,
                evidence,
                no_service_proxy_fix(ctx.topo),
                cause=NO_SERVICE_PROXY,
            )
        ]
    hosts = hosts_unserved(ctx.topo)
    if hosts is not None:
        evidence = tuple(e.text() for e in hosts)
        remedies = _hosts_remedies(hosts[-1].id)
        message = Msg(f"{ID}.hosts")
        return [
            SAY_HOSTS.cluster(ctx, Status.FAIL, message, evidence, remedies, cause=HOSTS_UNSERVED)
        ]
    ovn = kube_ovn_unserved(ctx.topo)
    if ovn is not None:
        evidence = tuple(e.text() for e in ovn)
        fix = kube_proxy_back(alone=False, cause=KUBE_OVN_UNSERVED)
        message = Msg(f"{ID}.kube-ovn")
        found_ovn = [
            SAY_HOSTS.cluster(ctx, Status.FAIL, message, evidence, fix, cause=KUBE_OVN_UNSERVED)
        ]
        return found_ovn + _subnets_unserved(ctx, evidence)
    if found.node_ports_unknown:  # never "NodePorts by nobody" where kube-proxy may run unseen
        why = found.node_ports_unknown
        message = Msg(f"{ID}.unknown-node-ports", cluster_ips=found.cluster_ips, why=why)
        return [SAY.cluster(ctx, Status.UNKNOWN, message, evidence)]
    node_ports = found.node_ports or Msg(f"{ID}.no-node-ports")
    message = Msg(f"{ID}.pass", cluster_ips=found.cluster_ips, node_ports=node_ports)
    if found.basis:  # what the PASS rests on, said where it is not the pods or the CNI's own
        message = Msg(
            f"{ID}.pass-on", cluster_ips=found.cluster_ips, node_ports=node_ports, basis=found.basis
        )
    return [SAY.cluster(ctx, Status.PASS, message, evidence)]


def _subnets_unserved(ctx: CheckContext, evidence: tuple[str, ...]) -> list[Finding]:
    """A root cause where Kube-OVN Subnets with pods leave their ClusterIPs to the kube-proxy
    that is gone (engine/service_proxy.py `kube_ovn_unserved_subnets`): net-dns and
    net-api-service fail for those pods as its symptoms."""
    subnets = kube_ovn_unserved_subnets(ctx.topo)
    if not subnets:
        return []
    nodes = list(dict.fromkeys(n for names in subnets.values() for n in names))
    message = Msg(
        f"{ID}.kube-ovn-subnets",
        subnets=", ".join(subnets),
        nodes=nodes_label(nodes, len(ctx.topo.node_views)),
    )
    fix = kube_proxy_back(alone=False, cause=KUBE_OVN_SUBNET_UNSERVED)
    return [
        SAY.cluster(
            ctx,
            Status.FAIL,
            message,
            evidence,
            fix,
            cause=KUBE_OVN_SUBNET_UNSERVED,
            nodes=tuple(nodes),
        )
    ]
