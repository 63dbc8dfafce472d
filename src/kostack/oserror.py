"""OS errors (an errno and its strerror) said in the command's language, the errno name kept.

Under ``--lang ko`` "Address already in use" reads "주소가 이미 사용 중입니다
(EADDRINUSE)": the Korean words, and the errno name to search for. English
keeps the C library's own words (``strerror``). An errno without Korean
words keeps its strerror, quoted, with its name. `in_text` finds the
"[Errno 111] Connection refused" that Python's and urllib3's messages carry.
It imports only the catalogue, so every layer may use it.
"""

from __future__ import annotations

import errno
import os
import re
from typing import Final

from kostack.catalog import CATALOG, Msg, register

__all__ = ["KOREAN", "in_text", "literal", "reason", "reason_of"]

# errno name -> Korean words (docs/ko-glossary.md, "OS errors")
KOREAN: Final = {
    "EADDRINUSE": "주소가 이미 사용 중입니다",
    "EADDRNOTAVAIL": "이 호스트에 없는 주소입니다",
    "EACCES": "권한이 없습니다",
    "EPERM": "허용되지 않는 작업입니다",
    "ECONNREFUSED": "연결이 거부되었습니다",
    "ECONNRESET": "상대가 연결을 끊었습니다",
    "ECONNABORTED": "연결이 중단되었습니다",
    "ETIMEDOUT": "연결 시간이 초과되었습니다",
    "EHOSTUNREACH": "호스트에 도달할 수 없습니다",
    "ENETUNREACH": "네트워크에 도달할 수 없습니다",
    "EHOSTDOWN": "호스트가 꺼져 있습니다",
    "ENOENT": "파일이나 디렉터리가 없습니다",
    "EISDIR": "디렉터리입니다",
    "ENOTDIR": "디렉터리가 아닙니다",
    "EEXIST": "이미 있습니다",
    "EROFS": "읽기 전용 파일 시스템입니다",
    "ENOSPC": "장치에 남은 공간이 없습니다",
    "EMFILE": "열린 파일이 너무 많습니다",
    "EPIPE": "상대가 연결을 닫았습니다(파이프 끊김)",
    "EINVAL": "잘못된 인자입니다",
    # getaddrinfo's (socket.gaierror: negative numbers, not errno values)
    "EAI_NONAME": "DNS에서 이름을 찾을 수 없습니다",
    "EAI_AGAIN": "DNS 이름 조회가 일시적으로 실패했습니다",
}
_CODES: Final = {
    **{getattr(errno, name): name for name in KOREAN if hasattr(errno, name)},
    # getaddrinfo's codes as glibc's netdb.h numbers them (socket.gaierror.errno; this
    # module stays free of socket, which the analysis layers may not import)
    -2: "EAI_NONAME",
    -3: "EAI_AGAIN",
}

# The C library's words (glibc's strerror and gai_strerror), what English prints.
_ENGLISH: Final = {
    **{name: os.strerror(code) for code, name in _CODES.items() if code > 0},
    "EAI_NONAME": "Name or service not known",
    "EAI_AGAIN": "Temporary failure in name resolution",
}

register(
    {
        # os.NAME: the error itself; os.lead.NAME: what leads a library's message in Korean
        **{f"os.{n}": {"en": _ENGLISH[n], "ko": f"{w}({n})"} for n, w in KOREAN.items()},
        **{f"os.lead.{n}": {"en": "", "ko": f"{w}({n}): "} for n, w in KOREAN.items()},
        "os.in-text": {"en": "{lead}{text}", "ko": "{lead}“{text}”"},
        "os.quoted": {"en": "{text}", "ko": "“{text}”"},
    }
)


def literal(text: str) -> str:
    """``text`` as a template that prints it as it is."""
    return text.replace("{", "{{").replace("}", "}}")


def reason_of(code: int | None, text: str | None = None) -> str:
    """The words for errno ``code`` (``text``: the strerror English shows, if not libc's)."""
    if code is None:
        return text or ""
    name = _CODES.get(code) or errno.errorcode.get(code, str(code))
    shown = text or (os.strerror(code) if code > 0 else name)
    if name in KOREAN and shown == _ENGLISH[name]:
        return Msg(f"os.{name}")
    # an errno without Korean words (or with words of its own): quoted, with its name
    key = f"os.other.{name}.{shown}"
    if key not in CATALOG:
        register({key: {"en": literal(shown), "ko": f"“{literal(shown)}”({name})"}})
    return Msg(key)


def reason(exc: BaseException) -> str:
    """What an OSError says, in words every language has (else the exception as text)."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return reason_of(exc.errno, exc.strerror or str(exc))
    return str(exc)


_ERRNO = re.compile(r"\[Errno (-?\d+)\] ?([^\]\)\"'\n]*)")


def in_text(text: str) -> str:
    """``text`` (a library's message), quoted in Korean and led by the OS error it carries."""
    match = _ERRNO.search(text)
    name = _CODES.get(int(match[1])) if match else None
    if name is None:
        return Msg("os.quoted", text=text)
    return Msg("os.in-text", lead=Msg(f"os.lead.{name}"), text=text)
