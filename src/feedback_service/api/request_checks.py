"""Checks every request passes before its handler runs, whatever the route (API or dashboard).

- A NUL character in the path or a query parameter is a 400: PostgreSQL cannot compare text
  holding one, and a file name holding one makes the operating system refuse it, so it would
  otherwise surface as a 500 from the store or from the static files.
- A handler that takes a JSON body is sent JSON: any other ``Content-Type`` (or none) is a 415,
  so a form or a text body is never read as JSON by accident.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import BodyKwarg

from feedback_service.api.problems import FieldProblem, ProblemError

__all__ = ["check_request", "json_media", "takes_json"]


def takes_json(request: Request[Any, Any, Any]) -> bool:
    """Whether the route's handler decodes a JSON body."""
    field = request.route_handler.parsed_data_field
    if field is None:
        return False
    kwarg = field.kwarg_definition
    return not isinstance(kwarg, BodyKwarg) or kwarg.media_type == RequestEncodingType.JSON


def json_media(media_type: str) -> bool:
    """Whether a (lower-case) media type is JSON: ``application/json`` or ``application/*+json``."""
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def check_request(request: Request[Any, Any, Any]) -> None:
    """Raise a problem for a request no handler should see (the app's ``before_request``)."""
    path = str(request.scope.get("path", ""))
    if "\x00" in path:
        raise ProblemError(
            400,
            "bad-request",
            "the path holds a NUL character",
            errors=[FieldProblem("path", "holds a NUL character", "path")],
        )
    # Parsed only if there is a query: most requests have none, and parsing costs more than the rest.
    for name, value in request.query_params.multi_items() if request.scope.get("query_string") else ():
        if "\x00" in name or "\x00" in value:
            raise ProblemError(
                400,
                "bad-request",
                f"{name.replace(chr(0), '')}: holds a NUL character",
                errors=[FieldProblem(name.replace("\x00", ""), "holds a NUL character", "query")],
            )
    if takes_json(request):
        media_type, _ = request.content_type
        if not json_media(media_type.lower()):
            raise ProblemError(
                415,
                "unsupported-media-type",
                f"send the body as application/json, not {media_type or 'without a Content-Type'}",
                errors=[FieldProblem("Content-Type", "must be application/json", "header")],
            )
