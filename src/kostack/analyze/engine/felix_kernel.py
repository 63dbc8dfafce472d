"""Whether Felix refuses its eBPF data plane on a node for its kernel (docs/facts.md "Calico's
eBPF data plane", Felix refusing bpfEnabled).

With `bpfEnabled` true, Felix checks the kernel first (`felix/daemon/daemon.go`
`applyBPFOverrides`: "BPF dataplane mode enabled but not supported by the kernel. Disabling
BPF mode.") and, when it is too old, overrides BPFEnabled to false and runs its iptables or
nftables data plane: the operator writes `bpfEnabled`, its TigeraStatus stays Available, and
nothing but Felix's log says so. The minimum (`felix/bpf/bpf.go` `distToVersionMap`) is 5.3.0,
or 4.18.0 for a Red Hat kernel (`felix/environment/versionparse.go` `GetDistFromString`: "red
hat" in /proc/version, or `el<N>_<M>` in it). kostack reads the kernel from the Node's
`status.nodeInfo.kernelVersion` (the release, not /proc/version's whole line): below 4.18
Felix refuses whatever the distribution; 5.3 and above it accepts; in between, a release with
`el<N>_<M>` is Red Hat's and accepted, any other is not decided (/proc/version may still say
Red Hat). A node whose kernel is not read (kubelet left kernelVersion empty, or kostack does not
parse it) is not counted as accepted: it is named as not known. Linear in the nodes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from kostack.model.cluster import Node

RED_HAT = (4, 18, 0)
OTHERS = (5, 3, 0)
_RELEASE = re.compile(r"^\s*(\d+)\.(\d+)(?:\.(\d+))?")
_EL = re.compile(r"el(\d+_\d+)")  # versionparse.go's redhatRegexp, on the lower-cased text


@dataclass(frozen=True)
class KernelRefusal:
    """The nodes whose Felix refuses eBPF for its kernel, those it may refuse (a kernel
    between 4.18 and 5.3 not marked Red Hat's): (node, kernel release) each; and those whose
    kernel is not known (kernelVersion empty, or not a release kostack parses): (node, what
    the Node says, "" when nothing)."""

    refused: tuple[tuple[str, str], ...] = ()
    maybe: tuple[tuple[str, str], ...] = ()
    unread: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.refused or self.maybe or self.unread)


def _release(text: str) -> tuple[int, int, int] | None:
    found = _RELEASE.match(text)
    if found is None:
        return None
    major, minor, patch = found.groups()
    return int(major), int(minor), int(patch or 0)


def verdict(kernel: str | None) -> bool | None:
    """True: Felix refuses eBPF on this kernel; False: it accepts it; None: not decided (not
    read, not a release kostack parses, or between the two minimums without a Red Hat mark)."""
    if not kernel:
        return None
    release = _release(kernel)
    if release is None:
        return None
    if release < RED_HAT:
        return True
    if release >= OTHERS or _EL.search(kernel.lower()):
        return False
    return None


def kernel_refusal(nodes: Iterable[Node]) -> KernelRefusal:
    """The nodes' kernels against Felix's minimum; a kernel not read (or not parsed) is not
    known, never accepted."""
    refused: list[tuple[str, str]] = []
    maybe: list[tuple[str, str]] = []
    unread: list[tuple[str, str]] = []
    for node in nodes:
        kernel = (node.kernel_version or "").strip()
        said = verdict(kernel)
        if said is True:
            refused.append((node.name, kernel))
        elif said is None and _release(kernel) is not None:
            maybe.append((node.name, kernel))
        elif said is None:
            unread.append((node.name, kernel))
    return KernelRefusal(tuple(refused), tuple(maybe), tuple(unread))
