"""The two requests a campaign day is made of, answered without Litestar's machinery per request.

Teams' phones report tickets (``POST /api/v1/tickets``) and read them back (``GET
/api/v1/tickets/{id}``); these are most of the service's traffic. Through Litestar, each one pays for
routing, two exception middlewares, the guard's call, dependency injection with its validation, the
body's DTO and building a ``Response`` before any of the service's own work: a read cost five times
the bare framework's ``GET``, and this machinery was most of the difference (docs/performance.md).

:class:`HotRoutes` sits between :class:`~feedback_service.observe.RequestObserver` (so a hot request
has its id, its log line and its counts like any other) and Litestar. It answers a request itself only
when Litestar would take it the ordinary way: the exact method and path (and Litestar's router
names the same route: ``/api/v1/tickets/batch`` is not a read), no query string, no root path, a
valid ``Host``, and for a report one JSON ``Content-Type`` and one declared length within the limit.
It then runs exactly what the route's handler runs, the same functions in the same order (the guard
before the body is read):
:func:`~feedback_service.api.security.authenticate` (the token check, throttling and the counting of
refusals), :func:`~feedback_service.api.security.require_role` with the route's roles,
:func:`~feedback_service.api.body.decode_strict`, then :func:`~feedback_service.api.tickets.report_ticket`
or :func:`~feedback_service.api.tickets.read_ticket`; any exception is answered by
:func:`~feedback_service.api.problems.problem_for`, the app's own translation. Every other request
goes to Litestar untouched. One difference is meant: a client that goes away before its body
arrived is not answered (Litestar logs that as an unhandled error with a 500 nobody receives).

The routes stay declared in Litestar, so the OpenAPI document, another method's 405 and every
unusual request are its. ``tests/service/test_hot_routes.py`` sends the same requests to the app with
and without this layer and requires the same status, headers, body and log line.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

import msgspec
from litestar import Litestar
from litestar._asgi.utils import is_valid_host  # the Host rule Litestar's router applies
from litestar.enums import ScopeType
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.types import ASGIApp, HTTPScope, Receive, Scope, Send

from feedback_service import logs
from feedback_service.api.body import decode_strict
from feedback_service.api.problems import PROBLEM_JSON, problem_content, problem_for
from feedback_service.api.request_checks import json_media
from feedback_service.api.schemas import TicketIn
from feedback_service.api.security import authenticate, require_role
from feedback_service.api.tickets import (
    BASE,
    READERS,
    REPORTERS,
    read_ticket,
    report_ticket,
    ticket_headers,
)
from feedback_service.api.wire import ticket_out
from feedback_service.context import CONTEXT_KEY, ServiceContext
from feedback_service.observe import route_started
from feedback_service.store.records import StoredTicket

__all__ = ["HotRoutes"]

_ONE = BASE + "/"
_JSON = b"application/json"
Answer = tuple[int, list[tuple[bytes, bytes]], bytes, bytes]
"""A response's status, headers, media type and body."""
_LENGTH_DIGITS = 15
"""A longer ``Content-Length`` is Litestar's to refuse (``int`` of a huge one would raise)."""
_encode = msgspec.json.Encoder().encode


