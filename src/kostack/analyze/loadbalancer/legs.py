"""The member leg of the way in: a member node's security groups, then kube-proxy's NodePort.

Shared by the client path (path.py) and the health monitor (monitor.py): both
end at a node's Neutron port on a NodePort (or the health-check node port)
from a set of sources, and then meet kube-proxy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

from kostack.analyze.engine.antispoof import antispoof
from kostack.analyze.engine.calico_ebpf import CALICO_EBPF, dsr_for, node_port_proxy
from kostack.analyze.engine.kube_proxy import proxy_unseen
from kostack.analyze.engine.node_ports import outside_addresses, removed_proxy
from kostack.analyze.engine.service_proxy import proxy_where
from kostack.analyze.engine.vnic import unfiltered
from kostack.analyze.loadbalancer.admission import Admission, Coverage, admission
from kostack.analyze.loadbalancer.index import BalancedService, LBIndex, MemberView
from kostack.analyze.loadbalancer.provider import SourceSet
from kostack.analyze.messages import Msg
from kostack.analyze.reach import Disposition, Endpoint, Evidence, Hop, node_label, trace
from kostack.analyze.topology import Topology, short_id
from kostack.model.cni import Calico
from kostack.model.snapshot import IPNetwork


@dataclass(frozen=True)
class Admitted:
    """The security-group hop for one member and the admission behind it."""

    hop: Hop
    admission: Admission | None
    source: SourceSet | None


def _rules_text(index: LBIndex, adm: Admission) -> str:
    parts = []
    for rule in adm.rules[:3]:
        group = index.topo.groups.get(rule.remote_group_id or "")
        remote = str(rule.remote_ip_prefix or "") or (
            Msg("lb.rule-group", name=group.name) if group else Msg("sg.remote.any")
        )
        ports = (
            f" {rule.port_range_min}-{rule.port_range_max}"
            if rule.port_range_min is not None
            else ""
        )
        what = f"{rule.protocol or 'any'}{ports}"
        parts.append(Msg("lb.rule", id=short_id(rule.id), what=what, remote=remote))
    return Msg("text.join", items=parts) if parts else "-"


def host_port(address: object, port: object) -> str:
    """``address:port``, an IPv6 address in brackets."""
    return f"[{address}]:{port}" if ":" in str(address) else f"{address}:{port}"


def security_group_hop(
    index: LBIndex,
    mv: MemberView,
    candidates: list[SourceSet | None],
    protocol: str,
    port: int,
) -> Admitted:
    """Does the member node's port admit ``candidates`` (one, or one per provider) on ``port``?"""
    node = mv.node
    where = node.port_label() if node is not None else Msg("lb.where-member", member=mv.label)
    at = partial(Hop, "sg-ingress", where)
    if node is None:
        why = Msg("lb.member-not-node", member=mv.label, ip=mv.address or "?")
        return Admitted(at(Disposition.UNKNOWN, why, cause="lb-member-unknown"), None, None)
    if node.port is None:
        return Admitted(at(Disposition.UNKNOWN, node.port_note, cause="no-port"), None, None)
    sources = [s for s in candidates if s is not None]
    if len(sources) < len(candidates):
        return Admitted(at(Disposition.UNKNOWN, Msg("lb.source-unknown"), cause="gap"), None, None)
    results = [(s, admission(index.topo, node.port, s.prefixes, protocol, port)) for s in sources]
    source, adm = results[0]
    if len({a.coverage for _, a in results}) > 1:
        shown = " / ".join(s.label for s, _ in results)
        why = Msg("lb.provider-decides", port=port, sources=shown)
        return Admitted(at(Disposition.UNKNOWN, why, cause="lb-provider-unknown"), adm, source)
    wire = f"{source.text} -> {host_port(mv.address or node.ip, port)}/{protocol}"
    evidence = tuple(
        Evidence("security_group_rule", r.id, "remote_ip_prefix", str(r.remote_ip_prefix or ""))
        for r in adm.rules[:3]
    ) or tuple(
        Evidence("security_group", g, "rules", "ingress") for g in node.port.security_group_ids
    )
    if adm.coverage == Coverage.NO_FILTER:
        hop = at(
            Disposition.NOT_APPLICABLE,
            Msg("lb.sg-no-filter"),
            (Evidence("port", node.port.id, "port_security_enabled", "false"),),
        )
    elif adm.coverage == Coverage.ALL:
        rules = _rules_text(index, adm)
        hop = at(
            Disposition.ACCEPTED,
            Msg("lb.sg-admits", source=source.label, wire=wire, rules=rules),
            evidence,
        )
    elif adm.coverage == Coverage.UNKNOWN:
        why = Msg("lb.sg-undecided", source=source.label, wire=wire, why=adm.reason)
        hop = at(Disposition.UNKNOWN, why, evidence, cause="sg-undecided")
    else:
        groups = ", ".join(adm.groups) or "none"
        refused = ", ".join(str(r) for r in adm.refused[:4])
        key = "lb.sg-denies" if adm.coverage == Coverage.NONE else "lb.sg-denies-some"
        hop = at(
            Disposition.DENIED,
            Msg(key, source=source.label, wire=wire, groups=groups, refused=refused),
            (*source.evidence, *evidence),
            cause="lb-nodeport-blocked",
        )
    return Admitted(unfiltered(hop, node.port, index.topo), adm, source)


