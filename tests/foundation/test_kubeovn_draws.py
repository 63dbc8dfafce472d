"""neutron-underlay-addresses narrowed to what pods can actually get from a Kube-OVN underlay
Subnet (analyze/checks/_kubeovn_draws.py, docs/facts.md "Kube-OVN"): the IPPools alone where
every namespace of the Subnet draws from them (kubeovn/docs docs/guide/ippool.en.md), and the
pods' own addresses (ovn.kubernetes.io/ip_address, an ip_pool list, status.podIPs), which
Kube-OVN grants even inside excludeIps (kubeovn/kube-ovn pkg/ipam/subnet.go
allocateStaticAddress). Before: the whole cidrBlock less excludeIps, so Neutron's ports
outside a namespace's only pool failed, and a pod's static address inside excludeIps held by
a Neutron port passed."""

from __future__ import annotations

import ipaddress
import time
from typing import Any

from test_kubeovn_underlay_addresses import V6_SUBNET, _dual_stack

from kostack.analyze.checks._kubeovn_draws import draws, index, pod_addresses, rest_drawn
from kostack.analyze.checks._spans import NamespaceRanges
from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
from kostack.collect._cni_kubeovn import parse_subnet
from kostack.collect._kube_objects import Notes, parse_pod
from kostack.model.cluster import Pod
from kostack.model.cni import KubeOvn, KubeOvnIPPool, KubeOvnSubnet
from kostack_testkit.builders import SUBNET_ID, build, fake_id
from kostack_testkit.kubeovn import kube_ovn_example_doc, neutron_port

Doc = dict[str, Any]
ID = "neutron-underlay-addresses"
NET = ipaddress.ip_network


def _ip(text: str) -> int:
    return int(ipaddress.ip_address(text))


def _findings(doc: Doc) -> list[Any]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == ID]


def _pooled() -> Doc:
    """vlan-apps (10.0.0.0/24, excludeIps .1-.99) bound to namespace harbor only, harbor bound
    to harbor-pool (10.0.0.100..10.0.0.140); Neutron's ports hold .150 (a VM) and .201 (an
    Octavia VIP); Neutron's allocation pool is .2-.254."""
    return kube_ovn_example_doc("kube-ovn-underlay-ippool")


def _vlan(doc: Doc) -> Doc:
    return next(s for s in doc["cluster"]["cni"]["kube_ovn"]["subnets"] if s["name"] == "vlan-apps")


def _pod(doc: Doc, name: str, namespace: str = "demo", **annotations: str) -> None:
    doc["cluster"]["pods"].append(
        {"namespace": namespace, "name": name, "node": "k8s-w-1", "kube_ovn": annotations}
    )


def test_a_namespace_drawing_from_its_pool_alone_leaves_the_rest_to_neutron() -> None:
    found = _findings(_pooled())
    assert {f.cause for f in found} == {"kube-ovn-allocation-pool"}
    warning = found[0]
    en = localize(warning.message, "en")
    # only the pool's addresses overlap Neutron's pool: the plan cuts just that range out
    assert "in 10.0.0.100..10.0.0.140:" in en and "10.0.0.254:" not in en
    assert [r.param("command") for r in warning.remedies] == [
        "openstack subnet set --no-allocation-pool --allocation-pool "
        "start=10.0.0.2,end=10.0.0.99 --allocation-pool start=10.0.0.141,end=10.0.0.254 "
        f"{SUBNET_ID}"
    ]
    ko = localize(warning.message, "ko")
    assert "10.0.0.100..10.0.0.140에서 겹칩니다" in ko and "{" not in ko


def test_the_narrowed_pass_names_the_ranges_and_what_could_widen_them() -> None:
    doc = _pooled()
    doc["openstack"]["subnets"][0]["allocation_pools"] = [
        {"start": "10.0.0.2", "end": "10.0.0.99"},
        {"start": "10.0.0.141", "end": "10.0.0.254"},
    ]
    found = _findings(doc)
    assert [f.status for f in found] == [Status.PASS]
    en = localize(found[0].message, "en")
    assert "10.0.0.100..10.0.0.140" in en and "every namespace of vlan-apps" in en
    assert "ovn.kubernetes.io/logical_switch" in en
    ko = localize(found[0].message, "ko")
    assert "Subnet vlan-apps의 모든 네임스페이스" in ko and "{" not in ko


def test_a_namespace_without_a_pool_draws_the_rest_again() -> None:
    doc = _pooled()
    _vlan(doc)["namespaces"] = ["harbor", "web"]
    held = next(f for f in _findings(doc) if f.cause == "kube-ovn-address")
    assert "10.0.0.100..10.0.0.254" in localize(held.message, "en")
    assert held.extra["pod_spans"] == (
        (4, _ip("10.0.0.150"), _ip("10.0.0.150")),
        (4, _ip("10.0.0.201"), _ip("10.0.0.201")),
    )


