"""deploy/guard: valid Kubernetes 1.33 objects, two replicas with one Lease, narrow RBAC, applies.

Rendered offline with `kubectl kustomize` (scripts/setup.sh --all installs it), validated
strictly with kubernetes-validate, created on the Kubernetes API double.
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

from kostack.cli.guard import guard as guard_command
from kostack.guard.kwatch import KINDS
from kostack.guard.lease import LEASE_NAME
from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "guard"
K8S_VERSION = "1.33.5"


def render() -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail(
            "kubectl is not installed: run scripts/setup.sh --all (Debian kubernetes-client)"
        )
    result = subprocess.run(
        [kubectl, "kustomize", str(DEPLOY)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


RENDERED = render()
SECRET = yaml.safe_load((DEPLOY / "clouds-secret.example.yaml").read_text())


def by_kind(kind: str) -> list[dict[str, Any]]:
    return [o for o in RENDERED if o["kind"] == kind]


def test_every_object_validates_strictly_against_1_33() -> None:
    kinds = {o["kind"] for o in RENDERED}
    assert kinds == {
        "Namespace",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
        "Deployment",
        "Service",
        "NetworkPolicy",
    }
    for obj in [*RENDERED, SECRET]:
        assert kubernetes_validate.validate(obj, K8S_VERSION, strict=True) == "1.33", obj["kind"]
    assert "Secret" not in kinds  # the example is not applied over a real one


def test_two_replicas_non_root_with_probes_limits_and_the_lease_identity() -> None:
    (deployment,) = by_kind("Deployment")
    assert deployment["spec"]["replicas"] == 2
    spec = deployment["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = spec["containers"]
    context = container["securityContext"]
    assert context["readOnlyRootFilesystem"] is True and context["capabilities"] == {
        "drop": ["ALL"]
    }
    assert context["allowPrivilegeEscalation"] is False
    assert container["resources"]["limits"]["memory"] and container["resources"]["requests"]["cpu"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    env = {e["name"]: e for e in container["env"]}
    assert env["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
    assert env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["clouds"]["secret"]["secretName"] == SECRET["metadata"]["name"]


def test_the_arguments_are_guards_own_and_it_starts_in_audit_mode() -> None:
    (deployment,) = by_kind("Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    assert args[0] == "guard"
    context = guard_command.make_context("guard", list(args[1:]))  # an unknown flag raises
    assert context.params["mode"] == "audit" and context.params["listen"] == "0.0.0.0:9110"
    assert context.params["journal_dir"] == "/var/lib/kostack-guard"
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert "/var/lib/kostack-guard" in mounts
    (service,) = by_kind("Service")
    assert service["spec"]["ports"][0]["port"] == 9110


def test_rbac_reads_nodes_and_cni_ranges_and_writes_only_events_and_its_lease() -> None:
    (cluster_role,) = by_kind("ClusterRole")
    granted: dict[tuple[str, str], set[str]] = {}
    for rule in cluster_role["rules"]:
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                granted.setdefault((group, resource), set()).update(rule["verbs"])
        writes = set(rule["verbs"]) - {"get", "list", "watch"}
        if writes:
            assert rule["resources"] == ["events"] and writes == {"create"}
        assert "secrets" not in rule["resources"]
    for kind in KINDS.values():  # every kind guard watches (kostack.guard.kwatch)
        assert granted[(kind.group, kind.plural)] >= {"list", "watch"}, kind.name
    # MetalLB's BGPPeers are listed like its pools and advertisements (neutron-vip-pairs)
    assert (
        granted[("metallb.io", "bgppeers")] == {"list"} == granted[("metallb.io", "ipaddresspools")]
    )
    (role,) = by_kind("Role")
    assert role["metadata"]["namespace"] == "kostack"
    for rule in role["rules"]:
        assert rule["apiGroups"] == ["coordination.k8s.io"] and rule["resources"] == ["leases"]
        assert rule.get("resourceNames") == [LEASE_NAME] or rule["verbs"] == ["create"]
    (binding,) = by_kind("RoleBinding")
    assert binding["subjects"][0]["name"] == "kostack-guard"


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[kubernetes.client.ApiClient]:
    with KubeApiDouble(seed_cluster()) as api:
        client = kubernetes.config.new_client_from_config(
            config_file=str(api.write_kubeconfig(tmp_path / "kubeconfig")), context=api.context_name
        )
        yield client
        client.close()


def test_every_object_applies_to_the_api_double_and_reads_back_valid(
    cluster: kubernetes.client.ApiClient,
) -> None:
    dynamic = kubernetes.dynamic.DynamicClient(cluster)
    for obj in [*RENDERED, SECRET]:
        resource = dynamic.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        namespace = obj["metadata"].get("namespace")
        created = (
            resource.create(body=obj, namespace=namespace)
            if namespace
            else resource.create(body=obj)
        )
        served = resource.get(name=obj["metadata"]["name"], namespace=namespace).to_dict()
        assert served["metadata"]["resourceVersion"] == created.metadata.resourceVersion
        kubernetes_validate.validate(served, K8S_VERSION, strict=True)
    apps = kubernetes.client.AppsV1Api(cluster)
    assert apps.read_namespaced_deployment("kostack-guard", "kostack").spec.replicas == 2
