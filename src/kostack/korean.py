"""Korean particles chosen by how the word before them is read aloud: the one helper.

Every catalogue (analyze.messages' `Msg`, report.i18n's `t()`, watch's and
guard's `say()`) writes a particle pair as the placeholder's format spec,
"{ip:은/는}", "{n:이/가}", "{cidr:을/를}", "{x:과/와}", "{node:으로/로}", and
formats its values as `Word`s; `particle()` picks the form.

The first form follows a final consonant (batchim). How the end is read:
- Hangul: the last syllable's own final consonant.
- Digits, the Sino-Korean way: 10.0.0.11 ends in 십일 -> ㄹ ("10.0.0.11은"),
  10.96.0.1 in 일 ("10.96.0.1이"), tcp:443 in 삼 ("tcp:443을"), k8s-w-3 in
  삼 ("k8s-w-3으로"); a number ending in zeros by its place: 10 십 (ㅂ),
  100 백 (ㄱ), 1000 천 (ㄴ), 10000 .. 10^7 만 (ㄴ), 10^8 .. 10^11 억 (ㄱ).
  A CIDR ends in its prefix length: 10.244.0.0/16 in 십육 (ㄱ).
- Latin letters: an acronym (all capitals, or closing a camelCase word: ClusterIP) letter
  by letter, as 엘 (L), 엠 (M), 엔 (N) and otherwise a vowel (DNS 에스, API 아이, BGP 피;
  R as 알: DSR 디에스알; CIDR as 사이더, MAC as 맥, capitals that are words as words: FILTER 필터,
  ERROR 에러; IPv6 as 아이피브이식스, MiB as 메비바이트); a word by its last sound: -l ㄹ, -m ㅁ, -n ㄴ, -ng ㅇ, -ck ㄱ, a consonant's
  -le ㄹ (table 테이블), anything else a vowel ("Calico는", "kube-proxy가", "Neutron은",
  "ping을").
For 으로/로, a final ㄹ takes 로 like a vowel ("10.0.0.11로").
After a closing parenthesis the word before it counts, as in Korean orthography: "Calico
v3.30.3 (VXLANCrossSubnet, natOutgoing off)은", "포트(k8s-w-3)가".
This module imports nothing of kostack's: every layer may use it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

PARTICLES: Final = frozenset({"은/는", "이/가", "을/를", "과/와", "으로/로"})
# "{cmd:`을/를}": the value quoted as code, then its particle ("`kostack fix plan`을" is fixed
# text, wrong for "`... --yes`").
CODE_PARTICLES: Final = frozenset("`" + pair for pair in PARTICLES)

_DIGIT_FINAL: Final = {
    "0": "ㅇ", "1": "ㄹ", "2": "", "3": "ㅁ", "4": "", "5": "", "6": "ㄱ", "7": "ㄹ", "8": "ㄹ",
    "9": "",
}  # fmt: skip
_HANGUL_FINALS: Final = (
    "", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ", "ㄿ", "ㅀ",
    "ㅁ", "ㅂ", "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ",
)  # fmt: skip
_ACRONYM_FINAL: Final = {
    "L": "ㄹ",
    "M": "ㅁ",
    "N": "ㄴ",
    "R": "ㄹ",
}  # 엘, 엠, 엔, 알 (DSR 디에스알)
_WORD_FINAL: Final = {"l": "ㄹ", "m": "ㅁ", "n": "ㄴ"}
_TRAILING: Final = " )]}>'\".,;:!?`\u2019\u201d"
_LATIN_TAIL = re.compile(r"[A-Za-z]+$")
# a camelCase word's closing acronym: two or more capitals after a lower-case letter
_CAMEL_ACRONYM = re.compile(r"(?<=[a-z])[A-Z]{2,}$")


def _zeros_final(zeros: int) -> str:
    """The final consonant of a number whose last non-zero digit has ``zeros`` zeros after it."""
    if zeros < 4:
        return ("", "ㅂ", "ㄱ", "ㄴ")[zeros]  # 십, 백, 천
    return ("ㄴ", "ㄱ", "", "ㅇ")[min(zeros // 4, 4) - 1]  # 만, 억, 조, 경


def _before_parenthesis(text: str) -> str:
    """``text`` without a closing parenthetical: "Calico v3.30.3 (VXLAN, natOutgoing off)" ->
    "Calico v3.30.3". A particle after brackets agrees with the word before them (서울(Seoul)은);
    a text that is all brackets is read inside them."""
    stripped = text.rstrip()
    if not stripped.endswith(")"):
        return text
    depth = 0
    for i in range(len(stripped) - 1, -1, -1):
        if stripped[i] == ")":
            depth += 1
        elif stripped[i] == "(":
            depth -= 1
            if depth == 0:
                head = stripped[:i].rstrip()
                return head if head.rstrip(_TRAILING) else text
    return text


def final_consonant(text: str) -> str:
    """The final consonant of ``text`` read aloud in Korean ("" for a vowel ending)."""
    word = _before_parenthesis(str(text)).rstrip(_TRAILING)
    if not word:
        return ""
    last = word[-1]
    if "\uac00" <= last <= "\ud7a3":
        return _HANGUL_FINALS[(ord(last) - 0xAC00) % 28]
    if _VERSION_TAIL.search(word):
        return ""  # IPv6 아이피브이식스, IPv4 아이피브이포, nodeAddressAutodetectionV6
    if last.isdigit():
        number = word[len(word) - (len(word) - len(word.rstrip("0123456789"))) :]
        zeros = len(number) - len(number.rstrip("0"))
        if zeros == 0 or zeros == len(number):
            return _DIGIT_FINAL[last]
        return _zeros_final(zeros)
    tail = _LATIN_TAIL.search(word)
    if tail is None:
        return ""
    letters = tail.group()
    if letters.isupper() and len(letters) <= 5 and letters not in _CAPS_WORDS:  # an acronym
        return _acronym_final(letters)
    acronym = _CAMEL_ACRONYM.search(letters)
    if acronym is not None:  # ClusterIP 클러스터아이피, hostIP, kubeDNS: the acronym is read
        return _acronym_final(acronym.group())
    lower = letters.lower()
    if lower.endswith("ng"):
        return "ㅇ"  # ping 핑
    if lower.endswith("ck"):
        return "ㄱ"  # openstack 오픈스택
    if len(letters) == 1:  # a single letter is read by its name: 엘, 엠, 엔
        return _ACRONYM_FINAL.get(letters.upper(), "")
    return _word_final(lower)


# capitals read as the word, not letter by letter: the metavars of --help (NAME 네임, FILE 파일)
_CAPS_WORDS: Final = frozenset(
    {"NAME", "FILE", "NODE", "MODE", "IMAGE", "CHART", "PATH", "HOST", "ERROR"}
)
# capitals read as a word, not letter by letter: CIDR 사이더, MAC 맥 (MAC 주소)
_ACRONYM_WORDS: Final = {"CIDR": "", "MAC": "ㄱ"}
# the version after IP (IPv6) and after a name's V (…V6) is read in English: 식스, 포
_VERSION_TAIL = re.compile(r"[A-Za-z][vV][46]$")
_VOWEL_LETTERS: Final = frozenset("aeiou")
# lower-case names read letter by letter (protocols): ipip 아이피아이피
_SPELLED: Final = frozenset(
    {"ipip", "tcp", "udp", "sctp", "icmp", "gre", "esp", "vxlan", "vip"}
)  # vip 브이아이피 (kube-vip)


def _acronym_final(letters: str) -> str:
    """An acronym's final consonant: by its last letter's name, or as the word it is read as."""
    if letters in _ACRONYM_WORDS:
        return _ACRONYM_WORDS[letters]
    return _ACRONYM_FINAL.get(letters[-1], "")


def _word_final(lower: str) -> str:
    """The final consonant of an English word as Korean writes it: l, m, n (커널, 시스템, 뉴트론),
    and after a silent e (존, 네임, 롤); b and a short vowel's p (랩, 웹, 업, 그룹); a short
    vowel's t (셋, 넷, 시크릿, 버킷), -out (아웃) and type (타입). Anything else ends in a vowel
    (포트, 호스트, 파드, 로그, 파이프)."""
    last = lower[-1]
    if lower.endswith(("kib", "mib", "gib")):
        return ""  # a unit: MiB 메비바이트
    if lower in _SPELLED:
        return _ACRONYM_FINAL.get(last.upper(), "")
    if last in _WORD_FINAL:
        return _WORD_FINAL[last]
    before = lower[-2] if len(lower) > 1 else ""
    if last == "e" and before in _WORD_FINAL and lower[-3:-2] in _VOWEL_LETTERS:
        return _WORD_FINAL[before]  # none 논, name 네임, role 롤
    if lower.endswith("le") and lower[-3:-2] and lower[-3:-2] not in _VOWEL_LETTERS:
        return "ㄹ"  # a consonant's -le: table 테이블, applicable 어플리커블, single 싱글
    if lower.endswith("lb"):
        return ""  # LB is spelled: metallb 메탈엘비, lb 엘비
    if last == "b":
        return "ㅂ"  # lab 랩, web 웹, job 잡
    if last == "p" and (before in _VOWEL_LETTERS or before == "p"):
        return "ㅂ"  # up 업, group 그룹, app 앱
    if last == "t" and before in _VOWEL_LETTERS and lower[-3:-2] not in _VOWEL_LETTERS:
        return "ㅅ"  # set 셋, secret 시크릿 (not a long vowel's: boot 부트, wait 웨이트)
    if lower.endswith("out"):
        return "ㅅ"  # out 아웃, timeout 타임아웃, rollout 롤아웃
    if lower.endswith(("ec", "ic")):
        return "ㄱ"  # IPsec 아이피섹, spec 스펙, exec 이그젝; public 퍼블릭, traffic 트래픽
    if lower.endswith("type"):
        return "ㅂ"  # type 타입 (other -pe words end in a vowel: pipe 파이프, scope 스코프)
    return ""


def particle(text: str, pair: str) -> str:
    """The form of a particle pair ("이/가", "으로/로", ...) that follows ``text``."""
    with_final, without = pair.split("/")
    final = final_consonant(text)
    if pair == "으로/로":
        return without if final in ("", "ㄹ") else with_final
    return with_final if final else without


def josa(word: str, pair: str) -> str:
    """``word`` followed by the right form of ``pair``: josa("10.96.0.1", "이/가") == "10.96.0.1이"."""
    return str(word) + particle(str(word), pair)


_PLURAL = re.compile(r"[a-z ]+/[a-z ]+")


def is_spec(spec: str) -> bool:
    """Whether ``spec`` is a format spec `Word` understands (a particle pair or a plural)."""
    return spec in PARTICLES or spec in CODE_PARTICLES or bool(_PLURAL.fullmatch(spec))


class Word(str):
    """A rendered value that understands a particle pair as its format spec.

    English templates pick a noun's number the same way: "{n} node {n:pair/pairs}"
    prints the first form when the value is 1, the second otherwise.
    """

    def __format__(self, spec: str) -> str:
        if spec in PARTICLES:
            return josa(str(self), spec)
        if spec in CODE_PARTICLES:
            return f"`{self}`{particle(str(self), spec[1:])}"
        if _PLURAL.fullmatch(spec):
            one, many = spec.split("/")
            return one if str(self) == "1" else many
        return format(str(self), spec)


class _Value:
    """A non-string value (a count, a port) that takes a particle or plural spec like a `Word`."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __format__(self, spec: str) -> str:
        return format(Word(self.value), spec) if is_spec(spec) else format(self.value, spec)

    def __getattr__(self, name: str) -> object:  # "{x.attr}" in a template
        return getattr(self.value, name)

    def __getitem__(self, key: object) -> object:
        return self.value[key]  # type: ignore[index]

    def __repr__(self) -> str:
        return repr(self.value)

    def __str__(self) -> str:
        return str(self.value)


def fill(template: str, params: Mapping[str, object]) -> str:
    """``template`` formatted with every value read as a `Word` (particles and plurals chosen)."""
    return template.format(
        **{k: Word(v) if isinstance(v, str) else _Value(v) for k, v in params.items()}
    )
