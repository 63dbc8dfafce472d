"""Probes for real: the network lab, the real Neutron harness and the Kubernetes API double.

The seed test is the issue's "done when": `kostack diagnose --active` against
the lab served as a cluster (collection from Neutron and the double, probe
pods that run in the lab's pod namespaces) names the anti-spoofing root cause,
confirmed by failing DNS and pod-to-pod probes, in under 15 s; `kostack fix
apply --yes` then fixes Neutron, the lab re-renders from it, and `kostack
probe` sees everything pass, with the ClusterIP ping marked as expected.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from probe_testing import add_router_routes, run_cli

from kostack.model import dump_snapshot
from kostack_lab.cluster import LabCluster, serve_lab_cluster
from kostack_lab.lab import CLOUD_NAME, Lab
from kostack_lab.lab_snapshot import lab_snapshot
from kostack_testkit.kubeapi import list_objects

pytestmark = [pytest.mark.lab]

TIMEOUT = "1.5"
EGRESS = "203.0.113.10:80"  # the lab's "internet" web server


def lab_env(lab: Lab, **extra: str) -> dict[str, str]:
    """Run diagnose --active's probes in `lab` (its name and state directory)."""
    name = lab.prefix.removeprefix("ks-").rstrip("-")
    return {
        "LANG": "C.UTF-8",
        "KOSTACK_PROBE_LAB": name,
        "KOSTACK_LAB_STATE_DIR": str(lab.paths.root),
        "KOSTACK_PROBE_TIMEOUT": TIMEOUT,
        "KOSTACK_PROBE_EGRESS": EGRESS,
        **extra,
    }


def write(path: Path, snapshot: Any) -> str:
    path.write_text(dump_snapshot(snapshot), encoding="utf-8")
    return str(path)


def by_source(observations: list[dict[str, Any]], kind: str) -> dict[str, str]:
    return {o["source_node"]: o["verdict"] for o in observations if o["kind"] == kind}


def _live_args(cluster: LabCluster) -> list[str]:
    """The cluster's exports as command-line options (for commands run without them)."""
    args = ["--kubeconfig", str(cluster.kubeconfig)]
    if cluster.neutron is not None:
        args += ["--os-cloud", CLOUD_NAME, "--neutron-backend", "ml2/ovs"]
    return args


@pytest.mark.neutron
def test_seed_diagnose_active_then_fix_then_probe(
    lab: Lab, seeded_neutron: Any, tmp_path: Path
) -> None:
    endpoint = seeded_neutron.endpoint
    lab.up("seed", neutron_endpoint=endpoint)
    add_router_routes(endpoint, lab)  # Neutron knows the routes the lab's router has
    cluster = serve_lab_cluster(lab, tmp_path, endpoint)
    try:
        env = cluster.environ(
            KOSTACK_PROBE_TIMEOUT=TIMEOUT,
            KOSTACK_PROBE_EGRESS=EGRESS,
            KOSTACK_PROBE_ICMP_CLUSTERIP="1",
        )
        started = time.monotonic()
        diagnosed = run_cli(
            ["diagnose", "--active", *_live_args(cluster), "--egress-target", "203.0.113.10"], env
        )
        elapsed = time.monotonic() - started
        print(f"diagnose --active (collect + plan + probe pods + correlate): {elapsed:.2f} s")
        assert diagnosed.code == 1, diagnosed.err
        out = diagnosed.out
        assert "ROOT CAUSE 1 of 1  [critical]  Neutron anti-spoofing drops pod traffic" in out
        probes_line = _labelled_paragraph(out, "Probes:")
        assert "confirmed by" in probes_line
        assert "DNS/udp from k8s-w-" in probes_line and "timed out" in probes_line
        assert "pod->pod HTTP" in probes_line
        assert "0 MODEL MISMATCH" in out
        assert "ping 10.96.0.1 from 4 pods: no reply. Not a symptom" in out
        # the probes ran for real, in the lab's pods, and nothing was left in the cluster
        assert len(set(cluster.kubelet.runs)) == 4
        assert not [
            n
            for n in list_objects(cluster.api, "v1", "Namespace")
            if n["metadata"]["name"].startswith("kostack-probe-")
        ]

        fixed = run_cli(
            [
                "fix",
                "apply",
                "--yes",
                *_live_args(cluster),
                "--journal",
                str(tmp_path / "fix.journal.jsonl"),
            ],
            env,
        )
        assert fixed.code in (0, 1), fixed.err
        assert lab.sync().changed  # the lab's port security now follows the fixed Neutron

        probed = run_cli(
            [
                "probe",
                "--yes",
                *_live_args(cluster),
                "--icmp-clusterip",
                "--egress-target",
                EGRESS,
                "--timeout",
                TIMEOUT,
                "-o",
                "json",
            ],
            env,
        )
        data = json.loads(probed.out)
        observations = data["observations"]
        for kind in ("dns-udp", "dns-tcp", "api-tcp", "api-tls", "egress"):
            assert set(by_source(observations, kind).values()) == {"pass"}, (
                kind,
                [o["detail"] for o in observations if o["kind"] == kind],
            )
        assert {o["verdict"] for o in observations if o["kind"] == "pod-http"} == {"pass"}
        tls = [o["detail"] for o in observations if o["kind"] == "api-tls"]
        assert all(d.startswith("reachable: HTTP 403 proves connectivity") for d in tls)
        ping = [o for o in observations if o["kind"] == "icmp-clusterip"]
        assert len(ping) == 4
        assert {o["verdict"] for o in ping} == {"expected-no-reply"}
        assert all(o["detail"].startswith("not judged: virtual IP") for o in ping)
        assert data["mismatches"] == []
        assert probed.code == 0, probed.out[-2000:]
    finally:
        cluster.stop()


