"""`kostack lab ...`'s `--help` in Korean, in the format of kostack's own catalogue
(kostack/cli/help_ko.py), which finds it through the entry point `kostack.help` named `lab`.
Importing this imports nothing."""

from __future__ import annotations

from typing import Final

_NS: Final = "네트워크 네임스페이스"
TEXTS: Final = {
    "lab": {
        "": "사고 환경처럼 동작하는 네트워크 랩을 만들고 점검하고 정리합니다.\n\n"
        f"랩은 ks-*라는 {_NS}로 이루어집니다: 테넌트 네트워크용 브리지를 가진 하이퍼바이저(그 탭이 "
        "Neutron 포트 보안과 보안 그룹을 nftables로 적용), Calico식 Pod를 가진 노드 VM, 10.96.0.1과 "
        '10.96.0.10을 위한 kube-proxy DNAT, Neutron 라우터, "internet" 호스트. 아무것도 루트 '
        "네임스페이스나 실제 네트워크에 붙지 않습니다. root가 필요합니다.",
        "epilog": '\b\n예(사고를 재현; README "Rehearse the incident"):\n'
        "  sudo kostack lab up --scenario seed   # 그다음 출력된 export 줄을 붙여 넣기\n"
        "  sudo -E kostack diagnose              # 종료 코드 1: Neutron 스푸핑 방지가 Pod 트래픽을 "
        "버림\n"
        "  sudo -E kostack fix apply --yes       # 랩의 Neutron에 Allowed Address Pair\n"
        "  sudo kostack lab probe                # DNS, 10.96.0.1:443, 외부 통신, Pod 간, 4 MiB\n"
        "  sudo kostack lab way-in --mode amphora   # NodePort 앞의 로드밸런서를 점검\n"
        "  sudo kostack lab down",
        "name": "네임스페이스가 ks-NAME-*인 별도의 랩을 실행합니다(소문자/숫자 1-8자).",
        "state_dir": "랩이 상태를 두는 곳(기본값 /run/kostack/lab, 환경 변수 "
        "KOSTACK_LAB_STATE_DIR).",
        "as_json": "상태를 JSON으로 출력합니다.",
        "timeout": "점검이 응답 없음으로 쳐지기까지의 초.",
    },
    "lab down": {
        "": "랩의 프로세스를 멈추고 그 네임스페이스를 지웁니다(비정상 종료 뒤에도).\n\n"
        "\b\n예:\n  sudo kostack lab down",
        "all_labs": "이 랩의 것만이 아니라 모든 ks-* 네임스페이스와 랩 프로세스를 지웁니다.",
        "as_json": "지운 것을 JSON으로 출력합니다.",
    },
    "lab probe": {
        "": "Pod에서 표준 점검을 돌립니다: DNS, 10.96.0.1:443 TCP와 TLS, 외부 통신, ping, Pod 간, "
        "4 MiB.\n\n"
        "먼저 포트 보안을 다시 읽습니다(랩의 Neutron에서: 방금 적용한 수정도 반영됨). ClusterIP로의 "
        "ping은 정상 클러스터에서도 절대 답하지 않습니다. 그 점을 보이려고 보여 줄 뿐 증거가 "
        "아니며 실패로 치지 않습니다. 종료 코드: 0 모든 점검 통과, 1 점검 실패, 2 잘못된 입력, "
        "3 root가 아님.\n\n"
        "\b\n예:\n  sudo kostack lab probe --from echo-w-1-1",
        "source": "이 Pod에서 점검합니다(기본값: 첫 워커의 첫 Pod).",
        "as_json": "결과를 JSON으로 출력합니다.",
    },
    "lab scenarios": {
        "": "`lab up`이 만들 수 있는 시나리오를 나열합니다.\n\n\b\n예:\n  kostack lab scenarios",
    },
    "lab status": {
        "": "시나리오, 네임스페이스, 프로세스, 포트 보안의 출처, 차단 카운터를 보여 줍니다.\n\n"
        "\b\n예:\n  sudo kostack lab status --json",
    },
    "lab sync": {
        "": "포트 보안(Neutron 또는 랩의 설명)을 다시 읽고 바뀌었으면 다시 적용합니다.\n\n"
        "\b\n예:\n  sudo kostack lab sync",
    },
    "lab up": {
        "": "시나리오의 랩을 만들고 그 서버(DNS, API 서버, 웹, Pod 에코)를 시작합니다.\n\n"
        "랩은 랩 자체의 실제 Neutron(사용자 캐시의 neutron 29, 127.0.0.1에서, Keystone 없이. 처음 쓸 "
        "때 설치, 약 370 MB)을 띄우고, 시나리오의 네트워크, 포트, 보안 그룹을 넣은 뒤 포트 보안을 "
        "거기서 가져옵니다: 그 Neutron에 적용한 수정이 패킷에 닿습니다. --neutron-endpoint는 대신 "
        "사용자의 Neutron을 쓰고, --no-neutron은 아무것도 쓰지 않습니다.\n\n"
        "--no-kube-api가 아니면 랩은 클러스터(노드, Pod, 서비스, EndpointSlices, IP 풀, kubeadm "
        "설정)로도 127.0.0.1의 Kubernetes API 대역을 통해 제공됩니다. 출력된 `export` 줄을 붙여 "
        "넣으면 `kostack collect`, `diagnose`, `fix`, `probe`가 랩과 그 Neutron을 상대로 "
        "돕니다.\n\n"
        "\b\n예:\n"
        "  sudo kostack lab up --scenario seed --nodes 4\n"
        "  sudo kostack lab up --scenario seed --neutron-endpoint http://127.0.0.1:9696/",
        "scenario_name": "만들 상태. `kostack lab scenarios`를 보세요.",
        "nodes": "노드 VM: 컨트롤 플레인 1 + 워커(2-40).",
        "neutron_endpoint": "시나리오 대신 이 Neutron(루트 URL, 예: http://127.0.0.1:9696/)에서 "
        "포트 보안을 가져옵니다.",
        "seed_neutron": "먼저 시나리오의 포트 보안과 라우터의 Pod 대역 복귀 라우트를 그 Neutron에 씁니다(그 포트가 있어야 함. 라우트는 추가만 하고 지우지 않음).",
        "watch_interval": "--neutron-endpoint와 함께: Neutron을 폴링하는 간격(초)(0 = 백그라운드 "
        "에이전트 없음, `lab sync` 사용).",
        "no_neutron": "Neutron 없음: 시나리오 자신의 설명에서 포트 보안을 가져옵니다(clouds.yaml이 "
        "없으므로 kostack은 클러스터 쪽만 봄).",
        "no_kube_api": "랩을 클러스터로 제공하지 않습니다(Kubernetes API 대역 없음, kubeconfig "
        "없음).",
    },
    "lab way-in": {
        "": "노드의 NodePort 앞에 203.0.113.50:80의 로드밸런서를 두고 점검합니다.\n\n"
        "라우터 네임스페이스가 Floating IP 203.0.113.50 뒤의 로드밸런서 역할을 합니다(멤버의 NodePort로 "
        "라운드 로빈, NodePort는 그 노드의 Pod로 DNAT). 클라우드에서처럼 노드의 보안 그룹이 "
        "결정합니다. 점검은 랩의 인터넷 호스트(203.0.113.10)에서 연결하고 어느 Pod가 답했는지 "
        "말합니다. 아무도 답하지 않으면 종료 코드 1(`kostack lab status`가 어느 포트가 버렸는지 "
        '보여 줌). docs/loadbalancer.md, "The lab".\n\n'
        "\b\n예:\n"
        "  sudo kostack lab up --scenario fixed\n"
        "  sudo kostack lab way-in --mode ovn --member k8s-w-1 --member k8s-w-2\n"
        "  sudo kostack lab way-in --mode ovn --remove",
        "mode": "amphora: 노드는 자기 서브넷에서 로드밸런서의 주소를 봅니다. ovn: 클라이언트를 "
        "봅니다.",
        "node_port": "모든 멤버 노드의 Service NodePort.",
        "members": "멤버 노드(반복 가능, 기본값: 모든 노드).",
        "remove_it": "로드밸런서를 다시 뺍니다.",
        "timeout": "이 점검이 응답 없음으로 쳐지기까지의 초.",
        "as_json": "점검 결과를 JSON으로 출력합니다.",
    },
}
