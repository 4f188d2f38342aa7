"""The ``feedback-service`` command: serve, migrate, tokens, demo.

Settings come from ``FEEDBACK_*`` environment variables (see :mod:`feedback_service.settings`);
``--database-url`` and ``--units`` override the two most common, on every command. Bad input ends
with one line on stderr that says what was wrong and what to do, exit status 2, never a traceback.
``tokens create`` prints the token alone on stdout (so ``TOKEN=$(feedback-service tokens create ...)``
works) and its id on stderr; ``tokens enroll`` prints a phone's enrollment link alone on stdout.

This module imports only the standard library at the top: ``--help`` and a mistyped command answer
at once; each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from digitransform.domain import AdminTree
    from feedback_service.context import ServiceContext
    from feedback_service.settings import Settings

__all__ = ["ROLES", "build_parser", "main"]

T = TypeVar("T")
DEMO_DATABASE = Path("feedback-demo.db")
DEFAULT_DATABASE = Path("feedback.db")
ROLES = ("team", "official", "admin")
"""The values of :class:`feedback_service.auth.principal.Role` (a test keeps the two equal)."""


class CommandError(Exception):
    """A problem the user can fix; printed as one line, exit status 2."""


def _database_url(args: argparse.Namespace, *, find_demo: bool = False) -> tuple[str | None, str]:
    """The database URL asked for, and where it came from (named in any error about it).

    With ``find_demo`` (the ``tokens`` commands), a directory that holds the demo's database and no
    ``feedback.db`` means the demo's: a token created there then works on the running demo.
    """
    if getattr(args, "database_url", None):
        return args.database_url, "--database-url"
    if os.environ.get("FEEDBACK_DATABASE_URL", "").strip():
        return None, "FEEDBACK_DATABASE_URL"
    if find_demo and DEMO_DATABASE.exists() and not DEFAULT_DATABASE.exists():
        print(
            f"feedback-service: using the demo's database {DEMO_DATABASE} "
            "(no --database-url or FEEDBACK_DATABASE_URL given)",
            file=sys.stderr,
        )
        return f"sqlite:///{DEMO_DATABASE}", "the demo's database"
    return None, "the default database URL"


def _settings(args: argparse.Namespace, *, find_demo: bool = False, units: bool = True) -> Settings:
    """Settings from the environment and the command's options, the database URL checked."""
    import attrs

    from feedback_service.settings import Settings
    from feedback_service.store.database import DatabaseUrlError, parse_database_url

    settings = Settings.from_env()
    changes: dict[str, Any] = {}
    url, source = _database_url(args, find_demo=find_demo)
    if url is not None:
        changes["database_url"] = url
    if units and getattr(args, "units", None):
        changes["units"] = args.units
    settings = attrs.evolve(settings, **changes) if changes else settings
    try:
        parse_database_url(settings.database_url)
    except DatabaseUrlError as exc:
        raise CommandError(f"{source}: {exc}") from None
    return settings


def _run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def _tree(settings: Settings) -> AdminTree:
    """The units the service will check against; a bad file is one line naming its line and field."""
    from digitransform.formats import FormatError
    from feedback_service.context import load_units

    try:
        return load_units(settings)
    except FormatError as exc:
        raise CommandError(f"units ({settings.units}): {exc}") from None
    except OSError as exc:
        raise CommandError(
            f"units: cannot read {settings.units!r} ({exc.strerror}): set FEEDBACK_UNITS or --units "
            "to a units.csv, or to 'demo'"
        ) from None


async def _migrated(settings: Settings, tree: AdminTree) -> ServiceContext:
    from feedback_service.context import ServiceContext
    from feedback_service.store.migrate import upgrade

    ctx = ServiceContext.open(settings, tree)
    await upgrade(ctx.db)
    return ctx


def _migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    tree = _tree(settings)  # a bad units file is said here, not first by `serve`

    async def run() -> str:
        from feedback_service.context import ServiceContext
        from feedback_service.store.migrate import upgrade

        ctx = ServiceContext.open(settings, tree)
        try:
            return await upgrade(ctx.db)
        finally:
            await ctx.db.dispose()

    print(f"schema at revision {_run(run())}")
    return 0


