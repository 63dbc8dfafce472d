"""The records of a probe plan: probe kinds, predictions, planned probes, the plan.

Shared by the planner (`kostack.probe.plan`), the engine's predictions
(`kostack.probe.predict`), the runners and the report. Also registers the
messages the planner and the predictions print.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import IPAddress

__all__ = [
    "ALL_PAIRS_CLASSES",
    "DEFAULT_EGRESS",
    "DEFAULT_MAX_SOURCES",
    "ECHO_PORT",
    "IPV6_KINDS",
    "KINDS",
    "MTU_LADDER",
    "TRANSFER_SIZES",
    "KindInfo",
    "Outcome",
    "PlannedProbe",
    "Prediction",
    "ProbePlan",
    "at_port",
    "place",
]

ECHO_PORT = 8080  # the lab's pods and kostack's echo pods listen here
DEFAULT_MAX_SOURCES = 16
ALL_PAIRS_CLASSES = 8
DEFAULT_EGRESS: tuple[str, int] = ("1.1.1.1", 443)
MTU_LADDER = (1000, 1280, 1400, 1450, 1500)
TRANSFER_SIZES = (65536, 1048576)

# "intermittent": blocked for some connections only (a masquerade's random source port
# decides: engine/stateless.py), so a probe may pass or fail and proves neither
Outcome = Literal["open", "blocked", "no-reply-expected", "partial", "intermittent", "unknown"]

register(
    {
        "probe.no-pod": {
            "en": "no pod address is known on node {node} (no pods, no pod CIDR)",
            "ko": "노드 {node}에서 쓸 Pod 주소를 알 수 없습니다 (Pod도 Pod CIDR도 없음)",
        },
        "probe.mtu-unknown": {
            "en": "the pod MTU or the network MTU was not collected",
            "ko": "Pod MTU 또는 네트워크 MTU를 수집하지 못했습니다",
        },
        "probe.mtu-too-big": {
            "en": "pods send packets of up to {pod_mtu} bytes, but the path carries {path_mtu} "
            "({net_mtu} - {overhead} for {kind}): larger packets are dropped",
            "ko": "Pod는 최대 {pod_mtu}바이트 패킷을 보내지만 경로는 {path_mtu}바이트({net_mtu} - {kind} "
            "{overhead})까지만 전달합니다: 더 큰 패킷은 버려집니다",
        },
        "probe.mtu-fits": {
            "en": "pod MTU {pod_mtu} fits the path ({path_mtu} = {net_mtu} - {overhead} for {kind})",
            "ko": "Pod MTU {pod_mtu:이/가} 경로({path_mtu} = {net_mtu} - {kind} {overhead})에 맞습니다",
        },
        "probe.no-encap": {"en": "no encapsulation", "ko": "캡슐화 없음"},
        "probe.where-network": {"en": "tenant network {name}", "ko": "테넌트 네트워크 {name}"},
        "probe.path-native": {
            "en": "{scope}, native (pod IPs on the wire)",
            "ko": "{scope}, 캡슐화 없음 (Pod IP가 그대로 전달)",
        },
        "probe.path-encap": {"en": "{scope}, {kind}", "ko": "{scope}, {kind}"},
        "probe.same-subnet": {"en": "same subnet", "ko": "같은 서브넷"},
        "probe.cross-subnet": {"en": "cross subnet", "ko": "다른 서브넷"},
        "probe.subnet-unknown": {"en": "subnets unknown", "ko": "서브넷 알 수 없음"},
        "probe.pods-on": {"en": "pods on {label}", "ko": "{label}의 Pod"},
        "probe.pod-on": {"en": "a pod on {node}", "ko": "{node}의 Pod"},
        "probe.pool-pod-on": {
            "en": "a pod of IP pool {pool} on {node}",
            "ko": "{node}의 IP 풀 {pool} Pod",
        },
        "probe.pool-pods-on": {
            "en": "pods of IP pool {pool} on {label}",
            "ko": "{label}의 IP 풀 {pool} Pod",
        },
        "probe.node": {"en": "node {node} {ip}", "ko": "노드 {node} {ip}"},
        "probe.nodes-of": {"en": "nodes: {label}", "ko": "노드: {label}"},
        # a service or an outside address with its port ("svc default/kubernetes 10.96.0.1:443"),
        # the address said in the reader's language
        "probe.at-port": {"en": "{target}:{port}", "ko": "{target}:{port}"},
        "probe.no-dns": {
            "en": "no DNS probes: the snapshot has no cluster DNS IP and no kube-system/kube-dns service",
            "ko": "DNS 점검 없음: 스냅샷에 클러스터 DNS IP도 kube-system/kube-dns 서비스도 없습니다",
        },
        "probe.no-api": {
            "en": "no kubernetes-service probes: the snapshot has no default/kubernetes service",
            "ko": "kubernetes 서비스 점검 없음: 스냅샷에 default/kubernetes 서비스가 없습니다",
        },
        "probe.ipv6-unmodelled": {
            "en": "the static model does not decide IPv6 flows: this probe is the only evidence",
            "ko": "정적 모델은 IPv6 흐름을 판단하지 않습니다: 이 점검이 유일한 근거입니다",
        },
        "probe.not-ready": {
            "en": "not probed: {n} NotReady node(s) ({nodes}) would run no probe pod; "
            "their node classes are probed from their Ready nodes, if any",
            "ko": "점검하지 않음: NotReady 노드 {n}대({nodes})에서는 점검 파드가 실행되지 않습니다. "
            "그 노드 클래스는 Ready 노드가 있으면 그 노드에서 점검합니다",
        },
        "probe.no-nodes": {
            "en": "nothing to probe: the snapshot has no nodes",
            "ko": "점검할 대상이 없습니다: 스냅샷에 노드가 없습니다",
        },
    }
)


def place(node: str, pool: str = "") -> str:
    """Where a pod runs: a node, or ``node@pool`` for a pod pinned to a Calico IP pool (a
    node name has no "@"): the key of the runners' listener and source maps."""
    return f"{node}@{pool}" if pool else node


