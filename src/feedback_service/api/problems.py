"""Every error as an RFC 9457 problem (``application/problem+json``), never a traceback.

A problem has a ``type`` (``/problems/<code>``, documented in ``docs/service.md``), a ``title``
that is the same for every problem of that type, a ``detail`` about this occurrence, and, for
invalid input, ``errors``: one entry per field with its JSON path (``$.categories[0]``) or
parameter name and what is wrong with it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from feedback_service import logs

__all__ = [
    "PROBLEM_JSON",
    "FieldProblem",
    "Problem",
    "ProblemError",
    "exception_handlers",
    "field_problem_from_msgspec",
    "problem_content",
    "problem_for",
    "problem_response",
    "validation_error",
]

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("feedback_service")

TITLES: Mapping[str, str] = {
    "bad-request": "The request is malformed",
    "malformed-json": "The body is not valid JSON",
    "validation": "The request has invalid fields",
    "unauthorized": "A valid bearer token is required",
    "forbidden": "This token's role may not do this",
    "not-found": "No such resource",
    "method-not-allowed": "Method not allowed on this resource",
    "id-conflict": "The id is already used by different content",
    "lifecycle": "The ticket's lifecycle forbids this action",
    "precondition-failed": "The ticket changed since you read it",
    "precondition-required": "If-Match with the ticket's ETag is required",
    "too-large": "The request body is too large",
    "unsupported-media-type": "The body must be JSON",
    "too-many-failures": "Too many failed authentications from here; wait and retry",
    "not-ready": "The service is not ready",
    "enrollment-unknown": "No such enrollment code",
    "enrollment-expired": "The enrollment code has expired",
    "enrollment-used": "The enrollment code was already used",
    "internal": "Internal error",
}


class FieldProblem(msgspec.Struct, omit_defaults=True):
    """What is wrong with one field or parameter."""

    path: str
    """A JSON path into the body (``$.categories[0]``) or a parameter or header name."""
    message: str
    location: str = msgspec.field(default="body", name="in")
    """``body``, ``query``, ``path`` or ``header``."""


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem; ``code`` is the last segment of ``type``."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str | None = None
    errors: list[FieldProblem] | None = None
    current_version: int | None = None
    """For ``precondition-failed``: the ticket's version now."""


class ProblemError(Exception):
    """Raise anywhere under a handler to answer with a problem."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str | None = None,
        *,
        errors: Iterable[FieldProblem] = (),
        headers: Mapping[str, str] | None = None,
        current_version: int | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})
        self.current_version = current_version
        super().__init__(f"{status} {code}: {detail}")

    def problem(self, instance: str | None = None) -> Problem:
        return Problem(
            type=f"/problems/{self.code}",
            title=TITLES.get(self.code, self.code),
            status=self.status,
            detail=self.detail,
            instance=instance,
            code=self.code,
            errors=self.errors or None,
            current_version=self.current_version,
        )


def validation_error(errors: Iterable[FieldProblem], detail: str | None = None) -> ProblemError:
    """A 422 for fields that decode but break a rule."""
    errors = list(errors)
    if detail is None:
        detail = "; ".join(f"{e.path}: {e.message}" for e in errors)
    return ProblemError(422, "validation", detail, errors=errors)


_AT = re.compile(r"^(?P<message>.*?)(?: - at `(?P<path>[^`]*)`)?$", re.DOTALL)
_UNKNOWN_FIELD = re.compile(r"^Object contains unknown field `(?P<field>[^`]*)`$")
_MISSING_FIELD = re.compile(r"^Object missing required field `(?P<field>[^`]*)`$")


def field_problem_from_msgspec(message: str, root: str = "$") -> FieldProblem:
    """A field problem from a msgspec validation message ("Expected `int`, got `str` - at `$.n`").

    Unknown and missing fields name the field itself in the path (``$.extra``), not its parent.
    """
    match = _AT.match(message)
    text = message if match is None else match["message"]
    path = root if match is None or match["path"] is None else root + match["path"][1:]
    for pattern, what in ((_UNKNOWN_FIELD, "unknown field"), (_MISSING_FIELD, "required field missing")):
        field = pattern.match(text)
        if field is not None:
            return FieldProblem(f"{path}.{field['field']}", what)
    return FieldProblem(path, text)


def problem_content(problem: Problem) -> bytes:
    """The body of ``problem``'s response (and its code noted for the request's log line)."""
    logs.problem(problem.type.rsplit("/", 1)[-1])
    return msgspec.json.encode(problem)


def problem_response(problem: Problem, headers: Mapping[str, str] | None = None) -> Response[bytes]:
    """The HTTP response for ``problem``."""
    return Response(
        content=problem_content(problem),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=dict(headers or {}),
    )


def problem_for(exc: Exception, method: str, path: str) -> tuple[Problem, dict[str, str]]:
    """The problem (and its headers) that answers ``exc``, raised while serving ``method path``.

    The one translation of exceptions: the app's exception handlers and the hot routes
    (:mod:`feedback_service.api.hot_routes`) both answer with it. Anything not foreseen is logged
    with its traceback and answered as a 500 ``internal`` problem.
    """
    if isinstance(exc, ProblemError):
        return exc.problem(path), exc.headers
    if isinstance(exc, msgspec.DecodeError):
        if isinstance(exc, msgspec.ValidationError):
            error = field_problem_from_msgspec(str(exc))
            return problem_for(validation_error([error]), method, path)
        return problem_for(
            ProblemError(400, "malformed-json", f"the body is not valid JSON: {exc}"), method, path
        )
    if isinstance(exc, ValidationException):
        return problem_for(_from_validation(exc), method, path)
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        return _from_http(exc, path)
    log.exception("unhandled error on %s %s", method, path, exc_info=exc)
    return ProblemError(500, "internal", "the error was logged; please retry later").problem(path), {}


def _from_validation(exc: ValidationException) -> ProblemError:
    errors = []
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if not isinstance(item, dict):
            continue
        raw_source = item.get("source", "query")
        source = str(getattr(raw_source, "value", raw_source))
        key = str(item.get("key", ""))
        if source == "body" and key == "data":
            return ProblemError(400, "bad-request", "the request needs a JSON body")
        errors.append(FieldProblem(key, str(item.get("message", "invalid")), source))
    detail = "; ".join(f"{e.location} {e.path}: {e.message}" for e in errors) or exc.detail
    return ProblemError(400, "bad-request", detail, errors=errors)


_HTTP_CODES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "too-large",
    415: "unsupported-media-type",
    503: "not-ready",
}


def _from_http(exc: HTTPException, path: str) -> tuple[Problem, dict[str, str]]:
    status = exc.status_code
    code = _HTTP_CODES.get(status, "bad-request")
    detail = exc.detail if exc.detail and exc.detail != code else None
    if status == 404:
        detail = f"no resource at {path}"
    elif status == 413:
        detail = "the body is larger than this endpoint accepts"
    headers = dict(exc.headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="feedback"')
    return ProblemError(status, code, detail).problem(path), headers


def _on_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    return problem_response(*problem_for(exc, request.method, request.url.path))


def exception_handlers() -> ExceptionHandlersMap:
    """The handlers to install on the app, most specific first."""
    return {
        ProblemError: _on_exception,
        msgspec.DecodeError: _on_exception,
        ValidationException: _on_exception,
        HTTPException: _on_exception,
        Exception: _on_exception,
    }
