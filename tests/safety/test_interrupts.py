"""Ctrl-C in every phase: a real kostack process, SIGINT when a server sees its request.

Each test waits for a request to arrive (a Keystone, an API server, the fault
proxy in front of Neutron, or a Neutron endpoint that never answers), sends
SIGINT to the process at that moment and asserts that it ended with exit 130
and says what it was doing; where a change was in flight (fix apply, release
reinstall) it says whether the change landed, re-read, and how to resume or
roll back, and the journal stays consistent (no two records share a `seq`).
How long each process took after SIGINT is printed (`-s`); the bound asserted
is generous so that a busy machine does not fail the test.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest_neutron import SeededNeutron
from safety_proc import Kostack, WatchedApi
from safety_servers import Silent, wait_for

from kostack.apply import journal as journal_module
from kostack.apply.journal import Journal, read_records
from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack.collect.match import match_nodes
from kostack.collect.openstack import collect_openstack
from kostack.model import dump_snapshot
from kostack.plan.build import build_plan
from kostack_lab.netns import list_namespaces
from kostack_lab.neutron import openstack_connection
from kostack_testkit import helm_fixtures as hf
from kostack_testkit.builders import build, seed_doc
from kostack_testkit.faultproxy import FaultKind, FaultProxy
from kostack_testkit.k8s_fixtures import seed_cluster

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
# The requirement is 2 s; this bound only keeps a busy machine from failing the test.
AFTER_SIGINT_S = 15.0


def interrupted(run: Kostack, what: str) -> tuple[int, str, str, float]:
    sent = run.interrupt()
    ended = run.ended(AFTER_SIGINT_S)
    took = ended.at - sent
    print(f"\nSIGINT during {what}: exit {ended.code} after {took:.2f} s")
    assert took < AFTER_SIGINT_S
    return ended.code, ended.stdout, ended.stderr, took


def kubeconfig(path: Path, server: str, token: str) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "clusters": [{"name": "c", "cluster": {"server": server}}],
                "users": [{"name": "u", "user": {"token": token}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        ),
        encoding="utf-8",
    )
    return path


def password_clouds(path: Path, auth_url: str) -> Path:
    cloud = {
        "auth_type": "password",
        "auth": {
            "auth_url": f"{auth_url}/v3",
            "username": "u1",
            "password": "not-a-canary-pw",
            "project_name": "k8s",
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
    }
    path.write_text(yaml.safe_dump({"clouds": {"c": cloud}}), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- reading phases


@pytest.mark.parametrize("command", ["collect", "diagnose"])
def test_ctrl_c_while_authenticating(tmp_path: Path, command: str) -> None:
    with Silent() as keystone:
        clouds = password_clouds(tmp_path / "clouds.yaml", keystone.url)
        run = Kostack.start(
            command, "--os-cloud", "c", environ={"OS_CLIENT_CONFIG_FILE": str(clouds)}
        )
        wait_for(keystone.arrived, "the request to Keystone")
        code, _out, err, _took = interrupted(run, f"{command} (OpenStack)")
    assert code == 130
    # (click starts a new line after the ^C the terminal echoed)
    assert err.strip() == "error: interrupted (Ctrl-C) while collecting (nothing was changed)"


def test_ctrl_c_while_reading_kubernetes(tmp_path: Path) -> None:
    with Silent() as api:
        config = kubeconfig(tmp_path / "kc", api.url, "not-a-canary-token")
        run = Kostack.start(
            "collect",
            "--no-openstack",
            "--kubeconfig",
            str(config),
            environ={"HOME": str(tmp_path)},
        )
        wait_for(api.arrived, "the request to the API server")
        code, _out, err, _took = interrupted(run, "collect (Kubernetes)")
    assert code == 130
    # (click starts a new line after the ^C the terminal echoed)
    assert err.strip() == "error: interrupted (Ctrl-C) while collecting (nothing was changed)"


def test_ctrl_c_during_a_probe_round(tmp_path: Path) -> None:
    """The round's pods are being created: kostack deletes its namespace, then exits 130."""
    api = WatchedApi(seed_cluster(), method="POST", path=r"^/api/v1/namespaces/[^/]+/pods$")
    with api:
        config = kubeconfig(tmp_path / "kc", api.url, api.token)
        run = Kostack.start(
            "probe",
            "--snapshot",
            str(EXAMPLES / "seed-incident.json"),
            "--kubeconfig",
            str(config),
            "--yes",
            environ={"HOME": str(tmp_path)},
        )
        wait_for(api.seen, "the first probe pod")
        code, _out, err, _took = interrupted(run, "probe round")
        left = [
            n["metadata"]["name"]
            for n in api.list_objects("v1", "Namespace")
            if n["metadata"]["name"].startswith("kostack-probe")
            and not n["metadata"].get("deletionTimestamp")
        ]
    assert code == 130, err
    assert err.splitlines()[-1] == (
        "error: interrupted (Ctrl-C) while probing (kostack deleted its probe pods and "
        "namespace before exiting)"
    )
    assert left == []


