"""Benchmark: the memory reading Helm releases takes, as their history grows.

A cluster's release Secrets hold every revision Helm keeps (ten by default),
each with the whole chart: templates and files, often most of the release.
kostack reads the history line of every revision but the manifest and values
of the newest only, so what reading costs should grow with the releases, not
with their revisions. Measured with tracemalloc: the peak of new allocations
while 20 releases are read from an in-memory listing, with 1 revision each
and with 10 (each revision carrying 200 KB of chart templates, as YAML text
compresses). The last line is::

    helm-memory: releases=20 revisions=10 peak_one_mb=.. peak_ten_mb=.. ratio=..

Target: ratio (10 revisions / 1) at most 2. Exit status 0 when it holds.
Run: .venv/bin/python benchmarks/helm_memory.py
"""

from __future__ import annotations

import base64
import copy
import sys
import tracemalloc
from typing import Any

import kostack_testkit.helm_fixtures as hf
from kostack.collect.helm import Scrubber
from kostack.collect.helm import _releases as read_releases
from kostack_testkit.helm_fixture_storage import at, decode_release_data, release_secret

RELEASES = 20
TARGET_RATIO = 2.0


def _template(index: int) -> dict[str, str]:
    lines = "".join(
        f"  key{n}: {{{{ .Values.part{index}.value{n} | quote }}}}\n" for n in range(5000)
    )
    text = f"apiVersion: v1\nkind: ConfigMap\ndata:\n{lines}"
    return {"name": f"templates/part{index}.yaml", "data": base64.b64encode(text.encode()).decode()}


def _listing(revisions: int) -> list[dict[str, Any]]:
    objects = hf.postgresql_release("pg", "db").objects
    secret = next(o for o in objects if o.get("type") == "helm.sh/release.v1")
    record = decode_release_data(base64.b64decode(secret["data"]["release"]).decode())
    record["chart"]["templates"] = [_template(i) for i in range(2)]
    items = []
    for release in range(RELEASES):
        for revision in range(1, revisions + 1):
            copied = copy.deepcopy(record)
            copied.update(name=f"pg{release}", version=revision)
            items.append(release_secret(copied, created=at(revision)))
    return items


def peak_mb(revisions: int) -> float:
    items = _listing(revisions)
    tracemalloc.start()
    got = read_releases(lambda *a, **k: items if a[1] == "secrets" else [], Scrubber(), [])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert got is not None and len(got) == RELEASES
    return peak / 1e6


def main() -> int:
    one, ten = peak_mb(1), peak_mb(10)
    ratio = ten / one
    print(
        f"helm-memory: releases={RELEASES} revisions=10 peak_one_mb={one:.1f} "
        f"peak_ten_mb={ten:.1f} ratio={ratio:.2f}"
    )
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
