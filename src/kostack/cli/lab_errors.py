"""The network lab's errors (`LabError` message and hint) in the command's language.

kostack.lab words its errors in English (its logs and the English CLI print
them as they are); under `--lang ko` `lab_error` finds the shape of each
text (kostack.cli.lab_shapes explains how) and says it in Korean. The
exception's own words (a Neutron error, a command's output, a log's tail)
stay quoted (“...”).
"""

from __future__ import annotations

import re
from typing import Final

from kostack.analyze.messages import Msg, register
from kostack.cli.lab_shapes import from_groups, make_shapes, said_as

register(
    {
        # ---------------------------------------------------------------- errors and hints
        "lab.x.scenario": {
            "en": "unknown scenario {name}",
            "ko": "알 수 없는 시나리오 {name}입니다",
        },
        "lab.x.choose": {"en": "choose one of: {names}", "ko": "다음 중 하나를 고르세요: {names}"},
        "lab.x.seed_own": {
            "en": "could not seed the lab's Neutron at {url}: {why}",
            "ko": "랩 자체 Neutron({url})에 네트워크와 포트를 만들지 못했습니다: “{why}”",
        },
        "lab.x.seed": {
            "en": "could not seed the Neutron at {url}: {why}",
            "ko": "Neutron({url})에 네트워크와 포트를 만들지 못했습니다: “{why}”",
        },
        "lab.x.seed_twice": {
            "en": "check that it runs and is empty (seeding twice makes duplicate ports)",
            "ko": "Neutron이 실행 중이고 비어 있는지 확인하세요 (두 번 만들면 포트가 중복됩니다)",
        },
        "lab.x.exited": {
            "en": "{what} exited before it was ready",
            "ko": "{what:이/가} 준비되기 전에 종료되었습니다",
        },
        "lab.x.not_ready": {
            "en": "{what} not ready within {seconds}s",
            "ko": "{what:이/가} {seconds}초 안에 준비되지 않았습니다",
        },
        "lab.x.servers_not_ready": {
            "en": "lab servers not ready within {seconds}s: {names}",
            "ko": "랩 서버가 {seconds}초 안에 준비되지 않았습니다: {names}",
        },
        "lab.w.own_neutron": {"en": "the lab's Neutron", "ko": "랩 자체 Neutron"},
        "lab.w.kube_api": {"en": "the lab's Kubernetes API", "ko": "랩의 Kubernetes API"},
        "lab.w.server": {"en": "lab server {name}", "ko": "랩 서버 {name}"},
        "lab.x.see": {"en": "see {what}", "ko": "{what:을/를} 확인하세요"},
        "lab.x.see_tail": {
            "en": "see {what}: {tail}",
            "ko": "{what:을/를} 확인하세요 (마지막 줄: “{tail}”)",
        },
        "lab.x.see_logs": {"en": "see the logs in {dir}", "ko": "{dir}의 로그를 확인하세요"},
        "lab.x.no_tls": {
            "en": "cannot make the API server's certificate: neither {a} nor {b} is available",
            "ko": "API 서버 인증서를 만들 수 없습니다: {a}도 {b}도 없습니다",
        },
        "lab.x.pip_cryptography": {
            "en": "pip install cryptography (openstacksdk already depends on it)",
            "ko": "설치하세요: `pip install cryptography` (openstacksdk가 이미 이 패키지에 의존합니다)",
        },
        "lab.x.needs_endpoint": {
            "en": "seed needs --endpoint URL, not {value}",
            "ko": "시드에는 --endpoint URL이 필요합니다 ({value:은/는} URL이 아닙니다)",
        },
        "lab.x.eg": {"en": "e.g. {example}", "ko": "예: {example}"},
        "lab.x.node_count": {
            "en": "give between 1 and 9000 nodes",
            "ko": "노드는 1대에서 9000대 사이로 주세요",
        },
        "lab.x.no_pod_for_nodeport": {
            "en": "node {node} runs no pod to serve the NodePort",
            "ko": "노드 {node}에 NodePort를 받을 Pod가 없습니다",
        },
        "lab.x.no_member": {"en": "no member node", "ko": "멤버 노드가 없습니다"},
        "lab.x.name_members": {
            "en": "name lab nodes in members=",
            "ko": "members=에 랩 노드의 이름을 주세요",
        },
        "lab.x.nodes_range": {
            "en": "--nodes must be between 2 and {most}, not {nodes}",
            "ko": "--nodes는 2에서 {most} 사이여야 합니다 (주어진 값: {nodes})",
        },
        "lab.x.default_4": {"en": "the default is 4", "ko": "기본값은 4입니다"},
        "lab.x.own_and_endpoint": {
            "en": "the lab's own Neutron and --neutron-endpoint exclude each other",
            "ko": "랩 자체 Neutron과 --neutron-endpoint는 함께 쓸 수 없습니다",
        },
        "lab.x.own_or_endpoint": {
            "en": "give --neutron-endpoint to use your Neutron, or leave it out for the lab's own",
            "ko": "사용자의 Neutron을 쓰려면 --neutron-endpoint를 주고, 랩 자체 Neutron을 쓰려면 "
            "빼세요",
        },
        "lab.x.bad_endpoint": {
            "en": "bad Neutron endpoint {value}",
            "ko": "Neutron 엔드포인트 {value:이/가} 올바르지 않습니다",
        },
        "lab.x.root_url": {
            "en": "give the root URL, e.g. {example}",
            "ko": "루트 URL을 주세요 (예: {example})",
        },
        "lab.x.already_up": {
            "en": "a lab is already up ({n} namespaces such as {example})",
            "ko": "랩이 이미 실행 중입니다 (네임스페이스 {n}개, 예: {example})",
        },
        "lab.x.run_first": {"en": "run {command} first", "ko": "먼저 {command:을/를} 실행하세요"},
        "lab.x.run": {"en": "run {command}", "ko": "{command:을/를} 실행하세요"},
        "lab.x.no_port_behind": {
            "en": "Neutron has no port for the lab VMs behind {taps}",
            "ko": "랩 VM {taps}에 해당하는 Neutron 포트가 없습니다",
        },
        "lab.x.seed_first": {
            "en": "seed it first: {command}",
            "ko": "먼저 포트를 만드세요: `{command}`",
        },
        "lab.x.every_vm": {
            "en": "give every lab VM a port in the port description",
            "ko": "포트 설명에 모든 랩 VM의 포트를 넣으세요",
        },
        "lab.x.down_left": {
            "en": "down left namespaces {namespaces} and processes {processes}",
            "ko": "정리 후에도 네임스페이스 {namespaces}와 프로세스 {processes}가 남았습니다",
        },
        "lab.x.check_then_down": {
            "en": "check {a} and {b}, then run down again",
            "ko": "{a}와 {b}를 확인한 뒤 `kostack lab down`을 다시 실행하세요",
        },
        "lab.x.no_render": {
            "en": "no port-security render recorded",
            "ko": "기록된 포트 보안 적용 결과가 없습니다",
        },
        "lab.x.not_our_ns": {
            "en": "{ns} is not a namespace of this lab",
            "ko": "{ns:은/는} 이 랩의 네임스페이스가 아닙니다",
        },
        "lab.x.see_status": {"en": "see {command}", "ko": "{command:을/를} 보세요"},
        "lab.x.see_status_pods": {
            "en": "see {command} for the pods",
            "ko": "Pod 목록은 {command}에서 보세요",
        },
        "lab.x.from_neutron": {
            "en": "this lab reads port security from Neutron",
            "ko": "이 랩은 포트 보안을 Neutron에서 읽습니다",
        },
        "lab.x.change_in_neutron": {
            "en": "change it in Neutron at {url}",
            "ko": "Neutron({url})에서 바꾸세요",
        },
        "lab.x.missing_commands": {
            "en": "missing command(s): {commands}",
            "ko": "필요한 명령이 없습니다: {commands}",
        },
        "lab.x.install": {"en": "{command}", "ko": "설치하세요: `{command}`"},
        "lab.x.no_br_netfilter": {
            "en": "the kernel has no br_netfilter (no /proc/sys/net/bridge)",
            "ko": "커널에 br_netfilter가 없습니다 (/proc/sys/net/bridge 없음)",
        },
        "lab.x.modprobe": {
            "en": "load it once as root: {command} (the lab does not load modules itself)",
            "ko": "root로 한 번 로드하세요: {command} (랩은 커널 모듈을 직접 로드하지 않습니다)",
        },
        "lab.x.not_found": {
            "en": "command not found: {command}",
            "ko": "명령을 찾을 수 없습니다: {command}",
        },
        "lab.x.install_tools": {
            "en": "install iproute2 and nftables",
            "ko": "iproute2와 nftables를 설치하세요",
        },
        "lab.x.did_not_finish": {
            "en": "{command} did not finish within {seconds}s",
            "ko": "{command:이/가} {seconds}초 안에 끝나지 않았습니다",
        },
        "lab.x.failed_status": {
            "en": "{command} failed with status {status}: {output}",
            "ko": "{command} 실패 (종료 코드 {status}): “{output}”",
        },
        "lab.x.clean_and_retry": {
            "en": "run {command} to clean up, then try again",
            "ko": "{command:으로/로} 정리한 뒤 다시 시도하세요",
        },
        "lab.x.not_object": {
            "en": "{command} in {ns} did not return an object",
            "ko": "{ns}에서 {command:이/가} 객체를 돌려주지 않았습니다",
        },
        "lab.x.not_port": {
            "en": "port description is not shaped like a Neutron port: {why}",
            "ko": "포트 설명이 Neutron 포트의 형식이 아닙니다: “{why}”",
        },
        "lab.x.as_api_ports": {
            "en": "give dicts as the Neutron API returns them ({fields})",
            "ko": "Neutron API가 돌려주는 형식의 객체를 주세요 ({fields})",
        },
        "lab.x.not_group": {
            "en": "security group description is not shaped like a Neutron group: {why}",
            "ko": "보안 그룹 설명이 Neutron 보안 그룹의 형식이 아닙니다: “{why}”",
        },
        "lab.x.no_such_pod": {
            "en": "no pod {pod} in this lab",
            "ko": "이 랩에 Pod {pod:이/가} 없습니다",
        },
        "lab.x.bad_name": {
            "en": "bad lab name {name}",
            "ko": "랩 이름 {name:이/가} 올바르지 않습니다",
        },
        "lab.x.name_rule": {
            "en": "use 1-8 lowercase letters or digits, e.g. t1",
            "ko": "영문 소문자나 숫자 1~8자로 주세요 (예: t1)",
        },
        "lab.x.none_up": {
            "en": "no lab is up (no state in {dir})",
            "ko": "실행 중인 랩이 없습니다 ({dir}에 상태 없음)",
        },
        "lab.x.read_neutron": {
            "en": "cannot read {what} from Neutron at {url}: {why}",
            "ko": "Neutron({url})에서 {what:을/를} 읽을 수 없습니다: “{why}”",
        },
        "lab.w.ports_and_groups": {"en": "ports and security groups", "ko": "포트와 보안 그룹"},
        "lab.w.ports": {"en": "ports", "ko": "포트"},
        "lab.x.check_endpoint": {
            "en": "check the endpoint and that Neutron runs",
            "ko": "엔드포인트와 Neutron이 실행 중인지 확인하세요",
        },
        "lab.x.check_endpoint_eg": {
            "en": "check the endpoint (the root URL, e.g. {example}) and that Neutron runs",
            "ko": "엔드포인트(루트 URL, 예: {example})와 Neutron이 실행 중인지 확인하세요",
        },
        "lab.x.read_description": {
            "en": "cannot read the lab's port description: {why}",
            "ko": "랩의 포트 설명을 읽을 수 없습니다: “{why}”",
        },
        "lab.x.lives_in": {
            "en": "it lives in {a} and {b} (Neutron list JSON)",
            "ko": "{a}와 {b}에 있습니다 (Neutron 목록 JSON)",
        },
        "lab.x.list_of_objects": {
            "en": "the {kind} description must be a JSON list of objects",
            "ko": "{kind} 설명은 객체의 JSON 리스트여야 합니다",
        },
        "lab.x.or_wrapped": {"en": "or {form}", "ko": "또는 {form}"},
        "lab.x.no_port_for": {
            "en": "Neutron at {url} has no port for {nodes}",
            "ko": "Neutron({url})에 {nodes}의 포트가 없습니다",
        },
        "lab.x.undefined_groups": {
            "en": "scenario {name} names undefined security groups: {groups}",
            "ko": "시나리오 {name:이/가} 정의되지 않은 보안 그룹을 가리킵니다: {groups}",
        },
        "lab.x.define_groups": {
            "en": "define every group a port or rule refers to in security_groups",
            "ko": "포트나 규칙이 가리키는 모든 그룹을 security_groups에 정의하세요",
        },
        "lab.x.root": {
            "en": "the network lab needs root (it creates network namespaces)",
            "ko": "네트워크 랩에는 root 권한이 필요합니다 (네트워크 네임스페이스를 만듭니다)",
        },
        "lab.x.as_root": {
            "en": "run it as root, e.g. {command}",
            "ko": "root로 실행하세요. 예: {command}",
        },
        "lab.x.extra": {
            "en": "{command} needs the {extra} extra, which is not installed (missing {what})",
            "ko": "{command}에는 {extra} extra가 필요한데 설치되어 있지 않습니다 (없는 모듈: {what})",
        },
        "lab.x.pip_extra": {"en": "{command}", "ko": "설치하세요: {command}"},
        "lab.x.seed_needs_endpoint": {
            "en": "--seed-neutron needs --neutron-endpoint",
            "ko": "--seed-neutron에는 --neutron-endpoint가 필요합니다",
        },
        "lab.x.give_root_url": {
            "en": "give the Neutron root URL",
            "ko": "Neutron의 루트 URL을 주세요",
        },
        "lab.x.no_neutron_and_endpoint": {
            "en": "--no-neutron and --neutron-endpoint exclude each other",
            "ko": "--no-neutron과 --neutron-endpoint는 함께 쓸 수 없습니다",
        },
        "lab.x.give_one": {"en": "give one of them", "ko": "둘 중 하나만 주세요"},
        "lab.x.other": {"en": "{text}", "ko": "랩 작업이 실패했습니다 (원문: “{text}”)"},
        "lab.x.other_hint": {"en": "{text}", "ko": "원문 힌트: “{text}”"},
    }
)


