"""What a fix plan's actions say (why, only if, undo), in English and Korean."""

from __future__ import annotations

from kostack.analyze.diagnose import ROOT_CAUSE_TITLES
from kostack.analyze.messages import CATALOG, Msg, register
from kostack.plan.model import Target

register(
    {
        # what a plan's target is, as its `Target.label()` says it in English
        "apply.kind.port": {"en": "port", "ko": "포트"},
        "apply.kind.security_group": {"en": "security group", "ko": "보안 그룹"},
        "apply.kind.router": {"en": "router", "ko": "라우터"},
        "apply.kind.cni": {"en": "cni", "ko": "CNI"},
        "apply.who": {"en": "{kind} {id}", "ko": "{kind} {id}"},
        "apply.who.named": {"en": "{kind} {id} ({name})", "ko": "{kind} {id}({name})"},
        "plan.note.ovn-only": {
            "en": "needed only under ML2/OVN, where a remote-group rule does not match the "
            "members' allowed pairs; the Neutron backend is not known, so it is included (under "
            "ML2/OVS it changes nothing)",
            "ko": "ML2/OVN에서만 필요합니다 (원격 그룹 규칙이 멤버의 Allowed Address Pair와 일치하지 "
            "않음). Neutron 백엔드를 알 수 없어 포함했습니다 (ML2/OVS에서는 아무것도 바꾸지 않음)",
        },
        "plan.note.public-nodeport": {
            "en": "NodePort {port} open to every address: the Service is public and its provider "
            "(OVN) keeps the client's address; set the Service's spec.loadBalancerSourceRanges and "
            "plan again to open it to those ranges only",
            "ko": "NodePort {port:이/가} 모든 주소에 열립니다: 서비스가 공개되어 있고 프로바이더(OVN)가 "
            "클라이언트 주소를 유지하기 때문입니다. 그 범위에만 열려면 서비스의 "
            "spec.loadBalancerSourceRanges를 설정하고 다시 계획하세요",
        },
        "plan.note.tight": {
            "en": "--tight: only the pod blocks {node} owns now ({blocks}). When the CNI gives the "
            "node another block (Calico does as its blocks fill), that block's pods are dropped "
            "again until you re-plan.",
            "ko": "--tight: {node:이/가} 지금 가진 Pod 블록({blocks})만 추가합니다. CNI가 노드에 새 "
            "블록을 주면(Calico는 블록이 차면 줌) 다시 계획할 때까지 그 블록의 Pod 트래픽은 다시 "
            "차단됩니다.",
        },
        "plan.note.tight-unknown": {
            "en": "--tight: {node}'s pod blocks are not known, so the pod CIDR is used",
            "ko": "--tight: {node}의 Pod 블록을 알 수 없어 Pod CIDR 전체를 씁니다",
        },
        "plan.note.service-short": {
            "en": "{cidr} is the service CIDR: not needed for traffic (see the plan's notes)",
            "ko": "{cidr:은/는} 서비스 CIDR입니다: 트래픽에는 필요 없습니다 (계획의 참고 참조)",
        },
        "plan.note.service": {
            "en": "{cidr} is the service CIDR: not needed for traffic (service IPs never appear as "
            "a source on the wire; kube-proxy rewrites them before packets leave the node). It is "
            "added only because --service-cidr asked for it (some runbooks and Kubespray add it).",
            "ko": "{cidr:은/는} 서비스 CIDR입니다: 트래픽에는 필요 없습니다 (서비스 IP는 패킷의 "
            "출발지로 나타나지 않으며, kube-proxy가 패킷이 노드를 떠나기 전에 바꿉니다). "
            "--service-cidr를 주었기 때문에만 추가합니다 (일부 런북과 Kubespray가 추가함).",
        },
        "plan.not-planned": {
            "en": "root cause {cause} ({title}): kostack has no change to make for it; {message}",
            "ko": "근본 원인 {cause}({title}): kostack이 할 변경이 없습니다. {message}",
        },
        "plan.not-planned.fast-only": {
            "en": "root cause {cause} ({title}): only disabling port security fixes it, which "
            "this method does not do; {message}",
            "ko": "근본 원인 {cause}({title}): 포트 보안을 끄는 것만이 해결책인데 이 방법은 그렇게 "
            "하지 않습니다. {message}",
        },
        "plan.left-alone": {"en": "left as it is: {message}", "ko": "그대로 둠: {message}"},
        "plan.not-planned.every-address": {
            "en": "not planned: allowed address pairs for {cidr} on the node ports: a pair for "
            "every address switches anti-spoofing off; fix the pod range, or use --method "
            "disable-port-security, which says what is lost",
            "ko": "계획하지 않음: 노드 포트에 {cidr} Allowed Address Pair: 모든 주소에 대한 pair는 "
            "스푸핑 방지를 끄는 것과 같습니다. Pod 범위를 고치거나, 잃는 것을 알려 주는 --method "
            "disable-port-security를 쓰세요",
        },
        "plan.not-planned.open-to-all": {
            "en": "not planned: a rule open to {cidr} ({reason}); kostack scopes every rule to "
            "the cluster",
            "ko": "계획하지 않음: {cidr}에 열린 규칙({reason}): kostack은 모든 규칙을 클러스터 "
            "범위로 한정합니다",
        },
        "plan.foreign-group": {
            "en": "security group {group} belongs to project {project}, not to this one "
            "({own}): that project's ports are not seen here, and every rule this plan adds to "
            "the group admits the same traffic to them too",
            "ko": "보안 그룹 {group:은/는} 이 프로젝트({own})가 아니라 프로젝트 {project}의 것입니다: "
            "그 프로젝트의 포트는 여기서 보이지 않으며, 이 계획이 그룹에 추가하는 규칙은 그 포트에도 "
            "같은 트래픽을 허용합니다",
        },
        "plan.note.nodeport-range": {
            "en": "one rule for NodePorts {lo}-{hi} from {source} instead of {n} single-NodePort "
            "rules: it also opens the NodePorts of the other Services (and of future ones) to that "
            "source, a subnet or group of this project, never to clients; {n} rules would crowd "
            "Neutron's default quota of {quota} rules per project",
            "ko": "NodePort 하나마다 규칙 {n}개 대신 {source}에서 오는 NodePort {lo}-{hi}에 규칙 하나: "
            "다른 Service(와 앞으로 생길 Service)의 NodePort도 그 출발지(이 프로젝트의 서브넷이나 그룹이며 "
            "클라이언트는 아님)에 열립니다. "
            "규칙 {n}개는 Neutron 기본 쿼터(프로젝트당 규칙 {quota}개)를 압박합니다",
        },
        "plan.why.nodeport-range": {
            "en": "admit load balancer traffic to the NodePorts of {n} Services",
            "ko": "Service {n}개의 NodePort로 가는 로드밸런서 트래픽 허용",
        },
        "plan.rule-quota": {
            "en": "this plan adds {added} security-group {added:rule/rules} to a project that has at "
            "least {existing} (in the groups read): {total} in all, over Neutron's default quota of "
            "{quota} rules per project (quota_security_group_rule); check `openstack quota show` "
            "before applying, or Neutron refuses the rules past the quota",
            "ko": "이 계획은 보안 그룹 규칙 {added}개를 추가하는데 프로젝트에는 (읽은 그룹에만) 이미 최소 "
            "{existing}개가 있습니다: 모두 {total}개로 Neutron 기본 쿼터(프로젝트당 {quota}개, "
            "quota_security_group_rule)를 넘습니다. 적용 전에 `openstack quota show`로 확인하세요. "
            "쿼터를 넘는 규칙은 Neutron이 거부합니다",
        },
        "plan.pair-limit": {
            "en": "after this plan {n} {n:port/ports} ({ports}) would have more than {limit} "
            "allowed address pairs (up to {most}): Neutron's default max_allowed_address_pair "
            "is {limit} per port and it refuses the update past it (400 "
            "AllowedAddressPairExhausted); remove the pairs no longer used, or have the limit "
            "raised, before applying",
            "ko": "이 계획을 적용하면 포트 {n}개({ports})의 Allowed Address Pair가 {limit}개를 "
            "넘습니다(최대 {most}개): Neutron의 기본 max_allowed_address_pair는 포트당 {limit}개이며 "
            "이를 넘는 변경은 거부됩니다(400 AllowedAddressPairExhausted). 적용 전에 쓰지 않는 "
            "Pair를 지우거나 한도를 늘려 달라고 요청하세요",
        },
        "plan.shared-group": {
            "en": "security group {group} is also on {n} {n:port/ports} of no node of this "
            "cluster ({ports}): every rule this plan adds to it admits the same traffic to "
            "{n:that port/those ports} too; to keep {n:it/them} out, give the nodes a group of "
            "their own and plan again",
            "ko": "보안 그룹 {group:은/는} 이 클러스터의 노드가 아닌 포트 {n}개({ports})에도 붙어 "
            "있습니다: 이 계획이 그룹에 추가하는 규칙은 그 포트에도 같은 트래픽을 허용합니다. "
            "막으려면 노드에 전용 보안 그룹을 두고 다시 계획하세요",
        },
        "preflight.note.nat-off": {
            "en": "natOutgoing is off: pods reach the outside with their own address, so the "
            "router needs a route back to each node's pods (the OpenStack cloud controller adds "
            "them with --configure-routes; the routes below do it by hand). Turning natOutgoing on "
            "avoids both the routes and the allowed pairs for egress.",
            "ko": "natOutgoing이 꺼져 있어 Pod가 자기 주소로 외부에 나가므로, 라우터에 각 노드의 Pod로 "
            "돌아오는 경로가 필요합니다 (OpenStack 클라우드 컨트롤러는 --configure-routes로 추가하고, "
            "아래 경로는 직접 추가하는 방법입니다). natOutgoing을 켜면 이 경로도, 외부 통신을 위한 "
            "Allowed Address Pair도 필요 없습니다.",
        },
        "preflight.note.no-pairs": {
            "en": "No allowed address pairs are needed: pod traffic between nodes is always "
            "encapsulated and traffic to the outside is masqueraded to the node's address.",
            "ko": "Allowed Address Pair가 필요 없습니다: 노드 간 Pod 트래픽은 항상 캡슐화되고 외부로 "
            "가는 트래픽은 노드 주소로 마스커레이드됩니다.",
        },
        "preflight.note.mtu": {
            "en": "Set the pod MTU to {mtu} (network MTU {net} - {overhead} for {kind}); Calico, "
            "Cilium, Flannel, Antrea and Kube-OVN derive it from the interface MTU when none is "
            "configured; a value configured larger than that breaks large packets.",
            "ko": "Pod MTU를 {mtu:으로/로} 설정하세요 (네트워크 MTU {net} - {kind} {overhead}). Calico, "
            "Cilium, Flannel, Antrea, Kube-OVN은 설정이 없으면 인터페이스 MTU에서 이 값을 계산하며, "
            "이보다 크게 설정하면 큰 패킷이 깨집니다.",
        },
        "preflight.note.ipip-v6": {
            "en": "Calico has no IPIP for IPv6 pools: the IPv6 pool is planned without "
            "encapsulation (BGP-routed), so IPv6 pods send with their own address; the IPv6 "
            "pairs and the IPv6 pod-CIDR rule below are for that. Use VXLAN to tunnel IPv6 too.",
            "ko": "Calico는 IPv6 풀에 IPIP를 쓸 수 없습니다: IPv6 풀은 캡슐화 없이(BGP 라우팅) "
            "계획하므로 IPv6 Pod는 자기 주소로 보냅니다. 아래의 IPv6 Allowed Address Pair와 IPv6 "
            "Pod CIDR 규칙이 그 때문입니다. IPv6도 터널로 보내려면 VXLAN을 쓰세요.",
        },
        "preflight.note.mtu-kube-router": {
            "en": "kube-router with --auto-mtu (its default) gives pods the network's MTU ({mtu}) "
            "and its tunnels the kernel's smaller one: there is nothing to set.",
            "ko": "kube-router는 --auto-mtu(기본값)로 Pod에 네트워크 MTU({mtu})를, 터널에는 커널이 "
            "정하는 더 작은 MTU를 줍니다: 따로 설정할 것이 없습니다.",
        },
        "preflight.note.mtu-family": {
            "en": "{family} pod packets fit in {path} bytes between nodes (network MTU {net} - "
            "{overhead} for {kind} over {under}); the pod MTU is one for both families, so the "
            "smaller decides.",
            "ko": "{family} Pod 패킷은 노드 간에 {path}바이트까지 전달됩니다 (네트워크 MTU {net} - "
            "{under} 위 {kind} {overhead}). Pod MTU는 두 패밀리에 하나이므로 작은 쪽이 정합니다.",
        },
        "plan.and": {"en": "{first}; {then}", "ko": "{first}; {then}"},
        "plan.reason": {
            "en": "{first} (root cause: {titles})",
            "ko": "{first} (근본 원인: {titles})",
        },
        "plan.undo.rule": {
            "en": "delete the rule kostack created (its id is in the journal)",
            "ko": "kostack이 만든 규칙을 삭제 (규칙 id는 저널에 있음)",
        },
        "plan.undo.routes": {
            "en": "remove the routes kostack added",
            "ko": "kostack이 추가한 경로를 제거",
        },
        "plan.undo.port-security": {
            "en": "one PUT with port security on and the groups and pairs it had",
            "ko": "포트 보안을 켜고 원래 보안 그룹과 Allowed Address Pair로 되돌리는 PUT 한 번",
        },
        "plan.undo.pairs": {
            "en": "set allowed_address_pairs back to [{pairs}]",
            "ko": "allowed_address_pairs를 [{pairs}] 값으로 되돌림",
        },
        "plan.undo.no-pairs": {
            "en": "set allowed_address_pairs back to [] (none)",
            "ko": "allowed_address_pairs를 빈 목록 [](없음)으로 되돌림",
        },
        "plan.undo.by-hand": {"en": "undo by hand", "ko": "직접 되돌림"},
        "plan.note.one-way": {
            "en": "one of several ways to fix this cause (the other manual steps for it): "
            "choose one, not all",
            "ko": "이 원인을 고치는 여러 방법(이 원인의 다른 수동 단계) 중 하나입니다: 모두가 아니라 "
            "하나를 고르세요",
        },
        "plan.only-if.manual": {
            "en": "none: kostack does not run manual steps",
            "ko": "없음: kostack은 수동 단계를 실행하지 않음",
        },
        "plan.only-if.router": {
            "en": "each route is added only if the router does not have it yet; the route list is "
            "re-read and written back with If-Match on the revision read just before",
            "ko": "라우터에 아직 없는 경로만 추가하며, 경로 목록은 직전에 읽은 리비전으로 If-Match를 "
            "걸어 다시 읽고 씀",
        },
        "plan.lost": {
            "en": "--method disable-port-security turns port security off on {n} node "
            "{n:port/ports} ({names}). Lost: (1) anti-spoofing - Neutron stops checking the source "
            "MAC and IP of their packets, so a compromised node can send as any address on {nets}; "
            "(2) every security group - {groups} stop filtering, so every service listening on "
            "these VMs (SSH 22, kubelet 10250, etcd 2379-2380, NodePorts 30000-32767) accepts "
            "connections from anything that can reach the network. Re-enabling port security "
            "later restores neither the groups nor the pairs (`kostack fix rollback JOURNAL` "
            "does). Applying needs --i-understand-this-disables-filtering.",
            "ko": "--method disable-port-security는 노드 포트 {n}개({names})의 포트 보안을 끕니다. "
            "잃는 것: (1) 스푸핑 방지 - Neutron이 이 포트들이 보내는 패킷의 출발지 MAC과 IP를 더 "
            "검사하지 않으므로, 침해된 노드가 {nets}의 어떤 주소로든 패킷을 보낼 수 있습니다. "
            "(2) 모든 보안 그룹 - {groups}의 필터링이 멈추므로, 이 VM에서 대기 중인 모든 서비스(SSH "
            "22, kubelet 10250, etcd 2379-2380, NodePort 30000-32767)가 네트워크에 닿는 누구의 "
            "연결이든 받습니다. 나중에 포트 보안을 다시 켜도 그룹과 pair는 복구되지 않습니다"
            "(`kostack fix rollback JOURNAL`은 복구합니다). 적용하려면 "
            "--i-understand-this-disables-filtering이 필요합니다.",
        },
        "plan.lost.more": {"en": "{names} and {n} more", "ko": "{names} 외 {n}개"},
        "plan.lost.group": {
            "en": "{name} ({n} ingress {n:rule/rules})",
            "ko": "{name}(ingress 규칙 {n}개)",
        },
        "plan.lost.no-groups": {"en": "none", "ko": "없음"},
        "plan.note.disable-case": {
            "en": "needed only {condition}, which the snapshot does not say: do not apply this "
            "change otherwise. Fast and insecure: it drops all filtering on this port "
            "(anti-spoofing and every security group)",
            "ko": "{condition} 조건에서만 필요하며, 스냅샷으로는 그 조건인지 알 수 없습니다. 그 밖의 "
            "경우에는 이 변경을 적용하지 마세요. 빠르지만 보안 취약: 이 포트의 모든 필터링(스푸핑 "
            "방지와 모든 보안 그룹)을 해제합니다",
        },
        "plan.note.one-request": {
            "en": "one request clears groups and pairs and disables port security (the order "
            "Neutron accepts: disabling alone is a 409 while a group or pair is attached)",
            "ko": "한 번의 요청으로 보안 그룹과 pair를 비우고 포트 보안을 끕니다 (Neutron이 받아들이는 "
            "순서: 그룹이나 pair가 붙어 있는 동안 포트 보안만 끄면 409)",
        },
        "plan.note.routes-by-ccm": {
            "en": "if the OpenStack cloud controller manages this router's routes "
            "(--configure-routes), let it add them instead",
            "ko": "OpenStack 클라우드 컨트롤러가 이 라우터의 경로를 관리한다면(--configure-routes) "
            "컨트롤러가 추가하게 두세요",
        },
        "plan.only-if.port.rev": {
            "en": "the port's revision_number is still {rev} (as read at planning)",
            "ko": "포트의 revision_number가 계획할 때 읽은 {rev} 그대로일 때",
        },
        "plan.only-if.port.fields": {
            "en": "the port's fields still equal the planned before-state (no revision_number in "
            "the snapshot)",
            "ko": "포트의 필드가 계획할 때의 상태 그대로일 때 (스냅샷에 revision_number 없음)",
        },
        "plan.only-if.security-group.rev": {
            "en": "the security group's revision_number is still {rev} (as read at planning)",
            "ko": "보안 그룹의 revision_number가 계획할 때 읽은 {rev} 그대로일 때",
        },
        "plan.only-if.security-group.fields": {
            "en": "the security group's fields still equal the planned before-state (no "
            "revision_number in the snapshot)",
            "ko": "보안 그룹의 필드가 계획할 때의 상태 그대로일 때 (스냅샷에 revision_number 없음)",
        },
    }
)


# every title, so a plan read back (a plan file, a journal) finds the one it names
register(
    {
        f"rc.title.{key}": {lang: titles[lang] for lang in ("en", "ko")}
        for key, titles in ROOT_CAUSE_TITLES.items()
    }
)


def title_msg(key: str, fallback: str = "") -> str:
    """A root cause's title, in either language (``fallback`` or the key when kostack has none)."""
    if key not in ROOT_CAUSE_TITLES:
        return fallback or key
    return Msg(f"rc.title.{key}")


def kind_word(kind: str) -> str:
    """A target's kind (`port`, `security group`, `router`) in either language."""
    key = f"apply.kind.{kind}"
    return Msg(key) if key in CATALOG else kind.replace("_", " ")


def who(target: Target) -> Msg:
    """`port <id> (<name>)` in either language (the English is `Target.label()`)."""
    if target.name:
        return Msg("apply.who.named", kind=kind_word(target.kind), id=target.id, name=target.name)
    return Msg("apply.who", kind=kind_word(target.kind), id=target.id)
