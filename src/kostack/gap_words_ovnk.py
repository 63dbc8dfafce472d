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
        "gap.hint.ovnk.operator": {
            "en": "OpenShift renders OVN-Kubernetes' ovnkube.conf from the Network operator "
            "config (`oc get network.operator cluster -o yaml`: spec.defaultNetwork."
            "ovnKubernetesConfig); kostack reads it for the IPsec mode (ipsecConfig.mode "
            "Disabled, External or Full), which decides whether the nodes' Geneve runs inside "
            "ESP. It needs get on networks.operator.openshift.io `cluster`; until then a node's "
            "ovn-ipsec pods leave the tunnel UNKNOWN.",
            "ko": "OpenShift는 OVN-Kubernetes의 ovnkube.conf를 Network 오퍼레이터 설정"
            "(`oc get network.operator cluster -o yaml`의 spec.defaultNetwork."
            "ovnKubernetesConfig)에서 생성합니다. kostack은 여기서 IPsec 모드(ipsecConfig.mode "
            "Disabled, External, Full)를 읽으며, 이 값이 노드 사이의 Geneve가 ESP 안에서 "
            "전달되는지를 정합니다. networks.operator.openshift.io `cluster`에 대한 get 권한이 "
            "필요하며, 그때까지 ovn-ipsec Pod가 있으면 터널은 판단 불가입니다.",
        },
        "skip.ovnk-operator-differs": {
            "en": "the Network operator config asks for {field} {wanted}, but the rendered "
            "ovnkube.conf says {running}: the ConfigMap is what runs (the operator has not "
            "rolled the change out yet)",
            "ko": "Network 오퍼레이터 설정은 {field} {wanted:을/를} 요구하지만 생성된 "
            "ovnkube.conf는 {running}입니다. 실제로 동작하는 것은 ConfigMap입니다(오퍼레이터가 "
            "아직 변경을 반영하지 않았습니다)",
        },
        "skip.ovnk-node-subnets": {
            "en": 'node {node}: annotation k8s.ovn.org/node-subnets {value} has no "default" CIDR',
            "ko": '노드 {node}: 어노테이션 k8s.ovn.org/node-subnets {value}에 "default" CIDR가 '
            "없습니다",
        },
    }
)