# --------------------------------------------------------------------------- changes in flight


@pytest.fixture
def seed_plan_files(
    seeded_neutron: SeededNeutron, fault_proxy: FaultProxy, tmp_path: Path
) -> Iterator[dict[str, Path]]:
    """A snapshot of the seed cloud as Neutron has it, and a noauth clouds.yaml via the proxy."""
    conn = openstack_connection(fault_proxy.endpoint)
    record, gaps = collect_openstack(conn, project_scope=None, backend_hint="ml2/ovs")
    assert gaps == () and record.ports is not None
    seed = build(seed_doc())
    assert seed.cluster is not None and seed.cluster.nodes is not None
    snapshot = seed.model_copy(
        update={"openstack": record, "node_ports": match_nodes(seed.cluster.nodes, record.ports)}
    )
    snap = tmp_path / "seed.json"
    snap.write_text(dump_snapshot(snapshot), encoding="utf-8")
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(
        json.dumps(
            {
                "clouds": {
                    "seed": {
                        "auth_type": "none",
                        "network_endpoint_override": fault_proxy.endpoint,
                        "region_name": "RegionOne",
                    }
                }
            }
        ),
        encoding="utf-8",
    )
    yield {"snapshot": snap, "clouds": clouds}


def in_process(*args: str, clouds: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=out,
        stderr=err,
        environ={"OS_CLIENT_CONFIG_FILE": str(clouds)},
        stdin_isatty=False,
        stdout_isatty=False,
    )
    return main(list(args), env), out.getvalue(), err.getvalue()


@pytest.mark.neutron
@pytest.mark.parametrize("landed", [True, False], ids=["reached-neutron", "lost-on-the-way"])
def test_ctrl_c_while_a_port_update_is_in_flight(
    seed_plan_files: dict[str, Path], fault_proxy: FaultProxy, tmp_path: Path, landed: bool
) -> None:
    """The PUT is held by the proxy (after Neutron applied it, or before): Ctrl-C then."""
    fault = fault_proxy.inject(
        FaultKind.TIMEOUT, "PUT", r"^/v2\.0/ports/", hold_s=120, forward=landed
    )
    journal = tmp_path / "fix.journal.jsonl"
    clouds = seed_plan_files["clouds"]
    run = Kostack.start(
        "fix",
        "apply",
        "--snapshot",
        str(seed_plan_files["snapshot"]),
        "--os-cloud",
        "seed",
        "--yes",
        "--no-verify",
        "--journal",
        str(journal),
        environ={"OS_CLIENT_CONFIG_FILE": str(clouds)},
    )
    wait_for(fault.fired, "the port update")
    code, _out, err, _took = interrupted(run, "fix apply (a PUT in flight)")
    assert code == 130, err
    error, hint = err.splitlines()[-2:]
    state = "it landed" if landed else "its request had no answer yet, so it may still land"
    assert re.fullmatch(
        r"error: interrupted \(Ctrl-C\) while applying the fix: change (\S+) \(port .*: add "
        rf"allowed address pairs .*\) was in flight: {state} \(port \S+ is at revision \d+\); "
        r"\d+ of \d+ changes in place",
        error,
    ), error
    assert hint == (
        f"hint: The journal {journal} records it: resume with `kostack fix apply --journal "
        f"{journal} --yes`, undo with `kostack fix rollback {journal} --yes`."
    )
    records = read_records(journal)
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert records[-1]["type"] == "end" and records[-1]["status"] == "interrupted"
    intent = [r for r in records if r["type"] == "intent"][-1]  # the change in flight
    results = [r for r in records if r["type"] == "result" and r["action"] == intent["action"]]
    if landed:
        assert [r["outcome"] for r in results] == ["applied"]
        assert results[0]["message"].startswith("landed before Ctrl-C (re-read: port ")
        # the journal is good for undoing exactly that
        undo = in_process("fix", "rollback", str(journal), "--yes", clouds=clouds)
        assert undo[0] == 0, undo[2]
        assert "1 restored" in undo[1]
    else:
        assert results == []  # in doubt: resume re-reads it first
        resume = in_process(
            "fix", "apply", "--journal", str(journal), "--yes", "--no-verify", clouds=clouds
        )
        assert resume[0] == 0, resume[2]
        assert "Resuming" in resume[1]