class HotRoutes:
    """ASGI middleware: the ticket's report and read answered directly when they are ordinary."""

    def __init__(self, app: ASGIApp, litestar: Litestar, *, max_body: int) -> None:
        self.app = app
        self._litestar = litestar
        self._max_body = max_body
        # The templates Litestar's router names these routes by (the log line's and the metrics'
        # label), asked of the router itself.
        self._report = _template(litestar, "POST", BASE)
        self._read = _template(litestar, "GET", _ONE + "x")
        self.answered = 0
        """Requests answered here rather than by Litestar (for tests and benchmarks)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and not scope.get("query_string") and not scope.get("root_path"):
            ctx: ServiceContext | None = self._litestar.state.get(CONTEXT_KEY)
            path: str = scope["path"]
            method = scope["method"]
            if ctx is not None and "\x00" not in path and _host_valid(scope):
                if method == "GET" and path.startswith(_ONE) and self._routes_to(path, method, self._read):
                    ticket_id = path[len(_ONE) :]
                    if ticket_id and "/" not in ticket_id:
                        await self._answer_read(scope, send, ctx, ticket_id)
                        return
                elif method == "POST" and path == BASE and self._takes_body(scope):
                    await self._answer_report(scope, receive, send, ctx)
                    return
        await self.app(scope, receive, send)

    def _routes_to(self, path: str, method: str, template: str) -> bool:
        """Whether Litestar's router sends ``method path`` to the route of ``template`` (a sibling such
        as ``/api/v1/tickets/batch`` is not the read, whatever its method); its look-up is cached."""
        try:
            found: str = self._litestar.asgi_router.handle_routing(path=path, method=method)[4]
        except Exception:  # no such route, or not for this method: Litestar answers
            return False
        return found == template

    def _takes_body(self, scope: Scope) -> bool:
        """One JSON ``Content-Type`` and one declared, non-zero length within the limit (else Litestar
        answers: it reads the first of repeated headers, and refuses lengths it cannot parse)."""
        length = content_type = None
        for key, value in scope["headers"]:
            key = key.lower()
            if key == b"content-length":
                if length is not None:
                    return False
                length = value
            elif key == b"content-type":
                if content_type is not None:
                    return False
                content_type = value
        if length is None or content_type is None or len(length) > _LENGTH_DIGITS or not length.isdigit():
            return False
        if not 0 < int(length) <= self._max_body:
            return False
        media = content_type.split(b";", 1)[0].strip().lower()
        return media == _JSON or json_media(media.decode("latin-1"))

    async def _answer(
        self, scope: Scope, send: Send, template: str, work: Callable[[], Awaitable[Answer | None]]
    ) -> None:
        """Run ``work`` counted under the route of ``template``, and send what it answers, or the
        problem of what it raised (``None``: the client went away, nobody to answer)."""
        self.answered += 1
        counts = _routed(scope, template)
        try:
            try:
                answer = await work()
            except Exception as exc:
                answer = _problem_answer(exc, scope)
            if answer is not None:
                await _send(send, *answer)
        finally:
            if counts is not None:
                counts.in_progress.dec()

    async def _answer_read(self, scope: Scope, send: Send, ctx: ServiceContext, ticket_id: str) -> None:
        async def read() -> Answer:
            principal = await authenticate(scope, ctx)
            require_role(principal, *READERS)
            return _ticket_answer(await read_ticket(ctx, principal, ticket_id), 200, location=False)

        await self._answer(scope, send, self._read, read)

    async def _answer_report(self, scope: Scope, receive: Receive, send: Send, ctx: ServiceContext) -> None:
        async def report() -> Answer | None:
            # As Litestar's route: the guard first, then the body (a caller without a valid token is
            # refused before its body is read).
            principal = await authenticate(scope, ctx)
            require_role(principal, *REPORTERS)
            body = await _body(receive, self._max_body)
            if body is None:  # the client went away before its body arrived
                return None
            status, ticket = await report_ticket(ctx, principal, decode_strict(body, TicketIn))
            return _ticket_answer(ticket, status, location=True)

        await self._answer(scope, send, self._report, report)


def _template(app: Litestar, method: str, path: str) -> str:
    template: str = app.asgi_router.handle_routing(path=path, method=method)[4]
    return template


def _routed(scope: Scope, template: str) -> Any:
    """Counted under ``template`` as Litestar's route would be (RouteObserver's rule)."""
    scope["path_template"] = template
    entry = logs.current()
    return None if entry is None else route_started(entry, cast("HTTPScope", scope)["method"], template)


def _host_valid(scope: Scope) -> bool:
    for key, value in scope["headers"]:
        if key == b"host" or key.lower() == b"host":
            return is_valid_host(value)
    return True


async def _body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or ``None`` if the client disconnected first; Litestar's 413 beyond ``limit``
    (a server that does not hold the client to its declared length)."""
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise RequestEntityTooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _ticket_answer(ticket: StoredTicket, status: int, *, location: bool) -> Answer:
    """What :func:`~feedback_service.api.tickets.ticket_response` answers, as Litestar sends it."""
    return status, _pairs(ticket_headers(ticket, location=location)), _JSON, _encode(ticket_out(ticket))


def _problem_answer(exc: Exception, scope: Scope) -> Answer:
    problem, extra = problem_for(exc, cast("HTTPScope", scope)["method"], scope["path"])
    return problem.status, _pairs(extra), PROBLEM_JSON.encode(), problem_content(problem)


def _pairs(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    """Headers as ASGI sends them (names in lower case, as Litestar's ``Response`` does)."""
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


async def _send(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], media: bytes, body: bytes
) -> None:
    headers.append((b"content-type", media))
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