def _who(text: str) -> Msg | str:
    """What exited or was not ready: the lab's Neutron, its Kubernetes API, a server."""
    if text == "the lab's Neutron":
        return Msg("lab.w.own_neutron")
    if text == "the lab's Kubernetes API":
        return Msg("lab.w.kube_api")
    server = re.fullmatch(r"lab server (\S+)", text)
    return Msg("lab.w.server", name=server[1]) if server else text


def _tick(text: str) -> str:
    """A command as the Korean text shows it: in backticks, once."""
    return text if text.startswith("`") else f"`{text}`"


ERRORS: Final = make_shapes(
    (r"unknown scenario (?P<name>.+)", from_groups("lab.x.scenario")),
    (r"choose one of: (?P<names>.+)", from_groups("lab.x.choose")),
    (
        r"could not seed the lab's Neutron at (?P<url>\S+): (?P<why>.+)",
        from_groups("lab.x.seed_own"),
    ),
    (r"could not seed the Neutron at (?P<url>\S+): (?P<why>.+)", from_groups("lab.x.seed")),
    (
        r"check that it runs and is empty \(seeding twice makes duplicate ports\)",
        from_groups("lab.x.seed_twice"),
    ),
    (
        r"lab servers not ready within (?P<seconds>[\d.]+)s: (?P<names>.+)",
        from_groups("lab.x.servers_not_ready"),
    ),
    (r"(?P<what>.+) exited before it was ready", lambda m: Msg("lab.x.exited", what=_who(m[1]))),
    (
        r"(?P<what>.+) not ready within (?P<seconds>[\d.]+)s",
        lambda m: Msg("lab.x.not_ready", what=_who(m[1]), seconds=m[2]),
    ),
    (r"see the logs in (?P<dir>.+)", from_groups("lab.x.see_logs")),
    (r"see (?P<what>`[^`]+`) for the pods", lambda m: Msg("lab.x.see_status_pods", command=m[1])),
    (r"see (?P<command>`[^`]+`)", from_groups("lab.x.see_status")),
    (r"see (?P<what>\S+): (?P<tail>.+)", from_groups("lab.x.see_tail")),
    (r"see (?P<what>\S+)", from_groups("lab.x.see")),
    (
        r"cannot make the API server's certificate: neither (?P<a>`\w+`) nor (?P<b>`\w+`) "
        r"is available",
        from_groups("lab.x.no_tls"),
    ),
    (
        r"pip install cryptography \(openstacksdk already depends on it\)",
        from_groups("lab.x.pip_cryptography"),
    ),
    (r"seed needs --endpoint URL, not (?P<value>.+)", from_groups("lab.x.needs_endpoint")),
    (r"e\.g\. (?P<example>\S+)", from_groups("lab.x.eg")),
    (r"give between 1 and 9000 nodes", from_groups("lab.x.node_count")),
    (
        r"node (?P<node>\S+) runs no pod to serve the NodePort",
        from_groups("lab.x.no_pod_for_nodeport"),
    ),
    (r"no member node", from_groups("lab.x.no_member")),
    (r"name lab nodes in members=", from_groups("lab.x.name_members")),
    (
        r"--nodes must be between 2 and (?P<most>\d+), not (?P<nodes>-?\d+)",
        from_groups("lab.x.nodes_range"),
    ),
    (r"the default is 4", from_groups("lab.x.default_4")),
    (
        r"the lab's own Neutron and --neutron-endpoint exclude each other",
        from_groups("lab.x.own_and_endpoint"),
    ),
    (
        r"give --neutron-endpoint to use your Neutron, or leave it out for the lab's own",
        from_groups("lab.x.own_or_endpoint"),
    ),
    (r"bad Neutron endpoint (?P<value>.+)", from_groups("lab.x.bad_endpoint")),
    (r"give the root URL, e\.g\. (?P<example>\S+)", from_groups("lab.x.root_url")),
    (
        r"a lab is already up \((?P<n>\d+) namespaces such as (?P<example>\S+)\)",
        from_groups("lab.x.already_up"),
    ),
    (r"run (?P<command>`[^`]+`) first", from_groups("lab.x.run_first")),
    (r"run (?P<command>`[^`]+`) to clean up, then try again", from_groups("lab.x.clean_and_retry")),
    (r"run (?P<command>`[^`]+`)", from_groups("lab.x.run")),
    (
        r"Neutron has no port for the lab VMs behind (?P<taps>.+)",
        from_groups("lab.x.no_port_behind"),
    ),
    (r"seed it first: (?P<command>.+)", from_groups("lab.x.seed_first")),
    (r"give every lab VM a port in the port description", from_groups("lab.x.every_vm")),
    (
        r"down left namespaces (?P<namespaces>.+) and processes (?P<processes>.+)",
        from_groups("lab.x.down_left"),
    ),
    (
        r"check (?P<a>`[^`]+`) and (?P<b>`[^`]+`), then run down again",
        from_groups("lab.x.check_then_down"),
    ),
    (r"no port-security render recorded", from_groups("lab.x.no_render")),
    (r"(?P<ns>\S+) is not a namespace of this lab", from_groups("lab.x.not_our_ns")),
    (r"this lab reads port security from Neutron", from_groups("lab.x.from_neutron")),
    (r"change it in Neutron at (?P<url>\S+)", from_groups("lab.x.change_in_neutron")),
    (r"missing command\(s\): (?P<commands>.+)", from_groups("lab.x.missing_commands")),
    (r"(?P<command>apt-get update && apt-get install .+)", from_groups("lab.x.install")),
    (
        r"the kernel has no br_netfilter \(no /proc/sys/net/bridge\)",
        from_groups("lab.x.no_br_netfilter"),
    ),
    (
        r"load it once as root: (?P<command>`[^`]+`) \(the lab does not load modules itself\)",
        from_groups("lab.x.modprobe"),
    ),
    (r"command not found: (?P<command>.+)", from_groups("lab.x.not_found")),
    (r"install iproute2 and nftables", from_groups("lab.x.install_tools")),
    (
        r"(?P<command>`[^`]+`) did not finish within (?P<seconds>[\d.]+)s",
        from_groups("lab.x.did_not_finish"),
    ),
    (
        r"(?P<command>`[^`]+`) failed with status (?P<status>-?\d+): (?P<output>.*)",
        from_groups("lab.x.failed_status"),
    ),
    (
        r"(?P<command>`[^`]+`) in (?P<ns>\S+) did not return an object",
        from_groups("lab.x.not_object"),
    ),
    (
        r"port description is not shaped like a Neutron port: (?P<why>.+)",
        from_groups("lab.x.not_port"),
    ),
    (
        r"security group description is not shaped like a Neutron group: (?P<why>.+)",
        from_groups("lab.x.not_group"),
    ),
    (
        r"give dicts as the Neutron API returns them \((?P<fields>.+)\)",
        from_groups("lab.x.as_api_ports"),
    ),
    (r"no pod (?P<pod>.+) in this lab", from_groups("lab.x.no_such_pod")),
    (r"bad lab name (?P<name>.+)", from_groups("lab.x.bad_name")),
    (r"use 1-8 lowercase letters or digits, e\.g\. t1", from_groups("lab.x.name_rule")),
    (r"no lab is up \(no state in (?P<dir>.+)\)", from_groups("lab.x.none_up")),
    (
        r"cannot read ports and security groups from Neutron at (?P<url>\S+): (?P<why>.+)",
        from_groups("lab.x.read_neutron", what=Msg("lab.w.ports_and_groups")),
    ),
    (
        r"cannot read ports from Neutron at (?P<url>\S+): (?P<why>.+)",
        from_groups("lab.x.read_neutron", what=Msg("lab.w.ports")),
    ),
    (r"check the endpoint and that Neutron runs", from_groups("lab.x.check_endpoint")),
    (
        r"check the endpoint \(the root URL, e\.g\. (?P<example>\S+)\) and that Neutron runs",
        from_groups("lab.x.check_endpoint_eg"),
    ),
    (r"cannot read the lab's port description: (?P<why>.+)", from_groups("lab.x.read_description")),
    (r"it lives in (?P<a>\S+) and (?P<b>\S+) \(Neutron list JSON\)", from_groups("lab.x.lives_in")),
    (
        r"the (?P<kind>\w+) description must be a JSON list of objects",
        from_groups("lab.x.list_of_objects"),
    ),
    (r"or (?P<form>\{.+\})", from_groups("lab.x.or_wrapped")),
    (r"Neutron at (?P<url>\S+) has no port for (?P<nodes>.+)", from_groups("lab.x.no_port_for")),
    (
        r"scenario (?P<name>\S+) names undefined security groups: (?P<groups>.+)",
        from_groups("lab.x.undefined_groups"),
    ),
    (
        r"define every group a port or rule refers to in security_groups",
        from_groups("lab.x.define_groups"),
    ),
    (r"the network lab needs root \(it creates network namespaces\)", from_groups("lab.x.root")),
    (r"run it as root, e\.g\. (?P<command>`[^`]+`)", from_groups("lab.x.as_root")),
    (
        r"(?P<command>.+) needs the (?P<extra>`\w+`) extra, which is not installed "
        r"\(missing (?P<what>.+)\)",
        from_groups("lab.x.extra"),
    ),
    (r"(?P<command>pip install .+)", lambda m: Msg("lab.x.pip_extra", command=_tick(m[1]))),
    (r"--seed-neutron needs --neutron-endpoint", from_groups("lab.x.seed_needs_endpoint")),
    (r"give the Neutron root URL", from_groups("lab.x.give_root_url")),
    (
        r"--no-neutron and --neutron-endpoint exclude each other",
        from_groups("lab.x.no_neutron_and_endpoint"),
    ),
    (r"give one of them", from_groups("lab.x.give_one")),
)


def lab_error(lang: str, message: str, hint: str) -> tuple[str, str]:
    """A LabError's message and hint in ``lang`` (English: as the lab wrote them)."""
    if lang == "en":
        return message, hint
    said = said_as(message, ERRORS, "lab.x.other").render(lang)
    return said, (said_as(hint, ERRORS, "lab.x.other_hint").render(lang) if hint else "")
