"""Korean particles after a placeholder in the way in's messages, in findings and in the report.

The mechanism (a particle pair as the placeholder's format spec, "{port:으로/로}")
is analyze/messages.py's; these tests pin it where the load balancer messages
and the incident report's markup path use it.
"""

from __future__ import annotations

import importlib
import pathlib
import pkgutil
import re
import sys

import pytest

import kostack
import kostack.analyze.checks  # registers every check's messages
import kostack.analyze.loadbalancer.texts
import kostack_lab
from kostack.analyze.messages import CATALOG, Msg, particle, register
from kostack.korean import fill, josa
from kostack.report.markup import marked

ONE_FORM = re.compile(r"(이|가|은|는|을|를|과|와|으로|로)(?![가-힣])|(로부터|으로부터)")


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        ("31080", "으로/로", "으로"),  # ...팔십: ㅂ
        ("10.0.0.11", "으로/로", "로"),  # 십일: ㄹ takes 로
        ("10.0.0.0/24", "이/가", "가"),  # 이십사
        ("443", "을/를", "을"),  # 사백사십삼
        ("노드", "이/가", "가"),
        ("그룹", "과/와", "과"),
        # a camelCase word's closing acronym is read letter by letter: 클러스터아이피
        ("ClusterIP", "은/는", "는"),
        ("InternalIP", "으로/로", "로"),
        ("egressIP", "이/가", "가"),
        ("kubeDNS", "을/를", "를"),
        # a consonant's -le ends in ㄹ: 어플리커블, 언어베일러블, 테이블
        ("NOT-APPLICABLE", "은/는", "은"),
        ("NetworkUnavailable", "이/가", "이"),
        ("table", "으로/로", "로"),
        # CIDR is read 사이더, FILTER 필터 (no final R sound); kube-vip 큐브브이아이피
        ("CIDR", "을/를", "를"),
        ("FILTER", "이/가", "가"),
        ("kube-vip", "은/는", "는"),
        ("natOutgoing", "은/는", "은"),  # not an acronym: 아웃고잉
    ],
)
def test_particle(word: str, pair: str, expected: str) -> None:
    assert particle(word, pair) == expected


def _korean_templates() -> dict[str, str]:
    """Every Korean template: the shared catalogue's and the report, guard and watch tables'."""
    for module in [
        *pkgutil.walk_packages(kostack.__path__, "kostack."),
        *pkgutil.walk_packages(kostack_lab.__path__, "kostack_lab."),  # kostack-lab's too
    ]:
        importlib.import_module(module.name)
    korean = {key: langs["ko"] for key, langs in CATALOG.items()}
    for name, module in list(sys.modules.items()):
        tables = getattr(module, "MESSAGES", None) if name.startswith("kostack") else None
        if isinstance(tables, dict) and isinstance(tables.get("ko"), dict):
            korean |= {f"{name}:{k}": t for k, t in tables["ko"].items() if isinstance(t, str)}
    return korean


def test_no_message_fixes_a_particle_after_a_placeholder() -> None:
    """`{port}로` would read wrong after 31080; `{port:으로/로}` never does."""
    wrong = []
    korean = _korean_templates()
    for key, text in korean.items():
        for m in re.finditer(r"\}", text):
            rest = text[m.end() :]
            if ONE_FORM.match(rest) or rest.startswith(("(가)", "(는)", "(를)", "(와)", "(으)로")):
                wrong.append(f"{key}: ...{text[max(0, m.start() - 12) : m.end() + 4]}...")
    assert wrong == [], wrong
    # the scan saw them all: the load balancer's, the lab's, guard's and the report's
    assert sum(1 for k in korean if k.startswith("lb")) > 50
    assert sum(1 for k in korean if k.startswith("lab.")) > 100
    assert any(k.startswith("kostack.guard.messages:") for k in korean)
    assert any(k.startswith("kostack.report.i18n:") for k in korean)


_PAIR_OF = {
    form: pair
    for pair in ("이/가", "은/는", "을/를", "과/와", "으로/로")
    for form in pair.split("/")
}
_FIXED = re.compile(
    r"(?<![A-Za-z0-9_.\-/:{])([A-Za-z][A-Za-z0-9_\-]*[A-Za-z0-9])(`?)(으로|이|가|은|는|을|를|과|와|로)(?![가-힣])"
)


