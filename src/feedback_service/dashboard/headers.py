"""The headers every dashboard response carries: a strict Content-Security-Policy and its companions.

The pages are server-rendered HTML and one stylesheet, with no script, no inline style and nothing
from another origin, so the policy allows exactly that: styles and images from the service itself,
forms posted back to it, and no framing by any page (clickjacking). ``Referrer-Policy: no-referrer``
keeps a page's address (which names units and filters) from leaking to wherever a link leads, and
``nosniff`` stops a browser from guessing a CSV into HTML.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "SECURITY_HEADERS", "security_headers"]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def security_headers(app: ASGIApp) -> ASGIApp:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every HTTP response, errors included."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for key, value in SECURITY_HEADERS.items():
                    headers[key] = value
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware
