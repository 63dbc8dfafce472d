"""What the network lab says when it fails: every `LabError`'s message and hint, keyed.

A raise site in kostack_lab passes `Msg(key, **params)` for the message and
the hint (kostack_lab.errors); `str()` of the error is the English text (the
lab's logs, the English CLI) and the CLI renders the same key in the
command's language. Words the lab only relays (a Neutron error, a command's
output, a log's tail) are parameters and stay quoted (“...”) in Korean.
tests/foundation/test_lab_keys.py proves every raise site passes a key that
exists here in both languages with the same placeholders.
"""

from __future__ import annotations

from kostack.catalog import register

register(
    {
        # ---------------------------------------------------------------- what failed (parts)
        "lab.w.own_neutron": {"en": "the lab's Neutron", "ko": "랩 자체 Neutron"},
        "lab.w.kube_api": {"en": "the lab's Kubernetes API", "ko": "랩의 Kubernetes API"},
        "lab.w.server": {"en": "lab server {name}", "ko": "랩 서버 {name}"},
        "lab.w.ports_and_groups": {"en": "ports and security groups", "ko": "포트와 보안 그룹"},
        "lab.w.ports": {"en": "ports", "ko": "포트"},
        "lab.w.use": {"en": "{module} for {use}", "ko": "{module}({use})"},
        "lab.w.and_use": {"en": "{before}; {module} for {use}", "ko": "{before}, {module}({use})"},
        "lab.w.use_kube_api": {
            "en": "the lab's Kubernetes API server",
            "ko": "랩의 Kubernetes API 서버",
        },
        "lab.w.use_dns": {"en": "the lab's cluster DNS server", "ko": "랩의 클러스터 DNS 서버"},
        # ---------------------------------------------------------------- input
        "lab.x.scenario": {
            "en": "unknown scenario {name}",
            "ko": "알 수 없는 시나리오 {name}입니다",
        },
        "lab.x.choose": {"en": "choose one of: {names}", "ko": "다음 중 하나를 고르세요: {names}"},
        "lab.x.bad_name": {
            "en": "bad lab name {name}",
            "ko": "랩 이름 {name:이/가} 올바르지 않습니다",
        },
        "lab.x.name_rule": {
            "en": "use 1-8 lowercase letters or digits, e.g. t1",
            "ko": "영문 소문자나 숫자 1~8자로 주세요 (예: t1)",
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
        "lab.x.bad_endpoint": {
            "en": "bad Neutron endpoint {value}",
            "ko": "Neutron 엔드포인트 {value:이/가} 올바르지 않습니다",
        },
        "lab.x.root_url": {
            "en": "give the root URL, e.g. {example}",
            "ko": "루트 URL을 주세요 (예: {example})",
        },
        "lab.x.needs_endpoint": {
            "en": "seed needs --endpoint URL, not {value}",
            "ko": "시드에는 --endpoint URL이 필요합니다 ({value:은/는} URL이 아닙니다)",
        },
        "lab.x.eg": {"en": "e.g. {example}", "ko": "예: {example}"},
        "lab.x.bad_nodes": {"en": "{why}", "ko": "노드 수가 올바르지 않습니다: “{why}”"},
        "lab.x.node_count": {
            "en": "give between 1 and 9000 nodes",
            "ko": "노드는 1대에서 9000대 사이로 주세요",
        },
        "lab.x.already_up": {
            "en": "a lab is already up ({n} namespaces such as {example})",
            "ko": "랩이 이미 실행 중입니다 (네임스페이스 {n}개, 예: {example})",
        },
        "lab.x.run_first": {"en": "run {command} first", "ko": "먼저 {command:을/를} 실행하세요"},
        "lab.x.run": {"en": "run {command}", "ko": "{command:을/를} 실행하세요"},
        "lab.x.state_dir": {
            "en": "cannot make the state directory {dir}: {why}",
            "ko": "상태 디렉터리 {dir:을/를} 만들 수 없습니다: {why}",
        },
        "lab.x.state_dir_hint": {
            "en": "give a directory root can write with --state-dir",
            "ko": "--state-dir로 root가 쓸 수 있는 디렉터리를 지정하세요",
        },
        "lab.x.none_up": {
            "en": "no lab is up (no state in {dir})",
            "ko": "실행 중인 랩이 없습니다 ({dir}에 상태 없음)",
        },
        "lab.x.no_such_pod": {
            "en": "no pod {pod} in this lab",
            "ko": "이 랩에 Pod {pod:이/가} 없습니다",
        },
        "lab.x.see_status_pods": {
            "en": "see {command} for the pods",
            "ko": "Pod 목록은 {command}에서 보세요",
        },
        "lab.x.not_our_ns": {
            "en": "{ns} is not a namespace of this lab",
            "ko": "{ns:은/는} 이 랩의 네임스페이스가 아닙니다",
        },
        "lab.x.see_status": {"en": "see {command}", "ko": "{command:을/를} 보세요"},
        "lab.x.no_pod_for_nodeport": {
            "en": "node {node} runs no pod to serve the NodePort",
            "ko": "노드 {node}에 NodePort를 받을 Pod가 없습니다",
        },
        "lab.x.no_member": {"en": "no member node", "ko": "멤버 노드가 없습니다"},
        "lab.x.name_members": {
            "en": "name lab nodes in members=",
            "ko": "members=에 랩 노드의 이름을 주세요",
        },
        "lab.x.undefined_groups": {
            "en": "scenario {name} names undefined security groups: {groups}",
            "ko": "시나리오 {name:이/가} 정의되지 않은 보안 그룹을 가리킵니다: {groups}",
        },
        "lab.x.define_groups": {
            "en": "define every group a port or rule refers to in security_groups",
            "ko": "포트나 규칙이 가리키는 모든 그룹을 security_groups에 정의하세요",
        },
        # ---------------------------------------------------------------- port descriptions
        "lab.x.not_port": {
            "en": "port description is not shaped like a Neutron port: {why}",
            "ko": "포트 설명이 Neutron 포트의 형식이 아닙니다: “{why}”",
        },
        "lab.x.not_group": {
            "en": "security group description is not shaped like a Neutron group: {why}",
            "ko": "보안 그룹 설명이 Neutron 보안 그룹의 형식이 아닙니다: “{why}”",
        },
        "lab.x.as_api_ports": {
            "en": "give dicts as the Neutron API returns them ({fields})",
            "ko": "Neutron API가 돌려주는 형식의 객체를 주세요 ({fields})",
        },
        "lab.x.read_description": {
            "en": "cannot read the lab's port description: {why}",
            "ko": "랩의 포트 설명을 읽을 수 없습니다: “{why}”",
        },
        "lab.x.lives_in": {
            "en": "it lives in {a} and {b} (Neutron list JSON)",
            "ko": "{a:과/와} {b}에 있습니다 (Neutron 목록 JSON)",
        },
        "lab.x.list_of_objects": {
            "en": "the {kind} description must be a JSON list of objects",
            "ko": "{kind} 설명은 객체의 JSON 리스트여야 합니다",
        },
        "lab.x.or_wrapped": {"en": "or {form}", "ko": "또는 {form}"},
        "lab.x.no_render": {
            "en": "no port-security render recorded",
            "ko": "기록된 포트 보안 적용 결과가 없습니다",
        },
        # ---------------------------------------------------------------- Neutron
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
        "lab.x.read_neutron": {
            "en": "cannot read {what} from Neutron at {url}: {why}",
            "ko": "Neutron({url})에서 {what:을/를} 읽을 수 없습니다: “{why}”",
        },
        "lab.x.check_endpoint": {
            "en": "check the endpoint and that Neutron runs",
            "ko": "엔드포인트와 Neutron이 실행 중인지 확인하세요",
        },
        "lab.x.check_endpoint_eg": {
            "en": "check the endpoint (the root URL, e.g. {example}) and that Neutron runs",
            "ko": "엔드포인트(루트 URL, 예: {example})와 Neutron이 실행 중인지 확인하세요",
        },
        "lab.x.no_port_behind": {
            "en": "Neutron has no port for the lab VMs behind {taps}",
            "ko": "랩 VM {taps}에 해당하는 Neutron 포트가 없습니다",
        },
        "lab.x.no_port_for": {
            "en": "Neutron at {url} has no port for {nodes}",
            "ko": "Neutron({url})에 {nodes}의 포트가 없습니다",
        },
        "lab.x.seed_first": {
            "en": "seed it first: `{command}`",
            "ko": "먼저 포트를 만드세요: `{command}`",
        },
        "lab.x.every_vm": {
            "en": "give every lab VM a port in the port description",
            "ko": "포트 설명에 모든 랩 VM의 포트를 넣으세요",
        },
        # ---------------------------------------------------------------- servers
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
            "en": "install it: `pip install cryptography` (openstacksdk already depends on it)",
            "ko": "설치하세요: `pip install cryptography` (openstacksdk가 이미 이 패키지에 의존합니다)",
        },
        "lab.x.down_left": {
            "en": "down left namespaces {namespaces} and processes {processes}",
            "ko": "정리 후에도 네임스페이스 {namespaces:과/와} 프로세스 {processes:이/가} 남았습니다",
        },
        "lab.x.check_then_down": {
            "en": "check {a} and {b}, then run down again",
            "ko": "{a:과/와} {b:을/를} 확인한 뒤 `kostack lab down`을 다시 실행하세요",
        },
        # ---------------------------------------------------------------- this machine
        "lab.x.root": {
            "en": "the network lab needs root (it creates network namespaces)",
            "ko": "네트워크 랩에는 root 권한이 필요합니다 (네트워크 네임스페이스를 만듭니다)",
        },
        "lab.x.as_root": {
            "en": "run it as root, e.g. {command}",
            "ko": "root로 실행하세요. 예: {command}",
        },
        "lab.x.missing_commands": {
            "en": "missing command(s): {commands}",
            "ko": "필요한 명령이 없습니다: {commands}",
        },
        "lab.x.install": {"en": "install them: `{command}`", "ko": "설치하세요: `{command}`"},
        "lab.x.no_br_netfilter": {
            "en": "the kernel has no br_netfilter (no /proc/sys/net/bridge)",
            "ko": "커널에 br_netfilter가 없습니다 (/proc/sys/net/bridge 없음)",
        },
        "lab.x.modprobe": {
            "en": "load it once as root: {command} (the lab does not load modules itself)",
            "ko": "root로 한 번 로드하세요: {command} (랩은 커널 모듈을 직접 로드하지 않습니다)",
        },
        "lab.x.not_found": {
            "en": "command not found: `{command}`",
            "ko": "명령을 찾을 수 없습니다: `{command}`",
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
        "lab.x.extra": {
            "en": "`{command}` needs packages {package} depends on, which are not installed "
            "(missing {what})",
            "ko": "`{command}`에는 {package:이/가} 의존하는 패키지가 필요한데 설치되어 있지 않습니다 "
            "(없는 모듈: {what})",
        },
        "lab.x.pip_extra": {
            "en": "install {package} with its dependencies, from a checkout of kostack: {install}",
            "ko": "kostack 체크아웃에서 {package:을/를} 의존 패키지와 함께 설치하세요: {install}",
        },
        # ---------------------------------------------------------------- the Neutron venv
        "lab.w.neutron_venv": {"en": "lab's Neutron", "ko": "랩 자체 Neutron"},
        "lab.w.neutron_size": {"en": "about 340 MB, 1-2 minutes", "ko": "약 340 MB, 1~2분"},
        "lab.w.create_venv": {"en": "create the venv", "ko": "venv 생성"},
        "lab.w.install": {"en": "install {what}", "ko": "{what} 설치"},
        "lab.x.venv_missing": {
            "en": "the {what} venv {venv} does not exist",
            "ko": "{what} venv {venv:이/가} 없습니다",
        },
        "lab.x.venv_incomplete": {
            "en": "the {what} venv {venv} is incomplete or has other versions",
            "ko": "{what} venv {venv:이/가} 불완전하거나 다른 버전입니다",
        },
        "lab.x.venv_make": {
            "en": "make it with {command} ({size}; `bash scripts/setup.sh --all` does it too), "
            "or point {env_var} at one",
            "ko": "{command:으로/로} 만드세요 ({size}; `bash scripts/setup.sh --all`도 만듭니다). "
            "또는 {env_var:이/가} 기존 venv를 가리키게 하세요",
        },
        "lab.x.venv_step": {
            "en": "could not {step}: {why}",
            "ko": "{step}에 실패했습니다: “{why}”",
        },
        "lab.x.venv_step_status": {
            "en": "could not {step} (exit status {status}): {tail}",
            "ko": "{step}에 실패했습니다 (종료 코드 {status}): “{tail}”",
        },
        "lab.x.venv_retry": {
            "en": "retry; check the disk and network",
            "ko": "디스크와 네트워크를 확인하고 다시 시도하세요",
        },
        "lab.x.venv_pypi": {
            "en": "check that PyPI (or your mirror) is reachable and the disk has room ({size})",
            "ko": "PyPI(또는 미러)에 접속되는지, 디스크에 공간이 있는지 확인하세요 ({size})",
        },
        # ---------------------------------------------------------------- the tests' Neutron handle
    }
)
