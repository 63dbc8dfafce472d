"""What cannot be read becomes a gap (and UNKNOWN downstream); what makes the cluster
unreadable raises one clear error with exit code 3."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from k8s_collect_served import ServeFn

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.collect.kubernetes import KubeCollection, collect_kubernetes
from kostack.errors import AuthError, CollectError, ExitCode
from kostack.gap_words import gap_error
from kostack.model.snapshot import Gap, Snapshot
from kostack_testkit import k8s_fixtures as fx
from kostack_testkit.builders import build, seed_doc
from kostack_testkit.ports import refused_port

CALICO_GROUPS = ("crd.projectcalico.org", "projectcalico.org")
# Checks whose answer depends on how Calico carries pod traffic (its IP pools).
CALICO_DEPENDENT = (
    "net-sg-cni-encap",
    "net-pod-to-pod",
    "net-dns",
    "net-api-service",
    "net-pod-egress",
)


def gaps_by_source(collection: KubeCollection) -> dict[str, str]:
    return {g.source: g.error for g in collection.gaps}


def with_seed_openstack(collection: KubeCollection) -> Snapshot:
    seed = build(seed_doc())
    return Snapshot.model_validate(
        {
            **seed.model_dump(mode="json"),
            "cluster": collection.cluster.model_dump(mode="json"),
            "gaps": [g.model_dump(mode="json") for g in collection.gaps],
        }
    )


def test_403_on_calico_crds_is_a_gap_and_unknown_downstream(serve: ServeFn) -> None:
    served = serve(fx.seed_cluster())
    for group in CALICO_GROUPS:
        served.api.inject_fault(group, "*", status=403)
    collection = served.collect()
    errors = gaps_by_source(collection)
    assert set(errors) == {
        "cluster.cni.calico.ip_pools",
        "cluster.cni.calico.blocks",
        "cluster.cni.calico.felix",
        "cluster.cni.calico.bgp",
    }
    assert errors["cluster.cni.calico.ip_pools"].startswith(
        "GET /apis/crd.projectcalico.org/v1/ippools: 403 Forbidden: ippools.crd.projectcalico.org "
        'is forbidden: User "kostack-lab-user" cannot list resource "ippools" in API group '
        '"crd.projectcalico.org" at the cluster scope; GET /apis/projectcalico.org/v3/ippools: '
        "403 Forbidden"
    )
    pools_gap = next(g for g in collection.gaps if g.source == "cluster.cni.calico.ip_pools")
    assert "10.244.0.0/16 VXLANCrossSubnet natOutgoing Disabled" in pools_gap.hint
    calico = collection.cluster.cni.calico
    assert collection.cluster.cni.type == "calico" and calico is not None
    assert (calico.ip_pools, calico.blocks) == (None, None)
    assert (calico.wireguard, calico.node_to_node_mesh, calico.vxlan_port) == (None, None, None)
    # What the operator's Installation says is still read (another API group).
    assert (calico.install_method, calico.mtu, calico.bgp) == ("operator", 1400, True)

    diagnosis = diagnose(with_seed_openstack(collection))
    by_check: dict[str, set[Status]] = {}
    for finding in diagnosis.findings:
        by_check.setdefault(finding.check_id, set()).add(finding.status)
    for check in CALICO_DEPENDENT:
        assert by_check[check] == {Status.UNKNOWN}, check
    undecided = [f for f in diagnosis.findings if f.check_id == "net-pod-to-pod"]
    assert all("Calico IP pools were not collected" in str(f.message) for f in undecided)
    # Never a PASS on what could not be seen (see the closing note: the analysis
    # still reports this check as FAIL from an undecided masquerade hop).
    assert Status.PASS not in by_check["net-pod-src-antispoof"]


def test_403_on_the_crds_only_falls_back_to_calico_apiserver(serve: ServeFn) -> None:
    served = serve(fx.seed_cluster(calico_api_server=True))
    served.api.inject_fault("crd.projectcalico.org", "*", status=403)
    collection = served.collect()
    calico = collection.cluster.cni.calico
    assert calico is not None and calico.ip_pools is not None
    assert [p.source for p in calico.ip_pools] == ["projectcalico.org/v3 IPPool"]
    assert calico.ip_pools[0].vxlan_mode == "CrossSubnet"
    assert calico.node_to_node_mesh is True  # BGPConfiguration read through v3 too
    # calico-apiserver does not serve IPAM blocks: those stay unknown.
    assert set(gaps_by_source(collection)) == {"cluster.cni.calico.blocks"}


def test_missing_calico_crds_404(serve: ServeFn) -> None:
    """calico-node runs but the CRDs are gone: IP pools unknown, the 404 recorded."""
    objects = [
        o
        for o in fx.seed_cluster(calico_api_server=False)
        if not str(o["apiVersion"]).startswith("crd.projectcalico.org/")
        and not (
            o["kind"] == "CustomResourceDefinition"
            and o["spec"]["group"] == "crd.projectcalico.org"
        )
    ]
    collection = serve(objects).collect()
    errors = gaps_by_source(collection)
    assert errors["cluster.cni.calico.ip_pools"] == (
        "GET /apis/crd.projectcalico.org/v1/ippools: 404 Not Found: the server could not find "
        "the requested resource; GET /apis/projectcalico.org/v3/ippools: 404 Not Found: the "
        "server could not find the requested resource"
    )
    hint = next(g.hint for g in collection.gaps if g.source == "cluster.cni.calico.ip_pools")
    assert "CRD is not installed" in hint
    calico = collection.cluster.cni.calico
    assert calico is not None and calico.ip_pools is None
    # No FelixConfiguration/BGPConfiguration API at all: nothing says otherwise, defaults apply.
    assert calico.node_to_node_mesh is True


def test_timeout_on_one_list_is_a_gap(serve: ServeFn) -> None:
    served = serve(fx.seed_cluster())
    fault = served.api.inject_fault("crd.projectcalico.org", "ippools", delay=3.0)
    collection = served.collect(timeout_s=0.5)
    error = gaps_by_source(collection)["cluster.cni.calico.ip_pools"]
    assert error.startswith("GET /apis/crd.projectcalico.org/v1/ippools: no answer within 0.5 s")
    # Read timeouts are not retried, and the v3 API is not tried after a timeout.
    assert fault.hits == 1
    assert not any("projectcalico.org/v3" in line for line in served.requests())
    assert collection.cluster.cni.calico is not None
    assert collection.cluster.cni.calico.blocks is not None  # the rest was read
    # kostack's own words about the failure are said in Korean, also from a snapshot file
    gap = next(g for g in collection.gaps if g.source == "cluster.cni.calico.ip_pools")
    korean = "GET /apis/crd.projectcalico.org/v1/ippools: 0.5초 안에 응답 없음"
    assert gap_error(gap, "ko").startswith(korean)
    assert "no answer" not in gap_error(gap, "ko")
    from_file = Gap.model_validate_json(gap.model_dump_json())
    assert gap_error(from_file, "ko") == gap_error(gap, "ko")
    assert gap_error(from_file, "en") == error


def test_timeout_on_nodes_is_a_gap(serve: ServeFn) -> None:
    served = serve(fx.seed_cluster())
    served.api.inject_fault("", "nodes", delay=3.0)
    collection = served.collect(timeout_s=0.5)
    assert collection.cluster.nodes is None and collection.nodes_raw == ()
    assert gaps_by_source(collection)["cluster.nodes"].startswith(
        "GET /api/v1/nodes: no answer within 0.5 s"
    )


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections, held (bound, not listening) while the test runs."""
    with refused_port() as port:
        yield port


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections (the backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def kubeconfig_for(path: Path, server: str, token: str = "kostack-canary-unused-token") -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": server}}],
                "users": [{"name": "u", "user": {"token": token}}],
                "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "ctx",
            }
        ),
        encoding="utf-8",
    )
    return path


