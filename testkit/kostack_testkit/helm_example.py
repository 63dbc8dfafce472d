"""The Helm state of the bundled example `harbor-wrong-namespace`, read as kostack reads it.

The seed's Helm scenario (helm_fixtures.harbor_seed: Harbor installed twice
without -n into `default`, its stale PVCs bound again, core and jobservice
crash-looping, then the newer attempt in `harbor` failing on the network) is
served by the Kubernetes API double and collected by kostack's own Helm
collector, so the example holds exactly what `kostack collect` would write
for that cluster (values redacted; no secret in it).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

__all__ = ["seed_helm_doc"]


def seed_helm_doc() -> dict[str, Any]:
    """The snapshot's `helm` section for the seed's Harbor story (JSON-shaped)."""
    from kostack.collect.helm import collect_helm, load_client
    from kostack_testkit import helm_fixtures
    from kostack_testkit.k8s_fixtures import seed_cluster
    from kostack_testkit.kubeapi import KubeApiDouble

    scenario = helm_fixtures.harbor_seed()
    with (
        tempfile.TemporaryDirectory(prefix="kostack-example-") as tmp,
        KubeApiDouble(seed_cluster(extra=scenario.objects)) as api,
    ):
        scenario.set_logs(api)
        kubeconfig = api.write_kubeconfig(Path(tmp) / "kubeconfig")
        client, context_namespace = load_client(str(kubeconfig), api.context_name)
        try:
            collected = collect_helm(client, context_namespace=context_namespace)
        finally:
            client.close()
    if collected.gaps:
        raise AssertionError(f"the example's Helm state is incomplete: {collected.gaps}")
    state: dict[str, Any] = collected.state.model_dump(mode="json", exclude_defaults=True)
    return state
