"""What the Kubernetes collector skipped is said in Korean (it was quoted English).

A node whose podCIDR is not a CIDR and a pod whose podIP is not an address, served by the
Kubernetes API double: the gap that lists them says each value in Korean, also after a
round trip through the snapshot file; the English is as it was. The CNI parsers' skips
(flannel's net-conf.json, Cilium's routing mode, tunnel and underlay) are messages too.
"""

from __future__ import annotations

import json
from typing import Any

from foundation.english import english_lines
from k8s_collect_served import ServeFn

from kostack.catalog import Msg, message_data
from kostack.collect._cni_cilium import parse_cilium
from kostack.collect._cni_flannel import parse_flannel
from kostack.collect._kube_objects import Notes
from kostack.gap_words import first_of, gap_error
from kostack.model.snapshot import Gap
from kostack_testkit import k8s_fixtures as fx


def _said(items: list[str]) -> tuple[str, str]:
    shown = Msg("gap.kube.skipped", n=len(items), shown=first_of(items))
    key, params = message_data(shown)
    gap = Gap(source="s", error=str(shown), key=key, params=json.loads(json.dumps(params)))
    return gap_error(gap, "en"), gap_error(gap, "ko")


def test_skipped_node_and_pod_values_are_korean(serve: ServeFn) -> None:
    objects: list[dict[str, Any]] = fx.seed_cluster()
    node = next(o for o in objects if o["kind"] == "Node")
    node["spec"]["podCIDR"] = node["spec"]["podCIDRs"][0] = "10.244.0/99"
    pod = next(o for o in objects if o["kind"] == "Pod" and o["status"].get("podIP"))
    pod["status"]["podIP"] = "not-an-ip"
    pod["status"].pop("podIPs", None)
    gaps = [g for g in serve(objects).collect().gaps if g.key == "gap.kube.skipped"]
    assert {g.source for g in gaps} == {"cluster.nodes", "cluster.pods"}, gaps
    for gap in gaps:
        again = Gap.model_validate_json(gap.model_dump_json())  # as the snapshot file keeps it
        english, korean = gap_error(again, "en"), gap_error(again, "ko")
        assert english == gap.error and "is not a" in english
        assert "“" not in korean and english_lines(korean) == [], korean
        assert "CIDR 형식이 아닙니다" in korean or "IP 주소가 아닙니다" in korean, korean


def test_the_cni_parsers_skips_are_korean() -> None:
    notes = Notes()
    for conf in ("{not json", "[]", '{"Network": "10.1/99", "Backend": {"Type": "x"}}'):
        config = {"data": {"net-conf.json": conf}}
        parse_flannel(config, ip_masq=None, linux_only=True, notes=notes)
    parse_cilium({"data": {"routing-mode": "bgp", "underlay-protocol": "ipx"}}, notes)
    parse_cilium({"data": {"tunnel": "geneve"}}, notes)
    skipped = [text for texts in notes.skipped.values() for text in texts]
    assert len(skipped) >= 6 and all(isinstance(text, Msg) for text in skipped), skipped
    english, korean = _said(skipped[:3])
    assert "net-conf.json is not JSON" in english
    for text in skipped:
        korean = text.render("ko")
        assert english_lines(korean) == [], korean


def test_text_from_elsewhere_stays_quoted_beside_kostacks_words() -> None:
    english, korean = _said([Msg("skip.configmap", name="calico-config"), "Input should be x"])
    assert english.endswith(
        ": ConfigMap kube-system/calico-config has no valid data; Input should be x"
    )
    assert korean.endswith(
        "ConfigMap kube-system/calico-config에 올바른 데이터가 없습니다; “Input should be x”"
    )
    assert _said(["a", "b", "c", "d"])[1].endswith("“a; b; c” 외 1개")  # as before
