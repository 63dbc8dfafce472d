"""The fault-injection trial: apply under Neutron crashes, concurrent changes, 500s and timeouts.

Each run restores the seeded cloud (~20 ms), applies one of three plans
(pairs on ML2/OVS, pairs + pod-CIDR rule on ML2/OVN, disable-port-security)
and injects one fault, chosen by a seeded RNG:

- kill: Neutron is SIGKILLed between two steps of the apply (after an
  intent or after a result) and restarted afterwards;
- concurrent: another client really changes a port, router or group that
  the plan touches, between planning and apply, or between kostack's read
  and its write: a conditional port or router update then gets Neutron's
  412, a rule create gets 409 SecurityGroupRuleExists when the other client
  created the same rule. A router is the exception before the write: what
  matters is the routes the plan adds, so kostack adds them to the routes the
  router has (the other client's route stays), and a resume after a 412 does
  the same;
- http500: the fault proxy answers one write with a 500 (never forwarded);
- timeout: the proxy holds one write past the client's timeout, sometimes
  after forwarding it (the change lands, the answer is lost).

After the fault the run is resumed from its journal or rolled back (RNG).
Every run must end with the cloud either in the plan's target state or,
after rollback, exactly in its original state (every port, group with its
rules, and router compared field by field). Runs that were resumed, or
ended in the target state after a fault, are then rolled back too (half of
the fault-free-looking ones, to keep the trial short) and must match the
original exactly. KOSTACK_FIX_TRIAL_RUNS raises the count.
"""

from __future__ import annotations

import copy
import json
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fix_cloud import cloud_state, create_rule, diff_states, harness_snapshot

from kostack.apply.engine import Event, RunReport, apply_plan, rollback_journal
from kostack.apply.journal import Journal, read_records
from kostack.apply.neutron import Neutron
from kostack.plan.build import build_plan
from kostack.plan.model import Action, Method, Operation, Plan, PlanOptions
from kostack_lab.neutron import openstack_connection
from kostack_testkit.faultproxy import FaultKind, FaultProxy
from kostack_testkit.neutron_harness import NeutronHarness

pytestmark = pytest.mark.neutron

RUNS = int(os.environ.get("KOSTACK_FIX_TRIAL_RUNS", "50"))
SEED = 20261126
API_TIMEOUT_S = 0.75  # through the proxy: a held request gives up after this
WRITE_PATHS = {
    Operation.ADD_ALLOWED_PAIRS: ("PUT", r"^/v2\.0/ports/[^/]+$"),
    Operation.DISABLE_PORT_SECURITY: ("PUT", r"^/v2\.0/ports/[^/]+$"),
    Operation.ADD_SG_RULE: ("POST", r"^/v2\.0/security-group-rules$"),
    Operation.ADD_ROUTER_ROUTES: ("PUT", r"^/v2\.0/routers/[^/]+$"),
}


def content(state: dict[str, Any]) -> dict[str, Any]:
    """A cloud state without the ids and times of rules (a re-created rule gets a new id)."""
    out = dict(state)
    groups = {}
    for gid, group in state["security_groups"].items():
        rules = [
            {k: v for k, v in r.items() if k not in ("id", "created_at")}
            for r in group["security_group_rules"]
        ]
        groups[gid] = {**group, "security_group_rules": sorted(rules, key=repr)}
    out["security_groups"] = groups
    return out


@dataclass
class Trial:
    harness: NeutronHarness
    endpoint: str
    proxy: FaultProxy
    tmp: Path
    plans: dict[str, Plan]
    targets: dict[str, dict[str, Any]]
    originals: dict[str, dict[str, Any]]
    clients: dict[bool, Neutron] | None = None

    def fresh(self, restore: Callable[[], Any]) -> None:
        if not self.harness.running:
            self.restart()
        restore()
        self.proxy.clear_faults()

    def restart(self) -> None:
        self.harness.restart()
        self.clients = None  # their pooled connections died with the server

    def neutron(self, via_proxy: bool) -> Neutron:
        """Clients reused across runs (a new SDK connection costs a discovery request)."""
        if self.clients is None:
            self.clients = {
                True: Neutron(openstack_connection(self.proxy.endpoint, timeout_s=API_TIMEOUT_S)),
                False: Neutron(openstack_connection(self.endpoint, timeout_s=10)),
            }
        return self.clients[via_proxy]

    def state(self) -> dict[str, Any]:
        return cloud_state(self.endpoint, self.neutron(False).connection)


FOREIGN_ROUTE = {"destination": "192.168.88.0/24", "nexthop": "10.0.0.99"}


def _victim(rng: random.Random, plan: Plan, kinds: tuple[Operation, ...]) -> Action:
    return rng.choice([a for a in plan.automatic if a.operation in kinds])


