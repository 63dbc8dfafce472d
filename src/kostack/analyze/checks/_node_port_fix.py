"""The hand-made fixes when nothing answers NodePorts on load balancer members (lb-members-down's
causes lb-no-node-port-proxy and lb-node-port-addresses; engine/node_ports.py): a ConfigMap to
edit, what to set in it, and the agents to restart (docs/facts.md "AntreaProxy and proxyAll",
"kube-proxy nodePortAddresses")."""

from __future__ import annotations

from collections.abc import Sequence

from kostack.analyze.checks._service_proxy_fix import either_way, kube_proxy_back
from kostack.analyze.engine.node_ports import NO_PROXY, OUTSIDE
from kostack.analyze.engine.service_proxy import NO_SERVICE_PROXY
from kostack.analyze.findings import MANUAL_OP, Remedy
from kostack.analyze.loadbalancer.monitor import MemberHealth
from kostack.analyze.messages import Msg, register
from kostack.shell import render

register(
    {
        "np-fix.proxy-all": {
            "en": "in antrea-agent.conf set antreaProxy.proxyAll: true and kubeAPIServerOverride "
            "to the API server's address (without kube-proxy the agents cannot use the "
            "kubernetes Service); or run kube-proxy again (its DaemonSet)",
            "ko": "antrea-agent.conf에서 antreaProxy.proxyAll: true로 설정하고 "
            "kubeAPIServerOverride를 API 서버 주소로 지정하세요(kube-proxy가 없으면 에이전트가 "
            "kubernetes Service를 쓸 수 없음). 또는 kube-proxy를 다시 실행하세요(DaemonSet)",
        },
        "np-fix.proxy-on": {
            "en": "in antrea-agent.conf set antreaProxy.enable: true, antreaProxy.proxyAll: true "
            "and kubeAPIServerOverride to the API server's address; or run kube-proxy again "
            "(its DaemonSet)",
            "ko": "antrea-agent.conf에서 antreaProxy.enable: true, antreaProxy.proxyAll: true로 "
            "설정하고 kubeAPIServerOverride를 API 서버 주소로 지정하세요. 또는 kube-proxy를 다시 "
            "실행하세요(DaemonSet)",
        },
        "np-fix.kube-proxy": {
            "en": "run kube-proxy again (its DaemonSet): Kube-OVN serves no NodePort itself",
            "ko": "kube-proxy를 다시 실행하세요(DaemonSet): Kube-OVN은 NodePort를 직접 처리하지 "
            "않습니다",
        },
        "np-fix.addresses": {
            "en": "in {file} add the member addresses ({cidrs}) to {field}, or remove the "
            "setting (every address answers)",
            "ko": "{file}의 {field}에 멤버 주소({cidrs})를 추가하거나 설정을 지우세요(모든 주소가 "
            "응답)",
        },
        "np-fix.why": {"en": "{why}; to fix it, {what}", "ko": "{why}. 해결하려면 {what}"},
        "np-fix.edit": {
            "en": "edit ConfigMap {name}",
            "ko": "ConfigMap {name} 편집",
        },
        "np-fix.restart": {
            "en": "restart {agent} so that it reads the change",
            "ko": "{agent:이/가} 바뀐 설정을 읽도록 재시작",
        },
    }
)


def _hop_evidence(rows: Sequence[MemberHealth], cause: str) -> tuple[str, str] | None:
    """The ConfigMap (namespace/name) the hop names for ``cause``, and its field."""
    for hop in rows[0].hops:
        if hop.cause == cause:
            found = next((e for e in hop.evidence if e.kind == "configmap"), None)
            if found is not None and cause in (NO_PROXY, NO_SERVICE_PROXY):
                found = next(e for e in reversed(hop.evidence) if e.kind == "configmap")
            return (found.id, found.field) if found is not None else None
    return None


def node_port_fixes(
    rows: Sequence[MemberHealth], cause: str, why: Msg
) -> tuple[Msg, tuple[Remedy, ...]]:
    """A group of down members' sentence ``why`` with what to set, and the manual steps: the
    ConfigMap edit and the agents' restart; ``why`` alone and no step when the hop names no
    ConfigMap of Antrea's or kube-proxy's."""
    found = _hop_evidence(rows, cause)
    if found is None:
        return why, ()
    where, field = found
    antrea = field.startswith("antreaProxy.")
    if cause == NO_SERVICE_PROXY and field == "antreaProxy.enable":
        # nothing serves ClusterIPs either: net-service-proxy's fix, kube-proxy or AntreaProxy
        return Msg("np-fix.why", why=why, what=Msg("np-fix.proxy-on")), either_way(where)
    if cause == NO_PROXY and not antrea:  # Kube-OVN: kube-proxy is the only NodePort proxy
        what = Msg("np-fix.kube-proxy")
        return Msg("np-fix.why", why=why, what=what), kube_proxy_back(alone=False, cause=cause)
    if cause in (NO_PROXY, NO_SERVICE_PROXY) and antrea:
        what = Msg("np-fix.proxy-on" if field == "antreaProxy.enable" else "np-fix.proxy-all")
    elif cause == OUTSIDE:
        file, field_name = ("antrea-agent.conf", field) if antrea else ("config.conf", field)
        addresses = [
            h.member.address or (h.member.node.ip if h.member.node else None) for h in rows
        ]
        cidrs = ", ".join(
            dict.fromkeys(f"{ip}/{32 if ip.version == 4 else 128}" for ip in addresses if ip)
        )
        what = Msg("np-fix.addresses", file=file, field=field_name, cidrs=cidrs)
    else:
        return why, ()
    namespace, _, name = where.partition("/")
    agent = "antrea-agent" if antrea else "kube-proxy"
    edit = render(("kubectl", "-n", namespace, "edit", "configmap", name))
    restart = render(("kubectl", "-n", namespace, "rollout", "restart", f"daemonset/{agent}"))
    daemonset = f"{namespace}/{agent}"
    return Msg("np-fix.why", why=why, what=what), (
        Remedy(
            MANUAL_OP,
            "configmap",
            where,
            name,
            (("command", edit),),
            Msg("np-fix.edit", name=where),
            cause=cause,
        ),
        Remedy(
            MANUAL_OP,
            "daemonset",
            daemonset,
            agent,
            (("command", restart),),
            Msg("np-fix.restart", agent=agent),
            cause=cause,
        ),
    )