def at_port(target: str, port: int | None) -> str:
    """A probe's target with its port, the address still said in the reader's language."""
    return Msg("probe.at-port", target=target, port=port)


@dataclass(frozen=True)
class KindInfo:
    """What a probe kind is: the agent's mechanism, the protocol, how it is shown."""

    mechanism: str
    protocol: str
    label: str
    target: Literal["service", "external", "pod", "node"]


# kind: the agent's mechanism, the protocol, the target, and how it is shown (English, which
# JSON keeps, and Korean); the IPv6 kinds are the same between pods in a dual-stack cluster
_KINDS: dict[str, tuple[str, str, Literal["service", "external", "pod", "node"], str, str]] = {
    "dns-udp": ("dns", "udp", "service", "DNS/udp", "DNS/udp"),
    "dns-tcp": ("dns", "tcp", "service", "DNS/tcp", "DNS/tcp"),
    "api-tcp": ("tcp", "tcp", "service", "TCP", "TCP"),
    "api-tls": ("tls", "tcp", "service", "TLS", "TLS"),
    "icmp-clusterip": ("icmp", "icmp", "service", "ping", "ping"),
    "egress": ("tcp", "tcp", "external", "egress TCP", "외부 TCP"),
    "pod-http": ("http", "tcp", "pod", "pod->pod HTTP", "Pod->Pod HTTP"),
    "icmp-pod": ("icmp", "icmp", "pod", "ping pod", "Pod ping"),
    "icmp-node": ("icmp", "icmp", "node", "ping node", "노드 ping"),
    "mtu": ("mtu", "icmp", "pod", "MTU (DF)", "MTU (DF)"),
    "transfer": ("transfer", "tcp", "pod", "transfer", "대용량 전송"),
    "pod-http6": ("http", "tcp", "pod", "pod->pod HTTP (IPv6)", "Pod->Pod HTTP (IPv6)"),
    "icmp-pod6": ("icmp", "icmp", "pod", "ping pod (IPv6)", "Pod ping (IPv6)"),
    "icmp-node6": ("icmp", "icmp", "node", "ping node (IPv6)", "노드 ping (IPv6)"),
    "mtu6": ("mtu", "icmp", "pod", "MTU (IPv6, unfragmented)", "MTU (IPv6, 조각화 없음)"),
    "transfer6": ("transfer", "tcp", "pod", "transfer (IPv6)", "대용량 전송 (IPv6)"),
}
register({f"probe.kind.{k}": {"en": v[3], "ko": v[4]} for k, v in _KINDS.items()})
KINDS: dict[str, KindInfo] = {
    kind: KindInfo(mechanism, protocol, Msg(f"probe.kind.{kind}"), target)
    for kind, (mechanism, protocol, target, _en, _ko) in _KINDS.items()
}
IPV6_KINDS = {kind: kind + "6" for kind in ("pod-http", "icmp-pod", "icmp-node", "mtu", "transfer")}


