"""Services of type LoadBalancer joined to their Octavia load balancers, pools, members and nodes.

Pure: built once per analysis from a Topology. Matching follows the OpenStack
cloud controller (OCCM, cloud-provider-openstack pkg/openstack/loadbalancer.go):

1. the Service annotation ``loadbalancer.openstack.org/load-balancer-id``,
   which OCCM writes once it owns a load balancer;
2. the name ``kube_service_<cluster>_<namespace>_<name>`` (cut to 255
   characters), or a tag holding it: namespaces and names cannot contain
   ``_``, so the last two ``_`` fields are the Service whatever the cluster
   name is; several clusters in one project are told apart by the cluster's
   own name (kubeadm's clusterName) or OCCM's default ``kubernetes``;
3. the legacy name ``a`` + the Service UID without dashes, cut to 32;
4. the description ``Kubernetes external service <ns>/<name> from cluster <c>``.

A member is a node by its name (OCCM names members after nodes), else by its
address (the node's InternalIP). Every index is a dict: linear in the input.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final, Literal

from kostack.analyze.loadbalancer.owner import LB_ID_ANNOTATION, Owner, Takers, owner_of, takers
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import NodeView, Topology
from kostack.model.cluster import EXCLUDE_LABEL
from kostack.model.egress import ANTREA_POOL_ANNOTATION, service_external_ip
from kostack.model.loadbalancer import FloatingIP, Listener, LoadBalancer, Member, Pool
from kostack.model.snapshot import IPAddress, Port, Service, ServicePort, Subnet

PREFIX: Final = "kube_service_"
MAX_NAME: Final = 255
_DESCRIPTION = re.compile(
    r"^Kubernetes external service (?P<ns>[^/\s]+)/(?P<name>\S+) from cluster"
)
NODE_SELECTOR_ANNOTATION: Final = "loadbalancer.openstack.org/node-selector"
# ovn-octavia-provider's health-check port in a member subnet (common/constants.py)
OVN_HM_OWNER: Final = "ovn-lb-hm:distributed"
OVN_HM_PREFIX: Final = "ovn-lb-hm-"
# a member's operating statuses when it is down (the monitor failed it, or Octavia did)
DOWN: Final = ("OFFLINE", "ERROR")

register(
    {
        "lb.note-annotation": {
            "en": "annotation {annotation}={id} names no load balancer in the project",
            "ko": "애너테이션 {annotation}={id:이/가} 프로젝트에 없는 로드밸런서를 가리킵니다",
        },
        "lb.note-ambiguous": {
            "en": "several load balancers could be this Service's: {names}",
            "ko": "이 Service의 로드밸런서일 수 있는 것이 여러 개입니다: {names}",
        },
        "lb.note-count": {
            "en": "the pool has {count} {count:member/members} and the Service would have {nodes} "
            "{nodes:node/nodes}; its "
            "member list was not read",
            "ko": "풀의 멤버는 {count}개인데 Service의 노드는 {nodes}대이며, 멤버 목록은 읽지 않았습니다",
        },
        "lb.note-inferred": {
            "en": "members inferred: one per node (the pool is ONLINE, its member list was not read)",
            "ko": "멤버 추정: 노드마다 하나 (풀이 ONLINE이라 멤버 목록은 읽지 않았음)",
        },
    }
)

ProviderKind = Literal["amphora", "ovn", "other"]
MatchedBy = Literal["annotation", "name", "legacy-name", "description", ""]


def provider_kind(provider: str | None) -> ProviderKind:
    """How a provider moves packets: amphora proxies (new source), OVN DNATs (client source)."""
    p = (provider or "").lower()
    if p in ("amphora", "amphorav2", "octavia"):
        return "amphora"
    if p == "ovn":
        return "ovn"
    return "other"


@dataclass(frozen=True)
class MemberView:
    """One pool member and the node it is; ``member`` None when inferred (members not read)."""

    member: Member | None
    node: NodeView | None
    address: IPAddress | None
    port: int | None
    matched_by: Literal["name", "address", "inferred", ""] = ""

    @property
    def status(self) -> str:
        return self.member.operating_status if self.member is not None else "ONLINE"

    @property
    def label(self) -> str:
        if self.node is not None:
            return self.node.name
        if self.member is not None:
            return self.member.name or str(self.member.address)
        return str(self.address or "?")


@dataclass(frozen=True)
class PortPath:
    """One Service port, its listener and pool, and the pool's members."""

    service_port: ServicePort
    listener: Listener | None
    pool: Pool | None
    members: tuple[MemberView, ...]
    members_read: bool
    # Why the member list is inferred or partial (empty when it was read).
    members_note: str = ""


