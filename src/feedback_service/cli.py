"""The ``feedback-service`` command: serve, migrate, tokens, demo.

Settings come from ``FEEDBACK_*`` environment variables (see :mod:`feedback_service.settings`);
``--database-url`` and ``--units`` override the two most common. Bad input ends with a one-line
message on stderr and exit status 2, never a traceback. ``tokens create`` prints the token alone on
stdout (so ``TOKEN=$(feedback-service tokens create ...)`` works) and its id on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

import attrs
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from digitransform.domain import AdminLevel, AdminTree, AdminUnit
from digitransform.formats import FormatError
from feedback_service.auth.principal import Role
from feedback_service.auth.tokens import TokenRequestError, issue_token
from feedback_service.context import ServiceContext, utc_now
from feedback_service.demo import load_demo_tickets
from feedback_service.settings import Settings, SettingsError
from feedback_service.store.database import DatabaseUrlError
from feedback_service.store.errors import TeamMismatch
from feedback_service.store.migrate import upgrade
from feedback_service.store.tables import tickets
from feedback_service.store.tokens import list_tokens, revoke_token

__all__ = ["build_parser", "main"]

T = TypeVar("T")
DEMO_DATABASE = Path("feedback-demo.db")


class CommandError(Exception):
    """A problem the user can fix; printed as one line, exit status 2."""


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    changes: dict[str, Any] = {}
    if getattr(args, "database_url", None):
        changes["database_url"] = args.database_url
    if getattr(args, "units", None):
        changes["units"] = args.units
    return attrs.evolve(settings, **changes) if changes else settings


def _run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def _migrated(settings: Settings) -> ServiceContext:
    ctx = ServiceContext.open(settings)
    await upgrade(ctx.db)
    return ctx


def _migrate(args: argparse.Namespace) -> int:
    async def run() -> str:
        ctx = ServiceContext.open(_settings(args), tree=_no_tree())
        try:
            return await upgrade(ctx.db)
        finally:
            await ctx.db.dispose()

    print(f"schema at revision {_run(run())}")
    return 0


def _no_tree() -> AdminTree:
    # Migrating needs no units; a placeholder keeps a bad FEEDBACK_UNITS from blocking it.
    return AdminTree.from_units([AdminUnit("-", "-", AdminLevel.PROVINCE)])


def _tokens_create(args: argparse.Namespace) -> int:
    role = Role(args.role)

    async def run() -> tuple[str, str]:
        ctx = await _migrated(_settings(args))
        try:
            issued = await issue_token(
                ctx.db,
                ctx.tree,
                role,
                now=utc_now(),
                team=args.team,
                commune=args.commune,
                scope=args.scope,
                label=args.label,
            )
            return issued.id, issued.secret
        finally:
            await ctx.db.dispose()

    token_id, secret = _run(run())
    print(secret)
    print(f"token id {token_id} ({role.value}); shown once, store it now", file=sys.stderr)
    return 0


def _tokens_revoke(args: argparse.Namespace) -> int:
    async def run() -> bool:
        ctx = await _migrated(_settings(args))
        try:
            return await revoke_token(ctx.db, args.token_id, utc_now())
        finally:
            await ctx.db.dispose()

    if not _run(run()):
        raise CommandError(f"no token {args.token_id!r} (see `feedback-service tokens list`)")
    print(f"revoked {args.token_id}", file=sys.stderr)
    return 0


def _tokens_list(args: argparse.Namespace) -> int:
    async def run() -> list[Any]:
        ctx = await _migrated(_settings(args))
        try:
            return await list_tokens(ctx.db)
        finally:
            await ctx.db.dispose()

    for t in _run(run()):
        bound = (t.team and f"team {t.team} in {t.commune}") or (t.scope and f"scope {t.scope}") or "-"
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        print(f"{t.id}\t{t.role}\t{bound}\t{t.label or ''}\t{t.created_at:%Y-%m-%d}\t{state}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.workers < 1:
        raise CommandError("--workers must be at least 1")
    if args.shutdown_grace is not None:
        if args.shutdown_grace < 0:
            raise CommandError("--shutdown-grace must be at least 0 seconds")
        settings = attrs.evolve(settings, shutdown_grace=args.shutdown_grace)

    async def migrate() -> None:
        ctx = ServiceContext.open(settings, tree=_no_tree())
        try:
            await upgrade(ctx.db)
        finally:
            await ctx.db.dispose()

    _run(migrate())  # once, here, so that workers never race to migrate
    _uvicorn(attrs.evolve(settings, migrate_on_start=False), args.host, args.port, args.workers)
    return 0


def _uvicorn(settings: Settings, host: str, port: int, workers: int) -> None:
    from feedback_service.server import serve

    serve(settings, host=host, port=port, workers=workers)


def _demo(args: argparse.Namespace) -> int:
    path: Path = args.database
    if args.reset and path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    settings = attrs.evolve(
        Settings.from_env(),
        database_url=f"sqlite+aiosqlite:///{path.resolve()}",
        units=args.units or Settings.from_env().units,
    )

    async def run() -> tuple[str, str, str, str]:
        ctx = await _migrated(settings)
        try:
            async with ctx.db.reading() as conn:
                existing = (await conn.execute(select(func.count()).select_from(tickets))).scalar_one()
            now = utc_now()
            if existing:
                print(
                    f"{path}: already holds {existing} tickets (use --reset to start over)", file=sys.stderr
                )
            else:
                print(f"{path}: loading {args.tickets} demo tickets ...", file=sys.stderr)
                load = await load_demo_tickets(ctx, count=args.tickets, seed=args.seed, now=now)
                print(
                    f"{path}: {load.tickets} tickets observed {load.first} to {load.last}, "
                    f"{load.transitions} transitions, {load.occurrences} occurrences",
                    file=sys.stderr,
                )
            village = next(u for u in ctx.tree.at_level(AdminLevel.VILLAGE))
            commune = village.parent_code or ""
            team = await issue_token(
                ctx.db, ctx.tree, Role.TEAM, team=f"T-{village.code}", commune=commune, label="demo", now=now
            )
            official = await issue_token(
                ctx.db, ctx.tree, Role.OFFICIAL, scope=ctx.tree.root.code, label="demo", now=now
            )
            return team.secret, f"T-{village.code}", official.secret, ctx.tree.root.code
        finally:
            await ctx.db.dispose()

    team_secret, team, official_secret, province = _run(run())
    print(f"team token ({team}):\n{team_secret}")
    print(f"province official token ({province}):\n{official_secret}")
    if args.no_serve:
        return 0
    _uvicorn(attrs.evolve(settings, migrate_on_start=False), args.host, args.port, 1)
    return 0


def _add_store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", metavar="URL", help="overrides FEEDBACK_DATABASE_URL")
    parser.add_argument("--units", metavar="CSV", help="a units.csv; overrides FEEDBACK_UNITS")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="feedback-service",
        description="Teams record citizens' difficulties; officials work them through a lifecycle.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate once, then serve the API")
    _add_store_options(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes (default 1)")
    serve.add_argument(
        "--shutdown-grace",
        type=float,
        metavar="SECONDS",
        help="how long requests in flight may finish after SIGTERM; overrides "
        "FEEDBACK_SHUTDOWN_GRACE_SECONDS (default 30)",
    )
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="bring the database schema to the newest revision")
    _add_store_options(migrate)
    migrate.set_defaults(run=_migrate)

    tokens = commands.add_parser("tokens", help="create, list or revoke access tokens")
    token_commands = tokens.add_subparsers(dest="tokens_command", required=True, metavar="ACTION")
    create = token_commands.add_parser("create", help="create a token; prints it alone on stdout")
    _add_store_options(create)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--team", help="team code (role team; created if new)")
    create.add_argument("--commune", help="the team's commune code (role team)")
    create.add_argument("--scope", help="a commune code or the province code (role official)")
    create.add_argument("--label", help="a note for `tokens list` (no personal names)")
    create.set_defaults(run=_tokens_create)
    revoke = token_commands.add_parser("revoke", help="revoke a token by its id")
    _add_store_options(revoke)
    revoke.add_argument("token_id")
    revoke.set_defaults(run=_tokens_revoke)
    listing = token_commands.add_parser("list", help="list tokens (ids, roles, bindings; never secrets)")
    _add_store_options(listing)
    listing.set_defaults(run=_tokens_list)

    demo = commands.add_parser(
        "demo", help="a demo database with teams, tokens and a few hundred tickets, then serve it"
    )
    demo.add_argument(
        "--database", type=Path, default=DEMO_DATABASE, help=f"SQLite file (default {DEMO_DATABASE})"
    )
    demo.add_argument("--units", metavar="CSV", help="a units.csv instead of the demo province")
    demo.add_argument("--tickets", type=int, default=300, metavar="N", help="tickets to load (default 300)")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--reset", action="store_true", help="delete the demo database first")
    demo.add_argument("--no-serve", action="store_true", help="load and print the tokens, then exit")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status (2 for bad input, never a traceback)."""
    args = build_parser().parse_args(argv)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # we say which revision ourselves
    try:
        status: int = args.run(args)
    except (CommandError, SettingsError, DatabaseUrlError, TokenRequestError, TeamMismatch) as exc:
        print(f"feedback-service: {exc}", file=sys.stderr)
        return 2
    except FormatError as exc:
        print(f"feedback-service: units: {exc}", file=sys.stderr)
        return 2
    except (OSError, SQLAlchemyError) as exc:
        print(
            f"feedback-service: database: {type(exc).__name__}: {str(exc).splitlines()[0]}", file=sys.stderr
        )
        return 2
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
