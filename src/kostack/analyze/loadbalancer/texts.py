"""The load balancer path's hop texts, in English and Korean (imported for its side effect)."""

from __future__ import annotations

from kostack.analyze.messages import register

register(
    {
        # ---------------------------------------------------------------- where
        "lb.where-service": {"en": "Service {svc}", "ko": "Service {svc}"},
        # a rule that admits a member's NodePort: "9470.. (tcp 30000-32767 from 10.0.0.0/24)"
        "lb.rule": {"en": "{id} ({what} from {remote})", "ko": "{id} ({what}, 출발지 {remote})"},
        "lb.rule-group": {"en": "group {name}", "ko": "그룹 {name}"},
        "lb.where-vip": {"en": "VIP {ip}", "ko": "VIP {ip}"},
        "lb.where-fip": {"en": "floating IP {ip}", "ko": "Floating IP {ip}"},
        "lb.where-lb": {
            "en": "load balancer {name} ({provider})",
            "ko": "로드밸런서 {name} ({provider})",
        },
        "lb.where-listener": {
            "en": "listener {name} ({port})",
            "ko": "리스너 {name} ({port})",
        },
        "lb.where-pool": {"en": "pool {name} ({algorithm})", "ko": "풀 {name} ({algorithm})"},
        "lb.where-member": {"en": "member {member}", "ko": "멤버 {member}"},
        "lb.members-label": {"en": "NodePort {port}", "ko": "NodePort {port}"},
        # an endpoint the snapshot names no pod for
        "lb.pod-label": {"en": "pod {ip}", "ko": "Pod {ip}"},
        # ---------------------------------------------------------------- sources
        "lb.any-client": {"en": "any client", "ko": "임의의 클라이언트"},
        "lb.src-amphora": {
            "en": "the amphora's address in subnet {name} {cidr}",
            "ko": "서브넷 {name} {cidr} 안의 amphora 주소",
        },
        "lb.src-client": {"en": "client {ip}", "ko": "클라이언트 {ip}"},
        "lb.src-ranges": {
            "en": "the clients of loadBalancerSourceRanges {ranges}",
            "ko": "loadBalancerSourceRanges {ranges}의 클라이언트",
        },
        "lb.src-anyone": {
            "en": "anywhere (no loadBalancerSourceRanges)",
            "ko": "모든 곳(loadBalancerSourceRanges 없음)",
        },
        "lb.src-ovn-hm": {
            "en": "OVN's health-check port {port} ({ip})",
            "ko": "OVN 헬스 체크 포트 {port} ({ip})",
        },
        "lb.src-ovn-hm-unseen": {
            "en": "OVN's health-check port in {cidr} (not in the port listing)",
            "ko": "{cidr} 안의 OVN 헬스 체크 포트 (포트 목록에 없음)",
        },
        # ---------------------------------------------------------------- front
        "lb.pending": {
            "en": "{svc} has no external address yet (EXTERNAL-IP <pending>): nothing to connect to",
            "ko": "{svc}에 아직 외부 주소가 없어(EXTERNAL-IP <pending>) 접속할 대상이 없습니다",
        },
        "lb.client-to": {
            "en": "{client} -> {address} (the Service's status.loadBalancer.ingress)",
            "ko": "{client} -> {address} (Service의 status.loadBalancer.ingress)",
        },
        "lb.octavia-not-collected": {
            "en": "Octavia's load balancers were not collected",
            "ko": "Octavia 로드밸런서를 수집하지 못했습니다",
        },
        "lb.no-lb": {
            "en": "no Octavia load balancer belongs to {svc} ({note})",
            "ko": "{svc}에 해당하는 Octavia 로드밸런서가 없습니다 ({note})",
        },
        "lb.vip-direct": {
            "en": "{ip} is the load balancer's VIP itself (no floating IP: reachable only from networks routed to the VIP subnet)",
            "ko": "{ip:은/는} 로드밸런서 VIP 자체입니다 (Floating IP 없음: VIP 서브넷으로 라우팅되는 네트워크에서만 접근 가능)",
        },
        "lb.fips-not-collected": {
            "en": "floating IPs were not collected",
            "ko": "Floating IP를 수집하지 못했습니다",
        },
        "lb.address-unknown": {
            "en": "{ip} is neither a floating IP of the project nor the VIP {vip}",
            "ko": "{ip:은/는} 프로젝트의 Floating IP도 아니고 VIP {vip}도 아닙니다",
        },
        "lb.fip-unbound": {
            "en": "floating IP {ip} is not associated with any port: packets to it go nowhere",
            "ko": "Floating IP {ip:이/가} 어떤 포트에도 연결되어 있지 않아 패킷이 갈 곳이 없습니다",
        },
        "lb.fip-elsewhere": {
            "en": "floating IP {ip} points at port {port}, not at the load balancer's VIP port {vip}",
            "ko": "Floating IP {ip:이/가} 로드밸런서 VIP 포트 {vip:이/가} 아니라 포트 {port:을/를} 가리킵니다",
        },
        "lb.fip-error": {
            "en": "floating IP {ip} is in status ERROR",
            "ko": "Floating IP {ip}의 상태가 ERROR입니다",
        },
        "lb.fip-dnat": {
            "en": "the router DNATs {ip} -> VIP {vip}",
            "ko": "라우터가 {ip:을/를} VIP {vip:으로/로} DNAT합니다",
        },
        "lb.lb-admin-down": {
            "en": "the load balancer is administratively down (admin_state_up false)",
            "ko": "로드밸런서가 관리상 비활성화되어 있습니다 (admin_state_up false)",
        },
        "lb.member-admin-down": {
            "en": "the member is administratively down (admin_state_up false): it gets no traffic",
            "ko": "멤버가 관리상 비활성화되어(admin_state_up false) 트래픽을 받지 않습니다",
        },
        "lb.pending-create": {
            "en": "{status}: the provider has not finished creating it, nothing forwards yet",
            "ko": "{status}: 프로바이더가 생성을 끝내지 않아 아직 아무것도 전달하지 않습니다",
        },
        "lb.lb-error": {
            "en": "{status}: the provider failed; whether it still forwards is not known",
            "ko": "{status}: 프로바이더가 실패했으며 아직 전달하는지 알 수 없습니다",
        },
        "lb.lb-ok": {"en": "{status}", "ko": "{status}"},
        "lb.no-listener": {
            "en": "no listener for {port}/{protocol} (listeners: {offered})",
            "ko": "{port}/{protocol} 리스너가 없습니다 (리스너: {offered})",
        },
        "lb.allowed-cidrs": {
            "en": "{ip} is not in the listener's allowed_cidrs {cidrs}: the amphora refuses it",
            "ko": "{ip:이/가} 리스너의 allowed_cidrs {cidrs}에 없어 amphora가 거부합니다",
        },
        "lb.listener-ok": {"en": "{protocol}:{port}", "ko": "{protocol}:{port}"},
        "lb.ranges-unenforced": {
            "en": "{protocol}:{port}, but {ip} is outside the Service's loadBalancerSourceRanges {ranges} "
            "and the listener's allowed_cidrs let it in: the restriction is enforced nowhere "
            "(lb-source-ranges)",
            "ko": "{protocol}:{port}. 그러나 {ip:은/는} Service의 loadBalancerSourceRanges {ranges} 밖인데 "
            "리스너의 allowed_cidrs가 들여보냅니다: 제한이 어디서도 적용되지 않습니다 (lb-source-ranges)",
        },
        "lb.no-pool": {
            "en": "the listener has no default pool",
            "ko": "리스너에 기본 풀이 없습니다",
        },
        "lb.pool-down": {
            "en": "pool operating status {status} ({n} {n:member/members}): every member is down or there are none",
            "ko": "풀 동작 상태 {status} (멤버 {n}개): 모든 멤버가 다운되었거나 멤버가 없습니다",
        },
        "lb.pool-ok": {
            "en": "pool operating status {status} ({n} {n:member/members})",
            "ko": "풀 동작 상태 {status} (멤버 {n}개)",
        },
        "lb.no-members": {
            "en": "the pool has no members",
            "ko": "풀에 멤버가 없습니다",
        },
        # ---------------------------------------------------------------- member leg
        "lb.via-amphora": {
            "en": "the amphora ends the client connection and opens a new one to {target} from {source}",
            "ko": "amphora가 클라이언트 연결을 끝내고 {source}에서 {target:으로/로} 새 연결을 엽니다",
        },
        "lb.via-ovn": {
            "en": "OVN DNATs the VIP to {target} and keeps the client's source address",
            "ko": "OVN이 VIP를 {target:으로/로} DNAT하며 클라이언트 출발지 주소를 그대로 유지합니다",
        },
        "lb.via-other": {
            "en": "provider {provider} forwards to {target} (its source address is not modelled)",
            "ko": "프로바이더 {provider:이/가} {target:으로/로} 전달합니다 (출발지 주소는 모델링하지 않음)",
        },
        "lb.member-inferred": {"en": "{note}", "ko": "{note}"},
        "lb.member-port": {
            "en": "the member listens on port {port}, but {svc}'s nodePort is {node_port}: a stale member",
            "ko": "멤버 포트는 {port}인데 {svc}의 nodePort는 {node_port}입니다: 오래된 멤버",
        },
        "lb.member-down": {
            "en": "member operating status {status}: the load balancer sends it no traffic",
            "ko": "멤버 동작 상태 {status}: 로드밸런서가 트래픽을 보내지 않습니다",
        },
        "lb.member-ok": {"en": "member operating status {status}", "ko": "멤버 동작 상태 {status}"},
        "lb.member-not-node": {
            "en": "member {member} ({ip}) is not a node of the cluster",
            "ko": "멤버 {member:은/는} 클러스터의 노드가 아닙니다 (IP {ip})",
        },
        "lb.source-unknown": {
            "en": "where the provider's packets come from is not known (no subnet for the member)",
            "ko": "프로바이더 패킷의 출발지를 알 수 없습니다 (멤버 서브넷 없음)",
        },
        "lb.provider-decides": {
            "en": "the answer on port {port} depends on the provider's source: {sources}",
            "ko": "포트 {port}에 대한 답은 프로바이더의 출발지에 따라 다릅니다: {sources}",
        },
        "lb.sg-no-filter": {
            "en": "port security is off: nothing is filtered",
            "ko": "포트 보안이 꺼져 있어 아무것도 필터링하지 않습니다",
        },
        "lb.sg-admits": {
            "en": "traffic from {source} is admitted ({wire}) by {rules}",
            "ko": "{source}에서 오는 트래픽 허용됨 ({wire}), 규칙 {rules}",
        },
        "lb.sg-undecided": {
            "en": "traffic from {source} ({wire}): cannot decide ({why})",
            "ko": "{source}에서 오는 트래픽 ({wire}): 판단할 수 없음 ({why})",
        },
        "lb.sg-denies": {
            "en": "traffic from {source} is dropped ({wire}): no rule of {groups} admits it",
            "ko": "{source}에서 오는 트래픽 차단됨 ({wire}): {groups}의 어떤 규칙도 허용하지 않습니다",
        },
        "lb.sg-denies-some": {
            "en": "traffic from {source} is partly dropped ({wire}): no rule of {groups} admits {refused}",
            "ko": "{source}에서 오는 트래픽 일부 차단됨 ({wire}): {groups}의 어떤 규칙도 {refused:을/를} 허용하지 않습니다",
        },
        "lb.node-not-ready": {
            "en": "node {node} is NotReady: kube-proxy there may not serve",
            "ko": "노드 {node:이/가} NotReady 상태라 kube-proxy가 동작하지 않을 수 있습니다",
        },
        "lb.node-not-ready-by": {
            "en": "node {node} is NotReady: {proxy} there may not serve",
            "ko": "노드 {node:이/가} NotReady 상태라 {proxy:이/가} 동작하지 않을 수 있습니다",
        },
        "lb.healthz-200": {
            "en": "kube-proxy's health check on {port} answers 200 ({n} local {n:endpoint/endpoints})",
            "ko": "포트 {port}의 kube-proxy 헬스 체크가 200으로 응답합니다 (로컬 엔드포인트 {n}개)",
        },
        "lb.healthz-503": {
            "en": "kube-proxy's health check on {port} answers 503: no local endpoint (externalTrafficPolicy Local)",
            "ko": "포트 {port}의 kube-proxy 헬스 체크가 503으로 응답합니다: 로컬 엔드포인트 없음 (externalTrafficPolicy Local)",
        },
        "lb.local-no-endpoint": {
            "en": "externalTrafficPolicy Local and no ready endpoint on {node}: kube-proxy drops NodePort {port}",
            "ko": "externalTrafficPolicy Local인데 {node}에 준비된 엔드포인트가 없어 kube-proxy가 NodePort {port:을/를} 버립니다",
        },
        "lb.healthz-200-by": {
            "en": "the health check of {proxy} on {port} answers 200 ({n} local {n:endpoint/endpoints})",
            "ko": "포트 {port}의 {proxy} 헬스 체크가 200으로 응답합니다 (로컬 엔드포인트 {n}개)",
        },
        "lb.healthz-503-by": {
            "en": "the health check of {proxy} on {port} answers 503: no local endpoint (externalTrafficPolicy Local)",
            "ko": "포트 {port}의 {proxy} 헬스 체크가 503으로 응답합니다: 로컬 엔드포인트 없음 (externalTrafficPolicy Local)",
        },
        "lb.local-no-endpoint-by": {
            "en": "externalTrafficPolicy Local and no ready endpoint on {node}: {proxy} drops NodePort {port}",
            "ko": "externalTrafficPolicy Local인데 {node}에 준비된 엔드포인트가 없어 {proxy:이/가} NodePort {port:을/를} 버립니다",
        },
        "lb.no-proxy-seen": {
            "en": "nothing is known to serve NodePort {port}: kube-proxy's ConfigMap is absent, no "
            "kube-proxy pod is listed and the CNI does not replace it (unless kube-proxy runs "
            "outside pods, a systemd unit)",
            "ko": "NodePort {port:을/를} 처리하는 것이 알려져 있지 않습니다: kube-proxy의 ConfigMap이 "
            "없고, kube-proxy Pod가 보이지 않으며, CNI가 이를 대신하지도 않습니다(kube-proxy가 Pod "
            "밖, systemd 유닛에서 돌지 않는다면)",
        },
        "lb.local-dnat": {
            "en": "DNAT NodePort {port} -> a local endpoint ({n} on this node, client source kept)",
            "ko": "NodePort {port:을/를} 로컬 엔드포인트로 DNAT (이 노드에 {n}개, 클라이언트 출발지 유지)",
        },
        "lb.cluster-dnat": {
            "en": "DNAT NodePort {port} -> one of {n} ready {n:endpoint/endpoints} ({local} on this node)",
            "ko": "NodePort {port:을/를} 준비된 엔드포인트 {n}개 중 하나로 DNAT (이 노드에 {local}개)",
        },
        "lb.deliver-local": {
            "en": "delivered to {pod} {ip}:{port} on this node",
            "ko": "이 노드의 {pod} {ip}:{port:으로/로} 전달됨",
        },
        "lb.masquerade": {
            "en": "the endpoint {pod} is on {dst}: SNAT to {node}'s address {ip} and forward",
            "ko": "엔드포인트 {pod:이/가} {dst}에 있어 {node}의 주소 {ip:으로/로} SNAT 후 전달합니다",
        },
        # ---------------------------------------------------------------- monitor
        "lb.health-sg": {
            "en": "the health monitor from {source} cannot reach {member} on port {port} (security groups): Octavia marks it down ({status})",
            "ko": "{source}에서 오는 헬스 모니터가 포트 {port:으로/로} {member}에 닿지 못해(보안 그룹) Octavia가 다운으로 표시합니다 ({status})",
        },
        "lb.health-sg-ping": {
            "en": "the health monitor's ping from {source} cannot reach {member} (security groups admit no ICMP from it): Octavia marks it down ({status})",
            "ko": "{source}에서 오는 헬스 모니터의 ping이 {member}에 닿지 못해(보안 그룹이 그 ICMP를 허용하지 않음) Octavia가 다운으로 표시합니다 ({status})",
        },
        "lb.health-no-local": {
            "en": "{member} has no local endpoint: kube-proxy fails the check on port {port}, so the member is down by design ({status})",
            "ko": "{member}에 로컬 엔드포인트가 없어 kube-proxy가 포트 {port} 체크를 실패시키므로 멤버가 설계대로 다운됩니다 ({status})",
        },
        "lb.health-ebpf-tunnel": {
            "en": "{member} has no local endpoint and the security groups drop the VXLAN in which Calico's eBPF data plane forwards the check to the endpoints' nodes: Octavia marks it down ({status})",
            "ko": "{member}에 로컬 엔드포인트가 없고, Calico eBPF 데이터 플레인이 체크를 엔드포인트의 노드로 전달하는 VXLAN을 보안 그룹이 차단하므로 Octavia가 다운으로 표시합니다 ({status})",
        },
        "lb.health-ebpf-dsr": {
            "en": "{member} has no local endpoint: Calico's eBPF data plane (bpfExternalServiceMode DSR) has the endpoint's node answer the check from {member}'s address, and Neutron's anti-spoofing on that node's port drops it: Octavia marks it down ({status}); allow each member node's address in the allowed address pairs of the endpoints' nodes' ports (`kostack fix plan` plans them), or go back to Tunnel: {patch}",
            "ko": "{member}에 로컬 엔드포인트가 없습니다: Calico eBPF 데이터 플레인(bpfExternalServiceMode DSR)에서는 엔드포인트가 있는 노드가 {member}의 주소로 체크에 응답하는데, 그 노드 포트의 Neutron anti-spoofing이 이를 차단하므로 Octavia가 다운으로 표시합니다 ({status}). 엔드포인트가 있는 노드 포트의 allowed address pairs에 각 멤버 노드의 주소를 허용하거나(`kostack fix plan`이 계획합니다), Tunnel로 되돌리세요: {patch}",
        },
        "lb.health-no-local-by": {
            "en": "{member} has no local endpoint: {proxy} fails the check on port {port}, so the member is down by design ({status})",
            "ko": "{member}에 로컬 엔드포인트가 없어 {proxy:이/가} 포트 {port} 체크를 실패시키므로 멤버가 설계대로 다운됩니다 ({status})",
        },
        "lb.health-no-endpoints": {
            "en": "the Service has no ready endpoint: the check on {member} port {port} fails ({status})",
            "ko": "Service에 준비된 엔드포인트가 없어 {member} 포트 {port} 체크가 실패합니다 ({status})",
        },
        "lb.health-not-ready": {
            "en": "{member} is NotReady: the check on port {port} is expected to fail ({status})",
            "ko": "{member:이/가} NotReady 상태라 포트 {port} 체크가 실패할 것으로 예상됩니다 ({status})",
        },
        "lb.health-admin-down": {
            "en": "{member} is administratively down ({status})",
            "ko": "{member:이/가} 관리상 비활성화되어 있습니다 ({status})",
        },
        "lb.health-port-down": {
            "en": "the Neutron port of {member} is administratively down: no monitor packet reaches it ({status})",
            "ko": "{member}의 Neutron 포트가 관리상 비활성 상태라 모니터 패킷이 닿지 않습니다 ({status})",
        },
        "lb.health-port-unbound": {
            "en": "the Neutron port of {member} failed to bind (binding:vif_type binding_failed): "
            "no monitor packet reaches it ({status})",
            "ko": "{member}의 Neutron 포트가 바인딩에 실패해(binding:vif_type binding_failed) 모니터 "
            "패킷이 닿지 않습니다 ({status})",
        },
        "lb.health-not-node": {
            "en": "member {member} is not a node of the cluster ({status})",
            "ko": "멤버 {member:은/는} 클러스터의 노드가 아닙니다 ({status})",
        },
        "lb.health-member-port": {
            "en": "{member} is a member on port {member_port}, but the Service's nodePort is now {node_port}: "
            "the cloud controller did not update the member, and the monitor probes port {port} ({status})",
            "ko": "{member:은/는} 포트 {member_port}의 멤버인데 Service의 nodePort는 이제 {node_port}입니다: "
            "클라우드 컨트롤러가 멤버를 갱신하지 않았고 모니터는 포트 {port:을/를} 확인합니다 ({status})",
        },
        "lb.health-udp-silent": {
            "en": "the security groups drop the UDP-CONNECT check from {source} to {member} port {port} "
            "without a word, and that check fails a member only on an ICMP port unreachable: "
            "the member looks up ({status}) while client datagrams are lost",
            "ko": "보안 그룹이 {source}에서 {member} 포트 {port:으로/로} 가는 UDP-CONNECT 체크를 조용히 버리는데, "
            "이 체크는 ICMP port unreachable을 받을 때만 멤버를 다운시킵니다: 클라이언트 데이터그램은 "
            "사라지는데 멤버는 정상으로 보입니다 ({status})",
        },
        "lb.health-up": {
            "en": "the health monitor from {source} reaches {member} on port {port} ({status})",
            "ko": "{source}에서 오는 헬스 모니터가 포트 {port:으로/로} {member}에 닿습니다 ({status})",
        },
        "lb.health-unknown": {
            "en": "what the health monitor sees on {member} port {port} cannot be decided ({status})",
            "ko": "헬스 모니터가 {member} 포트 {port}에서 무엇을 보는지 판단할 수 없습니다 ({status})",
        },
    }
)