def _on_tokens_database(args: argparse.Namespace, use: Callable[[ServiceContext], Awaitable[T]]) -> T:
    """``use`` on the command's database (the demo's when one is found), migrated, then closed."""
    settings = _settings(args, find_demo=True)
    tree = _tree(settings)

    async def run() -> T:
        ctx = await _migrated(settings, tree)
        try:
            return await use(ctx)
        finally:
            await ctx.db.dispose()

    return _run(run())


def _tokens_create(args: argparse.Namespace) -> int:
    from feedback_service.auth.principal import Role
    from feedback_service.context import utc_now
    from feedback_service.services import tokens

    role = Role(args.role)

    async def issue(ctx: ServiceContext) -> Any:
        return await tokens.issue(
            ctx.db, ctx.tree, role, now=utc_now(), team=args.team, commune=args.commune,
            scope=args.scope, label=args.label,
        )  # fmt: skip

    issued = _on_tokens_database(args, issue)
    print(issued.secret)
    print(f"token id {issued.id} ({role.value}); shown once, store it now", file=sys.stderr)
    return 0


def _tokens_enroll(args: argparse.Namespace) -> int:
    from feedback_service.api.enrollments import enrollment_link
    from feedback_service.context import utc_now
    from feedback_service.services import tokens

    async def enroll(ctx: ServiceContext) -> Any:
        return await tokens.enroll(
            ctx.db, ctx.tree, None, team=args.team, commune=args.commune, now=utc_now(), hours=args.hours
        )

    issued = _on_tokens_database(args, enroll)
    print(enrollment_link(args.base_url, issued.code))
    expires = issued.expires_at.astimezone().strftime("%Y-%m-%d %H:%M %Z")
    print(
        f"enrollment {issued.id} for team {issued.team} ({issued.commune}): one phone, until {expires}; "
        "shown once (open it on the phone, or show it as a QR code from the dashboard instead)",
        file=sys.stderr,
    )
    return 0


def _tokens_revoke(args: argparse.Namespace) -> int:
    from feedback_service.context import utc_now
    from feedback_service.services import tokens

    async def revoke(ctx: ServiceContext) -> bool:
        return await tokens.revoke(ctx.db, args.token_id, utc_now())

    if not _on_tokens_database(args, revoke):
        raise CommandError(f"no token {args.token_id!r} (see `feedback-service tokens list`)")
    print(f"revoked {args.token_id}", file=sys.stderr)
    return 0


def _tokens_list(args: argparse.Namespace) -> int:
    from feedback_service.services import tokens

    async def listing(ctx: ServiceContext) -> list[Any]:
        return await tokens.listing(ctx.db)

    for t in _on_tokens_database(args, listing):
        bound = (t.team and f"team {t.team} in {t.commune}") or (t.scope and f"scope {t.scope}") or "-"
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        print(f"{t.id}\t{t.role}\t{bound}\t{t.label or ''}\t{t.created_at:%Y-%m-%d}\t{state}")
    return 0


def _retention(args: argparse.Namespace) -> int:
    from feedback_service.context import utc_now
    from feedback_service.store.retention import redact_closed_tickets

    settings = _settings(args)
    tree = _tree(settings)
    days = settings.retention_days if args.days is None else args.days
    if days < 0:
        print("feedback-service: --days must be 0 or more", file=sys.stderr)
        return 2

    async def run() -> Any:
        ctx = await _migrated(settings, tree)
        try:
            return await redact_closed_tickets(ctx.db, utc_now(), days)
        finally:
            await ctx.db.dispose()

    result = _run(run())
    print(f"redacted {result.tickets} ticket(s) closed before {result.cutoff:%Y-%m-%d %H:%M} UTC")
    return 0


