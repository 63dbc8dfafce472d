"""Probes from inside the lab's pods: DNS, kubernetes TCP + TLS, egress, ping, pod-to-pod, bulk."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from kostack_lab import netns, podprobe
from kostack_lab.errors import LabInputError, Msg
from kostack_lab.lab_core import LabCore
from kostack_lab.lab_records import ProbeResult, ProbeSpec
from kostack_lab.texts_status import detail_msg
from kostack_lab.topology_layout import PodPlan, Topology

BULK_BYTES = 4 * 1024 * 1024


class LabProbing(LabCore):
    """Run probes from inside the lab's pods."""

    def probe(
        self, pod: str, specs: Sequence[ProbeSpec], timeout: float = 2.0
    ) -> list[ProbeResult]:
        """Run probes from inside `pod` (name, netns or IP), all at once."""
        topo = self._require_state().topology
        plan = self._pod(topo, pod)
        argv = [
            sys.executable,
            "-I",
            podprobe.__file__,
            "--timeout",
            str(timeout),
            json.dumps([s.to_json() for s in specs]),
        ]
        bulk = [s.bytes or 0 for s in specs if s.kind == "bulk"]
        budget = timeout * 3 + 10 + (max(bulk) / 1_000_000 if bulk else 0)
        completed = netns.exec_in(plan.netns, argv, timeout=budget)
        return [_result(r) for r in json.loads(completed.stdout)]

    def default_probe_pods(self) -> tuple[PodPlan, PodPlan]:
        """The probing pod (first pod on the first worker) and a pod on another worker (or the control plane)."""
        topo = self._require_state().topology
        source = topo.pods_on(topo.nodes[1].name)[0]
        target_node = topo.nodes[2] if len(topo.nodes) > 2 else topo.nodes[0]
        on_target = topo.pods_on(target_node.name)
        # Prefer a plain echo pod: on the control plane the first pod is CoreDNS.
        return source, next((p for p in on_target if p.app == "echo"), on_target[0])

    def standard_probes(self) -> list[ProbeSpec]:
        """The table's probes: DNS, kubernetes TCP + TLS, egress HTTP, ping ClusterIP, pod-to-pod, bulk.

        Dual-stack labs add the same per family over IPv6 (`_ipv6_probes`).
        """
        topo = self._require_state().topology
        remote = self.default_probe_pods()[1]
        kubernetes_ip = topo.kubernetes_service_ip
        return [
            *_path_probes(
                topo, "", topo.dns_service_ip, kubernetes_ip, topo.internet_ip, remote.ip
            ),
            ProbeSpec("bulk_transfer", "bulk", remote.ip, port=topo.echo_port, bytes=BULK_BYTES),
            *self._ipv6_probes(topo, remote),
        ]

    @staticmethod
    def _ipv6_probes(topo: Topology, remote: PodPlan) -> list[ProbeSpec]:
        """A dual-stack lab's probes over IPv6: the same paths from the pod's IPv6 source.

        DNS to kube-dns's IPv6 ClusterIP, TCP and TLS to the `kubernetes`
        service's, HTTP to the IPv6 internet host, ICMPv6 echo to the IPv6
        ClusterIP (never answers, as for IPv4) and HTTP to the remote pod.
        """
        kubernetes6, dns6 = topo.kubernetes_service_ip6, topo.dns_service_ip6
        if not (topo.dual_stack and remote.ip6 and kubernetes6 and dns6):
            return []
        return _path_probes(topo, "_ipv6", dns6, kubernetes6, topo.internet_ip6, remote.ip6)

    def probe_round(
        self, source: str | None = None, timeout: float = 2.0
    ) -> dict[str, ProbeResult]:
        """Run the standard probes from `source` (default: a pod on the first worker), keyed by probe id.

        The keys are the fields of `scenarios.ExpectedProbes`.
        """
        pod = source or self.default_probe_pods()[0].name
        return {r.id: r for r in self.probe(pod, self.standard_probes(), timeout=timeout)}

    def _pod(self, topo: Topology, key: str) -> PodPlan:
        for candidate in (key, self.prefix + key):
            try:
                return topo.pod(candidate)
            except KeyError:
                continue
        raise LabInputError(
            Msg("lab.x.no_such_pod", pod=repr(key)),
            Msg("lab.x.see_status_pods", command="`kostack lab status`"),
        )


def _path_probes(
    topo: Topology, suffix: str, dns_ip: str, kubernetes_ip: str, internet_ip: str, remote_ip: str
) -> list[ProbeSpec]:
    """One family's probes (ids ending in `suffix`): DNS, kubernetes TCP + TLS, egress, ping, pod."""
    dns_name = f"kubernetes.default.svc.{topo.dns_domain}"
    expect = topo.kubernetes_service_ip  # the A record, asked over either family
    return [
        ProbeSpec(f"dns{suffix}", "dns", dns_ip, port=53, name=dns_name, expect=expect),
        ProbeSpec(f"kubernetes_tcp{suffix}", "tcp", kubernetes_ip, port=443),
        ProbeSpec(f"kubernetes_tls{suffix}", "tls", kubernetes_ip, port=443),
        ProbeSpec(f"egress_http{suffix}", "http", internet_ip, port=topo.http_port, path="/"),
        ProbeSpec(f"ping_cluster_ip{suffix}", "icmp", kubernetes_ip),
        ProbeSpec(f"pod_to_pod{suffix}", "http", remote_ip, port=topo.echo_port, path="/"),
    ]


def _result(wire: dict[str, Any]) -> ProbeResult:
    """A pod probe's JSON result, its detail a message of kostack_lab.texts_status."""
    key, params = wire.pop("detail_key", None), wire.pop("detail_params", None)
    wire["detail"] = detail_msg(key, params, str(wire.get("detail", "")))
    return ProbeResult(**wire)
