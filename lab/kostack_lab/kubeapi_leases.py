"""coordination.k8s.io/v1 Leases in the Kubernetes API double, as the real API server keeps them.

What the real server does with a Lease and the double therefore does too:

- updates must name the resourceVersion they were read at: the lease
  strategy does not allow unconditional updates (kubernetes
  pkg/registry/coordination/lease/strategy.go, ``AllowUnconditionalUpdate``
  false), so a PUT without one is 422 and a stale one is 409 Conflict; this
  compare-and-swap is what leader election rests on;
- `validate_lease`: ``spec.leaseDurationSeconds`` > 0,
  ``spec.leaseTransitions`` >= 0, ``spec.strategy`` only
  ``OldestEmulationVersion``, ``spec.preferredHolder`` only with a strategy
  (pkg/apis/coordination/validation/validation.go, ValidateLeaseSpec);
- ``spec.acquireTime`` and ``spec.renewTime`` are MicroTime: a value that
  does not parse is 400, and what is stored and served is RFC 3339 in UTC
  with six fractional digits (apimachinery pkg/apis/meta/v1/micro_time.go,
  ``RFC3339Micro``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

__all__ = [
    "LEASE_STRATEGIES",
    "MICRO_TIME_FIELDS",
    "MicroTimeError",
    "normalize_micro_times",
    "validate_lease",
]

LEASE_STRATEGIES: Final = ("OldestEmulationVersion",)
MICRO_TIME_FIELDS: Final = ("acquireTime", "renewTime")
_RFC3339_MICRO: Final = "%Y-%m-%dT%H:%M:%S.%fZ"


class MicroTimeError(ValueError):
    """A MicroTime field that is not an RFC 3339 time (the real server answers 400)."""


def normalize_micro_times(lease: dict[str, Any]) -> None:
    """Rewrite the spec's MicroTime fields as the server stores them (UTC, microseconds)."""
    spec = lease.get("spec")
    if not isinstance(spec, dict):
        return
    for field in MICRO_TIME_FIELDS:
        value = spec.get(field)
        if value is None:
            continue
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            raise MicroTimeError(
                f'parsing time "{value}" as "2006-01-02T15:04:05.000000Z07:00": cannot parse'
            ) from None
        if parsed.tzinfo is None:
            raise MicroTimeError(f'parsing time "{value}": missing the time zone')
        spec[field] = parsed.astimezone(UTC).strftime(_RFC3339_MICRO)


def validate_lease(lease: dict[str, Any]) -> list[tuple[str, str]]:
    """(field path, message) for each rule of ValidateLeaseSpec the lease breaks."""
    spec = lease.get("spec") or {}
    problems: list[tuple[str, str]] = []
    duration = spec.get("leaseDurationSeconds")
    if isinstance(duration, int) and duration <= 0:
        problems.append(
            ("spec.leaseDurationSeconds", f"Invalid value: {duration}: must be greater than 0")
        )
    transitions = spec.get("leaseTransitions")
    if isinstance(transitions, int) and transitions < 0:
        problems.append(
            (
                "spec.leaseTransitions",
                f"Invalid value: {transitions}: must be greater than or equal to 0",
            )
        )
    strategy = spec.get("strategy")
    if strategy is not None and strategy not in LEASE_STRATEGIES:
        problems.append(
            (
                "spec.strategy",
                f'Unsupported value: "{strategy}": supported values: '
                + ", ".join(f'"{s}"' for s in LEASE_STRATEGIES),
            )
        )
    if spec.get("preferredHolder") and not strategy:
        problems.append(
            ("spec.preferredHolder", "Forbidden: may only be specified if `strategy` is defined")
        )
    return problems