def test_fixed_text_after_a_latin_word_reads_as_the_helper_does() -> None:
    """ "Pod CIDR을" (씨아이디알) in one text and "CIDR가" (사이더) in the next read one word two ways.

    A particle written as fixed text after a Latin word or a number (templates and the Korean
    check pages) must be the one `particle()` picks for that word, so each word has one reading.
    """
    texts = _korean_templates()
    pages = sorted(pathlib.Path(kostack.__file__).parent.rglob("*.md"))
    texts |= {str(page): page.read_text(encoding="utf-8") for page in pages}
    wrong = sorted(
        {
            f"{where}: {m.group()} (reads {particle(m[1], _PAIR_OF[m[3]])})"
            for where, text in texts.items()
            for m in _FIXED.finditer(text)
            if particle(m[1], _PAIR_OF[m[3]]) != m[3]
        }
    )
    assert wrong == [], wrong
    assert len(pages) > 40  # the check pages were read


def test_the_report_markup_path_takes_the_spec_too() -> None:
    """The incident report renders messages through report/markup.py, data kept as data."""
    register(
        {"test.lb-particles": {"en": "to {port} `{cmd}`", "ko": "포트 {port:으로/로} `{cmd}`"}}
    )
    try:
        msg = Msg("test.lb-particles", port=31080, cmd="nc")
        assert msg.render("ko") == "포트 31080으로 `nc`"
        assert str(marked(msg, "ko")) == "포트 31080으로 `nc`"
    finally:
        del CATALOG["test.lb-particles"]