def test_a_pod_naming_the_subnet_itself_draws_the_rest() -> None:
    """logical_switch without a pool, in a namespace with no pool of vlan-apps: its pod (or
    the one that replaces it) draws from the whole Subnet (pkg/controller/pod.go)."""
    doc = _pooled()
    _pod(doc, "stray", logical_switch="vlan-apps")
    assert any(f.cause == "kube-ovn-address" for f in _findings(doc))
    pooled = _pooled()  # the same annotation in harbor, whose pool it draws from: no change
    _pod(pooled, "core-2", "harbor", logical_switch="vlan-apps")
    assert {f.cause for f in _findings(pooled)} == {"kube-ovn-allocation-pool"}


def test_a_static_address_inside_exclude_ips_held_by_neutron_fails_without_an_exclusion() -> None:
    """The pod asks for 10.0.0.50 (inside excludeIps .1-.99), which a VM's port holds:
    Kube-OVN grants it anyway, so the VM and the pod share it; excluding it does not help."""
    doc = _pooled()
    doc["openstack"]["ports"].append(neutron_port("legacy-vm", "10.0.0.50", "compute:nova"))
    _pod(doc, "db-0", "harbor", ip_address="10.0.0.50")
    static = next(f for f in _findings(doc) if f.key == ("static", "vlan-apps"))
    assert static.status == Status.FAIL and static.cause == "kube-ovn-address"
    assert static.remedies == ()
    assert {r.id for r in static.affected} == {fake_id("port", "legacy-vm")}
    assert static.extra["pod_spans"] == ((4, _ip("10.0.0.50"), _ip("10.0.0.50")),)
    en = localize(static.message, "en")
    assert "legacy-vm (10.0.0.50, device_owner=compute:nova)" in en
    assert "even inside excludeIps" in en and "Excluding it does not help" in en
    ko = localize(static.message, "ko")
    assert "excludeIps 안에 있어도" in ko and "{" not in ko
    assert not any(f.key == ("held", "vlan-apps") for f in _findings(doc))


def test_a_pods_listed_addresses_and_current_address_count_not_its_node() -> None:
    doc = _pooled()
    doc["openstack"]["ports"].append(neutron_port("vm-a", "10.0.0.60", "compute:nova"))
    doc["openstack"]["ports"].append(neutron_port("vm-b", "10.0.0.61", "compute:nova"))
    _pod(doc, "sts-0", "harbor", ip_pool="10.0.0.60;10.0.0.70")  # a static list (StatefulSet)
    doc["cluster"]["pods"].append(
        {"namespace": "harbor", "name": "running", "ip": "10.0.0.61", "node": "k8s-w-1"}
    )
    static = next(f for f in _findings(doc) if f.key == ("static", "vlan-apps"))
    assert {r.id for r in static.affected} == {fake_id("port", "vm-a"), fake_id("port", "vm-b")}
    # hostNetwork pods (the agents at the nodes' addresses, inside excludeIps) are not pods' own
    assert "k8s-w-1-port" not in localize(static.message, "en")


def test_unread_pools_or_pods_fall_back_to_the_whole_subnet() -> None:
    """Not knowing who draws from the rest: the whole cidrBlock less excludeIps, never less."""
    unread = _pooled()
    unread["cluster"]["cni"]["kube_ovn"]["ip_pools"] = None
    assert any(f.cause == "kube-ovn-address" for f in _findings(unread))
    no_pods = _pooled()
    no_pods["cluster"]["pods"] = None
    assert any(f.cause == "kube-ovn-address" for f in _findings(no_pods))
    subnet = KubeOvnSubnet(name="s", cidrs=(NET("10.0.0.0/24"),), exclude_ips=(), namespaces=())
    ko = KubeOvn(subnets=(subnet,), ip_pools=())
    assert rest_drawn(subnet, index(ko, None)) and not rest_drawn(subnet, index(ko, ()))
    assert rest_drawn(subnet.model_copy(update={"namespaces": None}), index(ko, ()))
    assert rest_drawn(subnet.model_copy(update={"default": True}), index(ko, ()))


def test_draws_stay_spans_on_huge_ranges() -> None:
    """A /8 with 200 pools of a /16 each and 20,000 pods: spans, one pass over the pods."""
    subnet = KubeOvnSubnet(
        name="big", cidrs=(NET("10.0.0.0/8"),), vlan="v", exclude_ips=(), namespaces=("a",)
    )
    pools = tuple(
        KubeOvnIPPool(name=f"p{i}", subnet="big", ips=(f"10.{i}.0.0/16",), namespaces=("a",))
        for i in range(200)
    )
    pods = [
        Pod(namespace="a", name=f"p{i}", kube_ovn={"ip_address": f"10.250.{i // 250}.{i % 250}"})
        for i in range(20000)
    ]
    start = time.perf_counter()
    ko = KubeOvn(subnets=(subnet,), ip_pools=pools)
    found = draws(subnet, index(ko, pods), pod_addresses(pods))
    assert time.perf_counter() - start < 10
    assert found.narrowed
    assert found.spans == {4: [(_ip("10.0.0.1"), _ip("10.199.255.255"))]}
    assert len(found.static[4]) == 80  # 250 consecutive addresses per /24 are one span


