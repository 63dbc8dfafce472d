"""Run a probe plan through the probe agent DaemonSet: no pod is created, nothing to clean up.

Every node runs one agent pod (`kostack.probe.agent_daemon`, deploy/). A
round:

1. lists the agent pods (read-only: ``list pods`` in their namespace, by
   label ``app.kubernetes.io/name=kostack-probe-agent``) and keeps the Ready
   one on each node;
2. sends each source node's plan to the agent on that node (``POST
   /v1/run`` on its control port, with the shared token), all sources at
   once, the other agents' pod IPs filled in as the pod-to-pod targets
   (every agent also listens on the echo port);
3. turns the agents' output lines into a `ProbeRound`, as the pod runner does.

A source without a Ready agent, or whose agent cannot be reached, gives
``skipped`` / ``error`` results that say so: never a pass, never a silent
gap. The control channel is the pod network by default (``address="pod"``);
``address="host"`` reaches each agent at its node IP and hostPort, for a
watch running with hostNetwork (docs/watch.md explains when that matters).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from kostack.catalog import Msg, map_text
from kostack.deadline import GRACE_S, DeadlineExceeded, each, within
from kostack.errors import ProbeError
from kostack.oserror import reason
from kostack.probe import k8s_texts  # noqa: F401  (registers the runners' messages)
from kostack.probe.plan import ECHO_PORT, PlannedProbe, ProbePlan
from kostack.probe.results import (
    ProbeResult,
    ProbeRound,
    SourceRun,
    collect_results,
    in_plan_order,
    now_text,
    parse_agent_output,
    skipped,
)
from kostack.redact import remember

__all__ = [
    "AGENT_LABEL",
    "AgentOptions",
    "AgentPod",
    "Send",
    "agents_runner",
    "http_send",
    "list_agents",
    "run_with_agents",
]

AGENT_LABEL: Final = "app.kubernetes.io/name=kostack-probe-agent"
CONTROL_PORT: Final = 8081
HOST_PORT: Final = 18081


@dataclass(frozen=True)
class AgentPod:
    """The Ready agent on one node."""

    node: str
    namespace: str
    name: str
    pod_ip: str
    host_ip: str
    pod_ip6: str = ""  # a dual-stack pod's IPv6 address (status.podIPs)


Send = Callable[[AgentPod, Mapping[str, Any]], str]


class AgentUnreachable(Exception):
    """The agent did not take the plan (connection, HTTP status, timeout, an answer too big);
    its message is a Msg, said in the round's language where the problems are printed."""


# An agent's answer is a few KB per probe: more than this is not an agent talking.
MAX_ANSWER_BYTES: Final = 16 * 1024 * 1024


@dataclass(frozen=True)
class AgentOptions:
    namespace: str = "kostack"
    selector: str = AGENT_LABEL
    token_file: str = "/etc/kostack-agent/token"
    address: Literal["pod", "host"] = "pod"
    control_port: int = CONTROL_PORT
    host_port: int = HOST_PORT
    echo_port: int = ECHO_PORT
    request_timeout: float = 10.0
    parallel: int = 16
    kubeconfig: str | None = None
    kube_context: str | None = None
    environ: Mapping[str, str] = field(default_factory=dict)


def _ready(pod: Mapping[str, Any]) -> bool:
    status = pod.get("status") or {}
    if status.get("phase") != "Running" or not status.get("podIP"):
        return False
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or []
    )


def list_agents(
    api_client: Any, namespace: str, selector: str = AGENT_LABEL, timeout: float = 10.0
) -> dict[str, AgentPod]:
    """node -> its Ready agent pod (the first by name when a node has two)."""
    from kubernetes.client import CoreV1Api

    response: Any = within(
        timeout + GRACE_S,
        f"listing the probe agents in {namespace}",
        lambda: CoreV1Api(api_client).list_namespaced_pod(
            namespace, label_selector=selector, _preload_content=False, _request_timeout=timeout
        ),
    )
    document = json.loads(response.data)
    agents: dict[str, AgentPod] = {}
    for pod in sorted(document.get("items") or [], key=lambda p: p["metadata"]["name"]):
        node = (pod.get("spec") or {}).get("nodeName")
        if not node or node in agents or not _ready(pod):
            continue
        status = pod["status"]
        ipv6 = [str(e.get("ip")) for e in status.get("podIPs") or () if ":" in str(e.get("ip"))]
        agents[node] = AgentPod(
            node,
            namespace,
            pod["metadata"]["name"],
            str(status["podIP"]),
            str(status.get("hostIP") or ""),
            ipv6[0] if ipv6 else "",
        )
    return agents