# The one helper (kostack.korean): what precedes the particle, read aloud.
@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        # IPs and numbers, Sino-Korean
        ("10.96.0.1", "은/는", "10.96.0.1은"),  # 일
        ("10.96.0.1", "이/가", "10.96.0.1이"),
        ("10.244.1.7", "을/를", "10.244.1.7을"),  # 칠
        ("10.244.1.2", "을/를", "10.244.1.2를"),  # 이
        ("10.0.0.13", "으로/로", "10.0.0.13으로"),  # 삼
        ("10.0.0.17", "으로/로", "10.0.0.17로"),  # 칠: ㄹ takes 로
        # LB spelled (엘비): it said "metallb.io/metallb으로"
        ("metallb.io/metallb", "으로/로", "metallb.io/metallb로"),
        ("metallb", "이/가", "metallb가"),
        ("web", "으로/로", "web으로"),  # 웹
        ("1450", "이/가", "1450이"),  # 오십: 십
        ("1500", "은/는", "1500은"),  # 오백
        ("3000", "과/와", "3000과"),  # 삼천
        ("20000", "이/가", "20000이"),  # 이만
        ("1000000", "을/를", "1000000을"),  # 백만
        ("300000000", "은/는", "300000000은"),  # 삼억
        ("0", "이/가", "0이"),  # 영
        ("9", "이/가", "9가"),  # 구
        # CIDRs end in their prefix length; ports after a protocol
        ("10.244.0.0/16", "을/를", "10.244.0.0/16을"),  # 십육
        ("10.0.0.0/24", "이/가", "10.0.0.0/24가"),  # 이십사
        ("10.96.0.0/12", "은/는", "10.96.0.0/12는"),  # 십이
        ("tcp:443", "을/를", "tcp:443을"),  # 사백사십삼
        ("udp:53", "을/를", "udp:53을"),  # 오십삼
        # names that end in a digit or a Latin word
        ("k8s-w-3", "으로/로", "k8s-w-3으로"),  # 삼
        ("k8s-w-2", "으로/로", "k8s-w-2로"),  # 이
        ("k8s-cp-1", "으로/로", "k8s-cp-1로"),  # 일: ㄹ
        ("k8s-nodes", "을/를", "k8s-nodes를"),  # 즈
        ("Neutron", "은/는", "Neutron은"),  # 뉴트론
        ("Calico", "이/가", "Calico가"),  # 캘리코
        ("kube-proxy", "이/가", "kube-proxy가"),
        ("kube-system", "으로/로", "kube-system으로"),  # 시스템
        ("ping", "을/를", "ping을"),  # 핑
        ("openstack", "을/를", "openstack을"),  # 스택
        ("default", "과/와", "default와"),  # 디폴트
        ("harbor/harbor-core", "이/가", "harbor/harbor-core가"),
        ("kernel", "으로/로", "kernel로"),  # 커널: ㄹ
        # an English word as Korean writes it: after a silent e, b, a short vowel's p and t
        ("lab", "이/가", "lab이"),  # 랩
        ("none", "을/를", "none을"),  # 논
        ("zone", "은/는", "zone은"),  # 존
        ("role", "으로/로", "role로"),  # 롤: ㄹ
        ("group", "을/를", "group을"),  # 그룹
        ("secret", "이/가", "secret이"),  # 시크릿
        ("kubelet", "과/와", "kubelet과"),  # 큐블릿
        ("port", "이/가", "port가"),  # 포트
        ("host", "을/를", "host를"),  # 호스트
        ("boot", "을/를", "boot를"),  # 부트
        ("timeout", "이/가", "timeout이"),  # 타임아웃
        ("out", "으로/로", "out으로"),  # 아웃
        ("type", "은/는", "type은"),  # 타입
        ("pipe", "을/를", "pipe를"),  # 파이프
        ("scope", "이/가", "scope가"),  # 스코프
        ("Pod", "을/를", "Pod를"),  # 파드
        ("shop/web", "은/는", "shop/web은"),  # 웹
        ("ipip", "을/를", "ipip를"),  # a protocol, letter by letter: 아이피아이피
        ("tcp", "을/를", "tcp를"),
        # acronyms letter by letter
        ("OVN", "은/는", "OVN은"),  # 엔
        ("VM", "이/가", "VM이"),  # 엠
        ("DNS", "이/가", "DNS가"),  # 에스
        ("BGP", "을/를", "BGP를"),  # 피
        ("ML2/OVS", "으로/로", "ML2/OVS로"),
        ("ML2/OVN", "으로/로", "ML2/OVN으로"),
        ("MTU", "은/는", "MTU는"),  # 유
        ("DSR", "이/가", "DSR이"),  # 알: R is read 알
        ("podCIDR", "이/가", "podCIDR가"),  # 사이더, in a camelCase word too
        ("MAC", "으로/로", "MAC으로"),  # 맥 (MAC 주소)
        ("IPv6", "을/를", "IPv6를"),  # 아이피브이식스: the version read in English
        ("nodeAddressAutodetectionV6", "과/와", "nodeAddressAutodetectionV6와"),
        ("IPsec", "이/가", "IPsec이"),  # 아이피섹
        ("Cilium LB IPAM 풀 public", "이/가", "Cilium LB IPAM 풀 public이"),  # 퍼블릭
        ("traffic", "을/를", "traffic을"),  # 트래픽
        ("4MiB", "이/가", "4MiB가"),  # 메비바이트
        ("ERROR", "을/를", "ERROR를"),  # 에러, a word
        # Hangul, and what trails the word
        ("노드", "은/는", "노드는"),
        ("그룹", "과/와", "그룹과"),
        ("서울", "으로/로", "서울로"),
        ("판단 보류", "으로/로", "판단 보류로"),
        # after brackets the word before them counts (서울(Seoul)은), unless all is brackets
        ("포트(k8s-w-3)", "이/가", "포트(k8s-w-3)가"),  # 포트
        (
            "Calico v3.30.3 (VXLAN, natOutgoing off)",
            "은/는",
            "Calico v3.30.3 (VXLAN, natOutgoing off)은",
        ),
        ("k8s-w-3 (10.0.0.12)", "으로/로", "k8s-w-3 (10.0.0.12)으로"),  # 삼
        ("f(g(x))", "을/를", "f(g(x))를"),  # nested: the word before the outer bracket
        ("(k8s-w-3)", "이/가", "(k8s-w-3)이"),  # all brackets: read inside
        ("서울(Seoul)", "은/는", "서울(Seoul)은"),
        ("'10.0.0.11'", "은/는", "'10.0.0.11'은"),
    ],
)
def test_the_one_particle_helper_reads_what_precedes(word: str, pair: str, expected: str) -> None:
    assert josa(word, pair) == expected
    assert fill(f"{{w:{pair}}}", {"w": word}) == expected  # the format-spec path says the same


def test_every_catalogue_renders_through_the_one_helper() -> None:
    """analyze.messages, report.i18n (t), watch and guard: same particle after the same word."""
    from kostack.guard.messages import say as guard_say
    from kostack.report.i18n import MESSAGES, t
    from kostack.watch.messages import say as watch_say

    assert Msg("hop.src-fixed", ip="10.96.0.1").render("ko").startswith("출발지 10.96.0.1은 ")
    assert "ML2/OVN으로" in watch_say("ko", "event.verdict", before="정상", after="ML2/OVN")
    assert "10.244.0.0/16을 추가" in guard_say(
        "ko", "event.pairs.added", port="p", cidrs="10.244.0.0/16"
    )
    assert "10.244.0.0/24가 없어" in guard_say("ko", "event.drift", port="p", cidrs="10.244.0.0/24")
    MESSAGES["ko"]["test.particle"] = "{x:이/가} 있습니다"
    MESSAGES["en"]["test.particle"] = "{x} is there"
    try:
        assert t("ko", "test.particle", x="tcp:443") == "tcp:443이 있습니다"
    finally:
        del MESSAGES["ko"]["test.particle"], MESSAGES["en"]["test.particle"]
