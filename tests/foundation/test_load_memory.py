"""Reading a snapshot of an older schema version costs no more memory than a current one.

`upgrade` copied the whole decoded document (a JSON round trip) so the caller's dict stayed as
it was; `loads_snapshot` decoded that dict itself, for nothing else, so the copy was a second
document alive beside the first while it was validated: the peak of reading a version-2
snapshot (benchmarks/diagnose_scale.py reads one: rss_mb). Memory is counted with
tracemalloc (allocation sizes, not time).
"""

from __future__ import annotations

import copy
import json
import tracemalloc
from collections.abc import Callable

from kostack.model import SCHEMA_VERSION, loads_snapshot, parse_snapshot
from kostack.model.load import upgrade
from kostack_testkit.builders import synthetic_doc


def _peak(read: Callable[[], object]) -> int:
    """The most memory Python held while ``read`` ran, above what it held before."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        read()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def test_reading_an_old_version_makes_no_second_copy_of_the_document() -> None:
    doc = synthetic_doc(300, groups=3, rules=6, pods_per_node=10)
    assert doc["schema_version"] == SCHEMA_VERSION - 1
    old_text = json.dumps(doc)
    current_text = json.dumps(upgrade(doc))
    old, current = loads_snapshot(old_text), loads_snapshot(current_text)
    assert old == current  # the same snapshot either way
    assert _peak(lambda: loads_snapshot(old_text)) < 1.1 * _peak(
        lambda: loads_snapshot(current_text)
    )


def test_a_document_the_caller_gave_is_left_as_it_was() -> None:
    doc = synthetic_doc(5, groups=3, rules=6, pods_per_node=2)
    kept = copy.deepcopy(doc)
    parse_snapshot(doc)
    assert doc == kept and doc["schema_version"] == SCHEMA_VERSION - 1
