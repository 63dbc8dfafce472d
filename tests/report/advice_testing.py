"""Helm states for the destructive-advice tests: a failed release among lookalikes, built by hand.

Every object is shaped as Helm and the charts make it (harbor-helm: StatefulSet
claims `<template>-<fullname>-<component>-0` carrying the selector labels,
`<fullname>-registry` / `-jobservice` declared with resource-policy keep;
bitnami/postgresql `data-<fullname>-0`), so ownership is decided by the same
proof as in a real cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shell_argv import Paste

FAILED_AT = "2026-11-20T08:30:00Z"
EARLIER = "2026-11-01T08:00:00Z"
HARBOR_STATEFULSETS = (("database", "database-data"), ("redis", "data"), ("trivy", "data"))


def harbor_fullname(release: str) -> str:
    return release if "harbor" in release else f"{release}-harbor"


@dataclass
class HelmDoc:
    """A `helm` snapshot part under construction, and what each release owns."""

    releases: list[dict[str, Any]] = field(default_factory=list)
    pvcs: list[dict[str, Any]] = field(default_factory=list)
    pvs: list[dict[str, Any]] = field(default_factory=list)
    owned: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)

    def doc(self) -> dict[str, Any]:
        namespaces = sorted(
            {r["namespace"] for r in self.releases} | {p["namespace"] for p in self.pvcs}
        )
        return {
            "releases": self.releases,
            "pvcs": self.pvcs,
            "pvs": self.pvs,
            "statefulsets": [],
            "pods": [],
            "events": [],
            "namespaces": namespaces,
            "context_namespace": "default",
        }

    def claim(
        self,
        namespace: str,
        name: str,
        *,
        labels: dict[str, str] | None = None,
        annotations: dict[str, str] | None = None,
        created: str = FAILED_AT,
        owner: tuple[str, str] | None = None,
    ) -> None:
        volume = f"pv-{namespace}-{name}"
        self.pvcs.append(
            {
                "namespace": namespace,
                "name": name,
                "uid": f"uid-{namespace}-{name}",
                "phase": "Bound",
                "volume_name": volume,
                "size": "1Gi",
                "access_modes": ["ReadWriteOnce"],
                "storage_class": "csi-cinder",
                "created": created,
                "labels": labels or {},
                "annotations": annotations or {},
                "resource_version": "7",
            }
        )
        self.pvs.append(
            {
                "name": volume,
                "uid": f"uid-{volume}",
                "reclaim_policy": "Delete",
                "phase": "Bound",
                "claim_namespace": namespace,
                "claim_name": name,
                "capacity": "1Gi",
                "resource_version": "3",
            }
        )
        if owner is not None:
            self.owned.setdefault(owner, []).append((namespace, name))

    def harbor(self, name: str, namespace: str, status: str, *, installed: str = FAILED_AT) -> None:
        """A harbor-helm release with its five volumes, each proven to be its own."""
        full = harbor_fullname(name)
        statefulsets = []
        for component, template in HARBOR_STATEFULSETS:
            selector = {"app": "harbor", "component": component, "release": name}
            statefulsets.append(
                {
                    "name": f"{full}-{component}",
                    "replicas": 1,
                    "selector": selector,
                    "claim_templates": [{"name": template, "labels": {"app": "harbor"}}],
                }
            )
            self.claim(
                namespace,
                f"{template}-{full}-{component}-0",
                labels={**selector, "app": "harbor"},
                created=EARLIER if component == "database" else installed,
                owner=(namespace, name),
            )
        declared = []
        for part in ("registry", "jobservice"):
            labels = {"app": "harbor", "release": name, "component": part}
            declared.append({"name": f"{full}-{part}", "labels": labels, "keep": True})
            self.claim(
                namespace,
                f"{full}-{part}",
                labels=labels,
                annotations={"helm.sh/resource-policy": "keep"},
                owner=(namespace, name),
            )
        self.releases.append(
            _release(name, namespace, status, "harbor", "1.18.0", installed)
            | {"manifest_statefulsets": statefulsets, "manifest_pvcs": declared}
        )

    def postgresql(self, name: str, namespace: str, status: str = "deployed") -> None:
        full = name if "postgresql" in name else f"{name}-postgresql"
        selector = {"app.kubernetes.io/instance": name, "app.kubernetes.io/name": "postgresql"}
        self.claim(namespace, f"data-{full}-0", labels=selector, owner=(namespace, name))
        self.releases.append(
            _release(name, namespace, status, "postgresql", "16.7.27", EARLIER)
            | {
                "manifest_statefulsets": [
                    {
                        "name": full,
                        "replicas": 1,
                        "selector": selector,
                        "claim_templates": [{"name": "data"}],
                    }
                ]
            }
        )

    def plain_release(self, name: str, namespace: str, chart: str) -> None:
        self.releases.append(_release(name, namespace, "deployed", chart, "1.0.0", EARLIER))


def _release(
    name: str, namespace: str, status: str, chart: str, version: str, installed: str
) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": namespace,
        "revision": 1,
        "status": status,
        "chart": chart,
        "chart_version": version,
        "first_deployed": installed,
        "last_deployed": installed,
        "description": "Install complete" if status == "deployed" else "context deadline exceeded",
        "storage_object": f"Secret {namespace}/sh.helm.release.v1.{name}.v1",
        "storage_resource_version": "11",
        "history": [
            {
                "revision": 1,
                "status": status,
                "chart": chart,
                "chart_version": version,
                "first_deployed": installed,
                "last_deployed": installed,
            }
        ],
        "values_keys": ["harborAdminPassword", "expose.type"] if chart == "harbor" else ["auth"],
        "secret_keys": ["harborAdminPassword"] if chart == "harbor" else [],
    }


def lookalike_state(failed: str = "harbor", namespace: str = "harbor") -> HelmDoc:
    """The failed release `namespace/failed` among everything that must never be touched.

    - team-a/<failed>: a healthy, deployed release of the same name and chart in another namespace;
    - default/pg: a healthy PostgreSQL release (with a finding: it sits in default);
    - <namespace>/redis-cache: deployed, its volume labelled release=<failed> (a false claim);
    - <namespace>/<full>-scratch: labelled like the failed release, nothing proves it;
    - default/data-<full>-redis-0: Helm's annotations name team-a, not default;
    - team-b/<full>-registry: the kept volume of a release <failed> in team-b that is gone.
    """
    state = HelmDoc()
    state.harbor(failed, namespace, "failed")
    state.harbor(failed, "team-a", "deployed", installed=EARLIER)
    state.postgresql("pg", "default")
    full = harbor_fullname(failed)
    state.plain_release("redis-cache", namespace, "redis")
    state.claim(
        namespace,
        "harbor-cache",
        labels={"release": failed, "app.kubernetes.io/instance": failed},
        annotations={
            "meta.helm.sh/release-name": "redis-cache",
            "meta.helm.sh/release-namespace": namespace,
        },
    )
    state.claim(namespace, f"{full}-scratch", labels={"app.kubernetes.io/instance": failed})
    state.claim(
        "default",
        f"data-{full}-redis-0",
        labels={"release": failed, "app": "harbor"},
        annotations={
            "meta.helm.sh/release-name": failed,
            "meta.helm.sh/release-namespace": "team-a",
        },
    )
    state.claim(
        "team-b",
        f"{full}-registry",
        labels={"release": failed, "app": "harbor", "component": "registry"},
        annotations={
            "meta.helm.sh/release-name": failed,
            "meta.helm.sh/release-namespace": "team-b",
            "helm.sh/resource-policy": "keep",
        },
    )
    return state


# --------------------------------------------------------------------------- what a paste would delete


@dataclass(frozen=True)
class Target:
    verb: str  # uninstall | delete-pvc | delete-pv | patch-pv | reinstall
    namespace: str
    name: str


_VALUED = {
    "--namespace",
    "-n",
    "--timeout",
    "--kubeconfig",
    "--kube-context",
    "-p",
    "-o",
    "--chart",
    "--values",
    "-l",
    "--for",
}


def _operands(args: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    operands: list[str] = []
    options: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            operands.extend(args[i + 1 :])
            break
        if arg.startswith("-"):
            key, eq, value = arg.partition("=")
            if eq:
                options[key] = value
            elif key in _VALUED and i + 1 < len(args):
                options[key] = args[i + 1]
                i += 1
            else:
                options[key] = ""
        else:
            operands.append(arg)
        i += 1
    return operands, options


def destructive_targets(done: Paste) -> list[Target]:
    """Every release, claim or volume a paste of the output would uninstall, delete or re-plan."""
    out = []
    for call in done.calls():
        head = call[:3]
        if call[:2] == ("helm", "uninstall"):
            names, opts = _operands(call[2:])
            ns = opts.get("--namespace", opts.get("-n", "default"))
            out.extend(Target("uninstall", ns, n) for n in names)
        elif head in (("kubectl", "delete", "pvc"), ("kubectl", "delete", "pv")):
            names, opts = _operands(call[3:])
            ns = opts.get("--namespace", opts.get("-n", ""))
            out.extend(Target(f"delete-{call[2]}", ns, n) for n in names)
        elif head == ("kubectl", "patch", "pv"):
            names, _ = _operands(call[3:])
            out.extend(Target("patch-pv", "", n) for n in names)
        elif head == ("kostack", "release", "reinstall"):
            names, opts = _operands(call[3:])
            ns = opts.get("--namespace", opts.get("-n", ""))
            out.extend(Target("reinstall", ns, n) for n in names)
    return out
