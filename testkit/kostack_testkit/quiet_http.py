"""A threaded HTTP server for test doubles that never writes to sys.stderr.

`socketserver` prints a traceback to sys.stderr when a handler raises (for
example a client that resets a keep-alive connection while the handler waits
for its next request line). Tests run kostack in-process, and kostack's `main`
redirects sys.stderr into the run's own captured stderr: a double's noise
from another thread then lands in the middle of kostack's output, and a test
that reads kostack's first line of stderr sees forty dashes instead. Errors
are kept in `errors` instead; a client that went away is not an error.
"""

from __future__ import annotations

import http.server
import sys
from typing import Any


class QuietHTTPServer(http.server.ThreadingHTTPServer):
    """ThreadingHTTPServer whose handler errors are recorded, never printed."""

    daemon_threads = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.errors: list[BaseException] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if error is None or isinstance(error, ConnectionError):
            return  # the client hung up: its business, not the double's
        self.errors.append(error)
