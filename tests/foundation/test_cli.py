"""The CLI: text and JSON output, exit codes, errors with hints, languages, trace."""

from __future__ import annotations

import io
import json
from pathlib import Path

from kostack.cli.common import Environment
from kostack.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SEED = str(ROOT / "examples" / "seed-incident.json")


def run(*args: str, environ: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=out, stderr=err, environ=environ or {}, stdin_isatty=False, stdout_isatty=False
    )
    code = main(list(args), env)
    return code, out.getvalue(), err.getvalue()


def test_diagnose_seed_text_leads_with_the_root_cause() -> None:
    code, out, err = run("diagnose", "--snapshot", SEED)
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert lines[0] == "VERDICT: 1 root cause found."
    assert lines[1].startswith(
        "Collected OpenStack project k8s (network k8s-net MTU 1450, 4 node ports"
    )
    assert "ROOT CAUSE 1 of 1  [critical]  Neutron anti-spoofing drops pod traffic" in out
    assert "VXLANCrossSubnet" in out and "all 4 nodes are in 10.0.0.0/24" in out
    assert "k8s-cp-1 5f1c..  k8s-w-1 a07e..  k8s-w-2 9b3d..  k8s-w-3 c4e2.." in out
    assert "pod -> pod across nodes (12 of 12 node pairs)" in out
    # one story of the ClusterIP ping, for the proxy mode (iptables: it times out)
    assert "A ping to it gets no reply" in out and "proves nothing" in out
    assert "openstack port set --allowed-address ip-address=10.244.0.0/16 5f1c" in out
    assert "--disable-port-security" in out


def test_diagnose_json_is_stable_and_complete() -> None:
    code, out, _ = run("diagnose", "--snapshot", SEED, "-o", "json")
    assert code == 1
    data = json.loads(out)
    assert data["schema_version"] == 3
    (rc,) = data["root_causes"]
    assert rc["check_id"] == "net-pod-src-antispoof" and rc["severity"] == "critical"
    assert {k for k in ("check_id", "title", "severity", "resources", "flows", "fix")} <= set(rc)
    assert len(rc["fix"]["commands"]) == 4 and all(
        p[:4] in " ".join(rc["resources"]) for p in ("5f1c", "a07e")
    )
    for f in data["findings"]:
        assert {"check_id", "status", "severity", "resource", "message", "evidence"} <= set(f)


def test_fail_on_decides_the_exit_code() -> None:
    assert run("diagnose", "--snapshot", SEED, "--fail-on", "never")[0] == 0
    assert run("diagnose", "--snapshot", SEED, "--fail-on", "critical")[0] == 1
    fixed = str(ROOT / "examples" / "seed-port-security-off.json")
    assert run("diagnose", "--snapshot", fixed)[0] == 0  # decided healthy, a medium warning
    assert run("diagnose", "--snapshot", fixed, "--fail-on", "medium")[0] == 1


def test_bad_snapshot_is_one_error_line_with_a_hint(tmp_path: Path) -> None:
    doc = json.loads(Path(SEED).read_text())
    doc["openstack"]["ports"][1]["allowed_address_pairs"] = [{"ip_address": "10.244.0.0/33"}]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    code, out, err = run("diagnose", "--snapshot", str(bad))
    assert code == 2 and out == ""
    first, second = err.splitlines()
    assert first.startswith(
        f"error: snapshot {bad}, $.openstack.ports[1].allowed_address_pairs[0].ip_address: "
    )
    assert second.startswith("hint: ")


def test_missing_file_and_usage_errors() -> None:
    code, _, err = run("diagnose", "--snapshot", "/nonexistent.json")
    assert code == 2 and err.startswith(
        "error: cannot read snapshot /nonexistent.json: no such file"
    )
    code, _, err = run("diagnose", "--bogus")
    assert code == 2 and "error:" in err and "Traceback" not in err


def test_korean_output() -> None:
    code, out, _ = run("diagnose", "--snapshot", SEED, "--lang", "ko")
    assert code == 1
    assert "근본 원인 1/1 [심각]" in out.replace("  ", " ")
    assert "Neutron 포트 보안(anti-spoofing)이 Pod 트래픽을 차단함" in out
    flat = " ".join(out.split())
    assert out.startswith("판정: 근본 원인 1개를 찾았습니다.")
    assert "10.96.0.1과 같은 ClusterIP" in flat and "아무것도 증명하지 못하므로" in flat
    _code, out, _ = run("diagnose", "--snapshot", SEED, environ={"LANG": "ko_KR.UTF-8"})
    assert "근본 원인" in out


