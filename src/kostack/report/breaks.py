"""What a root cause's symptoms break, one line per kind of flow (the text output and the report)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from kostack.analyze.diagnose import Diagnosis, RootCause
from kostack.analyze.findings import Finding
from kostack.analyze.merge import PATH_CHECKS
from kostack.analyze.messages import Msg
from kostack.analyze.summary import dns_cluster_ips
from kostack.analyze.topology import Topology

T = TypeVar("T")
BySymptom = Mapping[str, list[Finding]]


def source_nodes(findings: list[Finding]) -> int:
    """Source nodes a symptom hits (service flows say which; else the affected ports)."""
    if all("sources" in f.extra for f in findings):
        return len({n for f in findings for n in f.extra["sources"]})
    return len({r.id for f in findings for r in f.affected})


def unsaid_symptoms(rc: RootCause) -> tuple[Finding, ...]:
    """The symptoms "Breaks:" lists: a cause with no finding of its own is led by its first
    symptom, whose message the cause says already; unless a critical path's (said in its own
    words, "DNS from 3 of 4 nodes"), it is not said again."""
    if rc.findings or not rc.symptoms or rc.symptoms[0].check_id in PATH_CHECKS:
        return rc.symptoms
    return rc.symptoms[1:]


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
        out.append(_pod_to_pod(d, topo, by_check["net-pod-to-pod"], lang, line))
    if "net-pod-egress" in by_check:
        n = count_nodes(by_check["net-pod-egress"])
        out.append(line(lang, "breaks_egress", n=n, total=total))
    out.extend(lb(by_check, lang))
    return out


def _pod_to_pod(
    d: Diagnosis, topo: Topology, found: list[Finding], lang: str, line: Callable[..., T]
) -> T:
    """The node pairs pod-to-pod fails on, counted per address family (a dual-stack cluster's
    IPv6 findings say "IPv6: ..."), the most of any family; the family is named when not
    every family of a dual-stack cluster fails."""
    pairs: dict[str, int] = {}
    pod_pairs: dict[str, tuple[int, int]] = {}  # several Calico pools: per family, of its total
    for f in found:
        msg, counts = f.message, dict(f.counts)
        family = str(msg.params.get("family", "")) if isinstance(msg, Msg) else ""
        pairs[family] = pairs.get(family, 0) + counts.get("node_pairs", 0)
        if "pod_pairs" in counts:
            n = pod_pairs.get(family, (0, 0))[0] + counts["pod_pairs"]
            pod_pairs[family] = (n, counts["pod_pairs_total"])
    if pod_pairs:  # a pod per node and pool (net-pod-to-pod); the family that fails most
        n, total = max(pod_pairs.values())
        return line(lang, "breaks_p2p_pools", n=n, total=total)
    n = max(pairs.values(), default=0)
    versions = [c.version for c in topo.pod_cidrs or ()]
    if len(set(versions)) < 2 or len(pairs) > 1:
        return line(lang, "breaks_p2p", n=n, total=d.node_pairs)
    (family,) = pairs
    named = family or f"IPv{versions[0]}"
    return line(lang, "breaks_p2p_family", family=named, n=n, total=d.node_pairs)
