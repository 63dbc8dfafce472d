"""What a gap (a part collection could not read) says, in English and Korean, from a file too.

A gap keeps its English text (``error``, ``hint``) and the catalogue keys and
parameters it was said with (``key``/``params``, ``hint_key``/``hint_params``;
kostack.collect.gap_texts makes them). `error_of`/`hint_of` give the message
again, so every layer says it in the reader's language; text from elsewhere (the
server's answer, an exception) is a parameter quoted “...” in Korean (`quoted`).
A gap without a key (a snapshot from before keys) prints its English as stored,
quoted in Korean. It imports only the catalogue (and the OS errors' words), so
every layer may use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kostack import (
    gap_words_cilium,  # noqa: F401  (registers Cilium LB IPAM's texts)
    gap_words_kube,  # noqa: F401  (registers the Kubernetes, CNI and Helm texts)
    gap_words_ovnk,  # noqa: F401  (registers OVN-Kubernetes' texts)
)
from kostack.catalog import Msg, from_data, joined, localize, register
from kostack.oserror import in_text

if TYPE_CHECKING:
    from kostack.model.snapshot import Gap

__all__ = [
    "Msg", "error_of", "first_of", "gap_error", "gap_hint", "hint_of", "quoted",
]  # fmt: skip


def quoted(text: str) -> str:
    """Text from elsewhere (a server's error, an exception): quoted in Korean, a Msg kept."""
    return text if isinstance(text, Msg) else in_text(text)


def first_of(items: Sequence[str], shown: int = 3) -> str:
    """The first ``shown`` of ``items`` (texts recorded as they are, or messages), and how
    many more. Text from elsewhere is quoted in Korean; kostack's own messages are said."""
    if not any(isinstance(item, Msg) for item in items[:shown]):
        head = "; ".join(items[:shown])
        more = ("gap.list", "gap.list.more")
    else:
        head = joined(
            [i if isinstance(i, Msg) else Msg("gap.as-stored", text=i) for i in items[:shown]]
        )
        more = ("gap.list.said", "gap.list.said.more")
    if len(items) <= shown:
        return Msg(more[0], items=head)
    return Msg(more[1], items=head, more=len(items) - shown)


def error_of(gap: Gap) -> str:
    """The gap's error as a message every language can say: the one it was made with, or
    the one its key names (a file), or its English text as stored (quoted in Korean)."""
    return _message(gap.error, gap.key, gap.params)


def hint_of(gap: Gap) -> str:
    """The gap's hint as `error_of` says it ("" when it has none)."""
    return _message(gap.hint, gap.hint_key, gap.hint_params) if gap.hint else ""


def gap_error(gap: Gap, lang: str) -> str:
    """The gap's error in ``lang``."""
    return localize(error_of(gap), lang)


def gap_hint(gap: Gap, lang: str) -> str:
    """The gap's hint in ``lang`` ("" when it has none)."""
    return localize(hint_of(gap), lang)


def _message(text: str, key: str | None, params: dict[str, Any]) -> str:
    if isinstance(text, Msg):
        return text
    message = from_data(key, params, text)
    # English kostack has no words for here (an old snapshot): as it is, quoted in Korean
    return message if isinstance(message, Msg) else Msg("gap.as-stored", text=text)


register(
    {
        # ------------------------------------------------------------------ shapes
        "gap.as-stored": {"en": "{text}", "ko": "“{text}”"},
        "gap.at": {"en": "{source}: {error}", "ko": "{source}: {error}"},
        "gap.list": {"en": "{items}", "ko": "“{items}”"},
        "gap.list.more": {"en": "{items}; and {more} more", "ko": "“{items}” 외 {more}개"},
        "gap.list.said": {"en": "{items}", "ko": "{items}"},
        "gap.list.said.more": {"en": "{items}; and {more} more", "ko": "{items} 외 {more}개"},
        # ------------------------------------------------------------------ probes (kostack probe)
        "probe.gap.failed": {
            "en": "the probe round failed: {error}",
            "ko": "점검 라운드가 실패했습니다: {error}",
        },
        "probe.gap.nothing": {"en": "nothing to probe: {why}", "ko": "점검할 것이 없습니다: {why}"},
        "probe.gap.no-plan": {
            "en": "no probe could be planned",
            "ko": "계획할 수 있는 점검이 없습니다",
        },
        "probe.gap.nothing.hint": {
            "en": "check the snapshot's nodes and services",
            "ko": "스냅샷의 노드와 서비스를 확인하세요",
        },
        # ------------------------------------------------------------------ API answers
        "gap.api.http": {
            "en": "HTTP {status}{reason} on GET {path}: {message}{request}",
            "ko": "GET {path}에 HTTP {status}{reason}: {message}{request}",
        },
        "gap.api.request-id": {"en": " (request {id})", "ko": " (요청 {id})"},
        "gap.api.deadline": {
            "en": "GET {path} got no answer within {seconds} s",
            "ko": "GET {path}에 {seconds}초 안에 응답이 없었습니다",
        },
        "gap.api.timeout": {
            "en": "GET {path} timed out: {why}",
            "ko": "GET {path}의 시간이 초과되었습니다: {why}",
        },
        "gap.api.failed": {
            "en": "GET {path} failed: {kind}: {why}",
            "ko": "GET {path}에 실패했습니다: {kind}: {why}",
        },
        "gap.api.not-json": {
            "en": "GET {path} answered something that is not JSON",
            "ko": "GET {path}의 응답이 JSON이 아닙니다",
        },
        "gap.api.json-kind": {
            "en": "GET {path} answered a JSON {kind}",
            "ko": "GET {path}의 응답이 JSON {kind}입니다",
        },
        "gap.api.no-list": {
            "en": "GET {path} answered without a {listed_key} list",
            "ko": "GET {path}의 응답에 {listed_key} 목록이 없습니다",
        },
        "gap.api.same-page": {
            "en": "GET {path} answered the same page again (its next marker did not move): "
            "the listing was stopped",
            "ko": "GET {path}의 응답이 같은 페이지를 다시 보냈습니다(다음 마커가 그대로입니다): "
            "목록 읽기를 멈췄습니다",
        },
        "gap.octavia.no-endpoint": {
            "en": "no load-balancer (Octavia) endpoint in the service catalogue or the cloud's "
            "configuration ({kind}: {why})",
            "ko": "서비스 카탈로그나 클라우드 설정에 로드밸런서(Octavia) 엔드포인트가 없습니다"
            "({kind}: {why})",
        },
        "gap.octavia.no-endpoint.catalogue": {
            "en": "no load-balancer (Octavia) endpoint in the service catalogue: {why}",
            "ko": "서비스 카탈로그에 로드밸런서(Octavia) 엔드포인트가 없습니다: {why}",
        },
        # ------------------------------------------------------------------ OpenStack
        "gap.os.dep.extensions": {
            "en": "whether allowed-address-pairs and port-security are available is unknown",
            "ko": "allowed-address-pairs와 port-security를 쓸 수 있는지 알 수 없습니다",
        },
        "gap.os.dep.networks": {
            "en": "network MTU and port-security defaults are unknown",
            "ko": "네트워크 MTU와 포트 보안 기본값을 알 수 없습니다",
        },
        "gap.os.dep.subnets": {
            "en": "which nodes share a subnet (native vs encapsulated pod traffic) is unknown",
            "ko": "어느 노드가 서브넷을 공유하는지(Pod 트래픽이 캡슐화 없이인지 캡슐화인지) 알 수 "
            "없습니다",
        },
        "gap.os.dep.routers": {
            "en": "routes back to pod CIDRs and SNAT are unknown",
            "ko": "Pod CIDR로 돌아오는 경로와 SNAT를 알 수 없습니다",
        },
        "gap.os.dep.ports": {
            "en": "anti-spoofing, allowed address pairs and node-to-port matching are unknown",
            "ko": "스푸핑 방지(anti-spoofing), Allowed Address Pair, 노드와 포트의 대응을 알 수 "
            "없습니다",
        },
        "gap.os.dep.security_groups": {
            "en": "every security-group check (CNI encapsulation, BGP, pod sources) is UNKNOWN",
            "ko": "보안 그룹 점검(CNI 캡슐화, BGP, Pod 출발지)은 모두 판단 불가입니다",
        },
        "gap.os.dep.floating_ips": {
            "en": "which floating IP fronts a load balancer's VIP is unknown",
            "ko": "어느 Floating IP가 로드밸런서의 VIP 앞에 있는지 알 수 없습니다",
        },
        "gap.os.dep.router_interfaces": {
            "en": "whether another project's router serves a subnet that no listed router "
            "serves is unknown",
            "ko": "나열된 라우터가 연결되지 않은 서브넷에 다른 프로젝트의 라우터가 연결되어 있는지 알 "
            "수 없습니다",
        },
        "gap.os.dep.other": {
            "en": "what depends on it is unknown",
            "ko": "여기에 달린 것을 알 수 없습니다",
        },
        "gap.hint.os.policy": {
            "en": "{dependents}; the user needs read access to {what} (policy)",
            "ko": "{dependents}. 사용자에게 {what} 읽기 권한이 필요합니다(정책)",
        },
        "gap.hint.os.timeout": {
            "en": "{dependents}; retry, or raise the per-request timeout (`kostack collect "
            "--timeout SECONDS`)",
            "ko": "{dependents}. 다시 시도하거나 요청당 제한 시간을 늘리세요(`kostack collect "
            "--timeout SECONDS`)",
        },
        "gap.os.routers-without-ports": {
            "en": "router interfaces are read from the port listing, which failed",
            "ko": "라우터 인터페이스는 포트 목록에서 읽는데, 포트 목록을 읽지 못했습니다",
        },
        "gap.os.unreadable": {
            "en": "{shown}",
            "ko": "읽을 수 없는 항목: {shown}",
        },
        "gap.hint.os.unreadable": {
            "en": "these items could not be read; what depends on them is UNKNOWN",
            "ko": "이 항목들을 읽을 수 없었습니다. 여기에 달린 것은 판단 불가입니다",
        },
        "gap.octavia.unreadable": {
            "en": "some Octavia objects could not be read: {shown}",
            "ko": "Octavia 객체 일부를 읽을 수 없었습니다: {shown}",
        },
        "gap.hint.octavia.unreadable": {
            "en": "these objects are left out; what depends on them may be UNKNOWN",
            "ko": "이 객체들은 빼고 수집했습니다. 여기에 달린 것은 판단 불가일 수 있습니다",
        },
        "gap.hint.octavia": {
            "en": "every check of Services of type LoadBalancer is UNKNOWN; the user needs read "
            "access to Octavia (`openstack loadbalancer list` must work)",
            "ko": "LoadBalancer 타입 서비스의 점검은 모두 판단 불가입니다. 사용자에게 Octavia 읽기 "
            "권한이 필요합니다(`openstack loadbalancer list`가 동작해야 합니다)",
        },
        "gap.hint.octavia.policy": {
            "en": "every check of Services of type LoadBalancer is UNKNOWN; the user needs read "
            "access to Octavia (`openstack loadbalancer list` must work); Octavia's policy "
            "refused the listing (a role such as load-balancer_observer or member)",
            "ko": "LoadBalancer 타입 서비스의 점검은 모두 판단 불가입니다. 사용자에게 Octavia 읽기 "
            "권한이 필요합니다(`openstack loadbalancer list`가 동작해야 합니다). Octavia의 "
            "정책이 목록 조회를 거부했습니다(load-balancer_observer나 member 같은 역할)",
        },
        # ------------------------------------------------------------------ linking
        "gap.link.failed": {
            "en": "cannot match nodes to Neutron ports: {what} not collected",
            "ko": "노드를 Neutron 포트에 대응시킬 수 없습니다: {what:을/를} 수집하지 못했습니다",
        },
        "gap.link.either": {
            "en": "openstack.ports or cluster.nodes",
            "ko": "openstack.ports나 cluster.nodes",
        },
        "gap.link.both": {"en": "{first} and {then}", "ko": "{first:과/와} {then}"},
        "gap.hint.link": {
            "en": "every check that needs a node's port answers UNKNOWN; fix the gap above and "
            "collect again",
            "ko": "노드의 포트가 필요한 점검은 모두 판단 불가입니다. 위의 수집 누락을 해결하고 "
            "다시 수집하세요",
        },
    }
)