def test_trace_dns_shows_dnat_and_the_drop() -> None:
    code, out, _ = run(
        "trace", "--snapshot", SEED, "pod:demo/netshoot", "svc:kube-system/kube-dns:53/udp"
    )
    assert code == 1
    assert "DNAT 10.96.0.10:53 -> 10.244.0.2:53" in out
    assert (
        "Neutron port a07e.. (k8s-w-1): source 10.244.1.7 not in fixed_ips [10.0.0.12] or allowed_address_pairs []   DENIED"
        in out
    )


def test_trace_icmp_to_clusterip_says_no_reply_expected() -> None:
    code, out, _ = run(
        "trace", "--snapshot", SEED, "-p", "icmp", "pod:demo/netshoot", "svc:default/kubernetes"
    )
    assert code == 0
    assert "no reply expected" in out and "healthy or not" in out
    code, out, _ = run(
        "trace",
        "-o",
        "json",
        "--snapshot",
        SEED,
        "-p",
        "icmp",
        "pod:demo/netshoot",
        "svc:default/kubernetes",
    )
    (path,) = json.loads(out)["paths"]
    assert path["expected_reply"] == "none" and "no_reply_expected" not in path


def test_trace_json_and_bad_endpoint() -> None:
    code, out, _ = run(
        "trace", "--snapshot", SEED, "-o", "json", "node:k8s-w-1", "node:k8s-w-2:10250/tcp"
    )
    assert code == 0
    (path,) = json.loads(out)["paths"]
    assert path["verdict"] == "accepted" and path["hops"][-1]["step"] == "reply"
    code, _, err = run("trace", "--snapshot", SEED, "pod:demo/ghost", "node:k8s-w-2")
    assert code == 2 and err.startswith("error: no pod demo/ghost")


def test_hostile_names_cannot_drive_the_terminal(tmp_path: Path) -> None:
    doc = json.loads(Path(SEED).read_text())
    doc["openstack"]["networks"][0]["name"] = "k8s\x1b]0;pwned\x07net"
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc))
    _, out, _ = run("diagnose", "--snapshot", str(path))
    assert "\x1b" not in out and "\x07" not in out and "\\x1b" in out


def test_help_shows_examples() -> None:
    for cmd in (["diagnose", "--help"], ["trace", "--help"], ["--help"]):
        code, out, _ = run(*cmd)
        assert code == 0 and "Example" in out


def test_trace_shows_each_case_when_the_backend_decides_and_exits_4() -> None:
    path = str(ROOT / "examples" / "backend-unknown-healthy.json")
    args = ("trace", "--snapshot", path, "pod:demo/netshoot")
    code, out, _ = run(*args, "pod:kube-system/coredns-674b8bbfcf-7xk2q:53/udp")
    assert code == 4
    assert "The answer depends on what the snapshot does not say; 2 cases:" in out
    assert "on ML2/OVS:" in out and "on ML2/OVN:" in out
    assert "=> reachable" in out and "=> DENIED at hop" in out
    code, out, _ = run(*args, "pod:kube-system/coredns-674b8bbfcf-7xk2q:53/udp", "-o", "json")
    data = json.loads(out)
    assert data["agreed"] is False and [c["case"] for c in data["cases"]] == [
        "on ML2/OVS",
        "on ML2/OVN",
    ]
    # a flow that is the same either way is told once, exit 0
    code, out, _ = run("trace", "--snapshot", path, "node:k8s-w-1", "node:k8s-w-2:10250/tcp")
    assert code == 0 and "cases:" not in out


def test_diagnose_json_carries_the_verdict_and_node_sets() -> None:
    path = str(ROOT / "examples" / "backend-unknown-healthy.json")
    code, out, _ = run("diagnose", "--snapshot", path, "-o", "json")
    assert code == 4
    data = json.loads(out)
    assert data["verdict"]["kind"] == "undecided"
    assert data["verdict"]["critical_paths"]["pod-to-pod"] == "conditional"
    assert data["cases"] == {"open": ["backend"], "worlds": ["on ML2/OVS", "on ML2/OVN"]}
    (cond,) = data["conditional"]
    assert cond["key"] == "sg-pod-source" and cond["condition"] == "on ML2/OVN"
    nodes = cond["nodes"]
    assert data["node_sets"][nodes] == ["k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"]
    assert data["nodes"]["k8s-w-2"]["blocks"] == ["10.244.2.0/26"]
    # saying which backend decides it: healthy on ML2/OVS, the root cause on ML2/OVN
    code, out, _ = run("diagnose", "--snapshot", path, "--neutron-backend", "ml2/ovs")
    assert code == 0 and out.startswith("VERDICT: healthy.")
    code, out, _ = run("diagnose", "--snapshot", path, "--neutron-backend", "ml2/ovn")
    assert code == 1 and "Security groups drop pod-sourced packets" in out
