"""The fault-injecting proxy, in front of the real Neutron harness."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

import pytest
from keystoneauth1 import exceptions as ks_exceptions
from openstack import exceptions as sdk_exceptions

from kostack_lab.neutron import openstack_connection
from kostack_testkit.faultproxy import FaultKind, FaultProxy

if TYPE_CHECKING:
    from conftest_neutron import SeededNeutron

pytestmark = pytest.mark.neutron

PORT_PATH = r"^/v2\.0/ports/[0-9a-f-]+$"
NETWORKS = r"^/v2\.0/networks$"


def test_forwards_and_counts_by_method_and_path(neutron: str, fault_proxy: FaultProxy) -> None:
    conn = openstack_connection(fault_proxy.endpoint)
    network = conn.network.create_network(name="counted")
    list(conn.network.networks())
    list(conn.network.networks(name="counted"))
    conn.network.get_network(network.id)

    counts = fault_proxy.counts()
    assert counts[("POST", "/v2.0/networks")] == 1
    assert counts[("GET", "/v2.0/networks")] == 2  # the query string is not part of the key
    assert counts[("GET", f"/v2.0/networks/{network.id}")] == 1
    assert fault_proxy.count("GET", NETWORKS) == 2
    assert fault_proxy.count("*", r"^/v2\.0/networks") == 4
    queries = [r.query for r in fault_proxy.requests() if r.path == "/v2.0/networks"]
    assert "name=counted" in queries
    assert all(r.status in (200, 201) and r.fault is None for r in fault_proxy.requests())

    fault_proxy.reset_counts()
    assert fault_proxy.requests() == []
    # The proxy really forwards: the network exists in Neutron itself.
    assert openstack_connection(neutron).network.get_network(network.id).name == "counted"


def test_http_500_hits_only_the_nth_matching_request(neutron: str, fault_proxy: FaultProxy) -> None:
    conn = openstack_connection(fault_proxy.endpoint)
    fault = fault_proxy.inject(FaultKind.HTTP_500, "POST", NETWORKS, nth=2)

    conn.network.create_network(name="first")
    assert not fault.fired.is_set()
    with pytest.raises(sdk_exceptions.HttpException) as caught:
        conn.network.create_network(name="second")
    assert caught.value.status_code == 500
    assert caught.value.response is not None
    assert caught.value.response.json()["NeutronError"]["type"] == "HTTPInternalServerError"
    assert fault.fired.is_set()
    assert fault.fired_request is not None and fault.fired_request.fault is FaultKind.HTTP_500
    conn.network.create_network(name="third")  # one-shot: disarmed after firing

    names = {n.name for n in openstack_connection(neutron).network.networks()}
    assert names == {"first", "third"}  # the faulted request never reached Neutron
    assert fault_proxy.count("POST", NETWORKS) == 3
    assert fault_proxy.pending_faults() == []


def test_http_409_carries_a_neutron_error_body(
    seeded_neutron: SeededNeutron, fault_proxy: FaultProxy
) -> None:
    conn = openstack_connection(fault_proxy.endpoint)
    port_id = seeded_neutron.ids.port_ids["k8s-w-1"]
    fault_proxy.inject(
        FaultKind.HTTP_409,
        "PUT",
        PORT_PATH,
        error_type="PortSecurityPortHasSecurityGroup",
        message="Port has security group associated.",
    )
    with pytest.raises(sdk_exceptions.ConflictException) as caught:
        conn.network.update_port(port_id, port_security_enabled=False)
    assert caught.value.status_code == 409
    assert caught.value.response is not None
    assert caught.value.response.json() == {
        "NeutronError": {
            "type": "PortSecurityPortHasSecurityGroup",
            "message": "Port has security group associated.",
            "detail": "",
        }
    }
    assert caught.value.request_id is not None
    assert caught.value.request_id.startswith("req-")


@pytest.mark.parametrize("forward", [False, True])
def test_timeout_holds_longer_than_the_client_waits(
    seeded_neutron: SeededNeutron, fault_proxy: FaultProxy, forward: bool
) -> None:
    port_id = seeded_neutron.ids.port_ids["k8s-w-1"]
    conn = openstack_connection(fault_proxy.endpoint, timeout_s=0.5)
    conn.network.get_port(port_id)  # version discovery outside the timed part
    fault = fault_proxy.inject(FaultKind.TIMEOUT, "PUT", PORT_PATH, hold_s=30, forward=forward)

    # openstacksdk lets keystoneauth's exception through unwrapped, and does not retry:
    # ConnectTimeout is the kind of the client's own 0.5 s timeout, not an end of the 30 s hold.
    with pytest.raises(ks_exceptions.ConnectTimeout):
        conn.network.update_port(port_id, allowed_address_pairs=[{"ip_address": "10.244.0.0/16"}])
    assert fault.fired.wait(
        10
    )  # under load the proxy may read the request after the client gave up
    assert fault_proxy.count("PUT", PORT_PATH) == 1

    pairs = openstack_connection(seeded_neutron.endpoint).network.get_port(port_id)
    # forward=True: Neutron applied the change, only the answer was lost.
    assert bool(pairs.allowed_address_pairs) is forward


@pytest.mark.parametrize("forward", [False, True])
def test_reset_closes_the_connection_with_rst(
    seeded_neutron: SeededNeutron, fault_proxy: FaultProxy, forward: bool
) -> None:
    port_id = seeded_neutron.ids.port_ids["k8s-w-2"]
    conn = openstack_connection(fault_proxy.endpoint)
    conn.network.get_port(port_id)
    fault = fault_proxy.inject(FaultKind.RESET, "PUT", PORT_PATH, forward=forward)

    with pytest.raises(ks_exceptions.ConnectFailure) as caught:
        conn.network.update_port(port_id, allowed_address_pairs=[{"ip_address": "10.244.0.0/16"}])
    assert "Connection reset by peer" in str(caught.value)
    assert fault.fired.is_set()
    assert fault_proxy.count("PUT", PORT_PATH) == 1
    pairs = openstack_connection(seeded_neutron.endpoint).network.get_port(port_id)
    assert bool(pairs.allowed_address_pairs) is forward


def test_reset_is_a_tcp_rst_on_the_wire(neutron: str, fault_proxy: FaultProxy) -> None:
    fault_proxy.inject(FaultKind.RESET, "GET", NETWORKS)
    host, port = fault_proxy.endpoint.removeprefix("http://").rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as client:
        client.sendall(b"GET /v2.0/networks HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(ConnectionResetError):
            client.recv(1024)


def test_stop_releases_a_held_connection(neutron: str) -> None:
    proxy = FaultProxy(neutron)
    proxy.start()
    fault = proxy.inject(FaultKind.TIMEOUT, "GET", NETWORKS, hold_s=60)
    request = urllib.request.Request(proxy.endpoint + "v2.0/networks")
    with pytest.raises(OSError):
        urllib.request.urlopen(request, timeout=0.3)
    assert fault.fired.wait(timeout=5)

    # stop() does not wait out the 60 s hold (a 30 s guard, well below it, ends a hang)
    stopper = threading.Thread(target=proxy.stop, daemon=True)
    stopper.start()
    stopper.join(30)
    assert not stopper.is_alive()


def test_two_faults_due_on_one_request_fire_one_after_the_other(
    neutron: str, fault_proxy: FaultProxy
) -> None:
    first = fault_proxy.inject(FaultKind.HTTP_500, "GET", NETWORKS)
    second = fault_proxy.inject(FaultKind.HTTP_409, "*", NETWORKS)
    url = fault_proxy.endpoint + "v2.0/networks"
    statuses = []
    for _ in range(3):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as exc:
            statuses.append(exc.code)
    assert statuses == [500, 409, 200]
    assert first.fired.is_set() and second.fired.is_set()


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        FaultProxy("https://127.0.0.1:1/")
    proxy = FaultProxy("http://127.0.0.1:1/")
    with pytest.raises(ValueError):
        proxy.inject(FaultKind.HTTP_500, "GET", "x", nth=0)
    with pytest.raises(RuntimeError):
        _ = proxy.endpoint