@dataclass(frozen=True)
class Prediction:
    """What the static engine says a probe will see, and the hop that decides it."""

    outcome: Outcome
    cause: str = ""
    where: str = ""
    detail: str = ""
    because: str = ""  # for an open flow: the hop that makes it work, when worth saying
    via: str = ""  # kube-proxy's DNAT for a service flow

    @property
    def blocked(self) -> bool:
        return self.outcome == "blocked"


@dataclass(frozen=True)
class PlannedProbe:
    """One probe: from a pod on ``source_node`` to a target, with the model's prediction."""

    id: str
    kind: str
    source_node: str
    source_class: str
    target: str
    target_class: str
    target_ip: IPAddress | None  # None: "a pod on target_node", filled in by the runner
    target_port: int | None
    target_node: str | None
    protocol: str
    prediction: Prediction
    reason: Literal["service", "class-pair", "sample"]
    path: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    # a Calico IP pool (several of a family): both pods get their address from it
    pool: str = ""

    @property
    def info(self) -> KindInfo:
        return KINDS[self.kind]

    @property
    def family(self) -> int:
        """6 for the IPv6 kinds of a dual-stack cluster, else 4."""
        return 6 if self.kind in IPV6_KINDS.values() else 4

    def agent_spec(self, target_ip: str | None, timeout: float) -> dict[str, Any]:
        """The agent's JSON for this probe, aimed at ``target_ip`` (the planned one if None)."""
        host = target_ip if target_ip is not None else str(self.target_ip)
        spec: dict[str, Any] = {"id": self.id, "kind": self.info.mechanism, "host": host}
        if self.target_port is not None:
            spec["port"] = self.target_port
        spec["timeout"] = timeout
        spec.update(self.params)
        return spec


@dataclass(frozen=True)
class ProbePlan:
    """Every probe of a round, the nodes that run the agent and those that need a listener."""

    probes: tuple[PlannedProbe, ...]
    sources: tuple[str, ...]
    echo_nodes: tuple[str, ...]
    node_count: int
    class_count: int
    seed: int
    timeout: float
    echo_port: int
    notes: tuple[str, ...] = ()
    # several Calico pools: the (node, pool) pods that run probes and that listen, and each
    # pool's family (which annotation pins a pod to it)
    pool_sources: tuple[tuple[str, str], ...] = ()
    pool_echoes: tuple[tuple[str, str], ...] = ()
    pool_families: tuple[tuple[str, int], ...] = ()

    def for_source(self, node: str, pool: str = "") -> tuple[PlannedProbe, ...]:
        return tuple(p for p in self.probes if p.source_node == node and p.pool == pool)

    def places(self) -> list[tuple[str, str]]:
        """Every source pod: each source node's, then each (node, pool) one."""
        return [(node, "") for node in self.sources] + list(self.pool_sources)

    def agent_plan(
        self,
        node: str,
        echo_ips: Mapping[str, str],
        *,
        parallel: bool = True,
        echo_ips6: Mapping[str, str] | None = None,
        pool: str = "",
    ) -> tuple[dict[str, Any], tuple[PlannedProbe, ...]]:
        """The agent's plan for ``node`` (its pod of ``pool``) and the probes left out (no
        listener on their node).

        ``echo_ips`` maps a node name (`place`: with a pool, ``node@pool``) to the address
        of the listener there, ``echo_ips6`` to its IPv6 address (the IPv6 probes of a
        dual-stack cluster; a node without one leaves them out).
        """
        specs: list[dict[str, Any]] = []
        unresolved: list[PlannedProbe] = []
        for probe in self.for_source(node, pool):
            if probe.target_ip is None:
                listeners = (echo_ips6 or {}) if probe.family == 6 else echo_ips
                ip = listeners.get(place(probe.target_node or "", probe.pool))
                if ip is None:
                    unresolved.append(probe)
                    continue
                specs.append(probe.agent_spec(ip, self.timeout))
            else:
                specs.append(probe.agent_spec(None, self.timeout))
        document = {"version": 1, "timeout": self.timeout, "parallel": parallel, "probes": specs}
        return document, tuple(unresolved)