def test_seed_natoutgoing_explains_why_the_api_works_and_dns_fails(
    lab: Lab, tmp_path: Path
) -> None:
    lab.up("seed-natoutgoing")
    snapshot = write(tmp_path / "snap.json", lab_snapshot(lab))
    result = run_cli(["diagnose", "--snapshot", snapshot, "--active"], lab_env(lab))
    assert result.code == 1, result.err
    lines = result.out.splitlines()
    head = next(i for i, line in enumerate(lines) if "Why some probes pass and others fail" in line)
    block = "\n".join(lines[head : head + 5])
    assert "works: TCP to svc default/kubernetes 10.96.0.1:443" in block
    assert "natOutgoing: 10.244." in block and "is masqueraded to the node IP" in block
    assert "fails: DNS/udp to svc kube-system/kube-dns 10.96.0.10:53" in block
    assert "(coredns-0 10.244.0.11 on k8s-cp-1)" in block
    assert "Neutron anti-spoofing drops pod traffic" in block
    assert "0 MODEL MISMATCH" in result.out


@pytest.mark.parametrize(
    ("scenario", "cause", "failing", "passing"),
    [
        ("vxlan-no-4789", "sg-encap", {"pod-http", "dns-udp"}, {"api-tcp", "egress"}),
        # Canal: flannel's VXLAN (UDP 8472) between the nodes, Calico's pods
        ("canal-no-8472", "sg-encap", {"pod-http", "dns-udp"}, {"api-tcp", "egress"}),
        ("mtu-bad", "mtu", {"mtu", "transfer"}, {"pod-http", "dns-udp", "api-tls"}),
    ],
)
def test_scenario_found_by_static_analysis_and_by_probes(
    lab: Lab,
    tmp_path: Path,
    scenario: str,
    cause: str,
    failing: set[str],
    passing: set[str],
) -> None:
    lab.up(scenario)
    snapshot = write(tmp_path / "snap.json", lab_snapshot(lab))
    static = json.loads(run_cli(["diagnose", "--snapshot", snapshot, "-o", "json"]).out)
    assert cause in {rc["key"] for rc in static["root_causes"]}
    result = run_cli(["diagnose", "--snapshot", snapshot, "--active", "-o", "json"], lab_env(lab))
    data = json.loads(result.out)
    probes = data["probes"]
    assert probes["runner"] == "lab"
    assert probes["mismatches"] == []
    confirming = probes["confirmations"][cause]
    assert {c.split("/")[0] for c in confirming} >= failing
    verdicts: dict[str, set[str]] = {}
    for c in probes["comparisons"]:
        verdicts.setdefault(c["kind"], set()).add(c["verdict"])
    for kind in passing:
        assert "pass" in verdicts[kind], (kind, verdicts[kind])
    if scenario == "mtu-bad":
        mtu = [c for c in probes["comparisons"] if c["kind"] == "mtu"]
        assert all("largest DF packet that passed: 1400 bytes" in c["detail"] for c in mtu)


