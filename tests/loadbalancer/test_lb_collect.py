"""Collecting the way in live: Octavia's bulk listings, members only where needed, gaps."""

from __future__ import annotations

from typing import Any

import pytest
from lb_live_support import LBWorld

from kostack.model import loads_snapshot
from kostack_testkit.faultproxy import FaultKind

pytestmark = pytest.mark.neutron

WORKERS = ("k8s-w-1", "k8s-w-2", "k8s-w-3")


def _two_services(world: LBWorld) -> tuple[str, str]:
    ids = []
    for name in ("web", "api"):
        world.occm.create_service("shop", name)
        world.occm.add_endpoints("shop", name, ["k8s-w-1"])
        lb_id = world.occm.ensure("shop", name)
        assert lb_id is not None
        ids.append(lb_id)
    return ids[0], ids[1]


def test_constant_requests_and_members_only_for_the_unhealthy_pool(lb_world: LBWorld) -> None:
    lb_world.node_rule("10.0.0.0/24")
    web, api = _two_services(lb_world)
    lb_world.octavia_proxy.reset_counts()
    snap = loads_snapshot(lb_world.run("collect").stdout)
    assert lb_world.octavia_proxy.count(path=r"^/v2/lbaas/pools/[^/]+/members") == 0
    healthy = lb_world.octavia_proxy.count()
    assert healthy <= 6  # discovery, 4 listings, quota
    lbs = {lb.id: lb for lb in snap.openstack.load_balancers or ()}
    assert set(lbs) == {web, api}
    (pool,) = lbs[web].pools
    assert pool.members is None and len(pool.member_ids) == 3  # settled by the pool's status
    assert lbs[web].provider == "amphora" and lbs[web].vip_port_id
    assert any(f.port_id == lbs[web].vip_port_id for f in snap.openstack.floating_ips or ())
    (svc,) = [s for s in snap.cluster.services or () if s.name == "web"]
    assert svc.type == "LoadBalancer" and svc.ports[0].node_port and svc.load_balancer_ingress
    assert svc.annotations["loadbalancer.openstack.org/load-balancer-id"] == web
    assert {e.reason for e in snap.cluster.service_events or ()} >= {"EnsuredLoadBalancer"}

    lb_world.occm.report_members(web, {"k8s-w-2": "OFFLINE"})
    lb_world.octavia_proxy.reset_counts()
    snap = loads_snapshot(lb_world.run("collect").stdout)
    assert lb_world.octavia_proxy.count(path=r"^/v2/lbaas/pools/[^/]+/members") == 1
    assert lb_world.octavia_proxy.count() == healthy + 1
    lbs = {lb.id: lb for lb in snap.openstack.load_balancers or ()}
    (pool,) = lbs[web].pools
    assert pool.operating_status == "DEGRADED"
    assert {m.name: m.operating_status for m in pool.members or ()} == {
        "k8s-w-1": "ONLINE",
        "k8s-w-2": "OFFLINE",
        "k8s-w-3": "ONLINE",
    }


def test_a_refused_octavia_listing_is_a_gap_and_the_checks_say_unknown(lb_world: LBWorld) -> None:
    _two_services(lb_world)
    lb_world.octavia_proxy.inject(FaultKind.HTTP_STATUS, "GET", r"^/v2/lbaas/pools$", status=403)
    run = lb_world.run("diagnose", "-o", "json")
    assert run.code == 4, run.stderr  # clean otherwise, but partial
    doc = run.json()
    (gap,) = doc["gaps"]
    assert gap["source"] == "openstack.load_balancers" and "403" in gap["error"]
    statuses = {f["status"] for f in doc["findings"] if f["check_id"].startswith("lb-")}
    assert statuses == {"unknown"}


