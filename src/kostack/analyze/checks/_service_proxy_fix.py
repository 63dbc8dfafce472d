"""The fix when nothing serves Services (net-service-proxy's root cause no-service-proxy, and
lb-members-down's members under it): kubeadm's kube-proxy addon again (the DaemonSet looked
at, kubeadm's own configuration saved, the addon phase run); on Antrea with
``antreaProxy.enable`` false, turning AntreaProxy on is another way, said as one of two ways
(findings `either`), never as steps to run one after the other (docs/facts.md "Who serves
ClusterIPs and NodePorts", "AntreaProxy and proxyAll")."""

from __future__ import annotations

import shlex

from kostack.analyze.engine.antrea_proxy import antrea_of
from kostack.analyze.engine.service_proxy import NO_SERVICE_PROXY
from kostack.analyze.findings import MANUAL_OP, Remedy, either
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import Topology
from kostack.shell import render

CONFIG_FILE = "kubeadm-config.yaml"

register(
    {
        "net-service-proxy.check": {
            "en": "see whether kube-proxy's DaemonSet is still there (a nodeSelector may keep its "
            "pods off every node)",
            "ko": "kube-proxy DaemonSet이 남아 있는지 확인합니다 (nodeSelector 때문에 Pod가 어느 "
            "노드에도 뜨지 않을 수 있음)",
        },
        "net-service-proxy.save": {
            "en": "on a control plane node, save kubeadm's cluster configuration as {file}",
            "ko": "컨트롤 플레인 노드에서 kubeadm의 클러스터 설정을 {file}에 저장합니다",
        },
        "net-service-proxy.restore": {
            "en": "install kubeadm's kube-proxy addon again (its DaemonSet), or turn on the "
            "CNI's kube-proxy replacement instead",
            "ko": "kubeadm의 kube-proxy 애드온(DaemonSet)을 다시 설치합니다. 또는 대신 CNI의 "
            "kube-proxy 대체 기능을 켭니다",
        },
        "sp-fix.kube-proxy": {
            "en": "run kube-proxy again: see whether its DaemonSet is still there (a nodeSelector "
            "may keep its pods off every node)",
            "ko": "kube-proxy를 다시 실행합니다: 먼저 DaemonSet이 남아 있는지 확인합니다 "
            "(nodeSelector 때문에 Pod가 어느 노드에도 뜨지 않을 수 있음)",
        },
        "sp-fix.restore-addon": {
            "en": "install kubeadm's kube-proxy addon again (its DaemonSet)",
            "ko": "kubeadm의 kube-proxy 애드온(DaemonSet)을 다시 설치합니다",
        },
        "sp-fix.antrea-on": {
            "en": "turn AntreaProxy on: in antrea-agent.conf set antreaProxy.enable: true (it "
            "serves the pods' ClusterIPs); with kube-proxy gone, also antreaProxy.proxyAll: true "
            "and kubeAPIServerOverride to the API server's address for NodePorts and the nodes' "
            "own connections",
            "ko": "AntreaProxy를 켭니다: antrea-agent.conf에서 antreaProxy.enable: true로 설정합니다"
            "(Pod의 ClusterIP 처리). kube-proxy가 없으므로 NodePort와 노드 자신의 연결까지 처리하려면 "
            "antreaProxy.proxyAll: true와 kubeAPIServerOverride(API 서버 주소)도 설정합니다",
        },
        "sp-fix.antrea-restart": {
            "en": "restart antrea-agent so that it reads the change",
            "ko": "antrea-agent가 바뀐 설정을 읽도록 재시작합니다",
        },
    }
)


def _manual(
    kind: str, where: str, command: str, reason: Msg, cause: str = NO_SERVICE_PROXY
) -> Remedy:
    name = where.split("/")[1]
    return Remedy(MANUAL_OP, kind, where, name, (("command", command),), reason, cause)


def kube_proxy_back(*, alone: bool = True, cause: str = NO_SERVICE_PROXY) -> tuple[Remedy, ...]:
    """Look at the DaemonSet, then kubeadm's addon phase with the cluster's own configuration;
    ``alone`` False: one of two ways, or kube-proxy the only fix, so its words name kube-proxy
    alone; ``cause``: the cause it fixes."""
    daemonset = ("kubectl", "-n", "kube-system", "get", "daemonset", "kube-proxy", "-o", "wide")
    jsonpath = "jsonpath={.data.ClusterConfiguration}"
    get = ("kubectl", "-n", "kube-system", "get", "configmap", "kubeadm-config", "-o", jsonpath)
    addon = ("kubeadm", "init", "phase", "addon", "kube-proxy", "--config", CONFIG_FILE)
    return (
        _manual(
            "daemonset",
            "kube-system/kube-proxy",
            render(daemonset),
            Msg("net-service-proxy.check" if alone else "sp-fix.kube-proxy"),
            cause,
        ),
        _manual(
            "configmap",
            "kube-system/kubeadm-config",
            render(get) + f" > {shlex.quote(CONFIG_FILE)}",  # the file the next step reads
            Msg("net-service-proxy.save", file=CONFIG_FILE),
            cause,
        ),
        _manual(
            "daemonset",
            "kube-system/kube-proxy",
            render(addon),
            Msg("net-service-proxy.restore" if alone else "sp-fix.restore-addon"),
            cause,
        ),
    )


def antrea_proxy_off(topo: Topology) -> str | None:
    """Antrea's ConfigMap (namespace/name) when its settings say antreaProxy.enable false."""
    antrea = antrea_of(topo)
    if antrea is None or antrea.antrea_proxy is not False:
        return None
    return f"kube-system/{antrea.config_map or 'antrea-config'}"


def antrea_on(config: str) -> tuple[Remedy, ...]:
    """antreaProxy.enable on in Antrea's ConfigMap ``config`` (namespace/name), then the agents
    restarted."""
    namespace, _, name = config.partition("/")
    edit = render(("kubectl", "-n", namespace, "edit", "configmap", name))
    restart = render(("kubectl", "-n", namespace, "rollout", "restart", "daemonset/antrea-agent"))
    return (
        _manual("configmap", config, edit, Msg("sp-fix.antrea-on")),
        _manual("daemonset", f"{namespace}/antrea-agent", restart, Msg("sp-fix.antrea-restart")),
    )


def no_service_proxy_fix(topo: Topology) -> tuple[Remedy, ...]:
    """The fix for no-service-proxy here: kube-proxy again, or (Antrea with AntreaProxy off)
    either that or AntreaProxy on."""
    config = antrea_proxy_off(topo)
    return kube_proxy_back() if config is None else either_way(config)


def either_way(config: str) -> tuple[Remedy, ...]:
    """kube-proxy again, or AntreaProxy on in Antrea's ConfigMap ``config``: one of two ways."""
    return either(kube_proxy_back(alone=False), antrea_on(config))