def _serve(args: argparse.Namespace) -> int:
    if args.workers < 1:
        raise CommandError("--workers must be at least 1")
    if args.shutdown_grace is not None and args.shutdown_grace < 0:
        raise CommandError("--shutdown-grace must be at least 0 seconds")
    import attrs

    from feedback_service.server import bind

    settings = _settings(args)
    if args.shutdown_grace is not None:
        settings = attrs.evolve(settings, shutdown_grace=args.shutdown_grace)
    tree = _tree(settings)  # before anything is bound or printed: a bad file stops here
    sock = bind(args.host, args.port)  # a busy port stops here, before the database is touched
    try:

        async def migrate() -> None:
            ctx = await _migrated(settings, tree)
            await ctx.db.dispose()

        _run(migrate())  # once, here, so that workers never race to migrate
    except BaseException:
        sock.close()
        raise
    _serve_migrated(settings, sock, args.workers)
    return 0


def _serve_migrated(settings: Settings, sock: socket.socket, workers: int) -> None:
    import attrs

    from feedback_service.server import serve

    serve(attrs.evolve(settings, migrate_on_start=False), sock, workers=workers)


def _demo(args: argparse.Namespace) -> int:
    import attrs

    from feedback_service.server import bind
    from feedback_service.settings import Settings

    path: Path = args.database
    if args.reset and path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    database_url = f"sqlite:///{path.resolve()}"
    given = Settings.from_env()
    settings = attrs.evolve(
        given,
        database_url=database_url,
        units=args.units or given.units,
        # Someone at a terminal reads the demo's log: a line of text per request, unless asked.
        log_format=given.log_format if "FEEDBACK_LOG_FORMAT" in os.environ else "text",
    )
    tree = _tree(settings)
    sock = None if args.no_serve else bind(args.host, args.port)
    try:
        team_secret, team, official_secret, province, code = _run(_load_demo(args, settings, tree))
    except BaseException:
        if sock is not None:
            sock.close()
        raise
    print(f"team token ({team}):\n{team_secret}")
    print(f"province official token ({province}):\n{official_secret}")
    print(f"team app: enroll one phone of {team} (once, within 72 h):\n{_demo_link(args, code)}")
    print(
        f"database: {database_url}\n"
        f"  more tokens: feedback-service tokens create --database-url {database_url} --role ...",
        file=sys.stderr,
    )
    if sock is None:
        return 0
    _serve_migrated(settings, sock, 1)
    return 0


def _demo_link(args: argparse.Namespace, code: str) -> str:
    from feedback_service.api.enrollments import enrollment_link

    return enrollment_link(f"http://{args.host}:{args.port}", code)


async def _load_demo(
    args: argparse.Namespace, settings: Settings, tree: AdminTree
) -> tuple[str, str, str, str, str]:
    from sqlalchemy import func, select

    from digitransform.domain import AdminLevel
    from feedback_service.auth.enrollment import create_enrollment
    from feedback_service.auth.principal import Role
    from feedback_service.auth.tokens import issue_token
    from feedback_service.context import utc_now
    from feedback_service.demo import load_demo_tickets
    from feedback_service.store.tables import tickets

    path: Path = args.database
    ctx = await _migrated(settings, tree)
    try:
        async with ctx.db.reading() as conn:
            existing = (await conn.execute(select(func.count()).select_from(tickets))).scalar_one()
        now = utc_now()
        if existing:
            print(f"{path}: already holds {existing} tickets (use --reset to start over)", file=sys.stderr)
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
        phone = await create_enrollment(
            ctx.db, ctx.tree, team=f"T-{village.code}", commune=commune, created_by="demo", now=now
        )
        return team.secret, f"T-{village.code}", official.secret, ctx.tree.root.code, phone.code
    finally:
        await ctx.db.dispose()


