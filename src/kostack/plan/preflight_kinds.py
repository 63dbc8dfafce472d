"""How preflight names the encapsulation overhead and the CNI's mode, in English and Korean."""

from __future__ import annotations

from kostack.catalog import Msg, register

register(
    {
        "preflight.kind.vxlan-cross": {"en": "VXLAN (across subnets)", "ko": "VXLAN (서브넷 간)"},
        "preflight.kind.ipip-cross": {"en": "IPIP (across subnets)", "ko": "IPIP (서브넷 간)"},
        "preflight.kind.none": {"en": "no encapsulation", "ko": "캡슐화 없음"},
        "preflight.mode.none": {"en": "no encapsulation (BGP)", "ko": "캡슐화 없음 (BGP)"},
        "preflight.mode.geneve": {"en": "Geneve tunnel", "ko": "Geneve 터널"},
        "preflight.mode.native": {"en": "native routing", "ko": "네이티브 라우팅"},
        "preflight.cni": {"en": "{cni} {mode} ({extras})", "ko": "{cni} {mode} ({extras})"},
        "preflight.on": {"en": "{name} on", "ko": "{name} 켜짐"},
        "preflight.off": {"en": "{name} off", "ko": "{name} 꺼짐"},
        # the names of what preflight plans (a Msg as the record's name: findings say it)
        "preflight.name.network": {"en": "planned network", "ko": "계획안"},
        "preflight.name.router": {"en": "planned router", "ko": "계획안"},
    }
)


def kind(key: str) -> Msg:
    """The overhead's or mode's name (``preflight.kind.*``, ``preflight.mode.*``)."""
    return Msg(key)
