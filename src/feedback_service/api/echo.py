"""``POST /api/v1/bench/echo``: decode a ticket and echo it, behind the same auth: the framework's ceiling.

Only mounted when ``FEEDBACK_BENCH_ECHO=1``; ``bench/intake.py`` compares ticket intake against it.
"""

from __future__ import annotations

from litestar import Controller, post
from litestar.params import JSONBody

from feedback_service.api.body import StrictBody
from feedback_service.api.dependencies import Caller
from feedback_service.api.schemas import TicketIn

__all__ = ["EchoController"]


class EchoController(Controller):
    path = "/api/v1/bench"
    tags = ("bench",)
    include_in_schema = False

    @post("/echo", dto=StrictBody[TicketIn], return_dto=None, status_code=200)
    async def echo(self, data: JSONBody[TicketIn], principal: Caller) -> TicketIn:
        return data
