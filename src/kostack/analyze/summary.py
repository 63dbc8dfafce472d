"""One-line descriptions of the environment and of root causes, in English and Korean."""

from __future__ import annotations

from dataclasses import dataclass

from kostack.analyze.topology import Topology
from kostack.model.snapshot import Snapshot


@dataclass(frozen=True)
class Environment:
    project: str
    networks: tuple[str, ...]
    node_ports: int
    security_groups: int
    kubernetes_version: str
    nodes: int
    control_plane: int
    workers: int
    cni: str
    pools: tuple[str, ...]
    kube_proxy: str
    backend: str
    node_subnets: tuple[str, ...]
    os_images: tuple[str, ...]
    release: str


def describe_cni(snapshot: Snapshot) -> tuple[str, tuple[str, ...]]:
    cl = snapshot.cluster
    if cl is None:
        return "unknown CNI", ()
    cni = cl.cni
    if cni.type == "calico" and cni.calico is not None:
        method = {"operator": "Calico operator", "manifest": "Calico manifest"}.get(
            cni.calico.install_method, "Calico"
        )
        pools = []
        for p in cni.calico.ip_pools or ():
            if p.vxlan_mode != "Never":
                mode = "VXLAN" + ("CrossSubnet" if p.vxlan_mode == "CrossSubnet" else " Always")
            elif p.ipip_mode != "Never":
                mode = "IPIP " + p.ipip_mode
            else:
                mode = "no encapsulation (BGP)"
            nat = (
                "natOutgoing ?"
                if p.nat_outgoing is None
                else ("natOutgoing on" if p.nat_outgoing else "natOutgoing off")
            )
            pools.append(f"IPPool {p.cidr} {mode}, {nat}")
        return method, tuple(pools)
    if cni.type == "flannel" and cni.flannel is not None:
        fl = cni.flannel
        extra = ", DirectRouting" if fl.direct_routing else ""
        return f"Flannel {fl.backend_type or '?'}{extra}", (
            (f"network {fl.network}",) if fl.network else ()
        )
    if cni.type == "cilium" and cni.cilium is not None:
        c = cni.cilium
        mode = (
            f"tunnel {c.tunnel_protocol or 'vxlan'}"
            if c.routing_mode == "tunnel"
            else (c.routing_mode or "?")
        )
        return f"Cilium {mode}", ()
    return cni.type if cni.type != "unknown" else "unknown CNI", ()


def environment(snapshot: Snapshot, topo: Topology) -> Environment:
    os_ = snapshot.openstack
    cl = snapshot.cluster
    nets = []
    seen: set[str] = set()
    for view in topo.node_views.values():
        net = topo.network_of(view)
        if net is not None and net.id not in seen:
            seen.add(net.id)
            nets.append(f"{net.name or net.id} mtu {net.mtu if net.mtu is not None else '?'}")
    cni, pools = describe_cni(snapshot)
    views = list(topo.node_views.values())
    subnets = tuple(sorted({str(v.subnet.cidr) for v in views if v.subnet is not None}))
    return Environment(
        project=(os_.project_name or os_.project_id or os_.cloud or "?") if os_ else "?",
        networks=tuple(nets),
        node_ports=sum(1 for v in views if v.port is not None),
        security_groups=len({g for v in views if v.port for g in v.port.security_group_ids}),
        kubernetes_version=(cl.kubernetes_version or "?") if cl else "?",
        nodes=len(views),
        control_plane=sum(1 for v in views if v.is_control_plane),
        workers=sum(1 for v in views if not v.is_control_plane),
        cni=cni,
        pools=pools,
        kube_proxy=(cl.kube_proxy_mode or "unknown") if cl else "unknown",
        backend=(topo.backend or "unknown") if os_ else "unknown",
        node_subnets=subnets,
        os_images=tuple(sorted({v.node.os_image for v in views if v.node.os_image})),
        release=(os_.release or "unknown") if os_ else "unknown",
    )
