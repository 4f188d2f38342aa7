"""The OpenAPI document is the contract: every status and content type an operation answers is in it.

Litestar documents an operation's success and, for one with parameters, a 400 in its own shape
(``application/json``). The service answers more, and every error as an RFC 9457 problem
(``application/problem+json``), so after the app is built :func:`document_contract` states, for
every operation under ``/api/v1`` (and the probes), what it may answer:

- 400 ``bad-request`` on every operation (a NUL in the path or a query parameter, a bad parameter);
- 401 and 403 on every operation that takes a token (429 is added by the throttle);
- 404 on every operation with a path parameter (outside your scope is the same as missing);
- 413, 415 and 422 on every operation that takes a JSON body;
- what one operation alone answers: a replay's 200 and a conflict's 409 for the idempotent
  creations, 409/412/428 for a transition, 409 for a token bound to a team of another commune,
  503 for readiness;
- ``text/csv`` beside JSON for the operations with a ``format`` parameter;
- links from a created ticket (``201``, or a replay's ``200``) to reading it, its history, a
  transition (with its ``ETag`` as ``If-Match``) and an occurrence, and from a transition's answer
  to the next transition: the paths a client follows, which Schemathesis's stateful run follows too.

``tests/service/test_schema_fuzz.py`` holds the service to it with Schemathesis.
"""

from __future__ import annotations

from collections.abc import Mapping

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Link, OpenAPI, OpenAPIMediaType, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.routes import HTTPRoute

from feedback_service.api.problems import PROBLEM_JSON, Problem
from feedback_service.api.schemas import OccurrenceOut, TicketList, TicketOut
from feedback_service.api.security import takes_token

__all__ = ["document_contract"]

_WHEN = {
    400: "A malformed request: a bad parameter or body, a NUL character in the path or a parameter.",
    401: "No token, another scheme, an unknown or revoked token (`WWW-Authenticate: Bearer`).",
    403: "The token's role may not do this.",
    404: "No such resource within your scope (another commune's is answered the same).",
    409: "The id already names other content, or the lifecycle forbids the action.",
    412: "`If-Match` is stale: `current_version` and `ETag` give the version now.",
    413: "The body is larger than this endpoint accepts.",
    415: "The body is not sent as `application/json`.",
    422: "Fields that decode but break a rule, each named by its JSON path.",
    428: "`If-Match` with the ticket's ETag is required.",
    503: "The database does not answer, or its schema is not current.",
}

_REPLAY = {
    "POST /api/v1/tickets": (TicketOut, "A replay: the same id and content again; the ticket as stored now."),
    "POST /api/v1/tickets/{ticket_id}/occurrences": (
        OccurrenceOut,
        "A replay: the same occurrence id and content again; the ticket as it is now.",
    ),
}
_EXTRA: Mapping[str, tuple[int, ...]] = {
    "POST /api/v1/tickets": (409,),
    "POST /api/v1/tickets/{ticket_id}/occurrences": (409,),
    "POST /api/v1/tickets/{ticket_id}/transitions": (409, 412, 428),
    "POST /api/v1/tokens": (409,),
    "GET /api/v1/ready": (503,),
    "GET /readyz": (503,),
}
_SUCCESS = {"GET /api/v1/tickets": TicketList}
"""Operations whose annotation (JSON or a CSV stream) is wider than the JSON they answer."""


def _problem(status: int) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        media_type=PROBLEM_JSON,
        description=_WHEN[status],
        generate_examples=False,
    )


def _statuses(route: HTTPRoute, handler: HTTPRouteHandler, key: str) -> set[int]:
    statuses = {400, *_EXTRA.get(key, ())}
    if takes_token(handler):
        statuses |= {401, 403}
    if route.path_parameters:
        statuses.add(404)
    if handler.parsed_data_field is not None:
        statuses |= {413, 415, 422}
    return statuses


