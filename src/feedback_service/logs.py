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

import contextvars
import datetime as dt
import json
import logging
import sys
from typing import IO, Any

import attrs
from litestar.types import Scope

__all__ = [
    "ACCESS",
    "FORMATTERS",
    "JsonFormatter",
    "RequestLog",
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
    if ACCESS.isEnabledFor(level):
        # The record made here, not by ACCESS.log: its search of the stack for the caller's file and
        # line (which no line shows) cost more than the rest of the record.
        ACCESS.handle(
            ACCESS.makeRecord(ACCESS.name, level, __file__, 0, "request", (), None, extra={"fields": line})
        )


_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time, level, logger, message, the request id, its fields."""

    def format(self, record: logging.LogRecord) -> str:
        moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
        data: dict[str, Any] = {
            # 2026-12-01T19:50:31.123Z (isoformat truncates to milliseconds, as microsecond // 1000 did)
            "ts": moment.isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry = _current.get()
        if entry is not None:
            data["request_id"] = entry.request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            data.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            data["error"] = record.exc_info[0].__name__
            data["traceback"] = self.formatException(record.exc_info)
        return _ENCODER.encode(data)  # what json.dumps(data, ensure_ascii=False, default=str) makes anew


class TextFormatter(logging.Formatter):
    """A record as a line for a person at a terminal (``FEEDBACK_LOG_FORMAT=text``, what ``demo``
    uses): local time, level, then a request's method, route, status and duration, or the logger and
    message; the other fields as ``key=value``. The same fields as :class:`JsonFormatter`, so it holds
    no more than the JSON line does::

        14:02:07 info    GET /api/v1/tickets/{ticket_id} 200 3.1 ms token_id=tok_3f9a0c1b2d4e
    """

    _SHOWN = frozenset({"method", "route", "status", "duration_ms", "request_id"})

    def format(self, record: logging.LogRecord) -> str:
        moment = dt.datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        fields = getattr(record, "fields", None)
        fields = fields if isinstance(fields, dict) else {}
        if record.name == ACCESS.name and "method" in fields:
            what = (
                f"{fields['method']} {fields.get('route') or '(no route)'} {fields.get('status')} "
                f"{fields.get('duration_ms')} ms"
            )
        else:
            what = f"{record.name}: {record.getMessage()}"
        rest = " ".join(f"{k}={v}" for k, v in fields.items() if k not in self._SHOWN and v is not None)
        line = f"{moment} {record.levelname.lower():<7} {what}" + (f" {rest}" if rest else "")
        if record.exc_info and record.exc_info[0] is not None:
            line += "\n" + self.formatException(record.exc_info)
        return line


FORMATTERS: dict[str, type[logging.Formatter]] = {"json": JsonFormatter, "text": TextFormatter}
"""``FEEDBACK_LOG_FORMAT``'s choices: JSON lines for a log collector (the default), text for a person."""


def configure_logging(
    level: str = "INFO", stream: IO[str] | None = None, log_format: str = "json"
) -> logging.Handler:
    """Send the service's logs (``feedback_service.*``) to ``stream`` (stderr), as JSON lines or as
    text (:data:`FORMATTERS`)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(FORMATTERS[log_format]())
    logger = logging.getLogger("feedback_service")
    ours = tuple(FORMATTERS.values())
    for old in [h for h in logger.handlers if isinstance(h.formatter, ours)]:
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False
    # Alembic says "Context impl ..." whenever /readyz looks at the schema revision: not worth a line.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return handler
