"""The lab's own Neutron: a real Neutron API server that lives and dies with the lab.

`kostack lab up` (without --neutron-endpoint or --no-neutron) starts one
from the Neutron venv in the user cache (kostack_lab.neutron_venv), with its
sqlite database in the lab's state directory, seeds it with the seed cloud
(network, subnet, router, a port per lab VM: kostack_lab.neutron_seed) and
then the scenario's port security (kostack_lab.agent.apply_scenario). The
server runs in its own session, tagged `--lab-tag PREFIX` like every lab
process, so `kostack lab down` stops it, also after a crash.

It listens on 127.0.0.1 only, with no Keystone (noauth: every caller is
admin in one project). It is a rehearsal cloud, never a real one.
"""

from __future__ import annotations

import re
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from kostack_lab import netns
from kostack_lab.errors import LabError, Msg
from kostack_lab.neutron import SERVER_SCRIPT
from kostack_lab.neutron_venv import find_neutron_python, neutron_venv_dir, provisioned
from kostack_lab.state import ServerRecord, StatePaths
from kostack_lab.topology_layout import Topology

__all__ = ["NEUTRON_NAME", "needs_provisioning", "seed_own_neutron", "start_own_neutron"]

NEUTRON_NAME = "neutron"

_READY = re.compile(r"^ready (?P<url>http://127\.0\.0\.1:\d+/) pid=(?P<pid>\d+)$", re.M)


def needs_provisioning() -> Path | None:
    """The Neutron venv's directory when it still has to be made, else None."""
    venv = neutron_venv_dir()
    return None if provisioned(venv) else venv


def start_own_neutron(
    paths: StatePaths, prefix: str, *, timeout: float, step: Callable[[str], None]
) -> tuple[ServerRecord, str]:
    """Start the lab's Neutron (provisioning its venv first if needed); its record and endpoint.

    Returns once the API answers. `step` is told what is being done (for
    progress). On failure the process is left to `Lab.down` (it is tagged).
    """
    if needs_provisioning() is not None:
        from kostack_lab.neutron_venv import provision_neutron_venv

        step("provisioning Neutron")
        provision_neutron_venv(log=lambda _line: None)
    python = find_neutron_python()
    step("starting Neutron")
    paths.neutron.mkdir(mode=0o700, parents=True, exist_ok=True)
    argv = [
        str(python),
        str(SERVER_SCRIPT),
        "--state-dir",
        str(paths.neutron),
        "--port",
        "0",
        netns.TAG_ARGUMENT,
        prefix,
    ]
    log = paths.log_file(NEUTRON_NAME)
    log.unlink(missing_ok=True)
    record = paths.spawn(NEUTRON_NAME, None, argv)
    return record, _wait_ready(record.pid, log, timeout)


def seed_own_neutron(endpoint: str, topo: Topology, log: Path) -> None:
    """The seed's cloud for `topo`'s nodes. The scenario is written next (`apply_scenario`:
    a dual-stack scenario's IPv6 subnet on the router first, then the router's routes back
    to the pod blocks of each family, whose IPv6 next hops Neutron accepts only then)."""
    from kostack_lab.neutron_seed import seed_topology  # loads openstacksdk: only here

    try:
        seed_topology(endpoint, len(topo.nodes))
    except Exception as exc:  # any SDK/transport error from a Neutron we just started
        raise LabError(
            Msg("lab.x.seed_own", url=endpoint, why=f"{type(exc).__name__}: {exc}"),
            Msg("lab.x.see", what=str(log)),
        ) from exc


def _wait_ready(pid: int, log: Path, timeout: float) -> str:
    """The endpoint from the server's `ready URL pid=PID` line, once the URL answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            text = log.read_text(errors="replace")
        except OSError:
            text = ""
        ready = _READY.search(text)
        if ready is not None and int(ready.group("pid")) == pid and _answers(ready.group("url")):
            return ready.group("url")
        if not netns.process_alive(pid):
            raise LabError(
                Msg("lab.x.exited", what=Msg("lab.w.own_neutron")),
                Msg("lab.x.see_tail", what=str(log), tail=_tail(text)),
            )
        if time.monotonic() > deadline:
            raise LabError(
                Msg("lab.x.not_ready", what=Msg("lab.w.own_neutron"), seconds=f"{timeout:g}"),
                Msg("lab.x.see", what=str(log)),
            )
        time.sleep(0.05)  # polling the log for the ready line, bounded by the deadline


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _tail(text: str, lines: int = 5) -> str:
    return " | ".join(text.strip().splitlines()[-lines:]) or "(empty log)"