def test_unreachable_server_is_collect_error_exit_3(tmp_path: Path, closed_port: int) -> None:
    kubeconfig = kubeconfig_for(tmp_path / "kc", f"http://127.0.0.1:{closed_port}")
    with pytest.raises(CollectError) as caught:
        collect_kubernetes(str(kubeconfig), None, environ={}, timeout_s=2)
    error = caught.value
    assert error.exit_code == ExitCode.UNREACHABLE == 3
    assert "\n" not in error.message
    assert error.message.startswith("cannot reach the Kubernetes API server (GET /version: ")
    assert "Connection refused" in error.message
    assert f"http://127.0.0.1:{closed_port}, context ctx" in error.message
    assert " object at 0x" not in error.message
    assert error.hint


def test_server_that_never_answers_is_collect_error(tmp_path: Path, silent_server: int) -> None:
    kubeconfig = kubeconfig_for(tmp_path / "kc", f"http://127.0.0.1:{silent_server}")
    with pytest.raises(CollectError) as caught:
        collect_kubernetes(str(kubeconfig), None, environ={}, timeout_s=0.5)
    assert caught.value.exit_code == 3
    assert "did not answer (GET /version: no answer within 0.5 s" in caught.value.message


def test_401_is_auth_error(serve: ServeFn, tmp_path: Path) -> None:
    served = serve(fx.seed_cluster())
    kubeconfig = kubeconfig_for(tmp_path / "kc", served.api.url, token="kostack-canary-wrong")
    with pytest.raises(AuthError) as caught:
        collect_kubernetes(str(kubeconfig), None, environ={})
    error = caught.value
    assert error.exit_code == 3
    # /version is readable anonymously (as on kube-apiserver); the nodes list is not.
    assert error.message.startswith(
        "the Kubernetes API server rejected the credentials (GET /api/v1/nodes: 401 Unauthorized"
    )
    assert "refresh it" in error.hint


