"""Helpers for the report tests: snapshots with probes, Helm state and journals; headless Chromium."""

from __future__ import annotations

import copy
import io
import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack_testkit.builders import example_doc

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "seed-incident.json"
DATA = ROOT / "tests" / "data"

SEED_PORTS = {
    "k8s-cp-1": "5f1c7974-c7a9-5b1e-ab2f-72fe4bdfb30b",
    "k8s-w-1": "a07e1ace-b9f0-54a0-8115-c136c4eac8ed",
    "k8s-w-2": "9b3d46e9-3f54-5cf1-b302-427306a4323e",
    "k8s-w-3": "c4e28305-5996-5ba2-b1b7-a0a73cfb6273",
}


def run(*args: str, environ: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=out, stderr=err, environ=environ or {}, stdin_isatty=False, stdout_isatty=False
    )
    code = main(list(args), env)
    return code, out.getvalue(), err.getvalue()


def seed_with_probes() -> dict[str, Any]:
    """The seed as the team saw it from its test pods (the seed report's 4.1)."""
    doc = example_doc("seed-incident")
    doc["probes"] = [
        {
            "id": "icmp-clusterip/k8s-w-1",
            "kind": "icmp-clusterip",
            "source_pod": "demo/netshoot",
            "target": "kubernetes",
            "target_ip": "10.96.0.1",
            "protocol": "icmp",
            "verdict": "expected-no-reply",
            "detail": "no reply (a ClusterIP does not answer ping)",
        },
        {
            "id": "dns-udp/k8s-w-2",
            "kind": "dns-udp",
            "source_pod": "demo/dns-test",
            "target": "kubernetes.default",
            "target_ip": "10.96.0.10",
            "target_port": 53,
            "protocol": "udp",
            "verdict": "fail",
            "detail": "timeout",
        },
        {
            "id": "api-tls/k8s-w-1",
            "kind": "api-tls",
            "source_pod": "demo/netshoot",
            "target": "kubernetes",
            "target_ip": "10.96.0.1",
            "target_port": 443,
            "protocol": "tcp",
            "verdict": "fail",
            "detail": "timeout",
        },
    ]
    return doc


def harbor_helm() -> dict[str, Any]:
    """Harbor installed once without -n (PVCs in default, release since gone), then in harbor."""
    labels = {"app": "harbor", "release": "harbor"}
    annotations = {
        "meta.helm.sh/release-name": "harbor",
        "meta.helm.sh/release-namespace": "default",
    }

    def pvc(name: str, keep: bool) -> dict[str, Any]:
        extra = {"helm.sh/resource-policy": "keep"} if keep else {}
        return {
            "namespace": "default",
            "name": name,
            "uid": f"uid-{name}",
            "phase": "Bound",
            "volume_name": f"pv-{name}",
            "created": "2026-11-19T08:00:00Z",
            "labels": labels,
            "annotations": annotations | extra,
        }

    return {
        "releases": [
            {
                "name": "harbor",
                "namespace": "harbor",
                "revision": 1,
                "status": "failed",
                "chart": "harbor",
                "chart_version": "1.16.0",
                "app_version": "2.12.0",
                "first_deployed": "2026-11-20T08:30:00Z",
                "last_deployed": "2026-11-20T08:30:00Z",
                "description": 'Release "harbor" failed: context deadline exceeded',
            }
        ],
        "pvcs": [
            pvc("harbor-registry", True),
            pvc("harbor-jobservice", True),
            pvc("database-data-harbor-database-0", False),
            pvc("data-harbor-redis-0", False),
        ],
        "pvs": [],
        "pods": [],  # read, and none mounts the claims (unread pods would block the advice)
        "namespaces": ["default", "harbor", "kube-system", "demo"],
        "context_namespace": "default",
    }


def seed_with_harbor() -> dict[str, Any]:
    doc = example_doc("seed-incident")
    doc["helm"] = harbor_helm()
    return doc


def write_doc(doc: dict[str, Any], path: Path) -> str:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def fix_journal(path: Path, snapshot_doc: dict[str, Any], *, failed_node: str = "") -> Path:
    """A real `kostack fix apply` journal (the apply layer's own writer) for the seed's plan."""
    from kostack.apply.journal import Journal
    from kostack.plan.build import build_plan
    from kostack.plan.model import PlanOptions
    from kostack_testkit.builders import build

    # with the service-CIDR pair (asked for), so the journal holds more than the diagnosis' fix
    plan = build_plan(build(copy.deepcopy(snapshot_doc)), PlanOptions(service_cidr=True))
    with Journal.create(path, plan, version="test") as journal:
        journal.append({"type": "run", "mode": "apply", "pid": 1})
        for action in plan.automatic:
            target = {"kind": action.target.kind, "id": action.target.id}
            journal.append({"type": "intent", "action": action.id, "target": target})
            failed = bool(failed_node) and action.target.name == failed_node
            journal.append(
                {
                    "type": "result",
                    "action": action.id,
                    "outcome": "failed" if failed else "applied",
                    "message": "",
                    "error": {"message": "409 Conflict: revision changed"} if failed else None,
                }
            )
        journal.append({"type": "end", "mode": "apply", "status": "complete"})
    return path


# --------------------------------------------------------------------------- Chromium


CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--hide-scrollbars",
)


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, (
        "Chromium is needed for the report's browser tests: `bash scripts/setup.sh --all` "
        "installs Debian's chromium (as root), or `apt-get install chromium`"
    )
    return path


def _run_chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"chromium-profile-{len(list(tmp.glob('chromium-profile-*')))}"
    profile.mkdir()
    return subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def dump_dom(page: Path, tmp: Path) -> str:
    """The DOM after load, scripts run and pending events fired (virtual time)."""
    proc = _run_chromium(tmp, "--virtual-time-budget=3000", "--dump-dom", page.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "<html" in proc.stdout, proc.stderr[-2000:]
    return proc.stdout


def screenshot(page: Path, png: Path, tmp: Path, size: str = "1280,1600") -> Path:
    proc = _run_chromium(tmp, f"--window-size={size}", f"--screenshot={png}", page.as_uri())
    assert proc.returncode == 0 and png.exists(), proc.stderr[-2000:]
    return png


class DomElements(HTMLParser):
    """Every element and attribute of a serialized DOM, and the text of <title>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)
        self._in_title = tag == "title" and not self.title

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def elements(dom: str) -> DomElements:
    parser = DomElements()
    parser.feed(dom)
    return parser
