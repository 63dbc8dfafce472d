"""What collection says when it fails (errors and hints), in English and Korean.

Every error collect raises carries `Msg`s from here, so the CLI prints it in
the command's language. Text from elsewhere (a library's or an API's own
message) is quoted “...” in Korean, led by the OS error it carries
(`kostack.oserror.in_text`).
"""

from __future__ import annotations

from kostack.catalog import Msg, register

__all__ = ["Msg", "kubeconfig_yaml_error", "seconds"]


def seconds(value: float) -> str:
    """A timeout as the messages print it (``30``, ``2.5``)."""
    return f"{value:g}"


_CHECK_PATH = {
    "en": "Check the network endpoint and your network path to it (VPN, proxy); "
    "`openstack network list` should answer.",
    "ko": "네트워크 엔드포인트와 그곳까지의 네트워크 경로(VPN, 프록시)를 확인하세요. "
    "`openstack network list`가 응답해야 합니다.",
}

register(
    {
        # ------------------------------------------------------------------ words
        "col.none": {"en": "none", "ko": "없음"},
        # ------------------------------------------------------------------ Neutron
        "col.neutron.deadline": {
            "en": "Neutron at {where} did not answer GET /v2.0{path} within {seconds} s",
            "ko": "{where}의 Neutron이 {seconds}초 안에 GET /v2.0{path}에 응답하지 않았습니다",
        },
        "col.hint.neutron.deadline": {
            "en": _CHECK_PATH["en"] + " Raise the limit with --timeout.",
            "ko": _CHECK_PATH["ko"] + " --timeout으로 한도를 늘릴 수 있습니다.",
        },
        "col.neutron.401": {
            "en": "Neutron at {where} answered 401 Unauthorized to GET /v2.0{path}: {message}",
            "ko": "{where}의 Neutron이 GET /v2.0{path}에 401 Unauthorized로 응답했습니다: "
            "“{message}”",
        },
        "col.hint.neutron.401": {
            "en": "The token was rejected: check the credentials of this cloud "
            "(`openstack token issue`).",
            "ko": "토큰이 거부되었습니다: 이 클라우드의 자격 증명을 확인하세요 "
            "(`openstack token issue`).",
        },
        "col.os.no-listing": {
            "en": "OpenStack accepted the credentials but refuses every networking listing "
            "({error})",
            "ko": "OpenStack이 자격 증명은 받아들였지만 네트워크 목록 조회를 모두 거부합니다 "
            "(“{error}”)",
        },
        "col.hint.os.no-listing": {
            "en": "The user needs a role such as member or reader in the project "
            "(`openstack port list` must work).",
            "ko": "사용자에게 프로젝트의 member나 reader 같은 역할이 필요합니다 "
            "(`openstack port list`가 동작해야 합니다).",
        },
        # ------------------------------------------------------------------ Keystone, SDK
        "col.os.cred.appcred": {
            "en": "application credential {who}{user} ({where}auth type {auth})",
            "ko": "애플리케이션 자격 증명 {who}{user} ({where}인증 방식 {auth})",
        },
        "col.os.cred.appcred.user": {"en": " of user {user}", "ko": "(사용자 {user})"},
        "col.os.cred.no-id": {"en": "(no id)", "ko": "(id 없음)"},
        "col.os.cred.token": {
            "en": "a token{project} ({where}auth type {auth})",
            "ko": "토큰{project} ({where}인증 방식 {auth})",
        },
        "col.os.cred.token.project": {"en": " for project {project}", "ko": "(프로젝트 {project})"},
        "col.os.cred.password": {
            "en": "the password of user {user}{domain} ({where}auth type {auth})",
            "ko": "사용자 {user}{domain}의 비밀번호 ({where}인증 방식 {auth})",
        },
        "col.os.cred.no-user": {"en": "(no user)", "ko": "(사용자 없음)"},
        "col.os.cred.domain": {"en": " in domain {domain}", "ko": "(도메인 {domain})"},
        "col.os.cred.cloud": {"en": "cloud {cloud}, ", "ko": "클라우드 {cloud}, "},
        "col.keystone.deadline": {
            "en": "Keystone at {where} did not answer within {seconds} s while authenticating "
            "{credential}",
            "ko": "{where}의 Keystone이 {credential} 인증 중 {seconds}초 안에 응답하지 않았습니다",
        },
        "col.hint.keystone.deadline": {
            "en": "Check the auth_url in clouds.yaml and your network path to it (VPN, proxy); "
            "`openstack token issue` should answer. Raise the limit with --timeout SECONDS.",
            "ko": "clouds.yaml의 auth_url과 그곳까지의 네트워크 경로(VPN, 프록시)를 확인하세요. "
            "`openstack token issue`가 응답해야 합니다. --timeout SECONDS로 한도를 늘릴 수 "
            "있습니다.",
        },
        "col.os.401": {
            "en": "OpenStack rejected the credentials: {url} answered 401 to {method} {path} "
            "with {credential}",
            "ko": "OpenStack이 자격 증명을 거부했습니다: {url:이/가} {credential}에 대해 "
            "{method} {path} 요청에 401로 응답했습니다",
        },
        "col.hint.os.401": {
            "en": "Check that credential in clouds.yaml (or your openrc), and that auth_url is "
            "this cloud's Keystone; `openstack token issue` shows whether it works.",
            "ko": "clouds.yaml(또는 openrc)의 그 자격 증명과, auth_url이 이 클라우드의 "
            "Keystone인지 확인하세요. `openstack token issue`로 동작 여부를 볼 수 있습니다.",
        },
        "col.os.rejected": {
            "en": "OpenStack rejected the credentials ({service} at {where}): {detail}",
            "ko": "OpenStack이 자격 증명을 거부했습니다({where}의 {service}): {detail}",
        },
        "col.hint.os.rejected": {
            "en": "Check the password or application credential of this cloud "
            "(`openstack token issue` shows whether they work).",
            "ko": "이 클라우드의 비밀번호나 애플리케이션 자격 증명을 확인하세요 "
            "(`openstack token issue`로 동작 여부를 볼 수 있습니다).",
        },
        "col.os.incomplete": {
            "en": "incomplete OpenStack credentials: {detail}",
            "ko": "OpenStack 자격 증명이 불완전합니다: {detail}",
        },
        "col.os.incomplete.in": {
            "en": "incomplete OpenStack credentials in {where}: {detail}",
            "ko": "{where}의 OpenStack 자격 증명이 불완전합니다: {detail}",
        },
        "col.hint.os.incomplete": {
            "en": "Give auth_url and a username/password or application credential in "
            "clouds.yaml, or source your openrc file.",
            "ko": "clouds.yaml에 auth_url과 사용자 이름/비밀번호 또는 애플리케이션 자격 증명을 "
            "넣거나 openrc 파일을 source 하세요.",
        },
        "col.os.forbidden": {
            "en": "OpenStack refused access ({service} at {where}): {detail}",
            "ko": "OpenStack이 접근을 거부했습니다({where}의 {service}): {detail}",
        },
        "col.hint.os.forbidden": {
            "en": "The user needs a role (e.g. member or reader) in the project.",
            "ko": "사용자에게 프로젝트의 역할(예: member 또는 reader)이 필요합니다.",
        },
        "col.os.slow": {
            "en": "{service} at {where} did not answer in time: {detail}",
            "ko": "{where}의 {service:이/가} 제때 응답하지 않았습니다: {detail}",
        },
        "col.hint.os.slow": {
            "en": "Check the endpoint and your network path to it (VPN, proxy); "
            "`openstack network list` should answer.",
            "ko": "엔드포인트와 그곳까지의 네트워크 경로(VPN, 프록시)를 확인하세요. "
            "`openstack network list`가 응답해야 합니다.",
        },
        "col.os.unreachable": {
            "en": "cannot reach {service} at {where}: {detail}",
            "ko": "{where}의 {service}에 연결할 수 없습니다: {detail}",
        },
        "col.hint.os.unreachable": {
            "en": "Check the auth_url / endpoint in clouds.yaml and your network path to it; "
            "`openstack network list` should answer.",
            "ko": "clouds.yaml의 auth_url / 엔드포인트와 그곳까지의 네트워크 경로를 확인하세요. "
            "`openstack network list`가 응답해야 합니다.",
        },
        "col.os.failed": {
            "en": "{service} at {where} failed: {detail}",
            "ko": "{where}의 {service:이/가} 실패했습니다: {detail}",
        },
        "col.hint.os.failed": {
            "en": "Rerun with --debug for details; `openstack network list` should answer.",
            "ko": "자세한 내용은 --debug로 다시 실행해 보세요. `openstack network list`가 "
            "응답해야 합니다.",
        },
        "col.os.build": {
            "en": "cannot build an OpenStack connection for cloud {cloud}: {detail}",
            "ko": "클라우드 {cloud}의 OpenStack 연결을 만들 수 없습니다: “{detail}”",
        },
        "col.hint.os.auth-type": {
            "en": "Check the cloud's auth_type and auth options in clouds.yaml.",
            "ko": "clouds.yaml에서 그 클라우드의 auth_type과 auth 옵션을 확인하세요.",
        },
        # ------------------------------------------------------------------ clouds.yaml
        "col.os.where.cloud": {"en": "cloud {cloud}", "ko": "클라우드 {cloud}"},
        "col.os.where.config": {"en": "the OpenStack configuration", "ko": "OpenStack 설정"},
        "col.os.cannot-read": {
            "en": "cannot read {where}: {detail}",
            "ko": "{where:을/를} 읽을 수 없습니다: “{detail}”",
        },
        "col.os.cannot-use": {
            "en": "cannot use {where}: {detail}",
            "ko": "{where:을/를} 쓸 수 없습니다: “{detail}”",
        },
        "col.hint.clouds": {
            "en": "List the clouds in your clouds.yaml (`openstack --os-cloud NAME token issue` "
            "should work), then pass --os-cloud NAME or set OS_CLOUD.",
            "ko": "clouds.yaml에 클라우드를 적고(`openstack --os-cloud NAME token issue`가 "
            "동작해야 합니다) --os-cloud NAME을 주거나 OS_CLOUD를 설정하세요.",
        },
        "col.os.env-cloud-missing": {
            "en": "cloud {cloud} (from OS_CLOUD) is not in any clouds.yaml",
            "ko": "OS_CLOUD의 클라우드 {cloud:이/가} 어느 clouds.yaml에도 없습니다",
        },
        "col.hint.os.env-cloud-missing": {
            "en": "Put it in clouds.yaml (or point OS_CLIENT_CONFIG_FILE at yours), or unset "
            "OS_CLOUD and source your openrc file.",
            "ko": "clouds.yaml에 넣거나(또는 OS_CLIENT_CONFIG_FILE이 그 파일을 가리키게 하거나) "
            "OS_CLOUD를 지우고 openrc 파일을 source 하세요.",
        },
        "col.os.cloud-missing": {
            "en": "cloud {cloud} is not in clouds.yaml{there}",
            "ko": "클라우드 {cloud:이/가} clouds.yaml에 없습니다{there}",
        },
        "col.os.clouds-there": {
            "en": " (clouds there: {names})",
            "ko": " (있는 클라우드: {names})",
        },
        "col.os.no-credentials": {
            "en": "no OpenStack credentials found (no --os-cloud, OS_CLOUD, OS_* variables or "
            "clouds.yaml)",
            "ko": "OpenStack 자격 증명이 없습니다(--os-cloud, OS_CLOUD, OS_* 변수, clouds.yaml "
            "모두 없음)",
        },
        "col.hint.os.no-credentials": {
            "en": "Source your openrc file, or put the cloud in clouds.yaml and pass "
            "--os-cloud NAME.",
            "ko": "openrc 파일을 source하거나, clouds.yaml에 클라우드를 넣고 --os-cloud NAME을 "
            "주세요.",
        },
        "col.os.many-clouds": {
            "en": "clouds.yaml has {n} clouds ({names}) and none is chosen",
            "ko": "clouds.yaml에 클라우드가 {n}개({names}) 있는데 하나도 고르지 않았습니다",
        },
        "col.hint.os.many-clouds": {
            "en": "Pass --os-cloud NAME or set OS_CLOUD.",
            "ko": "--os-cloud NAME을 주거나 OS_CLOUD를 설정하세요.",
        },
        # ------------------------------------------------------------------ Kubernetes
        "col.kube.where": {
            "en": "{server}{context}; {source}",
            "ko": "{server}{context}; {source}",
        },
        "col.kube.where.context": {"en": ", context {context}", "ko": ", 컨텍스트 {context}"},
        "col.kube.given-client": {"en": "the given API client", "ko": "주어진 API 클라이언트"},
        "col.kube.in-cluster": {
            "en": "in-cluster service account ({dir})",
            "ko": "클러스터 내부 서비스 어카운트({dir})",
        },
        "col.kube.rejected": {
            "en": "the Kubernetes API server rejected the credentials ({error}) [{where}]",
            "ko": "Kubernetes API 서버가 자격 증명을 거부했습니다({error}) [{where}]",
        },
        "col.hint.kube.rejected": {
            "en": "The token or client certificate is wrong or expired: refresh it "
            "(`kubectl auth whoami` shows who you are), or pick another --context.{plugin}",
            "ko": "토큰이나 클라이언트 인증서가 틀렸거나 만료되었습니다: 새로 받거나"
            "(`kubectl auth whoami`로 누구인지 볼 수 있습니다) 다른 --context를 고르세요.{plugin}",
        },
        "col.kube.plugin": {
            "en": " The kubeconfig's credential plugin said: {said}",
            "ko": " kubeconfig의 자격 증명 플러그인 출력: “{said}”",
        },
        "col.kube.unreachable": {
            "en": "cannot reach the Kubernetes API server ({error}) [{where}]",
            "ko": "Kubernetes API 서버에 연결할 수 없습니다({error}) [{where}]",
        },
        "col.hint.kube.unreachable": {
            "en": "Check the server address in the kubeconfig, the VPN or bastion, and that the "
            "API server is up (`kubectl get --raw /version`).",
            "ko": "kubeconfig의 서버 주소, VPN이나 배스천, API 서버가 떠 있는지"
            "(`kubectl get --raw /version`) 확인하세요.",
        },
        "col.kube.forbidden": {
            "en": "the Kubernetes API server refused a basic read ({error}) [{where}]",
            "ko": "Kubernetes API 서버가 기본 읽기를 거부했습니다({error}) [{where}]",
        },
        "col.hint.kube.forbidden": {
            "en": "kostack needs get/list on nodes, pods, services, endpointslices and "
            "configmaps (a read-only ClusterRole such as `view` plus nodes); ask your cluster "
            "admin.",
            "ko": "kostack에는 nodes, pods, services, endpointslices, configmaps의 get/list "
            "권한이 필요합니다(`view` 같은 읽기 전용 ClusterRole과 nodes). 클러스터 관리자에게 "
            "요청하세요.",
        },
        "col.kube.timeout": {
            "en": "the Kubernetes API server did not answer ({error}) [{where}]",
            "ko": "Kubernetes API 서버가 응답하지 않았습니다({error}) [{where}]",
        },
        "col.hint.kube.timeout": {
            "en": "Check the network path to the API server, or retry with a longer timeout.",
            "ko": "API 서버까지의 네트워크 경로를 확인하거나 더 긴 시간 제한으로 다시 시도하세요.",
        },
        "col.kube.deadline": {
            "en": "the Kubernetes API did not answer ({what}) within {seconds} s",
            "ko": "Kubernetes API가 {seconds}초 안에 응답하지 않았습니다({what})",
        },
        "col.hint.kube.deadline": {
            "en": "Check the API server and the network path to it, then retry.",
            "ko": "API 서버와 그곳까지의 네트워크 경로를 확인한 다음 다시 시도하세요.",
        },
        "col.kube.401": {
            "en": "the Kubernetes API rejected the credentials (HTTP 401)",
            "ko": "Kubernetes API가 자격 증명을 거부했습니다(HTTP 401)",
        },
        "col.hint.kube.401": {
            "en": "Check the kubeconfig user's token or certificate (`kubectl auth whoami`).",
            "ko": "kubeconfig 사용자의 토큰이나 인증서를 확인하세요(`kubectl auth whoami`).",
        },
        "col.kube.bad-timeout": {
            "en": "timeout must be positive, not {value}",
            "ko": "시간 제한은 양수여야 합니다({value})",
        },
        "col.hint.kube.bad-timeout": {
            "en": "Pass a timeout in seconds.",
            "ko": "초 단위 시간 제한을 주세요.",
        },
        "col.kube.bad-page": {
            "en": "page size must be at least 1, not {value}",
            "ko": "페이지 크기는 1 이상이어야 합니다({value})",
        },
        # ------------------------------------------------------------------ kubeconfig
        "col.kc.cannot-read": {
            "en": "cannot read kubeconfig {path}: {error}",
            "ko": "kubeconfig {path:을/를} 읽을 수 없습니다: {error}",
        },
        "col.hint.kc.cannot-read": {
            "en": "Check the file's permissions, or pass another one with --kubeconfig.",
            "ko": "파일 권한을 확인하거나 --kubeconfig로 다른 파일을 주세요.",
        },
        "col.kc.yaml": {
            "en": "kubeconfig {path} is not valid YAML{where}",
            "ko": "kubeconfig {path:은/는} 올바른 YAML이 아닙니다{where}",
        },
        "col.kc.yaml.where": {
            "en": " (line {line}, column {column})",
            "ko": " ({line}행 {column}열)",
        },
        "col.hint.kc.yaml": {
            "en": "Fix the file, or check it with `kubectl config view --kubeconfig FILE`.",
            "ko": "파일을 고치거나 `kubectl config view --kubeconfig FILE`로 확인하세요.",
        },
        "col.kc.context-in-cluster": {
            "en": "--context cannot be used with the in-cluster service account",
            "ko": "--context는 클러스터 내부 서비스 어카운트와 함께 쓸 수 없습니다",
        },
        "col.hint.kc.context-in-cluster": {
            "en": "Drop --context, or pass a kubeconfig that has that context.",
            "ko": "--context를 빼거나 그 컨텍스트가 있는 kubeconfig를 주세요.",
        },
        "col.kc.no-file": {
            "en": "no {what} file found at {paths}",
            "ko": "{paths}에 {what} 파일이 없습니다",
        },
        "col.hint.kc.no-file": {
            "en": "Pass --kubeconfig FILE, set KUBECONFIG, or run kostack in a pod with a "
            "service account.",
            "ko": "--kubeconfig FILE을 주거나 KUBECONFIG를 설정하거나, 서비스 어카운트가 있는 "
            "Pod에서 kostack을 실행하세요.",
        },
        "col.hint.kc.distribution": {
            "en": "{distribution} keeps the cluster's kubeconfig in {file} (readable by root): "
            "pass --kubeconfig {file}.",
            "ko": "{distribution:은/는} 클러스터의 kubeconfig를 {file}에 둡니다(root만 읽을 수 "
            "있음). --kubeconfig {file:을/를} 주세요.",
        },
        "col.kc.no-context": {
            "en": "context {context} is not in kubeconfig {paths}",
            "ko": "컨텍스트 {context:이/가} kubeconfig {paths}에 없습니다",
        },
        "col.hint.kc.no-context": {
            "en": "Contexts there: {known}. Pick one with --context.",
            "ko": "그 파일의 컨텍스트: {known}. --context로 하나를 고르세요.",
        },
        "col.kc.cannot-use": {
            "en": "cannot use kubeconfig {paths}: {detail}",
            "ko": "kubeconfig {paths:을/를} 쓸 수 없습니다: “{detail}”",
        },
        "col.hint.kc.cannot-use": {
            "en": "Check it with `kubectl config view --minify`; kostack reads the same fields.",
            "ko": "`kubectl config view --minify`로 확인하세요. kostack은 같은 필드를 읽습니다.",
        },
        "col.kc.in-cluster": {
            "en": "cannot use the in-cluster service account: {detail}",
            "ko": "클러스터 내부 서비스 어카운트를 쓸 수 없습니다: “{detail}”",
        },
        "col.hint.kc.in-cluster": {
            "en": "Run kostack inside a pod with a mounted service account token, or pass "
            "--kubeconfig.",
            "ko": "서비스 어카운트 토큰이 마운트된 Pod 안에서 kostack을 실행하거나 --kubeconfig를 "
            "주세요.",
        },
        "col.kc.helm": {
            "en": "cannot load the kubeconfig ({detail})",
            "ko": "kubeconfig를 불러올 수 없습니다(“{detail}”)",
        },
        "col.hint.kc.helm": {
            "en": "Give --kubeconfig FILE and --context NAME, or set KUBECONFIG.",
            "ko": "--kubeconfig FILE과 --context NAME을 주거나 KUBECONFIG를 설정하세요.",
        },
        # ------------------------------------------------------------------ the whole run
        "col.nothing": {
            "en": "nothing to collect: both --no-openstack and --no-kubernetes were given",
            "ko": "수집할 것이 없습니다: --no-openstack과 --no-kubernetes를 둘 다 주었습니다",
        },
        "col.hint.nothing": {"en": "Drop one of them.", "ko": "둘 중 하나를 빼세요."},
    }
)


def kubeconfig_yaml_error(path: object, exc: BaseException) -> tuple[Msg, Msg]:
    """A kubeconfig that is not YAML: the place only (yaml's message may quote a token)."""
    mark = getattr(exc, "problem_mark", None)
    where: str = (
        Msg("col.kc.yaml.where", line=mark.line + 1, column=mark.column + 1)
        if mark is not None
        else ""
    )
    return Msg("col.kc.yaml", path=path, where=where), Msg("col.hint.kc.yaml")
