"""A list of nodes as a finding or a hop names it: "node a", "nodes a, b", "nodes a, b, c, d
and 3 more", or "all N nodes" (checks/_facts.py and the engine's ping story share it)."""

from __future__ import annotations

from collections.abc import Sequence

from kostack.analyze.messages import Msg, register

register(
    {
        "nodes.one": {"en": "node {names}", "ko": "노드 {names}"},
        "nodes.many": {"en": "nodes {names}", "ko": "노드 {names}"},
        "nodes.more": {
            "en": "nodes {names} and {more} more",
            "ko": "노드 {names} 외 {more}대",
        },
        "nodes.all": {"en": "all {n} nodes", "ko": "노드 {n}대 전체"},
    }
)

NAMES_SHOWN = 4


def nodes_label(names: Sequence[str], total: int | None = None) -> str:
    """ "node a", "nodes a, b", "nodes a, b, c, d and 3 more", or "all N nodes"."""
    if total is not None and len(names) == total and total > NAMES_SHOWN:
        return Msg("nodes.all", n=total)
    shown = ", ".join(names[:NAMES_SHOWN])
    if len(names) == 1:
        return Msg("nodes.one", names=shown)
    if len(names) > NAMES_SHOWN:
        return Msg("nodes.more", names=shown, more=len(names) - NAMES_SHOWN)
    return Msg("nodes.many", names=shown)
