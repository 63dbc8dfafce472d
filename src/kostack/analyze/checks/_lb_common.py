"""How an lb-* check words its findings: each carries the check's id and severity, and says
the check's own message ``<id>.<key>``."""

from __future__ import annotations

from dataclasses import dataclass

from kostack.analyze.findings import Finding, Remedy, Resource, Severity, Status
from kostack.analyze.messages import Msg


@dataclass(frozen=True)
class LBCheck:
    check_id: str
    severity: Severity

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
