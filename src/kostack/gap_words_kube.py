"""What a gap says about Kubernetes, its CNI and Helm, in English and Korean (kostack.gap_words).

Registered here, outside collect, so every layer that prints a gap (analysis
included) says it from a snapshot file too.
"""

from __future__ import annotations

from kostack.catalog import register

register(
    {
        # ------------------------------------------------------------------ Kubernetes
        # a request that failed, in kostack's words (collect's ReadFailure)
        "col.kube.read.failed": {"en": "{request}: {detail}", "ko": "{request}: {detail}"},
        "col.kube.read.then": {"en": "{first}; {then}", "ko": "{first}; {then}"},
        "col.kube.read.deadline": {
            "en": "no complete answer within {seconds} s",
            "ko": "{seconds}초 안에 응답을 끝까지 받지 못함",
        },
        "col.kube.read.no-connection": {
            "en": "no connection within {seconds} s",
            "ko": "{seconds}초 안에 연결되지 않음",
        },
        "col.kube.read.no-answer": {
            "en": "no answer within {seconds} s",
            "ko": "{seconds}초 안에 응답 없음",
        },
        "col.kube.read.not-json": {"en": "the answer is not JSON", "ko": "응답이 JSON이 아님"},
        "col.kube.read.not-object": {
            "en": "the answer is not a JSON object",
            "ko": "응답이 JSON 객체가 아님",
        },
        "col.kube.read.no-items": {
            "en": "the list answer has no items",
            "ko": "목록 응답에 items가 없음",
        },
        "col.kube.read.same-page": {
            "en": "the list answered a continue token it had given before (the same page "
            "again): reading stopped",
            "ko": "목록 응답이 이미 받은 continue 토큰을 다시 주었습니다(같은 페이지가 반복됨): "
            "읽기를 멈췄습니다",
        },
        "gap.kube.no-dns-ip": {
            "en": "kubelet-config has no clusterDNS and no kube-dns service was read",
            "ko": "kubelet-config에 clusterDNS가 없고 kube-dns 서비스도 읽지 못했습니다",
        },
        "gap.kube.no-dns-ip.failed": {
            "en": "kubelet-config has no clusterDNS and no kube-dns service was read ({error})",
            "ko": "kubelet-config에 clusterDNS가 없고 kube-dns 서비스도 읽지 못했습니다 ({error})",
        },
        "gap.hint.kube.dns-ip": {
            "en": "kostack reads ConfigMap kube-system/kubelet-config (clusterDNS) and Service "
            "kube-system/kube-dns; grant get on both.",
            "ko": "kostack은 ConfigMap kube-system/kubelet-config(clusterDNS)와 서비스 "
            "kube-system/kube-dns를 읽습니다. 둘 다 get 권한을 부여하세요.",
        },
        "gap.hint.kube.version": {
            "en": "The API server did not give its version; retry, or check for a proxy in the way.",
            "ko": "API 서버가 버전을 알려 주지 않았습니다. 다시 시도하거나 중간의 프록시를 "
            "확인하세요.",
        },
        "gap.hint.kube.nodes": {
            "en": "Without nodes nothing can be placed on a Neutron port; retry, or raise the "
            "timeout.",
            "ko": "노드 없이는 어느 것도 Neutron 포트에 대응시킬 수 없습니다. 다시 시도하거나 "
            "제한 시간을 늘리세요.",
        },
        "gap.hint.kube.pods": {
            "en": "kostack lists pods in all namespaces (to find CoreDNS, the CNI's agents and "
            "a pod on every node); grant list on pods cluster-wide.",
            "ko": "kostack은 모든 네임스페이스의 Pod를 나열합니다(CoreDNS, CNI 에이전트, 노드마다 "
            "Pod 하나를 찾으려고). 클러스터 전체의 pods에 대한 list 권한을 부여하세요.",
        },
        "gap.hint.kube.services": {
            "en": "kostack reads Service default/kubernetes and the cluster DNS service; "
            "grant get/list on services.",
            "ko": "kostack은 서비스 default/kubernetes와 클러스터 DNS 서비스를 읽습니다. "
            "services에 대한 get/list 권한을 부여하세요.",
        },
        "gap.hint.kube.endpoints": {
            "en": "kostack reads the EndpointSlices of kube-dns and kubernetes to know where their "
            "endpoints run; grant list on endpointslices.discovery.k8s.io.",
            "ko": "kostack은 kube-dns와 kubernetes의 EndpointSlice를 읽어 엔드포인트가 어디서 "
            "실행되는지 압니다. endpointslices.discovery.k8s.io에 대한 list 권한을 부여하세요.",
        },
        "gap.kube.no-cni": {
            "en": "no calico-node, flannel or cilium pods or node annotations, and no Calico "
            "IPPools, kube-flannel-cfg or cilium-config",
            "ko": "calico-node, flannel, cilium의 Pod나 노드 어노테이션이 없고, Calico "
            "IPPool, kube-flannel-cfg, cilium-config도 없습니다",
        },
        "gap.hint.kube.cni": {
            "en": "kostack knows Calico, Flannel, Cilium, kube-router, Antrea and Kube-OVN; with "
            "another CNI "
            "(or none readable) "
            "the checks that depend on how pod traffic crosses nodes say UNKNOWN.",
            "ko": "kostack은 Calico, Flannel, Cilium, kube-router, Antrea, Kube-OVN을 압니다. 다른 CNI이거나 "
            "읽을 수 있는 것이 "
            "없으면 Pod 트래픽이 노드 사이를 건너는 방식에 달린 점검은 판단 불가입니다.",
        },
        "gap.kube.cni-unmodelled": {
            "en": "{cni} runs here (its agent's pods in {namespace}), and kostack does not "
            "model {cni}",
            "ko": "{cni:이/가} 실행 중이지만({namespace}의 에이전트 Pod) kostack은 {cni:을/를} "
            "모델링하지 않습니다",
        },
        "gap.kube.kube-router-args": {
            "en": "kube-router's pods run, and the kube-router container's arguments were not seen",
            "ko": "kube-router Pod는 실행 중이지만 kube-router 컨테이너의 인자를 보지 못했습니다",
        },
        "gap.hint.kube-router.args": {
            "en": "`kubectl -n kube-system get daemonset kube-router -o yaml` shows them; "
            "kostack needs to read pods or DaemonSets in kube-system",
            "ko": "`kubectl -n kube-system get daemonset kube-router -o yaml`로 볼 수 있습니다. "
            "kostack이 kube-system의 Pod나 DaemonSet을 읽을 수 있어야 합니다",
        },
        "gap.kube.antrea-key": {
            "en": "ConfigMap {name} has no {file}",
            "ko": "ConfigMap {name}에 {file:이/가} 없습니다",
        },
        "gap.hint.antrea.config": {
            "en": "`kubectl -n kube-system get configmaps -l app=antrea` lists Antrea's ConfigMaps "
            "(antrea-config; up to Antrea v1.6 antrea-config-<hash>, the one the antrea-agent pods "
            "mount as volume antrea-config); kostack needs to read it and the pods in {namespace}",
            "ko": "`kubectl -n kube-system get configmaps -l app=antrea`로 Antrea의 ConfigMap을 볼 수 "
            "있습니다(antrea-config, Antrea v1.6까지는 antrea-agent Pod가 antrea-config 볼륨으로 "
            "마운트하는 antrea-config-<hash>). kostack이 {namespace}의 이 ConfigMap과 Pod를 읽을 수 "
            "있어야 합니다",
        },
        "gap.kube.kube-ovn-cni": {
            "en": "the kube-ovn-cni pods (or DaemonSet) have no cni-server container, whose "
            "arguments say Kube-OVN's tunnel type and MTU",
            "ko": "kube-ovn-cni Pod(또는 DaemonSet)에 Kube-OVN의 터널 종류와 MTU를 알려 주는 "
            "cni-server 컨테이너가 없습니다",
        },
        "gap.hint.kube-ovn.cni": {
            "en": "`kubectl -n kube-system get daemonset kube-ovn-cni -o yaml` shows the cni-server "
            "container's arguments (--network-type, --mtu); kostack needs to read the pods "
            "labelled app=kube-ovn-cni",
            "ko": "`kubectl -n kube-system get daemonset kube-ovn-cni -o yaml`로 cni-server 컨테이너의 "
            "인자(--network-type, --mtu)를 볼 수 있습니다. kostack이 app=kube-ovn-cni 레이블의 Pod를 "
            "읽을 수 있어야 합니다",
        },
        "gap.kube.kube-ovn-controller": {
            "en": "no kube-ovn-controller pod (label app=kube-ovn-controller) was listed, whose "
            "arguments say the default network type and the join subnet",
            "ko": "기본 네트워크 종류와 join 서브넷을 알려 주는 kube-ovn-controller Pod(레이블 "
            "app=kube-ovn-controller)가 목록에 없습니다",
        },
        "gap.hint.kube-ovn.controller": {
            "en": "`kubectl -n kube-system get deployment kube-ovn-controller -o yaml` shows its "
            "arguments (--network-type, --default-cidr, --node-switch-cidr)",
            "ko": "`kubectl -n kube-system get deployment kube-ovn-controller -o yaml`로 인자"
            "(--network-type, --default-cidr, --node-switch-cidr)를 볼 수 있습니다",
        },
        "gap.hint.cilium-pools": {
            "en": "{command} shows Cilium's LB IPAM pools (CiliumLoadBalancerIPPool, cilium.io/v2 "
            "or v2alpha1); kostack needs to list them to tell whether Cilium gives Services of "
            "type LoadBalancer their addresses",
            "ko": "{command:으로/로} Cilium LB IPAM 풀(CiliumLoadBalancerIPPool, cilium.io/v2 또는 "
            "v2alpha1)을 볼 수 있습니다. Cilium이 LoadBalancer 타입 Service에 주소를 주는지 "
            "판단하려면 kostack이 이 목록을 읽을 수 있어야 합니다",
        },
        "gap.hint.metallb": {
            "en": "{command} shows MetalLB's {plural} (metallb.io/v1beta1; MetalLB before v0.13 "
            "kept them in a ConfigMap, which kostack does not read); kostack needs to list them "
            "to judge the addresses MetalLB announces",
            "ko": "{command:으로/로} MetalLB의 {plural} 목록(metallb.io/v1beta1)을 볼 수 있습니다"
            "(v0.13 이전 MetalLB는 ConfigMap에 두며 kostack은 읽지 않습니다). MetalLB가 알리는 "
            "주소를 판단하려면 kostack이 이 목록을 읽을 수 있어야 합니다",
        },
        "gap.hint.occm-config": {
            "en": "{command} says whether kostack may read the Secret holding OCCM's cloud.conf; "
            "kostack keeps only its [LoadBalancer] enabled (whether OCCM makes load balancers "
            "for Services), never the file nor its credentials",
            "ko": "{command:으로/로} OCCM의 cloud.conf가 든 Secret을 kostack이 읽을 수 있는지 "
            "확인할 수 있습니다. kostack은 그중 [LoadBalancer] enabled(OCCM이 Service의 "
            "로드밸런서를 만드는지)만 남기며 파일이나 자격 증명은 남기지 않습니다",
        },
        "gap.hint.egress": {
            "en": "{command} shows the cluster's {kind}; kostack needs to list them to judge "
            "the egress IPs pods' traffic leaves with (an unreadable list leaves "
            "neutron-egress-ip-pairs unknown)",
            "ko": "{command:으로/로} 클러스터의 {kind} 목록을 볼 수 있습니다. Pod 트래픽이 나가는 "
            "egress IP를 판단하려면 kostack이 이 목록을 읽을 수 있어야 합니다(읽지 못하면 "
            "neutron-egress-ip-pairs 점검은 알 수 없음으로 남습니다)",
        },
        "gap.hint.kube-ovn.ippools": {
            "en": "`kubectl get ippools.kubeovn.io -o yaml` lists Kube-OVN's IP pools (the "
            "addresses the namespaces bound to them take); kostack needs to list them",
            "ko": "`kubectl get ippools.kubeovn.io -o yaml`로 Kube-OVN의 IP 풀(풀에 묶인 네임스페이스가 "
            "받는 주소)을 볼 수 있습니다. kostack이 이 목록을 읽을 수 있어야 합니다",
        },
        "gap.hint.kube-ovn.subnets": {
            "en": "`kubectl get subnets.kubeovn.io -o wide` lists Kube-OVN's Subnets (CIDR, "
            "natOutgoing, gateway type, VLAN); kostack needs to list them",
            "ko": "`kubectl get subnets.kubeovn.io -o wide`로 Kube-OVN의 Subnet(CIDR, natOutgoing, "
            "게이트웨이 종류, VLAN)을 볼 수 있습니다. kostack이 이 목록을 읽을 수 있어야 합니다",
        },
        "gap.kube.kube-ovn-ranges": {
            "en": "Kube-OVN's Subnets and kube-ovn-controller's --default-cidr were not read",
            "ko": "Kube-OVN의 Subnet과 kube-ovn-controller의 --default-cidr를 읽지 못했습니다",
        },
        "gap.hint.kube.cni.weave-net": {
            "en": "Weave Net needs TCP 6783 and UDP 6783-6784 between the nodes (its control and "
            "data ports); its packets leave with the nodes' addresses. The checks that depend on "
            "how pod traffic crosses nodes say UNKNOWN.",
            "ko": "Weave Net은 노드 사이에 TCP 6783과 UDP 6783-6784(제어와 데이터 포트)가 필요하고, "
            "그 패킷은 노드 주소로 나갑니다. Pod 트래픽이 노드 사이를 건너는 방식에 달린 점검은 "
            "판단 불가입니다.",
        },
        "gap.hint.kube.pod-network-unknown": {
            "en": "The checks that need the pod address ranges say UNKNOWN; allowed-pair fixes "
            "are not planned for ranges kostack cannot see.",
            "ko": "Pod 주소 범위가 필요한 점검은 판단 불가입니다. kostack이 볼 수 없는 범위에는 "
            "Allowed Address Pair 해결을 계획하지 않습니다.",
        },
        "gap.kube.no-pod-subnet": {
            "en": "kubeadm-config has no podSubnet",
            "ko": "kubeadm-config에 podSubnet이 없습니다",
        },
        "gap.kube.no-pod-cidrs": {
            "en": "{why}; no --cluster-cidr, kube-proxy clusterCIDR or CNI pod network either",
            "ko": "{why}; --cluster-cidr, kube-proxy clusterCIDR, CNI의 Pod 네트워크도 없습니다",
        },
        "gap.hint.kube.pod-cidrs": {
            "en": "kostack reads networking.podSubnet from ConfigMap kube-system/kubeadm-config; "
            "grant get on it.",
            "ko": "kostack은 ConfigMap kube-system/kubeadm-config에서 networking.podSubnet을 "
            "읽습니다. 그 ConfigMap에 대한 get 권한을 부여하세요.",
        },
        "gap.kube.no-service-subnet": {
            "en": "kubeadm-config has no serviceSubnet",
            "ko": "kubeadm-config에 serviceSubnet이 없습니다",
        },
        "gap.kube.no-service-cidrs": {
            "en": "{why}; and no kube-apiserver pod with --service-cluster-ip-range was seen",
            "ko": "{why}; --service-cluster-ip-range가 있는 kube-apiserver Pod도 보지 못했습니다",
        },
        "gap.hint.kube.service-cidrs": {
            "en": "kostack reads networking.serviceSubnet from ConfigMap "
            "kube-system/kubeadm-config; grant get on it.",
            "ko": "kostack은 ConfigMap kube-system/kubeadm-config에서 networking.serviceSubnet을 "
            "읽습니다. 그 ConfigMap에 대한 get 권한을 부여하세요.",
        },
        "gap.kube.proxy-mode": {
            "en": "ConfigMap kube-system/kube-proxy config.conf mode {mode} is not one kostack "
            "knows",
            "ko": "ConfigMap kube-system/kube-proxy의 config.conf mode {mode:은/는} kostack이 "
            "모르는 모드입니다",
        },
        "gap.hint.kube.proxy-modes": {
            "en": "kostack models the iptables, ipvs and nftables modes.",
            "ko": "kostack은 iptables, ipvs, nftables 모드를 다룹니다.",
        },
        "gap.hint.kube.proxy-read": {
            "en": "kostack reads config.conf from ConfigMap kube-system/kube-proxy; grant get "
            "on it.",
            "ko": "kostack은 ConfigMap kube-system/kube-proxy에서 config.conf를 읽습니다. 그 "
            "ConfigMap에 대한 get 권한을 부여하세요.",
        },
        "gap.hint.kube.proxy-absent": {
            "en": "kube-proxy is not configured the kubeadm way here; the checks that depend on "
            "its mode say UNKNOWN.",
            "ko": "여기서는 kube-proxy가 kubeadm 방식으로 설정되어 있지 않습니다. 그 모드에 달린 "
            "점검은 판단 불가입니다.",
        },
        "gap.kube.inconsistent": {
            "en": "{request}: the list's continue token expired (410 Gone) and the rest was read "
            "at a later revision: objects created, changed or deleted meanwhile may be "
            "missing or newer",
            "ko": "{request}: 목록의 continue 토큰이 만료되어(410 Gone) 나머지를 더 나중의 "
            "리비전에서 읽었습니다. 그사이 생성, 변경, 삭제된 객체가 빠졌거나 더 새것일 수 "
            "있습니다",
        },
        "gap.hint.collect-again": {
            "en": "Collect again: the cluster changed while kostack listed it.",
            "ko": "다시 수집하세요: kostack이 나열하는 동안 클러스터가 바뀌었습니다.",
        },
        "gap.kube.skipped": {
            "en": "skipped {n} value(s) kostack could not read: {shown}",
            "ko": "kostack이 읽을 수 없는 값 {n}개를 건너뛰었습니다: {shown}",
        },
        # what the Kubernetes collector skipped (collect._kube_objects.Notes), one value each
        "skip.not-cidr": {
            "en": "{name} {text} is not a CIDR",
            "ko": "{name} {text:은/는} CIDR 형식이 아닙니다",
        },
        "skip.netconf-json": {
            "en": "net-conf.json is not JSON",
            "ko": "net-conf.json이 JSON이 아닙니다",
        },
        "skip.netconf-object": {
            "en": "net-conf.json is not a JSON object",
            "ko": "net-conf.json이 JSON 객체가 아닙니다",
        },
        "skip.antrea-conf": {
            "en": "{file} is not a YAML mapping",
            "ko": "{file:이/가} YAML 매핑이 아닙니다",
        },
        "skip.not-modelled": {
            "en": "{field} {value} is not modelled",
            "ko": "{field} {value:은/는} kostack이 다루지 않는 값입니다",
        },
        "skip.cilium-tunnel": {
            "en": "tunnel {value}: Cilium before 1.15 honours it, later versions ignore it "
            "(tunnel vxlan), and the agent's version was not found",
            "ko": "tunnel {value}: Cilium 1.15 이전은 이 값을 따르고 이후 버전은 무시하는데"
            "(tunnel vxlan), 에이전트의 버전을 찾지 못했습니다",
        },
        "skip.underlay": {
            "en": "underlay-protocol {value} is not ipv4, ipv6 or auto",
            "ko": "underlay-protocol {value:은/는} ipv4, ipv6, auto 중 하나가 아닙니다",
        },
        "skip.node-cidr": {
            "en": "node {name}: podCIDR {text} is not a CIDR",
            "ko": "노드 {name}: podCIDR {text:은/는} CIDR 형식이 아닙니다",
        },
        "skip.pod-ip": {
            "en": "pod {pod}: podIP {text} is not an address",
            "ko": "Pod {pod}: podIP {text:은/는} IP 주소가 아닙니다",
        },
        "skip.configmap": {
            "en": "ConfigMap kube-system/{name} has no valid data",
            "ko": "ConfigMap kube-system/{name}에 올바른 데이터가 없습니다",
        },
        "gap.hint.skipped": {
            "en": "The rest was collected; the checks that need the skipped values may say "
            "UNKNOWN.",
            "ko": "나머지는 수집했습니다. 건너뛴 값이 필요한 점검은 판단 불가일 수 있습니다.",
        },
        "gap.hint.kube.lb-services": {
            "en": "kostack lists Services of type LoadBalancer in all namespaces; grant list on "
            "services.",
            "ko": "kostack은 모든 네임스페이스의 LoadBalancer 타입 서비스를 나열합니다. "
            "services에 대한 list 권한을 부여하세요.",
        },
        "gap.hint.kube.lb-endpoints": {
            "en": "kostack reads the EndpointSlices of Services of type LoadBalancer to know on "
            "which nodes their pods run (externalTrafficPolicy Local); grant list on "
            "endpointslices.discovery.k8s.io.",
            "ko": "kostack은 LoadBalancer 타입 서비스의 EndpointSlice를 읽어 그 Pod가 어느 "
            "노드에서 실행되는지(externalTrafficPolicy Local) 압니다. "
            "endpointslices.discovery.k8s.io에 대한 list 권한을 부여하세요.",
        },
        "gap.hint.kube.events": {
            "en": "kostack reads the events of Services (what the cloud controller reported); "
            "grant list on events.",
            "ko": "kostack은 서비스의 이벤트(클라우드 컨트롤러가 보고한 것)를 읽습니다. events에 "
            "대한 list 권한을 부여하세요.",
        },
        # ------------------------------------------------------------------ CNIs
        "gap.hint.calico.installation": {
            "en": "kostack reads the Tigera operator's Installation `default` for the install "
            "method, MTU, BGP and version; grant get on installations.operator.tigera.io.",
            "ko": "kostack은 설치 방식, MTU, BGP, 버전을 알려고 Tigera 오퍼레이터의 Installation "
            "`default`를 읽습니다. installations.operator.tigera.io에 대한 get 권한을 "
            "부여하세요.",
        },
        "gap.hint.calico.config": {
            "en": "calico.yaml installs keep veth_mtu and calico_backend in ConfigMap "
            "kube-system/calico-config; grant get on configmaps in kube-system.",
            "ko": "calico.yaml 설치는 veth_mtu와 calico_backend를 ConfigMap "
            "kube-system/calico-config에 둡니다. kube-system의 configmaps에 대한 get 권한을 "
            "부여하세요.",
        },
        "gap.hint.calico.typha": {
            "en": "kostack reads Deployment calico-typha; grant get on deployments.",
            "ko": "kostack은 Deployment calico-typha를 읽습니다. deployments에 대한 get 권한을 "
            "부여하세요.",
        },
        "gap.hint.cilium.nodes": {
            "en": "With cluster-pool or multi-pool IPAM, Cilium's operator hands each node its pod "
            "CIDRs in CiliumNode spec.ipam; grant list on ciliumnodes.cilium.io.",
            "ko": "cluster-pool이나 multi-pool IPAM에서는 Cilium 오퍼레이터가 노드마다 Pod CIDR를 "
            "CiliumNode spec.ipam에 줍니다. ciliumnodes.cilium.io에 대한 list 권한을 "
            "부여하세요.",
        },
        "gap.hint.cilium.pools": {
            "en": "With multi-pool IPAM the pools are CiliumPodIPPool objects; grant list on "
            "ciliumpodippools.cilium.io.",
            "ko": "multi-pool IPAM에서는 풀이 CiliumPodIPPool 객체입니다. "
            "ciliumpodippools.cilium.io에 대한 list 권한을 부여하세요.",
        },
        "gap.hint.cilium.config": {
            "en": "Cilium keeps its settings in ConfigMap {where}/cilium-config; grant get on "
            "it, or check where Cilium was installed.",
            "ko": "Cilium은 설정을 ConfigMap {where}/cilium-config에 둡니다. 그 ConfigMap에 대한 "
            "get 권한을 부여하거나 Cilium이 설치된 곳을 확인하세요.",
        },
        "gap.hint.flannel.config": {
            "en": "flannel keeps its settings in ConfigMap kube-flannel-cfg (net-conf.json); "
            "grant get on it, or check where flannel was installed.",
            "ko": "flannel은 설정을 ConfigMap kube-flannel-cfg(net-conf.json)에 둡니다. 그 "
            "ConfigMap에 대한 get 권한을 부여하거나 flannel이 설치된 곳을 확인하세요.",
        },
        "gap.hint.flannel.k3s": {
            "en": "k3s runs flannel itself; this server was started with --flannel-conf, a "
            "net-conf.json on the servers' disks that no API shows: read it there.",
            "ko": "k3s는 flannel을 직접 실행합니다. 이 서버는 --flannel-conf로 시작되었는데, "
            "그 net-conf.json은 서버 디스크에 있어 어떤 API로도 보이지 않으니 서버에서 직접 "
            "확인하세요.",
        },
        "gap.hint.k3s.partial": {
            "en": "k3s before v1.21.1 leaves the flags of its config file out of the "
            "k3s.io/node-args annotation, so kostack takes no default for a flag it does not "
            "hold: read them on a server (`sudo cat /etc/rancher/k3s/config.yaml`, and the "
            "command line in `systemctl cat k3s`), or upgrade k3s.",
            "ko": "v1.21.1 이전 k3s는 설정 파일의 플래그를 k3s.io/node-args 어노테이션에 넣지 "
            "않으므로, kostack은 거기에 없는 플래그에 기본값을 가정하지 않습니다. 서버에서 "
            "확인하거나(`sudo cat /etc/rancher/k3s/config.yaml`, 그리고 `systemctl cat k3s`의 "
            "명령줄) k3s를 업그레이드하세요.",
        },
        "gap.hint.microk8s.proxy": {
            "en": "MicroK8s runs kube-proxy inside its snap (in kubelite since 1.21) with the "
            "flags of /var/snap/microk8s/current/args/kube-proxy, which no API shows; its "
            "default has no --proxy-mode (iptables), but the file may set one. On a node, "
            "`curl -s http://127.0.0.1:10249/proxyMode` prints the mode kube-proxy runs.",
            "ko": "MicroK8s는 kube-proxy를 스냅 안에서(1.21부터는 kubelite 안에서) "
            "/var/snap/microk8s/current/args/kube-proxy의 플래그로 실행하며, 이 파일은 어떤 "
            "API로도 보이지 않습니다. 기본 파일에는 --proxy-mode가 없지만(iptables) 파일에서 "
            "바꿀 수 있습니다. 노드에서 `curl -s http://127.0.0.1:10249/proxyMode`를 실행하면 "
            "kube-proxy가 실제로 쓰는 모드가 출력됩니다.",
        },
        # ------------------------------------------------------------------ Helm
        "gap.what.in": {"en": "{resource} in {namespace}", "ko": "{namespace}의 {resource}"},
        "gap.what.labelled": {
            "en": "{resource} (label {label})",
            "ko": "{resource}(레이블 {label})",
        },
        "gap.what.cluster": {
            "en": "{resource} (cluster-scoped)",
            "ko": "{resource}(클러스터 범위)",
        },
        "gap.hint.helm.forbidden": {
            "en": "Grant list on {what} to the kubeconfig user (`kostack release` can be "
            "narrowed with --namespace; `kostack collect --no-helm` skips Helm).",
            "ko": "kubeconfig 사용자에게 {what}에 대한 list 권한을 부여하세요(`kostack release`는 "
            "--namespace로 범위를 좁힐 수 있고, `kostack collect --no-helm`은 Helm을 건너뜁니다).",
        },
        "gap.hint.helm.not-served": {
            "en": "The API server does not serve {what}.",
            "ko": "API 서버가 {what:을/를} 제공하지 않습니다.",
        },
        "gap.hint.helm.expired": {
            "en": "The list changed faster than kostack could page through it; retry.",
            "ko": "kostack이 페이지를 넘기는 것보다 목록이 빨리 바뀌었습니다. 다시 시도하세요.",
        },
        "gap.hint.retry": {
            "en": "Retry; if it persists, check the API server.",
            "ko": "다시 시도하세요. 계속되면 API 서버를 확인하세요.",
        },
        "gap.hint.snapshots.forbidden": {
            "en": "Grant the kubeconfig user list on volumesnapshots in {namespace}, a Role rule "
            "apiGroups [snapshot.storage.k8s.io], resources [volumesnapshots], verbs [list]; "
            "`{command}` answers yes once it is granted.",
            "ko": "kubeconfig 사용자에게 {namespace}의 volumesnapshots list 권한을 부여하세요. Role 규칙은 "
            "apiGroups [snapshot.storage.k8s.io], resources [volumesnapshots], verbs [list]이며, "
            "권한이 생기면 `{command}`의 답이 yes입니다.",
        },
        "gap.helm.http": {"en": "HTTP {status}: {reason}", "ko": "HTTP {status}: {reason}"},
        "gap.helm.undecodable": {
            "en": "{storage} {name}: cannot decode the release ({error})",
            "ko": "{storage} {name}: 릴리스를 디코딩할 수 없습니다({error})",
        },
        "gap.helm.too-large": {
            "en": "{storage} {name}: the release is larger than {mib} MiB once decompressed; "
            "kostack did not read it",
            "ko": "{storage} {name}: 릴리스의 압축을 풀면 {mib} MiB보다 큽니다. kostack은 읽지 않았습니다",
        },
        "gap.hint.helm.too-large": {
            "en": "A release this large is unusual; `helm get manifest` shows what it holds.",
            "ko": "이렇게 큰 릴리스는 드뭅니다. `helm get manifest`로 무엇이 들어 있는지 보세요.",
        },
        "gap.helm.not-format": {
            "en": "not {format}: {error}",
            "ko": "{format} 형식이 아닙니다: {error}",
        },
        "gap.helm.gzip-cut": {
            "en": "not gzip: the compressed data ends too early",
            "ko": "gzip 형식이 아닙니다: 압축된 데이터가 중간에 끝납니다",
        },
        "gap.helm.not-object": {
            "en": "the release is not a JSON object",
            "ko": "릴리스가 JSON 객체가 아닙니다",
        },
        "gap.helm.misshapen": {
            "en": "not a release kostack can read: {error}",
            "ko": "kostack이 읽을 수 있는 릴리스가 아닙니다: {error}",
        },
        "gap.helm.too-deep": {
            "en": "its values nest too deeply",
            "ko": "values가 너무 깊이 중첩됩니다",
        },
        "gap.hint.helm.undecodable": {
            "en": "Helm cannot read it either; `helm history` will fail for this release.",
            "ko": "Helm도 읽을 수 없습니다. 이 릴리스에는 `helm history`가 실패합니다.",
        },
    }
)
