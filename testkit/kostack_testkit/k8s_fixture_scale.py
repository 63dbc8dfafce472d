"""Fixture additions for size: many workload pods, and node NIC MAC annotations.

Used with `k8s_fixtures` builders through their `extra` argument, e.g.
``seed_cluster(nodes=nodes, extra=workload_pods(nodes, 1100))``. Every object
is shaped like the others (`pod_object`), so it validates against the
Kubernetes 1.33 schemas.
"""

from __future__ import annotations

from collections.abc import Sequence

from kostack_lab.kube_objects import JsonObject, namespace_object
from kostack_testkit.k8s_fixture_objects import NodeSpec, container_spec, pod_object

# First pod-range offset used for workload pods: below it sit CoreDNS (2),
# calico-kube-controllers (3) and netshoot (7) in the standard fixtures.
FIRST_OFFSET = 20
# The last usable offset in a /24 pod range (255 is its broadcast address).
LAST_OFFSET = 254


def workload_pods(
    nodes: Sequence[NodeSpec], count: int, *, namespace: str = "load"
) -> list[JsonObject]:
    """`count` running pods in `namespace` (created too), spread round-robin over `nodes`.

    Each pod takes the next free address of its node's pod range from
    FIRST_OFFSET up, so a /24 range holds at most 235 of them per node.
    """
    per_node = -(-count // len(nodes)) if nodes else 0
    if per_node > LAST_OFFSET - FIRST_OFFSET + 1:
        raise ValueError(f"{count} pods do not fit in the pod ranges of {len(nodes)} nodes")
    objects: list[JsonObject] = [namespace_object(namespace, created=200.0)]
    container = container_spec("app", "registry.k8s.io/pause:3.10")
    for index in range(count):
        node = nodes[index % len(nodes)]
        offset = FIRST_OFFSET + index // len(nodes)
        objects.append(
            pod_object(
                namespace,
                f"load-{index:05d}",
                node,
                node.pod_ip(offset),
                [container],
                labels={"app": "load"},
                created=200.0,
            )
        )
    return objects


def with_node_annotations(
    objects: Sequence[JsonObject], annotations: dict[str, dict[str, str]]
) -> list[JsonObject]:
    """`objects` with extra annotations on the named nodes (copies; the input is untouched)."""
    out: list[JsonObject] = []
    for obj in objects:
        extra = annotations.get(obj["metadata"]["name"]) if obj.get("kind") == "Node" else None
        if extra:
            metadata = {**obj["metadata"]}
            metadata["annotations"] = {**(metadata.get("annotations") or {}), **extra}
            obj = {**obj, "metadata": metadata}
        out.append(obj)
    return out
