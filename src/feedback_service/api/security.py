"""The bearer-token check, as a Litestar dependency, and the role checks, as Litestar guards.

A controller (or one route) says once who may call it: ``guards=[allow(Role.OFFICIAL)]``. The guard
authenticates the caller (a 401 problem), refuses another role (a 403 problem) and keeps the caller
for the request, so a handler's ``principal`` is the same one, checked once.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import Scope

from feedback_service import logs
from feedback_service.api.problems import PROBLEM_JSON, Problem, ProblemError
from feedback_service.auth.principal import Principal, Role
from feedback_service.auth.throttle import Guard
from feedback_service.context import CONTEXT_KEY, ServiceContext
from feedback_service.metrics import TOKEN_CHECKS

__all__ = [
    "RoleGuard",
    "allow",
    "authenticate",
    "caller",
    "client_address",
    "document_throttling",
    "require_role",
    "scope_address",
    "takes_token",
    "too_many_failures",
]

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="feedback"'}


async def authenticate(scope: Scope, ctx: ServiceContext) -> Principal:
    """The caller of the request of ``scope`` behind ``Authorization: Bearer <token>``, or a 401
    (429 when throttled) problem.

    A valid token's check may be answered from the worker's ``CheckMemo`` (auth/tokens.py) while
    nothing it read has changed; every refusal is checked (and counted) in full. Takes the ASGI
    scope, not a ``Request``: the hot routes (:mod:`feedback_service.api.hot_routes`) build none.
    """
    header = _authorization(scope)
    if header is None:
        TOKEN_CHECKS.labels(outcome="missing").inc()
        logs.refuse("missing")
        raise ProblemError(401, "unauthorized", "send Authorization: Bearer <token>", headers=_CHALLENGE)
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    address = scope_address(scope)

    def guard() -> Guard:
        return ctx.throttle.guard(address, secret, ctx.now())

    if scheme.lower() != "bearer" or not secret:
        TOKEN_CHECKS.labels(outcome="malformed").inc()
        logs.refuse("malformed")
        await _failed(ctx, guard(), "malformed_header")
        raise ProblemError(
            401, "unauthorized", "the Authorization header must be Bearer <token>", headers=_CHALLENGE
        )
    check = await ctx.checks.check(ctx.db, secret, address, guard)
    if check.retry_after is not None:
        ctx.throttle.refused(guard(), "api", check.retry_after)
        logs.refuse("throttled")
        raise too_many_failures(check.retry_after)
    principal = check.principal
    if principal is None:
        logs.refuse(check.outcome)
        await _failed(ctx, guard(), check.outcome)
        raise ProblemError(
            401,
            "unauthorized",
            "the token is unknown or revoked",
            headers={"WWW-Authenticate": 'Bearer realm="feedback", error="invalid_token"'},
        )
    return principal


_CALLER = "feedback.principal"
"""Where a request's scope state keeps its authenticated caller."""


async def caller(request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]) -> Principal:
    """The ``principal`` dependency: the caller, authenticated once per request (by a role guard
    already, on a guarded route). It asks for ``ctx`` although the request would do: Litestar
    resolves dependencies that do not depend on each other concurrently, in an anyio task group,
    which cost a fifth of a read; one that depends on the other is simply awaited after it."""
    state: dict[str, Any] = request.scope["state"]
    principal = state.get(_CALLER)
    if principal is None:
        principal = state[_CALLER] = await authenticate(request.scope, ctx)
    assert isinstance(principal, Principal)
    return principal


class RoleGuard:
    """A Litestar guard: the caller must hold a valid token of one of ``roles``."""

    __slots__ = ("roles",)

    def __init__(self, *roles: Role) -> None:
        self.roles = roles

    async def __call__(self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not isinstance(connection, Request):  # the API has HTTP routes only
            raise TypeError("a role guard stands on HTTP routes")
        require_role(await caller(connection, connection.app.state[CONTEXT_KEY]), *self.roles)

    def __repr__(self) -> str:
        return f"allow({', '.join(r.name for r in self.roles)})"


def allow(*roles: Role) -> RoleGuard:
    """``guards=[allow(Role.TEAM, Role.OFFICIAL)]``: only these roles' tokens may call the route."""
    return RoleGuard(*roles)


def takes_token(handler: HTTPRouteHandler) -> bool:
    """Whether the operation needs a bearer token: it asks for the caller or a role guard stands on it."""
    return "principal" in handler.parsed_fn_signature.parameters or any(
        isinstance(g, RoleGuard) for g in handler.resolve_guards()
    )


def client_address(request: Request[Any, Any, Any]) -> str:
    """The client's address: the peer's, or the one a trusted proxy forwarded (see ``serve``)."""
    return scope_address(request.scope)


def scope_address(scope: Scope) -> str:
    """:func:`client_address` of the request of an ASGI ``scope``."""
    client = scope.get("client")
    return client[0] if client else "unknown"


def _authorization(scope: Scope) -> str | None:
    """The first ``Authorization`` header's value, read from the scope (Litestar's ``Headers``, built
    for this alone, cost a tenth of a valid token's check)."""
    for key, value in scope["headers"]:
        if key == b"authorization" or key.lower() == b"authorization":
            return str(value.decode("latin-1"))
    return None


def too_many_failures(seconds: int) -> ProblemError:
    """429 with ``Retry-After``: too many failed authentications under this address or token prefix."""
    return ProblemError(
        429,
        "too-many-failures",
        f"too many failed authentications from this address or with this token prefix; retry in {seconds} s",
        headers={"Retry-After": str(seconds)},
    )


THROTTLED = ResponseSpec(
    Problem,
    description="Too many failed authentications from this client address or with this token prefix "
    "(`FEEDBACK_AUTH_FAILURE_LIMIT` within `FEEDBACK_AUTH_FAILURE_WINDOW_SECONDS`): the token was not "
    "checked. The `Retry-After` header gives the seconds to wait.",
    media_type=PROBLEM_JSON,
    generate_examples=False,
)


def document_throttling(app: Litestar) -> None:
    """Add the 429 of :func:`too_many_failures` to the OpenAPI operations that take a bearer token."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if isinstance(handler, HTTPRouteHandler) and takes_token(handler):
                handler.responses = {**(handler.responses or {}), 429: THROTTLED}


async def _failed(ctx: ServiceContext, guard: Guard, reason: str) -> None:
    await ctx.throttle.fail(ctx.db, guard, "api", reason)


def require_role(principal: Principal, *roles: Role) -> None:
    """A 403 problem unless the caller has one of ``roles``."""
    if principal.role not in roles:
        allowed = " or ".join(r.value for r in roles)
        raise ProblemError(
            403, "forbidden", f"only {allowed} tokens may do this; this one is {principal.role.value}"
        )
