"""The lab's side of `kostack probe --lab` and of `kostack diagnose --active` with
KOSTACK_PROBE_LAB: the lab's snapshot, its echo port and a probe round in its pods' namespaces.

kostack's CLI never imports this package: it loads this module through the entry point
`lab-probe` of the group `kostack.parts` (lab/pyproject.toml, kostack.cli.parts) and calls
`open_lab`; what it gets back is a `kostack.cli.parts.LabSide`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kostack_lab.lab import Lab

if TYPE_CHECKING:
    from kostack.cli.common import Environment
    from kostack.model import Snapshot
    from kostack.probe.plan import ProbePlan
    from kostack.probe.results import ProbeRound

__all__ = ["LabProbing", "open_lab"]


def open_lab(name: str | None, state_dir: str | None) -> LabProbing:
    """The lab named by --lab-name (or KOSTACK_PROBE_LAB) and its state directory."""
    return LabProbing(Lab(name=name, state_dir=Path(state_dir) if state_dir else None))


@dataclass(frozen=True)
class LabProbing:
    """One lab, as a probe round sees it."""

    lab: Lab

    @property
    def echo_port(self) -> int:
        return self.lab.topology.echo_port

    @property
    def prefix(self) -> str:
        return self.lab.prefix

    def snapshot(self) -> Snapshot:
        """The lab's own description of itself (no cloud or cluster read)."""
        from kostack_lab.lab_snapshot import lab_snapshot

        return lab_snapshot(self.lab)

    def run(self, env: Environment, plan: ProbePlan) -> ProbeRound:
        """Run ``plan`` in the lab's pod namespaces (as root), a progress bar per source."""
        from kostack.cli.console import language, steps
        from kostack.probe.plan_model import place
        from kostack_lab.cli.lab_text import say
        from kostack_lab.lab_runner import run_in_lab
        from kostack_lab.lab_snapshot import lab_pods
        from kostack_lab.netns import require_root

        require_root()
        lab = self.lab
        sources, echo, echo6 = lab_pods(lab)

        def execute(ns: str, argv: Any, timeout: float) -> Any:
            return lab.exec_in(ns, list(argv), timeout=timeout, check=False)

        lang = language(env)
        total = sum(1 for node, pool in plan.places() if place(node, pool) in sources)
        with steps(env, say(lang, "cli.progress.probing_lab", sources=total), total) as bar:

            def done(finished: int, of: int) -> None:
                bar.describe(say(lang, "cli.progress.probing_lab_done", done=finished, total=of))
                bar.advance()

            return run_in_lab(plan, sources, echo, execute=execute, on_done=done, echo6=echo6)
