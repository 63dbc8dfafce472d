"""Hostile or corrupted Helm release storage: one gap each, the rest read, memory bounded."""

from __future__ import annotations

import base64
import gzip
import json
import time
import tracemalloc
from typing import Any

from release_testing import Served

from kostack.collect.helm import HelmCollection
from kostack.gap_words import gap_error
from kostack_testkit import helm_fixtures as hf


def _stored(served: Served, name: str, release_json: bytes) -> None:
    """A release Secret named after ``name`` whose data is ``release_json``, gzipped as Helm does."""
    record = hf.release_record(
        name=name,
        namespace="default",
        revision=1,
        status="deployed",
        chart=hf.POSTGRESQL_CHART,
        default_values={},
        values={},
        manifest="",
        first_deployed=hf.at(100),
        last_deployed=hf.at(100),
        description="Install complete",
    )
    secret = hf.release_secret(record, created=hf.at(100))
    helm = base64.b64encode(gzip.compress(release_json, compresslevel=9))
    secret["data"]["release"] = base64.b64encode(helm).decode()
    served.api.add(secret)


def _release(name: str, **fields: Any) -> bytes:
    record = {"name": name, "namespace": "default", "version": 1, "info": {"status": "deployed"}}
    return json.dumps({**record, **fields}).encode()


def _gap_names(collection: HelmCollection, lang: str = "en") -> str:
    return " | ".join(gap_error(g, lang) for g in collection.gaps if g.source == "helm.releases")


def test_a_gzip_bomb_is_not_inflated_and_the_other_releases_are_read(served: Served) -> None:
    bomb = _release("bomb", config={"pad": "0" * (40 << 20)})  # 40 MiB: 40 KB gzipped
    _stored(served, "bomb", bomb)
    tracemalloc.start()
    try:
        collection = served.collect()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    names = {r.name for r in collection.state.releases or ()}
    assert "bomb" not in names and "harbor" in names
    assert "larger than 32 MiB once decompressed" in _gap_names(collection)
    assert peak < 110 << 20, peak  # the 32 MiB read, twice at most, and the double


def test_deep_or_misshapen_release_json_is_a_gap_not_a_crash(served: Served) -> None:
    depth = 100_000
    _stored(served, "deep", b'{"name":"deep","x":' + b"[" * depth + b"]" * depth + b"}")
    _stored(served, "version", _release("version", version="two"))
    _stored(served, "info", _release("info", info="deployed"))
    _stored(served, "chart", _release("chart", chart="postgresql"))
    collection = served.collect()
    names = {r.name for r in collection.state.releases or ()}
    assert names.isdisjoint({"deep", "version", "info", "chart"}) and "harbor" in names
    gaps = _gap_names(collection)
    assert "default/sh.helm.release.v1.deep.v1: cannot decode the release (not JSON" in gaps
    for name in ("version", "info", "chart"):
        assert f"default/{name}: cannot decode the release (not a release kostack can read" in gaps
    # kostack's own words were English in Korean; what the JSON parser said stays quoted
    ko = _gap_names(collection, "ko")
    deep = (
        "default/sh.helm.release.v1.deep.v1: 릴리스를 디코딩할 수 없습니다(JSON 형식이 아닙니다: “"
    )
    assert deep in ko, ko
    for name in ("version", "info", "chart"):
        assert (
            f"default/{name}: 릴리스를 디코딩할 수 없습니다(kostack이 읽을 수 있는 릴리스가 아닙니다: "
            in ko
        )
    assert "not JSON" not in ko and "kostack can read" not in ko


def test_deeply_nested_values_cost_memory_linear_in_their_size(served: Served) -> None:
    """Key paths grow with their depth: 800 levels of 500-character keys once took 160 MB."""
    key, depth = "k" * 500, 800
    config = "".join(f'{{"{key}":' for _ in range(depth)) + '"leaf"' + "}" * depth
    nested = _release("nested").replace(b"{", b'{"config":' + config.encode() + b",", 1)
    _stored(served, "nested", nested)
    tracemalloc.start()
    try:
        collection = served.collect()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (nested,) = [r for r in collection.state.releases or () if r.name == "nested"]
    assert len(nested.values_keys) == 1 and len(nested.values_keys[0]) < 33 * 501
    assert peak < 40 << 20, peak


def test_a_yaml_alias_bomb_in_manifest_labels_is_read_at_once(served: Served) -> None:
    """Nine levels of nine aliases are 9**9 strings once expanded: a label's str() would hang."""
    anchors = ["  a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    anchors += [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    manifest = "\n".join(
        [
            "apiVersion: v1",
            "kind: PersistentVolumeClaim",
            "bombs:",
            *anchors,
            "metadata:",
            "  name: data",
            "  labels: {app: db, bomb: *a8}",
            "spec: {storageClassName: std}",
        ]
    )
    _stored(served, "laughs", _release("laughs", manifest=manifest))
    started = time.monotonic()
    collection = served.collect()
    assert time.monotonic() - started < 30
    (laughs,) = [r for r in collection.state.releases or () if r.name == "laughs"]
    assert [(p.name, p.labels) for p in laughs.manifest_pvcs] == [("data", {"app": "db"})]