def test_ctrl_c_while_a_volume_patch_is_in_flight(tmp_path: Path) -> None:
    """The reinstall's first change (Retain on a volume) is held by the API server."""
    scenario = hf.harbor_seed().extend(hf.lookalikes())
    api = WatchedApi(
        seed_cluster(extra=scenario.objects), method="PATCH", path=r"^/api/v1/persistentvolumes/"
    )
    with api:
        scenario.set_logs(api)
        api.inject_fault("", "persistentvolumes", delay=60, verbs={"patch"})
        config = kubeconfig(tmp_path / "kc", api.url, api.token)
        journal = tmp_path / "reinstall.jsonl"
        run = Kostack.start(
            "release",
            "reinstall",
            "harbor",
            "--namespace",
            "harbor",
            "--chart",
            "harbor/harbor",
            "--snapshot",
            str(EXAMPLES / "seed-fixed.json"),
            "--kubeconfig",
            str(config),
            "--yes",
            "--journal",
            str(journal),
            environ={"HOME": str(tmp_path), "PATH": "/nonexistent"},
        )
        wait_for(api.seen, "the volume patch")
        code, _out, err, _took = interrupted(run, "release reinstall (a PATCH in flight)")
    assert code == 130, err
    error, hint = err.splitlines()[-2:]
    assert re.fullmatch(
        r"error: interrupted \(Ctrl-C\) during the reinstall of harbor/harbor: step 1 "
        r"\(retain-pv PersistentVolume \S+\) was in flight: it cannot be told whether it "
        r"landed \(the volume's reclaim policy is Delete; its request had no answer yet\); "
        r"0 of \d+ steps done",
        error,
    ), error
    assert hint.startswith(f"hint: The journal {journal} records every step; see what is left ")
    assert "`kostack release check harbor --namespace harbor`" in hint
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    assert records[-1] == {**records[-1], "type": "end", "status": "interrupted"}
    last = records[-2]
    assert last["type"] == "result" and last["outcome"] == "interrupted" and last["landed"] is None


@pytest.mark.lab
def test_ctrl_c_while_the_lab_is_built(tmp_path: Path) -> None:
    """Namespaces exist and the lab asks Neutron for its ports: Ctrl-C tears it all down."""
    if os.geteuid() != 0:
        pytest.skip("the network lab needs root (CI runs as root)")
    name = f"s{os.getpid() % 10_000_000}"
    with Silent() as neutron:
        run = Kostack.start(
            "lab",
            "up",
            "--scenario",
            "seed",
            "--nodes",
            "2",
            "--name",
            name,
            "--state-dir",
            str(tmp_path / "lab"),
            "--neutron-endpoint",
            neutron.url + "/",
            "--no-kube-api",
            environ={"HOME": str(tmp_path)},
        )
        try:
            wait_for(neutron.arrived, "the lab's first request to Neutron")
            assert [n for n in list_namespaces() if n.startswith(f"ks-{name}-")]  # half built
            code, _out, err, _took = interrupted(run, "lab up")
        finally:
            run.kill()
    assert code == 130, err
    assert err.splitlines()[-1] == (
        "error: interrupted (Ctrl-C) while building the lab (what was built was torn down "
        "again; `kostack lab status` shows anything left)"
    )
    assert [n for n in list_namespaces() if n.startswith(f"ks-{name}-")] == []


