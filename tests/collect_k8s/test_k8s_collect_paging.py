"""Lists are paged (limit/continue) and the number of requests does not grow with nodes."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs

import pytest
from k8s_collect_served import Served, ServeFn

from kostack.collect import _kube_reader
from kostack_testkit import k8s_fixtures as fx
from kostack_testkit.k8s_fixture_scale import workload_pods


def first_pages(served: Served) -> list[str]:
    """Requests that start a read (continuation pages left out), path and selectors only."""
    out = []
    for record in served.api.requests:
        query = parse_qs(record.query)
        if "continue" in query:
            continue
        out.append(f"{record.method} {record.path} {sorted(query.items())}")
    return out


def continuations(served: Served, path: str) -> int:
    return sum(1 for r in served.api.requests if r.path == path and "continue" in parse_qs(r.query))


def test_small_pages_give_the_same_cluster(serve: ServeFn) -> None:
    served = serve(fx.seed_cluster())
    whole = served.collect()
    served.api.reset_requests()
    paged = served.collect(page_size=3)
    assert paged.cluster == whole.cluster and paged.gaps == ()
    # 17 pods in pages of 3: the first page and 5 continuations.
    assert continuations(served, "/api/v1/pods") == 5
    assert continuations(served, "/api/v1/nodes") == 1  # 4 nodes
    limits = {parse_qs(r.query).get("limit", [""])[0] for r in served.api.requests if r.query}
    assert limits <= {"3", ""}


def test_more_pods_than_one_page(serve: ServeFn) -> None:
    nodes = fx.make_nodes(workers=7)
    served = serve(fx.seed_cluster(nodes=nodes, extra=workload_pods(nodes, 1100)))
    collection = served.collect()
    pods = collection.cluster.pods or ()
    load = [p for p in pods if p.namespace == "load"]
    assert len(load) == 1100
    assert len({(p.namespace, p.name) for p in pods}) == len(pods)
    assert continuations(served, "/api/v1/pods") == 2  # 1100 + 29 pods in pages of 500
    assert collection.gaps == ()


def test_requests_do_not_grow_with_the_node_count(serve: ServeFn) -> None:
    small = serve(fx.seed_cluster())
    small_collection = small.collect()
    subnet = "10.64.0.0/10"
    nodes = fx.make_nodes(workers=299, pod_subnet=subnet)
    large = serve(fx.seed_cluster(nodes=nodes, pod_subnet=subnet))
    large_collection = large.collect()
    assert len(large_collection.cluster.nodes or ()) == 300
    assert len(large_collection.nodes_raw) == 300
    assert large_collection.gaps == ()
    # The same reads, in the same order; only longer lists take more pages.
    assert first_pages(large) == first_pages(small)
    extra_pages = len(large.api.requests) - len(first_pages(large))
    # 300 nodes: 1 page; 600+ pods (kube-proxy and calico-node on each node): 2; 300 blocks: 1.
    assert extra_pages == continuations(large, "/api/v1/pods") == 1
    # (one of them: the list of Services of type LoadBalancer, none in this cluster)
    assert small_collection.api_requests == 17
    assert large_collection.api_requests == 18


def test_an_expired_continue_token_reads_on_and_the_gap_says_so(serve: ServeFn) -> None:
    """410 Gone on a later page: go on with the server's new token, never read a page twice."""
    served = serve(fx.seed_cluster())
    whole = served.collect()
    served.api.reset_requests()
    served.api.inject_fault("", "pods", status=410, verbs=["list"], continued=True, times=1)
    paged = served.collect(page_size=3)
    assert paged.cluster.pods == whole.cluster.pods  # complete, no page twice
    pages = [r for r in served.api.requests if r.path == "/api/v1/pods"]
    assert [r.status for r in pages].count(410) == 1
    assert len(pages) == 1 + 5 + 1  # first page, 5 continuations, the refused one
    renewed = parse_qs(pages[pages.index(next(r for r in pages if r.status == 410)) + 1].query)
    assert json.loads(base64.urlsafe_b64decode(renewed["continue"][0]))["rv"] == -1
    (gap,) = paged.gaps
    assert gap.source == "cluster.pods"
    assert gap.error.startswith("GET /api/v1/pods: the list's continue token expired (410 Gone)")
    assert "may be missing or newer" in gap.error


def test_a_410_without_a_token_to_go_on_is_a_gap(serve: ServeFn) -> None:
    served = serve(fx.seed_cluster())
    served.api.inject_fault("", "pods", status=410, verbs=["list"], continued=False)
    collection = served.collect(page_size=3)
    assert collection.cluster.pods is None
    gap = next(g for g in collection.gaps if g.source == "cluster.pods")
    assert gap.error.startswith("GET /api/v1/pods: 410 Gone")


def test_a_list_that_keeps_expiring_gives_up(serve: ServeFn) -> None:
    served = serve(fx.seed_cluster())
    served.api.inject_fault("", "pods", status=410, verbs=["list"], continued=True)
    collection = served.collect(page_size=3)
    assert collection.cluster.pods is None
    gap = next(g for g in collection.gaps if g.source == "cluster.pods")
    assert "410 Gone: The provided continue parameter is too old" in gap.error
    refused = [r for r in served.api.requests if r.path == "/api/v1/pods" and r.status == 410]
    assert len(refused) == 4  # three renewed tokens followed, the fourth refusal ends it


def test_a_server_that_ignores_the_continue_token_is_a_gap_not_an_endless_list(
    serve: ServeFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy that drops `continue` gives the first page, and its token, again and again."""
    served = serve(fx.seed_cluster())
    real_call = _kube_reader.Reader.call

    def dropping(self: Any, request: str, method: Any, *args: Any, **kwargs: Any) -> Any:
        if request.startswith("GET /api/v1/pods"):
            kwargs.pop("_continue", None)
        return real_call(self, request, method, *args, **kwargs)

    monkeypatch.setattr(_kube_reader.Reader, "call", dropping)
    collection = served.collect(page_size=3)
    gap = next(g for g in collection.gaps if "/api/v1/pods" in g.error)
    assert "a continue token it had given before" in gap.error
    assert len([r for r in served.api.requests if r.path == "/api/v1/pods"]) == 2
    assert collection.cluster.nodes and len(collection.cluster.nodes) == 4