def test_403_on_nodes_is_auth_error(serve: ServeFn) -> None:
    served = serve(fx.seed_cluster())
    served.api.inject_fault("", "nodes", status=403)
    with pytest.raises(AuthError) as caught:
        served.collect()
    assert caught.value.exit_code == 3
    assert 'cannot list resource "nodes"' in caught.value.message
    assert "ClusterRole" in caught.value.hint


def test_403_on_pods_is_a_gap_and_the_cni_is_still_found(serve: ServeFn) -> None:
    served = serve(fx.seed_cluster())
    served.api.inject_fault("", "pods", status=403)
    collection = served.collect()
    assert collection.cluster.pods is None
    assert set(gaps_by_source(collection)) == {"cluster.pods"}
    calico = collection.cluster.cni.calico
    # The nodes' projectcalico.org annotations say Calico; its Typha Deployment is read.
    assert calico is not None and calico.install_method == "operator"
    assert calico.typha is True  # read from the calico-typha Deployment, not from pods


def test_403_on_endpointslices_leaves_endpoints_unknown(serve: ServeFn) -> None:
    served = serve(fx.seed_cluster())
    served.api.inject_fault("discovery.k8s.io", "endpointslices", status=403)
    collection = served.collect()
    assert set(gaps_by_source(collection)) == {"cluster.services.endpoints"}
    services = collection.cluster.services or ()
    assert [s.name for s in services] == ["kubernetes", "kube-dns"]
    assert all(s.endpoints is None for s in services)


def test_500_on_kubeadm_config_falls_back_and_records_what_is_missing(serve: ServeFn) -> None:
    served = serve(fx.seed_cluster())
    served.api.inject_fault("", "configmaps", status=500, name="kubeadm-config")
    collection = served.collect()
    # kube-proxy's clusterCIDR gives the pod network; nothing else gives the service CIDR.
    assert [str(c) for c in collection.cluster.pod_cidrs or ()] == ["10.244.0.0/16"]
    assert collection.cluster.service_cidrs is None
    error = gaps_by_source(collection)["cluster.service_cidrs"]
    assert error.startswith(
        "GET /api/v1/namespaces/kube-system/configmaps/kubeadm-config: 500 Internal Server Error: "
        "Internal error occurred: injected fault"
    )


@pytest.mark.parametrize(
    ("group", "resource"),
    [("apps", "deployments"), ("crd.projectcalico.org", "ippools"), ("", "configmaps")],
)
def test_credentials_rejected_midway_end_collection(
    serve: ServeFn, group: str, resource: str
) -> None:
    """A 401 is never a gap, even where a read has a fallback (Typha from its pods)."""
    served = serve(fx.seed_cluster())
    served.api.inject_fault(group, resource, status=401, message="token expired")
    with pytest.raises(AuthError) as caught:
        served.collect()
    assert "401 Unauthorized: token expired" in caught.value.message
