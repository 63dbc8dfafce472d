"""Rollback beside someone else's change, against the real Neutron: a pair another client added
to a port after kostack's apply is theirs. Rollback leaves that port (a conflict), and the
command it prints removes kostack's pairs only: pasted, it keeps the other client's pair."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from fix_cloud import SeedCloud, diff_states

from kostack.analyze.messages import localize
from kostack.apply.engine import apply_plan, rollback_journal
from kostack.apply.engine_base import CONFLICT
from kostack.apply.journal import Journal
from kostack.apply.neutron import Neutron
from kostack.plan.build import build_plan
from kostack_lab.neutron import openstack_connection
from kostack_testkit.faultproxy import FaultKind, FaultProxy

pytestmark = pytest.mark.neutron

THEIRS = "192.168.77.0/24"


def _unset(conn: object, port_id: str, argv: list[str]) -> None:
    """What `openstack port unset --allowed-address ip-address=I,mac-address=M PORT` does
    (python-openstackclient: the listed pairs removed from the port's list, one PUT)."""
    assert argv[:3] == ["openstack", "port", "unset"] and argv[-1] == port_id
    gone = []
    for flag, value in zip(argv[3:-1:2], argv[4:-1:2], strict=True):
        assert flag == "--allowed-address"
        fields = dict(item.split("=", 1) for item in value.split(","))
        gone.append({"ip_address": fields["ip-address"], "mac_address": fields["mac-address"]})
    port = conn.network.get_port(port_id)  # type: ignore[attr-defined]
    pairs = [dict(p) for p in port.allowed_address_pairs]
    for pair in gone:
        pairs.remove(pair)  # a ValueError in the client too: "Port does not contain ..."
    conn.network.update_port(port_id, allowed_address_pairs=pairs)  # type: ignore[attr-defined]


def test_the_hand_command_after_a_conflict_keeps_the_other_clients_pair(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    conn = openstack_connection(seed_cloud.endpoint)
    original = seed_cloud.state()
    path = tmp_path / "j.jsonl"
    with Journal.create(path, build_plan(seed_cloud.snapshot)) as journal:
        assert apply_plan(journal, Neutron(conn)).ok
    port_id = seed_cloud.neutron.ids.port_ids["k8s-w-2"]
    port = conn.network.get_port(port_id)
    theirs = [*port.allowed_address_pairs, {"ip_address": THEIRS}]
    conn.network.update_port(port_id, allowed_address_pairs=theirs)  # after kostack's apply

    with Journal.open(path) as journal:
        report = rollback_journal(journal, Neutron(conn))
    assert [s.outcome for s in report.steps].count(CONFLICT) == 1
    (problem,) = report.problems
    hint = localize(problem.hint, "en")
    assert hint.startswith("remove kostack's pairs by hand, keeping the other change: `")
    command = hint.split("`")[1]
    mac = original["ports"][port_id]["mac_address"]
    assert shlex.split(command) == [
        "openstack",
        "port",
        "unset",
        "--allowed-address",
        f"ip-address=10.244.0.0/16,mac-address={mac}",
        port_id,
    ]
    assert "kostack이 넣은 Pair만 직접 지우세요" in localize(problem.hint, "ko")
    _unset(conn, port_id, shlex.split(command))
    now = seed_cloud.state()
    assert [p["ip_address"] for p in now["ports"][port_id]["allowed_address_pairs"]] == [THEIRS]
    assert [d for d in diff_states(original, now) if port_id not in d] == []


def test_a_port_changed_while_rollback_restores_it_says_to_run_rollback_again(
    seed_cloud: SeedCloud, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    """Neutron answers the restoring PUT 412 (another client wrote the port in between): the
    rollback goes on with the other objects and says to run rollback again, not to re-plan."""
    path = tmp_path / "j.jsonl"
    with Journal.create(path, build_plan(seed_cloud.snapshot)) as journal:
        assert apply_plan(journal, Neutron(openstack_connection(seed_cloud.endpoint))).ok
    fault_proxy.inject(
        FaultKind.HTTP_STATUS,
        "PUT",
        r"^/v2\.0/ports/",
        status=412,
        error_type="RevisionNumberConstraintFailed",
        message="Constrained to 4, but current revision is 5",
    )
    with Journal.open(path) as journal:
        report = rollback_journal(journal, Neutron(openstack_connection(fault_proxy.endpoint)))
    (problem,) = report.problems
    line, hint = localize(problem.line, "en"), localize(problem.hint, "en")
    assert "changed while kostack was restoring it" in line and "since planning" not in line
    assert f"run `kostack fix rollback {path}` again" in hint and "fix plan" not in hint
    assert "복원하는 사이에 바뀌었습니다" in localize(problem.line, "ko")
    assert [s.outcome for s in report.steps].count("restored") == len(report.steps) - 1
    with Journal.open(path) as journal:  # as it says: run it again
        assert rollback_journal(journal, Neutron(openstack_connection(seed_cloud.endpoint))).ok
