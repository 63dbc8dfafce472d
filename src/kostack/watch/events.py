"""Kubernetes Events on transitions: on the affected Nodes and on kostack's own Deployment.

What becomes an Event (`events_for`):

- a root cause detected / cleared: a Warning / Normal Event on each affected
  Node (at most ``max_nodes`` of them per transition) and one on the
  Deployment naming how many nodes are affected;
- the verdict changing, a source going down (at the first cycle too) or
  coming back: one Event on the Deployment.

The Event body, the rate limit (a token bucket shared by every Event) and
the sink are `kostack.serve.events`, shared with `kostack guard`.
Event messages are in the watch's language (``--lang``, docs/watch.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from kostack.analyze.diagnose import root_cause_title
from kostack.serve.events import EventSpec, KubeEventSink, RateLimiter, Workload
from kostack.watch.history import Transition
from kostack.watch.messages import say, severity_name, verdict_name

__all__ = ["EventSpec", "KubeEventSink", "RateLimiter", "Workload", "events_for"]

COMPONENT = "kostack-watch"


def events_for(
    transitions: Iterable[Transition],
    lang: str,
    *,
    workload: Workload | None,
    max_nodes: int = 20,
) -> list[EventSpec]:
    """The Events the transitions of one cycle call for (first sightings included)."""
    out: list[EventSpec] = []

    def on_workload(reason: str, kind: str, message: str) -> None:
        if workload is not None:
            out.append(EventSpec.on_workload(workload, reason, kind, message))

    for t in transitions:
        if t.kind == "root-cause":
            params = {
                "title": root_cause_title(t.key, lang),
                "severity": severity_name(lang, t.severity),
                "check": t.check_id,
                "nodes": t.node_count,
            }
            present = t.after == "present"
            reason = "RootCauseDetected" if present else "RootCauseCleared"
            kind = "Warning" if present else "Normal"
            appeared = "event.appeared" if t.node_count else "event.appeared.none"
            text = say(lang, appeared if present else "event.cleared", **params)
            on_workload(reason, kind, text)
            node_text = say(lang, "event.appeared.node" if present else "event.cleared", **params)
            for node in t.nodes[:max_nodes]:
                out.append(EventSpec.on_node(node, reason, kind, node_text))
        elif t.kind == "verdict":
            text = say(
                lang,
                "event.verdict.first" if t.before == "unknown" else "event.verdict",
                before=verdict_name(lang, t.before),
                after=verdict_name(lang, t.after),
            )
            on_workload("VerdictChanged", "Normal" if t.after == "healthy" else "Warning", text)
        elif t.kind == "source" and not (t.before == "unknown" and t.after == "up"):
            # a source down at the first sight is said (a watch started during an outage),
            # so the SourceUp that follows has its SourceDown; up at the first sight is not news
            down = t.after == "down"
            text = say(lang, "event.source.down" if down else "event.source.up", source=t.key)
            on_workload("SourceDown" if down else "SourceUp", "Warning" if down else "Normal", text)
    return out
