"""Signing officials in and out of the dashboard, and keeping its forms safe from cross-site posts.

Signing in with a token starts a server-side session (:mod:`feedback_service.store.sessions`): the
cookie holds a random session id (256 bits), never the token, and the store keeps only its SHA-256
hash. Signing out deletes the session, so a copied cookie stops working at once; revoking the token
ends its sessions too (every request reads the session joined with its token), and a session
lasts ``FEEDBACK_DASHBOARD_SESSION_HOURS`` at most. The cookie is ``HttpOnly`` (no script can read
it), ``SameSite=Strict`` (no other site's page can make the browser send it), limited to the
dashboard's path, and ``Secure`` whenever the page was served over HTTPS (or
``FEEDBACK_DASHBOARD_SECURE_COOKIES`` says so).

Forms carry a CSRF token in a hidden field that must equal the value of a separate cookie (the
"double submit" pattern); with ``SameSite=Strict`` on both, a post from another site fails twice.
It covers the dashboard's forms only: the JSON API authenticates with ``Authorization: Bearer`` and
never reads these cookies, so it needs no CSRF token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie

from feedback_service import logs
from feedback_service.auth.principal import Principal, Role
from feedback_service.auth.tokens import check_secret
from feedback_service.context import ServiceContext
from feedback_service.dashboard.config import DashboardConfig
from feedback_service.store import sessions

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "SESSION_COOKIE",
    "SignInRefused",
    "cookie_secure",
    "csrf_matches",
    "csrf_token",
    "current_official",
    "end_session",
    "sign_in",
    "start_session",
]

SESSION_COOKIE = "fs_dashboard"
CSRF_COOKIE = "fs_dashboard_csrf"
CSRF_FIELD = "csrf_token"


class SignInRefused(Exception):
    """Refused: open the dashboard; ``reason`` is a message key: ``bad_token``, ``not_official``, or
    ``throttled`` (too many failures from this address or with this token prefix: wait
    ``retry_after`` seconds)."""

    def __init__(self, reason: str, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def cookie_secure(request: Request[Any, Any, Any], config: DashboardConfig) -> bool:
    """Whether cookies set on this response are ``Secure``: over HTTPS always, or if the config says so."""
    return config.secure_cookies or request.url.scheme == "https"


def _cookie(
    request: Request[Any, Any, Any], config: DashboardConfig, key: str, value: str, max_age: int | None
) -> Cookie:
    return Cookie(
        key=key,
        value=value,
        path=config.path,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request, config),
    )


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


async def sign_in(ctx: ServiceContext, secret: str, client: str | None = None) -> Principal:
    """The official behind ``secret``; :class:`SignInRefused` for an unknown, revoked, team or admin
    token, or once ``client`` (an address) or the token's prefix failed too often
    (:mod:`feedback_service.auth.throttle`). Each unknown or revoked token counts and is logged."""
    guard = ctx.throttle.guard(client, secret.strip(), ctx.now())
    check = await check_secret(ctx.db, secret.strip(), guard)
    if check.retry_after is not None:
        ctx.throttle.refused(guard, "dashboard", check.retry_after)
        logs.refuse("throttled")
        raise SignInRefused("throttled", check.retry_after)
    principal = check.principal
    if principal is None:
        logs.refuse("bad_token")
        await ctx.throttle.fail(ctx.db, guard, "dashboard", check.outcome)
        raise SignInRefused("bad_token")
    if principal.role is not Role.OFFICIAL:
        logs.refuse("not_official")
        raise SignInRefused("not_official")
    return principal


async def current_official(request: Request[Any, Any, Any], ctx: ServiceContext) -> Principal | None:
    """The official of this request's session; ``None`` without one, or once it ended, expired or its
    token was revoked."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id or len(session_id) > 100:
        return None
    record = await sessions.find_session(ctx.db, _hash(session_id), ctx.now())
    if record is None or record.revoked_at is not None or record.role != Role.OFFICIAL.value:
        return None
    logs.identify(record.id)
    return Principal(record.id, Role.OFFICIAL, record.team, record.commune, record.scope)


async def start_session(
    request: Request[Any, Any, Any],
    response: Response[Any],
    ctx: ServiceContext,
    config: DashboardConfig,
    principal: Principal,
) -> None:
    """Store a new session for ``principal`` and set its cookie, with a fresh CSRF token (a new
    session never reuses the old one)."""
    session_id = secrets.token_urlsafe(32)
    now = ctx.now()
    expires = now + dt.timedelta(hours=config.session_hours)
    await sessions.start_session(ctx.db, _hash(session_id), principal.token_id, now, expires)
    response.set_cookie(_cookie(request, config, SESSION_COOKIE, session_id, config.session_hours * 3600))
    response.set_cookie(_cookie(request, config, CSRF_COOKIE, secrets.token_urlsafe(32), None))


async def end_session(
    request: Request[Any, Any, Any], response: Response[Any], ctx: ServiceContext, config: DashboardConfig
) -> None:
    """End this request's session in the store, and expire the session and CSRF cookies."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id and len(session_id) <= 100:
        await sessions.end_session(ctx.db, _hash(session_id))
    for key in (SESSION_COOKIE, CSRF_COOKIE):
        response.set_cookie(_cookie(request, config, key, "", 0))


def csrf_token(request: Request[Any, Any, Any]) -> tuple[str, bool]:
    """The CSRF token for this page's forms, and whether it is new (then the page must set its cookie)."""
    known = request.cookies.get(CSRF_COOKIE)
    if known and len(known) >= 32:
        return known, False
    return secrets.token_urlsafe(32), True


def csrf_matches(request: Request[Any, Any, Any], submitted: str | None) -> bool:
    """Whether a posted form's CSRF field equals the cookie (constant-time)."""
    known = request.cookies.get(CSRF_COOKIE)
    if not known or not submitted:
        return False
    return hmac.compare_digest(known.encode(), submitted.encode())
