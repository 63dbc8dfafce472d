"""Run `ip`, `bridge`, `sysctl` and `nft` inside the lab's network namespaces, and only there.

Every helper that changes something takes a namespace name and refuses one
that does not start with `ks-`: the lab never configures the root namespace
(no `ip` command without `-n`, no `nft` outside `ip netns exec`). Namespaces
are created and deleted by name, processes are found by pid file, by
namespace (`ip netns pids`) and by the `--lab-tag` argument every lab process
carries, so `down` can clean up after a crash.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from kostack.shell import as_code
from kostack_lab.errors import LabEnvironmentError, LabError, Msg, NotRootError

__all__ = [
    "LAB_PREFIX",
    "add_namespaces",
    "bridge_batch",
    "check_netns_name",
    "delete_namespaces",
    "exec_argv",
    "exec_in",
    "find_tagged_processes",
    "ip_batch",
    "is_root",
    "list_namespaces",
    "load_nft",
    "namespace_pids",
    "nft_json",
    "nft_table_anew",
    "process_alive",
    "require_kernel_features",
    "require_root",
    "require_tools",
    "run",
    "run_parallel",
    "set_sysctls",
    "spawn",
    "terminate",
]

LAB_PREFIX = "ks-"
_NETNS_NAME = re.compile(r"^ks-[a-z0-9][a-z0-9-]{0,40}$")
TOOLS: tuple[str, ...] = ("ip", "bridge", "nft", "sysctl")
TAG_ARGUMENT = "--lab-tag"


def check_netns_name(name: str) -> str:
    """Return `name` if it is a lab namespace name (`ks-...`), else raise ValueError.

    A programming error, not user input: every name the lab builds passes.
    """
    if not _NETNS_NAME.match(name):
        raise ValueError(f"refusing to touch namespace {name!r}: lab namespaces start with ks-")
    return name


def is_root() -> bool:
    """Whether this process runs as root (namespaces need CAP_SYS_ADMIN)."""
    return os.geteuid() == 0


def require_root() -> None:
    """Raise NotRootError unless running as root."""
    if not is_root():
        raise NotRootError(
            Msg("lab.x.root"),
            Msg("lab.x.as_root", command="`sudo .venv/bin/kostack lab up --scenario seed`"),
        )


def require_tools(tools: Iterable[str] = TOOLS) -> None:
    """Raise LabEnvironmentError naming the first missing command."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        packages = sorted(
            {
                "nftables" if t == "nft" else "procps" if t == "sysctl" else "iproute2"
                for t in missing
            }
        )
        raise LabEnvironmentError(
            Msg("lab.x.missing_commands", commands=", ".join(as_code(m) for m in missing)),
            Msg(
                "lab.x.install",
                command=f"apt-get update && apt-get install -y {' '.join(packages)}",
            ),
        )


def require_kernel_features() -> None:
    """br_netfilter must be loaded: the hypervisor's conntrack sees bridged IPv4 through it.

    Only checked (read-only), never loaded: the lab does not change the host's kernel.
    """
    if not Path("/proc/sys/net/bridge").is_dir():
        raise LabEnvironmentError(
            Msg("lab.x.no_br_netfilter"), Msg("lab.x.modprobe", command="`modprobe br_netfilter`")
        )


def run(
    argv: Sequence[str],
    *,
    input_text: str | None = None,
    timeout: float = 30.0,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a command, capture its output, raise LabError when it fails (if `check`)."""
    try:
        completed = subprocess.run(
            list(argv),
            input=input_text,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=None if input_text is not None else subprocess.DEVNULL,
        )
    except FileNotFoundError as exc:
        raise LabEnvironmentError(
            Msg("lab.x.not_found", command=argv[0]), Msg("lab.x.install_tools")
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise LabError(
            Msg("lab.x.did_not_finish", command=f"`{' '.join(argv)}`", seconds=f"{timeout:.0f}")
        ) from exc
    if check and completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise LabError(
            Msg(
                "lab.x.failed_status",
                command=f"`{_short(argv)}`",
                status=completed.returncode,
                output=" | ".join(detail[-3:]) or "no output",
            ),
            Msg("lab.x.clean_and_retry", command="`kostack lab down`"),
        )
    return completed


def _short(argv: Sequence[str]) -> str:
    text = " ".join(argv)
    return text if len(text) <= 120 else text[:117] + "..."


def exec_argv(netns: str, argv: Sequence[str]) -> list[str]:
    """The argv that runs `argv` inside lab namespace `netns`."""
    return ["ip", "netns", "exec", check_netns_name(netns), *argv]


def exec_in(
    netns: str,
    argv: Sequence[str],
    *,
    input_text: str | None = None,
    timeout: float = 30.0,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run `argv` inside lab namespace `netns` and return the finished process."""
    return run(exec_argv(netns, argv), input_text=input_text, timeout=timeout, check=check)


def ip_batch(netns: str, lines: Sequence[str]) -> None:
    """Run `ip` commands (one per line, without the leading `ip`) inside `netns`."""
    if lines:
        run(
            ["ip", "-n", check_netns_name(netns), "-batch", "-"], input_text="\n".join(lines) + "\n"
        )


def bridge_batch(netns: str, lines: Sequence[str]) -> None:
    """Run `bridge` commands (e.g. `fdb append ...`) inside `netns`."""
    if lines:
        run(
            ["bridge", "-n", check_netns_name(netns), "-batch", "-"],
            input_text="\n".join(lines) + "\n",
        )


def set_sysctls(netns: str, settings: Mapping[str, str | int]) -> None:
    """Set sysctls inside `netns` (never in the root namespace)."""
    if settings:
        exec_in(netns, ["sysctl", "-q", "-w", *(f"{k}={v}" for k, v in settings.items())])


def nft_table_anew(family: str, name: str) -> list[str]:
    """The opening lines of an nft table a script replaces whole (the caller closes it with `}`).

    Declared first so that the delete cannot fail, deleted, then opened empty.
    """
    return [f"table {family} {name}", f"delete table {family} {name}", f"table {family} {name} {{"]


def load_nft(netns: str, ruleset: str) -> None:
    """Load an nft script inside `netns` in one transaction (`nft -f -`)."""
    exec_in(netns, ["nft", "-f", "-"], input_text=ruleset)


def nft_json(netns: str, args: Sequence[str]) -> dict[str, Any]:
    """Run `nft -j ARGS` inside `netns` and return the parsed document."""
    completed = exec_in(netns, ["nft", "-j", *args])
    document = json.loads(completed.stdout or "{}")
    if not isinstance(document, dict):
        raise LabError(Msg("lab.x.not_object", command=f"`nft -j {' '.join(args)}`", ns=netns))
    return document


def list_namespaces() -> list[str]:
    """Names from `ip netns list` (all of them; callers filter by prefix)."""
    completed = run(["ip", "netns", "list"])
    return [line.split()[0] for line in completed.stdout.splitlines() if line.strip()]


def add_namespaces(names: Sequence[str]) -> None:
    """Create lab namespaces (all in one `ip -batch`)."""
    ip_lines = [f"netns add {check_netns_name(name)}" for name in names]
    if ip_lines:
        run(["ip", "-batch", "-"], input_text="\n".join(ip_lines) + "\n")


def delete_namespaces(names: Sequence[str]) -> None:
    """Delete lab namespaces (one `ip -force -batch`: a missing one does not stop the rest)."""
    ip_lines = [f"netns delete {check_netns_name(name)}" for name in names]
    if ip_lines:
        run(["ip", "-force", "-batch", "-"], input_text="\n".join(ip_lines) + "\n", check=False)


def namespace_pids(netns: str) -> list[int]:
    """Pids of the processes whose network namespace is `netns`."""
    completed = run(["ip", "netns", "pids", check_netns_name(netns)], check=False)
    return [int(word) for word in completed.stdout.split() if word.isdigit()]


def cmdline_words(pid: int) -> list[bytes]:
    """The words of a process's command line (empty when it is gone).

    A process that set its title (Neutron does, through setproctitle) leaves
    one space-joined string instead of NUL-separated arguments; its words
    are then split at spaces (a lab's tag never contains one).
    """
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    words = raw.rstrip(b"\0").split(b"\0")
    if len(words) == 1 and b" " in words[0]:
        words = words[0].split()
    return words


def find_tagged_processes(tag: str, *, any_lab: bool = False) -> list[int]:
    """Pids whose command line carries `--lab-tag TAG` (every process the lab starts does).

    With `any_lab`, every tag starting with `ks-` matches.
    """
    marker = TAG_ARGUMENT.encode()
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        words = cmdline_words(int(entry.name))
        if marker not in words:
            continue
        value = words[words.index(marker) + 1 :][:1]
        if not value:
            continue
        if value[0] == tag.encode() or (any_lab and value[0].startswith(LAB_PREFIX.encode())):
            found.append(int(entry.name))
    return found


def process_alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie counts as gone; our own zombies are reaped)."""
    try:
        reaped, _status = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    except ChildProcessError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # The state letter follows the parenthesised command name.
    state = stat.rsplit(")", 1)[-1].split()[0] if ")" in stat else "?"
    return state not in {"Z", "X"}


def terminate(pids: Iterable[int], timeout: float = 3.0) -> list[int]:
    """SIGTERM the processes, wait (bounded), SIGKILL what is left; return the pids signalled."""
    targets = sorted({pid for pid in pids if pid > 1 and pid != os.getpid()})
    signalled: list[int] = []
    for pid in targets:
        try:
            os.kill(pid, signal.SIGTERM)
            signalled.append(pid)
        except ProcessLookupError:
            continue
    remaining = _alive_after(signalled, timeout)
    for pid in remaining:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    _alive_after(remaining, timeout)
    return signalled


def _alive_after(pids: Sequence[int], timeout: float) -> list[int]:
    """Those of ``pids`` still alive once they all exited or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    remaining = [pid for pid in pids if process_alive(pid)]
    while remaining and time.monotonic() < deadline:
        time.sleep(0.01)  # polling process exit, bounded by the deadline
        remaining = [pid for pid in remaining if process_alive(pid)]
    return remaining


def spawn(netns: str | None, argv: Sequence[str], log_path: Path) -> int:
    """Start a long-running lab process (inside `netns` unless None) and return its pid.

    The process gets its own session so it outlives the command that started
    it (`kostack lab up` returns); `down` finds it again by pid file or tag.
    """
    command = exec_argv(netns, argv) if netns is not None else list(argv)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    return process.pid


def run_parallel(jobs: Sequence[Callable[[], None]], workers: int = 16) -> None:
    """Run independent jobs in threads; raise the first failure after all finished."""
    if not jobs:
        return
    if len(jobs) == 1:
        jobs[0]()
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        futures = [pool.submit(job) for job in jobs]
        errors = [future.exception() for future in futures]
    for error in errors:
        if error is not None:
            raise error
