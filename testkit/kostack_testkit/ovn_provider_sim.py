"""A stand-in for the OVN Octavia provider, loaded by the test Octavia server as provider ``ovn``.

TEST SUPPORT, never shipped. ovn-octavia-provider itself needs an OVN
northbound database; this stand-in keeps what a diagnosis can observe of it
through the Octavia and Neutron APIs:

- its option rules (ovn-octavia-provider master, ovn_octavia_provider/driver.py
  and common/constants.py): protocols TCP, UDP and SCTP only; algorithms
  SOURCE_IP_PORT and SOURCE_IP only; no listener ``allowed_cidrs``; health
  monitors of type TCP and UDP-CONNECT only; no member monitor address or
  port. A request outside them fails with Octavia's UnsupportedOptionError
  (HTTP 501 "Provider 'ovn' does not support a requested option: ...");
- its Neutron ports (ovn_octavia_provider/helper.py): the VIP port
  ``ovn-lb-vip-<lb id>`` (device_owner ``ovn-lb:vip``, device_id
  ``lb-<lb id>``) and, once a pool of a subnet has a health monitor, the
  ``ovn-lb-hm-<subnet id>`` port (device_owner ``ovn-lb-hm:distributed``,
  port security off) whose address is the source of OVN's health checks.

Statuses come from the server's simulator, like every provider's here.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from octavia.api.drivers.noop_driver.driver import NoopProviderDriver
from octavia_lib.api.drivers import data_models
from octavia_lib.api.drivers import exceptions as driver_exceptions
from oslo_config import cfg

PROTOCOLS = ("TCP", "UDP", "SCTP")
ALGORITHMS = ("SOURCE_IP_PORT", "SOURCE_IP")
MONITOR_TYPES = ("UDP-CONNECT", "TCP")
VIP_PORT_PREFIX = "ovn-lb-vip-"
VIP_DEVICE_OWNER = "ovn-lb:vip"
HM_PORT_PREFIX = "ovn-lb-hm-"
HM_DEVICE_OWNER = "ovn-lb-hm:distributed"


def _unsupported(message: str) -> driver_exceptions.UnsupportedOptionError:
    return driver_exceptions.UnsupportedOptionError(
        user_fault_string=message, operator_fault_string=message
    )


def _set(value: Any) -> bool:
    return not isinstance(value, data_models.UnsetType) and value is not None


class _Neutron:
    """Just enough of the Neutron API (the harness's keystone-less endpoint)."""

    def __init__(self) -> None:
        self.endpoint = str(cfg.CONF.neutron.endpoint_override or cfg.CONF.neutron.endpoint)
        self.endpoint = self.endpoint.rstrip("/") + "/v2.0/"

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.endpoint + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def subnet(self, subnet_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"subnets/{subnet_id}")["subnet"])

    def port_named(self, name: str) -> dict[str, Any] | None:
        ports = self.call("GET", f"ports?name={name}")["ports"]
        return dict(ports[0]) if ports else None

    def create_port(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self.call("POST", "ports", {"port": body})["port"])


