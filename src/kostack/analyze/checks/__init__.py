"""The checks, registered explicitly (no package walking)."""

from __future__ import annotations

from types import ModuleType

from kostack.analyze.checks import (
    inv_lb_two_controllers,
    inv_node_port_match,
    lb_etp_local,
    lb_floating_ip,
    lb_members_down,
    lb_nodeport_source,
    lb_ovn_limits,
    lb_pending_service,
    lb_provisioning,
    lb_source_ranges,
    net_api_service,
    net_calico_ebpf_dsr,
    net_calico_ebpf_kube_proxy,
    net_calico_host_nat,
    net_calico_node_address,
    net_cidr_overlap,
    net_dns,
    net_mtu,
    net_pod_egress,
    net_pod_src_antispoof,
    net_pod_to_pod,
    net_service_proxy,
    net_sg_antrea_memberlist,
    net_sg_bgp,
    net_sg_calico_ebpf,
    net_sg_cilium_health,
    net_sg_cni_encap,
    net_sg_control_plane,
    net_sg_ipip_proto,
    net_sg_metallb_bgp,
    net_sg_pod_source_ingress,
    net_sg_stateless,
    net_sg_typha,
    neutron_allowed_pairs_scope,
    neutron_egress_ip_pairs,
    neutron_port_admin_down,
    neutron_port_security_disabled,
    neutron_underlay_addresses,
    neutron_vip_pairs,
)
from kostack.analyze.checks.base import NO_ROLE, Check, Role

_MODULES: tuple[ModuleType, ...] = (
    net_pod_src_antispoof,
    net_calico_host_nat,
    net_sg_cni_encap,
    net_sg_ipip_proto,
    net_sg_pod_source_ingress,
    net_sg_bgp,
    net_sg_typha,
    net_sg_control_plane,
    net_sg_cilium_health,
    net_sg_antrea_memberlist,
    net_dns,
    net_api_service,
    net_pod_to_pod,
    net_pod_egress,
    net_mtu,
    net_cidr_overlap,
    neutron_port_security_disabled,
    neutron_port_admin_down,
    neutron_allowed_pairs_scope,
    inv_node_port_match,
    lb_nodeport_source,
    lb_members_down,
    lb_provisioning,
    lb_etp_local,
    lb_ovn_limits,
    lb_source_ranges,
    lb_floating_ip,
    lb_pending_service,
    # appended: the rule indexes of SARIF answers stay as they were
    net_sg_stateless,
    net_calico_node_address,
    neutron_vip_pairs,
    neutron_egress_ip_pairs,
    neutron_underlay_addresses,
    net_sg_metallb_bgp,
    net_sg_calico_ebpf,
    net_calico_ebpf_kube_proxy,
    inv_lb_two_controllers,
    net_service_proxy,
    net_calico_ebpf_dsr,
)

# every module says which remedy operations its findings carry (REMEDIES, required: guard
# holds its removals on the UNKNOWN of a check that drives pairs or rules) and which causes
# they name, of what kind (CAUSE_KINDS, required: analyze/diagnose.py's cause sets are their union);
# a check that is a symptom or reads addresses says so (ROLE), and one whose answer is a
# critical path of the verdict names it (CRITICAL_PATH): where they have one, none by default;
# the check sets diagnose, the verdict and the reports act on are what the checks declare
CHECKS: tuple[Check, ...] = tuple(
    Check(
        m.ID,
        m.TITLE,
        m.SEVERITY,
        m.NEEDS,
        m.run,
        m.__name__,
        m.REMEDIES,
        m.CAUSE_KINDS,
        getattr(m, "ROLE", NO_ROLE),
        getattr(m, "CRITICAL_PATH", ""),
    )
    for m in _MODULES
)
BY_ID: dict[str, Check] = {c.id: c for c in CHECKS}


def with_role(role: Role) -> tuple[str, ...]:
    """The ids of the checks whose ROLE holds ``role``, in the order they run."""
    return tuple(check.id for check in CHECKS if role in check.role)
