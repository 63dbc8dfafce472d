"""Helpers for the Kubernetes collector tests: a served cluster and collection against it.

(A module of its own, not conftest: `from conftest import ...` picks up whichever
tests directory's conftest was imported first when the whole suite runs.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kostack.collect.kubernetes import KubeCollection, collect_kubernetes
from kostack.lab.kubeapi import KubeApiDouble


@dataclass
class Served:
    """A running double and a kubeconfig (mode 0600, bearer token) pointing at it."""

    api: KubeApiDouble
    kubeconfig: Path

    def collect(self, **options: Any) -> KubeCollection:
        options.setdefault("environ", {})
        return collect_kubernetes(str(self.kubeconfig), options.pop("context", None), **options)

    def requests(self, **match: str) -> list[str]:
        """Answered requests as "METHOD path?query status", optionally filtered by fields."""
        return [
            f"{r.method} {r.path}{'?' + r.query if r.query else ''} {r.status}"
            for r in self.api.requests
            if all(getattr(r, k) == v for k, v in match.items())
        ]


ServeFn = Callable[..., Served]
