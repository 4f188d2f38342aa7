"""The bare framework: a Litestar app that decodes a ticket into its msgspec Struct and echoes it.

No token, no database, no DTO: what a user could run instead of the service, and so the baseline of
``bench/intake.py``. It is served by :func:`feedback_service.server.serve`, exactly as
``feedback-service serve`` serves the service (same uvicorn configuration, same socket handling):

    python bench/echo_app.py --port 8001 [--workers N]

- ``POST /echo``: the ticket body decoded into :class:`~feedback_service.api.schemas.TicketIn` (the
  same Struct the service decodes) and encoded back;
- ``GET /echo/{ticket_id}``: a path parameter in, a small JSON object out (the bare read);
- ``GET /ready``: for the harness.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from litestar import Litestar, get, post

from feedback_service.api.schemas import TicketIn
from feedback_service.server import bind, serve
from feedback_service.settings import Settings


@post("/echo", status_code=200)
async def echo(data: TicketIn) -> TicketIn:
    return data


@get("/echo/{ticket_id:str}")
async def read(ticket_id: str) -> dict[str, str]:
    return {"id": ticket_id, "status": "received"}


@get("/ready")
async def ready() -> dict[str, str]:
    return {"status": "ready"}


def create_app() -> Litestar:
    return Litestar(route_handlers=[echo, read, ready], debug=False)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    serve(Settings.from_env(), bind(args.host, args.port), workers=args.workers, app="echo_app:create_app")
