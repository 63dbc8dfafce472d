"""The lab's Neutron (product code): where its venv lives, how it is made, how its server runs.

The product's server script runs under the tests' launcher
(kostack_testkit.neutron_launcher) here, without the harness's reset paths
(kostack_testkit.neutron_harness), so the product part is checked on its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from kostack_lab.neutron import openstack_connection
from kostack_lab.neutron_venv import (
    MARKER,
    NEUTRON_PACKAGES,
    VENV_ENV,
    NeutronUnavailable,
    find_neutron_python,
    neutron_venv_dir,
    provision_neutron_venv,
    provisioned,
)
from kostack_testkit.neutron_launcher import NeutronServer


def test_the_venv_lives_in_the_user_cache_unless_told_otherwise() -> None:
    assert neutron_venv_dir({"HOME": "/home/ops"}) == Path(
        "/home/ops/.cache/kostack/neutron-29.0.0"
    )
    assert neutron_venv_dir({"HOME": "/home/ops", "XDG_CACHE_HOME": "/var/cache/ops"}) == Path(
        "/var/cache/ops/kostack/neutron-29.0.0"
    )
    assert neutron_venv_dir({"HOME": "/home/ops", VENV_ENV: "/opt/neutron"}) == Path("/opt/neutron")


def test_a_missing_venv_says_how_to_make_it(tmp_path: Path) -> None:
    with pytest.raises(NeutronUnavailable) as missing:
        find_neutron_python({VENV_ENV: str(tmp_path / "nothing")})
    assert "does not exist" in missing.value.message
    assert "python -m kostack_lab.neutron provision" in missing.value.hint
    assert missing.value.exit_code == 3


def test_a_venv_without_the_marker_or_with_other_pins_is_not_used(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    assert not provisioned(venv)  # half made: no marker
    (venv / MARKER).write_text(json.dumps({"packages": ["neutron==28.0.0"]}))
    assert not provisioned(venv)  # made for other pins
    with pytest.raises(NeutronUnavailable, match="incomplete or has other versions"):
        find_neutron_python({VENV_ENV: str(venv)})
    (venv / MARKER).write_text(json.dumps({"packages": list(NEUTRON_PACKAGES)}))
    assert provisioned(venv)
    assert find_neutron_python({VENV_ENV: str(venv)}) == venv / "bin" / "python"
    # complete: provisioning again changes nothing (and runs nothing)
    assert provision_neutron_venv(venv, python="/nonexistent/python") == venv


def test_a_failed_provisioning_removes_the_half_made_venv_and_says_why(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / "leftover").write_text("from an interrupted run")
    with pytest.raises(NeutronUnavailable) as failed:
        provision_neutron_venv(venv, python=sys.executable + "-does-not-exist")
    assert failed.value.message.startswith("could not create the venv")
    assert not (venv / "leftover").exists()
    assert not provisioned(venv)


@pytest.mark.neutron
def test_where_prints_the_provisioned_python(neutron_harness: object) -> None:
    """`python -m kostack_lab.neutron where` finds the venv the tests run Neutron from."""
    completed = subprocess.run(
        [sys.executable, "-m", "kostack_lab.neutron", "where"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert Path(completed.stdout.strip()) == find_neutron_python()


def test_where_without_a_venv_exits_3(tmp_path: Path) -> None:
    env = {**os.environ, VENV_ENV: str(tmp_path / "none")}
    completed = subprocess.run(
        [sys.executable, "-m", "kostack_lab.neutron", "where"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert completed.returncode == 3
    assert completed.stdout == ""
    assert "error: the lab's Neutron venv" in completed.stderr
    assert "hint: make it with `python -m kostack_lab.neutron provision`" in completed.stderr


@pytest.mark.neutron
def test_the_product_server_serves_neutron_without_test_paths(
    neutron_harness: object, tmp_path: Path
) -> None:
    """The server script the lab runs serves the real API and none of the harness's private paths."""
    server = NeutronServer()
    try:
        server.start(tmp_path / "neutron")
        conn = openstack_connection(server.endpoint)
        network = conn.network.create_network(name="launcher-net")
        assert [n.name for n in conn.network.networks()] == ["launcher-net"]
        assert network.mtu == 1450  # VXLAN tenant network, as the lab's seed relies on
        request = urllib.request.Request(server.endpoint + "__kostack__/reset", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 404
        pid = server.pid
    finally:
        server.stop()
    assert not server.running
    assert server.last_returncode == 0
    assert not Path(f"/proc/{pid}").exists()


@pytest.mark.neutron
def test_seed_command_creates_the_seed_cloud(neutron: str) -> None:
    """The command the lab's hints print seeds an empty Neutron with the seed's node ports."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "kostack_lab.neutron",
            "seed",
            "--endpoint",
            neutron,
            "--nodes",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    rows = [line.split("\t") for line in completed.stdout.splitlines()]
    assert [(name, ip) for name, ip, _port in rows] == [
        ("k8s-cp-1", "10.0.0.11"),
        ("k8s-w-1", "10.0.0.12"),
        ("k8s-w-2", "10.0.0.13"),
    ]
    ports = {
        p.name: p.id
        for p in openstack_connection(neutron).network.ports(device_owner="compute:nova")
    }
    assert {name: port for name, _ip, port in rows} == ports


def test_seed_command_needs_an_endpoint() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "kostack_lab.neutron", "seed", "--endpoint", "localhost:9696"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert "error: seed needs --endpoint URL, not 'localhost:9696'" in completed.stderr