def _sqlite_file(args: argparse.Namespace, command: str) -> Path:
    """The SQLite file of the database URL asked for; PostgreSQL has its own tools."""
    import sqlalchemy as sa

    url = sa.make_url(_settings(args, units=False).database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise CommandError(
            f"{command}: for PostgreSQL use pg_dump --format=custom and pg_restore "
            "(docs/deployment.md, Backups); this command is for SQLite"
        )
    return Path(url.database)


def _backup(args: argparse.Namespace) -> int:
    from feedback_service.store.backup import BackupError, backup_sqlite

    source = _sqlite_file(args, "backup")
    try:
        report = backup_sqlite(source, args.file)
    except BackupError as exc:
        raise CommandError(f"backup: {exc}") from None
    print(
        f"{report.path}: {report.tickets} tickets, schema {report.revision}, {report.size} bytes; "
        "integrity check ok"
    )
    return 0


def _restore(args: argparse.Namespace) -> int:
    from feedback_service.store.backup import BackupError, restore_sqlite

    target = _sqlite_file(args, "restore")
    try:
        report = restore_sqlite(args.file, target, replace=args.replace)
    except BackupError as exc:
        raise CommandError(f"restore: {exc}") from None
    print(f"{report.path}: restored {report.tickets} tickets, schema {report.revision}; integrity check ok")
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

    backup = commands.add_parser(
        "backup", help="copy the SQLite database to FILE while it serves (checked; PostgreSQL: pg_dump)"
    )
    backup.add_argument("--database-url", metavar="URL", help="overrides FEEDBACK_DATABASE_URL")
    backup.add_argument("file", type=Path, metavar="FILE", help="the backup to write (replaced if it exists)")
    backup.set_defaults(run=_backup)
    restore = commands.add_parser("restore", help="restore a checked backup FILE into the SQLite database")
    restore.add_argument("--database-url", metavar="URL", help="overrides FEEDBACK_DATABASE_URL")
    restore.add_argument("file", type=Path, metavar="FILE", help="a file written by `backup`")
    restore.add_argument(
        "--replace", action="store_true", help="overwrite a database that exists (stop the service first)"
    )
    restore.set_defaults(run=_restore)

    retention = commands.add_parser(
        "retention",
        help="remove household references and free text from tickets closed longer than the retention",
    )
    _add_store_options(retention)
    retention.add_argument(
        "--days", type=int, metavar="N", help="closed at least N days ago; overrides FEEDBACK_RETENTION_DAYS"
    )
    retention.set_defaults(run=_retention)

    tokens = commands.add_parser("tokens", help="create, list or revoke access tokens")
    token_commands = tokens.add_subparsers(dest="tokens_command", required=True, metavar="ACTION")
    create = token_commands.add_parser("create", help="create a token; prints it alone on stdout")
    _add_store_options(create)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--team", help="team code (role team; created if new)")
    create.add_argument("--commune", help="the team's commune code (role team)")
    create.add_argument("--scope", help="a commune code or the province code (role official)")
    create.add_argument("--label", help="a note for `tokens list` (no personal names)")
    create.set_defaults(run=_tokens_create)
    enroll = token_commands.add_parser(
        "enroll", help="a single-use enrollment link for one phone of a team; prints it alone on stdout"
    )
    _add_store_options(enroll)
    enroll.add_argument("--team", required=True, help="team code (created if new)")
    enroll.add_argument("--commune", required=True, help="the team's commune code")
    enroll.add_argument("--hours", type=int, default=72, help="how long the code works (default 72)")
    enroll.add_argument(
        "--base-url",
        default="http://127.0.0.1:8000",
        help="the service's address as the phone reaches it (default http://127.0.0.1:8000)",
    )
    enroll.set_defaults(run=_tokens_enroll)
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
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`tokens list | head`): stop quietly, as other Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        message = _user_error(exc)
        if message is None:
            raise
        print(f"feedback-service: {message}", file=sys.stderr)
        return 2
    return status


def _user_error(exc: Exception) -> str | None:
    """The one line for an error the user can act on; ``None`` for a bug (whose traceback helps)."""
    from sqlalchemy.exc import SQLAlchemyError

    from digitransform.formats import FormatError
    from feedback_service.auth.tokens import TokenRequestError
    from feedback_service.server import PortError
    from feedback_service.settings import SettingsError
    from feedback_service.store.database import DatabaseUrlError
    from feedback_service.store.errors import TeamMismatch

    if isinstance(exc, CommandError | SettingsError | DatabaseUrlError | TokenRequestError | TeamMismatch):
        return str(exc)
    if isinstance(exc, PortError):
        return f"serve: {exc}"
    if isinstance(exc, FormatError):
        return f"units: {exc}"
    if isinstance(exc, OSError | SQLAlchemyError):
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__]
        return (
            f"database: {detail[0]} (check FEEDBACK_DATABASE_URL or --database-url, and that the server runs)"
        )
    return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