@pytest.mark.parametrize(
    ("scenario", "claim", "predicted", "observed"),
    [
        ("seed", "pairs", "open", "fail"),  # the snapshot says fixed; the network is not
        ("fixed", "no-pairs", "blocked", "pass"),  # the snapshot says broken; the network works
    ],
)
def test_model_mismatch_when_the_snapshot_disagrees_with_the_lab(
    lab: Lab, tmp_path: Path, scenario: str, claim: str, predicted: str, observed: str
) -> None:
    lab.up(scenario)
    doc = json.loads(dump_snapshot(lab_snapshot(lab)))
    for port in doc["openstack"]["ports"]:
        if port["device_owner"] == "compute:nova":
            port["allowed_address_pairs"] = (
                [{"ip_address": "10.244.0.0/16", "mac_address": port["mac_address"]}]
                if claim == "pairs"
                else []
            )
    snapshot = tmp_path / "claims.json"
    snapshot.write_text(json.dumps(doc), encoding="utf-8")
    result = run_cli(
        [
            "probe",
            "--lab",
            "--lab-name",
            lab.prefix.removeprefix("ks-").rstrip("-"),
            "--lab-state-dir",
            str(lab.paths.root),
            "--snapshot",
            str(snapshot),
            "--egress-target",
            EGRESS,
            "--timeout",
            TIMEOUT,
            "--yes",
        ]
    )
    assert result.code == 1, result.err
    assert "MODEL MISMATCH" in result.out
    text_mismatches = [
        line for line in result.out.splitlines() if line.strip().startswith("MODEL MISMATCH  ")
    ]
    assert text_mismatches
    json_run = run_cli(
        [
            "probe",
            "--lab",
            "--lab-name",
            lab.prefix.removeprefix("ks-").rstrip("-"),
            "--lab-state-dir",
            str(lab.paths.root),
            "--snapshot",
            str(snapshot),
            "--egress-target",
            EGRESS,
            "--timeout",
            TIMEOUT,
            "--yes",
            "-o",
            "json",
        ]
    )
    mismatches = json.loads(json_run.out)["mismatches"]
    kinds = {m["kind"] for m in mismatches}
    assert {"dns-udp", "pod-http"} <= kinds
    for m in mismatches:
        assert m["predicted"]["outcome"] == predicted
        assert m["verdict"] == observed
    assert len(text_mismatches) == len(mismatches)  # every one of them shown, both sides


