"""A worker's server: uvicorn's, with what the worker built to start left out of the cycle collector.

Python's cycle collector walks every tracked object of its oldest generation each time that
generation runs. Under intake load it ran a few times a second over the worker's 140,000 objects
(the modules, the app, the units tree, the drivers' caches), about 40 ms each, and every request
in flight waited: it made intake's p99 (docs/performance.md). Once uvicorn has started the app,
:func:`settle_heap` freezes what exists (``gc.freeze``): the collector then walks only what requests
have built since. Frozen objects are still freed by reference counting; only a cycle among them
would stay, and the start-up builds none that it later drops.

:func:`feedback_service.server.serve` runs this server for the service and for the benchmark's bare
app alike (the same server settings). It imports uvicorn, so :mod:`feedback_service.server` imports
this module only when a server starts; the class is at module level so that spawned workers can
unpickle it.
"""

from __future__ import annotations

import gc
import socket

import uvicorn

__all__ = ["Server", "settle_heap"]


class Server(uvicorn.Server):
    """uvicorn's server; the heap settled once the app has started."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        settle_heap()


def settle_heap() -> None:
    """Collect what the start left behind, then freeze everything that remains."""
    gc.collect()
    gc.freeze()
