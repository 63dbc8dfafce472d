"""deploy/: every rendered object is a valid Kubernetes 1.33 object, is safe, and applies.

Rendered offline with `kubectl kustomize` (Debian kubernetes-client, installed by
scripts/setup.sh --all), validated strictly with kubernetes-validate, then created
through the official client's dynamic API on the repository's Kubernetes API double.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes
import kubernetes_validate
import pytest
import yaml
from watch_testing import ROOT

from kostack.cli.watch import watch as watch_command
from kostack.probe.agents_runner import AGENT_LABEL, CONTROL_PORT, HOST_PORT
from kostack.probe.plan_model import ECHO_PORT
from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble

K8S_VERSION = "1.33.5"
DEPLOY = ROOT / "deploy"
OVERLAYS = ["base", "overlays/prometheus-operator", "overlays/host-network", "overlays/airgapped"]
CUSTOM_GROUPS = ("monitoring.coreos.com",)


def render(overlay: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail(
            "kubectl is not installed: run scripts/setup.sh --all (Debian kubernetes-client)"
        )
    result = subprocess.run(
        [kubectl, "kustomize", str(DEPLOY / overlay)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


RENDERED = {overlay: render(overlay) for overlay in OVERLAYS}


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def builtin(obj: dict[str, Any]) -> bool:
    return str(obj["apiVersion"]).split("/")[0] not in CUSTOM_GROUPS


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_validates_strictly_against_1_33(overlay: str) -> None:
    objects = RENDERED[overlay]
    kinds = {o["kind"] for o in objects}
    assert {
        "Namespace",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Deployment",
        "DaemonSet",
        "Service",
        "NetworkPolicy",
    } <= kinds
    for obj in objects:
        if builtin(obj):
            assert kubernetes_validate.validate(obj, K8S_VERSION, strict=True) == "1.33", obj[
                "kind"
            ]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_run_non_root_with_limits_probes_and_no_added_capabilities(overlay: str) -> None:
    workloads = [
        *by_kind(RENDERED[overlay], "Deployment"),
        *by_kind(RENDERED[overlay], "DaemonSet"),
    ]
    assert len(workloads) == 2
    for workload in workloads:
        spec = workload["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False
            assert context["readOnlyRootFilesystem"] is True
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert container["resources"]["limits"]["memory"]
            assert container["resources"]["requests"]["cpu"]
            assert container["readinessProbe"]["httpGet"]["path"] in ("/readyz", "/healthz")
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_rbac_is_read_only_but_for_events() -> None:
    (role,) = by_kind(RENDERED["base"], "ClusterRole")
    for rule in role["rules"]:
        writes = set(rule["verbs"]) - {"get", "list", "watch"}
        if writes:
            assert rule["resources"] == ["events"] and writes == {"create"}
        assert "secrets" not in rule["resources"]
        assert "pods/exec" not in rule["resources"]
    configmaps = next(r for r in role["rules"] if r["resources"] == ["configmaps"])
    assert configmaps["verbs"] == ["get"] and "kubeadm-config" in configmaps["resourceNames"]
    agent_sa = next(
        o
        for o in by_kind(RENDERED["base"], "ServiceAccount")
        if o["metadata"]["name"] == "kostack-probe-agent"
    )
    assert agent_sa["automountServiceAccountToken"] is False


def test_images_are_overridable_for_an_air_gapped_registry() -> None:
    def images(objects: list[dict[str, Any]]) -> set[str]:
        return {
            c["image"]
            for o in [*by_kind(objects, "Deployment"), *by_kind(objects, "DaemonSet")]
            for c in o["spec"]["template"]["spec"]["containers"]
        }

    assert images(RENDERED["base"]) == {"kostack:0.1.0"}
    assert images(RENDERED["overlays/airgapped"]) == {"registry.local:5000/kostack:0.1.0"}


def test_the_watch_arguments_are_the_commands_own() -> None:
    for overlay in OVERLAYS:
        (deployment,) = by_kind(RENDERED[overlay], "Deployment")
        args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
        assert args[0] == "watch"
        # click parses them as `kostack watch` would (an unknown flag raises)
        context = watch_command.make_context("watch", list(args[1:]))
        assert context.params["probes"] == "agents" and context.params["listen"] == "0.0.0.0:9109"
    (host,) = by_kind(RENDERED["overlays/host-network"], "Deployment")
    assert host["spec"]["template"]["spec"]["hostNetwork"] is True
    assert "--probe-address=host" in host["spec"]["template"]["spec"]["containers"][0]["args"]


def test_prometheus_rule_is_the_plain_rule_file_and_the_monitor_finds_the_service() -> None:
    objects = RENDERED["overlays/prometheus-operator"]
    (rule,) = by_kind(objects, "PrometheusRule")
    plain = yaml.safe_load((DEPLOY / "alerts" / "kostack.rules.yaml").read_text())
    assert rule["spec"]["groups"] == plain["groups"]
    (monitor,) = by_kind(objects, "ServiceMonitor")
    (service,) = by_kind(objects, "Service")
    labels = service["metadata"]["labels"]
    assert all(labels.get(k) == v for k, v in monitor["spec"]["selector"]["matchLabels"].items())
    assert monitor["spec"]["endpoints"][0]["port"] in {p["name"] for p in service["spec"]["ports"]}
    assert monitor["metadata"]["namespace"] == service["metadata"]["namespace"] == "kostack"
    # the job label Prometheus gives it is the Service's name: the rules' job="kostack-watch"
    assert service["metadata"]["name"] == "kostack-watch"


def monitoring_crds() -> list[dict[str, Any]]:
    """Minimal CRDs of prometheus-operator's two kinds (names as in its
    monitoring.coreos.com_servicemonitors/_prometheusrules CRDs; schema left open)."""

    def crd(kind: str, plural: str) -> dict[str, Any]:
        return {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.monitoring.coreos.com"},
            "spec": {
                "group": "monitoring.coreos.com",
                "names": {
                    "kind": kind,
                    "plural": plural,
                    "singular": kind.lower(),
                    "listKind": f"{kind}List",
                },
                "scope": "Namespaced",
                "versions": [
                    {
                        "name": "v1",
                        "served": True,
                        "storage": True,
                        "schema": {
                            "openAPIV3Schema": {
                                "type": "object",
                                "x-kubernetes-preserve-unknown-fields": True,
                            }
                        },
                    }
                ],
            },
        }

    return [crd("ServiceMonitor", "servicemonitors"), crd("PrometheusRule", "prometheusrules")]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[kubernetes.client.ApiClient]:
    with KubeApiDouble([*seed_cluster(), *monitoring_crds()]) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
        client = kubernetes.config.new_client_from_config(
            config_file=str(kubeconfig), context=api.context_name
        )
        yield client
        client.close()


@pytest.mark.parametrize("overlay", ["overlays/prometheus-operator", "overlays/host-network"])
def test_every_object_applies_to_the_api_double_and_reads_back_valid(
    overlay: str, cluster: kubernetes.client.ApiClient
) -> None:
    dynamic = kubernetes.dynamic.DynamicClient(cluster)
    created = []
    for obj in RENDERED[overlay]:
        resource = dynamic.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        namespace = obj["metadata"].get("namespace")
        answer = (
            resource.create(body=obj, namespace=namespace)
            if namespace
            else resource.create(body=obj)
        )
        created.append((resource, obj["metadata"]["name"], namespace, answer.to_dict()))
    assert len(created) == len(RENDERED[overlay])
    for resource, name, namespace, _ in created:
        served = resource.get(name=name, namespace=namespace).to_dict()
        assert served["metadata"]["resourceVersion"]
        if builtin(served):
            kubernetes_validate.validate(served, K8S_VERSION, strict=True)
    pods = kubernetes.client.CoreV1Api(cluster)
    assert (
        pods.read_namespaced_service_account("kostack-watch", "kostack").metadata.name
        == "kostack-watch"
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_agents_listen_where_the_watch_reaches_them(overlay: str) -> None:
    """The agent DaemonSet's ports, label and token are the ones the watch's probe runner
    uses (kostack.probe.agents_runner), and the NetworkPolicy admits the watch there."""
    objects = RENDERED[overlay]
    (agent,) = by_kind(objects, "DaemonSet")
    pod = agent["spec"]["template"]
    name, value = AGENT_LABEL.split("=")
    assert pod["metadata"]["labels"][name] == value
    (container,) = pod["spec"]["containers"]
    args = dict(a.split("=", 1) for a in container["args"])
    assert args["--control-port"] == str(CONTROL_PORT) and args["--echo-port"] == str(ECHO_PORT)
    ports = {p["name"]: p for p in container["ports"]}
    assert ports["control"]["containerPort"] == CONTROL_PORT
    assert ports["echo"]["containerPort"] == ECHO_PORT
    watch = next(d for d in by_kind(objects, "Deployment") if "watch" in d["metadata"]["name"])
    watch_args = watch["spec"]["template"]["spec"]["containers"][0]["args"]
    assert f"--probe-token-file={args['--token-file']}" in watch_args
    if "--probe-address=host" in watch_args:
        assert ports["control"]["hostPort"] == HOST_PORT
    policy = next(
        p
        for p in by_kind(objects, "NetworkPolicy")
        if p["metadata"]["name"] == agent["metadata"]["name"]
    )
    admitted = {
        port["port"] for rule in policy["spec"]["ingress"] for port in rule.get("ports", ())
    }
    assert CONTROL_PORT in admitted
