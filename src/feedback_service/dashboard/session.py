"""Signing officials in and out of the dashboard, and keeping its forms safe from cross-site posts.

The session cookie holds the official's token itself, ``HttpOnly`` (no script can read it),
``SameSite=Strict`` (no other site's page can make the browser send it) and limited to the dashboard's
path. Every request checks it again with the service's own token check, so revoking the token ends
the session at once and there is no session table to keep between workers.

Forms carry a CSRF token in a hidden field that must equal the value of a separate cookie (the
"double submit" pattern); with ``SameSite=Strict`` on both, a post from another site fails twice.
It covers the dashboard's forms only: the JSON API authenticates with ``Authorization: Bearer`` and
never reads these cookies, so it needs no CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie

from feedback_service.auth.principal import Principal, Role
from feedback_service.auth.tokens import authenticate_secret
from feedback_service.context import ServiceContext
from feedback_service.dashboard.config import DashboardConfig

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "SESSION_COOKIE",
    "SignInRefused",
    "csrf_matches",
    "csrf_token",
    "current_official",
    "end_session",
    "set_csrf_cookie",
    "sign_in",
    "start_session",
]

SESSION_COOKIE = "fs_dashboard"
CSRF_COOKIE = "fs_dashboard_csrf"
CSRF_FIELD = "csrf_token"


class SignInRefused(Exception):
    """Refused: open the dashboard; ``reason`` is a message key: ``bad_token`` or ``not_official``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _cookie(config: DashboardConfig, key: str, value: str, max_age: int | None) -> Cookie:
    return Cookie(
        key=key,
        value=value,
        path=config.path,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=config.secure_cookies,
    )


async def sign_in(ctx: ServiceContext, secret: str) -> Principal:
    """The official behind ``secret``; :class:`SignInRefused` for an unknown, revoked, team or admin token."""
    principal = await authenticate_secret(ctx.db, secret.strip(), ctx.tokens)
    if principal is None:
        raise SignInRefused("bad_token")
    if principal.role is not Role.OFFICIAL:
        raise SignInRefused("not_official")
    return principal


async def current_official(request: Request[Any, Any, Any], ctx: ServiceContext) -> Principal | None:
    """The official behind this request's session cookie; ``None`` without one, or when it no longer holds."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    try:
        return await sign_in(ctx, secret)
    except SignInRefused:
        return None


def start_session(response: Response[Any], config: DashboardConfig, secret: str) -> None:
    """Set the session cookie, and a fresh CSRF token (a new session never reuses the old one)."""
    response.set_cookie(_cookie(config, SESSION_COOKIE, secret.strip(), config.session_hours * 3600))
    response.set_cookie(_cookie(config, CSRF_COOKIE, secrets.token_urlsafe(32), None))


def end_session(response: Response[Any], config: DashboardConfig) -> None:
    """Expire the session and CSRF cookies."""
    for key in (SESSION_COOKIE, CSRF_COOKIE):
        response.set_cookie(_cookie(config, key, "", 0))


def csrf_token(request: Request[Any, Any, Any]) -> tuple[str, bool]:
    """The CSRF token for this page's forms, and whether it is new (then the page must set its cookie)."""
    known = request.cookies.get(CSRF_COOKIE)
    if known and len(known) >= 32:
        return known, False
    return secrets.token_urlsafe(32), True


def set_csrf_cookie(response: Response[Any], config: DashboardConfig, token: str) -> None:
    """Remember a new CSRF token in its cookie."""
    response.set_cookie(_cookie(config, CSRF_COOKIE, token, None))


def csrf_matches(request: Request[Any, Any, Any], submitted: str | None) -> bool:
    """Whether a posted form's CSRF field equals the cookie (constant-time)."""
    known = request.cookies.get(CSRF_COOKIE)
    if not known or not submitted:
        return False
    return hmac.compare_digest(known.encode(), submitted.encode())