# --------------------------------------------------------------------------- the journal


def test_ctrl_c_right_after_a_journal_record_gives_no_duplicate_seq(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real SIGINT arrives the moment the record is on disk, before it is counted."""
    plan = build_plan(build(seed_doc()))
    path = tmp_path / "j.jsonl"
    journal = Journal.create(path, plan)
    real_fsync = os.fsync

    def fsync_then_ctrl_c(fd: int) -> None:
        real_fsync(fd)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(journal_module.os, "fsync", fsync_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        journal.append({"type": "intent", "action": plan.automatic[0].id, "before": {}})
    monkeypatch.undo()
    # what the engine does next: journal the end of the run
    journal.append({"type": "end", "mode": "apply", "status": "interrupted"})
    journal.close()
    assert [r["seq"] for r in read_records(path)] == [1, 2, 3]
    assert [r["type"] for r in read_records(path)] == ["plan", "intent", "end"]


@pytest.mark.neutron
@pytest.mark.parametrize("landed", [True, False], ids=["reached-neutron", "lost-on-the-way"])
def test_ctrl_c_while_a_rule_create_is_in_flight_then_rollback(
    seed_plan_files: dict[str, Path],
    seeded_neutron: SeededNeutron,
    fault_proxy: FaultProxy,
    tmp_path: Path,
    landed: bool,
) -> None:
    """The ML2/OVN plan's first change is a rule (POST, no revision to condition on): Ctrl-C
    while it is held; rollback from the journal then leaves the cloud exactly as before."""
    from kostack.model import loads_snapshot

    snapshot = loads_snapshot(seed_plan_files["snapshot"].read_text(encoding="utf-8"))
    assert snapshot.openstack is not None
    ovn = snapshot.model_copy(
        update={"openstack": snapshot.openstack.model_copy(update={"backend": "ml2/ovn"})}
    )
    snap = tmp_path / "ovn.json"
    snap.write_text(dump_snapshot(ovn), encoding="utf-8")
    conn = openstack_connection(seeded_neutron.endpoint)

    def rules() -> list[str]:
        group = conn.network.get_security_group(seeded_neutron.ids.nodes_sg_id)
        return sorted(r["id"] for r in group.security_group_rules)

    original = rules()
    fault = fault_proxy.inject(
        FaultKind.TIMEOUT, "POST", r"^/v2\.0/security-group-rules", hold_s=120, forward=landed
    )
    journal = tmp_path / "fix.journal.jsonl"
    clouds = seed_plan_files["clouds"]
    run = Kostack.start(
        "fix",
        "apply",
        "--snapshot",
        str(snap),
        "--os-cloud",
        "seed",
        "--yes",
        "--no-verify",
        "--journal",
        str(journal),
        environ={"OS_CLIENT_CONFIG_FILE": str(clouds)},
    )
    wait_for(fault.fired, "the rule create")
    code, _out, err, _took = interrupted(run, "fix apply (a rule create in flight)")
    assert code == 130, err
    state = "it landed" if landed else "its request had no answer yet, so it may still land"
    assert "change a1 (security group k8s-nodes " in err and f"was in flight: {state}" in err
    assert len(rules()) == len(original) + int(landed)
    fault_proxy.clear_faults()
    undo = in_process("fix", "rollback", str(journal), "--yes", clouds=clouds)
    assert undo[0] == 0, undo[2]
    assert rules() == original
