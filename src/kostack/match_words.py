"""Why a node has no Neutron port (or how its port was chosen), in English and Korean.

kostack.collect.match says it with these messages; the snapshot keeps the English
(`NodePort.note`) and the message's key and parameters (`note_key`, `note_params`), so
the analysis says it again in the reader's language, also from a file (`note_of`). A
note without a key (a snapshot from before keys) is its English as stored, quoted in
Korean. It imports only the catalogue, so every layer may use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kostack.catalog import Msg, from_data, register

if TYPE_CHECKING:
    from kostack.model.snapshot import NodePort

__all__ = ["Msg", "either", "note_of"]

register(
    {
        "match.not-openstack": {
            "en": "providerID {provider} is not an OpenStack one (openstack:///SERVER_ID)",
            "ko": "providerID {provider:은/는} OpenStack 형식(openstack:///SERVER_ID)이 아닙니다",
        },
        "match.no-device": {
            "en": "no port has device_id {server} (from providerID {provider})",
            "ko": "device_id가 {server}인 포트가 없습니다 (providerID {provider}에서 읽음)",
        },
        "match.ip-uuid": {
            "en": "InternalIP {ips} is on {n} ports; chose {port}, whose device_id is the "
            "node's system UUID",
            "ko": "InternalIP {ips:이/가} 포트 {n}개에 있어, device_id가 노드의 시스템 UUID인 "
            "{port:을/를} 골랐습니다",
        },
        "match.ip-many": {
            "en": "InternalIP {ips} is a fixed IP of {n} ports ({ids}) in different networks",
            "ko": "InternalIP {ips:은/는} 서로 다른 네트워크에 있는 포트 {n}개({ids})의 고정 "
            "IP입니다",
        },
        "match.mac-many": {
            "en": "MAC {macs} belongs to {n} ports ({ids})",
            "ko": "MAC {macs:은/는} 포트 {n}개({ids})의 것입니다",
        },
        "match.none": {
            "en": "no Neutron port has {looked}",
            "ko": "{looked:을/를} 가진 Neutron 포트가 없습니다",
        },
        "match.by.device": {"en": "device_id {id}", "ko": "device_id {id}"},
        "match.by.ip": {"en": "fixed IP {ips}", "ko": "고정 IP {ips}"},
        "match.by.mac": {"en": "MAC {macs}", "ko": "MAC {macs}"},
        "match.or": {"en": "{first} or {rest}", "ko": "{first} 또는 {rest}"},
        "match.nothing": {
            "en": "the node has no providerID, InternalIP or known MAC to match a port by",
            "ko": "노드에 포트를 찾을 단서(providerID, InternalIP, 알려진 MAC)가 없습니다",
        },
        "match.server-ip": {
            "en": "server {server} has {n} ports; the node's InternalIP {ips} is on {port}",
            "ko": "서버 {server}에 포트가 {n}개 있고, 노드의 InternalIP {ips:은/는} {port}에 "
            "있습니다",
        },
        "match.server-mac": {
            "en": "server {server} has {n} ports; the node's MAC is on {port}",
            "ko": "서버 {server}에 포트가 {n}개 있고, 노드의 MAC은 {port}에 있습니다",
        },
        "match.server-unsure": {
            "en": "server {server} has {n} ports ({ids}) and {why}: cannot tell which is the "
            "node's NIC",
            "ko": "서버 {server}에 포트가 {n}개({ids}) 있고 {why}: 어느 것이 노드의 NIC인지 알 수 "
            "없습니다",
        },
        "match.why.some": {
            "en": "{k} of them hold InternalIP {ips}",
            "ko": "그중 {k}개에 InternalIP {ips:이/가} 있음",
        },
        "match.why.none": {
            "en": "none holds InternalIP {ips}",
            "ko": "어느 것에도 InternalIP {ips:이/가} 없음",
        },
        "match.why.no-ip": {
            "en": "the node has no InternalIP to tell them apart",
            "ko": "노드에 이를 구별할 InternalIP가 없음",
        },
        "match.network": {
            "en": "chose the port on network {network}, which holds a port for every node's "
            "InternalIP",
            "ko": "모든 노드의 InternalIP에 해당하는 포트가 있는 네트워크 {network}의 포트를 "
            "골랐습니다",
        },
        "match.claimed.won": {
            "en": "port {port} is also claimed by node {others} (by providerID, which wins)",
            "ko": "포트 {port:은/는} 노드 {others}에도 해당합니다 (그쪽은 providerID로 "
            "찾았으므로 우선합니다)",
        },
        "match.claimed": {
            "en": "port {port} is also claimed by node {others}: cannot tell whose NIC it is",
            "ko": "포트 {port:은/는} 노드 {others}에도 해당합니다: 어느 노드의 NIC인지 알 수 "
            "없습니다",
        },
        "match.ids.more": {"en": "{ids} and {more} more", "ko": "{ids} 외 {more}개"},
        "match.as-stored": {"en": "{note}", "ko": "“{note}”"},
    }
)


def either(parts: Sequence[str]) -> str:
    """``parts`` joined by "or" in the reader's language."""
    if len(parts) == 1:
        return parts[0]
    return Msg("match.or", first=parts[0], rest=either(parts[1:]))


def note_of(link: NodePort) -> str:
    """The note as a message every language can say: the one its key names, or its English
    as stored (quoted in Korean)."""
    if isinstance(link.note, Msg):
        return link.note
    said = from_data(link.note_key, link.note_params, link.note)
    return said if isinstance(said, Msg) else Msg("match.as-stored", note=link.note)
