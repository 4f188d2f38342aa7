"""The ``feedback-service`` command: migrate, tokens (shown once, revocable), demo; clear errors, exit 2."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from service_api import Api, small_tree

from digitransform.formats import write_units_csv
from feedback_service.app import create_app
from feedback_service.cli import main
from feedback_service.settings import Settings


@pytest.fixture
def units_csv(tmp_path: Path) -> str:
    path = tmp_path / "units.csv"
    write_units_csv(list(small_tree()), path)
    return str(path)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def _works(db_url: str, token: str, path: str = "/tickets") -> int:
    app = create_app(Settings(database_url=db_url), tree=small_tree())
    with Api.running(app) as api:
        return api.get(path, who=token).status_code


def test_migrate(capsys: pytest.CaptureFixture[str], tmp_db: str) -> None:
    """migrate brings a new database to the newest revision and says which."""
    status, out, _ = _run(capsys, "migrate", "--database-url", tmp_db)
    assert status == 0 and out.startswith("schema at revision ")


def test_tokens_create_prints_the_token_alone(
    capsys: pytest.CaptureFixture[str], tmp_db: str, units_csv: str
) -> None:
    """tokens create prints only the token on stdout (its id on stderr), and the token works."""
    status, out, err = _run(
        capsys, "tokens", "create", "--role", "team", "--team", "T01", "--commune", "C1",
        "--database-url", tmp_db, "--units", units_csv,
    )  # fmt: skip
    assert status == 0
    token = out.strip()
    assert out == token + "\n" and token.startswith("fs_") and "tok_" in err
    assert _works(tmp_db, token) == 200


def test_tokens_enroll_prints_a_link_that_enrolls_one_phone(
    capsys: pytest.CaptureFixture[str], tmp_db: str, units_csv: str
) -> None:
    """tokens enroll prints the link alone on stdout; its code gives one phone a team token, once;
    a commune that is not one is exit 2 with one line."""
    common = ("--database-url", tmp_db, "--units", units_csv)
    status, out, err = _run(
        capsys, "tokens", "enroll", "--team", "T01", "--commune", "C1", "--base-url", "https://fb.example",
        *common,
    )  # fmt: skip
    assert status == 0, err
    link = out.strip()
    assert out == link + "\n" and link.startswith("https://fb.example/team/#enroll=fse_") and "enr_" in err
    code = link.split("#enroll=", 1)[1]
    app = create_app(Settings(database_url=tmp_db))
    with Api.running(app) as api:
        assert api.post("/enrollments/redeem", {"code": code}, who=None).status_code == 201
        assert api.post("/enrollments/redeem", {"code": code}, who=None).status_code == 410
    capsys.readouterr()  # the app's own log lines
    status, out, err = _run(capsys, "tokens", "enroll", "--team", "T01", "--commune", "C1-01", *common)
    assert status == 2 and out == "" and "not a commune" in err and len(err.splitlines()) == 1


def test_tokens_revoke(capsys: pytest.CaptureFixture[str], tmp_db: str, units_csv: str) -> None:
    """A revoked token stops working; revoking an unknown id is exit 2 with a message."""
    common = ("--database-url", tmp_db, "--units", units_csv)
    _, out, err = _run(capsys, "tokens", "create", "--role", "official", "--scope", "P", *common)
    token, token_id = out.strip(), err.split()[2]
    assert _works(tmp_db, token) == 200
    status, _, _ = _run(capsys, "tokens", "revoke", token_id, *common)
    assert status == 0 and _works(tmp_db, token) == 401
    status, _, err = _run(capsys, "tokens", "revoke", "tok_nope", *common)
    assert status == 2 and "no token 'tok_nope'" in err and "Traceback" not in err
    _, listing, _ = _run(capsys, "tokens", "list", *common)
    assert token_id in listing and "revoked" in listing and token not in listing


def test_admin_token(capsys: pytest.CaptureFixture[str], tmp_db: str, units_csv: str) -> None:
    """An admin token is issued without binding, and reads no tickets."""
    _, out, _ = _run(
        capsys, "tokens", "create", "--role", "admin", "--database-url", tmp_db, "--units", units_csv
    )
    assert _works(tmp_db, out.strip()) == 403


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--role", "team", "--team", "T01", "--commune", "C9"), "'C9' is not a commune"),
        (("--role", "team", "--commune", "C1"), "needs --team"),
        (("--role", "official", "--scope", "C1-01"), "must be a commune"),
        (("--role", "official", "--team", "T01"), "takes no --team"),
        (("--role", "admin", "--scope", "P"), "takes no --scope"),
    ],
)
def test_bad_token_requests_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_db: str, units_csv: str, args: tuple[str, ...], message: str
) -> None:
    """A token that cannot be issued as asked is a one-line message and exit status 2."""
    status, out, err = _run(capsys, "tokens", "create", *args, "--database-url", tmp_db, "--units", units_csv)
    assert status == 2 and out == "" and message in err and len(err.splitlines()) == 1


def test_team_of_another_commune_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_db: str, units_csv: str
) -> None:
    """A team already known in one commune cannot get a token for another."""
    common = ("--database-url", tmp_db, "--units", units_csv)
    _run(capsys, "tokens", "create", "--role", "team", "--team", "T01", "--commune", "C1", *common)
    status, _, err = _run(
        capsys, "tokens", "create", "--role", "team", "--team", "T01", "--commune", "C2", *common
    )
    assert status == 2 and "already exists in commune C1" in err


def test_bad_settings_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """An unsupported database URL, a broken units file, a bad environment value: exit 2, one line."""
    status, _, err = _run(capsys, "migrate", "--database-url", "mysql://x/y")
    assert status == 2 and "unsupported database URL" in err
    bad_units = tmp_path / "units.csv"
    bad_units.write_text(
        "code,name,level,parent_code\nP,Tỉnh,province,\nC1,Xã,commune,NOPE\n", encoding="utf-8"
    )
    db = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    status, _, err = _run(
        capsys, "tokens", "create", "--role", "admin", "--database-url", db, "--units", str(bad_units)
    )
    assert status == 2 and "units.csv" in err and "Traceback" not in err


def test_bad_environment_value_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A malformed FEEDBACK_* variable is named in the message."""
    monkeypatch.setenv("FEEDBACK_MAX_BATCH_TICKETS", "many")
    status, _, err = _run(capsys, "migrate")
    assert status == 2 and "FEEDBACK_MAX_BATCH_TICKETS" in err


