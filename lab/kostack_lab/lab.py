"""`Lab`: bring the network lab up, look at it, probe it, change its port security, tear it down.

    lab = Lab()                                   # namespaces ks-*, state in /run/kostack/lab
    lab.up("seed")                                # < 1 s for 4 nodes x 2 pods
    results = lab.probe_round()                   # DNS, TCP/TLS 10.96.0.1:443, egress, ping, pod-to-pod, 4 MiB
    lab.counters()["k8s-w-1"].antispoof_drops     # ground truth: which rule dropped
    lab.sync()                                    # re-render when the port description changed
    lab.down()                                    # removes exactly this lab's ks-* namespaces and processes

With `neutron_endpoint`, port security comes from that Neutron instead
(`lab.sync()` re-reads it; `watch_interval` keeps an agent polling it).
With `kube_api=True` a daemon (kostack_lab.cluster) serves the lab's
Kubernetes view through the API double and writes `kubeconfig` (and, with
Neutron, `clouds.yaml`) into the state directory; `status().exports` are the
shell lines that point `kostack collect/diagnose/probe` at the lab.
A named lab (`Lab(name="t1")`) uses namespaces `ks-t1-*` and its own state
directory, so two labs can coexist. Needs root.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kostack.oserror import reason
from kostack.shell import render
from kostack_lab import netns
from kostack_lab.agent import (
    FileSource,
    LabAgent,
    NeutronSource,
    PortSource,
    SyncResult,
    apply_scenario,
)
from kostack_lab.errors import LabError, LabInputError, Msg
from kostack_lab.extra import require_lab_extra
from kostack_lab.lab_core import KUBE_API_NAME
from kostack_lab.lab_probing import LabProbing
from kostack_lab.lab_processes import LabProcesses
from kostack_lab.lab_records import DownReport, LabStatus, ProbeResult, ProbeSpec, ServerStatus
from kostack_lab.neutron import seed_command
from kostack_lab.portsec import CounterOwner, PortCounters, read_counters
from kostack_lab.router6 import configure_router6
from kostack_lab.scenarios import Scenario, get_scenario, neutron_description
from kostack_lab.state import (
    LabState,
    ServerRecord,
    StatePaths,
    write_json_atomic,
)
from kostack_lab.texts_status import keyed
from kostack_lab.topology import create_network, plan_kube_proxy
from kostack_lab.topology_layout import MAX_NODES, Topology

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

CLOUD_NAME = "lab"


class Lab(LabProbing, LabProcesses):
    """One network lab (namespaces `ks-*` or `ks-NAME-*`) and its state directory."""

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
        kostack_lab.cluster) from a background daemon. `own_neutron` starts
        the lab's own real Neutron (kostack_lab.own_neutron), seeds it and
        takes port security from it, as with an endpoint and `seed_neutron`.
        `step` is told each stage (for progress). On any failure the
        half-built lab is torn down before the error is raised.
        """
        say = step or (lambda _stage: None)
        started = time.monotonic()
        require_lab_extra()
        chosen = get_scenario(scenario) if isinstance(scenario, str) else scenario
        self._check_up(nodes, neutron_endpoint, own_neutron=own_neutron)
        topo = chosen.topology(prefix=self.prefix, nodes=nodes)
        _make_state_dir(self.paths)
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
            self._render_first(state, neutron_endpoint, seed_neutron=seed_neutron, say=say)
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

    def _check_up(self, nodes: int, neutron_endpoint: str | None, *, own_neutron: bool) -> None:
        """Refuse bad arguments, a missing tool or kernel feature, and a lab already up."""
        if not 2 <= nodes <= MAX_NODES:
            raise LabInputError(
                Msg("lab.x.nodes_range", most=MAX_NODES, nodes=nodes), Msg("lab.x.default_4")
            )
        if own_neutron and neutron_endpoint is not None:
            raise LabInputError(Msg("lab.x.own_and_endpoint"), Msg("lab.x.own_or_endpoint"))
        if neutron_endpoint is not None and not re.match(r"^https?://[^/\s]+", neutron_endpoint):
            raise LabInputError(
                Msg("lab.x.bad_endpoint", value=repr(neutron_endpoint)),
                Msg("lab.x.root_url", example="http://127.0.0.1:9696/"),
            )
        netns.require_root()
        netns.require_tools()
        netns.require_kernel_features()
        existing = self._owned_namespaces()
        if existing:
            down = ["kostack", "lab", "down", *(["--name", self._name] if self._name else [])]
            raise LabInputError(
                Msg("lab.x.already_up", n=len(existing), example=existing[0]),
                Msg("lab.x.run_first", command=f"`{render(down)}`"),
            )

    def _render_first(
        self,
        state: LabState,
        neutron_endpoint: str | None,
        *,
        seed_neutron: bool,
        say: Callable[[str], None],
    ) -> None:
        """Choose where port security comes from (seeding Neutron if asked) and render it once."""
        chosen, topo = state.scenario, state.topology
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
                Msg("lab.x.no_port_behind", taps=", ".join(first.unbound)),
                Msg("lab.x.seed_first", command=seed_command(neutron_endpoint, len(topo.nodes)))
                if neutron_endpoint is not None
                else Msg("lab.x.every_vm"),
            )
        if topo.dual_stack:  # the router's IPv6 side, from its port on the IPv6 subnet
            configure_router6(topo, source.fetch()[0])

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
                Msg("lab.x.down_left", namespaces=f"{left}", processes=f"{alive}"),
                Msg("lab.x.check_then_down", a="`ip netns list`", b="`ps`"),
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
            problems = (Msg("lab.p.no_state", n=len(present)),) if present else ()
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
        issues = [Msg("lab.p.ns_missing", ns=n) for n in missing]
        issues += [
            Msg("lab.p.process_down", name=s.name, pid=s.pid) for s in server_status if not s.alive
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
                issues.append(Msg("lab.p.counters", why=exc.message))
        if portsec is not None:
            warnings = keyed(portsec.warnings, portsec.warning_keys)
            issues += [Msg("lab.p.portsec", what=w) for w in warnings]
            issues += [Msg("lab.p.unbound", tap=tap) for tap in portsec.unbound]
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
            raise LabError(Msg("lab.x.no_render"), Msg("lab.x.run", command="`kostack lab sync`"))
        owners = [CounterOwner(**o.model_dump()) for o in portsec.owners]
        return read_counters(state.topology.hv_netns, owners)

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
            raise LabInputError(
                Msg("lab.x.not_our_ns", ns=ns),
                Msg("lab.x.see_status", command="`kostack lab status`"),
            )
        return netns.exec_in(name, argv, input_text=input_text, timeout=timeout, check=check)

    # -- port security -----------------------------------------------------------

    def sync(self, *, force: bool = False) -> SyncResult:
        """Re-read the port description (Neutron or the state files) and re-render if it changed."""
        return self._agent_for(self._require_state()).sync(force=force)

    def port_description(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The current built-in port description (ports, security groups) as Neutron JSON."""
        return self._port_source(self._require_state()).fetch()

    def follow_felix(self, felix: Mapping[str, Any]) -> bool:
        """Re-render natOutgoing as Felix would under ``felix`` (the `default`
        FelixConfiguration as the API serves it): plain masquerade when its
        featureDetectOverride turns MASQFullyRandom off. Whether anything changed."""
        state = self._require_state()
        override = str((felix.get("spec") or {}).get("featureDetectOverride") or "")
        if override == state.topology.felix_override:
            return False
        topo = state.topology.model_copy(update={"felix_override": override})
        for node in topo.nodes:  # ks-calico and ks-kube-proxy, each table replaced whole
            netns.load_nft(node.netns, plan_kube_proxy(topo))
        write_json_atomic(
            self.paths.state, state.model_copy(update={"topology": topo}).model_dump(mode="json")
        )
        return True

    # -- internals -----------------------------------------------------------------

    def _exports(self, state: LabState) -> tuple[str, ...]:
        served = any(s.name == KUBE_API_NAME for s in state.servers)
        if not served or not self.paths.kubeconfig.exists():
            return ()
        clouds = self.paths.clouds if self.paths.clouds.exists() else None
        return tuple(export_lines(self.paths.kubeconfig, clouds))


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


def _make_state_dir(paths: StatePaths) -> None:
    """The lab's state directories; one it cannot make (--state-dir under /proc, a file) is bad
    input, said in the reader's language, not a crash."""
    try:
        paths.create()
    except OSError as exc:
        raise LabInputError(
            Msg("lab.x.state_dir", dir=str(paths.root), why=reason(exc)),
            Msg("lab.x.state_dir_hint"),
        ) from exc
