"""The flow families the checks share, evaluated once over every world of the snapshot.

Pods on every node to pods on every other node; node-to-node cluster
protocols; pods to the DNS and API endpoints; pods to an address outside.
Each is a `Families` evaluation (engine/families.py): linear in nodes, plus a
term per pair of classes that truly differ, never per node pair.
"""

from __future__ import annotations

import ipaddress
from functools import cached_property

from kostack.analyze.engine.calico_moved import calico_flow, calico_views
from kostack.analyze.engine.cases import World, worlds
from kostack.analyze.engine.encap import EncapDecision, encapsulation
from kostack.analyze.engine.endpoints import classify_ip, svc_label
from kostack.analyze.engine.families import Families
from kostack.analyze.engine.family_records import End, EndClass, FamilyResult
from kostack.analyze.engine.judging import Constant
from kostack.analyze.engine.path import trace
from kostack.analyze.engine.relations import RouteClasses
from kostack.analyze.engine.types import Endpoint
from kostack.analyze.flow_ends import ClusterEnds
from kostack.analyze.prefixes import net_within
from kostack.analyze.protocols import protocol_number
from kostack.analyze.proxy_classes import ProxyClasses, TracedClass, proxy_classes
from kostack.analyze.remedy import apply_remedies, pair_remedy
from kostack.analyze.topology import Topology
from kostack.model.snapshot import IPAddress, Service, Snapshot

POD_PORT = 8080  # a representative application port for pod-to-pod TCP
SG_STEPS = frozenset({"sg-egress", "sg-ingress"})