@dataclass(frozen=True)
class BalancedService:
    """A Service of type LoadBalancer with everything the path needs resolved once."""

    service: Service
    lb: LoadBalancer | None
    matched_by: MatchedBy
    note: str
    vip_subnet: Subnet | None
    floating_ips: tuple[FloatingIP, ...]
    ports: tuple[PortPath, ...]

    @property
    def key(self) -> str:
        return f"{self.service.namespace}/{self.service.name}"

    @property
    def provider(self) -> ProviderKind:
        return provider_kind(self.lb.provider if self.lb else None)

    @property
    def external_addresses(self) -> tuple[IPAddress, ...]:
        return tuple(i.ip for i in self.service.load_balancer_ingress if i.ip is not None)

    @property
    def local_policy(self) -> bool:
        return (self.service.external_traffic_policy or "Cluster") == "Local"

    def ready_endpoints_on(self, node: str) -> int:
        return sum(1 for e in self.service.endpoints or () if e.ready and e.node == node)


@dataclass
class LBIndex:
    """Every Service of type LoadBalancer, matched (see the module docstring)."""

    topo: Topology
    services: list[BalancedService] = field(default_factory=list)

    def __post_init__(self) -> None:
        os_ = self.topo.snapshot.openstack
        self.lbs: tuple[LoadBalancer, ...] = (os_.load_balancers or ()) if os_ else ()
        self.lbs_known = os_ is not None and os_.load_balancers is not None
        self.fips: tuple[FloatingIP, ...] = (os_.floating_ips or ()) if os_ else ()
        self.fips_known = os_ is not None and os_.floating_ips is not None
        self.services = [self._balanced(s) for s in self.load_balancer_services]

    # ------------------------------------------------------------------ inputs

    @cached_property
    def load_balancer_services(self) -> tuple[Service, ...]:
        """Services of type LoadBalancer that OCCM serves (`owner`: not another class's, not
        MetalLB's nor Antrea's, nor one whose owner cannot be decided)."""
        return tuple(s for s in self.topo.services.values() if self.owner(s) == "occm")

    @cached_property
    def takers(self) -> Takers:
        """Who may take a Service without a class (owner.py), computed once."""
        return takers(self.topo.snapshot.cluster, self.topo.services.values())

    def owner(self, svc: Service) -> Owner:
        """The controller that gives a Service of type LoadBalancer its address (owner.py);
        "other" for any other type."""
        if svc.type != "LoadBalancer":
            return "other"
        key = (svc.namespace, svc.name)
        found = self._owners.get(key)
        if found is None:
            found = owner_of(svc, self.takers, self._octavia_addresses, self.antrea_serves)
            self._owners[key] = found
        return found

    @cached_property
    def _owners(self) -> dict[tuple[str, str], Owner]:
        return {}

    def _octavia_addresses(self, svc: Service) -> frozenset[IPAddress]:
        """The VIP and floating IPs of the Octavia load balancer matched to the Service."""
        lb = self.match(svc)[0]
        if lb is None:
            return frozenset()
        fips = (f.floating_ip_address for f in self.fips_by_port.get(lb.vip_port_id or "", ()))
        return frozenset((*((lb.vip_address,) if lb.vip_address else ()), *fips))

    @cached_property
    def _antrea_gate(self) -> bool:
        """Antrea's ServiceExternalIP gate may be on (model/egress.py)."""
        cl = self.topo.snapshot.cluster
        return cl is not None and service_external_ip(cl.cni) is not False

    def antrea_serves(self, svc: Service) -> bool:
        """Antrea gives the Service its address: the Service names an ExternalIPPool
        (service.antrea.io/external-ip-pool), Antrea's ServiceExternalIP gate may be on, and
        OCCM has not annotated it with its load balancer (docs/facts.md 4c)."""
        return (
            bool(svc.annotations.get(ANTREA_POOL_ANNOTATION))
            and not svc.annotations.get(LB_ID_ANNOTATION)
            and self._antrea_gate
        )

    def node_serves(self, svc: Service) -> bool:
        """MetalLB or Antrea, not Octavia, gives the Service its address."""
        return self.metallb_serves(svc) or self.antrea_serves(svc)

    def metallb_serves(self, svc: Service) -> bool:
        """MetalLB gives the Service its address (`owner`; docs/loadbalancer.md "MetalLB")."""
        return self.owner(svc) == "metallb"

    @cached_property
    def node_ports_in_use(self) -> frozenset[int]:
        """Every NodePort and health-check node port a Service of the cluster holds."""
        out: set[int] = set()
        for svc in self.topo.services.values():
            out.update(p.node_port for p in svc.ports if p.node_port is not None)
            if svc.health_check_node_port is not None:
                out.add(svc.health_check_node_port)
        return frozenset(out)

    @cached_property
    def providers(self) -> frozenset[str | None]:
        """The providers of the load balancers the Services have (computed once)."""
        return frozenset(s.lb.provider for s in self.services if s.lb is not None)

    @cached_property
    def cluster_names(self) -> tuple[str, ...]:
        cl = self.topo.snapshot.cluster
        names = [cl.name] if cl is not None and cl.name else []
        return (*names, "kubernetes")

    @cached_property
    def _by_id(self) -> dict[str, LoadBalancer]:
        return {lb.id: lb for lb in self.lbs}

    @cached_property
    def _by_suffix(self) -> dict[tuple[str, str], list[tuple[str, LoadBalancer]]]:
        """(namespace, name) -> [(cluster part, lb)] from OCCM names and tags."""
        out: dict[tuple[str, str], list[tuple[str, LoadBalancer]]] = defaultdict(list)
        for lb in self.lbs:
            names = {lb.name, *(t for t in lb.tags if t.startswith(PREFIX))}
            for name in names:
                if not name.startswith(PREFIX):
                    continue
                parts = name[len(PREFIX) :].rsplit("_", 2)
                if len(parts) == 3 and all(parts):
                    entry = (parts[0], lb)
                    if entry not in out[(parts[1], parts[2])]:
                        out[(parts[1], parts[2])].append(entry)
        return out

    @cached_property
    def _by_name(self) -> dict[str, list[LoadBalancer]]:
        out: dict[str, list[LoadBalancer]] = defaultdict(list)
        for lb in self.lbs:
            out[lb.name].append(lb)
        return out

    @cached_property
    def _by_description(self) -> dict[tuple[str, str], list[LoadBalancer]]:
        out: dict[tuple[str, str], list[LoadBalancer]] = defaultdict(list)
        for lb in self.lbs:
            m = _DESCRIPTION.match(lb.description)
            if m:
                out[(m["ns"], m["name"])].append(lb)
        return out

    @cached_property
    def _truncated(self) -> list[LoadBalancer]:
        return [lb for lb in self.lbs if len(lb.name) >= MAX_NAME and lb.name.startswith(PREFIX)]

    @cached_property
    def fips_by_port(self) -> dict[str, list[FloatingIP]]:
        out: dict[str, list[FloatingIP]] = defaultdict(list)
        for fip in self.fips:
            if fip.port_id:
                out[fip.port_id].append(fip)
        return out

    @cached_property
    def ovn_hm_ports(self) -> dict[str, Port]:
        """Subnet id -> the OVN provider's health-check port there."""
        out: dict[str, Port] = {}
        for port in self.topo.ports.values():
            if port.device_owner != OVN_HM_OWNER and not port.name.startswith(OVN_HM_PREFIX):
                continue
            for fixed in port.fixed_ips:
                if fixed.subnet_id:
                    out.setdefault(fixed.subnet_id, port)
        return out

    @cached_property
    def fip_by_address(self) -> dict[IPAddress, FloatingIP]:
        return {f.floating_ip_address: f for f in self.fips}

    # ------------------------------------------------------------------ matching

    def match(self, svc: Service) -> tuple[LoadBalancer | None, MatchedBy, str]:
        """The service's load balancer, how it was found, and a note on ambiguity."""
        lb_id = svc.annotations.get(LB_ID_ANNOTATION)
        note: str = ""
        if lb_id:
            lb = self._by_id.get(lb_id)
            if lb is not None:
                return lb, "annotation", ""
            note = Msg("lb.note-annotation", annotation=LB_ID_ANNOTATION, id=lb_id)
        candidates = self._by_suffix.get((svc.namespace, svc.name), [])
        if not candidates:
            for lb in self._truncated:
                for cluster in self.cluster_names:
                    if f"{PREFIX}{cluster}_{svc.namespace}_{svc.name}".startswith(lb.name):
                        candidates.append((cluster, lb))
        if len(candidates) == 1:
            return candidates[0][1], "name", note
        if candidates:
            for cluster in self.cluster_names:
                chosen = [lb for c, lb in candidates if c == cluster]
                if len(chosen) == 1:
                    return chosen[0], "name", note
            names = ", ".join(sorted({lb.name for _, lb in candidates}))
            return None, "", Msg("lb.note-ambiguous", names=names)
        if svc.uid:
            legacy = ("a" + svc.uid.replace("-", ""))[:32]
            found = self._by_name.get(legacy, [])
            if len(found) == 1:
                return found[0], "legacy-name", note
        described = self._by_description.get((svc.namespace, svc.name), [])
        if len(described) == 1:
            return described[0], "description", note
        return None, "", note

    # ------------------------------------------------------------------ assembling

    def _balanced(self, svc: Service) -> BalancedService:
        lb, matched_by, note = self.match(svc)
        vip_subnet = self.topo.subnets.get(lb.vip_subnet_id or "") if lb is not None else None
        fips = tuple(self.fips_by_port.get(lb.vip_port_id or "", ())) if lb is not None else ()
        ports = tuple(self._port_path(svc, lb, sp) for sp in svc.ports) if lb is not None else ()
        return BalancedService(svc, lb, matched_by, note, vip_subnet, fips, ports)

    def _port_path(self, svc: Service, lb: LoadBalancer, sp: ServicePort) -> PortPath:
        listener = next(
            (
                li
                for li in lb.listeners
                if li.protocol_port == sp.port and li.protocol.upper() in _protocols(sp.protocol)
            ),
            None,
        )
        pool = None
        if listener is not None and listener.default_pool_id:
            pool = next((p for p in lb.pools if p.id == listener.default_pool_id), None)
        if pool is None:
            return PortPath(sp, listener, None, (), False)
        if pool.members is not None:
            members = tuple(self._member(m) for m in pool.members)
            return PortPath(sp, listener, pool, members, True)
        inferred, note = self._inferred_members(svc, pool, sp)
        return PortPath(sp, listener, pool, inferred, False, note)

    def _member(self, member: Member) -> MemberView:
        view = self.topo.node_views.get(member.name)
        if view is not None:
            return MemberView(member, view, member.address, member.protocol_port, "name")
        view = self.topo.node_by_ip.get(member.address)
        if view is not None:
            return MemberView(member, view, member.address, member.protocol_port, "address")
        return MemberView(member, None, member.address, member.protocol_port, "")

    def candidate_nodes(self, svc: Service) -> list[NodeView]:
        """The nodes OCCM makes members: not excluded by label, matching its node selector."""
        selector = _selector(svc.annotations.get(NODE_SELECTOR_ANNOTATION, ""))
        out = []
        for view in self.topo.node_views.values():
            labels = view.node.labels
            if EXCLUDE_LABEL in labels:
                continue
            if any(labels.get(k) != v if v else k not in labels for k, v in selector.items()):
                continue
            out.append(view)
        return out

    def _inferred_members(
        self, svc: Service, pool: Pool, sp: ServicePort
    ) -> tuple[tuple[MemberView, ...], str]:
        """Members of a pool whose list was not read: OCCM's one member per candidate node."""
        nodes = self.candidate_nodes(svc)
        count = len(pool.member_ids)
        if count != len(nodes):
            return (), Msg("lb.note-count", count=count, nodes=len(nodes))
        return tuple(MemberView(None, v, v.ip, sp.node_port, "inferred") for v in nodes), Msg(
            "lb.note-inferred"
        )

    # ------------------------------------------------------------------ lookups

    def by_address(self, ip: IPAddress) -> BalancedService | None:
        """The Service whose external address, floating IP or VIP is ``ip``."""
        for bs in self.services:
            if ip in bs.external_addresses:
                return bs
            if bs.lb is not None and bs.lb.vip_address == ip:
                return bs
            if any(f.floating_ip_address == ip for f in bs.floating_ips):
                return bs
        return None

    def get(self, namespace: str, name: str) -> BalancedService | None:
        for bs in self.services:
            if (bs.service.namespace, bs.service.name) == (namespace, name):
                return bs
        return None


def _protocols(protocol: str) -> tuple[str, ...]:
    """Listener protocols that serve a Service port of ``protocol`` (OCCM maps TCP to TCP,
    or to HTTP/TERMINATED_HTTPS with the x-forwarded-for / TLS annotations)."""
    if protocol.upper() == "TCP":
        return ("TCP", "HTTP", "HTTPS", "TERMINATED_HTTPS")
    return (protocol.upper(),)


def _selector(text: str) -> dict[str, str]:
    """OCCM's node-selector annotation: ``key=value, key2`` (comma separated)."""
    out: dict[str, str] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        key, _, value = part.partition("=")
        out[key.strip()] = value.strip()
    return out