def test_without_a_raw_socket_icmp_and_mtu_use_datagram_sockets(lab: Lab) -> None:
    """Pods often lack NET_RAW: the agent falls back to ICMP datagram sockets (ping_group_range)."""
    from kostack.probe.results import AGENT_PATH, parse_agent_output

    lab.up("fixed")
    source, target = lab.topology.pods_on("k8s-w-1")[0], lab.topology.pods_on("k8s-w-2")[0]
    # Per network namespace: this changes the lab pod only, never the host.
    lab.exec_in(
        source.netns, ["sysctl", "-q", "-w", "net.ipv4.ping_group_range=0 2147483647"], check=True
    )
    plan = {
        "timeout": 1.5,
        "probes": [
            {"id": "ping", "kind": "icmp", "host": target.ip},
            {
                "id": "mtu",
                "kind": "mtu",
                "host": target.ip,
                "sizes": [1000, 1400, 1450],
                "expect": 1400,
            },
        ],
    }
    no_raw = (
        "import runpy, socket, sys\n"
        "real = socket.socket\n"
        "def guarded(family=-1, kind=-1, proto=-1, fileno=None):\n"
        "    if kind == socket.SOCK_RAW:\n"
        "        raise PermissionError(1, 'Operation not permitted')\n"
        "    return real(family, kind, proto, fileno)\n"
        "socket.socket = guarded\n"
        "sys.argv = sys.argv[1:]\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )
    done = lab.exec_in(
        source.netns,
        ["python3", "-I", "-S", "-B", "-c", no_raw, str(AGENT_PATH), json.dumps(plan)],
        check=False,
    )
    results = {r["id"]: r for r in parse_agent_output(done.stdout).results}
    assert results["ping"]["verdict"] == "pass", done.stdout + done.stderr
    assert results["ping"]["extra"]["socket"] == "datagram"
    assert results["mtu"]["verdict"] == "pass"
    assert results["mtu"]["extra"]["largest_ok"] == 1400  # the pod MTU: 1450 does not leave the pod
    assert results["mtu"]["extra"]["sizes"]["1450"] == "local"


def test_incident_report_from_a_lab_run_shows_the_probes(lab: Lab, tmp_path: Path) -> None:
    """issue 7: the report from a lab run (probes included), in Korean, as self-contained HTML."""
    lab.up("seed")
    snapshot = write(tmp_path / "snap.json", lab_snapshot(lab))
    probed = tmp_path / "probed.json"
    name = lab.prefix.removeprefix("ks-").rstrip("-")
    result = run_cli(
        [
            "probe",
            "--snapshot",
            snapshot,
            "--lab",
            "--lab-name",
            name,
            "--lab-state-dir",
            str(lab.paths.root),
            "--yes",
            "--egress-target",
            EGRESS,
            "--timeout",
            TIMEOUT,
            "--save",
            str(probed),
        ],
        lab_env(lab),
    )
    assert result.code in (0, 1), result.err
    report = tmp_path / "r.html"
    made = run_cli(
        ["report", "--snapshot", str(probed), "--lang", "ko", "-o", str(report)], lab_env(lab)
    )
    assert made.code == 0, made.err
    html = report.read_text(encoding="utf-8")
    assert "클러스터 안의 Pod에서 실행한 테스트와 결과" in html  # the probes, not static traces
    assert "Neutron 포트 보안(anti-spoofing)이 Pod 트래픽을 차단함" in html
    assert "<script" not in html
    assert 'src="http' not in html and 'href="http' not in html  # self-contained: nothing fetched
    assert "wget http://10.244." in html  # a failed pod-to-pod probe, as the operator would run it


@pytest.mark.parametrize(
    ("scenario", "ipv6_verdict"), [("dualstack-ipv6-broken", "fail"), ("dualstack-fixed", "pass")]
)
def test_dual_stack_probes_tell_the_families_apart(
    lab: Lab, tmp_path: Path, scenario: str, ipv6_verdict: str
) -> None:
    """Pairs for the IPv4 pod CIDR only: every IPv4 pod probe passes, every IPv6 one fails.

    The IPv6 probes (kinds ending in 6) run from the same pods to the same
    listeners' IPv6 addresses and are compared with the engine's IPv6 verdict.
    """
    lab.up(scenario, nodes=3)
    snapshot = write(tmp_path / "snap.json", lab_snapshot(lab))
    result = run_cli(["diagnose", "--snapshot", snapshot, "--active", "-o", "json"], lab_env(lab))
    probes = json.loads(result.out)["probes"]
    mismatches = probes["mismatches"]
    assert mismatches == []
    verdicts: dict[str, set[str]] = {}
    for c in probes["comparisons"]:
        verdicts.setdefault(c["kind"], set()).add(c["verdict"])
    for kind in ("pod-http", "icmp-pod", "icmp-node", "transfer"):
        assert verdicts[kind] == {"pass"}, (kind, verdicts)
    # From a pod: the IPv6 source is the pod's, so a ping to a node's IPv6 needs the pair too.
    for kind in ("pod-http6", "icmp-pod6", "icmp-node6", "transfer6"):
        assert verdicts[kind] == {ipv6_verdict}, (kind, verdicts)
    # The engine decides IPv6 per family: the probes confirm it (or agree it is open).
    http6 = {c["agreement"] for c in probes["comparisons"] if c["kind"] == "pod-http6"}
    if ipv6_verdict == "fail":
        assert http6 == {"confirmed"}
        assert any(i.startswith("pod-http6/") for i in probes["confirmations"]["antispoof"])
    else:
        assert http6 == {"as-predicted"}
    if ipv6_verdict == "fail":  # the report names the family of what failed
        text = run_cli(["diagnose", "--snapshot", snapshot, "--active"], lab_env(lab)).out
        assert "pod->pod HTTP (IPv6)" in text


def _labelled_paragraph(out: str, label: str) -> str:
    """The text after `label` in a diagnosis, its wrapped lines (under the text) joined again."""
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith(label))
    first = lines[at]
    column = len(first) - len(first.split(label, 1)[1].lstrip())
    parts = [first.strip()]
    for line in lines[at + 1 :]:
        if not line[:column].isspace() or line[column : column + 1] in ("", " "):
            break
        parts.append(line.strip())
    return " ".join(parts)