def _concurrent_change(endpoint: str, action: Action) -> None:
    """Another client changes the object ``action`` targets."""
    conn = openstack_connection(endpoint)
    if action.target.kind == "port":
        port = conn.network.get_port(action.target.id)
        pairs = [*port.allowed_address_pairs, {"ip_address": "192.168.77.0/24"}]
        conn.network.update_port(action.target.id, allowed_address_pairs=pairs)
    elif action.target.kind == "security_group":
        conn.network.create_security_group_rule(
            security_group_id=action.target.id,
            direction="ingress",
            ether_type="IPv4",
            protocol="tcp",
            port_range_min=9443,
            port_range_max=9443,
            remote_ip_prefix="192.168.77.0/24",
        )
    else:
        conn.network.add_extra_routes_to_router(
            action.target.id, body={"router": {"routes": [FOREIGN_ROUTE]}}
        )


def _plus_foreign_route(state: dict[str, Any], router_id: str) -> dict[str, Any]:
    """``state`` with the other client's route on the router (as cloud_state() sorts lists)."""
    out = copy.deepcopy(state)
    routes = [*out["routers"][router_id]["routes"], FOREIGN_ROUTE]
    out["routers"][router_id]["routes"] = sorted(
        routes, key=lambda v: json.dumps(v, sort_keys=True)
    )
    return out


def _once_at_intent(victim: Action, change: Callable[[], None]) -> Callable[[Event], None]:
    """A hook that runs ``change`` once, between kostack's read of the victim and its write."""
    done = False

    def hook(event: Event) -> None:
        nonlocal done
        if not done and event.stage == "intent" and event.action.id == victim.id:
            done = True
            change()

    return hook


def _same_rule(endpoint: str, action: Action) -> None:
    """Another client (say a second kostack) creates exactly the rule kostack is about to create."""
    rule = action.rule
    assert rule is not None
    create_rule(openstack_connection(endpoint), action.target.id, rule, rule.remote_group_id)


def one_run(trial: Trial, rng: random.Random, kind: str, number: int) -> str:
    """One faulty apply and its recovery; returns a one-word description of how it ended."""
    variant = rng.choice(sorted(trial.plans))
    plan = trial.plans[variant]
    original = trial.originals[variant]
    path = trial.tmp / f"run-{number}.jsonl"
    retries = rng.choice((0, 1))
    hook: Callable[[Event], None] | None = None
    via_proxy = kind in ("http500", "timeout")
    expected_original = original
    killed = False
    duplicate = False
    router_kept = False  # a router changed before kostack's read: its routes are added anyway
    target = trial.targets[variant]

    if kind == "kill":
        steps = [(a.id, stage) for a in plan.automatic for stage in ("intent", "result")]
        when = rng.choice(steps)

        def kill(event: Event) -> None:
            nonlocal killed
            if not killed and (event.action.id, event.stage) == when:
                killed = True
                trial.harness.kill()

        hook = kill
    elif kind == "concurrent":
        victim = _victim(rng, plan, tuple(WRITE_PATHS))
        # Ports and routers are updated conditionally (If-Match), so a change between
        # kostack's read and its write is caught by Neutron (412). A rule create has no
        # condition: a change to the group is caught before kostack reads it, and the
        # same rule created by someone else between read and create is Neutron's 409.
        race_window = rng.random() < 0.5
        if race_window and victim.operation == Operation.ADD_SG_RULE:
            duplicate = True
            hook = _once_at_intent(victim, lambda: _same_rule(trial.endpoint, victim))
        elif race_window:
            hook = _once_at_intent(victim, lambda: _concurrent_change(trial.endpoint, victim))
        else:
            _concurrent_change(trial.endpoint, victim)
            router_kept = victim.operation == Operation.ADD_ROUTER_ROUTES
        if victim.operation == Operation.ADD_ROUTER_ROUTES:
            target = _plus_foreign_route(target, victim.target.id)
    else:
        victim = _victim(rng, plan, tuple(WRITE_PATHS))
        method, pattern = WRITE_PATHS[victim.operation]
        nth = 1 + [
            a for a in plan.automatic if WRITE_PATHS.get(a.operation) == (method, pattern)
        ].index(victim)
        if kind == "http500":
            trial.proxy.inject(FaultKind.HTTP_500, method, pattern, nth=nth)
        else:
            trial.proxy.inject(
                FaultKind.TIMEOUT,
                method,
                pattern,
                nth=nth,
                hold_s=API_TIMEOUT_S + 0.25,
                forward=rng.random() < 0.5,
            )

    with Journal.create(path, plan) as journal:
        report = apply_plan(
            journal, trial.neutron(via_proxy), retries=retries, backoff_s=0.05, on_event=hook
        )
    trial.proxy.clear_faults()
    if killed:
        trial.restart()
    if duplicate:
        # Neutron's 409 SecurityGroupRuleExists: the rule is there, just not kostack's
        assert report.ok, report.problems
        result = next(
            r for r in read_records(path) if r["type"] == "result" and r["action"] == victim.id
        )
        assert result["outcome"] == "already-present", result
        assert "another client created the same rule" in result["message"]
    elif router_kept:
        assert report.ok, report.problems
    elif kind == "concurrent":
        _check_stopped_at_change(report, path, plan)
    if kind == "concurrent":
        # the other client's change stays: it is part of the state to return to
        expected_original = _with_foreign_change(original, trial.state(), plan, path)
        if victim.operation == Operation.ADD_ROUTER_ROUTES:
            # rollback removes only the routes kostack added
            expected_original = _plus_foreign_route(original, victim.target.id)

    if report.ok and duplicate:
        assert content(trial.state()) == trial.targets[variant]  # the other client's rule did it
        ended = "target-after-409"
    elif report.ok:
        assert content(trial.state()) == target
        ended = "target-kept-route" if router_kept else "target"
    elif kind != "concurrent" and rng.random() < 0.5:
        with Journal.open(path) as journal:
            resumed = apply_plan(journal, trial.neutron(False), retries=1, backoff_s=0.05)
        assert resumed.ok, resumed.problems
        assert content(trial.state()) == trial.targets[variant]
        ended = "resumed"
    else:
        ended = "rolled-back"
        if kind == "concurrent" and rng.random() < 0.5:
            with Journal.open(path) as journal:
                again = apply_plan(journal, trial.neutron(False), retries=1, backoff_s=0.05)
            if victim.operation == Operation.ADD_ROUTER_ROUTES:
                # re-read on resume: the plan's routes join the other client's
                assert again.ok, again.problems
                assert content(trial.state()) == target
                ended = "resumed-router"
            else:
                assert not again.ok and "changed since planning" in again.problems[0].line
    if ended == "target" and rng.random() < 0.5:
        return ended  # (half of the clean endings skip the extra rollback, to keep the trial short)
    with Journal.open(path) as journal:
        undone = rollback_journal(journal, trial.neutron(False), retries=1, backoff_s=0.05)
    assert undone.ok, undone.problems
    assert diff_states(expected_original, trial.state()) == []
    return ended