class OvnSimProviderDriver(NoopProviderDriver):  # type: ignore[misc]
    """NoopProviderDriver with ovn-octavia-provider's option rules and Neutron ports."""

    def __init__(self) -> None:
        super().__init__()
        self.name = "ovn"

    # -- rules ---------------------------------------------------------------

    def _protocol(self, protocol: Any) -> None:
        if _set(protocol) and protocol not in PROTOCOLS:
            raise _unsupported(f"OVN provider does not support {protocol} protocol")

    def _algorithm(self, algorithm: Any) -> None:
        if _set(algorithm) and algorithm not in ALGORITHMS:
            raise _unsupported(f"OVN provider does not support {algorithm} algorithm")

    def _allowed_cidrs(self, cidrs: Any) -> None:
        if _set(cidrs) and cidrs:
            raise _unsupported("OVN provider does not support allowed_cidrs option")

    def _member(self, member: Any) -> None:
        if _set(getattr(member, "monitor_address", None)) or _set(
            getattr(member, "monitor_port", None)
        ):
            raise _unsupported(
                "OVN Load Balancer does not support different member monitor address or port."
            )

    def _monitor(self, monitor: Any) -> None:
        kind = getattr(monitor, "type", None)
        if _set(kind) and kind not in MONITOR_TYPES:
            raise _unsupported(
                f"OVN provider does not support {kind} health monitor type. "
                f"Supported types: {', '.join(MONITOR_TYPES)}"
            )

    def _listener(self, listener: Any) -> None:
        self._protocol(listener.protocol)
        self._allowed_cidrs(getattr(listener, "allowed_cidrs", None))

    def _pool(self, pool: Any) -> None:
        self._protocol(pool.protocol)
        self._algorithm(pool.lb_algorithm)
        for member in pool.members if _set(pool.members) else ():
            self._member(member)
        if _set(getattr(pool, "healthmonitor", None)):
            self._monitor(pool.healthmonitor)

    # -- ports ----------------------------------------------------------------

    def create_vip_port(
        self,
        loadbalancer_id: str,
        project_id: str,
        vip_dictionary: dict[str, Any],
        additional_vip_dicts: Any,
    ) -> Any:
        neutron = _Neutron()
        subnet_id = vip_dictionary.get("vip_subnet_id")
        network_id = vip_dictionary.get("vip_network_id")
        if not network_id and subnet_id:
            network_id = neutron.subnet(subnet_id)["network_id"]
        fixed: dict[str, Any] = {"subnet_id": subnet_id} if subnet_id else {}
        if vip_dictionary.get("vip_address"):
            fixed["ip_address"] = vip_dictionary["vip_address"]
        port = neutron.create_port(
            {
                "name": VIP_PORT_PREFIX + loadbalancer_id,
                "network_id": network_id,
                "fixed_ips": [fixed] if fixed else [],
                "device_owner": VIP_DEVICE_OWNER,
                "device_id": f"lb-{loadbalancer_id}",
                "project_id": project_id,
                "admin_state_up": True,
            }
        )
        address = port["fixed_ips"][0]
        vip = {
            "vip_address": address["ip_address"],
            "vip_network_id": port["network_id"],
            "vip_port_id": port["id"],
            "vip_subnet_id": address["subnet_id"],
            "vip_sg_ids": [],
        }
        return vip, []

    def _ensure_hm_port(self, subnet_id: str, project_id: str) -> None:
        neutron = _Neutron()
        name = HM_PORT_PREFIX + subnet_id
        if neutron.port_named(name) is not None:
            return
        subnet = neutron.subnet(subnet_id)
        neutron.create_port(
            {
                "name": name,
                "network_id": subnet["network_id"],
                "fixed_ips": [{"subnet_id": subnet_id}],
                "admin_state_up": True,
                "port_security_enabled": False,
                "device_owner": HM_DEVICE_OWNER,
                "device_id": name,
                "project_id": project_id,
            }
        )

    def _hm_ports_for(self, pool: Any, default_subnet: Any, project_id: str) -> None:
        subnets = {
            m.subnet_id if _set(m.subnet_id) else default_subnet
            for m in (pool.members if _set(pool.members) else ())
        }
        for subnet_id in sorted(s for s in subnets if s):
            self._ensure_hm_port(subnet_id, project_id)

    # -- the provider API ----------------------------------------------------------

    def loadbalancer_create(self, loadbalancer: Any) -> None:
        for listener in loadbalancer.listeners if _set(loadbalancer.listeners) else ():
            self._listener(listener)
        pools = list(loadbalancer.pools) if _set(loadbalancer.pools) else []
        for pool in pools:
            self._pool(pool)
        for pool in pools:
            if _set(getattr(pool, "healthmonitor", None)):
                self._hm_ports_for(pool, loadbalancer.vip_subnet_id, loadbalancer.project_id)
        super().loadbalancer_create(loadbalancer)

    def loadbalancer_failover(self, loadbalancer_id: str) -> None:
        raise _unsupported("OVN provider does not support loadbalancer failover")

    def listener_create(self, listener: Any) -> None:
        self._listener(listener)
        super().listener_create(listener)

    def listener_update(self, old_listener: Any, new_listener: Any) -> None:
        self._allowed_cidrs(getattr(new_listener, "allowed_cidrs", None))
        super().listener_update(old_listener, new_listener)

    def pool_create(self, pool: Any) -> None:
        self._pool(pool)
        super().pool_create(pool)

    def pool_update(self, old_pool: Any, new_pool: Any) -> None:
        self._protocol(getattr(new_pool, "protocol", None))
        self._algorithm(getattr(new_pool, "lb_algorithm", None))
        super().pool_update(old_pool, new_pool)

    def member_create(self, member: Any) -> None:
        self._member(member)
        super().member_create(member)

    def member_batch_update(self, pool_id: str, members: Any) -> None:
        for member in members:
            self._member(member)
        super().member_batch_update(pool_id, members)

    def health_monitor_create(self, healthmonitor: Any) -> None:
        self._monitor(healthmonitor)
        super().health_monitor_create(healthmonitor)
