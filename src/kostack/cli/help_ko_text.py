"""kostack's `--help` in Korean: the catalogue cli/help_ko.py reads (its docstring says the keys).

A description's first paragraph is the command's summary in its group's list of commands.
"""

from __future__ import annotations

from typing import Final

from kostack.cli.help_ko_more import MORE

_NEUTRON: Final = (
    "API가 알려 주지 않을 때 클라우드가 쓰는 Neutron 백엔드를 알려 줍니다"
    "(--snapshot과 함께라면 스냅샷의 openstack.backend를 덮어씁니다)."
)
_PAIRS: Final = {
    "method": "pairs: Allowed Address Pair와 범위를 좁힌 규칙으로, 포트 보안은 켠 채 둡니다. "
    "disable-port-security: 빠르지만 노드 포트의 필터링을 모두 없앱니다.",
    "tight": "전체 Pod CIDR가 아니라 각 노드가 가진 Pod 블록에만 Allowed Address Pair를 둡니다.",
    "service_cidr": "서비스 CIDR도 Allowed Address Pair로 추가합니다. 트래픽에는 필요 없고(서비스 IP는 "
    "출발지로 노드를 떠나지 않음), diagnose가 권하는 대로 기본은 꺼져 있습니다.",
    "acknowledged": "--method disable-port-security와 함께 필수: 노드 포트가 스푸핑 방지와 "
    "모든 보안 그룹을 잃는다는 것을 받아들입니다.",
    "snapshot_path": "실시간으로 수집하는 대신 스냅샷으로 계획합니다.",
    "lang": "언어(기본값: KOSTACK_LANG, 없으면 로캘).",
    "timeout_s": "요청 하나를 이만큼 기다리고 포기합니다(기본값 30 또는 $KOSTACK_TIMEOUT).",
}
_TIMEOUT: Final = "API 요청 하나를 이만큼 기다리고 포기합니다"
TEXTS: Final[dict[str, dict[str, str]]] = {
    "*": {
        "help": "이 도움말을 보여 주고 끝냅니다.",
        "color": "결과를 심각도별로 색칠합니다(최상위 --color와 같음, 기본값 auto).",
        "progress": "stderr에 진행 상황을 보여 줍니다(최상위 --progress와 같음, 기본값 auto).",
        "lang": "언어(기본값: 로캘을 따름).",
        "neutron_backend": _NEUTRON,
        "kube_context": "사용할 kubeconfig 컨텍스트.",
        "kubeconfig": "kubeconfig 파일(기본값: KUBECONFIG, ~/.kube/config).",
        "os_cloud": "clouds.yaml 항목(기본값: OS_CLOUD / OS_* 환경 변수).",
        "snapshot_path": "실시간으로 수집하는 대신 스냅샷을 읽습니다.",
        "egress_target": "Pod의 외부 통신을 판단할 클러스터 밖 주소(아무것도 보내지 않음).",
        "fail_on": "이 심각도 이상의 결과가 실패하면 1로 끝냅니다.",
        "timeout_s": f"--snapshot이 없을 때: {_TIMEOUT}"
        "(엄격한 한도, 기본값 30 또는 $KOSTACK_TIMEOUT).",
        "jitter": "기다리는 시간마다 interval x (1 +- F)입니다.",
        "listen": "/metrics, /healthz, /readyz, /status를 제공할 곳. 포트 0은 빈 포트 아무거나 "
        "쓰고, stderr의 시작 줄이 쓴 포트를 알려 줍니다.",
        "active": "DNS와 kubernetes 서비스를 클러스터 안에서 실제로 점검합니다(트래픽을 보냄).",
        "pending_grace": "이보다 최근인(또는 시각을 알 수 없는) pending-install/upgrade/rollback "
        "또는 uninstalling Helm 릴리스는 아직 실행 중인 helm 명령일 수 있습니다: 멈췄다고 하지 "
        "않고 절대 삭제하거나 재설치하지 않습니다. 0: 그런 릴리스는 모두 멈춘 것입니다(helm, CI, "
        "Argo CD/Flux 작업이 돌지 않는다는 것을 알 때).",
    },
    "": {
        "": "Kubernetes-on-OpenStack에서 Pod끼리 통신하지 못하는 원인을 찾고 안전하게 "
        "고칩니다.\n\n"
        "kostack은 OpenStack 프로젝트(Neutron 포트, 보안 그룹, 네트워크, 라우터)와 클러스터(노드, "
        "CNI, 서비스)를 읽고, 어떤 규칙이 어떤 흐름을 막는지 홉마다 설명하고, 수정을 계획합니다. "
        "--yes 없이는 아무것도 바꾸지 않습니다.",
        "epilog": "예:\n\n\b\n  kostack diagnose --snapshot examples/seed-incident.json",
        "version": "버전을 보여 주고 끝냅니다.",
        "debug": "트레이스백과 클라이언트 라이브러리의 로그를 보여 줍니다(자격 증명은 가립니다).",
        "kube_context": "모든 명령이 쓸 kubeconfig 컨텍스트"
        "(`kubectl kostack --context prod diagnose`처럼).",
        "kubeconfig": "모든 명령이 쓸 kubeconfig 파일.",
        "color": "결과를 심각도별로 색칠합니다: auto는 터미널이고 NO_COLOR이 없을 때입니다"
        "(json, junit, sarif, 스크립트에는 하지 않음).",
        "progress": "오래 걸리는 단계의 진행 상황을 stderr에 보여 줍니다(진단 단계마다 한 줄): "
        "auto는 stderr가 터미널이고 출력이 json, junit, sarif가 아닐 때입니다.",
        "lang": "모든 명령의 결과와 오류의 언어로, KOSTACK_LANG 환경 변수와 같습니다(명령 자체의 --lang이 "
        "우선).",
    },
    "collect": {
        "": "OpenStack과 Kubernetes를 읽기만 하고 스냅샷을 씁니다.\n\n"
        "OpenStack: Neutron(네트워크, 서브넷, 라우터, 포트, 보안 그룹, Floating IP)과 Octavia("
        "로드밸런서, 리스너, 풀, 모니터, 정상이 아닌 풀의 멤버). Kubernetes: 노드, Pod, "
        "kubeadm/kubelet/kube-proxy 설정, CNI, kubernetes와 DNS 서비스, LoadBalancer 타입의 모든 "
        "Service와 그 EndpointSlice와 이벤트, Helm 릴리스(--no-helm이면 건너뜀). 자격 증명은 보통의 "
        "도구가 찾는 곳에서 옵니다: clouds.yaml, OS_CLOUD 또는 openrc 파일의 OS_* 변수(또는 "
        "--os-cloud), kubeconfig, KUBECONFIG 또는 클러스터 내부 서비스 어카운트(또는 --kubeconfig, "
        "--context). 스냅샷에는 자격 증명이 절대 담기지 않습니다. 종료 코드: 0 완전함, 3 출처에 "
        "닿을 수 없거나 자격 증명을 거부함, 4 일부(읽지 못한 것은 stderr에 나열되고 스냅샷에 "
        "기록됨).",
        "epilog": "\b\n예:\n  kostack collect -o snap.json\n"
        "  kostack collect --os-cloud mycloud --context prod -o snap.json\n"
        "  kostack collect --no-kubernetes --neutron-backend ml2/ovn > openstack-only.json\n"
        "  kostack diagnose --snapshot snap.json",
        "output_path": "스냅샷을 FILE에 씁니다(기본값: 표준 출력).",
        "no_openstack": "OpenStack을 읽지 않습니다(클러스터만).",
        "no_kubernetes": "Kubernetes를 읽지 않습니다(OpenStack만).",
        "no_helm": "Helm 릴리스, PVC, PV를 읽지 않습니다.",
        "timeout_s": f"[기본값: 30 또는 $KOSTACK_TIMEOUT] {_TIMEOUT}(그 부분은 빈칸이 되고, "
        "끝내 답하지 않는 서비스는 종료 코드 3). 단계(OpenStack, Kubernetes, Helm)마다 이의 10배, "
        "최소 60초 뒤에 포기합니다.",
        "lang": "요약, 일부만 읽었다는 경고, 오류의 언어(기본값: 로캘을 따름).",
    },
    "completion": {
        "": "SHELL(bash 또는 zsh)의 자동 완성 스크립트를 출력합니다.\n\n"
        "명령, 하위 명령, 옵션, 선택지가 TAB 키로 완성됩니다. 스크립트는 완성 목록을 계산하려고 "
        "kostack 자신을 부르므로(_KOSTACK_COMPLETE를 설정해서) kostack을 업그레이드해도 맞게 "
        "유지됩니다.",
        "epilog": "\b\n예:\n"
        '  eval "$(kostack completion bash)"              # ~/.bashrc에 추가\n'
        "  kostack completion zsh > ~/.zfunc/_kostack     # ~/.zshrc에 fpath+=(~/.zfunc)와 함께\n"
        "  source <(kostack completion zsh)               # 지금 zsh에서 시험",
    },
    "diagnose": {
        "": "Pod 네트워크 장애의 근본 원인을 찾습니다.\n\n"
        "--snapshot이 없으면 kostack은 먼저 OpenStack과 Kubernetes에서 수집합니다(읽기만). "
        "스냅샷이 말하지 않지만 값이 몇 가지뿐인 것(Neutron 백엔드, 마스커레이드, Calico BGP, "
        "natOutgoingExclusions, WireGuard, kube-proxy 모드, 라우터 없는 노드 네트워크가 "
        "프로바이더 네트워크인지)은 모든 경우로 시험합니다: 모든 "
        "경우에 같은 답이면 그것이 답이고, 모든 경우에 다르게 실패하는 원인은 경우마다 수정이 "
        "있는 근본 원인이며, 그 밖에는 CONDITIONAL로 한 번, 경우를 가리는 방법과 함께 "
        "보고합니다.\n\n"
        "\b\n종료 코드:\n"
        "  0  정상으로 판정함(--fail-on 미만의 경고는 허용)\n"
        "  1  --fail-on 이상의 결과\n"
        "  2  잘못된 입력\n"
        "  3  연결하거나 인증할 수 없음\n"
        "  4  판단 불가: DNS, API 서비스, Pod 간 통신 또는 외부 통신을 판단할 수 없거나,\n"
        "     --fail-on 이상의 원인이 조건부이거나, 데이터가 빠짐\n\n"
        "\b\n예:\n"
        "  kostack diagnose --snapshot examples/seed-incident.json\n"
        "  kostack diagnose --os-cloud mycloud --context prod -o json\n"
        "  kostack diagnose --snapshot snap.json --lang ko --fail-on critical\n"
        "  kostack diagnose --active --probe-image registry.local/python:3.12",
        "verbose": "모든 흐름, 모든 증거, 모든 명령.",
        "active": "클러스터 안에서 실제로 점검하고 정적 모델과 맞춰 봅니다(트래픽을 보냄).",
        "probe_image": "--active와 함께: 점검 Pod의 이미지(python3이 있으면 아무거나).",
        "probe_timeout": "--active와 함께: 점검 하나의 제한 시간(초).",
        "probe_lab": "--active와 함께: 대신 네트워크 랩 NAME('default')을 점검합니다.",
        "probe_icmp_clusterip": "--active와 함께: ClusterIP에도 ping합니다(판단하지 않음: 무엇이 "
        "돌아오는지는 프록시 모드에 달렸고 아무것도 증명하지 않음).",
    },
    "trace": {
        "": "흐름 하나를 홉마다 추적하고 어느 규칙이 그 흐름을 결정하는지 말합니다.\n\n"
        "\b\n엔드포인트:\n"
        "  pod:NAMESPACE/NAME        node:NAME\n"
        "  svc:NAMESPACE/NAME:PORT/PROTO\n"
        "  ip:A.B.C.D[:PORT/PROTO]   ip:[IPV6][:PORT/PROTO]\n"
        "  client                    (SRC만: 클러스터 밖의 아무 클라이언트)\n\n"
        "듀얼 스택 Pod, 노드, 서비스는 상대 끝의 주소 체계의 주소로 추적합니다. 같은 주소 체계가 "
        "없는 두 끝은 사용법 오류입니다(종료 코드 2).\n\n"
        "바깥 클라이언트(ip:... 또는 client)에서 LoadBalancer 타입의 Service(또는 그 Floating IP)로는 "
        "들어오는 길을 추적합니다: Floating IP, VIP, 리스너, 풀, 프로바이더(amphora 또는 OVN), "
        "NodePort에 대한 각 멤버 노드의 보안 그룹, kube-proxy, Pod.\n\n"
        "\b\n예:\n"
        "  kostack trace --snapshot examples/seed-incident.json pod:demo/netshoot "
        "svc:kube-system/kube-dns:53/udp\n"
        "  kostack trace --snapshot examples/seed-incident.json -p icmp pod:demo/netshoot "
        "svc:default/kubernetes\n"
        "  kostack trace --snapshot examples/lb-ovn-node-subnet-only.json ip:198.51.100.7 "
        "svc:shop/web:80/tcp\n"
        "  kostack trace --snapshot examples/lb-amphora-healthy.json client ip:203.0.113.50:80/tcp\n\n"
        "스냅샷이 경로를 바꾸는 것(Neutron 백엔드, 마스커레이드)을 열어 두면 모든 경우를 추적하고 "
        "서로 다를 때 보여 줍니다.\n\n"
        "종료 코드: 0 모든 경우에 닿음(또는 아무것도 증명하지 않는 ClusterIP ping), 1 모든 경우에 "
        "막힘(서비스 엔드포인트 하나 이상으로: 첫 예는 CoreDNS Pod 둘 중 하나에 닿음), 2 잘못된 입력, "
        "4 판단 불가 또는 경우에 따라 다름.",
        "protocol": "프로토콜(기본값: DST의 /PROTO, 없으면 tcp).",
    },
    "fix": {
        "": "`kostack diagnose`가 찾은 문제의 수정을 계획, 적용, 검증하고 롤백합니다.\n\n"
        "기본 수정은 Neutron 포트 보안을 켠 채 둡니다: 필요한 모든 노드 포트에 Pod CIDR의 "
        "Allowed Address Pair를 두고, CNI와 컨트롤 플레인에 필요한 것에는 클러스터로 범위를 좁힌 보안 그룹 "
        "규칙을 둡니다. --yes(또는 터미널에서 확인 문구 입력) 없이는 아무것도 바꾸지 않습니다. "
        "모든 변경은 계획할 때 읽은 리비전을 조건으로 하고 저널에 기록되므로, 이어서 하거나 "
        "롤백할 수 있습니다.",
        "epilog": "\b\n예:\n"
        "  kostack fix plan --snapshot snap.json\n"
        "  kostack fix plan -o script > fix.sh          # 검토한 뒤: bash fix.sh\n"
        "  kostack fix apply --yes --journal fix.journal.jsonl\n"
        "  kostack fix rollback fix.journal.jsonl --yes",
        **_PAIRS,
    },
    "fix plan": {
        "": "진단을 고치는 변경을 보여 주고, 무엇이든 실행하기 전에 검증합니다.\n\n"
        "변경마다 대상, 고치는 근본 원인, 기대하는 리비전, 되돌리는 방법을 밝힙니다. 계획은 "
        "변경을 적용한 스냅샷으로 진단을 다시 돌려 점검합니다. -o json이 정식 형식이고"
        "(`kostack fix apply --plan FILE` 명령이 검토한 그대로 적용), -o script는 `openstack` 명령으로 "
        "된 멱등 bash 스크립트입니다.",
        "epilog": "\b\n예:\n"
        "  kostack fix plan --snapshot examples/seed-incident.json\n"
        "  kostack fix plan --snapshot snap.json -o json > plan.json\n"
        "  kostack fix plan --snapshot snap.json -o script > fix.sh\n"
        "  kostack fix plan --tight --service-cidr\n"
        "  kostack fix plan --method disable-port-security",
        "verbose": "변경 전 각 포트의 필드도 보여 줍니다.",
    },
    "fix apply": {
        "": "계획을 적용합니다: 계획할 때 읽은 리비전을 조건으로, 저널에 기록하며, 검증합니다.\n\n"
        "--yes가 없으면(또는 터미널에서 확인 문구를 입력하지 않으면) 시험 실행입니다. 계획 뒤에 "
        "다른 누군가가 바꾼 포트는 실행을 멈추고 더는 아무것도 건드리지 않습니다. 종료 코드: "
        "0 적용했고 근본 원인이 사라짐, 1 적용했지만 근본 원인이 남음, 2 잘못된 입력, 3 연결하거나 "
        "인증할 수 없음, 5 적용 실패(저널로 이어서 하거나 롤백).",
        "epilog": "\b\n예:\n"
        "  kostack fix apply --snapshot snap.json                 # 시험 실행: 계획을 보여 줌\n"
        "  kostack fix apply --snapshot snap.json --yes --journal fix.journal.jsonl\n"
        "  kostack fix apply --plan plan.json --snapshot snap.json --yes\n"
        "  kostack fix apply --journal fix.journal.jsonl --yes    # 중단된 적용을 이어서 함",
        "plan_path": "이 계획을 적용합니다(`fix plan -o json`의 것).",
        "journal_path": "쓸 저널(기본값 kostack-fix-<time>.journal.jsonl). 이미 있으면 이어서 합니다.",
        "yes": "묻지 않고 적용합니다(기본은 시험 실행).",
        "no_verify": "적용한 뒤 다시 수집하고 다시 진단하지 않습니다.",
        "retries": "답이 없거나 5xx를 받은 요청을 다시 시도합니다(안전함: 갱신은 조건부).",
    },
    "fix rollback": {
        "": "저널의 실행들이 바꾼 모든 포트, 그룹, 라우터를 정확히 전과 같이 되돌립니다.\n\n"
        "완료된, 일부만 된, 중단된 적용 뒤 모두 됩니다: 불확실한 것은 먼저 다시 읽습니다. kostack "
        "뒤에 누군가 바꾼 객체는 --force가 없으면 그대로 둡니다(손으로 되돌릴 명령과 함께).",
        "epilog": "\b\n예:\n"
        "  kostack fix rollback kostack-fix-20261126T101500Z.journal.jsonl        # 시험 실행\n"
        "  kostack fix rollback kostack-fix-20261126T101500Z.journal.jsonl --yes",
        "yes": "묻지 않고 롤백합니다(기본은 시험 실행).",
        "force": "kostack 뒤에 누군가 바꾼 객체도 되돌립니다(그 사람의 변경은 사라짐).",
        "os_cloud": "clouds.yaml 항목(기본값: 저널의 것, OS_*).",
    },
    **MORE,
}
