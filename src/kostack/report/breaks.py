"""What a root cause's symptoms break, one line per kind of flow (the text output and the report)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from kostack.analyze.diagnose import Diagnosis
from kostack.analyze.findings import Finding
from kostack.analyze.summary import dns_cluster_ips
from kostack.analyze.topology import Topology

T = TypeVar("T")
BySymptom = Mapping[str, list[Finding]]


def breaks_lines(
    d: Diagnosis,
    topo: Topology,
    by_check: BySymptom,
    lang: str,
    line: Callable[..., T],
    count_nodes: Callable[[list[Finding]], int],
    lb: Callable[[BySymptom, str], list[T]],
) -> list[T]:
    """DNS, the API service, pod to pod, egress, then the load balancers' lines (``lb``).

    ``line(lang, key, **params)`` words one (plain text or the report's markup);
    ``count_nodes`` says how many nodes a symptom's findings hit.
    """
    total = len(topo.node_views)
    out: list[T] = []
    if "net-dns" in by_check:
        ip = dns_cluster_ips(topo, by_check["net-dns"])
        n = count_nodes(by_check["net-dns"])
        out.append(line(lang, "breaks_dns", ip=ip or "?", n=n, total=total))
    if "net-api-service" in by_check:
        api = topo.services.get(("default", "kubernetes"))
        n = count_nodes(by_check["net-api-service"])
        out.append(line(lang, "breaks_api", ip=api.cluster_ip if api else "?", n=n, total=total))
    if "net-pod-to-pod" in by_check:
        n = sum(dict(f.counts).get("node_pairs", 0) for f in by_check["net-pod-to-pod"])
        out.append(line(lang, "breaks_p2p", n=n, total=d.node_pairs))
    if "net-pod-egress" in by_check:
        n = count_nodes(by_check["net-pod-egress"])
        out.append(line(lang, "breaks_egress", n=n, total=total))
    out.extend(lb(by_check, lang))
    return out
