"""engine/vnic.py's tables as the real Neutron has them (neutron 29.0.0, the lab's venv):
which driver binds which vnic type on which network type (docs/facts.md "Ports Neutron's
firewall may not filter"). Asked of the drivers' own code, not read from their source."""

from __future__ import annotations

import json
import subprocess

from kostack.analyze.engine.cases import OFFLOADED, VIF_FILTERED
from kostack.analyze.engine.vnic import FILTERED, SRIOV
from kostack_lab.neutron_venv import find_neutron_python

PROBE = """
import json
from neutron_lib.plugins.ml2 import ovs_constants as constants
from neutron_lib.api.definitions import portbindings as pb
from neutron.common.ovn import constants as ovn_const, utils as ovn_utils
from neutron.conf.plugins.ml2.drivers.openvswitch import mech_ovs_conf
from neutron.plugins.ml2.drivers.mech_sriov.mech_driver import mech_driver as sriov
from neutron.plugins.ml2.drivers.openvswitch.mech_driver import mech_openvswitch as ovs
from neutron.plugins.ml2.drivers.ovn.mech_driver import mech_driver as ovn
from neutron.plugins.ml2.drivers.macvtap.mech_driver import mech_macvtap as macvtap
from neutron.plugins.ml2.drivers.macvtap.agent import macvtap_neutron_agent as macvtap_agent
from oslo_config import cfg

mech_ovs_conf.register_ovs_mech_driver_opts()
every = ("local", "flat", "vlan", *constants.TUNNEL_NETWORK_TYPES)
agent = {"configurations": {"tunnel_types": list(constants.TUNNEL_NETWORK_TYPES)}}
def firewall_refused(driver):
    cfg.CONF.set_override("firewall_driver", driver, "SECURITYGROUP")
    try:
        macvtap_agent.validate_firewall_driver()
    except SystemExit:
        return True
    return False
def external(vnic, caps):
    return ovn_utils.is_port_external({pb.VNIC_TYPE: vnic, pb.PROFILE: {"capabilities": caps}})
print(json.dumps({
    "vnic_types": pb.VNIC_TYPES,
    "tunnels": list(constants.TUNNEL_NETWORK_TYPES),
    "sriov_vnics": sriov.SRIOV_SUPPORTED_VNIC_TYPES,
    "sriov_types": list(sriov.SriovNicSwitchMechanismDriver.get_allowed_network_types(None, None)),
    "ovs_vnics": ovs.OpenvswitchMechanismDriver().supported_vnic_types,
    "ovs_types": list(ovs.OpenvswitchMechanismDriver().get_allowed_network_types(agent)),
    "ovn_vnics": ovn_const.OVN_SUPPORTED_VNIC_TYPES,
    "ovn_types": [t for t in every if ovn.OVNMechanismDriver._is_network_type_supported(None, t)],
    "ovn_external": [v for v in pb.VNIC_TYPES if external(v, [])],
    "ovn_external_switchdev": [v for v in pb.VNIC_TYPES if external(v, ["switchdev"])],
    "sriov_vifs": sorted(set(
        sriov.SriovNicSwitchMechanismDriver().vnic_type_for_vif_type.values()
    )),
    "ovs_vif": ovs.OpenvswitchMechanismDriver().vif_type,
    "macvtap_vif": macvtap.MacvtapMechanismDriver().vif_type,
    "macvtap_vnics": macvtap.MacvtapMechanismDriver().supported_vnic_types,
    "macvtap_firewalls": [fw for fw in ("noop", "openvswitch", "iptables_hybrid")
                          if not firewall_refused(fw)],
}))
"""


def _neutron() -> dict[str, list[str]]:
    run = subprocess.run(
        [str(find_neutron_python()), "-c", PROBE],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    facts: dict[str, list[str]] = json.loads(run.stdout.splitlines()[-1])
    return facts


def test_the_vnic_tables_are_the_real_drivers() -> None:
    facts = _neutron()
    overlays = set(facts["tunnels"])
    assert overlays == {"vxlan", "gre", "geneve"}
    # every vnic type kostack knows is one Neutron accepts ("vdpa", never "vhost-vdpa")
    assert set(facts["vnic_types"]) >= FILTERED | SRIOV
    # sriovnicswitch: the SR-IOV types, on flat and VLAN networks only
    assert set(facts["sriov_vnics"]) == SRIOV
    assert set(facts["sriov_types"]) == {"flat", "vlan"}
    # the SR-IOV types ML2/OVS and ML2/OVN bind (with switchdev: OVN makes none of them an
    # external port then), and the overlays each has
    for backend, key in (("ml2/ovs", "ovs"), ("ml2/ovn", "ovn")):
        types, vnics = OFFLOADED[backend]  # type: ignore[index]
        assert set(facts[f"{key}_types"]) & overlays == types, backend
        assert set(facts[f"{key}_vnics"]) & SRIOV == vnics, backend
    assert set(facts["ovn_external"]) == {"direct", "direct-physical", "macvtap", "baremetal"}
    assert facts["ovn_external_switchdev"] == []
    # what the OVS/OVN firewall filters: the types they bind that are neither SR-IOV nor
    # bare metal
    bound = set(facts["ovs_vnics"]) | set(facts["ovn_vnics"])
    assert bound - SRIOV - {"baremetal"} == FILTERED
    # binding:vif_type: ML2/OVS binds "ovs" (OVN too), filtered; sriovnicswitch hw_veb or
    # hostdev_physical, and the macvtap driver (normal ports) macvtap, whose agent refuses to
    # start with any firewall but noop: neither filters
    assert facts["ovs_vif"] == "ovs" and VIF_FILTERED["ovs"]
    unfiltered = {*facts["sriov_vifs"], facts["macvtap_vif"]}
    assert unfiltered == {v for v, filtered in VIF_FILTERED.items() if not filtered}
    assert facts["macvtap_vnics"] == ["normal"] and facts["macvtap_firewalls"] == ["noop"]
