"""Who translates a Service address on Antrea: AntreaProxy or kube-proxy (docs/facts.md
"Antrea", "AntreaProxy and proxyAll").

AntreaProxy (``antreaProxy.enable``, default true) load-balances the pods' Service traffic in
OVS, so a pod's connection to a ClusterIP never reaches kube-proxy. Everything else (the
nodes' own connections, NodePorts, LoadBalancer IPs) is kube-proxy's unless
``antreaProxy.proxyAll`` (default false). With proxyAll and kube-proxy gone, AntreaProxy serves
all of it. With kube-proxy still running beside proxyAll, docs/antrea-proxy.md says: before
Antrea v2.1 kube-proxy's rules come first and it "will usually take priority"; from v2.1
AntreaProxy's rules for NodePort, LoadBalancer and external IPs are put before kube-proxy's, "thus
it works only with kube-proxy iptables mode". Either proxy applies the same Service semantics
(endpoints, externalTrafficPolicy), so only the name changes with the answer.
"""

from __future__ import annotations

import re

from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import Topology
from kostack.model.snapshot import Antrea

ANTREA_PROXY = "AntreaProxy"
_VERSION = re.compile(r"^v?(\d+)\.(\d+)")

register(
    {
        "proxy.antrea-or-kube-proxy": {
            "en": "AntreaProxy or kube-proxy (which one serves the node's Service addresses is "
            "not decided: {why})",
            "ko": "AntreaProxy 또는 kube-proxy (노드의 서비스 주소를 어느 쪽이 처리하는지 판단하지 "
            "않음: {why})",
        },
        "proxy.why.mode-unknown": {
            "en": "whether kube-proxy still runs beside proxyAll is not known",
            "ko": "kube-proxy가 proxyAll과 함께 아직 실행되는지 알 수 없음",
        },
        "proxy.why.version": {
            "en": "Antrea's version is not known, and from v2.1 AntreaProxy's rules come before "
            "kube-proxy's",
            "ko": "Antrea 버전을 알 수 없는데, v2.1부터 AntreaProxy의 규칙이 kube-proxy보다 먼저 "
            "적용됨",
        },
        "proxy.why.mode": {
            "en": "kube-proxy runs in {mode} mode beside proxyAll, and Antrea puts its rules "
            "first only before iptables mode's",
            "ko": "kube-proxy가 proxyAll과 함께 {mode} 모드로 실행되는데, Antrea는 iptables 모드 "
            "앞에만 자기 규칙을 둠",
        },
    }
)


def antrea_of(topo: Topology) -> Antrea | None:
    """Antrea's settings when Antrea is the CNI and they were read."""
    cl = topo.snapshot.cluster
    return cl.cni.antrea if cl is not None and cl.cni.type == "antrea" else None


def proxy_all(topo: Topology) -> bool:
    """AntreaProxy serves the nodes' Service traffic too (antreaProxy.proxyAll, enable on)."""
    antrea = antrea_of(topo)
    return antrea is not None and antrea.antrea_proxy is not False and antrea.proxy_all is True


def _version(topo: Topology) -> tuple[int, int] | None:
    cl = topo.snapshot.cluster
    found = _VERSION.match((cl.cni.version if cl is not None else None) or "")
    return (int(found[1]), int(found[2])) if found else None


def node_proxy(topo: Topology, *, node_ports: bool = True) -> str | None:
    """Who serves a node's Service addresses on Antrea with proxyAll: its NodePorts and
    LoadBalancer IPs (``node_ports``), else the node's own connections to a ClusterIP; None
    when not Antrea with proxyAll (kube-proxy, as elsewhere)."""
    if not proxy_all(topo):
        return None
    cl = topo.snapshot.cluster
    mode = cl.kube_proxy_mode if cl is not None else None
    if mode == "none":
        return ANTREA_PROXY
    if mode is None:
        return Msg("proxy.antrea-or-kube-proxy", why=Msg("proxy.why.mode-unknown"))
    if not node_ports:
        return "kube-proxy"  # v2.1 moved NodePort, LoadBalancer and external IPs only
    if mode != "iptables":
        return Msg("proxy.antrea-or-kube-proxy", why=Msg("proxy.why.mode", mode=mode))
    version = _version(topo)
    if version is None:
        return Msg("proxy.antrea-or-kube-proxy", why=Msg("proxy.why.version"))
    return ANTREA_PROXY if version >= (2, 1) else "kube-proxy"