def test_demo_loads_tickets_and_prints_two_tokens(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """demo --no-serve fills a database with teams and tickets and prints a team and a province token."""
    database = tmp_path / "demo.db"
    status, out, err = _run(capsys, "demo", "--no-serve", "--tickets", "25", "--database", str(database))
    assert status == 0, err
    lines = out.splitlines()
    team_token, province_token = lines[1], lines[3]
    assert lines[0].startswith("team token") and lines[2].startswith("province official token")
    assert lines[4].startswith("team app") and "http://127.0.0.1:8000/team/#enroll=fse_" in lines[5]
    url = f"sqlite+aiosqlite:///{database}"
    app = create_app(Settings(database_url=url))
    with Api.running(app) as api:
        tickets = api.get("/tickets?limit=100", who=province_token).json()["items"]
        assert len(tickets) == 25
        assert {t["status"] for t in tickets} <= {
            "open",
            "acknowledged",
            "in_progress",
            "resolved",
            "rejected",
        }
        assert api.get("/tickets", who=team_token).status_code == 200
        some = tickets[0]["id"]
        assert (
            api.get(f"/tickets/{some}/history", who=province_token).json()["entries"][0]["action"] == "create"
        )
    status, out, err = _run(capsys, "demo", "--no-serve", "--database", str(database))
    assert status == 0 and "already holds 25 tickets" in err


def test_demo_is_seeded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same seed gives the same tickets."""

    def ids(name: str) -> list[str]:
        _run(
            capsys, "demo", "--no-serve", "--tickets", "5", "--seed", "3", "--database", str(tmp_path / name)
        )
        from feedback_service.store import open_database

        async def read() -> list[str]:
            import sqlalchemy as sa

            from feedback_service.store.tables import tickets

            db = open_database(f"sqlite+aiosqlite:///{tmp_path / name}")
            async with db.reading() as conn:
                found = sorted((await conn.execute(sa.select(tickets.c.id))).scalars())
            await db.dispose()
            return found

        return asyncio.run(read())

    assert ids("a.db") == ids("b.db")


def test_a_unit_code_too_long_for_the_store_is_refused_at_start(
    capsys: pytest.CaptureFixture[str], tmp_db: str, tmp_path: Path
) -> None:
    """A units file whose code the store cannot hold stops the command with the file, line and field."""
    path = tmp_path / "units.csv"
    write_units_csv(list(small_tree()), path)
    with path.open("a", encoding="utf-8") as f:
        f.write(f"C1-{'x' * 40},Ấp Dài,village,C1\n")
    status, out, err = _run(
        capsys, "tokens", "create", "--role", "official", "--scope", "P",
        "--database-url", tmp_db, "--units", str(path),
    )  # fmt: skip
    assert status == 2 and out == ""
    assert "units.csv:" in err and "$.code: 43 characters; codes of at most 32 are accepted" in err


# The usual mistakes of a first hour: each ends with one line that says what to do, exit status 2.


def _one_line_error(status: int, err: str, expected: str) -> None:
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert expected in err and "Traceback" not in err and err.startswith("feedback-service: ")


@pytest.mark.parametrize("command", [("serve", "--port", "0"), ("migrate",), ("tokens", "list")])
def test_a_missing_units_file_is_one_line_before_anything_starts(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, ...],
) -> None:
    """FEEDBACK_UNITS naming no file stops every command before it binds, prints "serving" or migrates."""
    monkeypatch.setenv("FEEDBACK_UNITS", str(tmp_path / "nope.csv"))
    database = tmp_path / "x.db"
    status, out, err = _run(capsys, *command, "--database-url", f"sqlite:///{database}")
    _one_line_error(status, err, "units: cannot read")
    assert "FEEDBACK_UNITS" in err and "serving" not in out + err and not database.exists()


def test_a_busy_port_is_one_line_and_touches_no_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """serve on a port another process listens on says so, before "serving on" and before migrating."""
    database = tmp_path / "x.db"
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        status, out, err = _run(
            capsys, "serve", "--port", str(port), "--database-url", f"sqlite:///{database}"
        )
    _one_line_error(status, err, f"127.0.0.1:{port} is already in use")
    assert "serving" not in out + err and not database.exists()


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        (
            {"FEEDBACK_DATABASE_URL": "nonsense"},
            (),
            "FEEDBACK_DATABASE_URL: 'nonsense' is not a database URL",
        ),
        ({}, ("--database-url", "nonsense"), "--database-url: 'nonsense' is not a database URL"),
        (
            {"FEEDBACK_DATABASE_URL": "mysql://x/y"},
            (),
            "FEEDBACK_DATABASE_URL: unsupported database URL scheme",
        ),
    ],
)
def test_a_bad_database_url_names_where_it_came_from(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    args: tuple[str, ...],
    expected: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    status, _, err = _run(capsys, "migrate", *args)
    _one_line_error(status, err, expected)
    assert "sqlite:///" in err  # and says what to write instead


def test_plain_database_urls_are_accepted(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """sqlite:///file.db (as people write it) works like the driver-qualified form, on the same file."""
    path = tmp_path / "plain.db"
    status, out, err = _run(capsys, "migrate", "--database-url", f"sqlite:///{path}")
    assert status == 0 and out.startswith("schema at revision"), err
    status, out, _ = _run(capsys, "migrate", "--database-url", f"sqlite+aiosqlite:///{path}")
    assert status == 0 and path.exists()


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+asyncpg"])
def test_plain_postgresql_urls_pick_the_driver(scheme: str) -> None:
    """postgresql:// and postgres:// (what hosting platforms hand out) get the service's driver."""
    from feedback_service.store.database import parse_database_url

    parsed = parse_database_url(f"{scheme}://u:p@db.example:5433/feedback")
    assert parsed.drivername == "postgresql+asyncpg"
    assert (parsed.host, parsed.port, parsed.database, parsed.username) == (
        "db.example",
        5433,
        "feedback",
        "u",
    )


def test_tokens_after_the_demo_go_into_the_demos_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tokens create` run where `demo` was, with no URL given, writes into the demo's database and
    says so, so the token works on the running demo."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FEEDBACK_DATABASE_URL", raising=False)
    status, _, err = _run(capsys, "demo", "--no-serve", "--tickets", "3")
    assert status == 0 and "--database-url sqlite:///" in err  # the demo states its database
    status, out, err = _run(capsys, "tokens", "create", "--role", "official", "--scope", "AG")
    assert status == 0 and "using the demo's database feedback-demo.db" in err
    assert not (tmp_path / "feedback.db").exists()
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'feedback-demo.db'}"))
    with Api.running(app) as api:
        assert api.get("/tickets", who=out.strip()).status_code == 200


def test_a_closed_pipe_ends_quietly(tmp_db: str) -> None:
    """`tokens list | head`: the reader going away is not an error worth a message."""
    assert main(["tokens", "create", "--role", "admin", "--database-url", tmp_db]) == 0
    child = subprocess.Popen(
        [sys.executable, "-m", "feedback_service.cli", "tokens", "list", "--database-url", tmp_db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # before the child writes: its first write finds no reader
    err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 1
    assert err == ""


def test_the_command_line_starts_without_the_service(tmp_path: Path) -> None:
    """`feedback-service --help` imports no framework, driver or ORM (it answers at once)."""
    probe = (
        "import sys, feedback_service.cli as c\n"
        "c.build_parser()\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'litestar', 'alembic', "
        "'aiosqlite', 'asyncpg', 'uvicorn', 'msgspec', 'digitransform'})\n"
        "print(','.join(heavy))\n"
    )
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == ""


def test_the_roles_offered_are_the_services_roles() -> None:
    from feedback_service.auth.principal import Role
    from feedback_service.cli import ROLES

    assert tuple(r.value for r in Role) == ROLES
