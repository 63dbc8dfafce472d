"""The live LoadBalancer world: real Neutron + real Octavia + the Kubernetes API double + OCCM.

(A module of its own, not conftest: see tests/collect/collect_live_support.py.)
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest_neutron import SeededNeutron

from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack_testkit.faultproxy import FaultProxy
from kostack_testkit.kubeapi import KubeApiDouble
from kostack_testkit.occm import Occm
from kostack_testkit.octavia_harness import OctaviaHarness


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def write_clouds(path: Path, neutron: str, octavia: str) -> Path:
    """clouds.yaml for a keystone-less cloud with both Neutron and Octavia."""
    clouds = {
        "clouds": {
            "lbcloud": {
                "auth_type": "none",
                "auth": {"endpoint": neutron},
                "network_endpoint_override": neutron,
                "load_balancer_endpoint_override": octavia,
                "region_name": "RegionOne",
            }
        }
    }
    path.write_text(json.dumps(clouds))
    return path


@dataclass
class LBWorld:
    neutron: SeededNeutron
    octavia: OctaviaHarness
    neutron_proxy: FaultProxy
    octavia_proxy: FaultProxy
    api: KubeApiDouble
    occm: Occm
    conn: Any
    clouds: Path
    kubeconfig: Path
    home: Path
    # The Neutron backend the world stands for, said the way a user says it
    # (`--neutron-backend`): the harness's Neutron does not show its backend, and the
    # world's node group uses remote-group rules, which admit pod sources on ML2/OVS only.
    backend: str | None = None

    @property
    def environ(self) -> dict[str, str]:
        return {
            "OS_CLIENT_CONFIG_FILE": str(self.clouds),
            "OS_CLOUD": "lbcloud",
            "KUBECONFIG": str(self.kubeconfig),
            "HOME": str(self.home),
        }

    def run(self, *args: str) -> Run:
        if self.backend is not None:
            cut = 2 if args[:1] == ("fix",) and args[1:2] in (("plan",), ("apply",)) else 1
            if args[:1] in (("diagnose",), ("trace",)) or cut == 2:
                args = (*args[:cut], "--neutron-backend", self.backend, *args[cut:])
        out, err = io.StringIO(), io.StringIO()
        env = Environment(
            stdout=out, stderr=err, environ=self.environ, stdin_isatty=False, stdout_isatty=False
        )
        code = main(list(args), env)
        return Run(code, out.getvalue(), err.getvalue())

    def diagnose(self, *extra: str) -> Run:
        return self.run("diagnose", "-o", "json", *extra)

    def node_rule(self, prefix: str, lo: int = 30000, hi: int = 32767) -> str:
        """An ingress TCP rule on the nodes' group k8s-nodes (as an operator would add it)."""
        rule = self.conn.network.create_security_group_rule(
            security_group_id=self.neutron.ids.nodes_sg_id,
            direction="ingress",
            ethertype="IPv4",
            protocol="tcp",
            port_range_min=lo,
            port_range_max=hi,
            remote_ip_prefix=prefix,
        )
        return str(rule.id)


def root_causes(doc: dict[str, Any]) -> list[str]:
    return [rc["key"] for rc in doc["root_causes"]]


def lb_findings(doc: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["check_id"] == check]


def explain(run: Run) -> str:
    """A short account of a diagnose -o json run, for assertion messages."""
    try:
        doc = run.json()
    except ValueError:
        return run.stdout + run.stderr
    lines = [f"exit {run.code}; root causes {root_causes(doc)}; gaps {doc.get('gaps')}"]
    for f in doc["findings"]:
        if f["check_id"].startswith("lb-") or f["status"] == "fail":
            lines.append(f"  {f['check_id']} {f['status']}: {f['message']}")
    return "\n".join(lines) + "\n" + run.stderr