def test_two_pools_probes_each_pool_for_real(lab: Lab, tmp_path: Path) -> None:
    """Pairs for the default pool only: the probes pinned to the second pool fail at Neutron's
    anti-spoofing and confirm the engine's verdict, those of the default pool pass; the
    unpinned probes (default pool pods) pass as before (docs/probes.md, "Several IP pools")."""
    lab.up("two-pools", nodes=3)
    snapshot = write(tmp_path / "snap.json", lab_snapshot(lab))
    static = json.loads(run_cli(["diagnose", "--snapshot", snapshot, "-o", "json"]).out)
    assert "antispoof" in {rc["key"] for rc in static["root_causes"]}
    result = run_cli(["diagnose", "--snapshot", snapshot, "--active", "-o", "json"], lab_env(lab))
    probes = json.loads(result.out)["probes"]
    assert probes["mismatches"] == []
    second = [c for c in probes["comparisons"] if c["id"].endswith("@second-ipv4-ippool")]
    default = [c for c in probes["comparisons"] if c["id"].endswith("@default-ipv4-ippool")]
    unpinned = [c for c in probes["comparisons"] if "@" not in c["id"]]
    assert {c["kind"] for c in second} == {"pod-http", "icmp-pod", "mtu"}
    assert {c["verdict"] for c in second if c["kind"] != "mtu"} == {"fail"}, second
    assert {c["agreement"] for c in second if c["kind"] != "mtu"} == {"confirmed"}, second
    assert any(i.endswith("@second-ipv4-ippool") for i in probes["confirmations"]["antispoof"])
    assert default and {c["verdict"] for c in default} == {"pass"}, default
    assert {c["verdict"] for c in unpinned if c["kind"] == "pod-http"} == {"pass"}
    # the second pool's probes ran from and to its own pods (10.245.x), not the default ones
    assert all(c["target_ip"].startswith("10.245.") for c in second if c.get("target_ip"))


def test_canal_with_udp_8472_is_clean_by_analysis_and_by_probes(lab: Lab, tmp_path: Path) -> None:
    """Canal's flannel VXLAN with its rule: no root cause, and every probe the plan predicts to
    pass across the nodes (pod to pod, DNS to CoreDNS on the control plane) passes."""
    lab.up("canal-vxlan-ok")
    snapshot = write(tmp_path / "snap.json", lab_snapshot(lab))
    result = run_cli(["diagnose", "--snapshot", snapshot, "--active", "-o", "json"], lab_env(lab))
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["root_causes"] == [] and data["probes"]["mismatches"] == []
    verdicts: dict[str, set[str]] = {}
    for c in data["probes"]["comparisons"]:
        verdicts.setdefault(c["kind"], set()).add(c["verdict"])
    assert verdicts["pod-http"] == verdicts["dns-udp"] == {"pass"}, verdicts
