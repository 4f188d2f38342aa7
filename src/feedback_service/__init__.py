"""The feedback service: teams record citizens' difficulties, officials work them through a lifecycle.

An HTTP edge (Litestar) and a store (SQLAlchemy Core over SQLite or PostgreSQL) around the
``digitransform`` domain: the ticket lifecycle, the barrier taxonomy and the administrative tree come
from the library; the service adds persistence, authentication and HTTP, not rules of its own.
Start with :func:`feedback_service.app.create_app` or the ``feedback-service`` command.
"""

from __future__ import annotations

__all__: list[str] = []
