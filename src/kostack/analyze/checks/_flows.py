"""Shared logic of the service flow checks (DNS, the API service): pods on every node -> a service."""

from __future__ import annotations

from typing import Any

from kostack.analyze.checks._facts import FactView, evidence_of, flow_line, hop_text, nodes_label
from kostack.analyze.checks._native_routes import EXTRA, Unrouted, native_routes, with_why
from kostack.analyze.checks.base import CheckContext, Says
from kostack.analyze.engine.family_records import FamilyResult
from kostack.analyze.engine.types import Hop
from kostack.analyze.findings import Finding, Resource, Status
from kostack.analyze.messages import Msg
from kostack.analyze.proxy_classes import TracedClass
from kostack.model.snapshot import IPAddress, Service


def service_findings(
    ctx: CheckContext,
    say: Says,
    svc: Service | None,
    checks: tuple[tuple[str, int], ...],
    service: Resource,
    **pass_params: object,
) -> list[Finding]:
    """Findings for pods on every node -> ``svc`` on each (protocol, port) of ``checks``.

    Messages `<say.check_id>.fail|.unknown|.pass|.no-service`; fail/unknown get
    {what, nodes, n, total, lost, why}.
    """
    if svc is None or svc.cluster_ip is None:
        return [say.cluster(ctx, Status.UNKNOWN, Msg(f"{say.check_id}.no-service"))]
    out: list[Finding] = []
    # the primary ClusterIP, then each other family's (a dual-stack Service: its pods of that
    # family reach it, and kube-proxy DNATs it to that family's endpoints)
    others = ctx.flows.service_families(svc)
    for protocol, port, cluster_ip in [
        *((p, n, None) for p, n in checks),
        *((p, n, a) for a in others for p, n in checks),
    ]:
        what = f"{svc.name}:{port}/{protocol}"
        if cluster_ip is not None:
            what = f"{svc.name} [{cluster_ip}]:{port}/{protocol}"
        traced, family = ctx.flows.service_flows(svc, protocol, port, cluster_ip)
        for t in traced:
            # with an evaluated family, the classes it covers are judged per endpoint there
            if family is None or not t.translated:
                out.extend(_class_finding(ctx, say, svc, service, what, t, len(traced) > 1))
        if family is not None:
            out.extend(_endpoint_findings(ctx, say, service, what, family, cluster_ip))
    return out or [say.finding(Status.PASS, service, Msg(f"{say.check_id}.pass", **pass_params))]


def _class_finding(
    ctx: CheckContext,
    say: Says,
    svc: Service,
    service: Resource,
    what: str,
    t: TracedClass,
    some: bool,
) -> list[Finding]:
    """The finding of one class of source pods stopped before any endpoint (the ClusterIP hop,
    mostly): FAIL where it is denied, UNKNOWN where undecided, from the pods of that class
    (``some``: the classes are several, so it names the class and its nodes, "N of M")."""
    blocking = next((r.blocking for r in t.results if r.blocking is not None), None)
    if blocking is None:
        return []
    status = Status.UNKNOWN if blocking.disposition.value == "unknown" else Status.FAIL
    every = sorted(ctx.topo.node_views)
    names = sorted(t.cls.nodes) if some else every
    nodes = nodes_label(names, len(every))
    if some:
        nodes = Msg("pcls.scope", nodes=nodes, m=len(names), total=len(every), which=t.cls.label)
    n = len(svc.endpoints or ())
    params = {"what": what, "nodes": nodes, "n": n, "total": n, "lost": "-"}
    scope: dict[str, Any] = {"nodes": tuple(names)} if some else {}
    return [
        _broken(
            say,
            service,
            status,
            blocking,
            params,
            flows=tuple(flow_line(r) for r in t.results[:3]),
            cause=blocking.cause,
            key=(what, blocking.step, blocking.cause, *((repr(t.cls.key),) if some else ())),
            # blocked before any endpoint: from pods on the class's nodes (the report counts them)
            extra={"sources": tuple(names)} | ({"proxy_class": t.cls.label} if some else {}),
            **scope,
        )
    ]


def _broken(
    say: Says,
    service: Resource,
    status: Status,
    hop: Hop,
    params: dict[str, object],
    unrouted: Unrouted | None = None,
    **fields: Any,
) -> Finding:
    """``unrouted``: why kostack plans no route for some of it (`with_why`)."""
    kind = "unknown" if status == Status.UNKNOWN else "fail"
    said = Msg(f"{say.check_id}.{kind}", **params, why=hop_text(hop))
    message = with_why(said, unrouted or Unrouted())
    return say.finding(status, service, message, evidence_of(hop), **fields)


def _endpoint_findings(
    ctx: CheckContext,
    say: Says,
    service: Resource,
    what: str,
    family: FamilyResult,
    cluster_ip: IPAddress | None,
) -> list[Finding]:
    """One finding per fact of the service's per-endpoint flows (the proxy passed them)."""
    out: list[Finding] = []
    total = len({e.ip for c in family.targets for e in c.members})
    for fact in family.facts[ctx.world]:
        fv = FactView(ctx, family, fact)
        sources = sorted({e.name for e in fv.sources})
        lost = sorted({f"{e.endpoint.label} @ {e.name}" for e in fv.targets})
        params = {
            "what": what,
            "nodes": nodes_label(sources, len(ctx.topo.node_views)),
            "n": len(lost),
            "total": total,
            "lost": ", ".join(lost),
        }
        routes, unrouted = native_routes(fv)  # unencapsulated across subnets: the router's routes
        out.append(
            _broken(
                say,
                service,
                fv.status,
                fv.hop,
                params,
                unrouted,
                remedies=routes,
                flows=fv.flows(),
                cause=fv.cause,
                affected=fv.affected(),
                counts=(
                    ("endpoints_failed", len(lost)),
                    ("endpoints", total),
                    ("nodes", len(sources)),
                    ("flows", fact.pairs),
                ),
                nodes=tuple(fv.side_names()),
                key=(what, *fv.key()),
                # another family's ClusterIP says which one fails (reports name it)
                extra={"sources": tuple(sources), EXTRA: unrouted}
                | ({"cluster_ip": str(cluster_ip)} if cluster_ip is not None else {}),
            )
        )
    return out
