"""The bearer-token check, as a Litestar dependency, and the role checks handlers call."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency

from feedback_service import logs
from feedback_service.api.problems import ProblemError
from feedback_service.auth.principal import Principal, Role
from feedback_service.auth.tokens import check_secret
from feedback_service.context import ServiceContext
from feedback_service.metrics import TOKEN_CHECKS

__all__ = ["authenticate", "require_role"]

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="feedback"'}


async def authenticate(request: Request[Any, Any, Any], ctx: NamedDependency[ServiceContext]) -> Principal:
    """The caller behind ``Authorization: Bearer <token>``, or a 401 problem."""
    header = request.headers.get("authorization")
    if header is None:
        TOKEN_CHECKS.labels(outcome="missing").inc()
        logs.refuse("missing")
        raise ProblemError(401, "unauthorized", "send Authorization: Bearer <token>", headers=_CHALLENGE)
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        TOKEN_CHECKS.labels(outcome="malformed").inc()
        logs.refuse("malformed")
        raise ProblemError(
            401, "unauthorized", "the Authorization header must be Bearer <token>", headers=_CHALLENGE
        )
    check = await check_secret(ctx.db, secret.strip(), ctx.tokens)
    principal = check.principal
    if principal is None:
        logs.refuse(check.outcome)
        raise ProblemError(
            401,
            "unauthorized",
            "the token is unknown or revoked",
            headers={"WWW-Authenticate": 'Bearer realm="feedback", error="invalid_token"'},
        )
    return principal


def require_role(principal: Principal, *roles: Role) -> None:
    """A 403 problem unless the caller has one of ``roles``."""
    if principal.role not in roles:
        allowed = " or ".join(r.value for r in roles)
        raise ProblemError(
            403, "forbidden", f"only {allowed} tokens may do this; this one is {principal.role.value}"
        )