def _check_stopped_at_change(report: RunReport, path: Path, plan: Plan) -> None:
    assert not report.ok
    line = report.problems[0].line
    assert "changed since planning" in line, line
    stopped = report.steps[-1].action_id
    later = {a.id for a in plan.automatic[[a.id for a in plan.automatic].index(stopped) + 1 :]}
    tried = {r["action"] for r in read_records(path) if r["type"] == "intent"}
    assert not tried & later, "kostack touched something after the change was found"


def _with_foreign_change(
    original: dict[str, Any], now: dict[str, Any], plan: Plan, path: Path
) -> dict[str, Any]:
    """The original state, but with the objects kostack did not touch as they are now."""
    touched = {
        r["action"]
        for r in read_records(path)
        if r["type"] == "result" and r.get("outcome") == "applied"
    }
    ids = {a.target.id for a in plan.automatic if a.id in touched}
    out: dict[str, Any] = {}
    for kind, objects in now.items():
        out[kind] = {
            oid: (original[kind].get(oid, obj) if oid in ids else obj)
            for oid, obj in objects.items()
        }
    return out


def test_fault_injection_trial(
    neutron_harness: NeutronHarness,
    neutron_seeder: Any,
    fault_proxy: FaultProxy,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    neutron_seeder()
    endpoint = neutron_harness.endpoint
    snapshots = {
        "ovs-pairs": (harness_snapshot(endpoint), PlanOptions()),
        "ovn-pairs": (harness_snapshot(endpoint, backend="ml2/ovn"), PlanOptions()),
        "disable": (harness_snapshot(endpoint), PlanOptions(Method.DISABLE_PORT_SECURITY)),
    }
    plans = {name: build_plan(snap, opts) for name, (snap, opts) in snapshots.items()}
    assert any(a.operation == Operation.ADD_SG_RULE for a in plans["ovn-pairs"].automatic)
    trial = Trial(neutron_harness, endpoint, fault_proxy, tmp_path, plans, {}, {})
    for name, plan in plans.items():  # the target of each plan: a clean apply
        trial.fresh(neutron_seeder)
        trial.originals[name] = trial.state()
        with Journal.create(tmp_path / f"clean-{name}.jsonl", plan) as journal:
            assert apply_plan(journal, trial.neutron(False)).ok
        trial.targets[name] = content(trial.state())

    rng = random.Random(SEED)
    # Kill/restart costs ~2 s a run, so it gets a smaller share of the runs.
    weights = {"kill": 0.1, "concurrent": 0.3, "http500": 0.3, "timeout": 0.3}
    kinds = [k for k, w in weights.items() for _ in range(max(1, round(w * RUNS)))]
    while len(kinds) < RUNS:
        kinds.append("concurrent")
    kinds = kinds[:RUNS]
    rng.shuffle(kinds)
    started = time.monotonic()
    passed = 0
    endings: Counter[str] = Counter()
    failures: list[str] = []
    for number, kind in enumerate(kinds, 1):
        trial.fresh(neutron_seeder)
        try:
            ending = one_run(trial, rng, kind, number)
        except AssertionError as exc:
            failures.append(f"run {number} ({kind}): {exc}")
            continue
        passed += 1
        endings[f"{kind}/{ending}"] += 1
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\nfault-injection trial: {passed}/{len(kinds)} runs passed in {elapsed:.0f} s "
            f"(seed {SEED}; {dict(sorted(Counter(kinds).items()))}; "
            f"endings {dict(sorted(endings.items()))})"
        )
    assert not failures, "\n".join(failures)
    assert passed == len(kinds) >= 50 or RUNS < 50