def kube_proxy_hop(
    index: LBIndex,
    bs: BalancedService,
    mv: MemberView,
    node_port: int,
    *,
    health_check: bool = False,
) -> Hop:
    """What kube-proxy (or what replaces it: engine/calico_ebpf.py `node_port_proxy`) on the
    member node does with a connection to the NodePort."""
    node = mv.node
    name = node.name if node else mv.label
    proxy = node_port_proxy(index.topo)
    at = partial(Hop, "kube-proxy", proxy_where(proxy, name))
    by = {} if proxy == "kube-proxy" else {"proxy": proxy}  # its own words for another proxy

    def said(key: str, **params: object) -> Msg:
        return Msg(f"{key}-by", **params, **by) if by else Msg(key, **params)

    svc = bs.service
    ev = Evidence(
        "service", bs.key, "spec.externalTrafficPolicy", svc.external_traffic_policy or "Cluster"
    )
    if node is not None and node.node.ready is False:
        return at(
            Disposition.DENIED,
            said("lb.node-not-ready", node=node.name),
            (Evidence("node", node.name, "status.conditions[Ready]", "False"),),
            cause="lb-node-not-ready",
        )
    if node is not None:
        unanswered = removed_proxy(index.topo, node.name, node_port) or outside_addresses(
            index.topo, node.node, mv.address or node.ip, node_port
        )
        if unanswered is not None:
            if unanswered.disposition == Disposition.DENIED:  # no proxy named where none runs
                at = partial(Hop, "kube-proxy", Msg("where.no-node-port-proxy", node=name))
            return at(
                unanswered.disposition, unanswered.why, unanswered.evidence, cause=unanswered.cause
            )
    if svc.endpoints is None:
        why = Msg("hop.no-endpoints-collected", svc=bs.key)
        return at(Disposition.UNKNOWN, why, cause="gap")
    if not by and proxy_unseen(index.topo):
        why = Msg("lb.no-proxy-seen", port=node_port)
        where = proxy_where(
            Msg("proxy.service-proxy"), name
        )  # what runs, if anything, is not known
        return Hop("kube-proxy", where, Disposition.UNKNOWN, why, (ev,), cause="gap")
    ready = [e for e in svc.endpoints if e.ready]
    local = [e for e in ready if node is not None and e.node == node.name]
    if health_check:
        if local:
            return at(
                Disposition.ACCEPTED, said("lb.healthz-200", port=node_port, n=len(local)), (ev,)
            )
        why = said("lb.healthz-503", port=node_port)
        return at(Disposition.DENIED, why, (ev,), cause="lb-no-local-endpoint")
    if not ready:
        return at(
            Disposition.DENIED,
            Msg("hop.no-endpoints-proxy", svc=bs.key, **by)
            if by
            else Msg("hop.no-endpoints", svc=bs.key),
            (Evidence("endpointslice", bs.key, "endpoints", "[]"),),
            cause="no-endpoints",
        )
    if bs.local_policy:
        if not local:
            why = said("lb.local-no-endpoint", port=node_port, node=node.name if node else "?")
            return at(Disposition.DENIED, why, (ev,), cause="lb-no-local-endpoint")
        return at(Disposition.ACCEPTED, Msg("lb.local-dnat", port=node_port, n=len(local)), (ev,))
    why = Msg("lb.cluster-dnat", port=node_port, n=len(ready), local=len(local))
    return at(Disposition.ACCEPTED, why, (ev,))


def ebpf_tunnel(
    topo: Topology,
    src: Endpoint,
    backend: str | None,
    pod: object,
    calico: Calico,
    clients: Sequence[IPNetwork] = (),
) -> list[Hop]:
    """Calico's eBPF data plane sends the connection from node ``src`` to the backend's node in
    VXLAN on Felix's vxlanPort, node address to node address, whatever the pools'
    encapsulation (engine/calico_ebpf.py); in Tunnel mode the reply comes back in it too, as
    it does under DSR for ``clients`` in bpfDSROptoutCIDRs (partly in them: undecided)."""
    view = topo.node_views.get(backend or "")
    port = calico.vxlan_port
    where = Msg("where.proxy", proxy=CALICO_EBPF, node=src.node or "?")
    decided = dsr_for(calico, clients)
    dsr = decided is not False
    back = Msg("lb.ebpf-back-dsr", dst=backend or "?") if dsr else Msg("lb.ebpf-back-tunnel")
    if calico.bpf_external_service_mode is None:
        back = Msg("lb.ebpf-back-unknown")
    elif decided is None:
        back = Msg(
            "lb.ebpf-back-optout",
            clients=", ".join(map(str, clients)) or "?",
            optout=", ".join(map(str, calico.bpf_dsr_optout_cidrs or ())),
            dst=backend or "?",
        )
    text = Msg("lb.ebpf-tunnel", node=src.node, pod=pod, dst=backend, port=port, back=back)
    hop = Hop("kube-proxy", where, Disposition.ACCEPTED, text)
    if view is None or view.ip is None or port is None or decided is None:
        return [replace(hop, disposition=Disposition.UNKNOWN, cause="gap")]
    dst = Endpoint("node", node_label(view.name, view.ip), view.ip, view.name)
    legs = [(src, dst)] if dsr else [(src, dst), (dst, src)]
    hops = [hop]
    for a, b in legs:
        found = trace(topo, a, b, "udp", port)
        hops.extend(found[0].hops if found else ())
    if dsr and view.port is not None and src.ip is not None:
        # the answer leaves the backend's node from the ingress node's address (felixconfig.go:
        # "the remote node appears to use the IP of the ingress node")
        hops.append(antispoof(topo, view.port, src.ip, view.port_label(), "reply"))
    return hops