_NO_TOKEN = ("/api/v1/health", "/livez", "/health", "/api/v1/ready", "/readyz")
"""The operations that need no token (the document's default is the bearer scheme)."""


def _is_api(path: str) -> bool:
    return path.startswith("/api/") or path in ("/livez", "/health", "/readyz", "/metrics")


def document_contract(app: Litestar) -> None:
    """State every answer of every API operation in the app's OpenAPI document (call it once,
    after the app is built and before its schema is first served)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not _is_api(route.path):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            for method in handler.http_methods:
                key = f"{method} {route.path_format}"
                responses = dict(handler.responses or {})
                for status in sorted(_statuses(route, handler, key)):
                    responses.setdefault(status, _problem(status))
                if key in _REPLAY:
                    model, description = _REPLAY[key]
                    responses[200] = ResponseSpec(model, description=description, generate_examples=False)
                if key in _SUCCESS:
                    responses[200] = ResponseSpec(
                        _SUCCESS[key], description="A page.", generate_examples=False
                    )
                handler.responses = responses
    # The document is built on its first request, once; what only the built document can hold (a
    # second content type, links) is added then, so building an app stays as cheap as before.
    app.plugins.get(OpenAPIPlugin).__class__ = _ContractPlugin


class _ContractPlugin(OpenAPIPlugin):
    """Litestar 2's OpenAPI plugin, finishing the document it builds with the contract's additions."""

    __slots__ = ()

    def _build_openapi(self) -> OpenAPI:
        schema = super()._build_openapi()
        paths = schema.paths or {}
        _link(paths)
        for path in _NO_TOKEN:  # the probes answer anyone: say so, or clients send a token they lack
            probe = _operation(paths, path, "get")
            if probe is not None:
                probe.security = []
        for route in self.app.routes:
            if not isinstance(route, HTTPRoute) or not _is_api(route.path):
                continue
            for handler in route.route_handlers:
                if "format" not in handler.parsed_fn_signature.parameters:
                    continue
                for method in handler.http_methods:
                    _also_csv(_operation(paths, route.path_format, method.lower()))
        return schema


def _also_csv(operation: Operation | None) -> None:
    ok = None if operation is None or operation.responses is None else operation.responses.get("200")
    content = getattr(ok, "content", None)
    if content is not None:
        content["text/csv"] = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))


_TICKET = "/api/v1/tickets/{ticket_id}"
_FROM_TICKET = {
    "read": (_TICKET, "get", {"ticket_id": "$response.body#/id"}),
    "history": (_TICKET + "/history", "get", {"ticket_id": "$response.body#/id"}),
    "transition": (
        _TICKET + "/transitions",
        "post",
        {"ticket_id": "$response.body#/id", "header.If-Match": "$response.header.ETag"},
    ),
    "occurrence": (_TICKET + "/occurrences", "post", {"ticket_id": "$response.body#/id"}),
}
_LINKED = {
    ("/api/v1/tickets", "post"): ("200", "201"),
    (_TICKET + "/transitions", "post"): ("200",),
}


def _operation(paths: Mapping[str, object], path: str, verb: str) -> Operation | None:
    item = paths.get(path)
    operation = getattr(item, verb, None) if item is not None else None
    return operation if isinstance(operation, Operation) else None


def _link(paths: Mapping[str, object]) -> None:
    """OpenAPI links from each answer that returns a ticket to what a client does next with it."""
    for (path, verb), statuses in _LINKED.items():
        source = _operation(paths, path, verb)
        if source is None or source.responses is None:
            continue
        links: dict[str, Link] = {}
        for name, (target_path, target_verb, parameters) in _FROM_TICKET.items():
            target = _operation(paths, target_path, target_verb)
            if target is not None and target.operation_id is not None:
                links[name] = Link(operation_id=target.operation_id, parameters=dict(parameters))
        for status in statuses:
            response = source.responses.get(status)
            if response is not None and hasattr(response, "links"):
                response.links = dict(links)
