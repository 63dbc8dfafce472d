"""The lab's identity, state files and the lookups every part of `Lab` builds on."""

from __future__ import annotations

import re
from pathlib import Path

from kostack.shell import as_code, render
from kostack_lab import netns
from kostack_lab.agent import (
    FileSource,
    LabAgent,
    NeutronSource,
    PortSource,
)
from kostack_lab.errors import LabInputError, Msg
from kostack_lab.state import (
    LabState,
    PortsecState,
    StatePaths,
    default_state_dir,
    read_model,
)

_LAB_NAME = re.compile(r"^[a-z0-9]{1,8}$")
_ROLE = re.compile(r"^(hv|rt|inet|n\d+|n\d+p\d+)$")
AGENT_NAME = "agent"
KUBE_API_NAME = "kubeapi"


class LabCore:
    """One network lab (namespaces `ks-*` or `ks-NAME-*`) and its state directory."""

    def __init__(self, name: str | None = None, state_dir: Path | None = None) -> None:
        if name is not None and not _LAB_NAME.match(name):
            raise LabInputError(Msg("lab.x.bad_name", name=repr(name)), Msg("lab.x.name_rule"))
        self.prefix = f"ks-{name}-" if name else "ks-"
        self.paths = StatePaths(state_dir or default_state_dir(self.prefix))
        self._agent: LabAgent | None = None

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
        return read_model(LabState, self.paths.state)

    def _load_portsec(self) -> PortsecState | None:
        return read_model(PortsecState, self.paths.portsec)

    def _require_state(self) -> LabState:
        state = self._load_state()
        if state is None:
            raise LabInputError(
                Msg("lab.x.none_up", dir=str(self.paths.root)),
                Msg("lab.x.run", command=as_code(render(self._up_argv()))),
            )
        return state

    def _up_argv(self) -> list[str]:
        """`kostack lab up` for this lab: its --name and --state-dir when not the defaults (the
        bare command, pasted, would build another lab than the one asked about)."""
        argv = ["kostack", "lab", "up", "--scenario", "seed"]
        if self._name:
            argv += ["--name", self._name]
        if self.paths.root != default_state_dir(self.prefix):
            argv += ["--state-dir", str(self.paths.root)]
        return argv

    def _port_source(self, state: LabState) -> PortSource:
        """Where the lab's port description comes from: its Neutron, else the state files."""
        if state.neutron_endpoint is not None:
            return NeutronSource(state.neutron_endpoint)
        return FileSource(self.paths)

    def _agent_for(self, state: LabState) -> LabAgent:
        if self._agent is None:
            self._agent = LabAgent(state, self.paths, self._port_source(state))
        return self._agent
