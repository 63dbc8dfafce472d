"""What every lb-* check does alike: it walks the Services of type LoadBalancer, and each of its
findings and by-hand remedies carries the check's id and severity and says the check's own
message ``<id>.<key>``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kostack.analyze.checks._lb import lb_resource, start
from kostack.analyze.checks.base import CheckContext
from kostack.analyze.findings import Finding, Remedy, Resource, Severity, Status
from kostack.analyze.loadbalancer.analysis import LBAnalysis
from kostack.analyze.loadbalancer.index import BalancedService
from kostack.analyze.messages import Msg

# What a check finds for one Service of type LoadBalancer
Judge = Callable[[CheckContext, LBAnalysis, BalancedService], list[Finding]]


@dataclass(frozen=True)
class LBCheck:
    """One lb-* check, by its id and severity (its module's ID and SEVERITY)."""

    check_id: str
    severity: Severity

    def each_service(self, judge: Judge) -> Callable[[CheckContext], list[Finding]]:
        """The check's ``run``: ``judge``'s findings for every Service of type LoadBalancer, one
        Service after the other, or the findings that end the check early (UNKNOWN /
        NOT-APPLICABLE)."""

        def run(ctx: CheckContext) -> list[Finding]:
            analysis, early = start(ctx, self.check_id, self.severity)
            if analysis is None:
                return early
            return [f for bs in analysis.index.services for f in judge(ctx, analysis, bs)]

        return run

    def not_applicable(self, bs: BalancedService, **params: object) -> Finding:
        """NOT-APPLICABLE for the Service: the check's `.na` message, with svc= and ``params``."""
        msg = self.msg("na", svc=bs.key, **params)
        return Finding(self.check_id, Status.NOT_APPLICABLE, self.severity, lb_resource(bs), msg)

    def manual(
        self, kind: str, object_id: str, name: str, command: str, key: str, cause: str
    ) -> Remedy:
        """A step the reader runs by hand on one object: ``command``, for the check's ``key``."""
        return Remedy(
            "manual", kind, object_id, name, (("command", command),), self.msg(key), cause=cause
        )

    def msg(self, key: str, /, **params: object) -> Msg:
        """The check's message ``<id>.<key>`` with ``params``."""
        return Msg(f"{self.check_id}.{key}", **params)

    def finding(
        self,
        status: Status,
        resource: Resource,
        key: str,
        /,
        *,
        evidence: tuple[str, ...] = (),
        remedies: tuple[Remedy, ...] = (),
        flows: tuple[str, ...] = (),
        cause: str = "",
        affected: tuple[Resource, ...] = (),
        counts: tuple[tuple[str, int], ...] = (),
        **params: object,
    ) -> Finding:
        """A finding on ``resource`` that says the check's message ``key`` with ``params``."""
        return Finding(
            self.check_id,
            status,
            self.severity,
            resource,
            self.msg(key, **params),
            evidence=evidence,
            remedies=remedies,
            flows=flows,
            cause=cause,
            affected=affected,
            counts=counts,
        )
