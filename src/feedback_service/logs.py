"""Structured logs: one JSON object per line, one line per request, nothing a citizen said.

Every request gets an id: the caller's ``X-Request-ID`` when it is a plain token of at most 64
characters (letters, digits, ``.``, ``_``, ``:``, ``-``), else a new one; it is returned in the
response's ``X-Request-ID`` and stamped on every line logged while the request runs. When the
request ends :class:`feedback_service.observe.RequestObserver` writes its line::

    {"ts": "2026-12-01T19:50:31.123Z", "level": "info", "logger": "feedback_service.access",
     "message": "request", "request_id": "5c0f…", "method": "POST",
     "route": "/api/v1/tickets/{ticket_id}/transitions", "status": 412, "duration_ms": 4.1,
     "token_id": "tok_3f9a0c1b2d4e", "problem": "precondition-failed"}

What it never holds: a token or any part of one, a cookie, a body, a query string, a raw path (so
no ticket id either: the route is the template), a description, a household reference. A refused
authentication says why (``reason``: missing, malformed, unknown, revoked, and on the dashboard
bad_token or not_official); a refused write (a problem answer to POST, PUT, PATCH or DELETE) is
logged at ``warning`` with its problem code, and so is a batch with rejected items
(``rejected``). Database errors never carry the values of their statements
(``hide_parameters``), so an unexpected error's traceback holds no citizen text either.
"""

from __future__ import annotations

import abc
import contextvars
import datetime as dt
import logging
import sys
import time
from typing import IO, Any

import attrs
import msgspec
from litestar.types import Scope

__all__ = [
    "ACCESS",
    "FORMATTERS",
    "JsonFormatter",
    "LineFormatter",
    "RequestLog",
    "ServiceHandler",
    "TextFormatter",
    "configure_logging",
    "current",
    "enter",
    "identify",
    "leave",
    "log_request",
    "note",
    "problem",
    "refuse",
]

ACCESS = logging.getLogger("feedback_service.access")
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@attrs.define
class RequestLog:
    """What one request's log line will say, filled in as the request runs."""

    request_id: str
    token_id: str | None = None
    reason: str | None = None
    problem: str | None = None
    fields: dict[str, str | int | float | bool | None] = attrs.field(factory=dict)
    route: Any = None
    """Set once a route matched: what :mod:`feedback_service.observe` counts the request under."""


_current: contextvars.ContextVar[RequestLog | None] = contextvars.ContextVar("feedback_request", default=None)


def current() -> RequestLog | None:
    """The running request's log entry (``None`` outside a request)."""
    return _current.get()


def identify(token_id: str) -> None:
    """The caller's token id (its public ``tok_…`` name, never the secret) for this request's line."""
    entry = _current.get()
    if entry is not None:
        entry.token_id = token_id


def refuse(reason: str) -> None:
    """Why this request's caller was refused (a code such as ``revoked``: never what it sent)."""
    entry = _current.get()
    if entry is not None:
        entry.reason = reason


def note(**fields: str | int | float | bool | None) -> None:
    """Add fields (counts and codes only) to this request's line."""
    entry = _current.get()
    if entry is not None:
        entry.fields.update(fields)


def problem(code: str) -> None:
    """The problem code (``/problems/<code>``) this request was answered with."""
    entry = _current.get()
    if entry is not None:
        entry.problem = code


def enter(entry: RequestLog) -> contextvars.Token[RequestLog | None]:
    """Make ``entry`` the running request's (until :func:`leave`)."""
    return _current.set(entry)


def leave(token: contextvars.Token[RequestLog | None]) -> None:
    """End the request :func:`enter` began."""
    _current.reset(token)


def log_request(entry: RequestLog, scope: Scope, status: int, seconds: float) -> None:
    method = scope.get("method", "")
    refused_write = method in _WRITES and 400 <= status < 500
    rejected = bool(entry.fields.get("rejected"))
    level = logging.WARNING if refused_write or status in (401, 403) or rejected else logging.INFO
    if status >= 500:
        level = logging.ERROR
    line: dict[str, Any] = {
        "request_id": entry.request_id,
        "method": method,
        "route": scope.get("path_template"),
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
        "token_id": entry.token_id,
    }
    if entry.problem is not None:
        line["problem"] = entry.problem
    if entry.reason is not None:
        line["reason"] = entry.reason
    line.update(entry.fields)
    direct = _direct
    if direct is not None and direct.takes(level):
        direct.write_request(level, line)
    elif ACCESS.isEnabledFor(level):
        # The record made here, not by ACCESS.log: its search of the stack for the caller's file and
        # line (which no line shows) cost more than the rest of the record.
        ACCESS.handle(
            ACCESS.makeRecord(ACCESS.name, level, __file__, 0, "request", (), None, extra={"fields": line})
        )


_ENCODER = msgspec.json.Encoder(enc_hook=str)
"""JSON as ``json.dumps(data, ensure_ascii=False, default=str)`` would say it, without the spaces."""


class LineFormatter(logging.Formatter, abc.ABC):
    """A formatter that also makes a request's line without a ``LogRecord`` (:class:`ServiceHandler`)."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        error = None
        if record.exc_info and record.exc_info[0] is not None:
            error = (record.exc_info[0].__name__, self.formatException(record.exc_info))
        return self.line(
            record.created,
            record.levelname,
            record.name,
            record.getMessage(),
            fields if isinstance(fields, dict) else {},
            error,
        )

    @abc.abstractmethod
    def line(
        self,
        created: float,
        level: str,
        logger: str,
        message: str,
        fields: dict[str, Any],
        error: tuple[str, str] | None = None,
    ) -> str:
        """The line of ``message`` logged at ``created`` (Unix seconds) with ``fields``, and an
        exception's name and traceback if one was logged."""


