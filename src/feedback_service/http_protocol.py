"""The HTTP connection a worker serves: uvicorn's httptools protocol, with a shutdown that never resets
a request already on its way.

When a worker is told to stop (SIGTERM, or the supervisor replacing it on SIGHUP), uvicorn stops
accepting and closes every connection that is not in the middle of a request. A connection the worker
accepted a moment before, whose request is still in the kernel's buffer, counts as "not in a
request": closing it with unread bytes makes the kernel answer the client with a reset
(``ECONNRESET``), and the client cannot know whether its ticket was taken. Measured with three
workers and eight clients, one worker stopped every 1.5 s: 5 resets in 12 stops.

Here a connection with no request read yet gets :data:`FIRST_REQUEST_WAIT` seconds to deliver one; it is
then answered with ``Connection: close``, and a connection that sends nothing in that time is closed
as before. Idle keep-alive connections (a request answered, none pending) close at once, as uvicorn
does: HTTP clients retry those.

:func:`feedback_service.server.uvicorn_config` names this class (by import path, so spawned workers
import it themselves); it imports uvicorn, so nothing else imports this module.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["FIRST_REQUEST_WAIT", "FinishingHttpToolsProtocol"]

FIRST_REQUEST_WAIT = 2.0
"""Seconds a connection accepted just before a shutdown has to send its request. A client sends its
request as soon as it is connected (microseconds, milliseconds on a loaded host); two seconds cover a
machine under load while keeping a stop short."""


class FinishingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools connection, with the shutdown above."""

    _stopping = False
    _deadline: asyncio.TimerHandle | None = None

    def shutdown(self) -> None:
        self._stopping = True
        if self.cycle is None:  # accepted, and no request read yet: it may be on its way
            self._deadline = self.loop.call_later(FIRST_REQUEST_WAIT, self._close_if_unused)
            return
        super().shutdown()

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        if self._stopping and self.cycle is not None:
            self.cycle.keep_alive = False  # answer this one request, then close
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

    def _close_if_unused(self) -> None:
        self._deadline = None
        if self.cycle is None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        super().connection_lost(exc)