class ClusterFlows(ClusterEnds):
    """Lazily evaluated families over a snapshot's worlds (engine/cases.py)."""

    def __init__(
        self,
        snapshot: Snapshot,
        egress_target: IPAddress | None = None,
        reuse: Topology | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.worlds: tuple[World, ...] = worlds(snapshot)
        self.topos = [Topology(snapshot, w, reuse) for w in self.worlds]
        self.topo = self.topos[0]
        self.egress_target: IPAddress = egress_target or ipaddress.ip_address("1.1.1.1")

    @cached_property
    def families(self) -> Families:
        addresses = [e.ip for e in self.pods] + [self.egress_target]
        # each proxy class's own pod on each of its nodes (`service_flows`' sources)
        addresses.extend(e.ip for c in self.proxy_classes_of().classes for e in c.ends)
        for svc in self.topo.services.values():
            addresses.extend(e.ip for e in svc.endpoints or ())
        return Families(self.topos, addresses)

    @property
    def node_pairs(self) -> int:
        n = len(self.topo.node_views)
        return n * (n - 1)

    # ------------------------------------------------------------------ families

    @cached_property
    def pod_to_pod(self) -> FamilyResult:
        pods = self.calico_ends(self.pods)  # between nodes: on the ports Calico's traffic takes
        return self.families.evaluate(pods, pods, Constant("tcp", POD_PORT))

    def pod_to_pod_of(self, version: int) -> FamilyResult:
        """Pods of one family to pods of that family on other nodes (``pod_to_pod`` for the
        primary): anti-spoofing, the rules and the tunnel's underlay are each per family."""
        if not self.pods or self.pods[0].ip.version == version:
            return self.pod_to_pod
        cache: dict[int, FamilyResult] = self.__dict__.setdefault("_pod_to_pod_of", {})
        if version not in cache:
            pods = self.calico_ends(self.pods_of(version))
            cache[version] = self.families_of(version).evaluate(
                pods, pods, Constant("tcp", POD_PORT)
            )
        return cache[version]

    @property
    def pod_classes(self) -> tuple[list[EndClass], list[EndClass]]:
        """The source and target classes of `pod_to_pod` (from it when judged already,
        else grouped without judging the class pairs: `Families.partition`)."""
        judged = self.__dict__.get("pod_to_pod")
        if judged is not None:
            return judged.sources, judged.targets
        cache: dict[str, tuple[list[EndClass], list[EndClass]]]
        cache = self.__dict__.setdefault("_pod_classes", {})
        if "p" not in cache:
            pods = self.calico_ends(self.pods)
            cache["p"] = self.families.partition(pods, pods, lambda s, t: ("tcp", POD_PORT))
        return cache["p"]

    def forget_judgings(self) -> None:
        """Drop the families' judgings kept for checks asking a family again (engine/judging.py):
        when the checks are done, so the garbage collector never walks them."""
        fams = [self.__dict__.get("families"), *self.__dict__.get("_fam_of", {}).values()]
        for fam in fams:
            if fam is not None:
                fam.judged.clear()

    def families_of(self, version: int) -> Families:
        """The address-set evaluation over the addresses of one family."""
        if self.pods and self.pods[0].ip.version == version:
            return self.families
        cache: dict[int, Families] = self.__dict__.setdefault("_fam_of", {})
        if version not in cache:
            addresses = [e.ip for e in self.pods_of(version)] + [self.outside_of(version)]
            addresses.extend(e.ip for c in self.proxy_classes_of(version).classes for e in c.ends)
            for svc in self.topo.services.values():
                addresses.extend(e.ip for e in svc.endpoints or () if e.ip.version == version)
            cache[version] = Families(self.topos, addresses)
        return cache[version]

    def node_to_node(
        self,
        protocol: str,
        port: int | None,
        scope: str = "all",
        *,
        port_max: int | None = None,
        version: int | None = None,
    ) -> FamilyResult:
        """Node-sourced ``protocol``/``port`` between nodes, security groups only.

        ``scope``: all | to-cp | from-cp | cp-cp; ``version``: between the nodes' addresses
        of that family (None: their primary ones).
        """
        key = ("node", protocol, port, scope, version)
        cache: dict[tuple[object, ...], FamilyResult] = self.__dict__.setdefault("_nn", {})
        if key not in cache:
            nodes = self.nodes if version is None else self.nodes_of(version)
            proto = protocol_number(protocol)
            if isinstance(proto, int) and calico_flow(self.topo, proto, port):
                nodes = self.calico_ends(nodes)  # BGP, IPIP, VXLAN: between Calico's addresses
            src = [e for e in nodes if scope not in ("from-cp", "cp-cp") or _cp(e)]
            dst = [e for e in nodes if scope not in ("to-cp", "cp-cp") or _cp(e)]
            cache[key] = self.families.evaluate(src, dst, Constant(protocol, port), steps=SG_STEPS)
        return cache[key]

    def decision(self, s: End, t: End) -> EncapDecision | None:
        """How the CNI carries pods on s's node to the pod ``t`` (memoised by route class)."""
        if s.view is None or t.view is None:
            return None
        cache: dict[tuple[object, ...], EncapDecision] = self.__dict__.setdefault("_dec", {})
        route = self.families.route  # route_key on self.topo, memoised per end
        key = (route(s), route(t), s.view.name == t.view.name, t.ip.version)
        if key not in cache:
            src_ip = s.ip if s.endpoint.kind == "pod" else None
            cache[key] = encapsulation(self.topo, s.view, t.view, t.ip, src_ip=src_ip)
        return cache[key]

    @cached_property
    def decisions(self) -> list[tuple[End, End, EncapDecision]]:
        """One (source rep, target rep, decision) per pair of route classes (pod to pod)."""
        return self.decisions_of(self.pods)

    def decisions_of(self, pods: list[End]) -> list[tuple[End, End, EncapDecision]]:
        """`decisions` over pods of one family (`pods_of`): per source route class, one per
        target route class that differs in more than its subnet, and per relation of the two
        subnets (engine/relations.py `RouteClasses`); `decision_peers` names the rest. The nodes
        are as Calico's traffic sees them (`calico_ends`)."""
        classes = self.route_classes(self.calico_ends(pods))
        out = []
        for a, members in classes.groups.items():
            s = members[0]
            for b in classes.reps(a):
                t = next((x for x in classes.groups[b] if x.name != s.name), None)
                if t is None:
                    continue
                d = self.decision(s, t)
                if d is not None:
                    out.append((s, t, d))
        return out

    def route_classes(self, pods: list[End]) -> RouteClasses:
        cache: dict[int, tuple[list[End], RouteClasses]] = self.__dict__.setdefault("_rc", {})
        found = cache.get(id(pods))
        if found is None or found[0] is not pods:
            groups: dict[tuple[object, ...], list[End]] = {}
            for e in pods:
                groups.setdefault(self.families.route(e), []).append(e)
            found = cache[id(pods)] = (pods, RouteClasses(self.topo, groups))
        return found[1]

    def encapsulated(
        self,
        kind: str,
        proto: int,
        port: int | None,
        family: int | None = None,
        underlay: int | None = None,
    ) -> FamilyResult:
        """Node to node on one encapsulation, for the node pairs whose pods use it.

        ``family``: of those pods (None: the primary); ``underlay``: the family of the node
        addresses the tunnel runs between (None: the nodes' primary).
        """
        cache: dict[tuple[object, ...], FamilyResult] = self.__dict__.setdefault("_enc", {})
        key = (kind, proto, port, family, underlay)
        if key not in cache:
            pods = self.calico_ends(self.pods if family is None else self.pods_of(family))
            nodes = self.calico_ends(self.nodes if underlay is None else self.nodes_of(underlay))
            # the pods of each node: one per IP pool in use there (`pods_on`)
            pods_of: dict[str, list[End]] = {}
            for e in pods:
                pods_of.setdefault(e.name, []).append(e)

            def flow(s: End, t: End) -> tuple[str, int | None] | None:
                for sp in pods_of.get(s.name, ()):
                    for tp in pods_of.get(t.name, ()):
                        d = self.decision(sp, tp)
                        if d is not None and (d.encap, d.proto, d.port) == (kind, proto, port):
                            return (str(proto), port)
                return None

            route = self.families.route
            pools = {
                n: tuple(sorted(str(route(e)[1]) for e in ends)) for n, ends in pods_of.items()
            }
            split = None
            if self.multi_pool_versions and len(set(pools.values())) > 1:
                # a node pair carries the tunnel when a pool on the target's node uses it:
                # nodes are classed by the pools in use on them too

                def split(e: End) -> object:
                    return pools.get(e.name, ())

            cache[key] = self.families.evaluate(nodes, nodes, flow, steps=SG_STEPS, split=split)
        return cache[key]

    @cached_property
    def pod_source_hypothesis(self) -> FamilyResult:
        """Pod to pod with allowed pairs for the pod ranges on every node port, SG hops only."""
        return self._pod_source_hypothesis(self.pods, self.families)

    def pod_source_hypothesis_of(self, version: int) -> FamilyResult:
        """`pod_source_hypothesis` between the pods' addresses of one family (the primary's
        is ``pod_source_hypothesis``): a rule of the other ethertype never matches."""
        if not self.pods or self.pods[0].ip.version == version:
            return self.pod_source_hypothesis
        cache: dict[int, FamilyResult] = self.__dict__.setdefault("_pod_source_of", {})
        if version not in cache:
            cache[version] = self._pod_source_hypothesis(
                self.pods_of(version), self.families_of(version)
            )
        return cache[version]

    def _pod_source_hypothesis(self, pods: list[End], families: Families) -> FamilyResult:
        cidrs = self.topo.pod_cidrs
        on = calico_views(self.topo)  # pods' packets leave by the port Calico's traffic takes
        pairs = [
            pair_remedy(v.port, v.name, c, "hypothesis", "")
            for n in self.topo.node_views.values()
            for v in (on.get(n.name, n),)
            if v.port is not None
            for c in cidrs
            if not any(net_within(c, p.ip_address) for p in v.port.allowed_address_pairs)
        ]
        if pairs:
            snap = apply_remedies(self.snapshot, pairs)
            topos = [Topology(snap, w, self.topo) for w in self.worlds]
            fam = Families(topos, [], universe=families.universe)
            by_name = {v.name: v for v in topos[0].node_views.values()}
            by_name.update(calico_views(topos[0]))
            ends = [End(by_name[e.name], e.endpoint, e.ip) for e in pods if e.view is not None]
        else:
            # every port has the pairs already (a fixed cluster, fix plan's verification): the
            # hypothesis is the snapshot itself, judged by the families that judge it
            fam, ends = families, [e for e in self.calico_ends(pods) if e.view is not None]

        def native(s: End, t: End) -> tuple[str, int | None] | None:
            d = self.decision(s, t)
            if d is None or d.encap is not None or not d.hop.passes:
                return None
            return ("tcp", POD_PORT)

        result = fam.evaluate(ends, ends, native, steps=SG_STEPS)
        if pods is self.pods and fam is not families:
            self.__dict__["pod_source_hypothesis_stats"] = fam.stats
        return result

    def service_families(self, svc: Service) -> list[IPAddress]:
        """The service's ClusterIPs of the pods' other families that have ready endpoints of
        their own (a dual-stack Service: kube-dns answers AAAA over its IPv6 ClusterIP)."""
        primary = svc.cluster_ip
        return [
            a
            for a in svc.cluster_addresses
            if a != primary
            and a.version in self.versions[1:]
            and any(e.ready and e.ip.version == a.version for e in svc.endpoints or ())
        ]

    def proxy_classes_of(self, version: int | None = None) -> ProxyClasses:
        """The source pods of one family (None: the primary) in classes by what their ClusterIP
        hop reads (analyze/proxy_classes.py): one pass over the pods, once per family."""
        cache: dict[int | None, ProxyClasses] = self.__dict__.setdefault("_proxy_cls", {})
        if version not in cache:
            ends = self.pods if version is None else self.pods_of(version)
            cache[version] = proxy_classes(self.topo, ends, self.topo.pods, version)
        return cache[version]

    def service_flows(
        self, svc: Service, protocol: str, port: int, cluster_ip: IPAddress | None = None
    ) -> tuple[list[TracedClass], FamilyResult | None]:
        """The ClusterIP hop, traced from one pod of each class of source pods (`proxy_classes_of`)
        and, when it DNATs for some, a pod of each such class on each of its nodes (its own
        class's, not the node's first pod's: `ProxyClass.ends`) to every ready endpoint;
        ``cluster_ip``: another family's (pods of that family, its endpoints), None for the
        primary."""
        version = cluster_ip.version if cluster_ip is not None else None
        pods = self.pods if version is None else self.pods_of(version)
        families = self.families if version is None else self.families_of(version)
        vip_ip = cluster_ip or svc.cluster_ip
        if not pods or vip_ip is None:
            return [], None
        vip = Endpoint("service", svc_label(svc.namespace, svc.name, vip_ip), vip_ip)
        traced = [
            TracedClass(c, trace(self.topo, c.rep, vip, protocol, port))
            for c in self.proxy_classes_of(version).classes
        ]
        # past the hop, each class that it translates from its own pod on each of its nodes
        sources = [e for t in traced if t.translated for e in t.cls.ends]
        sport = next(
            (p for p in svc.ports if p.protocol.lower() == protocol and p.port == port), None
        )
        ends = self.service_ends(svc, vip_ip.version)
        if not sources or sport is None or not ends:
            return traced, None
        pods = sources
        if all(e.endpoint.kind == "pod" for e in ends):  # pod to pod: Calico's ports
            pods, ends = self.calico_ends(pods), self.calico_ends(ends)
        ready = [x for x in svc.endpoints or () if x.ready and x.ip.version == vip_ip.version]
        port_of = {
            e.ip: (ep.ports.get(sport.name) or sport.target_port or sport.port)
            for e, ep in zip(ends, ready, strict=True)
        }
        flow_by_end = {id(e): (protocol, port_of[e.ip]) for e in ends}  # ends outlive it
        family = families.evaluate(
            pods,
            ends,
            lambda s, t: flow_by_end[id(t)],
            same_node="trace",
            joint=True,
        )
        return traced, family

    @cached_property
    def egress(self) -> FamilyResult:
        return self.families.evaluate(
            self.pods, [self.outside], Constant("tcp", 443), same_node="trace", joint=True
        )

    def egress_of(self, version: int) -> FamilyResult:
        """Pods of one family to the outside address of that family (``egress`` for the
        primary): a Neutron router NATs IPv4 only, so each family leaves its own way."""
        if not self.pods or self.pods[0].ip.version == version:
            return self.egress
        cache: dict[int, FamilyResult] = self.__dict__.setdefault("_egress_of", {})
        if version not in cache:
            ip = self.outside_of(version)
            outside = End(None, classify_ip(self.topo, ip), ip)
            cache[version] = self.families_of(version).evaluate(
                self.pods_of(version),
                [outside],
                Constant("tcp", 443),
                same_node="trace",
                joint=True,
            )
        return cache[version]


def _cp(e: End) -> bool:
    return e.view is not None and e.view.is_control_plane