def test_no_octavia_matters_only_with_a_loadbalancer_service(lb_world: LBWorld, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from lb_live_support import write_clouds

    # a cloud whose clouds.yaml names no load-balancer endpoint: the SDK has none to use
    clouds = tmp_path / "no-octavia.yaml"
    clouds.write_text(
        write_clouds(tmp_path / "x.yaml", lb_world.neutron_proxy.endpoint, "http://x/")
        .read_text()
        .replace(', "load_balancer_endpoint_override": "http://x/"', "")
    )
    lb_world.clouds = clouds
    quiet = lb_world.run("diagnose", "-o", "json")
    assert quiet.code == 0 and quiet.json()["gaps"] == [], quiet.stderr
    lb_world.occm.create_service("shop", "web")
    loud = lb_world.run("diagnose", "-o", "json")
    (gap,) = loud.json()["gaps"]
    # (with auth_type none the SDK sends load-balancer requests to auth.endpoint: Neutron 404s)
    assert gap["source"] == "openstack.load_balancers" and "/v2/lbaas/loadbalancers" in gap["error"]
    statuses = {f["status"] for f in loud.json()["findings"] if f["check_id"].startswith("lb-")}
    assert statuses == {"unknown"}


def test_an_octavia_listing_that_never_answers_is_a_gap_within_the_timeout(
    lb_world: LBWorld,
) -> None:
    """A held GET (the server accepts and says nothing) ends at --timeout as a gap, not a hang."""

    _two_services(lb_world)
    fault = lb_world.octavia_proxy.inject(
        FaultKind.TIMEOUT, "GET", r"^/v2/lbaas/listeners$", hold_s=30
    )
    run = lb_world.run("diagnose", "-o", "json", "--timeout", "2")
    assert fault.fired.wait(
        10
    )  # under load the proxy may read the request after the client gave up
    assert run.code == 4, run.stderr  # partial: what Octavia holds is unknown
    (gap,) = run.json()["gaps"]
    assert gap["source"] == "openstack.load_balancers"
    assert "/lbaas/listeners" in gap["error"]
    assert "/lbaas/listeners timed out" in gap["error"]  # --timeout ended it, not the 30 s hold


def test_a_load_balancer_deleted_between_pages_does_not_break_the_listing(
    lb_world: LBWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unlike Neutron (404, the listing starts over), Octavia keeps a deleted load balancer's
    row (DELETED) until housekeeping purges it, a week later by default, so a page whose
    marker was just deleted is answered as any other (asked of the real Octavia: no restart
    is needed, none happens, nothing is listed twice). A purged marker is answered 400
    ("Supplied pagination marker ... is not valid"): a gap, never a short list."""
    from kostack.collect import octavia

    ids = [*_two_services(lb_world)]
    lb_world.occm.create_service("shop", "cart")
    lb_world.occm.add_endpoints("shop", "cart", ["k8s-w-2"])
    ids.append(str(lb_world.occm.ensure("shop", "cart")))
    monkeypatch.setattr(octavia, "PAGE_SIZE", 1)
    deleted: list[str] = []
    real_get = octavia._Octavia.get

    def get(self: Any, path: str, params: Any = None) -> dict[str, Any]:
        marker = (params or {}).get("marker")
        if path == "/lbaas/loadbalancers" and marker and not deleted:
            lb_world.conn.load_balancer.delete_load_balancer(marker, cascade=True)
            lb_world.octavia.settle()
            deleted.append(marker)
        return real_get(self, path, params)

    monkeypatch.setattr(octavia._Octavia, "get", get)
    snap = loads_snapshot(lb_world.run("collect").stdout)
    assert deleted and snap.gaps == ()
    listed = [lb.id for lb in snap.openstack.load_balancers or ()]
    assert sorted(listed) == sorted(ids)  # the deleted one was read before it went
    pages = [r for r in lb_world.octavia_proxy.requests() if r.path == "/v2/lbaas/loadbalancers"]
    assert [r.status for r in pages] == [200] * 4 and f"marker={deleted[0]}" in pages[1].query
    gone = lb_world.conn.load_balancer.get(
        "/lbaas/loadbalancers",
        params={"limit": 1, "marker": "7c0f9a1e-0000-4000-8000-000000000000"},
    )
    assert gone.status_code == 400 and "pagination marker" in gone.text  # a purged marker
