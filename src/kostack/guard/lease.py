"""One leader among guard's replicas: a coordination.k8s.io/v1 Lease, as client-go elects.

The rules are client-go's leaderelection (k8s.io/client-go/tools/leaderelection):

- a candidate reads the Lease; it takes it when nobody holds it, when it
  holds it already, or when the record has not changed for
  ``leaseDurationSeconds`` *as measured by the candidate's own clock* since
  the candidate last saw it change (no comparison of clocks between hosts);
- taking or renewing is an update made from that read: the API server
  refuses it (409 Conflict) if anyone wrote the Lease in between, so two
  candidates can never both win;
- the leader renews every ``retry_period``; when it has not renewed for
  ``renew_deadline`` (shorter than the lease duration) it stops acting as
  leader, before anyone else may take over;
- on a clean stop the leader releases the Lease (empty holder), and another
  replica takes over at its next try instead of after the lease duration.

The clock is injected (`clock`: seconds, monotonic; `wall`: the time written
into ``renewTime``), so tests drive expiry without waiting.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["LEASE_NAME", "LeaderElector", "LeaseSettings"]

# the Lease replicas in a pod elect their leader on (in POD_NAMESPACE): the one Lease
# deploy/guard/rbac.yaml lets guard update (tests/guard/test_guard_deploy.py holds them equal)
LEASE_NAME: Final = "kostack-guard"


@dataclass(frozen=True)
class LeaseSettings:
    namespace: str
    name: str
    identity: str
    duration_s: int = 15
    renew_deadline_s: float = 10.0
    retry_period_s: float = 2.0


def _record(spec: Any) -> tuple[object, ...]:
    return (
        spec.holder_identity or "",
        spec.lease_duration_seconds,
        spec.acquire_time,
        spec.renew_time,
        spec.lease_transitions,
    )


class LeaderElector:
    """Campaigns for one Lease; `is_leader` says whether this replica may write now."""

    def __init__(
        self,
        api_client: Any,
        settings: LeaseSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC),
        on_change: Callable[[bool, str], None] | None = None,
        timeout_s: float = 5.0,
    ) -> None:
        from kubernetes.client import CoordinationV1Api

        self.api = CoordinationV1Api(api_client)
        self.settings = settings
        self.clock = clock
        self.wall = wall
        self.on_change = on_change
        self.timeout_s = timeout_s
        self.holder = ""  # who holds the Lease, as last read
        self.error = ""  # the last failure to read or write the Lease
        self._observed: tuple[object, ...] | None = None
        self._observed_at = 0.0
        self._renewed_at: float | None = None
        self._was_leader = False
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ state

    def is_leader(self) -> bool:
        """True while the last renewal is younger than the renew deadline."""
        with self._lock:
            return (
                self._renewed_at is not None
                and self.clock() - self._renewed_at < self.settings.renew_deadline_s
            )

    def _changed(self) -> None:
        leader = self.is_leader()
        if leader != self._was_leader:
            self._was_leader = leader
            if self.on_change is not None:
                self.on_change(leader, self.holder)

    # ------------------------------------------------------------------ one try

    def try_acquire_or_renew(self) -> bool:
        """One attempt (client-go's tryAcquireOrRenew); True when this replica holds the Lease."""
        from kubernetes.client import V1Lease, V1LeaseSpec, V1ObjectMeta
        from kubernetes.client.exceptions import ApiException

        s = self.settings
        now = self.wall()
        try:
            try:
                lease = self.api.read_namespaced_lease(
                    s.name, s.namespace, _request_timeout=self.timeout_s
                )
            except ApiException as exc:
                if exc.status != 404:
                    raise
                body = V1Lease(
                    metadata=V1ObjectMeta(name=s.name, namespace=s.namespace),
                    spec=V1LeaseSpec(
                        holder_identity=s.identity,
                        lease_duration_seconds=s.duration_s,
                        acquire_time=now,
                        renew_time=now,
                        lease_transitions=0,
                    ),
                )
                created = self.api.create_namespaced_lease(
                    s.namespace, body, _request_timeout=self.timeout_s
                )
                return self._won(created)
            spec = lease.spec or V1LeaseSpec()
            lease.spec = spec
            record = _record(spec)
            if record != self._observed:
                self._observed, self._observed_at = record, self.clock()
            self.holder = spec.holder_identity or ""
            held_by_other = bool(self.holder) and self.holder != s.identity
            duration = spec.lease_duration_seconds or s.duration_s
            if held_by_other and self._observed_at + duration > self.clock():
                self._lost()
                return False
            if self.holder == s.identity:
                spec.renew_time = now
            else:
                spec.holder_identity = s.identity
                spec.acquire_time = now
                spec.renew_time = now
                spec.lease_transitions = (spec.lease_transitions or 0) + 1
            spec.lease_duration_seconds = s.duration_s
            updated = self.api.replace_namespaced_lease(
                s.name, s.namespace, lease, _request_timeout=self.timeout_s
            )
            return self._won(updated)
        except ApiException as exc:
            self.error = f"{exc.status} {exc.reason}" if exc.status != 409 else ""
        except Exception as exc:  # the API server unreachable: leadership decays by the deadline
            self.error = f"{type(exc).__name__}: {str(exc)[:200]}"
        self._changed()
        return False

    def _won(self, lease: Any) -> bool:
        with self._lock:
            self._renewed_at = self.clock()
        self._observed, self._observed_at = _record(lease.spec), self.clock()
        self.holder = self.settings.identity
        self.error = ""
        self._changed()
        return True

    def _lost(self) -> None:
        with self._lock:
            self._renewed_at = None
        self.error = ""
        self._changed()

    # ------------------------------------------------------------------ loop and release

    def run(self, stop: threading.Event) -> None:
        """Campaign and renew every ``retry_period`` until ``stop``; release the Lease then."""
        while not stop.is_set():
            self.try_acquire_or_renew()
            stop.wait(self.settings.retry_period_s)
        self.release()

    def release(self) -> bool:
        """Give the Lease up if this replica holds it (client-go's ReleaseOnCancel)."""
        if not self.is_leader():
            return False
        s = self.settings
        with self._lock:
            self._renewed_at = None
        try:
            lease = self.api.read_namespaced_lease(
                s.name, s.namespace, _request_timeout=self.timeout_s
            )
            spec = lease.spec
            if spec is None or (spec.holder_identity or "") != s.identity:
                return False
            now = self.wall()
            spec.holder_identity = None
            spec.lease_duration_seconds = 1
            spec.acquire_time = now
            spec.renew_time = now
            self.api.replace_namespaced_lease(
                s.name, s.namespace, lease, _request_timeout=self.timeout_s
            )
        except Exception as exc:  # the Lease then simply expires
            self.error = f"{type(exc).__name__}: {str(exc)[:200]}"
            return False
        else:
            self.holder = ""  # before the change is told: nobody holds it now
            return True
        finally:
            self._changed()

    def describe(self) -> dict[str, Any]:
        return {
            "lease": f"{self.settings.namespace}/{self.settings.name}",
            "identity": self.settings.identity,
            "leader": self.is_leader(),
            "holder": self.holder,
            "error": self.error,
        }
