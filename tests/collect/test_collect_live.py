"""Live collection end to end: `kostack collect`, and `diagnose`/`trace` with no snapshot file.

Against the real Neutron harness seeded with the seed incident and the
Kubernetes API double holding the seed cluster, through `main()` with an
injected environment (clouds.yaml and kubeconfig in tmp_path).
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from collect_live_support import LiveSeed, run_cli

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack.collect.live import CollectOptions, collect_snapshot
from kostack.errors import ConfigError
from kostack.model import load_snapshot, loads_snapshot
from kostack_testkit.faultproxy import FaultKind
from kostack_testkit.kubeapi import KubeApiDouble
from kostack_testkit.neutron_harness import write_noauth_clouds
from kostack_testkit.ports import refused_port

pytestmark = pytest.mark.neutron

ROOT = Path(__file__).resolve().parents[2]
SEED_EXAMPLE = ROOT / "examples" / "seed-incident.json"


# --------------------------------------------------------------------------- done when


def test_live_diagnose_finds_the_same_root_cause_as_the_seed_example(live_seed: LiveSeed) -> None:
    live = live_seed.run("diagnose", "-o", "json")
    example = run_cli("diagnose", "--snapshot", str(SEED_EXAMPLE), "-o", "json", environ={})
    assert (live.code, example.code) == (1, 1), live.stderr
    assert live.stderr == ""
    live_doc, example_doc = json.loads(live.stdout), json.loads(example.stdout)

    def causes(doc: dict[str, object]) -> list[tuple[str, str, str, list[str]]]:
        return [
            (
                rc["key"],
                rc["check_id"],
                rc["severity"],
                sorted(r["name"] for r in rc["resource_details"] if r["kind"] == "port"),
            )
            for rc in doc["root_causes"]  # type: ignore[attr-defined]
        ]

    assert causes(live_doc) == causes(example_doc)
    (root,) = live_doc["root_causes"]
    assert root["key"] == "antispoof"
    # The four node ports of the real Neutron, by id.
    assert sorted(root["resources"]) == sorted(live_seed.neutron.ids.port_ids.values())
    assert live_doc["gaps"] == []


def test_live_diagnose_text_leads_with_the_root_cause(live_seed: LiveSeed) -> None:
    result = live_seed.run("diagnose")
    assert result.code == 1 and result.stderr == ""
    assert "ROOT CAUSE 1 of 1  [critical]  Neutron anti-spoofing drops pod traffic" in result.stdout
    port = live_seed.neutron.ids.port_ids["k8s-w-1"]
    assert f"openstack port set --allowed-address ip-address=10.244.0.0/16 {port}" in result.stdout


def test_live_trace_names_the_dropping_port(live_seed: LiveSeed) -> None:
    result = live_seed.run("trace", "pod:demo/netshoot", "svc:kube-system/kube-dns:53/udp")
    assert result.code == 1, result.stderr
    port = live_seed.neutron.ids.port_ids["k8s-w-1"]
    assert (
        f"Neutron port {port[:4]}.. (k8s-w-1): source 10.244.1.7 not in fixed_ips [10.0.0.12]"
        in result.stdout
    )
    assert "=> DENIED at hop 4" in result.stdout


def test_the_neutron_backend_flag_reaches_the_snapshot(live_seed: LiveSeed) -> None:
    result = live_seed.run("collect", "--neutron-backend", "ml2/ovs")
    snapshot = loads_snapshot(result.stdout)
    assert snapshot.openstack is not None
    assert (snapshot.openstack.backend, snapshot.openstack.backend_source) == (
        "ml2/ovs",
        "--neutron-backend",
    )
    outcome = diagnose(snapshot)
    pod_source = [f for f in outcome.findings if f.check_id == "net-sg-pod-source-ingress"]
    assert pod_source and all(f.status != Status.UNKNOWN for f in pod_source)


# --------------------------------------------------------------------------- kostack collect


def test_collect_writes_a_complete_snapshot(live_seed: LiveSeed, tmp_path: Path) -> None:
    target = tmp_path / "snap.json"
    result = live_seed.run("collect", "-o", str(target))
    assert (result.code, result.stdout, result.stderr) == (0, "", "")
    snapshot = load_snapshot(target)
    assert snapshot.gaps == ()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", snapshot.created_at or "")
    created = datetime.strptime(snapshot.created_at or "", "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - created).total_seconds()) < 120
    assert snapshot.source == "kostack collect: cloud seed; Kubernetes (current context)"
    assert snapshot.cluster is not None and snapshot.cluster.nodes is not None
    ids = live_seed.neutron.ids
    assert [(n.node, n.port_id, n.matched_by) for n in snapshot.node_ports or ()] == [
        (node.name, node.port_id, "provider_id") for node in ids.nodes
    ]
    # No temporary file is left next to the snapshot.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".snap")) == []


def test_collect_to_stdout_and_the_request_budget(live_seed: LiveSeed) -> None:
    result = live_seed.run("collect")
    assert result.code == 0 and result.stderr == ""
    snapshot = loads_snapshot(result.stdout)
    assert snapshot.openstack is not None and snapshot.cluster is not None
    assert live_seed.proxy.count() <= 10
    assert live_seed.proxy.count("GET", r"^/v2\.0/ports") == 1


def test_collect_one_side_only(live_seed: LiveSeed) -> None:
    only_os = live_seed.run("collect", "--no-kubernetes")
    snapshot = loads_snapshot(only_os.stdout)
    assert only_os.code == 0
    assert snapshot.cluster is None and snapshot.node_ports is None and snapshot.gaps == ()
    assert live_seed.api.requests == ()

    live_seed.proxy.reset_counts()
    only_k8s = live_seed.run("collect", "--no-openstack")
    snapshot = loads_snapshot(only_k8s.stdout)
    assert only_k8s.code == 0
    assert snapshot.openstack is None and snapshot.node_ports is None and snapshot.cluster
    assert live_seed.proxy.count() == 0

    neither = live_seed.run("collect", "--no-openstack", "--no-kubernetes")
    assert neither.code == 2 and neither.stdout == ""
    assert neither.stderr.startswith("error: nothing to collect")


def test_collect_options_pick_cloud_and_context(live_seed: LiveSeed, tmp_path: Path) -> None:
    clouds = tmp_path / "two-clouds.yaml"
    clouds.write_text(
        json.dumps(
            {
                "clouds": {
                    "seed": {
                        "auth_type": "none",
                        "network_endpoint_override": live_seed.proxy.endpoint,
                    },
                    "dead": {
                        "auth_type": "none",
                        "network_endpoint_override": "http://127.0.0.1:9/",
                    },
                }
            }
        )
    )
    kubeconfig = live_seed.api.write_kubeconfig(tmp_path / "kc-other", context="other")
    environ = {
        **live_seed.environ,
        "OS_CLIENT_CONFIG_FILE": str(clouds),
        "OS_CLOUD": "dead",
        "KUBECONFIG": str(tmp_path / "absent"),
    }
    result = live_seed.run(
        "collect",
        "--os-cloud",
        "seed",
        "--kubeconfig",
        str(kubeconfig),
        "--context",
        "other",
        environ=environ,
    )
    assert result.code == 0, result.stderr
    snapshot = loads_snapshot(result.stdout)
    assert snapshot.source == "kostack collect: cloud seed; Kubernetes (other)"


# --------------------------------------------------------------------------- partial data: exit 4


def test_security_groups_403_gives_exit_4_and_unknown_checks(
    live_seed: LiveSeed, tmp_path: Path
) -> None:
    live_seed.proxy.inject(
        FaultKind.HTTP_STATUS,
        "GET",
        r"^/v2\.0/security-groups$",
        status=403,
        message="rule:get_security_groups is disallowed by policy",
    )
    target = tmp_path / "partial.json"
    result = live_seed.run("collect", "-o", str(target))
    assert result.code == 4
    lines = result.stderr.splitlines()
    assert lines[0] == "warning: partial snapshot: 1 part could not be collected"
    assert lines[1].startswith(
        "  openstack.security_groups: HTTP 403 Forbidden on GET /v2.0/security-groups"
    )
    assert lines[-1].startswith("hint: checks that need these parts answer UNKNOWN")
    snapshot = load_snapshot(target)
    assert snapshot.openstack is not None and snapshot.openstack.security_groups is None
    (gap,) = snapshot.gaps
    assert "rule:get_security_groups is disallowed by policy" in gap.error

    outcome = diagnose(snapshot)
    sg_findings = [f for f in outcome.findings if f.check_id.startswith("net-sg-")]
    assert sg_findings and all(
        f.status in (Status.UNKNOWN, Status.NOT_APPLICABLE) for f in sg_findings
    )
    assert any(
        "disallowed by policy" in f.message for f in sg_findings if f.status == Status.UNKNOWN
    )


def test_live_diagnose_with_a_gap_reports_it(live_seed: LiveSeed) -> None:
    live_seed.proxy.inject(FaultKind.HTTP_STATUS, "GET", r"^/v2\.0/security-groups$", status=403)
    result = live_seed.run("diagnose", "-o", "json", "--fail-on", "never")
    assert result.code == 4
    doc = json.loads(result.stdout)
    assert [g["source"] for g in doc["gaps"]] == ["openstack.security_groups"]


def test_a_port_listing_timeout_leaves_node_matching_unknown(live_seed: LiveSeed) -> None:
    live_seed.proxy.inject(FaultKind.TIMEOUT, "GET", r"^/v2\.0/ports$", hold_s=10)
    result = live_seed.run("collect", "--timeout", "1")
    assert result.code == 4
    snapshot = loads_snapshot(result.stdout)
    sources = [g.source for g in snapshot.gaps]
    assert sources == ["openstack.ports", "openstack.routers", "node_ports"]
    assert snapshot.node_ports is None
    assert "openstack.ports not collected" in snapshot.gaps[-1].error
    match = [f for f in diagnose(snapshot).findings if f.check_id == "inv-node-port-match"]
    assert match and all(f.status == Status.UNKNOWN for f in match)


def test_a_kubernetes_403_is_a_gap_too(live_seed: LiveSeed) -> None:
    live_seed.api.inject_fault("", "pods", status=403)
    result = live_seed.run("collect")
    assert result.code == 4
    snapshot = loads_snapshot(result.stdout)
    assert "cluster.pods" in [g.source for g in snapshot.gaps]
    assert "warning: partial snapshot" in result.stderr
    assert snapshot.node_ports is not None  # matching does not need the CNI


# --------------------------------------------------------------------------- unreachable / unauthorised: exit 3


def test_unreachable_neutron_is_one_error_line_and_exit_3(
    live_seed: LiveSeed, tmp_path: Path
) -> None:
    with refused_port() as port:  # held bound, not listening: refused, and nobody takes it
        clouds = write_noauth_clouds(tmp_path / "dead.yaml", f"http://127.0.0.1:{port}/")
        target = tmp_path / "never.json"
        result = live_seed.run(
            "collect",
            "-o",
            str(target),
            "--timeout",
            "2",
            environ={**live_seed.environ, "OS_CLIENT_CONFIG_FILE": str(clouds)},
        )
    assert result.code == 3 and result.stdout == ""
    error, hint = result.stderr.splitlines()
    assert error.startswith("error: cannot reach Neutron at http://127.0.0.1:")
    assert hint.startswith("hint: ")
    assert "Traceback" not in result.stderr
    assert not target.exists()


def test_unreachable_kubernetes_is_exit_3(live_seed: LiveSeed, tmp_path: Path) -> None:
    gone = KubeApiDouble([])
    gone.start()
    kubeconfig = gone.write_kubeconfig(tmp_path / "gone-kubeconfig")
    gone.stop()
    result = live_seed.run("diagnose", "--kubeconfig", str(kubeconfig), environ=live_seed.environ)
    assert result.code == 3 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("hint: ")


def test_neutron_401_is_exit_3(live_seed: LiveSeed) -> None:
    live_seed.proxy.inject(FaultKind.HTTP_STATUS, "GET", r"^/v2\.0/extensions$", status=401)
    result = live_seed.run("collect")
    assert result.code == 3 and result.stdout == ""
    assert result.stderr.startswith("error: Neutron at http://127.0.0.1:")
    assert "401 Unauthorized" in result.stderr


def test_unknown_cloud_is_a_usage_error(live_seed: LiveSeed) -> None:
    result = live_seed.run("collect", "--os-cloud", "nope")
    assert result.code == 2
    assert result.stderr.startswith(
        "error: cloud 'nope' is not in clouds.yaml (clouds there: seed)"
    )


def test_output_into_a_missing_directory_is_a_usage_error(
    live_seed: LiveSeed, tmp_path: Path
) -> None:
    result = live_seed.run("collect", "-o", str(tmp_path / "nowhere" / "snap.json"))
    assert result.code == 2 and "does not exist" in result.stderr
    assert live_seed.proxy.count() == 0  # checked before anything is collected


# --------------------------------------------------------------------------- library entry point


def test_collect_snapshot_reports_progress_and_uses_the_clock(live_seed: LiveSeed) -> None:
    steps: list[str] = []
    fixed = datetime(2026, 11, 20, 9, 14, tzinfo=UTC)
    snapshot = collect_snapshot(
        CollectOptions(environ=live_seed.environ, progress=steps.append, clock=lambda: fixed)
    )
    assert snapshot.created_at == "2026-11-20T09:14:00Z"
    assert steps[0] == "connecting to OpenStack"
    assert any(step.startswith("reading Neutron") for step in steps)
    assert "reading Kubernetes" in steps


def test_collect_snapshot_needs_something_to_collect() -> None:
    with pytest.raises(ConfigError):
        collect_snapshot(CollectOptions(openstack=False, kubernetes=False, environ={}))


# --------------------------------------------------------------------------- terminal behaviour


class TerminalStream(io.StringIO):
    def isatty(self) -> bool:
        return True


def _collect_on_a_terminal(live_seed: LiveSeed, target: Path, **environ: str) -> tuple[str, str]:
    """`kostack collect -o TARGET` with stderr on a terminal: what stderr showed (escapes
    removed) and its last line, the summary."""
    err = TerminalStream()
    env = Environment(
        stdout=io.StringIO(),
        stderr=err,
        environ={**live_seed.environ, **environ},
        stdin_isatty=True,
        stdout_isatty=False,
        stderr_isatty=True,
    )
    assert main(["collect", "-o", str(target)], env) == 0
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", err.getvalue())
    return text, text.rstrip("\n").rsplit("\n", 1)[-1].rsplit("\r", 1)[-1]


def test_progress_and_summary_only_on_a_terminal(live_seed: LiveSeed, tmp_path: Path) -> None:
    target = tmp_path / "snap.json"
    # the progress line (kostack.cli.console, cleared when done), then the summary
    text, last = _collect_on_a_terminal(live_seed, target)
    assert "collecting" in text
    assert last.startswith(
        "collected OpenStack project seed (2 networks, 6 ports, 2 security groups)"
    )
    assert "cluster v1.33.5 (4 nodes, CNI calico)" in last and str(target) in last
    # Piped: not a byte on stderr (the other tests check stderr == "").


def test_the_korean_summary_counts_nodes_as_every_command_does(
    live_seed: LiveSeed, tmp_path: Path
) -> None:
    """The Korean summary said "노드 4개" where guard, watch, lab and diagnose say "노드 4대"."""
    target = tmp_path / "snap.json"
    text, last = _collect_on_a_terminal(live_seed, target, KOSTACK_LANG="ko")
    assert "수집 중" in text
    assert last.startswith(
        "OpenStack 프로젝트 seed (네트워크 2개, 포트 6개, 보안 그룹 2개), "
        "클러스터 v1.33.5 (노드 4대, CNI calico) 수집 완료 ("
    ), last
    assert last.endswith(f": {target}")


def test_collect_help_shows_examples() -> None:
    result = run_cli("collect", "--help", environ={})
    assert result.code == 0
    assert "Examples:" in result.stdout and "kostack collect -o snap.json" in result.stdout


def test_collect_reads_helm_releases_and_volumes_without_their_secrets(
    live_seed: LiveSeed, tmp_path: Path
) -> None:
    from kostack_testkit.helm_fixtures import CANARIES, harbor_seed

    scenario = harbor_seed()
    for obj in scenario.objects:
        kind, meta = obj.get("kind"), obj.get("metadata", {})
        if (
            live_seed.api.get(obj["apiVersion"], kind, meta["name"], meta.get("namespace", ""))
            is None
        ):
            live_seed.api.add(obj)
    target = tmp_path / "snap.json"
    result = live_seed.run("collect", "-o", str(target))
    assert result.code == 0, result.stderr
    text = target.read_text()
    snapshot = load_snapshot(target)
    assert snapshot.helm is not None and snapshot.helm.releases is not None
    assert {(r.namespace, r.name) for r in snapshot.helm.releases} >= {("default", "harbor")}
    assert snapshot.helm.pvcs is not None and any(
        p.namespace == "default" and p.name.startswith("database-data-harbor")
        for p in snapshot.helm.pvcs
    )
    for secret in CANARIES:
        assert secret not in text and secret not in result.stdout + result.stderr
    no_helm = live_seed.run("collect", "--no-helm")
    assert no_helm.code == 0 and json.loads(no_helm.stdout)["helm"] is None


def test_a_partial_collection_is_said_in_korean(live_seed: LiveSeed) -> None:
    """KOSTACK_LANG=ko (as --lang ko): the warning, the closing hint and kostack's own hints (here Calico's RBAC) are
    Korean; the server's error is quoted as it is; the snapshot's gap stays English."""
    for group in ("crd.projectcalico.org", "projectcalico.org"):
        live_seed.api.inject_fault(group, "*", status=403)
    result = live_seed.run("collect", environ={**live_seed.environ, "KOSTACK_LANG": "ko"})
    assert result.code == 4, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "경고: 일부만 수집한 스냅샷: 4개 부분을 수집하지 못했습니다", lines
    assert lines[1].startswith("  cluster.cni.calico.ip_pools: “GET /apis/"), lines
    felix = lines[lines.index(next(x for x in lines if "calico.felix:" in x)) + 1]
    assert felix.startswith(
        "    (kubeconfig 사용자에게 felixconfigurations.crd.projectcalico.org"
    ), felix
    assert lines[-1].startswith("힌트: 이 부분이 필요한 점검은 판단 불가(UNKNOWN)로 답합니다")
    assert "Grant get/list" not in result.stderr and "partial snapshot" not in result.stderr
    gaps = {g.source: g.hint for g in loads_snapshot(result.stdout).gaps}
    assert gaps["cluster.cni.calico.felix"].startswith("Grant get/list on felixconfigurations")
