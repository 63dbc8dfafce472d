"""Two guards, one Lease: only the leader writes; the other takes over when it stops.

Expiry runs on an injected clock shared by both guards' electors (each
measures from when *it* saw the Lease change, as client-go does), so the
test decides when time passes; Kubernetes and Neutron are real doubles.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import kubernetes
import pytest
from guard_testing import FIXED, GuardWorld

from kostack.guard.lease import LeaderElector, LeaseSettings

pytestmark = pytest.mark.neutron


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def wall(self) -> datetime.datetime:
        return datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
            seconds=self.now
        )


def elector(w: GuardWorld, identity: str, clock: FakeClock, tmp: Path) -> LeaderElector:
    client = kubernetes.config.new_client_from_config(
        config_file=str(w.kubeconfig), context=w.api.context_name
    )
    settings = LeaseSettings("kostack", "kostack-guard", identity, 15, 10.0, 2.0)
    return LeaderElector(client, settings, clock=clock, wall=clock.wall)


def lease_spec(w: GuardWorld) -> dict[str, object]:
    lease = w.api.get("coordination.k8s.io/v1", "Lease", "kostack-guard", "kostack")
    assert lease is not None
    return dict(lease["spec"])


def test_only_the_leader_writes_and_the_other_takes_over_when_it_stops(
    guard_world: GuardWorld, tmp_path: Path
) -> None:
    w = guard_world
    w.fix_by_hand()
    clock = FakeClock()
    a, b = elector(w, "guard-a", clock, tmp_path), elector(w, "guard-b", clock, tmp_path)
    guard_a = w.loop("enforce", name="a", elector=a)
    guard_b = w.loop("enforce", name="b", elector=b)
    assert a.try_acquire_or_renew() is True
    assert b.try_acquire_or_renew() is False and b.holder == "guard-a"
    assert lease_spec(w)["holderIdentity"] == "guard-a"

    w.join("k8s-w-4")
    standby = guard_b.run_pass()
    assert standby.result == "standby" and standby.done == () and standby.holder == "guard-a"
    assert w.pairs("k8s-w-4") == []  # the standby wrote nothing
    assert guard_a.run_pass().result == "fixed"
    assert w.pairs("k8s-w-4") == sorted(FIXED)
    assert guard_b.journal is not None
    assert [r for r in guard_b.journal.records() if r["type"] == "intent"] == []

    # a renews as time passes; b keeps seeing a fresh Lease and stays standby
    for _ in range(5):
        clock.now += 5
        assert a.try_acquire_or_renew() is True
        assert b.try_acquire_or_renew() is False
    # a stops (killed: no release). Its leadership lapses by its own renew deadline...
    clock.now += 11
    assert a.is_leader() is False
    # ... b may not take over before the lease duration since it last saw a change
    assert b.try_acquire_or_renew() is False
    clock.now += 5
    assert b.try_acquire_or_renew() is True and b.is_leader()
    spec = lease_spec(w)
    assert spec["holderIdentity"] == "guard-b" and spec["leaseTransitions"] == 1

    w.join("k8s-w-5")
    assert guard_a.run_pass().result == "standby"  # a came back: it does not write
    report = guard_b.run_pass()
    assert report.result == "fixed"
    assert w.pairs("k8s-w-5") == sorted(FIXED)


def test_a_released_lease_is_taken_over_at_once(guard_world: GuardWorld, tmp_path: Path) -> None:
    w = guard_world
    clock = FakeClock()
    a, b = elector(w, "guard-a", clock, tmp_path), elector(w, "guard-b", clock, tmp_path)
    assert a.try_acquire_or_renew() and not b.try_acquire_or_renew()
    assert a.release() is True  # a clean stop (SIGTERM)
    assert lease_spec(w).get("holderIdentity") in (None, "")
    assert b.try_acquire_or_renew() is True  # no waiting for the lease duration
    assert not a.try_acquire_or_renew()


def test_a_clean_stop_says_the_lease_was_given_up(guard_world: GuardWorld, tmp_path: Path) -> None:
    """The stop's log line said "guard-a is no longer the leader (holder: guard-a)": release()
    told the change before it forgot the holder."""
    from kostack.guard.messages import say

    a = elector(guard_world, "guard-a", FakeClock(), tmp_path)
    told: list[tuple[bool, str]] = []
    a.on_change = lambda leader, holder: told.append((leader, holder))
    assert a.try_acquire_or_renew() and a.release() is True
    assert told == [(True, "guard-a"), (False, "")]
    assert say("en", "leader.released", identity="guard-a") == (
        "guard-a gave the Lease up and stops writing"
    )
    assert say("ko", "leader.released", identity="guard-a") == (
        "guard-a 인스턴스가 Lease를 내려놓고 변경을 멈춥니다"
    )


def test_a_leader_that_cannot_renew_stops_writing_mid_pass(
    guard_world: GuardWorld, tmp_path: Path
) -> None:
    w = guard_world
    w.fix_by_hand()
    clock = FakeClock()
    a = elector(w, "guard-a", clock, tmp_path)
    assert a.try_acquire_or_renew()
    w.join("k8s-w-4")
    w.join("k8s-w-5")

    def time_passes(kind: str, target: str) -> None:
        clock.now += 11  # the first write took longer than the renew deadline

    loop = w.loop("enforce", elector=a, before_write=time_passes)
    report = loop.run_pass()
    assert report.not_leader
    assert [d.outcome for d in report.done] == ["applied"]  # the write in flight finished
    assert sum(1 for n in ("k8s-w-4", "k8s-w-5") if w.pairs(n) == sorted(FIXED)) == 1
