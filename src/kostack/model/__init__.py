"""The snapshot model: plain, immutable, versioned data. Imports nothing of ours."""

from kostack.model.load import (
    SnapshotFormatError,
    dump_snapshot,
    load_snapshot,
    loads_snapshot,
    parse_snapshot,
)
from kostack.model.snapshot import SCHEMA_VERSION, Snapshot

__all__ = [
    "SCHEMA_VERSION",
    "Snapshot",
    "SnapshotFormatError",
    "dump_snapshot",
    "load_snapshot",
    "loads_snapshot",
    "parse_snapshot",
]