class JsonFormatter(LineFormatter):
    """A record as one line of JSON: time, level, logger, message, the request id, its fields."""

    def line(
        self,
        created: float,
        level: str,
        logger: str,
        message: str,
        fields: dict[str, Any],
        error: tuple[str, str] | None = None,
    ) -> str:
        moment = dt.datetime.fromtimestamp(created, dt.UTC)
        data: dict[str, Any] = {
            # 2026-12-01T19:50:31.123Z (isoformat truncates to milliseconds, as microsecond // 1000 did)
            "ts": moment.isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z",
            "level": level.lower(),
            "logger": logger,
            "message": message,
        }
        entry = _current.get()
        if entry is not None:
            data["request_id"] = entry.request_id
        data.update(fields)
        if error is not None:
            data["error"], data["traceback"] = error
        return _ENCODER.encode(data).decode()


class TextFormatter(LineFormatter):
    """A record as a line for a person at a terminal (``FEEDBACK_LOG_FORMAT=text``, what ``demo``
    uses): local time, level, then a request's method, route, status and duration, or the logger and
    message; the other fields as ``key=value``. The same fields as :class:`JsonFormatter`, so it holds
    no more than the JSON line does::

        14:02:07 info    GET /api/v1/tickets/{ticket_id} 200 3.1 ms token_id=tok_3f9a0c1b2d4e
    """

    _SHOWN = frozenset({"method", "route", "status", "duration_ms", "request_id"})

    def line(
        self,
        created: float,
        level: str,
        logger: str,
        message: str,
        fields: dict[str, Any],
        error: tuple[str, str] | None = None,
    ) -> str:
        moment = dt.datetime.fromtimestamp(created).strftime("%H:%M:%S")
        if logger == ACCESS.name and "method" in fields:
            what = (
                f"{fields['method']} {fields.get('route') or '(no route)'} {fields.get('status')} "
                f"{fields.get('duration_ms')} ms"
            )
        else:
            what = f"{logger}: {message}"
        rest = " ".join(f"{k}={v}" for k, v in fields.items() if k not in self._SHOWN and v is not None)
        line = f"{moment} {level.lower():<7} {what}" + (f" {rest}" if rest else "")
        return line if error is None else f"{line}\n{error[1]}"


class ServiceHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler :func:`configure_logging` installs; it also writes request lines directly.

    A request's line is the one thing logged for every request, and ``logging``'s way (a ``LogRecord``,
    the logger's and handler's filters and levels, ``format``) cost about a sixth of an authenticated
    read (docs/performance.md). While this handler is the only one that would see the access logger's
    line, :func:`log_request` hands it the fields and it writes the same line its formatter would make
    from a record, in the same order with every other line (under the handler's lock). Add a handler or
    a filter and every line goes through ``logging`` again.
    """

    def takes(self, level: int) -> bool:
        """Whether a request line at ``level`` would reach this handler alone, unfiltered."""
        return (
            ACCESS.isEnabledFor(level)
            and level >= self.level
            and not ACCESS.handlers
            and not ACCESS.filters
            and not self.filters
            and _SERVICE.handlers == [self]
            and not _SERVICE.filters
            and not _SERVICE.propagate
            and isinstance(self.formatter, LineFormatter)
        )

    def write_request(self, level: int, fields: dict[str, Any]) -> None:
        """Write the access logger's ``request`` line with ``fields``, now."""
        formatter = self.formatter
        assert isinstance(formatter, LineFormatter)
        text = formatter.line(time.time(), logging.getLevelName(level), ACCESS.name, "request", fields)
        with self.lock:  # type: ignore[union-attr]
            try:
                self.stream.write(text + self.terminator)
                self.flush()
            except (OSError, ValueError):  # as Handler.handleError would: logging never stops the service
                pass


FORMATTERS: dict[str, type[logging.Formatter]] = {"json": JsonFormatter, "text": TextFormatter}
"""``FEEDBACK_LOG_FORMAT``'s choices: JSON lines for a log collector (the default), text for a person."""


def configure_logging(
    level: str = "INFO", stream: IO[str] | None = None, log_format: str = "json"
) -> logging.Handler:
    """Send the service's logs (``feedback_service.*``) to ``stream`` (stderr), as JSON lines or as
    text (:data:`FORMATTERS`)."""
    global _direct
    handler = ServiceHandler(stream or sys.stderr)
    handler.setFormatter(FORMATTERS[log_format]())
    ours = tuple(FORMATTERS.values())
    for old in [h for h in _SERVICE.handlers if isinstance(h.formatter, ours)]:
        _SERVICE.removeHandler(old)
    _SERVICE.addHandler(handler)
    _SERVICE.setLevel(level.upper())
    _SERVICE.propagate = False
    _direct = handler
    # Alembic says "Context impl ..." whenever /readyz looks at the schema revision: not worth a line.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return handler


_SERVICE = logging.getLogger("feedback_service")
_direct: ServiceHandler | None = None
"""The handler :func:`configure_logging` installed last (request lines go to it directly while
:meth:`ServiceHandler.takes` says nothing else would see them)."""
