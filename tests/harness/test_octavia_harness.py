"""The real Octavia API harness (testkit/kostack_testkit/octavia_harness.py): what the LoadBalancer tests stand on."""

from __future__ import annotations

from typing import Any

import openstack
import pytest
from conftest_neutron import SeededNeutron

from kostack_testkit.octavia_harness import OctaviaHarness

pytestmark = pytest.mark.neutron


def _conn(seeded: SeededNeutron, octavia: OctaviaHarness) -> Any:
    return openstack.connection.Connection(
        auth_type="none",
        auth={"endpoint": seeded.endpoint},
        network_endpoint_override=seeded.endpoint,
        load_balancer_endpoint_override=octavia.endpoint,
    )


def _tree(
    subnet: str, algorithm: str = "ROUND_ROBIN", monitor: str = "TCP"
) -> list[dict[str, Any]]:
    return [
        {
            "name": "listener_0",
            "protocol": "TCP",
            "protocol_port": 80,
            "default_pool": {
                "name": "pool_0",
                "protocol": "TCP",
                "lb_algorithm": algorithm,
                "members": [
                    {
                        "name": "k8s-w-1",
                        "address": "10.0.0.12",
                        "protocol_port": 31080,
                        "subnet_id": subnet,
                    }
                ],
                "healthmonitor": {"type": monitor, "delay": 5, "timeout": 3, "max_retries": 1},
            },
        }
    ]


def test_amphora_load_balancer_gets_a_real_vip_port_and_settles(
    seeded_neutron: SeededNeutron, octavia: OctaviaHarness
) -> None:
    conn = _conn(seeded_neutron, octavia)
    subnet = seeded_neutron.ids.subnet_id
    lb = conn.load_balancer.create_load_balancer(
        name="kube_service_kubernetes_ns_a", vip_subnet_id=subnet, listeners=_tree(subnet)
    )
    assert lb.provisioning_status == "PENDING_CREATE"
    octavia.settle()
    lb = conn.load_balancer.get_load_balancer(lb.id)
    assert (lb.provisioning_status, lb.operating_status, lb.provider) == (
        "ACTIVE",
        "ONLINE",
        "amphora",
    )
    port = conn.network.get_port(lb.vip_port_id)  # a real Neutron port
    assert port.name == f"octavia-lb-{lb.id}" and port.device_owner == "Octavia"
    (member,) = conn.load_balancer.members(next(iter(conn.load_balancer.pools())).id)
    assert member.operating_status == "ONLINE"


def test_ovn_stand_in_enforces_the_providers_rules_and_makes_its_ports(
    seeded_neutron: SeededNeutron, octavia: OctaviaHarness
) -> None:
    conn = _conn(seeded_neutron, octavia)
    subnet = seeded_neutron.ids.subnet_id
    refused = []
    for algorithm, monitor in (("ROUND_ROBIN", "TCP"), ("SOURCE_IP_PORT", "HTTP")):
        with pytest.raises(openstack.exceptions.HttpException) as caught:
            conn.load_balancer.create_load_balancer(
                name="x",
                vip_subnet_id=subnet,
                provider="ovn",
                listeners=_tree(subnet, algorithm, monitor),
            )
        refused.append((caught.value.status_code, str(caught.value)))
    assert refused[0][0] == 501 and "does not support ROUND_ROBIN algorithm" in refused[0][1]
    assert refused[1][0] == 501 and "does not support HTTP health monitor type" in refused[1][1]
    lb = conn.load_balancer.create_load_balancer(
        name="ok", vip_subnet_id=subnet, provider="ovn", listeners=_tree(subnet, "SOURCE_IP_PORT")
    )
    vip = conn.network.get_port(lb.vip_port_id)
    assert (vip.name, vip.device_owner) == (f"ovn-lb-vip-{lb.id}", "ovn-lb:vip")
    (hm_port,) = conn.network.ports(device_owner="ovn-lb-hm:distributed")
    assert hm_port.name == f"ovn-lb-hm-{subnet}" and hm_port.is_port_security_enabled is False


def test_side_channel_hold_report_backdate_and_reset(
    seeded_neutron: SeededNeutron, octavia: OctaviaHarness
) -> None:
    conn = _conn(seeded_neutron, octavia)
    subnet = seeded_neutron.ids.subnet_id
    octavia.hold(names=["stuck"])
    stuck = conn.load_balancer.create_load_balancer(name="stuck", vip_subnet_id=subnet)
    octavia.settle()
    assert conn.load_balancer.get_load_balancer(stuck.id).provisioning_status == "PENDING_CREATE"
    # Octavia itself refuses changes while pending
    with pytest.raises(openstack.exceptions.ConflictException):
        conn.load_balancer.create_listener(
            loadbalancer_id=stuck.id, protocol="TCP", protocol_port=80
        )
    before = conn.load_balancer.get_load_balancer(stuck.id).created_at
    octavia.backdate([stuck.id], 3600)
    after = conn.load_balancer.get_load_balancer(stuck.id)
    assert after.created_at < before and after.updated_at is None
    octavia.report({"loadbalancers": [{"id": stuck.id, "provisioning_status": "ERROR"}]})
    assert conn.load_balancer.get_load_balancer(stuck.id).provisioning_status == "ERROR"
    assert octavia.reset() < 5
    assert list(conn.load_balancer.load_balancers()) == []
