"""Guard and Calico eBPF DSR: net-calico-ebpf-dsr predicts the pairs DSR's answers need from
the Services' endpoints (no flapping), but they are node addresses on other nodes' ports, a
widening only `kostack fix plan` / `apply` may consent to. Guard adds none, removes none a
person added, and reports the ports in both languages (docs/guard.md "What guard leaves to
kostack fix")."""

from __future__ import annotations

from kostack.analyze.diagnose import diagnose
from kostack.guard.drift import compute
from kostack.guard.render import notes
from kostack_testkit.builders import add_pairs, build, ports_of
from kostack_testkit.calico_ebpf import ebpf_doc


def _node_ips(doc: dict[str, object]) -> dict[str, str]:
    return {n["name"]: n["internal_ip"] for n in doc["cluster"]["nodes"]}  # type: ignore[index]


def test_predicted_dsr_pairs_are_reported_not_added() -> None:
    doc = ebpf_doc(mode="DSR")  # every member ONLINE: only the prediction sees the need
    snap = build(doc)
    d = diagnose(snap)
    assert "calico-ebpf-dsr" in [rc.key for rc in d.root_causes]
    assert not any(f.check_id == "lb-members-down" and f.cause for f in d.findings)
    drift = compute(snap)
    assert not any(p.add for p in drift.ports)
    names = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    assert sorted(names[pid] for pid, _ in drift.consent) == ["k8s-w-1", "k8s-w-2"]
    assert drift.as_dict()["consent"] == [{"port": pid, "name": n} for pid, n in drift.consent]
    en = [n for n in notes(drift, "en") if "Calico eBPF DSR" in n]
    ko = [n for n in notes(drift, "ko") if "Calico eBPF DSR" in n]
    assert len(en) == len(ko) == 1
    assert en[0].startswith("2 node port(s) lack other nodes' addresses")
    assert "guard does not add them" in en[0] and "`kostack fix plan`" in en[0]
    assert "guard는 이를 추가하지 않습니다" in ko[0]


def test_dsr_pairs_a_person_added_are_kept_and_nothing_is_reported() -> None:
    doc = ebpf_doc(mode="DSR")
    ips = _node_ips(doc)
    add_pairs(doc, [f"{ip}/32" for ip in ips.values()])  # `kostack fix apply` added them
    snap = build(doc)
    assert "calico-ebpf-dsr" not in [rc.key for rc in diagnose(snap).root_causes]
    drift = compute(snap)
    assert drift.consent == () and not any(p.remove or p.add for p in drift.ports)
    assert all(len(p["allowed_address_pairs"]) >= len(ips) for p in ports_of(doc))
    assert not [n for n in notes(drift, "en") if "Calico eBPF DSR" in n]
