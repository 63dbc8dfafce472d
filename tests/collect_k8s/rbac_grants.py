"""Whether every request the collector made is one the shipped roles grant.

The roles that run `kostack collect`'s Kubernetes reads unattended: the watch's ClusterRole
(deploy/base/rbac.yaml), guard's (deploy/guard/rbac.yaml), and the read-only ClusterRole that
docs/collect.md gives users. A read the collector makes that one of them does not grant is a
403 in that deployment: the fields that need it become gaps, and the checks that need them
UNKNOWN, on every cluster. `conftest.serve` asks this after every collector test, so a new read
fails its own test until each role (and the docs) grants it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from kostack.collect._kube_api import USER_AGENT
from kostack_testkit.kubeapi import RequestRecord

ROOT = Path(__file__).resolve().parents[2]
ROLE_FILES = {
    "deploy/base/rbac.yaml": "kostack-watch",
    "deploy/guard/rbac.yaml": "kostack-guard",
}
DOC = "docs/collect.md"


def _role_in(path: str, name: str) -> list[Mapping[str, Any]]:
    for doc in yaml.safe_load_all((ROOT / path).read_text()):
        if doc and doc.get("kind") == "ClusterRole" and doc["metadata"]["name"] == name:
            return list(doc["rules"])
    raise AssertionError(f"{path} has no ClusterRole {name}")


def _doc_role() -> list[Mapping[str, Any]]:
    text = (ROOT / DOC).read_text()
    for block in re.findall(r"```yaml\n(.*?)```", text, flags=re.S):
        doc = yaml.safe_load(block)
        if isinstance(doc, dict) and doc.get("kind") == "ClusterRole":
            return list(doc["rules"])
    raise AssertionError(f"{DOC} shows no ClusterRole")


@cache
def roles() -> dict[str, tuple[Mapping[str, Any], ...]]:
    """Each role's rules, by where it is written."""
    out = {path: tuple(_role_in(path, name)) for path, name in ROLE_FILES.items()}
    out[DOC] = tuple(_doc_role())
    return out


def granted(rules: Iterable[Mapping[str, Any]], r: RequestRecord) -> bool:
    """Kubernetes RBAC for one resource request under a ClusterRole bound cluster-wide: a rule
    grants it when its apiGroups, resources and verbs each hold the request's (or "*"), and
    its resourceNames, if any, hold the name (a list or watch never matches resourceNames)."""
    resource = f"{r.resource}/{r.subresource}" if r.subresource else r.resource
    for rule in rules:
        if not {r.group, "*"} & set(rule.get("apiGroups", ())):
            continue
        if not {resource, "*"} & set(rule.get("resources", ())):
            continue
        if not {r.verb, "*"} & set(rule.get("verbs", ())):
            continue
        names = rule.get("resourceNames")
        if names and (r.verb in ("list", "watch") or r.name not in names):
            continue
        return True
    return False


# Antrea v1.6 and older named its ConfigMap `antrea-config-<hash>` (docs/facts.md "Antrea"):
# a role that grants ConfigMaps by name cannot name it in advance; the read is then a gap
# (docs/collect.md, after its ClusterRole).
_UNNAMEABLE = re.compile(r"antrea-config-[a-z0-9]+")
# OCCM's cloud.conf holds the cloud's credentials: no shipped role grants it, on purpose (the
# value is a gap there; docs/collect.md says how to grant it). `test_no_role_reads_credentials`
# proves none does.
UNGRANTED_ON_PURPOSE = {("get", "", "secrets", "cloud-config")}


def ungranted(requests: Iterable[RequestRecord]) -> list[str]:
    """Every (role, request) the role does not grant, as "role: verb group/resource name"."""
    out = []
    seen = set()
    for r in requests:
        if not r.resource:  # a non-resource URL (/version, discovery): every user may
            continue
        if not r.user_agent.startswith(USER_AGENT):  # the test's own request, not collect's
            continue
        if r.resource == "configmaps" and _UNNAMEABLE.fullmatch(r.name):
            continue
        if (r.verb, r.group, r.resource, r.name) in UNGRANTED_ON_PURPOSE:
            continue
        key = (r.verb, r.group, r.resource, r.subresource, r.name if r.verb == "get" else "")
        if key in seen:
            continue
        seen.add(key)
        for where, rules in roles().items():
            if not granted(rules, r):
                what = f"{r.group or 'core'}/{r.resource}" + (
                    f"/{r.subresource}" if r.subresource else ""
                )
                out.append(f"{where}: {r.verb} {what} {r.name}".rstrip())
    return sorted(set(out))