def test_a_pod_without_an_address_by_its_own_annotations() -> None:
    """The release chain's pod with no address yet: its ip_address, else its ip_pool (a
    list, or an IPPool's name), else its logical_switch, else its namespace."""
    apps = KubeOvnSubnet(name="apps", cidrs=(NET("10.17.0.0/16"),), namespaces=("web",))
    default = KubeOvnSubnet(
        name="ovn-default", cidrs=(NET("10.16.0.0/16"),), default=True, namespaces=()
    )
    pool = KubeOvnIPPool(name="p", subnet="apps", ips=("10.17.5.0/30", "10.9.0.1"))
    ranges = NamespaceRanges(KubeOvn(subnets=(default, apps), ip_pools=(pool,)))
    one = _ip("10.17.0.9")
    assert ranges.of("web", {"ip_address": "10.17.0.9"}) == {4: [(one, one)]}
    dual = ranges.of("web", {"ip_pool": "10.17.0.9,fd00::9"})
    assert dual is not None and set(dual) == {4, 6}
    assert ranges.of("web", {"ip_pool": "p"}) == {4: [(_ip("10.17.5.0"), _ip("10.17.5.3"))]}
    assert ranges.of("other", {"logical_switch": "apps"}) == {
        4: [(_ip("10.17.0.0"), _ip("10.17.255.255"))]
    }
    assert ranges.of("other") == {4: [(_ip("10.16.0.0"), _ip("10.16.255.255"))]}
    assert ranges.of("web", {"ip_pool": "gone"}) is None
    # an address the pod asks for is known even where the pools were not read
    assert NamespaceRanges(None).of("web", {"ip_address": "10.17.0.9"}) == {4: [(one, one)]}


def test_collected_from_the_pods_already_listed() -> None:
    raw = {
        "metadata": {
            "namespace": "harbor",
            "name": "db-0",
            "annotations": {
                "ovn.kubernetes.io/ip_address": "10.0.0.50",
                "ovn.kubernetes.io/logical_switch": "vlan-apps",
                "ovn.kubernetes.io/mac_address": "00:00:00:aa:bb:cc",
                "other.io/secret": "x",
            },
        },
        "spec": {"nodeName": "k8s-w-1"},
        "status": {"phase": "Pending"},
    }
    pod = parse_pod(raw, Notes())
    assert pod is not None
    assert pod.kube_ovn == {"ip_address": "10.0.0.50", "logical_switch": "vlan-apps"}
    spec = {"cidrBlock": "10.0.0.0/24", "vlan": "v", "u2oInterconnection": True}
    parsed = parse_subnet({"metadata": {"name": "u"}, "spec": spec}, Notes())
    assert parsed is not None and parsed.u2o_interconnection
    assert parsed.namespaces == ()
    # namespaces bound by label selectors (pkg/apis/kubeovn/v1/subnet.go NamespaceSelectors):
    # which ones is not known, so the Subnet's rest counts as drawn
    spec["namespaces"] = ["harbor"]
    spec["namespaceSelectors"] = [{"matchLabels": {"team": "db"}}]
    selected = parse_subnet({"metadata": {"name": "u"}, "spec": spec}, Notes())
    assert selected is not None and selected.namespaces is None


def test_a_subnet_bound_by_namespace_selectors_is_not_narrowed() -> None:
    doc = _pooled()
    _vlan(doc)["namespaces"] = None  # as collected with namespaceSelectors set
    assert any(f.cause == "kube-ovn-address" for f in _findings(doc))


def test_many_static_addresses_held_stay_linear() -> None:
    """10,000 Neutron ports on an IPv6 /64 whose addresses 10,000 pods ask for, all inside
    excludeIps: one static FAIL, found in one pass (no pairwise list)."""
    doc = _pooled()
    _dual_stack(doc)
    _vlan(doc)["cidrs"] = ["10.0.0.0/24", "fd00:10::/64"]
    _vlan(doc)["exclude_ips"] += ["fd00:10::1..fd00:10::ffff:ffff"]
    doc["openstack"]["ports"] += [
        neutron_port(f"vm-{i}", f"fd00:10::1:{i:x}", "compute:nova", V6_SUBNET)
        for i in range(10000)
    ]
    for i in range(10000):
        _pod(doc, f"db-{i}", "harbor", ip_address=f"fd00:10::1:{i:x}")
    snap = build(doc)
    start = time.perf_counter()
    found = [f for f in diagnose(snap).findings if f.check_id == ID]
    assert time.perf_counter() - start < 60
    static = next(f for f in found if f.key == ("static", "vlan-apps"))
    assert dict(static.counts)["ports"] == 10000
    assert static.extra["pod_spans"] == ((6, _ip("fd00:10::1:0"), _ip("fd00:10::1:270f")),)
