"""The Kubernetes runner against the API double, through the official client.

The double has no kubelet: pods "run" through an on_create hook and their
log (the agent's output) is made up from the plan in their command. What is
real: every request, the namespace/ConfigMap/pod shapes, the waiting, the
log reading, and the cleanup on failure, Ctrl-C and SIGTERM.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes
import pytest
from probe_testing import SimulatedKubelet, run_cli

from kostack.catalog import localize
from kostack.errors import ProbeError
from kostack.model import dump_snapshot
from kostack.probe.agent import AGENT, AGENT_VERSION
from kostack.probe.correlate import add_observations, correlate
from kostack.probe.k8s_round import NAME_LABEL
from kostack.probe.k8s_runner import MANAGED_BY, KubeProbeOptions, run_in_kubernetes
from kostack.probe.plan import build_probe_plan
from kostack.probe.results import AGENT_FILES, AGENT_PATH
from kostack_testkit.builders import build, seed_doc
from kostack_testkit.kubeapi import KubeApiDouble

KubeletFactory = Callable[..., SimulatedKubelet]


def seed_snapshot() -> Any:
    return build(seed_doc())


def incident(spec: dict[str, Any], node: str) -> tuple[str, str]:
    """The seed incident as the probes see it: only what stays on the node answers."""
    if spec["kind"] == "icmp" and spec.get("virtual"):
        return "expected-no-reply", "not judged: virtual IP (no echo reply)"
    if node == "k8s-cp-1" and spec["id"].startswith(("api-", "dns-")):
        return "pass", "answered"  # the API server and a CoreDNS pod are on the same node
    return "fail", "timed out after 1s"


def client_for(api: KubeApiDouble, kubeconfig: Path) -> Any:
    return kubernetes.config.new_client_from_config(
        config_file=str(kubeconfig), context=api.context_name
    )


def probe_namespaces(api_client: Any) -> list[str]:
    """Namespaces a probe round created, found by its labels as an operator would."""
    listing = kubernetes.client.CoreV1Api(api_client).list_namespace(
        label_selector=f"app.kubernetes.io/name={NAME_LABEL},app.kubernetes.io/managed-by={MANAGED_BY}",
    )
    return [ns.metadata.name for ns in listing.items or [] if ns.metadata and ns.metadata.name]


def namespaces(api: KubeApiDouble) -> list[str]:
    return [
        ns["metadata"]["name"]
        for ns in api.list_objects("v1", "Namespace")
        if ns["metadata"]["name"].startswith("kostack-probe-")
    ]


def test_round_creates_pods_per_node_reads_logs_and_deletes_everything(
    seed_api: KubeApiDouble, seed_kubeconfig: Path, kubelet_factory: KubeletFactory
) -> None:
    kubelet = kubelet_factory(incident)
    plan = build_probe_plan(seed_snapshot(), timeout=1.0, icmp_clusterip=True)
    client = client_for(seed_api, seed_kubeconfig)
    round_ = run_in_kubernetes(plan, client, KubeProbeOptions(image="registry.local/py:3"))

    # one result per planned probe, the agent's verdicts, from the probe pods
    assert [r.id for r in round_.results] == [p.id for p in plan.probes]
    assert round_.runner == "kubernetes" and round_.problems == ()
    by_id = {r.id: r for r in round_.results}
    assert by_id["dns-udp/k8s-w-2"].verdict == "fail"
    assert by_id["api-tcp/k8s-cp-1"].verdict == "pass"
    assert by_id["icmp-clusterip/k8s-w-1"].verdict == "expected-no-reply"
    assert by_id["dns-udp/k8s-w-2"].source_pod.startswith("kostack-probe-")

    # echo pods on every target node first, then one probe pod per source node
    echo = [
        p
        for p in kubelet.created
        if p["metadata"]["labels"]["app.kubernetes.io/component"] == "echo"
    ]
    probes = [
        p
        for p in kubelet.created
        if p["metadata"]["labels"]["app.kubernetes.io/component"] == "probe"
    ]
    assert sorted(p["spec"]["nodeName"] for p in echo) == list(plan.echo_nodes)
    assert sorted(p["spec"]["nodeName"] for p in probes) == sorted(plan.sources)
    for pod in echo + probes:
        spec = pod["spec"]
        assert spec["containers"][0]["image"] == "registry.local/py:3"
        assert spec["automountServiceAccountToken"] is False
        assert spec["restartPolicy"] == "Never"
        assert spec["tolerations"] == [{"operator": "Exists"}]
        assert spec["activeDeadlineSeconds"] > 0
        assert spec["containers"][0]["command"][:5] == [
            "python3",
            "-I",
            "-S",
            "-B",
            "/kostack/agent.py",
        ]
    # the plan handed to a probe pod aims its pod-to-pod probes at the echo pods' addresses
    echo_ips = {
        p["spec"]["nodeName"]: seed_api.get(
            "v1", "Pod", p["metadata"]["name"], p["metadata"]["namespace"]
        )
        for p in echo
    }
    assert all(v is None for v in echo_ips.values())  # gone with the namespace
    w1 = next(p for p in probes if p["spec"]["nodeName"] == "k8s-w-1")
    handed = json.loads(w1["spec"]["containers"][0]["command"][-1])
    pod_http = [s for s in handed["probes"] if s["id"].startswith("pod-http/")]
    assert pod_http and all(s["host"].startswith("10.244.") for s in pod_http)
    assert handed["timeout"] == 1.0 and handed["parallel"] is True

    # the agent went over in a ConfigMap, and everything is gone afterwards
    assert namespaces(seed_api) == []
    assert seed_api.request_count(resource="configmaps", verb="create", status=201) == 1
    assert seed_api.request_count(resource="namespaces", verb="delete") == 1
    assert probe_namespaces(client) == []


def test_results_become_observations_that_confirm_the_seed_root_cause(
    seed_api: KubeApiDouble, seed_kubeconfig: Path, kubelet_factory: KubeletFactory
) -> None:
    kubelet_factory(incident)
    snapshot = seed_snapshot()
    plan = build_probe_plan(snapshot, timeout=1.0)
    round_ = run_in_kubernetes(plan, client_for(seed_api, seed_kubeconfig))
    probed = add_observations(snapshot, round_)
    assert len(probed.probes) == len(plan.probes)
    corr = correlate(probed)
    assert corr.mismatches == ()
    confirming = {c.observation.kind for c in corr.confirming("antispoof")}
    assert {"dns-udp", "pod-http", "api-tcp", "egress"} <= confirming


def test_configmap_carries_the_agent_unchanged(
    seed_api: KubeApiDouble, seed_kubeconfig: Path, kubelet_factory: KubeletFactory
) -> None:
    seen: list[dict[str, str]] = []
    kubelet = kubelet_factory(incident)

    def grab(pod: dict[str, Any]) -> None:
        cm = seed_api.get("v1", "ConfigMap", "kostack-probe-agent", pod["metadata"]["namespace"])
        assert cm is not None
        seen.append(dict(cm["data"]))

    kubelet.on_probe_pod = grab
    run_in_kubernetes(
        build_probe_plan(seed_snapshot(), timeout=1.0), client_for(seed_api, seed_kubeconfig)
    )
    # The agent and every module it imports, byte for byte (a pod has nothing else).
    assert seen and seen[0] == {p.name: p.read_text(encoding="utf-8") for p in AGENT_FILES}
    assert AGENT_PATH in AGENT_FILES


def test_failure_midway_still_deletes_the_namespace(
    seed_api: KubeApiDouble, seed_kubeconfig: Path, kubelet_factory: KubeletFactory
) -> None:
    kubelet_factory(incident)
    seed_api.inject_fault("", "pods", status=500, verbs={"create"}, message="etcd is sad")
    with pytest.raises(ProbeError) as caught:
        run_in_kubernetes(build_probe_plan(seed_snapshot()), client_for(seed_api, seed_kubeconfig))
    assert "etcd is sad" in caught.value.message
    assert namespaces(seed_api) == []


def test_image_that_does_not_pull_names_the_image_and_cleans_up(
    seed_api: KubeApiDouble, seed_kubeconfig: Path, kubelet_factory: KubeletFactory
) -> None:
    def cannot_pull(pod: dict[str, Any]) -> None:
        if pod["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "echo":
            pod["status"]["phase"] = "Pending"
            pod["status"]["containerStatuses"][0]["state"] = {
                "waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}
            }

    kubelet_factory(incident)
    seed_api.on_create("", "pods", cannot_pull)
    with pytest.raises(ProbeError) as caught:
        run_in_kubernetes(
            build_probe_plan(seed_snapshot()),
            client_for(seed_api, seed_kubeconfig),
            KubeProbeOptions(image="docker.io/library/python:3.12-alpine"),
        )
    assert "ImagePullBackOff" in caught.value.message
    assert "python:3.12-alpine" in caught.value.message
    assert "--image" in caught.value.hint
    assert namespaces(seed_api) == []
    # and in Korean, every word of it (the runner's errors are catalogue messages)
    pod, node = caught.value.message.split()[1], caught.value.message.split()[4]
    assert localize(caught.value.message, "ko") == (
        f"노드 {node}의 Pod {pod}{'이' if pod[-1] in '013678' else '가'} 이미지를 받지 못합니다: "
        "docker.io/library/python:3.12-alpine (ImagePullBackOff)"
    )
    assert localize(caught.value.hint, "ko").startswith("노드가 닿을 수 있는 레지스트리의 python3")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_deletes_the_namespace_before_it_propagates(
    seed_api: KubeApiDouble, seed_kubeconfig: Path, kubelet_factory: KubeletFactory, signum: int
) -> None:
    kubelet = kubelet_factory(incident)
    # A real signal to this process the moment the first probe pod is created.
    kubelet.on_probe_pod = lambda _pod: os.kill(os.getpid(), signum)
    created_before = seed_api.request_count(resource="pods", verb="create")
    with pytest.raises(KeyboardInterrupt):
        run_in_kubernetes(build_probe_plan(seed_snapshot()), client_for(seed_api, seed_kubeconfig))
    assert seed_api.request_count(resource="pods", verb="create") > created_before
    assert namespaces(seed_api) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is restored


def test_cleanup_that_fails_says_what_is_left_and_how_to_remove_it(
    seed_api: KubeApiDouble, seed_kubeconfig: Path, kubelet_factory: KubeletFactory
) -> None:
    kubelet_factory(incident)
    seed_api.inject_fault("", "namespaces", status=500, verbs={"delete"}, message="nope")
    with pytest.raises(ProbeError) as caught:
        run_in_kubernetes(
            build_probe_plan(seed_snapshot(), timeout=1.0), client_for(seed_api, seed_kubeconfig)
        )
    left = namespaces(seed_api)
    assert len(left) == 1
    assert left[0] in caught.value.message
    assert f"kubectl delete namespace {left[0]}" in caught.value.hint
    # what could be deleted inside it, was
    assert seed_api.list_objects("v1", "Pod", left[0]) == []


def test_forbidden_is_an_access_error_with_the_permissions_needed(
    seed_api: KubeApiDouble, seed_kubeconfig: Path
) -> None:
    seed_api.inject_fault("", "namespaces", status=403, verbs={"create"})
    with pytest.raises(ProbeError) as caught:
        run_in_kubernetes(build_probe_plan(seed_snapshot()), client_for(seed_api, seed_kubeconfig))
    assert "403" in caught.value.message
    assert "namespaces, configmaps and pods" in caught.value.hint
    assert namespaces(seed_api) == []


def test_agent_that_reports_nothing_is_an_error_not_a_verdict(
    seed_api: KubeApiDouble, seed_kubeconfig: Path
) -> None:
    seed_api.start_pods_on_create()

    def crash(pod: dict[str, Any]) -> None:
        labels = pod["metadata"].get("labels", {})
        if labels.get("app.kubernetes.io/component") == "probe":
            seed_api.set_pod_log(
                pod["metadata"]["namespace"], pod["metadata"]["name"], "Traceback...\n"
            )
            pod["status"]["phase"] = "Failed"

    seed_api.on_create("", "pods", crash)
    round_ = run_in_kubernetes(
        build_probe_plan(seed_snapshot(), timeout=1.0), client_for(seed_api, seed_kubeconfig)
    )
    assert {r.verdict for r in round_.results} == {"error"}
    assert all("did not report" in r.detail for r in round_.results)
    assert round_.problems


# ---------------------------------------------------------------------------- the CLI


def test_probe_without_yes_sends_nothing(
    seed_api: KubeApiDouble, seed_kubeconfig: Path, tmp_path: Path
) -> None:
    snap = tmp_path / "seed.json"
    snap.write_text(dump_snapshot(seed_snapshot()), encoding="utf-8")
    result = run_cli(["probe", "--snapshot", str(snap), "--kubeconfig", str(seed_kubeconfig)])
    assert result.code == 0, result.err
    assert "Dry run: nothing was sent" in result.out
    assert "blocked (antispoof)" in result.out
    assert seed_api.request_count(verb="create") == 0


def test_probe_cli_json_and_exit_code(
    seed_api: KubeApiDouble, seed_kubeconfig: Path, kubelet_factory: KubeletFactory, tmp_path: Path
) -> None:
    kubelet_factory(incident)
    snap = tmp_path / "seed.json"
    snap.write_text(dump_snapshot(seed_snapshot()), encoding="utf-8")
    saved = tmp_path / "probed.json"
    result = run_cli(
        [
            "probe",
            "--snapshot",
            str(snap),
            "--kubeconfig",
            str(seed_kubeconfig),
            "--yes",
            "--timeout",
            "1",
            "--icmp-clusterip",
            "--save",
            str(saved),
            "-o",
            "json",
        ]
    )
    assert result.code == 1, result.err  # probes failed
    data = json.loads(result.out)
    assert data["round"]["runner"] == "kubernetes"
    assert data["round"]["timeout_s"] == 1.0
    assert data["mismatches"] == []
    rows = {(r["source_class"], r["probe"]) for r in data["rows"]}
    assert any(probe == "icmp-clusterip" for _, probe in rows)
    ping = [o for o in data["observations"] if o["kind"] == "icmp-clusterip"]
    assert ping and {o["verdict"] for o in ping} == {"expected-no-reply"}
    assert {o["agreement"] for o in ping} == {"expected"}
    # the saved snapshot carries the observations, and diagnose correlates them
    diagnosed = run_cli(["diagnose", "--snapshot", str(saved)])
    assert "Probes:" in diagnosed.out and "confirmed by" in diagnosed.out
    assert namespaces(seed_api) == []


def test_diagnose_active_runs_probes_in_the_cluster(
    seed_api: KubeApiDouble, seed_kubeconfig: Path, kubelet_factory: KubeletFactory, tmp_path: Path
) -> None:
    kubelet_factory(incident)
    snap = tmp_path / "seed.json"
    snap.write_text(dump_snapshot(seed_snapshot()), encoding="utf-8")
    result = run_cli(
        [
            "diagnose",
            "--snapshot",
            str(snap),
            "--active",
            "--kubeconfig",
            str(seed_kubeconfig),
            "-o",
            "json",
        ],
        {"LANG": "C.UTF-8", "KOSTACK_PROBE_TIMEOUT": "1"},
    )
    assert result.code == 1, result.err
    data = json.loads(result.out)
    probes = data["probes"]
    assert probes["runner"] == "kubernetes"
    assert probes["mismatches"] == []
    assert "dns-udp/k8s-w-2" in probes["confirmations"]["antispoof"]
    assert namespaces(seed_api) == []


def test_agent_version_marker_matches_the_parser() -> None:
    assert AGENT == "kostack-probe" and AGENT_VERSION == 1


def test_diagnose_active_that_cannot_probe_keeps_the_static_diagnosis_and_says_why(
    seed_api: KubeApiDouble, seed_kubeconfig: Path, tmp_path: Path
) -> None:
    seed_api.inject_fault("", "namespaces", status=403, verbs={"create"})
    snap = tmp_path / "seed.json"
    snap.write_text(dump_snapshot(seed_snapshot()), encoding="utf-8")
    result = run_cli(
        ["diagnose", "--snapshot", str(snap), "--active", "--kubeconfig", str(seed_kubeconfig)]
    )
    assert result.code == 1, result.err  # the root cause is still found
    assert "Neutron anti-spoofing drops pod traffic" in result.out
    assert "probes: the probe round failed: creating namespace kostack-probe-" in result.out
    assert "403" in result.out
    assert namespaces(seed_api) == []


def test_a_failed_probe_round_is_a_korean_gap_under_lang_ko(
    seed_api: KubeApiDouble, seed_kubeconfig: Path, tmp_path: Path
) -> None:
    seed_api.inject_fault("", "namespaces", status=403, verbs={"create"})
    snap = tmp_path / "seed.json"
    snap.write_text(dump_snapshot(seed_snapshot()), encoding="utf-8")
    args = ["diagnose", "--snapshot", str(snap), "--active", "--kubeconfig", str(seed_kubeconfig)]
    result = run_cli([*args, "--lang", "ko"])
    assert result.code == 1, result.err
    assert "probes: 점검 라운드가 실패했습니다: 네임스페이스 kostack-probe-" in result.out, (
        result.out
    )
    assert " 만들기 실패: HTTP 403" in result.out, result.out
    assert "the probe round failed" not in result.out and "creating namespace" not in result.out
    # `-o json` says the gap in the chosen language; its message key stays beside it as data
    as_json = run_cli([*args, "--lang", "ko", "-o", "json"])
    assert '"error": "점검 라운드가 실패했습니다: ' in as_json.out
    assert "the probe round failed" not in as_json.out
    assert '"key": "probe.gap.failed"' in as_json.out
    in_english = run_cli([*args, "--lang", "en", "-o", "json"])
    assert '"error": "the probe round failed: ' in in_english.out


def test_dual_stack_ipv6_probes_aim_at_the_echo_pods_ipv6_addresses(
    seed_api: KubeApiDouble, seed_kubeconfig: Path, kubelet_factory: KubeletFactory
) -> None:
    """The echo pods' second podIP (status.podIPs) is where the plan's IPv6 probes go."""
    from test_probe_plan import dual_stack_doc

    def second_ip(pod: dict[str, Any]) -> None:
        labels = pod["metadata"].get("labels") or {}
        if labels.get("app.kubernetes.io/component") == "echo":
            status = pod.setdefault("status", {})
            ipv4 = status.get("podIP") or "10.244.9.9"
            status["podIPs"] = [{"ip": ipv4}, {"ip": "fd00:10:244:9::" + ipv4.rsplit(".", 1)[1]}]

    kubelet = kubelet_factory(incident)
    seed_api.on_create("", "pods", second_ip)  # after the double gave the pod its IPv4
    plan = build_probe_plan(build(dual_stack_doc()), timeout=1.0)
    run_in_kubernetes(plan, client_for(seed_api, seed_kubeconfig))
    sent: dict[str, str] = {}
    for pod in kubelet.created:
        if pod["metadata"]["labels"]["app.kubernetes.io/component"] == "probe":
            for spec in json.loads(pod["spec"]["containers"][0]["command"][-1])["probes"]:
                sent[spec["id"]] = spec["host"]
    http6 = {k: v for k, v in sent.items() if k.startswith("pod-http6/")}
    assert http6 and all(v.startswith("fd00:10:244:9::") for v in http6.values()), sent
    assert all(not v.startswith("fd00") for k, v in sent.items() if k.startswith("pod-http/"))
