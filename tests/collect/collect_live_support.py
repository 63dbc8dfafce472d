"""Helpers for the live-collection tests: the seed served live, and running the CLI.

(A module of its own, not conftest: `from conftest import ...` would pick up
whichever tests/*/conftest.py pytest imported first.)"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from conftest_neutron import SeededNeutron

from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack_testkit.faultproxy import FaultProxy
from kostack_testkit.kubeapi import KubeApiDouble


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class LiveSeed:
    """The seed incident served live: Neutron behind a fault proxy, and the cluster double."""

    neutron: SeededNeutron
    proxy: FaultProxy
    api: KubeApiDouble
    clouds: Path
    kubeconfig: Path
    home: Path

    @property
    def environ(self) -> dict[str, str]:
        return {
            "OS_CLIENT_CONFIG_FILE": str(self.clouds),
            "OS_CLOUD": "seed",
            "KUBECONFIG": str(self.kubeconfig),
            "HOME": str(self.home),
        }

    def run(self, *args: str, environ: dict[str, str] | None = None) -> Run:
        return run_cli(*args, environ=self.environ if environ is None else environ)


def run_cli(*args: str, environ: dict[str, str]) -> Run:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=out, stderr=err, environ=environ, stdin_isatty=False, stdout_isatty=False
    )
    code = main(list(args), env)
    return Run(code, out.getvalue(), err.getvalue())
