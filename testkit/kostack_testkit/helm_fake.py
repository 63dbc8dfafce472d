"""A stand-in for the `helm` binary in labs and tests, acting on a cluster through its API.

Real helm cannot run here (no chart repository, no network), so this does
what `helm uninstall` and `helm install` do to a cluster, with the objects
the charts in helm_fixture_charts / helm_fixture_postgresql render:

- `uninstall NAME -n NS`: delete the newest revision's manifest objects,
  except those with `helm.sh/resource-policy: keep`; then what the garbage
  collector would (the Deployments' ReplicaSets and pods, the StatefulSets'
  pods; never the StatefulSets' PVCs); then the release's storage Secrets;
- `install NAME CHART -n NS [--create-namespace] [-f VALUES]`: refuse a name
  in use and objects owned by another release (Helm's ownership check);
  create the objects with Helm's ownership metadata, bind every claim to a
  new volume (the provisioner's part), start the pods Ready (the kubelet's),
  and store revision 1 as a Secret exactly as Helm does.

In-process (`FakeHelm`, a HelmRunner) or as an executable (`main`, for a
`helm` script on PATH in CLI tests). Never for real clusters.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import ipaddress
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import kubernetes
import yaml
from kubernetes.client.exceptions import ApiException

from kostack.analyze.release_checks.charts import chart_name
from kostack.apply.release import HelmResult
from kostack.collect.helm import decode_release
from kostack_lab.kube_objects import CLUSTER_CREATED, JsonObject
from kostack_testkit.helm_fixture_charts import HARBOR_DEFAULT_VALUES, harbor_notes, harbor_objects
from kostack_testkit.helm_fixture_cluster import (
    Placement,
    bound_claim,
    install_objects,
    volume_for,
)
from kostack_testkit.helm_fixture_postgresql import POSTGRESQL_DEFAULT_VALUES, postgresql_objects
from kostack_testkit.helm_fixture_storage import (
    HARBOR_CHART,
    POSTGRESQL_CHART,
    manifest_text,
    release_record,
    release_secret,
)
from kostack_testkit.k8s_fixture_objects import NodeSpec

_client: Any = kubernetes.client
_config: Any = kubernetes.config

# kind -> (API class, namespaced?, snake name used in the client's method names)
_KINDS: dict[str, tuple[str, bool, str]] = {
    "Namespace": ("CoreV1Api", False, "namespace"),
    "Secret": ("CoreV1Api", True, "secret"),
    "ConfigMap": ("CoreV1Api", True, "config_map"),
    "ServiceAccount": ("CoreV1Api", True, "service_account"),
    "PersistentVolumeClaim": ("CoreV1Api", True, "persistent_volume_claim"),
    "PersistentVolume": ("CoreV1Api", False, "persistent_volume"),
    "Service": ("CoreV1Api", True, "service"),
    "Pod": ("CoreV1Api", True, "pod"),
    "Event": ("CoreV1Api", True, "event"),
    "Deployment": ("AppsV1Api", True, "deployment"),
    "ReplicaSet": ("AppsV1Api", True, "replica_set"),
    "StatefulSet": ("AppsV1Api", True, "stateful_set"),
    "Ingress": ("NetworkingV1Api", True, "ingress"),
}
_UNINSTALL_ORDER = (
    "Ingress",
    "StatefulSet",
    "Deployment",
    "Service",
    "PersistentVolumeClaim",
    "ConfigMap",
    "Secret",
    "ServiceAccount",
)


class FakeHelmError(Exception):
    """What helm would print as `Error: ...` and exit 1."""


@dataclass
class FakeHelm:
    """`helm uninstall` / `helm install` against a cluster, in process."""

    api_client: Any
    calls: list[list[str]] = field(default_factory=list)
    now: dt.datetime | None = None

    def describe(self) -> str:
        return "kostack fake helm (lab)"

    def run(self, args: Sequence[str], timeout: int) -> HelmResult:
        self.calls.append(list(args))
        try:
            out = self.dispatch(list(args))
        except FakeHelmError as exc:
            return HelmResult(1, "", f"Error: {exc}\n")
        return HelmResult(0, out, "")

    # ---------------------------------------------------------------- commands

    def dispatch(self, args: list[str]) -> str:
        parser = argparse.ArgumentParser(prog="helm", add_help=False)
        parser.add_argument("command")
        parser.add_argument("name", nargs="?")
        parser.add_argument("chart", nargs="?")
        parser.add_argument("-n", "--namespace", default="default")
        parser.add_argument("-f", "--values", action="append", default=[])
        parser.add_argument("--create-namespace", action="store_true")
        parser.add_argument("--wait", action="store_true")
        parser.add_argument("--timeout", default="5m0s")
        parser.add_argument("--kubeconfig")
        parser.add_argument("--kube-context")
        parser.add_argument("--keep-history", action="store_true")
        known, _ = parser.parse_known_args(args)
        if known.command == "version":
            return 'version.BuildInfo{Version:"v3.18.6", GitCommit:"kostack-fake", GoVersion:"go1.24.6"}\n'
        if known.command == "uninstall" and known.name:
            return self.uninstall(known.name, known.namespace)
        if known.command == "install" and known.name and known.chart:
            values: dict[str, Any] = {}
            for path in known.values:
                with open(path, encoding="utf-8") as stream:
                    loaded = yaml.safe_load(stream) or {}
                if not isinstance(loaded, dict):
                    raise FakeHelmError(f"values file {path} is not a map")
                values = _merge(values, loaded)
            return self.install(
                known.name, known.chart, known.namespace, values, known.create_namespace
            )
        raise FakeHelmError(
            f"unknown command {' '.join(args)!r} (the fake knows install, uninstall, version)"
        )

    def uninstall(self, name: str, namespace: str) -> str:
        core = _client.CoreV1Api(self.api_client)
        secrets = core.list_namespaced_secret(
            namespace, label_selector=f"owner=helm,name={name}"
        ).items
        if not secrets:
            raise FakeHelmError(f"uninstall: Release not loaded: {name}: release: not found")
        newest = max(secrets, key=lambda s: int(s.metadata.labels.get("version", "0")))
        record = decode_release(newest.data["release"])
        documents = [
            d for d in yaml.safe_load_all(record.get("manifest") or "") if isinstance(d, dict)
        ]
        kept: list[str] = []
        documents.sort(
            key=lambda d: (
                _UNINSTALL_ORDER.index(d["kind"])
                if d["kind"] in _UNINSTALL_ORDER
                else len(_UNINSTALL_ORDER)
            )
        )
        for doc in documents:
            kind = doc["kind"]
            obj_name = doc["metadata"]["name"]
            obj_ns = doc["metadata"].get("namespace") or namespace
            live = self._read(kind, obj_name, obj_ns)
            if live is None:
                continue
            annotations = (live.get("metadata") or {}).get("annotations") or {}
            if annotations.get("helm.sh/resource-policy") == "keep":
                kept.append(f"[{kind}] {obj_name}")
                continue
            if kind == "Deployment":
                self._delete_owned_replicasets(obj_name, obj_ns)
            if kind == "StatefulSet":
                self._delete_pods_owned_by("StatefulSet", obj_name, obj_ns)
            self._delete(kind, obj_name, obj_ns)
        for secret in secrets:
            self._delete("Secret", secret.metadata.name, namespace)
        out = ""
        if kept:
            out += (
                "These resources were kept due to the resource policy:\n" + "\n".join(kept) + "\n\n"
            )
        return out + f'release "{name}" uninstalled\n'

    def install(
        self, name: str, chart: str, namespace: str, values: dict[str, Any], create_namespace: bool
    ) -> str:
        core = _client.CoreV1Api(self.api_client)
        which = chart_name(chart)
        if which == "harbor":
            rendered = harbor_objects(name, namespace, values)
            info, defaults, notes = HARBOR_CHART, HARBOR_DEFAULT_VALUES, harbor_notes(values)
        elif which == "postgresql":
            rendered = postgresql_objects(name, namespace, values)
            info, defaults, notes = POSTGRESQL_CHART, POSTGRESQL_DEFAULT_VALUES, ""
        else:
            raise FakeHelmError(
                f"INSTALLATION FAILED: chart {chart!r} not found (the fake knows harbor and postgresql)"
            )
        if core.list_namespaced_secret(namespace, label_selector=f"owner=helm,name={name}").items:
            raise FakeHelmError("INSTALLATION FAILED: cannot re-use a name that is still in use")
        if self._read("Namespace", namespace, None) is None:
            if not create_namespace:
                raise FakeHelmError(
                    f'INSTALLATION FAILED: create: failed to create: namespaces "{namespace}" not found'
                )
            self._create(
                {
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": {"name": namespace, "labels": {"name": namespace}},
                }
            )
        for _, obj in rendered:
            existing = self._read(obj["kind"], obj["metadata"]["name"], namespace)
            if existing is None:
                continue
            annotations = (existing.get("metadata") or {}).get("annotations") or {}
            owner = (
                annotations.get("meta.helm.sh/release-name"),
                annotations.get("meta.helm.sh/release-namespace"),
            )
            if owner != (name, namespace):
                raise FakeHelmError(
                    "INSTALLATION FAILED: rendered manifests contain a resource that already exists. "
                    f'Unable to continue with install: {obj["kind"]} "{obj["metadata"]["name"]}" in namespace '
                    f'"{namespace}" exists and cannot be imported into the current release: invalid ownership metadata'
                )
        now = self.now or dt.datetime.now(dt.UTC)
        minutes = (now - CLUSTER_CREATED).total_seconds() / 60
        scenario = install_objects(
            rendered,
            release=name,
            namespace=namespace,
            created=minutes,
            now=minutes,
            placements=self._placements(rendered),
        )
        order = (
            "ServiceAccount",
            "Secret",
            "ConfigMap",
            "Service",
            "Deployment",
            "ReplicaSet",
            "StatefulSet",
            "Ingress",
        )
        objects = sorted(
            (o for o in scenario.objects if o["kind"] in order),
            key=lambda o: order.index(o["kind"]),
        )
        for obj in objects:
            self._create(obj)
        for claim in (o for o in scenario.objects if o["kind"] == "PersistentVolumeClaim"):
            self._create_bound_claim(claim)
        for pod in (o for o in scenario.objects if o["kind"] == "Pod"):
            self._create_running_pod(pod)
        record = release_record(
            name=name,
            namespace=namespace,
            revision=1,
            status="deployed",
            chart=info,
            default_values=defaults,
            values=values,
            manifest=manifest_text(rendered),
            first_deployed=now,
            last_deployed=now,
            description="Install complete",
            notes=notes,
        )
        self._create(release_secret(record, created=now))
        return (
            f"NAME: {name}\nLAST DEPLOYED: {now.strftime('%a %b %d %H:%M:%S %Y')}\n"
            f"NAMESPACE: {namespace}\nSTATUS: deployed\nREVISION: 1\nTEST SUITE: None\n"
        )

    # ---------------------------------------------------------------- the cluster's part

    def _placements(self, rendered: Sequence[tuple[str, JsonObject]]) -> dict[str, Placement]:
        core = _client.CoreV1Api(self.api_client)
        nodes: list[NodeSpec] = []
        for node in core.list_node().items:
            taints = node.spec.taints or []
            if any(t.effect == "NoSchedule" for t in taints):
                continue
            address = next(
                (a.address for a in node.status.addresses or [] if a.type == "InternalIP"),
                "0.0.0.0",
            )
            cidr = node.spec.pod_cidr or "10.244.0.0/24"
            nodes.append(NodeSpec(node.metadata.name, address, cidr))
        if not nodes:
            raise FakeHelmError("INSTALLATION FAILED: no schedulable node")
        used = {
            p.status.pod_ip
            for p in core.list_pod_for_all_namespaces().items
            if p.status and p.status.pod_ip
        }
        placements: dict[str, Placement] = {}
        index = 0
        for _, obj in rendered:
            if obj["kind"] not in ("Deployment", "StatefulSet"):
                continue
            labels = obj["metadata"].get("labels", {})
            key = (
                labels.get("component")
                or labels.get("app.kubernetes.io/component")
                or obj["metadata"]["name"]
            )
            chosen = nodes[index % len(nodes)]
            index += 1
            ip = _free_ip(chosen, used)
            used.add(ip)
            placements[key] = Placement(chosen, ip)
        return placements

    def _create_bound_claim(self, claim: JsonObject) -> None:
        """Create the claim, then do what the provisioner and the PV controller do."""
        body = _creatable(claim)
        body["spec"].pop("volumeName", None)
        created = self._create(body)
        uid = created["metadata"]["uid"]
        claim_now = copy.deepcopy(claim)
        claim_now["metadata"]["uid"] = uid
        volume = volume_for(claim_now, 0.0)
        volume["metadata"].pop("uid", None)
        volume["metadata"].pop("creationTimestamp", None)
        volume["spec"]["claimRef"]["resourceVersion"] = created["metadata"]["resourceVersion"]
        status = volume.pop("status")
        self._create(volume)
        core = _client.CoreV1Api(self.api_client)
        core.patch_persistent_volume_status(volume["metadata"]["name"], {"status": status})
        bound = bound_claim(
            claim_now,
            0.0,
            volume=volume["metadata"]["name"],
            capacity=claim["spec"]["resources"]["requests"]["storage"],
        )
        ns, name = claim["metadata"]["namespace"], claim["metadata"]["name"]
        core.patch_namespaced_persistent_volume_claim(
            name,
            ns,
            {
                "metadata": {"annotations": bound["metadata"]["annotations"]},
                "spec": {"volumeName": volume["metadata"]["name"]},
            },
        )
        core.patch_namespaced_persistent_volume_claim_status(name, ns, {"status": bound["status"]})

    def _create_running_pod(self, pod: JsonObject) -> None:
        status = copy.deepcopy(pod.get("status") or {})
        self._create(_creatable(pod))
        core = _client.CoreV1Api(self.api_client)
        core.patch_namespaced_pod_status(
            pod["metadata"]["name"], pod["metadata"]["namespace"], {"status": status}
        )

    # ---------------------------------------------------------------- generic API access

    def _api(self, kind: str) -> tuple[Any, bool, str]:
        api_name, namespaced, snake = _KINDS[kind]
        return getattr(_client, api_name)(self.api_client), namespaced, snake

    def _read(self, kind: str, name: str, namespace: str | None) -> dict[str, Any] | None:
        if kind not in _KINDS:
            return None
        api, namespaced, snake = self._api(kind)
        try:
            if namespaced:
                obj = getattr(api, f"read_namespaced_{snake}")(name, namespace)
            else:
                obj = getattr(api, f"read_{snake}")(name)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        result: dict[str, Any] = self.api_client.sanitize_for_serialization(obj)
        return result

    def _create(self, obj: JsonObject) -> dict[str, Any]:
        api, namespaced, snake = self._api(obj["kind"])
        body = _creatable(obj)
        if namespaced:
            created = getattr(api, f"create_namespaced_{snake}")(
                body["metadata"]["namespace"], body
            )
        else:
            created = getattr(api, f"create_{snake}")(body)
        result: dict[str, Any] = self.api_client.sanitize_for_serialization(created)
        return result

    def _delete(self, kind: str, name: str, namespace: str | None) -> None:
        if kind not in _KINDS:
            return
        api, namespaced, snake = self._api(kind)
        try:
            if namespaced:
                getattr(api, f"delete_namespaced_{snake}")(name, namespace)
            else:
                getattr(api, f"delete_{snake}")(name)
        except ApiException as exc:
            if exc.status != 404:
                raise

    def _delete_owned_replicasets(self, deployment: str, namespace: str) -> None:
        apps = _client.AppsV1Api(self.api_client)
        for rs in apps.list_namespaced_replica_set(namespace).items:
            owners = rs.metadata.owner_references or []
            if any(o.kind == "Deployment" and o.name == deployment for o in owners):
                self._delete_pods_owned_by("ReplicaSet", rs.metadata.name, namespace)
                self._delete("ReplicaSet", rs.metadata.name, namespace)

    def _delete_pods_owned_by(self, kind: str, name: str, namespace: str) -> None:
        core = _client.CoreV1Api(self.api_client)
        for pod in core.list_namespaced_pod(namespace).items:
            owners = pod.metadata.owner_references or []
            if any(o.kind == kind and o.name == name for o in owners):
                self._delete("Pod", pod.metadata.name, namespace)


def _creatable(obj: JsonObject) -> JsonObject:
    """The object as a client sends it: no server-set metadata, no status."""
    body = copy.deepcopy(obj)
    metadata = body.get("metadata") or {}
    for key in ("uid", "resourceVersion", "creationTimestamp", "generation", "deletionTimestamp"):
        metadata.pop(key, None)
    body.pop("status", None)
    return body


def _free_ip(node: NodeSpec, used: set[str]) -> str:
    network = ipaddress.ip_network(node.pod_cidr)
    for offset in range(100, network.num_addresses - 1):
        candidate = str(network.network_address + offset)
        if candidate not in used:
            return candidate
    raise FakeHelmError(f"no free pod IP on {node.name}")


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """`helm ...` as an executable: the cluster comes from --kubeconfig/--kube-context or KUBECONFIG."""
    args = list(sys.argv[1:] if argv is None else argv)
    kubeconfig = _flag(args, "--kubeconfig") or os.environ.get("KUBECONFIG")
    context = _flag(args, "--kube-context")
    if args and args[0] == "version":
        sys.stdout.write(
            'version.BuildInfo{Version:"v3.18.6", GitCommit:"kostack-fake", GoVersion:"go1.24.6"}\n'
        )
        return 0
    client = _config.new_client_from_config(config_file=kubeconfig, context=context)
    try:
        result = FakeHelm(client).run(args, 600)
    finally:
        client.close()
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.code


def _flag(args: list[str], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


if __name__ == "__main__":
    sys.exit(main())
