"""kostack's `--help` in Korean, continued: the commands that run for long, and the releases."""

from __future__ import annotations

from typing import Final

_EVENTS: Final = "Kubernetes 이벤트"
MORE: Final[dict[str, dict[str, str]]] = {
    "guard": {
        "": "노드가 바뀌어도 노드 포트를 올바르게 유지합니다: 어긋남 감사, 또는 안전장치를 둔 "
        "강제 적용.\n\n"
        "매 회차 Neutron과 Kubernetes를 나열하고(목록 호출 수는 일정) 각 노드의 포트와 노드 보안 "
        "그룹을 `kostack fix plan`이 추가할 것과 비교합니다. audit(기본값)은 어긋남을 보고하고, "
        "enforce는 빠진 것을 조건부 갱신으로 추가하고 추가한 것에 표시를 하며(포트 태그, 규칙 "
        "설명) 그것만 제거합니다. 회로 차단기가 너무 많이 바꿀 회차를 멈춥니다. --once와 함께: "
        "종료 코드 0 어긋남 없음(또는 고침), 1 어긋남이 남음, 3 연결할 수 없음, 4 차단기가 열림 "
        "또는 데이터가 불완전함, 5 쓰기 실패. 남은 어긋남에는 `kostack fix`만 추가하는 Calico "
        "eBPF DSR의 Pair도 포함됩니다. docs/guard.md를 보세요.",
        "epilog": "\b\n예:\n"
        "  kostack guard --once                                  # 감사: 어긋남 보고, 변경 없음\n"
        "  kostack guard --once --mode enforce --os-cloud prod   # 고침(`kostack fix`의 종료 "
        "코드)\n"
        "  kostack guard --once --snapshot examples/seed-incident.json --lang ko\n"
        "  kostack guard --mode enforce --interval 60            # 계속 올바르게(deploy/guard)\n"
        "  curl -s 127.0.0.1:9110/metrics; curl -s 127.0.0.1:9110/status",
        "mode": "audit은 어긋남을 보고하고 아무것도 바꾸지 않습니다. enforce는 고칩니다.",
        "once": "한 회차 뒤 끝냅니다(cron, CI). 리더 선출 없음.",
        "output": "--once와 함께: 보고서의 형식.",
        "snapshot_path": "실시간 목록 대신 스냅샷 파일을 감사합니다(회차마다 다시 읽음).",
        "tight": "각 노드 자신의 Pod 블록에 대한 Allowed Address Pair(`fix plan --tight`처럼).",
        "no_service_cidr": "서비스 CIDR를 Allowed Address Pair로 추가하지 않습니다(`fix plan --no-service-cidr`"
        "처럼).",
        "interval": "회차 사이의 초(노드가 합류하면 더 일찍 시작).",
        "settle": "Kubernetes가 바뀐 뒤 회차 전에 더 바뀌는지 이만큼 기다립니다.",
        "breaker_share": "한 회차가 이 비율보다 많은 포트의 Allowed Address Pair를 바꾸려 하면 회로 차단기를 엽니다.",
        "breaker_floor": "... 단 N 포트 밑으로는 내려가지 않습니다(작은 클러스터에 노드 합류).",
        "breaker_removals": "한 회차가 N개보다 많은 포트와 규칙에서 Allowed Address Pair나 규칙을 제거하려 하면 "
        "엽니다.",
        "writes_per_minute": "Neutron 쓰기의 속도 제한(태그를 포함한 포트 갱신 하나, 규칙 하나).",
        "max_rereads": "회차 중에 포트가 바뀌면(412) 다시 읽고 다시 계산하는 횟수.",
        "journal_dir": "enforce 저널을 둘 곳(기본값: 현재 디렉터리).",
        "lease": "리더 선출에 쓸 Lease(기본값: Pod 안에서 POD_NAMESPACE/kostack-guard).",
        "no_lease": "리더 선출 없음: 이 guard가 유일합니다.",
        "lease_duration": "말이 없는 리더가 Lease를 유지하는 시간.",
        "events": f"수정, 어긋남, 차단기에 대한 {_EVENTS}(기본값: 실시간이고 --once가 아닐 때 켬).",
        "deployment": "클러스터 전체 이벤트를 위한 guard 자신의 Deployment(기본값: "
        "POD_NAMESPACE/kostack-guard).",
        "no_watch": "Node와 IPAM 객체를 지켜보지 않습니다. 회차만 돕니다.",
        "max_passes": "N 회차 뒤 멈춥니다(기본값: SIGTERM까지).",
        "timeout_s": "요청마다의 제한 시간, 엄격한 한도(기본값 20 또는 $KOSTACK_TIMEOUT).",
        "lang": "보고서, 로그 줄, 이벤트의 언어(기본값: 로캘을 따름).",
    },
    "watch": {
        "": "계속 실행합니다: 주기마다 수집, 진단, 점검하고 Prometheus 메트릭을 제공합니다.\n\n"
        "/metrics(Prometheus), /healthz, /readyz(3 x (interval + 그 소요 시간) 안에 주기 하나가 "
        "성공함), /status(마지막 진단의 JSON과 전이 이력)를 제공합니다. 근본 원인이 나타나거나 "
        "사라지면 로그에 남기고, 실시간으로 수집할 때는 Kubernetes 이벤트로 올립니다. SIGTERM"
        "(종료 코드 0)이나 Ctrl-C(130)까지 실행합니다. 잘못된 입력은 종료 코드 2. "
        "docs/watch.md를 보세요.",
        "epilog": "\b\n예:\n"
        "  kostack watch --snapshot examples/seed-incident.json --listen 127.0.0.1:9109\n"
        "  kostack watch --os-cloud mycloud --context prod --interval 120 --lang ko\n"
        "  kostack watch --probes agents --probe-namespace kostack       # 클러스터 안에서(deploy/)\n"
        "  curl -s 127.0.0.1:9109/metrics; curl -s 127.0.0.1:9109/status",
        "snapshot_path": "실시간 수집 대신 스냅샷 파일을 지켜봅니다(주기마다 다시 읽음).",
        "interval": "주기 사이의 초.",
        "timeout_s": "실시간 수집의 요청마다의 제한 시간, 엄격한 한도(기본값 20 또는 "
        "$KOSTACK_TIMEOUT).",
        "lang": "로그 줄, 이벤트, /readyz의 언어(기본값: 로캘을 따름).",
        "egress_target": "Pod의 외부 통신을 판단할 클러스터 밖 주소.",
        "max_classes": "자기 메트릭 레이블을 갖는 노드 클래스 수. 나머지는 'other'입니다.",
        "probes": "주기마다의 점검: 에이전트 DaemonSet(deploy/)으로, 또는 네트워크 랩에서.",
        "probe_namespace": "--probes agents와 함께: 에이전트의 네임스페이스(기본값: "
        "POD_NAMESPACE, 없으면 kostack).",
        "probe_token_file": "--probes agents와 함께: 에이전트가 요구하는 토큰.",
        "probe_address": "각 에이전트에 Pod IP로, 또는 노드 IP(hostPort)로 닿습니다.",
        "probe_timeout": "점검이 응답 없음으로 쳐지기까지의 초.",
        "probe_max_sources": "회차마다의 점검 출발지: 모든 클래스, 그리고 주기마다 바뀌는 표본.",
        "probe_egress": "Pod의 외부 통신을 점검할 곳.",
        "probe_lab": "--probes lab과 함께: 랩의 이름('default').",
        "events": f"전이에 대한 {_EVENTS}(기본값: 실시간으로 수집할 때 켬).",
        "deployment": "클러스터 전체 이벤트를 위한 kostack 자신의 Deployment(기본값: "
        "POD_NAMESPACE/kostack-watch).",
        "history_limit": "/status를 위해 간직하는 전이 수.",
        "flap_window": "흔들림 감지의 시간 창.",
        "flap_threshold": "키를 흔들린다고 볼 시간 창 안의 변화 수.",
        "max_cycles": "N 주기 뒤 멈춥니다(기본값: SIGTERM까지).",
    },
    "probe": {
        "": "Pod 네트워크를 실제로 점검하고 정적 모델과 비교합니다.\n\n"
        "각 노드의 Pod에서(규모가 크면 노드 클래스마다 하나와 표본): 클러스터 DNS로 UDP와 TCP "
        "DNS, kubernetes 서비스로 TCP와 TLS(TLS 오류나 HTTP 401/403도 경로를 증명함), 외부 통신, "
        "그리고 노드 클래스 사이의 Pod 간 HTTP, Pod와 노드로의 ping, DF 비트 MTU 점검, 크기를 정한 "
        "전송. 모든 점검은 동시에, 각자의 제한 시간으로 돕니다. 판정, 시간, 모델의 예측을 담은 "
        "행렬(출발 클래스 x 대상 x 점검)을 출력하고, 모델과 어긋나는 점검은 MODEL MISMATCH로 "
        "보여 줍니다.\n\n"
        "--yes 없이는 아무것도 보내지 않습니다. 종료 코드: 0 모든 점검 통과(또는 답이 필요 없음), "
        "1 점검이 실패했거나 모델과 어긋남, 2 잘못된 입력, 3 클러스터나 랩에 연결할 수 없음, "
        "4 일부 점검을 돌리지 못함, 130 중단됨(점검 네임스페이스를 먼저 지움).",
        "epilog": "\b\n예:\n"
        "  kostack probe --snapshot snap.json                  # 계획과 모델의 예측\n"
        "  kostack probe --kubeconfig ~/.kube/config --os-cloud mycloud --yes\n"
        "  kostack probe --yes --image registry.local/python:3.12-alpine --timeout 3\n"
        "  sudo kostack probe --lab --yes --egress-target 203.0.113.10:80 --icmp-clusterip",
        "snapshot_path": "실시간 수집 대신 이 스냅샷으로 계획합니다.",
        "use_lab": "네트워크 랩(`kostack lab up`, kostack-lab 패키지)에서 root로 점검합니다.",
        "lab_name": "--lab과 함께: 랩의 이름(`kostack lab up --name`).",
        "lab_state_dir": "--lab과 함께: 랩의 상태 디렉터리(환경 변수 KOSTACK_LAB_STATE_DIR).",
        "image": "점검 Pod의 이미지: python3이 있으면 무엇이든(폐쇄망이면 자체 레지스트리의 것).",
        "timeout": "점검이 응답 없음으로 쳐지기까지의 초(모든 점검은 동시에 돎).",
        "egress_target": "Pod의 외부 통신을 시험할 곳(이름은 Pod가 아니라 여기서 풂).",
        "icmp_clusterip": "kubernetes ClusterIP에도 ping합니다(판단하지 않음: 무엇이 돌아오는지는 "
        "프록시 모드에 달렸고 아무것도 증명하지 않음).",
        "max_sources": "노드가 이만큼까지는 모든 노드에서 점검하고, 넘으면 클래스마다 노드 "
        "하나와 표본.",
        "seed": "노드 표본을 고르는 난수 시드.",
        "save_path": "점검 관찰을 담은 스냅샷도 씁니다.",
        "verbose": "모든 점검과 그 세부.",
        "yes": "점검을 보냅니다(없으면 계획만 출력).",
    },
    "preflight": {
        "": "클러스터를 만들기 전에 점검합니다: 무엇이 깨질지, 만들어야 할 포트.\n\n"
        "네트워크(와 그 포트) 또는 계획한 노드 IP, Pod와 서비스 CIDR(하나, 또는 듀얼 스택 "
        "IPv4,IPv6 쌍), CNI 모드로부터 kostack은 만들어질 클러스터를 `kostack diagnose`가 만든 "
        "클러스터를 진단하듯 똑같이 진단하고(스푸핑 방지, 보안 그룹, CIDR 겹침, MTU, 주소 체계마다), "
        "그것이 동작하게 하는 보안 그룹, 규칙, 포트를 `openstack` 명령과 Terraform으로 출력합니다. "
        "아무것도 바꾸지 않습니다. 종료 코드: 0 권장 구성이 동작함, 1 그래도 무언가 깨짐(예: CIDR "
        "겹침, 너무 큰 Pod MTU), 2 잘못된 입력.",
        "epilog": "\b\n예:\n"
        "  kostack preflight --pod-cidr 10.244.0.0/16 --service-cidr 10.96.0.0/12 \\\n"
        "      --cni calico --mode vxlan-crosssubnet \\\n"
        "      --node 10.0.0.11=k8s-cp-1 --node 10.0.0.12=k8s-w-1 --node 10.0.0.13=k8s-w-2\n"
        "  kostack preflight --network k8s-net --pod-cidr 10.244.0.0/16 --service-cidr "
        "10.96.0.0/12\n"
        "  kostack preflight --snapshot snap.json --network k8s-net --pod-cidr 10.244.0.0/16 \\\n"
        "      --service-cidr 10.96.0.0/12 --cni cilium --mode native -o terraform > k8s-ports.tf\n"
        "  kostack preflight --pod-cidr 10.244.0.0/16,fd00:10:244::/56 \\\n"
        "      --service-cidr 10.96.0.0/12,fd00:10:96::/112 \\\n"
        "      --node 10.0.0.11,fd00:0:0:1::11=k8s-cp-1 --node 10.0.0.12,fd00:0:0:1::12=k8s-w-1",
        "pod_cidr": "계획한 Pod CIDR. 듀얼 스택은 kubeadm의 podSubnet처럼: "
        "10.244.0.0/16,fd00:10:244::/56.",
        "service_cidr": "계획한 서비스 CIDR. 듀얼 스택: 10.96.0.0/12,fd00:10:96::/112.",
        "mode": "calico: vxlan-crosssubnet(기본값), vxlan, ipip, ipip-crosssubnet, none; flannel: "
        "vxlan(기본값), host-gw; cilium: vxlan(기본값), geneve, native; kube-router: ipip(기본값), "
        "fou, full, none; antrea(trafficEncapMode): encap(기본값), noEncap, hybrid; "
        "kube-ovn(install.sh NETWORK_TYPE): geneve(기본값), vxlan, stt, vlan; ovn-kubernetes: "
        "geneve(기본값, 유일한 터널).",
        "tunnel_type": "encap과 hybrid 모드에서 Antrea의 tunnelType(기본값: geneve).",
        "nodes": "계획한 노드(반복 가능, 듀얼 스택: 그 IPv4와 IPv6 주소). --node가 없으면 "
        "--network의 VM 포트가 노드입니다.",
        "control_planes": "노드 중 몇 개(앞의 것부터)가 컨트롤 플레인인지.",
        "network": "노드가 있는(있을) OpenStack 네트워크.",
        "snapshot_path": "스냅샷에서 네트워크를 읽습니다.",
        "os_cloud": "--network를 실시간으로 읽을 clouds.yaml 항목.",
        "subnet_cidr": "계획한 서브넷(--network 없이).",
        "network_mtu": "계획한 네트워크 MTU.",
        "pod_mtu": "설정할 계획인 Pod MTU.",
        "nat_outgoing": "Pod의 외부 트래픽을 노드 주소로 마스커레이드하는지(Antrea: "
        "--no-nat-outgoing은 noSNAT이며 noEncap 모드 전용).",
        "bgp": "Calico BGP(기본값: VXLAN Always가 아니면 켬).",
        "typha": "Calico Typha(기본값: Calico면 켬).",
        "wireguard": "CNI가 Pod 트래픽을 WireGuard로 암호화합니다(Antrea: trafficEncryptionMode "
        "wireguard, encap 모드 전용).",
        "group_name": "만들 그룹의 이름.",
        "no_service_cidr": "서비스 CIDR의 Allowed Address Pair를 뺍니다.",
        "lang": "보고서의 언어(기본값: KOSTACK_LANG, 없으면 로캘). 명령과 Terraform은 그대로 "
        "둡니다.",
    },
    "report": {
        "": "장애 보고서를 씁니다: 본 것, 원인, 점검한 것, 한 일, 배울 점.\n\n"
        "보고서는 팀 자신의 장애 보고서 틀(요약, 환경, 근본 원인 분석, 문제 해결 과정, 해결, 배운 "
        "점)을 따르며, 스냅샷, 진단, 수정 저널로 채워집니다. HTML 파일은 네트워크가 필요 없습니다: "
        "스타일과 패킷이 버려지는 곳의 그림이 그 안에 있습니다. --snapshot이 없으면 kostack은 "
        "먼저 수집합니다(읽기만).",
        "epilog": "\b\n예:\n"
        "  kostack report --snapshot examples/seed-incident.json --lang ko -o incident.html\n"
        "  kostack report --snapshot snap.json --journal fix-journal.jsonl -o incident.md\n"
        "  kostack report --os-cloud mycloud --context prod -o incident.html\n"
        "  kubectl kostack report -o incident.html",
        "journals": "저널(`kostack fix apply`나 `kostack release reinstall`의 JSON 줄). 여러 개면 "
        "반복합니다.",
        "output": "보고서를 쓸 곳: FILE.md(Markdown) 또는 FILE.html(그것만으로 완전한 한 페이지).",
        "chosen_format": "파일 이름이 말해 주지 않을 때의 형식(-o -는 표준 출력에 씀).",
        "active": "클러스터 안에서 실제로 점검하고 보고합니다(트래픽을 보냄).",
    },
    "release": {
        "": "상태가 있는 Helm 릴리스(Harbor 등): 무엇이 잘못됐는지, 깨끗한 재설치.",
        "epilog": "\b\n예:\n"
        "  kostack release check harbor\n"
        "  kostack release reinstall harbor --namespace harbor --chart harbor/harbor "
        "--values values.yaml",
        "snapshot_path": "실시간으로 수집하는 대신 스냅샷에서 네트워크(와 Helm) 상태를 읽습니다.",
    },
    "release check": {
        "": "Helm 릴리스와 그 볼륨을 점검하고, 실패하는 Pod를 하나의 원인 사슬로 설명합니다.\n\n"
        "모든 네임스페이스에서 릴리스의 저장 Secret을 읽고(helm 바이너리 필요 없음, 값은 출력하거나 "
        "저장하지 않음), 각 PVC를 증거와 함께 그 릴리스에 귀속시키고, 진단이 네트워크 근본 원인을 "
        "찾으면 실패하는 Pod를 그 원인에 잇습니다. 종료 코드: 0 정상, 1 --fail-on 이상의 결과, "
        "2 잘못된 입력, 3 클러스터에 연결할 수 없음, 4 일부 데이터만 있음.",
        "epilog": "\b\n예:\n"
        "  kostack release check\n"
        "  kostack release check harbor\n"
        "  kostack release check harbor --namespace harbor --lang ko\n"
        "  kostack release check harbor --snapshot snap.json -o json",
        "namespace": "이 네임스페이스의 릴리스만.",
        "verbose": "모든 주장에 대한 모든 증거.",
    },
    "release reinstall": {
        "": "증명된 것만 지우는 깨끗한 재설치를 계획합니다(--yes면 실행).\n\n"
        "Pod에서 DNS나 kubernetes 서비스가 실패하면(진단, 그리고 --active면 점검) 멈춥니다: "
        "네트워크 장애 중의 재설치는 잘못된 채로 남는 상태를 초기화합니다. 아니면: 볼륨을 Retain으로 "
        "설정하고, 릴리스를 제거하고(-n 없이 설치된 사본도), 그 릴리스의 것으로 증명된 PVC만 "
        "정확히 지우고 기다린 뒤, --create-namespace로 NS에 설치합니다. jobservice를 판단하기 전에 "
        "core가 준비되어야 합니다. helm이 설치되어 있으면 실행하고, 아니면 그 정확한 명령을 "
        "출력합니다. 종료 코드: 0 완료(또는 시험 실행), 1 막힘, 2 잘못된 입력, 3 클러스터에 연결할 "
        "수 없음, 5 단계가 실패하거나 멈춤.",
        "epilog": "\b\n예:\n"
        "  kostack release reinstall harbor --namespace harbor --chart harbor/harbor --values "
        "values.yaml\n"
        "  kostack release reinstall harbor --namespace harbor --chart harbor/harbor --values "
        "values.yaml --yes\n"
        "  kostack release reinstall pg --namespace databases --chart bitnami/postgresql --from "
        "default",
        "namespace": "설치할 네임스페이스.",
        "chart": "helm install에서처럼 차트 참조.",
        "values_file": "새 설치의 values 파일(helm에 그대로 전달).",
        "from_namespaces": "NS에서도 NAME 릴리스와 그 볼륨을 제거합니다(기본값: NS, 그리고 -n 없는 "
        "`helm install`이 쓴 네임스페이스 중 그곳의 차트 릴리스가 실패했거나 제거된 곳. 배포된 "
        "것은 여기서 이름을 댈 때만 제거).",
        "discard_data": "먼저 볼륨을 Retain으로 설정하지 않습니다: Delete 볼륨의 데이터는 클레임과 "
        "함께 사라집니다.",
        "replace_ready": "NS의 릴리스가 배포되어 있고 Pod가 모두 준비되어 있어도 교체합니다(기본은 "
        "유지: 성공한 재설치 뒤 다시 실행하면 아무것도 하지 않음).",
        "yes": "실행합니다(기본값: 계획만 보여 줌).",
        "journal_path": "저널 파일(기본값: ./kostack-reinstall-NAME-TIME.journal.jsonl).",
        "timeout": "삭제, helm, 준비 상태를 기다리는 시간.",
    },
    # `kostack lab` when kostack-lab is not installed; the lab's own catalogue says the rest
    "lab": {"": "사고 환경처럼 동작하는 네트워크 랩을 만들고 점검하고 정리합니다."},
}
