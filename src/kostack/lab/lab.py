"""`Lab`: bring the network lab up, look at it, probe it, change its port security, tear it down.

    lab = Lab()                                   # namespaces ks-*, state in /run/kostack/lab
    lab.up("seed")                                # < 1 s for 4 nodes x 2 pods
    results = lab.probe_round()                   # DNS, TCP/TLS 10.96.0.1:443, egress, ping, pod-to-pod, 4 MiB
    lab.counters()["k8s-w-1"].antispoof_drops     # ground truth: which rule dropped
    ports, groups = lab.port_description()        # edit (e.g. add allowed pairs) ...
    lab.apply_port_description(ports, groups)     # ... and re-render atomically
    lab.down()                                    # removes exactly this lab's ks-* namespaces and processes

With `neutron_endpoint`, port security comes from that Neutron instead
(`lab.sync()` re-reads it; `watch_interval` keeps an agent polling it).
With `kube_api=True` a daemon (kostack.lab.cluster) serves the lab's
Kubernetes view through the API double and writes `kubeconfig` (and, with
Neutron, `clouds.yaml`) into the state directory; `status().exports` are the
shell lines that point `kostack collect/diagnose/probe` at the lab.
A named lab (`Lab(name="t1")`) uses namespaces `ks-t1-*` and its own state
directory, so two labs can coexist. Needs root.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kostack.lab import netns, podprobe, servers
from kostack.lab.agent import (
    FileSource,
    LabAgent,
    NeutronSource,
    PortSource,
    SyncResult,
    apply_scenario,
)
from kostack.lab.errors import LabError, LabInputError
from kostack.lab.extra import require_lab_extra
from kostack.lab.lab_records import DownReport, LabStatus, ProbeResult, ProbeSpec, ServerStatus
from kostack.lab.lab_tls import make_certificate
from kostack.lab.neutron import seed_command
from kostack.lab.portsec import CounterOwner, PortCounters, read_counters, read_invalid_drops
from kostack.lab.scenarios import Scenario, get_scenario, neutron_description
from kostack.lab.state import (
    LabState,
    PortsecState,
    ServerRecord,
    StatePaths,
    default_state_dir,
    read_json,
    write_json_atomic,
)
from kostack.lab.topology import MAX_NODES, PodPlan, Topology, create_network
from kostack.shell import render

__all__ = [
    "CLOUD_NAME",
    "DownReport",
    "Lab",
    "LabStatus",
    "ProbeResult",
    "ProbeSpec",
    "ServerStatus",
    "cluster_environment",
    "export_lines",
]

_LAB_NAME = re.compile(r"^[a-z0-9]{1,8}$")
_ROLE = re.compile(r"^(hv|rt|inet|n\d+|n\d+p\d+)$")
BULK_BYTES = 4 * 1024 * 1024
AGENT_NAME = "agent"
KUBE_API_NAME = "kubeapi"
CLOUD_NAME = "lab"


class Lab:
    """One network lab (namespaces `ks-*` or `ks-NAME-*`) and its state directory."""

    def __init__(self, name: str | None = None, state_dir: Path | None = None) -> None:
        if name is not None and not _LAB_NAME.match(name):
            raise LabInputError(
                f"bad lab name {name!r}", "use 1-8 lowercase letters or digits, e.g. t1"
            )
        self.prefix = f"ks-{name}-" if name else "ks-"
        self.paths = StatePaths(state_dir or default_state_dir(self.prefix))
        self._agent: LabAgent | None = None

    # -- lifecycle -------------------------------------------------------------

    def up(
        self,
        scenario: str | Scenario,
        nodes: int = 4,
        neutron_endpoint: str | None = None,
        *,
        seed_neutron: bool = False,
        watch_interval: float | None = None,
        ready_timeout: float = 20.0,
        kube_api: bool = False,
        own_neutron: bool = False,
        step: Callable[[str], None] | None = None,
    ) -> LabStatus:
        """Build the lab for `scenario` with `nodes` nodes and wait until every server listens.

        Without `neutron_endpoint` port security comes from the scenario's
        built-in port description; with it, from that Neutron (after writing
        the scenario into it when `seed_neutron`). `watch_interval` starts a
        background agent that re-renders when Neutron changes. `kube_api`
        serves the lab as a cluster (kubeconfig, clouds.yaml; see
        kostack.lab.cluster) from a background daemon. `own_neutron` starts
        the lab's own real Neutron (kostack.lab.own_neutron), seeds it and
        takes port security from it, as with an endpoint and `seed_neutron`.
        `step` is told each stage (for progress). On any failure the
        half-built lab is torn down before the error is raised.
        """
        say = step or (lambda _stage: None)
        started = time.monotonic()
        require_lab_extra()
        chosen = get_scenario(scenario) if isinstance(scenario, str) else scenario
        if not 2 <= nodes <= MAX_NODES:
            raise LabInputError(
                f"--nodes must be between 2 and {MAX_NODES}, not {nodes}", "the default is 4"
            )
        if own_neutron and neutron_endpoint is not None:
            raise LabInputError(
                "the lab's own Neutron and --neutron-endpoint exclude each other",
                "give --neutron-endpoint to use your Neutron, or leave it out for the lab's own",
            )
        if neutron_endpoint is not None and not re.match(r"^https?://[^/\s]+", neutron_endpoint):
            raise LabInputError(
                f"bad Neutron endpoint {neutron_endpoint!r}",
                "give the root URL, e.g. http://127.0.0.1:9696/",
            )
        netns.require_root()
        netns.require_tools()
        netns.require_kernel_features()
        existing = self._owned_namespaces()
        if existing:
            raise LabInputError(
                f"a lab is already up ({len(existing)} namespaces such as {existing[0]})",
                f"run `{render(['kostack', 'lab', 'down', *(['--name', self._name] if self._name else [])])}` first",
            )
        topo = chosen.topology(prefix=self.prefix, nodes=nodes)
        self.paths.create()
        state = LabState(
            prefix=self.prefix,
            status="building",
            scenario=chosen,
            topology=topo,
            neutron_endpoint=neutron_endpoint,
            backend=chosen.backend,
            created_at=time.time(),
        )
        write_json_atomic(self.paths.state, state.model_dump(mode="json"))
        try:
            records: list[ServerRecord] = []
            if own_neutron:
                neutron_endpoint, seed_neutron = self._own_neutron(state, records, say)
                state = state.model_copy(update={"neutron_endpoint": neutron_endpoint})
                write_json_atomic(self.paths.state, state.model_dump(mode="json"))
            say("building the network")
            create_network(topo)
            source: PortSource
            if neutron_endpoint is not None:
                if seed_neutron:
                    say("writing the scenario into Neutron")
                    apply_scenario(neutron_endpoint, chosen, topo)
                source = NeutronSource(neutron_endpoint)
            else:
                ports, groups = neutron_description(chosen, topo)
                write_json_atomic(self.paths.ports, ports)
                write_json_atomic(self.paths.groups, groups)
                source = FileSource(self.paths)
            self._agent = LabAgent(state, self.paths, source)
            say("rendering port security")
            first = self._agent.sync(force=True)
            if first.unbound:
                raise LabInputError(
                    f"Neutron has no port for the lab VMs behind {', '.join(first.unbound)}",
                    f"seed it first: {seed_command(neutron_endpoint, nodes)}"
                    if neutron_endpoint is not None
                    else "give every lab VM a port in the port description",
                )
            say("starting the pods' servers")
            records += self._start_servers(topo, ready_timeout)
            if neutron_endpoint is not None and watch_interval is not None:
                records.append(self._start_agent(watch_interval))
            if kube_api:
                say("serving the cluster")
                records.append(self._start_kube_api(neutron_endpoint, ready_timeout))
            state = state.model_copy(
                update={
                    "status": "up",
                    "servers": tuple(records),
                    "watch_interval": watch_interval,
                    "up_seconds": round(time.monotonic() - started, 3),
                }
            )
            write_json_atomic(self.paths.state, state.model_dump(mode="json"))
        except BaseException:
            self._agent = None
            # The original error matters more; status would show leftovers.
            with contextlib.suppress(LabError):
                self.down()
            raise
        return self.status()

    def _own_neutron(
        self, state: LabState, records: list[ServerRecord], say: Callable[[str], None]
    ) -> tuple[str, bool]:
        """Start and seed the lab's own Neutron; its endpoint (the scenario is written next)."""
        from kostack.lab.own_neutron import seed_own_neutron, start_own_neutron

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

    def down(self, *, all_labs: bool = False) -> DownReport:
        """Stop this lab's processes and delete its namespaces; works after a crash too.

        Finds processes by pid file, by the `--lab-tag` on their command line
        and by namespace (`ip netns pids`); namespaces by prefix scan of
        `ip netns list` (this lab's names only, or every `ks-` name with
        `all_labs`). Removes the state directory's lab files. Raises LabError
        if anything is left.
        """
        netns.require_root()
        started = time.monotonic()
        namespaces = self._owned_namespaces(all_labs=all_labs)
        pids: set[int] = set()
        for pid_file in sorted(self.paths.pids.glob("*.pid")) if self.paths.pids.is_dir() else []:
            pid = _read_pid(pid_file)
            if pid is not None and self._is_ours(pid, all_labs):
                pids.add(pid)
        pids.update(netns.find_tagged_processes(self.prefix, any_lab=all_labs))
        for name in namespaces:
            pids.update(netns.namespace_pids(name))
        stopped = netns.terminate(pids)
        netns.delete_namespaces(namespaces)
        self._agent = None
        left = self._owned_namespaces(all_labs=all_labs)
        alive = [pid for pid in pids if netns.process_alive(pid)]
        if left or alive:
            raise LabError(
                f"down left namespaces {left} and processes {alive}",
                "check `ip netns list` and `ps`, then run down again",
            )
        self.paths.remove()
        return DownReport(
            namespaces_removed=tuple(namespaces),
            processes_stopped=tuple(sorted(stopped)),
            seconds=round(time.monotonic() - started, 3),
        )

    # -- looking -----------------------------------------------------------------

    def status(self) -> LabStatus:
        """What is up: scenario, namespaces present or missing, processes, last render, counters."""
        present = self._owned_namespaces()
        state = self._load_state()
        if state is None:
            problems = (
                (f"{len(present)} lab namespaces without a state file: run down",)
                if present
                else ()
            )
            return LabStatus(
                up=False,
                prefix=self.prefix,
                state_dir=str(self.paths.root),
                namespaces=tuple(present),
                problems=problems,
            )
        expected = state.topology.namespaces()
        missing = tuple(n for n in expected if n not in present)
        server_status = tuple(
            ServerStatus(s.name, s.netns, s.pid, netns.process_alive(s.pid)) for s in state.servers
        )
        issues = [f"namespace {n} is missing" for n in missing]
        issues += [
            f"process {s.name} (pid {s.pid}) is not running" for s in server_status if not s.alive
        ]
        portsec = self._load_portsec()
        counters: dict[str, dict[str, Any]] = {}
        if portsec is not None and state.topology.hv_netns in present:
            try:
                counters = {
                    k: {**v.__dict__, "total_drops": v.total_drops}
                    for k, v in self.counters().items()
                }
            except LabError as exc:
                issues.append(f"cannot read counters: {exc.message}")
        if portsec is not None:
            issues += [f"port security: {w}" for w in portsec.warnings]
            issues += [f"no Neutron port for {tap}" for tap in portsec.unbound]
        return LabStatus(
            up=state.status == "up" and not missing,
            prefix=self.prefix,
            state_dir=str(self.paths.root),
            scenario=state.scenario.name,
            summary=state.scenario.summary,
            nodes=tuple(f"{n.name} {n.ip} ({n.netns})" for n in state.topology.nodes),
            namespaces=tuple(present),
            missing_namespaces=missing,
            servers=server_status,
            neutron_endpoint=state.neutron_endpoint,
            portsec=portsec.model_dump(mode="json") if portsec is not None else None,
            counters=counters,
            up_seconds=state.up_seconds,
            problems=tuple(issues),
            exports=self._exports(state),
        )

    @property
    def topology(self) -> Topology:
        """The running lab's layout (LabInputError when no lab is up)."""
        return self._require_state().topology

    @property
    def scenario(self) -> Scenario:
        """The running lab's scenario."""
        return self._require_state().scenario

    def counters(self) -> dict[str, PortCounters]:
        """Per-port drop counters since the last render, keyed by port name (ground truth)."""
        state = self._require_state()
        portsec = self._load_portsec()
        if portsec is None:
            raise LabError("no port-security render recorded", "run `kostack lab sync`")
        owners = [CounterOwner(**o.model_dump()) for o in portsec.owners]
        return read_counters(state.topology.hv_netns, owners)

    def invalid_drops(self) -> int:
        """Packets the hypervisor dropped as conntrack-invalid."""
        return read_invalid_drops(self._require_state().topology.hv_netns)

    def exec_in(
        self,
        ns: str,
        argv: Sequence[str],
        *,
        input_text: str | None = None,
        timeout: float = 30.0,
        check: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command inside one of this lab's namespaces (full name or role: `n2p1`)."""
        name = ns if ns.startswith(self.prefix) else self.prefix + ns
        if name not in self._require_state().topology.namespaces():
            raise LabInputError(f"{ns} is not a namespace of this lab", "see `kostack lab status`")
        return netns.exec_in(name, argv, input_text=input_text, timeout=timeout, check=check)

    # -- port security -----------------------------------------------------------

    def sync(self, *, force: bool = False) -> SyncResult:
        """Re-read the port description (Neutron or the state files) and re-render if it changed."""
        return self._agent_for(self._require_state()).sync(force=force)

    def port_description(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The current built-in port description (ports, security groups) as Neutron JSON."""
        state = self._require_state()
        if state.neutron_endpoint is not None:
            return NeutronSource(state.neutron_endpoint).fetch()
        return FileSource(self.paths).fetch()

    def apply_port_description(
        self, ports: Sequence[Mapping[str, Any]], security_groups: Sequence[Mapping[str, Any]]
    ) -> SyncResult:
        """Replace the built-in port description and re-render (labs without a Neutron)."""
        state = self._require_state()
        if state.neutron_endpoint is not None:
            raise LabInputError(
                "this lab reads port security from Neutron",
                f"change it in Neutron at {state.neutron_endpoint}",
            )
        write_json_atomic(self.paths.ports, [dict(p) for p in ports])
        write_json_atomic(self.paths.groups, [dict(g) for g in security_groups])
        return self.sync()

    # -- probes ------------------------------------------------------------------

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
        return [ProbeResult(**r) for r in json.loads(completed.stdout)]

    def default_probe_pods(self) -> tuple[PodPlan, PodPlan]:
        """The probing pod (first pod on the first worker) and a pod on another worker (or the control plane)."""
        topo = self._require_state().topology
        source = topo.pods_on(topo.nodes[1].name)[0]
        target_node = topo.nodes[2] if len(topo.nodes) > 2 else topo.nodes[0]
        on_target = topo.pods_on(target_node.name)
        # Prefer a plain echo pod: on the control plane the first pod is CoreDNS.
        return source, next((p for p in on_target if p.app == "echo"), on_target[0])

    def standard_probes(
        self, target: PodPlan | None = None, bulk_bytes: int = BULK_BYTES
    ) -> list[ProbeSpec]:
        """The table's probes: DNS, kubernetes TCP + TLS, egress HTTP, ping ClusterIP, pod-to-pod, bulk.

        Dual-stack labs add pod-to-pod over IPv6 (HTTP to the target pod's IPv6 address).
        """
        topo = self._require_state().topology
        remote = target or self.default_probe_pods()[1]
        dns_name = f"kubernetes.default.svc.{topo.dns_domain}"
        kubernetes_ip = topo.kubernetes_service_ip
        return [
            ProbeSpec(
                "dns", "dns", topo.dns_service_ip, port=53, name=dns_name, expect=kubernetes_ip
            ),
            ProbeSpec("kubernetes_tcp", "tcp", kubernetes_ip, port=443),
            ProbeSpec("kubernetes_tls", "tls", kubernetes_ip, port=443),
            ProbeSpec("egress_http", "http", topo.internet_ip, port=topo.http_port, path="/"),
            ProbeSpec("ping_cluster_ip", "icmp", kubernetes_ip),
            ProbeSpec("pod_to_pod", "http", remote.ip, port=topo.echo_port, path="/"),
            ProbeSpec("bulk_transfer", "bulk", remote.ip, port=topo.echo_port, bytes=bulk_bytes),
            *(
                [ProbeSpec("pod_to_pod_ipv6", "http", remote.ip6, port=topo.echo_port, path="/")]
                if remote.ip6
                else []
            ),
        ]

    def probe_round(
        self, source: str | None = None, timeout: float = 2.0
    ) -> dict[str, ProbeResult]:
        """Run the standard probes from `source` (default: a pod on the first worker), keyed by probe id.

        The keys are the fields of `scenarios.ExpectedProbes`.
        """
        pod = source or self.default_probe_pods()[0].name
        return {r.id: r for r in self.probe(pod, self.standard_probes(), timeout=timeout)}

    # -- internals -----------------------------------------------------------------

    def _exports(self, state: LabState) -> tuple[str, ...]:
        served = any(s.name == KUBE_API_NAME for s in state.servers)
        if not served or not self.paths.kubeconfig.exists():
            return ()
        clouds = self.paths.clouds if self.paths.clouds.exists() else None
        return tuple(export_lines(self.paths.kubeconfig, clouds))

    def _pod(self, topo: Topology, key: str) -> PodPlan:
        for candidate in (key, self.prefix + key):
            try:
                return topo.pod(candidate)
            except KeyError:
                continue
        raise LabInputError(f"no pod {key!r} in this lab", "see `kostack lab status` for the pods")

    @property
    def _name(self) -> str:
        return self.prefix.removeprefix("ks-").rstrip("-")

    def _owned_namespaces(self, *, all_labs: bool = False) -> list[str]:
        names = netns.list_namespaces()
        if all_labs:
            return [n for n in names if n.startswith(netns.LAB_PREFIX)]
        return [
            n for n in names if n.startswith(self.prefix) and _ROLE.match(n[len(self.prefix) :])
        ]

    def _is_ours(self, pid: int, all_labs: bool) -> bool:
        """A pid from a pid file still names our process (pids get reused)."""
        cmdline = netns.cmdline_words(pid)
        if netns.TAG_ARGUMENT.encode() not in cmdline:
            return False
        tag = cmdline[cmdline.index(netns.TAG_ARGUMENT.encode()) + 1 :][:1]
        if not tag:
            return False
        return tag[0] == self.prefix.encode() or (
            all_labs and tag[0].startswith(netns.LAB_PREFIX.encode())
        )

    def _load_state(self) -> LabState | None:
        try:
            return LabState.model_validate(read_json(self.paths.state))
        except (OSError, ValueError):
            return None

    def _load_portsec(self) -> PortsecState | None:
        try:
            return PortsecState.model_validate(read_json(self.paths.portsec))
        except (OSError, ValueError):
            return None

    def _require_state(self) -> LabState:
        state = self._load_state()
        if state is None:
            raise LabInputError(
                f"no lab is up (no state in {self.paths.root})",
                "run `kostack lab up --scenario seed`",
            )
        return state

    def _agent_for(self, state: LabState) -> LabAgent:
        if self._agent is None:
            source: PortSource = (
                NeutronSource(state.neutron_endpoint)
                if state.neutron_endpoint
                else FileSource(self.paths)
            )
            self._agent = LabAgent(state, self.paths, source)
        return self._agent

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
            pid = netns.spawn(ns, argv, self.paths.log_file(label))
            self.paths.pid_file(label).write_text(f"{pid}\n")
            started.append(ServerRecord(name=label, netns=ns, pid=pid, argv=tuple(argv)))
        self._wait_ready(started, ready_timeout)
        return started

    def _wait_ready(self, records: Sequence[ServerRecord], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = list(records)
        while pending:
            pending = [r for r in pending if not self.paths.ready_file(r.name).exists()]
            for record in pending:
                if not netns.process_alive(record.pid):
                    raise LabError(
                        f"lab server {record.name} exited before it was ready",
                        f"see {self.paths.log_file(record.name)}: {_tail(self.paths.log_file(record.name))}",
                    )
            if not pending:
                return
            if time.monotonic() > deadline:
                raise LabError(
                    f"lab servers not ready within {timeout:g}s: {', '.join(r.name for r in pending)}",
                    f"see the logs in {self.paths.logs}",
                )
            time.sleep(0.005)  # polling for ready files, bounded by the deadline

    def _start_agent(self, interval: float) -> ServerRecord:
        argv = [
            sys.executable,
            "-m",
            "kostack.lab.agent",
            "--state-dir",
            str(self.paths.root),
            "--interval",
            str(interval),
            netns.TAG_ARGUMENT,
            self.prefix,
        ]
        # The agent talks to Neutron on loopback and to the lab through `ip netns exec`.
        pid = netns.spawn(None, argv, self.paths.log_file(AGENT_NAME))
        self.paths.pid_file(AGENT_NAME).write_text(f"{pid}\n")
        return ServerRecord(name=AGENT_NAME, netns=None, pid=pid, argv=tuple(argv))

    def _start_kube_api(self, neutron_endpoint: str | None, timeout: float) -> ServerRecord:
        """Start the cluster daemon; return once it wrote the kubeconfig (its readiness signal)."""
        argv = [
            sys.executable,
            "-m",
            "kostack.lab.cluster",
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
        pid = netns.spawn(None, argv, log)
        self.paths.pid_file(KUBE_API_NAME).write_text(f"{pid}\n")
        deadline = time.monotonic() + timeout
        while not self.paths.kubeconfig.exists():
            if not netns.process_alive(pid):
                raise LabError(
                    "the lab's Kubernetes API exited before it was ready",
                    f"see {log}: {_tail(log)}",
                )
            if time.monotonic() > deadline:
                raise LabError(
                    f"the lab's Kubernetes API not ready within {timeout:g}s", f"see {log}"
                )
            time.sleep(0.01)  # polling for the kubeconfig, bounded by the deadline
        return ServerRecord(name=KUBE_API_NAME, netns=None, pid=pid, argv=tuple(argv))


def cluster_environment(kubeconfig: Path, clouds: Path | None) -> dict[str, str]:
    """KUBECONFIG, and OS_CLIENT_CONFIG_FILE + OS_CLOUD when there is a clouds.yaml."""
    env = {"KUBECONFIG": str(kubeconfig)}
    if clouds is not None:
        env["OS_CLIENT_CONFIG_FILE"] = str(clouds)
        env["OS_CLOUD"] = CLOUD_NAME
    return env


def export_lines(kubeconfig: Path, clouds: Path | None) -> list[str]:
    """The shell lines to paste: `export KUBECONFIG=...` and, with Neutron, the OpenStack pair."""
    env = cluster_environment(kubeconfig, clouds)
    lines = [f"export KUBECONFIG={shlex.quote(env['KUBECONFIG'])}"]
    if clouds is not None:
        lines.append(
            f"export OS_CLIENT_CONFIG_FILE={shlex.quote(env['OS_CLIENT_CONFIG_FILE'])} "
            f"OS_CLOUD={CLOUD_NAME}"
        )
    return lines


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