def http_send(
    token: str,
    *,
    port: int = CONTROL_PORT,
    address: Literal["pod", "host"] = "pod",
    timeout: float = 30.0,
) -> Send:
    """POST the plan to the agent's control port (pod IP, or node IP with ``address="host"``)."""

    def send(agent: AgentPod, document: Mapping[str, Any]) -> str:
        ip = agent.pod_ip if address == "pod" else agent.host_ip
        host = f"[{ip}]" if ":" in ip else ip
        request = urllib.request.Request(
            f"http://{host}:{port}/v1/run",
            data=json.dumps(document, separators=(",", ":")).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )

        def post() -> str:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                body = answer.read(MAX_ANSWER_BYTES + 1)
            if len(body) > MAX_ANSWER_BYTES:
                raise AgentUnreachable(
                    Msg("probe.agent.too-big", agent=agent.name, mib=MAX_ANSWER_BYTES >> 20)
                )
            return str(body.decode("utf-8", "replace"))

        try:
            # a hard deadline: the socket timeout bounds each read, not an answer that trickles
            return within(timeout + GRACE_S, f"agent {agent.name}", post)
        except DeadlineExceeded as exc:
            raise AgentUnreachable(
                Msg("probe.agent.timeout", agent=agent.name, at=f"{host}:{port}", s=f"{timeout:g}")
            ) from exc
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:300].strip()
            raise AgentUnreachable(
                Msg("probe.agent.http", agent=agent.name, code=exc.code, detail=detail)
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise AgentUnreachable(
                Msg("probe.agent.unreachable", agent=agent.name, at=f"{host}:{port}", why=reason)
            ) from exc

    return send


def run_with_agents(
    plan: ProbePlan,
    agents: Mapping[str, AgentPod],
    send: Send,
    *,
    parallel: int = 16,
) -> ProbeRound:
    """Run ``plan`` on the agents (one per source node, all at once) and collect a round."""
    started, started_at = time.monotonic(), now_text()
    echo_ips = {node: agent.pod_ip for node, agent in agents.items()}
    echo_ips6 = {node: agent.pod_ip6 for node, agent in agents.items() if agent.pod_ip6}

    def one(node: str) -> tuple[list[ProbeResult], SourceRun | None]:
        agent = agents.get(node)
        if agent is None:
            why = f"skipped: no Ready probe agent on node {node}"
            return skipped(plan.for_source(node), why), None
        pod = f"{agent.namespace}/{agent.name}"
        document, unresolved = plan.agent_plan(node, echo_ips, echo_ips6=echo_ips6)
        results = skipped(
            unresolved, "skipped: no Ready probe agent on the target node", source_pod=pod
        )
        if not document["probes"]:
            return results, SourceRun(node, pod, agent.pod_ip, 0.0)
        planned: list[PlannedProbe] = [p for p in plan.for_source(node) if p not in unresolved]
        targets = {str(spec["id"]): str(spec["host"]) for spec in document["probes"]}
        began = time.monotonic()
        try:
            output, problem = parse_agent_output(send(agent, document)), ""
        except AgentUnreachable as exc:
            output, problem = None, exc.args[0]
        results += collect_results(
            planned, output, source_pod=pod, targets=targets, failure=problem
        )
        return results, SourceRun(node, pod, agent.pod_ip, time.monotonic() - began, problem)

    outcomes = each(one, tuple(plan.sources), parallel=parallel, what="probe agent")
    results = in_plan_order(plan, (r for rs, _ in outcomes for r in rs))
    runs = tuple(run for _, run in outcomes if run is not None)
    missing = [node for node in plan.sources if node not in agents]
    problems = tuple(r.problem for r in runs if r.problem) + (
        (Msg("probe.agent.missing", n=len(missing), nodes=", ".join(missing[:5])),)
        if missing
        else ()
    )
    return ProbeRound(
        plan=plan,
        results=tuple(results),
        runner="agents",
        seconds=time.monotonic() - started,
        started_at=started_at,
        sources=runs,
        problems=problems,
    )


def agents_runner(options: AgentOptions) -> Callable[[ProbePlan], ProbeRound]:
    """A runner for `kostack watch`: find the agents each round, then run the plan on them."""

    def run(plan: ProbePlan) -> ProbeRound:
        from kostack.collect._kube_api import open_session

        try:
            token = Path(options.token_file).read_text(encoding="utf-8").strip()
            remember(token)  # an agent or a proxy echoing the request must not show it
        except OSError as exc:
            raise ProbeError(
                Msg("probe.agents.token", path=options.token_file, error=reason(exc)),
                Msg("probe.agents.hint.token"),
            ) from exc
        session = open_session(
            options.kubeconfig, options.kube_context, in_cluster=None, environ=options.environ
        )
        session.client.user_agent = "kostack-watch (probe agents)"
        try:
            agents = list_agents(
                session.client, options.namespace, options.selector, options.request_timeout
            )
        except Exception as exc:
            said = Msg("probe.agents.list", namespace=options.namespace, error=str(exc))
            raise ProbeError(map_text(said, session.redact), Msg("probe.agents.hint.list")) from exc
        finally:
            session.close()
        if not agents:
            raise ProbeError(
                Msg("probe.agents.none", namespace=options.namespace, selector=options.selector),
                Msg("probe.agents.hint.none"),
            )
        port = options.control_port if options.address == "pod" else options.host_port
        send = http_send(
            token,
            port=port,
            address=options.address,
            timeout=plan.timeout * 3 + options.request_timeout,
        )
        return run_with_agents(plan, agents, send, parallel=options.parallel)

    return run
