"""What a gap says about OVN-Kubernetes' settings, in English and Korean (kostack.gap_words)."""

from __future__ import annotations

from kostack.catalog import register

register(
    {
        "gap.kube.ovnk-key": {
            "en": "ConfigMap {name} has no {file}",
            "ko": "ConfigMap {name}에 {file:이/가} 없습니다",
        },
        "gap.hint.ovnk.config": {
            "en": "OVN-Kubernetes keeps its settings in ConfigMap ovnkube-config, key ovnkube.conf "
            "(OpenShift: `oc -n openshift-ovn-kubernetes get configmap ovnkube-config -o yaml`, "
            "rendered from `oc get network.operator cluster -o yaml`), or in ConfigMap ovn-config "
            "and the ovnkube-node DaemonSet's environment (its own install, namespace "
            "ovn-kubernetes); kostack needs to read them in {namespace}. Its Geneve tunnel needs "
            "UDP 6081 between the nodes: the checks that depend on how pod traffic crosses nodes "
            "say UNKNOWN until then.",
            "ko": "OVN-Kubernetes는 설정을 ConfigMap ovnkube-config의 ovnkube.conf 키(OpenShift: "
            "`oc -n openshift-ovn-kubernetes get configmap ovnkube-config -o yaml`, "
            "`oc get network.operator cluster -o yaml`에서 생성됨)나, ConfigMap ovn-config와 "
            "ovnkube-node DaemonSet의 환경 변수(자체 설치, 네임스페이스 ovn-kubernetes)에 "
            "둡니다. kostack이 {namespace}에서 이를 읽을 수 있어야 합니다. Geneve 터널에는 노드 "
            "사이의 UDP 6081이 필요하며, 그때까지 Pod 트래픽이 노드 사이를 건너는 방식에 달린 "
            "점검은 판단 불가입니다.",
        },
        "skip.ovnk-node-subnets": {
            "en": 'node {node}: annotation k8s.ovn.org/node-subnets {value} has no "default" CIDR',
            "ko": '노드 {node}: 어노테이션 k8s.ovn.org/node-subnets {value}에 "default" CIDR가 '
            "없습니다",
        },
    }
)
