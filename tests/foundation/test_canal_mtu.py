"""Canal's pod MTU is Calico's (canal-config veth_mtu; "0": the host interface's), not
flannel's: above flannel.1's it is a warning (the node's own ICMP adapts TCP), never a root
cause; an explicit veth_mtu that fits flannel.1 passes, one above the network fails."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Severity, Status
from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack.model import loads_snapshot

EXAMPLE = Path(__file__).parents[2] / "examples" / "flannel-vxlan-no-8472.json"


def canal_doc(veth_mtu: int | None, config: str = "canal-config", mtu: int | None = None) -> Any:
    """The flannel example made Canal: flannel's vxlan (Backend.MTU ``mtu``, unset: the
    interface's), Calico's CNI plugin with canal-config's ``veth_mtu``; UDP 8472 admitted."""
    doc = json.loads(EXAMPLE.read_text())
    flannel = doc["cluster"]["cni"]["flannel"]
    flannel.update(
        mtu=mtu,
        mtu_auto=mtu is None,
        bundle="canal",
        canal_pools=[],
        canal_config=config,
        canal_veth_mtu=veth_mtu,
    )
    for group in doc["openstack"]["security_groups"]:
        group["rules"].append(
            {
                "id": f"{group['id'][:-4]}8472",
                "direction": "ingress",
                "ethertype": "IPv4",
                "protocol": "udp",
                "port_range_min": 8472,
                "port_range_max": 8472,
                "remote_ip_prefix": "10.0.0.0/8",
                "remote_group_id": None,
            }
        )
    return doc


def mtu_findings(doc: Any) -> list[Any]:
    result = diagnose(loads_snapshot(json.dumps(doc)))
    return [f for f in result.findings if f.check_id == "net-mtu"], result


def test_canal_auto_gives_pods_the_interfaces_mtu_a_warning_not_a_root_cause() -> None:
    found, result = mtu_findings(canal_doc(0))
    (finding,) = [f for f in found if f.status == Status.FAIL]
    assert finding.severity == Severity.LOW and finding.cause == "mtu-pmtud"
    assert "MTU 1450" in finding.message and "(MTU 1400)" in finding.message
    assert "fragmentation needed" in finding.message
    assert finding in result.warnings
    assert not any(rc.key == "mtu-pmtud" for rc in result.root_causes)
    (remedy,) = finding.remedies
    command = remedy.param("command")
    assert "patch configmap canal-config" in command and '"veth_mtu":"1400"' in command
    assert "rollout restart ds/canal" in command


def test_rke2_canal_is_told_through_its_chart() -> None:
    found, _ = mtu_findings(canal_doc(1450, config="rke2-canal-config"))
    (finding,) = [f for f in found if f.status == Status.FAIL]
    command = finding.remedies[0].param("command")
    assert (
        "calico.vethuMTU: 1400" in command and "HelmChartConfig kube-system/rke2-canal" in command
    )


@pytest.mark.parametrize(("veth", "backend_mtu"), [(1400, None), (1350, 1400)])
def test_a_veth_mtu_within_flannels_device_passes(veth: int, backend_mtu: int | None) -> None:
    found, result = mtu_findings(canal_doc(veth, mtu=backend_mtu))
    assert [f.status for f in found] == [Status.PASS]
    assert not result.warnings


def test_a_veth_mtu_above_the_network_is_the_usual_failure() -> None:
    found, result = mtu_findings(canal_doc(1500))
    (finding,) = found
    assert finding.status == Status.FAIL and finding.cause == "mtu"
    assert any(rc.key == "mtu" for rc in result.root_causes)


def test_veth_mtu_not_read_is_undecided_never_flannels_value() -> None:
    found, _ = mtu_findings(canal_doc(None))
    assert [f.status for f in found] == [Status.UNKNOWN]
    assert "canal-config veth_mtu" in found[0].message


def test_it_says_so_in_korean(tmp_path: Path) -> None:
    path = tmp_path / "canal.json"
    path.write_text(json.dumps(canal_doc(0)))
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, environ={}, stdin_isatty=False, stdout_isatty=False)
    main(["--lang", "ko", "diagnose", "--snapshot", str(path), "-v"], env)
    text = " ".join(out.getvalue().split())
    assert "Canal이 준 Pod MTU(1450, calico-node 감지값 1450(네트워크 k8s-net)" in text, text
    assert "flannel VXLAN 장치의 MTU(1400)보다 큽니다" in text
    assert "`kostack fix plan`은 이 변경을 하지 않음" in text


def test_direct_routing_in_one_subnet_sends_nothing_through_flannel_1() -> None:
    """DirectRouting: nodes of one subnet route pod traffic natively, flannel.1 is unused, so
    the pods' 1450 fits (the base of this change warned, as if the tunnel carried it)."""
    doc = canal_doc(0)
    doc["cluster"]["cni"]["flannel"]["direct_routing"] = True
    found, result = mtu_findings(doc)
    assert [f.status for f in found] == [Status.PASS]
    assert not result.warnings
