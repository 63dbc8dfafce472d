"""Timestamps as the snapshot holds them (Kubernetes, Helm, Octavia, the snapshot's own)."""

from __future__ import annotations

from datetime import UTC, datetime

from kostack.analyze.messages import Msg, register

# A duration in the reader's units: "24 h" / "24시간", "1h04m" / "1시간 4분".
register(
    {
        "age.d": {"en": "{n} d", "ko": "{n}일"},
        "age.h": {"en": "{n} h", "ko": "{n}시간"},
        "age.min": {"en": "{n} min", "ko": "{n}분"},
        "age.s": {"en": "{n}s", "ko": "{n}초"},
        "age.m": {"en": "{n}m", "ko": "{n}분"},
        "age.h-m": {"en": "{h}h{m}m", "ko": "{h}시간 {m}분"},
        "age.h-0m": {"en": "{h}h0{m}m", "ko": "{h}시간 {m}분"},
        "age.h-00": {"en": "{h}h00m", "ko": "{h}시간"},
        "age.d-h": {"en": "{d}d{h}h", "ko": "{d}일 {h}시간"},
        "age.d-0": {"en": "{d}d0h", "ko": "{d}일"},
    }
)


def rough_age(seconds: float) -> Msg:
    """A rough, readable difference: '23 h', '3 d', '40 min'."""
    if seconds >= 2 * 86400:
        return Msg("age.d", n=f"{seconds / 86400:.0f}")
    if seconds >= 3600:
        return Msg("age.h", n=f"{seconds / 3600:.0f}")
    return Msg("age.min", n=f"{max(seconds, 0) / 60:.0f}")


def short_age(seconds: float) -> Msg:
    """A short age: 45s, 12m, 3h20m, 2d4h."""
    s = int(seconds)
    if s < 120:
        return Msg("age.s", n=s)
    if s < 3600:
        return Msg("age.m", n=s // 60)
    if s < 86400:
        h, m = s // 3600, (s % 3600) // 60
        return Msg("age.h-00" if m == 0 else "age.h-0m" if m < 10 else "age.h-m", h=h, m=m)
    d, h = s // 86400, (s % 86400) // 3600
    return Msg("age.d-0" if h == 0 else "age.d-h", d=d, h=h)


def parse_time(text: str | None) -> datetime | None:
    """An RFC 3339 timestamp (Kubernetes or Go's time.Time JSON) as an aware datetime.

    One without a zone (Octavia's) is UTC; one that does not read as a time is None.
    """
    if not text:
        return None
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    # Go writes up to nine fractional digits; Python takes six.
    head, dot, rest = value.partition(".")
    if dot:
        digits = ""
        tail = ""
        for i, ch in enumerate(rest):
            if not ch.isdigit():
                tail = rest[i:]
                break
            digits += ch
        value = head + "." + digits[:6].ljust(6, "0") + tail
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
