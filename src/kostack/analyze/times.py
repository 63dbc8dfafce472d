"""Timestamps as the snapshot holds them (Kubernetes, Helm, Octavia, the snapshot's own)."""

from __future__ import annotations

from datetime import UTC, datetime


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
