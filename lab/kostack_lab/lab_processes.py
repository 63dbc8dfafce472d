"""The lab's processes: the pods' servers, the port-security agent, the cluster daemon, its Neutron."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from kostack_lab import netns, servers
from kostack_lab.errors import LabError, Msg
from kostack_lab.lab_core import AGENT_NAME, KUBE_API_NAME, LabCore
from kostack_lab.lab_tls import make_certificate
from kostack_lab.state import (
    LabState,
    ServerRecord,
    write_json_atomic,
)
from kostack_lab.topology_layout import Topology


class LabProcesses(LabCore):
    """Start the lab's background processes and wait until they are ready."""

    def _own_neutron(
        self, state: LabState, records: list[ServerRecord], say: Callable[[str], None]
    ) -> tuple[str, bool]:
        """Start and seed the lab's own Neutron; its endpoint (the scenario is written next)."""
        from kostack_lab.own_neutron import seed_own_neutron, start_own_neutron

        record, endpoint = start_own_neutron(self.paths, self.prefix, timeout=120.0, step=say)
        records.append(record)
        # Recorded before seeding: a failure from here on still finds and stops it.
        write_json_atomic(
            self.paths.state,
            state.model_copy(update={"servers": (record,)}).model_dump(mode="json"),
        )
        say("seeding Neutron")
        seed_own_neutron(endpoint, state.topology, self.paths.log_file(record.name))
        return endpoint, True

    def _server_argv(self, label: str, name: str, *extra: str) -> list[str]:
        return [
            sys.executable,
            "-I",
            servers.__file__,
            netns.TAG_ARGUMENT,
            self.prefix,
            "--name",
            name,
            "--ready-file",
            str(self.paths.ready_file(label)),
            *extra,
        ]

    def _start_servers(self, topo: Topology, ready_timeout: float) -> list[ServerRecord]:
        """Start DNS, TLS, HTTP and the pods' echo servers; return once all listen."""
        cert, key = make_certificate(self.paths.tls, topo)
        domain = topo.dns_domain
        records = [
            f"kubernetes.default.svc.{domain}={topo.kubernetes_service_ip}",
            f"kube-dns.kube-system.svc.{domain}={topo.dns_service_ip}",
        ]
        for service in topo.services:  # a dual-stack service answers A and AAAA
            if service.cluster_ip6:
                name = f"{service.name}.{service.namespace}.svc.{domain}"
                records += [f"{name}={service.cluster_ip}", f"{name}={service.cluster_ip6}"]
        wanted: list[tuple[str, str, list[str]]] = []
        for pod in topo.pods:
            extra = ["--echo", str(topo.echo_port)]
            if pod.app == "coredns":
                extra += ["--dns", str(topo.dns_port)]
                for record in records:
                    extra += ["--dns-record", record]
            label = pod.netns.removeprefix(self.prefix)
            wanted.append((label, pod.netns, self._server_argv(label, pod.name, *extra)))
        control_plane = topo.control_plane
        wanted.append(
            (
                "apiserver",
                control_plane.netns,
                self._server_argv(
                    "apiserver",
                    "kube-apiserver",
                    "--tls",
                    str(topo.apiserver_port),
                    "--cert",
                    str(cert),
                    "--key",
                    str(key),
                ),
            )
        )
        wanted.append(
            (
                "internet",
                topo.internet_netns,
                self._server_argv(
                    "internet",
                    "internet",
                    "--http",
                    str(topo.http_port),
                    "--body",
                    f"hello from {topo.internet_ip}\n",
                ),
            )
        )
        started: list[ServerRecord] = []
        for label, ns, argv in wanted:
            self.paths.ready_file(label).unlink(missing_ok=True)
            started.append(self.paths.spawn(label, ns, argv))
        self._wait_ready(started, ready_timeout)
        return started

    def _wait_ready(self, records: Sequence[ServerRecord], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = list(records)
        while pending:
            pending = [r for r in pending if not self.paths.ready_file(r.name).exists()]
            for record in pending:
                if not netns.process_alive(record.pid):
                    log = self.paths.log_file(record.name)
                    raise LabError(
                        Msg("lab.x.exited", what=Msg("lab.w.server", name=record.name)),
                        Msg("lab.x.see_tail", what=str(log), tail=_tail(log)),
                    )
            if not pending:
                return
            if time.monotonic() > deadline:
                raise LabError(
                    Msg(
                        "lab.x.servers_not_ready",
                        seconds=f"{timeout:g}",
                        names=", ".join(r.name for r in pending),
                    ),
                    Msg("lab.x.see_logs", dir=str(self.paths.logs)),
                )
            time.sleep(0.005)  # polling for ready files, bounded by the deadline

    def _start_agent(self, interval: float) -> ServerRecord:
        argv = [
            sys.executable,
            "-m",
            "kostack_lab.agent",
            "--state-dir",
            str(self.paths.root),
            "--interval",
            str(interval),
            netns.TAG_ARGUMENT,
            self.prefix,
        ]
        # The agent talks to Neutron on loopback and to the lab through `ip netns exec`.
        return self.paths.spawn(AGENT_NAME, None, argv)

    def _start_kube_api(self, neutron_endpoint: str | None, timeout: float) -> ServerRecord:
        """Start the cluster daemon; return once it wrote the kubeconfig (its readiness signal)."""
        argv = [
            sys.executable,
            "-m",
            "kostack_lab.cluster",
            "--state-dir",
            str(self.paths.root),
            netns.TAG_ARGUMENT,
            self.prefix,
        ]
        if neutron_endpoint is not None:
            argv += ["--neutron-endpoint", neutron_endpoint]
        self.paths.kubeconfig.unlink(missing_ok=True)
        self.paths.clouds.unlink(missing_ok=True)
        log = self.paths.log_file(KUBE_API_NAME)
        # The double listens on loopback; the stand-in kubelet enters the lab via `ip netns exec`.
        record = self.paths.spawn(KUBE_API_NAME, None, argv)
        deadline = time.monotonic() + timeout
        while not self.paths.kubeconfig.exists():
            if not netns.process_alive(record.pid):
                raise LabError(
                    Msg("lab.x.exited", what=Msg("lab.w.kube_api")),
                    Msg("lab.x.see_tail", what=str(log), tail=_tail(log)),
                )
            if time.monotonic() > deadline:
                raise LabError(
                    Msg("lab.x.not_ready", what=Msg("lab.w.kube_api"), seconds=f"{timeout:g}"),
                    Msg("lab.x.see", what=str(log)),
                )
            time.sleep(0.01)  # polling for the kubeconfig, bounded by the deadline
        return record


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
