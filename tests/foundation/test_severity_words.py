"""One word per severity and language, whichever command says it: `kostack watch`'s log lines
and Kubernetes Events said "보통" for medium where diagnose, report and the console's colours
say "중간"."""

from __future__ import annotations

import pytest

from kostack.analyze.findings import Severity
from kostack.cli.console import _SEVERITY_WORDS
from kostack.report.i18n import t
from kostack.watch.messages import severity_name


@pytest.mark.parametrize("severity", [s.value for s in Severity])
def test_watch_report_and_console_say_a_severity_alike(severity: str) -> None:
    en, ko = _SEVERITY_WORDS[severity]
    assert severity_name("en", severity) == t("en", f"sev.{severity}") == en
    assert severity_name("ko", severity) == t("ko", f"sev.{severity}") == ko


def test_medium_is_jungan_in_korean_everywhere() -> None:
    assert severity_name("ko", "medium") == "중간"
    assert severity_name("ko", "unheard-of") == "unheard-of"
