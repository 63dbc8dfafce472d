"""Words that stayed English under --lang ko: the preflight's overhead and mode names, the
Ctrl-C texts, the collection gaps' hints, the active diagnosis' probe gaps, the probe headings.

Each case names the English words the old code printed, so a regression shows which one.
"""

from __future__ import annotations

import pytest
from test_korean_messages import run

PREFLIGHT = (
    "preflight", "--pod-cidr", "10.244.0.0/16", "--service-cidr", "10.96.0.0/12",
    "--subnet-cidr", "10.0.0.0/24", "--network-mtu", "1500", "--node", "10.0.0.11",
    "--node", "10.0.0.12", "--lang", "ko",
)  # fmt: skip


@pytest.mark.parametrize(
    ("cni", "mode", "korean", "english"),
    [
        ("calico", "none", "캡슐화 없음 (BGP)", "no encapsulation"),
        ("calico", "ipip-crosssubnet", "IPIP (서브넷 간) 20)", "across subnets"),
        ("calico", "vxlan-crosssubnet", "VXLAN (서브넷 간) 50)", "across subnets"),
        ("cilium", "native", "Cilium 네이티브 라우팅", "native routing"),
        ("cilium", "geneve", "Cilium Geneve 터널", "Geneve tunnel"),
        ("flannel", "host-gw", "MTU 1500 - 캡슐화 없음 0)", "no encapsulation"),
    ],
)
def test_preflight_names_the_overhead_and_the_mode_in_korean(
    cni: str, mode: str, korean: str, english: str
) -> None:
    code, out = run(*PREFLIGHT, "--cni", cni, "--mode", mode)
    assert code == 0, out
    text = out.split("openstack security group create")[0]
    assert korean in text
    assert english not in text, [line for line in text.splitlines() if english in line]


def test_preflight_keeps_the_english_names_in_english_and_json() -> None:
    code, out = run(*PREFLIGHT[:-2], "--cni", "calico", "--mode", "none")
    assert code == 0 and "Calico no encapsulation (BGP)" in out
    assert "(network MTU 1500 - 0 for no encapsulation)" in out


def test_probe_is_one_korean_term_the_glossarys() -> None:
    import kostack.plan.release_gate
    import kostack.probe.plan_model  # noqa: F401  (both register probe messages)
    from kostack.catalog import CATALOG
    from kostack.report.i18n import MESSAGES as REPORT
    from kostack.watch.messages import MESSAGES as WATCH

    korean = [m["ko"] for m in CATALOG.values()] + [*REPORT["ko"].values(), *WATCH["ko"].values()]
    assert [text for text in korean if "프로브" in text] == []
    assert REPORT["ko"]["probe.round"].startswith("점검 라운드:")
    assert [m["ko"] for m in CATALOG.values() if m["ko"].startswith("DNS 점검 없음")]
